"""Settlement on the ledger through civic.settle, one resident and many."""

import pytest

import civic
from civic import settle


def plan(resident, received=165000, close=True):
    return {"resident": resident, "period": "2026-11", "days": 30, "as_of": 30, "close": close,
            "start_time": 1793491200, "actor": "gemeente-utrecht",
            "incomes": [{"id": "bijstand", "payer": "agency:gemeente", "amount": 165000, "expected_day": 25,
                         "received": [{"id": "bank-1", "day": 25, "amount": received}] if received else []}],
            "obligations": [{"id": "rent", "category": "rent", "priority": 0, "amount": 85000,
                             "guaranteed": True, "payee": "payee:woonstad", "due_day": 1}],
            "policy": {"living_floor": 40000, "floor_guaranteed": True, "recovery_cap": 10000}}


def test_one_resident_period():
    with civic.Ledger.memory() as ledger:
        settle.setup(ledger, credit_line=5_000_000)
        with pytest.raises(civic.CivicError):  # no consent, no settlement
            settle.settle_period(ledger, plan("anna"))
        settle.consent_grant(ledger, "anna", "gemeente-utrecht", 1793491200, "escrow+payees")
        assert settle.consent_status(ledger, "anna")
        res = settle.settle_period(ledger, plan("anna"))
        assert res["living_allowance"] == 165000 - 85000
        h = ledger.state_hash
        again = settle.settle_period(ledger, plan("anna"))  # settling twice posts nothing
        assert ledger.state_hash == h and again["living_allowance"] == res["living_allowance"]
        assert "EUR" in settle.statement_text(res)
        assert settle.format_eur(123456) == "EUR 1234.56"
        assert isinstance(settle.alerts(ledger, 26), dict)


def test_settle_many_into_a_dataframe():
    pd = pytest.importorskip("pandas")
    residents = [f"r{i:03d}" for i in range(30)]
    with civic.Ledger.memory() as ledger:
        settle.setup(ledger, credit_line=5_000_000)
        for r in residents:
            settle.consent_grant(ledger, r, "gemeente", 1793491200)
        plans = [plan(r, received=0 if i % 5 == 0 else 165000) for i, r in enumerate(residents)]
        plans.append(dict(plan("nobody")))  # no consent: refused, reported
        df = settle.settle_many(ledger, plans, errors="return")
        assert isinstance(df, pd.DataFrame) and len(df) == 31
        assert df.ok.sum() == 30 and df.iloc[-1].error == "no_consent"
        short = df[df.resident.isin(residents[::5])]
        assert (short.advance > 0).all()  # the fund advanced rent and the floor
        assert (df[df.ok].living_allowance >= 40000).all()
