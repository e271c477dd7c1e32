#!/usr/bin/env bash
# Line coverage of src/ from the unit and integration tests (gcov + gcovr).
# The coverage preset compiles with -pthread, with which GCC's driver updates the counters
# atomically (-fprofile-update=prefer-atomic), so threads do not lose counts. Spelling
# -fprofile-update=atomic instead would do the same, but ccache 4.7 refuses to cache any
# -fprofile-update, and every CI run would then compile the whole preset again (11 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-tests
cmake --preset coverage >/dev/null
cmake --build --preset coverage
find build/coverage -name '*.gcda' -delete
ctest --preset coverage -j2 || true
gcovr -r . build/coverage --filter 'src/' --exclude 'src/bsvpeer/' --exclude 'src/bsvcrawl/' \
  --gcov-ignore-parse-errors --print-summary -o build/coverage/coverage.txt
tail -n 5 build/coverage/coverage.txt
