#include "method_support.hpp"
#include "node_methods.hpp"

namespace bsvpeer::program::rpc {

void add_node_methods(Dispatcher& d, NodeContext context) {
  const MethodContext c = std::make_shared<const NodeContext>(std::move(context));
  add_peer_methods(d, c);
  add_network_methods(d, c);
  add_ban_methods(d, c);
  add_control_methods(d, c);
}

}  // namespace bsvpeer::program::rpc
