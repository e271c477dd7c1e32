#pragma once
// Host names in -connect, -addnode and -seednode, looked up through c-ares (the -dnsserver
// servers when given, else the system's) when the options are read: at startup and on each
// SIGHUP. A name that does not resolve is an error for the operator at that moment (exit 2 at
// startup, "reload refused" on SIGHUP); a changed address is picked up by the next SIGHUP.
#include <bsvpeer/node/resolve_result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bsvpeer::program {

// Looks `host` up (A and AAAA) through `dns_servers` ("ip[:port]"; empty: the system's).
using NameResolver = std::function<node::ResolveResult(
    const std::string& host, const std::vector<std::string>& dns_servers)>;

// A blocking lookup on an io_context of its own, bounded by c-ares' timeouts: at most
// timeout x 3 (two tries) with one server.
NameResolver ares_name_resolver(std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace bsvpeer::program
