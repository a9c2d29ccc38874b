#!/usr/bin/env bash
# Install libcivic into a scratch prefix, then build a small consumer against
# the installed tree twice: with pkg-config and with find_package(civic).
set -euo pipefail
cli=$1 src=$2 bin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
# A sanitizer build's library needs the sanitizer runtime in the consumer too.
san=()
if grep -q '^CIVIC_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt"; then
  san=(-fsanitize=address,undefined)
fi

cmake --install "$bin" --prefix "$prefix" >/dev/null
test -f "$prefix/include/civic/civic.h"
libdir=$(ls -d "$prefix"/lib* | head -n1)
test -f "$libdir/pkgconfig/civic.pc"

# Installed civic.pc is generated for the configured prefix; point
# pkg-config at the scratch copy by overriding the prefix variables.
export PKG_CONFIG_PATH=$libdir/pkgconfig
pcflags=(--define-variable=prefix="$prefix" --define-variable=libdir="$libdir" --define-variable=includedir="$prefix/include")
cc "${san[@]}" -Wall -Werror -o "$work/consumer_pc" "$src/tests/consumer/consumer.c" \
  $(pkg-config "${pcflags[@]}" --cflags civic) $(pkg-config "${pcflags[@]}" --libs civic)
LD_LIBRARY_PATH=$libdir "$work/consumer_pc"

# Static link through pkg-config: Requires.private brings libsodium and jansson.
cc "${san[@]}" -Wall -Werror -o "$work/consumer_pc_static" "$src/tests/consumer/consumer.c" \
  $(pkg-config "${pcflags[@]}" --cflags civic) "$libdir/libcivic.a" \
  $(pkg-config --static --libs-only-l libsodium jansson) -lpthread
"$work/consumer_pc_static"

cmake -S "$src/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${san[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san[*]}" >/dev/null
cmake --build "$work/build" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/build/consumer"
"$work/build/consumer_static"
echo "consumer: pkg-config and find_package builds ran"

# The integration guide's first program, exactly as printed there, builds
# and runs against the installed tree (so the guide cannot drift).
awk '/^```c$/{on=1; next} /^```$/{if(on) exit} on' "$src/docs/integration.md" > "$work/first.c"
cc "${san[@]}" -Wall -Werror -o "$work/first" "$work/first.c" \
  $(pkg-config "${pcflags[@]}" --cflags civic) $(pkg-config "${pcflags[@]}" --libs civic)
out=$(LD_LIBRARY_PATH=$libdir "$work/first")
[ "$out" = '{"gross":25000,"net":24625,"fee":375}' ] || { echo "guide program printed: $out" >&2; exit 1; }
echo "consumer: the integration guide's first program builds and prints $out"
