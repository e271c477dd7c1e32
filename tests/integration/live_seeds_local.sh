#!/usr/bin/env bash
# live_seeds.sh (the opt-in live-seed test) driven against local stand-ins, so CI proves the
# harness without the internet. Nothing leaves loopback: every DNS question goes to a local
# socket (a closed port, or dnsmasq on 127.0.0.1), every peer is a bsvpeer on 127.0.0.66-68.
#   a. no BSV_LIVE / BSV_TEST_NODE: exit 77, one "SKIP:" line;
#   b. BSV_LIVE=1 on main, but the DNS server does not answer: exit 77, one "SKIP:" line naming
#      the seeds; BSV_TEST_NODE as a host name that cannot be resolved: the same;
#   c. BSV_TEST_NODE=127.0.0.66:port BSV_TEST_NETWORK=regtest: handshake, pong, addr (the node's
#      store is seeded), clean disconnect, store persisted: exit 0 and a PASS line;
#      the same against a closed port: exit 1 and a FAIL line;
#   d. BSV_LIVE=1 with seeds served by dnsmasq: one seed name points at a live node on the
#      network's port (127.0.0.67:18444), one at an address nobody listens on: exit 0, one
#      PASS and one FAIL line (skipped with a note if dnsmasq is missing or 127.0.0.67:18444 is
#      taken).
#
# usage: live_seeds_local.sh BUILD_DIR SOURCE_DIR   (LIVE_KEEP=1 keeps the logs)
# Exit 77 (skip) if python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
unset BSV_LIVE BSV_TEST_NODE BSV_TEST_NETWORK BSV_TEST_PEERS BSV_TEST_TIMEOUT BSV_TEST_DNS BSV_TEST_SEEDS

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
LIVE="$SOURCE_DIR/tests/integration/live_seeds.sh"
for program in "$BSVPEER" "$BUILD_DIR/tools/live_check"; do
  [[ -x "$program" ]] || fail "$program not built (cmake --build $BUILD_DIR)"
done
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed"
  exit 77
