#!/usr/bin/env bash
# Style gate: every C source and header is as clang-format (.clang-format)
# would write it. Fix with the same file list and `clang-format -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
files=(libcivic/*.c libcivic/*.h include/civic/*.h tools/*.c tools/*.h
       tests/*.c tests/*.h fuzz/*.c fuzz/*.h tests/consumer/*.c)
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files match .clang-format"
