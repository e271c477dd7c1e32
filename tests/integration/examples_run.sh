#!/usr/bin/env bash
# Every program of examples/ run against real bsvpeer processes on loopback (regtest,
# 127.0.0.61-65), with its output checked:
#   simple_client   gets node A's addr answer, which lists the addresses seeded into A's
#                   peers.json; against a closed port it says so and exits 1;
#   fixed_peers     connects to A and B and to nothing else;
#   custom_protocol one instance serves "echo", a second asks and gets "echo-reply";
#   event_monitor   dials A and listens: sees its outbound and an inbound connection, their
#                   messages, and A going away;
#   every example   refuses bad usage with exit 2.
#
# usage: examples_run.sh BUILD_DIR SOURCE_DIR   (EXAMPLES_KEEP=1 keeps the logs)
# Exit 77 (skip) if python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
EX="$BUILD_DIR/examples"
for program in "$BSVPEER" "$EX"/example_{simple_client,fixed_peers,event_monitor,custom_protocol}; do
  [[ -x "$program" ]] || fail "$program not built (cmake --build $BUILD_DIR)"
done
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed"
  exit 77
fi
port_is_free() {
  python3 -c '
import socket, sys
s = socket.socket()
try:
    s.bind((sys.argv[2], int(sys.argv[1])))
except OSError:
    sys.exit(1)
' "$1" "${2:-127.0.0.1}"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/examples_run.XXXXXX")
cleanup() {
  kill_tracked
  if [[ -n "${EXAMPLES_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

IP_A=127.0.0.61 IP_B=127.0.0.62 IP_SERVE=127.0.0.63 IP_MONITOR=127.0.0.64
declare -A PID LOG PORT

# node NAME IP: a bsvpeer on IP (regtest, no outbound of its own, no DNS); sets PORT[NAME].
node() {
  local name=$1 ip=$2 attempt
  mkdir -p "$WORK/$name"
  for attempt in 1 2 3 4 5; do
    PORT[$name]=$(random_port)
    LOG[$name]="$WORK/$name.$attempt.log"
    "$BSVPEER" -regtest -datadir="$WORK/$name" -bind="$ip" -port="${PORT[$name]}" \
      -targetoutbound=0 -nodnsseed >"${LOG[$name]}" 2>&1 &
    PID[$name]=$!
    track_pid "${PID[$name]}"
    if wait_for "${LOG[$name]}" "listening on ${ip//./\\.}:${PORT[$name]}\$|cannot listen" 20 "${PID[$name]}" &&
      grep -q "listening on $ip:${PORT[$name]}" "${LOG[$name]}"; then
      return 0
    fi
    kill -TERM "${PID[$name]}" 2>/dev/null || true
    wait_exit "${PID[$name]}" 15 || true
  done
  show_file "$name" "${LOG[$name]}"
  fail "node $name did not start listening"
}
stop_node() {
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  wait_exit "${PID[$1]}" 15 || fail "node $1 did not stop within 15 s"
  no_sanitizer_report "${LOG[$1]}"
  [[ $WAIT_RC -eq 0 ]] || { show_file "$1" "${LOG[$1]}"; fail "node $1 exited with $WAIT_RC"; }
}
# run NAME EXPECTED_RC PROGRAM ARGS...: run an example in the foreground (at most 60 s) into
# $WORK/NAME.out, check its exit code and that no sanitizer spoke.
run() {
  local name=$1 expected=$2 rc=0
  shift 2
  timeout 60 "$@" >"$WORK/$name.out" 2>&1 || rc=$?
  no_sanitizer_report "$WORK/$name.out"
  [[ $rc -eq $expected ]] || { show_file "$name" "$WORK/$name.out"; fail "$name: exit $rc, expected $expected"; }
}
# has NAME PATTERN: the output of NAME has a line matching PATTERN (extended regex).
has() {
  grep -Eq -- "$2" "$WORK/$1.out" || { show_file "$1" "$WORK/$1.out"; fail "$1: no line matching '$2'"; }
}

# Node A knows three peers (its peers.json is seeded before it starts): its getaddr answer.
mkdir -p "$WORK/a/regtest"
python3 - "$WORK/a/regtest/peers.json" <<'PY'
import json, sys, time, uuid
now = int(time.time())
peers = [{"id": str(uuid.uuid4()), "ip": f"127.0.0.{70 + i}", "port": 18444 + i, "status": "valid",
          "status_since": now, "source": "manual", "services": 1, "user_agent": "/seeded:1/",
          "last_success": now, "last_attempt": now, "attempts": 0, "retry_count": 0,
          "restart_count": 0, "ban": None, "last_error": ""} for i in range(3)]
json.dump({"version": 1, "network": "regtest", "saved_at": now, "peers": peers}, open(sys.argv[1], "w"))
PY
node a "$IP_A"
node b "$IP_B"
expect_a="loaded \(3 records, 0 skipped\)"
grep -Eq "$expect_a" "${LOG[a]}" || { show_file a "${LOG[a]}"; fail "A did not load its seeded store"; }

echo "== bad usage: exit 2"
for example in simple_client fixed_peers event_monitor custom_protocol; do
  run "usage_$example" 2 "$EX/example_$example"
  has "usage_$example" "^usage: "
done
run usage_bad_ip 2 "$EX/example_simple_client" not-an-ip regtest 5
has usage_bad_ip "not an ip\[:port\]: not-an-ip"
echo "  ok"

echo "== simple_client: getaddr -> addr"
run simple_client 0 "$EX/example_simple_client" "$IP_A:${PORT[a]}" regtest 20
has simple_client "^connected to $IP_A:${PORT[a]} \(/bsvpeer:[^)]*\); sending getaddr$"
has simple_client "^addr answer with [0-9]+ addresses$"
for i in 0 1 2; do has simple_client "^  127\.0\.0\.$((70 + i)):$((18444 + i)) services 1$"; done
closed=$(random_port)
run simple_client_closed 1 "$EX/example_simple_client" "127.0.0.65:$closed" regtest 20
has simple_client_closed "^could not connect: connect_failed"
echo "  ok   addr answer lists the 3 seeded addresses; a closed port: exit 1"

echo "== fixed_peers: A and B"
run fixed_peers 0 "$EX/example_fixed_peers" regtest 3 "$IP_A:${PORT[a]}" "$IP_B:${PORT[b]}"
has fixed_peers "^connected $IP_A:${PORT[a]} /bsvpeer:"
has fixed_peers "^connected $IP_B:${PORT[b]} /bsvpeer:"
has fixed_peers "^2 of 2 fixed peers connected$"
[[ $(grep -c '^  ' "$WORK/fixed_peers.out") -eq 2 ]] || { show_file fixed_peers "$WORK/fixed_peers.out"; fail "fixed_peers: connections other than A and B"; }
echo "  ok"

echo "== custom_protocol: serve and ask"
for attempt in 1 2 3 4 5; do
  PORT[serve]=$(random_port)
  "$EX/example_custom_protocol" serve "$IP_SERVE:${PORT[serve]}" regtest 30 >"$WORK/serve.out" 2>&1 &
  PID[serve]=$!
  track_pid "${PID[serve]}"
  # The server prints nothing until a client comes: wait until its port is taken.
  for _ in $(seq 50); do port_is_free "${PORT[serve]}" "$IP_SERVE" || break; sleep 0.1; done
  kill -0 "${PID[serve]}" 2>/dev/null && ! port_is_free "${PORT[serve]}" "$IP_SERVE" && break
  kill -TERM "${PID[serve]}" 2>/dev/null || true
  wait_exit "${PID[serve]}" 15 || true
  [[ $attempt -lt 5 ]] || fail "custom_protocol serve did not listen"
done
run ask 0 "$EX/example_custom_protocol" ask "$IP_SERVE:${PORT[serve]}" regtest 20 "hello bsv"
has ask "^reply: 'HELLO BSV'$"
wait_exit "${PID[serve]}" 20 || fail "custom_protocol serve did not exit after its client left"
no_sanitizer_report "$WORK/serve.out"
[[ $WAIT_RC -eq 0 ]] || { show_file serve "$WORK/serve.out"; fail "serve: exit $WAIT_RC"; }
has serve "^answered echo 'hello bsv' from 127\.0\.0\.1:[0-9]+$"
has serve "^client left$"
echo "  ok   'hello bsv' -> 'HELLO BSV'"

echo "== event_monitor: outbound to A, inbound from simple_client, A goes away"
PORT[monitor]=$(random_port)
"$EX/example_event_monitor" regtest 12 --listen "$IP_MONITOR:${PORT[monitor]}" "$IP_A:${PORT[a]}" \
  >"$WORK/monitor.out" 2>&1 &
PID[monitor]=$!
track_pid "${PID[monitor]}"
wait_for "$WORK/monitor.out" "^established $IP_A:${PORT[a]} outbound" 20 "${PID[monitor]}" ||
  { show_file monitor "$WORK/monitor.out"; fail "event_monitor: no outbound connection to A"; }
wait_for "$WORK/monitor.out" "^listening $IP_MONITOR:${PORT[monitor]}\$" 10 "${PID[monitor]}" ||
  { show_file monitor "$WORK/monitor.out"; fail "event_monitor: not listening"; }
run monitor_client 0 "$EX/example_simple_client" "$IP_MONITOR:${PORT[monitor]}" regtest 20
stop_node a
wait_exit "${PID[monitor]}" 30 || fail "event_monitor did not exit after its 12 s"
no_sanitizer_report "$WORK/monitor.out"
[[ $WAIT_RC -eq 0 ]] || { show_file monitor "$WORK/monitor.out"; fail "event_monitor: exit $WAIT_RC"; }
a_peer="$IP_A:${PORT[a]} outbound #[0-9]+"
has monitor "^listening $IP_MONITOR:${PORT[monitor]}$"
has monitor "^message $a_peer protoconf$"
has monitor "^established 127\.0\.0\.1:[0-9]+ inbound #[0-9]+ /bsvpeer:"
has monitor "^message 127\.0\.0\.1:[0-9]+ inbound #[0-9]+ getaddr$"
has monitor "^lost $a_peer peer_closed"
echo "  ok   $(grep -c . "$WORK/monitor.out") events printed"

stop_node b
echo "PASS"
