# shellcheck shell=bash disable=SC2004  # PID, LOG and PORT are the sourcing script's associative arrays
# Shared by the script tests that run bsvpeer processes (not a test itself: not *.sh). Source it
# after npm/interop_lib.sh (it replaces that file's port_is_free, which asks node), with BUILD_DIR
# and SOURCE_DIR set.

BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"

# node_require TOOL...: fail when bsvpeer is not built; exit 77 (skip) when a TOOL is missing.
node_require() {
  [[ -x "$BSVPEER" ]] || fail "$BSVPEER not built (cmake --build $BUILD_DIR --target bsvpeer_program)"
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "SKIP: $tool is needed (scripts/install-deps.sh --with-tests)"
      exit 77
    }
  done
}

# port_is_free PORT [IP]: nothing bound to IP:PORT over TCP (IP defaults to 127.0.0.1). Asks
# python3 only, so these tests need no node.
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

# node_workdir NAME [KEEP_VAR]: sets WORK to a new directory under $TMPDIR; on exit every tracked
# process is killed and WORK removed, unless the environment variable named KEEP_VAR is set
# (then "kept WORK" is printed). INT and TERM exit 1, which runs the same cleanup.
node_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  NODE_KEEP_VAR=${2:-}
  trap node_cleanup EXIT
  trap 'exit 1' INT TERM
}
node_cleanup() {
  kill_tracked
  if [[ -n "$NODE_KEEP_VAR" && -n "${!NODE_KEEP_VAR:-}" ]]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}

# Processes by name, for scripts that declare `declare -A PID LOG PORT` and `RUNS=0`: PID[NAME],
# LOG[NAME] (a new file each start), PORT[NAME] (start_listening). NODE_ARGS: options the script
# gives every node, before the call's own.
NODE_ARGS=()
# start NAME ARGS...: bsvpeer with -datadir=$WORK/NAME in the background. Its JSON-RPC server
# gets a free -rpcport (the default, 18332, would collide with tests running at the same time)
# unless NODE_ARGS or ARGS already give -rpcport=, -noserver, -server=0 or -server=false.
start() {
  local name=$1
  shift
  local arg own_rpc_port=true rpc=()
  for arg in "${NODE_ARGS[@]}" "$@"; do
    case $arg in
      -rpcport=* | -noserver | -server=0 | -server=false) own_rpc_port=false ;;
    esac
  done
  $own_rpc_port && rpc=(-rpcport="$(random_port)")
  RUNS=$((RUNS + 1))
  LOG[$name]="$WORK/$name.$RUNS.log"
  "$BSVPEER" -datadir="$WORK/$name" "${NODE_ARGS[@]}" "$@" "${rpc[@]}" >"${LOG[$name]}" 2>&1 &
  PID[$name]=$!
  track_pid "${PID[$name]}"
}
# start_listening NAME IP ARGS...: start on IP with a free port (tried again on a lost race);
# sets PORT[NAME]. NODE_OUTBOUND_BIND=1 also binds the node's outbound connections to IP.
NODE_OUTBOUND_BIND=0
start_listening() {
  local name=$1 ip=$2
  shift 2
  local attempt bind=()
  ((NODE_OUTBOUND_BIND)) && bind=(-outboundbind="$ip")
  for attempt in 1 2 3 4 5; do
    PORT[$name]=$(random_port)
    start "$name" -bind="$ip" -port="${PORT[$name]}" "${bind[@]}" "$@"
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
# stop NAME [any]: SIGTERM, at most 15 s to exit, no sanitizer report; exit 0 required unless
# "any", and with NODE_STOP_LOGGED=1 also the line "stopped".
NODE_STOP_LOGGED=0
stop() {
  local name=$1 mode=${2:-clean}
  kill -TERM "${PID[$name]}" 2>/dev/null || true
  wait_exit "${PID[$name]}" 15 || { show_file "$name" "${LOG[$name]}"; fail "$name did not stop within 15 s of SIGTERM"; }
  no_sanitizer_report "${LOG[$name]}"
  [[ $mode == any ]] && return 0
  [[ $WAIT_RC -eq 0 ]] || { show_file "$name" "${LOG[$name]}"; fail "$name exited with $WAIT_RC after SIGTERM"; }
  if ((NODE_STOP_LOGGED)); then
    grep -q ' info stopped$' "${LOG[$name]}" || { show_file "$name" "${LOG[$name]}"; fail "$name did not log 'stopped'"; }
  fi
}
# expect_log NAME PATTERN SECONDS WHAT: wait for a log line or fail saying WHAT.
expect_log() {
  wait_for "${LOG[$1]}" "$2" "$3" "${PID[$1]}" || { show_file "$1" "${LOG[$1]}"; fail "$1: $4"; }
}

# send_version_to IP PORT SOURCE UA [report]: from SOURCE, a version with user agent UA to
# IP:PORT; reads until the node hangs up (a reset counts as hanging up), at most 10 s per socket
# call. With "report" it prints "closed: <commands received>", or "timeout" if the node kept the
# connection open 10 s; without, a timeout is an error.
send_version_to() {
  python3 - "$@" <<'PY'
import hashlib, os, socket, struct, sys, time
ip, port, source, ua = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
report = len(sys.argv) > 5 and sys.argv[5] == "report"
def netaddr(host, p):
    return struct.pack("<Q", 0) + b"\0" * 10 + b"\xff\xff" + socket.inet_aton(host) + struct.pack(">H", p)
payload = (struct.pack("<iQq", 70016, 0, int(time.time())) + netaddr(ip, port) + netaddr(source, 0)
           + os.urandom(8) + bytes([len(ua)]) + ua + struct.pack("<i", 0) + b"\x01")
checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
frame = bytes.fromhex("dab5bffa") + b"version".ljust(12, b"\0") + struct.pack("<I", len(payload)) + checksum + payload
s = socket.socket()
s.settimeout(10)
s.bind((source, 0))
received = b""
try:
    # A refusal at accept may reset the connection before connect() has even returned.
    s.connect((ip, port))
    s.sendall(frame)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        received += chunk
except (ConnectionResetError, BrokenPipeError):
    pass
except socket.timeout:
    if not report:
        raise
    print("timeout")
    sys.exit(0)
if report:
    commands = []
    while len(received) >= 24:
        length = struct.unpack("<I", received[16:20])[0]
        commands.append(received[4:16].rstrip(b"\0").decode(errors="replace"))
        received = received[24 + length:]
    print("closed:", " ".join(commands))
PY
}
