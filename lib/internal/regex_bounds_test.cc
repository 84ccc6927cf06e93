#include "lib/internal/regex_bounds.h"

#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

using ::testing::Optional;

constexpr std::nullopt_t kUnbounded = std::nullopt;

struct Case {
  const char* pattern;
  std::optional<size_t> bound;
};

void ExpectBounds(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(MaxMatchLength(c.pattern), c.bound) << "pattern: " << c.pattern;
  }
}

TEST(MaxMatchLengthTest, Literals) {
  ExpectBounds({
      {"", 0},
      {"a", 1},
      {"abc", 3},
      {"caf\xc3\xa9", 5},       // é is 2 bytes
      {"\xe6\x97\xa5", 3},      // 日
      {"\xf0\x9f\x98\x80", 4},  // 😀
      {"a{", 2},                // not a repetition: a literal brace
      {"a{x}", 4},
      {"a{,2}", 5},  // {,m} is not a repetition in RE2
      {"a{01}", 5},  // nor is a count with a leading zero
      {"a}", 2},
      {"]", 1},
      {"\\.\\*\\\\\\-\\_", 5},  // escaped punctuation
  });
}

TEST(MaxMatchLengthTest, Escapes) {
  ExpectBounds({
      {"\\d", 1},
      {"\\w", 1},
      {"\\s", 1},
      {"\\D", 4},
      {"\\W", 4},
      {"\\S", 4},
      {"\\n\\r\\t\\a\\f\\v", 6},
      {"\\x41", 1},
      {"\\xe9", 2},  // U+00E9
      {"\\x{41}", 1},
      {"\\x{e9}", 2},
      {"\\x{65e5}", 3},
      {"\\x{1F600}", 4},
      {"\\0", 1},
      {"\\101", 1},  // octal A
      {"\\377", 2},  // U+00FF
      {"\\pL", 4},
      {"\\p{Greek}", 4},
      {"\\PN", 4},
      {"\\p{^Han}", 4},
      {"\\C", 1},
      {"\\Qa.b*\\E", 4},
      {"\\Qab", 2},        // \Q runs to the end
      {"\\Qab\\E{3}", 4},  // the repetition applies to the last character
      {"\\Q\xc3\xa9\\E", 2},
  });
}

TEST(MaxMatchLengthTest, ZeroWidthAssertions) {
  ExpectBounds({
      {"^", 0},
      {"$", 0},
      {"\\A", 0},
      {"\\z", 0},
      {"\\b", 0},
      {"\\B", 0},
      {"^abc$", 3},
      {"\\bword\\b", 4},
      {"(?m)^a$", 1},
      {"^*", 0},
      {"(?:\\b)+", 0},
      {"()*", 0},
  });
}

TEST(MaxMatchLengthTest, CharacterClasses) {
  ExpectBounds({
      {"[abc]", 1},         {"[a-z0-9_]", 1},    {"[]a]", 1},
      {"[^a]", 4},          {"[^]a]", 4},        {"[a-]", 1},
      {"[-a]", 1},          {"[\\d\\s]", 1},     {"[\\w]", 1},
      {"[\\D]", 4},         {"[\\pL]", 4},       {"[\\p{Greek}a]", 4},
      {"[[:alpha:]]", 1},   {"[[:^alpha:]]", 4}, {"[[:digit:][:space:]]", 1},
      {"[\xc3\xa9]", 4},    {"[a-\xc3\xa9]", 4}, {"[\\x{e9}]", 4},
      {"[\\x41-\\x5a]", 1}, {"[\\]\\[]", 1},     {"[[]", 1},
      {"[.*+?]", 1},
  });
}

TEST(MaxMatchLengthTest, CaseFolding) {
  // k folds to U+212A KELVIN SIGN (3 bytes), s to U+017F LATIN SMALL LETTER LONG S (2 bytes).
  ExpectBounds({
      {"(?i)k", 4},
      {"(?i)ab", 8},
      {"(?i)1-2", 3},  // digits and punctuation do not fold
      {"(?i)[a-z]", 4},
      {"(?i)[0-9]", 1},
      {"(?i)[[:alpha:]]", 4},
      {"(?i)\\w", 4},
      {"(?i)\\d", 1},
      {"(?i)\xc3\xa9", 4},
      {"a(?i)b", 5},  // (?i) from where it stands
      {"(?i:a)b", 5},
      {"(?i)a|bc", 8},    // across the alternation
      {"(?:(?i)a)b", 5},  // to the end of the enclosing group
      {"(?i)(?-i)ab", 2},
      {"(?i)(?-i:ab)", 2},
  });
}

