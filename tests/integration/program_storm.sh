#!/usr/bin/env bash
# Connect storms against the bsvpeer program (issue 9), driven by bsvpeer-load in a separate
# process (each side within its own descriptor limit), on loopback only:
#   a. -maxconnections=125 and -connect=0 (no outbound, so all 125 slots take inbound):
#      STORM (5,000) concurrent connects, each sending its version. Every one gets a defined
#      outcome (admitted, handshaked then closed, or closed/refused before the handshake) and
#      none waits past the load tool's 30 s deadline; exactly the 125 free inbound slots are
#      admitted; the slot count, sampled over RPC (getnodehealth) while the storm runs, and the
#      node's own high-water mark never pass 125; the node's descriptors return to their count
#      before the storm; the node still completes a handshake afterwards and stops cleanly.
#   b. the same storm with HELD handshaked peers already connected and answering pings
#      (-maxconnections=HELD+125: the held peers take HELD inbound slots, 125 stay free): the
#      same checks, no held peer is dropped, and after the holder leaves the descriptors return
#      to the count of the idle node.
# HELD is 10,000 in every build (the whole test took 17 s in dev, 24 s under asan and 33-53 s
# under tsan on the loaded 2-core machine); STORM_HELD overrides it. The timed figures are
# benches/bench_scale.sh's. No wall-clock assertion here: the time to outcome is only reported.
#
# usage: program_storm.sh BUILD_DIR SOURCE_DIR   (STORM_KEEP=1 keeps the logs; STORM=N and
#   STORM_HELD=N change the sizes)
# Exit 77 (skip) without python3 or curl, or when the hard descriptor limit is below 16,384.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"

node_require python3 curl
LOAD="$BUILD_DIR/tools/bsvpeer-load"
[[ -x "$LOAD" ]] || fail "$LOAD not built (cmake --build $BUILD_DIR --target bsvpeer_load)"

STORM=${STORM:-5000}
STORM_HELD=${STORM_HELD:-10000}
# The held peers plus the storm on the load side, the held peers plus the admitted and the
# connections being turned away on the node's side: both stay below 16,384 descriptors.
if (($(ulimit -Hn) < 16384)); then
  echo "SKIP: the hard descriptor limit $(ulimit -Hn) is below 16384"
  exit 77
fi
ulimit -n "$(ulimit -Hn)"

declare -A PID LOG PORT RPC
RUNS=0
node_workdir program_storm STORM_KEEP
NODE_ARGS=(-regtest -connect=0 -listen=1)
# -connect=0: no automatic outbound, so no slot is reserved for it and every one of the 125
# slots above the held peers is free for inbound.
MAX_INBOUND_FREE=125

