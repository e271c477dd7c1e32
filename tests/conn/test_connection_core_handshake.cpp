// ConnectionCore: handshake flows (outbound, inbound, over capacity), orderings, version
// refusals, the handshake deadline and construction checks.
#include "core_test_support.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

TEST_CASE("core handshake: outbound with an SV peer (version, verack, protoconf from SV)") {
  Harness h(Direction::outbound);
  CHECK(h.core.state() == ConnectionState::idle);
  CHECK(h.core.next_deadline() == TimePoint::max());

  CHECK(describe_all(h.start()) ==
        "send! version v70016 services=0x0 nonce=" + std::to_string(kOurNonce) +
            " ua=\"/bsvpeer-test:0.1.0/\" height=0");
  CHECK(h.core.state() == ConnectionState::awaiting_handshake);
  CHECK(h.core.next_deadline() == kT0 + 60s);

  // SV answers our version with its version, verack and protoconf in one burst.
  h.now += 80ms;
  CHECK(sent_commands(h.receive(sv_version())) == "verack protoconf");
  CHECK(h.core.handshake_flags() == HandshakeFlags{true, true, true, false});
  CHECK(h.core.negotiated_version() == 70016);

  h.now += 1ms;
  auto& completed = h.receive(wire::Verack{});
  CHECK(h.core.handshake_complete());
  CHECK(h.core.state() == ConnectionState::established);
  REQUIRE(completed.size() == 2);
  CHECK(std::get<HandshakeCompleted>(completed[0]).peer_version == sv_version());
  // SV sends its first ping right away; so do we.
  CHECK(describe_all({completed[1]}) == "send! ping nonce=101");

  h.now += 1ms;
  wire::Protoconf theirs;
  theirs.max_recv_payload_length = 2'097'152;
  theirs.stream_policies = "BlockPriority,Default";
  CHECK(h.core.peer_max_recv_payload() == 1'048'576);  // legacy until their protoconf
  CHECK(delivered_commands(h.receive(theirs)) == "protoconf");
  CHECK(h.core.peer_max_recv_payload() == 2'097'152);
  CHECK(h.core.peer_protoconf() == theirs);
}

TEST_CASE("core handshake: inbound is shy, then answers version, verack, protoconf in order") {
  Harness h(Direction::inbound);
  CHECK(h.start().empty());
  CHECK(h.core.handshake_flags() == HandshakeFlags{});
  CHECK(h.core.negotiated_version() == 209);  // INIT_PROTO_VERSION until the peer's version

  auto& answer = h.receive(sv_version());
  CHECK(sent_commands(answer) == "version verack protoconf");
  for (const auto& a : answer)
    CHECK(std::get<SendMessage>(a).priority);
  CHECK(sent_of<wire::Version>(answer).at(0) == our_version());
  CHECK(sent_of<wire::Protoconf>(answer).at(0) == wire::Protoconf{});
  CHECK(h.core.handshake_flags() == HandshakeFlags{true, true, true, false});

  CHECK(actions_of<HandshakeCompleted>(h.receive(wire::Verack{})).size() == 1);
  CHECK(h.core.state() == ConnectionState::established);
}

TEST_CASE("core handshake: we never echo the peer's association id") {
  auto peer = sv_version();
  peer.association_id = wire::Bytes(17, 0x00);
  for (std::size_t i = 1; i < 17; ++i)
    (*peer.association_id)[i] = static_cast<std::uint8_t>(i);

  SUBCASE("inbound: our version goes out without any trailing field") {
    Harness h(Direction::inbound);
    h.start();
    const auto versions = sent_of<wire::Version>(h.receive(peer));
    REQUIRE(versions.size() == 1);
    CHECK_FALSE(versions[0].association_id.has_value());
  }
  SUBCASE("inbound with a null id of ours: still not the peer's") {
    auto ours = our_version();
    ours.association_id = wire::Bytes{};
    Harness h(Direction::inbound, {}, ours);
    h.start();
    const auto versions = sent_of<wire::Version>(h.receive(peer));
    REQUIRE(versions.size() == 1);
    CHECK(versions[0].association_id == wire::Bytes{});
  }
}

