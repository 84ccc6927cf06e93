#include "cli/repl/output.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/repl/repl_parse.h"
#include "lib/internal/json_util.h"
#include "ward/decision.h"

namespace ward::cli::repl {

std::string Paint(bool color, absl::string_view text, const char* sgr) {
  if (!color) return std::string(text);
  return absl::StrCat("\x1b[", sgr, "m", text, "\x1b[0m");
}

// `text` made safe for a terminal: control characters are shown (`^[`, `\u009b`) instead of
// being sent, so that an id or a rule name read from a file cannot move the cursor, clear
// the screen or retitle the window. The colours this file paints are let through.
std::string Visible(absl::string_view text) {
  static constexpr absl::string_view kOwnSequences[] = {"\x1b[1;32m", "\x1b[1;31m", "\x1b[1;33m",
                                                        "\x1b[0m"};
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      auto own =
          std::find_if(std::begin(kOwnSequences), std::end(kOwnSequences),
                       [&](absl::string_view s) { return absl::StartsWith(text.substr(i), s); });
      if (own != std::end(kOwnSequences)) {
        out.append(own->data(), own->size());
        i += own->size() - 1;
        continue;
      }
    }
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += '^';
      out += c == 0x7f ? '?' : static_cast<char>(c + 0x40);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
      // U+0080..U+009F, the C1 controls (U+009B starts a control sequence on many terminals).
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string RefText(const IdentityRef& ref) { return FormatRef(SubjectKindName(ref.kind), ref.id); }

// A decision for people: the effect (in colour on a terminal) and reason, then one labelled
// line per part.
std::string FormatDecision(const Decision& decision, bool color) {
  const char* sgr = decision.effect == Effect::kAllow           ? kGreen
                    : decision.effect == Effect::kNeedsApproval ? kYellow
                                                                : kRed;
  std::string out = absl::StrCat(Paint(color, EffectName(decision.effect), sgr), "  ",
                                 ReasonName(decision.reason), "\n");
  auto line = [&out](absl::string_view label, absl::string_view text) {
    absl::StrAppendFormat(&out, "  %-12s %s\n", label, text);
  };
  if (decision.denied_by) line("denied_by", RefText(*decision.denied_by));
  line("rules", decision.rules.empty() ? "(none)" : absl::StrJoin(decision.rules, ", "));
  if (decision.effect == Effect::kAllow) {
    std::vector<std::string> parts;
    for (const Redaction& redaction : decision.obligations.redact) {
      parts.push_back(absl::StrCat("redact /", redaction.pattern, "/ ",
                                   internal::JsonQuote(redaction.replacement)));
    }
    for (const auto& [name, value] : decision.obligations.limits) {
      parts.push_back(absl::StrCat("limit ", name, " ", value));
    }
    parts.push_back(absl::StrCat("log ", LogLevelName(decision.obligations.log)));
    line("obligations", absl::StrJoin(parts, ", "));
  }
  for (size_t i = 0; i < decision.errors.size(); ++i) {
    const EvaluationError& error = decision.errors[i];
    // An error of the request itself (invalid_request, a refused grant) names no rule.
    line(i == 0 ? "errors" : "",
         error.rule.empty()
             ? absl::StrCat(RefText(error.principal), ": ", error.message)
             : absl::StrCat(error.rule, " (", RefText(error.principal), "): ", error.message));
  }
  if (!decision.approval_digest.empty()) line("approval", "digest " + decision.approval_digest);
  if (decision.approved_by) line("approved_by", RefText(*decision.approved_by));
  return out;
}

// A caret under column `column` (1-based, in code points) of `line`, as diagnostics show it.
std::string CaretLines(absl::string_view line, int column) {
  std::string shown(line);
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  return absl::StrCat("  ", shown, "\n  ", std::string(std::max(0, column - 1), ' '), "^\n");
}

// RFC 3339 in UTC, with `Z`.
std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

int LineCount(absl::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string Plural(size_t count, absl::string_view one, absl::string_view many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

}  // namespace ward::cli::repl
