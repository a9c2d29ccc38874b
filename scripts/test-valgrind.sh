#!/usr/bin/env bash
# The plain-build C suite once under valgrind memcheck (issue 6; house
# style: CK_FORK=no so that valgrind sees the tests themselves, not a
# fork). Runs every tests/test_* executable and every fuzz corpus replay;
# any invalid access, use of uninitialised memory or definite leak fails.
#
# test_exhaustive is left out: it enumerates ~10^5 evaluations and takes
# far too long under valgrind; the sanitizer stage runs it instead.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${CIVIC_VALGRIND_BUILD:-build/plain}

if ! command -v valgrind >/dev/null; then
  echo "test-valgrind: valgrind not found" >&2
  exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
  bash scripts/build.sh plain
else
  cmake --build "$build" -j "$(nproc)" >/dev/null
fi

logdir=$build/valgrind
mkdir -p "$logdir"
export CK_FORK=no CK_DEFAULT_TIMEOUT=600
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-origins=yes)

jobs=()
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  case "$(basename "$t")" in test_exhaustive) continue ;; esac
  jobs+=("$t")
done
for r in "$build"/fuzz/replay_*; do
  [ -x "$r" ] || continue
  jobs+=("$r fuzz/corpus/$(basename "$r" | sed 's/^replay_//')")
done

run_one() {
  local cmd=$1 name log
  name=$(basename "${cmd%% *}")
  log=$logdir/$name.log
  # shellcheck disable=SC2086
  if timeout 900 "${vg[@]}" $cmd >"$log" 2>&1; then
    echo "valgrind ok:     $name"
  else
    echo "valgrind FAILED: $name (log: $log)"
    return 1
  fi
}
export -f run_one
export logdir
vgs="${vg[*]}"
export vgs

status=0
printf '%s\n' "${jobs[@]}" |
  xargs -P "$(nproc)" -I{} bash -c 'vg=($vgs); run_one "$@"' _ {} || status=1
if [ $status -ne 0 ]; then
  echo "test-valgrind: failures (see $logdir)" >&2
  exit 1
fi
echo "test-valgrind: ${#jobs[@]} programs clean under valgrind"
