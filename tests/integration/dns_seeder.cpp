// DnsSeeder and AresResolver against a real dnsmasq on loopback (toolchain.md §3). Nothing here
// queries any server but the local dnsmasq or a local socket that never answers: every resolver
// names its servers, and lookups are DNS-only ("b"), so /etc/hosts and resolv.conf never play.
//
// Skips (with a message) only when the dnsmasq binary is missing.
#include "support/io_runner.hpp"
#include "support/mesh.hpp"
#include "support/test_paths.hpp"

#include <bsvpeer/net/network.hpp>
#include <bsvpeer/node/ares_resolver.hpp>
#include <bsvpeer/node/dns_seeder.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <errno.h>
#include <fcntl.h>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <set>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace bsvpeer;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Waits, with a bound that only stops a broken test from hanging, until `pred` holds.
bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds bound = 20s) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::optional<std::string> find_dnsmasq() {
  std::vector<std::string> dirs = {"/usr/sbin", "/sbin", "/usr/local/sbin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      dirs.push_back(dir);
  }
  for (const auto& dir : dirs) {
    const auto candidate = dir + "/dnsmasq";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// A loopback port free for both UDP and TCP right now (dnsmasq binds both). Another process may
// still take it before dnsmasq does; the caller retries with a new one when dnsmasq exits.
std::uint16_t free_port() {
  asio::io_context ioc;
  for (int attempt = 0; attempt < 100; ++attempt) {
    asio::ip::udp::socket udp(ioc, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = udp.local_endpoint().port();
    boost::system::error_code ec;
    tcp::acceptor acceptor(ioc);
    acceptor.open(tcp::v4(), ec);
    if (!ec) acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) return port;
  }
  FAIL("no loopback port free for both UDP and TCP");
  return 0;
}

// Whether a local `server` answers seed1.test now; a short, bounded probe.
bool answers(const std::string& server) {
  asio::io_context ioc;
  std::optional<node::ResolveResult> result;
  {
    node::AresResolverConfig config;
    config.servers = {server};
    config.timeout = 200ms;
    config.tries = 1;
    node::AresResolver resolver(ioc.get_executor(), config);
    resolver.async_resolve("seed1.test", node::AddressFamily::ipv4,
                           [&](node::ResolveResult r) { result = std::move(r); });
    ioc.run();
  }
  ioc.restart();
  ioc.run();  // the resolver's shutdown
  return result && result->status == node::ResolveStatus::ok;
}

// dnsmasq in the foreground on 127.0.0.1:<free port>, with the test zone; killed at exit. One
// instance serves every test case, started on first use, before any test thread exists (fork in
// a single-threaded process).
//
// A crashed or killed test must not leave dnsmasq behind. PR_SET_PDEATHSIG does not survive
// dnsmasq's own credential changes, so a watchdog child holds the read end of a pipe whose only
// writer is this process: when the test process goes away, however it goes, the watchdog reads
// EOF and terminates dnsmasq.
class Dnsmasq {
 public:
  // Null when dnsmasq is not installed; fails the test when it is but will not start.
  static Dnsmasq* get() {
    static std::unique_ptr<Dnsmasq> instance = start();
    return instance.get();
  }

  // The query log goes with it; a dnsmasq that failed to start keeps its log for the reader.
  ~Dnsmasq() {
    stop(pid_, watchdog_, lifeline_);
    ::unlink(log_path_.c_str());
  }
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  Dnsmasq(pid_t pid, pid_t watchdog, int lifeline, std::uint16_t port, std::string log_path)
      : pid_(pid),
        watchdog_(watchdog),
        lifeline_(lifeline),
        port_(port),
        log_path_(std::move(log_path)) {}

  static std::unique_ptr<Dnsmasq> start() {
    const auto binary = find_dnsmasq();
    if (!binary) return nullptr;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const auto port = free_port();
      const auto log_path =
          bsvpeer::test::binary_dir() + "/it_dns_seeder-dnsmasq-" + std::to_string(port) + ".log";
      std::vector<std::string> args = {
          *binary,
          "--no-daemon",
          "--conf-file=/dev/null",
          "--no-resolv",
          "--no-hosts",
          "--no-poll",
          "--bind-interfaces",
          "--listen-address=127.0.0.1",
          "--port=" + std::to_string(port),
          "--pid-file",
          "--log-queries",
          "--log-facility=-",
          // Unknown names under .test get NXDOMAIN instead of REFUSED (no upstream).
          "--local=/test/",
          "--local-ttl=60",
          "--host-record=seed1.test,127.0.0.2",
          "--host-record=seed1.test,127.0.0.3",
          "--host-record=seed1.test,::1",
          "--host-record=seed2.test,127.0.0.4",
          // Overlaps seed1.test on 127.0.0.2, for the duplicate check.
          "--host-record=seed3.test,127.0.0.2",
          "--host-record=seed3.test,127.0.0.5",
      };
      if (::geteuid() == 0) {
        // Keeps root instead of dropping to the dnsmasq user, which might not exist.
        args.push_back("--user=root");
        args.push_back("--group=root");
      }
      // Nothing buffered may be written twice by a child that never execs (the watchdog).
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      int lifeline[2];
      REQUIRE(::pipe2(lifeline, O_CLOEXEC) == 0);
      const pid_t pid = spawn(args, log_path);
      REQUIRE_MESSAGE(pid > 0, "fork failed");
      const pid_t watchdog = spawn_watchdog(lifeline[0], lifeline[1], pid);
      REQUIRE_MESSAGE(watchdog > 0, "fork failed");
      ::close(lifeline[0]);
      // Ready when it answers a real query; gone when the port was taken meanwhile.
      const auto until = std::chrono::steady_clock::now() + 10s;
      bool exited = false;
      while (std::chrono::steady_clock::now() < until) {
        // WNOWAIT: leave it unreaped, so its pid cannot be reused before the watchdog's kill.
        siginfo_t info{};
        if (::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
          exited = true;
          break;
        }
        if (answers("127.0.0.1:" + std::to_string(port))) {
          return std::unique_ptr<Dnsmasq>(new Dnsmasq(pid, watchdog, lifeline[1], port, log_path));
        }
        std::this_thread::sleep_for(50ms);
      }
      stop(pid, watchdog, lifeline[1]);
      if (!exited) FAIL("dnsmasq did not answer within 10 s; see " << log_path);
      MESSAGE("dnsmasq exited at start (port " << port << " taken?); see " << log_path);
    }
    FAIL("dnsmasq would not start");
    return nullptr;
  }

  static pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
    // Built before fork: the child only calls async-signal-safe functions before exec.
    std::vector<char*> argv;
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (log_fd >= 0) {
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
    return pid;
  }

  static pid_t spawn_watchdog(int read_end, int write_end, pid_t target) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(write_end);
      char byte = 0;
      for (;;) {
        const auto n = ::read(read_end, &byte, 1);
        if (n == 0 || (n < 0 && errno != EINTR)) break;  // EOF: the test process is gone
      }
      ::kill(target, SIGTERM);
      ::_exit(0);
    }
    return pid;
  }

  // Closing the lifeline makes the watchdog send SIGTERM; dnsmasq is still our unreaped child,
  // so that pid is still dnsmasq's. Bounded: SIGKILL after 2 s.
  static void stop(pid_t pid, pid_t watchdog, int lifeline) {
    ::close(lifeline);
    ::waitpid(watchdog, nullptr, 0);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  pid_t pid_;
  pid_t watchdog_;
  int lifeline_;
  std::uint16_t port_;
  std::string log_path_;
};

