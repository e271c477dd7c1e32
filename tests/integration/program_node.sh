#!/usr/bin/env bash
# The bsvpeer program as processes, on loopback only (127.0.0.31-35), always regtest, each
# node with its own -datadir under a mktemp directory:
#   e. bad options: exit 2 and a message on stderr, nothing started;
#   a. A and B (B -addnode=A) handshake; SIGUSR1 on B says "1 manual"; SIGTERM: both exit 0
#      with "stopped", and B's regtest/peers.json holds A as valid; B restarted loads it and
#      connects to A again;
#   b. a second process on B's datadir exits 1 on the lock, B carries on;
#   c. C reads <datadir>/bsvpeer.conf (network, limits, [regtest] section); SIGHUP after an
#      edit: "configuration reloaded" and a new addnode=A is dialled; SIGHUP after the network
#      changed in the file: "reload refused" and C keeps running;
#   d. a peer with the user agent "/Bitcoin ABC:0.20/" is banned by A; the ban is in A's
#      peers.json and, after A restarts, that IP is refused at accept.
# Every log must be free of sanitizer reports (the asan build checks at each exit).
#
# usage: program_node.sh BUILD_DIR SOURCE_DIR   (PROGRAM_KEEP=1 keeps the logs)
# Exit 77 (skip) if python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"

node_require python3

node_workdir program_node PROGRAM_KEEP

IP_A=127.0.0.31
IP_B=127.0.0.32
IP_C=127.0.0.33
IP_BANNED=127.0.0.35
mkdir -p "$WORK/a" "$WORK/b" "$WORK/c"

declare -A PID LOG PORT
RUNS=0
NODE_STOP_LOGGED=1 # stop also requires the line "stopped"
# status_until NAME PATTERN SECONDS: SIGUSR1 every 0.5 s until a status line matches PATTERN.
status_until() {
  local name=$1 pattern=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    kill -USR1 "${PID[$name]}" 2>/dev/null || break
    sleep 0.5
    grep -Eq -- "info status: .*$pattern" "${LOG[$name]}" && return 0
  done
  show_file "$name" "${LOG[$name]}"
  fail "$name: no status line with '$pattern' within $seconds s"
}
# A peer's log context: "[ip:port out #N]" for the given ip and port.
out_to() { echo "\[${1//./\\.}:$2 out #[0-9]+\]"; }

# ------------------------------------------------------------------------ e: bad options
echo "== e: bad options exit 2 with a message"
printf 'regtest=1\nnosuchoption=1\n' >"$WORK/bad.conf"
mkdir -p "$WORK/e"
E="-datadir=$WORK/e"
bad_cases=(
  "-port must be between 0 and 65535|$E -regtest -port=70000"
  "unrecognised option '-bogus'|$E -regtest -bogus"
  "is not an existing directory|-datadir=$WORK/missing -regtest"
  "-connect: not an ip\[:port\]: '1.2.3'|$E -regtest -connect=1.2.3"
  "-conf: .* does not exist|$E -regtest -conf=missing.conf"
  "$WORK/bad.conf: .*nosuchoption|$E -conf=$WORK/bad.conf"
  "choose at most one of -testnet, -regtest, -stn|$E -regtest -testnet"
  "-maxconnections must be between 1 and 100000|$E -regtest -maxconnections=0"
  "-pinginterval must be between 1 and|$E -regtest -pinginterval=0"
  "-inboundallow: not an IP or CIDR|$E -regtest -inboundallow=10.0.0.0/33"
)
for case in "${bad_cases[@]}"; do
  message=${case%%|*}
  read -r -a args <<<"${case#*|}"
  rc=0
  # A refused start never runs a node, so a plain timeout bounds it.
  timeout 30 "$BSVPEER" "${args[@]}" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
  no_sanitizer_report "$WORK/bad.err"
  [[ $rc -eq 2 ]] || { cat "$WORK/bad.out" "$WORK/bad.err"; fail "bsvpeer ${args[*]}: exit $rc, expected 2"; }
  grep -Eq -- "^bsvpeer: .*$message" "$WORK/bad.err" || { cat "$WORK/bad.err"; fail "bsvpeer ${args[*]}: no '$message' on stderr"; }
  [[ ! -s "$WORK/bad.out" ]] || { cat "$WORK/bad.out"; fail "bsvpeer ${args[*]}: wrote to stdout"; }
  echo "  ok   ${args[*]}"
done
[[ -z "$(ls -A "$WORK/e")" ]] || fail "a refused start wrote into its datadir"

