#include "http_server.hpp"

#include <bsvpeer/net/address_text.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace bsvpeer::program {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using net::endpoint_text;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Connections told 503 at once (beyond max_connections); past this they are closed unanswered.
constexpr std::size_t kMaxRefusing = 64;
// After an error response, how long the request's rest is read and thrown away, so that closing
// does not reset the connection before the client has read the answer.
constexpr std::chrono::milliseconds kDrainTime{1000};
constexpr std::size_t kReadChunk = 4096;

HttpResponse plain_response(http::status status, unsigned version, std::string text) {
  HttpResponse res{status, version};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(text);
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::any_io_executor executor;
  std::vector<tcp::endpoint> binds;
  HttpLimits limits;
  HttpHandler handler;
  std::shared_ptr<spdlog::logger> log;

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> refusing{0};
  std::atomic<bool> stopped{false};

  mutable std::mutex mutex;  // guards what follows
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<tcp::endpoint> local;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session = 0;

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor);
  void refuse(tcp::socket socket);
  void stop();
};

// One client connection; every member is touched only on the connection's strand (the
// stream's executor), except `server`'s thread-safe parts.
struct Session : std::enable_shared_from_this<Session> {
  Session(std::shared_ptr<HttpServer::Impl> s, tcp::socket socket, tcp::endpoint r, std::uint64_t i)
      : server(std::move(s)),
        stream(std::move(socket)),
        buffer(server->limits.max_header_bytes + 64 * 1024),
        remote(std::move(r)),
        id(i),
        response_timer(stream.get_executor()) {}

  ~Session() {
    server->connections.fetch_sub(1);
    std::lock_guard lock(server->mutex);
    server->sessions.erase(id);
  }

  asio::awaitable<void> run();
  asio::awaitable<void> drain();
  // Runs the handler and waits (bounded) for its response.
  asio::awaitable<HttpResponse> handle(const HttpRequest& request);
  void close() {
    closing = true;
    response_timer.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
  }

  std::shared_ptr<HttpServer::Impl> server;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  tcp::endpoint remote;
  std::uint64_t id;
  asio::steady_timer response_timer;
  std::optional<HttpResponse> response;
  std::uint64_t request_number = 0;
  bool closing = false;
};

asio::awaitable<HttpResponse> Session::handle(const HttpRequest& request) {
  response.reset();
  const auto number = ++request_number;
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto respond = [weak = weak_from_this(), executor = stream.get_executor(), number,
                  once](HttpResponse r) {
    if (once->exchange(true)) return;  // at most once
    asio::post(executor, [weak, number, r = std::move(r)]() mutable {
      auto self = weak.lock();
      // A late answer to an earlier request (its deadline passed) is dropped.
      if (!self || self->request_number != number || self->response) return;
      self->response = std::move(r);
      self->response_timer.cancel();
    });
  };
  response_timer.expires_after(HttpServer::kHandlerDeadline);
  try {
    server->handler(request, remote, respond);
  } catch (const std::exception& e) {
    server->log->error("http [{}]: handler failed: {}", endpoint_text(remote), e.what());
    co_return plain_response(http::status::internal_server_error, request.version(),
                             "internal error\n");
  }
  while (!response && !closing) {
    auto [ec] = co_await response_timer.async_wait(kUseTuple);
    if (!ec && !response) {
      server->log->error("http [{}]: no response within {} s", endpoint_text(remote),
                         HttpServer::kHandlerDeadline.count());
      ++request_number;  // a later answer is dropped
      co_return plain_response(http::status::internal_server_error, request.version(),
                               "no response in time\n");
    }
  }
  if (!response) {
    co_return plain_response(http::status::service_unavailable, request.version(),
                             "shutting down\n");
  }
  HttpResponse out = std::move(*response);
  response.reset();
  co_return out;
}

asio::awaitable<void> Session::drain() {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kDrainTime);
  std::array<char, kReadChunk> scratch;
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kUseTuple);
    if (ec) break;
  }
}

