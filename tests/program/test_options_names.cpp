// Host names in -connect, -addnode and -seednode: looked up through the given resolver (a
// fake one here; integration/program_options_sv.sh uses c-ares against a real dnsmasq).
#include "options_test_util.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace bsvpeer;
using namespace bsvpeer::program::test;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

namespace {

// Answers for seed.test and two.test; nxdomain for anything else. Records every lookup.
struct FakeDns {
  std::vector<std::pair<std::string, std::vector<std::string>>> lookups;

  program::NameResolver resolver() {
    return [this](const std::string& host, const std::vector<std::string>& servers) {
      lookups.emplace_back(host, servers);
      node::ResolveResult r;
      if (host == "seed.test") {
        r.status = node::ResolveStatus::ok;
        r.addresses = {make_address("127.0.0.9"), make_address("::1")};
      } else if (host == "two.test") {
        r.status = node::ResolveStatus::ok;
        r.addresses = {make_address("::1"), make_address("127.0.0.8")};
      } else {
        r.status = node::ResolveStatus::nxdomain;
        r.message = "Domain name not found";
      }
      return r;
    };
  }
};

Parsed parse_with(FakeDns& dns, std::vector<std::string> args) {
  args.insert(args.begin(), {"-regtest", "-datadir=/tmp"});
  std::vector<const char*> argv{"bsvpeer"};
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return program::parse_options(static_cast<int>(argv.size()), argv.data(), "/nonexistent-home",
                                dns.resolver());
}

}  // namespace

TEST_CASE("names: looked up, first answer, the option's port or the network's") {
  FakeDns dns;
  const auto o = ok(parse_with(dns, {"-addnode=seed.test", "-addnode=two.test:19100",
                                     "-seednode=seed.test:7", "-dnsserver=127.0.0.1:5353"}));
  CHECK(o.manager.manual_peers == std::vector<tcp::endpoint>{{make_address("127.0.0.9"), 18444},
                                                             {make_address("::1"), 19100}});
  CHECK(o.manager.seed_nodes == std::vector<tcp::endpoint>{{make_address("127.0.0.9"), 7}});
  CHECK(dns.lookups.size() == 3);
  // Through -dnsserver, whatever the order on the command line.
  CHECK(dns.lookups.at(0).second == std::vector<std::string>{"127.0.0.1:5353"});
  CHECK(dns.lookups.at(1).first == "two.test");
}

TEST_CASE("names: -connect with a name selects fixed mode with the resolved peer") {
  FakeDns dns;
  const auto o = ok(parse_with(dns, {"-connect=seed.test:18500"}));
  CHECK(o.manager.mode == node::OutboundMode::fixed);
  CHECK(o.manager.fixed_peers == std::vector<tcp::endpoint>{{make_address("127.0.0.9"), 18500}});
}

TEST_CASE("names: a name that does not resolve stops the parse with the option and the reason") {
  FakeDns dns;
  CHECK(error_of(parse_with(dns, {"-addnode=nope.test"})) ==
        "-addnode: cannot resolve 'nope.test': nxdomain (Domain name not found)");
  CHECK(contains(error_of(parse_with(dns, {"-connect=nope.test:1"})), "-connect: cannot resolve"));
  CHECK(contains(error_of(parse_with(dns, {"-seednode=nope.test"})), "-seednode: cannot resolve"));
}

TEST_CASE("names: what is never sent to DNS") {
  FakeDns dns;
  const char* rows[] = {"-addnode=1.2.3",         "-addnode=-bad.test",    "-addnode=.test",
                        "-addnode=under_score.x", "-addnode=a b",          "-addnode=seed.test:x",
                        "-addnode=seed.test:0",   "-addnode=seed.test:1:2"};
  for (const auto* arg : rows) {
    CAPTURE(std::string(arg));
    CHECK_FALSE(error_of(parse_with(dns, {arg})).empty());
  }
  CHECK(dns.lookups.empty());
  // Without a resolver (the 3-argument parse), names are refused as before.
  CHECK(error_of(parse({"-regtest", "-addnode=seed.test"})) ==
        "-addnode: not an ip[:port]: 'seed.test'");
}
