#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/peer/null_logger.hpp>  // the old path still builds

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

TEST_CASE("null_logger: one shared logger with no sinks") {
  auto a = bsvpeer::null_logger();
  auto b = bsvpeer::null_logger();
  REQUIRE(a != nullptr);
  CHECK(a == b);
  CHECK(a->sinks().size() == 1);  // the null sink: nothing is written anywhere
  a->info("dropped {}", 1);       // must not throw or touch spdlog's global registry
  CHECK(spdlog::get(a->name()) == nullptr);
}
