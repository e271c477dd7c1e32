#pragma once
// The client side of bsvpeer-load: one run's state (Run) and the steps every client mode is made
// of: connect and handshake, hold, close. Single-threaded: one io_context, one thread.
#include "common.hpp"
#include "storm_results.hpp"
#include "target_cpu.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <random>

namespace bsvpeer::load {

struct PeerInfo {
  std::int32_t version = 0;
  std::string user_agent;
  std::uint64_t services = 0;
};

// What one client connection has seen of the peer.
struct ClientState {
  bool got_version = false;
  bool got_verack = false;
  bool sent_verack = false;
  PeerInfo peer;
  bool complete() const { return got_version && got_verack && sent_verack; }
};

struct Run {
  Run(asio::io_context& io, Options o, tcp::endpoint t, wire::Magic m)
      : ioc(io),
        options(std::move(o)),
        target(t),
        magic(m),
        writer(m),
        all_done(io),
        hold_timer(io),
        run_deadline_timer(io),
        signals(io, SIGINT, SIGTERM) {}

  asio::io_context& ioc;
  Options options;
  tcp::endpoint target;
  wire::Magic magic;
  std::vector<asio::ip::address_v4> sources;
  FrameWriter writer;
  std::mt19937_64 random{std::random_device{}()};

  Clock::time_point started;
  Clock::time_point run_deadline;
  Clock::time_point attempts_done_at;
  bool stopping = false;
  std::string stop_reason;

  // handshake mode
  std::uint64_t next_index = 0;
  std::uint64_t workers_running = 0;
  std::vector<double> latencies_us;
  std::vector<std::weak_ptr<Connection>> connections;  // for aborting them all
  std::vector<std::shared_ptr<Connection>> held;
  std::uint64_t held_open = 0;
  std::optional<std::uint64_t> held_at_end;
  PeerInfo first_peer;
  bool have_peer = false;
  std::uint64_t peer_pings_answered = 0;
  // --ping-every: our pings on held connections and the pongs that came back
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  // --target-pid: the target's CPU at the start and every --progress-every handshakes
  struct ProgressMark {
    std::uint64_t completed;
    double elapsed_s;
    CpuSample cpu;
  };
  std::vector<ProgressMark> progress;
  void mark_progress();

  // ping mode
  std::vector<double> rtts_us;
  std::uint64_t ping_completed = 0;
  std::uint64_t unmatched_pongs = 0;
  double ping_elapsed_s = 0;
  std::optional<double> ping_handshake_us;

  // ingest mode
  double ingest_elapsed_s = 0;
  bool ingest_done = false;

  // storm mode
  StormResults storm;

  Failures failures;
  asio::steady_timer all_done;  // cancelled to wake the driver
  asio::steady_timer hold_timer;
  asio::steady_timer run_deadline_timer;
  asio::signal_set signals;

  std::shared_ptr<Connection> new_connection(std::size_t read_buffer_size) {
    auto c = std::make_shared<Connection>(ioc.get_executor(), magic, read_buffer_size);
    c->deadline = Clock::now() + options.timeout;
    connections.push_back(c);
    asio::co_spawn(ioc, watchdog(c), asio::detached);
    return c;
  }

  void stop(std::string reason) {
    if (stopping) return;
    stopping = true;
    stop_reason = std::move(reason);
    for (auto& weak : connections) {
      if (auto c = weak.lock(); c && !c->finished) {
        c->aborted = true;
        boost::system::error_code ignored;
        c->socket.close(ignored);
      }
    }
    all_done.cancel();
    hold_timer.cancel();
  }
};

// Why a read or write on a client connection failed, given what we were doing.
Problem io_problem(const Connection& c, const boost::system::error_code& ec, Failure on_close,
                   Failure on_timeout, const std::string& doing);

// Messages every client connection handles the same way: version, verack, the peer's pings,
// reject. Others (protoconf, sendheaders, ...) need no answer from a peer that serves nothing.
std::optional<Problem> on_client_frame(Run& run, Connection& c, ClientState& s,
                                       std::string_view command, wire::ByteSpan payload);

// Opens the socket, bound to source address `index` of --sources when there are any.
void bind_source(Run& run, Connection& c, std::uint64_t index, boost::system::error_code& ec);

// Connects and completes the handshake. Returns the latency from the start of connect() to the
// handshake being complete on our side, or nullopt after counting the failure.
asio::awaitable<std::optional<Clock::duration>> handshake(Run& run, std::shared_ptr<Connection> c,
                                                          ClientState& s, std::uint64_t index);

// --close fin: half-close, then read (and discard) until the peer closes, bounded.
asio::awaitable<void> close_politely(Run& run, std::shared_ptr<Connection> c);

// A completed connection kept open: answer the peer's pings until we release it.
asio::awaitable<void> hold(Run& run, std::shared_ptr<Connection> c, ClientState s);

// Waits on a timer used as an event: returns when it is cancelled or reaches `until`.
asio::awaitable<void> wait_until(asio::steady_timer& timer, Clock::time_point until);

// Cancels the run's deadline timer and signal wait so the io_context can run out.
void stop_background(Run& run);

// The modes: each runs to its end, then calls stop_background.
asio::awaitable<void> run_handshakes(Run& run);  // handshake_mode.cpp
asio::awaitable<void> run_pings(Run& run);       // ping_mode.cpp
asio::awaitable<void> run_ingest(Run& run);      // ping_mode.cpp
asio::awaitable<void> run_storm(Run& run);       // storm_mode.cpp

}  // namespace bsvpeer::load
