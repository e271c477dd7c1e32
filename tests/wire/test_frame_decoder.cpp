#include "support/vectors.hpp"

#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/hex.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using wire::FrameDecoder;
using Kind = FrameDecoder::Kind;

namespace {

wire::Magic magic_of(const std::string& network) {
  return net::network_params(*net::parse_network(network)).magic;
}

struct Decoded {
  Kind kind;
  wire::Error error;
  std::string command;
  wire::Bytes payload;
  friend bool operator==(const Decoded&, const Decoded&) = default;
};

// Feeds `bytes` in chunks of `chunk` bytes and collects every outcome except need_more;
// streamed chunks are concatenated into the stream_end entry's payload.
std::vector<Decoded> decode_in_chunks(FrameDecoder& d, wire::ByteSpan bytes, std::size_t chunk) {
  std::vector<Decoded> out;
  wire::Bytes streamed;
  for (std::size_t off = 0; off < bytes.size(); off += chunk) {
    wire::ByteSpan in = bytes.subspan(off, std::min(chunk, bytes.size() - off));
    for (;;) {
      auto o = d.next(in);
      if (o.kind == Kind::need_more) break;
      if (o.kind == Kind::stream_chunk) {
        streamed.insert(streamed.end(), d.chunk().begin(), d.chunk().end());
        continue;
      }
      Decoded rec{o.kind, o.error, d.header().command, {}};
      if (o.kind == Kind::frame) rec.payload = d.payload();
      if (o.kind == Kind::stream_end) rec.payload = std::move(streamed);
      out.push_back(std::move(rec));
      if (o.kind == Kind::fatal) return out;
    }
  }
  return out;
}

wire::Bytes frame(const wire::Magic& magic, std::string_view command, const wire::Bytes& payload) {
  wire::Bytes out;
  REQUIRE(wire::append_frame(out, magic, command, payload).has_value());
  return out;
}

}  // namespace

TEST_CASE("every framed vector decodes to one frame, at every chunk size") {
  const auto vectors = test::load_wire_vectors();
  REQUIRE(vectors.size() >= 20);
  for (const auto& v : vectors) {
    if (v.payload_only || v.name.rfind("extmsg", 0) == 0) continue;
    CAPTURE(v.name);
    const bool bad_command = v.name == "bad_command_nul_then_byte";
    std::vector<Decoded> reference;
    for (std::size_t chunk = 1; chunk <= v.bytes.size(); ++chunk) {
      FrameDecoder d(magic_of(v.network));
      auto got = decode_in_chunks(d, v.bytes, chunk);
      CAPTURE(chunk);
      REQUIRE(got.size() == 1);
      if (bad_command) {
        CHECK(got[0].kind == Kind::drop);
        CHECK(got[0].error == wire::Error::bad_command);
      } else {
        CHECK(got[0].kind == Kind::frame);
        CHECK(got[0].payload == wire::Bytes(v.bytes.begin() + 24, v.bytes.end()));
      }
      if (chunk == 1) reference = got;
      CHECK(got == reference);
      CHECK(d.bytes_consumed() == v.bytes.size());
    }
  }
}

TEST_CASE("every framed vector re-encodes byte-exactly from its payload") {
  for (const auto& v : test::load_wire_vectors()) {
    if (v.payload_only || v.name.rfind("extmsg", 0) == 0 || v.name == "bad_command_nul_then_byte")
      continue;
    CAPTURE(v.name);
    FrameDecoder d(magic_of(v.network));
    auto got = decode_in_chunks(d, v.bytes, v.bytes.size());
    REQUIRE(got.size() == 1);
    CHECK(frame(magic_of(v.network), got[0].command, got[0].payload) == v.bytes);
  }
}

TEST_CASE("a stream of many frames splits identically at any chunk size") {
  const auto magic = magic_of("main");
  wire::Bytes stream;
  std::vector<std::pair<std::string, wire::Bytes>> sent;
  for (int i = 0; i < 40; ++i) {
    wire::Bytes payload(static_cast<std::size_t>(i * 7 % 53));
    for (std::size_t j = 0; j < payload.size(); ++j)
      payload[j] = static_cast<std::uint8_t>(i + j);
    const std::string command = i % 3 == 0 ? "ping" : i % 3 == 1 ? "inv" : "custom_cmd12";
    auto f = frame(magic, command, payload);
    stream.insert(stream.end(), f.begin(), f.end());
    sent.emplace_back(command, payload);
  }
  for (std::size_t chunk : {1, 2, 3, 5, 23, 24, 25, 44, 100, 1000, 100000}) {
    CAPTURE(chunk);
    FrameDecoder d(magic);
    auto got = decode_in_chunks(d, stream, chunk);
    REQUIRE(got.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
      CHECK(got[i].kind == Kind::frame);
      CHECK(got[i].command == sent[i].first);
      CHECK(got[i].payload == sent[i].second);
    }
  }
}

