#pragma once
// Why the store refused a record or a change.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace bsvpeer::peer {

enum class PeerStoreError {
  ok = 0,
  invalid_ip = 1,
  invalid_port,
  invalid_id,
  duplicate_id,
  duplicate_endpoint,
  ban_status_mismatch,  // status banned without a ban, or a ban on a peer not banned
  not_found,
  status_needs_ban_call,  // set_status cannot enter or leave banned: use ban() / unban()
};

const boost::system::error_category& peer_store_category() noexcept;

inline boost::system::error_code make_error_code(PeerStoreError e) noexcept {
  return {static_cast<int>(e), peer_store_category()};
}

}  // namespace bsvpeer::peer

template <>
struct boost::system::is_error_code_enum<bsvpeer::peer::PeerStoreError> : std::true_type {};
