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

TEST_CASE("parse_endpoint: what users type, the default port, and what is refused") {
  struct Row {
    const char* text;
    const char* expected;  // endpoint_text of the result, or nullptr when refused
  };
  const Row rows[] = {
      {"1.2.3.4", "1.2.3.4:8333"},
      {"1.2.3.4:18444", "1.2.3.4:18444"},
      {"::1", "[::1]:8333"},
      {"[::1]", "[::1]:8333"},
      {"[2001:db8::1]:9", "[2001:db8::1]:9"},
      {"", nullptr},
      {"localhost", nullptr},
      {"1.2.3.4:", nullptr},
      {"1.2.3.4:0", nullptr},
      {"1.2.3.4:65536", nullptr},
      {"1.2.3.4:-1", nullptr},
      {"1.2.3.4:12ab", nullptr},
      {"[::1]x", nullptr},
      {"[::1", nullptr},
      {"1.2.3.256", nullptr},
      {"2001:db8::5", "[2001:db8::5]:8333"},
      {"[127.0.0.1]:80", "127.0.0.1:80"},
      {"1.2.3.4:65535", "1.2.3.4:65535"},
      {"1.2.3.4:123456", nullptr},
      {"1.2.3.4:+80", nullptr},
      {"[::1]:", nullptr},
      {"localhost:8333", nullptr},
      {"seed.bitcoinsv.io", nullptr},
      {":8333", nullptr},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    const auto ep = net::parse_endpoint(row.text, 8333);
    if (row.expected == nullptr) {
      CHECK_FALSE(ep.has_value());
    } else {
      CHECK(ep.has_value());
      if (ep) CHECK(net::endpoint_text(*ep) == row.expected);
    }
  }
  CHECK_FALSE(net::parse_endpoint("1.2.3.4", 0).has_value());  // no port at all
}
