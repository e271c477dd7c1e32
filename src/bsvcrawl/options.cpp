#include "options.hpp"

#include <bsvpeer/peer/peer_endpoint.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace bsvcrawl {

namespace crawl = bsvpeer::crawl;

namespace {

struct Spec {
  std::string name;
  std::string arg;  // empty: a flag taking no value (or an explicit =0/=1)
  std::function<std::string(const Options&)> shown_default;
  std::string help;
  std::function<std::optional<std::string>(Options&, const std::string&)> set;
};

std::optional<std::string> to_double(const std::string& v, double& out, double min, double max) {
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d)) {
    return "'" + v + "' is not a number";
  }
  if (d < min || d > max) return fmt::format("{} is outside {}..{}", v, min, max);
  out = d;
  return std::nullopt;
}

template <class T>
std::optional<std::string> to_uint(const std::string& v, T& out, std::uint64_t min,
                                   std::uint64_t max) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return "'" + v + "' is not a whole number";
  if (n < min || n > max) return fmt::format("{} is outside {}..{}", v, min, max);
  out = static_cast<T>(n);
  return std::nullopt;
}

std::optional<std::string> to_bool(const std::string& v, bool& out) {
  if (v == "1" || v == "true" || v == "yes" || v.empty()) {
    out = true;
  } else if (v == "0" || v == "false" || v == "no") {
    out = false;
  } else {
    return "'" + v + "' is not 0 or 1";
  }
  return std::nullopt;
}

