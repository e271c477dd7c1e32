// What /metrics answers, without a socket: the page for GET /metrics, 404 and 405 otherwise.
#include <boost/beast/http/field.hpp>
#include <doctest/doctest.h>

#include <metrics_endpoint.hpp>

namespace http = boost::beast::http;
using bsvpeer::program::HttpRequest;
using bsvpeer::program::metrics_response;

namespace {
HttpRequest request(http::verb verb, const char* target) {
  HttpRequest r{verb, target, 11};
  r.keep_alive(true);
  return r;
}
}  // namespace

TEST_CASE("GET /metrics: 200, the page, Prometheus' content type, keep-alive kept") {
  int calls = 0;
  const auto page = [&] {
    ++calls;
    return std::string("# TYPE x gauge\nx 1\n");
  };
  for (const char* target : {"/metrics", "/metrics?x=1"}) {
    CAPTURE(target);
    const auto res = metrics_response(request(http::verb::get, target), page);
    CHECK(res.result() == http::status::ok);
    CHECK(res.body() == "# TYPE x gauge\nx 1\n");
    CHECK(res[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
    CHECK(res.keep_alive());
  }
  CHECK(calls == 2);
}

TEST_CASE("other paths are 404, other methods 405 with Allow: GET; the page is not built") {
  int calls = 0;
  const auto page = [&] {
    ++calls;
    return std::string();
  };
  for (const char* target : {"/", "/metric", "/metrics/", "/metricsx", "*"}) {
    CAPTURE(target);
    CHECK(metrics_response(request(http::verb::get, target), page).result() ==
          http::status::not_found);
  }
  for (auto verb : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::head}) {
    const auto res = metrics_response(request(verb, "/metrics"), page);
    CHECK(res.result() == http::status::method_not_allowed);
    CHECK(res[http::field::allow] == "GET");
  }
  CHECK(calls == 0);
}
