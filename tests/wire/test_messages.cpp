// Message codecs against the byte vectors in data/vectors/messages.json, round trips of
// every message type, and truncation of every payload at every byte offset.
#include "wire/message_test_support.hpp"

#include <bsvpeer/wire/message.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <set>

using namespace bsvpeer::wire;
using namespace bsvpeer::wire::test;
using nlohmann::json;

namespace {

// Reads the fields of a `decoded` object and remembers which ones were compared, so a field
// added to the JSON without a comparison here fails the test instead of passing unchecked.
class DecodedFields {
 public:
  explicit DecodedFields(const json& fields) : fields_(fields) {}
  bool has(const std::string& key) const { return fields_.contains(key); }
  const json& at(const std::string& key) {
    compared_.insert(key);
    return fields_.at(key);
  }
  void check_every_field_compared() const {
    for (const auto& item : fields_.items()) {
      CAPTURE(item.key());
      CHECK_MESSAGE(compared_.count(item.key()) == 1, "field in messages.json not compared");
    }
  }

 private:
  const json& fields_;
  std::set<std::string> compared_;
};

// "0x..." (big-endian number text) or a JSON number.
std::uint64_t u64_of(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  const auto text = value.get<std::string>();
  REQUIRE(text.rfind("0x", 0) == 0);
  const Bytes big_endian = hex_bytes(text.substr(2));
  REQUIRE(big_endian.size() == 8);
  std::uint64_t out = 0;
  for (auto b : big_endian)
    out = (out << 8) | b;
  return out;
}

// The 8 nonce bytes as they appear on the wire (little-endian).
std::uint64_t u64_of_wire_bytes(const json& value) {
  const Bytes wire = hex_bytes(value.get<std::string>());
  REQUIRE(wire.size() == 8);
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < 8; ++i)
    out |= static_cast<std::uint64_t>(wire[i]) << (8 * i);
  return out;
}

void check_net_address(const NetAddress& actual, const json& expected) {
  CHECK(actual.services == expected.at("services").get<std::uint64_t>());
  const auto ip_text = expected.at("ip").get<std::string>();
  CHECK(actual.ip_string() == ip_text);
  CHECK(NetAddress::parse_ip(ip_text) == actual.ip);
  CHECK(actual.port == expected.at("port").get<std::uint16_t>());
}

void check_version(const Version& v, DecodedFields& f) {
  if (f.has("version")) CHECK(v.version == f.at("version").get<std::int32_t>());
  if (f.has("services")) CHECK(v.services == f.at("services").get<std::uint64_t>());
  if (f.has("timestamp")) CHECK(v.timestamp == f.at("timestamp").get<std::int64_t>());
  if (f.has("addr_recv")) check_net_address(v.addr_recv, f.at("addr_recv"));
  if (f.has("addr_from")) check_net_address(v.addr_from, f.at("addr_from"));
  if (f.has("nonce")) CHECK(v.nonce == u64_of(f.at("nonce")));
  if (f.has("nonce_bytes")) CHECK(v.nonce == u64_of_wire_bytes(f.at("nonce_bytes")));
  if (f.has("user_agent")) CHECK(v.user_agent == f.at("user_agent").get<std::string>());
  if (f.has("start_height")) CHECK(v.start_height == f.at("start_height").get<std::int32_t>());
  if (f.has("relay")) CHECK(v.relay == f.at("relay").get<bool>());
  if (f.has("association_id")) {
    REQUIRE(v.association_id.has_value());
    CHECK(to_hex(*v.association_id) == f.at("association_id").get<std::string>());
  } else {
    CHECK_FALSE(v.association_id.has_value());
  }
}

template <class Tag>
void check_inventory(const InventoryMessage<Tag>& m, DecodedFields& f) {
  const auto& items = f.at("items");
  REQUIRE(m.items.size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    CAPTURE(i);
    CHECK(m.items[i].type == items[i].at("type").get<std::uint32_t>());
    CHECK(to_hex(m.items[i].hash) == items[i].at("hash_wire").get<std::string>());
  }
}

