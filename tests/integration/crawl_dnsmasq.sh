#!/usr/bin/env bash
# bsvcrawl's seed list served by a real DNS server: a crawl of a simulated network writes
# seeds.hosts; Debian's dnsmasq serves it (--addn-hosts) on loopback; a second crawl from an
# empty datadir seeds itself only through DNS (c-ares, node::DnsSeeder/AresResolver) and
#   - resolves exactly the addresses of the seed list (A and AAAA), which are exactly the
#     reachable BSV nodes of the truth;
#   - from them finds the same set with the same verdicts as the truth.
# usage: crawl_dnsmasq.sh BUILD_DIR SOURCE_DIR   (exit 77 without dnsmasq)
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=crawl_lib.bash
source "$SOURCE_DIR/tests/integration/crawl_lib.bash"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [[ ! -x "$DNSMASQ" ]]; then
  echo "SKIP: dnsmasq is not installed (apt-get install dnsmasq-base)"
  exit 77
fi

start_simnet net --nodes 60 --base 153 --seed 11
# shellcheck disable=SC2046
read -r -a ARGS <<<"$(crawl_args)"
read -r -a SEEDS <<<"$SEED_ARGS"
"$BSVCRAWL" "${ARGS[@]}" "${SEEDS[@]}" --datadir "$TMP/first" --seed-name seed.crawl.test \
  2>"$TMP/first.log" || fail "first crawl failed"
$CHECK truth "$TRUTH" "$TMP/first/nodes.json" || fail "first crawl differs from the truth"
python3 - "$TMP/first/seeds.hosts" "$TRUTH" <<'PY' || fail "seeds.hosts"
import json, sys
hosts = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
assert all(h[1] == "seed.crawl.test" for h in hosts), hosts[:3]
listed = sorted(h[0] for h in hosts)
t = json.load(open(sys.argv[2]))
want = sorted(n["ip"] for n in t["nodes"] if n["reachable"] and n["verdict"] == "bsv")
assert listed == want, (len(listed), len(want), set(listed) ^ set(want))
print("seeds.hosts: the %d reachable BSV nodes" % len(listed))
PY

for attempt in 1 2 3 4 5; do
  DPORT=$((30000 + RANDOM % 9000))
  "$DNSMASQ" --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --bind-interfaces --listen-address=127.0.0.1 --port="$DPORT" --user=root --group=root \
    --pid-file --local=/test/ --local-ttl=60 --addn-hosts="$TMP/first/seeds.hosts" \
    --log-queries --log-facility=- 2>"$TMP/dnsmasq.log" &
  DNSMASQ_PID=$!
  sleep 0.3
  kill -0 "$DNSMASQ_PID" 2>/dev/null && break
  DNSMASQ_PID=""
done
[[ -n "$DNSMASQ_PID" ]] || { cat "$TMP/dnsmasq.log"; fail "dnsmasq did not start"; }

"$BSVCRAWL" "${ARGS[@]}" --dns-seed=1 --dns-seed-name=seed.crawl.test \
  --dns-server="127.0.0.1:$DPORT" --datadir "$TMP/second" 2>"$TMP/second.log" ||
  { tail -5 "$TMP/second.log"; fail "the DNS-seeded crawl failed"; }
grep -q "DNS seed seed.crawl.test" "$TMP/second.log" || fail "no DNS seed line in the log"
grep -q "query\[A\] seed.crawl.test" "$TMP/dnsmasq.log" || fail "dnsmasq saw no A query"
python3 - "$TMP/second/nodes.json" "$TMP/first/seeds.hosts" <<'PY' || fail "DNS-seeded nodes"
import json, sys
doc = json.load(open(sys.argv[1]))
dns = sorted(n["ip"] for n in doc["nodes"] if n["source"] == "dns")
listed = sorted(l.split()[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#"))
assert dns == listed, (len(dns), len(listed), set(dns) ^ set(listed))
print("DNS seeding through dnsmasq gave the %d listed nodes" % len(dns))
PY
$CHECK truth "$TRUTH" "$TMP/second/nodes.json" || fail "the DNS-seeded crawl differs from the truth"
no_sanitizer_report "$TMP/second.log"
echo "PASS"
