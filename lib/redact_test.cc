#include "ward/redact.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/regex_bounds.h"
#include "re2/re2.h"

namespace ward {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Obligations With(std::initializer_list<std::pair<const char*, const char*>> redactions) {
  Obligations obligations;
  for (const auto& [pattern, replacement] : redactions) {
    obligations.redact.push_back({pattern, replacement, nullptr});
  }
  return obligations;
}

// ApplyRedactions, which must succeed.
std::string Redacted(const Obligations& obligations, absl::string_view text) {
  absl::StatusOr<std::string> redacted = ApplyRedactions(obligations, text);
  EXPECT_TRUE(redacted.ok()) << redacted.status();
  if (!redacted.ok()) return absl::StrCat("<error: ", redacted.status().ToString(), ">");
  return *std::move(redacted);
}

TEST(ApplyRedactionsTest, SsnExampleFromTheLanguageDesign) {
  // `with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]")` in the rule `hr-reveal`.
  Obligations obligations = With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}});
  EXPECT_EQ(Redacted(obligations,
                     "Alice's SSN is 123-45-6789, Bob's is 987-65-4321; "
                     "order 1234-56-7890 and 123-456-7890 are not SSNs."),
            "Alice's SSN is [SSN], Bob's is [SSN]; "
            "order 1234-56-7890 and 123-456-7890 are not SSNs.");
}

TEST(ApplyRedactionsTest, NoRedactionsLeavesTextAlone) {
  EXPECT_EQ(Redacted(Obligations(), "unchanged 123-45-6789"), "unchanged 123-45-6789");
  EXPECT_EQ(Redacted(With({{"x", "y"}}), ""), "");
}

TEST(ApplyRedactionsTest, OverlappingMatchesAreReplacedLeftmostAndOnce) {
  EXPECT_EQ(Redacted(With({{"aa", "X"}}), "aaaaa"), "XXa");
  EXPECT_EQ(Redacted(With({{"aba", "X"}}), "ababa"), "Xba");
  // Leftmost-first alternation, as RE2 (Perl semantics) picks it.
  EXPECT_EQ(Redacted(With({{"ab|abc", "X"}}), "abcab"), "XcX");
}

TEST(ApplyRedactionsTest, AdjacentMatches) {
  EXPECT_EQ(Redacted(With({{R"(\d)", "#"}}), "pin 1234!"), "pin ####!");
  EXPECT_EQ(Redacted(With({{"ab", "-"}}), "ababab"), "---");
}

TEST(ApplyRedactionsTest, EmptyMatchesAdvanceByCharacter) {
  EXPECT_EQ(Redacted(With({{"x*", "-"}}), "abc"), "-a-b-c-");
  EXPECT_EQ(Redacted(With({{"x*", "-"}}), "\xc3\xa9t\xc3\xa9"), "-\xc3\xa9-t-\xc3\xa9-");
}

TEST(ApplyRedactionsTest, GroupsInTheRewrite) {
  EXPECT_EQ(Redacted(With({{R"((\w+)@(\w+)\.com)", R"(\1 at [\2])"}}),
                     "mail alice@example.com or bob@corp.com"),
            "mail alice at [example] or bob at [corp]");
  EXPECT_EQ(Redacted(With({{R"(\d+)", R"(<\0>)"}}), "a1b22"), "a<1>b<22>");
  // Keep the last four digits of a card number.
  EXPECT_EQ(Redacted(With({{R"(\b\d{4}-\d{4}-\d{4}-(\d{4})\b)", R"(****-\1)"}}),
                     "card 1111-2222-3333-4444."),
            "card ****-4444.");
  // `\\` is a literal backslash.
  EXPECT_EQ(Redacted(With({{"/", R"(\\)"}}), "a/b"), R"(a\b)");
}

TEST(ApplyRedactionsTest, MultipleRedactionsApplyInOrder) {
  // The second sees the output of the first.
  Obligations obligations = With({{"secret", "[X]"}, {R"(\[X\])", "[REDACTED]"}});
  EXPECT_EQ(Redacted(obligations, "a secret and another secret"),
            "a [REDACTED] and another [REDACTED]");
  // In the other order the second pattern has nothing to match yet.
  Obligations reversed = With({{R"(\[X\])", "[REDACTED]"}, {"secret", "[X]"}});
  EXPECT_EQ(Redacted(reversed, "a secret and [X]"), "a [X] and [REDACTED]");
}

