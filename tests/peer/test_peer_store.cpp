#include <bsvpeer/peer/peer_store.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

using namespace bsvpeer::peer;

namespace {

constexpr UnixSeconds kNow = 1763800000;

std::string add_peer(PeerStore& store, const char* ip, std::uint16_t port = 8333,
                     PeerSource source = PeerSource::dns, UnixSeconds now = kNow) {
  auto added = store.add(ip, port, source, now);
  REQUIRE(added.has_value());
  return added->id;
}

}  // namespace

TEST_CASE("add creates an Unknown record with a fresh id; get and find return it") {
  PeerStore store(PeerIdGenerator(1));
  auto added = store.add("1.2.3.4", 8333, PeerSource::dns, kNow);
  REQUIRE(added.has_value());
  CHECK(added->inserted);
  CHECK(is_uuid(added->id));

  auto record = store.get(added->id);
  REQUIRE(record.has_value());
  CHECK(record->ip == "1.2.3.4");
  CHECK(record->port == 8333);
  CHECK(record->status == PeerStatus::unknown);
  CHECK(record->status_since == kNow);
  CHECK(record->source == PeerSource::dns);
  CHECK(record->attempts == 0);
  CHECK_FALSE(record->last_attempt.has_value());
  CHECK_FALSE(record->last_success.has_value());
  CHECK_FALSE(record->ban.has_value());

  CHECK(store.find("1.2.3.4", 8333) == record);
  CHECK_FALSE(store.find("1.2.3.4", 8334).has_value());
  CHECK_FALSE(store.get("123e4567-e89b-42d3-a456-426614174000").has_value());
  CHECK(store.size() == 1);
}

TEST_CASE("add refuses a bad ip or port 0") {
  PeerStore store;
  auto bad_ip = store.add("1.2.3", 8333, PeerSource::addr, kNow);
  REQUIRE_FALSE(bad_ip.has_value());
  CHECK(bad_ip.error() == PeerStoreError::invalid_ip);
  auto bad_port = store.add("1.2.3.4", 0, PeerSource::addr, kNow);
  REQUIRE_FALSE(bad_port.has_value());
  CHECK(bad_port.error() == PeerStoreError::invalid_port);
  CHECK(store.size() == 0);
  CHECK(store.generation() == 0);
}

TEST_CASE("no duplicate ip:port, whatever the spelling; re-adding keeps id and history") {
  PeerStore store;
  const std::string id = add_peer(store, "1.2.3.4", 8333, PeerSource::addr);
  REQUIRE(store.mark_attempt(id, kNow + 1));

  auto again = store.add("::ffff:1.2.3.4", 8333, PeerSource::inbound, kNow + 5);
  REQUIRE(again.has_value());
  CHECK_FALSE(again->inserted);
  CHECK(again->id == id);
  auto v6_spelling = store.add("::FFFF:102:304", 8333, PeerSource::addr, kNow + 5);
  REQUIRE(v6_spelling.has_value());
  CHECK(v6_spelling->id == id);
  CHECK(store.size() == 1);

  auto record = store.get(id);
  REQUIRE(record.has_value());
  CHECK(record->source == PeerSource::addr);  // inbound ranks lower: not taken
  CHECK(record->attempts == 1);
  CHECK(record->status_since == kNow);

  REQUIRE(store.add("1.2.3.4", 8333, PeerSource::manual, kNow + 6).has_value());
  CHECK(store.get(id)->source == PeerSource::manual);  // manual ranks higher: taken

  // Another port of the same host is another peer.
  CHECK(add_peer(store, "1.2.3.4", 18333) != id);
  CHECK(store.size() == 2);
}

TEST_CASE("IPv6 peers are keyed by their RFC 5952 form") {
  PeerStore store;
  const std::string id = add_peer(store, "2001:DB8:0:0:0:0:0:1");
  CHECK(store.get(id)->ip == "2001:db8::1");
  CHECK(store.find("2001:db8::1", 8333)->id == id);
  CHECK(store.add("2001:db8:0::1", 8333, PeerSource::addr, kNow)->id == id);
}

