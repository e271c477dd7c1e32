#include <bsvpeer/net/network.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/hex.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;

TEST_CASE("network parameters match SV's chainparams") {
  struct Row {
    net::NetworkId id;
    const char* magic;
    std::uint16_t port;
    std::size_t seeds;
    const char* genesis;
  };
  const Row rows[] = {
      {net::NetworkId::main, "e3e1f3e8", 8333, 3,
       "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
      {net::NetworkId::test, "f4e5f3f4", 18333, 3,
       "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
      {net::NetworkId::stn, "fbcec4f9", 9333, 2,
       "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
      {net::NetworkId::regtest, "dab5bffa", 18444, 0,
       "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
  };
  for (const auto& row : rows) {
    const auto& p = net::network_params(row.id);
    CAPTURE(p.name);
    CHECK(wire::magic_to_hex(p.magic) == row.magic);
    CHECK(p.default_port == row.port);
    CHECK(p.dns_seeds.size() == row.seeds);
    CHECK(wire::hash_to_display_hex(p.genesis_hash) == row.genesis);
    CHECK(net::parse_network(p.name) == row.id);
  }
  CHECK(net::network_params(net::NetworkId::main).dns_seeds[0] == "seed.bitcoinsv.io");
  CHECK_FALSE(net::parse_network("bch").has_value());
}

TEST_CASE("protocol constants") {
  CHECK(net::kProtocolVersion == 70016);
  CHECK(net::kMinPeerProtoVersion == 31800);
  CHECK(net::kNodeNetwork == 1);
  CHECK(net::kNodeBitcoinCash == 32);
}

TEST_CASE("custom magic like -magicbytes, refused on mainnet") {
  auto magic = wire::parse_magic("fabfb5da");
  REQUIRE(magic);
  auto reg = net::with_custom_magic(net::network_params(net::NetworkId::regtest), *magic);
  REQUIRE(reg);
  CHECK(wire::magic_to_hex(reg->magic) == "fabfb5da");
  CHECK(reg->default_port == 18444);
  CHECK_FALSE(net::with_custom_magic(net::network_params(net::NetworkId::main), *magic));
  CHECK_FALSE(wire::parse_magic("fabfb5d"));
  CHECK_FALSE(wire::parse_magic("zzbfb5da"));
}
