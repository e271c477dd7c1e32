#pragma once
// Why an inbound connection is refused at accept, before a byte is read: the rules in the
// order the Manager applies them. Pure, with the time passed in; the Manager gathers the
// facts (ban, whitelist, connections from that IP) and acts on the verdict.
//
//   1. banned IP (whitelisted peers are exempt, as in SV)            -> "banned"
//   2. not on a non-empty inbound allowlist                          -> "not on the inbound
//   allowlist"
//   3. max_inbound_per_ip reached (whitelisted exempt)               -> "too many connections from
//   this IP"
//   4. accept rate over max_accepts_per_second (whitelisted exempt)  -> "accept rate limit"
//   (the Manager then refuses a duplicate of our own dial: duplicate_rule.hpp)
//   5. no free slot and kMaxPoliteRejections polite handshakes open  -> "no free slot"
//      (with fewer open, the peer is handshaked politely, then closed)
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/node/whitelist.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::node {

// Over-capacity inbound connections handshaked politely at once; beyond, refused at accept.
inline constexpr std::size_t kMaxPoliteRejections = 16;

struct InboundLimits {
  std::size_t max_inbound_per_ip = 0;  // 0: unlimited
  double max_accepts_per_second = 0;   // 0: unlimited
};

// What the Manager knows of the connecting peer.
struct InboundFacts {
  boost::asio::ip::address address;
  bool banned = false;
  bool whitelisted = false;
  std::size_t inbound_from_ip = 0;  // our inbound connections from that IP now
};

class InboundAdmission {
 public:
  // `allowlist`: IPs or CIDRs; empty lets everyone in. Entries that do not parse are ignored
  // (the program validates them).
  explicit InboundAdmission(const std::vector<std::string>& allowlist = {},
                            conn::TimePoint now = conn::Clock::now());

  // The reason to refuse the connection (rules 1-4), or nullopt to go on. An admitted
  // non-whitelisted connection spends one token of the accept rate.
  std::optional<std::string> refusal(const InboundFacts& facts, const InboundLimits& limits,
                                     conn::TimePoint now);

  // Rule 5: when no slot is free, whether one more polite handshake may start.
  static bool polite_rejection_allowed(std::size_t polite_now) noexcept {
    return polite_now < kMaxPoliteRejections;
  }

 private:
  bool allowed(const boost::asio::ip::address& address) const;

  std::vector<Subnet> allowlist_;
  // Token bucket of the accept rate: refilled at max_accepts_per_second, at most that many.
  double tokens_ = 0;
  conn::TimePoint tokens_at_;
};

}  // namespace bsvpeer::node
