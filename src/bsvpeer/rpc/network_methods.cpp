// The node-wide network methods: getnettotals and getnetworkinfo as SV Node 1.2.2's
// src/rpc/net.cpp has them, and bsvpeer's own getpeerstore and getnodehealth.
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

void add_network_methods(Dispatcher& d, const MethodContext& c) {
  const auto& manager = c->manager;

  d.add(
      Method{"network",
             "getnettotals",
             {},
             "getnettotals\n"
             "\nReturns information about network traffic, including bytes in, bytes out,\n"
             "and current time.\n"
             "\nResult:\n"
             "{\n"
             "  \"totalbytesrecv\": n,   (numeric) Total bytes received\n"
             "  \"totalbytessent\": n,   (numeric) Total bytes sent\n"
             "  \"timemillis\": t,       (numeric) Current UNIX time in milliseconds\n"
             "  \"uploadtarget\":\n"
             "  {\n"
             "    \"timeframe\": n,                         (numeric) Length of the measuring "
             "timeframe in seconds\n"
             "    \"target\": n,                            (numeric) Target in bytes (0: none)\n"
             "    \"target_reached\": true|false,           (boolean) True if target is reached\n"
             "    \"serve_historical_blocks\": true|false,  (boolean) True if serving historical "
             "blocks\n"
             "    \"bytes_left_in_cycle\": t,               (numeric) Bytes left in current time "
             "cycle\n"
             "    \"time_left_in_cycle\": t                 (numeric) Seconds left in current time "
             "cycle\n"
             "  },\n"
             "  \"totalmessagesrecv\": n,  (numeric) bsvpeer: messages received\n"
             "  \"totalmessagessent\": n,  (numeric) bsvpeer: messages sent\n"
             "  \"bytesrecv_per_msg\": {...},  (object) bsvpeer: bytes received by message type\n"
             "  \"bytessent_per_msg\": {...}   (object) bsvpeer: bytes sent by message type\n"
             "}\n" +
                 examples("getnettotals"),
             [manager](const Params&) -> Json {
               const auto totals = manager->traffic_totals();
               std::uint64_t bytes_in = 0, bytes_out = 0, msgs_in = 0, msgs_out = 0;
               for (const auto& [cmd, t] : totals.received) {
                 bytes_in += t.bytes;
                 msgs_in += t.messages;
               }
               for (const auto& [cmd, t] : totals.sent) {
                 bytes_out += t.bytes;
                 msgs_out += t.messages;
               }
               Json o = Json::object();
               o["totalbytesrecv"] = bytes_in;
               o["totalbytessent"] = bytes_out;
               o["timemillis"] = unix_millis();
               // No -maxuploadtarget in bsvpeer: SV's values for "no target".
               Json target = Json::object();
               target["timeframe"] = 86400;
               target["target"] = 0;
               target["target_reached"] = false;
               target["serve_historical_blocks"] = true;
               target["bytes_left_in_cycle"] = 0;
               target["time_left_in_cycle"] = 0;
               o["uploadtarget"] = target;
               o["totalmessagesrecv"] = msgs_in;
               o["totalmessagessent"] = msgs_out;
               o["bytesrecv_per_msg"] = traffic_bytes(totals.received);
               o["bytessent_per_msg"] = traffic_bytes(totals.sent);
               return o;
             }});

  d.add(Method{
      "network",
      "getnetworkinfo",
      {},
      "getnetworkinfo\n"
      "Returns an object containing various state info regarding P2P networking.\n"
      "\nResult:\n"
      "{\n"
      "  \"version\": xxxxx,                      (numeric) the server version\n"
      "  \"subversion\": \"/bsvpeer:x.x.x/\",     (string) the server subversion string\n"
      "  \"protocolversion\": xxxxx,              (numeric) the protocol version\n"
      "  \"localservices\": \"xxxxxxxxxxxxxxxx\", (string) the services we offer to the "
      "network\n"
      "  \"localrelay\": true|false,              (bool) true if transaction relay is requested "
      "from peers\n"
      "  \"timeoffset\": xxxxx,                   (numeric) the time offset (median of the "
      "peers')\n"
      "  \"txnpropagationfreq\": xxxxx,           (numeric) 0: bsvpeer has no transaction "
      "propagator\n"
      "  \"txnpropagationqlen\": xxxxx,           (numeric) 0: bsvpeer has no transaction "
      "propagator\n"
      "  \"networkactive\": true|false,           (bool) whether p2p networking is enabled\n"
      "  \"connections\": xxxxx,                  (numeric) the number of connections\n"
      "  \"addresscount\": xxxxx,                 (numeric) number of known peer addresses\n"
      "  \"minconsolidationfactor\": xxxxx,       (numeric) 0: bsvpeer has no mempool\n"
      "  \"maxconsolidationinputscriptsize\": xxxxx,  (numeric) 0: bsvpeer has no mempool\n"
      "  \"minconsolidationinputmaturity\": xxxxx,    (numeric) 0: bsvpeer has no mempool\n"
      "  \"acceptnonstdconsolidationinput\": xxxxx,   (numeric) 0: bsvpeer has no mempool\n"
      "  \"networks\": [                          (array) information per network\n"
      "  {\n"
      "    \"name\": \"xxx\",                     (string) network (ipv4, ipv6 or onion)\n"
      "    \"limited\": true|false,               (boolean) is the network limited?\n"
      "    \"reachable\": true|false,             (boolean) is the network reachable?\n"
      "    \"proxy\": \"host:port\"               (string) the proxy used, or empty if none\n"
      "    \"proxy_randomize_credentials\": true|false,  (string) Whether randomized "
      "credentials are used\n"
      "  }\n"
      "  ,...\n"
      "  ],\n"
      "  \"relayfee\": x.xxxxxxxx,                (numeric) 0: bsvpeer relays no "
      "transactions of its own\n"
      "  \"localaddresses\": [                    (array) list of local addresses\n"
      "  {\n"
      "    \"address\": \"xxxx\",                 (string) network address\n"
      "    \"port\": xxx,                         (numeric) network port\n"
      "    \"score\": xxx                         (numeric) relative score\n"
      "  }\n"
      "  ,...\n"
      "  ],\n"
      "  \"warnings\": \"...\",                    (string) any network warnings\n"
      "  \"network\": \"main\",                    (string) bsvpeer: the network's name\n"
      "  \"listening\": [\"ip:port\", ...]         (array) bsvpeer: where we accept peers\n"
      "}\n" +
          examples("getnetworkinfo"),
      [c](const Params&) -> Json {
        const auto facts = c->facts();
        const auto peers = c->manager->peers();
        std::vector<std::int64_t> offsets;
        for (const auto& p : peers) {
          if (p.state == conn::PeerState::connected) offsets.push_back(p.time_offset);
        }
        std::int64_t median = 0;
        if (!offsets.empty()) {
          std::nth_element(offsets.begin(), offsets.begin() + offsets.size() / 2, offsets.end());
          median = offsets[offsets.size() / 2];
        }
        const auto health = c->manager->health();
        Json o = Json::object();
        o["version"] = kClientVersion;
        o["subversion"] = facts.user_agent;
        o["protocolversion"] = net::kProtocolVersion;
        o["localservices"] = services_hex(facts.local_services);
        o["localrelay"] = true;
        o["timeoffset"] = median;
        o["txnpropagationfreq"] = 0;
        o["txnpropagationqlen"] = 0;
        o["networkactive"] = true;
        o["connections"] = c->manager->connection_count() + c->manager->over_capacity_count();
        o["addresscount"] = c->manager->store()->size();
        o["minconsolidationfactor"] = 0;
        o["maxconsolidationinputscriptsize"] = 0;
        o["minconsolidationinputmaturity"] = 0;
        o["acceptnonstdconsolidationinput"] = 0;
        Json networks = Json::array();
        for (const char* name : {"ipv4", "ipv6", "onion"}) {
          const bool onion = std::string_view(name) == "onion";
          Json n = Json::object();
          n["name"] = name;
          n["limited"] = onion;
          n["reachable"] = !onion;
          n["proxy"] = "";
          n["proxy_randomize_credentials"] = false;
          networks.push_back(n);
        }
        o["networks"] = networks;
        o["relayfee"] = 0.0;
        o["localaddresses"] = Json::array();
        o["warnings"] = health.isolated ? "isolated: fewer handshaked peers than the minimum" : "";
        o["network"] = facts.network;
        Json listening = Json::array();
        for (const auto& ep : c->manager->listening_endpoints())
          listening.push_back(endpoint_text(ep));
        o["listening"] = listening;
        return o;
      }});

  d.add(Method{
      "network",
      "getpeerstore",
      {"status"},
      "getpeerstore ( \"status\" )\n"
      "\nbsvpeer: the peer store, every peer the node knows, where it stands and why.\n"
      "\nArguments:\n"
      "1. \"status\"   (string, optional) only peers with this status: unknown, valid, "
      "inaccessible, banned\n"
      "\nResult:\n"
      "{\n"
      "  \"counts\": { \"unknown\": n, \"valid\": n, \"inaccessible\": n, \"banned\": n },\n"
      "  \"subnet_bans\": [ { \"address\", \"banned_until\", \"ban_created\", \"ban_reason\" } ],\n"
      "  \"peers\": [\n"
      "    { \"id\": \"uuid\", \"ip\": \"1.2.3.4\", \"port\": n, \"status\": \"valid\", "
      "\"status_since\": ttt, \"source\": \"dns|addr|manual|inbound\", \"services\": n, "
      "\"user_agent\": \"...\", \"last_success\": ttt, \"last_attempt\": ttt, \"attempts\": n, "
      "\"retry_count\": n, \"restart_count\": n, \"ban\": { \"reason\": \"...\", \"until\": ttt "
      "}, \"last_error\": \"why it was last dropped\" }, ...\n"
      "  ]\n"
      "}\n" +
          examples("getpeerstore", "\"banned\"", "\"banned\""),
      [manager](const Params& p) -> Json {
        std::optional<peer::PeerStatus> filter;
        if (!p.is_null(0)) {
          const auto text = p.string(0, "status");
          for (auto s : {peer::PeerStatus::unknown, peer::PeerStatus::valid,
                         peer::PeerStatus::inaccessible, peer::PeerStatus::banned}) {
            if (peer::to_string(s) == text) filter = s;
          }
          if (!filter) {
            throw RpcError(
                invalid_parameter,
                "status must be unknown, valid, inaccessible or banned, not '" + text + "'");
          }
        }
        auto& store = *manager->store();
        const auto counts = store.counts();
        Json o = Json::object();
        Json cs = Json::object();
        cs["unknown"] = counts.unknown;
        cs["valid"] = counts.valid;
        cs["inaccessible"] = counts.inaccessible;
        cs["banned"] = counts.banned;
        o["counts"] = cs;
        Json bans = Json::array();
        for (const auto& b : store.subnet_bans())
          bans.push_back(ban_entry(b.subnet.to_string(), b.until, b.created, b.reason));
        o["subnet_bans"] = bans;
        Json peers = Json::array();
        for (const auto& r : filter ? store.list(*filter) : store.snapshot()) {
          peers.push_back(Json::parse(peer::peer_record_to_json(r).dump(
              -1, ' ', false, nlohmann::json::error_handler_t::replace)));
        }
        o["peers"] = peers;
        return o;
      },
      0,
      1});

  d.add(
      Method{"network",
             "getnodehealth",
             {},
             "getnodehealth\n"
             "\nbsvpeer: the node's connection slots, targets and whether it is isolated.\n"
             "\nResult:\n"
             "{\n"
             "  \"slots\": { \"used\": n, \"max\": n, \"high_water\": n, \"over_capacity\": n },\n"
             "  \"outbound\": { \"connected\": n, \"target\": n, \"manual_max\": n },\n"
             "  \"inbound\": n,              (numeric) inbound connections\n"
             "  \"handshaked\": n,           (numeric) connections past the handshake\n"
             "  \"min_connected_peers\": n,  (numeric) isolated below this many handshaked peers\n"
             "  \"isolated\": true|false,\n"
             "  \"store\": { \"unknown\": n, \"valid\": n, \"inaccessible\": n, \"banned\": n },\n"
             "  \"messages\": { \"received\": n, \"sent\": n },\n"
             "  \"bytes\": { \"received\": n, \"sent\": n },\n"
             "  \"ping\": { \"mean\": x, \"min\": x }   (numeric) seconds, -1 when unknown\n"
             "}\n" +
                 examples("getnodehealth"),
             [c](const Params&) -> Json {
               const auto facts = c->facts();
               const auto h = c->manager->health();
               Json o = Json::object();
               Json slots = Json::object();
               slots["used"] = c->manager->connection_count();
               slots["max"] = facts.max_connections;
               slots["high_water"] = c->manager->slot_high_water();
               slots["over_capacity"] = c->manager->over_capacity_count();
               o["slots"] = slots;
               Json outbound = Json::object();
               outbound["connected"] = h.outbound;
               outbound["target"] = facts.target_outbound;
               outbound["manual_max"] = facts.max_manual;
               o["outbound"] = outbound;
               o["inbound"] = h.inbound;
               o["handshaked"] = h.handshaked;
               o["min_connected_peers"] = facts.min_connected_peers;
               o["isolated"] = h.isolated;
               Json store = Json::object();
               store["unknown"] = h.store.unknown;
               store["valid"] = h.store.valid;
               store["inaccessible"] = h.store.inaccessible;
               store["banned"] = h.store.banned;
               o["store"] = store;
               o["messages"] = Json{{"received", h.messages_in}, {"sent", h.messages_out}};
               o["bytes"] = Json{{"received", h.bytes_in}, {"sent", h.bytes_out}};
               o["ping"] = Json{{"mean", h.mean_ping_us < 0 ? -1.0 : seconds_of(h.mean_ping_us)},
                                {"min", h.min_ping_us < 0 ? -1.0 : seconds_of(h.min_ping_us)}};
               return o;
             }});
}

}  // namespace bsvpeer::program::rpc
