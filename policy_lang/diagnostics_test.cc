#include "policy_lang/diagnostics.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward {
namespace {

Diagnostic Make(int line, int column, std::string message, std::string source_line,
                Diagnostic::Severity severity = Diagnostic::Severity::kError) {
  Diagnostic d;
  d.severity = severity;
  d.source = "policy.ward";
  d.line = line;
  d.column = column;
  d.message = std::move(message);
  d.source_line = std::move(source_line);
  return d;
}

TEST(FormatDiagnosticTest, ErrorWithCaret) {
  EXPECT_EQ(FormatDiagnostic(Make(3, 14, "unknown attribute `clearence`; did you mean `clearance`?",
                                  "permit user when subject.clearence > 1;")),
            "policy.ward:3:14: error: unknown attribute `clearence`; did you mean `clearance`?\n"
            "permit user when subject.clearence > 1;\n"
            "             ^\n");
}

TEST(FormatDiagnosticTest, Warning) {
  EXPECT_EQ(FormatDiagnostic(Make(1, 1, "rule is shadowed", "forbid any to x on y;",
                                  Diagnostic::Severity::kWarning)),
            "policy.ward:1:1: warning: rule is shadowed\n"
            "forbid any to x on y;\n"
            "^\n");
}

TEST(FormatDiagnosticTest, LongLinesAreShownAsAWindowAroundTheColumn) {
  const std::string line = std::string(300, 'a') + "X" + std::string(300, 'b');
  const std::string shown = FormatDiagnostic(Make(1, 301, "here", line));
  EXPECT_EQ(shown, "policy.ward:1:301: error: here\n..." + std::string(60, 'a') + "X" +
                       std::string(60, 'b') + "...\n" + std::string(63, ' ') + "^\n");
  // Near the start there is no leading ellipsis.
  EXPECT_EQ(FormatDiagnostic(Make(1, 2, "here", line)),
            "policy.ward:1:2: error: here\n" + std::string(62, 'a') + "...\n ^\n");
}

TEST(FormatDiagnosticTest, TabsInThePrefixAreCopied) {
  EXPECT_EQ(FormatDiagnostic(Make(2, 4, "m", "\t\tab x")),
            "policy.ward:2:4: error: m\n"
            "\t\tab x\n"
            "\t\t ^\n");
}

TEST(FormatDiagnosticTest, ColumnsAreCodePoints) {
  // "é" and "😀" take one column each, so the caret lands under `x`.
  EXPECT_EQ(FormatDiagnostic(Make(1, 5, "m", "\"\xC3\xA9\xF0\x9F\x98\x80\" x")),
            "policy.ward:1:5: error: m\n"
            "\"\xC3\xA9\xF0\x9F\x98\x80\" x\n"
            "    ^\n");
}

TEST(FormatDiagnosticTest, ColumnPastTheEndOfTheLine) {
  EXPECT_EQ(FormatDiagnostic(Make(1, 6, "expected `;`", "ab c")),
            "policy.ward:1:6: error: expected `;`\n"
            "ab c\n"
            "     ^\n");
}

TEST(FormatDiagnosticTest, NoPosition) {
  EXPECT_EQ(FormatDiagnostic(Make(0, 0, "source is too big", "")),
            "policy.ward: error: source is too big\n");
}

TEST(FormatDiagnosticTest, NoSourceLine) {
  EXPECT_EQ(FormatDiagnostic(Make(7, 1, "m", "")), "policy.ward:7:1: error: m\n");
}

TEST(FormatDiagnosticsTest, Concatenates) {
  EXPECT_EQ(FormatDiagnostics({Make(0, 0, "a", ""), Make(1, 2, "b", "xy")}),
            "policy.ward: error: a\n"
            "policy.ward:1:2: error: b\n"
            "xy\n"
            " ^\n");
  EXPECT_EQ(FormatDiagnostics({}), "");
}

TEST(FormatDiagnosticsTest, PrintsTheFirstOnesAndCountsTheRest) {
  std::vector<Diagnostic> many;
  for (int i = 1; i <= 5; ++i) many.push_back(Make(i, 1, "e", ""));
  many.push_back(Make(6, 1, "w", "", Diagnostic::Severity::kWarning));
  EXPECT_EQ(FormatDiagnostics(many, 2),
            "policy.ward:1:1: error: e\n"
            "policy.ward:2:1: error: e\n"
            "... and 3 more errors and 1 more warning (5 errors, 1 warning in all)\n");
  // Within the limit, nothing is counted.
  EXPECT_EQ(FormatDiagnostics(many, 6), FormatDiagnostics(many));
}

TEST(LineIndexTest, GivesWhatSourceLineGives) {
  for (absl::string_view text : {"", "one", "one\ntwo", "one\ntwo\n", "\n\nthree\r\n"}) {
    const LineIndex index(text);
    for (int line = -1; line <= 5; ++line) {
      EXPECT_EQ(index.Line(line), SourceLine(text, line)) << "line " << line << " of " << text;
    }
  }
}

TEST(HasErrorsTest, OnlyErrorsCount) {
  EXPECT_FALSE(HasErrors({}));
  EXPECT_FALSE(HasErrors({Make(1, 1, "w", "", Diagnostic::Severity::kWarning)}));
  EXPECT_TRUE(
      HasErrors({Make(1, 1, "w", "", Diagnostic::Severity::kWarning), Make(1, 1, "e", "")}));
}

TEST(ClosestNameTest, FindsLikelyMisspellings) {
  const std::vector<std::string> effects = {"permit", "forbid", "require_approval", "schema"};
  EXPECT_EQ(ClosestName("permt", effects), "permit");
  EXPECT_EQ(ClosestName("premit", effects), "permit");  // a transposition is two edits
  EXPECT_EQ(ClosestName("forbidd", effects), "forbid");
  EXPECT_EQ(ClosestName("require_aproval", effects), "require_approval");
  EXPECT_EQ(ClosestName("shema", effects), "schema");
  EXPECT_EQ(ClosestName("PERMIT", effects), "permit");  // case-insensitive
  EXPECT_EQ(ClosestName("strng", {"string", "int", "bool", "timestamp", "set"}), "string");
  EXPECT_EQ(ClosestName("subjct", {"subject", "resource", "context", "delegator"}), "subject");
}

TEST(ClosestNameTest, RejectsDistantNames) {
  const std::vector<std::string> effects = {"permit", "forbid", "require_approval"};
  EXPECT_EQ(ClosestName("allow", effects), "");
  EXPECT_EQ(ClosestName("deny", effects), "");
  EXPECT_EQ(ClosestName("x", {}), "");
  // Threshold max(1, len/3): "abcdef" allows 2 edits, "abc" only 1.
  EXPECT_EQ(ClosestName("abcdef", {"abcdxy"}), "abcdxy");
  EXPECT_EQ(ClosestName("abcdef", {"abcxyz"}), "");
  EXPECT_EQ(ClosestName("abc", {"abx"}), "abx");
  EXPECT_EQ(ClosestName("abc", {"axy"}), "");
  EXPECT_EQ(ClosestName("ab", {"xy"}), "");
}

TEST(ClosestNameTest, TiesGoToTheFirstCandidate) {
  EXPECT_EQ(ClosestName("cat", {"bat", "hat"}), "bat");
  EXPECT_EQ(ClosestName("cat", {"hat", "bat"}), "hat");
  // A closer later candidate wins.
  EXPECT_EQ(ClosestName("cart", {"card", "cart"}), "cart");
}

TEST(DidYouMeanTest, Formats) {
  EXPECT_EQ(DidYouMean("permt", {"permit", "forbid"}), "; did you mean `permit`?");
  EXPECT_EQ(DidYouMean("zzz", {"permit", "forbid"}), "");
}

TEST(SourceLineTest, ReturnsTheLine) {
  const std::string text = "first\nsecond\r\n\nlast";
  EXPECT_EQ(SourceLine(text, 1), "first");
  EXPECT_EQ(SourceLine(text, 2), "second");  // without the `\r`
  EXPECT_EQ(SourceLine(text, 3), "");
  EXPECT_EQ(SourceLine(text, 4), "last");
  EXPECT_EQ(SourceLine(text, 5), "");
  EXPECT_EQ(SourceLine(text, 0), "");
  EXPECT_EQ(SourceLine(text, -1), "");
  EXPECT_EQ(SourceLine("a\n", 2), "");
  EXPECT_EQ(SourceLine("", 1), "");
}

}  // namespace
}  // namespace ward
