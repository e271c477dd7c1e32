#!/usr/bin/env bash
# The live-seed test (opt-in): talk to the real BSV network with the library. Resolves the
# network's DNS seeds through c-ares, connects to a few peers, and checks each one: handshake,
# ping/pong, an addr answer to getaddr, a clean disconnect; the peer store is persisted and
# read back; one report line per peer (tools/live_check.cpp).
#
#   BSV_LIVE=1 BSV_TEST_NETWORK=main ctest --preset dev -R live_seeds --output-on-failure
#   BSV_TEST_NODE=203.0.113.5:8333 BSV_TEST_NETWORK=main bash tests/integration/live_seeds.sh build/dev .
#
# BSV_LIVE=1          use the network's DNS seeds;
# BSV_TEST_NODE       host:port of one node to test instead (an IP, or a name resolved by c-ares);
# BSV_TEST_NETWORK    main (default), test, stn, or regtest (with BSV_TEST_NODE or BSV_TEST_SEEDS);
# BSV_TEST_PEERS      how many seed peers to try (default 3); BSV_TEST_TIMEOUT seconds (default 60);
# BSV_TEST_DNS        DNS servers ip:port,... instead of the system's; BSV_TEST_SEEDS seed names
#                     instead of the network's (tests/integration/live_seeds_local.sh uses both
#                     to run this against a local dnsmasq and local nodes).
# Without BSV_LIVE or BSV_TEST_NODE, or without a network (no seed answers, no peer reachable),
# it skips: exit 77 with one "SKIP:" line.
#
# usage: live_seeds.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
if [[ "${BSV_LIVE:-}" != 1 && -z "${BSV_TEST_NODE:-}" ]]; then
  echo "SKIP: the live-seed test is opt-in: set BSV_LIVE=1 (DNS seeds) or BSV_TEST_NODE=host:port, and BSV_TEST_NETWORK=main|test|stn"
  exit 77
fi
LIVE_CHECK="$BUILD_DIR/tools/live_check"
[[ -x "$LIVE_CHECK" ]] || { echo "FAIL: $LIVE_CHECK not built (cmake --build $BUILD_DIR --target live_check)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/live_seeds.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
args=(--network "${BSV_TEST_NETWORK:-main}" --peers "${BSV_TEST_PEERS:-3}"
  --timeout "${BSV_TEST_TIMEOUT:-60}" --store "$WORK/peers.json")
[[ -n "${BSV_TEST_NODE:-}" ]] && args+=(--node "$BSV_TEST_NODE")
[[ -n "${BSV_TEST_DNS:-}" ]] && args+=(--dns "$BSV_TEST_DNS")
[[ -n "${BSV_TEST_SEEDS:-}" ]] && args+=(--seeds "$BSV_TEST_SEEDS")
rc=0
"$LIVE_CHECK" "${args[@]}" || rc=$?
exit $rc
