// SV Node's reactions to requests for data and to BIP37 filters, seen from outside through a
// Manager: a scripted FakePeer dials it on loopback and checks the exact answer (the notfound
// payload), the ban score in peers() (getpeerinfo's banscore), the disconnect and the ban in
// the store; a -whitelist peer is scored but never punished, and is let in while banned.
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

namespace {

const std::string kNodeIp = test::mesh_ip(0);     // 127.0.0.2
const std::string kPeerIp = test::mesh_ip(1);     // 127.0.0.3: an ordinary peer
const std::string kTrustedIp = test::mesh_ip(2);  // 127.0.0.4: on the whitelist

// A Manager listening on 127.0.0.2, dialling nobody.
struct Node {
  explicit Node(int ban_threshold = 100) {
    auto cfg = test::mesh_node_config(kNodeIp, 0);  // listens on a free port
    // The port the store files inbound peers (and bans) under; nobody dials it here.
    cfg.connection.network.default_port = 18444;
    cfg.target_outbound = 0;
    cfg.whitelist = {kTrustedIp + "/32"};
    cfg.connection.policy.ban_threshold = ban_threshold;
    manager = node::Manager::create(io.context().get_executor(), cfg);
    manager->start();
    REQUIRE(test::eventually([&] { return manager->listening_endpoints().size() == 1; }));
  }
  ~Node() { manager->shutdown_and_wait(); }

  // A FakePeer from `ip` that dialled the node and completed the handshake.
  bool dial(test::FakePeer& peer, const std::string& ip) {
    return peer.connect(manager->listening_endpoints().front(), test::kFakePeerWait,
                        make_address(ip)) &&
           peer.handshake(true);
  }

  std::optional<node::PeerInfo> info_of(const std::string& ip) const {
    for (const auto& p : manager->peers()) {
      if (p.identity.endpoint.address() == make_address(ip) &&
          p.state == conn::PeerState::connected) {
        return p;
      }
    }
    return std::nullopt;
  }
  int banscore_of(const std::string& ip) const {
    const auto p = info_of(ip);
    return p ? p->misbehaviour : -1;
  }
  bool banned(const std::string& ip) const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return manager->store()->is_ip_banned(ip, now);
  }

  test::IoRunner io{2};
  std::shared_ptr<node::Manager> manager;
};

wire::Hash256 hash_of(std::uint8_t b) {
  wire::Hash256 h{};
  h.fill(b);
  return h;
}

wire::Bytes filterload_payload() {
  wire::Bytes payload;
  wire::ByteWriter w(payload);
  w.compact_size(16);
  w.bytes(wire::Bytes(16, 0xAB));
  w.u32le(5);   // nHashFuncs
  w.u32le(42);  // nTweak
  w.u8(1);      // nFlags
  return payload;
}

wire::Bytes filteradd_payload() {
  return {0x04, 0xde, 0xad, 0xbe, 0xef};
}

test::FakePeer new_peer() {
  return test::FakePeer(net::network_params(net::NetworkId::regtest).magic);
}

}  // namespace

TEST_CASE("getdata for what we lack: notfound for tx and dataref, split at block items") {
  Node node;
  auto peer = new_peer();
  REQUIRE(node.dial(peer, kPeerIp));
  wire::GetData request;
  request.items = {{1, hash_of(0x11)}, {5, hash_of(0x55)}, {2, hash_of(0x22)},
                   {1, hash_of(0x12)}, {3, hash_of(0x33)}, {7, hash_of(0x77)}};
  REQUIRE(peer.send(request));
  const auto first = peer.expect<wire::NotFound>();
  REQUIRE(first);
  CHECK(first->items == std::vector<wire::InvItem>{{1, hash_of(0x11)}, {5, hash_of(0x55)}});
  const auto second = peer.expect<wire::NotFound>();
  REQUIRE(second);
  CHECK(second->items == std::vector<wire::InvItem>{{1, hash_of(0x12)}});
  // Still connected and unscored: a ping is answered.
  REQUIRE(peer.send(wire::Ping{77}));
  const auto pong = peer.expect<wire::Pong>();
  REQUIRE(pong);
  CHECK(pong->nonce == 77);
  CHECK(node.banscore_of(kPeerIp) == 0);
  CHECK(peer.received_of<wire::NotFound>().size() == 2);
  CHECK(peer.bad_frames() == 0);
}

