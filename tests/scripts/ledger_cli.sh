#!/usr/bin/env bash
# The `civic ledger` command end to end (spec section 9): init, post,
# balances, verify, history, events, export, signing, and the JSON errors.
# Usage: ledger_cli.sh CIVIC_CLI SOURCE_DIR BINARY_DIR
set -u
CLI=$1
BIN=${3:-/tmp}
WORK=$(mktemp -d "$BIN/ledger_cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
J=$WORK/l.jnl
fail() { echo "ledger_cli: FAIL: $*" >&2; exit 1; }

# expect_error NAME CMD...: non-zero exit and {"error": NAME, ...} on stderr
expect_error() {
  local name=$1
  shift
  if "$@" >"$WORK/out" 2>"$WORK/err"; then
    fail "expected $name from: $*"
  fi
  grep -q "^{\"error\":\"$name\",\"message\":\"" "$WORK/err" ||
    fail "expected error $name from: $*, got: $(cat "$WORK/err")"
}

"$CLI" ledger init "$J" >/dev/null || fail "init"
expect_error io_error "$CLI" ledger init "$J"

cat >"$WORK/b1.json" <<'JSON'
{"assets": [{"code": "EUR", "scale": 2}],
 "accounts": [{"id": "agency", "asset": "EUR", "min_balance": null},
              {"id": "escrow", "asset": "EUR", "min_balance": 0},
              {"id": "landlord", "asset": "EUR", "min_balance": 0}],
 "transfers": [{"id": "t1", "from": "agency", "to": "escrow",
                "amount": 9223372036854775807, "asset": "EUR"},
               {"id": "t2", "from": "escrow", "to": "landlord",
                "amount": 75000, "asset": "EUR", "reference": "rent-jan"}]}
JSON
out=$("$CLI" ledger post "$J" "$WORK/b1.json") || fail "post b1"
[ "$out" = '{"position":1,"applied":6,"skipped":0}' ] || fail "post result: $out"
# a retry is skipped, from standard input too
out=$("$CLI" ledger post "$J" <"$WORK/b1.json") || fail "retry"
[ "$out" = '{"position":1,"applied":0,"skipped":6}' ] || fail "retry result: $out"

bal=$("$CLI" ledger balances "$J") || fail "balances"
case "$bal" in
'{"accounts":[{"id":"agency","asset":"EUR","balance":-9223372036854775807},{"id":"escrow","asset":"EUR","balance":9223372036854700807},{"id":"landlord","asset":"EUR","balance":75000}],"state_hash":"'*) ;;
*) fail "balances: $bal" ;;
esac
hash1=${bal##*\"state_hash\":\"}
hash1=${hash1%%\"*}
[ ${#hash1} -eq 64 ] || fail "state hash: $hash1"

v=$("$CLI" ledger verify "$J") || fail "verify"
case "$v" in *"\"ok\":true"*"$hash1"*) ;; *) fail "verify: $v" ;; esac

# refusals: each its own code, nothing changes
post_error() {
  echo "$2" >"$WORK/bad.json"
  expect_error "$1" "$CLI" ledger post "$J" "$WORK/bad.json"
}
post_error exceeds_min_balance '{"transfers": [{"id": "x", "from": "landlord", "to": "escrow", "amount": 75001, "asset": "EUR"}]}'
post_error unknown_account '{"transfers": [{"id": "x", "from": "nobody", "to": "escrow", "amount": 1, "asset": "EUR"}]}'
post_error unknown_asset '{"transfers": [{"id": "x", "from": "agency", "to": "escrow", "amount": 1, "asset": "USD"}]}'
post_error amount_must_be_positive '{"transfers": [{"id": "x", "from": "agency", "to": "escrow", "amount": 0, "asset": "EUR"}]}'
post_error exists_with_different_fields '{"transfers": [{"id": "t2", "from": "escrow", "to": "landlord", "amount": 1, "asset": "EUR"}]}'
post_error overflows_balance '{"transfers": [{"id": "x", "from": "agency", "to": "escrow", "amount": 100000, "asset": "EUR"}]}'
post_error overflow '{"transfers": [{"id": "x", "from": "agency", "to": "escrow", "amount": 9223372036854775808, "asset": "EUR"}]}'
post_error not_integer '{"transfers": [{"id": "x", "from": "agency", "to": "escrow", "amount": 1e3, "asset": "EUR"}]}'
post_error malformed_json '{"transfers": ['
post_error invalid_scale '{"assets": [{"code": "X", "scale": 19}]}'
grep -q 'transfers\[0\]' "$WORK/err" || true
bal2=$("$CLI" ledger balances "$J") || fail "balances after refusals"
[ "$bal" = "$bal2" ] || fail "a refused batch changed the ledger"

# two-phase, history, events, export
cat >"$WORK/b2.json" <<'JSON'
{"transfers": [{"id": "p1", "from": "escrow", "to": "landlord", "amount": 500,
                "asset": "EUR", "pending": true, "time": 20260201},
               {"id": "p1-post", "post_pending": "p1", "amount": 400}],
 "events": [{"id": "consent-r1", "type": "settle.consent", "actor": "muni",
             "time": 20260101, "data": {"resident": "r1", "granted": true}}]}
JSON
"$CLI" ledger post "$J" "$WORK/b2.json" >/dev/null || fail "post b2"
h=$("$CLI" ledger history "$J" landlord) || fail "history"
case "$h" in *'"id":"p1-post"'*'"balance":75400'*) ;; *) fail "history: $h" ;; esac
expect_error unknown_reference "$CLI" ledger history "$J" nobody
e=$("$CLI" ledger events "$J" settle.) || fail "events"
case "$e" in *'"data":{"granted":true,"resident":"r1"}'*) ;; *) fail "events: $e" ;; esac
x=$("$CLI" ledger export "$J") || fail "export"
case "$x" in *'"position":2'*'"post_pending":"p1"'*) ;; *) fail "export: $x" ;; esac

