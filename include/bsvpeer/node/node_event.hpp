#pragma once
// What a Manager reports to its subscribers: control events about connections, bans, the
// listener, discovery and network health, and message events (every message a handshaked peer
// sent). Each carries the peer's identity where there is one.
#include <bsvpeer/conn/connection_event.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::node {

struct ConnectionEstablished {
  conn::PeerIdentity peer;
  wire::Version peer_version;
};
struct ConnectionFailed {  // an outbound dial or handshake that never reached Connected
  conn::PeerIdentity peer;
  conn::DisconnectReason reason;
  std::string detail;
};
struct ConnectionLost {  // a Connected peer went away
  conn::PeerIdentity peer;
  conn::DisconnectReason reason;
  std::string detail;
};
struct ConnectionRejected {  // refused at accept time or by a rule during the handshake
  boost::asio::ip::tcp::endpoint endpoint;
  std::string why;
};
struct PeerBanned {
  std::string ip;
  std::string reason;
  std::int64_t until = 0;  // unix seconds
};
struct PeerUnbanned {
  std::string ip;
};
struct ListenerUp {
  boost::asio::ip::tcp::endpoint endpoint;
};
struct ListenerDown {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string why;
};
struct DiscoveryResult {
  std::string source;  // a DNS seed name, or "addr"
  std::size_t found = 0;
  std::size_t added = 0;
  std::string error;  // empty on success
};
struct NetworkIsolated {
  std::size_t connected = 0;
  std::size_t minimum = 0;
};
struct NetworkRecovered {
  std::size_t connected = 0;
};
struct MessageEvent {
  conn::PeerIdentity peer;
  wire::Message message;
};

using NodeEvent =
    std::variant<ConnectionEstablished, ConnectionFailed, ConnectionLost, ConnectionRejected,
                 PeerBanned, PeerUnbanned, ListenerUp, ListenerDown, DiscoveryResult,
                 NetworkIsolated, NetworkRecovered, MessageEvent>;

bool is_message_event(const NodeEvent& e) noexcept;

}  // namespace bsvpeer::node
