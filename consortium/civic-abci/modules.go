package main

// Module transactions executed inside FinalizeBlock on every node through
// libcivic's C API, so consensus (not the submitter) enforces the module
// rules: kind "token" runs one reward-token operation (the JSON accepted by
// `civic token do`, tools/cli_token.c) on a civic_token handle over the
// node's ledger; kind "settle" runs a settlement plan (or sets up the fund /
// records consent) through include/civic/settle.h. Each call is all or
// nothing inside libcivic; the app hash stays the ledger's state hash.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <civic/civic.h>

static const char *abci_s(json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}
static int64_t abci_i(json_t *o, const char *k) {
  return (int64_t)json_integer_value(json_object_get(o, k));
}
static char *abci_j(json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

// One token operation, mapped onto token.h exactly as tools/cli_token.c
// run_op does ("setup" is handled by the caller). A NULL string field is
// refused by the library itself.
static civic_status abci_token_op(civic_token *t, const char *json,
                                  char **result) {
  json_error_t err;
  json_t *o = json_loads(json, JSON_REJECT_DUPLICATES, &err);
  const char *op;
  int64_t now;
  char *text = NULL;
  civic_status st;
  if (!json_is_object(o)) {
    json_decref(o);
    return CIVIC_E_MALFORMED_JSON;
  }
  op = abci_s(o, "op");
  now = abci_i(o, "time");
  if (op == NULL || !json_is_integer(json_object_get(o, "time")))
    st = CIVIC_E_MISSING_FIELD;
  else if (strcmp(op, "fund") == 0)
    st = civic_token_fund_reserve(t, abci_s(o, "actor"), abci_i(o, "amount"), now);
  else if (strcmp(op, "policy") == 0)
    st = civic_token_set_citizen_transfers(t, abci_s(o, "actor"),
        json_is_true(json_object_get(o, "citizen_transfers")), now);
  else if (strcmp(op, "task.create") == 0) {
    text = abci_j(o, "task");
    st = civic_token_task_create(t, abci_s(o, "actor"), text, now);
  } else if (strcmp(op, "task.publish") == 0)
    st = civic_token_task_publish(t, abci_s(o, "actor"), abci_s(o, "task"), now);
  else if (strcmp(op, "task.expire") == 0)
    st = civic_token_task_expire(t, abci_s(o, "actor"), abci_s(o, "task"), now);
  else if (strcmp(op, "task.cancel") == 0)
    st = civic_token_task_cancel(t, abci_s(o, "actor"), abci_s(o, "task"), now);
  else if (strcmp(op, "task.commit") == 0)
    st = civic_token_task_commit(t, abci_s(o, "citizen"), abci_s(o, "task"), now);
  else if (strcmp(op, "task.submit") == 0)
    st = civic_token_task_submit(t, abci_s(o, "citizen"), abci_s(o, "task"),
                                 abci_s(o, "evidence"), now);
  else if (strcmp(op, "task.approve") == 0)
    st = civic_token_task_approve(t, abci_s(o, "actor"), abci_s(o, "task"),
                                  abci_s(o, "citizen"), now);
  else if (strcmp(op, "task.reject") == 0)
    st = civic_token_task_reject(t, abci_s(o, "actor"), abci_s(o, "task"),
                                 abci_s(o, "citizen"), abci_s(o, "reason"), now);
  else if (strcmp(op, "entrepreneur.register") == 0)
    st = civic_token_entrepreneur_register(t, abci_s(o, "actor"),
        abci_s(o, "entrepreneur"), abci_s(o, "zone") ? abci_s(o, "zone") : "", now);
  else if (strcmp(op, "entrepreneur.activate") == 0 ||
           strcmp(op, "entrepreneur.deactivate") == 0)
    st = civic_token_entrepreneur_set_active(t, abci_s(o, "actor"),
        abci_s(o, "entrepreneur"), op[13] == 'a', now);
  else if (strcmp(op, "spend") == 0)
    st = civic_token_spend(t, abci_s(o, "citizen"), abci_s(o, "entrepreneur"),
                           abci_i(o, "amount"), now);
  else if (strcmp(op, "transfer") == 0)
    st = civic_token_transfer(t, abci_s(o, "from"), abci_s(o, "to"),
                              abci_i(o, "amount"), now);
  else if (strcmp(op, "redeem") == 0)
    st = civic_token_redeem(t, abci_s(o, "entrepreneur"), abci_i(o, "tokens"),
                            now, result);
  else if (strcmp(op, "expire") == 0)
    st = civic_token_expire_lots(t, now);
  else if (strcmp(op, "poll.create") == 0) {
    text = abci_j(o, "poll");
    st = civic_token_poll_create(t, abci_s(o, "actor"), text, now);
  } else if (strcmp(op, "poll.vote") == 0) {
    text = abci_j(o, "ballot");
    st = civic_token_poll_vote(t, abci_s(o, "poll"), abci_s(o, "voter"), text, now);
  } else if (strcmp(op, "poll.close") == 0)
    st = civic_token_poll_close(t, abci_s(o, "actor"), abci_s(o, "poll"), now);
  else
    st = CIVIC_E_UNKNOWN_KIND;
  free(text);
  json_decref(o);
  return st;
}
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"strings"
	"unsafe"
)

