#!/usr/bin/env bash
# Cross-language golden-vector check (issue 6): every case of every
# tests/vectors/*.json file must have been run OK by the C suite and by
# each binding that exists in the tree. scripts/test.sh runs this after the
# C, Python and Java stages, which write build/vector-report-<lang>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
langs=c
[ -f bindings/python/pyproject.toml ] && langs+=,python
[ -f bindings/java/pom.xml ] && langs+=,java
# A fresh C report, in case the C stages ran from another build directory.
if [ -x build/plain/tests/test_vectors ]; then
  CK_FORK=no build/plain/tests/test_vectors >/dev/null
fi
exec python3 scripts/check-vectors.py --langs "$langs" "$@"
