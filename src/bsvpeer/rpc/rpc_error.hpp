#pragma once
// bitcoind's JSON-RPC error codes (src/rpc/protocol.h) and the exception a method throws to
// answer with one.
#include <stdexcept>
#include <string>

namespace bsvpeer::program::rpc {

enum ErrorCode : int {
  // JSON-RPC 2.0 standard codes
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  parse_error = -32700,
  // general application errors
  misc_error = -1,
  type_error = -3,
  invalid_parameter = -8,
  in_warmup = -28,
  // P2P client errors
  client_node_already_added = -23,
  client_node_not_added = -24,
  client_node_not_connected = -29,
  client_invalid_ip_or_subnet = -30,
  client_p2p_disabled = -9,
};

struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
};

}  // namespace bsvpeer::program::rpc
