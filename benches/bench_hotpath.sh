#!/usr/bin/env bash
# The connection hot path (issue 9), every figure beside the baseline responder in one run:
# process CPU per inbound handshake at concurrency 1 and 64 (utime+stime of the TARGET process
# from /proc/<pid>/stat, before and after), handshake latency p50/p99 at concurrency 64, pongs/s
# on one connection at depth 1 (with RTT p50) and depth 100, ingest of 32 x 2 MiB unknown-command
# frames (then a ping: its pong proves everything before it was consumed), RSS per held
# handshaked connection at 1,000 held, and time + CPU to establish HELD_N held connections (the
# held figures each in freshly started processes, so an earlier test's peak does not hide them).
# The baseline is bsvpeer-load --serve (version/verack/ping/pong with checksums, same codec, no
# connection actor, no Manager), with as many threads as bsvpeer runs.
#
# usage: benches/bench_hotpath.sh BUILD_DIR   (a release build:
#   cmake --preset release && cmake --build --preset release --target bsvpeer_program bsvpeer_load)
# Knobs: ROUNDS=3 HS_C1=4000 HS_C64=6000 PINGS=50000 HELD_RSS=1000 HELD_N=3000 (10000 with
#   FULL=1) TIMEOUT_MS=20000 NODE_ARGS="" (extra bsvpeer options)
# Output: one JSON line per figure on stdout: {"figure", "bsvpeer", "baseline", "ratio" (bsvpeer /
# baseline), "goal"}; each side's value is the median over ROUNDS rounds (bsvpeer then baseline,
# alternating, so both see the same machine load). Progress and the work directory on stderr.
# Exit 1 when a run failed or the node died.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_binaries "${1:-}"
ROUNDS=${ROUNDS:-3}
HS_C1=${HS_C1:-4000}
HS_C64=${HS_C64:-6000}
PINGS=${PINGS:-50000}
HELD_RSS=${HELD_RSS:-1000}
if [[ "${FULL:-0}" == 1 ]]; then HELD_N=${HELD_N:-10000}; else HELD_N=${HELD_N:-3000}; fi
TIMEOUT_MS=${TIMEOUT_MS:-20000}
NODE_ARGS=${NODE_ARGS:-}
THREADS=$(nproc)
((THREADS < 2)) && THREADS=2
ulimit -n 20000

bench_start bench_hotpath LOAD_PID NODE_PID BASE_PID

# start_servers TAG: a fresh bsvpeer and a fresh baseline (memory figures need processes whose
# allocator has not kept the peak of an earlier test).
NODE_ALIVE=true
start_servers() {
  NODE_PORT=$(free_port)
  BASE_PORT=$(free_port)
  while [[ "$BASE_PORT" == "$NODE_PORT" ]]; do BASE_PORT=$(free_port); done
  mkdir -p "$WORK/datadir_$1"
  # shellcheck disable=SC2086  # NODE_ARGS is a list of options
  "$NODE_BIN" -datadir="$WORK/datadir_$1" -regtest -listen -bind=127.0.0.1 -port="$NODE_PORT" \
    -nodnsseed -rpcport="$(free_port)" -maxconnections=$((HELD_N + 100)) $NODE_ARGS \
    >"$WORK/node_$1.log" 2>&1 &
  NODE_PID=$!
  "$LOAD_BIN" --serve --network regtest --host 127.0.0.1 --port "$BASE_PORT" \
    --threads "$THREADS" --json >"$WORK/baseline_serve_$1.json" 2>"$WORK/baseline_serve_$1.err" &
  BASE_PID=$!
  wait_listening "$NODE_PORT" "$NODE_PID" bsvpeer
  wait_listening "$BASE_PORT" "$BASE_PID" baseline
  sleep 0.5
  echo "$BENCH_NAME: $1: bsvpeer pid $NODE_PID on $NODE_PORT, baseline pid $BASE_PID on $BASE_PORT" >&2
}
stop_servers() {
  kill -0 "$NODE_PID" 2>/dev/null || NODE_ALIVE=false
  stop_process "$NODE_PID"
  [[ "$STOP_STATUS" == 0 ]] || NODE_ALIVE=false
  NODE_PID=""
  stop_process "$BASE_PID"
  BASE_PID=""
}

# Waits (bounded, 30 s) until no connection to port $1 remains, so a test starts clean.
wait_drained() {
  for _ in $(seq 300); do
    [[ $(ss -Htn "( sport = :$1 )" | wc -l) -eq 0 ]] && return 0
    sleep 0.1
  done
  echo "$BENCH_NAME: connections to port $1 still open after 30 s" >&2
}

# run NAME PORT PID ARGS...: one load run; its report goes to NAME.json, the target's CPU ticks
# over the run to NAME.cpu.
run() {
  local name=$1 port=$2 pid=$3
  shift 3
  echo "$BENCH_NAME: $name" >&2
  wait_drained "$port"
  local t0 t1
  t0=$(cpu_ticks "$pid")
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$port" --timeout-ms "$TIMEOUT_MS" \
    --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || true
  t1=$(cpu_ticks "$pid")
  echo $((t1 - t0)) >"$WORK/$name.cpu"
}

