#include <bsvpeer/node/inbound_admission.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::node;
using namespace std::chrono_literals;

namespace {

const conn::TimePoint kT0{std::chrono::hours(1)};

InboundFacts facts(const char* ip, bool banned = false, bool whitelisted = false,
                   std::size_t from_ip = 0) {
  return InboundFacts{boost::asio::ip::make_address(ip), banned, whitelisted, from_ip};
}

}  // namespace

TEST_CASE("InboundAdmission: each rule's reason, in order") {
  struct Row {
    const char* name;
    std::vector<std::string> allowlist;
    InboundLimits limits;
    InboundFacts facts;
    std::optional<std::string> expected;
  };
  const Row rows[] = {
      {"nothing against it", {}, {}, facts("1.2.3.4"), std::nullopt},
      {"banned", {}, {}, facts("1.2.3.4", true), "banned"},
      {"banned but whitelisted", {}, {}, facts("1.2.3.4", true, true), std::nullopt},
      {"on the allowlist", {"1.2.3.0/24"}, {}, facts("1.2.3.4"), std::nullopt},
      {"off the allowlist", {"1.2.3.0/24"}, {}, facts("1.2.4.4"), "not on the inbound allowlist"},
      {"whitelisted is still held to the allowlist",
       {"10.0.0.1"},
       {},
       facts("1.2.3.4", false, true),
       "not on the inbound allowlist"},
      {"an IPv4-mapped peer matches an IPv4 allowlist",
       {"1.2.3.0/24"},
       {},
       facts("::ffff:1.2.3.4"),
       std::nullopt},
      {"a bad allowlist entry is ignored",
       {"not-an-ip", "1.2.3.4"},
       {},
       facts("1.2.3.4"),
       std::nullopt},
      {"under the per-IP limit", {}, {2, 0}, facts("1.2.3.4", false, false, 1), std::nullopt},
      {"at the per-IP limit",
       {},
       {2, 0},
       facts("1.2.3.4", false, false, 2),
       "too many connections from this IP"},
      {"whitelisted: no per-IP limit", {}, {2, 0}, facts("1.2.3.4", false, true, 5), std::nullopt},
      {"banned comes first", {"10.0.0.1"}, {1, 0}, facts("1.2.3.4", true, false, 9), "banned"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    InboundAdmission admission(row.allowlist, kT0);
    CHECK(admission.refusal(row.facts, row.limits, kT0) == row.expected);
  }
}

TEST_CASE("InboundAdmission: the accept rate is a token bucket refilled with time") {
  InboundAdmission admission({}, kT0);
  const InboundLimits limits{0, 2.0};  // two per second
  const auto peer = facts("1.2.3.4");
  // The bucket starts empty: the first accept waits for a token.
  CHECK(admission.refusal(peer, limits, kT0) == "accept rate limit");
  CHECK(admission.refusal(peer, limits, kT0 + 500ms) == std::nullopt);
  CHECK(admission.refusal(peer, limits, kT0 + 500ms) == "accept rate limit");
  // A long pause fills the bucket only up to one second's worth.
  const auto later = kT0 + 10s;
  CHECK(admission.refusal(peer, limits, later) == std::nullopt);
  CHECK(admission.refusal(peer, limits, later) == std::nullopt);
  CHECK(admission.refusal(peer, limits, later) == "accept rate limit");
  // Whitelisted peers spend no token and are never limited.
  CHECK(admission.refusal(facts("1.2.3.4", false, true), limits, later) == std::nullopt);
  // A refusal for another reason spends no token either.
  CHECK(admission.refusal(facts("1.2.3.4", true), limits, later + 500ms) == "banned");
  CHECK(admission.refusal(peer, limits, later + 500ms) == std::nullopt);
}

TEST_CASE("InboundAdmission: polite rejections are bounded") {
  CHECK(InboundAdmission::polite_rejection_allowed(0));
  CHECK(InboundAdmission::polite_rejection_allowed(kMaxPoliteRejections - 1));
  CHECK_FALSE(InboundAdmission::polite_rejection_allowed(kMaxPoliteRejections));
}
