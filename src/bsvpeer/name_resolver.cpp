#include "name_resolver.hpp"

#include <bsvpeer/node/ares_resolver.hpp>

#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace bsvpeer::program {

NameResolver ares_name_resolver(std::chrono::milliseconds timeout) {
  return [timeout](const std::string& host, const std::vector<std::string>& dns_servers) {
    node::ResolveResult result;
    boost::asio::io_context ioc;
    try {
      node::AresResolverConfig config;
      config.servers = dns_servers;
      config.timeout = timeout;
      config.tries = 2;
      node::AresResolver resolver(ioc.get_executor(), config);
      resolver.async_resolve(host, node::AddressFamily::any,
                             [&result](node::ResolveResult r) { result = std::move(r); });
      ioc.run();  // ends when the lookup has completed: c-ares bounds it by its timeouts
    } catch (const std::exception& e) {
      result.status = node::ResolveStatus::error;
      result.message = e.what();
    }
    return result;
  };
}

}  // namespace bsvpeer::program
