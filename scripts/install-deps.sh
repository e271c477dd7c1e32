#!/usr/bin/env bash
# Installs what bsvpeer needs on Debian 12 (idempotent; skips apt when everything is there).
# Boost must be the versioned 1.81 packages: libboost-all-dev is 1.74 and conflicts.
set -euo pipefail
BUILD_PKGS=(build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-system1.81-dev libboost-program-options1.81-dev
  libssl-dev nlohmann-json3-dev libspdlog-dev libc-ares-dev doctest-dev libjs-chart.js)
TEST_PKGS=(clang libclang-rt-14-dev libbenchmark-dev tshark dnsmasq-base gcovr iproute2
  python3 nodejs npm prometheus chromium curl)

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--with-tests" ] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from outside Debian (the machine image ships its own).
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
