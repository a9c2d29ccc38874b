#!/usr/bin/env bash
# Configure and build one flavour of libcivic into build/<flavour>.
#   scripts/build.sh plain|sanitize [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-plain}
shift || true
args=(-G Ninja -DCIVIC_WERROR=ON)
case "$flavour" in
  plain) ;;
  sanitize) args+=(-DCIVIC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  *) echo "unknown flavour $flavour" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" "${args[@]}" "$@" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)"
