// bsvpeer-simnet: a simulated BSV network in one process and one thread. Every node listens on
// its own loopback address (127.a.b.c:PORT, optionally one on [::1]) and answers as a node of
// its role: version/verack, protoconf after the peer's verack, pong for ping, and an addr list
// (pointing at other nodes) for getaddr. Roles:
//   bsv       answers everything at once
//   selfaddr  answers getaddr with its own address alone first, the real list after a delay
//   slow      answers the version and the getaddr only after a delay each
//   bch       a BCH client (banned user agent, no protoconf); its addr list names "hidden"
//             nodes that no one else names, which a crawler must not find
//   btc       Bitcoin Core's user agent, no protoconf, a far higher start height
//   other     an unknown client: neither a BSV agent nor protoconf
//   silent    accepts and never says anything
//   close     reads the version, then closes
//   dead      named in addr lists but nothing listens
//   hidden    a BSV node named only by bch nodes
// The scenario comes from --seed and the sizes (or --scenario FILE, the same JSON that
// --truth writes). The truth file lists every node with its role, addr list, whether a
// crawler starting at the seeds can reach it (following addr answers of BSV nodes only) and
// the verdict it should give. On SIGINT/SIGTERM it prints its counters as one JSON line.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <nlohmann/json.hpp>

#include <deque>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sys/resource.h>

namespace asio = boost::asio;
namespace wire = bsvpeer::wire;
namespace net = bsvpeer::net;
using asio::ip::tcp;
using nlohmann::json;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Node {
  std::string ip;
  std::string role;
  std::vector<std::size_t> addrs;  // indices of the nodes its addr answer names
  std::int32_t height = 0;
};

struct Scenario {
  std::uint16_t port = 18444;
  std::vector<Node> nodes;
  std::vector<std::size_t> seeds;
};

struct Options {
  std::size_t nodes = 100;
  std::uint64_t seed = 1;
  std::uint16_t port = 18444;
  int base = 1;  // addresses 127.<base + i/62500>.<(i/250)%250>.<i%250+1>
  std::string network = "regtest";
  double bch = 0.05, btc = 0.03, other = 0.03, silent = 0.03, slow = 0.03, close = 0.03,
         selfaddr = 0.05, dead = 0.04, hidden = 0.03;
  std::size_t seeds = 2;
  std::size_t fanout = 6;
  int slow_ms = 400;
  int self_delay_ms = 200;
  bool ipv6 = true;
  std::string scenario_file, truth_file, ready_file;
};

std::string ip_of(const Options& o, std::size_t i) {
  return "127." + std::to_string(o.base + static_cast<int>(i / 62500)) + "." +
         std::to_string((i / 250) % 250) + "." + std::to_string(i % 250 + 1);
}

bool follows(const std::string& role) {
  return role == "bsv" || role == "selfaddr" || role == "slow" || role == "hidden";
}

std::pair<std::string, std::string> expected_verdict(const std::string& role) {
  if (follows(role)) return {"bsv", "bsv"};
  if (role == "bch") return {"bch", "bch_user_agent"};
  if (role == "btc") return {"btc", "btc_user_agent"};
  if (role == "other") return {"unknown", "no_bsv_evidence"};
  if (role == "silent") return {"unreachable", "handshake_timeout"};
  if (role == "close") return {"unreachable", "peer_closed"};
  return {"unreachable", "connect_failed"};
}

