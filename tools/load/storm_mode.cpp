// Storm mode: a burst of inbound connects against a node with few free slots. Every connection
// must end in a defined outcome (taken, or turned away in a way a client can see) and the time
// to it is what a peer at the wrong moment waits. Handshaked connections stay open, answering
// pings, until the storm has settled: then the ones still open were admitted and the ones the
// peer closed in the meantime were rejected after the handshake.
#include "client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <iostream>
#include <tuple>

namespace bsvpeer::load {

namespace {

double ms_since(Clock::time_point start, Clock::time_point now) {
  return std::chrono::duration<double, std::milli>(now - start).count();
}

// Records a final outcome for connection `index` (once: the first decision stands).
void decide(Run& run, std::uint64_t index, StormOutcome outcome, Clock::time_point start,
            Clock::time_point now) {
  auto& r = run.storm;
  if (r.outcome[index] != StormOutcome::pending) return;
  r.outcome[index] = outcome;
  r.outcome_ms[index] = ms_since(start, now);
}

// The connection reached a provisional or final outcome: one fewer to wait for.
void resolved(Run& run) {
  if (--run.storm.undecided == 0) run.all_done.cancel();
}

// The outcome of a read or write error, given whether the handshake had completed.
StormOutcome closed_outcome(const Connection& c, bool handshaked) {
  if (c.aborted) return StormOutcome::error;
  if (c.timed_out) return handshaked ? StormOutcome::error : StormOutcome::no_outcome;
  return handshaked ? StormOutcome::rejected_after_handshake
                    : StormOutcome::closed_before_handshake;
}

// A connection without a defined outcome fails the run: counted with its cause.
void count_failure(Run& run, StormOutcome outcome, Failure cause, const std::string& detail) {
  if (outcome == StormOutcome::no_outcome) {
    run.failures.add(Failure::handshake_timeout, detail + ": no outcome within the timeout");
  } else if (outcome == StormOutcome::error) {
    run.failures.add(cause, detail);
  }
}

// After the handshake: answer pings until the peer closes (rejected after the handshake) or we
// release the connection at the end.
asio::awaitable<void> watch(Run& run, std::shared_ptr<Connection> c, ClientState s,
                            std::uint64_t index, Clock::time_point start) {
  for (;;) {
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (c->finished) co_return;  // released by us
    std::optional<Problem> problem;
    std::optional<StormOutcome> outcome;
    Failure cause = Failure::aborted;  // the only error left once handshaked: the run stopped
    std::string detail = "after the handshake";
    if (ec) {
      outcome = closed_outcome(*c, true);
    } else {
      problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                              [&](std::string_view command, wire::ByteSpan payload) {
                                return on_client_frame(run, *c, s, command, payload);
                              });
      if (!problem) {
        if (auto write_ec = co_await flush(*c)) outcome = closed_outcome(*c, true);
      }
    }
    if (problem) {
      outcome = problem->kind == Failure::peer_reject ? StormOutcome::reject_message
                                                      : StormOutcome::error;
      cause = problem->kind;
      detail = problem->detail;
    }
    if (outcome) {
      const auto now = Clock::now();
      if (run.storm.settled) {
        // Admitted, then dropped while we held it: the peer went back on its word.
        run.failures.add(Failure::held_closed, with_ec("admitted connection closed", ec));
      } else {
        decide(run, index, *outcome, start, now);
        count_failure(run, *outcome, cause, detail);
      }
      finish(*c, CloseStyle::rst);
      co_return;
    }
  }
}

// Connects, sends our version and reads until the handshake completes or the peer closes.
// Returns with the connection decided or handshaked (then it is watched).
asio::awaitable<void> storm_one(Run& run, std::uint64_t index) {
  const auto start = Clock::now();
  auto c = run.new_connection(kHandshakeReadBuffer);
  c->deadline = start + run.options.timeout;
  ClientState s;
  auto end_with = [&](StormOutcome outcome, Failure cause, const std::string& detail) {
    decide(run, index, outcome, start, Clock::now());
    count_failure(run, outcome, cause, detail);
    finish(*c, CloseStyle::rst);
    resolved(run);
  };
  boost::system::error_code ec;
  bind_source(run, *c, index, ec);
  if (ec) {
    end_with(StormOutcome::error, Failure::connect_error, with_ec("socket/bind", ec));
    co_return;
  }
  std::tie(ec) = co_await c->socket.async_connect(run.target, kUseTuple);
  if (ec) {
    if (c->aborted) {
      end_with(StormOutcome::error, Failure::aborted, "connect: run stopped");
    } else if (c->timed_out) {
      end_with(StormOutcome::no_outcome, Failure::connect_timeout, "connect");
    } else if (ec == asio::error::connection_refused) {
      end_with(StormOutcome::refused_at_connect, Failure::connect_refused, "connect");
    } else if (ec == asio::error::connection_reset) {
      end_with(StormOutcome::closed_before_handshake, Failure::closed_in_handshake, "connect");
    } else {
      end_with(StormOutcome::error, Failure::connect_error, with_ec("connect", ec));
    }
    co_return;
  }
  c->socket.set_option(tcp::no_delay(true), ec);
  run.writer.append(c->out, make_version(run.options.user_agent, run.target, run.random()));
  for (;;) {
    if (auto write_ec = co_await flush(*c)) {
      end_with(closed_outcome(*c, false), Failure::aborted,
               with_ec("write in handshake", write_ec));
      co_return;
    }
    if (s.complete()) break;
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec) {
      end_with(closed_outcome(*c, false), Failure::aborted, with_ec("read in handshake", read_ec));
      co_return;
    }
    auto problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                                 [&](std::string_view command, wire::ByteSpan payload) {
                                   return on_client_frame(run, *c, s, command, payload);
                                 });
    if (problem) {
      if (problem->kind == Failure::peer_reject) {
        end_with(StormOutcome::reject_message, Failure::peer_reject, problem->detail);
      } else {
        end_with(StormOutcome::error, problem->kind, problem->detail);
      }
      co_return;
    }
  }
  // Handshaked: admitted unless the peer closes it before the storm settles.
  const auto now = Clock::now();
  run.storm.handshake_ms[index] = ms_since(start, now);
  run.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - start).count());
  if (!run.have_peer) {
    run.first_peer = s.peer;
    run.have_peer = true;
  }
  c->deadline = run.run_deadline;
  run.storm.open.push_back(c);
  asio::co_spawn(run.ioc, watch(run, c, std::move(s), index, start), asio::detached);
  resolved(run);
}

