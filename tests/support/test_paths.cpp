#include "support/test_paths.hpp"

namespace bsvpeer::test {

std::string data_dir() {
  return BSVPEER_DATA_DIR;
}
std::string binary_dir() {
  return BSVPEER_BINARY_DIR;
}

}  // namespace bsvpeer::test
