# Shared by the crawl_*.sh tests (not a test itself: not *.sh). Needs BUILD_DIR, SOURCE_DIR.
# Starts bsvpeer-simnet on loopback addresses 127.<base>.x.y (one per test, so tests can run
# side by side) and runs bsvcrawl against it with short timeouts.
SIMNET="$BUILD_DIR/tools/bsvpeer-simnet"
BSVCRAWL="$BUILD_DIR/src/bsvcrawl/bsvcrawl"
CHECK="python3 $SOURCE_DIR/tests/integration/crawl_check.py"
SCHEMA="$SOURCE_DIR/src/bsvcrawl/nodes.schema.json"
TMP=$(mktemp -d /tmp/bsvcrawl-test.XXXXXX)
SIMNET_PID=""
CRAWL_PID=""

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  [[ -n "$CRAWL_PID" ]] && kill -9 "$CRAWL_PID" 2>/dev/null || true
  [[ -n "$SIMNET_PID" ]] && kill "$SIMNET_PID" 2>/dev/null || true
  [[ -n "${DNSMASQ_PID:-}" ]] && kill "$DNSMASQ_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ "${CRAWL_KEEP:-0}" == 1 ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

[[ -x "$SIMNET" ]] || fail "$SIMNET not built (--target bsvpeer_simnet)"
[[ -x "$BSVCRAWL" ]] || fail "$BSVCRAWL not built (--target bsvcrawl)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed"
  exit 77
fi

# start_simnet NAME ARGS...: starts the simulated network (retrying on another port when one is
# taken) and sets SIM_PORT, SEED_ARGS, TRUTH=$TMP/NAME.truth.json.
start_simnet() {
  local name=$1
  shift
  TRUTH="$TMP/$name.truth.json"
  local attempt
  for attempt in 1 2 3 4 5; do
    SIM_PORT=$((20000 + RANDOM % 9000))
    rm -f "$TMP/$name.ready"
    "$SIMNET" --port "$SIM_PORT" --truth "$TRUTH" --ready "$TMP/$name.ready" "$@" \
      >"$TMP/$name.stats" 2>"$TMP/$name.simnet.log" &
    SIMNET_PID=$!
    local i
    for i in $(seq 1 100); do
      [[ -s "$TMP/$name.ready" ]] && break
      kill -0 "$SIMNET_PID" 2>/dev/null || break
      sleep 0.05
    done
    if [[ -s "$TMP/$name.ready" ]]; then
      SEED_ARGS=$(python3 -c "import json,sys;print(' '.join('--seed='+s for s in json.load(open(sys.argv[1]))['seeds']))" "$TRUTH")
      return 0
    fi
    wait "$SIMNET_PID" 2>/dev/null || true
    SIMNET_PID=""
  done
  cat "$TMP/$name.simnet.log" >&2
  fail "simnet did not start"
}

stop_simnet() {
  kill "$SIMNET_PID" 2>/dev/null || true
  wait "$SIMNET_PID" 2>/dev/null || true
  SIMNET_PID=""
}

# The crawler's options for the simulated network: regtest, loopback addresses, short timeouts.
crawl_args() {
  echo --network=regtest --dns-seed=0 --local-addresses=1 --port="$SIM_PORT" \
    --connect-timeout=1 --handshake-timeout=1 --addr-timeout=2 --progress-interval=0.5
}

# socket_count PID: sockets the process holds open now.
socket_count() {
  find /proc/"$1"/fd -lname 'socket:*' 2>/dev/null | wc -l
}

no_sanitizer_report() {
  if grep -qE "ERROR: (Address|Leak|Thread|Undefined)Sanitizer|runtime error:" "$1"; then
    grep -E "Sanitizer|runtime error" "$1" | head -5 >&2
    fail "sanitizer report in $1"
  fi
}