TEST_CASE("mark_attempt, mark_success, mark_failure and mark_restart record history") {
  PeerStore store;
  const std::string id = add_peer(store, "10.0.0.1");

  REQUIRE(store.mark_attempt(id, kNow + 10));
  REQUIRE(store.mark_failure(id, "connection refused"));
  REQUIRE(store.mark_attempt(id, kNow + 20));
  REQUIRE(store.mark_failure(id, "timeout"));
  auto record = store.get(id);
  CHECK(record->attempts == 2);
  CHECK(record->last_attempt == kNow + 20);
  CHECK(record->retry_count == 2);
  CHECK(record->last_error == "timeout");
  CHECK(record->status == PeerStatus::unknown);  // failures alone do not move the status

  REQUIRE(store.mark_attempt(id, kNow + 30));
  REQUIRE(store.mark_success(id, "/Bitcoin SV:1.2.2/", 33, kNow + 31));
  record = store.get(id);
  CHECK(record->status == PeerStatus::valid);
  CHECK(record->status_since == kNow + 31);
  CHECK(record->last_success == kNow + 31);
  CHECK(record->retry_count == 0);
  CHECK(record->user_agent == "/Bitcoin SV:1.2.2/");
  CHECK(record->services == 33);
  CHECK(record->last_error.empty());
  CHECK(record->attempts == 3);

  // A second success keeps the Valid-since time.
  REQUIRE(store.mark_success(id, "/Bitcoin SV:1.2.2/", 33, kNow + 90));
  CHECK(store.get(id)->status_since == kNow + 31);

  REQUIRE(store.mark_restart(id));
  REQUIRE(store.mark_restart(id));
  CHECK(store.get(id)->restart_count == 2);

  const char* missing = "123e4567-e89b-42d3-a456-426614174000";
  CHECK(store.mark_attempt(missing, kNow).error() == PeerStoreError::not_found);
  CHECK(store.mark_success(missing, "", 0, kNow).error() == PeerStoreError::not_found);
  CHECK(store.mark_failure(missing, "x").error() == PeerStoreError::not_found);
  CHECK(store.mark_restart(missing).error() == PeerStoreError::not_found);
}

TEST_CASE("set_status moves between unknown, valid and inaccessible, never into or out of banned") {
  PeerStore store;
  const std::string id = add_peer(store, "10.0.0.2");
  REQUIRE(store.set_status(id, PeerStatus::inaccessible, kNow + 5));
  CHECK(store.get(id)->status == PeerStatus::inaccessible);
  CHECK(store.get(id)->status_since == kNow + 5);

  const auto generation = store.generation();
  REQUIRE(store.set_status(id, PeerStatus::inaccessible, kNow + 9));  // no change
  CHECK(store.get(id)->status_since == kNow + 5);
  CHECK(store.generation() == generation);

  CHECK(store.set_status(id, PeerStatus::banned, kNow).error() ==
        PeerStoreError::status_needs_ban_call);
  REQUIRE(store.ban(id, "wrong_magic", kNow + 100, kNow + 10));
  CHECK(store.set_status(id, PeerStatus::valid, kNow + 11).error() ==
        PeerStoreError::status_needs_ban_call);
  CHECK(store.get(id)->status == PeerStatus::banned);
}

TEST_CASE("ban records reason and expiry; an expired ban is not reported; lifting unbans") {
  PeerStore store;
  const std::string banned = add_peer(store, "10.0.0.3");
  const std::string other = add_peer(store, "10.0.0.4");
  REQUIRE(store.mark_failure(banned, "banned user agent"));
  REQUIRE(store.ban(banned, "banned_user_agent", kNow + 3600, kNow));

  auto record = store.get(banned);
  CHECK(record->status == PeerStatus::banned);
  CHECK(record->status_since == kNow);
  CHECK(record->ban == PeerBan{"banned_user_agent", kNow + 3600});
  CHECK(record->last_error == "banned user agent");

  CHECK(store.is_banned("10.0.0.3", 8333, kNow + 3599));
  CHECK(store.is_banned("::ffff:10.0.0.3", 8333, kNow));
  CHECK_FALSE(store.is_banned("10.0.0.3", 8333, kNow + 3600));  // over at `until`
  CHECK_FALSE(store.is_banned("10.0.0.4", 8333, kNow));
  CHECK_FALSE(store.is_banned("10.0.0.9", 8333, kNow));
  CHECK(store.is_ip_banned("10.0.0.3", kNow));
  CHECK_FALSE(store.is_ip_banned("10.0.0.3", kNow + 3600));
  CHECK_FALSE(store.is_ip_banned("10.0.0.4", kNow));

  CHECK(store.lift_expired_bans(kNow + 3599).empty());
  CHECK(store.get(banned)->status == PeerStatus::banned);
  auto lifted = store.lift_expired_bans(kNow + 3600);
  CHECK(lifted == std::vector<std::string>{banned});
  record = store.get(banned);
  CHECK(record->status == PeerStatus::unknown);
  CHECK(record->status_since == kNow + 3600);
  CHECK_FALSE(record->ban.has_value());
  CHECK(record->retry_count == 0);
  CHECK(store.get(other)->status == PeerStatus::unknown);
}

