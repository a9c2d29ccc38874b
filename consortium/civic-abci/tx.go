package main

// The consortium transaction: a libcivic ledger batch signed by one
// institution. Form and ownership rules live here; they are pure functions of
// the transaction bytes plus the key registry, so CheckTx and FinalizeBlock
// reach the same verdict on every node.

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Tx is the envelope carried by CometBFT (JSON, at most MaxTxBytes).
type Tx struct {
	V           int    `json:"v"`              // envelope version, 1
	Institution string `json:"institution"`    // signer = key id in the registry
	ID          string `json:"id"`             // batch id, "<institution>:<anything>"
	Kind        string `json:"kind,omitempty"` // "" (ledger batch), "token" or "settle" (modules.go)
	Batch       string `json:"batch"`          // the payload JSON (batch, token op or settle plan), exact signed bytes
	Signature   string `json:"signature"`      // Ed25519, 128 hex
}

// ABCI result codes (codespace "civic"). Ledger refusals are
// CodeLedgerBase + the civic_status number; the log names the status.
const (
	CodeOK          uint32 = 0
	CodeMalformed   uint32 = 1 // envelope or batch not in the accepted form
	CodeUnknownInst uint32 = 2 // institution has no registered (unrevoked) key
	CodeBadSig      uint32 = 3 // signature does not verify
	CodeNotOwner    uint32 = 4 // batch touches another institution's accounts/ids
	CodeReplay      uint32 = 5 // batch id already committed
	CodeLedgerBase  uint32 = 1000
	MaxTxBytes             = 1 << 20
	sigDomain              = "civic-abci-tx-v1"
	markerType             = "abci.batch"
)

// moduleEventPrefixes are the journal event types owned by libcivic's token
// and settlement modules (see modules.go).
var moduleEventPrefixes = []string{"civic.token.", "settle."}

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// SignBytes is the exact message an institution signs: a domain tag, the
// chain id (no cross-chain replay), the institution, the batch id and the
// batch bytes, separated by NUL (none of the first four may contain NUL).
func SignBytes(chainID, inst, id, batch string) []byte {
	return signBytesKind(KindBatch, chainID, inst, id, batch)
}

// signBytesKind: a non-batch kind signs under its own domain tag
// ("civic-abci-tx-v1/token"), so a signature never carries over between kinds.
func signBytesKind(kind, chainID, inst, id, batch string) []byte {
	domain := sigDomain
	if kind != KindBatch {
		domain += "/" + kind
	}
	var b bytes.Buffer
	for _, s := range []string{domain, chainID, inst, id} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.WriteString(batch)
	return b.Bytes()
}

// MakeTx signs batch as institution inst with the 64-byte Ed25519 key.
func MakeTx(chainID, inst, id string, batch []byte, sk ed25519.PrivateKey) []byte {
	sig := ed25519.Sign(sk, SignBytes(chainID, inst, id, string(batch)))
	out, _ := json.Marshal(Tx{V: 1, Institution: inst, ID: id, Batch: string(batch), Signature: hex.EncodeToString(sig)})
	return out
}

// MakeKindTx signs a module payload (kind "token" or "settle") as inst.
func MakeKindTx(chainID, kind, inst, id string, payload []byte, sk ed25519.PrivateKey) []byte {
	sig := ed25519.Sign(sk, signBytesKind(kind, chainID, inst, id, string(payload)))
	out, _ := json.Marshal(Tx{V: 1, Institution: inst, ID: id, Kind: kind, Batch: string(payload), Signature: hex.EncodeToString(sig)})
	return out
}

type txError struct {
	code uint32
	msg  string
}

func (e *txError) Error() string { return e.msg }

func refuse(code uint32, format string, a ...any) *txError {
	return &txError{code: code, msg: fmt.Sprintf(format, a...)}
}

// ParseTx decodes the envelope and checks the signature against keys
// (institution -> public key, from the ledger's key registry).
func ParseTx(raw []byte, chainID string, keys map[string]ed25519.PublicKey) (*Tx, *txError) {
	if len(raw) > MaxTxBytes {
		return nil, refuse(CodeMalformed, "tx: larger than %d bytes", MaxTxBytes)
	}
	var tx Tx
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tx); err != nil {
		return nil, refuse(CodeMalformed, "tx: %v", err)
	}
	if tx.V != 1 {
		return nil, refuse(CodeMalformed, "tx.v: must be 1")
	}
	if tx.Kind != KindBatch && tx.Kind != KindToken && tx.Kind != KindSettle {
		return nil, refuse(CodeMalformed, "tx.kind: must be absent, \"token\" or \"settle\"")
	}
	if !idRe.MatchString(tx.Institution) {
		return nil, refuse(CodeMalformed, "tx.institution: must match %s", idRe)
	}
	if !strings.HasPrefix(tx.ID, tx.Institution+":") || len(tx.ID) > 200 || strings.ContainsRune(tx.ID, 0) {
		return nil, refuse(CodeNotOwner, "tx.id: must start with '%s:' (at most 200 bytes)", tx.Institution)
	}
	pk, ok := keys[tx.Institution]
	if !ok {
		return nil, refuse(CodeUnknownInst, "tx.institution: '%s' has no registered key", tx.Institution)
	}
	sig, err := hex.DecodeString(tx.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, refuse(CodeMalformed, "tx.signature: must be 128 hex characters")
	}
	if !ed25519.Verify(pk, signBytesKind(tx.Kind, chainID, tx.Institution, tx.ID, tx.Batch), sig) {
		return nil, refuse(CodeBadSig, "tx.signature: does not verify with the key of '%s'", tx.Institution)
	}
	return &tx, nil
}

