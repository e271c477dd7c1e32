#pragma once
// Per-command payload limits (bsv-protocol.md §2.3). The decision is made on the header,
// before any payload byte is allocated.
#include <cstdint>
#include <string_view>

namespace bsvpeer::wire {

inline constexpr std::uint64_t kLegacyMaxPayload = 1'048'576;            // 1 MiB
inline constexpr std::uint64_t kDefaultMaxRecvPayload = 2'097'152;       // 2 MiB
inline constexpr std::uint64_t kMaxProtocolRecvPayload = 1'000'000'000;  // ONE_GIGABYTE
inline constexpr std::uint64_t kMaxTxPayload = 1'000'000'000;
inline constexpr std::uint64_t kMaxSendPayloadFactor = 4;
inline constexpr std::size_t kMaxUserAgentLength = 256;
inline constexpr std::size_t kMaxAddrEntries = 1000;
inline constexpr std::size_t kMaxHeadersResults = 2000;
inline constexpr std::size_t kMaxStreamPoliciesLength = 650;
inline constexpr std::size_t kMaxAssociationIdLength = 129;
inline constexpr std::size_t kMaxRejectMessageLength = 12;
inline constexpr std::size_t kMaxRejectReasonLength = 111;

struct ReceiveLimits {
  // -maxprotocolrecvpayloadlength: every command not listed below.
  std::uint64_t max_recv_payload = kDefaultMaxRecvPayload;
  // -excessiveblocksize for block-like commands; 0 = unlimited (SV's compiled default).
  std::uint64_t max_block_payload = 0;
  std::uint64_t max_tx_payload = kMaxTxPayload;
};

// block, cmpctblock, blocktxn, hdrsen
bool is_block_like(std::string_view command) noexcept;
// Largest payload accepted for `command`; UINT64_MAX means unlimited.
std::uint64_t max_payload_length(std::string_view command, const ReceiveLimits& limits) noexcept;
// Element limit for inv/getdata given a peer's receive limit: (limit - 8) / 36.
std::uint64_t max_inv_elements(std::uint64_t payload_limit) noexcept;

}  // namespace bsvpeer::wire