TEST_CASE("is_ip_banned sees a ban on any port of the ip") {
  PeerStore store;
  add_peer(store, "10.0.0.5", 8333);
  const std::string id = add_peer(store, "10.0.0.5", 9333);
  add_peer(store, "10.0.0.50", 8333);
  REQUIRE(store.ban(id, "misbehaviour", kNow + 60, kNow));
  CHECK(store.is_ip_banned("10.0.0.5", kNow));
  CHECK_FALSE(store.is_banned("10.0.0.5", 8333, kNow));
  CHECK_FALSE(store.is_ip_banned("10.0.0.50", kNow));
  CHECK_FALSE(store.is_ip_banned("not an ip", kNow));
}

TEST_CASE("unban returns a peer to Unknown; banning again replaces the ban") {
  PeerStore store;
  const std::string id = add_peer(store, "10.0.0.6");
  REQUIRE(store.mark_success(id, "/Bitcoin SV:1.2.2/", 1, kNow));
  REQUIRE(store.ban(id, "misbehaviour", kNow + 60, kNow + 1));
  REQUIRE(store.ban(id, "wrong_network", kNow + 600, kNow + 2));
  auto record = store.get(id);
  CHECK(record->ban == PeerBan{"wrong_network", kNow + 600});
  CHECK(record->status_since == kNow + 1);  // still banned since the first ban

  REQUIRE(store.unban(id, kNow + 3));
  record = store.get(id);
  CHECK(record->status == PeerStatus::unknown);
  CHECK_FALSE(record->ban.has_value());
  CHECK(record->last_success == kNow);  // history kept

  const auto generation = store.generation();
  REQUIRE(store.unban(id, kNow + 4));  // not banned: nothing changes
  CHECK(store.generation() == generation);
}

TEST_CASE("list and counts by status; snapshot copies all, ordered by id") {
  PeerStore store;
  const std::string a = add_peer(store, "10.1.0.1");
  const std::string b = add_peer(store, "10.1.0.2");
  const std::string c = add_peer(store, "10.1.0.3");
  const std::string d = add_peer(store, "10.1.0.4");
  add_peer(store, "10.1.0.5");
  REQUIRE(store.mark_success(a, "", 0, kNow));
  REQUIRE(store.mark_success(b, "", 0, kNow));
  REQUIRE(store.set_status(c, PeerStatus::inaccessible, kNow));
  REQUIRE(store.ban(d, "misbehaviour", kNow + 10, kNow));

  CHECK(store.counts() == StatusCounts{1, 2, 1, 1});
  CHECK(store.counts().of(PeerStatus::valid) == 2);
  CHECK(store.counts().total() == 5);

  auto valid = store.list(PeerStatus::valid);
  REQUIRE(valid.size() == 2);
  std::vector<std::string> valid_ids{valid[0].id, valid[1].id};
  std::vector<std::string> expected{a, b};
  std::sort(expected.begin(), expected.end());
  CHECK(valid_ids == expected);
  CHECK(store.list(PeerStatus::banned).at(0).id == d);

  auto all = store.snapshot();
  CHECK(all.size() == 5);
  CHECK(std::is_sorted(all.begin(), all.end(),
                       [](const PeerRecord& x, const PeerRecord& y) { return x.id < y.id; }));
}

TEST_CASE("remove forgets the record and frees its ip:port") {
  PeerStore store;
  const std::string id = add_peer(store, "10.2.0.1");
  CHECK(store.remove(id));
  CHECK_FALSE(store.remove(id));
  CHECK_FALSE(store.get(id).has_value());
  CHECK_FALSE(store.find("10.2.0.1", 8333).has_value());
  auto again = store.add("10.2.0.1", 8333, PeerSource::dns, kNow);
  REQUIRE(again.has_value());
  CHECK(again->inserted);
  CHECK(again->id != id);
}

