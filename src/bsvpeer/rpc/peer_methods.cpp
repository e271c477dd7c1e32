// The peer methods (getconnectioncount, ping, getpeerinfo, addnode, disconnectnode,
// getaddednodeinfo), as SV Node 1.2.2's src/rpc/net.cpp has them.
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
  o["whitelisted"] = p.whitelisted;
  o["bytessent_per_msg"] = traffic_bytes(p.traffic.sent);
  o["bytesrecv_per_msg"] = traffic_bytes(p.traffic.received);
  // Ours.
  o["state"] = std::string(conn::to_string(p.state));
  o["msgssent_per_msg"] = traffic_messages(p.traffic.sent);
  o["msgsrecv_per_msg"] = traffic_messages(p.traffic.received);
  o["storeid"] = p.store_id;
  return o;
}

}  // namespace

void add_peer_methods(Dispatcher& d, const MethodContext& c) {
  const auto& manager = c->manager;

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
          const auto ep = net::parse_endpoint(text, c->facts().default_port);
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
          const auto ep = net::parse_endpoint(p.string(0, "node"), c->facts().default_port);
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
}

}  // namespace bsvpeer::program::rpc