Scenario generate(const Options& o) {
  Scenario s;
  s.port = o.port;
  std::mt19937_64 rng(o.seed);
  const std::size_t n = o.nodes;
  std::vector<std::string> roles;
  auto put = [&](const char* role, double fraction) {
    const auto k = static_cast<std::size_t>(fraction * static_cast<double>(n) + 0.5);
    for (std::size_t i = 0; i < k; ++i)
      roles.push_back(role);
  };
  put("bch", o.bch);
  put("btc", o.btc);
  put("other", o.other);
  put("silent", o.silent);
  put("slow", o.slow);
  put("close", o.close);
  put("selfaddr", o.selfaddr);
  put("dead", o.dead);
  put("hidden", o.hidden);
  while (roles.size() < n)
    roles.push_back("bsv");
  roles.resize(n);
  // The first `seeds` nodes are plain BSV nodes; the rest in random order.
  std::shuffle(roles.begin(), roles.end(), rng);
  for (std::size_t i = 0; i < std::min(o.seeds, n); ++i) {
    auto it = std::find(roles.begin() + static_cast<std::ptrdiff_t>(i), roles.end(), "bsv");
    if (it != roles.end()) std::swap(roles[i], *it);
  }
  for (std::size_t i = 0; i < n; ++i) {
    Node node{ip_of(o, i), roles[i], {}, 800000 + static_cast<std::int32_t>(rng() % 4)};
    if (node.role == "btc") node.height = 870000;
    s.nodes.push_back(node);
  }
  if (o.ipv6 && n > 0) s.nodes.push_back(Node{"::1", "bsv", {}, 800001});
  const std::size_t total = s.nodes.size();
  std::vector<std::size_t> followers, hidden, visible;
  for (std::size_t i = 0; i < total; ++i) {
    const auto& r = s.nodes[i].role;
    if (r == "hidden")
      hidden.push_back(i);
    else
      visible.push_back(i);
    if (follows(r) && r != "hidden") followers.push_back(i);
  }
  std::uniform_int_distribution<std::size_t> pick(0, visible.empty() ? 0 : visible.size() - 1);
  for (std::size_t i = 0; i < total; ++i) {
    Node& node = s.nodes[i];
    std::set<std::size_t> addrs;
    if (node.role == "bch") {
      for (auto h : hidden)
        addrs.insert(h);
    } else if (node.role == "hidden") {
      for (auto h : hidden)
        if (h != i) addrs.insert(h);
    }
    const std::size_t want = 2 + rng() % std::max<std::size_t>(1, o.fanout - 1);
    while (addrs.size() < want && !visible.empty())
      addrs.insert(visible[pick(rng)]);
    node.addrs.assign(addrs.begin(), addrs.end());
  }
  // A chain through the BSV followers so every visible node can be reached from the seeds.
  for (std::size_t k = 0; k + 1 < followers.size(); ++k) {
    s.nodes[followers[k]].addrs.push_back(followers[k + 1]);
  }
  for (std::size_t k = 0; k < visible.size(); ++k) {
    if (followers.empty()) break;
    auto& list = s.nodes[followers[k % followers.size()]].addrs;
    if (std::find(list.begin(), list.end(), visible[k]) == list.end()) list.push_back(visible[k]);
  }
  for (std::size_t i = 0; i < std::min(o.seeds, total); ++i)
    s.seeds.push_back(i);
  return s;
}

std::string endpoint_text(const std::string& ip, std::uint16_t port) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]:" + std::to_string(port)
                                           : ip + ":" + std::to_string(port);
}

json truth_of(const Scenario& s) {
  // Breadth first, as the crawler: only BSV nodes' addr answers are followed.
  std::vector<bool> reached(s.nodes.size(), false);
  std::deque<std::size_t> queue;
  for (auto i : s.seeds) {
    if (!reached[i]) {
      reached[i] = true;
      queue.push_back(i);
    }
  }
  while (!queue.empty()) {
    auto i = queue.front();
    queue.pop_front();
    if (!follows(s.nodes[i].role)) continue;
    for (auto j : s.nodes[i].addrs) {
      if (!reached[j]) {
        reached[j] = true;
        queue.push_back(j);
      }
    }
  }
  json nodes = json::array();
  json counts = json::object();
  std::size_t reachable = 0;
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const auto& n = s.nodes[i];
    auto [verdict, code] = expected_verdict(n.role);
    json addrs = json::array();
    for (auto j : n.addrs)
      addrs.push_back(endpoint_text(s.nodes[j].ip, s.port));
    nodes.push_back(json{{"address", endpoint_text(n.ip, s.port)},
                         {"ip", n.ip},
                         {"role", n.role},
                         {"height", n.height},
                         {"listening", n.role != "dead"},
                         {"reachable", static_cast<bool>(reached[i])},
                         {"verdict", verdict},
                         {"verdict_code", code},
                         {"addrs", addrs}});
    if (reached[i]) {
      ++reachable;
      counts[verdict] = counts.value(verdict, 0) + 1;
    }
  }
  json seeds = json::array();
  for (auto i : s.seeds)
    seeds.push_back(endpoint_text(s.nodes[i].ip, s.port));
  return json{{"port", s.port},
              {"seeds", seeds},
              {"reachable", reachable},
              {"expected_counts", counts},
              {"nodes", nodes}};
}

Scenario scenario_from(const json& j) {
  Scenario s;
  s.port = j.at("port").get<std::uint16_t>();
  std::map<std::string, std::size_t> index;
  for (const auto& n : j.at("nodes")) {
    index[n.at("address").get<std::string>()] = s.nodes.size();
    s.nodes.push_back(Node{n.at("ip").get<std::string>(),
                           n.at("role").get<std::string>(),
                           {},
                           n.value("height", 800000)});
  }
  std::size_t i = 0;
  for (const auto& n : j.at("nodes")) {
    for (const auto& a : n.at("addrs"))
      s.nodes[i].addrs.push_back(index.at(a.get<std::string>()));
    ++i;
  }
  for (const auto& seed : j.at("seeds"))
    s.seeds.push_back(index.at(seed.get<std::string>()));
  return s;
}

struct Stats {
  std::uint64_t accepted = 0, open = 0, max_open = 0, getaddr = 0, versions = 0;
  std::map<std::string, std::uint64_t> by_role;
};

