#pragma once
// The life of one connection as the pure core sees it.
#include <iosfwd>
#include <string_view>

namespace bsvpeer::conn {

enum class ConnectionState {
  idle,                // constructed, start() not called yet
  awaiting_handshake,  // start() called; version/verack exchange in progress
  established,         // both veracks exchanged: pings run, messages are delivered
  closed,              // a Disconnect or Ban was returned; every later input is ignored
};

std::string_view to_string(ConnectionState s) noexcept;
std::ostream& operator<<(std::ostream& os, ConnectionState s);

}  // namespace bsvpeer::conn
