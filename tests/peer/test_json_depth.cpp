#include <bsvpeer/peer/json_depth.hpp>

#include <doctest/doctest.h>

#include <string_view>

using bsvpeer::peer::json_nesting;

TEST_CASE("json_nesting counts the deepest array/object level, skipping strings") {
  struct Case {
    std::string_view text;
    std::size_t depth;
  };
  const Case cases[] = {
      {"", 0},
      {"42", 0},
      {R"("[{")", 0},
      {"[]", 1},
      {"{}", 1},
      {R"({"a":[1,{"b":[]}]})", 4},
      {"[[]][[[]]]", 3},
      {R"({"a":"[[[[[[[["})", 1},
      {R"(["\"[[[", []])", 2},
      {R"(["\\", [[]]])", 3},
      {"]]]}[", 1},
      {"[[[", 3},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(json_nesting(c.text) == c.depth);
  }
}
