// Serve mode: the baseline responder. Version gets version+verack, ping gets pong, nothing else:
// the same codec as the client but none of a node's machinery, a floor to measure nodes against.
#include "serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <iostream>
#include <random>
#include <thread>

namespace bsvpeer::load {

namespace {

struct ServeStats {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::atomic<std::uint64_t> handshakes{0};
  std::atomic<std::uint64_t> pongs{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> idle_timeouts{0};
  std::atomic<std::uint64_t> open{0};
};

// One session per connection on its own strand (the watchdog shares it); read, answer, write,
// nothing else: the floor for what a node must do per handshake and per ping.
asio::awaitable<void> serve_session(std::shared_ptr<Connection> c, const Options& o,
                                    const wire::Magic& magic, ServeStats& stats) {
  FrameWriter writer(magic);
  bool got_version = false;
  boost::system::error_code ec;
  c->socket.set_option(tcp::no_delay(true), ec);
  c->deadline = Clock::now() + o.idle_timeout;
  asio::co_spawn(c->socket.get_executor(), watchdog(c), asio::detached);
  std::mt19937_64 random{std::random_device{}()};
  for (;;) {
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec) {
      if (c->timed_out) ++stats.idle_timeouts;
      break;
    }
    auto problem = decode_frames(
        c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
        [&](std::string_view command, wire::ByteSpan payload) -> std::optional<Problem> {
          if (command == wire::Version::kCommand) {
            if (got_version) return Problem{Failure::protocol_error, "second version"};
            got_version = true;
            tcp::endpoint peer = c->socket.remote_endpoint(ec);
            writer.append(c->out, make_version(o.user_agent, peer, random()));
            writer.append(c->out, wire::Verack{});
          } else if (command == wire::Verack::kCommand) {
            ++stats.handshakes;
          } else if (command == wire::Ping::kCommand) {
            auto ping = wire::Ping::decode(payload);
            if (!ping) return Problem{Failure::protocol_error, "bad ping"};
            if (ping->nonce) {
              writer.append(c->out, wire::Pong{*ping->nonce});
              ++stats.pongs;
            }
          }
          return std::nullopt;
        });
    if (problem) {
      ++stats.protocol_errors;
      break;
    }
    if (auto write_ec = co_await flush(*c)) break;
    c->deadline = Clock::now() + o.idle_timeout;
  }
  --stats.open;
  finish(*c, CloseStyle::fin);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::io_context& ioc, const Options& o,
                                  const wire::Magic& magic, ServeStats& stats) {
  asio::steady_timer backoff(ioc);
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::make_strand(ioc), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and the like: report, pause briefly so the loop does not spin, go on.
      if (stats.accept_errors++ == 0) std::cerr << "bsvpeer-load: accept: " << ec.message() << "\n";
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    ++stats.accepted;
    ++stats.open;
    auto c = std::make_shared<Connection>(tcp::socket(std::move(socket)), magic, kServeReadBuffer);
    asio::co_spawn(c->socket.get_executor(), serve_session(c, o, magic, stats), asio::detached);
  }
}

}  // namespace

int serve(const Options& o, const tcp::endpoint& listen_on, const wire::Magic& magic) {
  asio::io_context ioc(static_cast<int>(o.threads));
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(listen_on.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen_on, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "bsvpeer-load: cannot listen on " << listen_on << ": " << ec.message() << "\n";
    return 1;
  }
  ServeStats stats;
  std::cerr << "bsvpeer-load: serving on " << acceptor.local_endpoint() << " magic "
            << wire::magic_to_hex(magic) << ", " << o.threads << " thread(s)" << std::endl;
  asio::co_spawn(ioc, accept_loop(acceptor, ioc, o, magic, stats), asio::detached);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer duration(ioc);
  std::string stopped_by = "signal";
  auto stop = [&] { ioc.stop(); };
  signals.async_wait([&](const boost::system::error_code& e, int) {
    if (!e) stop();
  });
  if (o.duration_s > 0) {
    duration.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s)));
    duration.async_wait([&](const boost::system::error_code& e) {
      if (e) return;
      stopped_by = "duration";
      stop();
    });
  }
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < o.threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  const json j{{"tool", "bsvpeer-load"},
               {"mode", "serve"},
               {"listen", listen_on.address().to_string() + ":" + std::to_string(listen_on.port())},
               {"magic", wire::magic_to_hex(magic)},
               {"threads", o.threads},
               {"stopped_by", stopped_by},
               {"accepted", stats.accepted.load()},
               {"accept_errors", stats.accept_errors.load()},
               {"handshakes", stats.handshakes.load()},
               {"pongs", stats.pongs.load()},
               {"protocol_errors", stats.protocol_errors.load()},
               {"idle_timeouts", stats.idle_timeouts.load()},
               {"open_at_exit", stats.open.load()}};
  std::cout << (o.json ? j.dump() : j.dump(2)) << std::endl;
  return 0;
}

}  // namespace bsvpeer::load
