#!/usr/bin/env bash
# Package test: build this repository with the `consumer-lib` preset, `cmake --install` it into
# a fresh prefix, then configure and build tests/package/consumer against that prefix only
# (find_package(bsvpeer) + bsvpeer::bsvpeer) and run it. Its output must be the known mainnet
# ping frame (bsv-protocol.md §11.2). This exercises cmake/BsvpeerInstall.cmake and
# cmake/bsvpeerConfig.cmake.in: exported targets, installed headers, transitive dependencies.
#
# usage: package_consumer.sh BUILD_DIR SOURCE_DIR   (BUILD_DIR is not used: the library is
# built from scratch in a temporary directory, with ccache when the project finds it, unless
# BSVPEER_PACKAGE_LIB_DIR names a configured consumer-lib build of this source tree, as CI's
# `cmake --build --preset consumer-lib` leaves in build/consumer-lib: then that one is brought
# up to date and installed, and the library is not compiled twice)
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

LIB_DIR="$WORK/lib"
if [[ -n "${BSVPEER_PACKAGE_LIB_DIR:-}" ]]; then
  LIB_DIR=$(cd "$BSVPEER_PACKAGE_LIB_DIR" && pwd)
  grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$SOURCE_DIR\$" "$LIB_DIR/CMakeCache.txt" ||
    fail "$LIB_DIR is not a configured build of $SOURCE_DIR"
  grep -q "^BSVPEER_BUILD_PROGRAMS:BOOL=OFF\$" "$LIB_DIR/CMakeCache.txt" ||
    fail "$LIB_DIR is not a consumer-lib build (programs are on)"
  step "use the consumer-lib build in $LIB_DIR"
else
  step "configure the library (preset consumer-lib)"
  (cd "$SOURCE_DIR" && cmake --preset consumer-lib -B "$LIB_DIR" >"$WORK/lib-configure.log" 2>&1) ||
    fail "library configure failed: $(tail -30 "$WORK/lib-configure.log")"
fi

step "build the library"
cmake --build "$LIB_DIR" -j "$JOBS" >"$WORK/lib-build.log" 2>&1 ||
  fail "library build failed: $(grep -m20 -E 'error|Error' "$WORK/lib-build.log")"

step "install into a fresh prefix"
cmake --install "$LIB_DIR" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 ||
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
