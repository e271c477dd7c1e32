#!/usr/bin/env bash
# Interop with bitcore-p2p 10.10.7 (npm; a third-party JS implementation of the Bitcoin P2P
# protocol, protocol 70001, user agent /bitcore:10.10.7/), on loopback:
#   A. bitcore-p2p connects to a listening bsvpeer (-regtest, magic dab5bffa);
#   B. bitcore-p2p listens and bsvpeer -connect's to it (-testnet with a random -magicbytes);
#   in both: versions and veracks both ways; bitcore sends 2 pings and gets pongs with the
#   same nonces; bsvpeer (-pinginterval=1) sends 2 pings that bitcore answers, and bsvpeer's
#   trace log shows each pong received for the ping it sent; bitcore receives our protoconf;
#   bsvpeer logs no misbehaviour, ban, ignored pong, decode error or error line.
#   C. stock bitcore-p2p inbound order (verack before its version, a bitcore-p2p bug): bsvpeer
#   must react like SV: +1 "missing-version: verack", then a handshake timeout.
# bitcore_peer.js works around two bitcore-p2p defects (see npm/bitcore_common.js): buffers
# 0.1.1's get() on Node 20, and its throw on unknown commands such as protoconf.
#
# usage: bitcore_interop.sh BUILD_DIR SOURCE_DIR   (INTEROP_KEEP=1 keeps the logs)
# Exit 77 (skip) only if node/npm are missing or the npm registry is unreachable (and the
# packages are not installed in BUILD_DIR/npm-interop yet).
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
[[ -x "$BSVPEER" ]] || fail "$BSVPEER not built (cmake --build $BUILD_DIR --target bsvpeer_program)"
npm_setup "$BUILD_DIR" "$SOURCE_DIR"
node -e "require('bitcore-p2p'); require('bitcore-lib')" || fail "bitcore-p2p does not load from $NODE_PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bitcore_interop.XXXXXX")
cleanup() {
  kill_tracked
  if [[ -n "${INTEROP_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

BSVPEER_PID=""
# start_bsvpeer LOG ARGS...: bsvpeer in the background (own fresh datadir), trace log to LOG;
# -noserver: no JSON-RPC on the default port 18332, which other tests' nodes may hold.
start_bsvpeer() {
  local log=$1
  shift
  local datadir
  datadir=$(mktemp -d "$WORK/datadir.XXXXXX")
  timeout -s TERM 60 "$BSVPEER" -datadir="$datadir" -noserver -debug=trace -pinginterval=1 "$@" >"$log" 2>&1 &
  BSVPEER_PID=$!
  track_pid "$BSVPEER_PID"
}
# stop_bsvpeer LOG: SIGTERM, bounded wait, clean exit and "stopped" required.
stop_bsvpeer() {
  local log=$1
  kill -TERM "$BSVPEER_PID" 2>/dev/null || true
  wait_exit "$BSVPEER_PID" 10 || fail "bsvpeer did not stop within 10 s of SIGTERM"
  no_sanitizer_report "$log"
  [[ $WAIT_RC -eq 0 ]] || { show_file "bsvpeer log" "$log"; fail "bsvpeer exited with $WAIT_RC"; }
  grep -q ' info stopped$' "$log" || { show_file "bsvpeer log" "$log"; fail "bsvpeer did not log 'stopped'"; }
}
# check_scenario NAME DIRECTION LOG EVENTS: the cross-check of both sides.
check_scenario() {
  local name=$1 direction=$2 log=$3 events=$4
  if ! node "$SCRIPTS/interop_check.js" bitcore --log="$log" --events="$events" \
    --direction="$direction" --ua=/bitcore:10.10.7/ --min-pings=2; then
    show_file "bitcore_peer.js events" "$events"
    show_file "bsvpeer log" "$log"
    fail "$name"
  fi
}

# ---------------------------------------------------------------- A: bitcore connects to us
echo "== A: bitcore-p2p connects to bsvpeer -listen (-regtest, magic dab5bffa)"
LOG_A="$WORK/a_bsvpeer.log"
EVENTS_A="$WORK/a_bitcore.jsonl"
started=""
for _ in 1 2 3 4 5; do
  PORT=$(random_port)
  start_bsvpeer "$LOG_A" -regtest -listen -bind=127.0.0.1 -port="$PORT"
  if wait_for "$LOG_A" "listening on 127\.0\.0\.1:$PORT\$|cannot listen" 10 "$BSVPEER_PID" &&
    grep -q "listening on 127.0.0.1:$PORT" "$LOG_A"; then
    started=yes
    break
  fi
  # Lost a race for the port: try another.
  kill "$BSVPEER_PID" 2>/dev/null || true
  wait_exit "$BSVPEER_PID" 5 || true
done
[[ -n "$started" ]] || { show_file "bsvpeer log" "$LOG_A"; fail "bsvpeer did not start listening"; }
grep -q 'on regtest (magic dab5bffa)' "$LOG_A" || fail "bsvpeer did not start on regtest magic dab5bffa"

rc=0
timeout 30 node "$SCRIPTS/bitcore_peer.js" --connect="127.0.0.1:$PORT" --magic=dab5bffa \
  --pings=2 --peer-pings=2 --timeout=20 >"$EVENTS_A" 2>"$WORK/a_bitcore.err" || rc=$?
# bitcore hung up after its checks; bsvpeer must see that as the peer closing.
wait_for "$LOG_A" '\[127\.0\.0\.1:[0-9]+ in #1\] state connected -> failed \(peer_closed' 10 ||
  { show_file "bsvpeer log" "$LOG_A"; fail "A: bsvpeer did not log the close of the connection by bitcore"; }
stop_bsvpeer "$LOG_A"
[[ $rc -eq 0 ]] || { cat "$WORK/a_bitcore.err" >&2; echo "bitcore_peer.js exited with $rc" >&2; }
check_scenario "A: bitcore-p2p -> bsvpeer" in "$LOG_A" "$EVENTS_A"
[[ $rc -eq 0 ]] || fail "A: bitcore_peer.js exited with $rc"

# ---------------------------------------------------------------- B: we connect to bitcore
MAGIC=$(printf 'e%07x' $(((RANDOM << 15 | RANDOM) & 0xfffffff)))
echo "== B: bsvpeer -connect to a bitcore-p2p listener (-testnet -magicbytes=$MAGIC)"
LOG_B="$WORK/b_bsvpeer.log"
EVENTS_B="$WORK/b_bitcore.jsonl"
timeout 30 node "$SCRIPTS/bitcore_peer.js" --listen --magic="$MAGIC" \
  --pings=2 --peer-pings=2 --timeout=20 >"$EVENTS_B" 2>"$WORK/b_bitcore.err" &
NODE_PID=$!
track_pid "$NODE_PID"
wait_for "$EVENTS_B" '"event":"listening"' 15 "$NODE_PID" ||
  { cat "$WORK/b_bitcore.err" >&2; fail "B: bitcore listener did not start"; }
BPORT=$(grep -m1 '"event":"listening"' "$EVENTS_B" | grep -o '"port":[0-9]*' | cut -d: -f2)
[[ -n "$BPORT" ]] || fail "B: no port from the bitcore listener"
start_bsvpeer "$LOG_B" -testnet -magicbytes="$MAGIC" -connect="127.0.0.1:$BPORT"
wait_exit "$NODE_PID" 30 || fail "B: bitcore_peer.js did not finish"
rc=$WAIT_RC
# The Manager redials a -connect peer itself, so the connection ends "failed" (no restart of its own).
wait_for "$LOG_B" "\[127\.0\.0\.1:$BPORT out #1\] state connected -> failed \(peer_closed" 10 ||
  { show_file "bsvpeer log" "$LOG_B"; fail "B: bsvpeer did not log the close of the connection by bitcore"; }
stop_bsvpeer "$LOG_B"
grep -q "on test (magic $MAGIC)" "$LOG_B" || grep -q "(magic $MAGIC)" "$LOG_B" ||
  fail "B: bsvpeer did not start with magic $MAGIC"
[[ $rc -eq 0 ]] || { cat "$WORK/b_bitcore.err" >&2; echo "bitcore_peer.js exited with $rc" >&2; }
check_scenario "B: bsvpeer -> bitcore-p2p" out "$LOG_B" "$EVENTS_B"
[[ $rc -eq 0 ]] || fail "B: bitcore_peer.js exited with $rc"

# ------------------------------------------- C: stock bitcore inbound order (verack first)
echo "== C: stock bitcore-p2p inbound: verack before its version (bsvpeer must act like SV)"
LOG_C="$WORK/c_bsvpeer.log"
EVENTS_C="$WORK/c_bitcore.jsonl"
timeout 30 node "$SCRIPTS/bitcore_peer.js" --listen --stock-inbound --observe=4 --magic=dab5bffa \
  >"$EVENTS_C" 2>"$WORK/c_bitcore.err" &
NODE_PID=$!
track_pid "$NODE_PID"
wait_for "$EVENTS_C" '"event":"listening"' 15 "$NODE_PID" ||
  { cat "$WORK/c_bitcore.err" >&2; fail "C: bitcore listener did not start"; }
CPORT=$(grep -m1 '"event":"listening"' "$EVENTS_C" | grep -o '"port":[0-9]*' | cut -d: -f2)
start_bsvpeer "$LOG_C" -regtest -connect="127.0.0.1:$CPORT" -p2phandshaketimeout=2
C_WHO="\[127\.0\.0\.1:$CPORT out #1\]"
if ! wait_for "$LOG_C" "$C_WHO state awaiting_handshake -> failed \(handshake_timeout" 15; then
  show_file "bitcore_peer.js events" "$EVENTS_C"
  show_file "bsvpeer log" "$LOG_C"
  fail "C: no handshake timeout after bitcore's verack-before-version"
fi
wait_exit "$NODE_PID" 15 || fail "C: bitcore_peer.js did not finish"
stop_bsvpeer "$LOG_C"
c_fail() {
  show_file "bitcore_peer.js events" "$EVENTS_C"
  show_file "bsvpeer log" "$LOG_C"
  fail "C: $*"
}
# The verack arrives before any version: dropped with +1, as SV's "missing-version".
grep -Eq "$C_WHO recv verack\$" "$LOG_C" || c_fail "bsvpeer did not log bitcore's early verack"
grep -Eq "warning $C_WHO misbehaving \+1 \(score 1\): missing-version: verack\$" "$LOG_C" ||
  c_fail "no 'misbehaving +1 (score 1): missing-version: verack'"
grep -Eq "$C_WHO recv version v70001 .*ua=\"/bitcore:10\.10\.7/\"" "$LOG_C" ||
  c_fail "bsvpeer did not log bitcore's version"
# No verack follows, so the handshake never completes.
grep -Eq "$C_WHO handshake done" "$LOG_C" && c_fail "handshake completed although bitcore's only verack was dropped"
grep -Eq "$C_WHO state awaiting_handshake -> failed \(handshake_timeout: .*verack sent yes, received no" "$LOG_C" ||
  c_fail "the handshake timeout does not say the peer's verack is missing"
grep -Eq ' ban requested: ' "$LOG_C" && c_fail "bsvpeer asked for a ban (SV only scores +1 per message)"
echo "  ok   verack before version: +1 missing-version, then handshake_timeout (as SV)"
if grep -Eq "$C_WHO misbehaving \+1 \(score 2\): missing-verack: ping" "$LOG_C"; then
  echo "  note bitcore also pinged before its (dropped) verack: +1 missing-verack: ping"
fi

echo "PASS: bitcore-p2p interop (A: inbound, B: outbound with magic $MAGIC, C: stock inbound order)"
