#include <bsvpeer/wire/error.hpp>

#include <string>

namespace bsvpeer::wire {
namespace {

class WireCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "bsvpeer.wire"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::ok:
        return "ok";
      case Error::truncated:
        return "end of data";
      case Error::non_canonical_compact_size:
        return "non-canonical CompactSize";
      case Error::size_too_large:
        return "CompactSize above MAX_SIZE";
      case Error::string_too_long:
        return "string or byte field too long";
      case Error::count_too_large:
        return "element count above limit";
      case Error::invalid_value:
        return "field value out of range";
      case Error::trailing_data:
        return "unexpected trailing data";
      case Error::bad_association_id:
        return "bad association id";
      case Error::bad_command:
        return "bad command field";
      case Error::bad_checksum:
        return "bad checksum";
      case Error::wrong_magic:
        return "wrong network magic";
      case Error::payload_too_large:
        return "payload above the command's limit";
      case Error::extmsg_not_allowed:
        return "extended message not allowed for this peer";
      case Error::payload_too_large_to_send:
        return "payload above the peer's receive limit";
    }
    return "unknown wire error";
  }
};

}  // namespace

const boost::system::error_category& wire_category() noexcept {
  static const WireCategory category;
  return category;
}

}  // namespace bsvpeer::wire
