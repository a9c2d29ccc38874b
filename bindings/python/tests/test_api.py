"""The pythonic surface: errors, exact integers, handles, threads."""

from __future__ import annotations

import threading

import pytest

import civic

I64_MAX = 2**63 - 1

REDEEM = {"tokens": 1000, "rate_num": 1, "rate_den": 1, "fee_bp": 150}


def plan(**over):
    p = {
        "opening_balance": 0,
        "incomes": [{"id": "assistance", "amount": 120000}, {"id": "huurtoeslag", "amount": 40000, "earmark": "rent"}],
        "obligations": [
            {"id": "rent", "category": "rent", "priority": 0, "amount": 80000, "guaranteed": True},
            {"id": "energy", "category": "energy", "priority": 1, "amount": 15000, "guaranteed": True},
            {"id": "debt", "category": "debt", "priority": 5, "amount": 10000, "guaranteed": False},
        ],
        "receivable_outstanding": 3000,
        "policy": {"living_floor": 40000, "floor_guaranteed": True, "recovery_cap": 5000},
    }
    p.update(over)
    return p


def test_evaluate_every_kind_is_known():
    assert set(civic.KINDS) >= {"waterfall", "prorate", "redeem", "tally", "split"}
    assert civic.evaluate("redeem", REDEEM) == {"gross": 1000, "net": 985, "fee": 15}
    assert civic.evaluate("split", {"total": 2, "claims": [{"id": "a", "amount": 1}, {"id": "b", "amount": 2}]})[
        "shares"
    ] == [{"id": "a", "share": 1}, {"id": "b", "share": 1}]


def test_error_carries_code_name_message():
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", dict(REDEEM, tokens=-1))
    e = ei.value
    assert (e.code, e.name) == (7, "negative_amount")
    assert "tokens" in e.message
    assert isinstance(e, civic.InputError) and isinstance(e, ValueError)
    assert civic.status_name(e.code) == "negative_amount"


def test_unknown_kind():
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("astrology", {})
    assert ei.value.name == "unknown_kind"


def test_bool_is_not_an_integer():
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", dict(REDEEM, tokens=True))
    assert ei.value.name == "wrong_type"


def test_float_is_not_an_integer():
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", dict(REDEEM, tokens=1.5))
    assert ei.value.name == "not_integer"
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", dict(REDEEM, tokens=float("inf")))
    assert ei.value.name == "not_integer"


def test_int64_edges_are_exact():
    out = civic.evaluate("redeem", {"tokens": I64_MAX, "rate_num": 1, "rate_den": 1, "fee_bp": 0})
    assert out["gross"] == I64_MAX and type(out["gross"]) is int
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", dict(REDEEM, tokens=I64_MAX + 1))
    assert ei.value.name == "overflow"


def test_json_text_input_is_passed_verbatim():
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", '{"tokens": 1e3, "rate_num": 1, "rate_den": 1, "fee_bp": 0}')
    assert ei.value.name == "not_integer"
    with pytest.raises(civic.CivicError) as ei:
        civic.evaluate("redeem", "{")
    assert ei.value.name == "malformed_json"


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    out = civic.evaluate("redeem", dict(REDEEM, tokens=np.int64(1000)))
    assert out["net"] == 985
    with pytest.raises(civic.CivicError):
        civic.evaluate("redeem", dict(REDEEM, tokens=np.bool_(True)))


def test_evaluate_many_collects_errors():
    res = civic.evaluate_many("redeem", [REDEEM, dict(REDEEM, fee_bp=20000)], errors="return")
    assert res[0]["net"] == 985
    assert isinstance(res[1], civic.CivicError) and res[1].name == "out_of_range"


def test_waterfall_plan_object_matches_evaluate():
    with civic.WaterfallPlan(plan()) as p, p.run(trace=True) as r:
        assert {k: v for k, v in r.to_dict().items() if k != "trace"} == civic.evaluate("waterfall", plan())
        assert r.living_allowance == civic.evaluate("waterfall", plan())["living_allowance"]
        assert "rent" in r.explain()


def test_waterfall_plan_builder():
    with civic.WaterfallPlan() as p:
        p.set_balances(opening_balance=0, receivable_outstanding=0)
        p.set_policy(living_floor=40000, floor_guaranteed=True, recovery_cap=0)
        p.add_income("assistance", 100000)
        p.add_obligation("rent", "rent", priority=0, amount=80000, guaranteed=True)
        with p.run() as r:
            assert r.living_allowance == 40000
            assert r.top_up == 20000
            assert r.advance == 20000
        with pytest.raises(civic.CivicError):
            p.add_income("x", True)
        p.add_income("bad", -5)
        with pytest.raises(civic.CivicError) as ei:
            p.run()
        assert ei.value.name == "negative_amount"


def test_waterfall_explanation():
    out = civic.waterfall(plan(), trace=True)
    assert "trace" in out and isinstance(out["explanation"], str)


BATCH = {
    "assets": [{"code": "EUR", "scale": 2}],
    "accounts": [
        {"id": "agency", "asset": "EUR", "min_balance": None},
        {"id": "escrow", "asset": "EUR", "min_balance": 0},
    ],
    "transfers": [{"id": "t1", "from": "agency", "to": "escrow", "amount": 120000, "asset": "EUR"}],
}


def test_ledger_memory_context_manager():
    with civic.Ledger.memory() as ledger:
        r = ledger.post(BATCH)
        assert r["position"] == 1
        assert ledger.balance("escrow") == 120000
        bal = ledger.balances()
        assert sum(a["balance"] for a in bal["accounts"]) == 0
        assert bal["state_hash"] == ledger.state_hash and len(ledger.state_hash) == 64
        assert ledger.post(BATCH)["skipped"] >= 1  # a safe retry
        before = ledger.state_hash
        with pytest.raises(civic.LedgerError) as ei:
            ledger.post({"transfers": [{"id": "t2", "from": "escrow", "to": "agency", "amount": 10**9, "asset": "EUR"}]})
        assert ei.value.name == "exceeds_min_balance" and "escrow" in ei.value.message
        assert ledger.state_hash == before  # all or nothing
    assert "closed" in repr(ledger)
    with pytest.raises(civic.CivicError):
        ledger.balance("escrow")


def test_ledger_journal_roundtrip(tmp_path):
    path = tmp_path / "city.journal"
    with civic.Ledger.create(path) as ledger:
        ledger.post(BATCH)
        h = ledger.state_hash
    with civic.Ledger.open(path) as again:
        assert again.state_hash == h
        assert again.balance("escrow") == 120000
    assert civic.Ledger.verify(path)["ok"] is True
    with pytest.raises(civic.CivicError) as ei:
        civic.Ledger.create(path)  # exists already
    assert ei.value.name == civic.status_name(12)  # CIVIC_E_IO


def test_threads_each_get_their_own_context():
    errors = []

    def worker(n):
        try:
            for i in range(200):
                if (i + n) % 3 == 0:
                    with pytest.raises(civic.CivicError) as ei:
                        civic.evaluate("redeem", dict(REDEEM, tokens=-1))
                    assert "tokens" in ei.value.message
                else:
                    assert civic.evaluate("redeem", REDEEM)["net"] == 985
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_version():
    assert civic.version() == civic.__version__
    assert civic.__version__.count(".") == 2
