#pragma once
// Handshake messages: version, verack, protoconf (bsv-protocol.md §2.4, §3).
#include <bsvpeer/wire/net_address.hpp>

#include <optional>
#include <string>

namespace bsvpeer::wire {

struct Version {
  static constexpr std::string_view kCommand = "version";

  std::int32_t version = 0;
  std::uint64_t services = 0;
  std::int64_t timestamp = 0;
  NetAddress addr_recv;
  NetAddress addr_from;
  // Fields below are optional on receipt (SV reads each only if bytes remain); absent ones
  // take SV's defaults: nonce 1, start_height -1, relay true.
  std::uint64_t nonce = 1;
  std::string user_agent;  // at most 256 bytes
  std::int32_t start_height = -1;
  bool relay = true;
  // BSV association id, the var_bytes after relay: nullopt = field absent; empty = a single
  // 0x00 byte (null id); otherwise type byte 0x00 + 16-byte UUID. Anything else is garbage.
  std::optional<Bytes> association_id;

  void encode(ByteWriter& w) const;  // never writes bytes after relay except association_id
  static Result<Version> decode(ByteSpan payload);
  friend bool operator==(const Version&, const Version&) = default;
};

struct Verack {
  static constexpr std::string_view kCommand = "verack";
  void encode(ByteWriter&) const {}
  static Result<Verack> decode(ByteSpan payload);  // extra bytes ignored, like SV
  friend bool operator==(const Verack&, const Verack&) = default;
};

struct Protoconf {
  static constexpr std::string_view kCommand = "protoconf";

  std::uint64_t number_of_fields = 2;
  std::uint32_t max_recv_payload_length = 2'097'152;
  std::string stream_policies = "Default";  // present when number_of_fields >= 2

  void encode(ByteWriter& w) const;
  // Fails on 0 fields, max < 1 MiB, policies > 650 bytes; extra fields are ignored.
  static Result<Protoconf> decode(ByteSpan payload);
  friend bool operator==(const Protoconf&, const Protoconf&) = default;
};

}  // namespace bsvpeer::wire
