package main

// In-process tests of the ABCI application (no CometBFT): FinalizeBlock
// refusals, replay, and the roll-back of a block that crashed half-way.
// Run: CGO_LDFLAGS="<build>/libcivic.a -lsodium -ljansson -lpthread" go test ./civic-abci

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

func TestMain(m *testing.M) {
	if err := civicInit(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

type fixture struct {
	keys map[string]ed25519.PrivateKey
	gen  []byte
}

func newFixture(t *testing.T) fixture {
	f := fixture{keys: map[string]ed25519.PrivateKey{}}
	var insts []map[string]string
	for _, in := range []string{"muni", "merchants"} {
		pk, sk, _ := ed25519.GenerateKey(nil)
		f.keys[in] = sk
		insts = append(insts, map[string]string{"id": in, "public_key": hex.EncodeToString(pk)})
	}
	f.gen, _ = json.Marshal(map[string]any{"institutions": insts, "assets": []any{map[string]any{"code": "EUR", "scale": 2}}})
	return f
}

func (f fixture) tx(inst, id string, batch map[string]any) []byte {
	b, _ := json.Marshal(batch)
	return MakeTx("test", inst, id, b, f.keys[inst])
}

func codes(r *abci.ResponseFinalizeBlock) []uint32 {
	var c []uint32
	for _, x := range r.TxResults {
		c = append(c, x.Code)
	}
	return c
}

func TestFinalizeRefusalsReplayAndRollback(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	f := newFixture(t)
	app, err := NewApp(home, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.InitChain(ctx, &abci.RequestInitChain{ChainId: "test", AppStateBytes: f.gen, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	setup := f.tx("muni", "muni:setup", map[string]any{
		"accounts":  []any{acct("muni:treasury", "EUR", nil), acct("muni:escrow:r1", "EUR", 0)},
		"transfers": []any{xfer("muni:t1", "muni:treasury", "muni:escrow:r1", 1000, "EUR", 1, "")}})
	r1, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Txs: [][]byte{setup}})
	if err != nil || r1.TxResults[0].Code != 0 {
		t.Fatalf("block 1: %v %+v", err, r1)
	}
	app.Commit(ctx, &abci.RequestCommit{})

	steal := f.tx("merchants", "merchants:s1", map[string]any{"transfers": []any{
		xfer("merchants:t1", "muni:escrow:r1", "muni:treasury", 10, "EUR", 2, "")}})
	forged := f.tx("merchants", "muni:forged", map[string]any{}) // id of another institution
	badSig := bytes.Replace(f.tx("muni", "muni:b2", map[string]any{"transfers": []any{
		xfer("muni:t2", "muni:escrow:r1", "muni:treasury", 10, "EUR", 2, "")}}), []byte(`amount\":10,`), []byte(`amount\":99,`), 1)
	overdraw := f.tx("muni", "muni:b3", map[string]any{"transfers": []any{
		xfer("muni:t3", "muni:escrow:r1", "muni:treasury", 5000, "EUR", 2, "")}})
	fund := f.tx("muni", "muni:b4", map[string]any{"transfers": []any{
		xfer("muni:t4", "muni:treasury", "muni:escrow:r1", 9000, "EUR", 2, "")}})
	again := f.tx("muni", "muni:b5", map[string]any{ // same content, new batch id
		"accounts":  []any{acct("muni:treasury", "EUR", nil), acct("muni:escrow:r1", "EUR", 0)},
		"transfers": []any{xfer("muni:t1", "muni:treasury", "muni:escrow:r1", 1000, "EUR", 1, "")}})
	block2 := [][]byte{steal, forged, badSig, setup, overdraw, fund, again}
	want := []uint32{CodeNotOwner, CodeNotOwner, CodeBadSig, CodeReplay, CodeLedgerBase + 105, CodeOK, CodeOK}
	r2, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 2, Txs: block2})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(r2)
	for i := range want {
		if i == 4 { // ledger refusal: any libcivic status, named in the log
			if got[i] < CodeLedgerBase {
				t.Errorf("tx %d: code %d, want a libcivic refusal", i, got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("tx %d: code %d, want %d (%s)", i, got[i], want[i], r2.TxResults[i].Log)
		}
	}
	// CheckTx agrees with FinalizeBlock on the stateless refusals.
	for i, tx := range [][]byte{steal, forged, badSig, setup} {
		c, _ := app.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx})
		if c.Code != want[i] {
			t.Errorf("CheckTx %d: code %d, want %d", i, c.Code, want[i])
		}
	}
	hash2 := hex.EncodeToString(r2.AppHash)
	// Crash before Commit: the journal holds part of block 2. Reopening must
	// roll back to block 1, and re-applying block 2 must give the same result.
	app.Close()
	app, err = NewApp(home, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := app.Info(ctx, &abci.RequestInfo{})
	if info.LastBlockHeight != 1 || !bytes.Equal(info.LastBlockAppHash, r1.AppHash) {
		t.Fatalf("after crash: height %d app hash %X, want 1 %X", info.LastBlockHeight, info.LastBlockAppHash, r1.AppHash)
	}
	r2b, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 2, Txs: block2})
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(r2b.AppHash) != hash2 {
		t.Fatalf("re-applied block 2: app hash %X, want %s", r2b.AppHash, hash2)
	}
	for i := range got {
		if r2b.TxResults[i].Code != got[i] {
			t.Errorf("re-applied tx %d: code %d, want %d", i, r2b.TxResults[i].Code, got[i])
		}
	}
	app.Commit(ctx, &abci.RequestCommit{})
	app.Close()
}

