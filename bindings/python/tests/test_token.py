"""The reward-token wrapper: a task cycle, spending and redemption."""

import pytest

import civic


def test_task_cycle_spend_redeem():
    with civic.Ledger.memory() as ledger:
        with civic.Token.setup(ledger, {"code": "HLN", "issuer": "heerlen"}, time=0) as hln:
            hln.fund_reserve("heerlen", 100_000, time=1)
            hln.entrepreneur_register("heerlen", "bakker", "centrum", time=2)
            hln.task_create("heerlen", {"id": "litter-1", "title": "Pick up litter", "domain": "public_space",
                                        "zone": "centrum", "reward": 20, "capacity": 2,
                                        "start": 0, "end": 1000}, time=3)
            hln.task_publish("heerlen", "litter-1", time=4)
            hln.task_commit("ann", "litter-1", time=5)
            hln.task_submit("ann", "litter-1", "photo:123", time=6)
            hln.task_approve("heerlen", "litter-1", "ann", time=7)
            assert hln.balance("ann", 8) == 20
            with pytest.raises(civic.CivicError) as ei:  # minted exactly once
                hln.task_approve("heerlen", "litter-1", "ann", time=8)
            assert isinstance(ei.value, civic.TokenError)
            hln.spend("ann", "bakker", 15, time=9)
            assert hln.balance("ann", 10) == 5
            with pytest.raises(civic.TokenError) as ei:
                hln.spend("ann", "bakker", 50, time=11)
            assert ei.value.name == "insufficient_tokens"
            paid = hln.redeem("bakker", 15, time=12)
            assert isinstance(paid, dict)
            dash = hln.dashboard()
            assert dash["token"] == "HLN" and dash["minted"] == 20
        assert ledger.position > 0  # every state change is in the journal
