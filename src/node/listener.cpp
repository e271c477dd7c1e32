#include <bsvpeer/node/listener.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ostream.h>

namespace bsvpeer::node {

namespace asio = boost::asio;

Listener::Listener(asio::any_io_executor executor, tcp::endpoint endpoint, AcceptHandler on_accept,
                   StatusHandler on_status, std::shared_ptr<spdlog::logger> logger,
                   std::chrono::milliseconds bind_retry, SocketExecutor socket_executor)
    : strand_(asio::make_strand(executor)),
      io_(executor),
      configured_(endpoint),
      acceptor_(strand_),
      retry_timer_(strand_),
      on_accept_(std::move(on_accept)),
      on_status_(std::move(on_status)),
      logger_(std::move(logger)),
      bind_retry_(bind_retry),
      socket_executor_(std::move(socket_executor)) {}

void Listener::start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void Listener::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

bool Listener::open_and_bind(std::string& why) {
  boost::system::error_code ec;
  acceptor_.open(configured_.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  // An IPv6 wildcard also takes IPv4 connections (dual-stack).
  if (!ec && configured_.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_.bind(configured_, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    why = ec.message();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return false;
  }
  return true;
}

asio::awaitable<void> Listener::run() {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  while (!stopped_) {
    std::string why;
    if (!open_and_bind(why)) {
      logger_->error("cannot listen on {}: {}; retrying in {} ms", fmt::streamed(configured_), why,
                     bind_retry_.count());
      if (on_status_) on_status_(false, configured_, why);
      retry_timer_.expires_after(bind_retry_);
      co_await retry_timer_.async_wait(token);
      continue;
    }
    const auto bound = acceptor_.local_endpoint();
    logger_->info("listening on {}", fmt::streamed(bound));
    if (on_status_) on_status_(true, bound, "");
    for (;;) {
      // The socket is made on its connection's executor before the accept, so the accepted
      // connection needs no move between executors.
      tcp::socket socket(socket_executor_ ? socket_executor_()
                                          : asio::any_io_executor(asio::make_strand(io_)));
      tcp::endpoint remote;
      auto [ec] = co_await acceptor_.async_accept(socket, remote, token);
      if (stopped_) break;
      if (ec) {
        // EMFILE and friends: back off briefly instead of spinning; the listener stays up.
        logger_->warn("accept on {} failed: {}", fmt::streamed(bound), ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        co_await retry_timer_.async_wait(token);
        continue;
      }
      tcp::endpoint local = bound;
      if (bound.address().is_unspecified()) {
        boost::system::error_code local_ec;
        local = socket.local_endpoint(local_ec);
        if (local_ec) continue;  // already reset by the peer: nothing to admit
      }
      on_accept_(std::move(socket), remote, local);
    }
    if (on_status_) on_status_(false, bound, "stopped");
  }
}

}  // namespace bsvpeer::node
