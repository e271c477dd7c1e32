#include "help_format.hpp"
#include "options.hpp"

#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/magic.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace bsvpeer::program {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigName = "bsvpeer.conf";

// Switches that take -noname (bitcoind style) besides -name=0/1.
constexpr std::array kBoolOptions = {"listen",       "dnsseed",        "getaddr",
                                     "server",       "printtoconsole", "shrinkdebugfile",
                                     "debuglogfile", "metrics",        "rejectmempoolrequest"};

bool is_bool_option(std::string_view name) {
  return std::find(kBoolOptions.begin(), kBoolOptions.end(), name) != kBoolOptions.end();
}

// "-nolisten" -> "-listen=0", "-nolisten=0" -> "-listen=1"; anything else unchanged.
std::string negate_no_option(const std::string& arg, bool dashed) {
  std::size_t at = 0;
  if (dashed) {
    while (at < arg.size() && at < 2 && arg[at] == '-')
      ++at;
    if (at == 0) return arg;
  }
  if (arg.compare(at, 2, "no") != 0) return arg;
  const auto eq = arg.find('=', at);
  const std::string name = arg.substr(at + 2, eq == std::string::npos ? eq : eq - at - 2);
  if (!is_bool_option(name)) return arg;
  const std::string value = eq == std::string::npos ? "1" : arg.substr(eq + 1);
  const bool negated = !(value == "0" || value == "false" || value == "no" || value == "off");
  return arg.substr(0, at) + name + "=" + (negated ? "0" : "1");
}

struct RawOptions {
  bool testnet = false, regtest = false, stn = false;
  std::string magic_hex, uacomment, datadir, conf;
  std::vector<std::string> connect, addnode, bind, inbound_allow, ban_ua, allow_ua;
  std::vector<std::string> dns_seed_names, dns_servers;
  std::vector<std::string> seednode, whitelist, externalip;
  int ban_score = 100, max_outbound = 8;
  bool reject_mempool = true;
  std::string outbound_bind;
  bool listen = true, dns_seed = true, getaddr = true;
  int port = 0;
  int max_connections = 125, target_outbound = 8, max_addnode = 8, max_inbound_per_ip = 0;
  int io_threads = 0;
  int min_connected_peers = 1;
  double max_accept_rate = 0;
  int persist_interval_s = 300, addnode_retry_s = 60, ban_time_s = 24 * 60 * 60;
  int peer_retry_max_s = 300, inaccessible_retry_s = 1800;
  int ping_interval_s = 120, handshake_timeout_s = 60, min_protocol = 0;
  std::uint64_t services = 0;
  std::uint64_t addr_services = 1;
  std::string log_level = "info";
  std::string debug_log_file = "debug.log";
  bool print_to_console = true, shrink_debug_file = false, metrics = false;
  std::vector<std::string> metrics_bind;
  RawRpcOptions rpc;
};

