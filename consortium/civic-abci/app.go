package main

// The ABCI application: libcivic's ledger as CometBFT's replicated state
// machine. Every call below runs under one mutex (CometBFT's socket server
// serialises calls too; the lock makes that independent of the transport).

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
)

// persisted is what Commit writes next to the journal (atomically): the
// height the journal is at, and its position, so a crash half-way through a
// block can be rolled back to the last committed block on restart.
type persisted struct {
	ChainID  string `json:"chain_id"`
	Height   int64  `json:"height"`
	AppHash  string `json:"app_hash"`
	Position uint64 `json:"position"`
}

// Stats says where the time goes inside the application (query /stats).
type Stats struct {
	CheckTx        int64 `json:"check_tx"`
	CheckTxNanos   int64 `json:"check_tx_ns"`
	Blocks         int64 `json:"blocks"`
	Txs            int64 `json:"txs"`
	TxsOK          int64 `json:"txs_ok"`
	Transfers      int64 `json:"transfers_applied"`
	VerifyNanos    int64 `json:"finalize_verify_ns"` // signature + ownership in FinalizeBlock
	PostNanos      int64 `json:"finalize_post_ns"`   // libcivic post (journal write + fdatasync)
	HashNanos      int64 `json:"finalize_hash_ns"`   // state hash per block
	CommitNanos    int64 `json:"commit_ns"`          // state file + snapshots
	FinalizeNanos  int64 `json:"finalize_ns"`        // whole FinalizeBlock
	FirstBlockUnix int64 `json:"first_tx_block_unix_ns"`
	LastBlockUnix  int64 `json:"last_tx_block_unix_ns"`
}

type batchMarker struct {
	Batch  string `json:"batch"`
	Height int64  `json:"height"`
	Index  int    `json:"index"`
	Tx     string `json:"tx"`
}

type App struct {
	abci.BaseApplication
	mu          sync.Mutex
	home        string
	ledger      *Ledger
	state       persisted // last committed
	pending     persisted // after FinalizeBlock, before Commit
	keys        map[string]ed25519.PublicKey
	batches     map[string]batchMarker
	tokens      map[string]*Token // token code -> handle over ledger (modules.go)
	tokenIssuer map[string]string // token code -> issuing institution
	stats       Stats
	snapEvery   int64
	injectDir   string
	restore     *restoreState
	// crashMidBlock (fault tests only): exit abruptly after the first
	// transaction of a block that has more, to test the roll-back.
	crashMidBlock bool
}

func journalPath(home string) string { return filepath.Join(home, "ledger.jnl") }
func statePath(home string) string   { return filepath.Join(home, "abci-state.json") }

