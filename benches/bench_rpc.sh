#!/usr/bin/env bash
# The JSON-RPC of the bsvpeer program (issue 7), on loopback:
#   getpeerinfo: latency (keep-alive, one connection, COUNT calls) with 1,000 and 10,000
#     handshaked peers held by bsvpeer-load --hold (which answers the node's pings);
#   getconnectioncount: requests/s over CLIENTS keep-alive connections for RATE_SECONDS, and, as its
#     baseline in the same run, the same client against `uptime` answered before any method
#     work (the smallest reply the server makes: HTTP + auth + dispatch);
#   pong RTT: a second bsvpeer node (-addnode, pings every second) measures its ping round trip
#     to the node, idle and while CLIENTS connections flood the node's RPC with getpeerinfo
#     (1,000 peers held); the figure is the ratio flooded/idle of the medians (goal: within 2x).
#
# usage: benches/bench_rpc.sh BUILD_DIR   (a release build with bsvpeer_program and
#   bsvpeer_load:  cmake --preset release && cmake --build --preset release
#   --target bsvpeer_program bsvpeer_load)
# Knobs: COUNT=30 RATE_SECONDS=5 CLIENTS=4 PEERS="1000 10000" RTT_SAMPLES=10 CONCURRENCY=200
# Output: JSON lines on stdout (one per figure); progress on stderr. Exit 1 when a peer count was
# not reached or a node died.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_binaries "${1:-}"
COUNT=${COUNT:-30}
SECONDS_RATE=${RATE_SECONDS:-5}
CLIENTS=${CLIENTS:-4}
PEERS=${PEERS:-1000 10000}
RTT_SAMPLES=${RTT_SAMPLES:-10}
CONCURRENCY=${CONCURRENCY:-200}
ulimit -n 20000
CLIENT="python3 $(cd "$(dirname "$0")" && pwd)/rpc_client.py"

bench_start bench_rpc PEER_PID LOAD_PID NODE_PID

emit() { # emit JSON_FIELDS: one line with the run's context
  python3 -c "
import json, os, sys
d = {'bench': 'rpc'}
d.update(json.loads(sys.argv[1]))
d['loadavg'] = open('/proc/loadavg').read().split()[:3]
d['cpus'] = os.cpu_count()
print(json.dumps(d))
" "$1"
}

NODE_PORT=$(free_port)
NODE_RPC=$(free_port)
mkdir -p "$WORK/node" "$WORK/peer"
"$NODE_BIN" -datadir="$WORK/node" -regtest -bind=127.0.0.1 -port="$NODE_PORT" -nodnsseed \
  -rpcport="$NODE_RPC" -maxconnections=11000 -pinginterval=30 >"$WORK/node.log" 2>&1 &
NODE_PID=$!
wait_listening "$NODE_RPC" "$NODE_PID" "bsvpeer RPC"
AUTH=$(cat "$WORK/node/regtest/.cookie")

# hold N: bsvpeer-load holds N handshaked connections to the node (until stopped).
hold() {
  local n=$1
  if [[ -n "$LOAD_PID" ]]; then
    stop_process "$LOAD_PID"
    LOAD_PID=""
  fi
  # The node's count falls back to 0 first (the previous load's connections closing).
  for _ in $(seq 300); do
    [[ $($CLIENT call "$NODE_RPC" "$AUTH" getconnectioncount) -le 1 ]] && break
    sleep 0.1
  done
  echo "$BENCH_NAME: holding $n peers" >&2
  "$LOAD_BIN" --network regtest --host 127.0.0.1 --port "$NODE_PORT" --timeout-ms 20000 \
    --json --connections "$n" --concurrency "$CONCURRENCY" --hold --hold-seconds 3600 \
    >"$WORK/load.$n.json" 2>"$WORK/load.$n.err" &
  LOAD_PID=$!
  for _ in $(seq 3000); do
    grep -q '"event":"holding"' "$WORK/load.$n.err" 2>/dev/null && break
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '"event":"holding"' "$WORK/load.$n.err" || {
    tail -5 "$WORK/load.$n.err" >&2
    echo "$BENCH_NAME: the load did not hold $n connections" >&2
    exit 1
  }
  sleep 2
}

# --- requests/s with keep-alive (no peers yet): getconnectioncount and its baseline.
for method in uptime getconnectioncount; do
  r=$($CLIENT rate "$NODE_RPC" "$AUTH" "$method" "$SECONDS_RATE" "$CLIENTS")
  emit "{\"figure\": \"requests_per_s\", \"method\": \"$method\", \"result\": $r}"
done

# --- pong RTT from a second node: idle, then while the RPC is flooded.
PEER_RPC=$(free_port)
"$NODE_BIN" -datadir="$WORK/peer" -regtest -nolisten -nodnsseed -connect=127.0.0.1:"$NODE_PORT" \
  -rpcport="$PEER_RPC" -pinginterval=1 >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
wait_listening "$PEER_RPC" "$PEER_PID" "peer RPC"
PEER_AUTH=$(cat "$WORK/peer/regtest/.cookie")
# rtt_samples N: N readings of the peer's last ping time to the node, one per second (ms).
rtt_samples() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do
    sleep 1
    $CLIENT call "$PEER_RPC" "$PEER_AUTH" getpeerinfo |
      python3 -c "import json,sys; p=json.load(sys.stdin); print(p[0].get('pingtime', -1) * 1000 if p else -1)"
  done
}
for _ in $(seq 100); do
  [[ $($CLIENT call "$PEER_RPC" "$PEER_AUTH" getpeerinfo | python3 -c "import json,sys; p=json.load(sys.stdin); print(1 if p and 'pingtime' in p[0] else 0)") == 1 ]] && break
  sleep 0.2
done

FIRST=1
for n in $PEERS; do
  hold "$n"
  r=$($CLIENT latency "$NODE_RPC" "$AUTH" getpeerinfo "$COUNT")
  emit "{\"figure\": \"getpeerinfo_latency\", \"peers\": $n, \"result\": $r}"
  if [[ -n "$FIRST" ]]; then
    FIRST=""
    idle=$(rtt_samples "$RTT_SAMPLES" | tr '\n' ' ')
    $CLIENT rate "$NODE_RPC" "$AUTH" getpeerinfo $((RTT_SAMPLES + 3)) "$CLIENTS" >"$WORK/flood.json" &
    FLOOD=$!
    sleep 1
    flooded=$(rtt_samples "$RTT_SAMPLES" | tr '\n' ' ')
    wait "$FLOOD"
    python3 - "$idle" "$flooded" "$n" "$(cat "$WORK/flood.json")" <<'EOF' >"$WORK/rtt.json"
import json, statistics, sys
idle = [float(x) for x in sys.argv[1].split() if float(x) >= 0]
flooded = [float(x) for x in sys.argv[2].split() if float(x) >= 0]
mi, mf = statistics.median(idle), statistics.median(flooded)
print(json.dumps({"figure": "pong_rtt", "peers_held": int(sys.argv[3]),
                  "flood": {"method": "getpeerinfo", **json.loads(sys.argv[4])},
                  "idle_ms": {"median": round(mi, 3), "samples": idle},
                  "flooded_ms": {"median": round(mf, 3), "samples": flooded},
                  "ratio": round(mf / mi, 2) if mi > 0 else None}))
EOF
    emit "$(cat "$WORK/rtt.json")"
  fi
done

kill -0 "$NODE_PID" 2>/dev/null || {
  echo "$BENCH_NAME: the node died" >&2
  exit 1
}
