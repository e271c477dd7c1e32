#!/usr/bin/env bash
# SV/bitcoind options of the bsvpeer program, with real processes on loopback only
# (127.0.0.51-55), regtest, each node with its own -datadir under a mktemp directory:
#   h. -help prints every option as users type it (-name=<arg>, -name), never "--name arg";
#   s. -seednode: A dials seed B once, sends getaddr, gets B's addresses (C, which B knows
#      through -addnode), disconnects, and keeps C in its peers.json; B sees A come and go;
#   w. -whitelist: B bans A and D (a user agent on its -banclientua list, which SV scores
#      +banscore); B restarted with -whitelist=A keeps both bans, refuses D, lets A in, closes
#      it for its user agent each time and never bans it again.
# Every log must be free of sanitizer reports.
#
# usage: program_options_sv.sh BUILD_DIR SOURCE_DIR   (PROGRAM_KEEP=1 keeps the logs)
# Exit 77 (skip) if python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
[[ -x "$BSVPEER" ]] || fail "$BSVPEER not built (cmake --build $BUILD_DIR --target bsvpeer_program)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed"
  exit 77
fi

port_is_free() {
  python3 -c '
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
' "$1"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/program_options_sv.XXXXXX")
cleanup() {
  kill_tracked
  if [[ -n "${PROGRAM_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

IP_A=127.0.0.51
IP_B=127.0.0.52
IP_C=127.0.0.53
IP_D=127.0.0.54
mkdir -p "$WORK/a" "$WORK/b" "$WORK/c" "$WORK/d" "$WORK/aw" "$WORK/bw"

declare -A PID LOG PORT
RUNS=0
start() {
  local name=$1
  shift
  RUNS=$((RUNS + 1))
  LOG[$name]="$WORK/$name.$RUNS.log"
  "$BSVPEER" -datadir="$WORK/$name" -regtest -nodnsseed -debug=debug "$@" >"${LOG[$name]}" 2>&1 &
  PID[$name]=$!
  track_pid "${PID[$name]}"
}
start_listening() {
  local name=$1 ip=$2
  shift 2
  local attempt
  for attempt in 1 2 3 4 5; do
    PORT[$name]=$(random_port)
    start "$name" -bind="$ip" -port="${PORT[$name]}" -outboundbind="$ip" "$@"
    if wait_for "${LOG[$name]}" "listening on ${ip//./\\.}:${PORT[$name]}\$|cannot listen" 20 "${PID[$name]}" &&
      grep -q "listening on $ip:${PORT[$name]}" "${LOG[$name]}"; then
      return 0
    fi
    echo "  note: $name could not listen on $ip:${PORT[$name]} (attempt $attempt)"
    stop "$name" any
  done
  show_file "$name" "${LOG[$name]}"
  fail "$name did not start listening"
}
stop() {
  local name=$1 mode=${2:-clean}
  kill -TERM "${PID[$name]}" 2>/dev/null || true
  wait_exit "${PID[$name]}" 15 || { show_file "$name" "${LOG[$name]}"; fail "$name did not stop within 15 s of SIGTERM"; }
  no_sanitizer_report "${LOG[$name]}"
  [[ $mode == any ]] && return 0
  [[ $WAIT_RC -eq 0 ]] || { show_file "$name" "${LOG[$name]}"; fail "$name exited with $WAIT_RC after SIGTERM"; }
}
expect_log() {
  wait_for "${LOG[$1]}" "$2" "$3" "${PID[$1]}" || { show_file "$1" "${LOG[$1]}"; fail "$1: $4"; }
}
peer_of() { echo "\[${1//./\\.}:$2 $3 #[0-9]+\]"; }     # peer_of IP PORT out|in
inbound_from() { echo "\[${1//./\\.}:[0-9]+ in #[0-9]+\]"; }

# ------------------------------------------------------------------------------- h: -help
echo "== h: -help prints options as users type them"
timeout 30 "$BSVPEER" -help >"$WORK/help.out" 2>&1 || fail "-help exited non-zero"
no_sanitizer_report "$WORK/help.out"
grep -q -- '--' "$WORK/help.out" && { cat "$WORK/help.out"; fail "-help shows a --name"; }
for line in '-seednode=<ip\[:port\]>' '-whitelist=<ip\|cidr>' '-banscore=<n>' \
  '-maxoutboundconnections=<n>' '-connect=<ip\[:port\]>' '-listen' '-help, -h'; do
  grep -Eq -- "^  $line\$" "$WORK/help.out" || { cat "$WORK/help.out"; fail "-help has no line '  $line'"; }
done
echo "  ok   every option as -name or -name=<value>"

# --------------------------------------------------------------------------- s: -seednode
echo "== s: -seednode: connect, getaddr, addr, disconnect, addresses kept"
start_listening c "$IP_C"
start_listening b "$IP_B" -addnode="$IP_C:${PORT[c]}"
expect_log b "$(peer_of "$IP_C" "${PORT[c]}" out) handshake done" 20 "B did not reach C"
start_listening a "$IP_A" -seednode="$IP_B:${PORT[b]}" -addrservices=0 -maxconnections=4
expect_log a "seed node ${IP_B//./\\.}:${PORT[b]}: one-shot dial" 20 "A did not dial its seed"
expect_log a "$(peer_of "$IP_B" "${PORT[b]}" out) handshake done" 20 "A: no handshake with the seed"
expect_log b "$(inbound_from "$IP_A") recv getaddr" 20 "B: no getaddr from A"
expect_log a "seed node ${IP_B//./\\.}:${PORT[b]}: [0-9]+ addresses, leaving it" 20 "A did not leave the seed after its addr"
expect_log a "$(peer_of "$IP_B" "${PORT[b]}" out) state .* \(local_request" 20 "A's connection to the seed did not close"
expect_log b "$(inbound_from "$IP_A") state .* -> (failed|rejected|disconnected) \(peer_closed" 20 "B did not see A leave"
# The address B gave (C) is dialled by A as an ordinary peer.
expect_log a "$(peer_of "$IP_C" "${PORT[c]}" out) handshake done" 30 "A did not dial C, learnt from the seed"
stop a
python3 - "$WORK/a/regtest/peers.json" "$IP_C" "${PORT[c]}" "$IP_B" "${PORT[b]}" <<'EOF' || fail "A's peers.json lacks C (from the seed) or holds the seed itself"
import json, sys
path, ip_c, port_c, ip_b, port_b = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
with open(path) as f:
    peers = json.load(f)["peers"]
c = [p for p in peers if p["ip"] == ip_c and p["port"] == port_c]
assert len(c) == 1 and c[0]["source"] == "addr", peers
# Like SV, a seed node is not added to the address table for being a seed.
assert not [p for p in peers if p["ip"] == ip_b and p["port"] == port_b and p["source"] != "addr"], peers
EOF
echo "  ok   seed dialled once, getaddr, left after its addr; C kept in A's peers.json"
stop b
stop c

# -------------------------------------------------------------------------- w: -whitelist
echo "== w: -whitelist lets a banned peer in and never punishes it"
# B bans every user agent containing "bsvpeer" (+banscore at the version, as SV scores a
# -banclientua match). Fresh data directories: no address learnt above sends dials around.
start_listening bw "$IP_B" -banclientua=bsvpeer
start_listening aw "$IP_A" -addnode="$IP_B:${PORT[bw]}" -addnoderetry=1
start_listening d "$IP_D" -addnode="$IP_B:${PORT[bw]}" -addnoderetry=1
expect_log bw "banned ${IP_A//./\\.} until" 20 "B did not ban A's user agent"
expect_log bw "banned ${IP_D//./\\.} until" 20 "B did not ban D's user agent"
stop bw
# B again, same store (both bans in it), now whitelisting A.
start bw -bind="$IP_B" -port="${PORT[bw]}" -outboundbind="$IP_B" -banclientua=bsvpeer -whitelist="$IP_A/32"
expect_log bw "listening on ${IP_B//./\\.}:${PORT[bw]}\$" 20 "B did not listen again"
expect_log bw "refused inbound ${IP_D//./\\.}:[0-9]+: banned" 30 "B let the banned D in"
# A, banned too, is let in: closed for its user agent each time, never banned again.
deadline=$((SECONDS + 30))
until (($(grep -cE "$(inbound_from "$IP_A") state .*banned_user_agent" "${LOG[bw]}") >= 2)); do
  ((SECONDS < deadline)) || { show_file bw "${LOG[bw]}"; fail "the whitelisted A was not let in twice"; }
  sleep 0.5
done
if grep -qE "refused inbound ${IP_A//./\\.}:[0-9]+: banned|banned ${IP_A//./\\.} until" "${LOG[bw]}"; then
  show_file bw "${LOG[bw]}"
  fail "B refused or banned the whitelisted A"
fi
echo "  ok   D banned and refused; whitelisted A, banned in the store, let in and never banned again"
stop d
stop aw
stop bw
echo "PASS"
