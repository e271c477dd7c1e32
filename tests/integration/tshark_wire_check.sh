#!/usr/bin/env bash
# Independent wire-format check: tools/wire_sender sends one frame of every message type the
# codec knows to a local listener; tshark captures the traffic on lo and its Bitcoin dissector
# (written without our code) decodes it. Asserted:
#   - every frame decodes, in order, with the expected command, length and fields;
#   - no _ws.malformed and no expert error anywhere; the only expert infos in Bitcoin PDUs are
#     "Unknown command" warnings on the BSV-only commands tshark does not know
#     (protoconf, sendheaders, sendcmpct, feefilter), whose payload bytes are checked here;
#   - every checksum equals sha256d(payload)[:4] (tshark does not check checksums);
#   - the PDUs tshark saw, joined, are exactly the bytes the listener received.
# The expected values repeat the ones in tools/wire_sender.cpp.
#
# usage: tshark_wire_check.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skip) only if tshark is not installed. Needs root (capture on lo).
set -euo pipefail

BUILD_DIR=${1:?usage: $0 BUILD_DIR SOURCE_DIR}
SENDER="$BUILD_DIR/tools/wire_sender"

if ! command -v tshark >/dev/null 2>&1; then
  echo "SKIP: tshark is not installed (apt-get install tshark)"
  exit 77
fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[[ -x "$SENDER" ]] || fail "$SENDER not built (cmake --build $BUILD_DIR --target wire_sender)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed for the listener and the checks"

