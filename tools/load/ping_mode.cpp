// Ping mode (one connection, --pipeline pings in flight) and ingest mode (bulk frames, then a
// ping whose pong proves the peer consumed them).
#include "client.hpp"

#include <boost/asio/write.hpp>

#include <unordered_map>

namespace bsvpeer::load {

namespace {

// The one connection of ping and ingest modes, handshaken; false (background stopped) when the
// handshake failed.
asio::awaitable<bool> start_single(Run& run, const std::shared_ptr<Connection>& c, ClientState& s) {
  run.started = Clock::now();
  const auto latency = co_await handshake(run, c, s, 0);
  if (!latency) {
    stop_background(run);
    co_return false;
  }
  run.ping_handshake_us = std::chrono::duration<double, std::micro>(*latency).count();
  run.first_peer = s.peer;
  run.have_peer = true;
  co_return true;
}

}  // namespace

asio::awaitable<void> run_pings(Run& run) {
  auto c = run.new_connection(kPingReadBuffer);
  ClientState s;
  if (!co_await start_single(run, c, s)) co_return;

  const std::uint64_t total = run.options.warmup + run.options.pings;
  const std::uint64_t salt = run.random();
  std::unordered_map<std::uint64_t, std::pair<std::uint64_t, Clock::time_point>> in_flight;
  in_flight.reserve(run.options.pipeline * 2);
  run.rtts_us.reserve(run.options.pings);
  std::uint64_t next_seq = 0;
  std::uint64_t answered = 0;
  Clock::time_point measure_start = Clock::now();
  Clock::time_point last_pong = measure_start;

  // Keeps --pipeline pings in flight; one timestamp per batch, as they leave in one write.
  auto top_up = [&](Clock::time_point now) {
    while (in_flight.size() < run.options.pipeline && next_seq < total) {
      if (next_seq == run.options.warmup) measure_start = now;
      const std::uint64_t nonce = salt + next_seq;
      run.writer.append(c->out, wire::Ping{nonce});
      in_flight.emplace(nonce, std::make_pair(next_seq, now));
      ++next_seq;
    }
  };
  auto on_frame = [&](Clock::time_point now) {
    return [&, now](std::string_view command, wire::ByteSpan payload) -> std::optional<Problem> {
      if (command != wire::Pong::kCommand) return on_client_frame(run, *c, s, command, payload);
      auto pong = wire::Pong::decode(payload);
      if (!pong) return Problem{Failure::protocol_error, "bad pong: " + pong.error().message()};
      const auto it = in_flight.find(pong->nonce);
      if (it == in_flight.end()) {
        ++run.unmatched_pongs;
        return std::nullopt;
      }
      const auto [seq, sent_at] = it->second;
      in_flight.erase(it);
      ++answered;
      if (seq >= run.options.warmup) {
        run.rtts_us.push_back(std::chrono::duration<double, std::micro>(now - sent_at).count());
      }
      last_pong = now;
      return std::nullopt;
    };
  };

  std::optional<Problem> problem;
  top_up(Clock::now());
  c->deadline = Clock::now() + run.options.timeout;
  while (!problem && answered < total) {
    if (auto write_ec = co_await flush(*c)) {
      problem =
          io_problem(*c, write_ec, Failure::closed_in_ping, Failure::ping_timeout, "writing pings");
      break;
    }
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    const auto now = Clock::now();
    if (ec) {
      problem = io_problem(
          *c, ec, Failure::closed_in_ping, Failure::ping_timeout,
          "waiting for pong " + std::to_string(answered + 1) + " of " + std::to_string(total));
      break;
    }
    problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n), on_frame(now));
    top_up(now);
    c->deadline = now + run.options.timeout;
  }
  if (problem) run.failures.add(problem->kind, std::move(problem->detail));
  run.ping_completed = run.rtts_us.size();
  run.ping_elapsed_s = std::chrono::duration<double>(last_pong - measure_start).count();
  run.attempts_done_at = Clock::now();
  finish(*c, CloseStyle::rst);
  stop_background(run);
}

// After the handshake: --messages frames of an unknown command, then a ping; the pong tells that
// the peer has read (and decoded) everything sent before it.
asio::awaitable<void> run_ingest(Run& run) {
  auto c = run.new_connection(kPingReadBuffer);
  ClientState s;
  if (!co_await start_single(run, c, s)) co_return;

  wire::Bytes frame;
  wire::Bytes payload(run.options.message_bytes);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(run.random());
  if (!wire::append_frame(frame, run.magic, "bsvpeerbulk", payload)) {
    run.failures.add(Failure::protocol_error, "cannot frame the payload");
    stop_background(run);
    co_return;
  }
  const std::uint64_t nonce = run.random();
  std::optional<Problem> problem;
  const auto started = Clock::now();
  for (std::uint64_t i = 0; i < run.options.messages && !problem; ++i) {
    c->deadline = Clock::now() + run.options.timeout;
    auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(frame), kUseTuple);
    if (ec) {
      problem =
          io_problem(*c, ec, Failure::closed_in_ping, Failure::ping_timeout, "writing bulk frames");
    }
  }
  if (!problem) run.writer.append(c->out, wire::Ping{nonce});
  c->deadline = Clock::now() + run.options.timeout;
  while (!problem && !run.ingest_done) {
    if (auto write_ec = co_await flush(*c)) {
      problem = io_problem(*c, write_ec, Failure::closed_in_ping, Failure::ping_timeout,
                           "writing the ping");
      break;
    }
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (ec) {
      problem = io_problem(*c, ec, Failure::closed_in_ping, Failure::ping_timeout,
                           "waiting for the pong after the bulk frames");
      break;
    }
    const auto now = Clock::now();
    problem = decode_frames(
        c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
        [&](std::string_view command, wire::ByteSpan p) -> std::optional<Problem> {
          if (command != wire::Pong::kCommand) return on_client_frame(run, *c, s, command, p);
          auto pong = wire::Pong::decode(p);
          if (!pong) return Problem{Failure::protocol_error, "bad pong: " + pong.error().message()};
          if (pong->nonce != nonce) {
            ++run.unmatched_pongs;
            return std::nullopt;
          }
          run.ingest_done = true;
          run.ingest_elapsed_s = std::chrono::duration<double>(now - started).count();
          return std::nullopt;
        });
  }
  if (problem) run.failures.add(problem->kind, std::move(problem->detail));
  run.attempts_done_at = Clock::now();
  finish(*c, CloseStyle::rst);
  stop_background(run);
}

}  // namespace bsvpeer::load
