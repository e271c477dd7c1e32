#pragma once
// Accepts on 127.0.0.1:<ephemeral> and turns each socket into an inbound PeerConnection.
#include <bsvpeer/conn/peer_connection.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace bsvpeer::test {

class TestListener : public std::enable_shared_from_this<TestListener> {
 public:
  using tcp = boost::asio::ip::tcp;

  TestListener(boost::asio::io_context& ioc, conn::ConnectionConfig config,
               conn::EventHandler on_event, std::uint64_t first_id = 1000,
               std::shared_ptr<conn::NonceRegistry> nonces = nullptr)
      : ioc_(ioc),
        strand_(boost::asio::make_strand(ioc)),
        acceptor_(strand_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        config_(std::move(config)),
        on_event_(std::move(on_event)),
        next_id_(first_id),
        nonces_(std::move(nonces)) {}

  void start() {
    boost::asio::co_spawn(
        strand_, [self = shared_from_this()] { return self->accept_loop(); },
        boost::asio::detached);
  }
  void stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      boost::system::error_code ec;
      self->acceptor_.close(ec);
    });
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

  std::vector<std::shared_ptr<conn::PeerConnection>> connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(
          boost::asio::make_strand(ioc_), boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      auto c =
          conn::PeerConnection::inbound(std::move(socket), config_, on_event_, nonces_, next_id_++);
      {
        std::lock_guard lock(mutex_);
        connections_.push_back(c);
      }
      c->start();
    }
  }

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  conn::ConnectionConfig config_;
  conn::EventHandler on_event_;
  std::atomic<std::uint64_t> next_id_;
  // Shared with outbound connections of the same "node" to detect self-connections; null:
  // each connection gets a registry of its own.
  std::shared_ptr<conn::NonceRegistry> nonces_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<conn::PeerConnection>> connections_;
};

}  // namespace bsvpeer::test
