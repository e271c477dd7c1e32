// The ban methods (setban, listbanned, clearbanned), as SV Node 1.2.2's src/rpc/net.cpp.
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

void add_ban_methods(Dispatcher& d, const MethodContext& c) {
  const auto& manager = c->manager;

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
}

}  // namespace bsvpeer::program::rpc
