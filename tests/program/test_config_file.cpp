// bsvpeer.conf: sections, precedence, -conf, and what a reload (SIGHUP) may change.
#include "options_test_util.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace bsvpeer;
using namespace bsvpeer::program::test;
namespace fs = std::filesystem;

TEST_CASE("config file: top level, the network's section, other sections ignored") {
  TempDir dir;
  dir.write("bsvpeer.conf",
            "# a comment\n"
            "\n"
            "   # an indented comment\n"
            "maxconnections=50\n"
            "  pinginterval = 40  \n"
            "nodnsseed\n"
            "listen\n"
            "addnode=127.0.0.2\n"
            "[main]\n"
            "maxconnections=60\n"
            "bogusoption=1\n"
            "[regtest]\n"
            "maxconnections=70\n"
            "addnode=127.0.0.3\n"
            "[test]\n"
            "targetoutbound=1\n"
            "[stn]\n"
            "port=1\n");
  const auto o = ok(parse({"-regtest", dir.datadir_arg()}));
  const auto& m = o.manager;
  CHECK(o.config_file == dir.path() / "bsvpeer.conf");
  CHECK(m.max_connections == 70);  // the section wins over the top level
  CHECK(m.connection.policy.ping_interval == std::chrono::seconds(40));
  CHECK_FALSE(m.dns_seed);
  CHECK(m.listen);
  CHECK(m.target_outbound == 8);                 // [test] ignored
  CHECK(m.listen_endpoints[0].port() == 18444);  // [stn] ignored
  CHECK(m.manual_peers == std::vector{ep("127.0.0.3", 18444), ep("127.0.0.2", 18444)});
  // Mainnet reads [main], and an unknown option there is refused with the file's name.
  const auto e = error_of(parse({dir.datadir_arg()}));
  CHECK(contains(e, (dir.path() / "bsvpeer.conf").string() + ": "));
  CHECK(contains(e, "bogusoption"));
  // Testnet reads [test] only.
  const auto t = ok(parse({"-testnet", dir.datadir_arg()})).manager;
  CHECK(t.max_connections == 50);
  CHECK(t.target_outbound == 1);
  CHECK(t.manual_peers == std::vector{ep("127.0.0.2", 18333)});
}

