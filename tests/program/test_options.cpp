// The command line of bsvpeer: every option's mapping into the ManagerConfig, and refusals.
#include "options_test_util.hpp"

#include <bsvpeer/wire/magic.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace bsvpeer;
using namespace bsvpeer::program::test;
namespace fs = std::filesystem;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

TEST_CASE("defaults: regtest node listening on [::] with the network's port, DNS, getaddr") {
  TempDir home;
  const auto o = ok(parse({"-regtest"}, home.path()));
  const auto& m = o.manager;
  CHECK(m.connection.network.id == net::NetworkId::regtest);
  CHECK(m.mode == node::OutboundMode::normal);
  CHECK(m.max_connections == 125);
  CHECK(m.target_outbound == 8);
  CHECK(m.max_manual == 8);
  CHECK(m.addr_required_services == 1);  // NODE_NETWORK
  CHECK(m.listen);
  CHECK(m.dns_seed);
  CHECK(m.getaddr_on_outbound);
  CHECK(m.fixed_peers.empty());
  CHECK(m.manual_peers.empty());
  CHECK(m.inbound_allowlist.empty());
  CHECK_FALSE(m.outbound_bind_address.has_value());
  REQUIRE(m.listen_endpoints.size() == 1);
  CHECK(m.listen_endpoints[0] == tcp::endpoint(boost::asio::ip::address_v6::any(), 18444));
  CHECK(m.connection.user_agent == conn::kDefaultUserAgent);
  CHECK(m.connection.policy.banned_user_agents == conn::default_banned_user_agents());
  CHECK(m.connection.policy.ping_interval == std::chrono::seconds(120));
  CHECK(m.connection.policy.ban_duration == std::chrono::hours(24));
  CHECK(m.persist_interval == std::chrono::seconds(300));
  CHECK(o.log_level == "info");
  CHECK(o.data_dir == home.path() / ".bsvpeer" / "regtest");
  CHECK(m.store_path == o.data_dir / "peers.json");
  CHECK(o.config_file.empty());  // ~/.bsvpeer/bsvpeer.conf does not exist: fine
  CHECK_FALSE(o.show_help);
  CHECK_FALSE(o.show_version);
}

