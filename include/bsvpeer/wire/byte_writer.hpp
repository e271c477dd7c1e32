#pragma once
#include <bsvpeer/wire/bytes.hpp>

#include <string_view>

namespace bsvpeer::wire {

// Appends little-endian fields to a byte vector it does not own.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16le(std::uint16_t v);
  void u16be(std::uint16_t v);
  void u32le(std::uint32_t v);
  void i32le(std::int32_t v) { u32le(static_cast<std::uint32_t>(v)); }
  void u64le(std::uint64_t v);
  void i64le(std::int64_t v) { u64le(static_cast<std::uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void compact_size(std::uint64_t v);  // always the canonical (shortest) form
  void bytes(ByteSpan s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void hash(const Hash256& h) { bytes(h); }
  void var_str(std::string_view s);
  void var_bytes(ByteSpan s);

  Bytes& buffer() noexcept { return out_; }

 private:
  Bytes& out_;
};

// Size in bytes of the canonical CompactSize encoding of v.
constexpr std::size_t compact_size_length(std::uint64_t v) noexcept {
  return v < 0xFD ? 1 : v <= 0xFFFF ? 3 : v <= 0xFFFFFFFFull ? 5 : 9;
}

}  // namespace bsvpeer::wire