TEST(MaxMatchLengthTest, GroupsAndFlags) {
  ExpectBounds({
      {"(abc)", 3},
      {"(?:abc)", 3},
      {"(?P<name>abc)", 3},
      {"(?s).", 4},
      {"(?m)^$", 0},
      {"(?U)a?", 1},
      {"(?sm-i:a)", 1},
      {"((a)(bc))", 3},
      {"(a(b(c(d))))", 4},
  });
}

TEST(MaxMatchLengthTest, Alternation) {
  ExpectBounds({
      {"a|bc|def", 3},
      {"abc|", 3},
      {"|abc", 3},
      {"a(b|cde)f", 5},
      {"(?:a|\\d{3})-x", 5},
  });
}

TEST(MaxMatchLengthTest, Repetitions) {
  ExpectBounds({
      {"a?", 1},
      {"a??", 1},
      {"a{3}", 3},
      {"a{2,5}", 5},
      {"a{2,5}?", 5},
      {"(?:ab){0,3}", 6},
      {"(ab?){2}c", 5},
      {"\\d{3}-\\d{2}-\\d{4}", 11},
      {R"(\b\d{3}-\d{2}-\d{4}\b)", 11},
      {"sk-[A-Za-z0-9]{20,40}", 43},
      {"(?:a{10}){10}", 100},
      {"a{1000}", 1000},
      {".{10}", 40},
      {"a{0}", 0},
      {"(?:a*){0}", 0},
      {"a(?i)?", 1},  // a flag group adds nothing: `?` applies to `a`
  });
}

TEST(MaxMatchLengthTest, Unbounded) {
  ExpectBounds({
      {"a*", kUnbounded},
      {"a+", kUnbounded},
      {"a*?", kUnbounded},
      {"a{2,}", kUnbounded},
      {".*", kUnbounded},
      {"sk-[A-Za-z0-9]+", kUnbounded},
      {"x*", kUnbounded},
      {"(?:ab|c+)d", kUnbounded},
      {"[\\w.]+@[\\w.]+", kUnbounded},
      {"(a{1000}){1000}", 1000000},
  });
}

TEST(MaxMatchLengthTest, NotUnderstoodIsUnknown) {
  ExpectBounds({
      {"(", kUnbounded},      {"(abc", kUnbounded},        {")", kUnbounded},
      {"a)", kUnbounded},     {"[a", kUnbounded},          {"[z-a]", kUnbounded},
      {"\\", kUnbounded},     {"\\1", kUnbounded},  // backreference
      {"\\8", kUnbounded},    {"\\Z", kUnbounded},  // not RE2
      {"\\q", kUnbounded},    {"\\x{110000}", kUnbounded}, {"\\xg1", kUnbounded},
      {"*", kUnbounded},      {"(?i)*", kUnbounded},       {"a{1001}", kUnbounded},
      {"a{3,2}", kUnbounded}, {"(?#comment)", kUnbounded}, {"(?P=name)", kUnbounded},
      {"(?-)", kUnbounded},   {"[[:nope:]]", kUnbounded},  {"\xff", kUnbounded},  // invalid UTF-8
      {"\xc3", kUnbounded},   {"\\p", kUnbounded},         {"\\p{Greek", kUnbounded},
  });
}

TEST(MaxMatchLengthTest, SaturatesInsteadOfOverflowing) {
  // Nested repetitions multiply: 1000^5 bytes is beyond any window, and no wrap-around.
  EXPECT_EQ(MaxMatchLength("((((a{1000}){1000}){1000}){1000}){1000}"), std::nullopt);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "(?:";
  deep += "ab";
  for (int i = 0; i < 40; ++i) deep += "){2}";
  EXPECT_EQ(MaxMatchLength(deep), std::nullopt);  // 2^41 bytes: beyond the cap
  std::string nested(5000, '(');
  nested += std::string(5000, ')');
  EXPECT_EQ(MaxMatchLength(nested), std::nullopt);  // deeper than RE2 allows
}

TEST(MaxMatchLengthTest, PatternsThatCompileAreBoundedAsWritten) {
  // Every pattern with a bound above compiles in RE2 (the analyser reads RE2's syntax).
  for (const char* pattern : {"a{,2}", "a{01}", "\\Qab", "[[]", "(?i)(?-i:ab)", "^*", "a(?i)?",
                              "[]a]", "[^]a]", "\\377", "(?P<name>abc)"}) {
    RE2 re(pattern, RE2::Quiet);
    EXPECT_TRUE(re.ok()) << pattern << ": " << re.error();
  }
}