std::string fmt_num(double d) {
  return fmt::format("{}", d);
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> all = [] {
    std::vector<Spec> s;
    auto num = [&](std::string name, double Options::*field, double min, double max,
                   std::string help, std::string arg = "S") {
      s.push_back({name, arg, [field](const Options& o) { return fmt_num(o.*field); }, help,
                   [field, min, max](Options& o, const std::string& v) {
                     return to_double(v, o.*field, min, max);
                   }});
    };
    s.push_back({"network", "NAME", [](const Options& o) { return o.network; },
                 "main, test, stn or regtest",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   if (!bsvpeer::net::parse_network(v)) return "'" + v + "' is not a network";
                   o.network = v;
                   return std::nullopt;
                 }});
    s.push_back({"seed", "IP:PORT", [](const Options&) { return "none"; },
                 "a node to start from (repeatable; [v6]:port for IPv6)",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.seeds.push_back(v);
                   return std::nullopt;
                 }});
    s.push_back({"seed-file", "FILE", [](const Options&) { return "none"; },
                 "nodes to start from, one IP:PORT a line (# comments)",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.seed_file = v;
                   return std::nullopt;
                 }});
    s.push_back({"dns-seed", "0|1", [](const Options& o) { return o.dns_seed ? "1" : "0"; },
                 "ask the DNS seeds when the state knows no node yet",
                 [](Options& o, const std::string& v) { return to_bool(v, o.dns_seed); }});
    s.push_back({"dns-seed-name", "NAME", [](const Options&) { return "the network's seeds"; },
                 "a DNS seed name to ask (repeatable)",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.dns_seed_names.push_back(v);
                   return std::nullopt;
                 }});
    s.push_back({"dns-server", "IP[:PORT]", [](const Options&) { return "/etc/resolv.conf"; },
                 "the DNS server to ask (repeatable)",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.dns_servers.push_back(v);
                   return std::nullopt;
                 }});
    s.push_back({"port", "N", [](const Options&) { return "the network's default port"; },
                 "port of DNS-seeded nodes, and the only port in the seed list",
                 [](Options& o, const std::string& v) { return to_uint(v, o.port, 1, 65535); }});
    s.push_back({"datadir", "DIR", [](const Options& o) { return o.datadir.string(); },
                 "crawl_state.json and peers.json (the node's PeerStore format)",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.datadir = v;
                   return std::nullopt;
                 }});
    s.push_back({"out", "DIR", [](const Options&) { return "the datadir"; },
                 "nodes.json, nodes.csv, seeds.hosts and report.html",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   o.out = v;
                   return std::nullopt;
                 }});
    s.push_back(
        {"concurrency", "N", [](const Options&) { return "min(512, (open-file limit - 64) / 2)"; },
         "visits in flight at most",
         [](Options& o, const std::string& v) { return to_uint(v, o.concurrency, 1, 100000); }});
    num("rate", &Options::rate, 0.1, 1e6, "new connections per second at most", "N");
    num("connect-timeout", &Options::connect_timeout, 0.05, 600, "TCP connect timeout, seconds");
    num("handshake-timeout", &Options::handshake_timeout, 0.05, 600,
        "version/verack timeout, seconds");
    num("addr-timeout", &Options::addr_timeout, 0.05, 600,
        "wait for an addr with more than one entry, seconds");
    num("deadline", &Options::deadline, 0, 1e7, "stop (and save) after this many seconds; 0: none");
    s.push_back(
        {"rounds", "N", [](const Options& o) { return std::to_string(o.rounds); },
         "crawl until this many rounds are complete (counted in the state)",
         [](Options& o, const std::string& v) { return to_uint(v, o.rounds, 1, 1000000); }});
    num("interval", &Options::interval, 0, 1e7, "seconds from one round's start to the next's");
    num("save-interval", &Options::save_interval, 0.1, 3600, "state saved every S seconds");
    num("progress-interval", &Options::progress_interval, 0.1, 3600,
        "progress log line every S seconds when stderr is not a terminal");
    s.push_back({"local-addresses", "0|1",
                 [](const Options& o) { return o.local_addresses ? "1" : "0"; },
                 "also crawl loopback/private/link-local addresses from addr answers",
                 [](Options& o, const std::string& v) { return to_bool(v, o.local_addresses); }});
    s.push_back(
        {"max-addrs", "N", [](const Options& o) { return std::to_string(o.max_addrs); },
         "addresses taken from one node at most",
         [](Options& o, const std::string& v) { return to_uint(v, o.max_addrs, 1, 100000); }});
    s.push_back({"seed-name", "NAME", [](const Options& o) { return o.seed_name; },
                 "the DNS name in seeds.hosts",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   if (v.empty() || v.find_first_of(" \t\r\n#") != std::string::npos) {
                     return "'" + v + "' is not a host name";
                   }
                   o.seed_name = v;
                   return std::nullopt;
                 }});
    s.push_back(
        {"seed-max", "N", [](const Options& o) { return std::to_string(o.seed_max); },
         "nodes in seeds.hosts at most",
         [](Options& o, const std::string& v) { return to_uint(v, o.seed_max, 1, 1000000); }});
    num("seed-min-uptime", &Options::seed_min_uptime, 0, 1,
        "answered/seen rounds a node needs for seeds.hosts", "F");
    s.push_back({"user-agent", "UA", [](const Options& o) { return o.user_agent; },
                 "our user agent",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   if (v.empty() || v.size() > 256) return "must be 1..256 characters";
                   o.user_agent = v;
                   return std::nullopt;
                 }});
    s.push_back({"threads", "N", [](const Options& o) { return std::to_string(o.threads); },
                 "event-loop threads",
                 [](Options& o, const std::string& v) { return to_uint(v, o.threads, 1, 64); }});
    s.push_back({"log-level", "LEVEL", [](const Options& o) { return o.log_level; },
                 "trace, debug, info, warn, error or off",
                 [](Options& o, const std::string& v) -> std::optional<std::string> {
                   static const std::vector<std::string> ok{"trace", "debug", "info",
                                                            "warn",  "error", "off"};
                   if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
                     return "'" + v + "' is not a log level";
                   }
                   o.log_level = v;
                   return std::nullopt;
                 }});
    s.push_back({"help", "", [](const Options&) { return ""; }, "this text",
                 [](Options& o, const std::string&) -> std::optional<std::string> {
                   o.help = true;
                   return std::nullopt;
                 }});
    return s;
  }();
  return all;
}

const Spec* find_spec(const std::string& name) {
  for (const auto& s : specs()) {
    if (s.name == name) return &s;
  }
  if (name == "h") return find_spec("help");
  return nullptr;
}

}  // namespace

std::size_t default_concurrency(std::uint64_t open_file_limit) {
  const std::uint64_t spare = open_file_limit > 128 ? (open_file_limit - 64) / 2 : 32;
  return static_cast<std::size_t>(std::min<std::uint64_t>(512, spare));
}

std::variant<Options, std::string> parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') return "unexpected argument '" + arg + "' (see --help)";
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      value = body.substr(eq + 1);
      body.resize(eq);
    }
    const Spec* spec = find_spec(body);
    if (!spec) return "unknown option " + arg + " (see --help)";
    if (!value) {
      static const std::set<std::string> kBoolWords{"0", "1", "true", "false", "yes", "no"};
      if (spec->arg == "0|1" && i + 1 < args.size() && kBoolWords.count(args[i + 1])) {
        value = args[++i];
      } else if (spec->arg.empty() || spec->arg == "0|1") {
        value = "";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return "--" + spec->name + " needs a value (" + spec->arg + ")";
      }
    }
    if (auto problem = spec->set(o, *value)) return "--" + spec->name + ": " + *problem;
  }
  return o;
}

