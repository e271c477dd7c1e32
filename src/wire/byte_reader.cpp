#include <bsvpeer/wire/byte_reader.hpp>

namespace bsvpeer::wire {

bool ByteReader::need(std::size_t n) noexcept {
  if (!ok()) return false;
  if (data_.size() - pos_ < n) {
    fail(Error::truncated);
    return false;
  }
  return true;
}

std::uint8_t ByteReader::u8() noexcept {
  if (!need(1)) return 0;
  return data_[pos_++];
}

std::uint16_t ByteReader::u16le() noexcept {
  if (!need(2)) return 0;
  std::uint16_t v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
  pos_ += 2;
  return v;
}

std::uint16_t ByteReader::u16be() noexcept {
  if (!need(2)) return 0;
  std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::uint32_t ByteReader::u32le() noexcept {
  if (!need(4)) return 0;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

std::uint64_t ByteReader::u64le() noexcept {
  if (!need(8)) return 0;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | data_[pos_ + i];
  pos_ += 8;
  return v;
}

std::uint64_t ByteReader::compact_size(std::uint64_t max, Error limit_error) noexcept {
  const std::uint8_t first = u8();
  if (!ok()) return 0;
  std::uint64_t v = first;
  std::uint64_t min = 0;
  if (first == 0xFD) {
    v = u16le();
    min = 0xFD;
  } else if (first == 0xFE) {
    v = u32le();
    min = 0x10000;
  } else if (first == 0xFF) {
    v = u64le();
    min = 0x100000000ull;
  }
  if (!ok()) return 0;
  if (v < min) {
    fail(Error::non_canonical_compact_size);
    return 0;
  }
  if (v > kMaxCompactSize) {
    fail(Error::size_too_large);
    return 0;
  }
  if (v > max) {
    fail(limit_error);
    return 0;
  }
  return v;
}

ByteSpan ByteReader::bytes(std::size_t n) noexcept {
  if (!need(n)) return {};
  ByteSpan s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::string ByteReader::var_str(std::size_t max_len) noexcept {
  const auto n = compact_size(max_len, Error::string_too_long);
  auto s = bytes(static_cast<std::size_t>(n));
  if (!ok()) return {};
  return std::string(s.begin(), s.end());
}

Bytes ByteReader::var_bytes(std::size_t max_len) noexcept {
  const auto n = compact_size(max_len, Error::string_too_long);
  auto s = bytes(static_cast<std::size_t>(n));
  if (!ok()) return {};
  return Bytes(s.begin(), s.end());
}

}  // namespace bsvpeer::wire
