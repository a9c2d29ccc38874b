package main

// `civic-abci walkthrough`: a month of settlement (January 2026, five
// residents) and one reward-token cycle, each institution signing its own
// batches and submitting them to its own node with broadcast_tx_commit.
// The amounts are worked out by hand in docs/consortium.md; the end state is
// checked against them and compared across every node.

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
)

type step struct {
	inst, id, what string
	batch          map[string]any
	wantCode       uint32 // expected CheckTx/FinalizeBlock code (0 = accepted)
}

func acct(id, asset string, min any) map[string]any {
	return map[string]any{"id": id, "asset": asset, "min_balance": min}
}

func xfer(id, from, to string, amount int64, asset string, time int64, ref string) map[string]any {
	return map[string]any{"id": id, "from": from, "to": to, "amount": amount, "asset": asset, "time": time, "reference": ref}
}

var residents = []string{"r1", "r2", "r3", "r4", "r5"}

// Hand-set figures of the month (cents). r5's benefit arrives late.
var (
	benefit = map[string]int64{"r1": 145000, "r2": 132500, "r3": 160000, "r4": 98000, "r5": 118000}
	rent    = map[string]int64{"r1": 72000, "r2": 65000, "r3": 81000, "r4": 59000, "r5": 68000}
)

const buffer = 5000 // stays in every escrow as the resident's buffer

