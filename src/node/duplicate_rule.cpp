#include <bsvpeer/node/duplicate_rule.hpp>

namespace bsvpeer::node {

using tcp = boost::asio::ip::tcp;

bool peer_dial_wins(const std::optional<tcp::endpoint>& ours,
                    const tcp::endpoint& dialled) noexcept {
  return ours && *ours < dialled;
}

InboundDuplicate judge_inbound(const std::optional<tcp::endpoint>& ours,
                               std::span<const tcp::endpoint> dialled) noexcept {
  if (dialled.empty()) return InboundDuplicate::none;
  for (const auto& d : dialled) {
    if (!peer_dial_wins(ours, d)) return InboundDuplicate::refuse;
  }
  return InboundDuplicate::replace_outbound;
}

bool maybe_refused_duplicate(const std::optional<tcp::endpoint>& ours, const tcp::endpoint& dialled,
                             bool handshaked, conn::DisconnectReason reason) noexcept {
  if (handshaked || !peer_dial_wins(ours, dialled)) return false;
  return reason == conn::DisconnectReason::peer_closed ||
         reason == conn::DisconnectReason::network_error;
}

}  // namespace bsvpeer::node
