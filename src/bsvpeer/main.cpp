// bsvpeer: a Bitcoin SV peer node. A Manager keeps its connections (automatic outbound from
// the peer store, DNS seeds and gossip; -connect's fixed list; -addnode's manual peers; inbound
// on -bind), persists peers.json in the data directory, and every connection event and message
// is logged with the peer's context. SIGHUP re-reads the options and the config file and
// applies them at run time; SIGINT/SIGTERM stop it gracefully (bounded).
#include "logging.hpp"
#include "metrics_endpoint.hpp"
#include "options.hpp"
#include "rpc/rpc_service.hpp"

#include <bsvpeer/conn/connection_action.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/io_context_pool.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/ostream.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace bsvpeer;
using net::endpoint_text;

namespace {

constexpr const char* kVersion = "0.1.0";

// The connection events the library does not log itself (it logs state changes, the handshake,
// messages, bans, misbehaviour and restarts with the peer's prefix): streamed payloads and
// refused sends, at debug.
conn::EventHandler make_logger(std::shared_ptr<spdlog::logger> log) {
  return [log](const conn::ConnectionEvent& e) {
    if (!log->should_log(spdlog::level::debug)) return;
    const auto* chunk = std::get_if<conn::PayloadChunk>(&e.body);
    const auto* refused = std::get_if<conn::SendRefused>(&e.body);
    if (!chunk && !refused) return;
    const std::string who =
        fmt::format("{} {} #{}", endpoint_text(e.peer.endpoint),
                    e.peer.direction == conn::Direction::outbound ? "out" : "in", e.peer.id);
    if (chunk && (chunk->first || chunk->last)) {
      log->debug("[{}] streamed {} of {} bytes: {}", who, chunk->command, chunk->total_length,
                 chunk->first ? "begin" : (chunk->checksum_ok ? "end" : "end, bad checksum"));
    } else if (refused) {
      log->debug("[{}] not sent {}: {}", who, refused->command, refused->why);
    }
  };
}

// The Manager's control events that the connection tap does not already say.
void log_node_event(spdlog::logger& log, const node::NodeEvent& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, node::DiscoveryResult>) {
          if (e.error.empty()) {
            // One per addr message from gossip: debug, like every per-message line.
            log.log(e.source == "addr" ? spdlog::level::debug : spdlog::level::info,
                    "discovery {}: {} addresses, {} new", e.source, e.found, e.added);
          } else {
            log.warn("discovery {}: {}", e.source, e.error);
          }
        } else if constexpr (std::is_same_v<T, node::PeerUnbanned>) {
          log.info("unbanned {}", e.ip);
        } else {
          // Connections (the library's per-peer lines), refusals, listener up/down, bans,
          // isolation: the library logs these itself, once.
        }
      },
      event);
}

void log_status(spdlog::logger& log, const node::Manager& manager) {
  std::size_t automatic = 0, manual = 0, inbound = 0, handshaking = 0;
  for (const auto& p : manager.peers()) {
    if (p.state != conn::PeerState::connected) {
      ++handshaking;
    } else if (p.identity.direction == conn::Direction::inbound) {
      ++inbound;
    } else if (p.manual) {
      ++manual;
    } else {
      ++automatic;
    }
  }
  const auto h = manager.health();
  log.info(
      "status: slots {}, outbound {} automatic + {} manual, inbound {}, handshaking {}; "
      "store valid {} "
      "unknown {} inaccessible {} banned {}; messages in {} out {}, bytes in {} out {}; "
      "ping mean {} us{}",
      manager.connection_count(), automatic, manual, inbound, handshaking, h.store.valid,
      h.store.unknown, h.store.inaccessible, h.store.banned, h.messages_in, h.messages_out,
      h.bytes_in, h.bytes_out, h.mean_ping_us, h.isolated ? "; ISOLATED" : "");
}

// One node per data directory: a second process would overwrite the first one's peers.json.
class DataDirLock {
 public:
  static std::unique_ptr<DataDirLock> acquire(const std::filesystem::path& dir, std::string& why) {
    const auto path = dir / ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      why = "cannot open " + path.string() + ": " + std::strerror(errno);
      return nullptr;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      why = "cannot lock " + path.string() + ": bsvpeer is probably already running there";
      ::close(fd);
      return nullptr;
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
  }
  ~DataDirLock() { ::close(fd_); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The peers a Manager keeps connected itself: -addnode, and -connect's list in fixed mode.
std::set<tcp::endpoint> kept_peers(const node::ManagerConfig& config) {
  std::set<tcp::endpoint> peers(config.manual_peers.begin(), config.manual_peers.end());
  if (config.mode == node::OutboundMode::fixed) {
    peers.insert(config.fixed_peers.begin(), config.fixed_peers.end());
  }
  return peers;
}

program::LogSettings log_settings(const program::Options& o) {
  return {o.log_level, o.debug_log_file, o.print_to_console, o.shrink_debug_file};
}

std::filesystem::path home_directory() {
  const char* home = std::getenv("HOME");
  return home ? std::filesystem::path(home) : std::filesystem::path();
}
}  // namespace

int main(int argc, char** argv) {
  // Held back until the handlers below exist, so a TERM during startup (store loading) still
  // ends in a graceful stop instead of the default action.
  sigset_t handled_signals;
  sigemptyset(&handled_signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1})
    sigaddset(&handled_signals, s);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