TEST_CASE("bad checksum is dropped and the next frame still decodes") {
  const auto magic = magic_of("main");
  auto bad = frame(magic, "ping", wire::Bytes(8, 1));
  bad[20] ^= 0xFF;
  auto good = frame(magic, "pong", wire::Bytes(8, 2));
  bad.insert(bad.end(), good.begin(), good.end());
  for (std::size_t chunk : {1, 7, 64}) {
    FrameDecoder d(magic);
    auto got = decode_in_chunks(d, bad, chunk);
    REQUIRE(got.size() == 2);
    CHECK(got[0].kind == Kind::drop);
    CHECK(got[0].error == wire::Error::bad_checksum);
    CHECK(got[1].kind == Kind::frame);
    CHECK(got[1].command == "pong");
  }
}

TEST_CASE("bad command fields are dropped whole, without desynchronising") {
  const auto magic = magic_of("main");
  const char* bad_fields[] = {"pi\x01g", "p\x7fng", "\x80"};
  for (const char* bad : bad_fields) {
    CAPTURE(bad);
    auto f = frame(magic, "ping", wire::Bytes(8, 1));
    std::memcpy(f.data() + 4, bad, std::strlen(bad));
    // Fix the checksum so only the command is wrong.
    auto good = frame(magic, "pong", wire::Bytes(8, 2));
    f.insert(f.end(), good.begin(), good.end());
    FrameDecoder d(magic);
    auto got = decode_in_chunks(d, f, 3);
    REQUIRE(got.size() == 2);
    CHECK(got[0].kind == Kind::drop);
    CHECK(got[0].error == wire::Error::bad_command);
    CHECK(got[1].kind == Kind::frame);
  }
  // A 12-character command with no NUL and an empty command are both legal.
  FrameDecoder d(magic);
  auto f = frame(magic, "abcdefghijkl", {});
  auto e = frame(magic, "", {});
  f.insert(f.end(), e.begin(), e.end());
  auto got = decode_in_chunks(d, f, 5);
  REQUIRE(got.size() == 2);
  CHECK(got[0].command == "abcdefghijkl");
  CHECK(got[1].kind == Kind::frame);
  CHECK(got[1].command.empty());
}

TEST_CASE("wrong magic is fatal, on the header, and stays fatal") {
  auto f = frame(magic_of("test"), "verack", {});
  FrameDecoder d(magic_of("main"));
  auto got = decode_in_chunks(d, f, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == Kind::fatal);
  CHECK(got[0].error == wire::Error::wrong_magic);
  wire::ByteSpan more(f);
  CHECK(d.next(more).kind == Kind::fatal);
}

