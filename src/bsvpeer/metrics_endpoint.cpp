#include "metrics_endpoint.hpp"

#include <bsvpeer/node/prometheus_text.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace bsvpeer::program {

namespace http = boost::beast::http;

HttpResponse metrics_response(const HttpRequest& request,
                              const std::function<std::string()>& page) {
  HttpResponse res;
  res.version(request.version());
  res.keep_alive(request.keep_alive());
  res.set(http::field::server, "bsvpeer");
  const auto target = request.target();
  const auto path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "not found: only /metrics is served here\n";
  } else if (request.method() != http::verb::get) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "method not allowed: use GET\n";
  } else {
    res.result(http::status::ok);
    res.set(http::field::content_type, std::string(node::kPrometheusContentType));
    res.body() = page();
  }
  res.prepare_payload();
  return res;
}

HttpHandler metrics_handler(std::weak_ptr<node::Manager> manager) {
  return [manager](const HttpRequest& request, const boost::asio::ip::tcp::endpoint&,
                   std::function<void(HttpResponse)> respond) {
    auto m = manager.lock();
    if (!m) {
      HttpResponse res{http::status::service_unavailable, request.version()};
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "the node is stopping\n";
      res.prepare_payload();
      respond(std::move(res));
      return;
    }
    // Read on the HTTP connection's strand: the snapshot costs O(connections), never blocks
    // the Manager's strand.
    respond(metrics_response(
        request, [&] { return node::prometheus_text(node::metric_families(m->metrics())); }));
  };
}

}  // namespace bsvpeer::program
