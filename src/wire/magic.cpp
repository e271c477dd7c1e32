#include <bsvpeer/wire/hex.hpp>
#include <bsvpeer/wire/magic.hpp>

namespace bsvpeer::wire {

std::optional<Magic> parse_magic(std::string_view hex8) {
  if (hex8.size() != 8) return std::nullopt;
  auto bytes = from_hex(hex8);
  if (!bytes) return std::nullopt;
  Magic m{};
  std::copy(bytes->begin(), bytes->end(), m.begin());
  return m;
}

std::string magic_to_hex(const Magic& m) {
  return to_hex(m);
}

}  // namespace bsvpeer::wire