// Transaction kinds. The empty kind is a ledger batch (the original form).
const (
	KindBatch  = ""
	KindToken  = "token"
	KindSettle = "settle"
)

// Token is one civic_token handle over the node's ledger.
type Token struct{ h *C.civic_token }

func (t *Token) free() {
	if t != nil && t.h != nil {
		C.civic_token_free(t.h)
		t.h = nil
	}
}

func (t *Token) fail(st C.civic_status) error {
	return &CivicError{Status: int(st), Name: C.GoString(C.civic_status_name(st)), Msg: C.GoString(C.civic_token_errmsg(t.h))}
}

// dropTokens frees every cached token handle; call it before the ledger they
// borrow is closed or replaced (they are reloaded from the journal on use).
func (a *App) dropTokens() {
	for _, t := range a.tokens {
		t.free()
	}
	a.tokens = map[string]*Token{}
}

// token returns the handle for code, loading it from the journal
// (civic_token_load) the first time; setup makes a fresh, empty handle.
func (a *App) token(code string, setup bool) (*Token, error) {
	if t, ok := a.tokens[code]; ok && !setup {
		return t, nil
	}
	t := &Token{}
	if st := C.civic_token_new(&t.h, a.ledger.h); st != C.CIVIC_OK {
		return nil, statusErr(st, "civic_token_new")
	}
	if !setup {
		cc := C.CString(code)
		defer C.free(unsafe.Pointer(cc))
		if st := C.civic_token_load(t.h, cc); st != C.CIVIC_OK {
			err := t.fail(st)
			t.free()
			return nil, err
		}
		a.tokens[code] = t
	}
	return t, nil
}

// settleNamespaces are the account prefixes libcivic's settlement owns
// ("escrow:<r>", "bank:<r>", "buffer:<r>", "receivable:<r>"): no institution
// (or token) may be named like them, or it would own them through batches.
var settleNamespaces = map[string]bool{"escrow": true, "bank": true, "buffer": true, "receivable": true}

// tokenOp is the part of a token operation the ownership rule reads.
type tokenOp struct {
	Op     string `json:"op"`
	Token  string `json:"token"`
	Config struct {
		Code   string `json:"code"`
		Issuer string `json:"issuer"`
	} `json:"config"`
}

// strictObject decodes payload as one JSON object with exact-case keys
// (encoding/json structs match keys case-insensitively; libcivic does not).
func strictObject(payload string) (map[string]json.RawMessage, *txError) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(payload))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, refuse(CodeMalformed, "payload: must be one JSON object")
	}
	return m, nil
}

func strField(m map[string]json.RawMessage, key string) string {
	var s string
	_ = json.Unmarshal(m[key], &s)
	return s
}

