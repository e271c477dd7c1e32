// Subnet bans in the PeerStore: they ban every address inside, expire, and survive a save/load.
#include "peer/temp_dir.hpp"

#include <bsvpeer/peer/peer_store.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::peer;

namespace {
constexpr UnixSeconds kNow = 1763800000;
}

TEST_CASE("subnet bans: an address inside is banned until the ban ends") {
  PeerStore store;
  store.ban_subnet({*Subnet::parse("10.1.0.0/16"), "manually added", kNow, kNow + 100});
  CHECK(store.is_ip_banned("10.1.2.3", kNow));
  CHECK(store.is_ip_banned("::ffff:10.1.2.3", kNow));
  CHECK_FALSE(store.is_ip_banned("10.2.0.1", kNow));
  CHECK_FALSE(store.is_ip_banned("10.1.2.3", kNow + 100));
  const auto before = store.generation();
  store.lift_expired_bans(kNow + 100);
  CHECK(store.subnet_bans().empty());
  CHECK(store.generation() > before);
}

TEST_CASE("subnet bans: replace, remove, clear") {
  PeerStore store;
  store.ban_subnet({*Subnet::parse("1.2.3.4"), "a", kNow, kNow + 10});
  store.ban_subnet({*Subnet::parse("1.2.3.4/32"), "b", kNow, kNow + 20});
  REQUIRE(store.subnet_bans().size() == 1);
  CHECK(store.subnet_bans()[0].reason == "b");
  CHECK_FALSE(store.unban_subnet(*Subnet::parse("1.2.3.0/24")));
  CHECK(store.unban_subnet(*Subnet::parse("1.2.3.4")));
  CHECK_FALSE(store.is_ip_banned("1.2.3.4", kNow));
  store.ban_subnet({*Subnet::parse("1.2.3.0/24"), "c", kNow, kNow + 10});
  store.ban_subnet({*Subnet::parse("2001:db8::/32"), "d", kNow, kNow + 10});
  CHECK(store.clear_subnet_bans() == 2);
  CHECK(store.subnet_bans().empty());
}

TEST_CASE("subnet bans: saved with the store and loaded back; expired ones are not") {
  test::TempDir dir;
  const auto path = dir.path() / "peers.json";
  PeerStoreFile file(path, net::NetworkId::regtest);
  {
    PeerStore store;
    (void)store.add("8.8.8.8", 8333, PeerSource::dns, kNow);
    store.ban_subnet({*Subnet::parse("192.168.0.0/16"), "manually added", kNow, kNow + 1000});
    store.ban_subnet({*Subnet::parse("2001:db8::1"), "manually added", kNow, kNow + 5});
    REQUIRE(file.save(store, kNow));
  }
  PeerStore loaded;
  const auto report = file.load(loaded, kNow + 10);
  CHECK(report.outcome == LoadOutcome::loaded);
  CHECK(loaded.size() == 1);
  const auto bans = loaded.subnet_bans();
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].subnet.to_string() == "192.168.0.0/16");
  CHECK(bans[0].reason == "manually added");
  CHECK(bans[0].created == kNow);
  CHECK(bans[0].until == kNow + 1000);
  CHECK(loaded.is_ip_banned("192.168.7.7", kNow + 10));
}
