#!/usr/bin/env bash
# Installs every system package libcivic needs to build, test, fuzz and document
# itself on a fresh Debian machine. Safe to run twice. Python and Java tooling
# come from PyPI and Maven Central through pip and mvn, not from here.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsodium-dev libjansson-dev check libsubunit-dev
  swig doxygen
  clang libclang-rt-14-dev clang-format llvm
  valgrind abigail-tools
  python3-dev python3-venv default-jdk-headless maven
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