// NewApp opens (or creates) the node's journal-backed ledger under home.
func NewApp(home string, snapEvery int64, injectDir string) (*App, error) {
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	a := &App{home: home, snapEvery: snapEvery, injectDir: injectDir}
	if b, err := os.ReadFile(statePath(home)); err == nil {
		if err := json.Unmarshal(b, &a.state); err != nil {
			return nil, fmt.Errorf("%s: %v", statePath(home), err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	if err := a.openLedger(); err != nil {
		return nil, err
	}
	a.pending = a.state
	return a, nil
}

func (a *App) openLedger() error {
	jp := journalPath(a.home)
	var err error
	if _, serr := os.Stat(jp); os.IsNotExist(serr) {
		a.ledger, err = OpenLedger(jp, true)
	} else {
		a.ledger, err = OpenLedger(jp, false)
	}
	if err != nil {
		return err
	}
	pos, err := a.ledger.Position()
	if err != nil {
		return err
	}
	if pos > a.state.Position {
		log.Printf("journal at position %d, last committed block %d ended at %d: rolling back the partial block", pos, a.state.Height, a.state.Position)
		if err := a.rollback(); err != nil {
			return err
		}
	}
	if a.state.Height > 0 {
		h, err := a.ledger.StateHashHex()
		if err != nil {
			return err
		}
		if h != a.state.AppHash {
			return fmt.Errorf("journal state hash %s differs from the committed app hash %s", h, a.state.AppHash)
		}
	}
	return a.reloadIndexes()
}

// rollback rebuilds the journal up to the last committed position: the
// records of a block that crashed half-way were never part of a commit, and
// re-applying that block on top of them could change which of its
// transactions succeed. libcivic has no truncate, so the records that stay
// are exported and re-posted into a fresh journal (every record is unsigned
// civic-abci output, so re-posting reproduces it byte for byte; the state
// hash check below proves it).
func (a *App) rollback() error {
	jp := journalPath(a.home)
	a.dropTokens()
	a.ledger.Close()
	exp, err := ExportFile(jp)
	if err != nil {
		return err
	}
	var doc struct {
		Records []struct {
			Position uint64          `json:"position"`
			Batch    json.RawMessage `json:"batch"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(exp), &doc); err != nil {
		return err
	}
	tmp := jp + ".rebuild"
	os.Remove(tmp)
	l, err := OpenLedger(tmp, true)
	if err != nil {
		return err
	}
	for _, r := range doc.Records {
		if r.Position > a.state.Position {
			break
		}
		if _, err := l.PostJSON(r.Batch); err != nil {
			l.Close()
			return fmt.Errorf("rebuilding record %d: %v", r.Position, err)
		}
	}
	l.Close()
	if err := os.Rename(tmp, jp); err != nil {
		return err
	}
	a.ledger, err = OpenLedger(jp, false)
	return err
}

// reloadIndexes rebuilds the key registry and the committed batch ids from
// the ledger's events (the ledger is the only source of truth).
func (a *App) reloadIndexes() error {
	if err := a.reloadKeys(); err != nil {
		return err
	}
	a.dropTokens()
	if err := a.reloadTokenIssuers(); err != nil {
		return err
	}
	a.batches = map[string]batchMarker{}
	js, err := a.ledger.EventsJSON(markerType)
	if err != nil {
		return err
	}
	var doc struct {
		Events []struct {
			Data batchMarker `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		return err
	}
	for _, e := range doc.Events {
		a.batches[e.Data.Batch] = e.Data
	}
	return nil
}

func (a *App) reloadKeys() error {
	js, err := a.ledger.EventsJSON("civic.key.")
	if err != nil {
		return err
	}
	var doc struct {
		Events []struct {
			Type string `json:"type"`
			Data struct {
				Key       string `json:"key"`
				PublicKey string `json:"public_key"`
			} `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		return err
	}
	a.keys = map[string]ed25519.PublicKey{}
	for _, e := range doc.Events {
		switch e.Type {
		case "civic.key.register":
			if pk, err := hex.DecodeString(e.Data.PublicKey); err == nil && len(pk) == ed25519.PublicKeySize {
				a.keys[e.Data.Key] = pk
			}
		case "civic.key.revoke":
			delete(a.keys, e.Data.Key)
		}
	}
	return nil
}

func (a *App) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropTokens()
	a.ledger.Close()
}

func (a *App) Info(_ context.Context, _ *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := &abci.ResponseInfo{Data: "civic-abci", Version: "0.1.0", AppVersion: 1, LastBlockHeight: a.state.Height}
	if a.state.Height > 0 {
		r.LastBlockAppHash, _ = hex.DecodeString(a.state.AppHash)
	}
	return r, nil
}

// GenesisState is the app_state of genesis.json: the institutions and their
// Ed25519 public keys (the key id is the institution id) and the assets.
type GenesisState struct {
	Institutions []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	} `json:"institutions"`
	Assets []struct {
		Code  string `json:"code"`
		Scale int    `json:"scale"`
	} `json:"assets"`
}

func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var g GenesisState
	if err := json.Unmarshal(req.AppStateBytes, &g); err != nil {
		return nil, fmt.Errorf("genesis app_state: %v", err)
	}
	events := []map[string]any{}
	for _, in := range g.Institutions {
		if !idRe.MatchString(in.ID) {
			return nil, fmt.Errorf("genesis institution id %q: must match %s", in.ID, idRe)
		}
		events = append(events, map[string]any{
			"id": "genesis:key:" + in.ID, "type": "civic.key.register", "actor": "genesis", "time": 0,
			"data": map[string]any{"key": in.ID, "public_key": in.PublicKey, "name": in.Name},
		})
	}
	batch, _ := json.Marshal(map[string]any{"assets": g.Assets, "events": events})
	if _, err := a.ledger.PostJSON(batch); err != nil {
		return nil, fmt.Errorf("genesis batch: %v", err)
	}
	if err := a.reloadIndexes(); err != nil {
		return nil, err
	}
	h, err := a.ledger.StateHashHex()
	if err != nil {
		return nil, err
	}
	pos, _ := a.ledger.Position()
	a.state.ChainID = req.ChainId
	a.pending = persisted{ChainID: req.ChainId, Height: req.InitialHeight - 1, AppHash: h, Position: pos}
	// Position of the genesis batch counts as committed: a crash before
	// block 1 replays InitChain, whose batch is then skipped as a retry.
	a.state.Position = pos
	raw, _ := hex.DecodeString(h)
	return &abci.ResponseInitChain{AppHash: raw}, nil
}

func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	start := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	defer func() { a.stats.CheckTx++; a.stats.CheckTxNanos += time.Since(start).Nanoseconds() }()
	_, terr := a.verify(req.Tx)
	if terr != nil {
		return &abci.ResponseCheckTx{Code: terr.code, Codespace: "civic", Log: terr.msg}, nil
	}
	return &abci.ResponseCheckTx{Code: CodeOK, GasWanted: 1}, nil
}

// PrepareProposal keeps the mempool's order. With --inject-dir (fault tests
// only) it also appends the raw transactions found there once, to put a
// transaction that CheckTx refused into a block, as a faulty or malicious
// proposer could: FinalizeBlock must refuse it on every node by itself.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	var txs [][]byte
	var total int64
	for _, tx := range req.Txs {
		if total+int64(len(tx)) > req.MaxTxBytes {
			break
		}
		total += int64(len(tx))
		txs = append(txs, tx)
	}
	if a.injectDir != "" {
		files, _ := filepath.Glob(filepath.Join(a.injectDir, "*.tx"))
		sort.Strings(files)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				txs = append(txs, []byte(strings.TrimSpace(string(b))))
				log.Printf("fault injection: proposing %s", f)
			}
			os.Remove(f)
		}
	}
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal accepts every block: a bad transaction inside it is
// refused deterministically by FinalizeBlock with its own result code, and
// refusing whole blocks would let one bad transaction stall the proposer's
// round without protecting anything more.
func (a *App) ProcessProposal(_ context.Context, _ *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	start := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		results[i] = a.deliver(raw, req.Height, i)
		if a.crashMidBlock && len(req.Txs) > 1 && results[i].Code == CodeOK {
			log.Printf("fault injection: exiting inside block %d after tx %d of %d", req.Height, i, len(req.Txs))
			os.Exit(3)
		}
	}
	t := time.Now()
	h, err := a.ledger.StateHashHex()
	if err != nil {
		return nil, err
	}
	pos, err := a.ledger.Position()
	if err != nil {
		return nil, err
	}
	a.stats.HashNanos += time.Since(t).Nanoseconds()
	a.pending = persisted{ChainID: a.state.ChainID, Height: req.Height, AppHash: h, Position: pos}
	a.stats.Blocks++
	if len(req.Txs) > 0 {
		if a.stats.FirstBlockUnix == 0 {
			a.stats.FirstBlockUnix = req.Time.UnixNano()
		}
		a.stats.LastBlockUnix = req.Time.UnixNano()
	}
	a.stats.FinalizeNanos += time.Since(start).Nanoseconds()
	raw, _ := hex.DecodeString(h)
	return &abci.ResponseFinalizeBlock{TxResults: results, AppHash: raw}, nil
}

// deliver applies one transaction of a block. The same checks as CheckTx
// run again: CheckTx is only each node's mempool filter, a proposer can put
// anything into a block.
func (a *App) deliver(raw []byte, height int64, index int) *abci.ExecTxResult {
	a.stats.Txs++
	t0 := time.Now()
	tx, terr := a.verify(raw)
	a.stats.VerifyNanos += time.Since(t0).Nanoseconds()
	if terr != nil {
		return &abci.ExecTxResult{Code: terr.code, Codespace: "civic", Log: terr.msg}
	}
	sum := sha256.Sum256(raw)
	txHash := strings.ToUpper(hex.EncodeToString(sum[:]))
	if tx.Kind != KindBatch {
		return a.deliverModule(tx, height, index, txHash)
	}
	batch, err := WithMarker([]byte(tx.Batch), tx, height, index, txHash)
	if err != nil {
		return &abci.ExecTxResult{Code: CodeMalformed, Codespace: "civic", Log: "batch: " + err.Error()}
	}
	t1 := time.Now()
	res, err := a.ledger.PostJSON(batch)
	a.stats.PostNanos += time.Since(t1).Nanoseconds()
	if err != nil {
		if ce, ok := asCivic(err); ok {
			if ce.Name == "ledger_poisoned" || ce.Name == "io_error" {
				// The journal can no longer be trusted on this node: stop
				// rather than diverge (CometBFT halts this node only).
				log.Fatalf("ledger: %v", err)
			}
			return &abci.ExecTxResult{Code: CodeLedgerBase + uint32(ce.Status), Codespace: "civic", Log: ce.Error()}
		}
		return &abci.ExecTxResult{Code: CodeMalformed, Codespace: "civic", Log: err.Error()}
	}
	var r struct{ Applied, Skipped int64 }
	_ = json.Unmarshal([]byte(res), &r)
	a.batches[tx.ID] = batchMarker{Batch: tx.ID, Height: height, Index: index, Tx: txHash}
	if strings.Contains(tx.Batch, "civic.key.") {
		_ = a.reloadKeys()
	}
	a.stats.TxsOK++
	logMsg := "ok " + res
	if r.Applied <= 1 && r.Skipped > 0 {
		// Only civic-abci's own marker was new: every item of the batch was
		// already in the ledger (same ids, same fields), so nothing moved.
		logMsg = "ok no-op: every item was already in the ledger (retried content under a new batch id) " + res
	}
	var b batchItems
	if json.Unmarshal([]byte(tx.Batch), &b) == nil {
		a.stats.Transfers += int64(len(b.Transfers))
	}
	return &abci.ExecTxResult{Code: CodeOK, Log: logMsg, Events: []abci.Event{{
		Type: "civic", Attributes: []abci.EventAttribute{
			{Key: "batch", Value: tx.ID, Index: true},
			{Key: "institution", Value: tx.Institution, Index: true},
		},
	}}}
}

// verify is the same verdict in CheckTx and FinalizeBlock: envelope and
// signature, the kind's ownership rule, and the replay guard.
func (a *App) verify(raw []byte) (*Tx, *txError) {
	tx, terr := ParseTx(raw, a.state.ChainID, a.keys)
	if terr != nil {
		return nil, terr
	}
	switch tx.Kind {
	case KindToken:
		terr = a.CheckTokenOwnership(tx.Institution, tx.Batch)
	case KindSettle:
		terr = CheckSettleOwnership(tx.Institution, tx.Batch)
	default:
		if _, isToken := a.tokenIssuer[tx.Institution]; isToken || settleNamespaces[tx.Institution] {
			// Token accounts are "<code>:...", settlement's "escrow:<r>"
			// etc.: an institution named like them would own them
			// through batches (module txs only may move them).
			terr = refuse(CodeNotOwner, "tx.institution: '%s' names a token or settlement namespace", tx.Institution)
		} else {
			terr = CheckOwnership(tx.Institution, []byte(tx.Batch))
		}
	}
	if terr == nil {
		if m, ok := a.batches[tx.ID]; ok {
			terr = refuse(CodeReplay, "replay: batch '%s' was committed at height %d, refused, nothing changed", tx.ID, m.Height)
		}
	}
	if terr != nil {
		return nil, terr
	}
	return tx, nil
}

// deliverModule runs a token or settle transaction through libcivic (all or
// nothing), then posts civic-abci's replay marker as its own batch. Both are
// part of the same block, so a crash between them is rolled back with the
// block (openLedger) and the block is re-applied whole.
func (a *App) deliverModule(tx *Tx, height int64, index int, txHash string) *abci.ExecTxResult {
	t1 := time.Now()
	var res string
	var err error
	if tx.Kind == KindToken {
		res, err = a.applyToken(tx.Batch)
	} else {
		res, err = a.applySettle(tx.Institution, tx.Batch)
	}
	if err == nil {
		var marker []byte
		if marker, err = WithMarker([]byte("{}"), tx, height, index, txHash); err == nil {
			if _, err = a.ledger.PostJSON(marker); err != nil {
				log.Fatalf("ledger: replay marker after a %s tx: %v", tx.Kind, err)
			}
		}
	}
	a.stats.PostNanos += time.Since(t1).Nanoseconds()
	if err != nil {
		if ce, ok := asCivic(err); ok {
			if ce.Name == "ledger_poisoned" || ce.Name == "io_error" {
				log.Fatalf("ledger: %v", err)
			}
			return &abci.ExecTxResult{Code: CodeLedgerBase + uint32(ce.Status), Codespace: "civic", Log: ce.Error()}
		}
		return &abci.ExecTxResult{Code: CodeMalformed, Codespace: "civic", Log: err.Error()}
	}
	a.batches[tx.ID] = batchMarker{Batch: tx.ID, Height: height, Index: index, Tx: txHash}
	a.stats.TxsOK++
	return &abci.ExecTxResult{Code: CodeOK, Log: "ok " + res, Events: []abci.Event{{
		Type: "civic", Attributes: []abci.EventAttribute{
			{Key: "batch", Value: tx.ID, Index: true},
			{Key: "institution", Value: tx.Institution, Index: true},
			{Key: "kind", Value: tx.Kind, Index: true},
		},
	}}}
}

// Commit makes the block durable. The journal already is (libcivic
// fdatasyncs every post); what remains is the height <-> position mapping.
func (a *App) Commit(_ context.Context, _ *abci.RequestCommit) (*abci.ResponseCommit, error) {
	start := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := writeFileAtomic(statePath(a.home), a.pending); err != nil {
		return nil, err
	}
	a.state = a.pending
	if a.snapEvery > 0 && a.state.Height%a.snapEvery == 0 {
		if err := a.takeSnapshot(); err != nil {
			log.Printf("snapshot at height %d: %v", a.state.Height, err)
		}
	}
	a.stats.CommitNanos += time.Since(start).Nanoseconds()
	return &abci.ResponseCommit{}, nil
}

func writeFileAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Query paths (data is JSON): /state, /balances, /account/<id>,
// /history/<id>, /events/<type prefix>, /batch/<batch id>, /stats.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out, err := a.query(req.Path)
	if err != nil {
		code := CodeMalformed
		if ce, ok := asCivic(err); ok {
			code = CodeLedgerBase + uint32(ce.Status)
		}
		return &abci.ResponseQuery{Code: code, Codespace: "civic", Log: err.Error(), Height: a.state.Height}, nil
	}
	return &abci.ResponseQuery{Code: CodeOK, Value: []byte(out), Height: a.state.Height}, nil
}

func (a *App) query(path string) (string, error) {
	arg := func(prefix string) (string, bool) {
		if strings.HasPrefix(path, prefix) {
			return strings.TrimPrefix(path, prefix), true
		}
		return "", false
	}
	// Queries read the live ledger; between FinalizeBlock and Commit that is
	// one block ahead of a.state, so report the height the data belongs to.
	switch {
	case path == "/state":
		h, err := a.ledger.StateHashHex()
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(map[string]any{"height": a.pending.Height, "state_hash": h, "position": a.pending.Position, "chain_id": a.state.ChainID})
		return string(b), nil
	case path == "/balances":
		return a.ledger.BalancesJSON()
	case path == "/stats":
		b, _ := json.Marshal(a.stats)
		return string(b), nil
	}
	if id, ok := arg("/account/"); ok {
		return a.ledger.AccountJSON(id)
	}
	if id, ok := arg("/history/"); ok {
		return a.ledger.HistoryJSON(id)
	}
	if p, ok := arg("/events/"); ok {
		return a.ledger.EventsJSON(p)
	}
	if id, ok := arg("/batch/"); ok {
		m, found := a.batches[id]
		if !found {
			return "", fmt.Errorf("batch '%s': not committed", id)
		}
		b, _ := json.Marshal(m)
		return string(b), nil
	}
	return "", fmt.Errorf("unknown query path %q", path)
}
