// Compile diagnostics: errors and warnings with a source position, rendered as
// `file:line:col: error: message`, the source line, and a caret under the column.

#ifndef WARD_POLICY_LANG_DIAGNOSTICS_H_
#define WARD_POLICY_LANG_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ward {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string source;  // the source name the caller gave
  int line = 0;        // 1-based; 0 when the diagnostic concerns no position
  int column = 0;      // 1-based, in characters (UTF-8 code points)
  std::string message;      // lower case, no final period, user input in backticks
  std::string source_line;  // the text of `line`, without its newline; may be empty
};

// "file:3:14: error: unknown attribute `clearence`; did you mean `clearance`?" followed by the
// source line and a caret line, each line ending in '\n'.
std::string FormatDiagnostic(const Diagnostic& diagnostic);
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// The candidate closest to `name` by edit distance, when it is close enough to be a likely
// misspelling (distance at most max(1, len/3)); empty otherwise.
std::string ClosestName(absl::string_view name, const std::vector<std::string>& candidates);

// "; did you mean `x`?" when ClosestName finds x, else "".
std::string DidYouMean(absl::string_view name, const std::vector<std::string>& candidates);

// Returns the text of 1-based line `line` in `text` (without the newline); empty if absent.
absl::string_view SourceLine(absl::string_view text, int line);

}  // namespace ward

#endif  // WARD_POLICY_LANG_DIAGNOSTICS_H_
