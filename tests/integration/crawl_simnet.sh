#!/usr/bin/env bash
# bsvcrawl against bsvpeer-simnet (a simulated network of ~150 nodes of every role, one
# process on 127.151.x.y):
#   a. the exact set of reachable nodes is found and every node gets the expected verdict and
#      code; sockets held by the crawler, sampled every 10 ms, never exceed --concurrency;
#      nodes.json matches its schema (and a damaged copy does not); nodes.csv reads back;
#      peers.json is the node's PeerStore format;
#   b. SIGINT in the middle: exit 3 within a few seconds, state saved; rerun finishes with
#      the same set as (a);
#   c. kill -9 in the middle; rerun finishes with the same set as (a);
#   d. a second round after 5 BSV nodes went away: their reliability says 1 of 2 rounds and
#      their verdict is unreachable; the others answered 2 of 2;
#   e. --deadline stops a slow crawl early: exit 3, the unvisited nodes are "pending";
#   f. --help lists every option with its default; bad options exit 2 with one line;
#   g. on a terminal (script(1)) the progress is one live line rewritten in place.
# usage: crawl_simnet.sh BUILD_DIR SOURCE_DIR   (CRAWL_KEEP=1 keeps the files)
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=crawl_lib.bash
source "$SOURCE_DIR/tests/integration/crawl_lib.bash"

start_simnet net --nodes 150 --base 151 --seed 7
# shellcheck disable=SC2046
read -r -a ARGS <<<"$(crawl_args) $SEED_ARGS"

echo "== a. full crawl, concurrency 6 (rate 100/s, so it lasts long enough to sample)"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/a" --concurrency 6 --rate 100 2>"$TMP/a.log" &
CRAWL_PID=$!
max=0
samples=0
while kill -0 "$CRAWL_PID" 2>/dev/null; do
  n=$(socket_count "$CRAWL_PID")
  ((n > max)) && max=$n
  samples=$((samples + 1))
  sleep 0.01
done
rc=0
wait "$CRAWL_PID" || rc=$?
CRAWL_PID=""
[[ $rc == 0 ]] || { tail -20 "$TMP/a.log"; fail "crawl exited $rc"; }
echo "sockets: at most $max in $samples samples (concurrency 6)"
((samples >= 10)) || fail "only $samples samples: the crawl ended too fast to sample"
((max <= 6)) || fail "the crawler held $max sockets, above --concurrency 6"
((max >= 2)) || fail "the crawler never had 2 connections at once ($max)"
$CHECK truth "$TRUTH" "$TMP/a/nodes.json" || fail "(a) differs from the truth"
$CHECK schema "$SCHEMA" "$TMP/a/nodes.json" || fail "(a) nodes.json does not match its schema"
python3 - "$TMP/a/nodes.json" "$TMP/broken.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
del doc["nodes"][0]["verdict"]
doc["nodes"][1]["port"] = "x"
json.dump(doc, open(sys.argv[2], "w"))
PY
if $CHECK schema "$SCHEMA" "$TMP/broken.json" >/dev/null; then fail "the schema check passed a broken document"; fi
$CHECK csv "$TMP/a/nodes.csv" "$TMP/a/nodes.json" || fail "(a) CSV"
python3 - "$TMP/a/peers.json" "$TRUTH" <<'PY' || fail "(a) peers.json"
import json, sys
store = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
assert store["version"] == 1 and store["network"] == "regtest", store.get("network")
by = {(p["ip"], p["port"]): p for p in store["peers"]}
reach = [n for n in truth["nodes"] if n["reachable"]]
assert len(by) == len(reach), (len(by), len(reach))
for n in reach:
    p = by[(n["ip"], truth["port"])]
    want = {"bsv": "valid", "bch": "banned"}.get(n["verdict"], "inaccessible")
    assert p["status"] == want, (n["address"], n["role"], p["status"], want)
print("peers.json: %d peers, statuses as the verdicts say" % len(by))
PY
grep -q "round 1: known" "$TMP/a.log" || fail "no progress lines in the log"
no_sanitizer_report "$TMP/a.log"

echo "== b. SIGINT in the middle, then resume"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/b" --concurrency 4 --rate 40 --save-interval 0.2 \
  2>"$TMP/b1.log" &
CRAWL_PID=$!
sleep 1.2
kill -INT "$CRAWL_PID"
start=$(date +%s%N)
rc=0
wait "$CRAWL_PID" || rc=$?
CRAWL_PID=""
ms=$((($(date +%s%N) - start) / 1000000))
echo "stopped after SIGINT in $ms ms, exit $rc"
[[ $rc == 3 ]] || { tail -5 "$TMP/b1.log"; fail "interrupted crawl exited $rc, not 3"; }
((ms < 4000)) || fail "stopping took $ms ms"
python3 -c "
import json,sys; s=json.load(open(sys.argv[1]))
done=sum(1 for n in s['nodes'] if n['visited_round']==1)
print('saved state: %d known, %d visited' % (len(s['nodes']), done))
assert 0 < done < len(s['nodes']), 'the interrupt did not land mid-crawl'
" "$TMP/b/crawl_state.json" || fail "(b) state after SIGINT"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/b" 2>"$TMP/b2.log" || fail "resumed crawl failed"
grep -q "resumes at round 1" "$TMP/b2.log" || fail "the rerun did not resume"
$CHECK truth "$TRUTH" "$TMP/b/nodes.json" || fail "(b) differs from the truth"
$CHECK same "$TMP/a/nodes.json" "$TMP/b/nodes.json" || fail "(b) differs from (a)"
no_sanitizer_report "$TMP/b1.log"
no_sanitizer_report "$TMP/b2.log"

