#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds the presets the
# README names and runs the tests:
#   asan, tsan   unit + integration tests (sanitizers)
#   release      unit tests (optimised code finds different bugs) and the benches build
#   dev, node, coverage, consumer-lib   built, so no documented build can rot unseen
#                (scripts/coverage.sh runs the tests in the coverage build)
#   fuzz         every fuzzer for a short run
# Environment:
#   BSVPEER_PRESETS="asan tsan"                        presets with unit + integration tests
#   BSVPEER_UNIT_PRESETS="release"                     presets with unit tests only
#   BSVPEER_BUILD_PRESETS="node dev coverage consumer-lib"   presets only built
#   BSVPEER_FUZZ_SECONDS=5                             seconds per fuzz target (0 skips fuzzing)
#   BSVPEER_CHAOS_SECONDS=30                           each chaos test per sanitizer pass (the
#                                                      scripts' own defaults, by hand, are longer)
#   BSVPEER_INTEGRATION_JOBS=2                         integration tests at a time (the CPU-heavy
#                                                      ones run alone: RUN_SERIAL in
#                                                      tests/integration/CMakeLists.txt; every node
#                                                      a script starts takes free ports)
# The whole run stays under 30 minutes on 2 cores with a warm ccache (each step prints its time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
ulimit -n "$(ulimit -Hn)" || true

# ccache hits across checkouts in different directories (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

presets=${BSVPEER_PRESETS-asan tsan}
unit_presets=${BSVPEER_UNIT_PRESETS-release}
build_presets=${BSVPEER_BUILD_PRESETS-node dev coverage consumer-lib}
fuzz_seconds=${BSVPEER_FUZZ_SECONDS:-5}
export BSVPEER_CHAOS_SECONDS=${BSVPEER_CHAOS_SECONDS:-30}
integration_jobs=${BSVPEER_INTEGRATION_JOBS:-2}
first_preset=${presets%% *}
total_pass=0
total_fail=0
failed_tests=()  # "preset: test", repeated in the closing summary (ctest's own list scrolls away)
flaky_tests=()

count_ctest() {  # log: adds ctest's closing line "NN% tests passed, F tests failed out of T"
  local log=$1 line t f
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1 || true)
  if [ -z "$line" ]; then
    total_fail=$((total_fail + 1)); failed_tests+=("ctest printed no summary (see above)")
    return
  fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<< "$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<< "$line")
  total_pass=$((total_pass + t - f))
  total_fail=$((total_fail + f))
}

failed_in() {  # log: the names under ctest's "The following tests FAILED:", one per line
  sed -n '/^The following tests FAILED:/,/^$/p' "$1" | grep -E '^\s+[0-9]+ - ' |
    sed -E 's/^\s+[0-9]+ - ([^ ]+).*/\1/' || true
}

build_preset() {
  echo "=== $1: configure and build"
  local t0=$SECONDS
  if cmake --preset "$1" >/dev/null && cmake --build --preset "$1"; then
    echo "=== $1: built in $((SECONDS - t0)) s"
  else
    echo "=== $1: BUILD FAILED"
    failed_tests+=("$1: build"); total_fail=$((total_fail + 1))
    return 1
  fi
}

# The coverage preset is built from a copy of the checkout at a fixed path: each of its objects
# embeds the absolute path its .gcda goes to, so the compiler cache keys on the build directory and
# would miss every object in a fresh clone (11 minutes). The copy keeps the mtimes of unchanged
# files, so Ninja rebuilds only what changed since the last run.
COVERAGE_TREE=${BSVPEER_COVERAGE_TREE:-/var/tmp/bsvpeer-coverage-tree}
mirror_checkout() {  # DEST: make DEST's files those of this checkout (git's list, not build/)
  local dest=$1 f list
  list=$(mktemp)
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -co --exclude-standard -z | grep -zv '^build/' > "$list" || true
  else
    find . -path ./build -prune -o -path ./.git -prune -o -type f -printf '%P\0' > "$list"
  fi
  mkdir -p "$dest"
  while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$dest/$f" && continue
    mkdir -p "$dest/$(dirname "$f")"
    cp --preserve=mode "$f" "$dest/$f"
  done < "$list"
  # Files gone from the checkout go from the copy too (CMake globs source directories).
  (cd "$dest" && find . -path ./build -prune -o -type f -printf '%P\0') |
    sort -z | comm -z -23 - <(sort -z "$list") |
    while IFS= read -r -d '' f; do rm -f "$dest/$f"; done
  rm -f "$list"
}
build_coverage() {
  echo "=== coverage: configure and build (in $COVERAGE_TREE, a copy of this checkout)"
  local t0=$SECONDS
  mkdir -p "$COVERAGE_TREE"
  if (
    exec 9>"$COVERAGE_TREE.lock" && flock 9  # one run at a time uses the copy
    mirror_checkout "$COVERAGE_TREE" && cd "$COVERAGE_TREE" &&
      CCACHE_BASEDIR="$COVERAGE_TREE" cmake --preset coverage >/dev/null &&
      CCACHE_BASEDIR="$COVERAGE_TREE" cmake --build --preset coverage
  ); then
    echo "=== coverage: built in $((SECONDS - t0)) s"
  else
    echo "=== coverage: BUILD FAILED"
    failed_tests+=("coverage: build"); total_fail=$((total_fail + 1))
  fi
}

