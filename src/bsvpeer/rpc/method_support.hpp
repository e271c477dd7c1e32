#pragma once
// What the method files share: time, help examples, bitcoind's number formats, the node
// parameter of addnode/disconnectnode/getaddednodeinfo, and one add_*_methods per group.
#include "dispatcher.hpp"
#include "node_methods.hpp"

#include <bsvpeer/conn/message_stats.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace bsvpeer::program::rpc {

using MethodContext = std::shared_ptr<const NodeContext>;

std::int64_t unix_now();
std::int64_t unix_millis();
// bitcoind's "Examples:" section of a help text: a bitcoin-cli line and a curl line.
std::string examples(const std::string& method, const std::string& cli_args = "",
                     const std::string& rpc_args = "");
std::string services_hex(std::uint64_t services);
// Microseconds to bitcoind's decimal seconds.
double seconds_of(std::int64_t us);
// A peer's per-command traffic as getpeerinfo's bytessent_per_msg/bytesrecv_per_msg objects.
Json traffic_bytes(const std::map<std::string, conn::CommandTraffic, std::less<>>& map);
Json traffic_messages(const std::map<std::string, conn::CommandTraffic, std::less<>>& map);
// One listbanned entry.
Json ban_entry(const std::string& address, std::int64_t until, std::int64_t created,
               const std::string& reason);
// The node as the addnode/getaddednodeinfo/disconnectnode parameters name it.
boost::asio::ip::tcp::endpoint node_endpoint(const std::string& text, std::uint16_t default_port);

void add_peer_methods(Dispatcher& d, const MethodContext& c);
void add_network_methods(Dispatcher& d, const MethodContext& c);
void add_ban_methods(Dispatcher& d, const MethodContext& c);
void add_control_methods(Dispatcher& d, const MethodContext& c);

}  // namespace bsvpeer::program::rpc