TEST(DecodeRuneTest, AsRe2DecodesIt) {
  char32_t r = 0;
  EXPECT_EQ(DecodeRune("", &r), 0);
  EXPECT_EQ(DecodeRune("a", &r), 1);
  EXPECT_EQ(r, U'a');
  EXPECT_EQ(DecodeRune("\xc3\xa9x", &r), 2);
  EXPECT_EQ(r, U'\u00e9');
  EXPECT_EQ(DecodeRune("\xe6\x97\xa5", &r), 3);
  EXPECT_EQ(DecodeRune("\xf0\x9f\x98\x80", &r), 4);
  EXPECT_EQ(r, U'\U0001F600');
  EXPECT_EQ(DecodeRune("\xe6\x97", &r), 0);  // cut short
  EXPECT_EQ(DecodeRune("\xf0\x9f\x98", &r), 0);
  EXPECT_EQ(DecodeRune("\xc3", &r), 0);
  EXPECT_EQ(DecodeRune("\x80x", &r), -1);     // a continuation byte
  EXPECT_EQ(DecodeRune("\xc0\x80", &r), -1);  // overlong
  EXPECT_EQ(DecodeRune("\xc3x", &r), -1);
  EXPECT_EQ(DecodeRune("\xf4\x90\x80\x80", &r), -1);  // above U+10FFFF
  EXPECT_EQ(DecodeRune("\xff\x80\x80\x80", &r), -1);
  EXPECT_EQ(DecodeRune("\xed\xa0\x80", &r), 3);  // a surrogate, as RE2 accepts it
}

// The longest match RE2 finds at any start in `text`, with every text position tried.
size_t LongestMatchAnywhere(const RE2& re, const std::string& text) {
  size_t longest = 0;
  re2::StringPiece match;
  for (size_t start = 0; start <= text.size(); ++start) {
    for (RE2::Anchor anchor : {RE2::ANCHOR_START, RE2::ANCHOR_BOTH}) {
      // Anchored at the start and, for the longest, at both ends with every end position.
      if (anchor == RE2::ANCHOR_START) {
        if (re.Match(text, start, text.size(), anchor, &match, 1)) {
          longest = std::max(longest, match.size());
        }
        continue;
      }
      for (size_t end = start; end <= text.size(); ++end) {
        if (re.Match(text, start, end, anchor, &match, 1)) {
          longest = std::max(longest, match.size());
        }
      }
    }
  }
  return longest;
}

TEST(MaxMatchLengthTest, PropertyNoMatchIsLongerThanTheBound) {
  const std::vector<std::string> patterns = {
      "a",          "ab|b",       "a?b?c?",       "(?:ab){0,3}",    "[ab]{2,4}",
      "\\w{1,3}",   "(?i)k",      "(?i)s{2}",     "(?i)[ks]{1,3}?", "(?i)[a-z]{3}",
      ".",          ".{2}",       "(?s).{2}",     "[^a]",           "\\W\\S",
      "\\bab\\b",   "^a|b$",      "(?m)^b.$",     "\\pL{2}",        "\\p{Greek}",
      "[\\x{e9}a]", "\\QaK\\E",   "(?i)\\QaK\\E", "(a|bc){2}",      "a{0,2}b{1}",
      "(?U)a{1,3}", "\xc3\xa9|k", "(?i)\xc3\xa9", "\\d{3}-\\d{2}",  "[[:^alpha:]]",
      "x?",         "(?:)",       "(?i)(?:\\w)",  "[a-c]{0,2}\\B",
  };
  // An alphabet with one- to four-byte characters and the fold partners of k and s.
  const std::vector<std::string> alphabet = {"a",
                                             "b",
                                             "c",
                                             "k",
                                             "K",
                                             "s",
                                             "S",
                                             "-",
                                             "1",
                                             "\n",
                                             " ",
                                             "\xc3\xa9" /* é */,
                                             "\xe2\x84\xaa" /* KELVIN SIGN */,
                                             "\xc5\xbf" /* LONG S */,
                                             "\xce\xb1" /* α */,
                                             "\xe6\x97\xa5" /* 日 */,
                                             "\xf0\x9f\x98\x80" /* 😀 */,
                                             "\xc3\x89" /* É */};
  std::mt19937 random(20261201);
  for (const std::string& pattern : patterns) {
    RE2 re(pattern, RE2::Quiet);
    ASSERT_TRUE(re.ok()) << pattern;
    const std::optional<size_t> bound = MaxMatchLength(pattern);
    ASSERT_TRUE(bound.has_value()) << pattern;
    for (int round = 0; round < 150; ++round) {
      std::string text;
      const int length = std::uniform_int_distribution<int>(0, 8)(random);
      for (int i = 0; i < length; ++i) {
        text += alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(random)];
      }
      EXPECT_LE(LongestMatchAnywhere(re, text), *bound)
          << "pattern: " << pattern << " text: " << text;
    }
  }
}

}  // namespace
}  // namespace ward::internal
