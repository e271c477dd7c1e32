#include <bsvpeer/node/addr_gossip.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace bsvpeer;
using namespace bsvpeer::node;

namespace {

constexpr peer::UnixSeconds kNow = 1'700'000'000;

wire::TimedNetAddress entry(const char* ip, std::uint16_t port, peer::UnixSeconds time = kNow,
                            std::uint64_t services = net::kNodeNetwork) {
  wire::TimedNetAddress t;
  t.time = static_cast<std::uint32_t>(time);
  t.addr.services = services;
  t.addr.ip = *wire::NetAddress::parse_ip(ip);
  t.addr.port = port;
  return t;
}

}  // namespace

TEST_CASE("take_addr: usable new entries are stored and fresh ones relayed") {
  peer::PeerStore store;
  REQUIRE(store.add("3.3.3.3", 8333, peer::PeerSource::dns, kNow).has_value());
  wire::Addr addr;
  addr.entries = {entry("0.0.0.0", 8333),               // unusable
                  entry("1.1.1.1", 8333),               // new, fresh
                  entry("2.2.2.2", 8333, kNow - 3600),  // new, too old to relay
                  entry("3.3.3.3", 8333),               // known
                  entry("4.4.4.4", 8333, kNow, 0)};     // lacks NODE_NETWORK
  const AddrFilter filter;
  const auto intake = take_addr(addr, filter, store, std::nullopt, kNow);
  CHECK(intake.usable == 3);
  CHECK(intake.added == 2);
  CHECK(intake.counts.unusable_address == 1);
  CHECK(intake.counts.missing_services == 1);
  CHECK(store.find("1.1.1.1", 8333)->source == peer::PeerSource::addr);
  CHECK(store.find("2.2.2.2", 8333).has_value());
  CHECK_FALSE(store.find("4.4.4.4", 8333).has_value());
  // The relayed entry is the one that was new and fresh, not whatever sat at its index.
  REQUIRE(intake.relay.entries.size() == 1);
  CHECK(intake.relay.entries[0] == entry("1.1.1.1", 8333));
}

TEST_CASE("take_addr: from an inbound peer only its own entries; never a banned IP") {
  peer::PeerStore store;
  auto banned = store.add("5.5.5.5", 8333, peer::PeerSource::dns, kNow);
  REQUIRE(banned.has_value());
  REQUIRE(store.ban(banned->id, "test", kNow + 3600, kNow).has_value());
  wire::Addr addr;
  addr.entries = {entry("1.1.1.1", 8333), entry("9.9.9.9", 18444), entry("5.5.5.5", 9999)};
  const AddrFilter filter;
  const auto intake = take_addr(addr, filter, store, "9.9.9.9", kNow);
  CHECK(intake.added == 1);
  CHECK(store.find("9.9.9.9", 18444).has_value());
  CHECK_FALSE(store.find("1.1.1.1", 8333).has_value());
  const auto from_banned = take_addr(addr, filter, store, "5.5.5.5", kNow);
  CHECK(from_banned.added == 0);
  CHECK_FALSE(store.find("5.5.5.5", 9999).has_value());
}

TEST_CASE("take_addr: a message of more than 10 entries is stored but not relayed") {
  peer::PeerStore store;
  wire::Addr addr;
  for (int i = 1; i <= 11; ++i)
    addr.entries.push_back(entry(("1.1.1." + std::to_string(i)).c_str(), 8333));
  const auto intake = take_addr(addr, AddrFilter{}, store, std::nullopt, kNow);
  CHECK(intake.added == 11);
  CHECK(intake.relay.entries.empty());
}

TEST_CASE("addr_answer: Valid then Unknown, never banned or given up") {
  peer::PeerStore store;
  auto valid = store.add("2.2.2.2", 8333, peer::PeerSource::dns, kNow - 100);
  auto unknown = store.add("1.1.1.1", 8333, peer::PeerSource::dns, kNow - 50);
  auto banned = store.add("3.3.3.3", 8333, peer::PeerSource::dns, kNow);
  auto gone = store.add("4.4.4.4", 8333, peer::PeerSource::dns, kNow);
  REQUIRE((valid && unknown && banned && gone));
  REQUIRE(store.mark_success(valid->id, "/x/", 1, kNow - 10).has_value());
  REQUIRE(store.ban(banned->id, "test", kNow + 60, kNow).has_value());
  REQUIRE(store.set_status(gone->id, peer::PeerStatus::inaccessible, kNow).has_value());
  const auto answer = addr_answer(store, kNow);
  REQUIRE(answer.entries.size() == 2);
  CHECK(answer.entries[0].addr == wire::NetAddress::ipv4(2, 2, 2, 2, 8333, 1));
  CHECK(answer.entries[0].time == kNow - 10);  // its last success
  CHECK(answer.entries[1].addr.port == 8333);
  CHECK(answer.entries[1].addr.ip == *wire::NetAddress::parse_ip("1.1.1.1"));
}

TEST_CASE("pick_relay_targets: at most two, drawn from the eligible") {
  std::mt19937_64 rng{42};
  CHECK(pick_relay_targets({}, rng).empty());
  CHECK(pick_relay_targets({7}, rng) == std::vector<std::uint64_t>{7});
  const std::set<std::uint64_t> eligible = {1, 2, 3, 4, 5};
  const auto picked = pick_relay_targets({1, 2, 3, 4, 5}, rng);
  REQUIRE(picked.size() == kAddrRelayFanout);
  CHECK(picked[0] != picked[1]);
  for (auto id : picked)
    CHECK(eligible.count(id) == 1);
}
