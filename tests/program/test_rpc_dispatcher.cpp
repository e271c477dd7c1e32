// JSON-RPC framing and dispatch as bitcoind answers: ids, params forms, batches, error codes,
// HTTP statuses, help.
#include <doctest/doctest.h>

#include <dispatcher.hpp>

using namespace bsvpeer::program::rpc;

namespace {

// A dispatcher with "echo" (returns its params), "add" (a, b: integers) and "fail".
std::shared_ptr<Dispatcher> make() {
  auto d = std::make_shared<Dispatcher>();
  d->add(Method{"test",
                "echo",
                {"first", "second|alias"},
                "echo ( first second )\n\nEchoes.\n",
                [](const Params& p) -> Json {
                  Json out = Json::array();
                  for (std::size_t i = 0; i < p.size(); ++i)
                    out.push_back(p.at(i));
                  return out;
                },
                0,
                2});
  d->add(Method{"test",
                "add",
                {"a", "b"},
                "add a b\n",
                [](const Params& p) -> Json { return p.integer(0, "a") + p.integer(1, "b"); },
                2,
                2});
  d->add(Method{"other", "fail", {}, "fail\n", [](const Params&) -> Json {
                  throw RpcError(client_node_not_added, "nope");
                }});
  return d;
}

Json body_of(const HttpReply& r) {
  return Json::parse(r.body);
}

}  // namespace

TEST_CASE("rpc: a request's id is echoed whatever its type; 1.0 and 2.0 alike") {
  auto d = make();
  for (const char* id : {"1", "\"abc\"", "null", "{\"x\":[1]}", "-5", "1.5"}) {
    CAPTURE(id);
    for (const char* version : {"", "\"jsonrpc\":\"1.0\",", "\"jsonrpc\":\"2.0\","}) {
      auto r = d->handle(std::string("{") + version + "\"id\":" + id +
                         ",\"method\":\"echo\",\"params\":[7]}");
      CHECK(r.status == 200);
      auto j = body_of(r);
      CHECK(j["id"] == Json::parse(id));
      CHECK(j["result"] == Json::parse("[7]"));
      CHECK(j["error"].is_null());
    }
  }
  // No id at all: null, as bitcoind.
  auto j = body_of(d->handle(R"({"method":"echo"})"));
  CHECK(j["id"].is_null());
  CHECK(j["result"] == Json::array());
}

TEST_CASE("rpc: named parameters map to positions; holes are null; unknown names are -8") {
  auto d = make();
  CHECK(body_of(d->handle(R"({"id":1,"method":"echo","params":{"second":2}})"))["result"] ==
        Json::parse("[null,2]"));
  CHECK(
      body_of(d->handle(R"({"id":1,"method":"echo","params":{"alias":3,"first":1}})"))["result"] ==
      Json::parse("[1,3]"));
  CHECK(body_of(d->handle(R"({"id":1,"method":"echo","params":{"first":1}})"))["result"] ==
        Json::parse("[1]"));
  auto r = d->handle(R"({"id":1,"method":"echo","params":{"third":1}})");
  CHECK(r.status == 500);
  CHECK(body_of(r)["error"]["code"] == -8);
  CHECK(body_of(r)["error"]["message"] == "Unknown named parameter third");
  CHECK(body_of(d->handle(R"({"id":1,"method":"add","params":{"b":2,"a":40}})"))["result"] == 42);
}

TEST_CASE("rpc: errors carry bitcoind's codes and HTTP statuses") {
  auto d = make();
  struct Row {
    const char* body;
    int code;
    unsigned status;
  };
  const Row rows[] = {
      {"{not json", -32700, 500},
      {"", -32700, 500},
      {"42", -32700, 500},
      {"\"text\"", -32700, 500},
      {R"({"id":1})", -32600, 400},
      {R"({"id":1,"method":5})", -32600, 400},
      {R"({"id":1,"method":"echo","params":"x"})", -32600, 400},
      {R"({"id":1,"method":"nope"})", -32601, 404},
      {R"({"id":1,"method":"add","params":[1]})", -1, 500},
      {R"({"id":1,"method":"add","params":[1,2,3]})", -1, 500},
      {R"({"id":1,"method":"add","params":["1",2]})", -1, 500},
      {R"({"id":1,"method":"add","params":[1.5,2]})", -1, 500},
      {R"({"id":1,"method":"add","params":[18446744073709551615,2]})", -1, 500},
      {R"({"id":1,"method":"fail"})", -24, 500},
  };
  for (const auto& row : rows) {
    CAPTURE(row.body);
    auto r = d->handle(row.body);
    CHECK(r.status == row.status);
    auto j = body_of(r);
    CHECK(j["error"]["code"] == row.code);
    CHECK(j["error"]["message"].is_string());
    CHECK(j["result"].is_null());
  }
  // A wrong parameter count answers with the method's usage, as bitcoind.
  auto j = body_of(d->handle(R"({"id":1,"method":"add","params":[]})"));
  CHECK(j["error"]["message"] == "add a b\n");
}

TEST_CASE("rpc: a batch is answered 200 with one reply per request, errors included") {
  auto d = make();
  auto r = d->handle(R"([{"id":1,"method":"add","params":[1,2]},{"id":2,"method":"nope"},7,
                        {"id":"x","method":"fail"}])");
  CHECK(r.status == 200);
  auto j = body_of(r);
  REQUIRE(j.size() == 4);
  CHECK(j[0]["result"] == 3);
  CHECK(j[1]["error"]["code"] == -32601);
  CHECK(j[1]["id"] == 2);
  CHECK(j[2]["error"]["code"] == -32600);
  CHECK(j[3]["error"]["code"] == -24);
  CHECK(j[3]["id"] == "x");
  CHECK(body_of(d->handle("[]")) == Json::array());
  std::string big = "[";
  for (std::size_t i = 0; i <= Dispatcher::kMaxBatch; ++i)
    big += std::string(i ? "," : "") + R"({"method":"echo"})";
  CHECK(d->handle(big + "]").status == 400);
}

TEST_CASE("rpc: deeply nested JSON is refused before parsing") {
  auto d = make();
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = d->handle(deep);
  CHECK(r.status == 500);
  CHECK(body_of(r)["error"]["code"] == -32700);
  // Brackets inside strings do not count.
  CHECK(json_nesting(R"({"a":"[[[[[[[["})") == 1);
}

TEST_CASE("rpc: help lists every method by category, or one method's text") {
  auto d = make();
  const auto all = body_of(d->handle(R"({"id":1,"method":"help"})"))["result"].get<std::string>();
  CHECK(all ==
        "== Control ==\nhelp ( \"command\" )\n\n== Other ==\nfail\n\n== Test ==\nadd a b\necho "
        "( first second )");
  CHECK(body_of(d->handle(R"({"id":1,"method":"help","params":["echo"]})"))["result"] ==
        "echo ( first second )\n\nEchoes.");
  CHECK(body_of(d->handle(R"({"id":1,"method":"help","params":["zzz"]})"))["result"] ==
        "help: unknown command: zzz");
}

TEST_CASE("rpc: invalid UTF-8 in a result never breaks the reply") {
  auto d = std::make_shared<Dispatcher>();
  d->add(Method{"test", "bytes", {}, "bytes\n", [](const Params&) -> Json {
                  return std::string("ua\xff\xfe");
                }});
  auto r = d->handle(R"({"id":1,"method":"bytes"})");
  CHECK(r.status == 200);
  CHECK(body_of(r)["result"].is_string());
}
