#pragma once
// Protocol versions and service bits (bsv-protocol.md §3.3).
#include <cstdint>

namespace bsvpeer::net {

inline constexpr std::int32_t kProtocolVersion = 70016;
inline constexpr std::int32_t kInitProtoVersion = 209;
inline constexpr std::int32_t kMinPeerProtoVersion = 31800;
inline constexpr std::int32_t kCaddrTimeVersion = 31402;
inline constexpr std::int32_t kBip0031Version = 60000;
inline constexpr std::int32_t kMempoolGdVersion = 60002;
inline constexpr std::int32_t kNoBloomVersion = 70011;
inline constexpr std::int32_t kSendHeadersVersion = 70012;
inline constexpr std::int32_t kFeeFilterVersion = 70013;
inline constexpr std::int32_t kShortIdsBlocksVersion = 70014;
inline constexpr std::int32_t kInvalidCbNoBanVersion = 70015;
inline constexpr std::int32_t kExtendedPayloadVersion = 70016;

enum ServiceFlags : std::uint64_t {
  kNodeNone = 0,
  kNodeNetwork = 1u << 0,
  kNodeGetUtxo = 1u << 1,
  kNodeBloom = 1u << 2,
  kNodeXthin = 1u << 4,
  kNodeBitcoinCash = 1u << 5,
};

}  // namespace bsvpeer::net
