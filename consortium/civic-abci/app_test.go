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
