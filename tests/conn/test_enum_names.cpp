// Every enum of the conn core prints a distinct name, so logs and test failures read well.
#include <bsvpeer/conn/connection_state.hpp>
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/conn/handshake.hpp>
#include <bsvpeer/conn/ping_tracker.hpp>

#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

using namespace bsvpeer::conn;

namespace {

template <class Enum>
void check_names(std::initializer_list<std::pair<Enum, const char*>> expected) {
  std::set<std::string> seen;
  for (const auto& [value, name] : expected) {
    CAPTURE(name);
    CHECK(to_string(value) == name);
    std::ostringstream os;
    os << value;
    CHECK(os.str() == name);
    CHECK(seen.insert(name).second);
  }
}

}  // namespace

TEST_CASE("enum names: DisconnectReason") {
  using R = DisconnectReason;
  check_names<R>({{R::handshake_timeout, "handshake_timeout"},
                  {R::ping_timeout, "ping_timeout"},
                  {R::inactivity_timeout, "inactivity_timeout"},
                  {R::misbehavior_ban, "misbehavior_ban"},
                  {R::banned_user_agent, "banned_user_agent"},
                  {R::wrong_magic, "wrong_magic"},
                  {R::oversize_message, "oversize_message"},
                  {R::extmsg_not_allowed, "extmsg_not_allowed"},
                  {R::obsolete_version, "obsolete_version"},
                  {R::missing_services, "missing_services"},
                  {R::self_connection, "self_connection"},
                  {R::protocol_violation, "protocol_violation"},
                  {R::bad_version_message, "bad_version_message"},
                  {R::over_capacity, "over_capacity"},
                  {R::local_request, "local_request"},
                  {R::shutdown, "shutdown"},
                  {R::peer_closed, "peer_closed"},
                  {R::network_error, "network_error"},
                  {R::connect_failed, "connect_failed"},
                  {R::connect_timeout, "connect_timeout"},
                  {R::send_queue_full, "send_queue_full"}});
}

TEST_CASE("enum names: Direction, ConnectionState, HandshakeGate, PongOutcome") {
  check_names<Direction>({{Direction::outbound, "outbound"}, {Direction::inbound, "inbound"}});
  check_names<ConnectionState>({{ConnectionState::idle, "idle"},
                                {ConnectionState::awaiting_handshake, "awaiting_handshake"},
                                {ConnectionState::established, "established"},
                                {ConnectionState::closed, "closed"}});
  check_names<HandshakeGate>({{HandshakeGate::admit, "admit"},
                              {HandshakeGate::missing_version, "missing_version"},
                              {HandshakeGate::missing_verack, "missing_verack"}});
  check_names<PongOutcome>({{PongOutcome::matched, "matched"},
                            {PongOutcome::mismatched, "mismatched"},
                            {PongOutcome::cancelled, "cancelled"},
                            {PongOutcome::unsolicited, "unsolicited"}});
}
