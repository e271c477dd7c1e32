#include <bsvpeer/conn/direction.hpp>

#include <ostream>

namespace bsvpeer::conn {

std::string_view to_string(Direction d) noexcept {
  switch (d) {
    case Direction::outbound:
      return "outbound";
    case Direction::inbound:
      return "inbound";
  }
  return "unknown direction";
}

std::ostream& operator<<(std::ostream& os, Direction d) {
  return os << to_string(d);
}

}  // namespace bsvpeer::conn
