#pragma once
// inv / getdata / notfound (bsv-protocol.md §7): var_int n + n x (uint32 type, hash).
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <string_view>
#include <vector>

namespace bsvpeer::wire {

enum class InvType : std::uint32_t {
  error = 0,
  tx = 1,
  block = 2,
  filtered_block = 3,
  cmpct_block = 4,
  dataref_tx = 5,
};

struct InvItem {
  std::uint32_t type = 0;  // raw; inv accepts only 1 and 2 (checked by the connection)
  Hash256 hash{};
  friend bool operator==(const InvItem&, const InvItem&) = default;
};

// The three messages share a layout; the tag gives each its command.
template <class Tag>
struct InventoryMessage {
  static constexpr std::string_view kCommand = Tag::kCommand;
  std::vector<InvItem> items;

  void encode(ByteWriter& w) const;
  // The count is checked against the bytes present before anything is reserved.
  static Result<InventoryMessage> decode(ByteSpan payload);
  friend bool operator==(const InventoryMessage&, const InventoryMessage&) = default;
};

struct InvTag {
  static constexpr std::string_view kCommand = "inv";
};
struct GetDataTag {
  static constexpr std::string_view kCommand = "getdata";
};
struct NotFoundTag {
  static constexpr std::string_view kCommand = "notfound";
};
using Inv = InventoryMessage<InvTag>;
using GetData = InventoryMessage<GetDataTag>;
using NotFound = InventoryMessage<NotFoundTag>;

extern template struct InventoryMessage<InvTag>;
extern template struct InventoryMessage<GetDataTag>;
extern template struct InventoryMessage<NotFoundTag>;

}  // namespace bsvpeer::wire