// libcivic reads exact keys and ignores unknown ones; the ownership rule must
// read the same keys, not encoding/json's case-insensitive struct matching.
func TestOwnershipReadsExactKeys(t *testing.T) {
	cases := map[string]string{
		"from case twin":    `{"transfers":[{"id":"merchants:t","from":"muni:escrow:r1","From":"merchants:x","to":"merchants:x","amount":1,"asset":"EUR"}]}`,
		"id case twin":      `{"transfers":[{"id":"muni:t","ID":"merchants:t","from":"merchants:x","to":"muni:y","amount":1,"asset":"EUR"}]}`,
		"key revoke twin":   `{"events":[{"id":"merchants:e","type":"civic.key.revoke","actor":"merchants","data":{"key":"muni","Key":"merchants"}}]}`,
		"actor case twin":   `{"events":[{"id":"merchants:e","type":"x","actor":"muni","Actor":"merchants","data":{}}]}`,
		"account twin":      `{"accounts":[{"id":"muni:a","Id":"merchants:a","asset":"EUR","min_balance":0}]}`,
		"from not string":   `{"transfers":[{"id":"merchants:t","from":7,"to":"merchants:x","amount":1,"asset":"EUR"}]}`,
		"post without from": `{"transfers":[{"id":"merchants:t","post_pending":"muni:p1"}]}`,
	}
	for name, batch := range cases {
		if err := CheckOwnership("merchants", []byte(batch)); err == nil || err.code != CodeNotOwner {
			t.Errorf("%s: not refused as not-owner: %v", name, err)
		}
	}
	ok := `{"transfers":[{"id":"merchants:t","from":"merchants:x","to":"muni:y","amount":1,"asset":"EUR"}],"events":[{"id":"merchants:k","type":"civic.key.register","actor":"merchants","data":{"key":"merchants","public_key":"00"}}]}`
	if err := CheckOwnership("merchants", []byte(ok)); err != nil {
		t.Errorf("own batch refused: %v", err)
	}
}

// kindTx signs a module payload (token op or settle plan).
func (f fixture) kindTx(kind, inst, id string, payload map[string]any) []byte {
	b, _ := json.Marshal(payload)
	return MakeKindTx("test", kind, inst, id, b, f.keys[inst])
}