TEST_CASE("every option lands in its ManagerConfig / ConnectionConfig field") {
  TempDir dir;
  const auto o = ok(parse({"-regtest",
                           dir.datadir_arg(),
                           "-port=19000",
                           "-bind=127.0.0.1",
                           "-bind=[::1]:19001",
                           "-addnode=127.0.0.2",
                           "-addnode=127.0.0.3:19002",
                           "-maxconnections=40",
                           "-targetoutbound=3",
                           "-maxaddnodeconnections=5",
                           "-addrservices=0",
                           "-maxinboundperip=2",
                           "-maxacceptrate=2.5",
                           "-inboundallow=127.0.0.0/8",
                           "-inboundallow=::1",
                           "-outboundbind=127.0.0.9",
                           "-dnsseedname=seed.example",
                           "-dnsseedname=seed2.example",
                           "-dnsserver=127.0.0.53:5353",
                           "-nogetaddr",
                           "-addnoderetry=7",
                           "-peerretrymax=11",
                           "-inaccessibleretry=120",
                           "-persistinterval=9",
                           "-minconnectedpeers=3",
                           "-bantime=600",
                           "-uacomment=test",
                           "-services=5",
                           "-banclientua=evil",
                           "-banclientua=worse",
                           "-allowclientua=goodevil",
                           "-minversion=70015",
                           "-pinginterval=30",
                           "-p2phandshaketimeout=12",
                           "-debug=trace"}));
  const auto& m = o.manager;
  const auto& c = m.connection;
  CHECK(m.listen);
  CHECK(m.listen_endpoints == std::vector{ep("127.0.0.1", 19000), ep("::1", 19001)});
  CHECK(m.manual_peers == std::vector{ep("127.0.0.2", 18444), ep("127.0.0.3", 19002)});
  CHECK(m.max_connections == 40);
  CHECK(m.target_outbound == 3);
  CHECK(m.max_manual == 5);
  CHECK(m.addr_required_services == 0);
  CHECK(m.max_inbound_per_ip == 2);
  CHECK(m.max_accepts_per_second == doctest::Approx(2.5));
  CHECK(m.inbound_allowlist == std::vector<std::string>{"127.0.0.0/8", "::1"});
  CHECK(m.outbound_bind_address == make_address("127.0.0.9"));
  CHECK(m.dns_seeds == std::vector<std::string>{"seed.example", "seed2.example"});
  CHECK(m.dns_servers == std::vector<std::string>{"127.0.0.53:5353"});
  CHECK_FALSE(m.getaddr_on_outbound);
  CHECK(m.manual_retry == std::chrono::seconds(7));
  CHECK(m.dial_backoff.max_delay == std::chrono::seconds(11));
  CHECK(m.dial_backoff.inaccessible_delay == std::chrono::seconds(120));
  CHECK(m.persist_interval == std::chrono::seconds(9));
  CHECK(m.min_connected_peers == 3);
  CHECK(c.policy.ban_duration == std::chrono::seconds(600));
  CHECK(c.user_agent == "/bsvpeer:0.1.0(test)/");
  CHECK(c.services == 5);
  CHECK(c.policy.banned_user_agents == std::vector<std::string>{"evil", "worse"});
  CHECK(c.policy.allowed_user_agents == std::vector<std::string>{"goodevil"});
  CHECK(c.policy.min_protocol_version == 70015);
  CHECK(c.policy.ping_interval == std::chrono::seconds(30));
  CHECK(c.policy.handshake_timeout == std::chrono::seconds(12));
  CHECK(o.log_level == "trace");
  CHECK(ok(parse({"-regtest", "-debug"})).log_level == "debug");
  CHECK(contains(error_of(parse({"-regtest", "-debug=loud"})), "-debug: unknown level 'loud'"));
}

TEST_CASE(
    "a small -maxconnections shrinks the default outbound target, an explicit one is checked") {
  const auto m = ok(parse({"-regtest", "-maxconnections=4"})).manager;
  CHECK(m.max_connections == 4);
  CHECK(m.target_outbound == 4);
  CHECK(m.max_manual == 4);
  // targetoutbound above maxconnections: manager_config_error, said as an invalid configuration.
  const auto e = error_of(parse({"-regtest", "-maxconnections=4", "-targetoutbound=5"}));
  CHECK(contains(e, "invalid configuration"));
  CHECK(contains(e, "target_outbound above max_connections"));
  CHECK(contains(error_of(parse({"-regtest", "-maxconnections=4", "-maxaddnodeconnections=5"})),
                 "max_manual above max_connections"));
}

TEST_CASE("-connect selects fixed-peer mode without DNS or listening") {
  const auto m = ok(parse({"-regtest", "-connect=127.0.0.1:18555", "-connect=[::1]"})).manager;
  CHECK(m.mode == node::OutboundMode::fixed);
  CHECK_FALSE(m.dns_seed);
  CHECK_FALSE(m.listen);
  CHECK(m.fixed_peers == std::vector{ep("127.0.0.1", 18555), ep("::1", 18444)});
}

TEST_CASE("-connect=0: no automatic outbound at all, no DNS, no listening unless asked") {
  const auto m = ok(parse({"-regtest", "-connect=0", "-addnode=127.0.0.2"})).manager;
  CHECK(m.target_outbound == 0);
  CHECK(m.fixed_peers.empty());
  CHECK(m.mode == node::OutboundMode::normal);  // the Manager's fixed mode needs a peer
  CHECK_FALSE(m.dns_seed);
  CHECK_FALSE(m.listen);
  CHECK(m.manual_peers == std::vector{ep("127.0.0.2", 18444)});
  CHECK(ok(parse({"-regtest", "-connect=0", "-listen"})).manager.listen);
}