#define REQUIRE_DNSMASQ(var)                                     \
  Dnsmasq* var = Dnsmasq::get();                                 \
  if (var == nullptr) {                                          \
    MESSAGE("dnsmasq is not installed; skipping this DNS test"); \
    return;                                                      \
  }

// A DNS "server" that receives queries and never answers: a bound UDP socket nobody reads.
class Blackhole {
 public:
  Blackhole() : socket_(ioc_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  std::string server() const {
    return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port());
  }
  // True once a query has arrived (it stays queued: nobody reads it).
  bool wait_query(std::chrono::milliseconds bound) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(bound.count())) == 1;
  }

 private:
  asio::io_context ioc_;
  asio::ip::udp::socket socket_;
};

tcp::endpoint ep(const char* ip, std::uint16_t port) {
  return {asio::ip::make_address(ip), port};
}

// Collects what a seeder reports, from its strand, for the test thread.
class Recorder {
 public:
  node::DnsSeederHandlers handlers(std::function<bool(const tcp::endpoint&)> skip = {}) {
    node::DnsSeederHandlers h;
    h.should_skip = std::move(skip);
    h.on_discovered = [this](std::vector<tcp::endpoint> endpoints, std::string seed) {
      std::lock_guard lock(mutex_);
      discovered_.push_back({std::move(endpoints), std::move(seed)});
    };
    h.on_outcome = [this](const node::SeedOutcome& outcome) {
      std::lock_guard lock(mutex_);
      outcomes_.push_back(outcome);
    };
    h.on_round = [this](const node::SeedRound& round) {
      std::lock_guard lock(mutex_);
      rounds_.push_back(round);
    };
    h.on_stopped = [this] { stopped_.fetch_add(1); };
    return h;
  }

