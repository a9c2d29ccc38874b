"""libcivic for Python: the deterministic settlement core for municipalities.

The one door for every consensus-critical kind (spec section 8)::

    >>> import civic
    >>> civic.evaluate("redeem", {"tokens": 1000, "rate_num": 1, "rate_den": 1, "fee_bp": 150})
    {'gross': 1000, 'net': 985, 'fee': 15}

Bad input raises :class:`civic.CivicError` (a subclass per status family)
with ``.code``, ``.name`` (e.g. ``"negative_amount"``) and ``.message``
naming the field. Handles (:class:`Ledger`, :class:`WaterfallPlan`) are
context managers. :func:`waterfall_batch` runs many households at once from
lists of dicts, numpy arrays or pandas DataFrames.
"""

from __future__ import annotations

from typing import Any, Mapping, Union

from . import capi, settle, synthetic
from ._context import ctx as _ctx
from ._errors import (
    CivicError,
    InputError,
    LedgerError,
    RecalcError,
    SecurityError,
    SettlementError,
    TokenError,
)
from ._json import dumps as _dumps
from ._json import loads as _loads
from .ledger import Ledger
from .recalc import RecalcScheme
from .token import Token
from .waterfall import (
    WaterfallPlan,
    WaterfallResult,
    waterfall,
    waterfall_batch,
    waterfall_columns,
)

__all__ = [
    "evaluate",
    "evaluate_many",
    "KINDS",
    "status_name",
    "strerror",
    "version",
    "__version__",
    "CivicError",
    "InputError",
    "LedgerError",
    "SettlementError",
    "RecalcError",
    "TokenError",
    "SecurityError",
    "Ledger",
    "Token",
    "RecalcScheme",
    "settle",
    "WaterfallPlan",
    "WaterfallResult",
    "waterfall",
    "waterfall_batch",
    "waterfall_columns",
]

__version__: str = capi.civic_version_string()

#: The kinds :func:`evaluate` knows (libcivic/evaluate.c).
KINDS = ("waterfall", "prorate", "redeem", "tally", "split", "recalc")

JSONInput = Union[Mapping[str, Any], str, bytes]


def version() -> str:
    """The runtime libcivic version, e.g. ``"0.1.0"``."""
    return capi.civic_version_string()


def status_name(code: int) -> str:
    """Stable snake_case name of a status code (``7 -> "negative_amount"``)."""
    return capi.civic_status_name(int(code))


def strerror(code: int) -> str:
    """One English sentence describing a status code."""
    return capi.civic_strerror(int(code))


def _text(obj: JSONInput) -> str:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode("utf-8")
    try:
        return _dumps(obj)
    except ValueError as e:  # NaN or infinity: not an integer
        raise InputError(6, "not_integer", str(e)) from None


def evaluate(kind: str, obj: JSONInput) -> dict[str, Any]:
    """Evaluate one input object of ``kind`` and return the output object.

    Args:
        kind: ``"waterfall"``, ``"prorate"``, ``"redeem"``, ``"tally"``,
            ``"split"`` or ``"recalc"``.
        obj: the input as a dict (Python ints are sent exactly; bools stay
            JSON booleans, never numbers), or as JSON text.

    Returns:
        The output object as a dict (integers exact).

    Raises:
        CivicError: bad input; ``.name`` is the status name
            (``"negative_amount"``, ``"overflow"``, ...), ``.message`` names
            the field. The GIL is released while libcivic computes.
    """
    out = capi.civic_evaluate(_ctx(), kind, _text(obj))
    return _loads(out)


def evaluate_many(kind: str, objs: Any, *, errors: str = "raise") -> list[Any]:
    """Evaluate a sequence of inputs of one kind (a list of dicts, or a
    pandas DataFrame whose rows are input objects).

    With ``errors="raise"`` the first bad input raises; with
    ``errors="return"`` its place in the result holds the
    :class:`CivicError` instead. For waterfalls over many households
    :func:`waterfall_batch` is much faster.
    """
    if hasattr(objs, "to_dict") and hasattr(objs, "columns"):
        objs = objs.to_dict(orient="records")
    c = _ctx()
    run = capi.civic_evaluate
    results: list[Any] = []
    for obj in objs:
        try:
            results.append(_loads(run(c, kind, _text(obj))))
        except CivicError as e:
            if errors != "return":
                raise
            results.append(e)
    return results
