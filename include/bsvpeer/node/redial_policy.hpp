#pragma once
// When do we dial a known peer again? The Manager's answers, in one place:
//   - never while the peer is connected in either direction (an inbound peer's listening port
//     is only what it announced, so every record of a connected IP is busy), nor our own
//     listening endpoints (gossip brings our address back to us): busy_endpoints();
//   - after a failed dial, once the peer's backoff elapsed (conn::Backoff per store record,
//     Inaccessible once its retries are spent, never again after a ban-worthy failure);
//   - a dial reset before the handshake may be the peer refusing our duplicate
//     (duplicate_rule.hpp): it counts as a failure only if the peer's own dial does not reach
//     us in time, and the peer is not dialled meanwhile (deferred failures).
// Pure, with the time passed in; the Manager marks the store and dials.
#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_record.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace bsvpeer::node {

// Extra candidates asked of the selector beyond the free slots, standing in for peers still
// waiting out their backoff.
inline constexpr std::size_t kMaxBackoffStandIns = 64;

struct DeferredFailure {
  std::string store_id;
  conn::DisconnectReason reason = conn::DisconnectReason::network_error;
  std::string detail;
  conn::TimePoint until{};  // a failure after this, unless the peer dialled us
};

class RedialPolicy {
 public:
  explicit RedialPolicy(conn::BackoffConfig config,
                        conn::UnitRandom random = conn::make_unit_random());

  // For backoffs started from now on (update_config).
  void set_config(const conn::BackoffConfig& config) { config_ = config; }

  // Whether the peer's backoff (if any) lets it be dialled at `now`.
  bool eligible(const std::string& store_id, conn::TimePoint now) const;
  // How many candidates to ask the selector for with `free_slots` free.
  std::size_t candidates_wanted(std::size_t free_slots) const noexcept;

  // A dial of the peer failed with `kind` (nullopt: a reason the backoff does not count, such
  // as a local request); `was_connected`: it had handshaked. True when the peer is given up
  // for now (the store marks it Inaccessible).
  bool record_failure(const std::string& store_id, std::optional<conn::FailureKind> kind,
                      bool was_connected, conn::TimePoint now);
  // Handshaked, or unbanned: dialled as a fresh peer again.
  void forget(const std::string& store_id) { backoffs_.erase(store_id); }
  std::size_t waiting() const noexcept { return backoffs_.size(); }

  // Deferred failures, by IP.
  void defer(const std::string& ip, DeferredFailure failure);
  bool deferred(const std::string& ip) const { return deferred_.count(ip) > 0; }
  // The peer's dial reached us: ours was refused as a duplicate, not a failure.
  void cancel_deferred(const std::string& ip) { deferred_.erase(ip); }
  // The deferred failures whose time is up, removed: the caller records each.
  std::vector<DeferredFailure> settle(conn::TimePoint now);
  std::vector<std::string> deferred_ips() const;

 private:
  conn::BackoffConfig config_;
  conn::UnitRandom random_;
  std::map<std::string, conn::Backoff> backoffs_;  // by store id
  std::map<std::string, DeferredFailure> deferred_;
};

// The store endpoints not to dial now: those we dial or are connected to outbound (`dialled`),
// our own listening endpoints, and every record of an IP in `connected_ips` (connected in
// either direction, or with a deferred failure).
std::set<peer::PeerEndpoint> busy_endpoints(
    std::span<const peer::PeerRecord> records, std::set<peer::PeerEndpoint> dialled,
    const std::set<std::string>& connected_ips,
    std::span<const boost::asio::ip::tcp::endpoint> own_listening);

}  // namespace bsvpeer::node