asio::awaitable<void> Session::run() {
  const auto& limits = server->limits;
  while (!closing) {
    // Idle: waiting for the first byte of the next request (keep-alive).
    if (buffer.size() == 0) {
      stream.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kUseTuple);
      if (ec) break;  // EOF, idle timeout, reset, stop
      buffer.commit(n);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(limits.max_body_bytes);
    stream.expires_after(limits.read_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (ec) {
      std::optional<HttpResponse> refusal;
      if (ec == http::error::body_limit) {
        refusal = plain_response(http::status::payload_too_large, 11, "request body too large\n");
      } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        refusal = plain_response(http::status::request_header_fields_too_large, 11,
                                 "request header too large\n");
      } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        refusal = plain_response(http::status::bad_request, 11, "malformed request\n");
      }
      server->log->debug("http [{}]: request not read: {}", endpoint_text(remote), ec.message());
      if (refusal && !closing) {
        stream.expires_after(limits.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, *refusal, kUseTuple);
        if (!wec) co_await drain();
      }
      break;
    }
    HttpRequest request = parser.release();
    const bool keep_alive = request.keep_alive();
    HttpResponse res = co_await handle(request);
    if (closing) break;
    res.version(request.version());
    res.keep_alive(keep_alive && res.keep_alive() && !server->stopped.load());
    res.prepare_payload();
    const bool again = res.keep_alive();
    stream.expires_after(limits.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kUseTuple);
    if (wec || !again) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

void HttpServer::Impl::refuse(tcp::socket socket) {
  if (refusing.fetch_add(1) >= kMaxRefusing) {
    refusing.fetch_sub(1);
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto self = shared_from_this();
  asio::co_spawn(
      stream->get_executor(),
      [self, stream]() -> asio::awaitable<void> {
        auto res = plain_response(http::status::service_unavailable, 11, "too many connections\n");
        stream->expires_after(kDrainTime);
        auto [ec, n] = co_await http::async_write(*stream, res, kUseTuple);
        if (!ec) {
          beast::error_code ignored;
          stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
          stream->expires_after(kDrainTime);
          std::array<char, kReadChunk> scratch;
          for (;;) {
            auto [rec, rn] = co_await stream->async_read_some(asio::buffer(scratch), kUseTuple);
            if (rec) break;
          }
        }
        beast::error_code ignored;
        stream->socket().close(ignored);
        self->refusing.fetch_sub(1);
      },
      asio::detached);
}

asio::awaitable<void> HttpServer::Impl::accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
  auto self = shared_from_this();
  asio::steady_timer pause(acceptor->get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(executor), kUseTuple);
    if (stopped.load() || !acceptor->is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a little rather than spin.
      log->warn("http: accept failed: {}", ec.message());
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    beast::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    if (rec) continue;  // already gone
    if (connections.fetch_add(1) >= limits.max_connections) {
      connections.fetch_sub(1);
      log->debug("http [{}]: refused, {} connections open", endpoint_text(remote),
                 limits.max_connections);
      refuse(std::move(socket));
      continue;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(mutex);
      const auto id = ++next_session;
      session = std::make_shared<Session>(self, std::move(socket), remote, id);
      sessions.emplace(id, session);
    }
    asio::co_spawn(
        session->stream.get_executor(), [session] { return session->run(); },
        [log = log, remote](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            log->error("http [{}]: connection failed: {}", endpoint_text(remote), ex.what());
          }
        });
  }
}

void HttpServer::Impl::stop() {
  if (stopped.exchange(true)) return;
  std::vector<std::weak_ptr<Session>> open;
  {
    std::lock_guard lock(mutex);
    for (auto& acceptor : acceptors) {
      asio::post(acceptor->get_executor(), [acceptor] {
        beast::error_code ignored;
        acceptor->close(ignored);
      });
    }
    for (auto& [id, weak] : sessions)
      open.push_back(weak);
  }
  // Outside the lock: the last reference to a session may go here, and ~Session takes it.
  for (auto& weak : open) {
    if (auto session = weak.lock()) {
      asio::post(session->stream.get_executor(), [session] { session->close(); });
    }
  }
}

std::shared_ptr<HttpServer> HttpServer::create(asio::any_io_executor executor,
                                               std::vector<tcp::endpoint> binds, HttpLimits limits,
                                               HttpHandler handler,
                                               std::shared_ptr<spdlog::logger> logger) {
  auto impl = std::make_shared<Impl>();
  impl->executor = std::move(executor);
  impl->binds = std::move(binds);
  impl->limits = limits;
  impl->handler = std::move(handler);
  impl->log = std::move(logger);
  return std::shared_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->stop();
}

std::optional<std::string> HttpServer::start() {
  std::string errors;
  std::vector<std::shared_ptr<tcp::acceptor>> opened;
  for (const auto& bind : impl_->binds) {
    auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(impl_->executor));
    beast::error_code ec;
    acceptor->open(bind.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && bind.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(bind, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      const auto text = "cannot listen on " + endpoint_text(bind) + ": " + ec.message();
      impl_->log->error("http: {}", text);
      errors += (errors.empty() ? "" : "; ") + text;
      continue;
    }
    opened.push_back(std::move(acceptor));
  }
  if (opened.empty()) return errors.empty() ? std::string("no address to listen on") : errors;
  std::lock_guard lock(impl_->mutex);
  for (auto& acceptor : opened) {
    impl_->local.push_back(acceptor->local_endpoint());
    impl_->acceptors.push_back(acceptor);
    asio::co_spawn(
        acceptor->get_executor(), [impl = impl_, acceptor] { return impl->accept_loop(acceptor); },
        asio::detached);
  }
  return std::nullopt;
}

void HttpServer::stop() {
  impl_->stop();
}

std::vector<tcp::endpoint> HttpServer::local_endpoints() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->local;
}

std::size_t HttpServer::connection_count() const noexcept {
  return impl_->connections.load();
}

}  // namespace bsvpeer::program
