#pragma once
// What one name lookup produced: the addresses and a typed status, so callers branch on
// "the seed does not exist" versus "the DNS server did not answer" without parsing text.
#include <boost/asio/ip/address.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::node {

// Which records to ask for: A, AAAA, or both (two queries in parallel).
enum class AddressFamily { any, ipv4, ipv6 };

enum class ResolveStatus {
  ok,         // at least one address
  nxdomain,   // the name does not exist
  no_data,    // the name exists but has no record of the requested family
  timeout,    // every try of every server timed out
  refused,    // the server refused, or could not be contacted (ICMP port unreachable)
  cancelled,  // cancel(), per-operation cancellation, or the resolver was destroyed
  error,      // anything else: SERVFAIL, a malformed answer, a bad name, out of memory
};

std::string_view to_string(AddressFamily family) noexcept;
std::string_view to_string(ResolveStatus status) noexcept;
std::ostream& operator<<(std::ostream& os, AddressFamily family);
std::ostream& operator<<(std::ostream& os, ResolveStatus status);

struct ResolveResult {
  ResolveStatus status = ResolveStatus::error;
  // In answer order, without duplicates; empty unless status is ok.
  std::vector<boost::asio::ip::address> addresses;
  std::string message;  // the resolver's own description of the status, for logs
  int timeouts = 0;     // tries that timed out on the way, even when the lookup succeeded
};

}  // namespace bsvpeer::node
