#!/usr/bin/env bash
# Chaos on a mesh of bsvpeer processes (issue 4): N nodes on 127.0.0.x, each listening on its
# own address, a ring of -addnode peers to start from and gossip for the rest, automatic
# outbound aiming at a target. For BSVPEER_CHAOS_SECONDS (default 150) random actions hit the
# mesh, several at once: kill -9 and restart later, SIGTERM and restart (must exit 0 and log
# "stopped"), SIGHUP with a rewritten config file (target and max connections change), and
# SIGSTOP/SIGCONT pauses. Then every node gets the final config, and within a bounded wait:
# every node is alive and back at its automatic outbound target (read from SIGUSR1 status
# lines), no node ever died on its own, every graceful stop exited 0, and no log holds a
# sanitizer report (under the asan build LeakSanitizer runs at every graceful exit).
#
# usage: program_chaos.sh BUILD_DIR SOURCE_DIR
# Knobs: BSVPEER_CHAOS_SECONDS=150 CHAOS_NODES=8 CHAOS_SEED=<random> CHAOS_KEEP=1 (keep logs)
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh" # no_sanitizer_report (needs no node)
BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
CHAOS_SECONDS=${BSVPEER_CHAOS_SECONDS:-150}
N=${CHAOS_NODES:-10}
SEED=${CHAOS_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
FINAL_TARGET=2
FINAL_MAX=12
SETTLE_SECONDS=90

fail() {
  echo "FAIL: $* (CHAOS_SEED=$SEED)" >&2
  exit 1
}
[[ -x "$BSVPEER" ]] || fail "$BSVPEER not built (cmake --build $BUILD_DIR --target bsvpeer_program)"
command -v python3 >/dev/null || {
  echo "SKIP: python3 is needed"
  exit 77
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/program_chaos.XXXXXX")
declare -a PID IP
cleanup() {
  local i
  for i in "${!PID[@]}"; do
    [[ -n "${PID[$i]}" ]] || continue
    kill -CONT "${PID[$i]}" 2>/dev/null || true
    kill -KILL "${PID[$i]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -n "${CHAOS_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# One port for every node (each on its own IP): what an inbound peer is guessed to listen on.
pick_port() {
  python3 - "$@" <<'EOF'
import random, socket, sys
ips = sys.argv[1:]
# The network's port first: an inbound peer is recorded with it (its own port is unknown).
for attempt in range(200):
    port = 18444 if attempt == 0 else random.randint(20000, 60000)
    try:
        socks = []
        for ip in ips:
            s = socket.socket()
            s.bind((ip, port))
            socks.append(s)
        for s in socks:
            s.close()
        print(port)
        sys.exit(0)
    except OSError:
        for s in socks:
            s.close()
sys.exit(1)
EOF
}

for ((i = 0; i < N; i++)); do IP[i]="127.0.0.$((60 + i))"; done
PORT=$(pick_port "${IP[@]}") || fail "no port free on every node address"
echo "chaos: $N nodes on ${IP[0]}..${IP[N - 1]}:$PORT for ${CHAOS_SECONDS}s, seed $SEED"

# write_config I TARGET MAX: node I's config file (read at start and on SIGHUP).
write_config() {
  local i=$1 target=$2 max=$3 next
  next=$(((i + 1) % N))  # after the local i: one `local` expands all its words first
  mkdir -p "$WORK/node$i"
  cat >"$WORK/node$i/bsvpeer.conf.new" <<EOF
# node $i of the chaos mesh
regtest=1
# No JSON-RPC: all nodes would race for the default port 18332 (one wins, the rest log errors).
server=0
[regtest]
bind=${IP[i]}:$PORT
outboundbind=${IP[i]}
port=$PORT
addnode=${IP[next]}:$PORT
targetoutbound=$target
maxconnections=$max
dnsseed=0
addrservices=0
addnoderetry=1
peerretrymax=4
inaccessibleretry=5
persistinterval=2
pinginterval=5
EOF
  mv "$WORK/node$i/bsvpeer.conf.new" "$WORK/node$i/bsvpeer.conf"
}

GRACEFUL_STOPS=0
KILLS=0
RELOADS=0
PAUSES=0
RESTARTS=0

start_node() {
  local i=$1
  echo "=== start $(date +%T.%N)" >>"$WORK/node$i.log"
  "$BSVPEER" -datadir="$WORK/node$i" >>"$WORK/node$i.log" 2>&1 &
  PID[i]=$!
}

# A node that is not running any more although we did not stop it: a crash.
check_alive() {
  local i
  for ((i = 0; i < N; i++)); do
    [[ -n "${PID[i]}" ]] || continue
    if ! kill -0 "${PID[i]}" 2>/dev/null; then
      local rc=0
      wait "${PID[i]}" 2>/dev/null || rc=$?
      tail -50 "$WORK/node$i.log" >&2
      fail "node $i (pid ${PID[i]}) died on its own with status $rc"
    fi
  done
}

stop_node_graceful() {
  local i=$1 rc=0
  kill -CONT "${PID[i]}" 2>/dev/null || true
  kill -TERM "${PID[i]}"
  local deadline=$((SECONDS + 15))
  while kill -0 "${PID[i]}" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "node $i did not stop within 15 s of SIGTERM"
    sleep 0.05
  done
  wait "${PID[i]}" || rc=$?
  PID[i]=""
  [[ $rc -eq 0 ]] || {
    tail -60 "$WORK/node$i.log" >&2
    fail "node $i exited with $rc after SIGTERM"
  }
  tail -3 "$WORK/node$i.log" | grep -q ' info stopped$' || fail "node $i did not log 'stopped'"
  GRACEFUL_STOPS=$((GRACEFUL_STOPS + 1))
}

# Started and listening since its latest start (a TERM before main() runs kills any program).
is_ready() {
  awk '/^=== start/ { ready = 0 } / listening on / { ready = 1 } END { exit !ready }' \
    "$WORK/node$1.log"
}

kill_node() {
  local i=$1
  kill -KILL "${PID[i]}"
  wait "${PID[i]}" 2>/dev/null || true
  PID[i]=""
  KILLS=$((KILLS + 1))
}

# A node still starting cannot be asked to reload: wait until it listens (bounded), then HUP.
stop_or_kill_starting() {
  local i=$1 deadline=$((SECONDS + 20))
  until is_ready "$i"; do
    ((SECONDS < deadline)) || fail "node $i did not start listening within 20 s"
    check_alive
    sleep 0.1
  done
  stop_node_graceful "$i"
}

# Down nodes come back at a random later moment.
declare -a BACK_AT
running_count() {
  local i n=0
  for ((i = 0; i < N; i++)); do [[ -n "${PID[i]}" ]] && n=$((n + 1)); done
  echo "$n"
}

for ((i = 0; i < N; i++)); do
  write_config "$i" "$FINAL_TARGET" "$FINAL_MAX"
  start_node "$i"
  BACK_AT[i]=0
done

end=$((SECONDS + CHAOS_SECONDS))
while ((SECONDS < end)); do
  check_alive
  for ((i = 0; i < N; i++)); do
    if [[ -z "${PID[i]}" ]] && ((SECONDS >= BACK_AT[i])); then
      start_node "$i"
      RESTARTS=$((RESTARTS + 1))
    fi
  done
  # One to three actions at once, on random nodes.
  for ((a = 0; a < 1 + RANDOM % 3; a++)); do
    i=$((RANDOM % N))
    [[ -n "${PID[i]}" ]] || continue
    case $((RANDOM % 10)) in
      0 | 1)
        (($(running_count) > N / 2)) || continue
        kill_node "$i"
        BACK_AT[i]=$((SECONDS + 1 + RANDOM % 4))
        ;;
      2 | 3)
        (($(running_count) > N / 2)) && is_ready "$i" || continue
        stop_node_graceful "$i"
        BACK_AT[i]=$((SECONDS + RANDOM % 3))
        ;;
      4 | 5 | 6)
        is_ready "$i" || continue
        write_config "$i" $((1 + RANDOM % 3)) $((6 + RANDOM % 8))
        kill -HUP "${PID[i]}"
        RELOADS=$((RELOADS + 1))
        ;;
      7)
        kill -STOP "${PID[i]}"
        sleep "0.$((RANDOM % 9 + 1))"
        kill -CONT "${PID[i]}"
        PAUSES=$((PAUSES + 1))
        ;;
      *) ;;
    esac
  done
  sleep "0.$((RANDOM % 8 + 2))"
