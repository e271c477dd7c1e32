// The codec helpers and the per-connection watchdog shared by every mode.
#include "common.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>
#include <tuple>

namespace bsvpeer::load {

wire::NetAddress net_address_of(const tcp::endpoint& ep) {
  wire::NetAddress a;
  a.port = ep.port();
  if (ep.address().is_v4()) {
    const auto b = ep.address().to_v4().to_bytes();
    return wire::NetAddress::ipv4(b[0], b[1], b[2], b[3], ep.port());
  }
  const auto b = ep.address().to_v6().to_bytes();
  std::copy(b.begin(), b.end(), a.ip.begin());
  return a;
}

wire::Version make_version(const std::string& user_agent, const tcp::endpoint& peer,
                           std::uint64_t nonce) {
  wire::Version v;
  v.version = kOurProtocolVersion;
  v.services = 0;
  v.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  v.addr_recv = net_address_of(peer);
  v.nonce = nonce;
  v.user_agent = user_agent;
  v.start_height = 0;
  v.relay = true;
  return v;
}

std::string error_text(wire::Error e) {
  return wire::make_error_code(e).message();
}

std::string with_ec(const std::string& what, const boost::system::error_code& ec) {
  return what + ": " + ec.message();
}

asio::awaitable<void> watchdog(std::shared_ptr<Connection> c) {
  while (!c->finished) {
    c->watchdog.expires_at(c->deadline);
    co_await c->watchdog.async_wait(kUseTuple);
    if (c->finished) co_return;
    if (Clock::now() >= c->deadline) {
      c->timed_out = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      co_return;
    }
  }
}

void finish(Connection& c, CloseStyle style) {
  c.finished = true;
  c.watchdog.cancel();
  if (c.ticker) c.ticker->cancel();
  boost::system::error_code ignored;
  if (style == CloseStyle::rst && c.socket.is_open()) {
    c.socket.set_option(asio::socket_base::linger(true, 0), ignored);
  }
  c.socket.close(ignored);
}

asio::awaitable<boost::system::error_code> flush(Connection& c) {
  if (c.out.empty()) co_return boost::system::error_code{};
  auto [ec, n] = co_await asio::async_write(c.socket, asio::buffer(c.out), kUseTuple);
  c.out.clear();
  co_return ec;
}

asio::awaitable<boost::system::error_code> send(Connection& c) {
  if (c.writing) co_return boost::system::error_code{};
  c.writing = true;
  boost::system::error_code ec;
  while (!ec && !c.out.empty()) {
    c.sending.swap(c.out);
    c.out.clear();
    std::size_t n = 0;
    std::tie(ec, n) = co_await asio::async_write(c.socket, asio::buffer(c.sending), kUseTuple);
    c.sending.clear();
  }
  c.writing = false;
  co_return ec;
}
}  // namespace bsvpeer::load
