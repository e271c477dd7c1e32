// The program's log file: shrinking at startup, reopening after logrotate, level on reload.
#include "options_test_util.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <logging.hpp>
#include <sstream>

using namespace bsvpeer::program;
using bsvpeer::program::test::TempDir;
namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
void write_lines(const fs::path& p, int n) {
  std::ofstream out(p);
  for (int i = 0; i < n; ++i)
    out << "line " << i << " ................................\n";
}
}  // namespace

TEST_CASE("shrink_log_file keeps the last bytes from a whole line, only when 10 % over") {
  TempDir dir;
  const auto p = dir.path() / "debug.log";
  write_lines(p, 1000);  // 1000 lines of 42 bytes or so
  const auto size = fs::file_size(p);
  CHECK_FALSE(shrink_log_file(p, size).has_value());
  CHECK(fs::file_size(p) == size);  // not over the keep size: untouched
  CHECK_FALSE(shrink_log_file(p, size * 95 / 100).has_value());
  CHECK(fs::file_size(p) == size);  // within 10 %: untouched
  CHECK_FALSE(shrink_log_file(p, 1000).has_value());
  const auto text = read(p);
  CHECK(text.size() <= 1000);
  CHECK(text.size() > 900);
  CHECK(text.rfind("line ", 0) == 0);  // starts at a whole line
  CHECK(text.ends_with("line 999 ................................\n"));
  CHECK_FALSE(shrink_log_file(dir.path() / "missing.log", 10).has_value());
}

TEST_CASE("the file gets the lines; after a move, reload writes a new file; level applies") {
  TempDir dir;
  const auto p = dir.path() / "debug.log";
  LogSettings s;
  s.file = p;
  s.console = false;
  ProgramLog log(s);
  REQUIRE_FALSE(log.open_file().has_value());
  log.log()->info("first");
  log.connection_log()->debug("hidden at info");
  fs::rename(p, dir.path() / "debug.log.1");
  log.log()->info("second, still to the moved file");
  s.level = "debug";
  REQUIRE_FALSE(log.reload(s).has_value());
  log.log()->info("third");
  log.connection_log()->debug("shown at debug");
  const auto old_text = read(dir.path() / "debug.log.1");
  const auto new_text = read(p);
  CHECK(old_text.find("first") != std::string::npos);
  CHECK(old_text.find("second") != std::string::npos);
  CHECK(old_text.find("hidden") == std::string::npos);
  CHECK(new_text.find("third") != std::string::npos);
  CHECK(new_text.find("debug shown at debug") != std::string::npos);
  CHECK(new_text.find("first") == std::string::npos);
}

TEST_CASE("a log file that cannot be opened is an error, not a crash") {
  TempDir dir;
  LogSettings s;
  fs::create_directories(dir.path() / "blocker");
  s.file = dir.path() / "blocker";  // a directory
  s.console = false;
  ProgramLog log(s);
  const auto e = log.open_file();
  REQUIRE(e.has_value());
  CHECK(e->find("cannot open the log file") != std::string::npos);
}
