#pragma once
// Small control messages: sendcmpct, feefilter, reject, authch (bsv-protocol.md §4.3-§4.5).
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <string>
#include <string_view>

namespace bsvpeer::wire {

struct SendCmpct {
  static constexpr std::string_view kCommand = "sendcmpct";
  bool announce = false;
  std::uint64_t version = 1;

  void encode(ByteWriter& w) const;
  static Result<SendCmpct> decode(ByteSpan payload);
  friend bool operator==(const SendCmpct&, const SendCmpct&) = default;
};

struct FeeFilter {
  static constexpr std::string_view kCommand = "feefilter";
  std::int64_t feerate = 0;  // satoshis per kB

  void encode(ByteWriter& w) const;
  static Result<FeeFilter> decode(ByteSpan payload);
  friend bool operator==(const FeeFilter&, const FeeFilter&) = default;
};

enum class RejectCode : std::uint8_t {
  malformed = 0x01,
  invalid = 0x10,
  obsolete = 0x11,
  duplicate = 0x12,
  soft_consensus_freeze = 0x13,
  nonstandard = 0x40,
  dust = 0x41,
  insufficient_fee = 0x42,
  checkpoint = 0x43,
  too_busy = 0x44,
  rate_exceeded = 0x45,
  stream_setup = 0x60,
  auth_conn_setup = 0x70,
};

struct Reject {
  static constexpr std::string_view kCommand = "reject";
  std::string message;  // the rejected command, at most 12 bytes
  std::uint8_t code = 0;
  std::string reason;  // at most 111 bytes
  Bytes data;          // optional trailing data (a 32-byte hash for block/tx)

  void encode(ByteWriter& w) const;
  static Result<Reject> decode(ByteSpan payload);
  friend bool operator==(const Reject&, const Reject&) = default;
};

// MinerID challenge; parsed so it can be logged, then ignored (a plain node need not answer).
struct AuthCh {
  static constexpr std::string_view kCommand = "authch";
  std::uint32_t version = 1;
  Bytes challenge;  // msgLen bytes, 32 from SV

  void encode(ByteWriter& w) const;  // writes msgLen = challenge.size()
  static Result<AuthCh> decode(ByteSpan payload);
  friend bool operator==(const AuthCh&, const AuthCh&) = default;
};

}  // namespace bsvpeer::wire
