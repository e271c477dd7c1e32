#pragma once
// A method's positional parameters, with bitcoind's answers to missing or mistyped ones.
#include "rpc_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace bsvpeer::program::rpc {

class Params {
 public:
  explicit Params(nlohmann::ordered_json array) : values_(std::move(array)) {}

  std::size_t size() const noexcept { return values_.size(); }
  // Absent or JSON null.
  bool is_null(std::size_t i) const { return i >= values_.size() || values_[i].is_null(); }
  const nlohmann::ordered_json& at(std::size_t i) const;

  // The parameter as a type; a wrong type is bitcoind's -1 "JSON value is not a ... as
  // expected" (univalue's get_str & co.), naming the parameter.
  std::string string(std::size_t i, const char* name) const;
  std::int64_t integer(std::size_t i, const char* name) const;
  bool boolean(std::size_t i, const char* name) const;

 private:
  nlohmann::ordered_json values_;
};

}  // namespace bsvpeer::program::rpc
