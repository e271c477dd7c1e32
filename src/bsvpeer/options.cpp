#include "options.hpp"

#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/magic.hpp>

#include <boost/program_options.hpp>

#include <sstream>

namespace bsvpeer::program {

namespace po = boost::program_options;

std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& text,
                                                             std::uint16_t default_port) {
  std::string host = text;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      port_text = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  std::uint16_t port = default_port;
  if (!port_text.empty()) {
    try {
      std::size_t used = 0;
      const unsigned long p = std::stoul(port_text, &used);
      if (used != port_text.size() || p == 0 || p > 65535) return std::nullopt;
      port = static_cast<std::uint16_t>(p);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return boost::asio::ip::tcp::endpoint(address, port);
}

std::variant<Options, std::string> parse_options(int argc, const char* const* argv) {
  Options o;
  bool testnet = false, regtest = false, stn = false;
  std::string magic_hex, user_agent;
  int ping_interval_s = 120;
  int handshake_timeout_s = 60;
  int min_protocol = 0;
  std::vector<std::string> ban_ua, allow_ua;
  std::uint64_t services = 0;

  po::options_description desc("bsvpeer options (bitcoind style: -name=value or --name=value)");
  desc.add_options()                                                               //
      ("help,h", po::bool_switch(&o.show_help), "show this help")                  //
      ("version", po::bool_switch(&o.show_version), "print the version and exit")  //
      ("testnet", po::bool_switch(&testnet), "use the test network")               //
      ("regtest", po::bool_switch(&regtest), "use the regression test network")    //
      ("stn", po::bool_switch(&stn), "use the scaling test network")               //
      ("magicbytes", po::value(&magic_hex),
       "override the network magic, 8 hex digits in wire order (not on mainnet)")  //
      ("connect", po::value(&o.connect)->composing(),
       "connect to this peer (ip[:port]); repeatable")                      //
      ("listen", po::bool_switch(&o.listen), "accept inbound connections")  //
      ("bind", po::value(&o.bind)->composing(),
       "listen on this address (repeatable; default: all IPv4 and IPv6)")          //
      ("port", po::value(&o.port), "listen port (default: the network's port)")    //
      ("uacomment", po::value(&user_agent), "text added to the user agent")        //
      ("services", po::value(&services), "service bits to advertise (default 0)")  //
      ("banclientua", po::value(&ban_ua)->composing(),
       "user-agent substring to ban (replaces the default abc, cash, bch)")  //
      ("allowclientua", po::value(&allow_ua)->composing(),
       "user-agent substring exempt from the ban list")                              //
      ("minversion", po::value(&min_protocol), "minimum peer protocol version")      //
      ("pinginterval", po::value(&ping_interval_s), "seconds between our pings")     //
      ("p2phandshaketimeout", po::value(&handshake_timeout_s), "handshake timeout")  //
      ("debug", po::value(&o.log_level)->implicit_value("debug"),
       "log level: trace, debug, info, warn, error");

  po::variables_map vm;
  try {
    const auto style =
        po::command_line_style::default_style | po::command_line_style::allow_long_disguise;
    po::store(po::command_line_parser(argc, argv).options(desc).style(style).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  std::ostringstream help;
  help << desc;
  o.help_text = help.str();
  if (o.show_help || o.show_version) return o;

  if (int(testnet) + int(regtest) + int(stn) > 1) {
    return std::string("choose at most one of -testnet, -regtest, -stn");
  }
  auto id = testnet   ? net::NetworkId::test
            : regtest ? net::NetworkId::regtest
            : stn     ? net::NetworkId::stn
                      : net::NetworkId::main;
  o.connection.network = net::network_params(id);
  if (!magic_hex.empty()) {
    auto magic = wire::parse_magic(magic_hex);
    if (!magic) return "-magicbytes needs 8 hex digits, got '" + magic_hex + "'";
    auto custom = net::with_custom_magic(o.connection.network, *magic);
    if (!custom) return std::string("-magicbytes cannot be used on mainnet");
    o.connection.network = *custom;
  }
  if (o.port == 0) o.port = o.connection.network.default_port;
  if (!user_agent.empty()) {
    o.connection.user_agent = "/bsvpeer:0.1.0(" + user_agent + ")/";
  }
  o.connection.services = services;
  if (!ban_ua.empty()) o.connection.policy.banned_user_agents = ban_ua;
  o.connection.policy.allowed_user_agents = allow_ua;
  if (min_protocol > 0) o.connection.policy.min_protocol_version = min_protocol;
  if (ping_interval_s <= 0) return std::string("-pinginterval must be positive");
  if (handshake_timeout_s <= 0) return std::string("-p2phandshaketimeout must be positive");
  o.connection.policy.ping_interval = std::chrono::seconds(ping_interval_s);
  o.connection.policy.handshake_timeout = std::chrono::seconds(handshake_timeout_s);
  for (const auto& c : o.connect) {
    if (!parse_endpoint(c, o.port)) return "-connect: not an ip[:port]: '" + c + "'";
  }
  for (const auto& b : o.bind) {
    if (!parse_endpoint(b, o.port)) return "-bind: not an ip[:port]: '" + b + "'";
  }
  if (auto e = conn::config_error(o.connection)) return "invalid configuration: " + *e;
  if (o.connect.empty() && !o.listen) {
    return std::string("nothing to do: give -connect=ip[:port] and/or -listen");
  }
  return o;
}

}  // namespace bsvpeer::program
