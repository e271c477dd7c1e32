# shellcheck shell=bash disable=SC2034  # WAIT_RC is read by the sourcing scripts
# Shared by bitcore_interop.sh and bcoin_interop.sh (sourced, not run as a test).
#
# npm_setup BUILD_DIR SOURCE_DIR [SUBDIR]
#   Installs the packages of tests/integration/npm/[SUBDIR/]package-lock.json with `npm ci` into
#   BUILD_DIR/npm-interop[-SUBDIR] (never into the source tree), once per lock file and Node version;
#   concurrent scripts serialise on a lock file. Exits 77 (skip) only if node/npm are missing
#   or the registry does not answer; any other install failure fails the test.
#   Sets NPM_DIR, SCRIPTS (the .js files) and exports NODE_PATH.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

npm_setup() {
  local build_dir=$1 source_dir=$2 sub=${3:-}
  SCRIPTS="$source_dir/tests/integration/npm${sub:+/$sub}"
  NPM_DIR="$build_dir/npm-interop${sub:+-$sub}"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed (apt-get install nodejs npm)"
    exit 77
  fi
  mkdir -p "$NPM_DIR"
  local stamp_want
  stamp_want="$(cat "$SCRIPTS/package.json" "$SCRIPTS/package-lock.json" | sha256sum | cut -d' ' -f1) node $(node --version)"
  (
    flock -w 900 9 || fail "waited 15 min for another npm install in $NPM_DIR"
    if [[ -d "$NPM_DIR/node_modules" && "$(cat "$NPM_DIR/.installed" 2>/dev/null)" == "$stamp_want" ]]; then
      exit 0
    fi
    # Only now is the registry needed.
    if ! timeout 30 npm view bitcore-p2p@10.10.7 version --fetch-retries=1 \
      --fetch-retry-mintimeout=2000 --fetch-timeout=15000 >"$NPM_DIR/registry-check.log" 2>&1; then
      echo "SKIP: the npm registry is unreachable: 'npm view bitcore-p2p' failed or took over 30 s"
      grep -m3 -i 'npm error' "$NPM_DIR/registry-check.log" || true
      exit 77
    fi
    rm -rf "$NPM_DIR/node_modules" "$NPM_DIR/.installed"
    cp "$SCRIPTS/package.json" "$SCRIPTS/package-lock.json" "$NPM_DIR/"
    echo "npm ci in $NPM_DIR (bcoin's optional native builds may print 'Build failed')"
    if ! (cd "$NPM_DIR" && timeout 900 npm ci --no-audit --no-fund >npm-ci.log 2>&1); then
      tail -40 "$NPM_DIR/npm-ci.log" >&2
      fail "npm ci failed (full log: $NPM_DIR/npm-ci.log)"
    fi
    echo "$stamp_want" >"$NPM_DIR/.installed"
  ) 9>"$NPM_DIR.lock"
  local rc=$?
  [[ $rc -eq 0 ]] || exit $rc
  export NODE_PATH="$NPM_DIR/node_modules"
}

# wait_for FILE PATTERN SECONDS [PID]: until FILE has a line matching the extended regex
# PATTERN; 1 on timeout or if PID (when given) has exited.
wait_for() {
  local file=$1 pattern=$2 seconds=$3 pid=${4:-}
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
      return 1
    fi
    sleep 0.1
  done
  return 1
}

# Background children still to be killed at exit. A child leaves the list once reaped, so
# cleanup never signals a PID the system may have reused.
PIDS=()
track_pid() { PIDS+=("$1"); }
forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do
    [[ "$p" == "$1" ]] || keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

# wait_exit PID SECONDS: wait for a child to exit and reap it; sets WAIT_RC. 1 on timeout.
wait_exit() {
  local pid=$1 seconds=$2
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
  WAIT_RC=0
  wait "$pid" 2>/dev/null || WAIT_RC=$?
  forget_pid "$pid"
  return 0
}

# kill_tracked: SIGTERM every tracked child, up to 5 s each to exit, then SIGKILL.
kill_tracked() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait_exit "$pid" 5 || { kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  done
  PIDS=()
}

# port_is_free PORT: nothing listens on 127.0.0.1:PORT and it can be bound.
port_is_free() {
  node -e '
    const s = require("net").createServer();
    s.once("error", () => process.exit(1));
    s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));
  ' "$1"
}

# random_port: a currently free high port (20000-59999) on 127.0.0.1.
random_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if port_is_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  fail "no free port found"
}

# show_file TITLE FILE: print a file for the test log (last 200 lines).
show_file() {
  echo "----- $1 ($2) -----"
  tail -n 200 "$2" 2>/dev/null || true
  echo "----- end of $1 -----"
}

# no_sanitizer_report LOG: fail if a sanitizer reported anything in LOG (stderr is merged).
no_sanitizer_report() {
  if grep -Eq 'ERROR: (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$1"; then
    show_file "log with a sanitizer report" "$1"
    fail "sanitizer report in $1"
  fi
}
