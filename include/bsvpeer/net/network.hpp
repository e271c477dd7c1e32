#pragma once
// The four BSV networks (bsv-protocol.md §1): magic, ports, DNS seeds, genesis.
#include <bsvpeer/wire/bytes.hpp>
#include <bsvpeer/wire/magic.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::net {

enum class NetworkId { main, test, stn, regtest };

struct NetworkParams {
  NetworkId id = NetworkId::main;
  std::string name;  // "main", "test", "stn", "regtest"
  wire::Magic magic{};
  std::uint16_t default_port = 0;
  std::uint16_t rpc_port = 0;
  std::vector<std::string> dns_seeds;
  wire::Hash256 genesis_hash{};  // internal byte order
};

const NetworkParams& network_params(NetworkId id);
std::optional<NetworkId> parse_network(std::string_view name);  // main|test|testnet|stn|regtest
std::string_view network_name(NetworkId id) noexcept;

// Like SV's -magicbytes: override the magic on any network except mainnet.
// Returns nullopt when the override is refused (mainnet).
std::optional<NetworkParams> with_custom_magic(NetworkParams params, const wire::Magic& magic);

}  // namespace bsvpeer::net