TEST_CASE("an over-limit declared length is fatal before any payload allocation") {
  const auto magic = magic_of("main");
  struct Row {
    const char* command;
    std::uint32_t length;
    bool fatal;
  };
  const Row rows[] = {
      {"inv", 2'097'152, false},       {"inv", 2'097'153, true},
      {"protoconf", 1'048'576, false}, {"protoconf", 1'048'577, true},
      {"version", 0xFFFFFFFF, true},   {"tx", 1'000'000'000, false},
      {"tx", 1'000'000'001, true},     {"block", 0xFFFFFFFF, false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.command);
    CAPTURE(row.length);
    wire::Bytes header(24, 0);
    std::copy(magic.begin(), magic.end(), header.begin());
    std::memcpy(header.data() + 4, row.command, std::strlen(row.command));
    for (int i = 0; i < 4; ++i)
      header[16 + i] = static_cast<std::uint8_t>(row.length >> (8 * i));
    wire::FrameDecoderOptions opts;
    opts.stream_threshold = 0;
    FrameDecoder d(magic, opts);
    wire::ByteSpan in(header);
    auto o = d.next(in);
    if (row.fatal) {
      CHECK(o.kind == Kind::fatal);
      CHECK(o.error == wire::Error::payload_too_large);
    } else {
      CHECK(o.kind == Kind::need_more);
    }
    // Nothing near the declared length was reserved.
    CHECK(d.payload().capacity() <= 64 * 1024);
  }
}

TEST_CASE("negotiated protoconf limit changes the receive limit") {
  const auto magic = magic_of("main");
  wire::Bytes payload(1'500'000, 7);
  auto f = frame(magic, "inv", payload);
  wire::FrameDecoderOptions opts;
  opts.limits.max_recv_payload = 1'048'576;
  FrameDecoder d(magic, opts);
  auto got = decode_in_chunks(d, f, 4096);
  REQUIRE(got.size() == 1);
  CHECK(got[0].error == wire::Error::payload_too_large);
}

TEST_CASE("extmsg: 44-byte header, inner command and length, zero checksum") {
  const auto magic = magic_of("main");
  for (const auto& v : test::load_wire_vectors()) {
    if (v.name.rfind("extmsg", 0) != 0) continue;
    REQUIRE(v.bytes.size() == 44);
    FrameDecoder d(magic);
    wire::ByteSpan in(v.bytes);
    auto o = d.next(in);
    CHECK(o.kind == Kind::stream_begin);
    CHECK(d.header().extended);
    CHECK(d.header().command == "block");
    CHECK(d.header().payload_length == 0x100000000ull);
    // And the encoder writes the same header for the same size.
    auto h = wire::encode_frame_header(magic, "block", 0x100000000ull, {}, {70016, 0});
    REQUIRE(h.has_value());
    CHECK(*h == v.bytes);
  }
  // A small extmsg is accepted (SV does), as a normal frame without checksum.
  wire::Bytes small = *wire::from_hex(
      "e3e1f3e86578746d7367000000000000ffffffff00000000"
      "70696e6700000000000000000800000000000000");
  wire::Bytes nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  small.insert(small.end(), nonce.begin(), nonce.end());
  for (std::size_t chunk : {1, 10, 52}) {
    FrameDecoder d(magic);
    auto got = decode_in_chunks(d, small, chunk);
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == Kind::frame);
    CHECK(got[0].command == "ping");
    CHECK(got[0].payload == nonce);
  }
  // Not allowed for peers below 70016.
  wire::FrameDecoderOptions opts;
  opts.allow_extended = false;
  FrameDecoder d(magic, opts);
  auto got = decode_in_chunks(d, small, 5);
  REQUIRE(got.size() == 1);
  CHECK(got[0].error == wire::Error::extmsg_not_allowed);
}

TEST_CASE("the sender picks extmsg only above 0xFFFFFFFF and only for peers >= 70016") {
  const auto magic = magic_of("main");
  auto basic = wire::encode_frame_header(magic, "block", 0xFFFFFFFFull, {1, 2, 3, 4}, {70016, 0});
  REQUIRE(basic.has_value());
  CHECK(basic->size() == 24);
  auto ext = wire::encode_frame_header(magic, "block", 0x100000000ull, {1, 2, 3, 4}, {70016, 0});
  REQUIRE(ext.has_value());
  CHECK(ext->size() == 44);
  auto refused = wire::encode_frame_header(magic, "block", 0x100000000ull, {}, {70015, 0});
  CHECK(refused.error() == wire::Error::extmsg_not_allowed);
  // The peer's protoconf limit applies to ordinary commands, not to blocks.
  auto too_big = wire::encode_frame_header(magic, "inv", 1'048'577, {}, {70016, 1'048'576});
  CHECK(too_big.error() == wire::Error::payload_too_large_to_send);
  auto block_ok = wire::encode_frame_header(magic, "block", 5'000'000, {}, {70016, 1'048'576});
  CHECK(block_ok.has_value());
  CHECK(wire::make_command_field("thirteen_char").error() == wire::Error::bad_command);
  CHECK(wire::make_command_field("bad\x01").error() == wire::Error::bad_command);
}

TEST_CASE("streamed block payloads come out in chunks with a verified checksum") {
  const auto magic = magic_of("main");
  wire::Bytes payload(300'000);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(i * 31);
  auto f = frame(magic, "block", payload);
  wire::FrameDecoderOptions opts;
  opts.stream_threshold = 100'000;
  for (std::size_t chunk : {1000, 4096, 65536}) {
    FrameDecoder d(magic, opts);
    auto got = decode_in_chunks(d, f, chunk);
    REQUIRE(got.size() == 2);
    CHECK(got[0].kind == Kind::stream_begin);
    CHECK(got[1].kind == Kind::stream_end);
    CHECK(got[1].error == wire::Error::ok);
    CHECK(got[1].payload == payload);
    CHECK(d.payload().capacity() == 0);  // never buffered
  }
  f[21] ^= 1;
  FrameDecoder d(magic, opts);
  auto got = decode_in_chunks(d, f, 8192);
  REQUIRE(got.size() == 2);
  CHECK(got[1].error == wire::Error::bad_checksum);
}

TEST_CASE("sha256d and the empty-payload checksum") {
  CHECK(wire::checksum({}) == wire::kEmptyPayloadChecksum);
  const std::string abc = "abc";
  auto h = wire::sha256(wire::ByteSpan(reinterpret_cast<const std::uint8_t*>(abc.data()), 3));
  CHECK(wire::to_hex(h) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  wire::Sha256 inc;
  inc.update(wire::ByteSpan(reinterpret_cast<const std::uint8_t*>(abc.data()), 1));
  inc.update(wire::ByteSpan(reinterpret_cast<const std::uint8_t*>(abc.data()) + 1, 2));
  CHECK(inc.final() == h);
}

TEST_CASE("an empty input with no data pointer is a plain need_more") {
  FrameDecoder d(magic_of("main"));
  wire::ByteSpan empty;
  CHECK(d.next(empty).kind == Kind::need_more);
  CHECK(d.bytes_consumed() == 0);
}

TEST_CASE("getblocktxn is buffered, so it keeps an ordinary limit unless blocks are bounded") {
  wire::ReceiveLimits limits;
  CHECK(wire::max_payload_length("getblocktxn", limits) == limits.max_recv_payload);
  limits.max_block_payload = 215'000'000;
  CHECK(wire::max_payload_length("getblocktxn", limits) == 6'000'024);
  CHECK(wire::max_payload_length("block", limits) == 215'000'000);
}
