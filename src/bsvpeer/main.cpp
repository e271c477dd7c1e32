// bsvpeer: connects to and/or accepts BSV peers, completes the handshake, answers pings and
// logs every event and message with the peer's context, until Ctrl-C. It is how anyone checks
// interop by hand against another node, and what the integration tests drive.
#include "options.hpp"

#include <bsvpeer/conn/connection_action.hpp>
#include <bsvpeer/conn/peer_connection.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ostream.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace bsvpeer;

namespace {

constexpr const char* kVersion = "0.1.0";

// Every live connection, so Ctrl-C can close them all.
class ConnectionSet {
 public:
  void add(std::shared_ptr<conn::PeerConnection> c) {
    std::lock_guard lock(mutex_);
    std::erase_if(connections_, [](const auto& x) { return x->finished(); });
    connections_.push_back(std::move(c));
  }
  void disconnect_all() {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_)
      c->disconnect(conn::DisconnectReason::shutdown);
  }
  bool all_finished() {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) {
      if (!c->finished()) return false;
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<conn::PeerConnection>> connections_;
};

std::string endpoint_text(const tcp::endpoint& ep) {
  std::ostringstream os;
  os << ep;
  return os.str();
}

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

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::io_context& ioc,
                                  const conn::ConnectionConfig& config, conn::EventHandler on_event,
                                  ConnectionSet& connections, std::atomic<std::uint64_t>& next_id,
                                  std::shared_ptr<conn::NonceRegistry> nonces,
                                  std::shared_ptr<spdlog::logger> log) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::make_strand(ioc), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      log->warn("accept failed: {}", ec.message());
      continue;
    }
    auto c = conn::PeerConnection::inbound(std::move(socket), config, on_event, nonces, next_id++);
    connections.add(c);
    c->start();
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = program::parse_options(argc, argv);
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
  log->set_level(spdlog::level::from_str(options.log_level));
  log->flush_on(spdlog::level::trace);
  // The library logs its own view of each connection; at the default level the events below
  // say the same, so the library speaks only from -debug on (or when something goes wrong).
  auto library_log = log->clone("bsvpeer.conn");
  const auto level = spdlog::level::from_str(options.log_level);
  library_log->set_level(level <= spdlog::level::debug ? level : spdlog::level::warn);
  options.connection.logger = library_log;

  asio::io_context ioc;
  ConnectionSet connections;
  std::atomic<std::uint64_t> next_id{1};
  auto nonces = std::make_shared<conn::NonceRegistry>();
  auto on_event = make_logger(log);

  log->info("bsvpeer {} on {} (magic {}), user agent {}", kVersion, options.connection.network.name,
            wire::magic_to_hex(options.connection.network.magic), options.connection.user_agent);

  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  if (options.listen) {
    std::vector<tcp::endpoint> endpoints;
    for (const auto& b : options.bind)
      endpoints.push_back(*program::parse_endpoint(b, options.port));
    if (endpoints.empty()) endpoints.emplace_back(asio::ip::address_v6::any(), options.port);
    for (const auto& ep : endpoints) {
      auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(ioc));
      boost::system::error_code ec;
      acceptor->open(ep.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
      if (!ec) acceptor->bind(ep, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        log->error("cannot listen on {}: {}", endpoint_text(ep), ec.message());
        return 1;
      }
      log->info("listening on {}", endpoint_text(acceptor->local_endpoint()));
      asio::co_spawn(acceptor->get_executor(),
                     accept_loop(*acceptor, ioc, options.connection, on_event, connections, next_id,
                                 nonces, log),
                     asio::detached);
      acceptors.push_back(std::move(acceptor));
    }
  }
  for (const auto& c : options.connect) {
    auto ep = *program::parse_endpoint(c, options.port);
    auto peer = conn::PeerConnection::outbound(ioc.get_executor(), ep, options.connection, on_event,
                                               nonces, next_id++);
    connections.add(peer);
    peer->start();
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer shutdown_deadline(ioc);
  std::function<void(int)> poll_shutdown;  // lives until main returns; no self-reference
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log->info("signal {}: shutting down", signo);
    for (auto& a : acceptors) {
      asio::post(a->get_executor(), [&a] {
        boost::system::error_code ignored;
        a->close(ignored);
      });
    }
    connections.disconnect_all();
    // Bounded: give the actors up to 3 s to close, polling their finished flags.
    poll_shutdown = [&](int left) {
      if (connections.all_finished() || left == 0) {
        ioc.stop();
        return;
      }
      shutdown_deadline.expires_after(std::chrono::milliseconds(50));
      shutdown_deadline.async_wait(
          [&, left](const boost::system::error_code&) { poll_shutdown(left - 1); });
    };
    poll_shutdown(60);
  });

  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  // A supervisor may send its TERM twice (GNU timeout signals the child, then the group);
  // once the signal_set is gone the default action would turn a clean stop into exit 143.
  // Only this thread is left: block, drop asio's handlers, then ignore (discards pending ones).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signals.clear();
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  log->info("stopped");
  return 0;
}