done

echo "chaos done: $KILLS kill -9, $GRACEFUL_STOPS graceful stops, $RESTARTS restarts," \
  "$RELOADS reloads, $PAUSES pauses; settling with target $FINAL_TARGET, max $FINAL_MAX"
for ((i = 0; i < N; i++)); do
  write_config "$i" "$FINAL_TARGET" "$FINAL_MAX"
  if [[ -z "${PID[i]}" ]]; then
    start_node "$i"
  elif is_ready "$i"; then
    kill -HUP "${PID[i]}"
  else
    # Still starting: it reads the file we just wrote... unless it already did. Restart it.
    stop_or_kill_starting "$i"
    start_node "$i"
  fi
done

# automatic_outbound I: the automatic outbound count of node I's newest status line.
automatic_outbound() {
  local line
  line=$(grep -E ' status: slots [0-9]+, outbound [0-9]+ automatic' "$WORK/node$1.log" | tail -1)
  [[ -n "$line" ]] || {
    echo -1
    return
  }
  sed -E 's/.* status: slots [0-9]+, outbound ([0-9]+) automatic.*/\1/' <<<"$line"
}

settled=""
deadline=$((SECONDS + SETTLE_SECONDS))
while ((SECONDS < deadline)); do
  check_alive
  for ((i = 0; i < N; i++)); do is_ready "$i" && kill -USR1 "${PID[i]}"; done
  sleep 1
  all=yes
  summary=""
  for ((i = 0; i < N; i++)); do
    n=$(automatic_outbound "$i")
    summary+=" $i:$n"
    ((n >= FINAL_TARGET)) || all=""
  done
  if [[ -n "$all" ]]; then
    settled=yes
    break
  fi
