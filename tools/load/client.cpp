// The steps every client mode is made of: connect and handshake, answer pings while held, close.
#include "client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <tuple>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux >= 4.2; older glibc headers lack the name
#endif

namespace bsvpeer::load {

// Why a read or write on a client connection failed, given what we were doing.
Problem io_problem(const Connection& c, const boost::system::error_code& ec, Failure on_close,
                   Failure on_timeout, const std::string& doing) {
  if (c.aborted) return {Failure::aborted, doing + ": run stopped"};
  if (c.timed_out) return {on_timeout, doing + ": no answer within the timeout"};
  return {on_close, with_ec(doing, ec)};
}

// Messages every client connection handles the same way: version, verack, the peer's pings,
// reject. Others (protoconf, sendheaders, ...) need no answer from a peer that serves nothing.
std::optional<Problem> on_client_frame(Run& run, Connection& c, ClientState& s,
                                       std::string_view command, wire::ByteSpan payload) {
  if (command == wire::Ping::kCommand) {
    auto ping = wire::Ping::decode(payload);
    if (!ping) return Problem{Failure::protocol_error, "bad ping: " + ping.error().message()};
    // BIP31: a ping with a nonce wants a pong; our version is 70016, so the peer sends one.
    if (ping->nonce) {
      run.writer.append(c.out, wire::Pong{*ping->nonce});
      ++run.peer_pings_answered;
    }
    return std::nullopt;
  }
  if (command == wire::Pong::kCommand) {
    ++run.pongs_received;
    return std::nullopt;
  }
  if (command == wire::Version::kCommand) {
    if (s.got_version) return Problem{Failure::protocol_error, "second version"};
    auto version = wire::Version::decode(payload);
    if (!version) {
      return Problem{Failure::protocol_error, "bad version: " + version.error().message()};
    }
    s.got_version = true;
    s.peer = {version->version, version->user_agent, version->services};
    run.writer.append(c.out, wire::Verack{});
    s.sent_verack = true;  // queued; the caller writes it before calling the handshake done
    return std::nullopt;
  }
  if (command == wire::Verack::kCommand) {
    if (s.got_verack) return Problem{Failure::protocol_error, "second verack"};
    if (!s.got_version) return Problem{Failure::protocol_error, "verack before version"};
    s.got_verack = true;
    return std::nullopt;
  }
  if (command == wire::Reject::kCommand) {
    auto reject = wire::Reject::decode(payload);
    if (!reject) return Problem{Failure::peer_reject, "undecodable reject"};
    return Problem{Failure::peer_reject, "reject of '" + reject->message + "' code " +
                                             std::to_string(reject->code) + ": " + reject->reason};
  }
  return std::nullopt;
}

void bind_source(Run& run, Connection& c, std::uint64_t index, boost::system::error_code& ec) {
  c.socket.open(run.target.protocol(), ec);
  if (ec || run.sources.empty()) return;
  // Without this, bind() picks the port before the destination is known, so each source address
  // would still be limited to one connection per ephemeral port across all destinations.
  const int one = 1;
  ::setsockopt(c.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  c.socket.bind(tcp::endpoint(run.sources[index % run.sources.size()], 0), ec);
}

// Connects and completes the handshake. Returns the latency from the start of connect() to the
// handshake being complete on our side, or nullopt after counting the failure.
asio::awaitable<std::optional<Clock::duration>> handshake(Run& run, std::shared_ptr<Connection> c,
                                                          ClientState& s, std::uint64_t index) {
  const auto started = Clock::now();
  c->deadline = started + run.options.timeout;
  boost::system::error_code ec;
  bind_source(run, *c, index, ec);
  if (ec) {
    run.failures.add(Failure::connect_error, with_ec("socket/bind", ec));
    finish(*c, run.options.close);
    co_return std::nullopt;
  }
  std::tie(ec) = co_await c->socket.async_connect(run.target, kUseTuple);
  if (ec) {
    Failure kind = Failure::connect_error;
    if (c->aborted) {
      kind = Failure::aborted;
    } else if (c->timed_out) {
      kind = Failure::connect_timeout;
    } else if (ec == asio::error::connection_refused) {
      kind = Failure::connect_refused;
    }
    run.failures.add(kind, with_ec("connect", ec));
    finish(*c, run.options.close);
    co_return std::nullopt;
  }
  // Without TCP_NODELAY a small frame can wait ~40 ms for a delayed ACK.
  c->socket.set_option(tcp::no_delay(true), ec);
  run.writer.append(c->out, make_version(run.options.user_agent, run.target, run.random()));
  for (;;) {
    if (auto write_ec = co_await flush(*c)) {
      auto problem = io_problem(*c, write_ec, Failure::closed_in_handshake,
                                Failure::handshake_timeout, "write in handshake");
      run.failures.add(problem.kind, std::move(problem.detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
    if (s.complete()) co_return Clock::now() - started;
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec) {
      const std::string doing = std::string("read in handshake (version ") +
                                (s.got_version ? "received" : "not received") + ", verack " +
                                (s.got_verack ? "received" : "not received") + ")";
      auto problem =
          io_problem(*c, read_ec, Failure::closed_in_handshake, Failure::handshake_timeout, doing);
      run.failures.add(problem.kind, std::move(problem.detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
    auto problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                                 [&](std::string_view command, wire::ByteSpan payload) {
                                   return on_client_frame(run, *c, s, command, payload);
                                 });
    if (problem) {
      run.failures.add(problem->kind, std::move(problem->detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
  }
}

// --close fin: half-close, then read (and discard) until the peer closes, bounded.
asio::awaitable<void> close_politely(Run& run, std::shared_ptr<Connection> c) {
  if (run.options.close == CloseStyle::rst) {
    finish(*c, CloseStyle::rst);
    co_return;
  }
  c->deadline = Clock::now() + run.options.timeout;
  boost::system::error_code ec;
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  for (;;) {
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec == asio::error::eof) break;
    if (read_ec) {
      if (c->timed_out) {
        run.failures.add(Failure::close_timeout, "peer did not close after our FIN");
      } else if (c->aborted) {
        run.failures.add(Failure::aborted, "closing: run stopped");
      }
      // A reset while closing is the peer's choice of close; nothing failed.
      break;
    }
  }
  finish(*c, CloseStyle::fin);
}

// A completed connection kept open: answer the peer's pings until we release it.
namespace {

// --ping-every: a ping every period (the first at a random point of the first period, so the
// connections' pings spread over time) until the connection is finished.
asio::awaitable<void> ping_ticker(Run& run, std::shared_ptr<Connection> c) {
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(run.options.ping_every_s));
  c->ticker = std::make_unique<asio::steady_timer>(c->socket.get_executor());
  auto& timer = *c->ticker;
  auto next = Clock::now() + Clock::duration(static_cast<Clock::rep>(
                                 std::uniform_real_distribution<double>(0, 1)(run.random) *
                                 static_cast<double>(period.count())));
  for (;;) {
    timer.expires_at(next);
    co_await timer.async_wait(kUseTuple);
    if (c->finished || run.stopping) co_return;
    run.writer.append(c->out, wire::Ping{run.random()});
    ++run.pings_sent;
    // A failed write shows in hold()'s read as well; nothing to count twice here.
    if (co_await send(*c)) co_return;
    next += period;
  }
}

}  // namespace

void Run::mark_progress() {
  if (options.target_pid <= 0) return;
  const auto cpu = read_cpu(options.target_pid);
  if (!cpu) return;
  progress.push_back(
      {latencies_us.size(), std::chrono::duration<double>(Clock::now() - started).count(), *cpu});
}

asio::awaitable<void> hold(Run& run, std::shared_ptr<Connection> c, ClientState s) {
  c->deadline = run.run_deadline;
  if (run.options.ping_every_s > 0) asio::co_spawn(run.ioc, ping_ticker(run, c), asio::detached);
  for (;;) {
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (c->finished) co_return;  // released
    std::optional<Problem> problem;
    if (ec) {
      problem = io_problem(*c, ec, Failure::held_closed, Failure::aborted, "held connection");
    } else {
      problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                              [&](std::string_view command, wire::ByteSpan payload) {
                                return on_client_frame(run, *c, s, command, payload);
                              });
      if (!problem) {
        if (auto write_ec = co_await send(*c)) {
          problem = io_problem(*c, write_ec, Failure::held_closed, Failure::aborted,
                               "held connection, writing");
        }
      }
    }
    if (problem) {
      run.failures.add(problem->kind, std::move(problem->detail));
      --run.held_open;
      finish(*c, run.options.close);
      co_return;
    }
  }
}

// Waits on a timer used as an event: returns when it is cancelled or reaches `until`.
asio::awaitable<void> wait_until(asio::steady_timer& timer, Clock::time_point until) {
  timer.expires_at(until);
  co_await timer.async_wait(kUseTuple);
}

void stop_background(Run& run) {
  run.run_deadline_timer.cancel();
  boost::system::error_code ignored;
  run.signals.cancel(ignored);
}

}  // namespace bsvpeer::load
