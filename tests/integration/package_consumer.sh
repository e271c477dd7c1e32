#!/usr/bin/env bash
# Package test: build this repository with the `consumer-lib` preset, `cmake --install` it into
# a fresh prefix, then configure and build tests/package/consumer against that prefix only
# (find_package(bsvpeer) + bsvpeer::bsvpeer) and run it. Its output must be the known mainnet
# ping frame (bsv-protocol.md §11.2). This exercises cmake/BsvpeerInstall.cmake and
# cmake/bsvpeerConfig.cmake.in: exported targets, installed headers, transitive dependencies.
#
# usage: package_consumer.sh BUILD_DIR SOURCE_DIR   (BUILD_DIR is not used: the library is
# built from scratch in a temporary directory, with ccache when the project finds it)
set -euo pipefail

SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
EXPECTED_PING_FRAME=e3e1f3e870696e670000000000000000080000003b5a75130807060504030201

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
JOBS=${BSVPEER_TEST_JOBS:-2}

step() { echo "== $*"; }

step "configure the library (preset consumer-lib)"
(cd "$SOURCE_DIR" && cmake --preset consumer-lib -B "$WORK/lib" >"$WORK/lib-configure.log" 2>&1) ||
  fail "library configure failed: $(tail -30 "$WORK/lib-configure.log")"

step "build the library"
cmake --build "$WORK/lib" -j "$JOBS" >"$WORK/lib-build.log" 2>&1 ||
  fail "library build failed: $(grep -m20 -E 'error|Error' "$WORK/lib-build.log")"

step "install into a fresh prefix"
cmake --install "$WORK/lib" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 ||
  fail "install failed: $(cat "$WORK/install.log")"
CONFIG=$(find "$WORK/prefix" -name bsvpeerConfig.cmake | head -1)
[[ -n "$CONFIG" ]] || fail "no bsvpeerConfig.cmake installed"
[[ -f "$WORK/prefix/include/bsvpeer/wire/frame.hpp" ]] || fail "headers not installed"

step "configure and build the consumer against the prefix"
# No package registry and no source tree on the search path: only the prefix can satisfy
# find_package(bsvpeer).
cmake -S "$SOURCE_DIR/tests/package/consumer" -B "$WORK/consumer" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$WORK/prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$WORK/consumer-configure.log" 2>&1 ||
  fail "consumer configure failed: $(cat "$WORK/consumer-configure.log")"
FOUND_DIR=$(sed -n 's/^bsvpeer_DIR:PATH=//p' "$WORK/consumer/CMakeCache.txt")
[[ "$FOUND_DIR" == "$WORK/prefix/"* ]] || fail "consumer found bsvpeer in '$FOUND_DIR', not the prefix"
cmake --build "$WORK/consumer" >"$WORK/consumer-build.log" 2>&1 ||
  fail "consumer build failed: $(cat "$WORK/consumer-build.log")"

step "run the consumer"
OUTPUT=$("$WORK/consumer/bsvpeer_consumer") || fail "consumer exited with an error"
[[ "$OUTPUT" == "$EXPECTED_PING_FRAME" ]] ||
  fail "consumer printed '$OUTPUT', expected '$EXPECTED_PING_FRAME'"
echo "package consumer: installed bsvpeer found at $FOUND_DIR; ping frame $OUTPUT"