  struct Discovered {
    std::vector<tcp::endpoint> endpoints;
    std::string seed;
  };

  std::vector<Discovered> discovered() const {
    std::lock_guard lock(mutex_);
    return discovered_;
  }
  std::vector<node::SeedOutcome> outcomes() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }
  std::vector<node::SeedRound> rounds() const {
    std::lock_guard lock(mutex_);
    return rounds_;
  }
  std::size_t round_count() const {
    std::lock_guard lock(mutex_);
    return rounds_.size();
  }
  int stopped() const { return stopped_.load(); }

 private:
  mutable std::mutex mutex_;
  std::vector<Discovered> discovered_;
  std::vector<node::SeedOutcome> outcomes_;
  std::vector<node::SeedRound> rounds_;
  std::atomic<int> stopped_{0};
};

node::DnsSeederConfig regtest_config(std::vector<std::string> seeds, std::string server) {
  auto config = node::dns_seeder_config(net::NetworkId::regtest);
  config.seeds = std::move(seeds);
  config.resolver.servers = {std::move(server)};
  config.resolver.timeout = 500ms;
  config.resolver.tries = 2;
  return config;
}

std::set<tcp::endpoint> all_discovered(const Recorder& recorder) {
  std::set<tcp::endpoint> out;
  for (const auto& d : recorder.discovered())
    out.insert(d.endpoints.begin(), d.endpoints.end());
  return out;
}

std::size_t discovered_count(const Recorder& recorder) {
  std::size_t n = 0;
  for (const auto& d : recorder.discovered())
    n += d.endpoints.size();
  return n;
}

const node::SeedOutcome* outcome_of(const node::SeedRound& round, const std::string& seed) {
  for (const auto& o : round.outcomes) {
    if (o.seed == seed) return &o;
  }
  return nullptr;
}

void stop_and_wait(node::DnsSeeder& seeder, const Recorder& recorder) {
  seeder.stop();
  REQUIRE(wait_for([&] { return seeder.finished(); }, 5s));
  CHECK(recorder.stopped() == 1);
}

}  // namespace

TEST_CASE("resolver and seeder configs are validated") {
  node::AresResolverConfig ok;
  for (const char* server : {"127.0.0.1:5353", "127.0.0.1", "[::1]:53", "::1", "[2001:db8::1]"}) {
    ok.servers = {server};
    CHECK_MESSAGE(!node::config_error(ok), server);
  }
  node::AresResolverConfig bad;
  for (const char* server :
       {"localhost:53", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]x", "1.2.3:53", ""}) {
    bad.servers = {server};
    CHECK_MESSAGE(node::config_error(bad), server);
  }
  bad.servers = {};
  bad.tries = 0;
  CHECK(node::config_error(bad));
  bad.tries = 2;
  bad.timeout = 0ms;
  CHECK(node::config_error(bad));

  auto seeder = node::dns_seeder_config(net::NetworkId::main);
  CHECK(seeder.seeds == net::network_params(net::NetworkId::main).dns_seeds);
  CHECK(seeder.port == 8333);
  CHECK(seeder.interval == std::chrono::hours(1));
  CHECK(!node::config_error(seeder));
  seeder.port = 0;
  CHECK(node::config_error(seeder));
  seeder.port = 8333;
  seeder.seeds.push_back("");
  CHECK(node::config_error(seeder));

  asio::io_context ioc;
  auto broken = node::dns_seeder_config(net::NetworkId::regtest);
  broken.resolver.servers = {"not-an-ip:53"};
  CHECK_THROWS_AS(node::DnsSeeder(ioc.get_executor(), broken, {}), std::invalid_argument);
}

