#!/usr/bin/env bash
# Python binding stage: a fresh venv under build/venv-python, the pinned test
# dependencies, `pip install ./bindings/python` (scikit-build-core compiles
# libcivic/*.c with the SWIG wrapper), then pytest: golden vectors (report in
# build/vector-report-python.jsonl), API and Hypothesis property tests, and
# the notebook examples/policy-what-if.ipynb executed by nbmake.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=build/venv-python
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q -r bindings/python/requirements-test.txt
"$venv/bin/python" -m pip install -q ./bindings/python

export CIVIC_VECTOR_REPORT="$PWD/build/vector-report-python.jsonl"
export MPLBACKEND=Agg
# Run from outside the source tree so `import civic` is the installed wheel.
"$venv/bin/python" -m pytest -q -p no:cacheprovider \
  bindings/python/tests --nbmake --nbmake-timeout=300 examples/policy-what-if.ipynb
