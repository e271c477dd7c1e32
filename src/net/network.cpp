#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/hex.hpp>

#include <stdexcept>

namespace bsvpeer::net {
namespace {

NetworkParams make(NetworkId id, std::string name, wire::Magic magic, std::uint16_t port,
                   std::uint16_t rpc_port, std::vector<std::string> seeds,
                   std::string_view genesis_display_hex) {
  NetworkParams p;
  p.id = id;
  p.name = std::move(name);
  p.magic = magic;
  p.default_port = port;
  p.rpc_port = rpc_port;
  p.dns_seeds = std::move(seeds);
  p.genesis_hash = *wire::hash_from_display_hex(genesis_display_hex);
  return p;
}

// bsv-protocol.md §1.1 and §1.2 (SV:src/chainparams.cpp).
const NetworkParams& main_params() {
  static const NetworkParams p =
      make(NetworkId::main, "main", {0xe3, 0xe1, 0xf3, 0xe8}, 8333, 8332,
           {"seed.bitcoinsv.io", "seed.satoshisvision.network", "seed.bitcoinseed.directory"},
           "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  return p;
}
const NetworkParams& test_params() {
  static const NetworkParams p =
      make(NetworkId::test, "test", {0xf4, 0xe5, 0xf3, 0xf4}, 18333, 18332,
           {"testnet-seed.bitcoinsv.io", "testnet-seed.bitcoincloud.net",
            "testnet-seed.bitcoinseed.directory"},
           "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943");
  return p;
}
const NetworkParams& stn_params() {
  static const NetworkParams p =
      make(NetworkId::stn, "stn", {0xfb, 0xce, 0xc4, 0xf9}, 9333, 9332,
           {"stn-seed.bitcoinsv.io", "stn-seed.bitcoinseed.directory"},
           "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943");
  return p;
}
const NetworkParams& regtest_params() {
  static const NetworkParams p =
      make(NetworkId::regtest, "regtest", {0xda, 0xb5, 0xbf, 0xfa}, 18444, 18332, {},
           "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
  return p;
}

}  // namespace

const NetworkParams& network_params(NetworkId id) {
  switch (id) {
    case NetworkId::main:
      return main_params();
    case NetworkId::test:
      return test_params();
    case NetworkId::stn:
      return stn_params();
    case NetworkId::regtest:
      return regtest_params();
  }
  throw std::invalid_argument("unknown network id");
}

std::optional<NetworkId> parse_network(std::string_view name) {
  if (name == "main" || name == "mainnet") return NetworkId::main;
  if (name == "test" || name == "testnet" || name == "testnet3") return NetworkId::test;
  if (name == "stn") return NetworkId::stn;
  if (name == "regtest") return NetworkId::regtest;
  return std::nullopt;
}

std::string_view network_name(NetworkId id) noexcept {
  switch (id) {
    case NetworkId::main:
      return "main";
    case NetworkId::test:
      return "test";
    case NetworkId::stn:
      return "stn";
    case NetworkId::regtest:
      return "regtest";
  }
  return "unknown";
}

std::optional<NetworkParams> with_custom_magic(NetworkParams params, const wire::Magic& magic) {
  if (params.id == NetworkId::main) return std::nullopt;
  params.magic = magic;
  return params;
}

}  // namespace bsvpeer::net
