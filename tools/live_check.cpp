// The live-seed harness (tests/integration/live_seeds.sh runs it): find peers through the
// network's real DNS seeds with c-ares (or take one given node), connect to a few with the
// library, and check what a healthy BSV peer does: handshake, ping/pong, an addr answer to our
// getaddr, a clean disconnect. The peer store is persisted and reloaded, and one report line is
// printed per peer.
//
//   live_check --network main|test|stn|regtest [--node IP:PORT|HOST[:PORT]] [--peers N]
//              [--timeout SECONDS] [--store PATH] [--dns IP:PORT,...] [--seeds NAME,...]
//
// Without --node it resolves the network's DNS seeds (--seeds replaces them, --dns replaces the
// system's DNS servers: tests point both at a local dnsmasq). Exit codes: 0 at least one peer
// passed every step; 1 a peer was reached but misbehaved, or the given node was unreachable;
// 77 no network: no seed answered, or no seed peer could be reached (one "SKIP:" line);
// 2 bad usage.
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/ares_resolver.hpp>
#include <bsvpeer/node/dns_seeder.hpp>
#include <bsvpeer/node/manager.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace bsvpeer;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  net::NetworkId network = net::NetworkId::main;
  std::string node;  // empty: DNS seeds
  std::size_t peers = 3;
  int timeout_s = 60;
  std::filesystem::path store;
  std::vector<std::string> dns;
  std::vector<std::string> seeds;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  bool network_given = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--network") {
      auto n = net::parse_network(value);
      if (!n) return std::nullopt;
      a.network = *n;
      network_given = true;
    } else if (name == "--node") {
      a.node = value;
    } else if (name == "--peers") {
      a.peers = static_cast<std::size_t>(std::max(0, std::atoi(value.c_str())));
    } else if (name == "--timeout") {
      a.timeout_s = std::atoi(value.c_str());
    } else if (name == "--store") {
      a.store = value;
    } else if (name == "--dns") {
      a.dns = split(value);
    } else if (name == "--seeds") {
      a.seeds = split(value);
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || !network_given || a.peers == 0 || a.timeout_s <= 0) return std::nullopt;
  if (a.store.empty()) {
    a.store = std::filesystem::temp_directory_path() /
              ("bsvpeer-live-" + std::string(net::network_name(a.network)) + ".json");
  }
  return a;
}

// The network's seeds, resolved once through c-ares; "why" tells what each seed did.
std::vector<tcp::endpoint> resolve_seeds(boost::asio::io_context& io, const Args& args,
                                         std::string& why) {
  auto config = node::dns_seeder_config(args.network);
  if (!args.seeds.empty()) config.seeds = args.seeds;
  config.resolver.servers = args.dns;
  config.resolver.timeout = std::chrono::seconds(2);
  if (config.seeds.empty()) {
    why = "network " + std::string(net::network_name(args.network)) + " has no DNS seeds";
    return {};
  }
  std::vector<tcp::endpoint> found;
  std::promise<void> round_done;
  node::DnsSeederHandlers handlers;
  handlers.on_discovered = [&](std::vector<tcp::endpoint> endpoints, std::string) {
    found.insert(found.end(), endpoints.begin(), endpoints.end());
  };
  handlers.on_outcome = [&](const node::SeedOutcome& o) {
    why += (why.empty() ? "" : "; ") + o.seed + ": " + std::string(node::to_string(o.status));
  };
  handlers.on_round = [&](const node::SeedRound&) { round_done.set_value(); };
  std::promise<void> stopped;  // the handlers touch our locals: wait until none can run
  handlers.on_stopped = [&] { stopped.set_value(); };
  node::DnsSeeder seeder(io.get_executor(), config, handlers);
  seeder.run_once();
  // c-ares ends every lookup by itself (2 tries, 2 s then 4 s); the margin is for a hang.
  const bool finished =
      round_done.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  seeder.stop();
  stopped.get_future().wait();
  if (!finished) why = "the DNS round did not finish within 20 s";
  return found;
}

