#include <bsvpeer/wire/byte_writer.hpp>

namespace bsvpeer::wire {

void ByteWriter::u16le(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
}

void ByteWriter::u16be(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32le(std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void ByteWriter::u64le(std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void ByteWriter::compact_size(std::uint64_t v) {
  if (v < 0xFD) {
    u8(static_cast<std::uint8_t>(v));
  } else if (v <= 0xFFFF) {
    u8(0xFD);
    u16le(static_cast<std::uint16_t>(v));
  } else if (v <= 0xFFFFFFFFull) {
    u8(0xFE);
    u32le(static_cast<std::uint32_t>(v));
  } else {
    u8(0xFF);
    u64le(v);
  }
}

void ByteWriter::var_str(std::string_view s) {
  compact_size(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void ByteWriter::var_bytes(ByteSpan s) {
  compact_size(s.size());
  bytes(s);
}

}  // namespace bsvpeer::wire
