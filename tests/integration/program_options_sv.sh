#!/usr/bin/env bash
# SV/bitcoind options of the bsvpeer program, with real processes on loopback only
# (127.0.0.51-55), regtest, each node with its own -datadir under a mktemp directory:
#   h. -help prints every option as users type it (-name=<arg>, -name), never "--name arg";
#   s. -seednode: A dials seed B once, sends getaddr, gets B's addresses (C, which B knows
#      through -addnode), disconnects, and keeps C in its peers.json; B sees A come and go;
#   w. -whitelist: B bans A and D (a user agent on its -banclientua list, which SV scores
#      +banscore); B restarted with -whitelist=A keeps both bans, refuses D, lets A in, closes
#      it for its user agent each time and never bans it again;
#   n. host names through a real dnsmasq on loopback (-dnsserver): A -addnode=peer-b.test
#      reaches B; a name that does not resolve stops the start (exit 2, the name and the
#      reason); a SIGHUP re-reads the config file and looks its new name (peer-c.test) up.
# Exit 77 (skip) if python3 is missing; part n is skipped (with a note) without dnsmasq.
# Every log must be free of sanitizer reports.
#
# usage: program_options_sv.sh BUILD_DIR SOURCE_DIR   (PROGRAM_KEEP=1 keeps the logs)
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=npm/interop_lib.sh
source "$SOURCE_DIR/tests/integration/npm/interop_lib.sh"
# shellcheck source-path=SCRIPTDIR source=node_lib.bash
source "$SOURCE_DIR/tests/integration/node_lib.bash"

node_require python3

node_workdir program_options_sv PROGRAM_KEEP

IP_A=127.0.0.51
IP_B=127.0.0.52
IP_C=127.0.0.53
IP_D=127.0.0.54
mkdir -p "$WORK/a" "$WORK/b" "$WORK/c" "$WORK/d" "$WORK/aw" "$WORK/bw" "$WORK/an" "$WORK/bn" "$WORK/cn" "$WORK/en"

declare -A PID LOG PORT
RUNS=0
NODE_ARGS=(-regtest -nodnsseed -debug=debug)
NODE_OUTBOUND_BIND=1
peer_of() { echo "\[${1//./\\.}:$2 $3 #[0-9]+\]"; }     # peer_of IP PORT out|in
inbound_from() { echo "\[${1//./\\.}:[0-9]+ in #[0-9]+\]"; }

# ------------------------------------------------------------------------------- h: -help
echo "== h: -help prints options as users type them"
timeout 30 "$BSVPEER" -help >"$WORK/help.out" 2>&1 || fail "-help exited non-zero"
no_sanitizer_report "$WORK/help.out"
grep -q -- '--' "$WORK/help.out" && { cat "$WORK/help.out"; fail "-help shows a --name"; }
for line in '-seednode=<host\[:port\]>' '-whitelist=<ip\|cidr>' '-banscore=<n>' \
  '-maxoutboundconnections=<n>' '-connect=<host\[:port\]>' '-listen' '-help, -h'; do
  grep -Eq -- "^  $line\$" "$WORK/help.out" || { cat "$WORK/help.out"; fail "-help has no line '  $line'"; }
done
echo "  ok   every option as -name or -name=<value>"

# --------------------------------------------------------------------------- s: -seednode
echo "== s: -seednode: connect, getaddr, addr, disconnect, addresses kept"
start_listening c "$IP_C"
start_listening b "$IP_B" -addnode="$IP_C:${PORT[c]}"
expect_log b "$(peer_of "$IP_C" "${PORT[c]}" out) handshake done" 20 "B did not reach C"
start_listening a "$IP_A" -seednode="$IP_B:${PORT[b]}" -addrservices=0 -maxconnections=4
expect_log a "seed node ${IP_B//./\\.}:${PORT[b]}: one-shot dial" 20 "A did not dial its seed"
expect_log a "$(peer_of "$IP_B" "${PORT[b]}" out) handshake done" 20 "A: no handshake with the seed"
expect_log b "$(inbound_from "$IP_A") recv getaddr" 20 "B: no getaddr from A"
expect_log a "seed node ${IP_B//./\\.}:${PORT[b]}: [0-9]+ addresses, leaving it" 20 "A did not leave the seed after its addr"
expect_log a "$(peer_of "$IP_B" "${PORT[b]}" out) state .* \(local_request" 20 "A's connection to the seed did not close"
expect_log b "$(inbound_from "$IP_A") state .* -> (failed|rejected|disconnected) \(peer_closed" 20 "B did not see A leave"
# The address B gave (C) is dialled by A as an ordinary peer.
expect_log a "$(peer_of "$IP_C" "${PORT[c]}" out) handshake done" 30 "A did not dial C, learnt from the seed"
stop a
python3 - "$WORK/a/regtest/peers.json" "$IP_C" "${PORT[c]}" "$IP_B" "${PORT[b]}" <<'EOF' || fail "A's peers.json lacks C (from the seed) or holds the seed itself"
import json, sys
path, ip_c, port_c, ip_b, port_b = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
with open(path) as f:
    peers = json.load(f)["peers"]
c = [p for p in peers if p["ip"] == ip_c and p["port"] == port_c]
assert len(c) == 1 and c[0]["source"] == "addr", peers
# Like SV, a seed node is not added to the address table for being a seed.
assert not [p for p in peers if p["ip"] == ip_b and p["port"] == port_b and p["source"] != "addr"], peers
EOF
echo "  ok   seed dialled once, getaddr, left after its addr; C kept in A's peers.json"
stop b
stop c

