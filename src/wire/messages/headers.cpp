#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/messages/headers.hpp>
#include <bsvpeer/wire/sha256.hpp>

namespace bsvpeer::wire {
namespace {
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kBlockHeaderSize = 80;
// An 80-byte header plus the shortest (one-byte) tx count.
constexpr std::size_t kMinHeadersEntrySize = kBlockHeaderSize + 1;
}  // namespace

void GetHeaders::encode(ByteWriter& w) const {
  w.u32le(version);
  w.compact_size(locator.size());
  for (const auto& hash : locator)
    w.hash(hash);
  w.hash(hash_stop);
}

Result<GetHeaders> GetHeaders::decode(ByteSpan payload) {
  ByteReader r(payload);
  GetHeaders out;
  out.version = r.u32le();
  const auto count = r.compact_size();
  if (!r.ok()) return r.error();
  if (count * kHashSize > r.remaining()) return Error::truncated;
  out.locator.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i)
    out.locator.push_back(r.hash());
  out.hash_stop = r.hash();
  if (!r.ok()) return r.error();
  return out;
}

void BlockHeader::encode(ByteWriter& w) const {
  w.i32le(version);
  w.hash(prev_block);
  w.hash(merkle_root);
  w.u32le(time);
  w.u32le(bits);
  w.u32le(nonce);
}

BlockHeader BlockHeader::decode(ByteReader& r) {
  BlockHeader out;
  out.version = r.i32le();
  out.prev_block = r.hash();
  out.merkle_root = r.hash();
  out.time = r.u32le();
  out.bits = r.u32le();
  out.nonce = r.u32le();
  return out;
}

Hash256 BlockHeader::hash() const {
  Bytes raw;
  raw.reserve(kBlockHeaderSize);
  ByteWriter w(raw);
  encode(w);
  return sha256d(raw);
}

void Headers::encode(ByteWriter& w) const {
  w.compact_size(headers.size());
  for (const auto& header : headers) {
    header.encode(w);
    w.compact_size(0);  // tx count: always 0 in a headers message
  }
}

Result<Headers> Headers::decode(ByteSpan payload) {
  ByteReader r(payload);
  const auto count = r.compact_size(kMaxHeadersResults, Error::count_too_large);
  if (!r.ok()) return r.error();
  if (count * kMinHeadersEntrySize > r.remaining()) return Error::truncated;
  Headers out;
  out.headers.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    out.headers.push_back(BlockHeader::decode(r));
    // SV reads the tx count and ignores its value.
    r.compact_size();
  }
  if (!r.ok()) return r.error();
  return out;
}

Result<SendHeaders> SendHeaders::decode(ByteSpan) {
  return SendHeaders{};
}

}  // namespace bsvpeer::wire
