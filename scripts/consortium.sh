#!/usr/bin/env bash
# One command for the local consortium (issue 12; docs/consortium.md):
# builds civic-abci (libcivic + cgo), installs the pinned cometbft, creates a
# 4-validator testnet on 127.0.0.1 (municipality, benefit agency, housing
# corporation, merchants' association), starts the 8 processes, submits a
# month of settlement and a token cycle with broadcast_tx_commit, prints and
# compares the balances of every node, measures throughput against libcivic
# directly, and stops everything.
#
#   scripts/consortium.sh            walkthrough + figures, then stop (< 3 min once built)
#   scripts/consortium.sh --keep     leave the network running (stop: kill the PIDs in consortium/net/pids)
#
# Environment: CIVIC_CONSORTIUM_PORT (base port, default 27000; uses base..base+59),
# CIVIC_BENCH_BATCHES (per institution, default 100), CIVIC_BENCH_PER_BATCH (default 20).
set -euo pipefail
source "$(dirname "$0")/../consortium/net.sh"

keep=no
[ "${1:-}" = --keep ] && keep=yes

cleanup() {
  local rc=$?
  watchdog_stop
  if [ "$keep" = no ] || [ $rc -ne 0 ]; then
    net_stop_all
    [ -n "${NET:-}" ] && log "stopped every process (logs: $NET/*/*.log)"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_civic_abci
install_cometbft

# From here on the run is bounded: 170 s for the network part.
watchdog 170
t0=$SECONDS
net_create "$CONSORTIUM/net" "${CIVIC_CONSORTIUM_PORT:-27000}" --nodes 4
for inst in $(net_institutions); do
  node_start "$inst"
  log "started $inst: civic-abci pid $(cat "$NET/pids/$inst.app"), cometbft pid $(cat "$NET/pids/$inst.comet"), rpc $(node_field "$inst" rpc)"
done
"$BIN" wait --net "$NET" --height 2 --timeout 40s
log "4 validators committing blocks ($((SECONDS - t0)) s after start)"

log "walkthrough: a month of settlement and a token cycle"
"$BIN" walkthrough --net "$NET"

log "figures: the same workload through the consortium and straight into libcivic"
"$BIN" bench --net "$NET" --batches "${CIVIC_BENCH_BATCHES:-100}" --per-batch "${CIVIC_BENCH_PER_BATCH:-20}"
"$BIN" compare --net "$NET" --quiet
log "done in $((SECONDS - t0)) s (network part)"
if [ "$keep" = yes ]; then
  watchdog_stop
  log "network left running; RPC: $(for i in $(net_institutions); do printf '%s ' "$(node_field "$i" rpc)"; done)"
fi
