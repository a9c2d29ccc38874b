"""The double-entry ledger (spec sections 1 and 9) as a Python object."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Union

from . import capi
from ._context import free_handle
from ._errors import CivicError, InputError
from ._json import dumps, loads

__all__ = ["Ledger"]

PathLike = Union[str, "os.PathLike[str]"]


class Ledger:
    """A ledger in memory or backed by a journal file.

    Use it as a context manager so the journal is closed at once::

        with civic.Ledger.memory() as ledger:
            ledger.post({"assets": [{"code": "EUR", "scale": 2}], ...})
            print(ledger.balances())

    A ledger may be shared by threads (posting is serialised inside libcivic
    and releases the GIL).
    """

    __slots__ = ("_h", "path")

    def __init__(self, handle: "capi.civic_ledger", path: Optional[str] = None) -> None:
        self._h: Optional[capi.civic_ledger] = handle
        self.path = path

    # ---- construction ------------------------------------------------------
    @classmethod
    def memory(cls) -> "Ledger":
        """A new, empty in-memory ledger (nothing is written to disk)."""
        return cls(capi.civic_ledger_new_memory())

    @classmethod
    def create(cls, path: PathLike) -> "Ledger":
        """Create a new empty journal at ``path`` (which must not exist)."""
        p = os.fspath(path)
        return cls(capi.civic_ledger_create(p), p)

    @classmethod
    def open(cls, path: PathLike) -> "Ledger":
        """Open an existing journal, replaying and checking every record."""
        p = os.fspath(path)
        return cls(capi.civic_ledger_open(p), p)

    # ---- lifetime ----------------------------------------------------------
    def close(self) -> None:
        """Close the journal and free the ledger; safe to call twice."""
        h, self._h = self._h, None
        if h is not None:
            free_handle(h)

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def handle(self) -> "capi.civic_ledger":
        """The raw SWIG handle (for civic.capi calls)."""
        if self._h is None:
            raise InputError(2, "invalid_argument", "the ledger is closed")
        return self._h

    # ---- writing -----------------------------------------------------------
    def post(self, batch: Union[Mapping[str, Any], str]) -> dict[str, Any]:
        """Apply one batch (spec section 9 form), all or nothing.

        Returns ``{"position", "applied", "skipped"}``. Raises
        :class:`CivicError` (nothing changed) when the batch is refused.
        """
        text = batch if isinstance(batch, str) else dumps(batch)
        out = capi.civic_ledger_post_json(self.handle, text)
        return loads(out) if out else {}

    # ---- reading -----------------------------------------------------------
    def balance(self, account: str) -> int:
        """Current balance of ``account`` in minor units."""
        return capi.civic_ledger_balance(self.handle, account)

    def balances(self) -> dict[str, Any]:
        """``{"accounts": [{"id", "asset", "balance"}], "state_hash": hex}``."""
        return loads(capi.civic_ledger_balances_json(self.handle))

    def balances_frame(self) -> Any:
        """The balances as a pandas DataFrame (columns id, asset, balance)."""
        import pandas as pd

        return pd.DataFrame(self.balances()["accounts"], columns=["id", "asset", "balance"])

    @property
    def state_hash(self) -> str:
        """BLAKE2b-256 of the canonical state, 64 lowercase hex characters."""
        return capi.civic_ledger_state_hash_hex(self.handle)

    @property
    def position(self) -> int:
        """Journal position of the last accepted batch (0 when empty)."""
        return capi.civic_ledger_position(self.handle)

    def account(self, account: str) -> dict[str, Any]:
        """One account with its pending totals."""
        return loads(capi.civic_ledger_account_json(self.handle, account))

    def history(self, account: str) -> dict[str, Any]:
        """An account's entries in posting order."""
        return loads(capi.civic_ledger_history_json(self.handle, account))

    def events(self, type_prefix: str = "") -> list[dict[str, Any]]:
        """Journal events whose type starts with ``type_prefix``."""
        return loads(capi.civic_ledger_events_json(self.handle, type_prefix))["events"]

    @staticmethod
    def verify(path: PathLike) -> dict[str, Any]:
        """Re-check a journal file (checksums, hash links, signatures, replay)
        without opening it for writing. Returns ``{"ok": True, ...}`` or
        ``{"ok": False, "error": name, "message": ...}``."""
        try:
            return loads(capi.civic_ledger_verify_file(os.fspath(path)))
        except CivicError as e:
            return {"ok": False, "error": e.name, "code": e.code, "message": e.message}

    def __repr__(self) -> str:
        where = self.path or "memory"
        state = "closed" if self._h is None else "open"
        return f"<civic.Ledger {where} {state}>"
