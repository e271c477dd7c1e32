#pragma once
// How deep a JSON text nests arrays and objects, counted without parsing it (brackets inside
// strings skipped, escapes honoured). Callers refuse a too-deep document before handing it to a
// recursive parser, so hostile input cannot cost memory or stack per level.
#include <cstddef>
#include <string_view>

namespace bsvpeer::peer {

// The deepest nesting of `[`/`{` in `text`; 0 for a scalar or empty text. Unbalanced closers
// are ignored (the parser reports those).
std::size_t json_nesting(std::string_view text);

}  // namespace bsvpeer::peer
