#!/usr/bin/env bash
# Short fuzz runs (issue 6): build every libFuzzer harness with clang,
# ASan and UBSan (signed overflow fatal) into build/fuzz and run each one
# for a short time; any crash, leak, timeout or invariant violation fails.
#
#   scripts/test-fuzz.sh              # every harness, CIVIC_FUZZ_SECONDS (15) each
#   scripts/test-fuzz.sh waterfall_json tally_json   # only these
#   CIVIC_FUZZ_SECONDS=300 scripts/test-fuzz.sh      # longer, by hand
#
# The committed corpus fuzz/corpus/<name>/ seeds each run and is never
# modified, except that a crashing input is copied into it as
# crash-<sha1> so that it becomes a regression test (replayed by ctest in
# every build through fuzz/replay.c) once the bug is fixed. New coverage
# found during the run stays in build/fuzz/work/<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${CIVIC_FUZZ_BUILD:-build/fuzz}
seconds=${CIVIC_FUZZ_SECONDS:-15}

if ! command -v clang >/dev/null; then
  echo "test-fuzz: clang not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCIVIC_FUZZ=ON \
  -DCIVIC_BUILD_TESTS=OFF -DCIVIC_BUILD_TOOLS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

if [ $# -gt 0 ]; then
  names=("$@")
else
  mapfile -t names < <(ninja -C "$build" -t targets all |
    sed -n 's/^\(fuzz_[a-z0-9_]*\): .*/\1/p' | sed 's/^fuzz_//' | sort -u |
    grep -v '^support$' || true)
fi
if [ ${#names[@]} -eq 0 ]; then
  echo "test-fuzz: no fuzz_* targets found" >&2
  exit 1
fi
cmake --build "$build" -j "$(nproc)" --target "${names[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for name in "${names[@]}"; do
  corpus=fuzz/corpus/$name
  work=$build/work/$name
  artifacts=$build/artifacts/$name
  mkdir -p "$corpus" "$work" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ -f "fuzz/$name.dict" ] && args+=(-dict="fuzz/$name.dict")
  log=$build/fuzz-$name.log
  printf 'fuzz_%s: %ss ... ' "$name" "$seconds"
  if "$build/fuzz/fuzz_$name" "${args[@]}" "$work" "$corpus" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "ok (${execs:-?} runs, ${cov:-cov: ?})"
  else
    echo "FAILED (log: $log)"
    failed+=("$name")
    for crash in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
      [ -f "$crash" ] || continue
      cp "$crash" "$corpus/$(basename "$crash")"
      echo "  regression input saved: $corpus/$(basename "$crash")"
    done
    { grep -E 'INVARIANT VIOLATED|ERROR: |runtime error' "$log" || true; } | head -5 | sed 's/^/  /'
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "test-fuzz: ${#names[@]} harnesses ran ${seconds}s each without a crash"
