// -debuglogfile, -printtoconsole, -shrinkdebugfile and -metrics/-metricsbind.
#include "options_test_util.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::program::test;
namespace fs = std::filesystem;

TEST_CASE("log defaults: debug.log in the network's data dir, console on, shrunk without -debug") {
  TempDir home;
  const auto o = ok(parse({"-regtest"}, home.path()));
  CHECK(o.debug_log_file == o.data_dir / "debug.log");
  CHECK(o.data_dir.filename() == "regtest");
  CHECK(o.print_to_console);
  CHECK(o.shrink_debug_file);
  CHECK(o.metrics_bind.empty());
  CHECK_FALSE(ok(parse({"-regtest", "-debug"}, home.path())).shrink_debug_file);
  CHECK(ok(parse({"-regtest", "-debug=warn"}, home.path())).shrink_debug_file);
}

TEST_CASE("log switches as bitcoind has them") {
  TempDir home;
  CHECK(ok(parse({"-regtest", "-nodebuglogfile"}, home.path())).debug_log_file.empty());
  CHECK(ok(parse({"-regtest", "-debuglogfile=0"}, home.path())).debug_log_file.empty());
  const auto rel = ok(parse({"-regtest", "-debuglogfile=logs/node.log"}, home.path()));
  CHECK(rel.debug_log_file == rel.data_dir / "logs/node.log");
  CHECK(ok(parse({"-regtest", "-debuglogfile=/var/log/b.log"}, home.path())).debug_log_file ==
        fs::path("/var/log/b.log"));
  CHECK_FALSE(ok(parse({"-regtest", "-printtoconsole=0"}, home.path())).print_to_console);
  CHECK_FALSE(ok(parse({"-regtest", "-noprinttoconsole"}, home.path())).print_to_console);
  CHECK_FALSE(ok(parse({"-regtest", "-noshrinkdebugfile"}, home.path())).shrink_debug_file);
  CHECK(ok(parse({"-regtest", "-debug", "-shrinkdebugfile"}, home.path())).shrink_debug_file);
}

TEST_CASE("metrics: off by default, loopback:9335 with -metrics, -metricsbind wherever asked") {
  TempDir home;
  CHECK(ok(parse({"-regtest", "-metrics"}, home.path())).metrics_bind ==
        std::vector<tcp::endpoint>{ep("127.0.0.1", program::kDefaultMetricsPort)});
  CHECK(program::kDefaultMetricsPort == 9335);
  CHECK(ok(parse({"-regtest", "-metrics=0"}, home.path())).metrics_bind.empty());
  CHECK(ok(parse({"-regtest", "-metricsbind=127.0.0.5", "-metricsbind=[::1]:9999"}, home.path()))
            .metrics_bind == std::vector<tcp::endpoint>{ep("127.0.0.5", 9335), ep("::1", 9999)});
  CHECK(contains(error_of(parse({"-regtest", "-metricsbind=localhost"}, home.path())),
                 "-metricsbind: not an ip[:port]: 'localhost'"));
  CHECK(contains(error_of(parse({"-regtest", "-metricsbind=127.0.0.1:0"}, home.path())),
                 "-metricsbind"));
}
