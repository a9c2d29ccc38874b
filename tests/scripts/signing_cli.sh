#!/usr/bin/env bash
# The signature policy through `civic ledger` (issue 8): a signed bootstrap
# turns it on; unsigned and wrong-institution posts are refused, nothing
# changes, the policy survives reopen (each CLI call reopens the journal) and
# verify accepts the journal.
# Usage: signing_cli.sh CIVIC_CLI SOURCE_DIR BINARY_DIR
set -u
CLI=$1
BIN=${3:-/tmp}
WORK=$(mktemp -d "$BIN/signing_cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
J=$WORK/l.jnl
fail() { echo "signing_cli: FAIL: $*" >&2; exit 1; }
expect_error() {
  local name=$1
  shift
  if "$@" >"$WORK/out" 2>"$WORK/err"; then
    fail "expected $name from: $*"
  fi
  grep -q "^{\"error\":\"$name\"" "$WORK/err" || fail "expected $name, got $(cat "$WORK/err")"
}
field() { sed -n "s/.*\"$1\":\"\\([0-9a-f]*\\)\".*/\\1/p"; }

"$CLI" ledger keygen >"$WORK/muni.json" || fail keygen
"$CLI" ledger keygen >"$WORK/agency.json" || fail keygen
MPK=$(field public_key <"$WORK/muni.json"); field secret_key <"$WORK/muni.json" >"$WORK/muni.sk"
APK=$(field public_key <"$WORK/agency.json"); field secret_key <"$WORK/agency.json" >"$WORK/agency.sk"
"$CLI" ledger init "$J" >/dev/null || fail init
cat >"$WORK/boot.json" <<JSON
{"assets":[{"code":"EUR","scale":2}],"events":[
 {"id":"policy","type":"civic.policy.require_signatures","actor":"muni","data":{"ledger":"cli-test"}},
 {"id":"reg-m","type":"civic.key.register","actor":"muni","data":{"key":"muni-1","public_key":"$MPK","institution":"muni"}},
 {"id":"reg-a","type":"civic.key.register","actor":"agency","data":{"key":"agency-1","public_key":"$APK","institution":"agency"}}]}
JSON
"$CLI" ledger post "$J" "$WORK/boot.json" --sign muni-1 "$WORK/muni.sk" >/dev/null || fail bootstrap
echo '{"accounts":[{"id":"muni:escrow","asset":"EUR","min_balance":null}]}' >"$WORK/acc.json"
expect_error signature_required "$CLI" ledger post "$J" "$WORK/acc.json"
expect_error not_owner "$CLI" ledger post "$J" "$WORK/acc.json" --sign agency-1 "$WORK/agency.sk"
grep -q "muni:escrow" "$WORK/err" || fail "not_owner message does not name the account"
expect_error signature_invalid "$CLI" ledger post "$J" "$WORK/acc.json" --sign muni-1 "$WORK/agency.sk"
"$CLI" ledger post "$J" "$WORK/acc.json" --sign muni-1 "$WORK/muni.sk" >/dev/null || fail "owner post"
"$CLI" ledger verify "$J" >"$WORK/v" || fail verify
grep -q '"ok":true,"records":2' "$WORK/v" || fail "verify: $(cat "$WORK/v")"
echo "signing_cli: ok"
