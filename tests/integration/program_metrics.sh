#!/usr/bin/env bash
# /metrics of a bsvpeer process, checked by the real Prometheus tools, on loopback only
# (127.0.0.51-53, regtest, a datadir per node under mktemp):
#   - A listens with -metricsbind; B (-addnode=A, -pinginterval=1) handshakes with A and pings;
#   - a scrape of A passes `promtool check metrics` with no complaint; other paths answer 404,
#     other methods 405; a second node asking for the same metrics port exits 1;
#   - a Prometheus server (127.0.0.1 only, scrape_interval 1s, throwaway tsdb) scrapes A and its
#     HTTP API answers: one inbound connected connection, one inbound handshake established,
#     one handshake-duration observation, ping messages and bytes received > 0;
#   - B stops: A's scrape shows the lost connection by reason and no connection left;
#   - a peer with a banned user agent: bans_total and connection_failures_total by reason, and
#     its next connection refused at accept (inbound_refused_total{reason="banned"});
#   - C asks a seed of a DNS server that is not there: dns_lookups_total by outcome.
#
# usage: program_metrics.sh BUILD_DIR SOURCE_DIR   (PROGRAM_KEEP=1 keeps the logs)
# Exit 77 (skip) without promtool/prometheus (Debian package prometheus), curl or python3.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"

node_require promtool prometheus curl python3

node_workdir program_metrics PROGRAM_KEEP

IP_A=127.0.0.51
IP_B=127.0.0.52
mkdir -p "$WORK/a" "$WORK/b"

# ---------------------------------------------------------------- A with metrics, B pings it
start_a() {
  local attempt
  for attempt in 1 2 3 4 5; do
    PORT_A=$(random_port)
    MPORT=$(random_port)
    "$BSVPEER" -noserver -datadir="$WORK/a" -regtest -bind=$IP_A -port="$PORT_A" -connect=0 -listen=1 \
      -metricsbind=$IP_A:"$MPORT" >"$WORK/a.log" 2>&1 &
    PID_A=$!
    track_pid "$PID_A"
    if wait_for "$WORK/a.log" "metrics on http://${IP_A//./\\.}:$MPORT/metrics" 20 "$PID_A" &&
      wait_for "$WORK/a.log" "listening on ${IP_A//./\\.}:$PORT_A\$" 20 "$PID_A"; then
      return 0
    fi
    echo "  note: A could not listen on $PORT_A/$MPORT (attempt $attempt)"
    kill -TERM "$PID_A" 2>/dev/null || true
    wait_exit "$PID_A" 15 || true
  done
  show_file A "$WORK/a.log"
  fail "A did not start"
}
start_a
"$BSVPEER" -noserver -datadir="$WORK/b" -regtest -outboundbind=$IP_B -nolisten -connect=0 -addnode=$IP_A:"$PORT_A" \
  -pinginterval=1 >"$WORK/b.log" 2>&1 &
PID_B=$!
track_pid "$PID_B"
wait_for "$WORK/b.log" "\[${IP_A//./\\.}:$PORT_A out #[0-9]+\] handshake done" 20 "$PID_B" ||
  { show_file A "$WORK/a.log"; show_file B "$WORK/b.log"; fail "B did not handshake with A"; }
URL="http://$IP_A:$MPORT/metrics"

# ---------------------------------------------------------------- the exposition, linted
echo "== promtool check metrics on a scrape"
# Wait for B's first pings to reach A, so the traffic families have samples.
deadline=$((SECONDS + 20))
until curl -sf "$URL" >"$WORK/scrape.txt" && grep -q '^bsvpeer_messages_received_total{command="ping"} [1-9]' "$WORK/scrape.txt"; do
  ((SECONDS < deadline)) || { cat "$WORK/scrape.txt"; fail "no ping counted in A's metrics within 20 s"; }
  sleep 0.5
done
rc=0
promtool check metrics <"$WORK/scrape.txt" >"$WORK/promtool.out" 2>&1 || rc=$?
if [[ $rc -ne 0 || -s "$WORK/promtool.out" ]]; then
  cat "$WORK/promtool.out"
  fail "promtool check metrics: exit $rc"
