#include "core_test_support.hpp"

#include <bsvpeer/conn/version_check.hpp>

#include <doctest/doctest.h>

#include <optional>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;
using bsvpeer::wire::RejectCode;

namespace {

std::uint8_t code(RejectCode c) {
  return static_cast<std::uint8_t>(c);
}

const LocalNonceCheck kOurNonceIsLocal = [](std::uint64_t n) { return n == kOurNonce; };

}  // namespace

TEST_CASE("version check: SV's reactions, row by row") {
  struct Row {
    const char* name;
    wire::Version peer;
    Direction direction;
    VersionRules rules;
    std::optional<DisconnectReason> reason;  // nullopt: accepted
    std::optional<std::uint8_t> reject_code;
    std::string reject_reason;
    bool ban;
  };
  VersionRules need_network;
  need_network.required_services = net::kNodeNetwork;
  VersionRules min_70001;
  min_70001.min_protocol_version = 70001;

  const Row rows[] = {
      {"SV node", sv_version(), Direction::outbound, {}, std::nullopt, std::nullopt, "", false},
      {"exactly the minimum",
       sv_version(31800),
       Direction::outbound,
       {},
       std::nullopt,
       std::nullopt,
       "",
       false},
      {"below the minimum",
       sv_version(31799),
       Direction::outbound,
       {},
       DisconnectReason::obsolete_version,
       code(RejectCode::obsolete),
       "Version must be 31800 or greater",
       false},
      {"below a configured minimum", sv_version(70000), Direction::inbound, min_70001,
       DisconnectReason::obsolete_version, code(RejectCode::obsolete),
       "Version must be 70001 or greater", false},
      {"required services missing", sv_version(70016, kPeerNonce, "/x:1/", 0), Direction::outbound,
       need_network, DisconnectReason::missing_services, code(RejectCode::nonstandard),
       "Expected to offer services 00000001", false},
      {"required services offered", sv_version(), Direction::outbound, need_network, std::nullopt,
       std::nullopt, "", false},
      {"banned user agent",
       sv_version(70016, kPeerNonce, "/Bitcoin ABC:0.22.1/"),
       Direction::inbound,
       {},
       DisconnectReason::banned_user_agent,
       std::nullopt,
       "",
       true},
      {"self connection (inbound)",
       sv_version(70016, kOurNonce),
       Direction::inbound,
       {},
       DisconnectReason::self_connection,
       std::nullopt,
       "",
       false},
      {"our nonce on an outbound connection is not checked",
       sv_version(70016, kOurNonce),
       Direction::outbound,
       {},
       std::nullopt,
       std::nullopt,
       "",
       false},
      // SV checks services before the version number, and both before the user agent.
      {"services before version", sv_version(100, kPeerNonce, "/cash/", 0), Direction::outbound,
       need_network, DisconnectReason::missing_services, code(RejectCode::nonstandard),
       "Expected to offer services 00000001", false},
      {"version before user agent",
       sv_version(100, kPeerNonce, "/cash/"),
       Direction::outbound,
       {},
       DisconnectReason::obsolete_version,
       code(RejectCode::obsolete),
       "Version must be 31800 or greater",
       false},
      {"user agent before self connection",
       sv_version(70016, kOurNonce, "/bch/"),
       Direction::inbound,
       {},
       DisconnectReason::banned_user_agent,
       std::nullopt,
       "",
       true},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto refusal = check_peer_version(row.peer, row.rules, row.direction, kOurNonceIsLocal);
    CHECK(refusal.has_value() == row.reason.has_value());
    if (!refusal || !row.reason) continue;
    CHECK(refusal->reason == *row.reason);
    CHECK(refusal->ban == row.ban);
    CHECK_FALSE(refusal->detail.empty());
    CHECK(refusal->reject.has_value() == row.reject_code.has_value());
    if (refusal->reject && row.reject_code) {
      CHECK(refusal->reject->message == "version");
      CHECK(refusal->reject->code == *row.reject_code);
      CHECK(refusal->reject->reason == row.reject_reason);
    }
  }
}

TEST_CASE("version check: no self-connection check without a nonce callback") {
  CHECK_FALSE(check_peer_version(sv_version(70016, kOurNonce), {}, Direction::inbound, {}));
}

TEST_CASE("version check: the services text lists what we require, as SV's does") {
  VersionRules rules;
  rules.required_services = 0x25;
  const auto refusal = check_peer_version(sv_version(70016, kPeerNonce, "/x/", 0x21), rules,
                                          Direction::outbound, kOurNonceIsLocal);
  REQUIRE(refusal);
  CHECK(refusal->reject->reason == "Expected to offer services 00000025");
}
