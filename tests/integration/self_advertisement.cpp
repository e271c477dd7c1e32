// -externalip through a Manager: a FakePeer the node dials receives, right after the
// handshake, one addr entry with the node's routable external address and listening port,
// as SV sends it; a private address is never advertised.
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace std::chrono_literals;
using boost::asio::ip::make_address;

namespace {

struct Dialler {
  explicit Dialler(std::vector<boost::asio::ip::address> external) {
    auto cfg = test::mesh_node_config(test::mesh_ip(0), 0);
    cfg.connection.network.default_port = 18444;
    cfg.target_outbound = 0;
    cfg.getaddr_on_outbound = false;
    cfg.external_addresses = std::move(external);
    manager = node::Manager::create(io.context().get_executor(), cfg);
    manager->start();
    REQUIRE(test::eventually([&] { return manager->listening_endpoints().size() == 1; }));
  }
  ~Dialler() { manager->shutdown_and_wait(); }

  test::IoRunner io{2};
  std::shared_ptr<node::Manager> manager;
};

}  // namespace

TEST_CASE("-externalip: the routable address goes to a peer we dial, with our port") {
  Dialler node({make_address("192.168.7.7"), make_address("1.2.3.4")});
  test::FakePeer peer(net::network_params(net::NetworkId::regtest).magic);
  const auto at = peer.listen({make_address(test::mesh_ip(1)), 0});
  node.manager->add_manual_peer(at);
  REQUIRE(peer.accept());
  REQUIRE(peer.handshake(false));
  const auto addr = peer.expect<wire::Addr>();
  REQUIRE(addr);
  REQUIRE(addr->entries.size() == 1);
  CHECK(addr->entries[0].addr.ip_string() == "1.2.3.4");
  CHECK(addr->entries[0].addr.port == node.manager->listening_endpoints().front().port());
  // The version itself carries no address of ours, as SV's.
  REQUIRE(peer.node_version());
  CHECK(peer.node_version()->addr_from.ip == wire::Ip16{});
}

TEST_CASE("-externalip: nothing routable, nothing advertised") {
  Dialler node({make_address("10.1.1.1")});
  test::FakePeer peer(net::network_params(net::NetworkId::regtest).magic);
  const auto at = peer.listen({make_address(test::mesh_ip(1)), 0});
  node.manager->add_manual_peer(at);
  REQUIRE(peer.accept());
  REQUIRE(peer.handshake(false));
  // A ping round trip after the handshake: anything sent before it has arrived by then.
  REQUIRE(peer.send(wire::Ping{3}));
  REQUIRE(peer.expect<wire::Pong>());
  CHECK(peer.received_of<wire::Addr>().empty());
}
