#include <bsvpeer/wire/limits.hpp>

#include <limits>

namespace bsvpeer::wire {

bool is_block_like(std::string_view command) noexcept {
  return command == "block" || command == "cmpctblock" || command == "blocktxn" ||
         command == "hdrsen";
}

std::uint64_t max_payload_length(std::string_view command, const ReceiveLimits& limits) noexcept {
  constexpr auto kUnlimited = std::numeric_limits<std::uint64_t>::max();
  if (command == "protoconf") return kLegacyMaxPayload;
  if (command == "tx" || command == "datareftx") return limits.max_tx_payload;
  if (is_block_like(command)) {
    return limits.max_block_payload == 0 ? kUnlimited : limits.max_block_payload;
  }
  // SV bounds getblocktxn by the block size (maxBlockSize / 215 x 6 + header). It is not
  // block-like, so it is buffered whole: with unlimited blocks we keep the ordinary limit (we
  // never send cmpctblock, so no honest peer sends us getblocktxn anyway).
  if (command == "getblocktxn") {
    return limits.max_block_payload == 0 ? limits.max_recv_payload
                                         : limits.max_block_payload / 215 * 6 + 24;
  }
  return limits.max_recv_payload;
}

std::uint64_t max_inv_elements(std::uint64_t payload_limit) noexcept {
  return payload_limit < 8 ? 0 : (payload_limit - 8) / 36;
}

}  // namespace bsvpeer::wire
