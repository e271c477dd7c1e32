#!/usr/bin/env bash
# The bsvpeer program's log, as processes on loopback (127.0.0.61-62, regtest, a datadir per
# node under mktemp):
#   a. one event, one line: B (-addnode=A) connects to A and leaves (SIGTERM). At the default
#      level B, which dialled, logs "handshake done" (info) and A none about its inbound peer B
#      (bitcoind and SV Node keep inbound comings and goings under -debug=net); A's lines about
#      that peer at -debug=debug: exactly "handshake done" and "closing: peer_closed" (debug),
#      one line per state transition (3) and one "recv" line per
#      message B sent (version, verack, protoconf, ping, getaddr, pong): 11 lines (12 when the
#      answer to B's getaddr loses the race with its close and is refused), none twice;
#      a dial to a closed port is one warning per attempt ("closing: connect_failed (...)");
#      a peer with a banned user agent: one "banned ... until" and one "closing" warning;
#   b. debug.log in the network's data dir holds what the console shows; -debuglogfile=<rel>
#      lands under the data dir; -nodebuglogfile writes none; -printtoconsole=0 keeps the
#      console empty while the file fills;
#   c. logrotate: debug.log moved away + SIGHUP -> a new debug.log gets the following lines;
#   d. a changed debug= level in the config file applies on SIGHUP (debug lines appear);
#   e. -shrinkdebugfile: a 12 MB debug.log is cut to its last 10 MB at startup (default without
#      -debug, starting at a whole line); with -debug it is left alone.
#
# usage: program_log.sh BUILD_DIR SOURCE_DIR   (PROGRAM_KEEP=1 keeps the logs)
# Exit 77 (skip) if python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"

node_require python3
node_workdir program_log PROGRAM_KEEP

IP_A=127.0.0.61
IP_B=127.0.0.62
RUN=0

# start_a DATADIR ARGS...: A listening on IP_A (a free port, retried on a lost race), its console
# in $OUT; sets PID_A and PORT_A.
start_a() {
  local dir=$1
  shift
  mkdir -p "$dir"
  local attempt
  for attempt in 1 2 3 4 5; do
    RUN=$((RUN + 1))
    OUT="$WORK/a.$RUN.out"
    PORT_A=$(random_port)
    "$BSVPEER" -noserver -datadir="$dir" -regtest -bind=$IP_A -port="$PORT_A" -connect=0 -listen=1 "$@" >"$OUT" 2>&1 &
    PID_A=$!
    track_pid "$PID_A"
    # The file, not the console: -printtoconsole=0 leaves the console empty.
    if wait_for "$dir/regtest/${LOGNAME_A:-debug.log}" "listening on ${IP_A//./\\.}:$PORT_A\$|cannot listen" 20 "$PID_A" &&
      grep -q "listening on $IP_A:$PORT_A" "$dir/regtest/${LOGNAME_A:-debug.log}"; then
      return 0
    fi
    echo "  note: A could not listen on $PORT_A (attempt $attempt)"
    stop_a any
  done
  show_file A "$OUT"
  fail "A did not start"
}
stop_a() {
  kill -TERM "$PID_A" 2>/dev/null || true
  wait_exit "$PID_A" 15 || fail "A did not stop within 15 s"
  no_sanitizer_report "$OUT"
  [[ ${1:-} == any || $WAIT_RC -eq 0 ]] || { show_file A "$OUT"; fail "A exited with $WAIT_RC"; }
}
# visit FILE [debug]: B connects to A, handshakes (B's log says so), and leaves; with "debug" (A
# logs inbound peers' routine lines) returns once A has logged the end.
VISITS=0
# wait_lines FILE PATTERN N: until FILE has N lines matching PATTERN (20 s at most, A alive).
wait_lines() {
  local deadline=$((SECONDS + 20))
  until (($(grep -Ec -- "$2" "$1" || true) >= $3)); do
    ((SECONDS < deadline)) || return 1
    kill -0 "$PID_A" 2>/dev/null || return 1
    sleep 0.1
  done
}
# b_lines FILE: B's lines about its dial to A, without the timestamp and the peer.
b_lines() { grep -E "\[${IP_A//./\\.}:$PORT_A out #[0-9]+\]" "$1" | cut -d' ' -f2- | sed -E 's/\[[^]]*\] //'; }
visit() {
  VISITS=$((VISITS + 1))
  local dir="$WORK/b.$VISITS" who="\[${IP_B//./\\.}:[0-9]+ in #[0-9]+\]"
  local seen
  seen=$(grep -Ec -- "$who closing: " "$1" || true)
  mkdir -p "$dir"
  "$BSVPEER" -noserver -datadir="$dir" -regtest -outboundbind=$IP_B -nolisten -connect=0 -addnode=$IP_A:"$PORT_A" >"$dir.out" 2>&1 &
  local pid=$!
  track_pid "$pid"
  wait_lines "$dir.out" "\[${IP_A//./\\.}:$PORT_A out #[0-9]+\] handshake done" 1 ||
    { show_file A "$1"; show_file B "$dir.out"; fail "B did not handshake with A"; }
  kill -TERM "$pid"
  wait_exit "$pid" 15 || fail "B did not stop"
  LAST_B_LOG="$dir/regtest/debug.log"
  [[ ${2:-} != debug ]] && return 0
  wait_lines "$1" "$who closing: " $((seen + 1)) ||
    { show_file A "$1"; fail "A did not log B's leaving"; }
}
# peer_lines FILE: A's lines about B (its "[ip:port in #N]" context), without the timestamp.
peer_lines() { grep -E "\[${IP_B//./\\.}:[0-9]+ in #[0-9]+\]" "$1" | cut -d' ' -f2- | sed -E 's/\[[^]]*\] //'; }
# expect_count FILE PATTERN N
expect_count() {
  local n
  n=$(peer_lines "$1" | grep -Ec -- "$2" || true)
  [[ $n -eq $3 ]] || { show_file A "$1"; fail "'$2': $n lines, expected $3"; }
}

