#include <bsvpeer/peer/peer_source.hpp>
#include <bsvpeer/peer/peer_status.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace bsvpeer::peer;

TEST_CASE("statuses and sources round-trip through their JSON spelling") {
  for (PeerStatus status : kAllPeerStatuses) {
    CAPTURE(std::string(to_string(status)));
    CHECK(parse_peer_status(to_string(status)) == status);
  }
  CHECK(to_string(PeerStatus::inaccessible) == "inaccessible");
  CHECK_FALSE(parse_peer_status("Valid").has_value());
  CHECK_FALSE(parse_peer_status("gone").has_value());

  for (PeerSource source :
       {PeerSource::inbound, PeerSource::addr, PeerSource::dns, PeerSource::manual}) {
    CAPTURE(std::string(to_string(source)));
    CHECK(parse_peer_source(to_string(source)) == source);
  }
  CHECK_FALSE(parse_peer_source("seed").has_value());
}

TEST_CASE("source rank: manual > dns > addr > inbound") {
  CHECK(ranks_higher(PeerSource::manual, PeerSource::dns));
  CHECK(ranks_higher(PeerSource::dns, PeerSource::addr));
  CHECK(ranks_higher(PeerSource::addr, PeerSource::inbound));
  CHECK_FALSE(ranks_higher(PeerSource::addr, PeerSource::dns));
  CHECK_FALSE(ranks_higher(PeerSource::dns, PeerSource::dns));
  CHECK_FALSE(ranks_higher(PeerSource::inbound, PeerSource::manual));
}
