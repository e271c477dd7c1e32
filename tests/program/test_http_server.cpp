// The bounded HTTP server on real loopback sockets: keep-alive, pipelining, limits, deadlines.
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>

#include <http_server.hpp>
#include <sys/socket.h>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using bsvpeer::program::HttpLimits;
using bsvpeer::program::HttpRequest;
using bsvpeer::program::HttpResponse;
using bsvpeer::program::HttpServer;

namespace {

// A server on 127.0.0.1:0 that answers "echo <target> <body>", run by two threads.
struct Fixture {
  explicit Fixture(HttpLimits limits, bool async = false) {
    auto handler = [async](const HttpRequest& req, const tcp::endpoint&,
                           std::function<void(HttpResponse)> respond) {
      HttpResponse res{http::status::ok, req.version()};
      res.body() = "echo " + std::string(req.target()) + " " + req.body();
      if (!async) {
        respond(std::move(res));
        return;
      }
      std::thread([respond, res]() mutable { respond(std::move(res)); }).detach();
    };
    server = HttpServer::create(
        ioc.get_executor(), {tcp::endpoint(asio::ip::address_v4::loopback(), 0)}, limits, handler,
        std::make_shared<spdlog::logger>("http", std::make_shared<spdlog::sinks::null_sink_mt>()));
    REQUIRE_FALSE(server->start().has_value());
    endpoint = server->local_endpoints().at(0);
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { ioc.run(); });
  }
  ~Fixture() {
    server->stop();
    work.reset();
    for (auto& t : threads)
      t.join();
  }
  tcp::socket connect() {
    tcp::socket s(client_ioc);
    s.connect(endpoint);
    // A failing server must fail the test, not hang it.
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }

  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::io_context client_ioc;
  std::shared_ptr<HttpServer> server;
  tcp::endpoint endpoint;
  std::vector<std::thread> threads;
};

std::string request_text(const std::string& target, const std::string& body,
                         bool keep_alive = true) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + "\r\n" + body;
}

HttpResponse read_response(tcp::socket& s, beast::flat_buffer& buffer) {
  HttpResponse res;
  http::read(s, buffer, res);
  return res;
}

// Reads until the server closes; true if it did (false: the 10 s receive timeout hit).
bool closed_by_server(tcp::socket& s) {
  std::array<char, 256> scratch;
  for (;;) {
    boost::system::error_code ec;
    s.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    if (ec) return false;
  }
}

}  // namespace

TEST_CASE("http server: keep-alive answers several requests on one connection") {
  Fixture f(HttpLimits{});
  auto s = f.connect();
  beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    asio::write(s, asio::buffer(request_text("/r" + std::to_string(i), "b")));
    auto res = read_response(s, buffer);
    CHECK(res.result() == http::status::ok);
    CHECK(res.body() == "echo /r" + std::to_string(i) + " b");
    CHECK(res.keep_alive());
  }
  asio::write(s, asio::buffer(request_text("/last", "", false)));
  auto res = read_response(s, buffer);
  CHECK(res.body() == "echo /last ");
  CHECK_FALSE(res.keep_alive());
  CHECK(closed_by_server(s));
}

TEST_CASE("http server: pipelined requests are answered in order") {
  Fixture f(HttpLimits{}, /*async=*/true);
  auto s = f.connect();
  std::string all;
  for (int i = 0; i < 5; ++i)
    all += request_text("/p" + std::to_string(i), std::to_string(i));
  asio::write(s, asio::buffer(all));
  beast::flat_buffer buffer;
  for (int i = 0; i < 5; ++i) {
    auto res = read_response(s, buffer);
    CHECK(res.body() == "echo /p" + std::to_string(i) + " " + std::to_string(i));
  }
}

TEST_CASE("http server: a body over the limit gets 413 without being read") {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  Fixture f(limits);
  auto s = f.connect();
  // Only the header: the declared length alone is refused.
  asio::write(s, asio::buffer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n"));
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  CHECK(res.result() == http::status::payload_too_large);
  CHECK(closed_by_server(s));
}

TEST_CASE("http server: a header over the limit gets 431") {
  HttpLimits limits;
  limits.max_header_bytes = 512;
  Fixture f(limits);
  auto s = f.connect();
  asio::write(s, asio::buffer("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') +
                              "\r\n\r\n"));
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  CHECK(res.result() == http::status::request_header_fields_too_large);
}

TEST_CASE("http server: garbage gets 400") {
  Fixture f(HttpLimits{});
  auto s = f.connect();
  asio::write(s, asio::buffer(std::string("\x01\x02 not http\r\n\r\n")));
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  CHECK(res.result() == http::status::bad_request);
}

TEST_CASE("http server: connections beyond the bound get 503, the others are served") {
  HttpLimits limits;
  limits.max_connections = 2;
  Fixture f(limits);
  auto a = f.connect();
  auto b = f.connect();
  beast::flat_buffer ba, bb, bc;
  // Served: both are counted once their first exchange is done.
  asio::write(a, asio::buffer(request_text("/a", "")));
  CHECK(read_response(a, ba).result() == http::status::ok);
  asio::write(b, asio::buffer(request_text("/b", "")));
  CHECK(read_response(b, bb).result() == http::status::ok);
  auto c = f.connect();
  asio::write(c, asio::buffer(request_text("/c", "")));
  CHECK(read_response(c, bc).result() == http::status::service_unavailable);
  // The first two still work.
  asio::write(a, asio::buffer(request_text("/a2", "")));
  CHECK(read_response(a, ba).body() == "echo /a2 ");
}

TEST_CASE("http server: a silent client is closed after the idle deadline") {
  HttpLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(100);
  Fixture f(limits);
  auto s = f.connect();
  CHECK(closed_by_server(s));
  CHECK(f.server->connection_count() <= 1);
}

TEST_CASE("http server: a request never finished is closed after the read deadline") {
  HttpLimits limits;
  limits.read_timeout = std::chrono::milliseconds(200);
  Fixture f(limits);
  auto s = f.connect();
  // The timed-out stream is closed by Beast itself: no answer, just the close.
  asio::write(s, asio::buffer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  CHECK(closed_by_server(s));
}

TEST_CASE("http server: stop closes open connections") {
  Fixture f(HttpLimits{});
  auto s = f.connect();
  beast::flat_buffer buffer;
  asio::write(s, asio::buffer(request_text("/x", "")));
  CHECK(read_response(s, buffer).result() == http::status::ok);
  f.server->stop();
  CHECK(closed_by_server(s));
}