# ------------------------------------------------------------ a: one event, one line
echo "== a: one line per event, default level"
start_a "$WORK/a1"
DEBUG_LOG="$WORK/a1/regtest/debug.log"
visit "$DEBUG_LOG"
stop_a
expect_count "$DEBUG_LOG" '.' 0
n=$(b_lines "$LAST_B_LOG" | grep -Ec '^info handshake done: version 70016 ' || true)
[[ $n -eq 1 ]] || { show_file B "$LAST_B_LOG"; fail "B: $n 'handshake done' lines, expected 1"; }
echo "  ok   no line about an inbound peer's visit; the dialling side: one 'handshake done' (info)"
# The console says the same, line for line.
cmp <(cut -d' ' -f2- "$OUT") <(cut -d' ' -f2- "$DEBUG_LOG") || fail "console and debug.log differ"
echo "  ok   console and debug.log hold the same lines"

echo "== a: one line per event, -debug=debug"
start_a "$WORK/a2" -debug=debug
DEBUG_LOG="$WORK/a2/regtest/debug.log"
visit "$DEBUG_LOG" debug
wait_lines "$DEBUG_LOG" 'state connected -> failed' 1 || { show_file A "$DEBUG_LOG"; fail "no final transition"; }
stop_a
expect_count "$DEBUG_LOG" '^debug state disconnected -> awaiting_handshake$' 1
expect_count "$DEBUG_LOG" '^debug state awaiting_handshake -> connected$' 1
expect_count "$DEBUG_LOG" '^debug state connected -> failed \(peer_closed' 1
expect_count "$DEBUG_LOG" '^debug handshake done: ' 1
expect_count "$DEBUG_LOG" '^debug closing: peer_closed ' 1
for command in version verack protoconf ping getaddr pong; do
  expect_count "$DEBUG_LOG" "^debug recv $command( |\$)" 1
