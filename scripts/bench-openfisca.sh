#!/usr/bin/env bash
# libcivic against OpenFisca on one synthetic population (issue 7, item 3):
# the same four monthly benefits of the example scheme, the amounts checked
# to the cent, and the speed ratio. One command:
#
#   scripts/bench-openfisca.sh [--households 10000] [--repeat 3] [--json FILE]
#
# It builds the shared library in build/bench-openfisca (RelWithDebInfo,
# i.e. -O2), makes a virtualenv in build/venv-openfisca with the pinned
# openfisca-core (bench/openfisca/requirements.txt; needs PyPI the first
# time), and runs bench/openfisca/compare.py, which exits non-zero if any
# amount differs. Not part of CI: it needs the network once and takes a
# minute. Figures and the comparison rule: docs/performance.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CIVIC_BENCH_BUILD_DIR:-$ROOT/build/bench-openfisca}
VENV=$ROOT/build/venv-openfisca

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCIVIC_BUILD_TESTS=OFF \
  -DCIVIC_BUILD_TOOLS=OFF | tail -n 1
cmake --build "$BUILD" --target civic -j 2 | tail -n 1

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r "$ROOT/bench/openfisca/requirements.txt"

exec "$VENV/bin/python" "$ROOT/bench/openfisca/compare.py" \
  --lib "$BUILD/libcivic.so" "$@"
