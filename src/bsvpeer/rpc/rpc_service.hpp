#pragma once
// The JSON-RPC endpoint as bitcoind's httprpc.cpp serves it, on the bounded HttpServer: 403 for
// clients outside loopback and -rpcallowip, 404 for a path other than "/", 405 for a method
// other than POST, 401 without or with wrong credentials (the wrong ones after a delay, on a
// timer: other requests go on meanwhile), then the dispatcher's reply.
#include "dispatcher.hpp"
#include "http_server.hpp"
#include "node_methods.hpp"
#include "rpc_options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace bsvpeer::program::rpc {

struct AccessRules {
  std::vector<peer::Subnet> allow;
  std::string credentials;  // "user:password"
  std::chrono::milliseconds failure_delay{250};
};

HttpHandler make_rpc_handler(std::shared_ptr<const Dispatcher> dispatcher, AccessRules rules,
                             boost::asio::any_io_executor executor,
                             std::shared_ptr<spdlog::logger> log);

// The running RPC server: the cookie (when no -rpcuser) and the HttpServer.
class RpcServer {
 public:
  // An error text when it could not listen (or write the cookie).
  static std::variant<std::unique_ptr<RpcServer>, std::string> start(
      boost::asio::any_io_executor executor, const RpcOptions& options,
      const std::filesystem::path& data_dir, NodeContext context,
      std::shared_ptr<spdlog::logger> log);
  ~RpcServer();
  // Stops listening, closes the connections and removes the cookie (idempotent).
  void stop();
  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const { return http_->local_endpoints(); }

 private:
  RpcServer() = default;
  std::shared_ptr<HttpServer> http_;
  std::filesystem::path cookie_path_;
  std::string cookie_;
};

}  // namespace bsvpeer::program::rpc
