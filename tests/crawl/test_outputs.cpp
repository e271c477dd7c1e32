// The state file round trip, the report documents, CSV, seed list, HTML and options.
#include "crawl_state.hpp"
#include "html_report.hpp"
#include "options.hpp"
#include "report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace bsvpeer::crawl;
using nlohmann::json;

namespace {

NodeRecord node(const char* ip, std::uint16_t port, const char* ua, bool protoconf,
                std::int32_t height, const char* error = "") {
  NodeRecord r;
  r.endpoint = *bsvpeer::peer::make_peer_endpoint(ip, port);
  r.source = bsvpeer::peer::PeerSource::addr;
  r.first_seen = 100;
  r.visited_round = 1;
  r.error = error;
  if (std::string(error).empty()) {
    r.handshake = HandshakeInfo{70016, 1, ua, height, true, std::nullopt};
    if (protoconf) r.handshake->protoconf = ProtoconfInfo{2097152, "Default"};
    r.rtt_ms = 1.5;
    r.addr_answered = true;
    r.addr_count = 2;
    r.addr_sample = {"1.2.3.4:8333", "[2001:db8::1]:8333"};
  }
  r.reliability.record(r.error.empty(), 200);
  return r;
}

CrawlState sample_state() {
  CrawlState s;
  s.network = "regtest";
  s.rounds_completed = 1;
  s.round_started_at = 150;
  s.round_ended_at = 220;
  s.crawl_seconds = 12.5;
  s.progress = {{0.5, 3, 1, 1, 1}, {1.0, 5, 5, 4, 2}};
  for (auto r : {node("127.0.0.2", 18444, "/Bitcoin SV:1.1.0/", true, 800000),
                 node("127.0.0.3", 18444, "/Bitcoin SV:1.1.0/", true, 800001),
                 node("127.0.0.4", 18444, "/Bitcoin ABC:0.22/", false, 800000),
                 node("127.0.0.5", 18444, "", false, 0, "connect_failed"),
                 node("::1", 18445, "/Bitcoin SV:1.1.0/, \"quoted\"", true, 800000)}) {
    s.nodes.emplace(r.endpoint, r);
  }
  return s;
}

}  // namespace

TEST_CASE("state: JSON round trip and atomic save/load") {
  const CrawlState s = sample_state();
  CHECK(state_from_json(state_to_json(s)) == s);
  const auto dir = std::filesystem::temp_directory_path() / "bsvcrawl-unit-state";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CHECK(std::holds_alternative<StateMissing>(load_state(dir / "crawl_state.json")));
  CHECK(save_state(dir / "crawl_state.json", s).empty());
  CHECK_FALSE(std::filesystem::exists(dir / "crawl_state.json.tmp"));
  auto loaded = load_state(dir / "crawl_state.json");
  REQUIRE(std::holds_alternative<CrawlState>(loaded));
  CHECK(std::get<CrawlState>(loaded) == s);
  std::ofstream(dir / "bad.json") << "{\"schema\": \"bsvcrawl-state\", \"version\": 99}";
  auto bad = load_state(dir / "bad.json");
  REQUIRE(std::holds_alternative<StateError>(bad));
  CHECK(std::get<StateError>(bad).what.find("version 99") != std::string::npos);
  std::ofstream(dir / "junk.json") << "not json";
  CHECK(std::holds_alternative<StateError>(load_state(dir / "junk.json")));
  CHECK_FALSE(save_state(dir / "no-such-dir" / "x.json", s).empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("state: progress samples are thinned, keeping the last") {
  std::vector<ProgressSample> v;
  for (int i = 0; i < 10; ++i)
    add_progress_sample(v, ProgressSample{double(i), 0, 0, 0, 0}, 4);
  CHECK(v.size() <= 4);
  CHECK(v.back().t_s == 9);
  CHECK(v.front().t_s == 0);
}

TEST_CASE("report: verdicts, totals and the JSON document") {
  const CrawlState s = sample_state();
  const auto report = build_report(s, 300);
  CHECK(report.best_bsv_height == 800000);  // second highest of 800000, 800001, 800000
  CHECK(report.totals.known == 5);
  CHECK(report.totals.bsv == 3);
  CHECK(report.totals.bch == 1);
  CHECK(report.totals.unreachable == 1);
  CHECK(report.totals.answered == 4);
  const json doc = json::parse(nodes_json(report));
  CHECK(doc["schema"] == "bsvcrawl-nodes");
  CHECK(doc["nodes"].size() == 5);
  CHECK(doc["totals"]["bch"] == 1);
  for (const auto& n : doc["nodes"]) {
    CHECK(n.contains("verdict"));
    CHECK(n.contains("reasons"));
    CHECK(node_record_from_json(n).endpoint.ip == n["ip"].get<std::string>());
  }
}

TEST_CASE("report: CSV reads back field for field") {
  const CrawlState s = sample_state();
  const auto report = build_report(s, 300);
  const auto rows = parse_csv(nodes_csv(report));
  REQUIRE(rows.size() == 6);
  const auto& header = rows[0];
  CHECK(header.size() == 19);
  auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  bool saw_quoted = false;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == header.size());
    const auto& n = report.nodes[i - 1];
    CHECK(rows[i][col("address")] == bsvpeer::peer::to_string(n.record->endpoint));
    CHECK(rows[i][col("verdict")] == std::string(to_string(n.verdict.chain)));
    if (n.record->handshake) {
      CHECK(rows[i][col("user_agent")] == n.record->handshake->user_agent);
      saw_quoted |= n.record->handshake->user_agent.find('"') != std::string::npos;
    }
  }
  CHECK(saw_quoted);
  CHECK(parse_csv("a,\"b,\"\"c\"\"\"\r\n1,2") ==
        std::vector<std::vector<std::string>>{{"a", "b,\"c\""}, {"1", "2"}});
}

