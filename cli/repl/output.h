// What the REPL prints: colours, text made safe for a terminal, decisions for people.

#ifndef WARD_CLI_REPL_OUTPUT_H_
#define WARD_CLI_REPL_OUTPUT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/decision.h"

namespace ward::cli::repl {

// ANSI colours (SGR parameters).
inline constexpr char kGreen[] = "1;32";
inline constexpr char kRed[] = "1;31";
inline constexpr char kYellow[] = "1;33";

// `text` in colour `sgr` when `color`, else as it is.
std::string Paint(bool color, absl::string_view text, const char* sgr);

// `text` made safe for a terminal: control characters are shown (`^[`, `\u009b`) instead of
// being sent, so that an id or a rule name read from a file cannot move the cursor, clear
// the screen or retitle the window. The colours Paint paints are let through.
std::string Visible(absl::string_view text);

// "kind:id" of an identity.
std::string RefText(const IdentityRef& ref);

// A decision for people: the effect (in colour on a terminal) and reason, then one labelled
// line per part.
std::string FormatDecision(const Decision& decision, bool color);

// A caret under column `column` (1-based, in code points) of `line`, as diagnostics show it.
std::string CaretLines(absl::string_view line, int column);

// RFC 3339 in UTC, with `Z`.
std::string TimeText(absl::Time time);

int LineCount(absl::string_view text);

// "1 rule", "2 rules".
std::string Plural(size_t count, absl::string_view one, absl::string_view many);

}  // namespace ward::cli::repl

#endif  // WARD_CLI_REPL_OUTPUT_H_
