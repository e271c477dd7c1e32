// An inbound peer's address becomes a dial candidate only where the peer says it listens: a
// scripted peer connects in to a listening Manager from its own 127.0.0.x, with and without
// an announced listening address (addr_from in its version, or an addr about itself), and the
// store and the node's dials show which addresses it took.
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;
using boost::asio::ip::make_address;

namespace {

// Longer than several refills (the refill timer runs every second, backoffs are 50-500 ms):
// a sampling window in which a dial would show, not a time limit.
constexpr auto kNoDialWindow = 3s;

struct Node {
  Node() : port(test::random_mesh_port()) {
    manager = node::Manager::create(io.context().get_executor(),
                                    test::mesh_node_config(test::mesh_ip(0), port));
    manager->start();
    REQUIRE(test::eventually([&] { return manager->listening_endpoints().size() == 1; }));
  }
  ~Node() { manager->shutdown_and_wait(); }

  tcp::endpoint endpoint() const { return {make_address(test::mesh_ip(0)), port}; }

  std::size_t records_of(const std::string& ip) const {
    std::size_t n = 0;
    for (const auto& r : manager->store()->snapshot())
      n += r.ip == ip ? 1 : 0;
    return n;
  }

  // A scripted peer connected in from `ip` and handshaked (as the dialling side).
  std::unique_ptr<test::FakePeer> connect_in(const std::string& ip,
                                             const wire::NetAddress& addr_from) {
    auto peer = std::make_unique<test::FakePeer>(test::regtest_magic());
    peer->version.services = 0;  // like the mesh nodes; the node requires none
    peer->version.addr_from = addr_from;
    REQUIRE(peer->connect(endpoint(), test::kFakePeerWait, make_address(ip)));
    REQUIRE(peer->handshake(true));
    REQUIRE(test::eventually([&] { return manager->handshaked_count() == 1; }));
    return peer;
  }

  void leave(test::FakePeer& peer) {
    peer.close();
    REQUIRE(test::eventually([&] { return manager->connection_count() == 0; }));
  }

  test::IoRunner io{2};
  std::uint16_t port;
  std::shared_ptr<node::Manager> manager;
};

wire::NetAddress address(const std::string& ip, std::uint16_t port) {
  wire::NetAddress a;
  a.ip = *wire::NetAddress::parse_ip(ip);
  a.port = port;
  return a;
}

}  // namespace

TEST_CASE(
    "an inbound peer that announces no listening address of its own is neither stored "
    "nor dialled") {
  Node node;
  std::string peer_ip, probe_ip;
  bool announce_probe = false;
  SUBCASE(
      "addr_from empty, as SV sends it: probed where the old rule guessed (the network's "
      "port on its IP)") {
    peer_ip = probe_ip = "127.0.0.17";
  }
  SUBCASE("addr_from naming another IP: not a claim about itself") {
    peer_ip = "127.0.0.20";
    probe_ip = "127.0.0.21";
    announce_probe = true;
  }
  test::FakePeer probe(test::regtest_magic());
  const auto at =
      probe.listen({make_address(probe_ip), announce_probe ? std::uint16_t{0} : node.port});
  auto peer =
      node.connect_in(peer_ip, announce_probe ? address(probe_ip, at.port()) : wire::NetAddress{});
  CHECK(node.records_of(peer_ip) == 0);
  node.leave(*peer);
  CHECK_FALSE(probe.accept(kNoDialWindow));
  CHECK(node.records_of(peer_ip) == 0);
  CHECK(node.records_of(probe_ip) == 0);
}

TEST_CASE("an inbound peer's addr_from with its own IP is stored and dialled once it leaves") {
  Node node;
  test::FakePeer listening(test::regtest_magic());
  const auto at = listening.listen({make_address("127.0.0.18"), 0});
  auto peer = node.connect_in("127.0.0.18", address("127.0.0.18", at.port()));
  const auto record = node.manager->store()->find("127.0.0.18", at.port());
  REQUIRE(record.has_value());
  CHECK(record->source == peer::PeerSource::inbound);
  CHECK(node.records_of("127.0.0.18") == 1);
  // Not dialled while it is connected to us; dialled where it listens once it left.
  node.leave(*peer);
  CHECK(listening.accept());
}

TEST_CASE("an inbound peer's addr about itself is stored; its other entries are not") {
  Node node;
  test::FakePeer listening(test::regtest_magic());
  const auto at = listening.listen({make_address("127.0.0.19"), 0});
  auto peer = node.connect_in("127.0.0.19", wire::NetAddress{});
  CHECK(node.records_of("127.0.0.19") == 0);
  const auto now =
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  wire::Addr addr;
  addr.entries.push_back({now, address("127.0.0.30", 8333)});
  addr.entries.push_back({now, address("127.0.0.19", at.port())});
  REQUIRE(peer->send(addr));
  CHECK(test::eventually(
      [&] { return node.manager->store()->find("127.0.0.19", at.port()).has_value(); }));
  CHECK(node.records_of("127.0.0.30") == 0);
  node.leave(*peer);
  CHECK(listening.accept());
}
