#include <bsvpeer/node/inbound_admission.hpp>

#include <algorithm>

namespace bsvpeer::node {

InboundAdmission::InboundAdmission(const std::vector<std::string>& allowlist, conn::TimePoint now)
    : tokens_at_(now) {
  for (const auto& entry : allowlist) {
    if (auto subnet = Subnet::parse(entry)) allowlist_.push_back(*subnet);
  }
}

bool InboundAdmission::allowed(const boost::asio::ip::address& address) const {
  return allowlist_.empty() || std::any_of(allowlist_.begin(), allowlist_.end(),
                                           [&](const Subnet& s) { return s.contains(address); });
}

std::optional<std::string> InboundAdmission::refusal(const InboundFacts& facts,
                                                     const InboundLimits& limits,
                                                     conn::TimePoint now) {
  if (!facts.whitelisted && facts.banned) return "banned";
  if (!allowed(facts.address)) return "not on the inbound allowlist";
  if (facts.whitelisted) return std::nullopt;
  if (limits.max_inbound_per_ip > 0 && facts.inbound_from_ip >= limits.max_inbound_per_ip) {
    return "too many connections from this IP";
  }
  if (limits.max_accepts_per_second > 0) {
    const double rate = limits.max_accepts_per_second;
    tokens_ =
        std::min(rate, tokens_ + rate * std::chrono::duration<double>(now - tokens_at_).count());
    tokens_at_ = now;
    if (tokens_ < 1.0) return "accept rate limit";
    tokens_ -= 1.0;
  }
  return std::nullopt;
}

}  // namespace bsvpeer::node
