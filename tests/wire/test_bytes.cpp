// ByteReader / ByteWriter: fixed-width fields, CompactSize at every encoding boundary
// (canonical and not), MAX_SIZE, var_str/var_bytes limits and the sticky error.
#include "wire/message_test_support.hpp"

#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/hex.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::wire;
using bsvpeer::wire::test::hex_bytes;

TEST_CASE("fixed-width fields are little-endian except u16be") {
  Bytes out;
  ByteWriter w(out);
  w.u8(0xAB);
  w.u16le(0x1234);
  w.u16be(0x1234);
  w.u32le(0x01020304);
  w.i32le(-2);
  w.u64le(0x0102030405060708ull);
  w.i64le(-3);
  w.boolean(true);
  w.boolean(false);
  CHECK(to_hex(out) ==
        "ab"
        "3412"
        "1234"
        "04030201"
        "feffffff"
        "0807060504030201"
        "fdffffffffffffff"
        "01"
        "00");

  ByteReader r(out);
  CHECK(r.u8() == 0xAB);
  CHECK(r.u16le() == 0x1234);
  CHECK(r.u16be() == 0x1234);
  CHECK(r.u32le() == 0x01020304u);
  CHECK(r.i32le() == -2);
  CHECK(r.u64le() == 0x0102030405060708ull);
  CHECK(r.i64le() == -3);
  CHECK(r.boolean());
  CHECK_FALSE(r.boolean());
  CHECK(r.ok());
  CHECK(r.empty());
  CHECK(r.position() == out.size());
}

TEST_CASE("boolean reads any non-zero byte as true") {
  const Bytes in = hex_bytes("0002ff");
  ByteReader r(in);
  CHECK_FALSE(r.boolean());
  CHECK(r.boolean());
  CHECK(r.boolean());
  CHECK(r.ok());
}

TEST_CASE("CompactSize canonical encodings at every boundary") {
  struct Row {
    std::uint64_t value;
    const char* hex;
  };
  const Row rows[] = {
      {0, "00"},
      {0xFC, "fc"},
      {0xFD, "fdfd00"},
      {0xFE, "fdfe00"},
      {0xFFFF, "fdffff"},
      {0x10000, "fe00000100"},
      {0xFFFFFFFF, "feffffffff"},
      {0x100000000ull, "ff0000000001000000"},
      {0xFFFFFFFFFFFFFFFFull, "ffffffffffffffffff"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.value);
    Bytes out;
    ByteWriter(out).compact_size(row.value);
    CHECK(to_hex(out) == row.hex);
    CHECK(compact_size_length(row.value) == out.size());

    ByteReader r(out);
    const auto read = r.compact_size();
    if (row.value <= kMaxCompactSize) {
      CHECK(r.ok());
      CHECK(read == row.value);
      CHECK(r.empty());
    } else {
      // Writable, but SV's ReadCompactSize rejects anything above MAX_SIZE.
      CHECK(r.error() == Error::size_too_large);
      CHECK(read == 0);
    }
  }
}

TEST_CASE("CompactSize rejects non-canonical and truncated encodings") {
  struct Row {
    std::string hex;
    Error error;
  };
  const Row rows[] = {
      {"fd0000", Error::non_canonical_compact_size},
      {"fdfc00", Error::non_canonical_compact_size},  // 0xFC fits in one byte
      {"fe00000000", Error::non_canonical_compact_size},
      {"feffff0000", Error::non_canonical_compact_size},  // 0xFFFF fits in three
      {"fefd000000", Error::non_canonical_compact_size},
      {"ff0000000000000000", Error::non_canonical_compact_size},
      {"ffffffffff00000000", Error::non_canonical_compact_size},  // 0xFFFFFFFF fits in five
      {"ff0000000001000000", Error::size_too_large},              // 2^32: above MAX_SIZE
      {"ffffffffffffffffff", Error::size_too_large},
      {"", Error::truncated},
      {"fd", Error::truncated},
      {"fdff", Error::truncated},
      {"feffffff", Error::truncated},
      {"ff00000000010000", Error::truncated},
  };
  for (const auto& row : rows) {
    CAPTURE(row.hex);
    const Bytes in = hex_bytes(row.hex);
    ByteReader r(in);
    CHECK(r.compact_size() == 0);
    CHECK(r.error() == row.error);
    CHECK(r.remaining() == 0);
  }
}

TEST_CASE("CompactSize limit check reports the caller's error") {
  const Bytes in = hex_bytes("fde903");  // 1001
  {
    ByteReader r(in);
    CHECK(r.compact_size(1001, Error::count_too_large) == 1001);
    CHECK(r.ok());
  }
  {
    ByteReader r(in);
    CHECK(r.compact_size(1000, Error::count_too_large) == 0);
    CHECK(r.error() == Error::count_too_large);
  }
  {
    ByteReader r(in);
    CHECK(r.compact_size(1000) == 0);
    CHECK(r.error() == Error::size_too_large);
  }
  // A non-canonical encoding is reported as such even when the value is also over the limit.
  const Bytes non_canonical = hex_bytes("fe00100000");
  ByteReader r(non_canonical);
  r.compact_size(10, Error::count_too_large);
  CHECK(r.error() == Error::non_canonical_compact_size);
}