struct Net {
  asio::io_context& ioc;
  Scenario scenario;
  wire::Magic magic;
  int slow_ms, self_delay_ms;
  Stats stats;
};

void append(wire::Bytes& out, const wire::Magic& magic, const wire::Message& m) {
  const auto payload = wire::encode_payload(m);
  (void)wire::append_frame(out, magic, wire::command_of(m), payload);
}

wire::NetAddress net_address(const std::string& ip, std::uint16_t port, std::uint64_t services) {
  wire::NetAddress a;
  a.services = services;
  a.ip = *wire::NetAddress::parse_ip(ip);
  a.port = port;
  return a;
}

wire::Addr addr_of(Net& net, const std::vector<std::size_t>& indices) {
  wire::Addr addr;
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  for (auto j : indices) {
    addr.entries.push_back(
        wire::TimedNetAddress{now, net_address(net.scenario.nodes[j].ip, net.scenario.port, 1)});
  }
  return addr;
}

asio::awaitable<void> pause(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(std::chrono::milliseconds(ms));
  co_await t.async_wait(kTuple);
}

asio::awaitable<void> session(Net& net, std::size_t index, tcp::socket socket) {
  const Node& node = net.scenario.nodes[index];
  ++net.stats.accepted;
  ++net.stats.by_role[node.role];
  net.stats.max_open = std::max(net.stats.max_open, ++net.stats.open);
  struct Closer {
    Net& net;
    ~Closer() { --net.stats.open; }
  } closer{net};
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  wire::FrameDecoder decoder(net.magic);
  std::array<std::uint8_t, 16384> buffer;
  // Bounded: a session lives at most a minute, whatever the peer does.
  asio::steady_timer life(socket.get_executor());
  life.expires_after(std::chrono::seconds(60));
  life.async_wait([&socket](boost::system::error_code e) {
    if (!e) socket.close();
  });
  std::mt19937_64 rng(index * 7919 + 1);
  for (;;) {
    auto [read_ec, n] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
    if (read_ec) break;
    if (node.role == "silent") continue;
    wire::ByteSpan input(buffer.data(), n);
    wire::Bytes out;
    bool close_now = false;
    for (;;) {
      auto outcome = decoder.next(input);
      if (outcome.kind == wire::FrameDecoder::Kind::need_more) break;
      if (outcome.kind == wire::FrameDecoder::Kind::fatal) {
        close_now = true;
        break;
      }
      if (outcome.kind != wire::FrameDecoder::Kind::frame) continue;
      const auto& command = decoder.header().command;
      auto decoded = wire::decode_payload(command, decoder.payload());
      if (!decoded) continue;
      if (command == "version") {
        ++net.stats.versions;
        if (node.role == "close") {
          close_now = true;
          break;
        }
        if (node.role == "slow") co_await pause(net.slow_ms / 2);
        wire::Version v;
        v.version = 70016;
        v.services = node.role == "other" ? 0 : 1;
        v.timestamp = std::time(nullptr);
        v.nonce = rng() | 1;
        v.user_agent = node.role == "bch"     ? "/Bitcoin ABC:0.22.0(EB32.0)/"
                       : node.role == "btc"   ? "/Satoshi:25.0.0/"
                       : node.role == "other" ? "/Gocoin:1.10.3/"
                                              : "/Bitcoin SV:1.1.0/";
        v.start_height = node.height;
        v.relay = true;
        append(out, net.magic, v);
        append(out, net.magic, wire::Verack{});
      } else if (command == "verack") {
        if (follows(node.role)) append(out, net.magic, wire::Protoconf{});
      } else if (command == "ping") {
        const auto& ping = std::get<wire::Ping>(*decoded);
        if (ping.nonce) append(out, net.magic, wire::Pong{*ping.nonce});
      } else if (command == "getaddr") {
        ++net.stats.getaddr;
        if (!out.empty()) {
          co_await asio::async_write(socket, asio::buffer(out), kTuple);
          out.clear();
        }
        if (node.role == "selfaddr") {
          append(out, net.magic, addr_of(net, {index}));
          auto [we, wn] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
          out.clear();
          if (we) co_return;
          co_await pause(net.self_delay_ms);
        } else if (node.role == "slow") {
          co_await pause(net.slow_ms / 2);
        }
        append(out, net.magic, addr_of(net, node.addrs));
      }
    }
    if (!out.empty()) {
      auto [we, wn] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
      if (we) break;
    }
    if (close_now) break;
  }
  life.cancel();
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

asio::awaitable<void> accept_loop(Net& net, std::size_t index, tcp::acceptor acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      co_await pause(10);  // EMFILE and the like: do not spin
      continue;
    }
    asio::co_spawn(net.ioc, session(net, index, std::move(socket)), asio::detached);
  }
}

