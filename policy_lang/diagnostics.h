// Helpers for the compiler's diagnostics (the Diagnostic type itself is public:
// ward/diagnostics.h): suggestions for misspelt names and source lines.

#ifndef WARD_POLICY_LANG_DIAGNOSTICS_H_
#define WARD_POLICY_LANG_DIAGNOSTICS_H_

#include <cstddef>
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
// Scans `text` from its start: for many lookups in one text, use a LineIndex.
absl::string_view SourceLine(absl::string_view text, int line);

// The start of every line of a text, found once, so that each SourceLine lookup costs no
// more than the length of the line. `text` must outlive the index.
class LineIndex {
 public:
  LineIndex() = default;
  explicit LineIndex(absl::string_view text);

  // What SourceLine(text, line) returns.
  absl::string_view Line(int line) const;

 private:
  absl::string_view text_;
  std::vector<size_t> starts_;  // the byte offset of each line's first character
};

// The most diagnostics the command line prints from one compile or lint; the rest are
// counted (FormatDiagnostics with a limit).
inline constexpr size_t kMaxPrintedDiagnostics = 100;

// FormatDiagnostics for the first `limit` of `diagnostics`; when some are left out, followed
// by one line that counts them and gives the totals, e.g.
// "... and 79,900 more errors (80,000 errors, 0 warnings in all)".
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics, size_t limit);

}  // namespace ward

#endif  // WARD_POLICY_LANG_DIAGNOSTICS_H_
