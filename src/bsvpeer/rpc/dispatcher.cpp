#include "dispatcher.hpp"

#include <algorithm>
#include <set>

namespace bsvpeer::program::rpc {

namespace {

unsigned status_of(int code) {
  if (code == invalid_request) return 400;
  if (code == method_not_found) return 404;
  return 500;
}

std::vector<std::string> split_names(const std::string& pattern) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto bar = pattern.find('|', start);
    out.push_back(pattern.substr(start, bar == std::string::npos ? bar : bar - start));
    if (bar == std::string::npos) return out;
    start = bar + 1;
  }
}

std::string dump(const Json& j) {
  // Peers' user agents and commands come off the wire: never fail on invalid UTF-8.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::size_t json_nesting(std::string_view text) {
  bool in_string = false, escaped = false;
  std::size_t depth = 0, deepest = 0;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Json named_to_positional(const Json& named, const std::vector<std::string>& arg_names) {
  Json out = Json::array();
  std::set<std::string> used;
  std::size_t hole = 0;
  for (const auto& pattern : arg_names) {
    const Json* found = nullptr;
    for (const auto& name : split_names(pattern)) {
      auto it = named.find(name);
      if (it != named.end()) {
        found = &*it;
        used.insert(name);
        break;
      }
    }
    if (!found) {
      ++hole;
      continue;
    }
    for (; hole > 0; --hole)
      out.push_back(nullptr);
    out.push_back(*found);
  }
  for (auto it = named.begin(); it != named.end(); ++it) {
    if (!used.count(it.key())) {
      throw RpcError(invalid_parameter, "Unknown named parameter " + it.key());
    }
  }
  return out;
}

Json Dispatcher::error_object(int code, const std::string& message) {
  Json e = Json::object();
  e["code"] = code;
  e["message"] = message;
  return e;
}

Json Dispatcher::reply(const Json& result, const Json& error, const Json& id) {
  Json r = Json::object();
  r["result"] = error.is_null() ? result : Json();
  r["error"] = error;
  r["id"] = id;
  return r;
}

Dispatcher::Dispatcher() {
  add(Method{"control",
             "help",
             {"command"},
             "help ( \"command\" )\n"
             "\nList all commands, or get help for a specified command.\n"
             "\nArguments:\n"
             "1. \"command\"     (string, optional) The command to get help on\n"
             "\nResult:\n"
             "\"text\"     (string) The help text\n",
             [this](const Params& p) -> Json {
               return help(p.is_null(0) ? std::string() : p.string(0, "command"));
             },
             0,
             1});
}

void Dispatcher::add(Method method) {
  auto name = method.name;
  methods_.insert_or_assign(std::move(name), std::move(method));
}

std::vector<std::string> Dispatcher::names() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : methods_)
    out.push_back(name);
  return out;
}

std::string Dispatcher::help(const std::string& method) const {
  if (!method.empty()) {
    auto it = methods_.find(method);
    if (it == methods_.end()) return "help: unknown command: " + method;
    auto text = it->second.help;
    while (!text.empty() && text.back() == '\n')
      text.pop_back();
    return text;
  }
  // Sorted by category, then name, as bitcoind lists them.
  std::vector<const Method*> sorted;
  for (const auto& [name, m] : methods_)
    sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](const Method* a, const Method* b) {
    return std::tie(a->category, a->name) < std::tie(b->category, b->name);
  });
  std::string out, category;
  for (const Method* m : sorted) {
    if (m->category != category) {
      if (!category.empty()) out += "\n";
      category = m->category;
      std::string title = category;
      if (!title.empty()) title[0] = static_cast<char>(std::toupper(title[0]));
      out += "== " + title + " ==\n";
    }
    out += m->help.substr(0, m->help.find('\n')) + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

Json Dispatcher::call(const std::string& name, const Json& params) const {
  auto it = methods_.find(name);
  if (it == methods_.end()) throw RpcError(method_not_found, "Method not found");
  const Method& m = it->second;
  Json positional = params.is_object() ? named_to_positional(params, m.arg_names) : params;
  if (positional.size() < m.min_params || positional.size() > m.max_params) {
    throw RpcError(misc_error, m.help);
  }
  try {
    return m.call(Params(std::move(positional)));
  } catch (const RpcError&) {
    throw;
  } catch (const std::exception& e) {
    throw RpcError(misc_error, e.what());
  }
}

Json Dispatcher::execute(const Json& request) const {
  Json id;
  try {
    if (!request.is_object()) throw RpcError(invalid_request, "Invalid Request object");
    if (auto i = request.find("id"); i != request.end()) id = *i;
    auto method = request.find("method");
    if (method == request.end() || method->is_null()) {
      throw RpcError(invalid_request, "Missing method");
    }
    if (!method->is_string()) throw RpcError(invalid_request, "Method must be a string");
    Json params = Json::array();
    if (auto p = request.find("params"); p != request.end()) {
      if (p->is_array() || p->is_object()) {
        params = *p;
      } else if (!p->is_null()) {
        throw RpcError(invalid_request, "Params must be an array or object");
      }
    }
    return reply(call(method->get<std::string>(), params), nullptr, id);
  } catch (const RpcError& e) {
    return reply(nullptr, error_object(e.code, e.what()), id);
  }
}

HttpReply Dispatcher::handle(std::string_view body) const {
  if (json_nesting(body) > kMaxNesting) {
    return {500, dump(reply(nullptr, error_object(parse_error, "Parse error: nested too deep"),
                            nullptr))};
  }
  Json request;
  try {
    request = Json::parse(body);
  } catch (const Json::exception&) {
    return {500, dump(reply(nullptr, error_object(parse_error, "Parse error"), nullptr))};
  }
  if (request.is_object()) {
    Json r = execute(request);
    const unsigned status = r["error"].is_null() ? 200 : status_of(r["error"]["code"].get<int>());
    return {status, dump(r)};
  }
  if (request.is_array()) {
    if (request.size() > kMaxBatch) {
      return {400,
              dump(reply(nullptr,
                         error_object(invalid_request, "Batch of more than " +
                                                           std::to_string(kMaxBatch) + " requests"),
                         nullptr))};
    }
    Json replies = Json::array();
    for (const auto& one : request)
      replies.push_back(execute(one));
    return {200, dump(replies)};
  }
  return {500,
          dump(reply(nullptr, error_object(parse_error, "Top-level object parse error"), nullptr))};
}

}  // namespace bsvpeer::program::rpc
