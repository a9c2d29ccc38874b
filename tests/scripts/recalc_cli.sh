#!/usr/bin/env bash
# CLI checks for `civic prorate` and `civic recalc`.
# Usage: recalc_cli.sh CIVIC_CLI SOURCE_DIR BINARY_DIR
set -euo pipefail
CLI=$1 SRC=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(echo '{"days_in_month": 30, "segments": [{"amount": 45000, "start": 0, "end": 14}, {"amount": 52000, "start": 14, "end": 30}]}' | "$CLI" prorate)
[ "$out" = '{"segments":[{"amount":45000,"start":0,"end":14,"prorated":21000},{"amount":52000,"start":14,"end":30,"prorated":27733}],"total":48733}' ] || fail "prorate output: $out"

if err=$(echo '{"days_in_month": 27, "segments": []}' | "$CLI" prorate 2>&1 >/dev/null); then
  fail "days_in_month 27 accepted"
fi
case $err in *'"error":"out_of_range"'*days_in_month*) ;; *) fail "prorate error: $err" ;; esac

cd "$SRC"
"$CLI" recalc examples/timelines/relocation-cohabitation.json > /dev/null || fail "recalc example"
table=$("$CLI" recalc examples/timelines/relocation-cohabitation.json --table)
case $table in *"set-off after 6 weeks"*) ;; *) fail "recalc table: $table" ;; esac
"$CLI" recalc --scheme examples/schemes/nl-participatiewet-2025.json < examples/timelines/relocation-cohabitation.json > /dev/null || fail "recalc --scheme"

if err=$(echo '{"scheme": {"period": {"from": "2025-01-01", "until": "2025-12-31"}, "parameters": {}, "variables": {"a": "b"}, "benefits": []}}' | "$CLI" recalc 2>&1 >/dev/null); then
  fail "unknown variable accepted"
fi
case $err in *'"error":"unknown_reference"'*scheme.variables.a*) ;; *) fail "recalc error: $err" ;; esac
echo "recalc_cli: ok"