// --node: an IP[:port], or a host name resolved through c-ares.
std::optional<tcp::endpoint> resolve_node(boost::asio::io_context& io, const Args& args,
                                          std::string& why) {
  const auto port = net::network_params(args.network).default_port;
  if (auto ep = net::parse_endpoint(args.node, port)) return ep;
  std::string host = args.node;
  std::uint16_t node_port = port;
  if (auto colon = host.rfind(':'); colon != std::string::npos) {
    node_port = static_cast<std::uint16_t>(std::atoi(host.c_str() + colon + 1));
    host.resize(colon);
  }
  node::AresResolverConfig config;
  config.servers = args.dns;
  config.timeout = std::chrono::seconds(2);
  node::AresResolver resolver(io.get_executor(), config);
  std::promise<node::ResolveResult> answer;
  resolver.async_resolve(host, node::AddressFamily::any,
                         [&](node::ResolveResult r) { answer.set_value(std::move(r)); });
  auto result = answer.get_future().get();  // c-ares bounds the lookup (timeout x 3)
  if (result.status != node::ResolveStatus::ok || node_port == 0) {
    why = host + ": " + std::string(node::to_string(result.status)) + " " + result.message;
    return std::nullopt;
  }
  return tcp::endpoint(result.addresses.front(), node_port);
}

