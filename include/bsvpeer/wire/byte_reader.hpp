#pragma once
// Bounds-checked little-endian reader with a sticky error: after the first failure every
// read returns zero/empty and error() names the first failure. Decoders read a run of fields
// and check ok() once, which keeps them short without ever reading out of bounds.
#include <bsvpeer/wire/bytes.hpp>
#include <bsvpeer/wire/error.hpp>

#include <cstddef>
#include <string>

namespace bsvpeer::wire {

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) noexcept : data_(data) {}

  std::uint8_t u8() noexcept;
  std::uint16_t u16le() noexcept;
  std::uint16_t u16be() noexcept;
  std::uint32_t u32le() noexcept;
  std::int32_t i32le() noexcept { return static_cast<std::int32_t>(u32le()); }
  std::uint64_t u64le() noexcept;
  std::int64_t i64le() noexcept { return static_cast<std::int64_t>(u64le()); }
  bool boolean() noexcept { return u8() != 0; }

  // Canonical CompactSize only; values above `max` fail with `limit_error`
  // (size_too_large for the generic MAX_SIZE check, count_too_large for element counts).
  std::uint64_t compact_size(std::uint64_t max = kMaxCompactSize,
                             Error limit_error = Error::size_too_large) noexcept;

  // Returns a view into the input; empty span on failure.
  ByteSpan bytes(std::size_t n) noexcept;
  template <std::size_t N>
  std::array<std::uint8_t, N> array() noexcept {
    std::array<std::uint8_t, N> out{};
    auto s = bytes(N);
    if (s.size() == N) std::copy(s.begin(), s.end(), out.begin());
    return out;
  }
  Hash256 hash() noexcept { return array<32>(); }

  // var_str / var_bytes with a per-field maximum length, checked before any copy.
  std::string var_str(std::size_t max_len) noexcept;
  Bytes var_bytes(std::size_t max_len) noexcept;

  // Marks the reader failed (first error wins).
  void fail(Error e) noexcept {
    if (error_ == Error::ok) error_ = e;
    pos_ = data_.size();
  }

  bool ok() const noexcept { return error_ == Error::ok; }
  Error error() const noexcept { return error_; }
  std::size_t remaining() const noexcept { return ok() ? data_.size() - pos_ : 0; }
  bool empty() const noexcept { return remaining() == 0; }
  std::size_t position() const noexcept { return pos_; }
  ByteSpan rest() noexcept { return bytes(remaining()); }

 private:
  bool need(std::size_t n) noexcept;

  ByteSpan data_;
  std::size_t pos_ = 0;
  Error error_ = Error::ok;
};

}  // namespace bsvpeer::wire