# run_ctest [--rerun] preset, then ctest's selection arguments. With --rerun (integration tests),
# the tests that failed run once more, alone: one that passes then is still listed, as FLAKY, in
# the summary; a second failure counts. Integration tests run real processes on a loaded 2-core
# machine; a timing flake must be seen and fixed, but it should not hide the run's verdict.
run_ctest() {
  local rerun=false log t0=$SECONDS name first
  [ "$1" = --rerun ] && { rerun=true; shift; }
  local preset=$1
  shift
  log=$(mktemp)
  ctest --preset "$preset" "$@" 2>&1 | tee "$log" || true
  count_ctest "$log"
  first=$(failed_in "$log")
  if [ -n "$first" ] && $rerun; then
    echo "=== $preset: once more, alone: $(tr '\n' ' ' <<< "$first")"
    ctest --preset "$preset" --rerun-failed 2>&1 | tee "$log" || true
    for name in $first; do
      if grep -qE "^\s+[0-9]+ - $name " "$log" || ! grep -q "tests passed, " "$log"; then
        failed_tests+=("$preset: $name (failed twice)")
      else
        flaky_tests+=("$preset: $name (failed, then passed alone)")
        total_fail=$((total_fail - 1)); total_pass=$((total_pass + 1))
      fi
    done
  else
    for name in $first; do failed_tests+=("$preset: $name"); done
  fi
  rm -f "$log"
  echo "=== $preset: ctest $* took $((SECONDS - t0)) s"
}

for preset in $presets; do
  build_preset "$preset" || continue
  echo "=== $preset: tests"
  # Under TSan the crawler runs its multi-threaded path (it is single-threaded by default).
  if [ "$preset" = tsan ]; then export CRAWL_EXTRA_ARGS=--threads=2; else unset CRAWL_EXTRA_ARGS; fi
  run_ctest "$preset" -j2 -LE integration
  # Integration tests bind ports and run peers: two at a time by default (see
  # BSVPEER_INTEGRATION_JOBS above; the CPU-heavy ones run alone). Tests labelled single-pass check an
  # artefact, not concurrency: the first sanitizer pass runs them. The package test runs after
  # the consumer-lib preset is built, and installs that build.
  if [ "$preset" = "$first_preset" ]; then
    run_ctest --rerun "$preset" -j"$integration_jobs" -L integration -E '^integration/package_consumer$'
  else
    run_ctest --rerun "$preset" -j"$integration_jobs" -L integration -LE single-pass
  fi
done

for preset in $unit_presets; do
  build_preset "$preset" || continue
  echo "=== $preset: unit tests"
  run_ctest "$preset" -j2 -L unit
done

for preset in $build_presets; do
  if [ "$preset" = coverage ]; then build_coverage; continue; fi
  if build_preset "$preset" && [ "$preset" = consumer-lib ] && [ -n "$first_preset" ] && [ -d "build/$first_preset" ]; then
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
      total_fail=$((total_fail + 1))
      echo "fuzz $name: FAILED"; tail -40 "build/fuzz/$name.log"
      failed_tests+=("fuzz: $name")
    fi
    rm -rf "$corpus"
  done
fi

for name in "${flaky_tests[@]}"; do echo "FLAKY $name"; done
for name in "${failed_tests[@]}"; do echo "FAILED $name"; done
echo "${total_pass} passed, ${total_fail} failed, ${#flaky_tests[@]} flaky, in $SECONDS s"
[ "$total_fail" -eq 0 ]
