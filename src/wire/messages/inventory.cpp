#include <bsvpeer/wire/messages/inventory.hpp>

namespace bsvpeer::wire {
namespace {
constexpr std::size_t kInvItemSize = 36;
}  // namespace

template <class Tag>
void InventoryMessage<Tag>::encode(ByteWriter& w) const {
  w.compact_size(items.size());
  for (const auto& item : items) {
    w.u32le(item.type);
    w.hash(item.hash);
  }
}

template <class Tag>
Result<InventoryMessage<Tag>> InventoryMessage<Tag>::decode(ByteSpan payload) {
  ByteReader r(payload);
  // No element cap besides the payload limit (SV); the count is bounded by MAX_SIZE, so the
  // product below cannot overflow 64 bits.
  const auto count = r.compact_size();
  if (!r.ok()) return r.error();
  if (count * kInvItemSize > r.remaining()) return Error::truncated;
  InventoryMessage out;
  out.items.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    InvItem item;
    item.type = r.u32le();
    item.hash = r.hash();
    out.items.push_back(item);
  }
  if (!r.ok()) return r.error();
  return out;
}

template struct InventoryMessage<InvTag>;
template struct InventoryMessage<GetDataTag>;
template struct InventoryMessage<NotFoundTag>;

}  // namespace bsvpeer::wire