TEST(ApplyRedactionsTest, Utf8Text) {
  EXPECT_EQ(Redacted(With({{"caf\xc3\xa9", "\xe2\x98\x95"}}), "un caf\xc3\xa9, deux caf\xc3\xa9s"),
            "un \xe2\x98\x95, deux \xe2\x98\x95s");
  // `.` is one character, not one byte.
  EXPECT_EQ(Redacted(With({{".", "*"}}), "\xe6\x97\xa5\xe6\x9c\xac"), "**");
  EXPECT_EQ(Redacted(With({{R"(\p{Han}+)", "[CJK]"}}), "name: \xe5\xb1\xb1\xe7\x94\xb0 (yamada)"),
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
  EXPECT_EQ(Redacted(obligations, "abab"), "a_a_");
}

TEST(ApplyRedactionsTest, RefusesPatternsThatDoNotCompile) {
  // Fail closed: the text is not returned, redacted or not.
  Obligations obligations = With({{"a", "b"}, {"(unclosed", "X"}});
  absl::StatusOr<std::string> redacted = ApplyRedactions(obligations, "(unclosed a");
  ASSERT_FALSE(redacted.ok());
  EXPECT_EQ(redacted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(redacted.status().message(), HasSubstr("`(unclosed`"));
  EXPECT_THAT(redacted.status().message(), HasSubstr("does not compile: missing )"));
}

TEST(ApplyRedactionsTest, RefusesInvalidReplacements) {
  // `\2` with one group.
  absl::StatusOr<std::string> redacted =
      ApplyRedactions(With({{"(a)", R"(\2)"}, {"c", "d"}}), "ac");
  ASSERT_FALSE(redacted.ok());
  EXPECT_EQ(redacted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(redacted.status().message(), HasSubstr("`(a)`"));
  EXPECT_THAT(redacted.status().message(), HasSubstr(R"(replacement "\2")"));
  EXPECT_THAT(redacted.status().message(), HasSubstr("1 parenthesized subexpressions"));
  // A backslash that is neither a group nor an escaped backslash.
  redacted = ApplyRedactions(With({{"b", "-"}, {"a", R"(\x)"}}), "ab");
  ASSERT_FALSE(redacted.ok());
  EXPECT_EQ(redacted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(redacted.status().message(), HasSubstr("`a`"));
  // The compiled form is checked too.
  Obligations obligations;
  const RE2 compiled("(x)");
  obligations.redact.push_back({"(x)", R"(\1\3)", &compiled});
  redacted = ApplyRedactions(obligations, "x");
  ASSERT_FALSE(redacted.ok());
  EXPECT_THAT(redacted.status().message(), HasSubstr("`(x)`"));
}

TEST(ApplyRedactionsTest, TheDecisionFormUsesTheDecisionsObligations) {
  Decision decision;
  decision.effect = Effect::kAllow;
  decision.obligations = With({{R"(\d)", "#"}});
  absl::StatusOr<std::string> redacted = ApplyRedactions(decision, "pin 42");
  ASSERT_TRUE(redacted.ok()) << redacted.status();
  EXPECT_EQ(*redacted, "pin ##");
  decision.obligations = With({{"[", "x"}});
  EXPECT_EQ(ApplyRedactions(decision, "pin 42").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Streams ---------------------------------------------------------------------------------

bool IsWholeUtf8(absl::string_view text) {
  while (!text.empty()) {
    char32_t rune = 0;
    const int n = internal::DecodeRune(text, &rune);
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Streams `chunks` through a RedactionStream of `obligations` and returns all it released.
// On the way: every piece released is whole UTF-8 when `utf8` (the text and the replacements
// are), everything released so far is a prefix of `expected` (the whole-text result: nothing
// is released that it would change), and what is held stays within the window.
std::string Stream(const Obligations& obligations, const std::vector<absl::string_view>& chunks,
                   absl::string_view expected, const RedactionStreamOptions& options = {},
                   bool utf8 = true) {
  absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations, options);
  EXPECT_TRUE(stream.ok()) << stream.status();
  if (!stream.ok()) return "<error>";
  std::string released;
  size_t sent = 0;
  for (absl::string_view chunk : chunks) {
    absl::StatusOr<std::string> piece = stream->Write(chunk);
    sent += chunk.size();
    EXPECT_TRUE(piece.ok()) << piece.status();
    if (!piece.ok()) return "<error>";
    if (utf8) {
      EXPECT_TRUE(IsWholeUtf8(*piece)) << "piece: " << *piece;
    }
    released += *piece;
    EXPECT_TRUE(absl::StartsWith(expected, released))
        << "released: " << released << "\nexpected: " << expected;
    if (stream->incremental()) {
      EXPECT_LE(stream->held_bytes(), options.window + 7 * obligations.redact.size() + 3);
    } else {
      EXPECT_THAT(*piece, IsEmpty());
      EXPECT_EQ(stream->held_bytes(), sent);
    }
  }
  absl::StatusOr<std::string> rest = stream->Finish();
  EXPECT_TRUE(rest.ok()) << rest.status();
  if (!rest.ok()) return "<error>";
  if (utf8) {
    EXPECT_TRUE(IsWholeUtf8(*rest));
  }
  EXPECT_EQ(stream->held_bytes(), 0u);
  return released + *rest;
}

// Checks the stream against ApplyRedactions for `text` cut at every position, in three
// random pieces, and in one-byte chunks.
void ExpectStreamEqualsWholeText(const Obligations& obligations, absl::string_view text,
                                 std::mt19937* random, const RedactionStreamOptions& options = {},
                                 bool utf8 = true) {
  const std::string expected = Redacted(obligations, text);
  SCOPED_TRACE(absl::StrCat("text: ", text));
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    ASSERT_EQ(Stream(obligations, {text.substr(0, cut), text.substr(cut)}, expected, options, utf8),
              expected)
        << "cut at " << cut;
  }
  for (int round = 0; round < 5; ++round) {
    std::uniform_int_distribution<size_t> position(0, text.size());
    size_t a = position(*random);
    size_t b = position(*random);
    if (a > b) std::swap(a, b);
    ASSERT_EQ(Stream(obligations, {text.substr(0, a), text.substr(a, b - a), text.substr(b)},
                     expected, options, utf8),
              expected)
        << "cuts at " << a << " and " << b;
  }
  std::vector<absl::string_view> bytes;
  for (size_t i = 0; i < text.size(); ++i) bytes.push_back(text.substr(i, 1));
  ASSERT_EQ(Stream(obligations, bytes, expected, options, utf8), expected) << "one-byte chunks";
  // Random chunk sizes, empty chunks included.
  std::vector<absl::string_view> chunks;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::uniform_int_distribution<size_t>(0, 7)(*random);
    chunks.push_back(text.substr(i, n));
    i += n;
  }
  ASSERT_EQ(Stream(obligations, chunks, expected, options, utf8), expected) << "random chunks";
}

// A random text of pieces that the patterns below care about.
std::string RandomText(std::mt19937* random, int pieces) {
  static const char* const kPieces[] = {"123-45-6789",
                                        "987-65-4321",
                                        "1234-56-7890",
                                        "12-34",
                                        "alice@example.com",
                                        "bob.b@corp.org",
                                        "@",
                                        ".com",
                                        "sk-",
                                        "secret",
                                        "[X]",
                                        " ",
                                        " ",
                                        " ",
                                        "\n",
                                        "\n- ",
                                        "- ",
                                        "a",
                                        "b",
                                        "ab",
                                        "x",
                                        "xx",
                                        "k",
                                        "K",
                                        "s",
                                        "\xe2\x84\xaa" /* KELVIN SIGN */,
                                        "\xc3\xa9" /* é */,
                                        "\xe6\x97\xa5\xe6\x9c\xac" /* 日本 */,
                                        "\xf0\x9f\x98\x80" /* 😀 */,
                                        "0",
                                        "42",
                                        "-",
                                        "_",
                                        "word",
                                        "the key",
                                        ".",
                                        "\t"};
  std::uniform_int_distribution<size_t> pick(0, std::size(kPieces) - 1);
  std::string text;
  for (int i = 0; i < pieces; ++i) {
    if (std::uniform_int_distribution<int>(0, 9)(*random) == 0) {
      // An API key of 10 to 45 characters.
      static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      text += "sk-";
      const int n = std::uniform_int_distribution<int>(10, 45)(*random);
      for (int j = 0; j < n; ++j) {
        text += kAlnum[std::uniform_int_distribution<size_t>(0, sizeof kAlnum - 2)(*random)];
      }
    } else {
      text += kPieces[pick(*random)];
    }
  }
  return text;
}

// Redactions whose patterns have a bound (the stream is incremental with the default window).
std::vector<Obligations> BoundedObligations() {
  return {
      With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}}),
      With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}}),
      With({{R"((\w{1,10})@(\w{1,10})\.(?:com|org))", R"(\1 at [\2])"}}),
      With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"},
            {"sk-[A-Za-z0-9]{20,40}", "[KEY]"},
            {R"([\w.]{1,20}@\w{1,10}\.com)", "[EMAIL]"}}),
      // ^ and $: text start and end only, and lines.
      With({{R"(^\w{1,5})", "<start>"}, {R"(\w{1,3}$)", "<end>"}}),
      With({{R"((?m)^- )", "* "}, {R"((?m)\d$)", "#"}, {R"(\Aa)", "A"}, {R"(x\z)", "X"}}),
      With({{R"(\bab\b)", "AB"}, {R"(\Bx)", "y"}}),
      // Empty matches, and GlobalReplace's rule for an empty match after a match.
      With({{"x?", "-"}}),
      With({{"(?:ab)?", "+"}}),
      With({{"", "|"}}),
      With({{R"(\b)", "|"}}),
      With({{"b{0,2}", "<\\0>"}}),
      // Empty matches only at some positions, after a non-empty match.
      With({{"(?m)x|^", "^"}}),
      With({{R"(ab|\b)", "|"}}),
      // An earlier redaction creates a later match.
      With({{"secret", "[X]"}, {R"(\[X\])", "[REDACTED]"}}),
      With({{"a", "bb"}, {"bbb", "C"}, {"C{2}", "DD"}}),
      With({{"k", "sk-"}, {"sk-[a-zA-Z0-9]{20}", "[KEY]"}}),
      // Multibyte text.
      With({{"\xe6\x97\xa5\xe6\x9c\xac", "JP"}, {R"(\p{Han}{1,2})", "[CJK]"}}),
      With({{".", "*"}}),
      With({{"(?i)k{2}", "KK"}, {"(?i)s", "\xc5\xbf"}}),
      With({{"\xc3\xa9|\xf0\x9f\x98\x80", "?"}}),
      With({{R"(\W{2})", "_"}}),
  };
}

