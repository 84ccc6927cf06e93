// Where values sit in a JSON text, for messages that point into a file.
//
// JSON is parsed without positions: the common case has nothing to report. When a document
// holds errors, one scan of its text finds the lines and columns of the values the errors
// are about, named by JSON Pointer (RFC 6901).

#ifndef WARD_LIB_INTERNAL_JSON_POSITIONS_H_
#define WARD_LIB_INTERNAL_JSON_POSITIONS_H_

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace ward::internal {

// 1-based line and column; columns count UTF-8 code points.
struct JsonPosition {
  int line = 0;
  int column = 0;
};

// `pointer` extended by an object member or an array element: ("/a", "b/c") -> "/a/b~1c".
std::string JsonPointerChild(absl::string_view pointer, absl::string_view key);
std::string JsonPointerChild(absl::string_view pointer, size_t index);

// The position of the first character of the value each of `pointers` names in `text`.
// `text` must be JSON that ParseJson accepted (it is scanned, not validated, and recursion
// follows its nesting, which ParseJson bounds). Pointers naming nothing are left out; the
// scan stops once every pointer is found.
absl::flat_hash_map<std::string, JsonPosition> FindJsonPositions(
    absl::string_view text, const absl::flat_hash_set<std::string>& pointers);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_JSON_POSITIONS_H_
