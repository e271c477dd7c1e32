#include "params.hpp"

#include <cstdint>

namespace bsvpeer::program::rpc {

namespace {
const nlohmann::ordered_json kNull;

[[noreturn]] void wrong_type(const char* expected, const char* name) {
  throw RpcError(misc_error, std::string("JSON value is not ") + expected +
                                 " as expected (parameter '" + name + "')");
}
}  // namespace

const nlohmann::ordered_json& Params::at(std::size_t i) const {
  return i < values_.size() ? values_[i] : kNull;
}

std::string Params::string(std::size_t i, const char* name) const {
  const auto& v = at(i);
  if (!v.is_string()) wrong_type("a string", name);
  return v.get<std::string>();
}

std::int64_t Params::integer(std::size_t i, const char* name) const {
  const auto& v = at(i);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw RpcError(misc_error, std::string("JSON integer out of range (parameter '") + name + "')");
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    // univalue's get_int64 refuses fractions.
    throw RpcError(
        misc_error,
        std::string("JSON value is not an integer as expected (parameter '") + name + "')");
  }
  wrong_type("an integer", name);
}

bool Params::boolean(std::size_t i, const char* name) const {
  const auto& v = at(i);
  if (!v.is_boolean()) wrong_type("a boolean", name);
  return v.get<bool>();
}

}  // namespace bsvpeer::program::rpc