TEST_CASE("insert validates a whole record and refuses duplicates") {
  PeerStore store;
  PeerRecord record;
  record.id = "123E4567-E89B-42D3-A456-426614174000";
  record.ip = "::ffff:5.6.7.8";
  record.port = 8333;
  record.status = PeerStatus::valid;
  REQUIRE(store.insert(record));
  auto stored = store.get("123e4567-e89b-42d3-a456-426614174000");  // ids are lowercased
  REQUIRE(stored.has_value());
  CHECK(stored->ip == "5.6.7.8");

  CHECK(store.insert(record).error() == PeerStoreError::duplicate_id);
  PeerRecord same_endpoint = record;
  same_endpoint.id = "00000000-0000-4000-8000-000000000001";
  CHECK(store.insert(same_endpoint).error() == PeerStoreError::duplicate_endpoint);

  PeerRecord bad = record;
  bad.id = "not-a-uuid";
  CHECK(store.insert(bad).error() == PeerStoreError::invalid_id);
  bad = same_endpoint;
  bad.ip = "5.6.7";
  CHECK(store.insert(bad).error() == PeerStoreError::invalid_ip);
  bad = same_endpoint;
  bad.port = 0;
  CHECK(store.insert(bad).error() == PeerStoreError::invalid_port);
  bad = same_endpoint;
  bad.ip = "9.9.9.9";
  bad.status = PeerStatus::banned;
  CHECK(store.insert(bad).error() == PeerStoreError::ban_status_mismatch);
  bad.status = PeerStatus::valid;
  bad.ban = PeerBan{"misbehaviour", kNow};
  CHECK(store.insert(bad).error() == PeerStoreError::ban_status_mismatch);
  CHECK(store.size() == 1);
}

TEST_CASE("generation moves with every change and only then") {
  PeerStore store;
  auto generation = store.generation();
  const std::string id = add_peer(store, "10.3.0.1", 8333, PeerSource::manual);
  CHECK(store.generation() == ++generation);
  REQUIRE(store.add("10.3.0.1", 8333, PeerSource::dns, kNow).has_value());  // known, lower rank
  CHECK(store.generation() == generation);
  REQUIRE(store.mark_attempt(id, kNow));
  CHECK(store.generation() == ++generation);
  CHECK(store.lift_expired_bans(kNow).empty());
  CHECK(store.generation() == generation);
  store.get(id);
  store.snapshot();
  CHECK(store.generation() == generation);
  auto snapshot = store.snapshot_with_generation();
  CHECK(snapshot.generation == generation);
  CHECK(snapshot.records.size() == 1);
  CHECK(store.remove(id));
  CHECK(store.generation() == ++generation);
}

TEST_CASE("concurrent use from several threads keeps every change") {
  PeerStore store;
  constexpr int kThreads = 4;
  constexpr int kPeersPerThread = 200;
  constexpr int kShared = 50;  // every thread adds these too
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kPeersPerThread; ++i) {
        const std::string ip = "10." + std::to_string(t) + "." + std::to_string(i / 256) + "." +
                               std::to_string(i % 256);
        auto own = store.add(ip, 8333, PeerSource::addr, kNow);
        if (!own) continue;
        (void)store.mark_attempt(own->id, kNow + i);
        (void)store.mark_success(own->id, "/Bitcoin SV:1.2.2/", 1, kNow + i);
        if (i % 4 == 0) (void)store.set_status(own->id, PeerStatus::inaccessible, kNow + i);
        if (i < kShared) {
          auto shared = store.add("192.168.0." + std::to_string(i), 8333, PeerSource::dns, kNow);
          if (shared) (void)store.mark_attempt(shared->id, kNow);
        }
        (void)store.counts();
        (void)store.list(PeerStatus::valid);
        (void)store.find(ip, 8333);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();

  CHECK(store.size() == kThreads * kPeersPerThread + kShared);
  const auto counts = store.counts();
  CHECK(counts.inaccessible == kThreads * kPeersPerThread / 4);
  CHECK(counts.valid == kThreads * kPeersPerThread * 3 / 4);
  CHECK(counts.unknown == kShared);
  for (int i = 0; i < kShared; ++i) {
    auto shared = store.find("192.168.0." + std::to_string(i), 8333);
    REQUIRE(shared.has_value());
    CHECK(shared->attempts == kThreads);
  }
}
