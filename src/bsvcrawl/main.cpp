// bsvcrawl: maps the reachable BSV network. See README.md in this directory.
#include "chart_js.hpp"
#include "crawler.hpp"
#include "html_report.hpp"
#include "options.hpp"
#include "report.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;
namespace crawl = bsvpeer::crawl;

namespace {

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 1u << 20 : limit.rlim_cur;
}

crawl::UnixSeconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_progress(const crawl::Progress& p) {
  std::string eta = p.eta_s ? fmt::format("{:.0f}s", *p.eta_s) : "-";
  if (p.waiting_for_round) eta = "waiting for the next round";
  return fmt::format(
      "round {}: known {} | contacted {} | answered {} | bsv {} | failed {} | in flight {} | "
      "{:.0f}/s | eta {}",
      p.round, p.known, p.contacted, p.answered, p.bsv, p.failed, p.in_flight, p.rate, eta);
}

// Writes nodes.json, nodes.csv, seeds.hosts and report.html; false when one failed.
bool write_outputs(const crawl::CrawlState& state, const bsvcrawl::Options& o,
                   std::uint16_t seed_port, spdlog::logger& log) {
  const auto report = crawl::build_report(state, unix_now());
  const auto dir = o.out.empty() ? o.datadir : o.out;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  crawl::SeedListOptions seeds;
  seeds.name = o.seed_name;
  seeds.port = seed_port;
  seeds.max = o.seed_max;
  seeds.min_uptime = o.seed_min_uptime;
  bool ok = true;
  for (auto& [name, text] : std::initializer_list<std::pair<const char*, std::string>>{
           {"nodes.json", crawl::nodes_json(report)},
           {"nodes.csv", crawl::nodes_csv(report)},
           {"seeds.hosts", crawl::seed_hosts(report, seeds)},
           {"report.html", crawl::html_report(report, crawl::chart_js_source())}}) {
    if (auto error = crawl::write_file_atomic(dir / name, text); !error.empty()) {
      log.error("writing {} failed: {}", name, error);
      ok = false;
    }
  }
  const auto& t = report.totals;
  log.info(
      "{} nodes: {} BSV, {} BCH, {} BTC, {} unknown, {} unreachable, {} pending; outputs in {}",
      t.known, t.bsv, t.bch, t.btc, t.unknown, t.unreachable, t.pending, dir.string());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t fd_limit = raise_open_file_limit();
  auto parsed = bsvcrawl::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "bsvcrawl: " << *error << "\n";
    return 2;
  }
  const auto options = std::get<bsvcrawl::Options>(parsed);
  if (options.help) {
    std::cout << bsvcrawl::help_text(fd_limit);
    return 0;
  }
  auto configured = bsvcrawl::crawler_config(options, fd_limit);
  if (auto* error = std::get_if<std::string>(&configured)) {
    std::cerr << "bsvcrawl: " << *error << "\n";
    return 2;
  }
  auto config = std::get<crawl::CrawlerConfig>(std::move(configured));

  auto logger = spdlog::stderr_color_mt("bsvcrawl");
  logger->set_level(spdlog::level::from_str(options.log_level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  config.logger = logger;

  std::error_code ec;
  std::filesystem::create_directories(options.datadir, ec);
  if (ec) {
    std::cerr << "bsvcrawl: cannot create " << options.datadir << ": " << ec.message() << "\n";
    return 1;
  }
  crawl::CrawlState state;
  auto loaded = crawl::load_state(config.state_file);
  if (auto* error = std::get_if<crawl::StateError>(&loaded)) {
    std::cerr << "bsvcrawl: " << error->what << " (move it away to start afresh)\n";
    return 1;
  }
  if (auto* s = std::get_if<crawl::CrawlState>(&loaded)) {
    if (s->network != config.network.name) {
      std::cerr << "bsvcrawl: " << config.state_file << " is a crawl of " << s->network << ", not "
                << config.network.name << "\n";
      return 1;
    }
    state = std::move(*s);
  } else {
    state.network = config.network.name;
  }

  // A live line on a terminal; plain log lines every --progress-interval otherwise.
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) config.progress_interval = std::chrono::milliseconds(500);
  config.on_progress = [tty, logger](const crawl::Progress& p) {
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", format_progress(p).c_str());
      std::fflush(stderr);
    } else {
      logger->info("{}", format_progress(p));
    }
  };

  asio::io_context ioc(static_cast<int>(options.threads));
  const std::uint16_t seed_port = config.dns.port;
  auto crawler = std::make_shared<crawl::Crawler>(ioc.get_executor(), config, std::move(state));
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  int exit_code = 1;
  crawler->start([&](crawl::CrawlOutcome outcome) {
    if (tty) std::fprintf(stderr, "\n");
    const bool written = write_outputs(crawler->state(), options, seed_port, *logger);
    switch (outcome) {
      case crawl::CrawlOutcome::complete:
        exit_code = written ? 0 : 1;
        break;
      case crawl::CrawlOutcome::interrupted:
        logger->info("stopped early; the state is saved: run again to continue");
        exit_code = written ? 3 : 1;
        break;
      case crawl::CrawlOutcome::failed:
        exit_code = 1;
        break;
    }
    signals.cancel();
    ioc.stop();
  });
  signals.async_wait([&](const boost::system::error_code& e, int signo) {
    if (e) return;
    crawler->stop(signo == SIGINT ? "SIGINT" : "SIGTERM");
    // A second signal while stopping is not needed: the stop is bounded (2 s grace).
  });
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < options.threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  return exit_code;
}
