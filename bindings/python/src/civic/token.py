"""The local reward token (spec sections 5-7, Heerlen case) over a Ledger.

Thin, typed methods over civic_token_*: every state change is a journal
event on the ledger with its actor and the caller's time (libcivic never
reads a clock). JSON arguments may be dicts; JSON results come back parsed.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from . import capi
from ._context import free_handle
from ._json import dumps, loads
from .ledger import Ledger

__all__ = ["Token"]

JSONArg = Union[Mapping[str, Any], str]


def _text(v: JSONArg) -> str:
    return v if isinstance(v, str) else dumps(v)


class Token:
    """A reward token on a ledger; the ledger must stay open while in use
    (the Token keeps a reference to it). A context manager::

        with civic.Ledger.memory() as ledger, civic.Token.setup(ledger, {"code": "HLN", "issuer": "heerlen"}, time=0) as hln:
            hln.fund_reserve("heerlen", 100_000, time=1)
    """

    __slots__ = ("_h", "ledger")

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger  # keep the borrowed ledger alive
        self._h: Optional[capi.civic_token] = capi.civic_token_new(ledger.handle)

    @classmethod
    def setup(cls, ledger: Ledger, config: JSONArg, time: int) -> "Token":
        """Create a new token (``{"code", "issuer", ...}``, see token.h)."""
        t = cls(ledger)
        capi.civic_token_setup(t._h, _text(config), time)
        return t

    @classmethod
    def load(cls, ledger: Ledger, code: str) -> "Token":
        """Open a token already set up on ``ledger``."""
        t = cls(ledger)
        capi.civic_token_load(t._h, code)
        return t

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            free_handle(h)

    def __enter__(self) -> "Token":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # reserve and policy
    def fund_reserve(self, actor: str, amount: int, time: int) -> None:
        capi.civic_token_fund_reserve(self._h, actor, amount, time)

    def set_citizen_transfers(self, actor: str, allow: bool, time: int) -> None:
        capi.civic_token_set_citizen_transfers(self._h, actor, 1 if allow else 0, time)

    # tasks
    def task_create(self, actor: str, task: JSONArg, time: int) -> None:
        capi.civic_token_task_create(self._h, actor, _text(task), time)

    def task_publish(self, actor: str, task: str, time: int) -> None:
        capi.civic_token_task_publish(self._h, actor, task, time)

    def task_commit(self, citizen: str, task: str, time: int) -> None:
        capi.civic_token_task_commit(self._h, citizen, task, time)

    def task_submit(self, citizen: str, task: str, evidence: str, time: int) -> None:
        capi.civic_token_task_submit(self._h, citizen, task, evidence, time)

    def task_approve(self, actor: str, task: str, citizen: str, time: int) -> None:
        capi.civic_token_task_approve(self._h, actor, task, citizen, time)

    def task_reject(self, actor: str, task: str, citizen: str, reason: str, time: int) -> None:
        capi.civic_token_task_reject(self._h, actor, task, citizen, reason, time)

    def task_expire(self, actor: str, task: str, time: int) -> None:
        capi.civic_token_task_expire(self._h, actor, task, time)

    def task_cancel(self, actor: str, task: str, time: int) -> None:
        capi.civic_token_task_cancel(self._h, actor, task, time)

    # entrepreneurs and spending
    def entrepreneur_register(self, actor: str, entrepreneur: str, zone: str, time: int) -> None:
        capi.civic_token_entrepreneur_register(self._h, actor, entrepreneur, zone, time)

    def entrepreneur_set_active(self, actor: str, entrepreneur: str, active: bool, time: int) -> None:
        capi.civic_token_entrepreneur_set_active(self._h, actor, entrepreneur, 1 if active else 0, time)

    def spend(self, citizen: str, entrepreneur: str, amount: int, time: int) -> None:
        capi.civic_token_spend(self._h, citizen, entrepreneur, amount, time)

    def transfer(self, sender: str, receiver: str, amount: int, time: int) -> None:
        capi.civic_token_transfer(self._h, sender, receiver, amount, time)

    def redeem(self, entrepreneur: str, tokens: int, time: int) -> dict[str, Any]:
        out = capi.civic_token_redeem(self._h, entrepreneur, tokens, time)
        return loads(out) if out else {}

    def expire_lots(self, time: int) -> None:
        capi.civic_token_expire_lots(self._h, time)

    def balance(self, holder: str, time: int) -> int:
        return capi.civic_token_balance(self._h, holder, time)

    def wallet(self, citizen: str, time: int) -> dict[str, Any]:
        return loads(capi.civic_token_wallet_json(self._h, citizen, time))

    # polls
    def poll_create(self, actor: str, poll: JSONArg, time: int) -> None:
        capi.civic_token_poll_create(self._h, actor, _text(poll), time)

    def poll_vote(self, poll: str, voter: str, ballot: JSONArg, time: int) -> None:
        capi.civic_token_poll_vote(self._h, poll, voter, _text(ballot), time)

    def poll_close(self, actor: str, poll: str, time: int) -> None:
        capi.civic_token_poll_close(self._h, actor, poll, time)

    def poll_tally(self, poll: str) -> dict[str, Any]:
        return loads(capi.civic_token_poll_tally(self._h, poll))

    def dashboard(self) -> dict[str, Any]:
        return loads(capi.civic_token_dashboard_json(self._h))
