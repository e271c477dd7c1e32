#include <bsvpeer/conn/connection_state.hpp>

#include <ostream>

namespace bsvpeer::conn {

std::string_view to_string(ConnectionState s) noexcept {
  switch (s) {
    case ConnectionState::idle:
      return "idle";
    case ConnectionState::awaiting_handshake:
      return "awaiting_handshake";
    case ConnectionState::established:
      return "established";
    case ConnectionState::closed:
      return "closed";
  }
  return "unknown state";
}

std::ostream& operator<<(std::ostream& os, ConnectionState s) {
  return os << to_string(s);
}

}  // namespace bsvpeer::conn
