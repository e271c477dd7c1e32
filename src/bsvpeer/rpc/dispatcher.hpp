#pragma once
// JSON-RPC framing and dispatch as bitcoind does it (src/rpc/server.cpp, httprpc.cpp): a
// request is an object with "method", "params" (array, object of named arguments, or absent)
// and "id" (echoed, any JSON); a batch is an array of them, answered 200 with an array. Every
// reply carries "result", "error" and "id" (1.0 style, which bitcoind also sends to 2.0
// clients). A single request's error sets the HTTP status: -32600 -> 400, -32601 -> 404,
// anything else -> 500. Pure: no sockets, no threads; the methods it calls may touch the node.
#include "params.hpp"
#include "rpc_error.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bsvpeer::program::rpc {

using Json = nlohmann::ordered_json;

struct Method {
  std::string category;  // "network", "control", ... (help groups by it)
  std::string name;
  // Names for named-argument calls, in position order ("a|b" accepts either name).
  std::vector<std::string> arg_names;
  // bitcoind's help text: first line is the usage ("setban \"subnet\" \"add|remove\" ...").
  std::string help;
  // Throws RpcError for an answer with an error code; std::exception -> -1 with its text.
  std::function<Json(const Params&)> call;
  // Parameter count outside [min_params, max_params]: -1 with the help text, as bitcoind.
  std::size_t min_params = 0;
  std::size_t max_params = 0;
};

struct HttpReply {
  unsigned status = 200;
  std::string body;  // JSON, newline-terminated
};

class Dispatcher {
 public:
  // Deeper JSON is refused before parsing (the parser recurses per level).
  static constexpr std::size_t kMaxNesting = 64;
  // Requests in one batch at most.
  static constexpr std::size_t kMaxBatch = 1000;

  Dispatcher();                            // with "help"
  Dispatcher(const Dispatcher&) = delete;  // "help" refers to this one
  Dispatcher& operator=(const Dispatcher&) = delete;
  void add(Method method);

  // One HTTP body in, one HTTP reply out.
  HttpReply handle(std::string_view body) const;
  // One request object (already parsed) to its reply object.
  Json execute(const Json& request) const;
  // bitcoind's help: every method's usage grouped by category, or one method's full text.
  std::string help(const std::string& method) const;
  bool has(const std::string& name) const { return methods_.count(name) > 0; }
  std::vector<std::string> names() const;

  static Json reply(const Json& result, const Json& error, const Json& id);
  static Json error_object(int code, const std::string& message);

 private:
  Json call(const std::string& name, const Json& params) const;
  std::map<std::string, Method> methods_;
};

// Named arguments to positions by the method's arg_names, holes filled with null (not at the
// end); an unknown name is -8 "Unknown named parameter x".
Json named_to_positional(const Json& named, const std::vector<std::string>& arg_names);

// How deep `text` nests arrays and objects (strings skipped).
std::size_t json_nesting(std::string_view text);

}  // namespace bsvpeer::program::rpc
