#pragma once
// Who opened the TCP connection. It decides who speaks first in the handshake and whether
// the peer's nonce is checked for a connection to ourselves (bsv-protocol.md §3.5, §4.1).
#include <iosfwd>
#include <string_view>

namespace bsvpeer::conn {

enum class Direction {
  outbound,  // we dialled: we send our version first
  inbound,   // the peer dialled: we are "shy" and answer its version with ours
};

std::string_view to_string(Direction d) noexcept;
std::ostream& operator<<(std::ostream& os, Direction d);

}  // namespace bsvpeer::conn
