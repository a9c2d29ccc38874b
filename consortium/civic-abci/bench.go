package main

// `civic-abci bench`: committed transfers per second through the consortium
// versus the same batches posted to libcivic directly, in the same run, and
// where the time goes (civic-abci's /stats counters).

import (
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

type benchTx struct {
	inst, id string
	batch    []byte
	raw      []byte
}

func makeBenchTxs(net *NetInfo, run string, perInst, perBatch int) ([]benchTx, []benchTx, map[string]ed25519.PrivateKey, error) {
	keys := map[string]ed25519.PrivateKey{}
	var insts []string
	for _, n := range net.Nodes {
		if _, sk, err := loadKey(n.KeyFile); err == nil {
			keys[n.Institution] = sk
			insts = append(insts, n.Institution)
		}
	}
	var setup, txs []benchTx
	for _, in := range insts {
		b, _ := json.Marshal(map[string]any{"accounts": []any{acct(in+":bench", "EUR", nil)}})
		id := in + ":bench-setup:" + run
		setup = append(setup, benchTx{in, id, b, MakeTx(net.ChainID, in, id, b, keys[in])})
	}
	for k := 0; k < perInst; k++ {
		for i, in := range insts {
			var t []any
			for j := 0; j < perBatch; j++ {
				// Pay the other institutions in turn (a sink of one's own on a one-node net).
				to := in + ":bench-sink"
				if len(insts) > 1 {
					to = insts[(i+1+j%(len(insts)-1))%len(insts)] + ":bench"
				}
				t = append(t, xfer(fmt.Sprintf("%s:bench:%s:%d:%d", in, run, k, j), in+":bench", to, int64(1+j), "EUR", int64(k), "bench"))
			}
			b, _ := json.Marshal(map[string]any{"transfers": t})
			id := fmt.Sprintf("%s:bench:%s:%d", in, run, k)
			txs = append(txs, benchTx{in, id, b, MakeTx(net.ChainID, in, id, b, keys[in])})
		}
	}
	return setup, txs, keys, nil
}

func nodeStats(rpc string) (Stats, error) {
	var s Stats
	v, err := abciQuery(rpc, "/stats")
	if err == nil {
		err = json.Unmarshal([]byte(v), &s)
	}
	return s, err
}

func cmdBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	dir := fs.String("net", "", "testnet directory")
	perInst := fs.Int("batches", 100, "batches per institution")
	perBatch := fs.Int("per-batch", 20, "transfers per batch")
	timeout := fs.Duration("timeout", 120*time.Second, "give up after")
	parallel := fs.Int("parallel", 4, "concurrent submitters per institution")
	fs.Parse(args)
	net, err := loadNet(*dir)
	if err != nil {
		return err
	}
	run := fmt.Sprintf("%d", time.Now().UnixNano()%1000000)
	setup, txs, _, err := makeBenchTxs(net, run, *perInst, *perBatch)
	if err != nil {
		return err
	}
	rpcOf := map[string]string{}
	for _, n := range net.Nodes {
		rpcOf[n.Institution] = n.RPC
	}
	// Sinks for a one-node net (transfers need two accounts).
	for _, s := range setup {
		if r, err := broadcastCommit(rpcOf[s.inst], s.raw); err != nil || r.CheckCode != 0 || r.TxCode != 0 {
			return fmt.Errorf("bench setup %s: %v %+v", s.id, err, r)
		}
	}
	if len(setup) == 1 {
		in := setup[0].inst
		b, _ := json.Marshal(map[string]any{"accounts": []any{acct(in+":bench-sink", "EUR", nil)}})
		_, sk, _ := loadKey(net.Nodes[0].KeyFile)
		broadcastCommit(rpcOf[in], MakeTx(net.ChainID, in, in+":bench-sink", b, sk))
	}
	before := map[string]Stats{}
	net.Nodes = validators(net)
	for _, n := range net.Nodes {
		if before[n.Institution], err = nodeStats(n.RPC); err != nil {
			return err
		}
	}
	// Each institution submits its own batches to its own node.
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(txs))
	byInst := map[string][]benchTx{}
	for _, t := range txs {
		byInst[t.inst] = append(byInst[t.inst], t)
	}
	for in, all := range byInst {
		// --parallel submitters per institution, each on its own share.
		for p := 0; p < *parallel; p++ {
			var list []benchTx
			for i := p; i < len(all); i += *parallel {
				list = append(list, all[i])
			}
			wg.Add(1)
			go func(rpc string, list []benchTx) {
				defer wg.Done()
				for _, t := range list {
					r, err := broadcastSync(rpc, t.raw)
					if err == nil && r.Code != 0 {
						err = fmt.Errorf("CheckTx %s: code %d %s", t.id, r.Code, r.Log)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}(rpcOf[in], list)
		}
	}
	wg.Wait()
	submitted := time.Since(start)
	close(errs)
	for e := range errs {
		return e
	}
	// Committed = applied by FinalizeBlock and the block committed on every node.
	want := int64(len(txs))
	deadline := time.Now().Add(*timeout)
	var after map[string]Stats
	for {
		after = map[string]Stats{}
		done := true
		for _, n := range net.Nodes {
			s, err := nodeStats(n.RPC)
			if err != nil {
				return err
			}
			after[n.Institution] = s
			if s.TxsOK-before[n.Institution].TxsOK < want {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: not all %d txs committed within %v", want, *timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	nTransfers := int64(len(txs) * *perBatch)

	// The same batches straight into libcivic, durable journal and memory.
	direct := func(durable bool) (time.Duration, error) {
		tmp, err := os.MkdirTemp("", "civic-bench-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(tmp)
		var l *Ledger
		if durable {
			l, err = OpenLedger(filepath.Join(tmp, "direct.jnl"), true)
		} else {
			l, err = NewMemoryLedger()
		}
		if err != nil {
			return 0, err
		}
		defer l.Close()
		init, _ := json.Marshal(map[string]any{"assets": []any{map[string]any{"code": "EUR", "scale": 2}}})
		if _, err := l.PostJSON(init); err != nil {
			return 0, err
		}
		for _, s := range setup {
			if _, err := l.PostJSON(s.batch); err != nil {
				return 0, err
			}
		}
		if len(setup) == 1 {
			b, _ := json.Marshal(map[string]any{"accounts": []any{acct(setup[0].inst+":bench-sink", "EUR", nil)}})
			l.PostJSON(b)
		}
		t0 := time.Now()
		for _, t := range txs {
			if _, err := l.PostJSON(t.batch); err != nil {
				return 0, fmt.Errorf("direct %s: %v", t.id, err)
			}
		}
		return time.Since(t0), nil
	}
	dj, err := direct(true)
	if err != nil {
		return err
	}
	dm, err := direct(false)
	if err != nil {
		return err
	}
	// The consortium's own per-tx work outside libcivic, measured alone.
	keys := map[string]ed25519.PublicKey{}
	for _, n := range net.Nodes {
		if k, _, err := loadKey(n.KeyFile); err == nil {
			keys[n.Institution] = ed25519.PublicKey(mustHex(k.PublicKey))
		}
	}
	t0 := time.Now()
	for i, t := range txs {
		tx, terr := ParseTx(t.raw, net.ChainID, keys)
		if terr == nil {
			terr = CheckOwnership(tx.Institution, []byte(tx.Batch))
		}
		if terr != nil {
			return terr
		}
		WithMarker([]byte(tx.Batch), tx, 1, i, "")
	}
	verify := time.Since(t0)

	a, b := after[net.Nodes[0].Institution], before[net.Nodes[0].Institution]
	blocks := a.Blocks - b.Blocks
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	tps := func(d time.Duration) float64 { return float64(nTransfers) / d.Seconds() }
	fmt.Printf("workload: %d institutions x %d batches x %d transfers = %d transfers in %d signed txs (%d bytes avg)\n",
		len(byInst), *perInst, *perBatch, nTransfers, len(txs), avgLen(txs))
	fmt.Printf("consortium (%d nodes): %.0f transfers/s committed on every node (%.2f s; submit took %.2f s)\n",
		len(net.Nodes), tps(elapsed), elapsed.Seconds(), submitted.Seconds())
	fmt.Printf("libcivic direct, journal (fdatasync per batch): %.0f transfers/s (%.3f s)\n", tps(dj), dj.Seconds())
	fmt.Printf("libcivic direct, in memory:                     %.0f transfers/s (%.3f s)\n", tps(dm), dm.Seconds())
	fmt.Printf("where the time goes on node %s (%d blocks, %.1f txs/block):\n", net.Nodes[0].Institution, blocks, float64(want)/float64(max64(blocks, 1)))
	fmt.Printf("  CheckTx (parse + Ed25519 + ownership, mempool): %8.1f ms total (%d calls incl. rechecks)\n", ms(a.CheckTxNanos-b.CheckTxNanos), a.CheckTx-b.CheckTx)
	fmt.Printf("  FinalizeBlock total:                           %8.1f ms\n", ms(a.FinalizeNanos-b.FinalizeNanos))
	fmt.Printf("    verify again (Ed25519 + ownership):          %8.1f ms\n", ms(a.VerifyNanos-b.VerifyNanos))
	fmt.Printf("    libcivic post (journal write + fdatasync):   %8.1f ms\n", ms(a.PostNanos-b.PostNanos))
	fmt.Printf("    state hash per block:                        %8.1f ms\n", ms(a.HashNanos-b.HashNanos))
	fmt.Printf("  Commit (state file fsync, snapshots):          %8.1f ms\n", ms(a.CommitNanos-b.CommitNanos))
	appMs := ms(a.CheckTxNanos - b.CheckTxNanos + a.FinalizeNanos - b.FinalizeNanos + a.CommitNanos - b.CommitNanos)
	fmt.Printf("  application total %.1f ms of %.1f ms wall: the rest is CometBFT (gossip, 3 voting rounds/block, timeout_commit, its own fsyncs, RPC)\n",
		appMs, float64(elapsed.Milliseconds()))
	fmt.Printf("  same txs' parse+verify+ownership alone in Go: %.1f ms (%.0f us/tx)\n", ms(verify.Nanoseconds()), float64(verify.Microseconds())/float64(len(txs)))
	return nil
}

func avgLen(txs []benchTx) int {
	n := 0
	for _, t := range txs {
		n += len(t.raw)
	}
	return n / max(len(txs), 1)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
