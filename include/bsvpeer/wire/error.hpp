#pragma once
// Typed errors of the wire codec. Peer bytes never throw: decoders return Result<T>.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace bsvpeer::wire {

enum class Error {
  ok = 0,
  truncated = 1,  // payload ended inside a field ("end of data")
  non_canonical_compact_size,
  size_too_large,      // CompactSize above MAX_SIZE (0xFFFFFFFF)
  string_too_long,     // var_str / var_bytes above its per-field maximum
  count_too_large,     // element count above the message's maximum
  invalid_value,       // a field outside its legal range
  trailing_data,       // bytes left over where the message allows none
  bad_association_id,  // garbage after `relay` in version
  bad_command,         // command field not printable ASCII NUL-padded
  bad_checksum,
  wrong_magic,
  payload_too_large,          // declared length above the per-command limit
  extmsg_not_allowed,         // extended frame where the peer is below 70016
  payload_too_large_to_send,  // above the peer's receive limit
};

const boost::system::error_category& wire_category() noexcept;

inline boost::system::error_code make_error_code(Error e) noexcept {
  return {static_cast<int>(e), wire_category()};
}

template <class T>
using Result = boost::system::result<T>;

}  // namespace bsvpeer::wire

template <>
struct boost::system::is_error_code_enum<bsvpeer::wire::Error> : std::true_type {};