func walkthroughSteps() []step {
	var s []step
	// 1. Every institution opens its own accounts.
	s = append(s, step{"agency", "agency:setup", "benefit agency opens its treasury", map[string]any{
		"accounts": []any{acct("agency:treasury", "EUR", nil)}}, 0})
	muniAccts := []any{acct("muni:treasury", "EUR", nil), acct("muni:fund:guarantee", "EUR", -300000),
		acct("muni:resident-payout", "EUR", 0), acct("muni:token:issuer", "CIVIC", nil), acct("muni:token:eur-reserve", "EUR", 0)}
	for _, r := range residents {
		muniAccts = append(muniAccts, acct("muni:escrow:"+r, "EUR", 0), acct("muni:wallet:"+r, "CIVIC", 0))
	}
	s = append(s, step{"muni", "muni:setup", "municipality opens escrows, guarantee fund, token accounts", map[string]any{"accounts": muniAccts}, 0})
	s = append(s, step{"housing", "housing:setup", "housing corporation opens its rent account", map[string]any{
		"accounts": []any{acct("housing:rent", "EUR", 0)}}, 0})
	s = append(s, step{"merchants", "merchants:setup", "merchants' association opens shop wallets and its EUR account", map[string]any{
		"accounts": []any{acct("merchants:shop:bakery", "CIVIC", 0), acct("merchants:shop:bikes", "CIVIC", 0), acct("merchants:eur", "EUR", 0)}}, 0})

	// 2. Day 1: benefits for r1..r4 into their escrows (r5's is late).
	var t []any
	for _, r := range residents[:4] {
		t = append(t, xfer("agency:benefit:2026-01:"+r, "agency:treasury", "muni:escrow:"+r, benefit[r], "EUR", 20260101, "benefit-2026-01"))
	}
	s = append(s, step{"agency", "agency:2026-01:benefits", "day 1: benefits r1..r4 into escrow", map[string]any{"transfers": t}, 0})

	// 3. Day 1: rent from the escrows; the guarantee fund bridges r5.
	t = nil
	for _, r := range residents[:4] {
		t = append(t, xfer("muni:rent:2026-01:"+r, "muni:escrow:"+r, "housing:rent", rent[r], "EUR", 20260101, "rent-2026-01"))
	}
	t = append(t, xfer("muni:bridge:2026-01:r5", "muni:fund:guarantee", "housing:rent", rent["r5"], "EUR", 20260101, "rent-2026-01"))
	s = append(s, step{"muni", "muni:2026-01:rent", "day 1: rent paid to the housing corporation, fund bridges r5", map[string]any{"transfers": t}, 0})

	// 4. A foreign signature: the merchants try to move money out of an escrow.
	s = append(s, step{"merchants", "merchants:steal", "merchants try to debit muni:escrow:r1 (refused: not their account)", map[string]any{
		"transfers": []any{xfer("merchants:x1", "muni:escrow:r1", "merchants:eur", 1000, "EUR", 20260102, "")}}, CodeNotOwner})

	// 5. Weekly living allowance for r1..r4: (benefit - rent - buffer) / 4.
	for w, day := range []int64{1, 8, 15, 22} {
		t = nil
		for _, r := range residents[:4] {
			t = append(t, xfer(fmt.Sprintf("muni:living:2026-01:%s:w%d", r, w+1), "muni:escrow:"+r, "muni:resident-payout",
				(benefit[r]-rent[r]-buffer)/4, "EUR", 20260100+day, "living-2026-01"))
		}
		s = append(s, step{"muni", fmt.Sprintf("muni:2026-01:living:w%d", w+1), fmt.Sprintf("day %d: weekly living allowance r1..r4", day), map[string]any{"transfers": t}, 0})
	}

	// 6. Day 18: r5's benefit arrives; the fund is repaid, the rest paid out.
	s = append(s, step{"agency", "agency:2026-01:benefits-late", "day 18: late benefit r5", map[string]any{"transfers": []any{
		xfer("agency:benefit:2026-01:r5", "agency:treasury", "muni:escrow:r5", benefit["r5"], "EUR", 20260118, "benefit-2026-01")}}, 0})
	s = append(s, step{"muni", "muni:2026-01:recovery:r5", "day 18: recovery to the fund, living allowance r5", map[string]any{"transfers": []any{
		xfer("muni:recover:2026-01:r5", "muni:escrow:r5", "muni:fund:guarantee", rent["r5"], "EUR", 20260118, "recovery-2026-01"),
		xfer("muni:living:2026-01:r5", "muni:escrow:r5", "muni:resident-payout", benefit["r5"]-rent["r5"]-buffer, "EUR", 20260118, "living-2026-01")}}, 0})

	// 7. Token cycle: back the tokens with EUR, reward three tasks, spend at
	// two shops, shops redeem, the municipality pays out in EUR (a pending
	// transfer reserved before the redemption, posted after it).
	s = append(s, step{"muni", "muni:token:2026-01:reward", "tokens: EUR backing + rewards for completed tasks", map[string]any{
		"transfers": []any{
			xfer("muni:token:back:2026-01", "muni:treasury", "muni:token:eur-reserve", 10000, "EUR", 20260110, "token-backing"),
			xfer("muni:token:reward:r1", "muni:token:issuer", "muni:wallet:r1", 40, "CIVIC", 20260110, "task-garden"),
			xfer("muni:token:reward:r2", "muni:token:issuer", "muni:wallet:r2", 25, "CIVIC", 20260110, "task-library"),
			xfer("muni:token:reward:r3", "muni:token:issuer", "muni:wallet:r3", 60, "CIVIC", 20260110, "task-repair-cafe")},
		"events": []any{map[string]any{"id": "muni:task:2026-01:garden:r1", "type": "consortium.task.completed", "actor": "muni", "time": 20260110,
			"data": map[string]any{"task": "garden", "resident": "r1", "tokens": 40}}}}, 0})
	s = append(s, step{"muni", "muni:token:2026-01:spend", "tokens: residents spend at the bakery and the bike shop", map[string]any{
		"transfers": []any{
			xfer("muni:token:spend:r1:1", "muni:wallet:r1", "merchants:shop:bakery", 30, "CIVIC", 20260120, "bakery"),
			xfer("muni:token:spend:r3:1", "muni:wallet:r3", "merchants:shop:bikes", 50, "CIVIC", 20260121, "bikes"),
			map[string]any{"id": "muni:token:payout:2026-01", "from": "muni:token:eur-reserve", "to": "merchants:eur",
				"amount": 800, "asset": "EUR", "time": 20260125, "reference": "redeem-2026-01", "pending": true}}}, 0})
	s = append(s, step{"merchants", "merchants:redeem:2026-01", "tokens: shops hand their tokens back for redemption", map[string]any{
		"transfers": []any{
			xfer("merchants:redeem:bakery:2026-01", "merchants:shop:bakery", "muni:token:issuer", 30, "CIVIC", 20260131, "redeem-2026-01"),
			xfer("merchants:redeem:bikes:2026-01", "merchants:shop:bikes", "muni:token:issuer", 50, "CIVIC", 20260131, "redeem-2026-01")}}, 0})
	s = append(s, step{"muni", "muni:token:2026-01:payout", "tokens: municipality posts the reserved EUR payout (80 tokens x EUR 0.10)", map[string]any{
		"transfers": []any{map[string]any{"id": "muni:token:payout:2026-01:post", "post_pending": "muni:token:payout:2026-01",
			"from": "muni:token:eur-reserve", "time": 20260131}}}, 0})
	return s
}