# held NAME PORT PID COUNT: COUNT connections at concurrency 64, held; the target's CPU ticks
# and RSS from before the first connect to when all are held.
held() {
  local name=$1 port=$2 pid=$3 count=$4
  echo "$BENCH_NAME: $name" >&2
  wait_drained "$port"
  sleep 0.5
  local rss0 t0 rss1=0 t1=0
  rss0=$(rss_kib "$pid")
  t0=$(cpu_ticks "$pid")
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$port" --timeout-ms "$TIMEOUT_MS" \
    --json --connections "$count" --concurrency 64 --hold --hold-seconds 2 \
    >"$WORK/$name.json" 2>"$WORK/$name.err" &
  LOAD_PID=$!
  for _ in $(seq 1800); do # bounded: 180 s for the connections to be made
    if grep -q '"event":"holding"' "$WORK/$name.err" 2>/dev/null; then
      t1=$(cpu_ticks "$pid")
      sleep 1 # let the last handshakes' follow-up messages settle
      rss1=$(rss_kib "$pid")
      break
    fi
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.05
  done
  wait "$LOAD_PID" || true
  LOAD_PID=""
  printf '{"rss0_kib":%s,"rss1_kib":%s,"cpu_ticks":%s}\n' "$rss0" "$rss1" "$((t1 - t0))" \
    >"$WORK/$name.server.json"
}

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_servers main
for round in $(seq "$ROUNDS"); do
  for side in node base; do
    if [[ $side == node ]]; then port=$NODE_PORT pid=$NODE_PID; else port=$BASE_PORT pid=$BASE_PID; fi
    run "hs1_${side}_$round" "$port" "$pid" --connections "$HS_C1" --concurrency 1
    run "hs64_${side}_$round" "$port" "$pid" --connections "$HS_C64" --concurrency 64
    run "ping1_${side}_$round" "$port" "$pid" --mode ping --pings "$PINGS" --pipeline 1
    run "ping100_${side}_$round" "$port" "$pid" --mode ping --pings $((PINGS * 4)) --pipeline 100
    run "ingest_${side}_$round" "$port" "$pid" --mode ingest --messages 32 --message-bytes 2097152
  done
done
stop_servers
# Held connections, each test in fresh processes.
for round in $(seq "$ROUNDS"); do
  for test in heldrss heldn; do
    start_servers "${test}_$round"
    count=$HELD_RSS
    [[ $test == heldn ]] && count=$HELD_N
    held "${test}_node_$round" "$NODE_PORT" "$NODE_PID" "$count"
    held "${test}_base_$round" "$BASE_PORT" "$BASE_PID" "$count"
    stop_servers
  done
done
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
NODE_EXIT=0
[[ $NODE_ALIVE == true ]] || NODE_EXIT=1

SOURCE_DIR=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
COMMIT=unknown
DIRTY=null
if [[ -n "$SOURCE_DIR" ]] && git -C "$SOURCE_DIR" rev-parse HEAD >/dev/null 2>&1; then
  COMMIT=$(git -C "$SOURCE_DIR" rev-parse --short HEAD)
  [[ -n "$(git -C "$SOURCE_DIR" status --porcelain 2>/dev/null)" ]] && DIRTY=true || DIRTY=false
fi
TICKS=$(getconf CLK_TCK)
export WORK ROUNDS HS_C1 HS_C64 PINGS HELD_RSS HELD_N THREADS TICKS LOADAVG_START LOADAVG_END \
  NODE_ALIVE NODE_EXIT COMMIT DIRTY NODE_ARGS
python3 - <<'EOF'
import json, os, statistics, sys

env = os.environ
work, rounds, ticks = env["WORK"], int(env["ROUNDS"]), int(env["TICKS"])
all_ok = True

def load(name):
    try:
        with open(os.path.join(work, name)) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None

def cpu_s(name):
    try:
        return int(open(os.path.join(work, name)).read()) / ticks
    except (OSError, ValueError):
        return None

def emit(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)

# value(side, round) -> number or None; the median over rounds, every round listed.
def figure(name, unit, value, goal, check, digits=1):
    global all_ok
    out = {"figure": name, "unit": unit}
    medians = {}
    for side, key in (("node", "bsvpeer"), ("base", "baseline")):
        values = []
        for r in range(1, rounds + 1):
            try:
                values.append(value(side, r))
            except (TypeError, KeyError, ZeroDivisionError):
                values.append(None)
        good = [v for v in values if v is not None]
        medians[key] = round(statistics.median(good), digits) if good else None
        out[key] = medians[key]
        out[key + "_rounds"] = [None if v is None else round(v, digits) for v in values]
        if len(good) < len(values):
            all_ok = False
    b, n = medians["baseline"], medians["bsvpeer"]
    out["ratio"] = round(n / b, 3) if n is not None and b else None
    out["goal"] = goal
    out["goal_met"] = check(out["ratio"]) if out["ratio"] is not None else None
    emit(out)