start_node() {
  local name=$1
  shift
  local attempt
  mkdir -p "$WORK/$name"
  for attempt in 1 2 3 4 5; do
    PORT[$name]=$(random_port)
    RPC[$name]=$(random_port)
    start "$name" -bind=127.0.0.1 -port="${PORT[$name]}" -rpcport="${RPC[$name]}" "$@"
    if wait_for "${LOG[$name]}" "JSON-RPC on 127\.0\.0\.1:${RPC[$name]}" 30 "${PID[$name]}" &&
      wait_for "${LOG[$name]}" "listening on 127\.0\.0\.1:${PORT[$name]}\$" 30 "${PID[$name]}"; then
      return 0
    fi
    echo "  note: $name could not listen (attempt $attempt)"
    stop "$name" any
  done
  show_file "$name" "${LOG[$name]}"
  fail "$name did not start"
}
die() {
  local f
  for f in "$WORK"/*.log "$WORK"/*.json "$WORK"/*.err; do [[ -e $f ]] && show_file "$(basename "$f")" "$f"; done
  fail "$*"
}
fds_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# health NAME: getnodehealth's result as JSON (cookie auth).
health() {
  curl -s -m 30 -u "$(cat "$WORK/$1/regtest/.cookie")" -H 'content-type: text/plain' \
    --data-binary '{"jsonrpc":"1.0","id":"t","method":"getnodehealth","params":[]}' \
    "http://127.0.0.1:${RPC[$1]}/" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"]))'
}
# fds_back_to NAME COUNT SECONDS: wait until the node has COUNT descriptors (or fewer).
fds_back_to() {
  local name=$1 want=$2 seconds=$3 deadline now
  deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    now=$(fds_of "${PID[$name]}")
    ((now <= want)) && return 0
    sleep 0.2
  done
  die "$name: $(fds_of "${PID[$name]}") descriptors, not back to $want within $seconds s"
}

# storm NAME TAG LIMIT: the storm against NAME with slots sampled over RPC meanwhile; checks the
# outcomes, the slot bound LIMIT and that the descriptors come back.
storm() {
  local name=$1 tag=$2 limit=$3 fds_before
  fds_before=$(fds_of "${PID[$name]}")
  # The sampler: getnodehealth every 50 ms, one line of slots.used each, until told to stop.
  python3 - "$WORK/$name/regtest/.cookie" "${RPC[$name]}" "$WORK/$tag.samples" "$WORK/$tag.stop" <<'PY' &
import base64, json, os, sys, time, urllib.request
cookie, port, out, stop = sys.argv[1:5]
auth = base64.b64encode(open(cookie).read().strip().encode()).decode()
body = b'{"jsonrpc":"1.0","id":"s","method":"getnodehealth","params":[]}'
with open(out, "w") as f:
    while not os.path.exists(stop):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body,
                                     headers={"Authorization": "Basic " + auth})
        try:
            r = json.load(urllib.request.urlopen(req, timeout=30))["result"]
            f.write(f'{r["slots"]["used"]} {r["slots"]["high_water"]}\n')
            f.flush()
        except OSError as e:
            f.write(f"error {e}\n")
        time.sleep(0.05)
PY
  local sampler=$!
  track_pid "$sampler"
  echo "  $tag: $STORM concurrent connects"
  local rc=0
  "$LOAD" --mode storm --network regtest --host 127.0.0.1 --port "${PORT[$name]}" \
    --connections "$STORM" --concurrency "$STORM" --timeout-ms 30000 --settle-ms 2000 \
    --hold-seconds 1 --duration 240 --json >"$WORK/$tag.json" 2>"$WORK/$tag.err" || rc=$?
  touch "$WORK/$tag.stop"
  wait_exit "$sampler" 40 || die "the slot sampler did not stop"
  python3 - "$WORK/$tag.json" "$WORK/$tag.samples" "$STORM" "$MAX_INBOUND_FREE" "$limit" "$rc" <<'PY' || die "$tag: storm checks failed"
import json, sys
report, samples, n, free, limit, rc = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
r = json.load(open(report))
o = r["outcomes"]
print("   ", json.dumps({"outcomes": o, "outcome_ms": r["outcome_ms"], "load_exit": rc}))
problems = []
if r["defined_outcomes"] != n or o["no_outcome"] or o["error"]:
    problems.append(f"{n - r['defined_outcomes']} connections without a defined outcome "
                    f"({r.get('error_samples')})")
if o["admitted"] != free:
    problems.append(f"{o['admitted']} admitted, not the {free} free inbound slots")
if not r["ok"] or rc != 0:
    problems.append(f"load tool not ok (exit {rc}): {r.get('error_samples')}")
used = []
for line in open(samples):
    parts = line.split()
    if parts[0] == "error":
        problems.append("RPC sample failed: " + line.strip())
        break
    used.append((int(parts[0]), int(parts[1])))
if len(used) < 5:
    problems.append(f"only {len(used)} slot samples while the storm ran")
elif max(u for u, _ in used) > limit or max(h for _, h in used) > limit:
    problems.append(f"slots above {limit}: used max {max(u for u, _ in used)}, "
                    f"high water {max(h for _, h in used)}")
print(f"    {len(used)} slot samples, used max {max((u for u, _ in used), default=-1)}, "
      f"high water {max((h for _, h in used), default=-1)} (limit {limit})")
for p in problems:
    print("    problem:", p)
sys.exit(1 if problems else 0)
PY
  kill -0 "${PID[$name]}" 2>/dev/null || die "$name died in the storm"
  fds_back_to "$name" "$fds_before" 60
  local hw
  hw=$(health "$name" | python3 -c 'import json,sys; print(json.load(sys.stdin)["slots"]["high_water"])')
  ((hw <= limit)) || die "$name: slot high water $hw above $limit"
  echo "  $tag: descriptors back to $fds_before; high water $hw <= $limit"
}

# ---------------------------------------------------------------- a: storm against 125
echo "== a: $STORM connects against -maxconnections=125"
start_node a -maxconnections=125
sleep 1
FDS_IDLE=$(fds_of "${PID[a]}")
storm a a 125
"$LOAD" --network regtest --host 127.0.0.1 --port "${PORT[a]}" --connections 1 --timeout-ms 30000 \
  --json >"$WORK/a.after.json" 2>&1 || die "a: no handshake after the storm"
fds_back_to a "$FDS_IDLE" 30
stop a
echo "  a: ok"

# ---------------------------------------------------------------- b: the storm over held peers
LIMIT_B=$((STORM_HELD + 125))
echo "== b: $STORM connects against $STORM_HELD held peers, -maxconnections=$LIMIT_B"
start_node b -maxconnections="$LIMIT_B"
sleep 1
FDS_IDLE=$(fds_of "${PID[b]}")
"$LOAD" --network regtest --host 127.0.0.1 --port "${PORT[b]}" --connections "$STORM_HELD" \
  --concurrency 64 --hold --hold-seconds 600 --timeout-ms 60000 --duration 900 --json \
  >"$WORK/b.holder.json" 2>"$WORK/b.holder.err" &
HOLDER=$!
track_pid "$HOLDER"
wait_for "$WORK/b.holder.err" '"event":"holding"' 300 "$HOLDER" || die "b: the holder did not get to holding"
grep -q "\"connections\":$STORM_HELD," "$WORK/b.holder.err" || die "b: not all $STORM_HELD peers held"
USED=$(health b | python3 -c 'import json,sys; print(json.load(sys.stdin)["slots"]["used"])')
((USED == STORM_HELD)) || die "b: $USED slots used with $STORM_HELD peers held"
echo "  b: $STORM_HELD peers held"
storm b b "$LIMIT_B"
USED=$(health b | python3 -c 'import json,sys; print(json.load(sys.stdin)["slots"]["used"])')
((USED == STORM_HELD)) || die "b: $USED slots used after the storm, not the $STORM_HELD held peers"
kill -TERM "$HOLDER"
wait_exit "$HOLDER" 60 || die "b: the holder did not stop"
python3 - "$WORK/b.holder.json" <<'PY' || die "b: held peers were dropped"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(1 if r["errors"]["held_closed"] or r["completed"] != r["connections"] else 0)
PY
fds_back_to b "$FDS_IDLE" 90
stop b
echo "  b: ok"
echo "PASS"
