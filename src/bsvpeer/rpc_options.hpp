#pragma once
// The JSON-RPC server's options, bitcoind's names: -server, -rpcbind, -rpcport, -rpcallowip,
// -rpcuser, -rpcpassword (parsed in options.cpp through describe_rpc_options/finish_rpc_options).
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::program {

struct RpcOptions {
  // On by default, as in bitcoind: loopback only and a cookie, so nothing is open to others.
  bool enabled = true;
  // -server, -rpcbind or -rpcport given: a bind failure stops the node (with the defaults it
  // is logged and the node runs without RPC, e.g. a second node on the same host).
  bool required = false;
  std::vector<boost::asio::ip::tcp::endpoint> binds;
  std::vector<peer::Subnet> allow;  // besides loopback
  std::string user, password;       // both empty: cookie authentication
};

struct RawRpcOptions {
  std::vector<std::string> bind, allow;
  std::string user, password;
  int port = 0;
  bool server = true;
};

// SV's RPC port of the network (chainparamsbase.cpp): main 8332, test and regtest 18332,
// stn 9332.
std::uint16_t default_rpc_port(net::NetworkId network);

void describe_rpc_options(boost::program_options::options_description& desc, RawRpcOptions& raw);
// An error text for the user, or nullopt with `out` filled.
std::optional<std::string> finish_rpc_options(const RawRpcOptions& raw,
                                              const boost::program_options::variables_map& vm,
                                              net::NetworkId network, RpcOptions& out);

}  // namespace bsvpeer::program
