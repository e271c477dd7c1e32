#pragma once
// The "addr answer" rule of the seeder and bitnodes: a node's answer to getaddr is the first
// addr message with more than one entry. Many nodes first announce only themselves (a lone
// self-address); that is recorded but is not the answer, so the visit keeps reading until a
// real answer or its timeout. Collects the distinct endpoints of every addr message of the
// visit, up to a cap. A pure core.
#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/wire/messages/address.hpp>

#include <cstddef>
#include <set>
#include <vector>

namespace bsvpeer::crawl {

struct AddrCollectorOptions {
  std::size_t max_addresses = 1000;  // per visit, like the seeder
  // Keep loopback, private and link-local addresses (tests, local networks); the real network
  // gossips some, and a polite crawler does not dial them.
  bool allow_local = false;
};

class AddrCollector {
 public:
  explicit AddrCollector(AddrCollectorOptions options = {}) : options_(options) {}

  // Records the entries; true when this message is the answer (more than one entry).
  bool on_addr(const wire::Addr& addr);

  bool answered() const noexcept { return answered_; }
  std::size_t messages() const noexcept { return messages_; }
  std::size_t entries_seen() const noexcept { return entries_; }
  // Distinct usable endpoints, in the order received.
  const std::vector<peer::PeerEndpoint>& addresses() const noexcept { return addresses_; }

 private:
  AddrCollectorOptions options_;
  bool answered_ = false;
  std::size_t messages_ = 0;
  std::size_t entries_ = 0;
  std::set<peer::PeerEndpoint> seen_;
  std::vector<peer::PeerEndpoint> addresses_;
};

// False for addresses a crawler of the public network must not dial: unspecified, loopback,
// private (RFC 1918, RFC 4193), link-local, multicast, documentation and shared (CGNAT) ranges.
bool is_public_address(const wire::Ip16& ip);

}  // namespace bsvpeer::crawl
