#!/usr/bin/env bash
# `civic token`, `civic redeem` and `civic tally` from the command line: a
# token cycle on a journal file, refusals with their error names on stderr
# and a non-zero exit, and the state read back from the journal.
# Usage: bash token_cli.sh CIVIC_CLI SOURCE_DIR BINARY_DIR
set -euo pipefail
CIVIC=$1
WORK=$(mktemp -d "$3/token_cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
J=$WORK/town.journal
T0=1767225600

fail() { echo "FAIL: $*" >&2; exit 1; }

# do_out OP_JSON: must succeed; prints the output. do_ok: the same, quietly.
do_out() { echo "$1" | "$CIVIC" token do "$J" || fail "refused: $1"; }
do_ok() { do_out "$1" >/dev/null; }

# do_err CODE OP_JSON: must fail with CODE
do_err() {
  local err
  if echo "$2" | "$CIVIC" token do "$J" 2>"$WORK/err" >/dev/null; then
    fail "accepted: $2"
  fi
  err=$(cat "$WORK/err")
  [[ $err == *"\"error\":\"$1\""* ]] || fail "expected $1, got $err"
}

do_ok "{\"op\":\"setup\",\"time\":$T0,\"config\":{\"code\":\"HLN\",\"issuer\":\"heerlen\",\"fee_bp\":100}}"
do_ok "{\"op\":\"fund\",\"token\":\"HLN\",\"time\":$T0,\"actor\":\"m\",\"amount\":10000}"
do_ok "{\"op\":\"task.create\",\"token\":\"HLN\",\"time\":$T0,\"actor\":\"m\",\"task\":{\"id\":\"park\",\"title\":\"Litter\",\"domain\":\"public space\",\"zone\":\"centrum\",\"reward\":20,\"capacity\":1,\"start\":$T0,\"end\":$((T0 + 864000))}}"
do_ok "{\"op\":\"task.publish\",\"token\":\"HLN\",\"time\":$T0,\"actor\":\"m\",\"task\":\"park\"}"
do_ok "{\"op\":\"task.commit\",\"token\":\"HLN\",\"time\":$((T0 + 1)),\"citizen\":\"anna\",\"task\":\"park\"}"
do_err capacity_full "{\"op\":\"task.commit\",\"token\":\"HLN\",\"time\":$((T0 + 1)),\"citizen\":\"bram\",\"task\":\"park\"}"
do_ok "{\"op\":\"task.submit\",\"token\":\"HLN\",\"time\":$((T0 + 2)),\"citizen\":\"anna\",\"task\":\"park\",\"evidence\":\"photo:1\"}"
do_ok "{\"op\":\"task.approve\",\"token\":\"HLN\",\"time\":$((T0 + 3)),\"actor\":\"m\",\"task\":\"park\",\"citizen\":\"anna\"}"
do_err already_rewarded "{\"op\":\"task.approve\",\"token\":\"HLN\",\"time\":$((T0 + 4)),\"actor\":\"m\",\"task\":\"park\",\"citizen\":\"anna\"}"
do_err not_entrepreneur "{\"op\":\"spend\",\"token\":\"HLN\",\"time\":$((T0 + 5)),\"citizen\":\"anna\",\"entrepreneur\":\"bakker\",\"amount\":5}"
do_ok "{\"op\":\"entrepreneur.register\",\"token\":\"HLN\",\"time\":$((T0 + 5)),\"actor\":\"m\",\"entrepreneur\":\"bakker\",\"zone\":\"centrum\"}"
do_ok "{\"op\":\"spend\",\"token\":\"HLN\",\"time\":$((T0 + 6)),\"citizen\":\"anna\",\"entrepreneur\":\"bakker\",\"amount\":15}"
do_err insufficient_tokens "{\"op\":\"spend\",\"token\":\"HLN\",\"time\":$((T0 + 6)),\"citizen\":\"anna\",\"entrepreneur\":\"bakker\",\"amount\":6}"
# 15 tokens at 100 cents, 1 % fee: gross 1500, fee 15, net 1485
out=$(do_out "{\"op\":\"redeem\",\"token\":\"HLN\",\"time\":$((T0 + 7)),\"entrepreneur\":\"bakker\",\"tokens\":15}")
[[ $out == '{"gross":1500,"net":1485,"fee":15}' ]] || fail "redeem gave $out"
do_err unknown_kind "{\"op\":\"mint-freely\",\"token\":\"HLN\",\"time\":$((T0 + 8))}"

# Read back from the journal (a fresh process rebuilds the state).
dash=$("$CIVIC" token dashboard "$J" HLN)
for want in '"supply":5' '"minted":20' '"burned":15' '"reserve":8515' '"coverage_bp":170300'; do
  [[ $dash == *"$want"* ]] || fail "dashboard lacks $want: $dash"
done
wallet=$("$CIVIC" token wallet "$J" HLN anna $((T0 + 9)))
[[ $wallet == *'"balance":5'* ]] || fail "wallet: $wallet"
"$CIVIC" ledger verify "$J" >/dev/null || fail "journal does not verify"

# The pure kinds through their commands.
out=$(echo '{"tokens":1000,"rate_num":1,"rate_den":3,"fee_bp":250}' | "$CIVIC" redeem)
[[ $out == '{"gross":333,"net":325,"fee":8}' ]] || fail "civic redeem gave $out"
if echo '{"tokens":1,"rate_num":1,"rate_den":0,"fee_bp":0}' | "$CIVIC" redeem 2>"$WORK/err"; then
  fail "den 0 accepted"
fi
grep -q '"error":"out_of_range"' "$WORK/err" || fail "den 0: $(cat "$WORK/err")"
out=$(echo '{"method":"approval","budget":100,"proposals":[{"id":"a","cost":70},{"id":"b","cost":50},{"id":"c","cost":30}],"ballots":[{"voter":"v1","approvals":["a","b","c"]},{"voter":"v2","approvals":["a","b"]},{"voter":"v3","approvals":["a"]}]}' | "$CIVIC" tally)
[[ $out == '{"ranking":[{"id":"a","score":3},{"id":"b","score":2},{"id":"c","score":1}],"selected":["a","c"]}' ]] || fail "civic tally gave $out"
echo "token_cli: all checks passed"
