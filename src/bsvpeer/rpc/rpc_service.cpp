#include "auth.hpp"
#include "rpc_service.hpp"

#include <bsvpeer/net/address_text.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace bsvpeer::program::rpc {

namespace http = boost::beast::http;
using net::endpoint_text;

namespace {

constexpr const char* kAuthenticate = "Basic realm=\"jsonrpc\"";

HttpResponse make_response(http::status status, std::string body, const char* type) {
  HttpResponse res{status, 11};
  if (type) res.set(http::field::content_type, type);
  res.body() = std::move(body);
  return res;
}

}  // namespace

HttpHandler make_rpc_handler(std::shared_ptr<const Dispatcher> dispatcher, AccessRules rules,
                             boost::asio::any_io_executor executor,
                             std::shared_ptr<spdlog::logger> log) {
  auto shared_rules = std::make_shared<const AccessRules>(std::move(rules));
  return [dispatcher, rules = shared_rules, executor, log](
             const HttpRequest& req, const boost::asio::ip::tcp::endpoint& remote,
             std::function<void(HttpResponse)> respond) {
    if (!client_allowed(remote.address(), rules->allow)) {
      log->warn("rpc: refused {} (not in -rpcallowip)", endpoint_text(remote));
      return respond(make_response(http::status::forbidden, "", nullptr));
    }
    const auto target = req.target();
    if (target != "/" && target.substr(0, 8) != "/wallet/") {
      return respond(make_response(http::status::not_found, "", nullptr));
    }
    if (req.method() != http::verb::post) {
      return respond(make_response(http::status::method_not_allowed,
                                   "JSONRPC server handles only POST requests", "text/plain"));
    }
    const auto header = req.find(http::field::authorization);
    const auto unauthorized = [] {
      auto res = make_response(http::status::unauthorized, "", nullptr);
      res.set(http::field::www_authenticate, kAuthenticate);
      return res;
    };
    if (header == req.end()) return respond(unauthorized());
    const auto given = decode_basic_auth(header->value());
    if (!given || !constant_time_equal(rules->credentials, *given)) {
      log->warn("rpc: incorrect password attempt from {}", endpoint_text(remote));
      // Deters brute force without holding a thread: the answer waits on a timer.
      auto timer = std::make_shared<boost::asio::steady_timer>(executor, rules->failure_delay);
      timer->async_wait([timer, respond, unauthorized](const boost::system::error_code&) {
        respond(unauthorized());
      });
      return;
    }
    auto reply = dispatcher->handle(req.body());
    respond(make_response(static_cast<http::status>(reply.status), std::move(reply.body),
                          "application/json"));
  };
}

std::variant<std::unique_ptr<RpcServer>, std::string> RpcServer::start(
    boost::asio::any_io_executor executor, const RpcOptions& options,
    const std::filesystem::path& data_dir, NodeContext context,
    std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<RpcServer> server(new RpcServer());
  AccessRules rules;
  rules.allow = options.allow;
  if (options.user.empty()) {
    server->cookie_ = make_cookie_credentials();
    server->cookie_path_ = data_dir / ".cookie";
    if (auto e = write_cookie(server->cookie_path_, server->cookie_)) return *e;
    rules.credentials = server->cookie_;
  } else {
    rules.credentials = options.user + ":" + options.password;
  }
  auto dispatcher = std::make_shared<Dispatcher>();
  add_node_methods(*dispatcher, std::move(context));
  server->http_ = HttpServer::create(executor, options.binds, HttpLimits{},
                                     make_rpc_handler(dispatcher, rules, executor, log), log);
  if (auto e = server->http_->start()) {
    server->stop();
    return "JSON-RPC: " + *e;
  }
  for (const auto& ep : server->http_->local_endpoints())
    log->info("JSON-RPC on {}{}", endpoint_text(ep),
              options.user.empty() ? ", cookie " + server->cookie_path_.string() : "");
  return server;
}

RpcServer::~RpcServer() {
  stop();
}

void RpcServer::stop() {
  if (http_) http_->stop();
  if (!cookie_.empty()) {
    remove_cookie(cookie_path_, cookie_);
    cookie_.clear();
  }
}

}  // namespace bsvpeer::program::rpc