asio::awaitable<void> storm_worker(Run& run) {
  while (!run.stopping && run.next_index < run.options.connections) {
    co_await storm_one(run, run.next_index++);
  }
}

}  // namespace

asio::awaitable<void> run_storm(Run& run) {
  auto& r = run.storm;
  const auto n = run.options.connections;
  r.outcome.assign(n, StormOutcome::pending);
  r.handshake_ms.assign(n, -1);
  r.outcome_ms.assign(n, -1);
  r.undecided = n;
  run.started = Clock::now();
  const auto workers = std::min(run.options.concurrency, n);
  run.workers_running = workers;
  for (std::uint64_t i = 0; i < workers; ++i) {
    asio::co_spawn(
        run.ioc,
        [&run]() -> asio::awaitable<void> {
          co_await storm_worker(run);
          --run.workers_running;
        },
        asio::detached);
  }
  while (r.undecided > 0 && !run.stopping)
    co_await wait_until(run.all_done, run.run_deadline);
  // Every connection handshaked or closed: give the peer time to close the ones it only
  // handshaked politely, then the rest were admitted.
  if (!run.stopping) co_await wait_until(run.hold_timer, Clock::now() + run.options.settle);
  run.attempts_done_at = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (r.outcome[i] == StormOutcome::pending) {
      if (r.handshake_ms[i] >= 0 && !run.stopping) {
        r.outcome[i] = StormOutcome::admitted;
        r.outcome_ms[i] = r.handshake_ms[i];
      } else {
        r.outcome[i] = StormOutcome::error;
        run.failures.add(Failure::aborted, "storm stopped before an outcome");
      }
    }
    r.settled_after_s = std::max(r.settled_after_s, r.outcome_ms[i] / 1000.0);
  }
  r.settled = true;
  std::uint64_t admitted = 0;
  for (auto o : r.outcome)
    admitted += o == StormOutcome::admitted ? 1 : 0;
  // Marker for scripts that inspect the peer while the admitted connections are held.
  std::cerr << json{{"event", "storm_settled"},
                    {"admitted", admitted},
                    {"seconds", run.options.hold_seconds}}
                   .dump()
            << std::endl;
  if (run.options.hold_seconds > 0 && !run.stopping) {
    const auto hold_end =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(run.options.hold_seconds));
    co_await wait_until(run.hold_timer, hold_end);
  }
  for (auto& c : r.open) {
    if (!c->finished) finish(*c, CloseStyle::rst);
  }
  r.open.clear();
  stop_background(run);
}

}  // namespace bsvpeer::load