// modStep is a module transaction (kind "token" or "settle") that every node
// executes through libcivic inside FinalizeBlock.
type modStep struct {
	kind, inst, id, what string
	payload              map[string]any
	wantCode             uint32
}

// walkthroughModuleSteps: the same month's token rules and one settlement
// run enforced by consensus (token "CIV", resident "r6"), after the batches.
func walkthroughModuleSteps() []modStep {
	const t0 = 1767225600 // 2026-01-01T00:00:00Z
	tok := func(id, what string, op map[string]any, want uint32) modStep {
		op["token"] = "CIV"
		return modStep{KindToken, "muni", "muni:civ:" + id, what, op, want}
	}
	return []modStep{
		{KindToken, "muni", "muni:civ:setup", "token tx: municipality sets up token CIV (issuer muni)",
			map[string]any{"op": "setup", "time": t0, "config": map[string]any{"code": "CIV", "issuer": "muni"}}, 0},
		tok("fund", "token tx: EUR 100.00 into the CIV reserve", map[string]any{"op": "fund", "time": t0, "actor": "muni", "amount": 10000}, 0),
		tok("task", "token tx: task 'garden' (reward 15, capacity 1)", map[string]any{"op": "task.create", "time": t0, "actor": "muni",
			"task": map[string]any{"id": "garden", "title": "Garden", "domain": "green", "zone": "centrum", "reward": 15, "capacity": 1, "start": t0, "end": t0 + 864000}}, 0),
		tok("publish", "token tx: publish 'garden'", map[string]any{"op": "task.publish", "time": t0, "actor": "muni", "task": "garden"}, 0),
		tok("commit:r1", "token tx: r1 commits (via the municipal app)", map[string]any{"op": "task.commit", "time": t0 + 1, "citizen": "r1", "task": "garden"}, 0),
		tok("commit:r2", "token tx: r2 commits: over capacity", map[string]any{"op": "task.commit", "time": t0 + 1, "citizen": "r2", "task": "garden"}, CodeLedgerBase+406),
		tok("submit:r1", "token tx: r1 submits evidence", map[string]any{"op": "task.submit", "time": t0 + 2, "citizen": "r1", "task": "garden", "evidence": "photo:1"}, 0),
		tok("approve:r1", "token tx: approve r1: 15 CIV minted", map[string]any{"op": "task.approve", "time": t0 + 3, "actor": "muni", "task": "garden", "citizen": "r1"}, 0),
		tok("approve:r1:again", "token tx: approve r1 again: exactly-once reward", map[string]any{"op": "task.approve", "time": t0 + 4, "actor": "muni", "task": "garden", "citizen": "r1"}, CodeLedgerBase+405),
		{KindToken, "merchants", "merchants:civ:fund", "token tx: merchants try to fund CIV: not the issuer",
			map[string]any{"op": "fund", "token": "CIV", "time": t0 + 5, "actor": "merchants", "amount": 1}, CodeNotOwner},
		{KindSettle, "muni", "muni:settle:setup", "settle tx: guarantee fund muni:settle-fund (credit line EUR 1000)",
			map[string]any{"setup": map[string]any{"fund": "muni:settle-fund", "credit_line": 100000}}, 0},
		{KindSettle, "muni", "muni:settle:consent:r6", "settle tx: r6's consent recorded",
			map[string]any{"consent": map[string]any{"resident": "r6", "time": t0}}, 0},
		{KindSettle, "muni", "muni:settle:r6:2026-01", "settle tx: r6's January run (income 1000.00, rent 600.00)",
			map[string]any{"resident": "r6", "period": "2026-01", "days": 31, "as_of": 31, "actor": "muni", "fund": "muni:settle-fund",
				"incomes": []any{map[string]any{"id": "benefit", "payer": "muni:payer:agency", "amount": 100000, "expected_day": 1,
					"received": []any{map[string]any{"id": "bank-1", "day": 1, "amount": 100000}}}},
				"obligations": []any{map[string]any{"id": "rent", "category": "rent", "priority": 0, "amount": 60000,
					"guaranteed": true, "payee": "housing:rent-r6", "due_day": 1}},
				"policy": map[string]any{"living_floor": 30000, "floor_guaranteed": true, "recovery_cap": 10000}}, 0},
	}
}