TEST_CASE("config file: refused when its text is wrong, with the file's name") {
  struct Row {
    const char* name;
    std::string text;
    std::string message;
    bool names_the_file = true;  // false: a value checked after reading (said as the option)
  };
  const Row rows[] = {
      {"unknown option at the top", "maxconnections=5\nnosuchthing=1\n", "nosuchthing"},
      {"unknown option in the network's section", "[regtest]\nnosuchthing=1\n", "nosuchthing"},
      {"unknown section", "[regtest]\nport=1\n[mainnet]\nport=2\n", "unknown section [mainnet]"},
      {"unclosed section", "[regtest\nport=1\n", ":1: bad section '[regtest'"},
      {"empty section", "listen=1\n[]\n", ":2: bad section '[]'"},
      {"bad value", "maxconnections=many\n", "is invalid"},
      {"twice in one place", "port=1\nport=2\n", "more than once"},
      {"out of range from the file", "[regtest]\npinginterval=0\n", "-pinginterval must be", false},
      {"empty user agent pattern", "banclientua=\n", "must not contain an empty pattern", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    TempDir dir;
    const auto conf = dir.write("bsvpeer.conf", row.text);
    const auto e = error_of(parse({"-regtest", dir.datadir_arg()}));
    CHECK_MESSAGE(contains(e, row.message), e);
    if (row.names_the_file) CHECK_MESSAGE(contains(e, conf.string()), e);
  }
}

TEST_CASE("config file: the command line wins for single values, lists add up") {
  TempDir dir;
  dir.write("bsvpeer.conf",
            "maxconnections=50\n"
            "addnode=127.0.0.2\n"
            "nolisten\n"
            "[regtest]\n"
            "targetoutbound=2\n"
            "getaddr=0\n");
  const auto m = ok(parse({"-regtest", dir.datadir_arg(), "-maxconnections=20", "-targetoutbound=4",
                           "-listen", "-getaddr", "-addnode=127.0.0.3"}))
                     .manager;
  CHECK(m.max_connections == 20);
  CHECK(m.target_outbound == 4);
  CHECK(m.listen);
  CHECK(m.getaddr_on_outbound);
  CHECK(m.manual_peers == std::vector{ep("127.0.0.3", 18444), ep("127.0.0.2", 18444)});
  // Without the command line, the file's values.
  const auto f = ok(parse({"-regtest", dir.datadir_arg()})).manager;
  CHECK(f.max_connections == 50);
  CHECK(f.target_outbound == 2);
  CHECK_FALSE(f.listen);
  CHECK_FALSE(f.getaddr_on_outbound);
}

TEST_CASE("config file: \"name\" alone means name=1, \"noname\" name=0") {
  struct Row {
    const char* text;
    bool listen;
  };
  const Row rows[] = {{"listen\n", true},       {"listen=1\n", true},
                      {"listen=0\n", false},    {"nolisten\n", false},
                      {"nolisten=0\n", true},   {"nolisten=1\n", false},
                      {"  listen  \r\n", true}, {"nolisten = 1\n", false},
                      {"listen = 0\n", false},  {"\tnolisten\t=\t0\n", true}};
  for (const auto& row : rows) {
    CAPTURE(row.text);
    TempDir dir;
    dir.write("bsvpeer.conf", row.text);
    // -connect alone would turn listening off; the file's value counts as given.
    const auto parsed = parse({"-regtest", dir.datadir_arg(), "-connect=127.0.0.1"});
    if (const auto* o = accepted(parsed)) CHECK(o->manager.listen == row.listen);
  }
}

TEST_CASE("config file: the network may be chosen at its top level") {
  TempDir dir;
  dir.write("bsvpeer.conf",
            "regtest=1\n"
            "[regtest]\n"
            "maxconnections=33\n"
            "[main]\n"
            "maxconnections=44\n");
  const auto o = ok(parse({dir.datadir_arg()}));
  CHECK(o.manager.connection.network.id == net::NetworkId::regtest);
  CHECK(o.manager.max_connections == 33);
  CHECK(o.data_dir == dir.path() / "regtest");
  // The command line's choice wins.
  const auto main = ok(parse({dir.datadir_arg(), "-regtest=0"}));
  CHECK(main.manager.connection.network.id == net::NetworkId::main);
  CHECK(main.manager.max_connections == 44);
  CHECK(contains(error_of(parse({dir.datadir_arg(), "-testnet"})), "choose at most one"));

  dir.write("bsvpeer.conf", "testnet\n[test]\nport=19999\n");
  const auto t = ok(parse({dir.datadir_arg()}));
  CHECK(t.manager.connection.network.id == net::NetworkId::test);
  CHECK(t.manager.listen_endpoints[0].port() == 19999);
  CHECK(t.data_dir == dir.path() / "testnet3");
}

TEST_CASE("-conf: relative to the datadir, absolute as given, missing only an error if given") {
  TempDir dir;
  TempDir elsewhere;
  fs::create_directories(dir.path() / "sub");
  dir.write("sub/my.conf", "maxconnections=21\n");
  dir.write("other.conf", "maxconnections=22\n");
  const auto absolute = elsewhere.write("abs.conf", "maxconnections=23\n");

  const auto a = ok(parse({"-regtest", dir.datadir_arg(), "-conf=sub/my.conf"}));
  CHECK(a.manager.max_connections == 21);
  CHECK(a.config_file == dir.path() / "sub" / "my.conf");
  CHECK(ok(parse({"-regtest", dir.datadir_arg(), "-conf=other.conf"})).manager.max_connections ==
        22);
  CHECK(ok(parse({"-regtest", dir.datadir_arg(), "-conf=" + absolute.string()}))
            .manager.max_connections == 23);

  const auto e = error_of(parse({"-regtest", dir.datadir_arg(), "-conf=missing.conf"}));
  CHECK(contains(e, "-conf: " + (dir.path() / "missing.conf").string() + " does not exist"));
  // The default bsvpeer.conf may be missing.
  const auto none = ok(parse({"-regtest", dir.datadir_arg()}));
  CHECK(none.config_file.empty());
  CHECK(none.manager.max_connections == 125);
  // And ~/.bsvpeer/bsvpeer.conf is the default without -datadir.
  fs::create_directories(elsewhere.path() / ".bsvpeer");
  elsewhere.write(".bsvpeer/bsvpeer.conf", "maxconnections=24\n");
  const auto home = ok(parse({"-regtest"}, elsewhere.path()));
  CHECK(home.manager.max_connections == 24);
  CHECK(home.config_file == elsewhere.path() / ".bsvpeer" / "bsvpeer.conf");
}

TEST_CASE("reload_error: the network and the data directory cannot change at run time") {
  TempDir dir;
  const auto current = ok(parse({"-regtest", dir.datadir_arg(), "-maxconnections=10"}));
  CHECK_FALSE(program::reload_error(current, current).has_value());
  // Limits may change.
  const auto bigger = ok(parse({"-regtest", dir.datadir_arg(), "-maxconnections=90"}));
  CHECK_FALSE(program::reload_error(current, bigger).has_value());

  const auto testnet = ok(parse({"-testnet", dir.datadir_arg()}));
  CHECK(program::reload_error(current, testnet) == "the network cannot change");
  const auto magic = ok(parse({"-regtest", "-magicbytes=0a0b0c0d", dir.datadir_arg()}));
  CHECK(program::reload_error(current, magic) == "the network cannot change");
  TempDir other;
  const auto moved = ok(parse({"-regtest", other.datadir_arg()}));
  CHECK(program::reload_error(current, moved) == "the data directory cannot change");
}

TEST_CASE("reload: the same argv re-read after the config file changed (what SIGHUP does)") {
  TempDir dir;
  const std::vector<std::string> argv{dir.datadir_arg()};
  dir.write("bsvpeer.conf", "regtest=1\nmaxconnections=10\n");
  const auto first = ok(parse(argv));
  CHECK(first.manager.max_connections == 10);

  dir.write("bsvpeer.conf", "regtest=1\nmaxconnections=30\naddnode=127.0.0.2\n");
  const auto second = ok(parse(argv));
  CHECK(second.manager.max_connections == 30);
  CHECK(second.manager.manual_peers == std::vector{ep("127.0.0.2", 18444)});
  CHECK_FALSE(program::reload_error(first, second).has_value());

  dir.write("bsvpeer.conf", "testnet=1\nmaxconnections=30\n");
  CHECK(program::reload_error(first, ok(parse(argv))) == "the network cannot change");
}
