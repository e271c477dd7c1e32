#pragma once
// bsvcrawl's command line: GNU-style long options (--name=value or --name value; a single
// dash works too, as in `bsvcrawl -help`). Every option has a default shown by --help. A
// pure parser: it returns the options or one line saying what is wrong (exit code 2).
#include "crawler.hpp"
#include "report.hpp"

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace bsvcrawl {

struct Options {
  std::string network = "main";
  std::vector<std::string> seeds;  // ip:port
  std::string seed_file;
  bool dns_seed = true;
  std::vector<std::string> dns_seed_names;  // empty: the network's seeds
  std::vector<std::string> dns_servers;     // empty: the system resolver
  int port = 0;                             // 0: the network's default port
  std::filesystem::path datadir = "bsvcrawl-data";
  std::filesystem::path out;    // empty: datadir
  std::size_t concurrency = 0;  // 0: default_concurrency()
  double rate = 500;
  double connect_timeout = 5, handshake_timeout = 10, addr_timeout = 30;
  double deadline = 0;
  std::uint64_t rounds = 1;
  double interval = 3600;
  double save_interval = 5;
  double progress_interval = 10;
  bool local_addresses = false;
  std::size_t max_addrs = 1000;
  std::string seed_name = "seed.bsvcrawl.local";
  std::size_t seed_max = 1000;
  double seed_min_uptime = 0.5;
  std::string user_agent = "/bsvcrawl:0.1.0/";
  unsigned threads = 1;
  std::string log_level = "info";
  bool help = false;
};

// Sensible for 2 cores and the open-file limit: at most 512 visits, and no more than half of
// the descriptors left after a reserve for files, DNS and the loop itself.
std::size_t default_concurrency(std::uint64_t open_file_limit);

// Options, or one line: what is wrong.
std::variant<Options, std::string> parse_options(const std::vector<std::string>& args);

// The --help text: every option with its default.
std::string help_text(std::uint64_t open_file_limit);

// The crawler's settings from the options; one line on failure (bad seed, bad network).
std::variant<bsvpeer::crawl::CrawlerConfig, std::string> crawler_config(
    const Options& options, std::uint64_t open_file_limit);

}  // namespace bsvcrawl
