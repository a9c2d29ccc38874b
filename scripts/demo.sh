#!/usr/bin/env bash
# Quick start, first command: install what is needed, build, run the main job
# (a month of settlement for sample residents and a reward-token cycle).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh plain
./build/plain/civic demo
