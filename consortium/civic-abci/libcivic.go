package main

// Thin cgo wrapper over the libcivic ledger API (include/civic/ledger.h).
// Linking is set from outside (scripts/consortium.sh exports CGO_LDFLAGS
// with the static archive built by CMake plus -lsodium -ljansson -lpthread),
// so this file carries only the include path.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include <civic/civic.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// CivicError is a refused libcivic call: the status (its stable snake_case
// name goes into ABCI logs) and the ledger's message naming the field.
type CivicError struct {
	Status int
	Name   string
	Msg    string
}

func (e *CivicError) Error() string {
	if e.Msg == "" {
		return e.Name
	}
	return e.Name + ": " + e.Msg
}

// Ledger owns one libcivic ledger handle (journal-backed in civic-abci).
type Ledger struct{ h *C.civic_ledger }

func civicInit() error {
	if st := C.civic_init(); st != C.CIVIC_OK {
		return fmt.Errorf("civic_init: %s", C.GoString(C.civic_status_name(st)))
	}
	return nil
}

func (l *Ledger) fail(st C.civic_status) error {
	msg := ""
	if l != nil && l.h != nil {
		msg = C.GoString(C.civic_ledger_errmsg(l.h))
	}
	return &CivicError{Status: int(st), Name: C.GoString(C.civic_status_name(st)), Msg: msg}
}

func statusErr(st C.civic_status, what string) error {
	return &CivicError{Status: int(st), Name: C.GoString(C.civic_status_name(st)), Msg: what}
}

// OpenLedger opens the journal at path, creating it when create is true.
func OpenLedger(path string, create bool) (*Ledger, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var h *C.civic_ledger
	var st C.civic_status
	if create {
		st = C.civic_ledger_create(&h, cp)
	} else {
		st = C.civic_ledger_open(&h, cp)
	}
	if st != C.CIVIC_OK {
		msg := ""
		if h != nil {
			msg = C.GoString(C.civic_ledger_errmsg(h))
			C.civic_ledger_free(h)
		}
		return nil, &CivicError{Status: int(st), Name: C.GoString(C.civic_status_name(st)), Msg: path + ": " + msg}
	}
	return &Ledger{h: h}, nil
}

// NewMemoryLedger makes an in-memory ledger (benchmarks, dry runs).
func NewMemoryLedger() (*Ledger, error) {
	var h *C.civic_ledger
	if st := C.civic_ledger_new_memory(&h); st != C.CIVIC_OK {
		return nil, statusErr(st, "new_memory")
	}
	return &Ledger{h: h}, nil
}

func (l *Ledger) Close() {
	if l != nil && l.h != nil {
		C.civic_ledger_free(l.h)
		l.h = nil
	}
}

// takeString copies a libcivic-owned string and frees it.
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.civic_free(unsafe.Pointer(p))
	return s
}

// PostJSON applies one batch all or nothing and returns libcivic's
// {"position","applied","skipped"} result.
func (l *Ledger) PostJSON(batch []byte) (string, error) {
	cb := C.CString(string(batch))
	defer C.free(unsafe.Pointer(cb))
	var res *C.char
	if st := C.civic_ledger_post_json(l.h, cb, &res); st != C.CIVIC_OK {
		takeString(res)
		return "", l.fail(st)
	}
	return takeString(res), nil
}

func (l *Ledger) StateHashHex() (string, error) {
	var buf [65]C.char
	if st := C.civic_ledger_state_hash_hex(l.h, &buf[0]); st != C.CIVIC_OK {
		return "", l.fail(st)
	}
	return C.GoString(&buf[0]), nil
}

func (l *Ledger) Position() (uint64, error) {
	var p C.uint64_t
	if st := C.civic_ledger_position(l.h, &p); st != C.CIVIC_OK {
		return 0, l.fail(st)
	}
	return uint64(p), nil
}

func (l *Ledger) BalancesJSON() (string, error) {
	var out *C.char
	if st := C.civic_ledger_balances_json(l.h, &out); st != C.CIVIC_OK {
		return "", l.fail(st)
	}
	return takeString(out), nil
}

// withID runs one of the account-keyed JSON queries.
func (l *Ledger) withID(id string, f func(*C.civic_ledger, *C.char, **C.char) C.civic_status) (string, error) {
	cid := C.CString(id)
	defer C.free(unsafe.Pointer(cid))
	var out *C.char
	if st := f(l.h, cid, &out); st != C.CIVIC_OK {
		return "", l.fail(st)
	}
	return takeString(out), nil
}

func (l *Ledger) AccountJSON(id string) (string, error) {
	return l.withID(id, func(h *C.civic_ledger, c *C.char, o **C.char) C.civic_status {
		return C.civic_ledger_account_json(h, c, o)
	})
}

func (l *Ledger) HistoryJSON(id string) (string, error) {
	return l.withID(id, func(h *C.civic_ledger, c *C.char, o **C.char) C.civic_status {
		return C.civic_ledger_history_json(h, c, o)
	})
}

func (l *Ledger) EventsJSON(prefix string) (string, error) {
	return l.withID(prefix, func(h *C.civic_ledger, c *C.char, o **C.char) C.civic_status {
		return C.civic_ledger_events_json(h, c, o)
	})
}

// ExportFile reads every record of a journal file as JSON (used to rebuild a
// journal up to a position after a crash in the middle of a block).
func ExportFile(path string) (string, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var out *C.char
	if st := C.civic_ledger_export_file(cp, &out); st != C.CIVIC_OK {
		takeString(out)
		return "", statusErr(st, path)
	}
	return takeString(out), nil
}

// StatusName maps a civic_status number to its snake_case name.
func StatusName(st int) string { return C.GoString(C.civic_status_name(C.civic_status(st))) }

// asCivic extracts a CivicError.
func asCivic(err error) (*CivicError, bool) {
	var ce *CivicError
	ok := errors.As(err, &ce)
	return ce, ok
}
