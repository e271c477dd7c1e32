#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/messages/address.hpp>

namespace bsvpeer::wire {
namespace {
constexpr std::size_t kTimedNetAddressSize = 30;
}  // namespace

Result<GetAddr> GetAddr::decode(ByteSpan) {
  return GetAddr{};
}

void Addr::encode(ByteWriter& w) const {
  w.compact_size(entries.size());
  for (const auto& entry : entries)
    entry.encode(w);
}

Result<Addr> Addr::decode(ByteSpan payload) {
  ByteReader r(payload);
  const auto count = r.compact_size(kMaxAddrEntries, Error::count_too_large);
  if (!r.ok()) return r.error();
  // Checked before reserving so a declared count never allocates more than the bytes present.
  if (count * kTimedNetAddressSize > r.remaining()) return Error::truncated;
  Addr out;
  out.entries.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i)
    out.entries.push_back(TimedNetAddress::decode(r));
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace bsvpeer::wire