  const auto resolve_names = program::ares_name_resolver();
  auto parsed = program::parse_options(argc, argv, home_directory(), resolve_names);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "bsvpeer: " << *error << "\n(try -help)\n";
    return 2;
  }
  auto options = std::get<program::Options>(std::move(parsed));
  if (options.show_help) {
    std::cout << "bsvpeer " << kVersion << ": a Bitcoin SV peer\n\n" << options.help_text;
    return 0;
  }
  if (options.show_version) {
    std::cout << "bsvpeer " << kVersion << "\n";
    return 0;
  }

  program::ProgramLog program_log(log_settings(options));
  auto log = program_log.log();
  auto connection_log = program_log.connection_log();
  const auto with_loggers = [&](program::Options& o) {
    o.manager.connection.logger = connection_log;
    o.manager.logger = log;
    o.manager.connection_observer = make_logger(log);
  };
  with_loggers(options);

  std::error_code dir_ec;
  std::filesystem::create_directories(options.data_dir, dir_ec);
  if (dir_ec) {
    log->error("cannot create the data directory {}: {}", options.data_dir.string(),
               dir_ec.message());
    return 1;
  }
  std::string lock_error;
  auto lock = DataDirLock::acquire(options.data_dir, lock_error);
  if (!lock) {
    log->error("{}", lock_error);
    return 1;
  }
  if (auto why = program_log.open_file()) {
    log->error("{}", *why);
    return 1;
  }

  const auto& network = options.manager.connection.network;
  log->info("bsvpeer {} on {} (magic {}), user agent {}", kVersion, network.name,
            wire::magic_to_hex(network.magic), options.manager.connection.user_agent);
  log->info("data directory {}{}", options.data_dir.string(),
            options.config_file.empty() ? "" : ", config file " + options.config_file.string());

  // This thread runs the node's control (the Manager, RPC, metrics, signals); the connections
  // run on -iothreads contexts of one thread each (node::IoContextPool). The pool is made
  // first so it is destroyed last: the connections' sockets belong to its contexts.
  // By default one core is left to this thread: every inbound connect is accepted and admitted
  // here, and a connection thread per core as well made the handshake tail 1.3-1.7x longer on
  // 2 cores (benches/README.md, slice 6).
  const unsigned threads = options.io_threads > 0
                               ? options.io_threads
                               : std::max(2u, std::thread::hardware_concurrency()) - 1;
  auto connection_contexts = std::make_shared<node::IoContextPool>(threads);
  asio::io_context ioc(1);
  auto work = asio::make_work_guard(ioc);
  auto manager =
      node::Manager::create(ioc.get_executor(), options.manager, nullptr, connection_contexts);
  // Bound before anything runs (the io_context starts below), so a port in use ends the start
  // cleanly: the operator asked for metrics and would not notice them missing.
  std::shared_ptr<program::HttpServer> metrics_server;
  if (!options.metrics_bind.empty()) {
    metrics_server = program::HttpServer::create(ioc.get_executor(), options.metrics_bind, {},
                                                 program::metrics_handler(manager), log);
    if (auto why = metrics_server->start()) {
      log->error("metrics: {}", *why);
      return 1;
    }
    for (const auto& ep : metrics_server->local_endpoints())
      log->info("metrics on http://{}/metrics", endpoint_text(ep));
  }
  // The node events the program logs itself (discovery, unbans), read every 200 ms on this
  // thread: a thread waiting for them would be woken by every connection's events for nothing.
  auto events = manager->subscribe(node::EventFilter::control);
  const auto log_events = [&] {
    auto batch = events->poll();
    if (batch.lost > 0) log->warn("event log fell behind: {} events not logged", batch.lost);
    for (const auto& e : batch.events)
      log_node_event(*log, e);
  };
  asio::steady_timer event_log_timer(ioc);
  std::function<void()> poll_events = [&] {
    event_log_timer.expires_after(std::chrono::milliseconds(200));
    event_log_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      log_events();
      poll_events();
    });
  };
  poll_events();
  manager->start();

  // The JSON-RPC server, when on; stopped (cookie removed) when the shutdown starts.
  std::unique_ptr<program::rpc::RpcServer> rpc;
  std::atomic<bool> shutting_down{false};
  const auto begin_shutdown = [&](const std::string& why) {
    if (shutting_down.exchange(true)) return;
    log->info("{}: shutting down", why);
    if (rpc) rpc->stop();
    if (metrics_server) metrics_server->stop();
    manager->shutdown([&] {
      work.reset();
      ioc.stop();
    });
  };
  asio::signal_set stop_signals(ioc, SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    begin_shutdown(fmt::format("signal {}", signo));
  });
  // SIGHUP and the RPC's reloadconfig: the options and the config file again, applied to the
  // running node. `options` is read by the RPC's threads too: under options_mutex.
  std::mutex options_mutex;
  const auto reload = [&]() -> std::optional<std::string> {
    std::lock_guard lock(options_mutex);
    // First the log file reopened (logrotate moved it away), whatever the reload brings.
    if (auto why = program_log.reload(log_settings(options))) log->error("{}", *why);
    auto again = program::parse_options(argc, argv, home_directory(), resolve_names);
    if (auto* error = std::get_if<std::string>(&again)) return *error;
    auto& next = std::get<program::Options>(again);
    with_loggers(next);
    if (auto why = program::reload_error(options, next)) return why;
    if (auto refused = manager->update_config(next.manager)) return refused;
    // update_config takes limits and timers; the peers to keep connected are the Manager's own
    // list (filled from the config at start), so apply the difference.
    const auto before = kept_peers(options.manager);
    const auto after = kept_peers(next.manager);
    for (const auto& ep : after) {
      if (!before.count(ep)) manager->add_manual_peer(ep);
    }
    for (const auto& ep : before) {
      if (!after.count(ep)) manager->remove_manual_peer(ep);
    }
    if (next.metrics_bind != options.metrics_bind) {
      log->warn("metrics: a changed -metricsbind applies at the next start");
    }
    options = std::move(next);
    // The new level and destinations.
    if (auto why = program_log.reload(log_settings(options))) log->error("{}", *why);
    log->info("configuration reloaded");
    return std::nullopt;
  };
  asio::signal_set reload_signal(ioc, SIGHUP);
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (auto refused = reload()) log->error("reload refused: {}", *refused);
      wait_reload();
    });
  };
  wait_reload();

  if (options.rpc.enabled) {
    program::rpc::NodeContext context;
    context.manager = manager;
    context.start_time = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    context.facts = [&] {
      std::lock_guard lock(options_mutex);
      const auto& m = options.manager;
      program::rpc::NodeFacts f;
      f.user_agent = m.connection.user_agent;
      f.local_services = m.connection.services;
      f.default_port = m.connection.network.default_port;
      f.default_ban_time =
          std::chrono::duration_cast<std::chrono::seconds>(m.connection.policy.ban_duration);
      f.max_connections = m.max_connections;
      f.target_outbound = m.target_outbound;
      f.max_manual = m.max_manual;
      f.min_connected_peers = m.min_connected_peers;
      f.network = std::string(m.connection.network.name);
      return f;
    };
    // The reply goes out first: the stop begins a moment later.
    auto stop_timer = std::make_shared<asio::steady_timer>(ioc);
    context.request_stop = [&, stop_timer] {
      stop_timer->expires_after(std::chrono::milliseconds(200));
      stop_timer->async_wait([&](const boost::system::error_code& ec) {
        if (!ec) begin_shutdown("RPC stop");
      });
    };
    context.reload = reload;
    auto started = program::rpc::RpcServer::start(ioc.get_executor(), options.rpc, options.data_dir,
                                                  context, log);
    if (auto* error = std::get_if<std::string>(&started)) {
      if (options.rpc.required) {
        log->error("{}", *error);
        // Nothing ran yet (the io_context starts below): no peer to close, no store changed.
        return 1;
      }
      // The defaults only: another node on this host may hold the port.
      log->error("{}; running without JSON-RPC", *error);
    } else {
      rpc = std::move(std::get<0>(started));
    }
  }

  // SIGUSR1: one status line (connections by kind, store counts, traffic), for operators and
  // for tests that run nodes as processes.
  asio::signal_set status_signal(ioc, SIGUSR1);
  std::function<void()> wait_status = [&] {
    status_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      log_status(*log, *manager);
      wait_status();
    });
  };
  wait_status();
  pthread_sigmask(SIG_UNBLOCK, &handled_signals, nullptr);

  connection_contexts->start();
  ioc.run();
  // The Manager's shutdown closed every connection (or gave up on them at its bounded timeout):
  // nothing left on their contexts is waited for.
  connection_contexts->stop();
  connection_contexts->join();
  if (rpc) rpc->stop();
  log_events();
  // A supervisor may send its TERM twice (GNU timeout signals the child, then the group);
  // once the signal_set is gone the default action would turn a clean stop into exit 143.
  // Only this thread is left: block, drop asio's handlers, then ignore (discards pending ones).
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);
  stop_signals.clear();
  reload_signal.clear();
  status_signal.clear();
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1})
    std::signal(s, SIG_IGN);
  log->info("stopped");
  return 0;
}
