#!/usr/bin/env bash
# The Doxygen API reference builds with warnings as errors: every public
# function, parameter and type in include/civic/ is documented.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/plain/build.ninja ] || bash scripts/build.sh plain
cmake --build build/plain --target docs
test -f build/plain/docs/html/index.html
echo "docs: API reference built clean ($(ls build/plain/docs/html/*.html | wc -l) pages)"
