#!/usr/bin/env bash
# civic waterfall / split from the command line: spec output, --explain text,
# and errors as {"error", "message"} on stderr with a non-zero exit.
set -euo pipefail
cli=$1 src=$2 bin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/plan.json" <<'JSON'
{"opening_balance": 0,
 "incomes": [{"id": "huurtoeslag", "amount": 30000, "earmark": "rent"},
             {"id": "bijstand", "amount": 100000}],
 "obligations": [
   {"id": "rent", "category": "rent", "priority": 0, "amount": 80000, "guaranteed": true},
   {"id": "energy", "category": "energy", "priority": 1, "amount": 12000, "guaranteed": true},
   {"id": "loan", "category": "debt", "priority": 5, "amount": 5000, "guaranteed": false}],
 "receivable_outstanding": 2000,
 "policy": {"living_floor": 40000, "floor_guaranteed": true, "recovery_cap": 1000}}
JSON

want='{"obligations":[{"id":"rent","paid_earmarked":30000,"paid_general":50000,"covered":0,"unpaid":0},{"id":"energy","paid_earmarked":0,"paid_general":12000,"covered":0,"unpaid":0},{"id":"loan","paid_earmarked":0,"paid_general":5000,"covered":0,"unpaid":0}],"living_allowance":40000,"top_up":7000,"recovery":0,"advance":7000,"receivable_after":9000}'
got=$("$cli" waterfall "$work/plan.json")
[ "$got" = "$want" ] || { echo "waterfall FILE: got $got"; exit 1; }
got=$("$cli" waterfall <"$work/plan.json")
[ "$got" = "$want" ] || { echo "waterfall stdin: got $got"; exit 1; }

"$cli" waterfall --explain "$work/plan.json" >"$work/text"
grep -q "Income 'huurtoeslag' (EUR 300.00) is earmarked for rent." "$work/text"
grep -q "Nothing was recovered of the EUR 20.00 you owe" "$work/text"
grep -q "you now owe the municipality EUR 90.00" "$work/text"

sed 's/"priority": 1/"priority": -1/' "$work/plan.json" >"$work/bad.json"
if "$cli" waterfall "$work/bad.json" >"$work/out" 2>"$work/err"; then
  echo "negative priority accepted"; exit 1
fi
grep -q '"error": *"out_of_range"' "$work/err"
grep -q 'obligations\[1\].priority' "$work/err"
[ ! -s "$work/out" ]

echo '{"total": 2, "claims": [{"id": "b", "amount": 1}, {"id": "a", "amount": 1}, {"id": "c", "amount": 1}]}' >"$work/split.json"
got=$("$cli" split "$work/split.json")
[ "$got" = '{"shares":[{"id":"b","share":1},{"id":"a","share":1},{"id":"c","share":0}]}' ] || { echo "split: got $got"; exit 1; }
echo ok