fi
port_is_free() {
  python3 -c '
import socket, sys
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind((sys.argv[2], int(sys.argv[1])))
    except OSError:
        sys.exit(1)
' "$1" "${2:-127.0.0.1}"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/live_seeds_local.XXXXXX")
cleanup() {
  kill_tracked
  if [[ -n "${LIVE_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# live NAME EXPECTED_RC [VAR=VALUE...]: live_seeds.sh with that environment, output in
# $WORK/NAME.out, exit code checked.
live() {
  local name=$1 expected=$2 rc=0
  shift 2
  env "$@" timeout 120 bash "$LIVE" "$BUILD_DIR" "$SOURCE_DIR" >"$WORK/$name.out" 2>&1 || rc=$?
  no_sanitizer_report "$WORK/$name.out"
  [[ $rc -eq $expected ]] || { show_file "$name" "$WORK/$name.out"; fail "$name: exit $rc, expected $expected"; }
}
has() {
  grep -Eq -- "$2" "$WORK/$1.out" || { show_file "$1" "$WORK/$1.out"; fail "$1: no line matching '$2'"; }
}
one_skip_line() {
  [[ $(wc -l <"$WORK/$1.out") -eq 1 ]] && has "$1" "^SKIP: $2" ||
    { show_file "$1" "$WORK/$1.out"; fail "$1: not exactly one line 'SKIP: $2'"; }
}
declare -A PID LOG
# node NAME IP PORT: a regtest bsvpeer listening on IP:PORT, its store seeded with 3 peers.
node() {
  local name=$1 ip=$2 port=$3
  mkdir -p "$WORK/$name/regtest"
  python3 - "$WORK/$name/regtest/peers.json" <<'PY'
import json, sys, time, uuid
now = int(time.time())
peers = [{"id": str(uuid.uuid4()), "ip": f"127.0.0.{80 + i}", "port": 18444, "status": "valid",
          "status_since": now, "source": "manual", "services": 1, "user_agent": "/seeded:1/",
          "last_success": now, "last_attempt": now, "attempts": 0, "retry_count": 0,
          "restart_count": 0, "ban": None, "last_error": ""} for i in range(3)]
json.dump({"version": 1, "network": "regtest", "saved_at": now, "peers": peers}, open(sys.argv[1], "w"))
PY
  LOG[$name]="$WORK/$name.log"
  "$BSVPEER" -regtest -datadir="$WORK/$name" -bind="$ip" -port="$port" -targetoutbound=0 \
    -nodnsseed >"${LOG[$name]}" 2>&1 &
  PID[$name]=$!
  track_pid "${PID[$name]}"
  wait_for "${LOG[$name]}" "listening on ${ip//./\\.}:$port\$|cannot listen" 20 "${PID[$name]}" &&
    grep -q "listening on $ip:$port" "${LOG[$name]}"
}
stop_node() {
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  wait_exit "${PID[$1]}" 15 || fail "node $1 did not stop within 15 s"
  no_sanitizer_report "${LOG[$1]}"
}

echo "== a: not asked for: skip"
live a 77
one_skip_line a "the live-seed test is opt-in"
echo "  ok   $(cat "$WORK/a.out")"

echo "== b: no DNS answer: skip"
closed=$(random_port)
live b 77 BSV_LIVE=1 BSV_TEST_NETWORK=main BSV_TEST_DNS="127.0.0.1:$closed"
one_skip_line b "no DNS seed of main answered \(seed\..*: (refused|timeout)"
live b_node 77 BSV_TEST_NODE=node.bsvpeer.invalid:8333 BSV_TEST_DNS="127.0.0.1:$closed"
one_skip_line b_node "cannot resolve the test node node\.bsvpeer\.invalid"
echo "  ok   $(cat "$WORK/b.out")"

echo "== c: BSV_TEST_NODE, a local regtest node"
for attempt in 1 2 3 4 5; do
  PORT_C=$(random_port)
  node c 127.0.0.66 "$PORT_C" && break
  stop_node c
  [[ $attempt -lt 5 ]] || fail "node c did not listen"
done
live c 0 BSV_TEST_NODE="127.0.0.66:$PORT_C" BSV_TEST_NETWORK=regtest BSV_TEST_TIMEOUT=20
has c "^peer 127\.0\.0\.66:$PORT_C: handshake ok in [0-9]+ ms \(/bsvpeer:[^,]*, version 70016, height 0\), pong in [0-9.e-]+ ms, addr with [1-9][0-9]* addresses, disconnected cleanly  PASS$"
has c "^store: .*/peers\.json loaded with [1-9][0-9]* records$"
has c "^1 of 1 peers passed on regtest$"
closed=$(random_port)
live c_closed 1 BSV_TEST_NODE="127.0.0.66:$closed" BSV_TEST_NETWORK=regtest BSV_TEST_TIMEOUT=20
has c_closed "^peer 127\.0\.0\.66:$closed: failed: connect_failed .*  FAIL$"
echo "  ok   $(grep '^peer' "$WORK/c.out")"

echo "== d: BSV_LIVE=1 through dnsmasq"
DNSMASQ=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null || true)
if [[ -z "$DNSMASQ" ]]; then
  echo "  note: dnsmasq is missing (apt-get install dnsmasq-base): part d not run"
elif ! port_is_free 18444 127.0.0.67 || ! node d 127.0.0.67 18444; then
  echo "  note: 127.0.0.67:18444 is taken: part d not run"
else
  for attempt in 1 2 3 4 5; do
    DNS_PORT=$(random_port)
    dns_args=(--keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll
      --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" --pid-file --log-queries
      --log-facility=- --local=/test/ --host-record=up.seed.bsvpeer.test,127.0.0.67
      --host-record=down.seed.bsvpeer.test,127.0.0.68)
    [[ $(id -u) -eq 0 ]] && dns_args+=(--user=root --group=root)
    "$DNSMASQ" "${dns_args[@]}" >"$WORK/dnsmasq.log" 2>&1 &
    PID[dns]=$!
    track_pid "${PID[dns]}"
    sleep 0.5
    kill -0 "${PID[dns]}" 2>/dev/null && break
    wait_exit "${PID[dns]}" 5 || true
    [[ $attempt -lt 5 ]] || { show_file dnsmasq "$WORK/dnsmasq.log"; fail "dnsmasq would not start"; }
  done
  live d 0 BSV_LIVE=1 BSV_TEST_NETWORK=regtest BSV_TEST_DNS="127.0.0.1:$DNS_PORT" \
    BSV_TEST_SEEDS=up.seed.bsvpeer.test,down.seed.bsvpeer.test BSV_TEST_PEERS=5 BSV_TEST_TIMEOUT=20
  has d "^seeds: 2 addresses \(up\.seed\.bsvpeer\.test: ok; down\.seed\.bsvpeer\.test: ok\)$"
  has d "^peer 127\.0\.0\.67:18444: handshake ok .*, disconnected cleanly  PASS$"
  has d "^peer 127\.0\.0\.68:18444: failed: connect_failed .*  FAIL$"
  has d "^1 of 2 peers passed on regtest$"
  grep -q "query\[A\] up.seed.bsvpeer.test" "$WORK/dnsmasq.log" || { show_file dnsmasq "$WORK/dnsmasq.log"; fail "dnsmasq was not asked"; }
  # The only live node gone, the seeds still answer: no peer reachable is "no network".
  stop_node d
  live d_down 77 BSV_LIVE=1 BSV_TEST_NETWORK=regtest BSV_TEST_DNS="127.0.0.1:$DNS_PORT" \
    BSV_TEST_SEEDS=up.seed.bsvpeer.test,down.seed.bsvpeer.test BSV_TEST_TIMEOUT=20
  one_skip_line d_down "none of 2 seed peers of regtest could be reached"
  echo "  ok   $(grep -c '^peer' "$WORK/d.out") seed peers tried through dnsmasq"
fi
stop_node c
echo "PASS"