// Expected end balances, worked by hand (docs/consortium.md).
var walkthroughExpect = map[string]int64{
	"agency:treasury":        -653500, // 145000+132500+160000+98000+118000
	"housing:rent":           345000,  // 72000+65000+81000+59000+68000
	"muni:fund:guarantee":    0,       // -68000 bridge, +68000 recovery
	"muni:escrow:r1":         buffer,
	"muni:escrow:r5":         buffer,
	"muni:resident-payout":   283500, // 4*(17000+15625+18500+8500) + 45000
	"muni:treasury":          -10000,
	"muni:token:eur-reserve": 9200, // 10000 - 800
	"merchants:eur":          800,
	"muni:token:issuer":      -45, // -(40+25+60) + 80
	"muni:wallet:r1":         10,
	"muni:wallet:r2":         25,
	"muni:wallet:r3":         10,
	"merchants:shop:bakery":  0,
	// module txs: 15 CIV reward, EUR 100.00 reserve, r6's rent paid by the run
	"CIV:wallet:r1":   15,
	"CIV:reserve":     10000,
	"housing:rent-r6": 60000,
}

func cmdWalkthrough(args []string) error {
	fs := flag.NewFlagSet("walkthrough", flag.ExitOnError)
	dir := fs.String("net", "", "testnet directory")
	fs.Parse(args)
	net, err := loadNet(*dir)
	if err != nil {
		return err
	}
	nodeOf := map[string]NodeInfo{}
	for _, n := range net.Nodes {
		nodeOf[n.Institution] = n
	}
	transfers := 0
	steps := walkthroughSteps()
	for _, m := range walkthroughModuleSteps() {
		steps = append(steps, step{m.inst, m.id, m.what, m.payload, m.wantCode})
	}
	kindOf := map[string]string{}
	for _, m := range walkthroughModuleSteps() {
		kindOf[m.id] = m.kind
	}
	for i, st := range steps {
		n := nodeOf[st.inst]
		_, sk, err := loadKey(n.KeyFile)
		if err != nil {
			return err
		}
		batch, _ := json.Marshal(st.batch)
		raw := MakeTx(net.ChainID, st.inst, st.id, batch, sk)
		if k := kindOf[st.id]; k != KindBatch {
			raw = MakeKindTx(net.ChainID, k, st.inst, st.id, batch, sk)
		}
		r, err := broadcastCommit(n.RPC, raw)
		if err != nil {
			return fmt.Errorf("step %d (%s): %v", i+1, st.id, err)
		}
		code, logMsg := r.CheckCode, r.CheckLog
		where := "CheckTx"
		if code == 0 {
			code, logMsg, where = r.TxCode, r.TxLog, fmt.Sprintf("block %d", r.Height)
		}
		fmt.Printf("%2d. %-9s -> %-9s %-70s %s code %d\n", i+1, st.inst, n.Institution+"-node", st.what, where, code)
		if code != st.wantCode {
			return fmt.Errorf("step %d (%s): code %d, want %d: %s", i+1, st.id, code, st.wantCode, logMsg)
		}
		if code != 0 {
			fmt.Printf("      refused as expected: %s\n", logMsg)
		} else if tr, ok := st.batch["transfers"].([]any); ok {
			transfers += len(tr)
		}
	}
	fmt.Printf("walkthrough: %d transfers committed\n", transfers)
	// Check the hand-worked end state on one node, then compare all nodes.
	bal, err := abciQuery(net.Nodes[0].RPC, "/balances")
	if err != nil {
		return err
	}
	var doc struct {
		Accounts []struct {
			ID      string `json:"id"`
			Balance int64  `json:"balance"`
		} `json:"accounts"`
	}
	_ = json.Unmarshal([]byte(bal), &doc)
	got := map[string]int64{}
	for _, a := range doc.Accounts {
		got[a.ID] = a.Balance
	}
	var bad []string
	for id, want := range walkthroughExpect {
		if got[id] != want {
			bad = append(bad, fmt.Sprintf("%s = %d, want %d", id, got[id], want))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("walkthrough end state: %s", strings.Join(bad, "; "))
	}
	fmt.Println("walkthrough: end balances match the hand-worked figures")
	return compareNodes(validators(net), true)
}

// validators are the nodes of institutions (observers have no key).
func validators(net *NetInfo) []NodeInfo {
	var out []NodeInfo
	for _, n := range net.Nodes {
		if !strings.HasPrefix(n.Institution, "observer") {
			out = append(out, n)
		}
	}
	return out
}
