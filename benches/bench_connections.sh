#!/usr/bin/env bash
# Connection benchmarks: handshake latency (sequential), inbound handshake rate with 2,000
# connections held open at once, and pipelined ping->pong round trips on one connection.
# Every figure for the bsvpeer program is measured beside the same figure for a trivial
# baseline responder (bsvpeer-load --serve: version -> version+verack, ping -> pong, same codec,
# no connection actor) in the same run, and printed with the ratio bsvpeer / baseline.
#
# usage: benches/bench_connections.sh BUILD_DIR
#   BUILD_DIR holds src/bsvpeer/bsvpeer and tools/bsvpeer-load from a release build; this
#   script builds nothing:
#     cmake --preset release -B build/h-load
#     cmake --build build/h-load --target bsvpeer_program bsvpeer_load
#
# Output: one JSON object per line on stdout (context, one per test, node health); progress,
# and the directory with every raw report and log, on stderr. Exit status 1 when any test
# failed (errors, missing connections, node crash), 2 on usage errors.
#
# Each test runs ROUNDS times, bsvpeer then baseline, alternating, so both see about the same
# machine load; each side's figure is the median over the rounds (every round's value is listed
# beside it) and the ratio is of the medians.
#
# Knobs (environment): ROUNDS=5 SEQ_HANDSHAKES=1000 HELD_CONNECTIONS=2000 CONCURRENCY=200
# PINGS=100000 HOLD_SECONDS=3 TIMEOUT_MS=10000 NODE_ARGS="" (extra bsvpeer options, e.g.
# -debug=warn)
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_binaries "${1:-}"

ROUNDS=${ROUNDS:-5}
SEQ_HANDSHAKES=${SEQ_HANDSHAKES:-1000}
HELD_CONNECTIONS=${HELD_CONNECTIONS:-2000}
CONCURRENCY=${CONCURRENCY:-200}
PINGS=${PINGS:-100000}
HOLD_SECONDS=${HOLD_SECONDS:-3}
TIMEOUT_MS=${TIMEOUT_MS:-10000}
NODE_ARGS=${NODE_ARGS:-}
# Same thread count for both servers: bsvpeer runs max(2, hardware threads).
THREADS=$(nproc)
((THREADS < 2)) && THREADS=2

bench_start bench_connections LOAD_PID NODE_PID BASE_PID

NODE_PORT=$(free_port)
BASE_PORT=$(free_port)
while [[ "$BASE_PORT" == "$NODE_PORT" ]]; do BASE_PORT=$(free_port); done

# shellcheck disable=SC2086  # NODE_ARGS is a list of options
mkdir -p "$WORK/datadir"
"$NODE_BIN" -datadir="$WORK/datadir" -regtest -listen -bind=127.0.0.1 -port="$NODE_PORT" $NODE_ARGS >"$WORK/node.log" 2>&1 &
NODE_PID=$!
"$LOAD_BIN" --serve --network regtest --host 127.0.0.1 --port "$BASE_PORT" --threads "$THREADS" \
  --json >"$WORK/baseline_serve.json" 2>"$WORK/baseline_serve.err" &
BASE_PID=$!
wait_listening "$NODE_PORT" "$NODE_PID" bsvpeer
wait_listening "$BASE_PORT" "$BASE_PID" baseline
echo "bench_connections: bsvpeer pid $NODE_PID on $NODE_PORT, baseline pid $BASE_PID on $BASE_PORT" >&2

# run_load NAME PORT ARGS...: one load-generator run; its JSON report goes to $WORK/NAME.json.
# A non-zero exit is not fatal here: the report says what failed and the summary marks it.
run_load() {
  local name=$1 port=$2
  shift 2
  echo "bench_connections: $name" >&2
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$port" --timeout-ms "$TIMEOUT_MS" \
    --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || true
}

# run_held NAME PORT PID: 2,000 connections at concurrency 200, held open; while they are held,
# count the established sockets on the server's port and the server's RSS and open fds.
run_held() {
  local name=$1 port=$2 pid=$3
  echo "bench_connections: $name" >&2
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$port" --timeout-ms "$TIMEOUT_MS" \
    --json --connections "$HELD_CONNECTIONS" --concurrency "$CONCURRENCY" --hold \
    --hold-seconds "$HOLD_SECONDS" >"$WORK/$name.json" 2>"$WORK/$name.err" &
  LOAD_PID=$!
  local established=-1 rss=0 fds=0
  for _ in $(seq 1200); do # bounded: 120 s for the connections to be made
    if grep -q '"event":"holding"' "$WORK/$name.err" 2>/dev/null; then
      established=$(ss -Htn state established "( sport = :$port )" | wc -l)
      rss=$(rss_kib "$pid")
      fds=$(fd_count "$pid")
      break
    fi
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  wait "$LOAD_PID" || true
  LOAD_PID=""
  printf '{"established":%s,"rss_kib":%s,"fds":%s}\n' "$established" "$rss" "$fds" \
    >"$WORK/$name.server.json"
}

