#!/usr/bin/env bash
# The metrics reference of docs/user-guide.md against a running node: every family a scrape of
# /metrics declares (# TYPE) has a row "| `name` | type |" in the guide, and every bsvpeer_
# row of the guide is a family the node declares (no stale names).
#
# usage: docs_metrics_reference.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skip) if curl or python3 is missing.
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"
GUIDE="$SOURCE_DIR/docs/user-guide.md"
node_require curl python3
node_workdir docs_metrics_reference

IP=127.0.0.72
for attempt in 1 2 3 4 5; do
  METRICS_PORT=$(random_port)
  "$BSVPEER" -regtest -datadir="$WORK" -bind="$IP" -port="$(random_port)" -server=0 \
    -metricsbind="127.0.0.1:$METRICS_PORT" -nodnsseed -targetoutbound=0 >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  track_pid "$NODE_PID"
  for _ in $(seq 100); do
    curl -sf --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/scrape.txt" 2>/dev/null && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s "$WORK/scrape.txt" ]] && break
  kill -TERM "$NODE_PID" 2>/dev/null || true
  wait_exit "$NODE_PID" 15 || true
  [[ $attempt -lt 5 ]] || { show_file node "$WORK/node.log"; fail "no /metrics answer"; }
done
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15 || fail "bsvpeer did not stop"
no_sanitizer_report "$WORK/node.log"

python3 - "$GUIDE" "$WORK/scrape.txt" <<'PY'
import re, sys
guide = open(sys.argv[1]).read()
declared = dict(re.findall(r"^# TYPE (\S+) (\S+)$", open(sys.argv[2]).read(), re.M))
if len(declared) < 10:
    sys.exit("FAIL: the scrape declares only %d families" % len(declared))
documented = dict(re.findall(r"^\| `(bsvpeer_[a-z_]+)` \| (\w+) \|", guide, re.M))
problems = []
for name, kind in sorted(declared.items()):
    if name not in documented:
        problems.append("not documented: %s (%s)" % (name, kind))
    elif documented[name] != kind:
        problems.append("%s is a %s, the guide says %s" % (name, kind, documented[name]))
for name in sorted(set(documented) - set(declared)):
    problems.append("documented but not exposed: %s" % name)
if problems:
    sys.exit("FAIL: docs/user-guide.md metrics reference:\n  " + "\n  ".join(problems))
print("  ok   %d metric families documented with their types" % len(declared))
PY
echo "PASS"
