"""Monthly settlement of residents' escrow accounts on a Ledger
(docs/settlement.md): consent, a period run per resident, alerts and
statements, and :func:`settle_many` for a whole month-end from a list of
plans or a DataFrame."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Union

from . import capi
from ._context import ctx as _ctx
from ._errors import CivicError
from ._json import dumps, loads
from .ledger import Ledger

__all__ = [
    "setup",
    "consent_grant",
    "consent_revoke",
    "consent_status",
    "settle_period",
    "settle_many",
    "alerts",
    "statement_text",
    "format_eur",
    "DEFAULT_FUND",
]

DEFAULT_FUND: str = "fund:guarantee"

Plan = Union[Mapping[str, Any], str]


def setup(ledger: Ledger, credit_line: int, fund: Optional[str] = None) -> None:
    """Create EUR and the guarantee fund (min_balance = -credit_line) unless
    they exist with the same fields."""
    capi.civic_settle_setup(_ctx(), ledger.handle, fund, credit_line)


def consent_grant(ledger: Ledger, resident: str, actor: str, time: int,
                  scope: Optional[str] = None) -> None:
    """Record the resident's consent (a journal event)."""
    capi.civic_settle_consent_grant(_ctx(), ledger.handle, resident, actor, time, scope)


def consent_revoke(ledger: Ledger, resident: str, actor: str, time: int) -> None:
    """Revoke consent and return control (buffer and escrow paid out)."""
    capi.civic_settle_consent_revoke(_ctx(), ledger.handle, resident, actor, time)


def consent_status(ledger: Ledger, resident: str) -> bool:
    """Whether consent is in force for ``resident``."""
    return bool(capi.civic_settle_consent_status(_ctx(), ledger.handle, resident))


def settle_period(ledger: Ledger, plan: Plan) -> dict[str, Any]:
    """Settle one resident's period as of a day, all or nothing; returns the
    statement (what came in, what went where, flags, alerts, balances, the
    transfers posted by this call). Re-running posts only the difference."""
    text = plan if isinstance(plan, str) else dumps(plan)
    out = capi.civic_settle_period_json(_ctx(), ledger.handle, text)
    return loads(out) if out else {}


def alerts(ledger: Ledger, day: int) -> dict[str, Any]:
    """Late-income alerts and flagged residents for the municipal app."""
    return loads(capi.civic_settle_alerts_json(_ctx(), ledger.handle, day))


def statement_text(result: Union[Mapping[str, Any], str]) -> str:
    """A settle_period result as a readable statement (``EUR 1234.56``)."""
    text = result if isinstance(result, str) else dumps(result)
    return capi.civic_settle_statement_text(_ctx(), text)


def format_eur(cents: int) -> str:
    """``123456 -> "EUR 1234.56"``."""
    return capi.civic_settle_format_eur(cents)


_SUMMARY = ("recovery", "top_up", "living_allowance", "advance", "receivable_after")


def settle_many(ledger: Ledger, plans: Any, *, errors: str = "raise") -> Any:
    """Settle many residents' periods (a list of plan dicts, or a DataFrame
    whose rows are plans) and return a DataFrame with one row per plan:
    ``resident``, ``period``, ``ok``, ``error``, the statement's
    ``recovery``, ``top_up``, ``living_allowance``, ``advance``,
    ``receivable_after`` and ``flags``, plus the full statement in
    ``result``.

    Each run is one libcivic call with the GIL released. With
    ``errors="raise"`` the first refused plan raises (earlier plans stay
    settled, each being all or nothing on its own); with ``errors="return"``
    its row has ``ok=False`` and the error name.
    """
    if hasattr(plans, "to_dict") and hasattr(plans, "columns"):
        plans = plans.to_dict(orient="records")
    c = _ctx()
    h = ledger.handle
    run = capi.civic_settle_period_json
    rows: list[dict[str, Any]] = []
    for plan in plans:
        text = plan if isinstance(plan, str) else dumps(plan)
        row: dict[str, Any] = {}
        if isinstance(plan, Mapping):
            row["resident"], row["period"] = plan.get("resident"), plan.get("period")
        try:
            res = loads(run(c, h, text) or "{}")
        except CivicError as e:
            if errors != "return":
                raise
            row.update(ok=False, error=e.name, message=e.message, result=None)
        else:
            row.update(ok=True, error=None, message="")
            for k in _SUMMARY:
                row[k] = res.get(k)
            row["flags"] = res.get("flags")
            row["result"] = res
        rows.append(row)
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)
