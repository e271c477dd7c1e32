#include <bsvpeer/node/redial_policy.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::node;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

namespace {

const conn::TimePoint kT0{std::chrono::hours(1)};

conn::BackoffConfig backoff_config() {
  conn::BackoffConfig c;
  c.initial_delay = 1s;
  c.multiplier = 2.0;
  c.max_delay = 8s;
  c.max_retries = 2;
  c.inaccessible_delay = 60s;
  return c;
}

// No jitter: a factor of exactly 1.
RedialPolicy policy() {
  return RedialPolicy(backoff_config(), [] { return 0.5; });
}

peer::PeerRecord record(const char* ip, std::uint16_t port) {
  peer::PeerRecord r;
  r.ip = ip;
  r.port = port;
  return r;
}

}  // namespace

TEST_CASE("RedialPolicy: a failed peer waits out its backoff, then is given up") {
  auto p = policy();
  CHECK(p.eligible("a", kT0));  // never failed
  CHECK_FALSE(p.record_failure("a", conn::FailureKind::connection_refused, false, kT0));
  CHECK_FALSE(p.eligible("a", kT0 + 999ms));
  CHECK(p.eligible("a", kT0 + 1s));
  CHECK_FALSE(p.record_failure("a", conn::FailureKind::timeout, false, kT0 + 1s));
  CHECK_FALSE(p.eligible("a", kT0 + 2s));
  CHECK(p.eligible("a", kT0 + 3s));
  // Retries spent: given up (Inaccessible) until the inaccessible delay.
  CHECK(p.record_failure("a", conn::FailureKind::timeout, false, kT0 + 3s));
  CHECK_FALSE(p.eligible("a", kT0 + 62s));
  CHECK(p.eligible("a", kT0 + 63s));
  CHECK(p.eligible("b", kT0));  // others are not affected
  CHECK(p.waiting() == 1);
  p.forget("a");
  CHECK(p.eligible("a", kT0));
  CHECK(p.waiting() == 0);
}

TEST_CASE("RedialPolicy: ban-worthy failures are never retried; uncounted reasons start nothing") {
  auto p = policy();
  CHECK(p.record_failure("a", conn::FailureKind::banned_user_agent, false, kT0));
  CHECK_FALSE(p.eligible("a", kT0 + std::chrono::hours(1000)));
  CHECK_FALSE(p.record_failure("b", std::nullopt, false, kT0));
  CHECK(p.eligible("b", kT0));
  CHECK(p.waiting() == 1);
}

TEST_CASE("RedialPolicy: a peer lost after a handshake starts its backoff afresh") {
  auto p = policy();
  CHECK_FALSE(p.record_failure("a", conn::FailureKind::timeout, false, kT0));
  CHECK_FALSE(p.record_failure("a", conn::FailureKind::timeout, false, kT0 + 1s));
  // Connected, then lost: the first delay again, not the third.
  CHECK_FALSE(p.record_failure("a", conn::FailureKind::peer_closed, true, kT0 + 10s));
  CHECK(p.eligible("a", kT0 + 11s));
}

TEST_CASE("RedialPolicy: candidates stand in for peers in backoff, at most 64") {
  auto p = policy();
  CHECK(p.candidates_wanted(3) == 3);
  for (int i = 0; i < 100; ++i)
    p.record_failure("peer" + std::to_string(i), conn::FailureKind::timeout, false, kT0);
  CHECK(p.candidates_wanted(3) == 3 + kMaxBackoffStandIns);
}

TEST_CASE("RedialPolicy: deferred failures settle when their time is up, unless cancelled") {
  auto p = policy();
  p.defer("1.1.1.1", {"a", conn::DisconnectReason::peer_closed, "reset", kT0 + 2s});
  p.defer("2.2.2.2", {"b", conn::DisconnectReason::peer_closed, "", kT0 + 5s});
  p.defer("3.3.3.3", {"c", conn::DisconnectReason::peer_closed, "", kT0 + 1s});
  CHECK(p.deferred("1.1.1.1"));
  CHECK(p.deferred_ips() == std::vector<std::string>{"1.1.1.1", "2.2.2.2", "3.3.3.3"});
  p.cancel_deferred("3.3.3.3");  // its dial reached us
  CHECK(p.settle(kT0 + 1s).empty());
  const auto due = p.settle(kT0 + 2s);
  REQUIRE(due.size() == 1);
  CHECK(due[0].store_id == "a");
  CHECK(due[0].detail == "reset");
  CHECK_FALSE(p.deferred("1.1.1.1"));
  CHECK(p.deferred("2.2.2.2"));
  CHECK(p.settle(kT0 + 5s).size() == 1);
  CHECK(p.deferred_ips().empty());
}

TEST_CASE("busy_endpoints: dialled, our own, and every record of a connected IP") {
  const std::vector<peer::PeerRecord> records = {record("1.1.1.1", 8333), record("1.1.1.1", 9333),
                                                 record("2.2.2.2", 8333), record("3.3.3.3", 8333)};
  const std::set<peer::PeerEndpoint> dialled = {{"4.4.4.4", 8333}};
  const std::vector<tcp::endpoint> own = {{boost::asio::ip::make_address("::ffff:5.5.5.5"), 8333}};
  const auto busy = busy_endpoints(records, dialled, {"1.1.1.1"}, own);
  const std::set<peer::PeerEndpoint> expected = {
      {"1.1.1.1", 8333}, {"1.1.1.1", 9333}, {"4.4.4.4", 8333}, {"5.5.5.5", 8333}};
  CHECK(busy == expected);
}