void check_getheaders(const GetHeaders& m, DecodedFields& f) {
  CHECK(m.version == f.at("version").get<std::uint32_t>());
  const bool display = f.has("locator_display");
  const auto& locator = display ? f.at("locator_display") : f.at("locator_wire");
  REQUIRE(m.locator.size() == locator.size());
  for (std::size_t i = 0; i < locator.size(); ++i) {
    CAPTURE(i);
    const auto text = display ? hash_to_display_hex(m.locator[i]) : to_hex(m.locator[i]);
    CHECK(text == locator[i].get<std::string>());
  }
  if (f.has("hash_stop"))
    CHECK(hash_to_display_hex(m.hash_stop) == f.at("hash_stop").get<std::string>());
  if (f.has("hash_stop_wire"))
    CHECK(to_hex(m.hash_stop) == f.at("hash_stop_wire").get<std::string>());
}

// Compares `decoded` against the JSON fields of a vector; returns false for a type this test
// does not know how to compare (which fails the caller).
bool check_fields(const Message& message, DecodedFields& f) {
  return std::visit(
      [&f](const auto& m) -> bool {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Version>) {
          check_version(m, f);
        } else if constexpr (std::is_same_v<T, Protoconf>) {
          CHECK(m.number_of_fields == f.at("number_of_fields").get<std::uint64_t>());
          CHECK(m.max_recv_payload_length == f.at("max_recv_payload_length").get<std::uint32_t>());
          if (f.has("stream_policies"))
            CHECK(m.stream_policies == f.at("stream_policies").get<std::string>());
        } else if constexpr (std::is_same_v<T, AuthCh>) {
          CHECK(m.version == f.at("version").get<std::uint32_t>());
          CHECK(m.challenge.size() == f.at("msg_len").get<std::size_t>());
          CHECK(to_hex(m.challenge) == f.at("challenge_wire_order").get<std::string>());
        } else if constexpr (std::is_same_v<T, Verack> || std::is_same_v<T, GetAddr> ||
                             std::is_same_v<T, SendHeaders>) {
          // No fields; DecodedFields reports any the JSON might carry.
        } else if constexpr (std::is_same_v<T, SendCmpct>) {
          CHECK(m.announce == f.at("announce").get<bool>());
          CHECK(m.version == f.at("version").get<std::uint64_t>());
        } else if constexpr (std::is_same_v<T, Ping>) {
          REQUIRE(m.nonce.has_value());
          if (f.has("nonce")) CHECK(*m.nonce == u64_of(f.at("nonce")));
          if (f.has("nonce_bytes")) CHECK(*m.nonce == u64_of_wire_bytes(f.at("nonce_bytes")));
        } else if constexpr (std::is_same_v<T, Pong>) {
          if (f.has("nonce")) CHECK(m.nonce == u64_of(f.at("nonce")));
          if (f.has("nonce_bytes")) CHECK(m.nonce == u64_of_wire_bytes(f.at("nonce_bytes")));
        } else if constexpr (std::is_same_v<T, GetHeaders>) {
          check_getheaders(m, f);
        } else if constexpr (std::is_same_v<T, FeeFilter>) {
          CHECK(m.feerate == f.at("feerate").get<std::int64_t>());
        } else if constexpr (std::is_same_v<T, Addr>) {
          const auto& entries = f.at("entries");
          REQUIRE(m.entries.size() == entries.size());
          for (std::size_t i = 0; i < entries.size(); ++i) {
            CAPTURE(i);
            CHECK(m.entries[i].time == entries[i].at("time").get<std::uint32_t>());
            check_net_address(m.entries[i].addr, entries[i]);
          }
        } else if constexpr (std::is_same_v<T, Inv> || std::is_same_v<T, GetData> ||
                             std::is_same_v<T, NotFound>) {
          check_inventory(m, f);
        } else if constexpr (std::is_same_v<T, Reject>) {
          CHECK(m.message == f.at("message").get<std::string>());
          CHECK(m.code == f.at("code").get<std::uint8_t>());
          CHECK(m.reason == f.at("reason").get<std::string>());
          if (f.has("data")) {
            CHECK(to_hex(m.data) == f.at("data").get<std::string>());
          } else {
            CHECK(m.data.empty());
          }
        } else {
          return false;
        }
        return true;
      },
      message);
}

// What decoding the first `length` bytes of a message's payload must give: the message with
// the fields SV treats as optional reset to their defaults, or the error.
struct PrefixOutcome {
  std::optional<Message> message;
  Error error = Error::ok;
};

