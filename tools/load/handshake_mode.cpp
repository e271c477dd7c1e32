// Handshake mode: --connections handshakes, --concurrency at a time; with --hold every connection
// stays open (answering the peer's pings) until all are done, then --hold-seconds more.
#include "client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <iostream>

namespace bsvpeer::load {

namespace {

asio::awaitable<void> handshake_worker(Run& run) {
  while (!run.stopping && run.next_index < run.options.connections) {
    const std::uint64_t index = run.next_index++;
    auto c = run.new_connection(kHandshakeReadBuffer);
    ClientState s;
    auto latency = co_await handshake(run, c, s, index);
    if (!latency) continue;
    run.latencies_us.push_back(std::chrono::duration<double, std::micro>(*latency).count());
    if (run.options.progress_every > 0 &&
        run.latencies_us.size() % run.options.progress_every == 0) {
      run.mark_progress();
    }
    if (!run.have_peer) {
      run.first_peer = s.peer;
      run.have_peer = true;
    }
    if (run.options.hold) {
      ++run.held_open;
      run.held.push_back(c);
      asio::co_spawn(run.ioc, hold(run, c, std::move(s)), asio::detached);
    } else {
      co_await close_politely(run, c);
    }
  }
}

}  // namespace

asio::awaitable<void> run_handshakes(Run& run) {
  run.started = Clock::now();
  const auto workers = std::min(run.options.concurrency, run.options.connections);
  run.workers_running = workers;
  run.mark_progress();
  for (std::uint64_t i = 0; i < workers; ++i) {
    asio::co_spawn(
        run.ioc,
        [&run]() -> asio::awaitable<void> {
          co_await handshake_worker(run);
          if (--run.workers_running == 0) run.all_done.cancel();
        },
        asio::detached);
  }
  while (run.workers_running > 0 && Clock::now() < run.run_deadline)
    co_await wait_until(run.all_done, run.run_deadline);
  run.attempts_done_at = Clock::now();
  if (run.options.hold && !run.stopping) {
    // Marker for scripts that inspect the peer while everything is held open.
    std::cerr << json{{"event", "holding"},
                      {"connections", run.held_open},
                      {"seconds", run.options.hold_seconds}}
                     .dump()
              << std::endl;
    const auto hold_end =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(run.options.hold_seconds));
    if (run.options.hold_seconds > 0) co_await wait_until(run.hold_timer, hold_end);
    run.held_at_end = run.held_open;
  }
  for (auto& c : run.held) {
    if (!c->finished) finish(*c, CloseStyle::rst);
  }
  run.held.clear();
  stop_background(run);
}

}  // namespace bsvpeer::load
