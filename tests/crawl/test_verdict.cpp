// Verdicts: user agent, protoconf and start height against the best BSV height.
#include "verdict.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer::crawl;

namespace {
Observation seen(std::string ua, bool protoconf, std::int32_t height = 800000) {
  Observation o;
  o.contacted = true;
  o.handshaked = true;
  o.user_agent = std::move(ua);
  o.protoconf = protoconf;
  o.start_height = height;
  return o;
}
}  // namespace

TEST_CASE("verdict: table") {
  struct Row {
    const char* name;
    Observation o;
    std::optional<std::int32_t> best;
    Chain chain;
    const char* code;
  };
  Observation unreachable;
  unreachable.contacted = true;
  unreachable.failure = "connect_failed";
  const Row rows[] = {
      {"SV Node with protoconf", seen("/Bitcoin SV:1.1.0/", true), 800000, Chain::bsv, "bsv"},
      {"SV Node without protoconf", seen("/Bitcoin SV:0.2.0/", false), 800000, Chain::bsv, "bsv"},
      {"protoconf alone", seen("/custom:1.0/", true), 800000, Chain::bsv, "bsv"},
      {"Teranode", seen("/teranode:0.5/", false), std::nullopt, Chain::bsv, "bsv"},
      {"ABC", seen("/Bitcoin ABC:0.22.0/", false), 800000, Chain::bch, "bch_user_agent"},
      {"BCHN", seen("/Bitcoin Cash Node:27.0/", false), 800000, Chain::bch, "bch_user_agent"},
      {"BCH claiming protoconf", seen("/Bitcoin ABC:0.22/", true), 800000, Chain::bch,
       "bch_user_agent"},
      {"Core", seen("/Satoshi:25.0.0/", false), 800000, Chain::btc, "btc_user_agent"},
      {"unknown client", seen("/Gocoin:1.10/", false), 800000, Chain::unknown, "no_bsv_evidence"},
      {"empty agent", seen("", false), 800000, Chain::unknown, "no_bsv_evidence"},
      {"SV agent, far above the best", seen("/Bitcoin SV:1.1.0/", true, 870000), 800000,
       Chain::unknown, "height_above_bsv"},
      {"SV agent, a day above is still fine", seen("/Bitcoin SV:1.1.0/", true, 800144), 800000,
       Chain::bsv, "bsv"},
      {"far behind is BSV with a reason", seen("/Bitcoin SV:1.1.0/", true, 700000), 800000,
       Chain::bsv, "bsv"},
      {"unreachable", unreachable, 800000, Chain::unreachable, "connect_failed"},
      {"not contacted", Observation{}, 800000, Chain::pending, "not_contacted"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const Verdict v = classify(row.o, row.best);
    CHECK(v.chain == row.chain);
    CHECK(v.code == row.code);
    CHECK_FALSE(v.reasons.empty());
  }
}

TEST_CASE("verdict: reasons name the evidence") {
  auto v = classify(seen("/Bitcoin SV:1.1.0/", true, 700000), 800000);
  REQUIRE(v.reasons.size() == 3);
  CHECK(v.reasons[0].find("BSV node software") != std::string::npos);
  CHECK(v.reasons[1].find("protoconf") != std::string::npos);
  CHECK(v.reasons[2].find("100000 behind") != std::string::npos);
  auto bch = classify(seen("/Bitcoin ABC:0.22/", false), std::nullopt);
  CHECK(bch.reasons[0].find("'abc'") != std::string::npos);
}

TEST_CASE("verdict: the best height resists one liar") {
  CHECK_FALSE(best_bsv_height({}));
  CHECK(best_bsv_height({5}) == 5);
  CHECK(best_bsv_height({800000, 800002, 999999}) == 800002);
  CHECK(best_bsv_height({800000, 800000}) == 800000);
}

TEST_CASE("verdict: early verdicts from the user agent, and candidates") {
  CHECK(verdict_from_user_agent("/Bitcoin ABC:0.22/")->chain == Chain::bch);
  CHECK(verdict_from_user_agent("/Satoshi:0.16.3/")->chain == Chain::btc);
  CHECK_FALSE(verdict_from_user_agent("/Bitcoin SV:1.1.0/"));
  CHECK_FALSE(verdict_from_user_agent("/Gocoin:1.10/"));
  CHECK(bsv_candidate(seen("/Bitcoin SV:1.1.0/", false)));
  CHECK(bsv_candidate(seen("/x/", true)));
  CHECK_FALSE(bsv_candidate(seen("/x/", false)));
  CHECK_FALSE(bsv_candidate(seen("/Bitcoin Cash:1/", true)));
  for (auto c :
       {Chain::pending, Chain::bsv, Chain::bch, Chain::btc, Chain::unknown, Chain::unreachable}) {
    CHECK(parse_chain(to_string(c)) == c);
  }
  CHECK_FALSE(parse_chain("eth"));
}