// CheckTokenOwnership: every token operation is signed by the token's issuer
// institution (the municipality). Its app submits the citizens' and
// entrepreneurs' operations (commit, submit, spend, transfer, vote, redeem)
// on their behalf, after authenticating them itself; the token rules
// (capacity, exactly-once reward, caps, reserve cover, one ballot per voter)
// are then enforced by libcivic on every node. "setup" must name the signer
// as issuer, and the token code must not be an institution id (an
// institution owns every "<id>:" account through batches, and the token's
// accounts are "<code>:..."); batches from an institution named like a
// token are refused for the same reason (see CheckOwnership callers).
func (a *App) CheckTokenOwnership(inst string, payload string) *txError {
	m, terr := strictObject(payload)
	if terr != nil {
		return terr
	}
	op := strField(m, "op")
	if op == "setup" {
		var cfg map[string]json.RawMessage
		_ = json.Unmarshal(m["config"], &cfg)
		code, issuer := strField(cfg, "code"), strField(cfg, "issuer")
		if issuer != inst {
			return refuse(CodeNotOwner, "config.issuer: must be the signing institution '%s'", inst)
		}
		if _, taken := a.keys[code]; taken || code == "" || code == inst || settleNamespaces[code] {
			return refuse(CodeNotOwner, "config.code: '%s' must not be an institution id", code)
		}
		if tok := strField(m, "token"); tok != "" && tok != code {
			return refuse(CodeMalformed, "token: must equal config.code")
		}
		return nil
	}
	code := strField(m, "token")
	issuer, ok := a.tokenIssuer[code]
	if !ok {
		return refuse(CodeLedgerBase+uint32(C.CIVIC_E_UNKNOWN_REFERENCE), "unknown_reference: token: no token '%s' on the ledger", code)
	}
	if issuer != inst {
		return refuse(CodeNotOwner, "token: operations on '%s' must be signed by its issuer '%s'", code, issuer)
	}
	return nil
}

// CheckSettleOwnership: a settle payload is one of
// {"setup": {"fund", "credit_line"}}, {"consent": {"resident", "time",
// "scope"?}} or a settlement plan. The signer must own the guarantee fund
// ("<inst>:..." — so the plan must name "fund" explicitly) and a plan's
// "actor" must be the signer. Consent is recorded with the signer as actor.
func CheckSettleOwnership(inst string, payload string) *txError {
	m, terr := strictObject(payload)
	if terr != nil {
		return terr
	}
	own := func(id string) bool { return strings.HasPrefix(id, inst+":") }
	if raw, ok := m["setup"]; ok {
		var s map[string]json.RawMessage
		_ = json.Unmarshal(raw, &s)
		if len(m) != 1 || !own(strField(s, "fund")) {
			return refuse(CodeNotOwner, "setup.fund: must be an account '%s:...'", inst)
		}
		return nil
	}
	if _, ok := m["consent"]; ok {
		if len(m) != 1 {
			return refuse(CodeMalformed, "consent: must be the only key")
		}
		return nil
	}
	if !own(strField(m, "fund")) {
		return refuse(CodeNotOwner, "fund: the plan must name the signer's guarantee fund '%s:...'", inst)
	}
	// Payers are debited (receipts, underpayment corrections): only the
	// signer's own accounts, e.g. "muni:payer:agency" mirroring the agency.
	for _, list := range []string{"incomes", "corrections"} {
		var items []map[string]json.RawMessage
		if raw, ok := m[list]; ok && json.Unmarshal(raw, &items) != nil {
			return refuse(CodeMalformed, "%s: must be an array of objects", list)
		}
		for i, it := range items {
			if !own(strField(it, "payer")) {
				return refuse(CodeNotOwner, "%s[%d].payer: must be an account '%s:...' (payers are debited)", list, i, inst)
			}
		}
	}
	if strField(m, "actor") != inst {
		return refuse(CodeNotOwner, "actor: must be the signing institution '%s'", inst)
	}
	return nil
}

