// The canonical layout of a `*.ward` source, with every comment kept. `ward fmt` prints it.
//
// The layout (docs/authoring.md shows it): two-space indentation; a schema block holds one
// item per line, attributes written `name: type` and separated by commas; a rule has each
// annotation on its own line, the effect and head on one line, and `when`, `unless` and
// `with` (in that order) each on a line of its own, indented; one blank line separates items.
// Strings are re-escaped canonically, regular expressions are kept as written, and
// conditions carry only the parentheses their tree needs. A line longer than 100 columns is
// broken before `and` / `or` (conditions), after a comma (obligations) or between attributes.
//
// Formatting never changes what a source means: the formatted text parses to the same tree
// (the same DumpAst without spans), and formatting it again changes nothing.

#ifndef WARD_POLICY_LANG_FORMATTER_H_
#define WARD_POLICY_LANG_FORMATTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ward {

// The column limit of the canonical layout.
inline constexpr int kFormatColumnLimit = 100;

// Formats `text`, the source named `name`. A source with a syntax error is not formatted:
// the error is InvalidArgument, its message the rendered diagnostics.
absl::StatusOr<std::string> FormatSource(absl::string_view name, absl::string_view text);

}  // namespace ward

#endif  // WARD_POLICY_LANG_FORMATTER_H_
