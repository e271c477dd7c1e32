#pragma once
// Accepts inbound TCP connections on one endpoint (IPv6 endpoints are dual-stack). A bind
// failure is logged and retried on a timer, never fatal; every accepted socket lands on a strand
// of its own, or on the executor `socket_executor` gives (one whose handlers never run
// concurrently: IoContextPool's), ready to become a PeerConnection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>

namespace bsvpeer::node {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using tcp = boost::asio::ip::tcp;
  // The accepted socket and its two ends as accept() gave them: the remote from accept() itself,
  // the local from the bound address (a wildcard bind asks the socket), so an accept costs no
  // getpeername and, bound to one address, no getsockname.
  using AcceptHandler = std::function<void(tcp::socket socket, const tcp::endpoint& remote,
                                           const tcp::endpoint& local)>;
  // up = true when listening (endpoint is the bound one), false when down, with the reason.
  using StatusHandler =
      std::function<void(bool up, const tcp::endpoint& endpoint, const std::string& why)>;
  using SocketExecutor = std::function<boost::asio::any_io_executor()>;

  Listener(boost::asio::any_io_executor executor, tcp::endpoint endpoint, AcceptHandler on_accept,
           StatusHandler on_status, std::shared_ptr<spdlog::logger> logger,
           std::chrono::milliseconds bind_retry = std::chrono::seconds(5),
           SocketExecutor socket_executor = {});

  void start();
  void stop();  // idempotent; ends with a `down` status

  const tcp::endpoint& configured_endpoint() const noexcept { return configured_; }

 private:
  boost::asio::awaitable<void> run();
  bool open_and_bind(std::string& why);

  boost::asio::any_io_executor strand_;
  boost::asio::any_io_executor io_;
  tcp::endpoint configured_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  AcceptHandler on_accept_;
  StatusHandler on_status_;
  std::shared_ptr<spdlog::logger> logger_;
  std::chrono::milliseconds bind_retry_;
  SocketExecutor socket_executor_;
  bool stopped_ = false;
};

}  // namespace bsvpeer::node