TEST(RedactionStreamTest, EqualsTheWholeTextRedactionForEverySplit) {
  std::mt19937 random(20261205);
  int texts = 0;
  for (const Obligations& obligations : BoundedObligations()) {
    SCOPED_TRACE(absl::StrCat("first pattern: ", obligations.redact[0].pattern));
    absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations);
    ASSERT_TRUE(stream.ok()) << stream.status();
    EXPECT_TRUE(stream->incremental());
    for (int i = 0; i < 12; ++i) {
      ExpectStreamEqualsWholeText(obligations, RandomText(&random, 1 + i * 2), &random);
      ++texts;
    }
    ExpectStreamEqualsWholeText(obligations, "", &random);
  }
  EXPECT_GT(texts, 200);
}

TEST(RedactionStreamTest, EqualsTheWholeTextRedactionWithASmallWindow) {
  // The window is just large enough: matches near it are still found across chunks.
  std::mt19937 random(7);
  const Obligations obligations = With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}, {"ab", "_"}});
  RedactionStreamOptions options;
  options.window = 45;
  ASSERT_TRUE(RedactionStream::Create(obligations, options)->incremental());
  for (int i = 0; i < 20; ++i) {
    ExpectStreamEqualsWholeText(obligations, RandomText(&random, 10), &random, options);
  }
}

