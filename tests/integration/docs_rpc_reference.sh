#!/usr/bin/env bash
# The RPC reference of docs/user-guide.md is the node's own `help`: this starts a bsvpeer
# (regtest, loopback, cookie authentication), asks `help` and `help <method>` for every method
# with curl, and compares each method's usage text with the guide's, character for character.
#
#   bash tests/integration/docs_rpc_reference.sh BUILD_DIR SOURCE_DIR          # check
#   DOCS_RPC_WRITE=1 bash tests/integration/docs_rpc_reference.sh BUILD_DIR .  # regenerate
#
# The generated part sits between the markers <!-- rpc-reference:begin --> and
# <!-- rpc-reference:end -->; everything else in the guide is written by hand.
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
node_workdir docs_rpc_reference

IP=127.0.0.69
COOKIE="$WORK/regtest/.cookie"
for attempt in 1 2 3 4 5; do
  P2P_PORT=$(random_port)
  RPC_PORT=$(random_port)
  "$BSVPEER" -regtest -datadir="$WORK" -bind="$IP" -port="$P2P_PORT" -rpcport="$RPC_PORT" \
    -nodnsseed -targetoutbound=0 >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  track_pid "$NODE_PID"
  for _ in $(seq 200); do
    [[ -s "$COOKIE" ]] && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s "$COOKIE" ]] && kill -0 "$NODE_PID" 2>/dev/null && break
  kill -TERM "$NODE_PID" 2>/dev/null || true
  wait_exit "$NODE_PID" 15 || true
  [[ $attempt -lt 5 ]] || { show_file node "$WORK/node.log"; fail "bsvpeer wrote no RPC cookie"; }
done

# rpc METHOD [JSON PARAMS]: the result of one call (a string), on stdout.
rpc() {
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"jsonrpc": "1.0", "id": "docs", "method": sys.argv[1], "params": json.loads(sys.argv[2])}))' "$1" "${2:-[]}")
  local answer
  answer=$(curl -sS --max-time 10 --user "$(cat "$COOKIE")" -H 'content-type: text/plain;' \
    --data-binary "$body" "http://127.0.0.1:$RPC_PORT/") || fail "curl: $1 failed"
  python3 -c '
import json, sys
a = json.loads(sys.argv[1])
if a.get("error"):
    sys.exit("error: %s" % a["error"])
print(a["result"])
' "$answer" || fail "$1: $answer"
}

rpc help >"$WORK/help.txt"
mapfile -t methods < <(grep -vE '^(==|$)' "$WORK/help.txt" | awk '{print $1}')
((${#methods[@]} >= 10)) || { cat "$WORK/help.txt"; fail "help lists only ${#methods[@]} methods"; }
mkdir -p "$WORK/methods"
for m in "${methods[@]}"; do
  rpc help "[\"$m\"]" >"$WORK/methods/$m.txt"
done
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15 || fail "bsvpeer did not stop"
no_sanitizer_report "$WORK/node.log"

python3 - "$GUIDE" "$WORK/help.txt" "$WORK/methods" "${DOCS_RPC_WRITE:-}" "${methods[@]}" <<'PY'
import difflib, pathlib, re, sys
guide_path, help_path, methods_dir, write = sys.argv[1:5]
methods = sys.argv[5:]
begin, end = "<!-- rpc-reference:begin -->", "<!-- rpc-reference:end -->"
overview = pathlib.Path(help_path).read_text().rstrip("\n")
parts = [begin, "", "Every method, as `help` lists them:", "", "```text", overview, "```", ""]
for m in methods:
    text = (pathlib.Path(methods_dir) / (m + ".txt")).read_text().rstrip("\n")
    parts += ["### `%s`" % m, "", "```text", text, "```", ""]
parts.append(end)
generated = "\n".join(parts)
guide = pathlib.Path(guide_path).read_text()
match = re.search(re.escape(begin) + r".*?" + re.escape(end), guide, re.S)
if write:
    if match:
        guide = guide[:match.start()] + generated + guide[match.end():]
    else:
        guide = guide.rstrip("\n") + "\n\n" + generated + "\n"
    pathlib.Path(guide_path).write_text(guide)
    print("  wrote the RPC reference of %d methods into %s" % (len(methods), guide_path))
    sys.exit(0)
if not match:
    sys.exit("FAIL: %s has no %s ... %s section (DOCS_RPC_WRITE=1 writes it)" % (guide_path, begin, end))
if match.group(0) != generated:
    diff = difflib.unified_diff(match.group(0).splitlines(), generated.splitlines(),
                                "user-guide.md", "bsvpeer help", lineterm="", n=1)
    print("\n".join(list(diff)[:80]))
    sys.exit("FAIL: the RPC reference differs from the node's help (DOCS_RPC_WRITE=1 regenerates it)")
print("  ok   %d methods: usage text identical to help <method>" % len(methods))
PY
echo "PASS"
