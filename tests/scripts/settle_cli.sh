#!/usr/bin/env bash
# civic settle from the command line: setup, consent, a month run on its
# event days, idempotent re-run, alerts, the readable statement, errors as
# {"error", "message"} with a non-zero exit, and a journal that verifies.
set -euo pipefail
cli=$1 src=$2 bin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
L=$work/ledger.journal

plan() { # plan AS_OF CLOSE RECEIVED_JSON
  cat <<JSON
{"resident": "r1", "period": "2026-11", "days": 30, "as_of": $1, "close": $2,
 "incomes": [{"id": "bijstand", "payer": "agency:gemeente", "amount": 150000,
              "expected_day": 25, "received": $3}],
 "obligations": [
   {"id": "rent", "category": "rent", "priority": 0, "amount": 90000,
    "guaranteed": true, "payee": "payee:landlord", "due_day": 1},
   {"id": "energy", "category": "energy", "priority": 1, "amount": 15000,
    "guaranteed": true, "payee": "payee:energy", "due_day": 1}],
 "policy": {"living_floor": 40000, "floor_guaranteed": true,
            "recovery_cap": 10000, "advance_cap": 150000}}
JSON
}

"$cli" settle setup "$L" 1000000 >/dev/null
# No consent yet: refused with a JSON error on stderr.
plan 1 false '[]' >"$work/p1.json"
if "$cli" settle run "$L" "$work/p1.json" 2>"$work/err"; then
  echo "run without consent succeeded"; exit 1
fi
grep -q '"error":"no_consent"' "$work/err"

"$cli" settle consent grant "$L" r1 --actor gemeente --time 1 | grep -q '"consent":true'
"$cli" settle run "$L" "$work/p1.json" >"$work/r1.json"
grep -q '"paid_to_payee":90000' "$work/r1.json"

# Day 26 without the income: an alert for the municipal app.
plan 26 false '[]' >"$work/p26.json"
"$cli" settle run "$L" "$work/p26.json" >/dev/null
"$cli" settle alerts "$L" 26 | grep -q '"income":"bijstand","expected_day":25,"expected":150000,"received":0,"missing":150000'

# The income lands; closing books no advance; a second close changes nothing.
plan 30 true '[{"id": "tx1", "day": 27, "amount": 150000}]' >"$work/p30.json"
"$cli" settle run "$L" "$work/p30.json" --text >"$work/statement.txt"
grep -q "advance EUR 0.00" "$work/statement.txt"
grep -q "living .*EUR 450.00 to the resident (remainder)" "$work/statement.txt"
before=$("$cli" ledger balances "$L")
"$cli" settle run "$L" "$work/p30.json" | grep -q '"posted":\[\]'
after=$("$cli" ledger balances "$L")
[ "$before" = "$after" ] || { echo "re-run changed the ledger"; exit 1; }
"$cli" settle alerts "$L" 30 | grep -q '"alerts":\[\]'
echo "$after" | grep -q '{"id":"fund:guarantee","asset":"EUR","balance":0}'
"$cli" ledger verify "$L" >/dev/null

# Bad input names the field.
sed 's/"amount": 90000/"amount": -1/' "$work/p1.json" >"$work/bad.json"
if "$cli" settle run "$L" "$work/bad.json" 2>"$work/err"; then
  echo "negative amount accepted"; exit 1
fi
grep -q '"error":"negative_amount","message":"obligations\[0\].amount' "$work/err"
echo "settle_cli: ok"
