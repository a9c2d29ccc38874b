package main

// State-sync snapshots. A snapshot (format 1) is the node's libcivic journal
// file as of a committed height, cut into 4 MiB chunks. A joining node
// reassembles it, checks the SHA-256 announced for the snapshot, then opens it
// with civic_ledger_open, which re-checks every record's checksum and hash
// link and replays every batch; finally the replayed state hash must equal
// the app hash that CometBFT's light client verified for that height.
// So the newcomer trusts nothing it was sent except through those checks.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
)

const (
	snapshotFormat = 1
	chunkSize      = 4 << 20
	keepSnapshots  = 2
)

type snapMeta struct {
	ChainID  string `json:"chain_id"`
	Height   int64  `json:"height"`
	AppHash  string `json:"app_hash"`
	Position uint64 `json:"position"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

type restoreState struct {
	meta    snapMeta
	appHash []byte
	chunks  uint32
	next    uint32
	file    *os.File
}

func (a *App) snapDir() string { return filepath.Join(a.home, "snapshots") }

// takeSnapshot copies the journal as of the just-committed height. Runs
// inside Commit, so no block is being applied meanwhile.
func (a *App) takeSnapshot() error {
	dir := filepath.Join(a.snapDir(), strconv.FormatInt(a.state.Height, 10))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src, err := os.Open(journalPath(a.home))
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(dir, "ledger.jnl"))
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(dst, h), src)
	if err == nil {
		err = dst.Sync()
	}
	dst.Close()
	if err != nil {
		return err
	}
	meta := snapMeta{ChainID: a.state.ChainID, Height: a.state.Height, AppHash: a.state.AppHash,
		Position: a.state.Position, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if err := writeFileAtomic(filepath.Join(dir, "meta.json"), meta); err != nil {
		return err
	}
	return a.pruneSnapshots()
}

func (a *App) snapshotHeights() []int64 {
	ents, _ := os.ReadDir(a.snapDir())
	var hs []int64
	for _, e := range ents {
		if h, err := strconv.ParseInt(e.Name(), 10, 64); err == nil {
			if _, err := os.Stat(filepath.Join(a.snapDir(), e.Name(), "meta.json")); err == nil {
				hs = append(hs, h)
			}
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] > hs[j] })
	return hs
}

func (a *App) pruneSnapshots() error {
	hs := a.snapshotHeights()
	for i := keepSnapshots; i < len(hs); i++ {
		os.RemoveAll(filepath.Join(a.snapDir(), strconv.FormatInt(hs[i], 10)))
	}
	return nil
}

func (a *App) readMeta(h int64) (snapMeta, error) {
	var m snapMeta
	b, err := os.ReadFile(filepath.Join(a.snapDir(), strconv.FormatInt(h, 10), "meta.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	return m, err
}

func chunksOf(size int64) uint32 { return uint32((size + chunkSize - 1) / chunkSize) }

func (a *App) ListSnapshots(_ context.Context, _ *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	resp := &abci.ResponseListSnapshots{}
	for _, h := range a.snapshotHeights() {
		m, err := a.readMeta(h)
		if err != nil {
			continue
		}
		sum, _ := hex.DecodeString(m.SHA256)
		md, _ := json.Marshal(m)
		resp.Snapshots = append(resp.Snapshots, &abci.Snapshot{Height: uint64(h), Format: snapshotFormat,
			Chunks: chunksOf(m.Size), Hash: sum, Metadata: md})
	}
	return resp, nil
}

func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.Format != snapshotFormat {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	f, err := os.Open(filepath.Join(a.snapDir(), strconv.FormatUint(req.Height, 10), "ledger.jnl"))
	if err != nil {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	defer f.Close()
	buf := make([]byte, chunkSize)
	n, err := f.ReadAt(buf, int64(req.Chunk)*chunkSize)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: buf[:n]}, nil
}

func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.Snapshot == nil || req.Snapshot.Format != snapshotFormat {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	}
	var m snapMeta
	if err := json.Unmarshal(req.Snapshot.Metadata, &m); err != nil || m.Height != int64(req.Snapshot.Height) ||
		chunksOf(m.Size) != req.Snapshot.Chunks || !bytes.Equal(mustHex(m.AppHash), req.AppHash) {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	tmp := journalPath(a.home) + ".restore"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	if a.restore != nil && a.restore.file != nil {
		a.restore.file.Close()
	}
	a.restore = &restoreState{meta: m, appHash: req.AppHash, chunks: req.Snapshot.Chunks, file: f}
	log.Printf("state sync: accepted snapshot at height %d (%d chunks)", m.Height, req.Snapshot.Chunks)
	return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ACCEPT}, nil
}

func mustHex(s string) []byte { b, _ := hex.DecodeString(s); return b }

func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.restore
	if r == nil || req.Index != r.next {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	if _, err := r.file.Write(req.Chunk); err != nil {
		return nil, err
	}
	r.next++
	if r.next < r.chunks {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
	}
	if err := a.finishRestore(); err != nil {
		log.Printf("state sync: snapshot at height %d refused: %v", r.meta.Height, err)
		a.restore = nil
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	a.restore = nil
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
}

// finishRestore checks the reassembled journal and swaps it in.
func (a *App) finishRestore() error {
	r := a.restore
	tmp := r.file.Name()
	if err := r.file.Sync(); err != nil {
		return err
	}
	r.file.Close()
	b, err := os.ReadFile(tmp)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != r.meta.SHA256 {
		return fmt.Errorf("sha256 of the reassembled journal does not match the snapshot")
	}
	l, err := OpenLedger(tmp, false) // full re-check and replay
	if err != nil {
		return err
	}
	h, _ := l.StateHashHex()
	pos, _ := l.Position()
	l.Close()
	if !bytes.Equal(mustHex(h), r.appHash) {
		return fmt.Errorf("replayed state hash %s is not the verified app hash %X", h, r.appHash)
	}
	a.dropTokens()
	a.ledger.Close()
	if err := os.Rename(tmp, journalPath(a.home)); err != nil {
		return err
	}
	a.state = persisted{ChainID: r.meta.ChainID, Height: r.meta.Height, AppHash: h, Position: pos}
	a.pending = a.state
	if err := writeFileAtomic(statePath(a.home), a.state); err != nil {
		return err
	}
	if a.ledger, err = OpenLedger(journalPath(a.home), false); err != nil {
		return err
	}
	log.Printf("state sync: restored height %d, state hash %s, %d journal records", r.meta.Height, h, pos)
	return a.reloadIndexes()
}
