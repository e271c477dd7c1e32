#pragma once
#include <bsvpeer/wire/bytes.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::wire {

// Network magic in wire order (the four bytes as they appear on the wire).
using Magic = std::array<std::uint8_t, 4>;

// "dab5bffa" (wire order, like SV's -magicbytes) -> Magic.
std::optional<Magic> parse_magic(std::string_view hex8);
std::string magic_to_hex(const Magic& m);

}  // namespace bsvpeer::wire