fi
echo "  ok   promtool: clean ($(grep -c '^bsvpeer_' "$WORK/scrape.txt") samples)"
grep -q '^bsvpeer_connections{direction="inbound",state="connected"} 1$' "$WORK/scrape.txt" ||
  { cat "$WORK/scrape.txt"; fail "scrape: not one inbound connected connection"; }
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$URL")
[[ $ctype == "text/plain; version=0.0.4; charset=utf-8" ]] || fail "Content-Type '$ctype'"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$IP_A:$MPORT/")
[[ $code == 404 ]] || fail "GET / answered $code, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$URL")
[[ $code == 405 ]] || fail "POST /metrics answered $code, expected 405"
echo "  ok   content type, 404 for /, 405 for POST"
mkdir -p "$WORK/taken"
rc=0
timeout 30 "$BSVPEER" -noserver -datadir="$WORK/taken" -regtest -nolisten -connect=0 \
  -metricsbind=$IP_A:"$MPORT" >"$WORK/taken.log" 2>&1 || rc=$?
[[ $rc -eq 1 ]] && grep -q ' error metrics: ' "$WORK/taken.log" ||
  { show_file taken "$WORK/taken.log"; fail "a taken metrics port: exit $rc, expected 1 with 'metrics:'"; }
no_sanitizer_report "$WORK/taken.log"
echo "  ok   a taken metrics port ends the start (exit 1)"

# ---------------------------------------------------------------- a real Prometheus server
echo "== Prometheus scrapes A and answers queries"
PPORT=$(random_port)
cat >"$WORK/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: bsvpeer
    static_configs: [{targets: ['$IP_A:$MPORT']}]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/pdata" \
  --web.listen-address=127.0.0.1:"$PPORT" >"$WORK/prometheus.log" 2>&1 &
PID_P=$!
track_pid "$PID_P"
# query EXPR CHECK: until the API's instant query of EXPR returns a vector whose values satisfy
# the python expression CHECK (over `values`, a list of floats); 20 s at most.
query() {
  local expr=$1 check=$2 deadline=$((SECONDS + 20)) answer=""
  while ((SECONDS < deadline)); do
    answer=$(curl -s --get --data-urlencode "query=$expr" "http://127.0.0.1:$PPORT/api/v1/query" || true)
    if [[ -n "$answer" ]] && python3 -c '
import json, sys
a = json.loads(sys.argv[1])
if a.get("status") != "success": sys.exit(1)
values = [float(r["value"][1]) for r in a["data"]["result"]]
sys.exit(0 if values and eval(sys.argv[2]) else 1)
' "$answer" "$check" 2>/dev/null; then
      echo "  ok   $expr: $check"
      return 0
    fi
    kill -0 "$PID_P" 2>/dev/null || break
    sleep 0.5
  done
  echo "last answer: $answer"
  show_file prometheus "$WORK/prometheus.log"
  fail "Prometheus: $expr did not satisfy $check"
}
query 'up{job="bsvpeer"}' 'values == [1.0]'
query 'bsvpeer_connections{direction="inbound",state="connected"}' 'values == [1.0]'
query 'sum(bsvpeer_connections)' 'values == [1.0]'
query 'bsvpeer_connections_established_total{direction="inbound"}' 'values == [1.0]'
query 'bsvpeer_handshake_duration_seconds_count' 'values == [1.0]'
query 'bsvpeer_handshake_duration_seconds_bucket{le="+Inf"}' 'values == [1.0]'
query 'bsvpeer_messages_received_total{command="ping"}' 'values[0] > 0'
query 'bsvpeer_received_bytes_total{command="ping"}' 'values[0] >= 32'
query 'bsvpeer_messages_sent_total{command="pong"}' 'values[0] > 0'
query 'bsvpeer_slots_used{kind="inbound"}' 'values == [1.0]'
# B does not listen and says so (no listening address in its version or an addr): A keeps no
# record to dial it back (node/inbound_address.hpp). The gauge's non-zero case is the ban below.
query 'bsvpeer_store_peers{status="valid"}' 'values == [0.0]'
kill -TERM "$PID_P"
wait_exit "$PID_P" 15 || fail "prometheus did not stop"

# ---------------------------------------------------------------- B leaves
echo "== B leaves: lost by reason, nothing connected"
kill -TERM "$PID_B"
wait_exit "$PID_B" 15 || fail "B did not stop"
deadline=$((SECONDS + 10))
until curl -sf "$URL" >"$WORK/scrape2.txt" &&
  grep -q '^bsvpeer_connections_lost_total{direction="inbound",reason="peer_closed"} 1$' "$WORK/scrape2.txt"; do
  ((SECONDS < deadline)) || { cat "$WORK/scrape2.txt"; fail "A's metrics do not show the lost connection"; }
  sleep 0.2
