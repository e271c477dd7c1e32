#pragma once
// The PeerStore: every peer we know, where it stands and why. Shared by several actors (the
// Manager, the crawler, the RPC), so it is the one place with a mutex of its own: every call
// locks briefly, copies in or out, and never calls out while locked. Wall-clock time is passed
// in by the caller.
#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_id.hpp>
#include <bsvpeer/peer/peer_record.hpp>
#include <bsvpeer/peer/peer_source.hpp>
#include <bsvpeer/peer/peer_status.hpp>
#include <bsvpeer/peer/peer_store_error.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bsvpeer::peer {

template <class T>
using StoreResult = boost::system::result<T>;

struct StatusCounts {
  std::size_t unknown = 0;
  std::size_t valid = 0;
  std::size_t inaccessible = 0;
  std::size_t banned = 0;

  std::size_t of(PeerStatus status) const noexcept;
  std::size_t total() const noexcept { return unknown + valid + inaccessible + banned; }
  bool operator==(const StatusCounts&) const = default;
};

// A ban of a whole subnet (RPC setban): every address in it is refused and never dialled.
struct SubnetBan {
  Subnet subnet;
  std::string reason;
  UnixSeconds created = 0;
  UnixSeconds until = 0;  // over at this second
};

struct AddOutcome {
  std::string id;
  bool inserted = false;  // false: the peer was known; its id and history are kept
};

// All records (ordered by id) and the generation they were copied at, taken under one lock so
// a saver knows exactly which changes it wrote.
struct PeerStoreSnapshot {
  std::vector<PeerRecord> records;
  std::uint64_t generation = 0;
};

class PeerStore {
 public:
  PeerStore() = default;
  explicit PeerStore(PeerIdGenerator ids) : ids_(std::move(ids)) {}
  PeerStore(const PeerStore&) = delete;
  PeerStore& operator=(const PeerStore&) = delete;

  // Upsert by ip:port. A new peer is Unknown since `now` with a fresh id; a known one keeps
  // its id and history and takes `source` only if it ranks higher (see ranks_higher).
  StoreResult<AddOutcome> add(std::string_view ip, std::uint16_t port, PeerSource source,
                              UnixSeconds now);

  // Adds a complete record (a loader's path): validates the id, ip, port and the ban/status
  // pairing, normalises the ip and the id's case, and refuses a duplicate id or ip:port.
  StoreResult<void> insert(PeerRecord record);

  // Ids are stored in lowercase; lookups by id are exact.
  std::optional<PeerRecord> get(std::string_view id) const;
  std::optional<PeerRecord> find(std::string_view ip, std::uint16_t port) const;
  std::vector<PeerRecord> list(PeerStatus status) const;  // ordered by id
  StatusCounts counts() const;
  std::size_t size() const;
  std::vector<PeerRecord> snapshot() const;  // ordered by id
  PeerStoreSnapshot snapshot_with_generation() const;

  // Goes up by one with every change, so the periodic persist saves only when it moved.
  std::uint64_t generation() const;

  // A dial starts: attempts + 1, last_attempt = now.
  StoreResult<void> mark_attempt(std::string_view id, UnixSeconds now);
  // A handshake completed: Valid (unless banned), last_success = now, retries reset, the
  // peer's user agent and services recorded, last_error cleared.
  StoreResult<void> mark_success(std::string_view id, std::string_view user_agent,
                                 std::uint64_t services, UnixSeconds now);
  // A dial or connection failed: retry_count + 1, last_error = error. The status is the
  // caller's call (Backoff decides when a peer becomes Inaccessible).
  StoreResult<void> mark_failure(std::string_view id, std::string_view error);
  // A lost outbound connection restarted itself.
  StoreResult<void> mark_restart(std::string_view id);
  // Moves between unknown, valid and inaccessible; banned is entered and left only through
  // ban() and unban(), so a ban always carries its reason and expiry.
  StoreResult<void> set_status(std::string_view id, PeerStatus status, UnixSeconds now);
  // Banned since `now` until `until`; banning again replaces the reason and expiry.
  StoreResult<void> ban(std::string_view id, std::string_view reason, UnixSeconds until,
                        UnixSeconds now);
  // Back to Unknown: the peer must prove itself again. Retries reset; history kept.
  // Unbanning a peer that is not banned changes nothing.
  StoreResult<void> unban(std::string_view id, UnixSeconds now);
  bool remove(std::string_view id);

  // Unbans every peer whose ban is over at `now`; returns their ids.
  std::vector<std::string> lift_expired_bans(UnixSeconds now);
  // Whether this ip:port, or any port of this ip (inbound peers come from ephemeral ports),
  // is under a ban that is not over at `now`.
  bool is_banned(std::string_view ip, std::uint16_t port, UnixSeconds now) const;
  // Also true when `ip` lies in a banned subnet.
  bool is_ip_banned(std::string_view ip, UnixSeconds now) const;

  // Subnet bans (kept apart from the records: a subnet holds peers we never met). Adding one
  // for a subnet already banned replaces it. Expired ones go with lift_expired_bans().
  void ban_subnet(SubnetBan ban);
  // Whether a ban of exactly this subnet existed.
  bool unban_subnet(const Subnet& subnet);
  std::vector<SubnetBan> subnet_bans() const;  // in the order they were added
  std::size_t clear_subnet_bans();

 private:
  // Runs `change` on the record under the lock; `change` is our own code, never a caller's.
  // It returns whether it changed anything (or why it refused), so no-ops leave the
  // generation alone.
  template <class Change>
  StoreResult<void> modify(std::string_view id, Change&& change);

  mutable std::mutex mutex_;
  PeerIdGenerator ids_;
  std::map<std::string, PeerRecord, std::less<>> by_id_;
  std::map<PeerEndpoint, std::string> id_by_endpoint_;
  std::uint64_t generation_ = 0;
  std::vector<SubnetBan> subnet_bans_;
};

}  // namespace bsvpeer::peer
