#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds the presets the
# README names and runs the tests:
#   asan, tsan   unit + integration tests (sanitizers)
#   release      unit tests (optimised code finds different bugs) and the benches build
#   dev, node, consumer-lib   built, so no documented build can rot unseen. Not coverage: its
#                objects embed their own absolute path (where the .gcda goes), so the
#                compiler cache can never reuse them in a fresh checkout and it would cost
#                11 minutes of every run; scripts/coverage.sh builds and runs it.
#   fuzz         every fuzzer for a short run
# Environment:
#   BSVPEER_PRESETS="asan tsan"                        presets with unit + integration tests
#   BSVPEER_UNIT_PRESETS="release"                     presets with unit tests only
#   BSVPEER_BUILD_PRESETS="node dev consumer-lib"      presets only built (add coverage here)
#   BSVPEER_FUZZ_SECONDS=5                             seconds per fuzz target (0 skips fuzzing)
#   BSVPEER_CHAOS_SECONDS=30                           each chaos test per sanitizer pass (the
#                                                      scripts' own defaults, by hand, are longer)
#   BSVPEER_INTEGRATION_JOBS=1                         integration tests at a time. 2 saves ~5
#                                                      minutes (the CPU-heavy ones still run
#                                                      alone: RUN_SERIAL), but is not safe yet:
#                                                      nodes that two scripts start on the default
#                                                      RPC port (18332) can collide
# The whole run stays under 30 minutes on 2 cores with a warm ccache (each step prints its time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
ulimit -n "$(ulimit -Hn)" || true

# ccache hits across checkouts in different directories (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

presets=${BSVPEER_PRESETS:-asan tsan}
unit_presets=${BSVPEER_UNIT_PRESETS:-release}
build_presets=${BSVPEER_BUILD_PRESETS:-node dev consumer-lib}
fuzz_seconds=${BSVPEER_FUZZ_SECONDS:-5}
export BSVPEER_CHAOS_SECONDS=${BSVPEER_CHAOS_SECONDS:-30}
integration_jobs=${BSVPEER_INTEGRATION_JOBS:-1}
first_preset=${presets%% *}
total_pass=0
total_fail=0

count_ctest() {  # parses ctest's closing line "NN% tests passed, F tests failed out of T"
  local log=$1 line t f
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1 || true)
  if [ -z "$line" ]; then total_fail=$((total_fail + 1)); return; fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<< "$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<< "$line")
  total_pass=$((total_pass + t - f))
  total_fail=$((total_fail + f))
}

status=0
build_preset() {
  echo "=== $1: configure and build"
  local t0=$SECONDS
  if cmake --preset "$1" >/dev/null && cmake --build --preset "$1"; then
    echo "=== $1: built in $((SECONDS - t0)) s"
  else
    echo "=== $1: BUILD FAILED"
    total_fail=$((total_fail + 1)); status=1
    return 1
  fi
}

run_ctest() {  # preset, then ctest's selection arguments
  local preset=$1 log t0=$SECONDS
  shift
  log=$(mktemp)
  if ! ctest --preset "$preset" "$@" 2>&1 | tee "$log"; then status=1; fi
  count_ctest "$log"
  rm -f "$log"
  echo "=== $preset: ctest $* took $((SECONDS - t0)) s"
}

for preset in $presets; do
  build_preset "$preset" || continue
  echo "=== $preset: tests"
  # Under TSan the crawler runs its multi-threaded path (it is single-threaded by default).
  if [ "$preset" = tsan ]; then export CRAWL_EXTRA_ARGS=--threads=2; else unset CRAWL_EXTRA_ARGS; fi
  run_ctest "$preset" -j2 -LE integration
  # Integration tests bind ports and run peers: one at a time by default (see
  # BSVPEER_INTEGRATION_JOBS above; with more, the CPU-heavy ones still run alone, as
  # tests/integration/CMakeLists.txt marks them). Tests labelled single-pass check an
  # artefact, not concurrency: the first sanitizer pass runs them. The package test runs after
  # the consumer-lib preset is built, and installs that build.
  if [ "$preset" = "$first_preset" ]; then
    run_ctest "$preset" -j"$integration_jobs" -L integration -E '^integration/package_consumer$'
  else
    run_ctest "$preset" -j"$integration_jobs" -L integration -LE single-pass
  fi
done

for preset in $unit_presets; do
  build_preset "$preset" || continue
  echo "=== $preset: unit tests"
  run_ctest "$preset" -j2 -L unit
done

for preset in $build_presets; do
  if build_preset "$preset" && [ "$preset" = consumer-lib ] && [ -d "build/$first_preset" ]; then
    echo "=== package test: install the consumer-lib build, find_package it from a consumer"
    BSVPEER_PACKAGE_LIB_DIR="$PWD/build/consumer-lib" \
      run_ctest "$first_preset" -R '^integration/package_consumer$'
  fi
done

if [ "$fuzz_seconds" != "0" ]; then
  echo "=== fuzz: build and run each target for ${fuzz_seconds}s"
  cmake --preset fuzz >/dev/null
  t0=$SECONDS
  cmake --build --preset fuzz --target fuzz_all
  echo "=== fuzz: built in $((SECONDS - t0)) s"
  for fuzzer in build/fuzz/tests/fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    corpus=$(mktemp -d)
    [ -d "data/fuzz/$name" ] && cp -r "data/fuzz/$name/." "$corpus/"
    if "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=0 "$corpus" \
        > "build/fuzz/$name.log" 2>&1; then
      total_pass=$((total_pass + 1))
      echo "fuzz $name: ok ($(grep -Eo 'Done [0-9]+ runs' "build/fuzz/$name.log" | tail -1))"
    else
      total_fail=$((total_fail + 1)); status=1
      echo "fuzz $name: FAILED"; tail -40 "build/fuzz/$name.log"
    fi
    rm -rf "$corpus"
  done
fi

echo "${total_pass} passed, ${total_fail} failed, in $SECONDS s"
[ "$total_fail" -eq 0 ] || status=1
exit $status
