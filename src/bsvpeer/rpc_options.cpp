#include "options.hpp"
#include "rpc_options.hpp"

#include <bsvpeer/net/address_text.hpp>

#include <boost/program_options/value_semantic.hpp>

namespace bsvpeer::program {

namespace po = boost::program_options;
using tcp = boost::asio::ip::tcp;

std::uint16_t default_rpc_port(net::NetworkId network) {
  switch (network) {
    case net::NetworkId::main:
      return 8332;
    case net::NetworkId::stn:
      return 9332;
    case net::NetworkId::test:
    case net::NetworkId::regtest:
      return 18332;
  }
  return 8332;
}

void describe_rpc_options(po::options_description& desc, RawRpcOptions& r) {
  desc.add_options()  //
      ("server", po::value(&r.server)->implicit_value(true),
       "accept JSON-RPC commands (default 1: on loopback, with a cookie)")  //
      ("rpcbind", po::value(&r.bind)->composing(),
       "JSON-RPC listen address[:port], repeatable; only with -rpcallowip (default: 127.0.0.1 "
       "and ::1)")  //
      ("rpcport", po::value(&r.port),
       "JSON-RPC port (default: 8332, testnet and regtest 18332, stn 9332)")  //
      ("rpcallowip", po::value(&r.allow)->composing(),
       "allow JSON-RPC from this IP or subnet besides loopback, repeatable")                  //
      ("rpcuser", po::value(&r.user), "JSON-RPC user name (default: cookie authentication)")  //
      ("rpcpassword", po::value(&r.password),
       "JSON-RPC password (default: a random cookie in <datadir>/.cookie)");
}

std::optional<std::string> finish_rpc_options(const RawRpcOptions& r, const po::variables_map& vm,
                                              net::NetworkId network, RpcOptions& out) {
  out = RpcOptions{};
  out.enabled = r.server;
  out.required = (vm.count("server") && !vm["server"].defaulted()) || !r.bind.empty() ||
                 (vm.count("rpcport") && !vm["rpcport"].defaulted());
  if (r.port < 0 || r.port > 65535) {
    return "-rpcport must be between 1 and 65535, got " + std::to_string(r.port);
  }
  const auto port = r.port == 0 ? default_rpc_port(network) : static_cast<std::uint16_t>(r.port);
  for (const auto& text : r.allow) {
    auto s = peer::Subnet::parse(text);
    if (!s) return "-rpcallowip: not an IP or subnet: '" + text + "'";
    out.allow.push_back(*s);
  }
  // As bitcoind: -rpcbind opens the RPC to more than loopback, so it needs -rpcallowip.
  if (!r.bind.empty() && r.allow.empty()) {
    return std::string("-rpcbind needs -rpcallowip (who may connect besides loopback)");
  }
  for (const auto& text : r.bind) {
    auto ep = net::parse_endpoint(text, port);
    if (!ep) return "-rpcbind: not an ip[:port]: '" + text + "'";
    out.binds.push_back(*ep);
  }
  if (out.binds.empty()) {
    out.binds.emplace_back(boost::asio::ip::address_v4::loopback(), port);
    out.binds.emplace_back(boost::asio::ip::address_v6::loopback(), port);
  }
  if (r.user.empty() != r.password.empty()) {
    return std::string("-rpcuser and -rpcpassword go together (or neither: cookie)");
  }
  if (r.user.find(':') != std::string::npos) {
    return std::string("-rpcuser cannot contain ':'");
  }
  out.user = r.user;
  out.password = r.password;
  return std::nullopt;
}

}  // namespace bsvpeer::program
