#pragma once
// Two nodes that dial each other at once must keep one connection, and both ends must choose
// the same one without exchanging a message: the connection dialled by the side with the
// higher listening endpoint wins. The loser's dial is reset by the peer at accept, or closed
// by us when the peer's connection reaches us first. Pure: the Manager gathers the inputs and
// acts on the verdicts.
#include <bsvpeer/conn/disconnect_reason.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <span>

namespace bsvpeer::node {

// True when, of our dial to `dialled` and the peer's dial to us, the peer's wins. Not
// listening (`ours` empty): nobody dials us, so ours wins.
bool peer_dial_wins(const std::optional<boost::asio::ip::tcp::endpoint>& ours,
                    const boost::asio::ip::tcp::endpoint& dialled) noexcept;

enum class InboundDuplicate {
  none,              // no outbound to the inbound's IP
  refuse,            // one of our dials wins: the peer drops its own (it refuses ours)
  replace_outbound,  // the inbound wins: accept it and close our dials to that IP
};

// An inbound from an IP that `dialled` (our outbound connections to that IP, dialling or
// connected) point at.
InboundDuplicate judge_inbound(const std::optional<boost::asio::ip::tcp::endpoint>& ours,
                               std::span<const boost::asio::ip::tcp::endpoint> dialled) noexcept;

// An outbound that ended before its handshake with the peer resetting or closing it may have
// been refused as the losing duplicate: the peer's own dial is then on its way to us. Whether
// it was a failure is known only when that connection arrives, or does not.
bool maybe_refused_duplicate(const std::optional<boost::asio::ip::tcp::endpoint>& ours,
                             const boost::asio::ip::tcp::endpoint& dialled, bool handshaked,
                             conn::DisconnectReason reason) noexcept;

}  // namespace bsvpeer::node
