#pragma once
// Where the tests find the source tree's data/ and the build directory. Compiled into one small
// object (test_paths.cpp) rather than defined for every test file: an absolute path in a
// file's flags makes the compiler cache miss it in every fresh checkout.
#include <string>

namespace bsvpeer::test {

std::string data_dir();    // <source>/data
std::string binary_dir();  // the build directory

}  // namespace bsvpeer::test
