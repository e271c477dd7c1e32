#!/usr/bin/env bash
# Installs what is missing, builds a release bsvpeer and starts it with sensible defaults:
# regtest, listening on 127.0.0.1 (loopback only until you choose otherwise), JSON-RPC on
# 127.0.0.1:18332 (cookie in ~/.bsvpeer/regtest/.cookie), Prometheus metrics on
# 127.0.0.1:9335/metrics. Any arguments replace the defaults, e.g.:
#   bash scripts/run-node.sh -testnet -connect=203.0.113.5
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset node >/dev/null
cmake --build --preset node --target bsvpeer_program bsvcrawl
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-regtest -listen -bind=127.0.0.1 -metrics)
exec build/node/src/bsvpeer/bsvpeer "${args[@]}"