PrefixOutcome version_prefix_outcome(const Version& full, std::size_t length) {
  constexpr std::size_t kAddrRecvEnd = 4 + 8 + 8 + 26;
  constexpr std::size_t kNonceEnd = kAddrRecvEnd + 26 + 8;
  const std::size_t agent_end =
      kNonceEnd + compact_size_length(full.user_agent.size()) + full.user_agent.size();
  const std::size_t height_end = agent_end + 4;
  const std::size_t relay_end = height_end + 1;
  if (length > relay_end) return {std::nullopt, Error::bad_association_id};
  Version expected = full;
  expected.association_id.reset();
  if (length == relay_end) return {Message{expected}, Error::ok};
  expected.relay = true;
  if (length == height_end) return {Message{expected}, Error::ok};
  expected.start_height = -1;
  if (length == agent_end) return {Message{expected}, Error::ok};
  expected.user_agent.clear();
  if (length == kNonceEnd) return {Message{expected}, Error::ok};
  expected.addr_from = NetAddress{};
  expected.nonce = 1;
  if (length == kAddrRecvEnd) return {Message{expected}, Error::ok};
  return {std::nullopt, Error::truncated};
}

PrefixOutcome prefix_outcome(const Message& full, ByteSpan full_payload, std::size_t length) {
  if (const auto* version = std::get_if<Version>(&full))
    return version_prefix_outcome(*version, length);
  if (std::holds_alternative<Ping>(full) && length == 0) return {Message{Ping{}}, Error::ok};
  if (const auto* reject = std::get_if<Reject>(&full)) {
    const std::size_t reason_end =
        compact_size_length(reject->message.size()) + reject->message.size() + 1 +
        compact_size_length(reject->reason.size()) + reject->reason.size();
    if (length < reason_end) return {std::nullopt, Error::truncated};
    Reject expected = *reject;
    expected.data.assign(full_payload.begin() + static_cast<std::ptrdiff_t>(reason_end),
                         full_payload.begin() + static_cast<std::ptrdiff_t>(length));
    return {Message{expected}, Error::ok};
  }
  if (auto* unknown = std::get_if<UnknownMessage>(&full)) {
    return {
        Message{UnknownMessage{unknown->command,
                               Bytes(full_payload.begin(),
                                     full_payload.begin() + static_cast<std::ptrdiff_t>(length))}},
        Error::ok};
  }
  // Every other message has only mandatory fields (verack/getaddr/sendheaders have none, so
  // their payloads have no proper prefix).
  return {std::nullopt, Error::truncated};
}

void check_every_prefix(const Message& full, ByteSpan payload) {
  const auto command = std::string(command_of(full));
  for (std::size_t length = 0; length < payload.size(); ++length) {
    CAPTURE(length);
    const auto expected = prefix_outcome(full, payload, length);
    const auto decoded = decode_payload(command, payload.first(length));
    if (expected.message) {
      REQUIRE(decoded.has_value());
      CHECK(*decoded == *expected.message);
    } else {
      REQUIRE(decoded.has_error());
      CHECK(decoded.error() == make_error_code(expected.error));
    }
  }
}

}  // namespace

TEST_CASE("messages.json is present and holds the vectors") {
  INFO("vectors file: " << message_vectors_path());
  REQUIRE_MESSAGE(std::filesystem::exists(message_vectors_path()),
                  "data/vectors/messages.json is missing: the vector tests cannot run");
  const auto& vectors = message_vectors().at("vectors");
  REQUIRE(vectors.is_array());
  // 28 vectors when this test was written; two of them are frame-level only.
  CHECK(vectors.size() >= 28);
  CHECK(payload_vectors().size() == vectors.size() - 2);
}

TEST_CASE("every payload vector decodes to its documented fields and re-encodes exactly") {
  std::set<std::string> commands_seen;
  for (const auto& vector : payload_vectors()) {
    CAPTURE(vector.name);
    CAPTURE(vector.command);
    commands_seen.insert(vector.command);
    if (!vector.header.empty()) {
      // The split is right only if the header's length and checksum describe this payload.
      ByteReader header(vector.header);
      header.bytes(16);
      CHECK(header.u32le() == vector.payload.size());
      const auto sum = checksum(vector.payload);
      CHECK(to_hex(header.bytes(4)) == to_hex(sum));
    }
    CHECK(is_known_command(vector.command));
    const auto decoded = decode_payload(vector.command, vector.payload);
    REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
    CHECK(command_of(*decoded) == vector.command);

    DecodedFields fields(*vector.decoded);
    CHECK_MESSAGE(check_fields(*decoded, fields), "no field comparison for this command");
    fields.check_every_field_compared();

    if (vector.reencode) CHECK(to_hex(encode_payload(*decoded)) == to_hex(vector.payload));
  }
  // The vectors cover these commands; losing one from the file should not go unnoticed.
  for (const std::string command :
       {"version", "verack", "protoconf", "authch", "sendheaders", "sendcmpct", "ping", "pong",
        "getheaders", "feefilter", "getaddr", "addr", "inv", "getdata", "notfound", "reject"}) {
    CAPTURE(command);
    CHECK(commands_seen.count(command) == 1);
  }
}

