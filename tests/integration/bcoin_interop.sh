#!/usr/bin/env bash
# Interop with bcoin 1.0.2 (npm; a third-party full node in JS, BTC regtest, protocol 70015,
# user agent /bcoin:v1.0.2/), inside a loopback-only network namespace made for this run
# (bcoin looks up its external IP; nothing can leave the namespace). bcoin's regtest wire
# magic is fabfb5da, so bsvpeer runs with -regtest -magicbytes=fabfb5da. One bsvpeer both
# -listen's and -connect's to bcoin; bcoin (npm/bcoin_node.js: a real FullNode, its own pool
# and peer code, with ping interval 1 s instead of 30 s) dials bsvpeer through --only.
# For each of the two connections (bsvpeer -> bcoin, bcoin -> bsvpeer), checked by
# npm/interop_check.js from bsvpeer's trace log and bcoin's JSON events:
#   - bsvpeer logs "handshake done" with version 70015 and user agent /bcoin:v1.0.2/, and
#     bcoin reports "peer open" with /bsvpeer:0.1.0/ v70016;
#   - bsvpeer logs "recv getaddr" from bcoin;
#   - at least 2 bcoin pings: bsvpeer logs "recv ping nonce=N" then "send pong nonce=N", and
#     bcoin's own pong handler matched N (cleared its challenge);
#   - at least 2 bsvpeer pings: "send ping nonce=M", bcoin answered M, "recv pong nonce=M";
#   - bcoin received our protoconf; it gave us no ban score; bsvpeer logs no misbehaviour,
#     ban, ignored pong, decode error or error line; bsvpeer stops cleanly on SIGTERM.
# bsvpeer advertises -services=9 (NETWORK|WITNESS): bcoin drops outbound peers without them.
#
# usage: bcoin_interop.sh BUILD_DIR SOURCE_DIR   (INTEROP_KEEP=1 keeps the logs)
# Needs root (ip netns). Exit 77 (skip) only if node/npm are missing or the npm registry is
# unreachable (and the packages are not installed in BUILD_DIR/npm-interop yet).
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
[[ -x "$BSVPEER" ]] || fail "$BSVPEER not built (cmake --build $BUILD_DIR --target bsvpeer_program)"
command -v ip >/dev/null 2>&1 || fail "iproute2 (ip) is needed for the network namespace"
npm_setup "$BUILD_DIR" "$SOURCE_DIR"
node -e "require('bcoin'); require('bcoin/lib/net/peer'); require('blgr')" ||
  fail "bcoin does not load from $NODE_PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bcoin_interop.XXXXXX")