TEST_CASE("-listen: 1 by default, 0 with -connect unless given") {
  struct Row {
    const char* name;
    std::vector<std::string> args;
    bool listen;
  };
  const Row rows[] = {
      {"default", {}, true},
      {"-connect", {"-connect=127.0.0.1"}, false},
      {"-connect -listen", {"-connect=127.0.0.1", "-listen"}, true},
      {"-connect -listen=1", {"-connect=127.0.0.1", "-listen=1"}, true},
      {"-listen -connect (order)", {"-listen", "-connect=127.0.0.1"}, true},
      {"-connect -nolisten", {"-connect=127.0.0.1", "-nolisten"}, false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto args = row.args;
    args.insert(args.begin(), "-regtest");
    const auto parsed = parse(args);
    if (const auto* o = accepted(parsed)) CHECK(o->manager.listen == row.listen);
  }
}

TEST_CASE("-noX, -X=0, -noX=0 and -X for listen, dnsseed and getaddr") {
  struct Row {
    const char* arg;
    bool value;
  };
  const Row rows[] = {{"", true},        {"=1", true},   {"=0", false},
                      {"=false", false}, {"=no", false}, {"=true", true}};
  for (const char* name : {"listen", "dnsseed", "getaddr"}) {
    const auto field = [&](const program::Options& o) {
      const std::string n = name;
      return n == "listen"    ? o.manager.listen
             : n == "dnsseed" ? o.manager.dns_seed
                              : o.manager.getaddr_on_outbound;
    };
    for (const auto& row : rows) {
      const std::string plain = std::string("-") + name + row.arg;
      CAPTURE(plain);
      const auto parsed = parse({"-regtest", plain});
      if (const auto* o = accepted(parsed)) CHECK(field(*o) == row.value);
      // -noX inverts the same value; both one and two leading dashes work.
      for (const char* dashes : {"-", "--"}) {
        const std::string negated = std::string(dashes) + "no" + name + row.arg;
        CAPTURE(negated);
        const auto neg = parse({"-regtest", negated});
        if (const auto* o = accepted(neg)) CHECK(field(*o) == !row.value);
      }
    }
  }
  // -no works only on switches.
  CHECK(contains(error_of(parse({"-regtest", "-noport"})), "unrecognised option"));
  CHECK(contains(error_of(parse({"-regtest", "-nofoo"})), "unrecognised option '-nofoo'"));
}

TEST_CASE("unknown and abbreviated options are refused") {
  CHECK(contains(error_of(parse({"-regtest", "-bogus"})), "unrecognised option '-bogus'"));
  // Boost would otherwise guess -maxconnections from a prefix (or a typo's prefix).
  CHECK(contains(error_of(parse({"-regtest", "-maxconn=5"})), "unrecognised option"));
  CHECK(contains(error_of(parse({"-regtest", "-port=abc"})), "is invalid"));
  CHECK(contains(error_of(parse({"-regtest", "-port=1", "-port=2"})), "more than once"));
}

TEST_CASE("values out of range are refused with the option's name and limits") {
  struct Row {
    std::string arg;
    std::string message;
  };
  const Row rows[] = {
      {"-port=70000", "-port must be between 0 and 65535, got 70000"},
      {"-port=-1", "-port must be between 0 and 65535, got -1"},
      {"-maxconnections=0", "-maxconnections must be between 1 and 100000, got 0"},
      {"-maxconnections=100001", "-maxconnections must be between 1 and 100000"},
      {"-targetoutbound=-1", "-targetoutbound must be between 0 and 100000, got -1"},
      {"-maxaddnodeconnections=-1", "-maxaddnodeconnections must be between 0 and 100000"},
      {"-maxinboundperip=-3", "-maxinboundperip must be between 0 and 100000"},
      {"-minconnectedpeers=-1", "-minconnectedpeers must be between 0 and 100000"},
      {"-persistinterval=0", "-persistinterval must be between 1 and 604800, got 0"},
      {"-addnoderetry=0", "-addnoderetry must be between 1 and 86400, got 0"},
      {"-peerretrymax=0", "-peerretrymax must be between 1 and 86400, got 0"},
      {"-inaccessibleretry=0", "-inaccessibleretry must be between 1 and 604800, got 0"},
      {"-bantime=0", "-bantime must be between 1 and 315360000, got 0"},
      {"-bantime=-5", "-bantime must be between 1 and 315360000, got -5"},
      {"-pinginterval=0", "-pinginterval must be between 1 and 86400, got 0"},
      {"-p2phandshaketimeout=0", "-p2phandshaketimeout must be between 1 and 3600, got 0"},
      {"-p2phandshaketimeout=3601", "-p2phandshaketimeout must be between 1 and 3600"},
      {"-iothreads=-1", "-iothreads must be between 0 and 64, got -1"},
      {"-iothreads=65", "-iothreads must be between 0 and 64, got 65"},
      {"-maxacceptrate=-1", "-maxacceptrate must be 0 or more"},
      {"-maxacceptrate=nan", "-maxacceptrate must be 0 or more"},
      {"-magicbytes=xyz", "-magicbytes needs 8 hex digits, got 'xyz'"},
      {"-uacomment=cash", "which SV Node bans"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.arg);
    const auto e = error_of(parse({"-regtest", row.arg}));
    CHECK_MESSAGE(contains(e, row.message), e);
  }
  // Bounds themselves are fine.
  CHECK(ok(parse({"-regtest", "-port=65535"})).manager.listen_endpoints[0].port() == 65535);
  CHECK(ok(parse({"-regtest", "-maxconnections=1", "-targetoutbound=1"})).manager.max_connections ==
        1);
  CHECK(ok(parse({"-regtest", "-bantime=1"})).manager.connection.policy.ban_duration ==
        std::chrono::seconds(1));
  CHECK(ok(parse({"-regtest"})).io_threads == 0);  // 0: cores - 1 (at least 1), chosen by main
  CHECK(ok(parse({"-regtest", "-iothreads=1"})).io_threads == 1);
}

TEST_CASE("the network: one of -testnet/-regtest/-stn, -magicbytes not on mainnet") {
  CHECK(ok(parse({"-datadir=/"})).manager.connection.network.id == net::NetworkId::main);
  CHECK(ok(parse({"-testnet"})).manager.connection.network.id == net::NetworkId::test);
  CHECK(ok(parse({"-stn"})).manager.connection.network.id == net::NetworkId::stn);
  CHECK(ok(parse({"-regtest=1"})).manager.connection.network.id == net::NetworkId::regtest);
  CHECK(ok(parse({"-regtest=0"})).manager.connection.network.id == net::NetworkId::main);
  CHECK(contains(error_of(parse({"-testnet", "-regtest"})), "choose at most one"));
  CHECK(contains(error_of(parse({"-magicbytes=01020304"})), "cannot be used on mainnet"));
  const auto c = ok(parse({"-testnet", "-magicbytes=01020304"})).manager.connection;
  CHECK(c.network.id == net::NetworkId::test);
  CHECK(wire::magic_to_hex(c.network.magic) == "01020304");
  CHECK(c.network.default_port == 18333);
  // -port follows the network unless given.
  CHECK(ok(parse({"-testnet"})).manager.listen_endpoints[0].port() == 18333);
  CHECK(ok(parse({"-stn"})).manager.listen_endpoints[0].port() == 9333);
}

TEST_CASE("-bind/-connect/-addnode/-dnsserver/-outboundbind/-inboundallow refuse bad addresses") {
  struct Row {
    std::string arg;
    std::string message;
  };
  const Row rows[] = {
      {"-bind=localhost", "-bind: not an ip[:port]: 'localhost'"},
      {"-bind=127.0.0.1:0", "-bind: not an ip[:port]: '127.0.0.1:0'"},
      {"-connect=[::1]:99999", "-connect: not an ip[:port]: '[::1]:99999'"},
      {"-connect=example.com", "-connect: not an ip[:port]: 'example.com'"},
      {"-addnode=1.2.3", "-addnode: not an ip[:port]: '1.2.3'"},
      {"-addnode=127.0.0.1:", "-addnode: not an ip[:port]: '127.0.0.1:'"},
      {"-dnsserver=dns.example:53", "-dnsserver: not an ip[:port]: 'dns.example:53'"},
      {"-outboundbind=127.0.0.1:5", "-outboundbind: not an IP address: '127.0.0.1:5'"},
      {"-inboundallow=garbage", "-inboundallow: not an IP or CIDR: 'garbage'"},
      {"-inboundallow=10.0.0.0/33", "-inboundallow: not an IP or CIDR: '10.0.0.0/33'"},
      {"-inboundallow=10.0.0.0/", "-inboundallow: not an IP or CIDR: '10.0.0.0/'"},
      {"-inboundallow=::1/129", "-inboundallow: not an IP or CIDR: '::1/129'"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.arg);
    const auto e = error_of(parse({"-regtest", row.arg}));
    CHECK_MESSAGE(contains(e, row.message), e);
  }
  const auto m = ok(parse({"-regtest", "-bind=[::1]:18500", "-dnsserver=[::1]:53",
                           "-dnsserver=127.0.0.1", "-inboundallow=fd00::/8"}))
                     .manager;
  CHECK(m.listen_endpoints == std::vector{ep("::1", 18500)});
  CHECK(m.dns_servers == std::vector<std::string>{"[::1]:53", "127.0.0.1"});
  CHECK(m.inbound_allowlist == std::vector<std::string>{"fd00::/8"});
}

TEST_CASE("-datadir must exist, each network has its own subdirectory") {
  TempDir dir;
  CHECK(contains(error_of(parse({"-regtest", "-datadir=" + (dir.path() / "missing").string()})),
                 "is not an existing directory"));
  const auto file = dir.write("a-file", "x");
  CHECK(contains(error_of(parse({"-regtest", "-datadir=" + file.string()})),
                 "is not an existing directory"));
  CHECK(contains(error_of(parse({"-regtest"}, fs::path())), "no home directory: give -datadir"));

  struct Row {
    std::vector<std::string> args;
    std::string subdirectory;  // "" = the datadir itself
  };
  const Row rows[] = {
      {{}, ""},
      {{"-testnet"}, "testnet3"},
      {{"-regtest"}, "regtest"},
      {{"-stn"}, "stn"},
      {{"-regtest", "-magicbytes=0a0b0c0d"}, "regtest-0a0b0c0d"},
      {{"-testnet", "-magicbytes=e0f1a2b3"}, "testnet3-e0f1a2b3"},
      {{"-stn", "-magicbytes=00000001"}, "stn-00000001"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.subdirectory);
    auto args = row.args;
    args.push_back(dir.datadir_arg());
    const auto parsed = parse(args);
    const auto expected = row.subdirectory.empty() ? dir.path() : dir.path() / row.subdirectory;
    if (const auto* o = accepted(parsed)) {
      CHECK(o->data_dir == expected);
      CHECK(o->manager.store_path == expected / "peers.json");
    }
  }
}

TEST_CASE("-help and -version need nothing else") {
  for (const char* arg : {"-help", "--help", "-h"}) {
    CAPTURE(arg);
    const auto o = ok(parse({arg, "-datadir=/nonexistent-dir"}));
    CHECK(o.show_help);
    CHECK(contains(o.help_text, "maxconnections"));
    CHECK(contains(o.help_text, "-noname"));
  }
  CHECK(ok(parse({"-version", "-datadir=/nonexistent-dir"})).show_version);
}
