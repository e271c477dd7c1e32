// bsvpeer-load: a load generator that speaks the BSV P2P protocol to any host:port and magic, so
// the same bench runs against bsvpeer and against other nodes; and (--serve) a trivial responder
// that answers version with version+verack and ping with pong, with the same codec but none of
// the connection actor's machinery. benches/bench_connections.sh measures both in one run, so
// each figure for bsvpeer stands beside a floor measured on the same machine at the same time.
//
// Modes:
//   handshake  open --connections N, --concurrency C handshakes at a time; latency is from the
//              start of connect() to the handshake being complete on our side (peer's version
//              and verack received, our verack written). --hold keeps every connection open
//              until all N are done (then --hold-seconds more), answering the peer's pings.
//   ping       one connection: handshake, then --pipeline D pings in flight until --pings
//              pongs came back, each matched by its nonce.
//   storm      --connections connects at --concurrency (all at once when equal), each sends its
//              version and waits for an outcome: admitted, rejected after the handshake, closed
//              or refused before it; reports each outcome and the time to it (storm_mode.cpp).
//   serve      the baseline responder on --host:--port with --threads threads.
//
// One file per mode (handshake_mode, ping_mode, storm_mode, serve), the shared steps in client.*
// and common.*, the report in report.*.
//
// Single-threaded client (one io_context, one thread, coroutines); every wait has a deadline
// (--timeout-ms per connect/handshake/pong, --duration for the whole run) and every failure is
// counted by kind with the first occurrence's text, never dropped.
#include "client.hpp"
#include "report.hpp"
#include "serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <sys/resource.h>

namespace bsvpeer::load {
namespace {

// Thousands of sockets need more than the usual 1024; the soft limit may rise to the hard one.
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      std::cerr << "bsvpeer-load: warning: cannot raise RLIMIT_NOFILE\n";
    }
  }
}

rlim_t fd_limit() {
  rlimit limit{};
  return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

std::optional<tcp::endpoint> resolve(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    std::cerr << "bsvpeer-load: cannot resolve " << host << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

// Sockets open at once at the peak of a run.
std::uint64_t needs_fds(const Options& o) {
  if (o.mode == Mode::handshake && o.hold) return o.connections;
  if (o.mode == Mode::storm) return std::min(o.connections, o.concurrency) + o.connections / 8;
  return 0;
}

int run_client(const Options& o, const tcp::endpoint& target, const wire::Magic& magic) {
  asio::io_context ioc(1);
  Run run(ioc, o, target, magic);
  const bool loopback_v4 =
      target.address().is_v4() && target.address().to_v4().to_bytes()[0] == 127;
  const unsigned sources = o.sources.value_or(loopback_v4 ? kDefaultLoopbackSources : 0);
  if (sources > 0 && !loopback_v4) {
    std::cerr << "bsvpeer-load: --sources needs a 127.x target\n";
    return 2;
  }
  for (unsigned i = 0; i < sources; ++i)
    run.sources.push_back(asio::ip::address_v4((127u << 24) | (2u + i)));
  if (needs_fds(o) + 64 > fd_limit()) {
    std::cerr << "bsvpeer-load: " << o.connections << " connections at once need more than "
              << fd_limit() << " file descriptors (RLIMIT_NOFILE)\n";
    return 2;
  }
  run.run_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o.duration_s));
  run.run_deadline_timer.expires_at(run.run_deadline);
  run.run_deadline_timer.async_wait([&run](const boost::system::error_code& ec) {
    if (!ec) run.stop("--duration elapsed");
  });
  run.signals.async_wait([&run](const boost::system::error_code& ec, int signo) {
    if (!ec) run.stop("signal " + std::to_string(signo));
  });
  if (o.mode == Mode::ping) {
    asio::co_spawn(ioc, run_pings(run), asio::detached);
  } else if (o.mode == Mode::ingest) {
    asio::co_spawn(ioc, run_ingest(run), asio::detached);
  } else if (o.mode == Mode::storm) {
    asio::co_spawn(ioc, run_storm(run), asio::detached);
  } else {
    asio::co_spawn(ioc, run_handshakes(run), asio::detached);
  }
  ioc.run();
  const json j = report(run);
  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    print_text(j);
  }
  return j["ok"].get<bool>() ? 0 : 1;
}

}  // namespace
}  // namespace bsvpeer::load

int main(int argc, char** argv) {
  using namespace bsvpeer::load;
  using namespace bsvpeer;
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  raise_fd_limit();
  // A peer that resets while we write must be an error code, not a signal that kills the run.
  std::signal(SIGPIPE, SIG_IGN);

  auto params = net::network_params(*net::parse_network(options->network));
  const wire::Magic magic = options->magic.value_or(params.magic);
  const std::uint16_t port = options->port != 0 ? options->port : params.default_port;
  const auto endpoint = resolve(options->host, port);
  if (!endpoint) return 2;
  try {
    if (options->mode == Mode::serve) return serve(*options, *endpoint, magic);
    return run_client(*options, *endpoint, magic);
  } catch (const std::exception& e) {
    std::cerr << "bsvpeer-load: " << e.what() << "\n";
    return 1;
  }
}
