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

std::string example_cli(const std::string& method, const std::string& args) {
  return "> bitcoin-cli " + method + " " + args + "\n";
}

std::string example_rpc(const std::string& method, const std::string& args) {
  return "> curl --user myusername --data-binary '{\"jsonrpc\": \"1.0\", \"id\":\"curltest\", "
         "\"method\": \"" +
         method + "\", \"params\": [" + args +
         "] }' -H 'content-type: text/plain;' http://127.0.0.1:8332/\n";
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string examples(const std::string& method, const std::string& cli_args,
                     const std::string& rpc_args) {
  return "\nExamples:\n" + example_cli(method, cli_args) + example_rpc(method, rpc_args);
}

std::string services_hex(std::uint64_t services) {
  return fmt::format("{:016x}", services);
}

double seconds_of(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
}

boost::asio::ip::tcp::endpoint node_endpoint(const std::string& text, std::uint16_t default_port) {
  auto ep = net::parse_endpoint(text, default_port);
  if (!ep) {
    throw RpcError(invalid_parameter,
                   "Error: '" + text + "' is not an IP address with an optional port");
  }
  return *ep;
}

Json traffic_bytes(const std::map<std::string, conn::CommandTraffic, std::less<>>& map) {
  Json o = Json::object();
  for (const auto& [command, t] : map) {
    if (t.bytes > 0) o[command] = t.bytes;
  }
  return o;
}

Json traffic_messages(const std::map<std::string, conn::CommandTraffic, std::less<>>& map) {
  Json o = Json::object();
  for (const auto& [command, t] : map) {
    if (t.messages > 0) o[command] = t.messages;
  }
  return o;
}

Json ban_entry(const std::string& address, std::int64_t until, std::int64_t created,
               const std::string& reason) {
  Json o = Json::object();
  o["address"] = address;
  o["banned_until"] = until;
  o["ban_created"] = created;
  o["ban_reason"] = reason;
  return o;
}

}  // namespace bsvpeer::program::rpc
