// Helpers for the compiler's diagnostics (the Diagnostic type itself is public:
// ward/diagnostics.h): suggestions for misspelt names and source lines.

#ifndef WARD_POLICY_LANG_DIAGNOSTICS_H_
#define WARD_POLICY_LANG_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ward/diagnostics.h"

namespace ward {

// The candidate closest to `name` by edit distance, when it is close enough to be a likely
// misspelling (distance at most max(1, len/3)); empty otherwise.
std::string ClosestName(absl::string_view name, const std::vector<std::string>& candidates);

// "; did you mean `x`?" when ClosestName finds x, else "".
std::string DidYouMean(absl::string_view name, const std::vector<std::string>& candidates);

// Returns the text of 1-based line `line` in `text` (without the newline); empty if absent.
absl::string_view SourceLine(absl::string_view text, int line);

}  // namespace ward

#endif  // WARD_POLICY_LANG_DIAGNOSTICS_H_