po::options_description describe(RawOptions& r, Options& o) {
  po::options_description desc("bsvpeer options (bitcoind style: -name=value, -noname)");
  auto flag = [](bool* target) { return po::value(target)->implicit_value(true); };
  desc.add_options()                                                               //
      ("help,h", po::bool_switch(&o.show_help), "show this help")                  //
      ("version", po::bool_switch(&o.show_version), "print the version and exit")  //
      ("conf", po::value(&r.conf),
       "config file (default: <datadir>/bsvpeer.conf; relative paths are under the datadir)")  //
      ("datadir", po::value(&r.datadir),
       "data directory (default: ~/.bsvpeer); the network's peers.json lives in a "
       "subdirectory per network")                                      //
      ("testnet", flag(&r.testnet), "use the test network")             //
      ("regtest", flag(&r.regtest), "use the regression test network")  //
      ("stn", flag(&r.stn), "use the scaling test network")             //
      ("magicbytes", po::value(&r.magic_hex),
       "override the network magic, 8 hex digits in wire order (not on mainnet)")  //
      ("connect", po::value(&r.connect)->composing(),
       "connect only to this peer (ip or host name, [:port]), repeatable; -connect=0: no "
       "automatic connections. Implies -nodnsseed and, unless given, -nolisten. Names are looked "
       "up at startup and on SIGHUP (through -dnsserver if given); one that does not resolve "
       "stops the start or the reload")  //
      ("addnode", po::value(&r.addnode)->composing(),
       "a peer (ip or host name, [:port]) to keep connected besides the others, repeatable; "
       "names as for -connect")  //
      ("seednode", po::value(&r.seednode)->composing(),
       "connect to this peer (ip or host name, [:port]) once to ask for addresses, then "
       "disconnect, repeatable (not with -connect); names as for -connect")                   //
      ("listen", flag(&r.listen), "accept inbound connections (default 1, 0 with -connect)")  //
      ("bind", po::value(&r.bind)->composing(),
       "listen on this address[:port], repeatable (default: every IPv4 and IPv6 address)")  //
      ("port", po::value(&r.port), "listen port (default: the network's port)")             //
      ("maxconnections", po::value(&r.max_connections),
       "inbound and outbound connections at most (default 125)")  //
      ("targetoutbound", po::value(&r.target_outbound),
       "automatic outbound connections to aim at (default 8)")  //
      ("maxoutboundconnections", po::value(&r.max_outbound),
       "SV's name for -targetoutbound (default 8)")  //
      ("maxaddnodeconnections", po::value(&r.max_addnode),
       "-addnode connections at most (default 8)")  //
      ("maxinboundperip", po::value(&r.max_inbound_per_ip),
       "inbound connections per IP at most (default 0: no limit)")  //
      ("maxacceptrate", po::value(&r.max_accept_rate),
       "inbound connections accepted per second at most (default 0: no limit)")  //
      ("whitelist", po::value(&r.whitelist)->composing(),
       "trust inbound peers from this IP or CIDR, repeatable: never banned or disconnected for "
       "misbehaviour, let in while banned, exempt from -maxinboundperip and -maxacceptrate, "
       "allowed to send mempool; they still take a slot")  //
      ("inboundallow", po::value(&r.inbound_allow)->composing(),
       "accept inbound only from this IP or CIDR, repeatable (default: everyone)")  //
      ("externalip", po::value(&r.externalip)->composing(),
       "our public IP address, repeatable: told to each peer we dial while listening, as SV "
       "does (only routable addresses; the port is the one we listen on)")  //
      ("outboundbind", po::value(&r.outbound_bind),
       "source address of outbound connections (default: chosen by the system)")  //
      ("dnsseed", flag(&r.dns_seed),
       "find peers through the network's DNS seeds when few are known (default 1)")  //
      ("dnsseedname", po::value(&r.dns_seed_names)->composing(),
       "a DNS seed name to use instead of the network's, repeatable")  //
      ("dnsserver", po::value(&r.dns_servers)->composing(),
       "DNS server (ip:port) for seed lookups, repeatable (default: the system's)")  //
      ("getaddr", flag(&r.getaddr), "ask outbound peers for addresses (default 1)")  //
      ("addrservices", po::value(&r.addr_services),
       "service bits a gossiped address must have to be kept (default 1, NODE_NETWORK; 0 "
       "keeps all, e.g. for a private mesh of bsvpeer nodes)")  //
      ("addnoderetry", po::value(&r.addnode_retry_s),
       "seconds between attempts to reconnect -addnode peers (default 60)")  //
      ("peerretrymax", po::value(&r.peer_retry_max_s),
       "longest wait in seconds between redials of a peer that failed (default 300)")  //
      ("inaccessibleretry", po::value(&r.inaccessible_retry_s),
       "seconds before a peer given up as inaccessible may be dialled again (default 1800)")  //
      ("persistinterval", po::value(&r.persist_interval_s),
       "seconds between saves of peers.json (default 300; also saved at shutdown)")  //
      ("minconnectedpeers", po::value(&r.min_connected_peers),
       "warn when fewer handshaked peers than this remain (default 1)")  //
      ("banscore", po::value(&r.ban_score),
       "misbehaviour score at which a peer is disconnected and banned (default 100)")  //
      ("rejectmempoolrequest", flag(&r.reject_mempool),
       "disconnect peers that are not whitelisted when they send a legacy mempool request "
       "(default 1)")  //
      ("bantime", po::value(&r.ban_time_s),
       "seconds a misbehaving peer stays banned (default "
       "86400)")                                                                     //
      ("uacomment", po::value(&r.uacomment), "text added to the user agent")         //
      ("services", po::value(&r.services), "service bits to advertise (default 0)")  //
      ("banclientua", po::value(&r.ban_ua)->composing(),
       "user-agent substring to ban (replaces the default abc, cash, bch)")  //
      ("allowclientua", po::value(&r.allow_ua)->composing(),
       "user-agent substring exempt from the ban list")                                    //
      ("minversion", po::value(&r.min_protocol), "minimum peer protocol version")          //
      ("pinginterval", po::value(&r.ping_interval_s), "seconds between our pings")         //
      ("p2phandshaketimeout", po::value(&r.handshake_timeout_s), "handshake timeout (s)")  //
      ("iothreads", po::value(&r.io_threads),
       "threads carrying the connections, each with its own share of them (default 0: CPU "
       "cores - 1, at least 1); the main thread runs the rest")  //
      ("debug", po::value(&r.log_level)->implicit_value("debug"),
       "log level: trace, debug, info, warn, error")  //
      ("debuglogfile", po::value(&r.debug_log_file),
       "log file, absolute or relative to the network's data directory (default: debug.log; "
       "-nodebuglogfile: none)")                                                           //
      ("printtoconsole", flag(&r.print_to_console), "log to the console too (default 1)")  //
      ("shrinkdebugfile", flag(&r.shrink_debug_file),
       "cut the log file to its last 10 MB at startup when it exceeds 11 MB (default: 1 "
       "without -debug)")  //
      ("metrics", flag(&r.metrics),
       "serve Prometheus metrics at /metrics (default 0; on 127.0.0.1:9335 unless "
       "-metricsbind)")  //
      ("metricsbind", po::value(&r.metrics_bind)->composing(),
       "serve /metrics on this address[:port] (default port 9335), repeatable; implies "
       "-metrics");
  describe_rpc_options(desc, r.rpc);
  return desc;
}

