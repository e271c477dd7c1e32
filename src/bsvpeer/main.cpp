// bsvpeer: a Bitcoin SV peer node. A Manager keeps its connections (automatic outbound from
// the peer store, DNS seeds and gossip; -connect's fixed list; -addnode's manual peers; inbound
// on -bind), persists peers.json in the data directory, and every connection event and message
// is logged with the peer's context. SIGHUP re-reads the options and the config file and
// applies them at run time; SIGINT/SIGTERM stop it gracefully (bounded).
#include "options.hpp"

#include <bsvpeer/conn/connection_action.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/ostream.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
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

conn::EventHandler make_logger(std::shared_ptr<spdlog::logger> log) {
  return [log](const conn::ConnectionEvent& e) {
    const std::string who =
        fmt::format("{} {} #{}", endpoint_text(e.peer.endpoint),
                    e.peer.direction == conn::Direction::outbound ? "out" : "in", e.peer.id);
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, conn::StateChanged>) {
            if (body.reason) {
              log->info("[{}] state {} -> {} ({}{}{})", who, to_string(body.from),
                        to_string(body.to), to_string(*body.reason),
                        body.detail.empty() ? "" : ": ", body.detail);
            } else {
              log->info("[{}] state {} -> {}", who, to_string(body.from), to_string(body.to));
            }
          } else if constexpr (std::is_same_v<T, conn::HandshakeDone>) {
            log->info("[{}] handshake done: version {} services {:#x} user agent '{}' height {}",
                      who, body.peer_version.version, body.peer_version.services,
                      body.peer_version.user_agent, body.peer_version.start_height);
          } else if constexpr (std::is_same_v<T, conn::MessageReceived>) {
            log->info("[{}] recv {}", who, conn::describe(body.message));
          } else if constexpr (std::is_same_v<T, conn::BanRequested>) {
            log->warn("[{}] ban requested: {} ({})", who, to_string(body.reason), body.detail);
          } else if constexpr (std::is_same_v<T, conn::PayloadChunk>) {
            if (body.first || body.last) {
              log->info("[{}] streamed {} of {} bytes: {}", who, body.command, body.total_length,
                        body.first ? "begin" : (body.checksum_ok ? "end" : "end, bad checksum"));
            }
          } else if constexpr (std::is_same_v<T, conn::Misbehaviour>) {
            log->warn("[{}] misbehaving +{} (score {}): {}", who, body.points, body.score,
                      body.reason);
          } else if constexpr (std::is_same_v<T, conn::RestartScheduled>) {
            log->info("[{}] restart {} in {} ms", who, body.restart_count,
                      std::chrono::duration_cast<std::chrono::milliseconds>(body.delay).count());
          } else if constexpr (std::is_same_v<T, conn::SendRefused>) {
            log->warn("[{}] not sent {}: {}", who, body.command, body.why);
          }
        },
        e.body);
  };
}

// The Manager's control events that the connection tap does not already say.
void log_node_event(spdlog::logger& log, const node::NodeEvent& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, node::ConnectionRejected>) {
          log.info("refused inbound {}: {}", endpoint_text(e.endpoint), e.why);
        } else if constexpr (std::is_same_v<T, node::DiscoveryResult>) {
          if (e.error.empty()) {
            log.info("discovery {}: {} addresses, {} new", e.source, e.found, e.added);
          } else {
            log.warn("discovery {}: {}", e.source, e.error);
          }
        } else if constexpr (std::is_same_v<T, node::PeerUnbanned>) {
          log.info("unbanned {}", e.ip);
        } else if constexpr (std::is_same_v<T, node::ConnectionEstablished> ||
                             std::is_same_v<T, node::ConnectionFailed> ||
                             std::is_same_v<T, node::ConnectionLost>) {
          // Said by the connection tap already (state lines).
        } else {
          // Listener up/down, bans, isolation: the Manager logs these itself.
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

  auto log = std::make_shared<spdlog::logger>(
      "bsvpeer", std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  const auto level = spdlog::level::from_str(options.log_level);
  log->set_level(level);
  log->flush_on(spdlog::level::trace);
  // The library logs its own view of each connection; at the default level the tap's lines
  // say the same, so connections speak only from -debug on (or when something goes wrong).
  auto connection_log = log->clone("bsvpeer.conn");
  connection_log->set_level(level <= spdlog::level::debug ? level : spdlog::level::warn);
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

  const auto& network = options.manager.connection.network;
  log->info("bsvpeer {} on {} (magic {}), user agent {}", kVersion, network.name,
            wire::magic_to_hex(network.magic), options.manager.connection.user_agent);
  log->info("data directory {}{}", options.data_dir.string(),
            options.config_file.empty() ? "" : ", config file " + options.config_file.string());

  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  auto manager = node::Manager::create(ioc.get_executor(), options.manager);
  auto events = manager->subscribe(node::EventFilter::control);
  std::atomic<bool> events_done{false};
  std::thread event_logger([&] {
    while (!events_done.load()) {
      auto batch = events->wait(std::chrono::milliseconds(200));
      if (batch.lost > 0) log->warn("event log fell behind: {} events not logged", batch.lost);
      for (const auto& e : batch.events)
        log_node_event(*log, e);
    }
  });
  manager->start();

  asio::signal_set stop_signals(ioc, SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log->info("signal {}: shutting down", signo);
    manager->shutdown([&] {
      work.reset();
      ioc.stop();
    });
  });
  // SIGHUP: the options and the config file again, applied to the running node.
  asio::signal_set reload_signal(ioc, SIGHUP);
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      auto again = program::parse_options(argc, argv, home_directory(), resolve_names);
      if (auto* error = std::get_if<std::string>(&again)) {
        log->error("reload refused: {}", *error);
      } else {
        auto& next = std::get<program::Options>(again);
        with_loggers(next);
        if (auto why = program::reload_error(options, next)) {
          log->error("reload refused: {}", *why);
        } else if (auto refused = manager->update_config(next.manager)) {
          log->error("reload refused: {}", *refused);
        } else {
          // update_config takes limits and timers; the peers to keep connected are the
          // Manager's own list (filled from the config at start), so apply the difference.
          const auto before = kept_peers(options.manager);
          const auto after = kept_peers(next.manager);
          for (const auto& ep : after) {
            if (!before.count(ep)) manager->add_manual_peer(ep);
          }
          for (const auto& ep : before) {
            if (!after.count(ep)) manager->remove_manual_peer(ep);
          }
          options = std::move(next);
          log->info("configuration reloaded");
        }
      }
      wait_reload();
    });
  };
  wait_reload();

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

  const unsigned threads = options.io_threads > 0
                               ? options.io_threads
                               : std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  events_done = true;
  event_logger.join();
  for (const auto& e : events->poll().events)
    log_node_event(*log, e);
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
