// RPC access: cookie file, Basic credentials, constant-time comparison, allow list, and the
// handler's HTTP answers (403, 404, 405, 401 after a delay, 200).
#include "options_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>

#include <auth.hpp>
#include <rpc_service.hpp>
#include <sys/stat.h>

using namespace bsvpeer::program::rpc;
using bsvpeer::program::HttpRequest;
using bsvpeer::program::HttpResponse;
using bsvpeer::program::test::TempDir;
namespace http = boost::beast::http;
namespace asio = boost::asio;

TEST_CASE("rpc auth: base64 round trip and Basic headers") {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "__cookie__:00ff",
                                                std::string("\0\xff:x", 4)}) {
    CAPTURE(s);
    CHECK(base64_decode(base64_encode(s)) == s);
  }
  CHECK(base64_encode("user:pass") == "dXNlcjpwYXNz");
  CHECK(decode_basic_auth("Basic dXNlcjpwYXNz") == "user:pass");
  CHECK(decode_basic_auth("Basic  dXNlcjpwYXNz ") == "user:pass");
  CHECK_FALSE(decode_basic_auth("Bearer dXNlcjpwYXNz").has_value());
  CHECK_FALSE(decode_basic_auth("Basic ***").has_value());
  CHECK_FALSE(decode_basic_auth("Basic a").has_value());
}

TEST_CASE("rpc auth: constant-time equality is equality") {
  CHECK(constant_time_equal("user:pass", "user:pass"));
  CHECK_FALSE(constant_time_equal("user:pass", "user:pasS"));
  CHECK_FALSE(constant_time_equal("user:pass", "user:pass2"));
  CHECK_FALSE(constant_time_equal("user:pass", "user:pas"));
  CHECK_FALSE(constant_time_equal("user:pass", ""));
  CHECK_FALSE(constant_time_equal("", ""));  // no credentials never match
}

TEST_CASE("rpc auth: the cookie is random, mode 0600, and removed only if still ours") {
  TempDir dir;
  const auto a = make_cookie_credentials();
  const auto b = make_cookie_credentials();
  CHECK(a != b);
  CHECK(a.rfind("__cookie__:", 0) == 0);
  CHECK(a.size() == std::string("__cookie__:").size() + 64);
  const auto path = dir.path() / ".cookie";
  REQUIRE_FALSE(write_cookie(path, a).has_value());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  CHECK(content == a);
  remove_cookie(path, b);  // another node's: kept
  CHECK(std::filesystem::exists(path));
  remove_cookie(path, a);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(write_cookie(dir.path() / "missing" / ".cookie", a).has_value());
}

TEST_CASE("rpc auth: loopback is always allowed, others only through -rpcallowip") {
  auto addr = [](const char* s) { return asio::ip::make_address(s); };
  CHECK(client_allowed(addr("127.0.0.1"), {}));
  CHECK(client_allowed(addr("127.9.9.9"), {}));
  CHECK(client_allowed(addr("::1"), {}));
  CHECK(client_allowed(addr("::ffff:127.0.0.1"), {}));
  CHECK_FALSE(client_allowed(addr("10.0.0.1"), {}));
  const std::vector<bsvpeer::peer::Subnet> allow{*bsvpeer::peer::Subnet::parse("10.0.0.0/8")};
  CHECK(client_allowed(addr("10.1.2.3"), allow));
  CHECK(client_allowed(addr("::ffff:10.1.2.3"), allow));
  CHECK_FALSE(client_allowed(addr("11.0.0.1"), allow));
}

namespace {

struct HandlerRun {
  HandlerRun() {
    auto d = std::make_shared<Dispatcher>();
    AccessRules rules;
    rules.credentials = "user:pass";
    rules.allow = {*bsvpeer::peer::Subnet::parse("10.0.0.0/8")};
    rules.failure_delay = std::chrono::milliseconds(50);
    handler = make_rpc_handler(
        d, rules, ioc.get_executor(),
        std::make_shared<spdlog::logger>("rpc", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }
  HttpResponse call(http::verb verb, const char* target, const char* from,
                    std::optional<std::string> credentials, std::string body) {
    HttpRequest req{verb, target, 11};
    if (credentials) req.set(http::field::authorization, "Basic " + base64_encode(*credentials));
    req.body() = std::move(body);
    std::optional<HttpResponse> out;
    handler(req, {asio::ip::make_address(from), 5555}, [&](HttpResponse r) { out = std::move(r); });
    ioc.restart();
    ioc.run();  // the 401 delay's timer
    REQUIRE(out.has_value());
    return std::move(*out);
  }
  asio::io_context ioc;
  bsvpeer::program::HttpHandler handler;
};

const char* kHelp = R"({"id":1,"method":"help"})";

}  // namespace

TEST_CASE("rpc handler: the HTTP answers bitcoind gives") {
  HandlerRun h;
  CHECK(h.call(http::verb::post, "/", "192.0.2.1", "user:pass", kHelp).result() ==
        http::status::forbidden);
  CHECK(h.call(http::verb::post, "/", "10.0.0.7", "user:pass", kHelp).result() == http::status::ok);
  CHECK(h.call(http::verb::post, "/other", "127.0.0.1", "user:pass", kHelp).result() ==
        http::status::not_found);
  CHECK(h.call(http::verb::get, "/", "127.0.0.1", "user:pass", "").result() ==
        http::status::method_not_allowed);
  auto none = h.call(http::verb::post, "/", "127.0.0.1", std::nullopt, kHelp);
  CHECK(none.result() == http::status::unauthorized);
  CHECK(none[http::field::www_authenticate] == "Basic realm=\"jsonrpc\"");
  const auto before = std::chrono::steady_clock::now();
  auto wrong = h.call(http::verb::post, "/", "127.0.0.1", "user:wrong", kHelp);
  CHECK(wrong.result() == http::status::unauthorized);
  // The delay is a timer: the answer came only once the io_context ran it.
  CHECK(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(50));
  auto ok = h.call(http::verb::post, "/", "::1", "user:pass", kHelp);
  CHECK(ok.result() == http::status::ok);
  CHECK(ok[http::field::content_type] == "application/json");
  CHECK(h.call(http::verb::post, "/", "::1", "user:pass", "{bad").result() ==
        http::status::internal_server_error);
}
