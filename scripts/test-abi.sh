#!/usr/bin/env bash
# ABI gate: compare the freshly built libcivic.so with the committed libabigail
# baseline (abi/libcivic.abi). An incompatible change fails unless the soname
# was bumped (CIVIC_SOVERSION in CMakeLists.txt). Additions pass.
# `--update` rewrites the baseline after an intended change.
# A self-test then breaks the ABI on purpose (drops one exported function)
# and requires the gate to catch it.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=build/plain/libcivic.so
baseline=abi/libcivic.abi
[ -f "$lib" ] || bash scripts/build.sh plain

dump() { abidw --no-corpus-path --no-comp-dir-path --headers-dir include/civic "$1"; }

if [ "${1:-}" = "--update" ]; then
  dump "$lib" > "$baseline"
  echo "abi: baseline rewritten ($baseline)"
  exit 0
fi

# Compare one library against the baseline; prints abidiff's report and
# returns 0 (compatible), 1 (incompatible, soname unchanged).
gate() {
  local candidate=$1 rc=0 old_soname new_soname
  abidiff --headers-dir2 include/civic "$baseline" "$candidate" > build/abidiff.txt || rc=$?
  if (( rc & 3 )); then
    cat build/abidiff.txt
    echo "abi: abidiff itself failed (exit $rc)" >&2
    exit 2
  fi
  if (( rc & 8 )); then
    old_soname=$(grep -o "soname='[^']*'" "$baseline" | head -n1)
    new_soname="soname='$(objdump -p "$candidate" | awk '/SONAME/ {print $2}')'"
    if [ "$old_soname" != "$new_soname" ]; then
      echo "abi: incompatible change with a new soname ($old_soname -> $new_soname): allowed; refresh the baseline"
      return 0
    fi
    cat build/abidiff.txt
    return 1
  fi
  (( rc & 4 )) && echo "abi: compatible changes (additions) since the baseline"
  return 0
}

if ! gate "$lib"; then
  echo "abi: INCOMPATIBLE change without a soname bump (see report above)" >&2
  exit 1
fi
echo "abi: libcivic.so is compatible with $baseline"

# Self-test: relink the same objects with one function hidden. Removing an
# exported function is the classic break; the gate must refuse it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
victim=civic_ctx_errcode
printf 'CIVIC_0.1 {\n  global:\n    civic_*;\n  local:\n    %s;\n    *;\n};\n' "$victim" > "$work/broken.map"
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
cc -shared -o "$work/libcivic.so" build/plain/CMakeFiles/civic_objects.dir/libcivic/*.o \
  -Wl,-soname,"$soname" -Wl,--version-script="$work/broken.map" \
  $(pkg-config --libs libsodium jansson) -lpthread
if gate "$work/libcivic.so" > "$work/report.txt"; then
  echo "abi: self-test FAILED: removing $victim was not caught" >&2
  exit 1
fi
grep -q "$victim" "$work/report.txt"
echo "abi: self-test passed (removing $victim is reported as incompatible)"
