# Shared shell functions of scripts/consortium.sh and scripts/test-consortium.sh.
# Source it; it sets ROOT, CONSORTIUM, BIN, COMETBFT. Every process started
# here is recorded by PID in $NET/pids and stopped by PID (net_stop_all is
# meant for an EXIT trap). Everything listens on 127.0.0.1 only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONSORTIUM=$ROOT/consortium
BUILD=${CIVIC_CONSORTIUM_BUILD:-$ROOT/build/consortium}
CACHE=${CIVIC_CONSORTIUM_CACHE:-$CONSORTIUM/.cache}
BIN=$CONSORTIUM/bin/civic-abci
COMETBFT=$CACHE/bin/cometbft

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# The CometBFT release is pinned once, in consortium/go.mod: civic-abci links
# that version's ABCI packages and the same version's `cometbft` is installed.
cometbft_version() {
  (cd "$CONSORTIUM" && go list -m -f '{{.Version}}' github.com/cometbft/cometbft)
}

# Build libcivic (static archive) with CMake, then civic-abci with cgo.
build_civic_abci() {
  local t0=$SECONDS
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIVIC_WERROR=OFF >/dev/null
  cmake --build "$BUILD" --target civic_static -j "$(nproc)" >/dev/null
  (cd "$CONSORTIUM" &&
    CGO_ENABLED=1 CGO_LDFLAGS="$BUILD/libcivic.a -lsodium -ljansson -lpthread" \
      go build -o "$BIN" ./civic-abci)
  log "built civic-abci in $((SECONDS - t0)) s"
}

# `go install` the pinned cometbft from the Go module proxy into
# consortium/.cache/bin (git-ignored), unless that exact version is there.
install_cometbft() {
  local v t0=$SECONDS
  v=$(cometbft_version)
  if [ -x "$COMETBFT" ] && [ "v$("$COMETBFT" version 2>/dev/null)" = "$v" ]; then
    log "cometbft $v already installed ($COMETBFT)"
    return
  fi
  log "installing cometbft $v from the Go module proxy (first time: a few minutes)"
  GOBIN=$CACHE/bin go install "github.com/cometbft/cometbft/cmd/cometbft@$v"
  log "installed cometbft $v in $((SECONDS - t0)) s"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    port_free "$1" || return 0
    sleep 0.1
  done
  echo "port $1 did not open in $2 s" >&2
  return 1
}

# net_create DIR BASE_PORT [extra testnet flags]
net_create() {
  local dir=$1 base=$2 p
  shift 2
  for ((p = base; p < base + 60; p++)); do
    port_free "$p" || { echo "port $p on 127.0.0.1 is in use; set CIVIC_CONSORTIUM_PORT" >&2; return 1; }
  done
  rm -rf "$dir"
  "$BIN" testnet --dir "$dir" --cometbft "$COMETBFT" --base-port "$base" "$@"
  mkdir -p "$dir/pids"
  NET=$dir
}

node_field() { # inst field
  python3 -c 'import json,sys; n=[x for x in json.load(open(sys.argv[1]))["nodes"] if x["institution"]==sys.argv[2]][0]; print(n[sys.argv[3]])' \
    "$NET/net.json" "$1" "$2"
}

net_institutions() {
  python3 -c 'import json,sys; print(" ".join(x["institution"] for x in json.load(open(sys.argv[1]))["nodes"]))' "$NET/net.json"
}

# node_start INST [extra civic-abci serve flags]: civic-abci first (CometBFT
# connects to it once at start), then cometbft.
node_start() {
  local inst=$1 abci rpc dir
  shift
  abci=$(node_field "$inst" abci)
  rpc=$(node_field "$inst" rpc)
  dir=$NET/$inst
  "$BIN" serve --home "$dir/app" --addr "tcp://$abci" "$@" >>"$dir/civic-abci.log" 2>&1 &
  echo $! >"$NET/pids/$inst.app"
  disown $!
  wait_port "${abci##*:}" 10
  "$COMETBFT" start --home "$dir/cometbft" >>"$dir/cometbft.log" 2>&1 &
  echo $! >"$NET/pids/$inst.comet"
  disown $!
  wait_port "${rpc##*:}" 20
}

stop_pid_file() {
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  rm -f "$f"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# node_stop INST [KILL]: cometbft first, then its application. With KILL
# both get SIGKILL (a crash, no clean shutdown).
node_stop() {
  if [ "${2:-}" = KILL ]; then
    local f
    for f in "$NET/pids/$1.comet" "$NET/pids/$1.app"; do
      [ -f "$f" ] && { kill -KILL "$(cat "$f")" 2>/dev/null || true; }
      rm -f "$f"
    done
    return 0
  fi
  stop_pid_file "$NET/pids/$1.comet"
  stop_pid_file "$NET/pids/$1.app"
}

net_stop_all() {
  [ -n "${NET:-}" ] && [ -d "$NET/pids" ] || return 0
  local f
  for f in "$NET"/pids/*.comet; do [ -e "$f" ] && stop_pid_file "$f"; done
  for f in "$NET"/pids/*.app; do [ -e "$f" ] && stop_pid_file "$f"; done
  return 0
}

# watchdog SECONDS: terminate this script (its EXIT trap cleans up) if it
# runs longer than SECONDS.
watchdog() {
  local me=$$
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$1" &
    sp=$!
    wait "$sp" && echo "TIMEOUT: over $1 s, stopping" >&2 && kill -TERM "$me"
  ) &
  WATCHDOG_PID=$!
}

watchdog_stop() { [ -n "${WATCHDOG_PID:-}" ] && kill "$WATCHDOG_PID" 2>/dev/null; return 0; }