// batchItems is a batch as the ownership rule reads it: every item as a map
// with exact, case-sensitive keys. (encoding/json's struct decoding matches
// keys case-insensitively, while libcivic reads exact keys and ignores
// unknown ones: {"from": A, "From": B} would show B to a struct and A to
// libcivic. Maps avoid that gap; libcivic itself refuses duplicate keys.)
type batchItems struct {
	Accounts  []map[string]json.RawMessage `json:"accounts"`
	Transfers []map[string]json.RawMessage `json:"transfers"`
	Events    []map[string]json.RawMessage `json:"events"`
}

// field reads item[key] as a string; present reports whether the key exists.
func field(item map[string]json.RawMessage, key string) (value string, present bool, ok bool) {
	raw, present := item[key]
	if !present {
		return "", false, true
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, false
	}
	return value, true, true
}

// CheckOwnership applies the consortium's ownership rule to a batch signed
// by inst. An institution owns every id that starts with "<inst>:". It may
// create only its own accounts, debit only its own accounts (the `from` of
// a transfer or pending transfer; post/void of a pending must name its
// `from`, which libcivic checks against the pending transfer), use only its
// own transfer and event ids (so nobody can squat another's ids), act only
// as itself in events, and touch only its own key in `civic.key.*` events.
// Crediting another institution's account is allowed: that is a payment.
func CheckOwnership(inst string, batch []byte) *txError {
	// Only the four lists libcivic knows; wrong shapes of the fields the
	// rules read are refused here, everything else is libcivic's to judge.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(batch, &top); err != nil {
		return refuse(CodeMalformed, "batch: %v", err)
	}
	for k := range top {
		if k != "assets" && k != "accounts" && k != "transfers" && k != "events" {
			return refuse(CodeMalformed, "batch.%s: unknown key (assets, accounts, transfers, events)", k)
		}
	}
	var b batchItems
	if err := json.Unmarshal(batch, &b); err != nil {
		return refuse(CodeMalformed, "batch: %v", err)
	}
	own := func(id string) bool { return strings.HasPrefix(id, inst+":") }
	// str returns an item's string field; absent or non-string is "".
	str := func(item map[string]json.RawMessage, key string) (string, bool) {
		v, _, ok := field(item, key)
		return v, ok
	}
	for i, a := range b.Accounts {
		if id, ok := str(a, "id"); !ok || !own(id) {
			return refuse(CodeNotOwner, "accounts[%d].id: '%s' is not owned by '%s'", i, id, inst)
		}
	}
	for i, t := range b.Transfers {
		if id, ok := str(t, "id"); !ok || !own(id) {
			return refuse(CodeNotOwner, "transfers[%d].id: '%s' is not owned by '%s'", i, id, inst)
		}
		from, present, ok := field(t, "from")
		if !present {
			return refuse(CodeNotOwner, "transfers[%d].from: required in the consortium (the debited account decides who may sign)", i)
		}
		if !ok || !own(from) {
			return refuse(CodeNotOwner, "transfers[%d].from: '%s' is not owned by '%s'", i, from, inst)
		}
	}
	for i, e := range b.Events {
		if id, ok := str(e, "id"); !ok || !own(id) {
			return refuse(CodeNotOwner, "events[%d].id: '%s' is not owned by '%s'", i, id, inst)
		}
		if actor, ok := str(e, "actor"); !ok || actor != inst {
			return refuse(CodeNotOwner, "events[%d].actor: must be '%s'", i, inst)
		}
		typ, _ := str(e, "type")
		if strings.HasPrefix(typ, "abci.") {
			return refuse(CodeNotOwner, "events[%d].type: 'abci.' is reserved for civic-abci", i)
		}
		// The token and settlement modules rebuild their state from these
		// events (civic_token_load, consent): only module transactions,
		// executed by libcivic itself, may write them.
		for _, p := range moduleEventPrefixes {
			if strings.HasPrefix(typ, p) {
				return refuse(CodeNotOwner, "events[%d].type: '%s' is reserved for %s module transactions", i, p, "token/settle")
			}
		}
		if strings.HasPrefix(typ, "civic.key.") {
			var data map[string]json.RawMessage
			key := ""
			if json.Unmarshal(e["data"], &data) == nil {
				key, _ = str(data, "key")
			}
			if key != inst {
				return refuse(CodeNotOwner, "events[%d].data.key: an institution may only register or revoke its own key '%s'", i, inst)
			}
		}
	}
	return nil
}

// WithMarker appends civic-abci's own event recording that batch id was
// committed at (height, index) with this tx hash. It lands in the same
// libcivic batch, so "applied" and "recorded as applied" are one atomic step,
// and the replay guard survives restarts (it is rebuilt from the journal).
func WithMarker(batch []byte, tx *Tx, height int64, index int, txHash string) ([]byte, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(batch))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	var events []json.RawMessage
	if raw, ok := m["events"]; ok {
		if err := json.Unmarshal(raw, &events); err != nil {
			return nil, err
		}
	}
	marker, _ := json.Marshal(map[string]any{
		"id": "abci.batch/" + tx.ID, "type": markerType, "actor": tx.Institution, "time": height,
		"data": map[string]any{"batch": tx.ID, "height": height, "index": index, "tx": txHash},
	})
	events = append(events, marker)
	m["events"], _ = json.Marshal(events)
	return json.Marshal(m)
}
