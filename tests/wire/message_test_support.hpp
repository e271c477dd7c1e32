#pragma once
// Helpers shared by the wire message tests: hex literals, the messages.json vectors split
// into command + payload, and a set of messages with non-trivial values for round trips.
#include "support/test_paths.hpp"

#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/hex.hpp>
#include <bsvpeer/wire/message.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::wire::test {

inline Bytes hex_bytes(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes) throw std::invalid_argument("bad hex literal in test: " + std::string(hex));
  return *bytes;
}

inline Hash256 hash_of_hex(std::string_view wire_order_hex) {
  const Bytes bytes = hex_bytes(wire_order_hex);
  if (bytes.size() != 32) throw std::invalid_argument("hash literal is not 32 bytes");
  Hash256 out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// A hash whose bytes are seed, seed+1, ... so every position is distinct.
inline Hash256 counting_hash(std::uint8_t seed) {
  Hash256 out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(seed + i);
  return out;
}

inline std::string message_vectors_path() {
  return bsvpeer::test::data_dir() + "/vectors/messages.json";
}

// Throws (which fails the calling test case) when the file is missing or not JSON.
inline const nlohmann::json& message_vectors() {
  static const nlohmann::json vectors = [] {
    std::ifstream in(message_vectors_path());
    if (!in) throw std::runtime_error("cannot open " + message_vectors_path());
    return nlohmann::json::parse(in);
  }();
  return vectors;
}

// A vector whose payload this room decodes.
struct PayloadVector {
  std::string name;
  std::string command;
  Bytes header;  // empty for payload-only vectors
  Bytes payload;
  bool reencode = false;
  const nlohmann::json* decoded = nullptr;
};

// Vectors that are not single message payloads: a frame-level header case and a 44-byte
// extmsg header without its payload. Both belong to the frame tests.
inline bool is_frame_only_vector(const nlohmann::json& v) {
  const auto name = v.at("name").get<std::string>();
  return name == "bad_command_nul_then_byte" || name == "extmsg_header_4GiB_block";
}

inline std::vector<PayloadVector> payload_vectors() {
  constexpr std::size_t kHeaderSize = 24;
  std::vector<PayloadVector> out;
  for (const auto& v : message_vectors().at("vectors")) {
    if (is_frame_only_vector(v)) continue;
    PayloadVector pv;
    pv.name = v.at("name").get<std::string>();
    pv.reencode = v.at("reencode").get<bool>();
    pv.decoded = &v.at("decoded");
    if (v.contains("payload_hex")) {
      // Payload-only vectors carry no header; the name says which message they are.
      if (pv.name.find("version") == std::string::npos)
        throw std::runtime_error("payload-only vector of unknown command: " + pv.name);
      pv.command = "version";
      pv.payload = hex_bytes(v.at("payload_hex").get<std::string>());
    } else {
      const Bytes frame = hex_bytes(v.at("hex").get<std::string>());
      if (frame.size() < kHeaderSize) throw std::runtime_error("short frame in " + pv.name);
      pv.header.assign(frame.begin(), frame.begin() + kHeaderSize);
      pv.payload.assign(frame.begin() + kHeaderSize, frame.end());
      for (std::size_t i = 4; i < 16 && frame[i] != 0; ++i)
        pv.command.push_back(static_cast<char>(frame[i]));
    }
    out.push_back(std::move(pv));
  }
  return out;
}

inline std::string repeated(char c, std::size_t n) {
  return std::string(n, c);
}

// Messages of every type with non-trivial values, including limits at their maximum.
inline std::vector<Message> sample_messages() {
  std::vector<Message> out;

  Version full;
  full.version = 70016;
  full.services = 0x21;
  full.timestamp = 1'700'000'123;
  full.addr_recv = NetAddress::ipv4(203, 0, 113, 7, 8333, 1);
  full.addr_from.services = 0x25;
  full.addr_from.ip = *NetAddress::parse_ip("2001:db8::5");
  full.addr_from.port = 18333;
  full.nonce = 0xdeadbeefcafebabeull;
  full.user_agent = "/bsvpeer:0.1.0/";
  full.start_height = 900'000;
  full.relay = false;
  full.association_id = hex_bytes("00112233445566778899aabbccddeeff01");
  out.push_back(full);

  Version no_id = full;
  no_id.association_id.reset();
  no_id.start_height = -7;
  no_id.relay = true;
  out.push_back(no_id);

  Version null_id = full;
  null_id.association_id = Bytes{};
  out.push_back(null_id);

  Version one_byte_id = full;
  one_byte_id.association_id = Bytes{0x5a};
  out.push_back(one_byte_id);

  Version long_agent = no_id;
  long_agent.user_agent = repeated('u', 256);  // the maximum; its length takes 3 bytes
  out.push_back(long_agent);

  out.push_back(Verack{});
  out.push_back(Protoconf{2, 2'097'152, "BlockPriority,Default"});
  out.push_back(Protoconf{1, 1'048'576, "Default"});
  out.push_back(Protoconf{7, 0xFFFFFFFFu, repeated('p', 650)});

  out.push_back(Ping{});
  out.push_back(Ping{0x0102030405060708ull});
  out.push_back(Ping{0});
  out.push_back(Pong{0xFFFFFFFFFFFFFFFFull});
  out.push_back(GetAddr{});

  Addr addr;
  addr.entries.push_back({0x5d2f6d0b, NetAddress::ipv4(127, 0, 0, 1, 8333, 0)});
  TimedNetAddress v6{1'700'000'000, {}};
  v6.addr.services = 0x21;
  v6.addr.ip = *NetAddress::parse_ip("fe80::1:2:3");
  v6.addr.port = 0xFFFE;
  addr.entries.push_back(v6);
  addr.entries.push_back({0xFFFFFFFFu, NetAddress::ipv4(255, 255, 255, 255, 1, ~0ull)});
  out.push_back(addr);
  out.push_back(Addr{});

  Inv inv;
  inv.items = {{1, counting_hash(0x10)}, {2, counting_hash(0x80)}};
  out.push_back(inv);
  out.push_back(Inv{});
  GetData getdata;
  for (std::uint32_t type : {1u, 2u, 3u, 4u, 5u, 0x40000002u})
    getdata.items.push_back({type, counting_hash(static_cast<std::uint8_t>(type))});
  out.push_back(getdata);
  NotFound notfound;
  notfound.items = {{1, counting_hash(0xF0)}};
  out.push_back(notfound);

  GetHeaders getheaders;
  getheaders.version = 70016;
  getheaders.locator = {counting_hash(1), counting_hash(2), counting_hash(3)};
  getheaders.hash_stop = counting_hash(0xA0);
  out.push_back(getheaders);
  out.push_back(GetHeaders{70015, {}, {}});

  BlockHeader first;
  first.version = 0x20000000;
  first.prev_block = counting_hash(0x33);
  first.merkle_root = counting_hash(0x66);
  first.time = 1'700'000'000;
  first.bits = 0x207fffff;
  first.nonce = 42;
  BlockHeader second = first;
  second.prev_block = first.hash();
  second.version = -1;
  second.nonce = 0xFFFFFFFFu;
  out.push_back(Headers{{first, second}});
  out.push_back(Headers{});

  out.push_back(SendHeaders{});
  out.push_back(SendCmpct{true, 2});
  out.push_back(SendCmpct{false, 1});
  out.push_back(FeeFilter{-1});
  out.push_back(FeeFilter{9'577'383});

  Reject with_hash;
  with_hash.message = "tx";
  with_hash.code = static_cast<std::uint8_t>(RejectCode::insufficient_fee);
  with_hash.reason = "mempool min fee not met";
  const Hash256 rejected = counting_hash(0x42);
  with_hash.data.assign(rejected.begin(), rejected.end());
  out.push_back(with_hash);
  out.push_back(Reject{repeated('m', 12), 0x70, repeated('r', 111), {}});
  out.push_back(Reject{"", 0, "", {}});

  AuthCh authch;
  const Hash256 challenge = counting_hash(0xC0);
  authch.challenge.assign(challenge.begin(), challenge.end());
  out.push_back(authch);
  out.push_back(AuthCh{2, {}});
  out.push_back(AuthCh{1, Bytes(300, 0xAB)});

  out.push_back(UnknownMessage{"alert", hex_bytes("60010000")});
  return out;
}

}  // namespace bsvpeer::wire::test
