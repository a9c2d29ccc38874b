"""The benefit-priority waterfall (spec sections 2-3): one plan at a time
with an explanation, or many households at once through libcivic's columnar
batch API (numpy int64 columns, GIL released) with DataFrames back."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

from . import capi
from ._context import ctx as _ctx
from ._context import free_handle, need_numpy
from ._errors import InputError
from ._json import dumps, loads

__all__ = [
    "WaterfallPlan",
    "WaterfallResult",
    "WaterfallBatchResult",
    "waterfall",
    "waterfall_batch",
    "waterfall_columns",
    "PLAN_COLUMNS",
    "INCOME_COLUMNS",
    "OBLIGATION_COLUMNS",
]

_TRACE = capi.CIVIC_WATERFALL_TRACE


# --------------------------------------------------------------------------
# One plan
# --------------------------------------------------------------------------


class WaterfallResult:
    """The outcome of one waterfall run (a context manager, like the plan)."""

    __slots__ = ("_h", "_traced")

    def __init__(self, handle: "capi.civic_waterfall_result", traced: bool) -> None:
        self._h = handle
        self._traced = traced

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            free_handle(h)

    def __enter__(self) -> "WaterfallResult":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def to_dict(self) -> dict[str, Any]:
        """The spec section 8 output object (plus ``trace`` when traced)."""
        flags = _TRACE if self._traced else 0
        return loads(capi.civic_waterfall_result_to_json(_ctx(), self._h, flags))

    def explain(self) -> str:
        """Plain-English explanation, one sentence per line (needs
        ``run(trace=True)``)."""
        return capi.civic_waterfall_result_explain_text(_ctx(), self._h)

    @property
    def living_allowance(self) -> int:
        return capi.civic_waterfall_result_living_allowance(self._h)

    @property
    def top_up(self) -> int:
        return capi.civic_waterfall_result_top_up(self._h)

    @property
    def recovery(self) -> int:
        return capi.civic_waterfall_result_recovery(self._h)

    @property
    def advance(self) -> int:
        return capi.civic_waterfall_result_advance(self._h)

    @property
    def receivable_after(self) -> int:
        return capi.civic_waterfall_result_receivable_after(self._h)


class WaterfallPlan:
    """One resident's plan for one period, built in place or from a dict::

        with civic.WaterfallPlan() as plan:
            plan.set_balances(opening_balance=0, receivable_outstanding=0)
            plan.set_policy(living_floor=40000, floor_guaranteed=True, recovery_cap=5000)
            plan.add_income("assistance", 120000)
            plan.add_obligation("rent", "rent", priority=0, amount=80000, guaranteed=True)
            print(plan.run().to_dict())

    Values are checked when the plan runs (the error names the item).
    """

    __slots__ = ("_h",)

    def __init__(self, spec: Optional[Mapping[str, Any]] = None) -> None:
        self._h: Optional[capi.civic_waterfall_plan] = capi.civic_waterfall_plan_new()
        if spec is not None:
            self.load(spec)

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            free_handle(h)

    def __enter__(self) -> "WaterfallPlan":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def load(self, spec: Union[Mapping[str, Any], str]) -> "WaterfallPlan":
        """Replace the content with a spec section 8 input object."""
        text = spec if isinstance(spec, str) else dumps(spec)
        capi.civic_waterfall_plan_load_json(_ctx(), self._h, text)
        return self

    def reset(self) -> "WaterfallPlan":
        capi.civic_waterfall_plan_reset(self._h)
        return self

    def set_balances(self, opening_balance: int, receivable_outstanding: int = 0) -> "WaterfallPlan":
        capi.civic_waterfall_plan_set_balances(
            self._h, _int("opening_balance", opening_balance),
            _int("receivable_outstanding", receivable_outstanding))
        return self

    def set_policy(self, living_floor: int, floor_guaranteed: bool = False,
                   recovery_cap: int = 0) -> "WaterfallPlan":
        capi.civic_waterfall_plan_set_policy(
            self._h, _int("living_floor", living_floor),
            _bool("floor_guaranteed", floor_guaranteed),
            _int("recovery_cap", recovery_cap))
        return self

    def add_income(self, id: str, amount: int, earmark: Optional[str] = None) -> "WaterfallPlan":
        capi.civic_waterfall_plan_add_income(self._h, id, _int("amount", amount), earmark)
        return self

    def add_obligation(self, id: str, category: str, priority: int, amount: int,
                       guaranteed: bool = False) -> "WaterfallPlan":
        capi.civic_waterfall_plan_add_obligation(
            self._h, id, category, _int("priority", priority), _int("amount", amount),
            _bool("guaranteed", guaranteed))
        return self

    def run(self, trace: bool = False) -> WaterfallResult:
        """Run the waterfall; raises :class:`CivicError` on a bad value."""
        result = WaterfallResult(capi.civic_waterfall_result_new(), trace)
        capi.civic_waterfall_run(_ctx(), self._h, _TRACE if trace else 0, result._h)
        return result


def waterfall(plan: Mapping[str, Any], trace: bool = False) -> dict[str, Any]:
    """Run one plan given as a spec dict; with ``trace=True`` the result also
    has ``trace`` (every euro's source, destination and rule) and
    ``explanation`` (plain-English text)."""
    with WaterfallPlan(plan) as p, p.run(trace=trace) as r:
        out = r.to_dict()
        if trace:
            out["explanation"] = r.explain()
        return out


def _int(field: str, v: Any) -> int:
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise InputError(5, "wrong_type", f"{field}: must be an integer, not {type(v).__name__}")
    return v.__index__()


def _bool(field: str, v: Any) -> int:
    if type(v).__name__ not in ("bool", "bool_"):
        raise InputError(5, "wrong_type", f"{field}: must be a bool, not {type(v).__name__}")
    return 1 if v else 0


# --------------------------------------------------------------------------
# Many plans: the columnar batch API
# --------------------------------------------------------------------------

#: Plan columns: name -> libcivic column, bool-valued?
PLAN_COLUMNS = {
    "opening_balance": (capi.CIVIC_WATERFALL_COL_OPENING_BALANCE, False),
    "receivable_outstanding": (capi.CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING, False),
    "living_floor": (capi.CIVIC_WATERFALL_COL_LIVING_FLOOR, False),
    "floor_guaranteed": (capi.CIVIC_WATERFALL_COL_FLOOR_GUARANTEED, True),
    "recovery_cap": (capi.CIVIC_WATERFALL_COL_RECOVERY_CAP, False),
}
#: Income row columns (``earmark``: category code, or a string, < 0 / None = general).
INCOME_COLUMNS = {
    "plan": (capi.CIVIC_WATERFALL_COL_INCOME_PLAN, False),
    "amount": (capi.CIVIC_WATERFALL_COL_INCOME_AMOUNT, False),
    "earmark": (capi.CIVIC_WATERFALL_COL_INCOME_EARMARK, False),
}
#: Obligation row columns (``category``: code >= 0 or a string).
OBLIGATION_COLUMNS = {
    "plan": (capi.CIVIC_WATERFALL_COL_OBLIGATION_PLAN, False),
    "category": (capi.CIVIC_WATERFALL_COL_OBLIGATION_CATEGORY, False),
    "priority": (capi.CIVIC_WATERFALL_COL_OBLIGATION_PRIORITY, False),
    "amount": (capi.CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT, False),
    "guaranteed": (capi.CIVIC_WATERFALL_COL_OBLIGATION_GUARANTEED, True),
}
_PLAN_OUT = {
    "living_allowance": capi.CIVIC_WATERFALL_COL_LIVING_ALLOWANCE,
    "top_up": capi.CIVIC_WATERFALL_COL_TOP_UP,
    "recovery": capi.CIVIC_WATERFALL_COL_RECOVERY,
    "advance": capi.CIVIC_WATERFALL_COL_ADVANCE,
    "receivable_after": capi.CIVIC_WATERFALL_COL_RECEIVABLE_AFTER,
}
_OBLIGATION_OUT = {
    "paid_earmarked": capi.CIVIC_WATERFALL_COL_PAID_EARMARKED,
    "paid_general": capi.CIVIC_WATERFALL_COL_PAID_GENERAL,
    "covered": capi.CIVIC_WATERFALL_COL_COVERED,
    "unpaid": capi.CIVIC_WATERFALL_COL_UNPAID,
}


class WaterfallBatchResult(NamedTuple):
    """Results of :func:`waterfall_columns` / :func:`waterfall_batch`.

    ``plans``: one row per plan (living_allowance, top_up, recovery, advance,
    receivable_after); ``obligations``: one row per obligation in the order
    given (plan, the input columns, paid_earmarked, paid_general, covered,
    unpaid). Both are pandas DataFrames when pandas is installed, else dicts
    of numpy arrays.
    """

    plans: Any
    obligations: Any


def _column(table: Any, name: str) -> Any:
    try:
        return table[name]
    except (KeyError, IndexError, ValueError):
        raise InputError(4, "missing_field", f"column {name}: missing") from None


def _as_int64(name: str, values: Any, is_bool: bool) -> Any:
    """A C-contiguous int64 numpy array; floats are refused (never rounded),
    bools only where the column is a boolean."""
    import numpy as np

    a = np.asarray(values)
    if a.dtype == np.bool_:
        if not is_bool:
            raise InputError(5, "wrong_type", f"column {name}: booleans are not amounts")
        return a.astype(np.int64)
    if a.dtype.kind in "iu":
        if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
            raise InputError(8, "overflow", f"column {name}: value outside int64")
        return np.ascontiguousarray(a, dtype=np.int64)
    if a.dtype.kind == "O" and all(type(v) is int for v in a.tolist()):
        try:
            return np.array(a.tolist(), dtype=np.int64)
        except OverflowError:
            raise InputError(8, "overflow", f"column {name}: value outside int64") from None
    if a.dtype.kind == "f":
        raise InputError(6, "not_integer", f"column {name}: {a.dtype} is not an integer type")
    raise InputError(5, "wrong_type", f"column {name}: {a.dtype} is not an integer type")


def _codes(name: str, values: Any, codes: dict, general_ok: bool) -> Any:
    """Category/earmark column: integer codes pass through; strings get
    codes from ``codes`` (shared by categories and earmarks)."""
    import numpy as np

    a = np.asarray(values)
    if a.dtype.kind in "iu" or a.dtype == np.bool_:
        return _as_int64(name, a, False)
    out = np.empty(len(a), dtype=np.int64)
    for i, v in enumerate(a.tolist()):
        if v is None or (isinstance(v, float) and v != v):
            if not general_ok:
                raise InputError(4, "missing_field", f"column {name}[{i}]: missing")
            out[i] = -1
        elif isinstance(v, str):
            out[i] = codes.setdefault(v, len(codes))
        else:
            raise InputError(5, "wrong_type", f"column {name}[{i}]: must be a string")
    return out


def waterfall_columns(plans: Any, incomes: Any, obligations: Any) -> WaterfallBatchResult:
    """Run many waterfalls from columns (dicts of arrays or DataFrames).

    Args:
        plans: columns ``opening_balance``, ``receivable_outstanding``,
            ``living_floor``, ``floor_guaranteed`` (bool), ``recovery_cap``;
            one row per plan.
        incomes: columns ``plan`` (row index into plans), ``amount``,
            ``earmark`` (category string or code; None / < 0 = general).
        obligations: columns ``plan``, ``category`` (string or code),
            ``priority``, ``amount``, ``guaranteed`` (bool); optional ``id``
            (within a plan, rows are ordered by id to break pro-rata ties as
            the JSON form does; without ids, row order breaks them).

    Rows need not be sorted by plan. Integer columns must have an integer
    dtype (floats are refused, never rounded). The whole computation runs in
    libcivic with the GIL released; bad values raise :class:`CivicError`
    naming the plan and row, and nothing is returned.
    """
    np: Any = need_numpy()

    n_plans = len(_column(plans, "opening_balance"))
    codes: dict = {}
    batch = capi.civic_waterfall_batch_new()
    try:
        for name, (col, is_bool) in PLAN_COLUMNS.items():
            capi.civic_waterfall_batch_set_column(batch, col, _as_int64(name, _column(plans, name), is_bool))

        inc_plan = _as_int64("incomes.plan", _column(incomes, "plan"), False)
        inc_order = None if _grouped(inc_plan) else np.argsort(inc_plan, kind="stable")
        for name, (col, is_bool) in INCOME_COLUMNS.items():
            if name == "earmark":
                v = _codes("incomes.earmark", _column(incomes, name), codes, True)
            else:
                v = _as_int64("incomes." + name, _column(incomes, name), is_bool)
            capi.civic_waterfall_batch_set_column(batch, col, _take(v, inc_order))

        ob_plan = _as_int64("obligations.plan", _column(obligations, "plan"), False)
        ob_ids = _optional_column(obligations, "id")
        ob_order = _obligation_order(ob_plan, ob_ids)
        ob_cols = {}
        for name, (col, is_bool) in OBLIGATION_COLUMNS.items():
            if name == "category":
                v = _codes("obligations.category", _column(obligations, name), codes, False)
            else:
                v = _as_int64("obligations." + name, _column(obligations, name), is_bool)
            ob_cols[name] = v
            capi.civic_waterfall_batch_set_column(batch, col, _take(v, ob_order))

        capi.civic_waterfall_batch_run(_ctx(), batch)

        plan_out = {}
        for name, col in _PLAN_OUT.items():
            a = np.empty(n_plans, dtype=np.int64)
            capi.civic_waterfall_batch_get_column(batch, col, a)
            plan_out[name] = a
        n_ob = len(ob_plan)
        ob_out: dict[str, Any] = {"plan": ob_plan}
        if ob_ids is not None:
            ob_out["id"] = np.asarray(ob_ids)
        for name in ("category", "priority", "amount", "guaranteed"):
            ob_out[name] = _optional_column(obligations, name)
        for name, col in _OBLIGATION_OUT.items():
            a = np.empty(n_ob, dtype=np.int64)
            capi.civic_waterfall_batch_get_column(batch, col, a)
            if ob_order is not None:  # back to the caller's row order
                back = np.empty_like(a)
                back[ob_order] = a
                a = back
            ob_out[name] = a
    finally:
        free_handle(batch)
    return WaterfallBatchResult(_frame(plan_out), _frame(ob_out))


def _obligation_order(plan: Any, ids: Any) -> Any:
    """Row order for libcivic: grouped by plan and, when ids are given, by
    id within a plan (byte-wise, as the JSON form breaks ties); duplicate
    ids within a plan are refused as in the JSON form."""
    import numpy as np

    if ids is None:
        return None if _grouped(plan) else np.argsort(plan, kind="stable")
    ids = np.asarray(ids, dtype=object)
    if len(ids) < 2:
        return None
    # Python compares str by code point, which is the UTF-8 byte order.
    same = plan[1:] == plan[:-1]
    if _grouped(plan) and np.all(ids[1:][same] > ids[:-1][same]):
        return None  # already in order: the common case
    order = np.lexsort((ids.astype(str), plan))
    p, i = plan[order], ids[order]
    dup = np.flatnonzero((p[1:] == p[:-1]) & (i[1:] == i[:-1]))
    if dup.size:
        k = int(order[dup[0] + 1])
        raise InputError(9, "duplicate_id", f"obligations row {k}: id '{ids[k]}' appears twice in plan {int(plan[k])}")
    return order


def _grouped(plan: Any) -> bool:
    """Rows already grouped by plan (non-decreasing plan index)?"""
    import numpy as np

    return bool(len(plan) < 2 or np.all(plan[1:] >= plan[:-1]))


def _take(v: Any, order: Any) -> Any:
    """``v`` in libcivic's row order (no copy when already in order)."""
    import numpy as np

    return np.ascontiguousarray(v if order is None else v[order])


def _optional_column(table: Any, name: str) -> Any:
    try:
        return table[name]
    except (KeyError, IndexError, ValueError):
        return None


def _frame(columns: dict) -> Any:
    try:
        import pandas as pd
    except ImportError:  # numpy only: hand back the arrays
        return columns
    return pd.DataFrame(columns)


def waterfall_batch(households: Any) -> WaterfallBatchResult:
    """Run the waterfall for many households given as spec section 8 input
    objects: a list of dicts, a pandas Series of dicts, or a DataFrame whose
    columns are the input fields (``incomes`` and ``obligations`` holding
    lists of dicts, ``policy`` a dict).

    Returns :class:`WaterfallBatchResult`: ``plans`` has one row per
    household (index = household position) and ``obligations`` one row per
    obligation with ``plan`` and ``id``. The numbers equal
    ``civic.evaluate("waterfall", h)`` for every household; bad input raises
    :class:`CivicError` naming ``households[i]`` and the field.
    """
    np: Any = need_numpy()

    if hasattr(households, "columns") and hasattr(households, "to_dict"):
        households = households.to_dict(orient="records")  # a DataFrame of plans
    elif hasattr(households, "tolist"):
        households = households.tolist()  # a Series of dicts
    plan_cols: dict[str, list] = {k: [] for k in PLAN_COLUMNS}
    inc: dict[str, list] = {"plan": [], "amount": [], "earmark": []}
    ob: dict[str, list] = {k: [] for k in ("plan", "id", "category", "priority", "amount", "guaranteed")}
    for i, h in enumerate(households):
        _flatten_household(i, h, plan_cols, inc, ob)
    plans = {k: _to_array(f"households[*].{k}", v, k == "floor_guaranteed") for k, v in plan_cols.items()}
    incomes = {"plan": np.array(inc["plan"], dtype=np.int64),
               "amount": _to_array("incomes.amount", inc["amount"], False),
               "earmark": np.array(inc["earmark"], dtype=object)}
    obligations = {"plan": np.array(ob["plan"], dtype=np.int64),
                   "id": np.array(ob["id"], dtype=object),
                   "category": np.array(ob["category"], dtype=object),
                   "priority": _to_array("obligations.priority", ob["priority"], False),
                   "amount": _to_array("obligations.amount", ob["amount"], False),
                   "guaranteed": np.array(ob["guaranteed"], dtype=bool)}
    return waterfall_columns(plans, incomes, obligations)


def _to_array(name: str, values: list, is_bool: bool) -> Any:
    import numpy as np

    if is_bool:
        return np.array(values, dtype=bool)
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        raise InputError(8, "overflow", f"{name}: value outside int64") from None


def _need(where: str, obj: Any, key: str, kind: str) -> Any:
    if not isinstance(obj, Mapping):
        raise InputError(5, "wrong_type", f"{where}: must be an object")
    if key not in obj or obj[key] is None:
        raise InputError(4, "missing_field", f"{where}.{key}: missing")
    v = obj[key]
    if kind == "int":
        if type(v) is bool or not isinstance(v, int):
            if isinstance(v, float):
                raise InputError(6, "not_integer", f"{where}.{key}: must be an integer")
            raise InputError(5, "wrong_type", f"{where}.{key}: must be an integer")
        if not -(2**63) <= v < 2**63:
            raise InputError(8, "overflow", f"{where}.{key}: outside int64")
    elif kind == "bool":
        if type(v) is not bool:
            raise InputError(5, "wrong_type", f"{where}.{key}: must be a boolean")
    elif kind == "str":
        if not isinstance(v, str):
            raise InputError(5, "wrong_type", f"{where}.{key}: must be a string")
    elif kind == "list":
        if not isinstance(v, (list, tuple)):
            raise InputError(5, "wrong_type", f"{where}.{key}: must be an array")
    return v


def _flatten_household(i: int, h: Any, plan_cols: dict, inc: dict, ob: dict) -> None:
    where = f"households[{i}]"
    plan_cols["opening_balance"].append(_need(where, h, "opening_balance", "int"))
    plan_cols["receivable_outstanding"].append(_need(where, h, "receivable_outstanding", "int"))
    policy = _need(where, h, "policy", "obj")
    pw = where + ".policy"
    plan_cols["living_floor"].append(_need(pw, policy, "living_floor", "int"))
    plan_cols["floor_guaranteed"].append(_need(pw, policy, "floor_guaranteed", "bool"))
    plan_cols["recovery_cap"].append(_need(pw, policy, "recovery_cap", "int"))
    seen: set = set()
    for j, x in enumerate(_need(where, h, "incomes", "list")):
        w = f"{where}.incomes[{j}]"
        iid = _need(w, x, "id", "str")
        if iid in seen:
            raise InputError(9, "duplicate_id", f"{w}.id: '{iid}' appears twice")
        seen.add(iid)
        inc["plan"].append(i)
        inc["amount"].append(_need(w, x, "amount", "int"))
        e = x.get("earmark")
        if e is not None and not isinstance(e, str):
            raise InputError(5, "wrong_type", f"{w}.earmark: must be a string")
        inc["earmark"].append(e)
    seen = set()
    for j, x in enumerate(_need(where, h, "obligations", "list")):
        w = f"{where}.obligations[{j}]"
        oid = _need(w, x, "id", "str")
        if oid in seen:
            raise InputError(9, "duplicate_id", f"{w}.id: '{oid}' appears twice")
        seen.add(oid)
        ob["plan"].append(i)
        ob["id"].append(oid)
        ob["category"].append(_need(w, x, "category", "str"))
        ob["priority"].append(_need(w, x, "priority", "int"))
        ob["amount"].append(_need(w, x, "amount", "int"))
        ob["guaranteed"].append(_need(w, x, "guaranteed", "bool"))