TEST_CASE("filterload and filteradd without NODE_BLOOM: +100 each, visible, then the ban") {
  Node node(150);  // a -banscore of 150 leaves the first +100 visible
  auto peer = new_peer();
  REQUIRE(node.dial(peer, kPeerIp));
  REQUIRE(peer.send_frame("filterload", filterload_payload()));
  CHECK(test::eventually([&] { return node.banscore_of(kPeerIp) == 100; }, 10s));
  CHECK_FALSE(node.banned(kPeerIp));
  REQUIRE(peer.send_frame("filteradd", filteradd_payload()));
  CHECK(peer.expect_closed());
  CHECK(test::eventually([&] { return node.banned(kPeerIp); }, 10s));
  // Banned IPs are refused at accept from now on.
  auto again = new_peer();
  CHECK_FALSE(node.dial(again, kPeerIp));
}

TEST_CASE("filterload at the default -banscore: an immediate ban") {
  Node node;
  auto peer = new_peer();
  REQUIRE(node.dial(peer, kPeerIp));
  REQUIRE(peer.send_frame("filterload", filterload_payload()));
  CHECK(peer.expect_closed());
  CHECK(test::eventually([&] { return node.banned(kPeerIp); }, 10s));
}

TEST_CASE("a legacy mempool request: disconnect, no score, no ban") {
  Node node;
  auto peer = new_peer();
  REQUIRE(node.dial(peer, kPeerIp));
  REQUIRE(peer.send_frame("mempool", {}));
  CHECK(peer.expect_closed());
  CHECK(test::eventually([&] { return node.manager->peers().empty(); }, 10s));
  CHECK_FALSE(node.banned(kPeerIp));
  auto again = new_peer();
  CHECK(node.dial(again, kPeerIp));  // not banned: welcome back
}

TEST_CASE("a whitelisted peer: scored, never punished, let in while banned") {
  Node node;
  auto peer = new_peer();
  REQUIRE(node.dial(peer, kTrustedIp));
  REQUIRE(test::eventually([&] { return node.info_of(kTrustedIp).has_value(); }, 10s));
  CHECK(node.info_of(kTrustedIp)->whitelisted);
  REQUIRE(peer.send_frame("filterload", filterload_payload()));
  REQUIRE(peer.send_frame("mempool", {}));
  REQUIRE(peer.send_frame("filteradd", filteradd_payload()));
  REQUIRE(peer.send(wire::Ping{5}));
  const auto pong = peer.expect<wire::Pong>();
  REQUIRE(pong);  // still connected after all three
  CHECK(node.banscore_of(kTrustedIp) == 200);
  CHECK_FALSE(node.banned(kTrustedIp));

  // An operator's ban (setban) closes it, but -whitelist lets it back in, as SV does.
  REQUIRE_FALSE(node.manager->ban(kTrustedIp, "manual", 1h).has_value());
  CHECK(peer.expect_closed());
  CHECK(test::eventually([&] { return node.banned(kTrustedIp); }, 10s));
  auto again = new_peer();
  CHECK(node.dial(again, kTrustedIp));
  // An ordinary banned peer is still refused.
  REQUIRE_FALSE(node.manager->ban(kPeerIp, "manual", 1h).has_value());
  REQUIRE(test::eventually([&] { return node.banned(kPeerIp); }, 10s));
  auto other = new_peer();
  CHECK_FALSE(node.dial(other, kPeerIp));
}