# -------------------------------------------------------------------------- w: -whitelist
echo "== w: -whitelist lets a banned peer in and never punishes it"
# B bans every user agent containing "bsvpeer" (+banscore at the version, as SV scores a
# -banclientua match). Fresh data directories: no address learnt above sends dials around.
start_listening bw "$IP_B" -banclientua=bsvpeer
start_listening aw "$IP_A" -addnode="$IP_B:${PORT[bw]}" -addnoderetry=1
start_listening d "$IP_D" -addnode="$IP_B:${PORT[bw]}" -addnoderetry=1
expect_log bw "banned ${IP_A//./\\.} until" 20 "B did not ban A's user agent"
expect_log bw "banned ${IP_D//./\\.} until" 20 "B did not ban D's user agent"
stop bw
# B again, same store (both bans in it), now whitelisting A.
start bw -bind="$IP_B" -port="${PORT[bw]}" -outboundbind="$IP_B" -banclientua=bsvpeer -whitelist="$IP_A/32"
expect_log bw "listening on ${IP_B//./\\.}:${PORT[bw]}\$" 20 "B did not listen again"
expect_log bw "refused inbound ${IP_D//./\\.}:[0-9]+: banned" 30 "B let the banned D in"
# A, banned too, is let in: closed for its user agent each time, never banned again.
deadline=$((SECONDS + 30))
until (($(grep -cE "$(inbound_from "$IP_A") state .*banned_user_agent" "${LOG[bw]}") >= 2)); do
  ((SECONDS < deadline)) || { show_file bw "${LOG[bw]}"; fail "the whitelisted A was not let in twice"; }
  sleep 0.5
done
if grep -qE "refused inbound ${IP_A//./\\.}:[0-9]+: banned|banned ${IP_A//./\\.} until" "${LOG[bw]}"; then
  show_file bw "${LOG[bw]}"
  fail "B refused or banned the whitelisted A"
fi
echo "  ok   D banned and refused; whitelisted A, banned in the store, let in and never banned again"
stop d
stop aw
stop bw

# ------------------------------------------------------------------- n: names via dnsmasq
echo "== n: host names in -addnode through dnsmasq on loopback"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [[ ! -x "$DNSMASQ" ]]; then
  echo "  note: dnsmasq not installed: part n skipped"
  echo "PASS"
  exit 0
fi
start_listening bn "$IP_B"
start_listening cn "$IP_C"
for attempt in 1 2 3 4 5; do
  DNS_PORT=$(random_port)
  "$DNSMASQ" --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" --user=root --group=root \
    --pid-file --log-queries --log-facility=- --local=/test/ --local-ttl=60 \
    --host-record=peer-b.test,"$IP_B" --host-record=peer-c.test,"$IP_C" >"$WORK/dnsmasq.log" 2>&1 &
  DNS_PID=$!
  track_pid "$DNS_PID"
  wait_for "$WORK/dnsmasq.log" "started, version" 10 "$DNS_PID" && break
  kill "$DNS_PID" 2>/dev/null || true
  echo "  note: dnsmasq could not start on port $DNS_PORT (attempt $attempt)"
done
kill -0 "$DNS_PID" 2>/dev/null || { cat "$WORK/dnsmasq.log"; fail "dnsmasq did not start"; }
DNS="-dnsserver=127.0.0.1:$DNS_PORT"
# A name that does not exist: exit 2, before anything starts.
rc=0
timeout 30 "$BSVPEER" -datadir="$WORK/en" -regtest -nodnsseed "$DNS" -addnode=missing.test >"$WORK/en.out" 2>&1 || rc=$?
no_sanitizer_report "$WORK/en.out"
[[ $rc -eq 2 ]] || { cat "$WORK/en.out"; fail "-addnode=missing.test: exit $rc, expected 2"; }
grep -q "^bsvpeer: -addnode: cannot resolve 'missing.test': nxdomain" "$WORK/en.out" ||
  { cat "$WORK/en.out"; fail "-addnode=missing.test: no clear message"; }
echo "  ok   a missing name: exit 2, \"-addnode: cannot resolve 'missing.test': nxdomain\""
# A's config file names B; after a SIGHUP it names C.
printf 'regtest=1\naddnode=peer-b.test:%s\n' "${PORT[bn]}" >"$WORK/an/bsvpeer.conf"
start_listening an "$IP_A" "$DNS"
expect_log an "$(peer_of "$IP_B" "${PORT[bn]}" out) handshake done" 20 "A did not reach peer-b.test"
grep -q "query\[A\] peer-b.test from 127.0.0.1" "$WORK/dnsmasq.log" || { cat "$WORK/dnsmasq.log"; fail "dnsmasq saw no query for peer-b.test"; }
echo "  ok   -addnode=peer-b.test:port resolved through dnsmasq and connected"
printf 'regtest=1\naddnode=peer-c.test:%s\n' "${PORT[cn]}" >"$WORK/an/bsvpeer.conf"
kill -HUP "${PID[an]}"
expect_log an "$(peer_of "$IP_C" "${PORT[cn]}" out) handshake done" 20 "A did not reach peer-c.test after SIGHUP"
echo "  ok   SIGHUP: the new name looked up and connected"
printf 'regtest=1\naddnode=gone.test\n' >"$WORK/an/bsvpeer.conf"
kill -HUP "${PID[an]}"
expect_log an "reload refused: -addnode: cannot resolve 'gone.test': nxdomain" 20 "no refusal for a name gone"
kill -0 "${PID[an]}" || fail "A died on a reload with a missing name"
echo "  ok   SIGHUP with a name that does not resolve: reload refused, A runs on"
stop an
stop bn
stop cn
kill "$DNS_PID" 2>/dev/null || true
echo "PASS"