// applyToken runs one token operation; it returns the result JSON.
func (a *App) applyToken(payload string) (string, error) {
	m, _ := strictObject(payload)
	if strField(m, "op") == "setup" {
		var cfg map[string]json.RawMessage
		_ = json.Unmarshal(m["config"], &cfg)
		var tm int64
		if err := json.Unmarshal(m["time"], &tm); err != nil {
			return "", statusErr(C.CIVIC_E_MISSING_FIELD, "time: required integer")
		}
		t, err := a.token("", true)
		if err != nil {
			return "", err
		}
		cc := C.CString(string(m["config"]))
		defer C.free(unsafe.Pointer(cc))
		if st := C.civic_token_setup(t.h, cc, C.int64_t(tm)); st != C.CIVIC_OK {
			err := t.fail(st)
			t.free()
			return "", err
		}
		code, issuer := strField(cfg, "code"), strField(cfg, "issuer")
		a.tokens[code] = t
		a.tokenIssuer[code] = issuer
		return `{"ok":true}`, nil
	}
	t, err := a.token(strField(m, "token"), false)
	if err != nil {
		return "", err
	}
	cp := C.CString(payload)
	defer C.free(unsafe.Pointer(cp))
	var res *C.char
	if st := C.abci_token_op(t.h, cp, &res); st != C.CIVIC_OK {
		takeString(res)
		if st == C.CIVIC_E_UNKNOWN_KIND {
			return "", statusErr(st, "op: unknown operation")
		}
		return "", t.fail(st)
	}
	if res == nil {
		return `{"ok":true}`, nil
	}
	return takeString(res), nil
}

// applySettle runs a settle payload (setup, consent or plan) signed by inst.
func (a *App) applySettle(inst, payload string) (string, error) {
	var cx *C.civic_ctx
	if st := C.civic_ctx_new(&cx); st != C.CIVIC_OK {
		return "", statusErr(st, "civic_ctx_new")
	}
	defer C.civic_ctx_free(cx)
	fail := func(st C.civic_status) error {
		return &CivicError{Status: int(st), Name: C.GoString(C.civic_status_name(st)), Msg: C.GoString(C.civic_ctx_errmsg(cx))}
	}
	m, _ := strictObject(payload)
	cinst := C.CString(inst)
	defer C.free(unsafe.Pointer(cinst))
	if raw, ok := m["setup"]; ok {
		var s struct {
			Fund       string `json:"fund"`
			CreditLine int64  `json:"credit_line"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", statusErr(C.CIVIC_E_WRONG_TYPE, "setup: "+err.Error())
		}
		cf := C.CString(s.Fund)
		defer C.free(unsafe.Pointer(cf))
		if st := C.civic_settle_setup(cx, a.ledger.h, cf, C.int64_t(s.CreditLine)); st != C.CIVIC_OK {
			return "", fail(st)
		}
		return `{"ok":true}`, nil
	}
	if raw, ok := m["consent"]; ok {
		var c struct {
			Resident string  `json:"resident"`
			Time     int64   `json:"time"`
			Scope    *string `json:"scope"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return "", statusErr(C.CIVIC_E_WRONG_TYPE, "consent: "+err.Error())
		}
		cr := C.CString(c.Resident)
		defer C.free(unsafe.Pointer(cr))
		var cs *C.char
		if c.Scope != nil {
			cs = C.CString(*c.Scope)
			defer C.free(unsafe.Pointer(cs))
		}
		if st := C.civic_settle_consent_grant(cx, a.ledger.h, cr, cinst, C.int64_t(c.Time), cs); st != C.CIVIC_OK {
			return "", fail(st)
		}
		return `{"ok":true}`, nil
	}
	cp := C.CString(payload)
	defer C.free(unsafe.Pointer(cp))
	var res *C.char
	if st := C.civic_settle_period_json(cx, a.ledger.h, cp, &res); st != C.CIVIC_OK {
		takeString(res)
		return "", fail(st)
	}
	out := takeString(res)
	var compact bytes.Buffer
	if json.Compact(&compact, []byte(out)) == nil && compact.Len() < 512 {
		return compact.String(), nil
	}
	return `{"ok":true}`, nil
}

// reloadTokenIssuers rebuilds code -> issuer from the token setup events.
func (a *App) reloadTokenIssuers() error {
	a.tokenIssuer = map[string]string{}
	js, err := a.ledger.EventsJSON("civic.token.setup")
	if err != nil {
		return err
	}
	var doc struct {
		Events []struct {
			Data struct {
				Code   string `json:"code"`
				Issuer string `json:"issuer"`
			} `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		return err
	}
	for _, e := range doc.Events {
		a.tokenIssuer[e.Data.Code] = e.Data.Issuer
	}
	return nil
}