std::string help_text(std::uint64_t open_file_limit) {
  std::string out =
      "usage: bsvcrawl [options]   (--name=value, --name value, or -name=value)\n"
      "Maps the reachable BSV network: dials every node once per round, records its version,\n"
      "verdict (bsv/bch/btc/unknown/unreachable) and addr answer; resumable (Ctrl-C saves).\n"
      "Exit: 0 all rounds done, 3 stopped early (state saved; rerun continues), 1 error,\n"
      "2 bad options.\n\n";
  Options defaults;
  for (const auto& s : specs()) {
    std::string left = "  --" + s.name + (s.arg.empty() ? "" : "=" + s.arg);
    std::string def = s.shown_default(defaults);
    if (s.name == "concurrency")
      def += fmt::format(", here {}", default_concurrency(open_file_limit));
    out += fmt::format("{:<28} {}{}\n", left, s.help, def.empty() ? "" : " [" + def + "]");
  }
  return out;
}

namespace {

std::optional<bsvpeer::peer::PeerEndpoint> parse_endpoint(std::string text,
                                                          std::uint16_t default_port) {
  std::string host = text;
  std::uint16_t port = default_port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      if (to_uint(text.substr(close + 2), port, 1, 65535)) return std::nullopt;
    }
  } else if (auto colon = text.rfind(':'); colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    if (to_uint(text.substr(colon + 1), port, 1, 65535)) return std::nullopt;
  }
  return bsvpeer::peer::make_peer_endpoint(host, port);
}

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

}  // namespace

std::variant<crawl::CrawlerConfig, std::string> crawler_config(const Options& o,
                                                               std::uint64_t open_file_limit) {
  crawl::CrawlerConfig c;
  const auto id = bsvpeer::net::parse_network(o.network);
  if (!id) return "--network: '" + o.network + "' is not a network";
  c.network = bsvpeer::net::network_params(*id);
  const std::uint16_t port = o.port ? static_cast<std::uint16_t>(o.port) : c.network.default_port;
  std::vector<std::string> seeds = o.seeds;
  if (!o.seed_file.empty()) {
    std::ifstream in(o.seed_file);
    if (!in) return "--seed-file: cannot read " + o.seed_file;
    std::string line;
    while (std::getline(in, line)) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
        line.pop_back();
      std::size_t start = 0;
      while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start])))
        ++start;
      if (start < line.size()) seeds.push_back(line.substr(start));
    }
  }
  for (const auto& s : seeds) {
    auto endpoint = parse_endpoint(s, port);
    if (!endpoint) return "--seed: '" + s + "' is not IP:PORT";
    c.seeds.push_back(*endpoint);
  }
  c.scheduler.concurrency = o.concurrency ? o.concurrency : default_concurrency(open_file_limit);
  c.scheduler.rate_per_s = o.rate;
  c.scheduler.burst =
      std::max(1.0, std::min<double>(o.rate, static_cast<double>(c.scheduler.concurrency)));
  c.connect_timeout = seconds(o.connect_timeout);
  c.handshake_timeout = seconds(o.handshake_timeout);
  c.addr_timeout = seconds(o.addr_timeout);
  c.deadline = seconds(o.deadline);
  c.rounds = o.rounds;
  c.interval = seconds(o.interval);
  c.addr.allow_local = o.local_addresses;
  c.addr.max_addresses = o.max_addrs;
  c.dns_seed = o.dns_seed;
  c.dns = bsvpeer::node::dns_seeder_config(c.network);
  if (!o.dns_seed_names.empty()) c.dns.seeds = o.dns_seed_names;
  c.dns.port = port;
  c.dns.resolver.servers = o.dns_servers;
  c.dns.resolver.timeout = std::chrono::milliseconds(2000);
  if (c.dns_seed && !c.dns.seeds.empty()) {
    if (auto problem = bsvpeer::node::config_error(c.dns)) return "DNS seeding: " + *problem;
  }
  c.state_file = o.datadir / "crawl_state.json";
  c.peers_file = o.datadir / "peers.json";
  c.save_interval = seconds(o.save_interval);
  c.progress_interval = seconds(o.progress_interval);
  c.user_agent = o.user_agent;
  return c;
}

}  // namespace bsvcrawl