CONTEXT_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
NODE_RSS_IDLE=$(rss_kib "$NODE_PID")
BASE_RSS_IDLE=$(rss_kib "$BASE_PID")

# Waits (bounded, 30 s) until no connection to port $1 remains, so a round starts clean.
wait_drained() {
  local port=$1
  for _ in $(seq 300); do
    [[ $(ss -Htn "( sport = :$port )" | wc -l) -eq 0 ]] && return 0
    sleep 0.1
  done
  echo "bench_connections: connections to port $port still open after 30 s" >&2
}

for round in $(seq "$ROUNDS"); do
  run_load "seq_node_$round" "$NODE_PORT" --connections "$SEQ_HANDSHAKES" --concurrency 1
  run_load "seq_base_$round" "$BASE_PORT" --connections "$SEQ_HANDSHAKES" --concurrency 1
  run_held "held_node_$round" "$NODE_PORT" "$NODE_PID"
  wait_drained "$NODE_PORT"
  run_held "held_base_$round" "$BASE_PORT" "$BASE_PID"
  wait_drained "$BASE_PORT"
  for depth in 1 64; do
    run_load "ping${depth}_node_$round" "$NODE_PORT" --mode ping --pings "$PINGS" --pipeline "$depth"
    run_load "ping${depth}_base_$round" "$BASE_PORT" --mode ping --pings "$PINGS" --pipeline "$depth"
  done
done

CONTEXT_LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
NODE_ALIVE=false
kill -0 "$NODE_PID" 2>/dev/null && NODE_ALIVE=true
stop_process "$NODE_PID"
NODE_EXIT=$STOP_STATUS
NODE_PID=""
stop_process "$BASE_PID"
BASE_EXIT=$STOP_STATUS
BASE_PID=""

SOURCE_DIR=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
COMMIT=unknown
DIRTY=null
if [[ -n "$SOURCE_DIR" ]] && git -C "$SOURCE_DIR" rev-parse HEAD >/dev/null 2>&1; then
  COMMIT=$(git -C "$SOURCE_DIR" rev-parse --short HEAD)
  [[ -n "$(git -C "$SOURCE_DIR" status --porcelain 2>/dev/null)" ]] && DIRTY=true || DIRTY=false
elif [[ -n "$SOURCE_DIR" && -f "$SOURCE_DIR/COMMIT" ]]; then
  COMMIT=$(head -c 12 "$SOURCE_DIR/COMMIT") # a `git archive` snapshot records its commit here
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)

export WORK COMMIT DIRTY BUILD_TYPE THREADS ROUNDS SEQ_HANDSHAKES HELD_CONNECTIONS CONCURRENCY PINGS \
  HOLD_SECONDS TIMEOUT_MS NODE_ARGS CONTEXT_LOADAVG_START CONTEXT_LOADAVG_END NODE_ALIVE \
  NODE_EXIT BASE_EXIT NODE_RSS_IDLE BASE_RSS_IDLE
python3 - <<'EOF'
import json, os, re, statistics, sys
from collections import Counter

work = os.environ["WORK"]
env = os.environ
rounds = int(env["ROUNDS"])
all_ok = True

def load(name):
    try:
        with open(os.path.join(work, name)) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None

def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None

def emit(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)

def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None

emit({"bench": "connections", "test": "context", "commit": env["COMMIT"],
      "dirty": json.loads(env["DIRTY"]), "build_type": env["BUILD_TYPE"], "nproc": os.cpu_count(),
      "server_threads": int(env["THREADS"]), "client_threads": 1, "rounds": rounds,
      "loadavg_start": env["CONTEXT_LOADAVG_START"], "loadavg_end": env["CONTEXT_LOADAVG_END"],
      "node_args": env["NODE_ARGS"], "close": "rst", "timeout_ms": int(env["TIMEOUT_MS"]),
      "rss_idle_kib": {"bsvpeer": int(env["NODE_RSS_IDLE"] or 0),
                       "baseline": int(env["BASE_RSS_IDLE"] or 0)}})

