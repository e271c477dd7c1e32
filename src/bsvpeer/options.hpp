#pragma once
// bitcoind-style options of the bsvpeer program (-regtest, -connect=host:port, -listen, ...).
#include <bsvpeer/conn/connection_config.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::program {

struct Options {
  conn::ConnectionConfig connection;
  std::vector<std::string> connect;  // host:port (or host, then the network's port)
  bool listen = false;
  std::vector<std::string> bind;  // addresses to listen on; default 127.0.0.1 and ::1? no: all
  std::uint16_t port = 0;         // 0: the network's default port
  std::string log_level = "info";
  bool show_version = false;
  bool show_help = false;
  std::string help_text;
};

// Parses argv; an error is a message for the user (exit code 2).
std::variant<Options, std::string> parse_options(int argc, const char* const* argv);

// "host:port", "[v6]:port", "host" -> endpoint (numeric addresses only; no DNS here).
std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& text,
                                                             std::uint16_t default_port);

}  // namespace bsvpeer::program
