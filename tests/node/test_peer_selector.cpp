#include <bsvpeer/node/peer_selector.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace bsvpeer::node;
using bsvpeer::peer::PeerBan;
using bsvpeer::peer::PeerEndpoint;
using bsvpeer::peer::PeerRecord;
using bsvpeer::peer::PeerStatus;
using bsvpeer::peer::UnixSeconds;

namespace {

constexpr UnixSeconds kNow = 1763800000;

PeerRecord peer(const std::string& id, const std::string& ip, PeerStatus status,
                std::optional<UnixSeconds> last_attempt = std::nullopt, std::uint16_t port = 8333) {
  PeerRecord record;
  record.id = id;
  record.ip = ip;
  record.port = port;
  record.status = status;
  record.last_attempt = last_attempt;
  if (status == PeerStatus::banned) record.ban = PeerBan{"misbehaviour", kNow + 3600};
  return record;
}

std::vector<std::string> ids_of(const std::vector<PeerRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& record : records)
    ids.push_back(record.id);
  return ids;
}

// Keys 0, 1, 2, ... in draw order: ties keep the snapshot's order, so a test states it.
RandomKey counting_key() {
  return [next = std::uint64_t{0}]() mutable { return next++; };
}

// Keys counting down: ties come out in reverse snapshot order.
RandomKey reverse_key() {
  return [next = std::uint64_t{1000}]() mutable { return next--; };
}

InaccessibleEligible all_eligible() {
  return [](const PeerRecord&) { return true; };
}

std::vector<std::string> select_ids(PeerSelector& selector, const std::vector<PeerRecord>& peers,
                                    std::size_t max_count = 100,
                                    const std::set<PeerEndpoint>* busy = nullptr,
                                    const std::set<NetGroup>* groups = nullptr,
                                    InaccessibleEligible eligible = all_eligible()) {
  SelectionRequest request;
  request.peers = peers;
  request.busy = busy;
  request.outbound_netgroups = groups;
  request.now = kNow;
  request.inaccessible_eligible = std::move(eligible);
  request.max_count = max_count;
  return ids_of(selector.select(request));
}

}  // namespace

TEST_CASE("classes come in order: Valid, Unknown, eligible Inaccessible; never Banned") {
  PeerSelector selector({}, counting_key());
  PeerRecord expired_ban = peer("expired-ban", "5.5.5.5", PeerStatus::banned);
  expired_ban.ban->until = kNow;  // over at kNow: counts as Unknown
  const std::vector<PeerRecord> peers = {
      peer("inaccessible", "1.1.1.1", PeerStatus::inaccessible),
      peer("banned", "2.2.2.2", PeerStatus::banned),
      peer("unknown", "3.3.3.3", PeerStatus::unknown),
      peer("valid", "4.4.4.4", PeerStatus::valid),
      expired_ban,
  };
  CHECK(select_ids(selector, peers) ==
        std::vector<std::string>{"valid", "unknown", "expired-ban", "inaccessible"});
}

