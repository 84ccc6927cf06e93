#include "policy_lang/diagnostics.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ward {
namespace {

// Levenshtein distance between `a` and `b`, ignoring ASCII case.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];  // row[i-1][j-1]
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];  // row[i-1][j]
      const bool same = absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
                        absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  const absl::string_view severity =
      diagnostic.severity == Diagnostic::Severity::kError ? "error" : "warning";
  if (diagnostic.line <= 0) {
    return absl::StrCat(diagnostic.source, ": ", severity, ": ", diagnostic.message, "\n");
  }
  std::string out = absl::StrCat(diagnostic.source, ":", diagnostic.line, ":", diagnostic.column,
                                 ": ", severity, ": ", diagnostic.message, "\n");
  if (diagnostic.source_line.empty()) return out;

  // A long line is shown as a window around the column, so that one minified line does not
  // flood the terminal.
  constexpr int kMaxShown = 160;
  constexpr int kContext = 60;
  std::vector<size_t> starts;  // byte offset of each code point
  const absl::string_view line = diagnostic.source_line;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const int length = static_cast<int>(starts.size());
  int first = 1;  // the first code point shown, 1-based
  int last = length;
  if (length > kMaxShown) {
    first = std::max(1, diagnostic.column - kContext);
    last = std::min(length, diagnostic.column + kContext);
  }
  auto byte_at = [&](int code_point) {  // byte offset of 1-based code point, or the end
    return code_point > length ? line.size() : starts[code_point - 1];
  };
  const absl::string_view lead = first > 1 ? "..." : "";
  absl::StrAppend(&out, lead, line.substr(byte_at(first), byte_at(last + 1) - byte_at(first)),
                  last < length ? "..." : "", "\n");
  // The caret goes under code point `column`; tabs in the prefix are copied so that it lines
  // up whatever the tab width.
  out.append(lead.size(), ' ');
  int column = first;
  for (; column < diagnostic.column && column <= length; ++column) {
    out.push_back(line[byte_at(column)] == '\t' ? '\t' : ' ');
  }
  for (; column < diagnostic.column; ++column) out.push_back(' ');
  out += "^\n";
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) out += FormatDiagnostic(diagnostic);
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

std::string ClosestName(absl::string_view name, const std::vector<std::string>& candidates) {
  const size_t threshold = std::max<size_t>(1, name.size() / 3);
  const std::string* best = nullptr;
  size_t best_distance = threshold + 1;
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length: skip hopeless candidates cheaply.
    const size_t length_gap = name.size() > candidate.size() ? name.size() - candidate.size()
                                                             : candidate.size() - name.size();
    if (length_gap >= best_distance) continue;
    const size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best == nullptr ? std::string() : *best;
}

std::string DidYouMean(absl::string_view name, const std::vector<std::string>& candidates) {
  const std::string closest = ClosestName(name, candidates);
  if (closest.empty()) return "";
  return absl::StrCat("; did you mean `", closest, "`?");
}

namespace {

// Removes the `\r` of a CRLF line ending.
absl::string_view WithoutCarriageReturn(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// 79900 as "79,900".
std::string WithSeparators(size_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Counted(size_t n, absl::string_view word) {
  return absl::StrCat(WithSeparators(n), " ", word, n == 1 ? "" : "s");
}

}  // namespace

LineIndex::LineIndex(absl::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t at = text.find('\n'); at != absl::string_view::npos; at = text.find('\n', at + 1)) {
    starts_.push_back(at + 1);
  }
}

absl::string_view LineIndex::Line(int line) const {
  if (line < 1 || static_cast<size_t>(line) > starts_.size()) return {};
  const size_t start = starts_[line - 1];
  const size_t end = static_cast<size_t>(line) < starts_.size() ? starts_[line] - 1 : text_.size();
  return WithoutCarriageReturn(text_.substr(start, end - start));
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics, size_t limit) {
  std::string out;
  size_t errors = 0;
  size_t warnings = 0;
  size_t omitted_errors = 0;
  size_t omitted_warnings = 0;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    const bool error = diagnostics[i].severity == Diagnostic::Severity::kError;
    (error ? errors : warnings)++;
    if (i < limit) {
      out += FormatDiagnostic(diagnostics[i]);
    } else {
      (error ? omitted_errors : omitted_warnings)++;
    }
  }
  if (omitted_errors + omitted_warnings == 0) return out;
  std::string omitted;
  if (omitted_errors > 0 && omitted_warnings > 0) {
    omitted = absl::StrCat(WithSeparators(omitted_errors), " more ",
                           omitted_errors == 1 ? "error" : "errors", " and ",
                           Counted(omitted_warnings, "more warning"));
  } else if (omitted_errors > 0) {
    omitted = absl::StrCat(WithSeparators(omitted_errors), " more ",
                           omitted_errors == 1 ? "error" : "errors");
  } else {
    omitted = absl::StrCat(WithSeparators(omitted_warnings), " more ",
                           omitted_warnings == 1 ? "warning" : "warnings");
  }
  absl::StrAppend(&out, "... and ", omitted, " (", Counted(errors, "error"), ", ",
                  Counted(warnings, "warning"), " in all)\n");
  return out;
}

absl::string_view SourceLine(absl::string_view text, int line) {
  if (line < 1) return {};
  size_t start = 0;
  for (int l = 1; l < line; ++l) {
    const size_t newline = text.find('\n', start);
    if (newline == absl::string_view::npos) return {};
    start = newline + 1;
  }
  size_t end = text.find('\n', start);
  if (end == absl::string_view::npos) end = text.size();
  absl::string_view result = text.substr(start, end - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

}  // namespace ward
