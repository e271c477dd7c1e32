#include <bsvpeer/node/resolve_result.hpp>

#include <ostream>

namespace bsvpeer::node {

std::string_view to_string(AddressFamily family) noexcept {
  switch (family) {
    case AddressFamily::any:
      return "any";
    case AddressFamily::ipv4:
      return "ipv4";
    case AddressFamily::ipv6:
      return "ipv6";
  }
  return "unknown";
}

std::string_view to_string(ResolveStatus status) noexcept {
  switch (status) {
    case ResolveStatus::ok:
      return "ok";
    case ResolveStatus::nxdomain:
      return "nxdomain";
    case ResolveStatus::no_data:
      return "no_data";
    case ResolveStatus::timeout:
      return "timeout";
    case ResolveStatus::refused:
      return "refused";
    case ResolveStatus::cancelled:
      return "cancelled";
    case ResolveStatus::error:
      return "error";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, AddressFamily family) {
  return os << to_string(family);
}
std::ostream& operator<<(std::ostream& os, ResolveStatus status) {
  return os << to_string(status);
}

}  // namespace bsvpeer::node
