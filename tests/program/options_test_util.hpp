#pragma once
// Helpers shared by the tests of the program's options (command line, config file).
#include "options.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::program::test {

namespace fs = std::filesystem;
using boost::asio::ip::tcp;

using Parsed = std::variant<program::Options, std::string>;

inline Parsed parse(std::vector<std::string> args, const fs::path& home = "/nonexistent-home") {
  std::vector<const char*> argv{"bsvpeer"};
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return program::parse_options(static_cast<int>(argv.size()), argv.data(), home);
}

// The options (by value: callers keep them), or a failed test that prints the error.
inline program::Options ok(Parsed parsed) {
  if (const auto* error = std::get_if<std::string>(&parsed)) FAIL("refused: " << *error);
  return std::get<program::Options>(std::move(parsed));
}

// The error message ("" and a failed check when the options were accepted).
inline std::string error_of(const Parsed& parsed) {
  const auto* error = std::get_if<std::string>(&parsed);
  CHECK_MESSAGE(error != nullptr, "accepted, but an error was expected");
  return error ? *error : std::string();
}

// The options when accepted; otherwise nullptr and a failed check with the error, so a
// table-driven test goes on with its next row.
inline const program::Options* accepted(const Parsed& parsed) {
  const auto* error = std::get_if<std::string>(&parsed);
  CHECK_MESSAGE(error == nullptr, (error ? *error : std::string()));
  return std::get_if<program::Options>(&parsed);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fresh directory under the system's temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("bsvpeer-test-options-" + std::to_string(random()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string datadir_arg() const { return "-datadir=" + path_.string(); }
  // Writes `text` to <dir>/<name> and returns its path.
  fs::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
};

inline tcp::endpoint ep(const char* ip, std::uint16_t port) {
  return {boost::asio::ip::make_address(ip), port};
}

}  // namespace bsvpeer::program::test