TEST_CASE("resolver: A, AAAA and both from dnsmasq; NXDOMAIN; numeric hosts") {
  REQUIRE_DNSMASQ(dnsmasq);
  test::IoRunner io(2);
  node::AresResolverConfig config;
  config.servers = {dnsmasq->server()};
  config.timeout = 500ms;
  auto resolver = std::make_unique<node::AresResolver>(io.context().get_executor(), config);

  auto resolve = [&](std::string host, node::AddressFamily family) {
    // Shared: a failed REQUIRE leaves while the handler may still be on its way.
    auto done = std::make_shared<std::promise<node::ResolveResult>>();
    auto future = done->get_future();
    resolver->async_resolve(std::move(host), family,
                            [done](node::ResolveResult r) { done->set_value(std::move(r)); });
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
  };
  auto sorted = [](std::vector<asio::ip::address> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto a2 = asio::ip::make_address("127.0.0.2");
  const auto a3 = asio::ip::make_address("127.0.0.3");
  const auto v6 = asio::ip::make_address("::1");

  auto both = resolve("seed1.test", node::AddressFamily::any);
  CHECK(both.status == node::ResolveStatus::ok);
  CHECK(sorted(both.addresses) == sorted({a2, a3, v6}));
  CHECK(both.timeouts == 0);

  auto v4 = resolve("seed1.test", node::AddressFamily::ipv4);
  CHECK(v4.status == node::ResolveStatus::ok);
  CHECK(sorted(v4.addresses) == sorted({a2, a3}));

  auto only6 = resolve("seed1.test", node::AddressFamily::ipv6);
  CHECK(only6.status == node::ResolveStatus::ok);
  CHECK(only6.addresses == std::vector<asio::ip::address>{v6});

  // seed2.test exists with an A record only.
  auto no_aaaa = resolve("seed2.test", node::AddressFamily::ipv6);
  CHECK(no_aaaa.status == node::ResolveStatus::no_data);
  CHECK(no_aaaa.addresses.empty());

  auto missing = resolve("missing.test", node::AddressFamily::any);
  CHECK(missing.status == node::ResolveStatus::nxdomain);
  CHECK(missing.addresses.empty());
  CHECK(!missing.message.empty());

  // c-ares answers numeric hosts itself, before ares_getaddrinfo returns; the handler must
  // still run later, on its executor.
  auto numeric = resolve("10.1.2.3", node::AddressFamily::any);
  CHECK(numeric.status == node::ResolveStatus::ok);
  CHECK(numeric.addresses == std::vector<asio::ip::address>{asio::ip::make_address("10.1.2.3")});

  resolver.reset();
  io.stop();
}

namespace {

struct RaceResult {
  std::size_t winner = 0;  // 0: the lookup, 1: the timer
  node::ResolveResult lookup;
  std::chrono::milliseconds elapsed{0};
};

// A lookup with a deadline, the way an actor would write it (style.md §1c).
asio::awaitable<RaceResult> lookup_with_deadline(node::AresResolver* resolver, std::string host,
                                                 std::chrono::milliseconds deadline) {
  using namespace asio::experimental::awaitable_operators;
  const auto started = std::chrono::steady_clock::now();
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto result = co_await (
      resolver->async_resolve(std::move(host), node::AddressFamily::any, asio::use_awaitable) ||
      timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  RaceResult out;
  out.winner = result.index();
  if (result.index() == 0) out.lookup = std::get<0>(std::move(result));
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  co_return out;
}

RaceResult run_race(asio::io_context& ioc, node::AresResolver& resolver, std::string host,
                    std::chrono::milliseconds deadline) {
  auto done = std::make_shared<std::promise<RaceResult>>();
  auto future = done->get_future();
  // On a strand: the winner's cancellation signal and the loser's slot clear must not race.
  asio::co_spawn(asio::make_strand(ioc), lookup_with_deadline(&resolver, std::move(host), deadline),
                 [done](std::exception_ptr e, RaceResult r) {
                   if (e) {
                     done->set_exception(e);
                   } else {
                     done->set_value(std::move(r));
                   }
                 });
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  return future.get();
}

}  // namespace

TEST_CASE("resolver: a lookup in || with a timer; cancellation through the slot") {
  REQUIRE_DNSMASQ(dnsmasq);
  Blackhole hole;
  test::IoRunner io(2);

  SUBCASE("the answer wins against a generous deadline") {
    node::AresResolverConfig config;
    config.servers = {dnsmasq->server()};
    node::AresResolver resolver(io.context().get_executor(), config);
    auto r = run_race(io.context(), resolver, "seed2.test", 5s);
    CHECK(r.winner == 0);
    CHECK(r.lookup.status == node::ResolveStatus::ok);
    CHECK(r.lookup.addresses ==
          std::vector<asio::ip::address>{asio::ip::make_address("127.0.0.4")});
  }
  SUBCASE("the deadline wins against a server that never answers, and cancels the lookup") {
    node::AresResolverConfig config;
    config.servers = {hole.server()};
    config.timeout = 2s;
    config.tries = 3;  // 2 + 4 + 8 s before c-ares itself would give up
    node::AresResolver resolver(io.context().get_executor(), config);
    auto r = run_race(io.context(), resolver, "seed1.test", 100ms);
    CHECK(r.winner == 1);
    // `||` waits for the loser to complete: done long before c-ares' 14 s, so the slot
    // cancelled the lookup.
    CHECK(r.elapsed < 2s);
    CHECK(hole.wait_query(0ms));  // the query did go out
  }
  io.stop();
}

TEST_CASE("resolver: destroying it completes pending lookups as cancelled") {
  Blackhole hole;
  test::IoRunner io(2);
  node::AresResolverConfig config;
  config.servers = {hole.server()};
  config.timeout = 2s;
  config.tries = 3;
  auto resolver = std::make_unique<node::AresResolver>(io.context().get_executor(), config);
  auto done = std::make_shared<std::promise<node::ResolveResult>>();
  auto future = done->get_future();
  // A buffer the handler writes to, to let ASan see any use after the resolver is gone.
  auto touched = std::make_shared<std::vector<int>>(16, 0);
  resolver->async_resolve("seed1.test", node::AddressFamily::any,
                          [done, touched](node::ResolveResult r) {
                            (*touched)[0] = 1;
                            done->set_value(std::move(r));
                          });
  REQUIRE(hole.wait_query(5s));
  const auto started = std::chrono::steady_clock::now();
  resolver.reset();
  REQUIRE(future.wait_for(5s) == std::future_status::ready);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  const auto r = future.get();
  CHECK(r.status == node::ResolveStatus::cancelled);
  CHECK((*touched)[0] == 1);
  io.stop();
}

TEST_CASE("seeder: several seeds, A and AAAA, with the network's default port") {
  REQUIRE_DNSMASQ(dnsmasq);
  Recorder recorder;
  test::IoRunner io(2);
  const auto port = net::network_params(net::NetworkId::regtest).default_port;
  REQUIRE(port == 18444);
  node::DnsSeeder seeder(io.context().get_executor(),
                         regtest_config({"seed1.test", "seed2.test"}, dnsmasq->server()),
                         recorder.handlers());
  seeder.run_once();
  REQUIRE(wait_for([&] { return recorder.round_count() == 1; }));

  CHECK(all_discovered(recorder) == std::set<tcp::endpoint>{ep("127.0.0.2", port),
                                                            ep("127.0.0.3", port), ep("::1", port),
                                                            ep("127.0.0.4", port)});
  CHECK(discovered_count(recorder) == 4);  // each endpoint once
  for (const auto& d : recorder.discovered()) {
    CHECK(!d.endpoints.empty());
    CHECK((d.seed == "seed1.test" || d.seed == "seed2.test"));
    for (const auto& e : d.endpoints) {
      if (e.address() == asio::ip::make_address("127.0.0.4")) CHECK(d.seed == "seed2.test");
    }
  }
  const auto round = recorder.rounds().at(0);
  CHECK(round.round == 1);
  CHECK(round.discovered == 4);
  REQUIRE(round.outcomes.size() == 2);
  CHECK(round.outcomes[0].seed == "seed1.test");  // in the order of the seed list
  CHECK(round.outcomes[1].seed == "seed2.test");
  CHECK(round.outcomes[0].status == node::ResolveStatus::ok);
  CHECK(round.outcomes[0].resolved == 3);
  CHECK(round.outcomes[0].discovered == 3);
  CHECK(round.outcomes[1].status == node::ResolveStatus::ok);
  CHECK(round.outcomes[1].resolved == 1);
  CHECK(recorder.outcomes().size() == 2);
  CHECK(seeder.rounds_completed() == 1);

  // run_once() without start() schedules nothing.
  std::this_thread::sleep_for(300ms);
  CHECK(recorder.round_count() == 1);
  stop_and_wait(seeder, recorder);
  io.stop();
}

TEST_CASE("seeder: an NXDOMAIN seed is reported and logged while the others deliver") {
  REQUIRE_DNSMASQ(dnsmasq);
  Recorder recorder;
  // A logger of our own (never registered): the seeder must log through it.
  auto log_text = std::make_shared<std::ostringstream>();
  auto logger = std::make_shared<spdlog::logger>(
      "dns-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_text));
  logger->set_pattern("%l %v");
  test::IoRunner io(2);
  auto config = regtest_config({"seed1.test", "missing.test", "seed2.test"}, dnsmasq->server());
  config.logger = logger;
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  seeder.start();
  REQUIRE(wait_for([&] { return recorder.round_count() >= 1; }));
  const auto round = recorder.rounds().at(0);
  const auto* missing = outcome_of(round, "missing.test");
  REQUIRE(missing != nullptr);
  CHECK(missing->status == node::ResolveStatus::nxdomain);
  CHECK(missing->resolved == 0);
  CHECK(missing->discovered == 0);
  CHECK(outcome_of(round, "seed1.test")->status == node::ResolveStatus::ok);
  CHECK(outcome_of(round, "seed2.test")->status == node::ResolveStatus::ok);
  CHECK(round.discovered == 4);
  for (const auto& d : recorder.discovered()) {
    CHECK(d.seed != "missing.test");
  }
  stop_and_wait(seeder, recorder);
  io.stop();
  const auto text = log_text->str();
  CHECK(text.find("warning [dns-seed] seed missing.test: nxdomain") != std::string::npos);
  CHECK(text.find("info [dns-seed] seed seed1.test: 3 addresses, 3 new") != std::string::npos);
  CHECK(text.find("info [dns-seed] round 1: 4 new endpoints; 2 of 3 seeds answered") !=
        std::string::npos);
}

TEST_CASE("seeder: a server that never answers gives a timeout, bounded by timeout and tries") {
  Blackhole hole;
  Recorder recorder;
  test::IoRunner io(2);
  auto config = regtest_config({"seed1.test"}, hole.server());
  config.resolver.timeout = 100ms;
  config.resolver.tries = 2;  // 100 ms, then 200 ms
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  const auto started = std::chrono::steady_clock::now();
  seeder.run_once();
  REQUIRE(wait_for([&] { return recorder.round_count() == 1; }, 10s));
  const auto took = std::chrono::steady_clock::now() - started;
  const auto round = recorder.rounds().at(0);
  REQUIRE(round.outcomes.size() == 1);
  const auto& outcome = round.outcomes[0];
  CHECK(outcome.status == node::ResolveStatus::timeout);
  CHECK(outcome.timeouts >= 2);  // every try of the A (and AAAA) query timed out
  CHECK(outcome.discovered == 0);
  CHECK(recorder.discovered().empty());
  CHECK(hole.wait_query(0ms));
  // Waited for the tries (an immediate failure would be "refused"), and not much longer:
  // 300 ms of c-ares timeouts plus slack for a loaded machine and sanitizers.
  CHECK(outcome.elapsed >= 250ms);
  CHECK(took < 2300ms);
  stop_and_wait(seeder, recorder);
  io.stop();
}

TEST_CASE("seeder: should_skip drops endpoints; duplicates across seeds are dropped") {
  REQUIRE_DNSMASQ(dnsmasq);
  const std::uint16_t port = 18444;
  Recorder recorder;
  test::IoRunner io(2);
  std::atomic<int> asked{0};
  const std::set<tcp::endpoint> banned_or_known = {ep("127.0.0.3", port), ep("::1", port)};
  node::DnsSeeder seeder(
      io.context().get_executor(),
      regtest_config({"seed1.test", "seed3.test", "seed2.test"}, dnsmasq->server()),
      recorder.handlers([&](const tcp::endpoint& e) {
        asked.fetch_add(1);
        return banned_or_known.count(e) != 0;
      }));
  seeder.run_once();
  REQUIRE(wait_for([&] { return recorder.round_count() == 1; }));
  // seed1: .2 .3 ::1; seed3: .2 .5; seed2: .4. 127.0.0.2 comes from two seeds.
  CHECK(all_discovered(recorder) == std::set<tcp::endpoint>{ep("127.0.0.2", port),
                                                            ep("127.0.0.5", port),
                                                            ep("127.0.0.4", port)});
  CHECK(discovered_count(recorder) == 3);
  const auto round = recorder.rounds().at(0);
  std::size_t duplicates = 0, skipped = 0, resolved = 0;
  for (const auto& o : round.outcomes) {
    duplicates += o.duplicates;
    skipped += o.skipped;
    resolved += o.resolved;
  }
  CHECK(resolved == 6);
  CHECK(duplicates == 1);
  CHECK(skipped == 2);
  CHECK(outcome_of(round, "seed1.test")->skipped == 2);
  CHECK(round.discovered == 3);
  CHECK(asked.load() == 5);  // the filter sees each distinct endpoint once
  stop_and_wait(seeder, recorder);
  io.stop();
}

TEST_CASE("seeder: stop() while a lookup is pending ends it at once, with no report") {
  Blackhole hole;
  Recorder recorder;
  test::IoRunner io(2);
  auto config = regtest_config({"seed1.test", "seed2.test"}, hole.server());
  config.resolver.timeout = 2s;
  config.resolver.tries = 3;  // 14 s before c-ares would give up by itself
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  seeder.start();
  REQUIRE(hole.wait_query(5s));
  const auto started = std::chrono::steady_clock::now();
  seeder.stop();
  seeder.stop();  // idempotent
  REQUIRE(wait_for([&] { return seeder.finished(); }, 5s));
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(recorder.stopped() == 1);
  CHECK(recorder.outcomes().empty());
  CHECK(recorder.round_count() == 0);
  CHECK(recorder.discovered().empty());
  // Commands after stop() are ignored.
  seeder.run_once();
  seeder.start();
  std::this_thread::sleep_for(100ms);
  CHECK(recorder.round_count() == 0);
  io.stop();
}

TEST_CASE("seeder: destroying it while a lookup is pending stops it cleanly") {
  Blackhole hole;
  Recorder recorder;
  test::IoRunner io(2);
  {
    auto config = regtest_config({"seed1.test"}, hole.server());
    config.resolver.timeout = 2s;
    config.resolver.tries = 3;
    node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
    seeder.start();
    REQUIRE(hole.wait_query(5s));
  }
  REQUIRE(wait_for([&] { return recorder.stopped() == 1; }, 5s));
  CHECK(recorder.round_count() == 0);
  io.stop();
}

TEST_CASE("seeder: periodic rounds with a short interval") {
  REQUIRE_DNSMASQ(dnsmasq);
  Recorder recorder;
  test::IoRunner io(2);
  auto config = regtest_config({"seed1.test", "seed2.test"}, dnsmasq->server());
  config.interval = 200ms;
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  seeder.start();
  seeder.start();  // once
  REQUIRE(wait_for([&] { return recorder.round_count() >= 2; }));
  stop_and_wait(seeder, recorder);
  const auto rounds = recorder.rounds();
  REQUIRE(rounds.size() >= 2);
  CHECK(rounds[0].round == 1);
  CHECK(rounds[1].round == 2);
  // Duplicates are per round: the second round reports the same endpoints again (known peers
  // are the owner's business, through should_skip).
  CHECK(rounds[0].discovered == 4);
  CHECK(rounds[1].discovered == 4);
  for (const auto& o : rounds[1].outcomes)
    CHECK(o.round == 2);
  CHECK(seeder.rounds_completed() == rounds.size());
  io.stop();
}

TEST_CASE("seeder: disabled (fixed-peer mode) never queries") {
  Blackhole hole;
  Recorder recorder;
  test::IoRunner io(2);
  auto config = regtest_config({"seed1.test"}, hole.server());
  config.enabled = false;
  config.interval = 50ms;
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  seeder.start();
  seeder.run_once();
  CHECK(!hole.wait_query(300ms));
  CHECK(recorder.round_count() == 0);
  CHECK(recorder.outcomes().empty());
  stop_and_wait(seeder, recorder);
  io.stop();
}

TEST_CASE("seeder: a network without seeds (regtest) completes empty rounds") {
  Blackhole hole;
  Recorder recorder;
  test::IoRunner io(2);
  auto config = node::dns_seeder_config(net::NetworkId::regtest);
  REQUIRE(config.seeds.empty());
  config.resolver.servers = {hole.server()};
  node::DnsSeeder seeder(io.context().get_executor(), config, recorder.handlers());
  seeder.run_once();
  REQUIRE(wait_for([&] { return recorder.round_count() == 1; }, 5s));
  CHECK(recorder.rounds().at(0).outcomes.empty());
  CHECK(recorder.rounds().at(0).discovered == 0);
  CHECK(!hole.wait_query(0ms));
  stop_and_wait(seeder, recorder);
  io.stop();
}

TEST_CASE("manager: DNS seeds lead it to a listening node; NXDOMAIN is reported") {
  auto* dns = Dnsmasq::get();
  if (dns == nullptr) {
    MESSAGE("dnsmasq is not installed; skipped");
    return;
  }
  test::IoRunner io(2);
  const auto port = test::random_mesh_port();
  // seed2.test resolves to 127.0.0.4: a node listens there on the network's port.
  auto target =
      node::Manager::create(io.context().get_executor(), test::mesh_node_config("127.0.0.4", port));
  target->start();
  auto cfg = test::mesh_node_config("127.0.0.6", port);
  cfg.dns_seed = true;
  cfg.dns_seeds = {"seed2.test", "missing.test"};
  cfg.dns_servers = {dns->server()};
  cfg.dns_timeout = 1s;
  auto seeded = node::Manager::create(io.context().get_executor(), cfg);
  auto events = seeded->subscribe(node::EventFilter::control);
  seeded->start();
  bool found = false, nxdomain = false;
  CHECK(test::eventually(
      [&] {
        for (auto& e : events->poll().events) {
          if (auto* d = std::get_if<node::DiscoveryResult>(&e)) {
            if (d->source == "seed2.test" && d->added == 1) found = true;
            if (d->source == "missing.test" && !d->error.empty()) nxdomain = true;
          }
        }
        return found && nxdomain && test::outbound_handshaked(*seeded) == 1;
      },
      20s));
  CHECK(found);
  CHECK(nxdomain);
  const auto peers = seeded->peers();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].identity.endpoint == tcp::endpoint(asio::ip::make_address("127.0.0.4"), port));
  const auto record = seeded->store()->find("127.0.0.4", port);
  REQUIRE(record);
  CHECK(record->source == peer::PeerSource::dns);
  seeded->shutdown_and_wait();
  target->shutdown_and_wait();
}
