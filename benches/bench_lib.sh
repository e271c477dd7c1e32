# shellcheck shell=bash
# Shared by the bench scripts (sourced): arguments, process stop, ports, waits, /proc figures.
# The sourcing script sets BENCH_NAME (for messages) and WORK (where logs are).

# bench_binaries BUILD_DIR: sets BUILD_DIR, NODE_BIN and LOAD_BIN; exit 2 with the usage or the
# build command when the directory or a program is missing.
bench_binaries() {
  BUILD_DIR=$1
  if [[ -z "$BUILD_DIR" || ! -d "$BUILD_DIR" ]]; then
    echo "usage: $0 BUILD_DIR (a release build with bsvpeer_program and bsvpeer_load)" >&2
    exit 2
  fi
  NODE_BIN=$BUILD_DIR/src/bsvpeer/bsvpeer
  LOAD_BIN=$BUILD_DIR/tools/bsvpeer-load
  local bin
  for bin in "$NODE_BIN" "$LOAD_BIN"; do
    if [[ ! -x "$bin" ]]; then
      echo "missing $bin; build: cmake --build $BUILD_DIR --target bsvpeer_program bsvpeer_load" >&2
      exit 2
    fi
  done
}

# Ends a process we started: TERM, up to 10 s, then KILL. Sets STOP_STATUS to its exit status
# (not a command substitution: `wait` works only in the shell that started the process).
STOP_STATUS=""
stop_process() {
  local pid=$1
  STOP_STATUS=""
  [[ -z "$pid" ]] && return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$BENCH_NAME: pid $pid ignored SIGTERM for 10 s; killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  STOP_STATUS=0
  wait "$pid" 2>/dev/null || STOP_STATUS=$?
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (bounded, 10 s) until something listens on 127.0.0.1:$1 and pid $2 is alive.
wait_listening() {
  local port=$1 pid=$2 name=$3
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$BENCH_NAME: $name exited before listening; see $WORK" >&2
      exit 1
    fi
    if ss -Htln "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  echo "$BENCH_NAME: $name not listening on port $port after 10 s" >&2
  exit 1
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# bench_start NAME PID_VAR...: sets BENCH_NAME and WORK (a new directory for logs and reports)
# and, when the script exits, stops the processes whose pids the named variables then hold (in
# the order given; an empty variable is skipped).
bench_start() {
  BENCH_NAME=$1
  shift
  BENCH_PID_VARS=("$@")
  local var
  for var in "${BENCH_PID_VARS[@]}"; do printf -v "$var" '%s' ""; done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")
  echo "$BENCH_NAME: raw reports and logs in $WORK" >&2
  trap bench_stop_started EXIT
}

bench_stop_started() {
  local var
  for var in "${BENCH_PID_VARS[@]}"; do
    if [[ -n "${!var:-}" ]]; then stop_process "${!var}"; fi
  done
}
