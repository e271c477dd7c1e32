// NetAddress: text forms (dotted quad, RFC 5952), parsing, and the 26/30-byte encodings.
#include "wire/message_test_support.hpp"

#include <bsvpeer/wire/hex.hpp>
#include <bsvpeer/wire/net_address.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::wire;
using bsvpeer::wire::test::hex_bytes;

namespace {
Ip16 ip_of_hex(const char* hex) {
  const Bytes bytes = hex_bytes(hex);
  REQUIRE(bytes.size() == 16);
  Ip16 out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}
}  // namespace

TEST_CASE("ipv4() builds an IPv4-mapped address") {
  const auto a = NetAddress::ipv4(192, 168, 0, 1, 8333, 0x21);
  CHECK(to_hex(a.ip) == "00000000000000000000ffffc0a80001");
  CHECK(a.port == 8333);
  CHECK(a.services == 0x21);
  CHECK(a.is_ipv4());
  CHECK(a.ip_string() == "192.168.0.1");
}

TEST_CASE("ip_string: dotted quad for IPv4-mapped, RFC 5952 otherwise") {
  struct Row {
    const char* ip_hex;
    std::string text;
    bool ipv4;
  };
  const Row rows[] = {
      {"00000000000000000000000000000000", "::", false},
      {"00000000000000000000000000000001", "::1", false},
      {"00000000000000000000ffff00000000", "0.0.0.0", true},
      {"00000000000000000000ffffffffffff", "255.255.255.255", true},
      {"00000000000000000000ffff5c183534", "92.24.53.52", true},
      // IPv4-compatible (deprecated) is not mapped: plain hex groups.
      {"00000000000000000000000001020304", "::102:304", false},
      // ::fffe:... is not the mapped prefix.
      {"00000000000000000000fffe01020304", "::fffe:102:304", false},
      {"20010db8000000000000000000000001", "2001:db8::1", false},
      // A single zero group is not compressed (RFC 5952 4.2.2).
      {"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1", false},
      // The first of two equally long zero runs is compressed (4.2.3).
      {"20010db8000000000001000000000001", "2001:db8::1:0:0:1", false},
      // The longer run wins even when it comes second.
      {"20010000000100000000000000000001", "2001:0:1::1", false},
      {"fe800000000000000000000000000000", "fe80::", false},
      {"00010000000000000000000000000000", "1::", false},
      {"abcdef0123456789abcdef0123456789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789", false},
      {"00000000000000000000000000010000", "::1:0", false},
      {"0000000000000000000000000000ffff", "::ffff", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    NetAddress a;
    a.ip = ip_of_hex(row.ip_hex);
    CHECK(a.is_ipv4() == row.ipv4);
    CHECK(a.ip_string() == row.text);
    // The text parses back to the same 16 bytes.
    CHECK(NetAddress::parse_ip(row.text) == a.ip);
  }
}

TEST_CASE("parse_ip accepts IPv4 and IPv6 text, nothing else") {
  struct Row {
    std::string text;
    const char* ip_hex;  // nullptr: rejected
  };
  const Row rows[] = {
      {"1.2.3.4", "00000000000000000000ffff01020304"},
      {"::ffff:1.2.3.4", "00000000000000000000ffff01020304"},
      {"2001:DB8::A", "20010db800000000000000000000000a"},
      {"::", "00000000000000000000000000000000"},
      {"", nullptr},
      {"1.2.3", nullptr},
      {"1.2.3.256", nullptr},
      {"1.2.3.4.5", nullptr},
      {" 1.2.3.4", nullptr},
      {"1.2.3.4:8333", nullptr},
      {"[::1]", nullptr},
      {"::g", nullptr},
      {"1:2:3:4:5:6:7:8:9", nullptr},
      {std::string("1.2.3.4\0junk", 12), nullptr},
      {std::string(100, '1'), nullptr},
      {"localhost", nullptr},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    const auto parsed = NetAddress::parse_ip(row.text);
    if (row.ip_hex == nullptr) {
      CHECK_FALSE(parsed.has_value());
    } else {
      REQUIRE(parsed.has_value());
      CHECK(to_hex(*parsed) == row.ip_hex);
    }
  }
}

TEST_CASE("NetAddress encodes 26 bytes with a big-endian port") {
  NetAddress a = NetAddress::ipv4(127, 0, 0, 1, 0x208d, 0x0102030405060708ull);
  Bytes out;
  ByteWriter w(out);
  a.encode(w);
  CHECK(to_hex(out) ==
        "0807060504030201"
        "00000000000000000000ffff7f000001"
        "208d");
  ByteReader r(out);
  CHECK(NetAddress::decode(r) == a);
  CHECK(r.ok());
  CHECK(r.empty());
}

TEST_CASE("TimedNetAddress encodes 30 bytes: time, then the address") {
  TimedNetAddress t;
  t.time = 0x5d2f6d0b;
  t.addr.ip = *NetAddress::parse_ip("2001:db8::1");
  t.addr.port = 18333;
  t.addr.services = 1;
  Bytes out;
  ByteWriter w(out);
  t.encode(w);
  CHECK(out.size() == 30);
  CHECK(to_hex(ByteSpan(out).first(4)) == "0b6d2f5d");
  CHECK(to_hex(ByteSpan(out).last(2)) == "479d");
  ByteReader r(out);
  CHECK(TimedNetAddress::decode(r) == t);
  CHECK(r.empty());
}

TEST_CASE("decoding a short address sets the reader's error") {
  const Bytes in(25, 0);
  ByteReader r(in);
  NetAddress::decode(r);
  CHECK(r.error() == Error::truncated);
  const Bytes timed(29, 0);
  ByteReader rt(timed);
  TimedNetAddress::decode(rt);
  CHECK(rt.error() == Error::truncated);
}
