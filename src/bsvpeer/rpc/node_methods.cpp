#include "node_methods.hpp"
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

std::string example_cli(const std::string& method, const std::string& args) {
  return "> bitcoin-cli " + method + " " + args + "\n";
}

std::string example_rpc(const std::string& method, const std::string& args) {
  return "> curl --user myusername --data-binary '{\"jsonrpc\": \"1.0\", \"id\":\"curltest\", "
         "\"method\": \"" +
         method + "\", \"params\": [" + args +
         "] }' -H 'content-type: text/plain;' http://127.0.0.1:8332/\n";
}

std::string examples(const std::string& method, const std::string& cli_args = "",
                     const std::string& rpc_args = "") {
  return "\nExamples:\n" + example_cli(method, cli_args) + example_rpc(method, rpc_args);
}

std::string services_hex(std::uint64_t services) {
  return fmt::format("{:016x}", services);
}

// Microseconds to bitcoind's decimal seconds.
double seconds_of(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
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

Json peer_json(const node::PeerInfo& p) {
  Json o = Json::object();
  o["id"] = p.identity.id;
  o["addr"] = endpoint_text(p.identity.endpoint);
  o["services"] = services_hex(p.services);
  o["relaytxes"] = p.relay;
  o["lastsend"] = p.last_send;
  o["lastrecv"] = p.last_receive;
  o["sendsize"] = p.send_queue_bytes;
  o["pausesend"] = p.send_paused;
  // We stop reading a peer while its send queue is above the watermark.
  o["pauserecv"] = p.send_paused;
  o["bytessent"] = p.bytes_sent;
  o["bytesrecv"] = p.bytes_received;
  o["avgrecvbw"] = p.receive_rate_minute;
  Json stream = Json::object();
  stream["streamtype"] = "GENERAL";  // one TCP stream per peer
  stream["lastsend"] = p.last_send;
  stream["lastrecv"] = p.last_receive;
  stream["bytessent"] = p.bytes_sent;
  stream["bytesrecv"] = p.bytes_received;
  stream["sendsize"] = p.send_queue_bytes;
  stream["spotrecvbw"] = p.receive_rate_second;
  stream["minuterecvbw"] = p.receive_rate_minute;
  o["streams"] = Json::array({stream});
  o["conntime"] = p.connected_since;
  o["timeoffset"] = p.time_offset;
  if (p.last_ping_us > 0) o["pingtime"] = seconds_of(p.last_ping_us);
  if (p.min_ping_us >= 0) o["minping"] = seconds_of(p.min_ping_us);
  o["version"] = p.version;
  o["subver"] = p.user_agent;
  o["inbound"] = p.identity.direction == conn::Direction::inbound;
  o["addnode"] = p.manual;
  o["startingheight"] = p.start_height;
  // No transaction inventory is queued for trickling: bsvpeer relays what it is given at once.
  o["txninvsize"] = 0;
  o["banscore"] = p.misbehaviour;
  // bsvpeer keeps no chain: nothing in common with any peer (SV's "unknown" value).
  o["synced_headers"] = -1;
  o["synced_blocks"] = -1;
  o["inflight"] = Json::array();
  o["whitelisted"] = false;
  o["bytessent_per_msg"] = traffic_bytes(p.traffic.sent);
  o["bytesrecv_per_msg"] = traffic_bytes(p.traffic.received);
  // Ours.
  o["state"] = std::string(conn::to_string(p.state));
  o["msgssent_per_msg"] = traffic_messages(p.traffic.sent);
  o["msgsrecv_per_msg"] = traffic_messages(p.traffic.received);
  o["storeid"] = p.store_id;
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

// The node as the addnode/getaddednodeinfo/disconnectnode parameters name it.
tcp::endpoint node_endpoint(const std::string& text, std::uint16_t default_port) {
  auto ep = parse_endpoint(text, default_port);
  if (!ep) {
    throw RpcError(invalid_parameter,
                   "Error: '" + text + "' is not an IP address with an optional port");
  }
  return *ep;
}

}  // namespace

void add_node_methods(Dispatcher& d, NodeContext ctx) {
  auto c = std::make_shared<NodeContext>(std::move(ctx));
  auto& manager = c->manager;

  d.add(Method{"network",
               "getconnectioncount",
               {},
               "getconnectioncount\n"
               "\nReturns the number of connections to other nodes.\n"
               "\nResult:\n"
               "n          (numeric) The connection count\n" +
                   examples("getconnectioncount"),
               [manager](const Params&) -> Json {
                 return manager->connection_count() + manager->over_capacity_count();
               }});

  d.add(Method{"network",
               "ping",
               {},
               "ping\n"
               "\nRequests that a ping be sent to all other nodes, to measure ping time.\n"
               "Results provided in getpeerinfo, pingtime and pingwait fields are decimal "
               "seconds.\n" +
                   examples("ping"),
               [manager](const Params&) -> Json {
                 manager->ping_all();
                 return nullptr;
               }});

  d.add(Method{
      "network",
      "getpeerinfo",
      {},
      "getpeerinfo\n"
      "\nReturns data about each connected network node as a json array of objects.\n"
      "\nResult:\n"
      "[\n"
      "  {\n"
      "    \"id\": n,                   (numeric) Peer index\n"
      "    \"addr\":\"host:port\",      (string) The ip address and port of the peer\n"
      "    \"services\":\"xxxxxxxxxxxxxxxx\",   (string) The services offered\n"
      "    \"relaytxes\":true|false,    (boolean) Whether peer has asked us to relay "
      "transactions to it\n"
      "    \"lastsend\": ttt,           (numeric) The time in seconds since epoch of the last "
      "send\n"
      "    \"lastrecv\": ttt,           (numeric) The time in seconds since epoch of the last "
      "receive\n"
      "    \"sendsize\": n,             (numeric) Current size of queued messages for sending\n"
      "    \"pausesend\": true|false,   (boolean) Are we paused for sending\n"
      "    \"pauserecv\": true|false,   (boolean) Are we paused for receiving\n"
      "    \"bytessent\": n,            (numeric) The total bytes sent\n"
      "    \"bytesrecv\": n,            (numeric) The total bytes received\n"
      "    \"avgrecvbw\": n,            (numeric) The 1 minute average download bandwidth "
      "(bytes/sec)\n"
      "    \"streams\": [ { \"streamtype\", \"lastsend\", \"lastrecv\", \"bytessent\", "
      "\"bytesrecv\", \"sendsize\", \"spotrecvbw\", \"minuterecvbw\" } ],\n"
      "    \"conntime\": ttt,           (numeric) The connection time in seconds since epoch\n"
      "    \"timeoffset\": ttt,         (numeric) The time offset in seconds\n"
      "    \"pingtime\": n,             (numeric) ping time (if available)\n"
      "    \"minping\": n,              (numeric) minimum observed ping time (if any at all)\n"
      "    \"version\": v,              (numeric) The peer version, such as 70016\n"
      "    \"subver\": \"/Bitcoin SV:1.2.2/\",  (string) The string version\n"
      "    \"inbound\": true|false,     (boolean) Inbound (true) or Outbound (false)\n"
      "    \"addnode\": true|false,     (boolean) Whether connection was due to addnode and "
      "is using an addnode slot\n"
      "    \"startingheight\": n,       (numeric) The starting height (block) of the peer\n"
      "    \"txninvsize\": n,           (numeric) Queued transaction inventory (always 0)\n"
      "    \"banscore\": n,             (numeric) The ban score\n"
      "    \"synced_headers\": n,       (numeric) -1: bsvpeer keeps no chain\n"
      "    \"synced_blocks\": n,        (numeric) -1: bsvpeer keeps no chain\n"
      "    \"inflight\": [],            (array) always empty\n"
      "    \"whitelisted\": true|false, (boolean) Whether the peer is whitelisted\n"
      "    \"bytessent_per_msg\": { \"addr\": n, ... },  (object) bytes sent by message type\n"
      "    \"bytesrecv_per_msg\": { \"addr\": n, ... },  (object) bytes received by message "
      "type\n"
      "    \"state\": \"connected\",      (string) bsvpeer: the connection's state\n"
      "    \"msgssent_per_msg\": {...}, (object) bsvpeer: messages sent by type\n"
      "    \"msgsrecv_per_msg\": {...}, (object) bsvpeer: messages received by type\n"
      "    \"storeid\": \"uuid\"          (string) bsvpeer: the peer's record in the peer store "
      "(empty if none)\n"
      "  }\n"
      "  ,...\n"
      "]\n" +
          examples("getpeerinfo"),
      [manager](const Params&) -> Json {
        auto peers = manager->peers();
        std::sort(peers.begin(), peers.end(),
                  [](const auto& a, const auto& b) { return a.identity.id < b.identity.id; });
        Json out = Json::array();
        for (const auto& p : peers)
          out.push_back(peer_json(p));
        return out;
      }});

  d.add(Method{
      "network",
      "addnode",
      {"node", "command"},
      "addnode \"node\" \"add|remove|onetry\"\n"
      "\nAttempts add or remove a node from the addnode list.\n"
      "Or try a connection to a node once.\n"
      "\nArguments:\n"
      "1. \"node\"     (string, required) The node (see getpeerinfo for nodes)\n"
      "2. \"command\"  (string, required) 'add' to add a node to the list, 'remove' to remove a "
      "node from the list, 'onetry' to try a connection to the node once\n" +
          examples("addnode", "\"192.168.0.6:8333\" \"onetry\"",
                   "\"192.168.0.6:8333\", \"onetry\""),
      [c](const Params& p) -> Json {
        const auto node = p.string(0, "node");
        const auto command = p.string(1, "command");
        if (command != "add" && command != "remove" && command != "onetry") {
          throw RpcError(misc_error, "addnode \"node\" \"add|remove|onetry\"");
        }
        const auto ep = node_endpoint(node, c->facts().default_port);
        const auto added = c->manager->manual_peers();
        const bool known = std::find(added.begin(), added.end(), ep) != added.end();
        if (command == "onetry") {
          c->manager->connect_once(ep);
        } else if (command == "add") {
          if (known) throw RpcError(client_node_already_added, "Error: Node already added");
          c->manager->add_manual_peer(ep);
        } else {
          if (!known) throw RpcError(client_node_not_added, "Error: Node has not been added.");
          c->manager->remove_manual_peer(ep);
        }
        return nullptr;
      },
      2,
      2});

  d.add(Method{
      "network",
      "disconnectnode",
      {"address", "nodeid"},
      "disconnectnode \"[address]\" [nodeid]\n"
      "\nImmediately disconnects from the specified peer node.\n"
      "\nStrictly one out of 'address' and 'nodeid' can be provided to identify the node.\n"
      "\nTo disconnect by nodeid, either set 'address' to the empty string, or call using the "
      "named 'nodeid' argument only.\n"
      "\nArguments:\n"
      "1. \"address\"     (string, optional) The IP address/port of the node\n"
      "2. \"nodeid\"      (number, optional) The node ID (see getpeerinfo for node IDs)\n" +
          examples("disconnectnode", "\"192.168.0.6:8333\"", "\"192.168.0.6:8333\""),
      [c](const Params& p) -> Json {
        const bool by_address = !p.is_null(0) && p.is_null(1);
        const bool by_id =
            !p.is_null(1) &&
            (p.is_null(0) || (p.at(0).is_string() && p.at(0).get<std::string>().empty()));
        if (!by_address && !by_id) {
          throw RpcError(invalid_params, "Only one of address and nodeid should be provided.");
        }
        const auto peers = c->manager->peers();
        std::vector<std::uint64_t> ids;
        if (by_address) {
          const auto text = p.string(0, "address");
          const auto ep = parse_endpoint(text, c->facts().default_port);
          for (const auto& peer : peers) {
            if (ep && peer.identity.endpoint == *ep) ids.push_back(peer.identity.id);
          }
        } else {
          const auto id = p.integer(1, "nodeid");
          for (const auto& peer : peers) {
            if (id >= 0 && peer.identity.id == static_cast<std::uint64_t>(id)) {
              ids.push_back(peer.identity.id);
            }
          }
        }
        if (ids.empty()) {
          throw RpcError(client_node_not_connected, "Node not found in connected nodes");
        }
        for (auto id : ids)
          c->manager->disconnect(id);
        return nullptr;
      },
      1,
      2});

  d.add(Method{
      "network",
      "getaddednodeinfo",
      {"node"},
      "getaddednodeinfo ( \"node\" )\n"
      "\nReturns information about the given added node, or all added nodes\n"
      "(note that onetry addnodes are not listed here)\n"
      "\nArguments:\n"
      "1. \"node\"   (string, optional) If provided, return information about this specific "
      "node, otherwise all nodes are returned.\n"
      "\nResult:\n"
      "[\n"
      "  {\n"
      "    \"addednode\" : \"192.168.0.201:8333\",   (string) The node ip address and port\n"
      "    \"connected\" : true|false,          (boolean) If connected\n"
      "    \"addresses\" : [                    (list of objects) Only when connected = true\n"
      "       {\n"
      "         \"address\" : \"192.168.0.201:8333\",  (string) The IP and port we're "
      "connected to\n"
      "         \"connected\" : \"outbound\"           (string) connection, inbound or "
      "outbound\n"
      "       }\n"
      "     ]\n"
      "  }\n"
      "  ,...\n"
      "]\n" +
          examples("getaddednodeinfo", "\"192.168.0.201\"", "\"192.168.0.201\""),
      [c](const Params& p) -> Json {
        auto added = c->manager->manual_peers();
        if (!p.is_null(0)) {
          const auto ep = parse_endpoint(p.string(0, "node"), c->facts().default_port);
          if (!ep || std::find(added.begin(), added.end(), *ep) == added.end()) {
            throw RpcError(client_node_not_added, "Error: Node has not been added.");
          }
          added = {*ep};
        }
        const auto peers = c->manager->peers();
        Json out = Json::array();
        for (const auto& ep : added) {
          Json addresses = Json::array();
          for (const auto& peer : peers) {
            const bool inbound = peer.identity.direction == conn::Direction::inbound;
            // An inbound peer shows its IP, not its listening port.
            const bool same = inbound ? peer.identity.endpoint.address() == ep.address()
                                      : peer.identity.endpoint == ep;
            if (!same || peer.state != conn::PeerState::connected) continue;
            Json a = Json::object();
            a["address"] = endpoint_text(peer.identity.endpoint);
            a["connected"] = inbound ? "inbound" : "outbound";
            addresses.push_back(a);
            break;
          }
          Json o = Json::object();
          o["addednode"] = endpoint_text(ep);
          o["connected"] = !addresses.empty();
          o["addresses"] = addresses;
          out.push_back(o);
        }
        return out;
      },
      0,
      1});

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
      "setban",
      {"subnet", "command", "bantime", "absolute"},
      "setban \"subnet\" \"add|remove\" (bantime) (absolute)\n"
      "\nAttempts add or remove a IP/Subnet from the banned list.\n"
      "\nArguments:\n"
      "1. \"subnet\"       (string, required) The IP/Subnet (see getpeerinfo for nodes ip) with "
      "a optional netmask (default is /32 = single ip)\n"
      "2. \"command\"      (string, required) 'add' to add a IP/Subnet to the list, 'remove' "
      "to remove a IP/Subnet from the list\n"
      "3. \"bantime\"      (numeric, optional) time in seconds how long (or until when if "
      "[absolute] is set) the ip is banned (0 or empty means using the default time of 24h "
      "which can also be overwritten by the -bantime startup argument)\n"
      "4. \"absolute\"     (boolean, optional) If set, the bantime must be a absolute "
      "timestamp in seconds since epoch (Jan 1 1970 GMT)\n" +
          examples("setban", "\"192.168.0.6\" \"add\" 86400", "\"192.168.0.6\", \"add\", 86400"),
      [c](const Params& p) -> Json {
        const auto text = p.string(0, "subnet");
        const auto command = p.string(1, "command");
        if (command != "add" && command != "remove") {
          throw RpcError(misc_error, "setban \"subnet\" \"add|remove\" (bantime) (absolute)");
        }
        const auto subnet = peer::Subnet::parse(text);
        if (!subnet) throw RpcError(client_invalid_ip_or_subnet, "Error: Invalid IP/Subnet");
        auto& store = *c->manager->store();
        const auto now = unix_now();
        if (command == "add") {
          bool banned = false;
          for (const auto& b : store.subnet_bans())
            banned = banned || (b.subnet == *subnet && now < b.until);
          if (subnet->single_address()) {
            const auto ip = subnet->to_string().substr(0, subnet->to_string().rfind('/'));
            banned = banned || store.is_ip_banned(ip, now);
          }
          if (banned) {
            throw RpcError(client_node_already_added, "Error: IP/Subnet already banned");
          }
          std::int64_t bantime = p.is_null(2) ? 0 : p.integer(2, "bantime");
          const bool absolute = !p.is_null(3) && p.boolean(3, "absolute");
          std::int64_t until;
          if (bantime <= 0) {
            until = now + c->facts().default_ban_time.count();
          } else {
            until = absolute ? bantime : now + bantime;
          }
          if (auto e = c->manager->ban_subnet(text, "manually added", until)) {
            throw RpcError(invalid_parameter, "Error: " + *e);
          }
        } else if (c->manager->unban_subnet(text)) {
          throw RpcError(client_invalid_ip_or_subnet,
                         "Error: Unban failed. Requested address/subnet was not previously "
                         "banned.");
        }
        return nullptr;
      },
      2,
      4});

  d.add(Method{"network",
               "listbanned",
               {},
               "listbanned\n"
               "\nList all banned IPs/Subnets.\n"
               "\nResult:\n"
               "[ { \"address\": \"ip/prefix\", \"banned_until\": ttt, \"ban_created\": ttt, "
               "\"ban_reason\": \"...\" }, ... ]\n" +
                   examples("listbanned"),
               [manager](const Params&) -> Json {
                 auto& store = *manager->store();
                 const auto now = unix_now();
                 Json out = Json::array();
                 std::set<std::string> listed;
                 for (const auto& b : store.subnet_bans()) {
                   if (now >= b.until) continue;
                   listed.insert(b.subnet.to_string());
                   out.push_back(ban_entry(b.subnet.to_string(), b.until, b.created, b.reason));
                 }
                 // Bans of peers (misbehaviour, user agent, ...): one entry per address.
                 for (const auto& r : store.list(peer::PeerStatus::banned)) {
                   if (!r.banned_at(now)) continue;
                   const auto s = peer::Subnet::parse(r.ip);
                   if (!s || !listed.insert(s->to_string()).second) continue;
                   out.push_back(
                       ban_entry(s->to_string(), r.ban->until, r.status_since, r.ban->reason));
                 }
                 return out;
               }});

  d.add(Method{"network",
               "clearbanned",
               {},
               "clearbanned\n"
               "\nClear all banned IPs.\n" +
                   examples("clearbanned"),
               [manager](const Params&) -> Json {
                 manager->clear_bans();
                 return nullptr;
               }});

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
