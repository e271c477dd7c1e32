#include <bsvpeer/node/ban_book.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::node;

namespace {

constexpr peer::UnixSeconds kNow = 1'700'000'000;

std::string add(peer::PeerStore& store, const char* ip, std::uint16_t port) {
  auto r = store.add(ip, port, peer::PeerSource::dns, kNow);
  REQUIRE(r.has_value());
  return r->id;
}

}  // namespace

TEST_CASE("ban_ip: every port of the IP, and a record for an IP never seen") {
  peer::PeerStore store;
  add(store, "1.1.1.1", 8333);
  add(store, "1.1.1.1", 9333);
  add(store, "2.2.2.2", 8333);
  ban_ip(store, "1.1.1.1", 8333, "test", kNow + 60, kNow);
  CHECK(store.find("1.1.1.1", 8333)->status == peer::PeerStatus::banned);
  CHECK(store.find("1.1.1.1", 9333)->status == peer::PeerStatus::banned);
  CHECK(store.find("2.2.2.2", 8333)->status != peer::PeerStatus::banned);
  ban_ip(store, "3.3.3.3", 18444, "test", kNow + 60, kNow);
  REQUIRE(store.find("3.3.3.3", 18444).has_value());
  CHECK(store.find("3.3.3.3", 18444)->source == peer::PeerSource::inbound);
  CHECK(store.is_ip_banned("3.3.3.3", kNow));
  CHECK_FALSE(store.is_ip_banned("3.3.3.3", kNow + 61));
}

TEST_CASE("unban_ip and unban_all_records lift record bans and say which") {
  peer::PeerStore store;
  const auto a = add(store, "1.1.1.1", 8333);
  add(store, "2.2.2.2", 8333);
  ban_ip(store, "1.1.1.1", 8333, "test", kNow + 60, kNow);
  ban_ip(store, "2.2.2.2", 8333, "test", kNow + 60, kNow);
  CHECK(unban_ip(store, "9.9.9.9", kNow).empty());
  CHECK(unban_ip(store, "1.1.1.1", kNow) == std::vector<std::string>{a});
  CHECK_FALSE(store.is_ip_banned("1.1.1.1", kNow));
  CHECK(unban_ip(store, "1.1.1.1", kNow).empty());  // not banned any more
  CHECK(unban_all_records(store, kNow) == std::vector<std::string>{"2.2.2.2"});
  CHECK_FALSE(store.is_ip_banned("2.2.2.2", kNow));
}

TEST_CASE("unban_records_in: only banned records inside the subnet") {
  peer::PeerStore store;
  add(store, "10.0.0.1", 8333);
  add(store, "10.0.1.1", 8333);
  ban_ip(store, "10.0.0.1", 8333, "test", kNow + 60, kNow);
  ban_ip(store, "10.0.1.1", 8333, "test", kNow + 60, kNow);
  const auto subnet = peer::Subnet::parse("10.0.0.1");
  REQUIRE(subnet.has_value());
  CHECK(unban_records_in(store, *subnet, kNow) == std::vector<std::string>{"10.0.0.1"});
  CHECK(store.is_ip_banned("10.0.1.1", kNow));
}

TEST_CASE("record_ids_of: every record of the IPs") {
  peer::PeerStore store;
  const auto a = add(store, "1.1.1.1", 8333);
  const auto b = add(store, "1.1.1.1", 9333);
  add(store, "2.2.2.2", 8333);
  auto ids = record_ids_of(store, {"1.1.1.1"});
  std::sort(ids.begin(), ids.end());
  auto expected = std::vector<std::string>{a, b};
  std::sort(expected.begin(), expected.end());
  CHECK(ids == expected);
}
