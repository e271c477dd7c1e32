#include <bsvpeer/node/duplicate_rule.hpp>

#include <doctest/doctest.h>

#include <vector>

using namespace bsvpeer;
using namespace bsvpeer::node;
using tcp = boost::asio::ip::tcp;

namespace {

tcp::endpoint ep(const char* ip, unsigned short port = 8333) {
  return {boost::asio::ip::make_address(ip), port};
}

}  // namespace

TEST_CASE("peer_dial_wins: the dial of the higher listening endpoint wins, seen from both ends") {
  const auto low = ep("127.0.0.2"), high = ep("127.0.0.3");
  CHECK(peer_dial_wins(low, high));   // the low node keeps the high node's dial
  CHECK(!peer_dial_wins(high, low));  // and the high node agrees: its own dial wins
  // Same IP, other ports: the endpoint decides.
  CHECK(peer_dial_wins(ep("127.0.0.1", 1000), ep("127.0.0.1", 2000)));
  CHECK(!peer_dial_wins(ep("127.0.0.1", 2000), ep("127.0.0.1", 1000)));
  // Not listening: nobody dials us, so our dial always stands.
  CHECK(!peer_dial_wins(std::nullopt, high));
}

TEST_CASE("judge_inbound: none, refuse or replace our dials to that IP") {
  struct Row {
    const char* name;
    std::optional<tcp::endpoint> ours;
    std::vector<tcp::endpoint> dialled;
    InboundDuplicate expected;
  };
  const Row rows[] = {
      {"no outbound to the IP", ep("127.0.0.2"), {}, InboundDuplicate::none},
      {"the peer's dial wins",
       ep("127.0.0.2"),
       {ep("127.0.0.3")},
       InboundDuplicate::replace_outbound},
      {"our dial wins", ep("127.0.0.3"), {ep("127.0.0.2")}, InboundDuplicate::refuse},
      {"one of two dials to the IP wins",
       ep("127.0.0.1", 2000),
       {ep("127.0.0.1", 3000), ep("127.0.0.1", 1000)},
       InboundDuplicate::refuse},
      {"not listening", std::nullopt, {ep("127.0.0.3")}, InboundDuplicate::refuse},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    CHECK(judge_inbound(row.ours, row.dialled) == row.expected);
  }
}

TEST_CASE("maybe_refused_duplicate: only the losing side's reset before the handshake") {
  using conn::DisconnectReason;
  const auto low = ep("127.0.0.2"), high = ep("127.0.0.3");
  CHECK(maybe_refused_duplicate(low, high, false, DisconnectReason::network_error));
  CHECK(maybe_refused_duplicate(low, high, false, DisconnectReason::peer_closed));
  // The winner's dial is never refused as a duplicate.
  CHECK(!maybe_refused_duplicate(high, low, false, DisconnectReason::network_error));
  // A handshaked connection was accepted; a refused or timed-out dial never reached the peer.
  CHECK(!maybe_refused_duplicate(low, high, true, DisconnectReason::peer_closed));
  CHECK(!maybe_refused_duplicate(low, high, false, DisconnectReason::connect_failed));
  CHECK(!maybe_refused_duplicate(low, high, false, DisconnectReason::handshake_timeout));
}