done
echo "automatic outbound per node:$summary (target $FINAL_TARGET)"
if [[ -z "$settled" ]]; then
  for ((i = 0; i < N; i++)); do
    echo "--- node $i" >&2
    grep -E ' status: ' "$WORK/node$i.log" | tail -2 >&2
  done
  fail "not every node is back at its outbound target $FINAL_TARGET within ${SETTLE_SECONDS}s"
fi
# Never more slots taken than the maximum, read from the same lines.
for ((i = 0; i < N; i++)); do
  line=$(grep -E ' status: ' "$WORK/node$i.log" | tail -1)
  slots=$(sed -E 's/.* status: slots ([0-9]+),.*/\1/' <<<"$line")
  ((slots <= FINAL_MAX)) || fail "node $i holds $slots slots, above $FINAL_MAX: $line"
done

for ((i = 0; i < N; i++)); do stop_node_graceful "$i"; done
for ((i = 0; i < N; i++)); do
  no_sanitizer_report "$WORK/node$i.log"
  # The store of every node was saved and parses.
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["network"]' \
    "$WORK/node$i/regtest/peers.json" || fail "node $i's peers.json does not parse"
done
echo "PASS: chaos on $N processes for ${CHAOS_SECONDS}s ($KILLS kill -9, $GRACEFUL_STOPS graceful stops," \
  "$RELOADS reloads, $PAUSES pauses); all back at target, no crash, no sanitizer report"