TEST_CASE("Inaccessible peers are offered only when the Manager says their backoff elapsed") {
  const std::vector<PeerRecord> peers = {
      peer("waiting", "1.1.1.1", PeerStatus::inaccessible),
      peer("ready", "2.2.2.2", PeerStatus::inaccessible),
      peer("valid", "3.3.3.3", PeerStatus::valid),
  };
  struct Row {
    const char* name;
    InaccessibleEligible eligible;
    std::vector<std::string> expected;
  };
  const Row rows[] = {
      {"only the one whose backoff elapsed",
       [](const PeerRecord& record) { return record.id == "ready"; },
       {"valid", "ready"}},
      {"all eligible", all_eligible(), {"valid", "waiting", "ready"}},
      {"none eligible", [](const PeerRecord&) { return false; }, {"valid"}},
      {"no predicate: none eligible", InaccessibleEligible{}, {"valid"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    PeerSelector selector({}, counting_key());
    CHECK(select_ids(selector, peers, 100, nullptr, nullptr, row.eligible) == row.expected);
  }
}

TEST_CASE("connected or dialling endpoints are never offered") {
  const std::vector<PeerRecord> peers = {
      peer("connected", "1.1.1.1", PeerStatus::valid),
      peer("other-port", "1.1.1.1", PeerStatus::valid, std::nullopt, 8334),
      peer("dialling", "2.2.2.2", PeerStatus::unknown),
      peer("free", "3.3.3.3", PeerStatus::unknown),
  };
  const std::set<PeerEndpoint> busy = {{"1.1.1.1", 8333}, {"2.2.2.2", 8333}};
  struct Row {
    const char* name;
    std::set<NetGroup> outbound_groups;
    std::vector<std::string> expected;
  };
  const Row rows[] = {
      // The same ip on another port is another endpoint: offered when the busy peer is not an
      // automatic outbound (inbound or manual peers leave their netgroup free).
      {"busy endpoints only", {}, {"other-port", "free"}},
      // When the busy peer is an automatic outbound, its netgroup blocks the other port too.
      {"busy automatic outbound", {*netgroup_of("1.1.1.1")}, {"free"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    PeerSelector selector({}, counting_key());
    CHECK(select_ids(selector, peers, 100, &busy, &row.outbound_groups) == row.expected);
  }
}

TEST_CASE("at most one automatic outbound per netgroup, counting connections and candidates") {
  const std::vector<PeerRecord> peers = {
      peer("a1", "1.2.3.4", PeerStatus::valid),
      peer("a2", "1.2.9.9", PeerStatus::valid),
      peer("b1", "5.6.7.8", PeerStatus::unknown),
      peer("b2", "5.6.1.1", PeerStatus::unknown),
      peer("c1", "9.9.9.9", PeerStatus::unknown),
      peer("v6a", "2001:db8::1", PeerStatus::unknown),
      peer("v6b", "2001:db8:1::1", PeerStatus::unknown),
  };
  struct Row {
    const char* name;
    PeerSelectorOptions options;
    std::set<NetGroup> connected_groups;
    std::vector<std::string> expected;
  };
  PeerSelectorOptions off;
  off.one_per_netgroup = false;
  const Row rows[] = {
      {"one per group among the candidates", {}, {}, {"a1", "b1", "c1", "v6a"}},
      {"groups of outbound connections are taken",
       {},
       {*netgroup_of("1.2.0.1"), *netgroup_of("2001:db8:ffff::")},
       {"b1", "c1"}},
      {"rule off: everything",
       off,
       {*netgroup_of("1.2.0.1")},
       {"a1", "a2", "b1", "b2", "c1", "v6a", "v6b"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    PeerSelector selector(row.options, counting_key());
    CHECK(select_ids(selector, peers, 100, nullptr, &row.connected_groups) == row.expected);
  }
}

TEST_CASE("local ranges are exempt from the netgroup rule unless the option says otherwise") {
  const std::vector<PeerRecord> peers = {
      peer("lo1", "127.0.0.1", PeerStatus::valid, std::nullopt, 18444),
      peer("lo2", "127.0.0.1", PeerStatus::valid, std::nullopt, 18445),
      peer("lo3", "127.0.0.2", PeerStatus::valid, std::nullopt, 18444),
      peer("lan1", "192.168.1.10", PeerStatus::unknown),
      peer("lan2", "192.168.1.11", PeerStatus::unknown),
      peer("ula", "fd00::1", PeerStatus::unknown),
      peer("ula2", "fd00::2", PeerStatus::unknown),
  };
  // A connection on 127.0.0.1 puts 127.0.0.0/16 in the set; exempt peers ignore it.
  const std::set<NetGroup> connected = {*netgroup_of("127.0.0.1")};
  PeerSelector exempt({}, counting_key());
  CHECK(select_ids(exempt, peers, 100, nullptr, &connected) ==
        std::vector<std::string>{"lo1", "lo2", "lo3", "lan1", "lan2", "ula", "ula2"});

  PeerSelectorOptions strict;
  strict.exempt_local_ranges = false;
  PeerSelector strict_selector(strict, counting_key());
  CHECK(select_ids(strict_selector, peers, 100, nullptr, &connected) ==
        std::vector<std::string>{"lan1", "ula"});
}

TEST_CASE("within a class, the least recently attempted go first; never attempted first of all") {
  PeerSelector selector({}, counting_key());
  const std::vector<PeerRecord> peers = {
      peer("v-recent", "1.0.0.1", PeerStatus::valid, kNow - 10),
      peer("v-old", "2.0.0.1", PeerStatus::valid, kNow - 5000),
      peer("v-never", "3.0.0.1", PeerStatus::valid),
      peer("u-recent", "4.0.0.1", PeerStatus::unknown, kNow - 1),
      peer("u-never", "5.0.0.1", PeerStatus::unknown),
      peer("u-mid", "6.0.0.1", PeerStatus::unknown, kNow - 600),
      peer("i-old", "7.0.0.1", PeerStatus::inaccessible, kNow - 90000),
      peer("i-recent", "8.0.0.1", PeerStatus::inaccessible, kNow - 3000),
  };
  CHECK(select_ids(selector, peers) == std::vector<std::string>{"v-never", "v-old", "v-recent",
                                                                "u-never", "u-mid", "u-recent",
                                                                "i-old", "i-recent"});
}

TEST_CASE("ties are broken by the injected random keys, deterministically") {
  const std::vector<PeerRecord> peers = {
      peer("p0", "1.0.0.1", PeerStatus::unknown), peer("p1", "2.0.0.1", PeerStatus::unknown),
      peer("p2", "3.0.0.1", PeerStatus::unknown), peer("p3", "4.0.0.1", PeerStatus::unknown),
      peer("p4", "5.0.0.1", PeerStatus::unknown), peer("p5", "6.0.0.1", PeerStatus::unknown),
  };
  PeerSelector forward({}, counting_key());
  CHECK(select_ids(forward, peers) == std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5"});
  PeerSelector backward({}, reverse_key());
  CHECK(select_ids(backward, peers) ==
        std::vector<std::string>{"p5", "p4", "p3", "p2", "p1", "p0"});

  // The same seed gives the same order; some other seed gives another one (the shuffle is
  // real: 720 orders, so the chance that 20 seeds all agree with seed 1 is nil).
  PeerSelector a({}, seeded_random_key(1));
  PeerSelector b({}, seeded_random_key(1));
  const auto order = select_ids(a, peers);
  CHECK(select_ids(b, peers) == order);
  std::vector<std::string> sorted_order = order;
  std::sort(sorted_order.begin(), sorted_order.end());
  CHECK(sorted_order == std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5"});
  bool another_order = false;
  for (std::uint64_t seed = 2; seed < 22 && !another_order; ++seed) {
    PeerSelector other({}, seeded_random_key(seed));
    another_order = select_ids(other, peers) != order;
  }
  CHECK(another_order);
}

TEST_CASE("max_count bounds the result, keeping the best candidates") {
  const std::vector<PeerRecord> peers = {
      peer("u1", "1.0.0.1", PeerStatus::unknown),
      peer("v1", "2.0.0.1", PeerStatus::valid),
      peer("u2", "3.0.0.1", PeerStatus::unknown),
      peer("v2", "4.0.0.1", PeerStatus::valid),
  };
  struct Row {
    std::size_t max_count;
    std::vector<std::string> expected;
  };
  const Row rows[] = {
      {0, {}},
      {1, {"v1"}},
      {3, {"v1", "v2", "u1"}},
      {4, {"v1", "v2", "u1", "u2"}},
      {50, {"v1", "v2", "u1", "u2"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.max_count);
    PeerSelector selector({}, counting_key());
    CHECK(select_ids(selector, peers, row.max_count) == row.expected);
  }
}

TEST_CASE("a netgroup blocked candidate does not use up max_count") {
  PeerSelector selector({}, counting_key());
  const std::vector<PeerRecord> peers = {
      peer("a1", "1.2.0.1", PeerStatus::valid),
      peer("a2", "1.2.0.2", PeerStatus::valid),
      peer("b1", "3.4.0.1", PeerStatus::unknown),
  };
  CHECK(select_ids(selector, peers, 2) == std::vector<std::string>{"a1", "b1"});
}

TEST_CASE("the selected records are returned whole, and an empty snapshot gives nothing") {
  PeerSelector selector({}, counting_key());
  PeerRecord record = peer("full", "2001:db8::7", PeerStatus::valid, kNow - 100, 18333);
  record.services = 33;
  record.user_agent = "/Bitcoin SV:1.2.0/";
  const std::vector<PeerRecord> peers = {record};
  SelectionRequest request;
  request.peers = peers;
  request.now = kNow;
  request.max_count = 8;
  const auto chosen = selector.select(request);
  REQUIRE(chosen.size() == 1);
  CHECK(chosen.front() == record);

  request.peers = {};
  CHECK(selector.select(request).empty());
}
