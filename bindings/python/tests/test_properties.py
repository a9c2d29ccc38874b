"""Hypothesis property tests of the spec invariants (consensus-math.md):
waterfall conservation and permutation invariance, the split's quota
property, proration and redemption identities, and that the batch API
computes exactly what civic.evaluate computes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civic

CATEGORIES = ["rent", "energy", "health_insurance", "water", "debt"]
I64_MAX = 2**63 - 1

ids = st.text(alphabet="abcdefghij_0123", min_size=1, max_size=6)
amount = st.integers(min_value=0, max_value=2_000_000)


@st.composite
def plans(draw, amounts=amount):
    inc_ids = draw(st.lists(ids, max_size=4, unique=True))
    ob_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    incomes = []
    for i in inc_ids:
        inc = {"id": i, "amount": draw(amounts)}
        e = draw(st.sampled_from(CATEGORIES + ["childcare", None, None]))
        if e is not None:
            inc["earmark"] = e
        incomes.append(inc)
    obligations = [
        {
            "id": o,
            "category": draw(st.sampled_from(CATEGORIES)),
            "priority": draw(st.integers(0, 3)),
            "amount": draw(amounts),
            "guaranteed": draw(st.booleans()),
        }
        for o in ob_ids
    ]
    return {
        "opening_balance": draw(amounts),
        "incomes": incomes,
        "obligations": obligations,
        "receivable_outstanding": draw(amounts),
        "policy": {
            "living_floor": draw(amounts),
            "floor_guaranteed": draw(st.booleans()),
            "recovery_cap": draw(amounts),
        },
    }


def check_conservation(p: dict, out: dict) -> None:
    paid = sum(o["paid_earmarked"] + o["paid_general"] for o in out["obligations"])
    funds = p["opening_balance"] + sum(i["amount"] for i in p["incomes"])
    assert funds == paid + out["recovery"] + out["living_allowance"] - out["top_up"]
    for o_in, o in zip(p["obligations"], out["obligations"]):
        assert o["id"] == o_in["id"]
        assert o["paid_earmarked"] + o["paid_general"] + o["covered"] + o["unpaid"] == o_in["amount"]
        assert min(o["paid_earmarked"], o["paid_general"], o["covered"], o["unpaid"]) >= 0
        if o_in["guaranteed"]:
            assert o["unpaid"] == 0
        else:
            assert o["covered"] == 0
    assert out["advance"] == sum(o["covered"] for o in out["obligations"]) + out["top_up"]
    assert out["receivable_after"] == p["receivable_outstanding"] - out["recovery"] + out["advance"]
    assert out["recovery"] <= min(p["receivable_outstanding"], p["policy"]["recovery_cap"])


@settings(max_examples=300, deadline=None)
@given(plans())
def test_waterfall_conservation(p):
    check_conservation(p, civic.evaluate("waterfall", p))


@settings(max_examples=200, deadline=None)
@given(plans(), st.randoms(use_true_random=False))
def test_waterfall_permutation_invariance(p, rnd):
    out = civic.evaluate("waterfall", p)
    q = dict(p, incomes=list(p["incomes"]), obligations=list(p["obligations"]))
    rnd.shuffle(q["incomes"])
    rnd.shuffle(q["obligations"])
    out2 = civic.evaluate("waterfall", q)
    assert {o["id"]: o for o in out["obligations"]} == {o["id"]: o for o in out2["obligations"]}
    assert [o["id"] for o in out2["obligations"]] == [o["id"] for o in q["obligations"]]
    for k in ("living_allowance", "top_up", "recovery", "advance", "receivable_after"):
        assert out[k] == out2[k]


@settings(max_examples=100, deadline=None)
@given(plans(amounts=st.integers(0, I64_MAX)))
def test_waterfall_near_int64_is_exact_or_overflow(p):
    try:
        out = civic.evaluate("waterfall", p)
    except civic.CivicError as e:
        assert e.name == "overflow", e
    else:
        check_conservation(p, out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plans(), min_size=1, max_size=8))
def test_batch_equals_evaluate(households):
    res = civic.waterfall_batch(households)
    for i, h in enumerate(households):
        want = civic.evaluate("waterfall", h)
        row = res.plans.iloc[i]
        for k in ("living_allowance", "top_up", "recovery", "advance", "receivable_after"):
            assert int(row[k]) == want[k], (i, k)
        obs = res.obligations[res.obligations["plan"] == i]
        got = {
            r["id"]: {k: int(r[k]) for k in ("paid_earmarked", "paid_general", "covered", "unpaid")}
            for _, r in obs.iterrows()
        }
        assert got == {o["id"]: {k: o[k] for k in got[o["id"]]} for o in want["obligations"]}


@st.composite
def splits(draw):
    claim_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    claims = [{"id": c, "amount": draw(st.integers(0, 10**12))} for c in claim_ids]
    d = sum(c["amount"] for c in claims)
    if d == 0:
        claims[0]["amount"] = d = 1
    return {"total": draw(st.integers(0, d)), "claims": claims}


@settings(max_examples=300, deadline=None)
@given(splits(), st.randoms(use_true_random=False))
def test_split_quota_property(s, rnd):
    out = civic.evaluate("split", s)
    d = sum(c["amount"] for c in s["claims"])
    p = s["total"]
    assert [x["id"] for x in out["shares"]] == [c["id"] for c in s["claims"]]
    assert sum(x["share"] for x in out["shares"]) == p
    for c, x in zip(s["claims"], out["shares"]):
        lo = p * c["amount"] // d
        assert x["share"] in (lo, lo + (1 if p * c["amount"] % d else 0))
    shuffled = dict(s, claims=list(s["claims"]))
    rnd.shuffle(shuffled["claims"])
    out2 = civic.evaluate("split", shuffled)
    assert {x["id"]: x["share"] for x in out2["shares"]} == {x["id"]: x["share"] for x in out["shares"]}


@settings(max_examples=200, deadline=None)
@given(st.integers(28, 31), st.integers(0, 10**12), st.data())
def test_prorate_split_at_event_changes_nothing(days, rate, data):
    cut = data.draw(st.integers(0, days))
    one = civic.evaluate("prorate", {"days_in_month": days, "segments": [{"amount": rate, "start": 0, "end": days}]})
    assert one["total"] == rate
    two = civic.evaluate("prorate", {"days_in_month": days, "segments": [
        {"amount": rate, "start": 0, "end": cut}, {"amount": rate, "start": cut, "end": days}]})
    assert two["total"] == rate


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15), st.integers(0, 10**6), st.integers(1, 10**6), st.integers(0, 10000))
def test_redeem_identity(t, num, den, fee_bp):
    inp = {"tokens": t, "rate_num": num, "rate_den": den, "fee_bp": fee_bp}
    if t * num // den > I64_MAX:  # gross is a named output: outside int64 is overflow
        try:
            civic.evaluate("redeem", inp)
        except civic.CivicError as e:
            assert e.name == "overflow"
            return
        raise AssertionError("expected overflow")
    out = civic.evaluate("redeem", inp)
    assert out["gross"] == t * num // den
    assert out["fee"] == out["gross"] * fee_bp // 10000
    assert out["net"] == out["gross"] - out["fee"]


@settings(max_examples=10, deadline=None)
@given(st.lists(plans(), min_size=1, max_size=5))
def test_batch_accepts_a_dataframe_of_plans(hh):
    import pandas as pd

    a = civic.waterfall_batch(hh)
    b = civic.waterfall_batch(pd.DataFrame(hh))
    c = civic.waterfall_batch(pd.Series(hh))
    assert a.plans.equals(b.plans) and a.plans.equals(c.plans)
    assert a.obligations.equals(b.obligations)