done
# A's answer to B's getaddr may lose the race with B's close: then one more event, the send
# refused ("not sent addr: not connected"), and its one line.
late_addr=$(peer_lines "$DEBUG_LOG" | grep -c '^debug not sent addr: not connected$' || true)
[[ $late_addr -le 1 ]] || { show_file A "$DEBUG_LOG"; fail "$late_addr 'not sent addr' lines"; }
expect_count "$DEBUG_LOG" '.' $((11 + late_addr))
dups=$(peer_lines "$DEBUG_LOG" | sort | uniq -d)
[[ -z "$dups" ]] || fail "lines written twice: $dups"
echo "  ok   $((11 + late_addr)) lines: 3 transitions, handshake, closing, 6 messages received$(
  ((late_addr)) && echo ", the late addr refused"), none twice"

echo "== a: a dial that fails is one warning line"
mkdir -p "$WORK/a3"
RUN=$((RUN + 1))
OUT="$WORK/a.$RUN.out"
CLOSED=$(random_port)  # nothing listens there
"$BSVPEER" -noserver -datadir="$WORK/a3" -regtest -nolisten -connect=0 -addnode=$IP_A:"$CLOSED" -addnoderetry=1 >"$OUT" 2>&1 &
PID_A=$!
track_pid "$PID_A"
DEBUG_LOG="$WORK/a3/regtest/debug.log"
wait_lines "$DEBUG_LOG" "out #2\] closing: " 1 || { show_file A "$DEBUG_LOG"; fail "no second failed dial"; }
stop_a
for n in 1 2; do
  lines=$(grep -Ec "\[${IP_A//./\\.}:$CLOSED out #$n\]" "$DEBUG_LOG" || true)
  [[ $lines -eq 1 ]] || { show_file A "$DEBUG_LOG"; fail "dial #$n: $lines lines, expected 1"; }
  grep -Eq "warning \[${IP_A//./\\.}:$CLOSED out #$n\] closing: connect_failed \(" "$DEBUG_LOG" ||
    { show_file A "$DEBUG_LOG"; fail "dial #$n: no 'closing: connect_failed' warning"; }
done
echo "  ok   each failed dial: one 'closing: connect_failed (...)' warning"

echo "== a: a banned peer: the ban and the connection's end, one warning each"
start_a "$WORK/a4"
DEBUG_LOG="$WORK/a4/regtest/debug.log"
send_version_to "$IP_A" "$PORT_A" "$IP_B" "/Bitcoin ABC:0.20/" || fail "the version sender failed"
wait_lines "$DEBUG_LOG" "closing: banned_user_agent" 1 || { show_file A "$DEBUG_LOG"; fail "no closing line for the banned peer"; }
wait_lines "$DEBUG_LOG" "banned ${IP_B//./\\.} until" 1 || { show_file A "$DEBUG_LOG"; fail "no ban line"; }
stop_a
expect_count "$DEBUG_LOG" '^warning closing: banned_user_agent ' 1
expect_count "$DEBUG_LOG" '.' 1
n=$(grep -Ec "warning banned ${IP_B//./\\.} until [0-9]+: banned_user_agent\$" "$DEBUG_LOG" || true)
[[ $n -eq 1 ]] || { show_file A "$DEBUG_LOG"; fail "ban lines: $n, expected 1"; }
echo "  ok   'banned ... until' and 'closing: banned_user_agent', once each"

# ------------------------------------------------------------ b: where the log goes
echo "== b: -debuglogfile, -nodebuglogfile, -printtoconsole=0"
LOGNAME_A=custom.log start_a "$WORK/b1" -debuglogfile=custom.log
stop_a
[[ ! -e "$WORK/b1/regtest/debug.log" ]] || fail "-debuglogfile=custom.log still wrote debug.log"
grep -q ' info stopped$' "$WORK/b1/regtest/custom.log" || fail "custom.log lacks the stop line"
echo "  ok   -debuglogfile=custom.log: <datadir>/regtest/custom.log"

mkdir -p "$WORK/b2"
RUN=$((RUN + 1))
OUT="$WORK/a.$RUN.out"
PORT_A=$(random_port)
"$BSVPEER" -noserver -datadir="$WORK/b2" -regtest -bind=$IP_A -port="$PORT_A" -connect=0 -listen=1 -nodebuglogfile >"$OUT" 2>&1 &
PID_A=$!
track_pid "$PID_A"
wait_for "$OUT" "listening on |cannot listen" 20 "$PID_A" || { show_file A "$OUT"; fail "A did not start"; }
stop_a any
[[ -z "$(find "$WORK/b2" -name '*.log')" ]] || fail "-nodebuglogfile wrote a log file"
grep -q ' info stopped$' "$OUT" || fail "-nodebuglogfile: the console lacks the stop line"
echo "  ok   -nodebuglogfile: no file, console only"