WORK=$(mktemp -d)
LISTENER_PID=""
TSHARK_PID=""
cleanup() {
  [[ -n "$TSHARK_PID" ]] && kill "$TSHARK_PID" 2>/dev/null || true
  [[ -n "$LISTENER_PID" ]] && kill "$LISTENER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Listener on an ephemeral port: writes the port, accepts one connection, saves every byte.
python3 - "$WORK" <<'PY' &
import socket, sys, os
work = sys.argv[1]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
server.settimeout(60)
with open(os.path.join(work, "port.tmp"), "w") as f:
    f.write(str(server.getsockname()[1]))
os.rename(os.path.join(work, "port.tmp"), os.path.join(work, "port"))
conn, _ = server.accept()
conn.settimeout(60)
received = bytearray()
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    received += chunk
with open(os.path.join(work, "received.bin"), "wb") as f:
    f.write(received)
PY
LISTENER_PID=$!

for _ in $(seq 100); do
  [[ -f "$WORK/port" ]] && break
  sleep 0.1
done
[[ -f "$WORK/port" ]] || fail "listener did not start"
PORT=$(cat "$WORK/port")

CAPTURE_SECONDS=6
tshark -i lo -f "tcp port $PORT" -w "$WORK/capture.pcapng" -a "duration:$CAPTURE_SECONDS" \
  2>"$WORK/tshark.err" &
TSHARK_PID=$!
for _ in $(seq 150); do
  grep -q "Capture started" "$WORK/tshark.err" 2>/dev/null && break
  kill -0 "$TSHARK_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q "Capture started" "$WORK/tshark.err" ||
  fail "tshark did not start capturing: $(cat "$WORK/tshark.err")"

"$SENDER" "$PORT" --network main >"$WORK/sender.out" || fail "wire_sender failed"
wait "$LISTENER_PID" || fail "listener failed"
LISTENER_PID=""
wait "$TSHARK_PID" || fail "tshark capture failed: $(cat "$WORK/tshark.err")"
TSHARK_PID=""

# Every packet of the capture (not only Bitcoin ones, so TCP trouble shows too), with the raw
# bytes of every field (-x). --no-duplicate-keys turns repeated PDUs and fields into lists.
tshark -r "$WORK/capture.pcapng" -d "tcp.port==$PORT,bitcoin" -T json -x --no-duplicate-keys \
  >"$WORK/decoded.json" 2>"$WORK/decode.err" || fail "tshark decode failed: $(cat "$WORK/decode.err")"
MALFORMED=$(tshark -r "$WORK/capture.pcapng" -d "tcp.port==$PORT,bitcoin" \
  -Y "_ws.malformed || _ws.expert.severity >= error" 2>/dev/null | wc -l)
[[ "$MALFORMED" -eq 0 ]] || fail "$MALFORMED packet(s) malformed or with expert errors"

python3 - "$WORK" <<'PY'
import hashlib, json, os, struct, sys

work = sys.argv[1]
packets = json.load(open(os.path.join(work, "decoded.json")))
received = open(os.path.join(work, "received.bin"), "rb").read()
errors = []

def check(condition, what):
    if not condition:
        errors.append(what)
    return condition

def as_list(v):
    return v if isinstance(v, list) else [v]

def find(node, key):
    """First value of `key` anywhere under node (depth first), else None."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for v in node.values():
            r = find(v, key)
            if r is not None:
                return r
    elif isinstance(node, list):
        for v in node:
            r = find(v, key)
            if r is not None:
                return r
    return None

def find_all(node, key, out=None):
    """Every value of `key` under node, in tree order (repeated items sit in sibling subtrees)."""
    out = [] if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                out.extend(as_list(v))
            else:
                find_all(v, key, out)
    elif isinstance(node, list):
        for v in node:
            find_all(v, key, out)
    return out

def raw_int_le(node, key):
    raw = find(node, key + "_raw")  # [hex, offset, length, bitmask, type], or a list of them
    first = raw[0][0] if isinstance(raw[0], list) else raw[0]
    return int.from_bytes(bytes.fromhex(first), "little")

def experts(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "_ws.expert":
                out.extend(as_list(v))
            else:
                experts(v, out)
    elif isinstance(node, list):
        for v in node:
            experts(v, out)
    return out

def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()

PI_WARN, PI_ERROR = 0x00600000, 0x00800000
BSV_ONLY = {"protoconf", "sendheaders", "sendcmpct", "feefilter"}

# Collect the Bitcoin PDUs in capture order with their raw bytes.
pdus = []
for packet in packets:
    layers = packet["_source"]["layers"]
    check("_ws.malformed" not in json.dumps(layers), "malformed packet %s" % layers.get("frame", {}).get("frame.number"))
    for layer_name, layer in layers.items():
        if layer_name.endswith("_raw") or layer_name == "bitcoin":
            continue
        for e in experts(layer, []):
            severity = int(e.get("_ws.expert.severity", "0"))
            check(severity < PI_WARN, "expert %s in layer %s: %s" % (severity, layer_name, e.get("_ws.expert.message")))
    if "bitcoin" not in layers:
        continue
    trees = as_list(layers["bitcoin"])
    raws = layers["bitcoin_raw"]
    raws = raws if isinstance(raws[0], list) else [raws]
    check(len(trees) == len(raws), "PDU trees and raw bytes disagree")
    for tree, raw in zip(trees, raws):
        pdus.append((tree, bytes.fromhex(raw[0])))

expected = [
    ("version", 110), ("verack", 0), ("protoconf", 13), ("sendheaders", 0), ("sendcmpct", 9),
    ("feefilter", 8), ("ping", 8), ("pong", 8), ("getaddr", 0), ("addr", 91), ("inv", 73),
    ("getdata", 37), ("notfound", 37), ("getheaders", 133), ("headers", 163), ("reject", 67),
]
commands = [t.get("bitcoin.command") for t, _ in pdus]
check(commands == [c for c, _ in expected], "commands in capture: %s" % commands)
check(b"".join(raw for _, raw in pdus) == received,
      "PDUs seen by tshark (%d bytes) differ from the bytes received (%d)"
      % (sum(len(r) for _, r in pdus), len(received)))

by_command = {}
for (tree, raw), (command, length) in zip(pdus, expected):
    by_command[command] = (tree, raw)
    payload = raw[24:]
    check(tree.get("bitcoin.magic") == "0xe3e1f3e8", "%s magic %s" % (command, tree.get("bitcoin.magic")))
    check(raw[:4] == bytes.fromhex("e3e1f3e8"), "%s wire magic" % command)
    check(int(tree.get("bitcoin.length", "-1")) == length, "%s length %s, want %d" % (command, tree.get("bitcoin.length"), length))
    check(len(payload) == length, "%s PDU carries %d payload bytes, want %d" % (command, len(payload), length))
    check(struct.unpack("<I", raw[16:20])[0] == length, "%s header length field" % command)
    checksum_field = int(tree.get("bitcoin.checksum", "0x0"), 16).to_bytes(4, "big")
    check(checksum_field == raw[20:24], "%s: tshark's checksum field is not the header's bytes" % command)
    check(sha256d(payload)[:4] == raw[20:24],
          "%s checksum %s != sha256d(payload)[:4] %s" % (command, raw[20:24].hex(), sha256d(payload)[:4].hex()))
    # Expert infos inside Bitcoin PDUs: only the unknown-command warning on BSV-only commands.
    for e in experts(tree, []):
        allowed = command in BSV_ONLY and e.get("_ws.expert.message") == "Unknown command" \
            and int(e.get("_ws.expert.severity", "0")) == PI_WARN
        check(allowed, "%s: unexpected expert info %s" % (command, e))
    if command in BSV_ONLY:
        check(any(e.get("_ws.expert.message") == "Unknown command" for e in experts(tree, [])),
              "%s: tshark now knows this command; check its fields here" % command)

def field(command, key):
    return find(by_command[command][0], key)

def payload_of(command):
    return by_command[command][1][24:]

# version
check(field("version", "bitcoin.version.version") == "70016", "version.version")
check(int(field("version", "bitcoin.version.services"), 16) == 0x21, "version.services")
check(raw_int_le(by_command["version"][0], "bitcoin.version.timestamp") == 1700000000, "version.timestamp")
check(field("version", "bitcoin.version.nonce") == "0x1122334455667788", "version.nonce %s" % field("version", "bitcoin.version.nonce"))
check(find(field("version", "bitcoin.version.user_agent"), "bitcoin.string.value") == "/bsvpeer-wire-check:0.1/", "version.user_agent")
check(field("version", "bitcoin.version.start_height") == "812345", "version.start_height")
check(field("version", "bitcoin.version.relay") == "1", "version.relay")
addr_you = field("version", "bitcoin.version.addr_you")
check(addr_you.get("bitcoin.address.address") == "::ffff:192.0.2.1" and addr_you.get("bitcoin.address.port") == "8333"
      and int(addr_you.get("bitcoin.address.services"), 16) == 1, "version.addr_recv %s" % addr_you)
addr_me = field("version", "bitcoin.version.addr_me")
check(addr_me.get("bitcoin.address.address") == "::ffff:198.51.100.2" and addr_me.get("bitcoin.address.port") == "18333"
      and int(addr_me.get("bitcoin.address.services"), 16) == 0x21, "version.addr_from %s" % addr_me)

# ping / pong
check(field("ping", "bitcoin.ping.nonce") == "0x0102030405060708", "ping.nonce %s" % field("ping", "bitcoin.ping.nonce"))
check(field("pong", "bitcoin.pong.nonce") == "0x8877665544332211", "pong.nonce %s" % field("pong", "bitcoin.pong.nonce"))

# addr: 3 entries; the first fully
check(field("addr", "bitcoin.addr.count") == "3", "addr.count")
entries = as_list(field("addr", "bitcoin.addr.address_tree"))
check(len(entries) == 3, "addr entries %d" % len(entries))
first = entries[0]
check(first.get("bitcoin.address.address") == "::ffff:203.0.113.1" and first.get("bitcoin.address.port") == "8333"
      and int(first.get("bitcoin.address.services"), 16) == 0x21, "addr[0] %s" % first)
check(raw_int_le(first, "bitcoin.addr.timestamp") == 1700000001, "addr[0].time")
check(entries[2].get("bitcoin.address.address") == "::ffff:203.0.113.3" and entries[2].get("bitcoin.address.port") == "8335", "addr[2]")

# inv / getdata / notfound: count, types, hashes
for command, count, types, fills in (("inv", 2, ["1", "1"], ["11", "22"]), ("getdata", 1, ["2"], ["33"]),
                                     ("notfound", 1, ["1"], ["44"])):
    check(field(command, "bitcoin.%s.count" % command) == str(count), "%s.count" % command)
    tree = by_command[command][0]
    check(find_all(tree, "bitcoin.%s.type" % command) == types, "%s types" % command)
    hashes = find_all(tree, "bitcoin.%s.hash" % command)
    check(hashes == [":".join([f] * 32) for f in fills], "%s hashes" % command)

# getheaders: version, locator count, stop hash
check(field("getheaders", "bitcoin.headers.version") == "70016", "getheaders.version")
check(field("getheaders", "bitcoin.getheaders.count") == "3", "getheaders locator count")
check(as_list(field("getheaders", "bitcoin.getheaders.hash_start"))[0] == ":".join(["55"] * 32), "getheaders locator[0]")
check(field("getheaders", "bitcoin.getheaders.hash_stop") == ":".join(["00"] * 32), "getheaders.hash_stop")

# headers: 2 headers
check(field("headers", "bitcoin.headers.count") == "2", "headers.count")
headers = as_list(field("headers", "Header"))
check(len(headers) == 2, "headers entries")
check([int(h.get("bitcoin.headers.nonce", "0x0"), 16) for h in headers] == [42, 43], "headers nonces")
check([h.get("bitcoin.headers.count") for h in headers] == ["0", "0"], "headers tx counts")
check(all(h.get("bitcoin.headers.bits") == "0x1d00ffff" for h in headers), "headers bits")
check(headers[0].get("bitcoin.headers.prev_block") == ":".join(["80"] * 32), "headers[0].prev_block")

# reject
check(find(field("reject", "bitcoin.reject.message"), "bitcoin.string.value") == "tx", "reject.message")
check(field("reject", "bitcoin.reject.ccode") == "0x10", "reject.ccode")
check(find(field("reject", "bitcoin.reject.reason"), "bitcoin.string.value") == "bad-txns-inputs-missingorspent", "reject.reason")
check(field("reject", "bitcoin.reject.data") == ":".join(["ab"] * 32), "reject.data")

# BSV-only commands: tshark shows the header only, so check the payload bytes here.
check(payload_of("protoconf") == bytes([2]) + struct.pack("<I", 2097152) + bytes([7]) + b"Default", "protoconf payload %s" % payload_of("protoconf").hex())
check(payload_of("sendcmpct") == bytes([0]) + struct.pack("<Q", 1), "sendcmpct payload")
check(payload_of("feefilter") == struct.pack("<q", 1000), "feefilter payload")
check(payload_of("sendheaders") == b"", "sendheaders payload")

if errors:
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    sys.exit(1)
print("tshark wire check: %d frames, %d bytes; commands, fields and checksums as expected"
      % (len(pdus), len(received)))
PY
