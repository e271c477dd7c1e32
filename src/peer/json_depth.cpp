#include <bsvpeer/peer/json_depth.hpp>

#include <algorithm>

namespace bsvpeer::peer {

std::size_t json_nesting(std::string_view text) {
  bool in_string = false;
  bool escaped = false;
  std::size_t depth = 0;
  std::size_t deepest = 0;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace bsvpeer::peer
