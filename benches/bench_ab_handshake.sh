#!/usr/bin/env bash
# Two bsvpeer builds side by side (before/after a change): CPU per inbound handshake and latency
# at concurrency 1 and 64, rounds alternating between the two so both see the same machine load.
# Target CPU is utime+stime of the node process from /proc/<pid>/stat around each round.
#
# usage: benches/bench_ab_handshake.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR
#   (release builds with bsvpeer_program; bsvpeer-load is taken from AFTER_BUILD_DIR)
# Knobs: ROUNDS=3 HS_C1=4000 HS_C64=6000 CONCURRENCY="1 64"
# Output: one JSON line per round and side on stdout; progress and the work directory on stderr.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
if [[ $# -ne 2 ]]; then
  echo "usage: $0 BEFORE_BUILD_DIR AFTER_BUILD_DIR" >&2
  exit 2
fi
bench_binaries "$1"
declare -A BIN=([before]=$NODE_BIN)
bench_binaries "$2"
BIN[after]=$NODE_BIN
ROUNDS=${ROUNDS:-3}
HS_C1=${HS_C1:-4000}
HS_C64=${HS_C64:-6000}
CONCURRENCY=${CONCURRENCY:-1 64}
ulimit -n 20000

bench_start bench_ab_handshake BEFORE_PID AFTER_PID
declare -A PORT PID
for side in before after; do
  PORT[$side]=$(free_port)
  mkdir -p "$WORK/$side"
  "${BIN[$side]}" -datadir="$WORK/$side" -regtest -listen -bind=127.0.0.1 -port="${PORT[$side]}" \
    -nodnsseed -rpcport="$(free_port)" >"$WORK/$side.log" 2>&1 &
  PID[$side]=$!
  # bench_start's exit trap stops the processes these name.
  printf -v "${side^^}_PID" '%s' "${PID[$side]}"
  wait_listening "${PORT[$side]}" "${PID[$side]}" "$side"
done
TICK_US=$((1000000 / $(getconf CLK_TCK)))

for c in $CONCURRENCY; do
  n=$HS_C64
  ((c == 1)) && n=$HS_C1
  for ((round = 1; round <= ROUNDS; round++)); do
    for side in before after; do
      a=$(cpu_ticks "${PID[$side]}")
      "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "${PORT[$side]}" --json \
        --connections "$n" --concurrency "$c" >"$WORK/c${c}_${side}_$round.json" 2>/dev/null ||
        { echo "$BENCH_NAME: load run failed ($side, c$c, round $round)" >&2; exit 1; }
      b=$(cpu_ticks "${PID[$side]}")
      python3 - "$WORK/c${c}_${side}_$round.json" "$side" "$c" "$round" \
        "$(((b - a) * TICK_US / n))" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(json.dumps({"side": sys.argv[2], "concurrency": int(sys.argv[3]), "round": int(sys.argv[4]),
                  "cpu_per_handshake_us": int(sys.argv[5]),
                  "latency_p50_ms": round(report["latency_us"]["p50"] / 1000, 2),
                  "latency_p99_ms": round(report["latency_us"]["p99"] / 1000, 2),
                  "ok": report["ok"]}))
PY
    done
  done
done
