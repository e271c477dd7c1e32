#pragma once
// RPC authentication and access as bitcoind does it: HTTP Basic with either -rpcuser and
// -rpcpassword or a random cookie ("__cookie__:<64 hex>") written to <datadir>/.cookie (mode
// 0600, removed at shutdown); credentials compared in constant time; clients outside loopback
// and -rpcallowip refused with 403.
#include <bsvpeer/peer/subnet.hpp>

#include <boost/asio/ip/address.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::program::rpc {

inline constexpr std::string_view kCookieUser = "__cookie__";

// "__cookie__:" + 32 random bytes in hex.
std::string make_cookie_credentials();
// Written to a temp file with mode 0600, then renamed over `path`; an error text on failure.
std::optional<std::string> write_cookie(const std::filesystem::path& path,
                                        const std::string& credentials);
// Removes the cookie if it still holds `credentials` (another node may have replaced it).
void remove_cookie(const std::filesystem::path& path, const std::string& credentials);

// "Basic dXNlcjpwYXNz" -> "user:pass"; nullopt when not Basic or not base64.
std::optional<std::string> decode_basic_auth(std::string_view header);
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// Equal without an early exit on the first difference (time depends only on `given`'s length).
bool constant_time_equal(std::string_view expected, std::string_view given);

// Loopback is always allowed (as in bitcoind); otherwise the address must be in `allowed`.
bool client_allowed(const boost::asio::ip::address& address,
                    const std::vector<peer::Subnet>& allowed);

}  // namespace bsvpeer::program::rpc