NS="bsvpeer_bcoin_$$_${RANDOM}"
NS_MADE=""
cleanup() {
  kill_tracked
  if [[ -n "$NS_MADE" ]]; then
    # Only what this script started can be in its own namespace.
    for pid in $(ip netns pids "$NS" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null || true
    done
    ip netns del "$NS" 2>/dev/null || echo "warning: could not delete network namespace $NS" >&2
  fi
  if [[ -n "${INTEROP_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || fail "cannot create network namespace $NS (needs root)"
NS_MADE=yes
ip -n "$NS" link set lo up || fail "cannot bring up lo in $NS"
# Loopback only: no other interface, no route anywhere else.
[[ "$(ip -n "$NS" -o link show | grep -cv ': lo:')" -eq 0 ]] || fail "namespace $NS has more than lo"

# Started directly (not through a shell function), so $! is the process itself: ip netns exec
# execs timeout, which forwards our SIGTERM.
# A fresh namespace has every port free.
BCOIN_PORT=48444
BCOIN_HTTP_PORT=48332
OUR_PORT=28444
LOG="$WORK/bsvpeer.log"
EVENTS="$WORK/bcoin.jsonl"

echo "== bcoin 1.0.2 in namespace $NS (P2P 127.0.0.1:$BCOIN_PORT, --only=127.0.0.1:$OUR_PORT)"
ip netns exec "$NS" timeout -s TERM 90 node "$SCRIPTS/bcoin_node.js" --prefix="$WORK/bcoin" --port=$BCOIN_PORT \
  --http-port=$BCOIN_HTTP_PORT --only=127.0.0.1:$OUR_PORT --ping-interval-ms=1000 --run-seconds=80 \
  >"$EVENTS" 2>"$WORK/bcoin.err" &
BCOIN_PID=$!
track_pid "$BCOIN_PID"
if ! wait_for "$EVENTS" '"event":"listening"' 45 "$BCOIN_PID"; then
  show_file "bcoin stderr" "$WORK/bcoin.err"
  show_file "bcoin events" "$EVENTS"
  fail "bcoin did not start listening"
fi

echo "== bsvpeer -regtest -magicbytes=fabfb5da -listen on $OUR_PORT, -connect=127.0.0.1:$BCOIN_PORT"
ip netns exec "$NS" timeout -s TERM 90 "$BSVPEER" -datadir="$WORK" -regtest -magicbytes=fabfb5da -listen -bind=127.0.0.1 \
  -port=$OUR_PORT -connect=127.0.0.1:$BCOIN_PORT -services=9 -debug=trace -pinginterval=1 \
  >"$LOG" 2>&1 &
BSVPEER_PID=$!
track_pid "$BSVPEER_PID"
wait_for "$LOG" "listening on 127\.0\.0\.1:$OUR_PORT\$" 10 "$BSVPEER_PID" ||
  { show_file "bsvpeer log" "$LOG"; fail "bsvpeer did not start listening"; }
grep -q 'on regtest (magic fabfb5da)' "$LOG" || fail "bsvpeer did not start with magic fabfb5da"

# Poll until both connections have done everything (bcoin dials on its refill timer, ~3 s).
CHECK=(node "$SCRIPTS/interop_check.js" bcoin --log="$LOG" --events="$EVENTS"
  "--bcoin-port=$BCOIN_PORT" --min-pings=2)
deadline=$((SECONDS + 45))
until "${CHECK[@]}" --quiet >/dev/null; do
  if ((SECONDS >= deadline)) || ! kill -0 "$BSVPEER_PID" 2>/dev/null || ! kill -0 "$BCOIN_PID" 2>/dev/null; then
    "${CHECK[@]}" || true
    show_file "bcoin events" "$EVENTS"
    show_file "bcoin stderr" "$WORK/bcoin.err"
    show_file "bcoin debug.log" "$WORK/bcoin/debug.log"
    show_file "bsvpeer log" "$LOG"
    fail "handshake and ping/pong with bcoin not complete within 45 s"
  fi
  sleep 0.5
done

kill -TERM "$BSVPEER_PID"
wait_exit "$BSVPEER_PID" 10 || fail "bsvpeer did not stop within 10 s of SIGTERM"
no_sanitizer_report "$LOG"
[[ $WAIT_RC -eq 0 ]] || { show_file "bsvpeer log" "$LOG"; fail "bsvpeer exited with $WAIT_RC"; }
grep -q ' info stopped$' "$LOG" || { show_file "bsvpeer log" "$LOG"; fail "bsvpeer did not log 'stopped'"; }
kill -TERM "$BCOIN_PID" 2>/dev/null || true
wait_exit "$BCOIN_PID" 10 || echo "note: bcoin did not stop within 10 s (killed at exit)"

if ! "${CHECK[@]}" --final; then
  show_file "bcoin events" "$EVENTS"
  show_file "bsvpeer log" "$LOG"
  fail "bcoin interop checks"
fi
# Record what bcoin sent that bsvpeer does not parse (not a failure: BTC-only or unneeded).
unknown=$(grep ' debug \[' "$LOG" | grep -o 'recv [a-z]* (unknown, [0-9]* bytes)' | sort | uniq -c | sed 's/^ */    /' || true)
[[ -z "$unknown" ]] || printf '  note messages from bcoin bsvpeer logged as unknown:\n%s\n' "$unknown"
errors=$(grep -o '"event":"peer_error".*' "$EVENTS" | sort | uniq -c | sed 's/^ */    /' || true)
[[ -z "$errors" ]] || printf '  note bcoin peer errors:\n%s\n' "$errors"

echo "PASS: bcoin interop (both directions: handshake, getaddr, ping/pong both ways)"