def ok_report(name):
    global all_ok
    r = load(name)
    if r is None or not r.get("ok"):
        all_ok = False
        sys.stderr.write(f"bench_hotpath: {name} failed: {r and r.get('error_samples')}\n")
        return None
    return r

def per_handshake_us(prefix, count):
    def f(side, r):
        if ok_report(f"{prefix}_{side}_{r}.json") is None:
            return None
        return cpu_s(f"{prefix}_{side}_{r}.cpu") * 1e6 / count
    return f

emit({"bench": "hotpath", "commit": env["COMMIT"], "dirty": json.loads(env["DIRTY"]),
      "nproc": os.cpu_count(), "server_threads": int(env["THREADS"]), "rounds": rounds,
      "loadavg_start": env["LOADAVG_START"], "loadavg_end": env["LOADAVG_END"],
      "node_args": env["NODE_ARGS"], "cpu_tick_s": 1 / ticks})
figure("cpu_per_handshake_c1", "us", per_handshake_us("hs1", int(env["HS_C1"])),
       "<= 1.5x", lambda x: x <= 1.5)
figure("cpu_per_handshake_c64", "us", per_handshake_us("hs64", int(env["HS_C64"])),
       "<= 1.5x", lambda x: x <= 1.5)
for p in ("p50", "p99"):
    figure(f"handshake_latency_{p}_c64", "ms",
           lambda s, r, p=p: ok_report(f"hs64_{s}_{r}.json")["latency_us"][p] / 1000,
           "<= 1.3x", lambda x: x <= 1.3, digits=2)
figure("pongs_per_s_depth1", "1/s",
       lambda s, r: ok_report(f"ping1_{s}_{r}.json")["round_trips_per_s"], ">= 0.9x",
       lambda x: x >= 0.9, digits=0)
figure("pong_rtt_p50_depth1", "us",
       lambda s, r: ok_report(f"ping1_{s}_{r}.json")["rtt_us"]["p50"], "(context)",
       lambda x: None)
figure("pongs_per_s_depth100", "1/s",
       lambda s, r: ok_report(f"ping100_{s}_{r}.json")["round_trips_per_s"], ">= 0.6x",
       lambda x: x >= 0.6, digits=0)
pings100 = int(env["PINGS"]) * 4 + 1000
figure("cpu_per_pong_depth100", "us",
       lambda s, r: ok_report(f"ping100_{s}_{r}.json") and
       cpu_s(f"ping100_{s}_{r}.cpu") * 1e6 / pings100, "(context)", lambda x: None, digits=2)
figure("ingest_32x2MiB", "MiB/s",
       lambda s, r: ok_report(f"ingest_{s}_{r}.json")["mib_per_s"], ">= 0.95x",
       lambda x: x >= 0.95)

def held_value(prefix, count, what):
    def f(side, r):
        rep = ok_report(f"{prefix}_{side}_{r}.json")
        srv = load(f"{prefix}_{side}_{r}.server.json")
        if rep is None or srv is None or srv["rss1_kib"] == 0:
            return None
        if what == "rss":
            return (srv["rss1_kib"] - srv["rss0_kib"]) / count
        if what == "time":
            return rep["elapsed_s"]
        if what == "cpu":
            return srv["cpu_ticks"] / ticks
        if what == "cpu_per":
            return srv["cpu_ticks"] / ticks * 1e6 / count
        if what == "p50":
            return rep["latency_us"]["p50"] / 1000
        if what == "p99":
            return rep["latency_us"]["p99"] / 1000
    return f

n_rss, n = int(env["HELD_RSS"]), int(env["HELD_N"])
figure(f"rss_per_held_connection_{n_rss}", "KiB", held_value("heldrss", n_rss, "rss"),
       "<= 10 KiB (bsvpeer)", lambda x: None)
figure(f"rss_per_held_connection_{n}", "KiB", held_value("heldn", n, "rss"),
       "<= 10 KiB (bsvpeer)", lambda x: None)
figure(f"establish_{n}_held_s", "s", held_value("heldn", n, "time"), "<= 2x",
       lambda x: x <= 2, digits=2)
figure(f"establish_{n}_held_cpu_s", "s", held_value("heldn", n, "cpu"), "<= 2x",
       lambda x: x <= 2, digits=2)
figure(f"establish_{n}_held_cpu_per_handshake", "us", held_value("heldn", n, "cpu_per"),
       "flat with the count (compare with cpu_per_handshake_c64)", lambda x: None)
figure(f"establish_{n}_held_latency_p50", "ms", held_value("heldn", n, "p50"), "(context)",
       lambda x: None, digits=2)
figure(f"establish_{n}_held_latency_p99", "ms", held_value("heldn", n, "p99"), "(context)",
       lambda x: None, digits=2)
node_ok = env["NODE_ALIVE"] == "true" and env["NODE_EXIT"] == "0"
all_ok &= node_ok
emit({"figure": "node_health", "alive_after_tests": env["NODE_ALIVE"] == "true",
      "clean_exits": env["NODE_EXIT"] == "0", "ok": all_ok})
sys.exit(0 if all_ok else 1)
EOF