int usage(const std::string& why) {
  std::cerr << "bsvpeer-simnet: " << why << " (see --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
    } else if (a != "--help" && i + 1 < args.size()) {
      value = args[++i];
    }
    try {
      if (a == "--help") {
        std::cout << "usage: bsvpeer-simnet [--nodes N=100] [--seed S=1] [--port P=18444]\n"
                     "  [--base B=1] [--network regtest] [--seeds K=2] [--fanout F=6]\n"
                     "  [--bch|--btc|--other|--silent|--slow|--close|--selfaddr|--dead|--hidden "
                     "FRACTION]\n  [--slow-ms 400] [--self-delay-ms 200] [--ipv6 1]\n"
                     "  [--scenario FILE] [--truth FILE] [--ready FILE]\n";
        return 0;
      } else if (a == "--nodes")
        o.nodes = std::stoul(value);
      else if (a == "--seed")
        o.seed = std::stoull(value);
      else if (a == "--port")
        o.port = static_cast<std::uint16_t>(std::stoul(value));
      else if (a == "--base")
        o.base = std::stoi(value);
      else if (a == "--network")
        o.network = value;
      else if (a == "--seeds")
        o.seeds = std::stoul(value);
      else if (a == "--fanout")
        o.fanout = std::max<std::size_t>(2, std::stoul(value));
      else if (a == "--bch")
        o.bch = std::stod(value);
      else if (a == "--btc")
        o.btc = std::stod(value);
      else if (a == "--other")
        o.other = std::stod(value);
      else if (a == "--silent")
        o.silent = std::stod(value);
      else if (a == "--slow")
        o.slow = std::stod(value);
      else if (a == "--close")
        o.close = std::stod(value);
      else if (a == "--selfaddr")
        o.selfaddr = std::stod(value);
      else if (a == "--dead")
        o.dead = std::stod(value);
      else if (a == "--hidden")
        o.hidden = std::stod(value);
      else if (a == "--slow-ms")
        o.slow_ms = std::stoi(value);
      else if (a == "--self-delay-ms")
        o.self_delay_ms = std::stoi(value);
      else if (a == "--ipv6")
        o.ipv6 = value != "0";
      else if (a == "--scenario")
        o.scenario_file = value;
      else if (a == "--truth")
        o.truth_file = value;
      else if (a == "--ready")
        o.ready_file = value;
      else
        return usage("unknown option " + a);
    } catch (const std::exception&) {
      return usage("bad value '" + value + "' for " + a);
    }
  }
  const auto network = net::parse_network(o.network);
  if (!network) return usage("unknown network " + o.network);
  if (o.nodes == 0 || o.nodes > 1'000'000) return usage("--nodes must be 1..1000000");

  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }

  Scenario scenario;
  if (!o.scenario_file.empty()) {
    std::ifstream in(o.scenario_file);
    if (!in) return usage("cannot read " + o.scenario_file);
    try {
      scenario = scenario_from(json::parse(in));
    } catch (const std::exception& e) {
      return usage(o.scenario_file + ": " + e.what());
    }
  } else {
    scenario = generate(o);
  }
  const json truth = truth_of(scenario);
  if (!o.truth_file.empty()) {
    std::ofstream(o.truth_file) << truth.dump(1) << "\n";
  }

  asio::io_context ioc(1);
  Net net{ioc, scenario, net::network_params(*network).magic, o.slow_ms, o.self_delay_ms, {}};
  std::size_t listening = 0;
  for (std::size_t i = 0; i < scenario.nodes.size(); ++i) {
    const auto& node = scenario.nodes[i];
    if (node.role == "dead") continue;
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(node.ip), scenario.port);
    tcp::acceptor acceptor(ioc);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(1024, ec);
    if (ec) {
      std::cerr << "bsvpeer-simnet: cannot listen on " << endpoint << ": " << ec.message() << "\n";
      return 1;
    }
    ++listening;
    asio::co_spawn(ioc, accept_loop(net, i, std::move(acceptor)), asio::detached);
  }
  if (!o.ready_file.empty()) {
    std::ofstream(o.ready_file) << listening << "\n";
  }
  std::cerr << "bsvpeer-simnet: " << scenario.nodes.size() << " nodes, " << listening
            << " listening on port " << scenario.port << ", " << truth["reachable"]
            << " reachable from the seeds" << std::endl;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { ioc.stop(); });
  ioc.run();
  json roles = json::object();
  for (auto& [role, count] : net.stats.by_role)
    roles[role] = count;
  std::cout << json{{"accepted", net.stats.accepted},
                    {"max_open", net.stats.max_open},
                    {"versions", net.stats.versions},
                    {"getaddr", net.stats.getaddr},
                    {"accepted_by_role", roles}}
                   .dump()
            << std::endl;
  return 0;
}
