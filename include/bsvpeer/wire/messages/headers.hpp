#pragma once
// getheaders / headers / sendheaders (bsv-protocol.md §7).
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <string_view>
#include <vector>

namespace bsvpeer::wire {

struct GetHeaders {
  static constexpr std::string_view kCommand = "getheaders";
  std::uint32_t version = 0;
  std::vector<Hash256> locator;
  Hash256 hash_stop{};

  void encode(ByteWriter& w) const;
  static Result<GetHeaders> decode(ByteSpan payload);
  friend bool operator==(const GetHeaders&, const GetHeaders&) = default;
};

struct BlockHeader {
  std::int32_t version = 0;
  Hash256 prev_block{};
  Hash256 merkle_root{};
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;

  void encode(ByteWriter& w) const;  // 80 bytes
  static BlockHeader decode(ByteReader& r);
  Hash256 hash() const;  // SHA-256d of the 80 bytes
  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Headers {
  static constexpr std::string_view kCommand = "headers";
  std::vector<BlockHeader> headers;  // each followed by a tx count (0) on the wire

  void encode(ByteWriter& w) const;
  static Result<Headers> decode(ByteSpan payload);  // > 2000 headers: count_too_large
  friend bool operator==(const Headers&, const Headers&) = default;
};

struct SendHeaders {
  static constexpr std::string_view kCommand = "sendheaders";
  void encode(ByteWriter&) const {}
  static Result<SendHeaders> decode(ByteSpan payload);
  friend bool operator==(const SendHeaders&, const SendHeaders&) = default;
};

}  // namespace bsvpeer::wire
