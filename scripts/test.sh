#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds and runs the unit
# and integration tests under ASan+UBSan and under TSan, then a short run of every fuzzer.
#   BSVPEER_PRESETS="asan tsan"   which sanitizer builds to run
#   BSVPEER_FUZZ_SECONDS=15       seconds per fuzz target (0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
ulimit -n "$(ulimit -Hn)" || true

# ccache hits across checkouts in different directories (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

presets=${BSVPEER_PRESETS:-asan tsan}
fuzz_seconds=${BSVPEER_FUZZ_SECONDS:-15}
total_pass=0
total_fail=0
summary=()

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
for preset in $presets; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  log=$(mktemp)
  echo "=== $preset: tests"
  # Integration tests bind real ports and run peers; they go one at a time.
  if ! ctest --preset "$preset" -j2 -LE integration 2>&1 | tee "$log"; then status=1; fi
  count_ctest "$log"
  if ! ctest --preset "$preset" -L integration 2>&1 | tee "$log"; then status=1; fi
  count_ctest "$log"
  summary+=("$preset done")
done

if [ "$fuzz_seconds" != "0" ]; then
  echo "=== fuzz: build and run each target for ${fuzz_seconds}s"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz --target fuzz_all
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

echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ] || status=1
exit $status
