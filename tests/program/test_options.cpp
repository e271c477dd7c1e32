#include "options.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace bsvpeer;
namespace fs = std::filesystem;

namespace {

std::variant<program::Options, std::string> parse(std::vector<std::string> args,
                                                  const fs::path& home = "/nonexistent-home") {
  std::vector<const char*> argv{"bsvpeer"};
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return program::parse_options(static_cast<int>(argv.size()), argv.data(), home);
}

}  // namespace

TEST_CASE("-connect selects fixed-peer mode without DNS or listening") {
  auto r = parse({"-regtest", "-connect=127.0.0.1:18444"});
  REQUIRE(std::holds_alternative<program::Options>(r));
  const auto& m = std::get<program::Options>(r).manager;
  CHECK(m.mode == node::OutboundMode::fixed);
  CHECK_FALSE(m.dns_seed);
  CHECK_FALSE(m.listen);
  REQUIRE(m.fixed_peers.size() == 1);
  CHECK(m.fixed_peers[0].port() == 18444);
}

TEST_CASE("-nolisten and -listen=0 are the same; a bad port is refused") {
  auto a = parse({"-regtest", "-nolisten"});
  auto b = parse({"-regtest", "-listen=0"});
  REQUIRE(std::holds_alternative<program::Options>(a));
  REQUIRE(std::holds_alternative<program::Options>(b));
  CHECK_FALSE(std::get<program::Options>(a).manager.listen);
  CHECK_FALSE(std::get<program::Options>(b).manager.listen);
  CHECK(std::holds_alternative<std::string>(parse({"-regtest", "-port=70000"})));
  CHECK(std::holds_alternative<std::string>(parse({"-regtest", "-port=-1"})));
}