# --------------------------------------------------------- a: A and B, B -addnode=A
echo "== a: B -addnode=A handshakes; peers.json survives a restart"
start_listening a "$IP_A" -regtest -nodnsseed
start_listening b "$IP_B" -regtest -nodnsseed -addnode="$IP_A:${PORT[a]}" -outboundbind="$IP_B"
expect_log b "$(out_to "$IP_A" "${PORT[a]}") handshake done" 20 "no handshake with A"
# A logs an inbound peer's handshake only at -debug=debug; its status counts it.
status_until a "inbound 1, handshaking 0" 15
status_until b "\+ 1 manual" 15
echo "  ok   handshake both ways (A's status: inbound 1), B's status: 1 manual"
stop b
stop a
python3 - "$WORK/b/regtest/peers.json" "$IP_A" "${PORT[a]}" <<'EOF' || fail "B's peers.json has no valid record of A"
import json, sys
path, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path) as f:
    store = json.load(f)
assert store["network"] == "regtest", store["network"]
records = [p for p in store["peers"] if p["ip"] == ip and p["port"] == port]
assert len(records) == 1, store["peers"]
assert records[0]["status"].lower() == "valid", records[0]
assert records[0]["user_agent"].startswith("/bsvpeer:"), records[0]
EOF
echo "  ok   B's peers.json: A valid"
# Same ports again: B's record of A must point at the restarted A.
start a -regtest -nodnsseed -bind="$IP_A" -port="${PORT[a]}"
expect_log a "listening on ${IP_A//./\\.}:${PORT[a]}\$" 20 "did not listen again on its port"
start b -regtest -nodnsseed -bind="$IP_B" -port="${PORT[b]}" -addnode="$IP_A:${PORT[a]}" -outboundbind="$IP_B"
expect_log b "peer store .*/b/regtest/peers\.json: loaded \(1 records, 0 skipped\)" 20 "did not load its store"
expect_log b "$(out_to "$IP_A" "${PORT[a]}") handshake done" 20 "no handshake with A after the restart"
status_until b "store valid 1 " 15
echo "  ok   B restarted: store loaded with A's record, connected again"

# ------------------------------------------------------------- b: one process per datadir
echo "== b: a second bsvpeer on B's datadir"
rc=0
# Its own free -rpcport: should it get past the lock, it must not take the default RPC port.
timeout 30 "$BSVPEER" -regtest -datadir="$WORK/b" -nolisten -nodnsseed -rpcport="$(random_port)" \
  >"$WORK/second.log" 2>&1 || rc=$?
no_sanitizer_report "$WORK/second.log"
[[ $rc -eq 1 ]] || { cat "$WORK/second.log"; fail "second process on B's datadir: exit $rc, expected 1"; }
grep -q "cannot lock .*/b/regtest/\.lock: bsvpeer is probably already running there" "$WORK/second.log" ||
  { cat "$WORK/second.log"; fail "second process: no lock message"; }
kill -0 "${PID[b]}" 2>/dev/null || fail "B died when a second process tried its datadir"
lines_before=$(grep -c 'info status: ' "${LOG[b]}" || true)
status_until b "\+ 1 manual" 15
(($(grep -c 'info status: ' "${LOG[b]}") > lines_before)) || fail "B did not answer SIGUSR1"
stop b
echo "  ok   exit 1 with the lock message; B unaffected and stopped cleanly"

# ------------------------------------------------------------------ c: config file, SIGHUP
echo "== c: config file and SIGHUP"
PORT[c]=$(random_port)
write_conf() { # write_conf NETWORK MAXCONNECTIONS [EXTRA LINE]
  {
    echo "# written by program_node.sh"
    echo "$1=1"
    echo "dnsseed=0"
    echo "maxconnections=$2"
    echo ""
    echo "[regtest]"
    echo "bind=$IP_C"
    echo "port=${PORT[c]}"
    echo "outboundbind=$IP_C"
    [[ -z "${3:-}" ]] || echo "$3"
    echo "[test]"
    echo "maxconnections=1"
  } >"$WORK/c/bsvpeer.conf"
}
write_conf regtest 20
# The network comes from the file's top level here (regtest); the command line has none.
start c
if ! wait_for "${LOG[c]}" "listening on ${IP_C//./\\.}:${PORT[c]}\$|cannot listen" 20 "${PID[c]}" ||
  ! grep -q "listening on $IP_C:${PORT[c]}" "${LOG[c]}"; then
  show_file c "${LOG[c]}"
  fail "C did not listen on the address and port of its config file"