start_a "$WORK/b3" -printtoconsole=0
stop_a
[[ ! -s "$OUT" ]] || { show_file console "$OUT"; fail "-printtoconsole=0 wrote to the console"; }
grep -q ' info stopped$' "$WORK/b3/regtest/debug.log" || fail "-printtoconsole=0: debug.log lacks the stop line"
echo "  ok   -printtoconsole=0: file only"

# ------------------------------------------------------------ c: logrotate
echo "== c: debug.log moved away, SIGHUP, a new debug.log"
start_a "$WORK/c"
DEBUG_LOG="$WORK/c/regtest/debug.log"
mv "$DEBUG_LOG" "$DEBUG_LOG.1"
kill -HUP "$PID_A"
wait_for "$DEBUG_LOG" 'configuration reloaded' 10 "$PID_A" || { show_file old "$DEBUG_LOG.1"; fail "no new debug.log after SIGHUP"; }
kill -USR1 "$PID_A"
wait_for "$DEBUG_LOG" 'info status: ' 10 "$PID_A" || fail "the status line did not reach the new debug.log"
grep -q 'status: ' "$DEBUG_LOG.1" && fail "the moved file still got lines after SIGHUP"
stop_a
grep -q ' info stopped$' "$DEBUG_LOG" || fail "the new debug.log lacks the stop line"
echo "  ok   the moved file keeps the old lines, the new one gets the rest"

# ------------------------------------------------------------ d: level on reload
echo "== d: debug= in the config file applies on SIGHUP"
mkdir -p "$WORK/d"
printf 'regtest=1\ndebug=info\n' >"$WORK/d/bsvpeer.conf"
start_a "$WORK/d"
DEBUG_LOG="$WORK/d/regtest/debug.log"
visit "$DEBUG_LOG"
peer_lines "$DEBUG_LOG" | grep -q '^debug' && fail "debug lines at info"
printf 'regtest=1\ndebug=debug\n' >"$WORK/d/bsvpeer.conf"
kill -HUP "$PID_A"
wait_for "$DEBUG_LOG" 'configuration reloaded' 10 "$PID_A" || fail "no reload"
visit "$DEBUG_LOG" debug
stop_a
expect_count "$DEBUG_LOG" '^debug state awaiting_handshake -> connected$' 1
echo "  ok   debug lines after the reload, none before"

# ------------------------------------------------------------ e: -shrinkdebugfile
echo "== e: -shrinkdebugfile"
mkdir -p "$WORK/e1/regtest" "$WORK/e2/regtest"
python3 - "$WORK/e1/regtest/debug.log" <<'PY'
import sys
line = "2026-01-01T00:00:00.000 info filler line %08d " + "x" * 60 + "\n"
with open(sys.argv[1], "w") as f:
    for i in range(12_000_000 // 100):
        f.write(line % i)
PY
cp "$WORK/e1/regtest/debug.log" "$WORK/e2/regtest/debug.log"
before=$(stat -c %s "$WORK/e1/regtest/debug.log")
start_a "$WORK/e1"
stop_a
after=$(stat -c %s "$WORK/e1/regtest/debug.log")
((after <= 10000000 + 100000)) || fail "not shrunk: $before -> $after bytes"
((after > 9000000)) || fail "shrunk too far: $after bytes"
head -1 "$WORK/e1/regtest/debug.log" | grep -Eq '^2026-01-01T00:00:00\.000 info filler line [0-9]{8} x+$' ||
  fail "the shrunk file does not start at a whole line"
start_a "$WORK/e2" -debug=debug
stop_a
((($(stat -c %s "$WORK/e2/regtest/debug.log")) > before)) || fail "shrunk although -debug was given"
echo "  ok   $before -> $after bytes by default, left alone with -debug"
echo "PASS"
