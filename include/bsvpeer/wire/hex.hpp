#pragma once
#include <bsvpeer/wire/bytes.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::wire {

std::string to_hex(ByteSpan data);
// Lower/upper case accepted; odd length or a non-hex digit gives nullopt.
std::optional<Bytes> from_hex(std::string_view hex);
// Hashes print in display order (reversed).
std::string hash_to_display_hex(const Hash256& h);
std::optional<Hash256> hash_from_display_hex(std::string_view hex);

}  // namespace bsvpeer::wire
