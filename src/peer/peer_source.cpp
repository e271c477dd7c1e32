#include <bsvpeer/peer/peer_source.hpp>

namespace bsvpeer::peer {

std::string_view to_string(PeerSource source) noexcept {
  switch (source) {
    case PeerSource::inbound:
      return "inbound";
    case PeerSource::addr:
      return "addr";
    case PeerSource::dns:
      return "dns";
    case PeerSource::manual:
      return "manual";
  }
  return "addr";
}

std::optional<PeerSource> parse_peer_source(std::string_view text) noexcept {
  for (PeerSource source :
       {PeerSource::inbound, PeerSource::addr, PeerSource::dns, PeerSource::manual}) {
    if (to_string(source) == text) return source;
  }
  return std::nullopt;
}

bool ranks_higher(PeerSource candidate, PeerSource current) noexcept {
  // The enumerators are declared in rank order.
  return static_cast<int>(candidate) > static_cast<int>(current);
}

}  // namespace bsvpeer::peer
