#!/usr/bin/env bash
# Crash test: SIGKILL `civic ledger post` at random moments (often mid-write)
# in a loop, then prove that every acknowledged batch (post exited 0) is
# still there, that opening cuts any torn tail, and that the journal
# verifies. Usage: crash_loop.sh CIVIC_CLI SOURCE_DIR BINARY_DIR [SECONDS]
set -u
CLI=$1
BIN=${3:-/tmp}
SECONDS_MAX=${4:-12}
WORK=$(mktemp -d "$BIN/crash_loop.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
J=$WORK/ledger.jnl
fail() { echo "crash_loop: FAIL: $*" >&2; exit 1; }

"$CLI" ledger init "$J" >/dev/null || fail "init"
"$CLI" ledger post "$J" >/dev/null <<'JSON' || fail "setup post"
{"assets": [{"code": "EUR", "scale": 2}],
 "accounts": [{"id": "src", "asset": "EUR", "min_balance": null},
              {"id": "dst", "asset": "EUR", "min_balance": 0}]}
JSON

# One batch file per attempt: 2000 transfers of 1 cent plus a marker event.
make_batch() {
  awk -v k="$1" 'BEGIN {
    printf "{\"transfers\": [";
    for (i = 0; i < 2000; i++)
      printf "%s{\"id\": \"b%d-%d\", \"from\": \"src\", \"to\": \"dst\", \"amount\": 1, \"asset\": \"EUR\"}", (i ? "," : ""), k, i;
    printf "], \"events\": [{\"id\": \"batch-%d\", \"type\": \"crash.marker\", \"data\": {}}]}\n", k;
  }' > "$WORK/b$1.json"
}

acked=()
attempts=0
killed=0
start=$(date +%s)
k=0
while (( $(date +%s) - start < SECONDS_MAX )); do
  k=$((k + 1))
  make_batch "$k"
  "$CLI" ledger post "$J" "$WORK/b$k.json" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  # 0-99 ms: the post takes about that long, so many kills land mid-write
  sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  rc=$?
  attempts=$((attempts + 1))
  if [ "$rc" -eq 0 ]; then
    acked+=("$k")
  elif [ "$rc" -eq 137 ]; then
    killed=$((killed + 1))
  else
    # a post that saw a locked journal from a dying predecessor may fail
    grep -q journal_locked "$WORK/err" || fail "post $k exited $rc: $(cat "$WORK/err")"
  fi
  # Every few rounds, reopen (cuts a torn tail) and verify from disk.
  if (( k % 5 == 0 )); then
    "$CLI" ledger balances "$J" >/dev/null || fail "reopen after kill $k"
    "$CLI" ledger verify "$J" >/dev/null || fail "verify after kill $k"
  fi
done

"$CLI" ledger balances "$J" > "$WORK/balances" || fail "final reopen"
"$CLI" ledger verify "$J" > "$WORK/verify" || fail "final verify: $(cat "$WORK/verify")"
"$CLI" ledger events "$J" crash. > "$WORK/events" || fail "events"
for a in "${acked[@]}"; do
  grep -q "\"batch-$a\"" "$WORK/events" || fail "acknowledged batch $a lost"
done
# conservation and all-or-nothing: dst holds exactly 2000 per present batch
present=$(grep -o '"batch-[0-9]*"' "$WORK/events" | wc -l)
grep -q "\"id\":\"dst\",\"asset\":\"EUR\",\"balance\":$((present * 2000))}" \
  "$WORK/balances" || fail "dst balance is not 2000 x $present batches: $(cat "$WORK/balances")"
echo "crash_loop: $attempts posts, $killed killed, ${#acked[@]} acknowledged, $present present; journal verifies"
(( killed > 0 )) || echo "crash_loop: warning: no post was killed mid-way"
exit 0
