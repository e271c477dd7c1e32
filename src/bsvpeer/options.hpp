#pragma once
// bitcoind-style options of the bsvpeer program: the command line (-name=value, -noname) and a
// config file (name=value lines, [main]/[test]/[regtest]/[stn] sections), the command line
// winning. Everything the node runs with ends up in a ManagerConfig.
#include "name_resolver.hpp"
#include "rpc_options.hpp"

#include <bsvpeer/node/manager_config.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::program {

// The metrics listener's port when -metricsbind gives none (-metrics alone: 127.0.0.1 there).
// Clear of every network's P2P and RPC ports and of the common exporter ports.
inline constexpr std::uint16_t kDefaultMetricsPort = 9335;

struct Options {
  node::ManagerConfig manager;
  // The network's own directory (<datadir>/regtest, ...): peers.json and the lock live there.
  std::filesystem::path data_dir;
  // The config file read (empty when there was none).
  std::filesystem::path config_file;
  std::string log_level = "info";
  // Log destinations as bitcoind's: debug.log in data_dir unless -debuglogfile=0 (empty then),
  // the console unless -printtoconsole=0, the file cut at startup with -shrinkdebugfile.
  std::filesystem::path debug_log_file;
  bool print_to_console = true;
  bool shrink_debug_file = false;
  // Where /metrics listens (-metricsbind, -metrics); empty: off.
  std::vector<boost::asio::ip::tcp::endpoint> metrics_bind;
  // Threads carrying the connections (the main thread runs the Manager); 0: cores - 1, at least 1.
  unsigned io_threads = 0;
  // JSON-RPC (-server, -rpc*).
  RpcOptions rpc;
  bool show_version = false;
  bool show_help = false;
  std::string help_text;
};

// Parses argv and the config file; an error is a message for the user (exit code 2).
// `home` is where the default datadir (~/.bsvpeer) lives.
std::variant<Options, std::string> parse_options(int argc, const char* const* argv,
                                                 const std::filesystem::path& home);
// The same, with host names allowed in -connect, -addnode and -seednode ("name[:port]"),
// looked up through `resolve` (the first address of the answer is used, as bitcoind's
// ConnectNode does). Without a resolver (the overload above) names are refused.
std::variant<Options, std::string> parse_options(int argc, const char* const* argv,
                                                 const std::filesystem::path& home,
                                                 const NameResolver& resolve);

// Why `next` cannot replace `current` at run time (network, datadir), or nullopt.
std::optional<std::string> reload_error(const Options& current, const Options& next);

}  // namespace bsvpeer::program
