// The control methods (uptime, stop) as SV Node 1.2.2's src/rpc/server.cpp, and bsvpeer's
// reloadconfig.
#include "method_support.hpp"
#include "options.hpp"

#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/peer/peer_record_json.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace bsvpeer::program::rpc {

namespace {

using net::endpoint_text;
using tcp = boost::asio::ip::tcp;

}  // namespace

void add_control_methods(Dispatcher& d, const MethodContext& c) {
  d.add(Method{"control",
               "uptime",
               {},
               "uptime\n"
               "\nReturns the total uptime of the server.\n"
               "\nResult:\n"
               "ttt        (numeric) The number of seconds that the server has been running\n" +
                   examples("uptime"),
               [c](const Params&) -> Json { return unix_now() - c->start_time; },
               0,
               1});

  d.add(Method{"control",
               "stop",
               {},
               "stop\n"
               "\nStop Bitcoin server.",
               [c](const Params&) -> Json {
                 c->request_stop();
                 return "Bitcoin server stopping";
               },
               0,
               1});

  d.add(Method{"control",
               "reloadconfig",
               {},
               "reloadconfig\n"
               "\nbsvpeer: re-reads the command line options and the config file and applies "
               "them, as SIGHUP does.\n"
               "\nResult:\n"
               "null, or an error (code -1) saying why the new configuration was refused\n" +
                   examples("reloadconfig"),
               [c](const Params&) -> Json {
                 if (auto e = c->reload()) throw RpcError(misc_error, "reload refused: " + *e);
                 return nullptr;
               }});
}

}  // namespace bsvpeer::program::rpc
