#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace bsvpeer::wire {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// A 32-byte hash in internal (wire) byte order; display hex is the reverse.
using Hash256 = std::array<std::uint8_t, 32>;

// Largest value a CompactSize may carry (SV's MAX_SIZE).
inline constexpr std::uint64_t kMaxCompactSize = 0xFFFFFFFFull;

}  // namespace bsvpeer::wire