fi
grep -q "on regtest (magic dab5bffa)" "${LOG[c]}" || fail "C is not on regtest"
grep -q "config file $WORK/c/bsvpeer.conf" "${LOG[c]}" || fail "C did not say which config file it read"
write_conf regtest 30 "addnode=$IP_A:${PORT[a]}"
kill -HUP "${PID[c]}"
expect_log c "info configuration reloaded\$" 15 "no 'configuration reloaded' after SIGHUP"
expect_log c "$(out_to "$IP_A" "${PORT[a]}") handshake done" 20 "the reloaded addnode=A was not dialled"
status_until c "\+ 1 manual" 15
echo "  ok   SIGHUP: configuration reloaded, the new addnode connected"
write_conf testnet 30 "addnode=$IP_A:${PORT[a]}"
kill -HUP "${PID[c]}"
expect_log c "error reload refused: the network cannot change\$" 15 "a network change in the file was not refused"
printf 'regtest=1\nnosuchoption=1\n' >"$WORK/c/bsvpeer.conf"
kill -HUP "${PID[c]}"
expect_log c "error reload refused: .*bsvpeer\.conf: .*nosuchoption" 15 "a bad config file was not refused"
kill -0 "${PID[c]}" 2>/dev/null || fail "C died after a refused reload"
lines_before=$(grep -c 'info status: ' "${LOG[c]}")
status_until c "\+ 1 manual" 15
(($(grep -c 'info status: ' "${LOG[c]}") > lines_before)) || fail "C did not answer SIGUSR1 after the refusals"
(($(grep -c 'configuration reloaded' "${LOG[c]}") == 1)) || fail "C reloaded a refused configuration"
stop c
echo "  ok   network change and a bad file refused; C kept running and stopped cleanly"

# ------------------------------------------------------------- d: a ban survives a restart
echo "== d: a banned user agent's IP stays banned across a restart"
# send_version PORT UA: connect from IP_BANNED to A, send a version and read until A hangs up;
# prints "closed: <commands received>", or "timeout" if A kept the connection open 10 s.
send_version() { send_version_to "$IP_A" "$1" "$IP_BANNED" "$2" report; }
result=$(send_version "${PORT[a]}" "/Bitcoin ABC:0.20/") || fail "the version sender failed"
expect_log a "banned ${IP_BANNED//./\\.} until [0-9]+: banned_user_agent" 15 "the ABC user agent was not banned"
[[ $result == closed:* ]] || fail "A kept the banned peer's connection open ($result)"
echo "  ok   A banned $IP_BANNED and hung up ($result)"
stop a
python3 - "$WORK/a/regtest/peers.json" "$IP_BANNED" <<'EOF' || fail "A's peers.json has no ban of $IP_BANNED"
import json, sys
with open(sys.argv[1]) as f:
    store = json.load(f)
records = [p for p in store["peers"] if p["ip"] == sys.argv[2]]
assert records and all(p["status"] == "banned" and p["ban"] for p in records), records
EOF
start a -regtest -nodnsseed -bind="$IP_A" -port="${PORT[a]}"
expect_log a "listening on ${IP_A//./\\.}:${PORT[a]}\$" 20 "did not listen again on its port"
status_until a "banned [1-9]" 15
result=$(send_version "${PORT[a]}" "/bsvpeer-test:1.0/") || fail "the version sender failed after the restart"
[[ $result == "closed: " ]] || fail "the banned IP after the restart got '$result' (expected a close at accept)"
expect_log a "refused inbound ${IP_BANNED//./\\.}:[0-9]+: banned\$" 15 "no 'refused inbound ... banned' after the restart"
grep -Eq "\[${IP_BANNED//./\\.}:[0-9]+ in #" "${LOG[a]}" && fail "the banned IP got a connection after the restart"
stop a
echo "  ok   banned by user agent, persisted, refused at accept after the restart"

for log in "$WORK"/*.log; do
  no_sanitizer_report "$log"
  # Loopback only: every connection the nodes made or took is on 127.0.0.0/8.
  if grep -E '\[[^]]+ (in|out) #[0-9]+\]' "$log" | grep -Ev '\[127\.[0-9.]+:[0-9]+ (in|out) #'; then
    fail "a connection to or from a non-loopback address in $log"
  fi
done
echo "PASS: program_node (bad options, addnode + store, datadir lock, config reload, persisted ban)"
