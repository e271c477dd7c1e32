// The bitcoind/SV options added for operators: -seednode, -whitelist, -banscore,
// -maxoutboundconnections, -rejectmempoolrequest; each option's mapping and its refusals.
#include "options_test_util.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::program::test;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

TEST_CASE("SV options: defaults") {
  const auto o = ok(parse({"-regtest", "-datadir=/tmp"}));
  const auto& m = o.manager;
  CHECK(m.seed_nodes.empty());
  CHECK(m.whitelist.empty());
  CHECK(m.connection.policy.ban_threshold == 100);
  CHECK(m.connection.policy.reject_mempool_request);
  CHECK_FALSE(m.connection.policy.whitelisted);  // decided per inbound connection
  CHECK(m.target_outbound == 8);
}

TEST_CASE("SV options: each lands in its field") {
  const auto o =
      ok(parse({"-regtest", "-datadir=/tmp", "-seednode=127.0.0.9", "-seednode=[::1]:19005",
                "-whitelist=10.0.0.0/8", "-whitelist=127.0.0.1", "-banscore=250",
                "-maxoutboundconnections=3", "-norejectmempoolrequest"}));
  const auto& m = o.manager;
  CHECK(m.seed_nodes == std::vector<tcp::endpoint>{{make_address("127.0.0.9"), 18444},
                                                   {make_address("::1"), 19005}});
  CHECK(m.whitelist == std::vector<std::string>{"10.0.0.0/8", "127.0.0.1"});
  CHECK(m.connection.policy.ban_threshold == 250);
  CHECK(m.target_outbound == 3);
  CHECK_FALSE(m.connection.policy.reject_mempool_request);
  CHECK(ok(parse({"-regtest", "-datadir=/tmp", "-rejectmempoolrequest=0"}))
            .manager.connection.policy.reject_mempool_request == false);
}

TEST_CASE("SV options: -maxoutboundconnections is -targetoutbound") {
  CHECK(ok(parse({"-regtest", "-datadir=/tmp", "-maxoutboundconnections=2", "-targetoutbound=2"}))
            .manager.target_outbound == 2);
  CHECK(contains(error_of(parse({"-regtest", "-datadir=/tmp", "-maxoutboundconnections=2",
                                 "-targetoutbound=3"})),
                 "one setting"));
  // Above -maxconnections: the Manager's own check, as for -targetoutbound.
  CHECK(contains(error_of(parse({"-regtest", "-datadir=/tmp", "-maxconnections=4",
                                 "-maxoutboundconnections=5"})),
                 "target_outbound above max_connections"));
  // Unlike the default, an explicit value does not shrink with -maxconnections.
  CHECK(ok(parse({"-regtest", "-datadir=/tmp", "-maxconnections=4"})).manager.target_outbound == 4);
}

TEST_CASE("SV options: refusals name the option") {
  struct Row {
    const char* arg;
    const char* message;
  };
  const Row rows[] = {
      {"-seednode=localhost:x", "-seednode: not an ip[:port]: 'localhost:x'"},
      {"-seednode=1.2.3.4:0", "-seednode: not an ip[:port]"},
      {"-whitelist=10.0.0.0/33", "-whitelist: not an IP or CIDR: '10.0.0.0/33'"},
      {"-whitelist=example.com", "-whitelist: not an IP or CIDR"},
      {"-banscore=0", "-banscore must be between 1 and 1000000, got 0"},
      {"-maxoutboundconnections=-1", "-maxoutboundconnections must be between 0 and 100000"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.arg);
    CHECK(contains(error_of(parse({"-regtest", "-datadir=/tmp", row.arg})), row.message));
  }
}

TEST_CASE("SV options: from the config file too") {
  TempDir dir;
  dir.write("bsvpeer.conf",
            "regtest=1\nwhitelist=192.168.0.0/16\nbanscore=50\n"
            "[regtest]\nseednode=127.0.0.7:1234\nnorejectmempoolrequest=1\n");
  const auto o = ok(parse({dir.datadir_arg()}));
  CHECK(o.manager.whitelist == std::vector<std::string>{"192.168.0.0/16"});
  CHECK(o.manager.connection.policy.ban_threshold == 50);
  CHECK(o.manager.seed_nodes == std::vector<tcp::endpoint>{{make_address("127.0.0.7"), 1234}});
  CHECK_FALSE(o.manager.connection.policy.reject_mempool_request);
}

TEST_CASE("-help: every option as users type it, never --name arg") {
  const auto o = ok(parse({"-help"}));
  const auto& help = o.help_text;
  CHECK_FALSE(contains(help, "--"));
  CHECK_FALSE(contains(help, " arg"));
  for (const char* line :
       {"\n  -seednode=<ip[:port]>\n", "\n  -whitelist=<ip|cidr>\n", "\n  -banscore=<n>\n",
        "\n  -maxconnections=<n>\n", "\n  -listen\n", "\n  -regtest\n", "\n  -help, -h\n",
        "\n  -debug[=<level>]\n", "\n  -datadir=<dir>\n", "\n  -rejectmempoolrequest\n"}) {
    CAPTURE(std::string(line));
    CHECK(contains(help, line));
  }
  // Descriptions sit under their option, wrapped within 100 columns.
  std::size_t start = 0;
  while (start < help.size()) {
    auto end = help.find('\n', start);
    if (end == std::string::npos) end = help.size();
    CHECK(end - start <= 100);
    start = end + 1;
  }
}