TEST(RedactionStreamTest, InvalidUtf8IsHandledAsGlobalReplaceDoes) {
  std::mt19937 random(3);
  const std::string texts[] = {
      "a\xff"
      "b\xc3",
      "\xe6\x97"
      "x\x80"
      "xx\xf0\x9f\x98",
      "\xc3\xa9\xc3"
      "x\xed\xa0\x80"
      "x",
      std::string("a\0b\0\0c", 7)};
  for (const Obligations& obligations :
       {With({{"x?", "-"}}), With({{"", "|"}}), With({{".", "*"}}), With({{R"(\C)", "."}})}) {
    for (const std::string& text : texts) {
      ExpectStreamEqualsWholeText(obligations, text, &random, {}, /*utf8=*/false);
    }
  }
}

TEST(RedactionStreamTest, AnApiKeySplitAcrossChunksIsRedacted) {
  // The issue's example: the key arrives in two chunks.
  const Obligations obligations = With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}});
  absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations);
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE(stream->incremental());
  absl::StatusOr<std::string> first = stream->Write("Your key is sk-4f9a0c7e1b");
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(*first, Not(HasSubstr("sk-")));
  EXPECT_THAT(*first, Not(HasSubstr("4f9a")));
  absl::StatusOr<std::string> second = stream->Write("2d3f4a5b6c7d8e, keep it safe.");
  ASSERT_TRUE(second.ok());
  absl::StatusOr<std::string> rest = stream->Finish();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*first + *second + *rest, "Your key is [KEY], keep it safe.");
}