echo "== c. kill -9 in the middle, then resume"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/c" --concurrency 4 --rate 40 --save-interval 0.2 \
  2>"$TMP/c1.log" &
CRAWL_PID=$!
sleep 1.5
kill -9 "$CRAWL_PID"
wait "$CRAWL_PID" 2>/dev/null || true
CRAWL_PID=""
[[ -s "$TMP/c/crawl_state.json" ]] || fail "no state saved before kill -9"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/c" 2>"$TMP/c2.log" || fail "crawl after kill -9 failed"
grep -q "resumes at round 1" "$TMP/c2.log" || fail "the rerun after kill -9 did not resume"
$CHECK truth "$TRUTH" "$TMP/c/nodes.json" || fail "(c) differs from the truth"
$CHECK same "$TMP/a/nodes.json" "$TMP/c/nodes.json" || fail "(c) differs from (a)"

echo "== d. a second round after 5 BSV nodes went away"
stop_simnet
python3 - "$TRUTH" "$TMP/gone.json" "$TMP/gone.txt" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
seeds = set(t["seeds"])
gone = [n for n in t["nodes"] if n["role"] == "bsv" and n["reachable"] and n["address"] not in seeds
        and n["ip"] != "::1"][:5]
for n in gone:
    n["role"] = "dead"
json.dump(t, open(sys.argv[2], "w"))
open(sys.argv[3], "w").write("\n".join(n["address"] for n in gone) + "\n")
PY
"$SIMNET" --scenario "$TMP/gone.json" --ready "$TMP/gone.ready" >"$TMP/gone.stats" \
  2>"$TMP/gone.simnet.log" &
SIMNET_PID=$!
for _ in $(seq 1 100); do [[ -s "$TMP/gone.ready" ]] && break; sleep 0.05; done
[[ -s "$TMP/gone.ready" ]] || fail "simnet did not start again"
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/a" --rounds 2 --interval 0 2>"$TMP/d.log" ||
  fail "second round failed"
python3 - "$TMP/a/nodes.json" "$TMP/gone.txt" <<'PY' || fail "(d) reliability"
import json, sys
doc = json.load(open(sys.argv[1]))
gone = set(open(sys.argv[2]).read().split())
assert doc["rounds_completed"] == 2, doc["rounds_completed"]
for n in doc["nodes"]:
    r = n["reliability"]
    assert r["rounds_seen"] == 2, (n["address"], r)
    if n["address"] in gone:
        assert r["rounds_answered"] == 1 and r["uptime"] == 0.5, (n["address"], r)
        assert n["verdict"] == "unreachable" and n["verdict_code"] == "connect_failed", n
        assert r["decay"]["2h"]["reliability"] < r["decay"]["2h"]["weight"], r
    elif n["verdict"] in ("bsv", "bch", "btc", "unknown"):
        assert r["rounds_answered"] == 2 and r["uptime"] == 1.0, (n["address"], r)
print("round 2: %d nodes seen twice; the %d gone nodes answered 1 of 2" % (len(doc["nodes"]), len(gone)))
PY
no_sanitizer_report "$TMP/d.log"

echo "== e. --deadline"
rc=0
"$BSVCRAWL" "${ARGS[@]}" --datadir "$TMP/e" --rate 20 --deadline 0.5 2>"$TMP/e.log" || rc=$?
[[ $rc == 3 ]] || { tail -5 "$TMP/e.log"; fail "--deadline: exit $rc, not 3"; }
grep -q "deadline reached" "$TMP/e.log" || fail "no deadline line in the log"
python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
t=d['totals']; assert t['pending'] > 0 and t['contacted'] > 0, t
print('deadline: %d contacted, %d pending' % (t['contacted'], t['pending']))
" "$TMP/e/nodes.json" || fail "(e) totals"

echo "== f. --help and bad options"
"$BSVCRAWL" --help >"$TMP/help.txt" || fail "--help failed"
"$BSVCRAWL" -help | cmp -s - "$TMP/help.txt" || fail "-help differs from --help"
for opt in network seed seed-file dns-seed dns-seed-name dns-server port datadir out concurrency \
  rate connect-timeout handshake-timeout addr-timeout deadline rounds interval save-interval \
  progress-interval local-addresses max-addrs seed-name seed-max seed-min-uptime user-agent \
  threads log-level; do
  grep -qE "^  --$opt(=| ).*\[.+\]$" "$TMP/help.txt" || fail "--help lacks --$opt with its default"
done
for bad in "--concurrency=0" "--rounds=x" "--bogus" "--network=btc" "stray" "--rate"; do
  rc=0
  "$BSVCRAWL" "$bad" >"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
  [[ $rc == 2 ]] || fail "$bad: exit $rc, not 2"
  [[ $(wc -l <"$TMP/bad.err") == 1 && ! -s "$TMP/bad.out" ]] || fail "$bad: not one line on stderr"
done

echo "== g. live progress line on a terminal"
if command -v script >/dev/null 2>&1; then
  script -qec "$BSVCRAWL ${ARGS[*]} --datadir $TMP/g --rate 60" "$TMP/g.tty" >/dev/null ||
    fail "crawl under script(1) failed"
  python3 - "$TMP/g.tty" <<'PY' || fail "(g) no live progress line"
import sys
raw = open(sys.argv[1], "rb").read().decode(errors="replace")
updates = raw.count("\r\x1b[K")
assert updates >= 2, updates
print("tty: %d in-place progress updates" % updates)
PY
fi
echo "simnet: $(cat "$TMP/net.stats" 2>/dev/null)"
echo "PASS"
