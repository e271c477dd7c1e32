#pragma once
// A small bounded HTTP/1.1 server (Boost.Beast) for the node's operator endpoints (JSON-RPC,
// metrics). It runs on the node's own io_context: one acceptor per bind address, one strand per
// connection. Keep-alive, pipelined requests answered one after the other, request size limits
// (413/431), at most max_connections at once (one more is told 503 and closed), and a deadline
// on every read, write and idle wait: a slow or silent client never holds a thread or memory.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::program {

struct HttpLimits {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 8192;
  std::size_t max_connections = 16;
  std::chrono::milliseconds read_timeout{30000};   // from the first byte to the whole request
  std::chrono::milliseconds write_timeout{30000};  // the whole response
  std::chrono::milliseconds idle_timeout{30000};   // waiting for a request's first byte
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
// Called on the connection's strand; `respond` may be called later (at most once, from any
// thread) for async work. A handler that never responds gets its connection a 500 after
// kHandlerDeadline.
using HttpHandler =
    std::function<void(const HttpRequest&, const boost::asio::ip::tcp::endpoint& remote,
                       std::function<void(HttpResponse)> respond)>;

class HttpServer {
 public:
  static constexpr std::chrono::seconds kHandlerDeadline{120};

  static std::shared_ptr<HttpServer> create(boost::asio::any_io_executor executor,
                                            std::vector<boost::asio::ip::tcp::endpoint> binds,
                                            HttpLimits limits, HttpHandler handler,
                                            std::shared_ptr<spdlog::logger> logger);
  ~HttpServer();

  // Binds and listens on every endpoint; returns an error text if no endpoint could be bound
  // (endpoints that fail while another succeeds are logged).
  std::optional<std::string> start();
  // Closes the acceptors and every open connection (idempotent; from any thread).
  void stop();
  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;
  // Connections open now (for tests and status).
  std::size_t connection_count() const noexcept;

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace bsvpeer::program