TEST(RedactionStreamTest, ReleasesTextAsSoonAsItIsFinal) {
  const Obligations obligations = With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}});
  absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations);
  ASSERT_TRUE(stream.ok());
  // The bound is 11 bytes: all but the last 11 are released at once.
  absl::StatusOr<std::string> out = stream->Write("The number on file is 123-45-6789 and");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "The number on file is [SSN]");
  out = stream->Write(" that is all.");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, " and t");  // the last 11 bytes wait for more text or the end
  out = stream->Finish();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "hat is all.");
}

TEST(RedactionStreamTest, NoRedactionsPassesTextThroughWholeCharacters) {
  absl::StatusOr<RedactionStream> stream = RedactionStream::Create(Obligations());
  ASSERT_TRUE(stream.ok());
  EXPECT_TRUE(stream->incremental());
  EXPECT_EQ(*stream->Write("abc"), "abc");
  // 日 split in two: held until whole.
  EXPECT_EQ(*stream->Write("d\xe6\x97"), "d");
  EXPECT_EQ(*stream->Write("\xa5"
                           "e"),
            "\xe6\x97\xa5"
            "e");
  EXPECT_EQ(*stream->Write("\xf0"), "");
  EXPECT_EQ(*stream->Finish(), "\xf0");  // at the end, whatever is left
}

TEST(RedactionStreamTest, UnboundedPatternsHoldEverythingUntilFinish) {
  std::mt19937 random(11);
  for (const Obligations& obligations :
       {With({{"sk-[A-Za-z0-9]+", "[KEY]"}}), With({{"x*", "-"}}),
        With({{R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}, {R"([\w.]+@[\w.]+)", "[EMAIL]"}}),
        With({{"secret", "[X]"}, {R"(\[X\].*)", "[CUT]"}})}) {
    absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations);
    ASSERT_TRUE(stream.ok()) << stream.status();
    EXPECT_FALSE(stream->incremental());
    for (int i = 0; i < 8; ++i) {
      ExpectStreamEqualsWholeText(obligations, RandomText(&random, 1 + i * 3), &random);
    }
  }
  // The key that only an unbounded pattern catches whole.
  const Obligations keys = With({{"sk-[A-Za-z0-9]+", "[KEY]"}});
  const std::string key = "sk-" + std::string(5000, 'a');
  EXPECT_EQ(Stream(keys, {"key ", key.substr(0, 2500), key.substr(2500), " end"}, "key [KEY] end"),
            "key [KEY] end");
}

TEST(RedactionStreamTest, PatternsLongerThanTheWindowHoldEverything) {
  RedactionStreamOptions options;
  options.window = 42;  // the key pattern can match 43 bytes
  const Obligations obligations = With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}});
  EXPECT_FALSE(RedactionStream::Create(obligations, options)->incremental());
  options.window = 43;
  EXPECT_TRUE(RedactionStream::Create(obligations, options)->incremental());
  // The bounds add up: 43 + 11 > 50.
  options.window = 50;
  const Obligations two =
      With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}, {R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]"}});
  EXPECT_FALSE(RedactionStream::Create(two, options)->incremental());
  options.window = 54;
  EXPECT_TRUE(RedactionStream::Create(two, options)->incremental());
  std::mt19937 random(5);
  options.window = 20;
  for (int i = 0; i < 5; ++i) {
    ExpectStreamEqualsWholeText(two, RandomText(&random, 8), &random, options);
  }
}

