#!/usr/bin/env bash
# Peers held in one process (issue 4): the bsvpeer program (its Manager: slots, listener,
# actors) holds CONNECTIONS established, handshaked inbound connections made by a second
# process (bsvpeer-load --hold, which answers the node's pings), with -pinginterval=PING_S so
# pings run the whole time. Measured: RSS per connection (held minus idle, over the count),
# CPU of the node while the connections sit idle apart from pings (% of one core over
# IDLE_SECONDS), slots taken (the node's own status line) and established sockets (ss).
# Beside it, in the same run, the trivial baseline responder (bsvpeer-load --serve: same codec,
# no actor, no Manager, sends no pings) holding the same number of connections.
#
# usage: benches/bench_peers_held.sh BUILD_DIR   (a release build with bsvpeer_program and
#   bsvpeer_load:  cmake --preset release && cmake --build --preset release
#   --target bsvpeer_program bsvpeer_load)
# Knobs: CONNECTIONS=10000 CONCURRENCY=200 IDLE_SECONDS=30 PING_S=5 TIMEOUT_MS=20000
#   NODE_ARGS="" (extra bsvpeer options, e.g. -iothreads=1)
# Output: one JSON object on stdout; progress and the work directory on stderr. Exit 1 when a
# side did not hold every connection or the node died.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_binaries "${1:-}"
CONNECTIONS=${CONNECTIONS:-10000}
CONCURRENCY=${CONCURRENCY:-200}
IDLE_SECONDS=${IDLE_SECONDS:-30}
PING_S=${PING_S:-5}
TIMEOUT_MS=${TIMEOUT_MS:-20000}
NODE_ARGS=${NODE_ARGS:-}
# Each process holds CONNECTIONS sockets plus a few: within the machine's 20,000 per process.
ulimit -n 20000

bench_start bench_peers_held LOAD_PID SERVER_PID
TICKS=$(getconf CLK_TCK)

# hold SIDE PORT PID: the load process connects CONNECTIONS times and holds them; once all are
# held, RSS, slots, sockets and CPU over IDLE_SECONDS are taken. Writes $WORK/SIDE.result.
hold() {
  local side=$1 port=$2 pid=$3
  local rss_idle
  rss_idle=$(rss_kib "$pid")
  echo "$BENCH_NAME: $side: $CONNECTIONS connections" >&2
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$port" --timeout-ms "$TIMEOUT_MS" \
    --json --connections "$CONNECTIONS" --concurrency "$CONCURRENCY" --hold \
    --hold-seconds $((IDLE_SECONDS + 15)) >"$WORK/$side.load.json" 2>"$WORK/$side.load.err" &
  LOAD_PID=$!
  local held=""
  for _ in $(seq 3000); do # bounded: 300 s to make the connections
    if grep -q '"event":"holding"' "$WORK/$side.load.err" 2>/dev/null; then
      held=yes
      break
    fi
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  local established=-1 rss_held=0 cpu=0 slots=-1 fds=0
  if [[ -n "$held" ]]; then
    sleep 2 # let the last handshakes' work finish before the idle window
    established=$(ss -Htn state established "( sport = :$port )" | wc -l)
    rss_held=$(rss_kib "$pid")
    fds=$(fd_count "$pid")
    local t0 c0 t1 c1
    t0=$(date +%s.%N)
    c0=$(cpu_ticks "$pid")
    sleep "$IDLE_SECONDS"
    c1=$(cpu_ticks "$pid")
    t1=$(date +%s.%N)
    cpu=$(python3 -c "print(round(100.0 * ($c1 - $c0) / $TICKS / ($t1 - $t0), 2))")
    if [[ $side == bsvpeer ]]; then
      kill -USR1 "$pid"
      sleep 0.5
      slots=$(grep -E ' status: slots [0-9]+' "$WORK/node.log" | tail -1 |
        sed -E 's/.* status: slots ([0-9]+),.*/\1/')
    fi
  fi
  stop_process "$LOAD_PID"
  LOAD_PID=""
  printf '{"established":%s,"slots":%s,"rss_idle_kib":%s,"rss_held_kib":%s,"fds":%s,"cpu_pct_of_core":%s}\n' \
    "$established" "${slots:--1}" "$rss_idle" "$rss_held" "$fds" "$cpu" >"$WORK/$side.result"
}

# --- bsvpeer: its Manager holds the connections.
NODE_PORT=$(free_port)
mkdir -p "$WORK/datadir"
# shellcheck disable=SC2086  # NODE_ARGS is a list of options
"$NODE_BIN" -datadir="$WORK/datadir" -regtest -bind=127.0.0.1 -port="$NODE_PORT" \
  -maxconnections=$((CONNECTIONS + 50)) -pinginterval="$PING_S" $NODE_ARGS >"$WORK/node.log" 2>&1 &
SERVER_PID=$!
wait_listening "$NODE_PORT" "$SERVER_PID" bsvpeer
sleep 1
hold bsvpeer "$NODE_PORT" "$SERVER_PID"
kill -0 "$SERVER_PID" 2>/dev/null || {
  tail -20 "$WORK/node.log" >&2
  echo "$BENCH_NAME: bsvpeer died" >&2
  exit 1
}
stop_process "$SERVER_PID"
NODE_EXIT=$STOP_STATUS
SERVER_PID=""

# --- baseline responder.
BASE_PORT=$(free_port)
THREADS=$(nproc)
((THREADS < 2)) && THREADS=2
"$LOAD_BIN" --serve --network regtest --host 127.0.0.1 --port "$BASE_PORT" --threads "$THREADS" \
  --duration 0 --json >"$WORK/baseline_serve.json" 2>"$WORK/baseline_serve.err" &
SERVER_PID=$!
wait_listening "$BASE_PORT" "$SERVER_PID" baseline
sleep 1
hold baseline "$BASE_PORT" "$SERVER_PID"
stop_process "$SERVER_PID"
SERVER_PID=""

export CONNECTIONS IDLE_SECONDS PING_S NODE_EXIT WORK NODE_ARGS
python3 - <<'EOF'
import json, os
env = os.environ
n = int(env["CONNECTIONS"])
out = {"bench": "peers_held", "connections": n, "idle_seconds": int(env["IDLE_SECONDS"]),
       "ping_interval_s": int(env["PING_S"]), "loadavg": open("/proc/loadavg").read().split()[:3],
       "cpus": os.cpu_count(), "node_args": env["NODE_ARGS"],
       "node_exit": int(env["NODE_EXIT"] or -1)}
ok = True
for side in ("bsvpeer", "baseline"):
    r = json.load(open(os.path.join(env["WORK"], side + ".result")))
    r["rss_per_connection_kib"] = round((r["rss_held_kib"] - r["rss_idle_kib"]) / n, 2)
    out[side] = r
    ok = ok and r["established"] == n
out["bsvpeer"]["slots_ok"] = out["bsvpeer"]["slots"] == n
ok = ok and out["bsvpeer"]["slots_ok"] and out["node_exit"] == 0
out["rss_per_connection_ratio"] = round(out["bsvpeer"]["rss_per_connection_kib"] /
                                        max(out["baseline"]["rss_per_connection_kib"], 0.01), 2)
out["ok"] = ok
print(json.dumps(out))
raise SystemExit(0 if ok else 1)
EOF