// A config file split into its top-level lines and the lines of each [section].
struct ConfigText {
  std::string top;
  std::map<std::string, std::string> sections;
};

std::variant<ConfigText, std::string> read_config(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return "cannot read the config file " + path.string();
  ConfigText text;
  std::string* current = &text.top;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    line = line.substr(first, last - first + 1);
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return path.string() + ":" + std::to_string(number) + ": bad section '" + line + "'";
      }
      current = &text.sections[line.substr(1, line.size() - 2)];
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      line += "=1";  // "listen" alone means listen=1
    } else if (eq > 0) {
      // "name = value" as Boost reads it, so "nolisten = 1" is recognised like "listen = 1".
      // The line starts with no blank, so name_end exists.
      const auto name_end = line.find_last_not_of(" \t", eq - 1);
      const auto value_start = line.find_first_not_of(" \t", eq + 1);
      line = line.substr(0, name_end + 1) + "=" +
             (value_start == std::string::npos ? "" : line.substr(value_start));
    }
    *current += negate_no_option(line, false) + "\n";
  }
  return text;
}

std::optional<std::string> parse_int_range(const char* name, int value, int min, int max) {
  if (value < min || value > max) {
    return "-" + std::string(name) + " must be between " + std::to_string(min) + " and " +
           std::to_string(max) + ", got " + std::to_string(value);
  }
  return std::nullopt;
}

// "ip" or "ip/prefix", as the Manager's inbound allowlist reads it.
bool valid_allow_entry(const std::string& text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(text.substr(0, slash), ec);
  if (ec) return false;
  if (slash == std::string::npos) return true;
  const auto prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 ||
      !std::all_of(prefix.begin(), prefix.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return false;
  }
  return std::stoul(prefix) <= (address.is_v4() ? 32u : 128u);
}