// What happened with one peer, step by step.
struct PeerReport {
  std::uint64_t id = 0;
  bool handshake = false, pong = false, addr = false, disconnected = false, failed = false;
  bool unreachable = false;  // the dial itself failed or timed out (no route, no network)
  std::string user_agent, failure;
  std::int32_t version = 0, height = 0;
  std::int64_t ping_us = -1;
  std::size_t addresses = 0;
  Clock::duration handshake_took{};
  bool done() const { return failed || disconnected; }
  bool passed() const { return handshake && pong && addr && disconnected; }
};

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::cerr << "usage: " << argv[0]
              << " --network main|test|stn|regtest [--node IP:PORT] [--peers N] [--timeout S]"
                 " [--store PATH] [--dns IP:PORT,...] [--seeds NAME,...]\n";
    return 2;
  }
  const auto& params = net::network_params(args->network);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread network_thread([&] { io.run(); });
  auto finish = [&](int code) {
    work.reset();
    io.stop();
    network_thread.join();
    return code;
  };

  // 1. Whom to talk to.
  std::vector<tcp::endpoint> candidates;
  std::string why, seeds_line;
  if (!args->node.empty()) {
    auto ep = resolve_node(io, *args, why);
    if (!ep) {
      std::cout << "SKIP: cannot resolve the test node " << why << "\n";
      return finish(77);
    }
    candidates = {*ep};
  } else {
    candidates = resolve_seeds(io, *args, why);
    if (candidates.empty()) {
      std::cout << "SKIP: no DNS seed of " << params.name << " answered (" << why << ")\n";
      return finish(77);
    }
    seeds_line = "seeds: " + std::to_string(candidates.size()) + " addresses (" + why + ")\n";
    std::shuffle(candidates.begin(), candidates.end(), std::mt19937_64{std::random_device{}()});
    if (candidates.size() > args->peers) candidates.resize(args->peers);
  }

  // 2. Connect with the library: fixed-peer mode, no listener, one try per peer.
  node::ManagerConfig config;
  config.connection.network = params;
  config.connection.restart.enabled = false;
  config.mode = node::OutboundMode::fixed;
  config.fixed_peers = candidates;
  config.listen = false;
  config.store_path = args->store;
  std::filesystem::remove(args->store);
  auto manager = node::Manager::create(io.get_executor(), config);
  auto events = manager->subscribe();
  const auto started = Clock::now();
  manager->start();

  std::map<tcp::endpoint, PeerReport> reports;
  for (const auto& c : candidates)
    reports[c];
  const auto deadline = started + std::chrono::seconds(args->timeout_s);
  auto all_done = [&] {
    return std::all_of(reports.begin(), reports.end(), [](auto& r) { return r.second.done(); });
  };
  while (!all_done() && Clock::now() < deadline) {
    for (const auto& event : events->wait(std::chrono::milliseconds(100)).events) {
      std::visit(
          [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, node::ConnectionEstablished>) {
              auto& r = reports[e.peer.endpoint];
              if (r.done()) return;  // a redial after our disconnect
              r.id = e.peer.id;
              r.handshake = true;
              r.handshake_took = Clock::now() - started;
              r.user_agent = e.peer_version.user_agent;
              r.version = e.peer_version.version;
              r.height = e.peer_version.start_height;
              manager->send_message(e.peer.id, wire::GetAddr{});
            } else if constexpr (std::is_same_v<T, node::ConnectionFailed> ||
                                 std::is_same_v<T, node::ConnectionLost>) {
              auto& r = reports[e.peer.endpoint];
              if (r.done()) return;
              const bool ours = std::is_same_v<T, node::ConnectionLost> &&
                                e.reason == conn::DisconnectReason::local_request;
              (ours ? r.disconnected : r.failed) = true;
              if (!ours) r.failure = std::string(conn::to_string(e.reason)) + " " + e.detail;
              r.unreachable = e.reason == conn::DisconnectReason::connect_failed ||
                              e.reason == conn::DisconnectReason::connect_timeout;
            } else if constexpr (std::is_same_v<T, node::MessageEvent>) {
              if (const auto* addr = std::get_if<wire::Addr>(&e.message)) {
                auto& r = reports[e.peer.endpoint];
                r.addr = true;
                r.addresses += addr->entries.size();
              }
            }
          },
          event);
    }
    // Our first ping goes out at the handshake; its pong sets the round trip.
    for (const auto& p : manager->peers()) {
      auto& r = reports[p.identity.endpoint];
      if (p.last_ping_us >= 0 && !r.pong) {
        r.pong = true;
        r.ping_us = p.last_ping_us;
      }
      if (r.handshake && r.pong && r.addr && !r.done() && p.state == conn::PeerState::connected) {
        manager->disconnect(p.identity.id);  // a clean close: ConnectionLost(local_request)
      }
    }
  }

  // 3. Persist the store (shutdown saves it) and read it back.
  manager->shutdown_and_wait();
  peer::PeerStore reloaded;
  const auto load =
      peer::PeerStoreFile(args->store, args->network).load(reloaded, std::time(nullptr));
  const bool store_ok = load.outcome == peer::LoadOutcome::loaded && reloaded.size() > 0;

  // 4. The report (only the SKIP line when no seed peer could be reached: no network).
  std::ostringstream report;
  report << seeds_line;
  std::size_t passed = 0, unreachable = 0;
  for (const auto& [endpoint, r] : reports) {
    report << "peer " << net::endpoint_text(endpoint) << ":";
    if (r.unreachable || (!r.done() && !r.handshake)) ++unreachable;
    if (r.handshake) {
      report << " handshake ok in "
             << std::chrono::duration_cast<std::chrono::milliseconds>(r.handshake_took).count()
             << " ms (" << r.user_agent << ", version " << r.version << ", height " << r.height
             << ")";
    }
    if (r.pong) report << ", pong in " << r.ping_us / 1000.0 << " ms";
    if (r.addr) report << ", addr with " << r.addresses << " addresses";
    if (r.disconnected) report << ", disconnected cleanly";
    if (r.failed) report << (r.handshake ? ", then lost: " : " failed: ") << r.failure;
    if (!r.done())
      report << ", timed out waiting for "
             << (!r.handshake ? "the handshake"
                 : !r.pong    ? "a pong"
                              : "an addr answer");
    report << (r.passed() ? "  PASS" : "  FAIL") << "\n";
    if (r.passed()) ++passed;
  }
  report << "store: " << args->store.string() << " " << peer::to_string(load.outcome) << " with "
         << reloaded.size() << " records\n";
  report << passed << " of " << reports.size() << " peers passed on " << params.name << "\n";
  if (unreachable == reports.size() && args->node.empty()) {
    std::cout << "SKIP: none of " << reports.size() << " seed peers of " << params.name
              << " could be reached (" << reports.begin()->second.failure << "...)\n";
    return finish(77);
  }
  std::cout << report.str();
  return finish(passed > 0 && store_ok ? 0 : 1);
}
