#include <bsvpeer/conn/user_agent_filter.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>

using namespace bsvpeer::conn;

TEST_CASE("user agent filter: SV's default ban list") {
  CHECK(default_banned_user_agents() == std::vector<std::string>{"abc", "cash", "bch"});
}

TEST_CASE("user agent filter: default patterns, case-insensitive substrings") {
  struct Row {
    const char* user_agent;
    std::optional<std::string> banned_by;
  };
  const Row rows[] = {
      {"/Bitcoin SV:1.2.2/", std::nullopt},
      {"/bsvpeer:0.1.0/", std::nullopt},
      {"", std::nullopt},
      {"/Bitcoin ABC:0.22.1/", "abc"},
      {"/Bitcoin Cash Node:24.0.0/", "cash"},
      {"/BCH Unlimited:1.9/", "bch"},
      {"/cashew:1.0/", "cash"},  // bsv-protocol.md 8.1: an innocent-looking name is banned too
      {"/CaShY:2/", "cash"},
      {"/a\x01"
       "bc:1/",
       "abc"},  // control bytes are sanitised away before matching
      {"/a\xc3\xa9"
       "bc/",
       "abc"},  // so are non-ASCII bytes
  };
  const UserAgentFilter filter;
  for (const auto& row : rows) {
    CAPTURE(row.user_agent);
    CHECK(filter.banned_pattern(row.user_agent) == row.banned_by);
    CHECK(filter.is_banned(row.user_agent) == row.banned_by.has_value());
  }
}

TEST_CASE("user agent filter: an allowed substring overrides the ban list") {
  const UserAgentFilter filter(default_banned_user_agents(), {"Bitcoin SV Cash-Register"});
  CHECK_FALSE(filter.is_banned("/bitcoin sv cash-register:1.0/"));
  CHECK(filter.is_banned("/Bitcoin Cash Node:24.0.0/"));
}

TEST_CASE("user agent filter: a configured ban list replaces the defaults") {
  const UserAgentFilter filter({"Satoshi"}, {});
  CHECK(filter.banned_pattern("/Satoshi:0.21.0/") == std::optional<std::string>("satoshi"));
  CHECK_FALSE(filter.is_banned("/Bitcoin ABC:0.22.1/"));
}

TEST_CASE("user agent filter: an empty ban list bans nothing") {
  const UserAgentFilter filter({}, {});
  CHECK_FALSE(filter.is_banned("/Bitcoin ABC:0.22.1/"));
}

TEST_CASE("user agent filter: sanitising keeps SV's safe characters only") {
  CHECK(sanitize_user_agent("/Bitcoin SV:1.2.2(x; y)/") == "/Bitcoin SV:1.2.2(x; y)/");
  CHECK(sanitize_user_agent("a-b_c.d,e?f@g") == "a-b_c.d,e?f@g");
  CHECK(sanitize_user_agent("a\tb\nc\x7f"
                            "d<e>f\"g'h") == "abcdefgh");
}
