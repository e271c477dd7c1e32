// Malformed and limit-edge payloads: each must fail with the documented error (or be
// accepted where SV accepts it), never crash or allocate from an unchecked count.
#include "wire/message_test_support.hpp"

#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/message.hpp>

#include <doctest/doctest.h>

#include <functional>

using namespace bsvpeer::wire;
using namespace bsvpeer::wire::test;

namespace {

// version payload through relay, without an association id.
Bytes version_payload(const std::string& user_agent = "/t:1/") {
  Version v;
  v.version = 70016;
  v.addr_recv = NetAddress::ipv4(1, 2, 3, 4, 8333);
  v.nonce = 99;
  v.user_agent = user_agent;
  v.start_height = 5;
  v.relay = true;
  return encode_payload(v);
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes protoconf_payload(const std::string& fields_hex, std::uint32_t max,
                        const std::string* policies) {
  Bytes out = hex_bytes(fields_hex);
  ByteWriter w(out);
  w.u32le(max);
  if (policies) w.var_str(*policies);
  return out;
}

Bytes reject_payload(const std::string& message, const std::string& reason) {
  Bytes out;
  ByteWriter w(out);
  w.var_str(message);
  w.u8(0x10);
  w.var_str(reason);
  return out;
}

Bytes first_bytes(Bytes bytes, std::size_t n) {
  bytes.resize(n);
  return bytes;
}

Bytes zeros(std::size_t n) {
  return Bytes(n, 0);
}

}  // namespace

TEST_CASE("malformed payloads fail with the documented error") {
  const std::string policies_651 = repeated('p', 651);
  struct Row {
    std::string what;
    std::string command;
    Bytes payload;
    Error error;
  };
  const Row rows[] = {
      // version
      {"empty version", "version", {}, Error::truncated},
      {"user agent of 257 bytes", "version", version_payload(repeated('a', 257)),
       Error::string_too_long},
      {"SV functional test garbage after relay", "version",
       concat(version_payload(), hex_bytes("fe11111100000000")), Error::bad_association_id},
      {"association id length above 129", "version",
       concat(version_payload(), concat(hex_bytes("8200"), zeros(130))), Error::bad_association_id},
      {"association id of 2 bytes", "version", concat(version_payload(), hex_bytes("020001")),
       Error::bad_association_id},
      {"association id type 1", "version",
       concat(version_payload(), concat(hex_bytes("1101"), zeros(16))), Error::bad_association_id},
      {"association id UUID of 15 bytes", "version",
       concat(version_payload(), concat(hex_bytes("1000"), zeros(15))), Error::bad_association_id},
      {"association id UUID of 17 bytes", "version",
       concat(version_payload(), concat(hex_bytes("1200"), zeros(17))), Error::bad_association_id},
      {"association id length truncated", "version",
       concat(version_payload(), concat(hex_bytes("1100"), zeros(10))), Error::bad_association_id},
      {"association id non-canonical length", "version",
       concat(version_payload(), concat(hex_bytes("fd1100"), concat(hex_bytes("00"), zeros(16)))),
       Error::bad_association_id},
      {"user agent non-canonical length", "version",
       concat(first_bytes(version_payload(), 80), hex_bytes("fd0500")),
       Error::non_canonical_compact_size},
      // protoconf
      {"protoconf with 0 fields", "protoconf", protoconf_payload("00", 2'097'152, nullptr),
       Error::invalid_value},
      {"protoconf max one below 1 MiB", "protoconf", protoconf_payload("01", 1'048'575, nullptr),
       Error::invalid_value},
      {"protoconf max 0", "protoconf", protoconf_payload("02", 0, nullptr), Error::invalid_value},
      {"protoconf policies of 651 bytes", "protoconf",
       protoconf_payload("02", 2'097'152, &policies_651), Error::string_too_long},
      {"protoconf 2 fields without policies", "protoconf",
       protoconf_payload("02", 2'097'152, nullptr), Error::truncated},
      {"protoconf non-canonical field count", "protoconf",
       protoconf_payload("fd0200", 2'097'152, nullptr), Error::non_canonical_compact_size},
      {"protoconf field count above MAX_SIZE", "protoconf",
       protoconf_payload("ff0000000001000000", 2'097'152, nullptr), Error::size_too_large},
      // ping / pong
      {"ping of 7 bytes", "ping", zeros(7), Error::truncated},
      {"empty pong", "pong", {}, Error::truncated},
      {"pong of 7 bytes", "pong", zeros(7), Error::truncated},
      // addr
      {"addr of 1001 entries", "addr", concat(hex_bytes("fde903"), zeros(1001 * 30)),
       Error::count_too_large},
      {"addr declaring 1000 entries, carrying one", "addr", concat(hex_bytes("fde803"), zeros(30)),
       Error::truncated},
      {"addr non-canonical count", "addr", concat(hex_bytes("fd0100"), zeros(30)),
       Error::non_canonical_compact_size},
      {"addr entry cut short", "addr", concat(hex_bytes("01"), zeros(29)), Error::truncated},
      {"addr without count", "addr", {}, Error::truncated},
      // inventory
      {"inv declaring 2^32-1 items, carrying one", "inv",
       concat(hex_bytes("feffffffff"), zeros(36)), Error::truncated},
      {"getdata declaring 2^32 items", "getdata",
       concat(hex_bytes("ff0000000001000000"), zeros(36)), Error::size_too_large},
      {"notfound declaring 2 items, carrying 71 bytes", "notfound",
       concat(hex_bytes("02"), zeros(71)), Error::truncated},
      {"inv non-canonical count", "inv", concat(hex_bytes("fd0100"), zeros(36)),
       Error::non_canonical_compact_size},
      {"getdata non-canonical 9-byte count", "getdata",
       concat(hex_bytes("ff0100000000000000"), zeros(36)), Error::non_canonical_compact_size},
      // getheaders / headers
      {"getheaders declaring 100000 locators", "getheaders",
       concat(hex_bytes("80110100fea0860100"), zeros(64)), Error::truncated},
      {"getheaders without stop hash", "getheaders", concat(hex_bytes("8011010001"), zeros(32)),
       Error::truncated},
      {"getheaders non-canonical count", "getheaders",
       concat(hex_bytes("80110100fd0100"), zeros(64)), Error::non_canonical_compact_size},
      {"headers of 2001 entries", "headers", concat(hex_bytes("fdd107"), zeros(2001 * 81)),
       Error::count_too_large},
      {"headers declaring 2000 entries, carrying one", "headers",
       concat(hex_bytes("fdd007"), zeros(81)), Error::truncated},
      {"headers non-canonical count", "headers", concat(hex_bytes("fe01000000"), zeros(81)),
       Error::non_canonical_compact_size},
      {"headers non-canonical tx count", "headers",
       concat(hex_bytes("01"), concat(zeros(80), hex_bytes("fd0000"))),
       Error::non_canonical_compact_size},
      {"headers tx count above MAX_SIZE", "headers",
       concat(hex_bytes("01"), concat(zeros(80), hex_bytes("ff0000000001000000"))),
       Error::size_too_large},
      {"headers without tx count", "headers", concat(hex_bytes("01"), zeros(80)), Error::truncated},
      // control messages
      {"sendcmpct of 8 bytes", "sendcmpct", zeros(8), Error::truncated},
      {"feefilter of 4 bytes", "feefilter", zeros(4), Error::truncated},
      {"reject message of 13 bytes", "reject", reject_payload(repeated('m', 13), "r"),
       Error::string_too_long},
      {"reject reason of 112 bytes", "reject", reject_payload("tx", repeated('r', 112)),
       Error::string_too_long},
      {"reject without code", "reject", hex_bytes("027478"), Error::truncated},
      {"authch declaring 2^32-1 bytes, carrying 32", "authch",
       concat(hex_bytes("01000000ffffffff"), zeros(32)), Error::truncated},
      {"authch declaring 33 bytes, carrying 32", "authch",
       concat(hex_bytes("0100000021000000"), zeros(32)), Error::truncated},
      {"authch without length", "authch", hex_bytes("01000000"), Error::truncated},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    const auto decoded = decode_payload(row.command, row.payload);
    CHECK(decoded.has_error());
    if (decoded.has_error()) {
      CAPTURE(decoded.error().message());
      CHECK(decoded.error() == make_error_code(row.error));
    }
  }
}

TEST_CASE("payloads at the limits or with tolerated extras are accepted") {
  const std::string policies_650 = repeated('p', 650);
  const Hash256 uuid_hash = counting_hash(0x10);
  const Bytes uuid_id = concat(hex_bytes("00"), Bytes(uuid_hash.begin(), uuid_hash.begin() + 16));

  struct Row {
    std::string what;
    std::string command;
    Bytes payload;
    std::function<void(const Message&)> check;
  };
  const Row rows[] = {
      {"user agent of 256 bytes", "version", version_payload(repeated('a', 256)),
       [](const Message& m) { CHECK(std::get<Version>(m).user_agent.size() == 256); }},
      {"association id: single 0x00 is a null id", "version",
       concat(version_payload(), hex_bytes("00")),
       [](const Message& m) { CHECK(std::get<Version>(m).association_id == Bytes{}); }},
      {"association id: length 1 is a null id, byte kept", "version",
       concat(version_payload(), hex_bytes("01ff")),
       [](const Message& m) { CHECK(std::get<Version>(m).association_id == Bytes{0xff}); }},
      {"association id: UUID, then ignored bytes", "version",
       concat(version_payload(), concat(hex_bytes("11"), concat(uuid_id, hex_bytes("deadbeef")))),
       [&uuid_id](const Message& m) { CHECK(std::get<Version>(m).association_id == uuid_id); }},
      {"relay byte 2 reads as true", "version",
       [] {
         Bytes p = version_payload();
         p.back() = 2;
         return p;
       }(),
       [](const Message& m) { CHECK(std::get<Version>(m).relay); }},
      {"relay byte 0 reads as false", "version",
       [] {
         Bytes p = version_payload();
         p.back() = 0;
         return p;
       }(),
       [](const Message& m) { CHECK_FALSE(std::get<Version>(m).relay); }},
      {"protoconf max exactly 1 MiB, 1 field, extra bytes", "protoconf",
       concat(protoconf_payload("01", 1'048'576, nullptr), hex_bytes("0501020304")),
       [](const Message& m) {
         const auto& p = std::get<Protoconf>(m);
         CHECK(p.number_of_fields == 1);
         CHECK(p.max_recv_payload_length == 1'048'576);
         CHECK(p.stream_policies == "Default");
       }},
      {"protoconf policies of 650 bytes", "protoconf",
       protoconf_payload("02", 2'097'152, &policies_650),
       [](const Message& m) { CHECK(std::get<Protoconf>(m).stream_policies.size() == 650); }},
      {"protoconf with 3 fields, the third ignored", "protoconf",
       concat(protoconf_payload("03", 0xFFFFFFFFu, &policies_650), hex_bytes("aa")),
       [](const Message& m) {
         CHECK(std::get<Protoconf>(m).number_of_fields == 3);
         CHECK(std::get<Protoconf>(m).max_recv_payload_length == 0xFFFFFFFFu);
       }},
      {"verack with extra bytes", "verack", hex_bytes("00ff"),
       [](const Message& m) { CHECK(std::holds_alternative<Verack>(m)); }},
      {"getaddr with extra bytes", "getaddr", hex_bytes("01"),
       [](const Message& m) { CHECK(std::holds_alternative<GetAddr>(m)); }},
      {"sendheaders with extra bytes", "sendheaders", hex_bytes("0102"),
       [](const Message& m) { CHECK(std::holds_alternative<SendHeaders>(m)); }},
      {"ping of 9 bytes", "ping", hex_bytes("080706050403020199"),
       [](const Message& m) { CHECK(std::get<Ping>(m).nonce == 0x0102030405060708ull); }},
      {"addr of exactly 1000 entries", "addr", concat(hex_bytes("fde803"), zeros(1000 * 30)),
       [](const Message& m) { CHECK(std::get<Addr>(m).entries.size() == 1000); }},
      {"headers of exactly 2000 entries", "headers", concat(hex_bytes("fdd007"), zeros(2000 * 81)),
       [](const Message& m) { CHECK(std::get<Headers>(m).headers.size() == 2000); }},
      {"headers with a non-zero tx count", "headers",
       concat(hex_bytes("01"), concat(zeros(80), hex_bytes("fe00000100"))),
       [](const Message& m) { CHECK(std::get<Headers>(m).headers.size() == 1); }},
      {"inv with types the connection rejects", "inv",
       concat(hex_bytes("01"), concat(hex_bytes("07000000"), zeros(32))),
       [](const Message& m) { CHECK(std::get<Inv>(m).items.at(0).type == 7); }},
      {"authch with an empty challenge", "authch", hex_bytes("0100000000000000"),
       [](const Message& m) { CHECK(std::get<AuthCh>(m).challenge.empty()); }},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    const auto decoded = decode_payload(row.command, row.payload);
    CHECK_MESSAGE(decoded.has_value(),
                  (decoded.has_error() ? decoded.error().message() : std::string()));
    if (decoded.has_value()) row.check(*decoded);
  }
}

TEST_CASE("unknown commands pass through with a copy of the payload") {
  const Bytes payload = hex_bytes("0102030405");
  for (const std::string command :
       {"alert", "block", "tx", "createstrm", "streamack", "extmsg", "mempool", "authresp",
        "sendaddrv2", "", "VERSION", "version ", "x123456789ab"}) {
    CAPTURE(command);
    CHECK_FALSE(is_known_command(command));
    const auto decoded = decode_payload(command, payload);
    REQUIRE(decoded.has_value());
    const auto* unknown = std::get_if<UnknownMessage>(&*decoded);
    REQUIRE(unknown != nullptr);
    CHECK(unknown->command == command);
    CHECK(unknown->payload == payload);
    CHECK(unknown->payload.data() != payload.data());
    CHECK(command_of(*decoded) == command);
    CHECK(encode_payload(*decoded) == payload);
  }
}

TEST_CASE("known commands are exactly the typed messages") {
  const std::string known[] = {"version",    "verack",  "protoconf",   "ping",      "pong",
                               "getaddr",    "addr",    "inv",         "getdata",   "notfound",
                               "getheaders", "headers", "sendheaders", "sendcmpct", "feefilter",
                               "reject",     "authch"};
  CHECK(std::size(known) == std::variant_size_v<Message> - 1);
  for (const std::string& command : known) {
    CAPTURE(command);
    CHECK(is_known_command(command));
    // An empty payload decodes or fails by the command's own rules, never as unknown.
    const auto decoded = decode_payload(command, {});
    if (decoded.has_value()) {
      CHECK_FALSE(std::holds_alternative<UnknownMessage>(*decoded));
      CHECK(command_of(*decoded) == command);
    }
  }
}