// "name" or "name:port" with a DNS host name (letters, digits, '-', '.'; at least one letter,
// so a mistyped IP is never sent to DNS).
std::optional<std::pair<std::string, std::string>> split_host_name(const std::string& text) {
  const auto colon = text.find(':');
  const std::string host = text.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return std::nullopt;
  }
  bool letter = false;
  for (const char ch : host) {
    const bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    letter = letter || alpha;
    if (!alpha && !(ch >= '0' && ch <= '9') && ch != '-' && ch != '.') return std::nullopt;
  }
  if (!letter) return std::nullopt;
  return std::make_pair(host, port);
}

std::string chain_directory(const net::NetworkParams& network, bool custom_magic) {
  std::string dir = network.id == net::NetworkId::main   ? ""
                    : network.id == net::NetworkId::test ? "testnet3"
                                                         : std::string(network.name);
  // A private network (own magic) gets its own store: its peers are not the public ones.
  if (custom_magic) dir += (dir.empty() ? "" : "-") + wire::magic_to_hex(network.magic);
  return dir;
}

}  // namespace

std::variant<Options, std::string> parse_options(int argc, const char* const* argv,
                                                 const fs::path& home) {
  return parse_options(argc, argv, home, NameResolver{});
}

std::variant<Options, std::string> parse_options(int argc, const char* const* argv,
                                                 const fs::path& home,
                                                 const NameResolver& resolve) {
  Options o;
  RawOptions r;
  auto desc = describe(r, o);

  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i)
    args.push_back(negate_no_option(argv[i], true));

  po::variables_map vm;
  // Exact names only: with Boost's default prefix guessing "-maxconn=5" or a typo would pass
  // silently as another option.
  const auto style =
      (po::command_line_style::default_style & ~po::command_line_style::allow_guessing) |
      po::command_line_style::allow_long_disguise;
  try {
    po::store(po::command_line_parser(args).options(desc).style(style).run(), vm);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  o.help_text = format_help(desc);
  if (vm.count("help") && vm["help"].as<bool>()) {
    o.show_help = true;
    return o;
  }
  if (vm.count("version") && vm["version"].as<bool>()) {
    o.show_version = true;
    return o;
  }

  // The datadir and config file come from the command line only.
  fs::path base;
  if (vm.count("datadir")) {
    base = vm["datadir"].as<std::string>();
    std::error_code ec;
    if (!fs::is_directory(base, ec)) {
      return "-datadir: " + base.string() + " is not an existing directory";
    }
  } else {
    if (home.empty()) return std::string("no home directory: give -datadir");
    base = home / ".bsvpeer";
  }
  bool conf_given = vm.count("conf") > 0;
  fs::path conf = conf_given ? fs::path(vm["conf"].as<std::string>()) : fs::path(kConfigName);
  if (conf.is_relative()) conf = base / conf;
  std::error_code exists_ec;
  if (fs::exists(conf, exists_ec)) {
    auto read = read_config(conf);
    if (auto* error = std::get_if<std::string>(&read)) return *error;
    auto& text = std::get<ConfigText>(read);
    // The network may be chosen in the file's top level; its section applies on top.
    std::string chain = "main";
    try {
      po::variables_map top_vm;
      std::istringstream top(text.top);
      po::store(po::parse_config_file(top, desc), top_vm);
      auto on = [&](const char* n) {
        if (vm.count(n)) return vm[n].as<bool>();
        return top_vm.count(n) > 0 && top_vm[n].as<bool>();
      };
      chain = on("testnet") ? "test" : on("regtest") ? "regtest" : on("stn") ? "stn" : "main";
      // The first store of a single value wins: command line, then section, then top level.
      std::istringstream section(text.sections[chain]);
      po::store(po::parse_config_file(section, desc), vm);
      std::istringstream top_again(text.top);
      po::store(po::parse_config_file(top_again, desc), vm);
    } catch (const std::exception& e) {
      return conf.string() + ": " + e.what();
    }
    for (const auto& [name, lines] : text.sections) {
      if (name != "main" && name != "test" && name != "regtest" && name != "stn") {
        return conf.string() + ": unknown section [" + name + "]";
      }
    }
    o.config_file = conf;
  } else if (conf_given) {
    return "-conf: " + conf.string() + " does not exist";
  }
  try {
    po::notify(vm);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }

  if (int(r.testnet) + int(r.regtest) + int(r.stn) > 1) {
    return std::string("choose at most one of -testnet, -regtest, -stn");
  }
  auto& c = o.manager.connection;
  const auto id = r.testnet   ? net::NetworkId::test
                  : r.regtest ? net::NetworkId::regtest
                  : r.stn     ? net::NetworkId::stn
                              : net::NetworkId::main;
  c.network = net::network_params(id);
  if (!r.magic_hex.empty()) {
    auto magic = wire::parse_magic(r.magic_hex);
    if (!magic) return "-magicbytes needs 8 hex digits, got '" + r.magic_hex + "'";
    auto custom = net::with_custom_magic(c.network, *magic);
    if (!custom) return std::string("-magicbytes cannot be used on mainnet");
    c.network = *custom;
  }
  const auto chain_dir = chain_directory(c.network, !r.magic_hex.empty());
  o.data_dir = chain_dir.empty() ? base : base / chain_dir;  // not "<datadir>/" on mainnet
  o.manager.store_path = o.data_dir / "peers.json";
  o.log_level = r.log_level;
  if (auto e = parse_int_range("iothreads", r.io_threads, 0, 64)) return *e;
  o.io_threads = static_cast<unsigned>(r.io_threads);
  if (spdlog::level::from_str(o.log_level) == spdlog::level::off && o.log_level != "off") {
    return "-debug: unknown level '" + o.log_level + "' (trace, debug, info, warn, error)";
  }
  if (r.debug_log_file != "0" && !r.debug_log_file.empty()) {
    o.debug_log_file = fs::path(r.debug_log_file).is_absolute() ? fs::path(r.debug_log_file)
                                                                : o.data_dir / r.debug_log_file;
  }
  o.print_to_console = r.print_to_console;
  o.shrink_debug_file = vm.count("shrinkdebugfile") && !vm["shrinkdebugfile"].defaulted()
                            ? r.shrink_debug_file
                            : spdlog::level::from_str(o.log_level) >= spdlog::level::info;
  for (const auto& text : r.metrics_bind) {
    auto ep = net::parse_endpoint(text, kDefaultMetricsPort);
    if (!ep) return "-metricsbind: not an ip[:port]: '" + text + "'";
    o.metrics_bind.push_back(*ep);
  }
  if (r.metrics && o.metrics_bind.empty()) {
    o.metrics_bind.emplace_back(boost::asio::ip::address_v4::loopback(), kDefaultMetricsPort);
  }

  for (auto e : {parse_int_range("port", r.port, 0, 65535),
                 parse_int_range("maxconnections", r.max_connections, 1, 100'000),
                 parse_int_range("targetoutbound", r.target_outbound, 0, 100'000),
                 parse_int_range("maxaddnodeconnections", r.max_addnode, 0, 100'000),
                 parse_int_range("maxinboundperip", r.max_inbound_per_ip, 0, 100'000),
                 parse_int_range("minconnectedpeers", r.min_connected_peers, 0, 100'000),
                 parse_int_range("persistinterval", r.persist_interval_s, 1, 7 * 24 * 3600),
                 parse_int_range("addnoderetry", r.addnode_retry_s, 1, 24 * 3600),
                 parse_int_range("peerretrymax", r.peer_retry_max_s, 1, 24 * 3600),
                 parse_int_range("inaccessibleretry", r.inaccessible_retry_s, 1, 7 * 24 * 3600),
                 parse_int_range("bantime", r.ban_time_s, 1, 10 * 365 * 24 * 3600),
                 parse_int_range("banscore", r.ban_score, 1, 1'000'000),
                 parse_int_range("maxoutboundconnections", r.max_outbound, 0, 100'000),
                 parse_int_range("pinginterval", r.ping_interval_s, 1, 24 * 3600),
                 parse_int_range("p2phandshaketimeout", r.handshake_timeout_s, 1, 3600)}) {
    if (e) return *e;
  }
  if (!(r.max_accept_rate >= 0)) return std::string("-maxacceptrate must be 0 or more");
  const auto port = r.port == 0 ? c.network.default_port : static_cast<std::uint16_t>(r.port);

  if (!r.uacomment.empty()) c.user_agent = "/bsvpeer:0.1.0(" + r.uacomment + ")/";
  c.services = r.services;
  if (!r.ban_ua.empty()) c.policy.banned_user_agents = r.ban_ua;
  c.policy.allowed_user_agents = r.allow_ua;
  if (r.min_protocol > 0) c.policy.min_protocol_version = r.min_protocol;
  c.policy.ping_interval = std::chrono::seconds(r.ping_interval_s);
  c.policy.handshake_timeout = std::chrono::seconds(r.handshake_timeout_s);
  c.policy.ban_duration = std::chrono::seconds(r.ban_time_s);
  c.policy.ban_threshold = r.ban_score;
  c.policy.reject_mempool_request = r.reject_mempool;

  auto& m = o.manager;
  m.max_connections = static_cast<std::size_t>(r.max_connections);
  // Defaults shrink with a small -maxconnections (as in bitcoind); explicit values are checked.
  const auto at_most_max = [&](const char* name, int value) {
    const auto v = static_cast<std::size_t>(value);
    return vm.count(name) ? v : std::min(v, m.max_connections);
  };
  m.target_outbound = at_most_max("targetoutbound", r.target_outbound);
  if (vm.count("maxoutboundconnections")) {
    if (vm.count("targetoutbound") && r.max_outbound != r.target_outbound) {
      return std::string(
          "-maxoutboundconnections and -targetoutbound are one setting: give one, or equal "
          "values");
    }
    m.target_outbound = static_cast<std::size_t>(r.max_outbound);
  }
  m.max_manual = at_most_max("maxaddnodeconnections", r.max_addnode);
  m.max_inbound_per_ip = static_cast<std::size_t>(r.max_inbound_per_ip);
  m.max_accepts_per_second = r.max_accept_rate;
  // The Manager skips entries it cannot parse: a typo would silently open the node to everyone.
  for (const auto& entry : r.inbound_allow) {
    if (!valid_allow_entry(entry)) return "-inboundallow: not an IP or CIDR: '" + entry + "'";
  }
  m.inbound_allowlist = r.inbound_allow;
  for (const auto& entry : r.whitelist) {
    if (!valid_allow_entry(entry)) return "-whitelist: not an IP or CIDR: '" + entry + "'";
  }
  m.whitelist = r.whitelist;
  for (const auto& text : r.externalip) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(text, ec);
    if (ec) return "-externalip: not an IP address: '" + text + "'";
    m.external_addresses.push_back(address);
  }
  m.min_connected_peers = static_cast<std::size_t>(r.min_connected_peers);
  m.persist_interval = std::chrono::seconds(r.persist_interval_s);
  m.manual_retry = std::chrono::seconds(r.addnode_retry_s);
  m.dial_backoff.max_delay = std::chrono::seconds(r.peer_retry_max_s);
  m.dial_backoff.inaccessible_delay = std::chrono::seconds(r.inaccessible_retry_s);
  if (m.dial_backoff.initial_delay > m.dial_backoff.max_delay) {
    m.dial_backoff.initial_delay = m.dial_backoff.max_delay;
  }
  m.getaddr_on_outbound = r.getaddr;
  m.addr_required_services = r.addr_services;
  m.dns_seeds = r.dns_seed_names;
  m.dns_servers = r.dns_servers;

  for (const auto& s : r.dns_servers) {
    if (!net::parse_endpoint(s, 53)) return "-dnsserver: not an ip[:port]: '" + s + "'";
  }
  // An ip[:port], or with a resolver a host name[:port]; the error names the option.
  const auto peer_endpoint =
      [&](const char* option,
          const std::string& text) -> std::variant<boost::asio::ip::tcp::endpoint, std::string> {
    if (auto ep = net::parse_endpoint(text, c.network.default_port)) return *ep;
    const auto name = resolve ? split_host_name(text) : std::nullopt;
    if (!name) return "-" + std::string(option) + ": not an ip[:port]: '" + text + "'";
    const auto port = net::parse_endpoint(
        "0.0.0.0" + (name->second.empty() ? "" : ":" + name->second), c.network.default_port);
    if (!port) return "-" + std::string(option) + ": bad port in '" + text + "'";
    const auto result = resolve(name->first, r.dns_servers);
    if (result.status != node::ResolveStatus::ok || result.addresses.empty()) {
      return "-" + std::string(option) + ": cannot resolve '" + name->first +
             "': " + std::string(node::to_string(result.status)) +
             (result.message.empty() ? "" : " (" + result.message + ")");
    }
    return boost::asio::ip::tcp::endpoint(result.addresses.front(), port->port());
  };

  const bool connect_given = !r.connect.empty();
  if (connect_given) {
    for (const auto& text : r.connect) {
      if (text == "0") continue;
      auto ep = peer_endpoint("connect", text);
      if (auto* error = std::get_if<std::string>(&ep)) return *error;
      m.fixed_peers.push_back(std::get<boost::asio::ip::tcp::endpoint>(ep));
    }
    // -connect=0 alone (bitcoind's "no automatic connections"): the Manager's fixed mode needs
    // a peer, so stay in the normal mode with no automatic outbound slot; -addnode still works.
    if (m.fixed_peers.empty()) {
      m.target_outbound = 0;
    } else {
      m.mode = node::OutboundMode::fixed;
    }
  }
  m.dns_seed = r.dns_seed && !connect_given;
  m.listen = vm.count("listen") && !vm["listen"].defaulted() ? r.listen : !connect_given;
  for (const auto& text : r.addnode) {
    auto ep = peer_endpoint("addnode", text);
    if (auto* error = std::get_if<std::string>(&ep)) return *error;
    m.manual_peers.push_back(std::get<boost::asio::ip::tcp::endpoint>(ep));
  }
  for (const auto& text : r.seednode) {
    auto ep = peer_endpoint("seednode", text);
    if (auto* error = std::get_if<std::string>(&ep)) return *error;
    m.seed_nodes.push_back(std::get<boost::asio::ip::tcp::endpoint>(ep));
  }
  for (const auto& text : r.bind) {
    auto ep = net::parse_endpoint(text, port);
    if (!ep) return "-bind: not an ip[:port]: '" + text + "'";
    m.listen_endpoints.push_back(*ep);
  }
  if (m.listen_endpoints.empty()) {
    m.listen_endpoints.emplace_back(boost::asio::ip::address_v6::any(), port);
  }
  if (!r.outbound_bind.empty()) {
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(r.outbound_bind, ec);
    if (ec) return "-outboundbind: not an IP address: '" + r.outbound_bind + "'";
    m.outbound_bind_address = address;
  }
  if (auto e = node::manager_config_error(m)) return "invalid configuration: " + *e;
  if (auto e = finish_rpc_options(r.rpc, vm, c.network.id, o.rpc)) return *e;
  return o;
}

std::optional<std::string> reload_error(const Options& current, const Options& next) {
  const auto& a = current.manager.connection.network;
  const auto& b = next.manager.connection.network;
  if (a.id != b.id || a.magic != b.magic) return std::string("the network cannot change");
  if (current.data_dir != next.data_dir) return std::string("the data directory cannot change");
  return std::nullopt;
}

}  // namespace bsvpeer::program
