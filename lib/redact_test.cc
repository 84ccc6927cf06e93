#include "lib/redact.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace ward {
namespace {

Obligations With(std::initializer_list<std::pair<const char*, const char*>> redactions) {
  Obligations obligations;
  for (const auto& [pattern, replacement] : redactions) {
    obligations.redact.push_back({pattern, replacement, nullptr});
  }
  return obligations;
}

TEST(ApplyRedactionsTest, SsnExampleFromTheLanguageDesign) {
  // `with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]")` in the rule `hr-reveal`.
  Obligations obligations = With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}});
  EXPECT_EQ(ApplyRedactions(obligations,
                            "Alice's SSN is 123-45-6789, Bob's is 987-65-4321; "
                            "order 1234-56-7890 and 123-456-7890 are not SSNs."),
            "Alice's SSN is [SSN], Bob's is [SSN]; "
            "order 1234-56-7890 and 123-456-7890 are not SSNs.");
}

TEST(ApplyRedactionsTest, NoRedactionsLeavesTextAlone) {
  EXPECT_EQ(ApplyRedactions(Obligations(), "unchanged 123-45-6789"), "unchanged 123-45-6789");
  EXPECT_EQ(ApplyRedactions(With({{"x", "y"}}), ""), "");
}

TEST(ApplyRedactionsTest, OverlappingMatchesAreReplacedLeftmostAndOnce) {
  EXPECT_EQ(ApplyRedactions(With({{"aa", "X"}}), "aaaaa"), "XXa");
  EXPECT_EQ(ApplyRedactions(With({{"aba", "X"}}), "ababa"), "Xba");
  // Leftmost-first alternation, as RE2 (Perl semantics) picks it.
  EXPECT_EQ(ApplyRedactions(With({{"ab|abc", "X"}}), "abcab"), "XcX");
}

TEST(ApplyRedactionsTest, AdjacentMatches) {
  EXPECT_EQ(ApplyRedactions(With({{R"(\d)", "#"}}), "pin 1234!"), "pin ####!");
  EXPECT_EQ(ApplyRedactions(With({{"ab", "-"}}), "ababab"), "---");
}

TEST(ApplyRedactionsTest, EmptyMatchesAdvanceByCharacter) {
  EXPECT_EQ(ApplyRedactions(With({{"x*", "-"}}), "abc"), "-a-b-c-");
  EXPECT_EQ(ApplyRedactions(With({{"x*", "-"}}), "\xc3\xa9t\xc3\xa9"), "-\xc3\xa9-t-\xc3\xa9-");
}

TEST(ApplyRedactionsTest, GroupsInTheRewrite) {
  EXPECT_EQ(ApplyRedactions(With({{R"((\w+)@(\w+)\.com)", R"(\1 at [\2])"}}),
                            "mail alice@example.com or bob@corp.com"),
            "mail alice at [example] or bob at [corp]");
  EXPECT_EQ(ApplyRedactions(With({{R"(\d+)", R"(<\0>)"}}), "a1b22"), "a<1>b<22>");
  // Keep the last four digits of a card number.
  EXPECT_EQ(ApplyRedactions(With({{R"(\b\d{4}-\d{4}-\d{4}-(\d{4})\b)", R"(****-\1)"}}),
                            "card 1111-2222-3333-4444."),
            "card ****-4444.");
  // `\\` is a literal backslash.
  EXPECT_EQ(ApplyRedactions(With({{"/", R"(\\)"}}), "a/b"), R"(a\b)");
}

TEST(ApplyRedactionsTest, MultipleRedactionsApplyInOrder) {
  // The second sees the output of the first.
  Obligations obligations = With({{"secret", "[X]"}, {R"(\[X\])", "[REDACTED]"}});
  EXPECT_EQ(ApplyRedactions(obligations, "a secret and another secret"),
            "a [REDACTED] and another [REDACTED]");
  // In the other order the second pattern has nothing to match yet.
  Obligations reversed = With({{R"(\[X\])", "[REDACTED]"}, {"secret", "[X]"}});
  EXPECT_EQ(ApplyRedactions(reversed, "a secret and [X]"), "a [X] and [REDACTED]");
}

TEST(ApplyRedactionsTest, Utf8Text) {
  EXPECT_EQ(
      ApplyRedactions(With({{"caf\xc3\xa9", "\xe2\x98\x95"}}), "un caf\xc3\xa9, deux caf\xc3\xa9s"),
      "un \xe2\x98\x95, deux \xe2\x98\x95s");
  // `.` is one character, not one byte.
  EXPECT_EQ(ApplyRedactions(With({{".", "*"}}), "\xe6\x97\xa5\xe6\x9c\xac"), "**");
  EXPECT_EQ(
      ApplyRedactions(With({{R"(\p{Han}+)", "[CJK]"}}), "name: \xe5\xb1\xb1\xe7\x94\xb0 (yamada)"),
      "name: [CJK] (yamada)");
}

TEST(ApplyRedactionsTest, UsesTheCompiledRegexWhenSet) {
  Obligations obligations;
  Redaction redaction;
  redaction.pattern = "a";  // as written; the compiled form wins
  redaction.replacement = "_";
  const RE2 compiled("b");
  redaction.regex = &compiled;
  obligations.redact.push_back(redaction);
  EXPECT_EQ(ApplyRedactions(obligations, "abab"), "a_a_");
}

TEST(ApplyRedactionsTest, SkipsInvalidPatternsAndRewrites) {
  Obligations obligations = With({{"(unclosed", "X"}, {"a", "b"}});
  EXPECT_EQ(ApplyRedactions(obligations, "(unclosed a"), "(unclosed b");
  // `\2` with one group.
  obligations = With({{"(a)", R"(\2)"}, {"c", "d"}});
  EXPECT_EQ(ApplyRedactions(obligations, "ac"), "ad");
}

}  // namespace
}  // namespace ward