TEST_CASE("core handshake: message orderings from the peer") {
  Harness h(Direction::outbound);
  h.start();
  SUBCASE("version then verack: completes") {
    h.receive(sv_version());
    h.receive(wire::Verack{});
    CHECK(h.core.handshake_complete());
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("verack first: +1 and dropped; the handshake still completes after version, verack") {
    CHECK(describe_all(h.receive(wire::Verack{})) == "misbehaved +1 = 1 (missing-version: verack)");
    CHECK_FALSE(h.core.handshake_flags().verack_received);
    h.receive(sv_version());
    h.receive(wire::Verack{});
    CHECK(h.core.handshake_complete());
    CHECK(h.core.misbehavior_score() == 1);
  }
  SUBCASE("authch between version and verack is admitted and delivered") {
    h.receive(sv_version());
    wire::AuthCh challenge;
    challenge.challenge = wire::Bytes(32, 0xAB);
    CHECK(delivered_commands(h.receive(challenge)) == "authch");
    CHECK(h.core.misbehavior_score() == 0);
    h.receive(wire::Verack{});
    CHECK(h.core.handshake_complete());
  }
  SUBCASE("a reject before anything is delivered, no score") {
    wire::Reject reject;
    reject.message = "version";
    reject.code = 0x11;
    reject.reason = "Version must be 70015 or greater";
    CHECK(delivered_commands(h.receive(reject)) == "reject");
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("a repeated verack is ignored without penalty") {
    h.receive(sv_version());
    h.receive(wire::Verack{});
    CHECK(describe_all(h.receive(wire::Verack{})) == "ignored verack (duplicate verack)");
    CHECK(h.core.misbehavior_score() == 0);
  }
}

TEST_CASE("core handshake: nothing but handshake messages goes out before the handshake ends") {
  Harness h(Direction::inbound);
  h.start();
  h.receive(sv_version());
  CHECK(h.core.send_user_message(wire::GetAddr{}, h.out).has_value());
  CHECK(h.core.send_user_message(wire::SendHeaders{}, h.out).has_value());
  CHECK_FALSE(h.core.request_ping(h.now, h.out));
  h.now += 30s;
  CHECK(h.timer().empty());  // no ping from the timer before the peer's verack
  CHECK(h.core.next_deadline() == kT0 + 60s);
}

TEST_CASE("core handshake: over capacity completes the handshake, then closes politely") {
  ConnectionPolicy policy;
  policy.reject_after_handshake = true;
  Harness h(Direction::inbound, policy);
  h.start();
  CHECK(sent_commands(h.receive(sv_version())) == "version verack protoconf");
  auto& last = h.receive(wire::Verack{});
  REQUIRE(last.size() == 2);
  CHECK(std::holds_alternative<HandshakeCompleted>(last[0]));
  CHECK(std::get<Disconnect>(last[1]).reason == DisconnectReason::over_capacity);
  CHECK(sent_commands(last).empty());  // no ping on a connection we are closing
  CHECK(h.core.state() == ConnectionState::closed);
  CHECK(h.core.close_reason() == DisconnectReason::over_capacity);
  CHECK(h.core.next_deadline() == TimePoint::max());
}

TEST_CASE("core handshake: refused versions, as SV reacts") {
  struct Row {
    const char* name;
    Direction direction;
    wire::Version peer;
    std::string expected;  // every action, in order
  };
  const Row rows[] = {
      {"obsolete version", Direction::outbound, sv_version(31799),
       "send! reject version code=0x11 \"Version must be 31800 or greater\"; "
       "disconnect obsolete_version (peer protocol 31799 below minimum 31800)"},
      {"banned user agent", Direction::inbound, sv_version(70015, kPeerNonce, "/Bitcoin ABC:0.22/"),
       "ban banned_user_agent for 86400s (user agent \"/Bitcoin ABC:0.22/\" contains banned "
       "\"abc\")"},
      {"self connection", Direction::inbound, sv_version(70016, kOurNonce),
       "disconnect self_connection (connected to self (nonce match))"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    Harness h(row.direction);
    h.local_nonces->insert(kOurNonce);
    h.start();
    CHECK(describe_all(h.receive(row.peer)) == row.expected);
    CHECK(h.core.state() == ConnectionState::closed);
    CHECK_FALSE(h.core.peer_version());
    // A closed core ignores everything that may still be in the read buffer.
    CHECK(h.receive(wire::Verack{}).empty());
    CHECK(h.advance(1h).empty());
  }
}

TEST_CASE("core handshake: required services are demanded with reject 0x40") {
  ConnectionPolicy policy;
  policy.required_services = net::kNodeNetwork;
  Harness h(Direction::outbound, policy);
  h.start();
  auto& out = h.receive(sv_version(70016, kPeerNonce, "/Bitcoin SV:1.2.2/", net::kNodeNone));
  const auto rejects = sent_of<wire::Reject>(out);
  REQUIRE(rejects.size() == 1);
  CHECK(rejects[0].code == 0x40);
  CHECK(rejects[0].reason == "Expected to offer services 00000001");
  CHECK(actions_of<Disconnect>(out).at(0).reason == DisconnectReason::missing_services);
}

TEST_CASE("core handshake: configured minimum version and user-agent lists") {
  ConnectionPolicy policy;
  policy.min_protocol_version = 70015;
  policy.allowed_user_agents = {"bsv-abc-bridge"};
  Harness h(Direction::outbound, policy);
  h.start();
  SUBCASE("70014 is now obsolete") {
    CHECK(actions_of<Disconnect>(h.receive(sv_version(70014))).at(0).reason ==
          DisconnectReason::obsolete_version);
  }
  SUBCASE("an allowed user agent passes despite containing abc") {
    h.receive(sv_version(70016, kPeerNonce, "/bsv-abc-bridge:1.0/"));
    CHECK(h.core.state() == ConnectionState::awaiting_handshake);
    CHECK(h.core.handshake_flags().verack_sent);
  }
}

TEST_CASE("core handshake: negotiated version is min(peer, 70016)") {
  struct Row {
    std::int32_t peer;
    std::int32_t negotiated;
  };
  const Row rows[] = {{70016, 70016}, {70015, 70015}, {70020, 70016}, {31800, 31800}};
  for (const auto& row : rows) {
    CAPTURE(row.peer);
    Harness h(Direction::outbound);
    h.start();
    h.receive(sv_version(row.peer));
    CHECK(h.core.negotiated_version() == row.negotiated);
  }
}

TEST_CASE("core handshake: the handshake deadline runs from start") {
  Harness h(Direction::outbound);
  h.start();
  SUBCASE("silent peer") {
    CHECK(h.advance(59s).empty());
    CHECK(h.core.next_deadline() == kT0 + 60s);
    auto& out = h.advance(1s);
    CHECK(describe_all(out) ==
          "disconnect handshake_timeout (handshake not complete after 60s, flags {version sent "
          "yes, received no; verack sent no, received no})");
  }
  SUBCASE("version but no verack: still times out at 60 s, not 60 s after the version") {
    h.now += 50s;
    h.receive(sv_version());
    CHECK(h.core.next_deadline() == kT0 + 60s);
    CHECK(actions_of<Disconnect>(h.advance(10s)).at(0).reason ==
          DisconnectReason::handshake_timeout);
  }
  SUBCASE("a configured timeout") {
    ConnectionPolicy policy;
    policy.handshake_timeout = 5s;
    Harness quick(Direction::inbound, policy);
    quick.start();
    CHECK(quick.core.next_deadline() == kT0 + 5s);
    CHECK(actions_of<Disconnect>(quick.advance(5s)).size() == 1);
  }
  SUBCASE("completed in time: no handshake timeout later") {
    h.receive(sv_version());
    h.receive(wire::Verack{});
    h.now += 61s;
    CHECK(actions_of<Disconnect>(h.timer()).empty());
  }
}

TEST_CASE("core handshake: construction and call-order checks") {
  const auto nonces = [](std::uint64_t) { return false; };
  SUBCASE("an invalid policy") {
    ConnectionPolicy policy;
    policy.ban_threshold = 0;
    CHECK_THROWS_AS(
        ConnectionCore(Direction::outbound, policy, our_version(), nonces, CountingNonces{}),
        std::invalid_argument);
  }
  SUBCASE("our user agent would get us banned by SV") {
    auto ours = our_version();
    ours.user_agent = "/cashew:1.0/";
    CHECK_THROWS_AS(
        ConnectionCore(Direction::outbound, ConnectionPolicy{}, ours, nonces, CountingNonces{}),
        std::invalid_argument);
  }
  SUBCASE("our user agent is too long") {
    auto ours = our_version();
    ours.user_agent = std::string(257, 'x');
    CHECK_THROWS_AS(
        ConnectionCore(Direction::outbound, ConnectionPolicy{}, ours, nonces, CountingNonces{}),
        std::invalid_argument);
  }
  SUBCASE("our association id would be garbage to SV") {
    auto ours = our_version();
    ours.association_id = wire::Bytes{0x01, 0x02};
    CHECK_THROWS_AS(
        ConnectionCore(Direction::outbound, ConnectionPolicy{}, ours, nonces, CountingNonces{}),
        std::invalid_argument);
  }
  SUBCASE("a UUID association id of our own is allowed") {
    auto ours = our_version();
    ours.association_id = wire::Bytes(17, 0x00);
    CHECK_NOTHROW(
        ConnectionCore(Direction::outbound, ConnectionPolicy{}, ours, nonces, CountingNonces{}));
  }
  SUBCASE("input before start, and a second start") {
    Harness h(Direction::outbound);
    CHECK_THROWS_AS(h.receive(sv_version()), std::logic_error);
    CHECK_THROWS_AS(h.decode_error("ping", wire::Error::truncated), std::logic_error);
    h.start();
    CHECK_THROWS_AS(h.start(), std::logic_error);
  }
}
