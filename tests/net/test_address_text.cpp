#include <bsvpeer/net/address_text.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

TEST_CASE("ip_text: dotted quad for IPv4 and IPv4-mapped IPv6, plain text for IPv6") {
  CHECK(net::ip_text(make_address("127.0.0.1")) == "127.0.0.1");
  CHECK(net::ip_text(make_address("::ffff:10.1.2.3")) == "10.1.2.3");
  CHECK(net::ip_text(make_address("2001:db8::1")) == "2001:db8::1");
  CHECK(net::ip_text(make_address("::1")) == "::1");
}

TEST_CASE("endpoint_text: ip:port, [v6]:port, mapped IPv4 without brackets") {
  CHECK(net::endpoint_text(tcp::endpoint(make_address("1.2.3.4"), 8333)) == "1.2.3.4:8333");
  CHECK(net::endpoint_text(tcp::endpoint(make_address("::ffff:1.2.3.4"), 18444)) ==
        "1.2.3.4:18444");
  CHECK(net::endpoint_text(tcp::endpoint(make_address("2001:db8::1"), 8333)) ==
        "[2001:db8::1]:8333");
  CHECK(net::endpoint_text(tcp::endpoint(make_address("::"), 0)) == "[::]:0");
}