done
grep -q '^bsvpeer_connections{direction="inbound",state="connected"} 0$' "$WORK/scrape2.txt" ||
  { cat "$WORK/scrape2.txt"; fail "a connection is still counted after B left"; }
promtool check metrics <"$WORK/scrape2.txt" || fail "promtool check metrics after B left"
echo "  ok   connections_lost_total{reason=peer_closed} 1, connected 0"

# ---------------------------------------------------------------- a ban, then a refusal
echo "== a banned user agent: a ban by reason, a failed handshake, then a refusal at accept"
# send_version UA: from IP_BANNED, a version with user agent UA to A; reads until A hangs up.
send_version() { send_version_to "$IP_A" "$PORT_A" "$IP_BANNED" "$1"; }
IP_BANNED=127.0.0.53
send_version "/Bitcoin ABC:0.20/" || fail "the version sender failed"
send_version "/bsvpeer-test:1.0/" || fail "the second version sender failed"
# scrape_until PATTERN...: until one scrape of A has every PATTERN (a whole line each).
scrape_until() {
  local deadline=$((SECONDS + 15)) p ok
  while ((SECONDS < deadline)); do
    if curl -sf "$URL" >"$WORK/scrape3.txt"; then
      ok=1
      for p in "$@"; do grep -qxF -- "$p" "$WORK/scrape3.txt" || ok=0; done
      ((ok)) && return 0
    fi
    sleep 0.2
  done
  cat "$WORK/scrape3.txt"
  fail "A's metrics lack one of: $*"
}
scrape_until 'bsvpeer_bans_total{reason="banned_user_agent"} 1' \
  'bsvpeer_connection_failures_total{direction="inbound",reason="banned_user_agent"} 1' \
  'bsvpeer_inbound_refused_total{reason="banned"} 1' \
  'bsvpeer_connection_attempts_total{direction="inbound"} 2' \
  'bsvpeer_store_peers{status="banned"} 1'
promtool check metrics <"$WORK/scrape3.txt" || fail "promtool check metrics after the ban"
echo "  ok   bans_total, connection_failures_total and inbound_refused_total by reason"

kill -TERM "$PID_A"
wait_exit "$PID_A" 15 || fail "A did not stop"
[[ $WAIT_RC -eq 0 ]] || { show_file A "$WORK/a.log"; fail "A exited with $WAIT_RC"; }

# ---------------------------------------------------------------- DNS seed lookups
echo "== DNS lookups by outcome (a seed asked of a DNS server that is not there)"
mkdir -p "$WORK/c"
NOSERVER=$(random_port)
MPORT_C=$(random_port)
"$BSVPEER" -noserver -datadir="$WORK/c" -regtest -nolisten -dnsseedname=seed.bsvpeer.test \
  -dnsserver=127.0.0.1:"$NOSERVER" -metricsbind=127.0.0.1:"$MPORT_C" >"$WORK/c.log" 2>&1 &
PID_C=$!
track_pid "$PID_C"
URL="http://127.0.0.1:$MPORT_C/metrics"
deadline=$((SECONDS + 30))
until curl -sf "$URL" >"$WORK/scrape4.txt" &&
  grep -Eq '^bsvpeer_dns_lookups_total\{status="(refused|timeout)"\} [1-9]' "$WORK/scrape4.txt"; do
  ((SECONDS < deadline)) || { cat "$WORK/scrape4.txt"; show_file C "$WORK/c.log"; fail "no failed DNS lookup counted"; }
  sleep 0.5
done
grep -q '^bsvpeer_dns_lookups_total{status="ok"} 0$' "$WORK/scrape4.txt" || fail "a lookup counted as ok"
promtool check metrics <"$WORK/scrape4.txt" || fail "promtool check metrics on C"
echo "  ok   $(grep -E '^bsvpeer_dns_lookups_total\{status="(refused|timeout)"\}' "$WORK/scrape4.txt" | tr '\n' ' ')"
kill -TERM "$PID_C"
wait_exit "$PID_C" 15 || fail "C did not stop"
[[ $WAIT_RC -eq 0 ]] || { show_file C "$WORK/c.log"; fail "C exited with $WAIT_RC"; }
no_sanitizer_report "$WORK/c.log"
no_sanitizer_report "$WORK/a.log"
no_sanitizer_report "$WORK/b.log"
echo "PASS"