TEST(RedactionStreamTest, HoldingMoreThanTheLimitFailsAndKeepsFailing) {
  RedactionStreamOptions options;
  options.max_buffered = 10;
  absl::StatusOr<RedactionStream> stream =
      RedactionStream::Create(With({{"sk-[A-Za-z0-9]+", "[KEY]"}}), options);
  ASSERT_TRUE(stream.ok());
  ASSERT_FALSE(stream->incremental());
  EXPECT_EQ(*stream->Write("sk-abc"), "");
  EXPECT_EQ(*stream->Write("defg"), "");  // exactly 10 bytes
  absl::StatusOr<std::string> out = stream->Write("h");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status().message(), HasSubstr("10 bytes"));
  EXPECT_EQ(stream->held_bytes(), 0u);  // dropped, never released
  EXPECT_EQ(stream->Write("").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(stream->Write("x").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(stream->Finish().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(stream->Finish().status().code(), absl::StatusCode::kResourceExhausted);

  // An incremental stream that must hold more than the limit fails too.
  options.max_buffered = 20;
  stream = RedactionStream::Create(With({{"sk-[A-Za-z0-9]{20,40}", "[KEY]"}}), options);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(stream->incremental());
  EXPECT_TRUE(stream->Write("0123456789").ok());
  out = stream->Write(std::string(100, 'z'));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(stream->Finish().ok());
}

TEST(RedactionStreamTest, CallsAfterFinishFail) {
  absl::StatusOr<RedactionStream> stream = RedactionStream::Create(With({{"a", "b"}}));
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(*stream->Write("xa"), "");  // within the minimum hold of 3 bytes
  EXPECT_EQ(*stream->Finish(), "xb");
  EXPECT_EQ(stream->Write("a").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stream->Finish().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RedactionStreamTest, CreateRefusesWhatApplyRedactionsRefuses) {
  absl::StatusOr<RedactionStream> stream =
      RedactionStream::Create(With({{"a", "b"}, {"(unclosed", "X"}}));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stream.status().message(), HasSubstr("`(unclosed`"));
  stream = RedactionStream::Create(With({{"(a)", R"(\2)"}}));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stream.status().message(), HasSubstr("`(a)`"));
}

TEST(RedactionStreamTest, UsesTheCompiledFormsPatternAndOptions) {
  std::mt19937 random(13);
  // The compiled form wins over the pattern as written, as in ApplyRedactions.
  const RE2 b("b");
  Obligations obligations;
  obligations.redact.push_back({"a", "_", &b});
  EXPECT_EQ(Stream(obligations, {"ab", "ab"}, "a_a_"), "a_a_");
  // Options that change what matches: case-insensitive (k matches KELVIN SIGN, 3 bytes) and
  // literal patterns.
  RE2::Options insensitive;
  insensitive.set_case_sensitive(false);
  const RE2 kk("k{2}", insensitive);
  RE2::Options literal;
  literal.set_literal(true);
  const RE2 braces("a{2}b", literal);  // 5 bytes, where the pattern a{2}b matches 3
  obligations.redact = {{"k{2}", "<\\0>", &kk}, {"a{2}b", "X", &braces}};
  for (const char* text : {"KK \xe2\x84\xaa\xe2\x84\xaa k\xe2\x84\xaa a{2}b aab a{2}b",
                           "\xe2\x84\xaa\xe2\x84\xaa\xe2\x84\xaa\xe2\x84\xaa\xe2\x84\xaa"}) {
    ExpectStreamEqualsWholeText(obligations, text, &random);
  }
  // The stream keeps its own copies: it may outlive the compiled forms.
  absl::StatusOr<RedactionStream> stream;
  {
    const RE2 digit(R"(\d)");
    Obligations scoped;
    scoped.redact.push_back({R"(\d)", "#", &digit});
    stream = RedactionStream::Create(scoped);
    ASSERT_TRUE(stream.ok());
  }
  std::string out = *stream->Write("pin 1234, ");
  out += *stream->Finish();
  EXPECT_EQ(out, "pin ####, ");
}

TEST(RedactionStreamTest, IsMovable) {
  absl::StatusOr<RedactionStream> created = RedactionStream::Create(With({{"ab", "X"}}));
  ASSERT_TRUE(created.ok());
  RedactionStream stream = *std::move(created);
  std::string out = *stream.Write("xxxxa");
  RedactionStream moved = std::move(stream);
  out += *moved.Write("bxxxx");
  out += *moved.Finish();
  EXPECT_EQ(out, "xxxxXxxxx");
}

}  // namespace
}  // namespace ward