# One side (bsvpeer or baseline) of one test over all rounds: medians of `figures`, the
# per-round values of `listed`, totals of counters, and what went wrong if anything did.
def side(prefix, figures, listed, held=False):
    reports = [load(f"{prefix}_{r}.json") for r in range(1, rounds + 1)]
    servers = [load(f"{prefix}_{r}.server.json") for r in range(1, rounds + 1)] if held else []
    ok = all(r is not None and r["ok"] for r in reports)
    out = {}
    for key, get in figures.items():
        out[key] = median([get(r) if r else None for r in reports])
    for key in listed:
        out[key + "_rounds"] = [figures[key](r) if r else None for r in reports]
    out["completed"] = [r["completed"] if r else None for r in reports]
    out["errors"] = sum(r["error_total"] for r in reports if r)
    out["peer_pings_answered"] = [r["peer_pings_answered"] if r else None for r in reports]
    if held:
        wanted = int(env["HELD_CONNECTIONS"])
        out["held_at_end"] = [r.get("held_at_end") if r else None for r in reports]
        out["established_on_server_port"] = [s["established"] if s else None for s in servers]
        out["server_rss_kib"] = [s["rss_kib"] if s else None for s in servers]
        out["server_fds"] = [s["fds"] if s else None for s in servers]
        ok = ok and all(s is not None and s["established"] == wanted for s in servers)
    problems = {}
    for i, r in enumerate(reports, 1):
        if r is None:
            problems[f"round{i}"] = "no report (load generator crashed?); see " + work
        elif r.get("error_samples"):
            problems[f"round{i}"] = r["error_samples"]
    if problems:
        out["problems"] = problems
    return out, ok

def test(name, prefix, figures, listed, ratios, extra, held=False):
    global all_ok
    node, node_ok = side(prefix + "_node", figures, listed, held)
    base, base_ok = side(prefix + "_base", figures, listed, held)
    ok = node_ok and base_ok
    all_ok &= ok
    emit({"bench": "connections", "test": name, **extra, "bsvpeer": node, "baseline": base,
          "ratio": {k: ratio(node[k], base[k]) for k in ratios}, "ok": ok})

latency = {"p50_us": lambda r: r["latency_us"]["p50"], "p90_us": lambda r: r["latency_us"]["p90"],
           "p99_us": lambda r: r["latency_us"]["p99"], "max_us": lambda r: r["latency_us"]["max"],
           "mean_us": lambda r: r["latency_us"]["mean"],
           "handshakes_per_s": lambda r: r["handshakes_per_s"]}
test("handshake_latency", "seq", latency, ["p50_us", "p99_us", "handshakes_per_s"],
     ["p50_us", "p99_us", "handshakes_per_s"],
     {"connections": int(env["SEQ_HANDSHAKES"]), "concurrency": 1})
test("handshake_rate_held", "held", latency, ["handshakes_per_s", "p99_us"],
     ["handshakes_per_s", "p50_us", "p99_us"],
     {"connections": int(env["HELD_CONNECTIONS"]), "concurrency": int(env["CONCURRENCY"]),
      "hold_seconds": float(env["HOLD_SECONDS"])}, held=True)
pings = {"round_trips_per_s": lambda r: r["round_trips_per_s"],
         "mean_rtt_us": lambda r: r["rtt_us"]["mean"], "p50_rtt_us": lambda r: r["rtt_us"]["p50"],
         "p99_rtt_us": lambda r: r["rtt_us"]["p99"], "max_rtt_us": lambda r: r["rtt_us"]["max"]}
for depth in (1, 64):
    test("ping_pipelined", f"ping{depth}", pings, ["round_trips_per_s"],
         ["round_trips_per_s", "mean_rtt_us", "p99_rtt_us"],
         {"pipeline": depth, "pings": int(env["PINGS"])})

# What the node itself said: every inbound handshake logged (when it logs at info), how the
# connections ended, and any warning or error lines.
log = open(os.path.join(work, "node.log"), errors="replace").read().splitlines()
levels = Counter(l.split(" ")[1] for l in log if len(l.split(" ")) > 2)
reasons = Counter(m.group(1) for l in log
                  for m in [re.search(r"-> (?:failed|disconnected|closed) \(([a-z_]+)", l)] if m)
expected = rounds * (int(env["SEQ_HANDSHAKES"]) + int(env["HELD_CONNECTIONS"]) + 2)
logs_info = levels.get("info", 0) > 0
logged = sum(1 for l in log if "handshake done" in l) if logs_info else None
bad_lines = [l for l in log if re.search(r" (warn|warning|error|critical) ", l)]
node_ok = env["NODE_ALIVE"] == "true" and env["NODE_EXIT"] == "0" and \
    (logged is None or logged == expected)
all_ok &= node_ok
emit({"bench": "connections", "test": "node_health",
      "alive_after_tests": env["NODE_ALIVE"] == "true", "exit_status": int(env["NODE_EXIT"]),
      "handshakes_logged": logged, "handshakes_expected": expected, "log_levels": dict(levels),
      "end_reasons": dict(reasons), "warning_lines": len(bad_lines),
      "warning_samples": bad_lines[:5], "baseline_exit_status": int(env["BASE_EXIT"]),
      "baseline_serve": load("baseline_serve.json"), "ok": node_ok})
sys.exit(0 if all_ok else 1)
EOF