TEST_CASE("report: the seed list has the good BSV nodes on the port only") {
  const CrawlState s = sample_state();
  const auto report = build_report(s, 300);
  SeedListOptions o;
  o.name = "seed.test";
  o.port = 18444;
  const std::string hosts = seed_hosts(report, o);
  CHECK(hosts.find("127.0.0.2 seed.test\n") != std::string::npos);
  CHECK(hosts.find("127.0.0.3 seed.test\n") != std::string::npos);
  CHECK(hosts.find("127.0.0.4") == std::string::npos);  // BCH
  CHECK(hosts.find("127.0.0.5") == std::string::npos);  // unreachable
  CHECK(hosts.find("::1") == std::string::npos);        // another port
  o.max = 1;
  const std::string one = seed_hosts(report, o);
  CHECK(std::count(one.begin(), one.end(), '\n') == 3);  // two comment lines + one node
}

TEST_CASE("report: HTML is self-contained and escapes what peers say") {
  CrawlState s = sample_state();
  auto r = node("127.0.0.9", 18444, "<script>alert(1)</script>", true, 800000);
  s.nodes.emplace(r.endpoint, r);
  const auto report = build_report(s, 300);
  const std::string html = html_report(report, "/*chart*/");
  CHECK(html.find("<script>alert(1)") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)") != std::string::npos);
  CHECK(html.find("Content-Security-Policy") != std::string::npos);
  CHECK(html.find("/*chart*/") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  for (const char* id : {"chart-ua", "chart-version", "chart-services", "chart-ports",
                         "chart-verdicts", "chart-heights", "chart-rtt", "chart-progress"}) {
    CHECK(html.find(std::string("id=\"") + id + "\"") != std::string::npos);
  }
  CHECK(html_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST_CASE("options: defaults, values, errors in one line") {
  using bsvcrawl::parse_options;
  auto ok = [](std::vector<std::string> args) {
    auto r = parse_options(args);
    REQUIRE(std::holds_alternative<bsvcrawl::Options>(r));
    return std::get<bsvcrawl::Options>(r);
  };
  auto err = [](std::vector<std::string> args) {
    auto r = parse_options(args);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  const auto d = ok({});
  CHECK(d.rounds == 1);
  CHECK(d.dns_seed);
  const auto o =
      ok({"--concurrency", "32", "--rounds=3", "-interval=2.5", "--dns-seed", "0", "--seed",
          "1.2.3.4:8333", "--seed=[::1]:18444", "--local-addresses", "-network=regtest"});
  CHECK(o.concurrency == 32);
  CHECK(o.rounds == 3);
  CHECK(o.interval == 2.5);
  CHECK_FALSE(o.dns_seed);
  CHECK(o.local_addresses);
  CHECK(o.seeds.size() == 2);
  CHECK(ok({"-help"}).help);
  CHECK(ok({"--help"}).help);
  CHECK(err({"--bogus"}) == "unknown option --bogus (see --help)");
  CHECK(err({"--concurrency", "x"}).find("not a whole number") != std::string::npos);
  CHECK(err({"--concurrency", "0"}).find("outside") != std::string::npos);
  CHECK(err({"--rate"}).find("needs a value") != std::string::npos);
  CHECK(err({"--network=btc"}).find("not a network") != std::string::npos);
  CHECK(err({"stray"}).find("unexpected argument") != std::string::npos);
  const std::string help = bsvcrawl::help_text(20000);
  for (const char* name :
       {"--concurrency", "--rounds", "--interval", "--rate", "--deadline", "--connect-timeout",
        "--handshake-timeout", "--addr-timeout", "--seed", "--datadir", "--help"}) {
    CAPTURE(name);
    CHECK(help.find(name) != std::string::npos);
  }
  CHECK(help.find("here 512") != std::string::npos);
  CHECK(bsvcrawl::default_concurrency(20000) == 512);
  CHECK(bsvcrawl::default_concurrency(1024) == 480);
  auto config = bsvcrawl::crawler_config(
      ok({"--seed", "[::1]:18444", "--seed", "127.0.0.1", "-network=regtest"}), 20000);
  REQUIRE(std::holds_alternative<CrawlerConfig>(config));
  const auto& c = std::get<CrawlerConfig>(config);
  REQUIRE(c.seeds.size() == 2);
  CHECK(c.seeds[0].ip == "::1");
  CHECK(c.seeds[1].port == 18444);  // the network's default port
  CHECK(std::holds_alternative<std::string>(
      bsvcrawl::crawler_config(ok({"--seed", "nonsense:1"}), 20000)));
}
