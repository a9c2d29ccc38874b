"""Synthetic Utrecht-like households for notebooks and benchmarks.

The numbers are illustrative (orders of magnitude of Dutch social
assistance, rent and health allowances in 2025-2026, in euro cents), drawn
with numpy's seeded generator: the same seed always gives the same city.
Random draws happen here, in Python; libcivic itself stays integer-only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["synthetic_city", "CATEGORY_CODES"]

#: Category codes used in the columns (earmarks use the same codes).
CATEGORY_CODES = {"rent": 0, "energy": 1, "health_insurance": 2, "water": 3, "debt": 4}


def synthetic_city(n: int = 10_000, seed: int = 2026, *, living_floor: int = 40_000,
                   floor_guaranteed: bool = True, recovery_cap: int = 5_000,
                   shortfall_share: float = 0.15) -> dict[str, dict[str, Any]]:
    """``n`` households for one month as the columns of
    :func:`civic.waterfall_columns`: ``{"plans", "incomes", "obligations"}``.

    Each household has a main income (social assistance or a low wage, which
    arrives late or short for ``shortfall_share`` of them), a health-care
    allowance earmarked for health insurance, often a rent allowance
    earmarked for rent, guaranteed rent/energy/health/water at priorities
    0-3, and for about a third a debt arrangement (priority 4, not
    guaranteed). About a fifth owe the municipality an earlier advance.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    hh = np.arange(n, dtype=np.int64)
    kind = rng.choice(4, size=n, p=[0.5, 0.25, 0.15, 0.10])  # single, couple, single parent, family
    adults = np.where((kind == 1) | (kind == 3), 2, 1)

    # main income: assistance norm (single ~1,400, couple ~2,000 EUR) or a low wage
    on_assistance = rng.random(n) < 0.55
    norm = np.where(adults == 2, 200_000, 140_000) + np.where(kind >= 2, 15_000, 0)
    wage = rng.integers(150_000, 260_000, size=n)
    main = np.where(on_assistance, norm, wage)
    short = rng.random(n) < shortfall_share
    main = np.where(short, (main * rng.uniform(0.0, 0.7, size=n)).astype(np.int64), main)
    rent = rng.integers(55_000, 115_000, size=n)
    rent_allowance = np.where(rng.random(n) < 0.6, rng.integers(15_000, 42_000, size=n), 0)
    health_allowance = 13_000 * adults
    energy = rng.integers(9_000, 25_000, size=n)
    health = rng.integers(14_000, 17_000, size=n) * adults
    water = rng.integers(2_500, 4_000, size=n)
    has_debt = rng.random(n) < 0.33
    debt = rng.integers(5_000, 25_000, size=n)
    receivable = np.where(rng.random(n) < 0.2, rng.integers(0, 150_000, size=n), 0)

    plans = {
        "opening_balance": np.zeros(n, dtype=np.int64),
        "receivable_outstanding": receivable.astype(np.int64),
        "living_floor": np.full(n, living_floor, dtype=np.int64),
        "floor_guaranteed": np.full(n, floor_guaranteed, dtype=bool),
        "recovery_cap": np.full(n, recovery_cap, dtype=np.int64),
    }

    # incomes: main (general), health allowance (earmarked), rent allowance (earmarked, if any)
    ra = rent_allowance > 0
    inc_plan = np.concatenate([hh, hh, hh[ra]])
    inc_amount = np.concatenate([main, health_allowance, rent_allowance[ra]]).astype(np.int64)
    inc_earmark = np.concatenate([np.full(n, -1), np.full(n, CATEGORY_CODES["health_insurance"]),
                                  np.full(int(ra.sum()), CATEGORY_CODES["rent"])]).astype(np.int64)
    order = np.argsort(inc_plan, kind="stable")
    incomes = {"plan": inc_plan[order], "amount": inc_amount[order], "earmark": inc_earmark[order]}

    # obligations, rows grouped by household in id order (debt, energy, health, rent, water)
    rows = [
        ("debt", has_debt, debt, 4, False),
        ("energy", None, energy, 1, True),
        ("health_insurance", None, health, 2, True),
        ("rent", None, rent, 0, True),
        ("water", None, water, 3, True),
    ]
    parts: dict[str, list] = {k: [] for k in ("plan", "id", "category", "priority", "amount", "guaranteed")}
    for name, mask, amount, prio, guaranteed in rows:
        m = np.ones(n, dtype=bool) if mask is None else mask
        k = int(m.sum())
        parts["plan"].append(hh[m])
        parts["id"].append(np.full(k, name, dtype=object))
        parts["category"].append(np.full(k, CATEGORY_CODES[name], dtype=np.int64))
        parts["priority"].append(np.full(k, prio, dtype=np.int64))
        parts["amount"].append(np.asarray(amount, dtype=np.int64)[m])
        parts["guaranteed"].append(np.full(k, guaranteed, dtype=bool))
    ob = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.argsort(ob["plan"], kind="stable")
    obligations = {k: v[order] for k, v in ob.items()}
    return {"plans": plans, "incomes": incomes, "obligations": obligations}