// TestModuleTxs: token operations and settlement runs execute inside
// FinalizeBlock on every node (two in-process apps reach the same app hash),
// module rule violations are refused with 1000+status and change nothing,
// and only the owner may sign.
func TestModuleTxs(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var apps []*App
	for i := 0; i < 2; i++ {
		app, err := NewApp(t.TempDir(), 0, "")
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		if _, err := app.InitChain(ctx, &abci.RequestInitChain{ChainId: "test", AppStateBytes: f.gen, InitialHeight: 1}); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, app)
	}
	const T0 = 1767225600
	tok := func(id string, op map[string]any) []byte {
		op["token"] = "CIV"
		return f.kindTx(KindToken, "muni", "muni:"+id, op)
	}
	task := map[string]any{"id": "park", "title": "Litter", "domain": "public space", "zone": "centrum",
		"reward": 20, "capacity": 1, "start": T0, "end": T0 + 864000}
	plan := map[string]any{"resident": "anna", "period": "2026-01", "days": 30, "as_of": 25, "actor": "muni", "fund": "muni:fund",
		"incomes": []any{map[string]any{"id": "bijstand", "payer": "muni:payer:gemeente", "amount": 165000, "expected_day": 25,
			"received": []any{map[string]any{"id": "bank-1", "day": 25, "amount": 165000}}}},
		"obligations": []any{map[string]any{"id": "rent", "category": "rent", "priority": 0, "amount": 85000,
			"guaranteed": true, "payee": "payee:woonstad", "due_day": 1}},
		"policy": map[string]any{"living_floor": 40000, "floor_guaranteed": true, "recovery_cap": 10000}}
	block1 := [][]byte{
		f.kindTx(KindToken, "muni", "muni:tok:setup", map[string]any{"op": "setup", "time": T0,
			"config": map[string]any{"code": "CIV", "issuer": "muni"}}),
		tok("tok:fund", map[string]any{"op": "fund", "time": T0, "actor": "muni", "amount": 10000}),
		tok("tok:task", map[string]any{"op": "task.create", "time": T0, "actor": "muni", "task": task}),
		tok("tok:pub", map[string]any{"op": "task.publish", "time": T0, "actor": "muni", "task": "park"}),
		tok("tok:commit", map[string]any{"op": "task.commit", "time": T0 + 1, "citizen": "anna", "task": "park"}),
		tok("tok:submit", map[string]any{"op": "task.submit", "time": T0 + 2, "citizen": "anna", "task": "park", "evidence": "photo:1"}),
		tok("tok:approve", map[string]any{"op": "task.approve", "time": T0 + 3, "actor": "muni", "task": "park", "citizen": "anna"}),
		f.kindTx(KindSettle, "muni", "muni:settle:setup", map[string]any{"setup": map[string]any{"fund": "muni:fund", "credit_line": 500000}}),
		f.kindTx(KindSettle, "muni", "muni:settle:consent", map[string]any{"consent": map[string]any{"resident": "anna", "time": T0}}),
		f.kindTx(KindSettle, "muni", "muni:settle:anna:2026-01", plan),
	}
	var hash1 []byte
	for i, app := range apps {
		r, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Txs: block1})
		if err != nil {
			t.Fatal(err)
		}
		for j, x := range r.TxResults {
			if x.Code != CodeOK {
				t.Fatalf("app %d tx %d: code %d %s", i, j, x.Code, x.Log)
			}
		}
		app.Commit(ctx, &abci.RequestCommit{})
		if i == 0 {
			hash1 = r.AppHash
		} else if !bytes.Equal(hash1, r.AppHash) {
			t.Fatalf("app hashes differ: %X vs %X", hash1, r.AppHash)
		}
	}
	wallet, err := apps[0].ledger.AccountJSON("CIV:wallet:anna")
	if err != nil || !bytes.Contains([]byte(wallet), []byte(`"balance":20`)) {
		t.Fatalf("wallet after the reward: %v %s", err, wallet)
	}
	rent, err := apps[1].ledger.AccountJSON("payee:woonstad")
	if err != nil || !bytes.Contains([]byte(rent), []byte(`"balance":85000`)) {
		t.Fatalf("rent paid by the settlement run: %v %s", err, rent)
	}

	// Block 2: rule violations refused by every node, nothing changes.
	approveAgain := tok("tok:approve2", map[string]any{"op": "task.approve", "time": T0 + 4, "actor": "muni", "task": "park", "citizen": "anna"})
	overCapacity := tok("tok:commit2", map[string]any{"op": "task.commit", "time": T0 + 4, "citizen": "bram", "task": "park"})
	wrongSigner := f.kindTx(KindToken, "merchants", "merchants:tok:x", map[string]any{"op": "fund", "token": "CIV", "time": T0 + 4, "actor": "m", "amount": 1})
	foreignFund := f.kindTx(KindSettle, "merchants", "merchants:settle", plan)
	// A batch signature does not carry over to the token kind.
	var env Tx
	_ = json.Unmarshal(f.tx("muni", "muni:tok:kind", map[string]any{"op": "fund", "token": "CIV", "time": T0 + 4, "actor": "muni", "amount": 1}), &env)
	env.Kind = KindToken
	kindSwap, _ := json.Marshal(env)
	replay := block1[1]
	// A plan may not debit another institution's account as a payer.
	var stealPlan map[string]any
	b, _ := json.Marshal(plan)
	_ = json.Unmarshal(bytes.Replace(b, []byte("muni:payer:gemeente"), []byte("merchants:eur"), 1), &stealPlan)
	stealPlan["period"] = "2026-02"
	foreignPayer := f.kindTx(KindSettle, "muni", "muni:settle:steal", stealPlan)
	// A batch may not forge module state events (consent, token events).
	forgedConsent := f.tx("muni", "muni:forge", map[string]any{"events": []any{map[string]any{
		"id": "muni:c", "type": "settle.consent.grant", "actor": "muni", "time": 1, "data": map[string]any{"resident": "bram"}}}})
	block2 := [][]byte{approveAgain, overCapacity, wrongSigner, foreignFund, kindSwap, replay, foreignPayer, forgedConsent}
	want := []uint32{CodeLedgerBase + 405, CodeLedgerBase + 406, CodeNotOwner, CodeNotOwner, CodeBadSig, CodeReplay, CodeNotOwner, CodeNotOwner}
	for i, app := range apps {
		r, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 2, Txs: block2})
		if err != nil {
			t.Fatal(err)
		}
		got := codes(r)
		for j := range want {
			if got[j] != want[j] {
				t.Errorf("app %d block 2 tx %d: code %d, want %d (%s)", i, j, got[j], want[j], r.TxResults[j].Log)
			}
		}
		if !bytes.Contains([]byte(r.TxResults[0].Log), []byte("already_rewarded")) {
			t.Errorf("log does not name the status: %s", r.TxResults[0].Log)
		}
		if !bytes.Equal(hash1, r.AppHash) {
			t.Errorf("app %d: refused block changed the state: %X vs %X", i, r.AppHash, hash1)
		}
		// CheckTx reaches the same verdict for the ownership refusals.
		if c, _ := app.CheckTx(ctx, &abci.RequestCheckTx{Tx: wrongSigner}); c.Code != CodeNotOwner {
			t.Errorf("CheckTx wrong signer: code %d", c.Code)
		}
		app.Commit(ctx, &abci.RequestCommit{})
	}

	// Restart: the token handle is rebuilt from the journal (civic_token_load)
	// and the rules still hold.
	home := apps[0].home
	apps[0].Close()
	app, err := NewApp(home, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	apps[0] = app
	for i, app := range apps {
		r, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 3, Txs: [][]byte{approveAgain,
			tok("tok:spendreg", map[string]any{"op": "entrepreneur.register", "time": T0 + 5, "actor": "muni", "entrepreneur": "bakery"}),
			tok("tok:spend", map[string]any{"op": "spend", "time": T0 + 6, "citizen": "anna", "entrepreneur": "bakery", "amount": 5})}})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(r); got[0] != CodeLedgerBase+405 || got[1] != CodeOK || got[2] != CodeOK {
			t.Errorf("app %d after restart: codes %v (%s)", i, got, r.TxResults[2].Log)
		}
		if i == 0 {
			hash1 = r.AppHash
		} else if !bytes.Equal(hash1, r.AppHash) {
			t.Errorf("app hashes differ after restart: %X vs %X", hash1, r.AppHash)
		}
		app.Commit(ctx, &abci.RequestCommit{})
	}
}

// TestWalkthroughModuleSteps runs the walkthrough's module transactions
// in-process: the codes and the module end balances it expects.
func TestWalkthroughModuleSteps(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	app, err := NewApp(t.TempDir(), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.InitChain(ctx, &abci.RequestInitChain{ChainId: "test", AppStateBytes: f.gen, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	for i, m := range walkthroughModuleSteps() {
		r, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: int64(i + 1), Txs: [][]byte{f.kindTx(m.kind, m.inst, m.id, m.payload)}})
		if err != nil {
			t.Fatal(err)
		}
		if r.TxResults[0].Code != m.wantCode {
			t.Fatalf("step %s: code %d, want %d: %s", m.id, r.TxResults[0].Code, m.wantCode, r.TxResults[0].Log)
		}
		app.Commit(ctx, &abci.RequestCommit{})
	}
	for _, id := range []string{"CIV:wallet:r1", "CIV:reserve", "housing:rent-r6"} {
		js, err := app.ledger.AccountJSON(id)
		if err != nil || !bytes.Contains([]byte(js), []byte(fmt.Sprintf(`"balance":%d,`, walkthroughExpect[id]))) {
			t.Errorf("%s: %v %s, want balance %d", id, err, js, walkthroughExpect[id])
		}
	}
}
