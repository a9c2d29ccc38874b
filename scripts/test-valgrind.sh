#!/usr/bin/env bash
# The plain-build C suite once under valgrind memcheck (issue 6; house
# style: CK_FORK=no so that valgrind sees the tests themselves, not a
# fork). Runs every tests/test_* executable and every fuzz corpus replay;
# any invalid access, use of uninitialised memory or definite leak fails.
#
# Test cases tagged "slow" (tcase_set_tags(tc, "slow"): big enumerations
# and property loops, e.g. test_exhaustive) are skipped here with
# CK_EXCLUDE_TAGS=slow; the plain and sanitizer stages run them. Put a
# property test that does seconds of work in its own TCase tagged "slow" so
# this stage stays within a few minutes.
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
export CK_FORK=no CK_DEFAULT_TIMEOUT=600 CK_EXCLUDE_TAGS=slow
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-origins=yes)

jobs=()
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
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
  if timeout 1200 "${vg[@]}" $cmd >"$log" 2>&1; then
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