TEST_CASE("var_str and var_bytes enforce their maximum before copying") {
  struct Row {
    std::string what;
    const char* hex;
    std::size_t max;
    Error error;
    const char* text;
  };
  const Row rows[] = {
      {"empty", "00", 0, Error::ok, ""},
      {"exactly at the limit", "03616263", 3, Error::ok, "abc"},
      {"one over the limit", "03616263", 2, Error::string_too_long, ""},
      {"length 256, limit 256 (3-byte length)", nullptr, 256, Error::ok, nullptr},
      {"length 257, limit 256, body absent", "fd0101", 256, Error::string_too_long, ""},
      {"huge length, body absent", "feffffffff", 256, Error::string_too_long, ""},
      {"above MAX_SIZE", "ff0000000001000000", 256, Error::size_too_large, ""},
      {"body truncated", "05616263", 10, Error::truncated, ""},
      {"non-canonical length", "fd0300616263", 10, Error::non_canonical_compact_size, ""},
      {"length missing", "", 10, Error::truncated, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    Bytes in;
    std::string expected_text;
    if (row.hex) {
      in = hex_bytes(row.hex);
      expected_text = row.text;
    } else {
      expected_text = std::string(256, 'z');
      ByteWriter(in).var_str(expected_text);
      CHECK(in.size() == 259);
    }
    ByteReader strings(in);
    CHECK(strings.var_str(row.max) == expected_text);
    CHECK(strings.error() == row.error);

    ByteReader bytes(in);
    CHECK(bytes.var_bytes(row.max) == Bytes(expected_text.begin(), expected_text.end()));
    CHECK(bytes.error() == row.error);
  }
}

TEST_CASE("ByteWriter var_str and var_bytes prefix the canonical length") {
  Bytes out;
  ByteWriter w(out);
  w.var_str("hi");
  w.var_bytes(hex_bytes("aabb"));
  w.var_str(std::string(0xFD, 'x'));
  CHECK(to_hex(ByteSpan(out).first(6)) ==
        "026869"
        "02aabb");
  CHECK(to_hex(ByteSpan(out).subspan(6, 3)) == "fdfd00");
  CHECK(out.size() == 6 + 3 + 0xFD);
  CHECK(&w.buffer() == &out);
}

TEST_CASE("the first error sticks and later reads return zero") {
  const Bytes in = hex_bytes("0102030405");
  ByteReader r(in);
  CHECK(r.u32le() == 0x04030201u);
  CHECK(r.remaining() == 1);
  CHECK(r.u16le() == 0);  // one byte short
  CHECK(r.error() == Error::truncated);
  CHECK(r.remaining() == 0);
  CHECK(r.empty());
  CHECK(r.u8() == 0);
  CHECK(r.compact_size() == 0);
  CHECK(r.var_str(10).empty());
  CHECK(r.bytes(0).empty());
  CHECK(r.hash() == Hash256{});
  r.fail(Error::invalid_value);
  CHECK(r.error() == Error::truncated);
  CHECK_FALSE(r.ok());
}

TEST_CASE("fail() stops reading; bytes(), array() and rest() stay in bounds") {
  const Bytes in = hex_bytes("00112233445566778899");
  {
    ByteReader r(in);
    r.fail(Error::invalid_value);
    CHECK(r.error() == Error::invalid_value);
    CHECK(r.u8() == 0);
    CHECK(r.rest().empty());
  }
  {
    ByteReader r(in);
    CHECK(to_hex(r.bytes(2)) == "0011");
    CHECK(r.array<3>() == std::array<std::uint8_t, 3>{0x22, 0x33, 0x44});
    CHECK(to_hex(r.rest()) == "5566778899");
    CHECK(r.ok());
    CHECK(r.rest().empty());
    CHECK(r.ok());
  }
  {
    ByteReader r(in);
    CHECK(r.array<11>() == std::array<std::uint8_t, 11>{});
    CHECK(r.error() == Error::truncated);
  }
  {
    ByteReader r(in);
    CHECK(r.bytes(11).empty());
    CHECK(r.error() == Error::truncated);
  }
  {
    ByteReader r(in);
    CHECK(r.bytes(SIZE_MAX).empty());
    CHECK(r.error() == Error::truncated);
  }
}

TEST_CASE("wire errors have a category and messages") {
  const auto code = make_error_code(Error::bad_association_id);
  CHECK(code.category().name() == std::string("bsvpeer.wire"));
  CHECK(code.message() == "bad association id");
  CHECK(make_error_code(Error::truncated).message() == "end of data");
}
