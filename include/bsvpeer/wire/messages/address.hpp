#pragma once
// addr / getaddr (bsv-protocol.md §6).
#include <bsvpeer/wire/net_address.hpp>

#include <vector>

namespace bsvpeer::wire {

struct GetAddr {
  static constexpr std::string_view kCommand = "getaddr";
  void encode(ByteWriter&) const {}
  static Result<GetAddr> decode(ByteSpan payload);
  friend bool operator==(const GetAddr&, const GetAddr&) = default;
};

struct Addr {
  static constexpr std::string_view kCommand = "addr";
  std::vector<TimedNetAddress> entries;  // at most 1000

  void encode(ByteWriter& w) const;
  static Result<Addr> decode(ByteSpan payload);  // > 1000 entries: count_too_large
  friend bool operator==(const Addr&, const Addr&) = default;
};

}  // namespace bsvpeer::wire
