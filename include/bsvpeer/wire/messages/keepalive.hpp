#pragma once
// ping / pong (bsv-protocol.md §5).
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <optional>
#include <string_view>

namespace bsvpeer::wire {

struct Ping {
  static constexpr std::string_view kCommand = "ping";
  // Peers <= 60000 (BIP31) send an empty ping: nonce absent.
  std::optional<std::uint64_t> nonce;

  void encode(ByteWriter& w) const;
  static Result<Ping> decode(ByteSpan payload);
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct Pong {
  static constexpr std::string_view kCommand = "pong";
  std::uint64_t nonce = 0;

  void encode(ByteWriter& w) const;
  static Result<Pong> decode(ByteSpan payload);  // fewer than 8 bytes: truncated
  friend bool operator==(const Pong&, const Pong&) = default;
};

}  // namespace bsvpeer::wire