TEST_CASE("every vector payload truncated at every offset fails, except where SV allows it") {
  for (const auto& vector : payload_vectors()) {
    CAPTURE(vector.name);
    const auto full = decode_payload(vector.command, vector.payload);
    REQUIRE(full.has_value());
    check_every_prefix(*full, vector.payload);
  }
}

TEST_CASE("every message type round-trips with non-trivial values") {
  std::set<std::size_t> types_seen;
  for (const auto& message : sample_messages()) {
    const auto command = std::string(command_of(message));
    CAPTURE(command);
    types_seen.insert(message.index());
    const Bytes payload = encode_payload(message);
    CAPTURE(to_hex(payload));
    const auto decoded = decode_payload(command, payload);
    REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
    CHECK(*decoded == message);
    CHECK(encode_payload(*decoded) == payload);
    Bytes appended{0xEE};
    encode_payload(message, appended);
    CHECK(appended.size() == payload.size() + 1);
    CHECK(std::equal(payload.begin(), payload.end(), appended.begin() + 1));
  }
  CHECK(types_seen.size() == std::variant_size_v<Message>);
}

TEST_CASE("every round-trip payload truncated at every offset fails, except where SV allows it") {
  for (const auto& message : sample_messages()) {
    CAPTURE(std::string(command_of(message)));
    const Bytes payload = encode_payload(message);
    check_every_prefix(message, payload);
  }
}

TEST_CASE("encodings match the published layouts byte for byte") {
  BlockHeader genesis;
  genesis.version = 1;
  genesis.merkle_root =
      *hash_from_display_hex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
  genesis.time = 1231006505;
  genesis.bits = 0x1d00ffff;
  genesis.nonce = 2083236893;
  const std::string genesis_hex = "01000000" + std::string(64, '0') +
                                  "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a"
                                  "29ab5f49ffff001d1dac2b7c";

  struct Row {
    std::string what;
    Message message;
    std::string payload_hex;
  };
  const Row rows[] = {
      {"empty ping (BIP31 peers)", Ping{}, ""},
      {"ping", Ping{0x0102030405060708ull}, "0807060504030201"},
      {"pong", Pong{0x1122334455667788ull}, "8877665544332211"},
      {"sendcmpct announce v2", SendCmpct{true, 2}, "010200000000000000"},
      {"negative feefilter", FeeFilter{-2}, "feffffffffffffff"},
      {"minimal protoconf", Protoconf{1, 1'048'576, "ignored"}, "0100001000"},
      {"protoconf, 3 fields", Protoconf{3, 2'097'152, "Default"}, "03000020000744656661756c74"},
      {"headers with genesis", Headers{{genesis}}, "01" + genesis_hex + "00"},
      {"empty headers", Headers{}, "00"},
      {"reject with data", Reject{"tx", 0x10, "bad", {0xAA, 0xBB}}, "0274781003626164aabb"},
      {"authch", AuthCh{1, {0xC0, 0xC1}}, "0100000002000000c0c1"},
      {"addr, IPv6 entry", Addr{{{7, {1, *NetAddress::parse_ip("2001:db8::1"), 0x1234}}}},
       "01070000000100000000000000"
       "20010db8000000000000000000000001"
       "1234"},
      {"getheaders, no locator", GetHeaders{70016, {}, counting_hash(0)},
       "8011010000" + to_hex(counting_hash(0))},
      {"unknown command", UnknownMessage{"alert", {1, 2, 3}}, "010203"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    CHECK(to_hex(encode_payload(row.message)) == row.payload_hex);
  }
  // Genesis hashes to the well-known value: the header field order is right.
  CHECK(hash_to_display_hex(genesis.hash()) ==
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
}
