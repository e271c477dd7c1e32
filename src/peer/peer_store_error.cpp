#include <bsvpeer/peer/peer_store_error.hpp>

#include <string>

namespace bsvpeer::peer {
namespace {

class PeerStoreCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "bsvpeer.peer_store"; }
  std::string message(int ev) const override {
    switch (static_cast<PeerStoreError>(ev)) {
      case PeerStoreError::ok:
        return "ok";
      case PeerStoreError::invalid_ip:
        return "not an IP address";
      case PeerStoreError::invalid_port:
        return "port must be 1-65535";
      case PeerStoreError::invalid_id:
        return "peer id is not a UUID";
      case PeerStoreError::duplicate_id:
        return "a peer with this id exists";
      case PeerStoreError::duplicate_endpoint:
        return "a peer with this ip:port exists";
      case PeerStoreError::ban_status_mismatch:
        return "status banned and a ban must go together";
      case PeerStoreError::not_found:
        return "no peer with this id";
      case PeerStoreError::status_needs_ban_call:
        return "banned is entered and left only through ban and unban";
    }
    return "unknown peer store error";
  }
};

}  // namespace

const boost::system::error_category& peer_store_category() noexcept {
  static const PeerStoreCategory category;
  return category;
}

}  // namespace bsvpeer::peer
