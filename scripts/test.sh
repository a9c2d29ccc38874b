#!/usr/bin/env bash
# Quick start, second command: install, build and run every test.
# Stages: C suite (plain), C suite under ASan+UBSan, the C suite once under
# valgrind, Python binding, Java binding, cross-language vector check, short
# fuzz runs. Each stage prints its own summary; any failure stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

stage() { printf '\n==== %s ====\n' "$*"; }

stage "C suite (plain, warnings as errors)"
bash scripts/build.sh plain
ctest --test-dir build/plain --output-on-failure -j "$(nproc)"

stage "C suite under AddressSanitizer + UndefinedBehaviorSanitizer"
bash scripts/build.sh sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/sanitize --output-on-failure -j "$(nproc)"

for extra in scripts/test-*.sh; do
  [ -f "$extra" ] || continue
  stage "$extra"
  bash "$extra"
done

stage "all stages passed"