# signed posts: register a key (self-signed bootstrap), then sign with it
keys=$("$CLI" ledger keygen) || fail "keygen"
pk=${keys#*\"public_key\":\"}; pk=${pk%%\"*}
sk=${keys#*\"secret_key\":\"}; sk=${sk%%\"*}
echo "$sk" >"$WORK/muni.key"
cat >"$WORK/b3.json" <<JSON
{"events": [{"id": "key-muni-1", "type": "civic.key.register", "actor": "muni",
             "data": {"key": "muni-1", "public_key": "$pk"}}]}
JSON
"$CLI" ledger post "$J" "$WORK/b3.json" --sign muni-1 "$WORK/muni.key" >/dev/null || fail "signed register"
echo '{"transfers": [{"id": "s1", "from": "agency", "to": "landlord", "amount": 1, "asset": "EUR"}]}' >"$WORK/b4.json"
"$CLI" ledger post "$J" "$WORK/b4.json" --sign muni-1 "$WORK/muni.key" >/dev/null || fail "signed post"
expect_error unknown_key "$CLI" ledger post "$J" "$WORK/b1.json" --sign other "$WORK/muni.key"
"$CLI" ledger verify "$J" >/dev/null || fail "verify signed journal"

# damage: flip one byte in the middle of the journal; verify names a record
size=$(stat -c %s "$J")
cp "$J" "$WORK/damaged.jnl"
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$J" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 1)))" |
  dd of="$WORK/damaged.jnl" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$J" "$WORK/damaged.jnl" && fail "the byte flip did not change the file"
expect_error journal_corrupt "$CLI" ledger verify "$WORK/damaged.jnl"
grep -q 'record' "$WORK/err" || fail "verify does not name the record"
expect_error journal_corrupt "$CLI" ledger balances "$WORK/damaged.jnl"
expect_error io_error "$CLI" ledger balances "$WORK/missing.jnl"
expect_error invalid_argument "$CLI" ledger frobnicate "$J"
echo "ledger_cli: ok"
