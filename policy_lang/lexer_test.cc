#include "policy_lang/lexer.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward {

// Readable failure messages.
void PrintTo(TokenKind kind, std::ostream* os) { *os << TokenKindName(kind); }
void PrintTo(const Token& token, std::ostream* os) {
  *os << TokenKindName(token.kind) << " `" << token.text << "`";
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using K = TokenKind;

std::vector<TokenKind> Kinds(absl::string_view text) {
  std::vector<LexError> errors;
  std::vector<TokenKind> kinds;
  for (const Token& t : Tokenize(text, &errors)) kinds.push_back(t.kind);
  return kinds;
}

// The errors of `text` as "LINE:COL: message".
std::vector<std::string> Errors(absl::string_view text, size_t max_literal_bytes = 1 << 20) {
  std::vector<LexError> errors;
  Tokenize(text, &errors, nullptr, max_literal_bytes);
  std::vector<std::string> out;
  for (const LexError& e : errors) {
    out.push_back(absl::StrCat(e.location.line, ":", e.location.column, ": ", e.message));
  }
  return out;
}

// The single token of `text` (which must lex without errors to one token).
Token Single(absl::string_view text) {
  std::vector<LexError> errors;
  std::vector<Token> tokens = Tokenize(text, &errors);
  EXPECT_THAT(errors, IsEmpty()) << text;
  EXPECT_THAT(tokens, SizeIs(2)) << text;
  return tokens.empty() ? Token() : tokens[0];
}

std::string StringValue(absl::string_view text) {
  const Token t = Single(text);
  EXPECT_EQ(t.kind, K::kString) << text;
  return t.value;
}

std::string RegexPattern(absl::string_view text) {
  const Token t = Single(text);
  EXPECT_EQ(t.kind, K::kRegex) << text;
  return t.value;
}

TEST(LexerTest, EmptyInputIsJustEof) {
  EXPECT_THAT(Kinds(""), ElementsAre(K::kEof));
  EXPECT_THAT(Kinds("  \n\t\r\n "), ElementsAre(K::kEof));
}

TEST(LexerTest, EofRepeats) {
  Lexer lexer("x");
  EXPECT_EQ(lexer.Next().kind, K::kIdentifier);
  EXPECT_EQ(lexer.Next().kind, K::kEof);
  EXPECT_EQ(lexer.Next().kind, K::kEof);
}

TEST(LexerTest, Identifiers) {
  std::vector<LexError> errors;
  const std::vector<Token> tokens = Tokenize("permit _x a1_B2 in when", &errors);
  ASSERT_THAT(tokens, SizeIs(6));
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(tokens[0].text, "permit");
  EXPECT_EQ(tokens[1].text, "_x");
  EXPECT_EQ(tokens[2].text, "a1_B2");
  EXPECT_EQ(tokens[3].text, "in");
  EXPECT_EQ(tokens[4].text, "when");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tokens[i].kind, K::kIdentifier);
}

TEST(LexerTest, DottedPathIsThreeTokens) {
  EXPECT_THAT(Kinds("context.user"), ElementsAre(K::kIdentifier, K::kDot, K::kIdentifier, K::kEof));
}

TEST(LexerTest, Punctuation) {
  EXPECT_THAT(Kinds("{ } ( ) [ ] < > <= >= == != , ; : . @ -"),
              ElementsAre(K::kLeftBrace, K::kRightBrace, K::kLeftParen, K::kRightParen,
                          K::kLeftBracket, K::kRightBracket, K::kLess, K::kGreater, K::kLessEqual,
                          K::kGreaterEqual, K::kEqualEqual, K::kNotEqual, K::kComma, K::kSemicolon,
                          K::kColon, K::kDot, K::kAt, K::kMinus, K::kEof));
  // Without spaces: longest match.
  EXPECT_THAT(Kinds("<=< >=> ==!="),
              ElementsAre(K::kLessEqual, K::kLess, K::kGreaterEqual, K::kGreater, K::kEqualEqual,
                          K::kNotEqual, K::kEof));
  EXPECT_THAT(Kinds("set<string>"),
              ElementsAre(K::kIdentifier, K::kLess, K::kIdentifier, K::kGreater, K::kEof));
}

TEST(LexerTest, SpansCountLinesColumnsAndOffsets) {
  std::vector<LexError> errors;
  const std::vector<Token> tokens = Tokenize("ab  cd\n  ==\n\n\tx", &errors);
  ASSERT_THAT(tokens, SizeIs(5));
  const auto expect_span = [](const Token& t, int l1, int c1, int o1, int l2, int c2, int o2) {
    EXPECT_EQ(t.span.begin.line, l1);
    EXPECT_EQ(t.span.begin.column, c1);
    EXPECT_EQ(t.span.begin.offset, o1);
    EXPECT_EQ(t.span.end.line, l2);
    EXPECT_EQ(t.span.end.column, c2);
    EXPECT_EQ(t.span.end.offset, o2);
  };
  expect_span(tokens[0], 1, 1, 0, 1, 3, 2);
  expect_span(tokens[1], 1, 5, 4, 1, 7, 6);
  expect_span(tokens[2], 2, 3, 9, 2, 5, 11);
  expect_span(tokens[3], 4, 2, 14, 4, 3, 15);  // a tab is one column
  expect_span(tokens[4], 4, 3, 15, 4, 3, 15);  // end of file
}

TEST(LexerTest, ColumnsAreCodePoints) {
  std::vector<LexError> errors;
  // "é" is two bytes, "€" three, "😀" four: each one column.
  const std::vector<Token> tokens = Tokenize("\"é€😀\" x", &errors);
  ASSERT_THAT(tokens, SizeIs(3));
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(tokens[0].span.end.column, 6);
  EXPECT_EQ(tokens[0].span.end.offset, 11);
  EXPECT_EQ(tokens[1].span.begin.column, 7);
  EXPECT_EQ(tokens[1].span.begin.offset, 12);
}

TEST(LexerTest, FirstOnLine) {
  std::vector<LexError> errors;
  const std::vector<Token> tokens = Tokenize("a b\n  c /* x\n */ d // e\nf", &errors);
  ASSERT_THAT(tokens, SizeIs(6));
  EXPECT_TRUE(tokens[0].first_on_line);   // a
  EXPECT_FALSE(tokens[1].first_on_line);  // b
  EXPECT_TRUE(tokens[2].first_on_line);   // c
  EXPECT_TRUE(tokens[3].first_on_line);   // d: a newline inside the comment precedes it
  EXPECT_TRUE(tokens[4].first_on_line);   // f
}

TEST(LexerTest, Integers) {
  EXPECT_EQ(Single("0").int_magnitude, 0u);
  EXPECT_EQ(Single("4000").int_magnitude, 4000u);
  EXPECT_EQ(Single("007").int_magnitude, 7u);
  EXPECT_EQ(Single("9223372036854775807").int_magnitude, uint64_t{9223372036854775807});
  // 2^63 is a token: only the parser knows whether a `-` precedes it.
  EXPECT_EQ(Single("9223372036854775808").int_magnitude, uint64_t{1} << 63);
  EXPECT_THAT(Kinds("-5"), ElementsAre(K::kMinus, K::kInt, K::kEof));
}

TEST(LexerTest, IntegerOverflowIsAnError) {
  EXPECT_THAT(Errors("x 9223372036854775809"),
              ElementsAre("1:3: integer `9223372036854775809` is out of the 64-bit signed range"));
  EXPECT_THAT(Errors("99999999999999999999999999"),
              ElementsAre("1:1: integer `99999999999999999999999999` is out of the 64-bit "
                          "signed range"));
  EXPECT_THAT(Kinds("99999999999999999999999999 x"),
              ElementsAre(K::kError, K::kIdentifier, K::kEof));
}

TEST(LexerTest, NumberFollowedByLettersIsAnError) {
  EXPECT_THAT(Errors("12ab"), ElementsAre("1:1: invalid number `12ab`"));
  EXPECT_THAT(Kinds("12ab ;"), ElementsAre(K::kError, K::kSemicolon, K::kEof));
}

TEST(LexerTest, StringsAndEveryEscape) {
  EXPECT_EQ(StringValue(R"("")"), "");
  EXPECT_EQ(StringValue(R"("hello world")"), "hello world");
  EXPECT_EQ(StringValue(R"("\"")"), "\"");
  EXPECT_EQ(StringValue(R"("\\")"), "\\");
  EXPECT_EQ(StringValue(R"("\/")"), "/");
  EXPECT_EQ(StringValue(R"("\b\f\n\r\t")"), "\b\f\n\r\t");
  EXPECT_EQ(StringValue(R"("\u0041\u00e9\u20AC")"), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(StringValue(R"("\u0000")"), std::string(1, '\0'));
  EXPECT_EQ(StringValue(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");  // surrogate pair
  EXPECT_EQ(StringValue("\"caf\xC3\xA9 \xF0\x9F\x98\x80\""), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(Single(R"("a\"b")").text, R"("a\"b")");
}

TEST(LexerTest, InvalidEscapes) {
  EXPECT_THAT(Errors(R"(x "ab\qc")"),
              ElementsAre("1:6: invalid escape `\\q` in a string; the escapes are \\\" \\\\ \\/ "
                          "\\b \\f \\n \\r \\t and \\uXXXX"));
  EXPECT_THAT(Errors(R"("\u12G4")"),
              ElementsAre("1:2: invalid escape `\\u12`: `\\u` takes four hex digits"));
  EXPECT_THAT(Errors(R"("\u")"),
              ElementsAre("1:2: invalid escape `\\u`: `\\u` takes four hex digits"));
  EXPECT_THAT(Errors(R"("\ud83d")"), ElementsAre("1:2: unpaired surrogate `\\ud83d` in a string"));
  EXPECT_THAT(Errors(R"("\ud83dx")"), ElementsAre("1:2: unpaired surrogate `\\ud83d` in a string"));
  EXPECT_THAT(Errors(R"("\ud83d\u0041")"),
              ElementsAre("1:2: unpaired surrogate `\\ud83d` in a string"));
  EXPECT_THAT(Errors(R"("\ude00")"), ElementsAre("1:2: unpaired surrogate `\\ude00` in a string"));
  // Lexing resumes after the closing quote.
  EXPECT_THAT(Kinds(R"("a\qb" x)"), ElementsAre(K::kError, K::kIdentifier, K::kEof));
}

TEST(LexerTest, UnterminatedString) {
  EXPECT_THAT(Errors("x \"abc\ny"),
              ElementsAre("1:3: unterminated string: missing closing `\"` before the end of the "
                          "line"));
  EXPECT_THAT(Kinds("x \"abc\ny"), ElementsAre(K::kIdentifier, K::kError, K::kIdentifier, K::kEof));
  EXPECT_THAT(Errors("\"abc"), SizeIs(1));
  EXPECT_THAT(Errors("\"abc\\"), SizeIs(1));
  EXPECT_THAT(Errors("\"abc\\\n\""), SizeIs(2));  // the second quote opens another string
}

TEST(LexerTest, ControlCharactersAndBadUtf8InStrings) {
  EXPECT_THAT(Errors("\"a\tb\""),
              ElementsAre("1:3: control character U+0009 in a string; write it as an escape such "
                          "as `\\t` or `\\u0000`"));
  EXPECT_THAT(Errors("\"a\xFF\""), ElementsAre("1:3: invalid UTF-8 in a string"));
  EXPECT_THAT(Errors("\"\xC0\xAF\""), ElementsAre("1:2: invalid UTF-8 in a string"));  // overlong
  EXPECT_THAT(Errors("\"\xED\xA0\x80\""), ElementsAre("1:2: invalid UTF-8 in a string"));
}

TEST(LexerTest, StringTooLong) {
  EXPECT_THAT(Errors("\"abcdefgh\"", 8), IsEmpty());
  EXPECT_THAT(Errors("x \"abcdefghi\"", 8), ElementsAre("1:3: string literal longer than 8 bytes"));
  EXPECT_THAT(Errors(R"("\u00e9\u00e9\u00e9\u00e9\u00e9")", 8),
              ElementsAre("1:1: string literal longer than 8 bytes"));
}

TEST(LexerTest, Regexes) {
  EXPECT_EQ(RegexPattern(R"(/abc/)"), "abc");
  EXPECT_EQ(RegexPattern(R"(/\b\d{3}-\d{2}-\d{4}\b/)"), R"(\b\d{3}-\d{2}-\d{4}\b)");
  EXPECT_EQ(RegexPattern(R"(/a\/b/)"), "a/b");    // `\/` becomes `/`
  EXPECT_EQ(RegexPattern(R"(/a\\/)"), R"(a\\)");  // `\\` is kept
  EXPECT_EQ(RegexPattern(R"(/[/]x/)"), "[/]x");   // `/` inside a class
  EXPECT_EQ(RegexPattern(R"(/[\/]x/)"), "[/]x");
  EXPECT_EQ(RegexPattern(R"(/[\]/]x/)"), R"([\]/]x)");  // escaped `]` stays in the class
  EXPECT_EQ(RegexPattern(R"(/[]/]x/)"), "[]/]x");       // a leading `]` is literal
  EXPECT_EQ(RegexPattern(R"(/[^]/]x/)"), "[^]/]x");
  EXPECT_EQ(RegexPattern(R"(/[[:alpha:]/]+/)"), "[[:alpha:]/]+");
  EXPECT_EQ(RegexPattern(R"(/[[:^digit:]/]+/)"), "[[:^digit:]/]+");
  EXPECT_EQ(RegexPattern(R"(/(?i)caf\x{e9}/)"), R"((?i)caf\x{e9})");
  EXPECT_EQ(RegexPattern("/caf\xC3\xA9/"), "caf\xC3\xA9");
  EXPECT_EQ(RegexPattern("/a\tb/"), "a\tb");
  // A regex ends at the first unescaped `/` outside a class: no flags after it.
  EXPECT_THAT(Kinds("/a/i"), ElementsAre(K::kRegex, K::kIdentifier, K::kEof));
  EXPECT_THAT(Kinds("x matches /a/;"),
              ElementsAre(K::kIdentifier, K::kIdentifier, K::kRegex, K::kSemicolon, K::kEof));
}

TEST(LexerTest, UnterminatedRegex) {
  EXPECT_THAT(Errors("x /abc\ny"),
              ElementsAre("1:3: unterminated regular expression: missing closing `/` before "
                          "the end of the line"));
  EXPECT_THAT(Kinds("x /abc\ny"), ElementsAre(K::kIdentifier, K::kError, K::kIdentifier, K::kEof));
  EXPECT_THAT(Errors("/a[/]"), SizeIs(1));
  EXPECT_THAT(Errors("/a[/\n]/"), SizeIs(2));  // `]/` on the next line opens another regex
  EXPECT_THAT(Errors("/abc\\"), SizeIs(1));
  EXPECT_THAT(Errors("/abc\r\n/"), SizeIs(2));
}

TEST(LexerTest, RegexErrors) {
  EXPECT_THAT(Errors("/a\x01/"),
              ElementsAre("1:3: control character U+0001 in a regular expression; write it as an "
                          "escape such as `\\n`"));
  EXPECT_THAT(Errors("/a\xFE/"), ElementsAre("1:3: invalid UTF-8 in a regular expression"));
  EXPECT_THAT(Errors("/abcdefghi/", 8), ElementsAre("1:1: regular expression longer than 8 bytes"));
  EXPECT_THAT(Errors("/abcdefgh/", 8), IsEmpty());
}

TEST(LexerTest, Comments) {
  std::vector<LexError> errors;
  std::vector<ast::Comment> comments;
  const std::vector<Token> tokens =
      Tokenize("a // one\r\n/* two\n  lines */ b /**/ /* /* not nested */ c//", &errors, &comments);
  EXPECT_THAT(errors, IsEmpty());
  ASSERT_THAT(tokens, SizeIs(4));
  EXPECT_EQ(tokens[0].text, "a");
  EXPECT_EQ(tokens[1].text, "b");
  EXPECT_EQ(tokens[2].text, "c");
  ASSERT_THAT(comments, SizeIs(5));
  EXPECT_EQ(comments[0].text, "// one");
  EXPECT_EQ(comments[0].span.begin.column, 3);
  EXPECT_EQ(comments[0].span.end.column, 9);
  EXPECT_EQ(comments[1].text, "/* two\n  lines */");
  EXPECT_EQ(comments[1].span.begin.line, 2);
  EXPECT_EQ(comments[1].span.end.line, 3);
  EXPECT_EQ(comments[1].span.end.column, 11);
  EXPECT_EQ(comments[2].text, "/**/");
  EXPECT_EQ(comments[3].text, "/* /* not nested */");
  EXPECT_EQ(comments[4].text, "//");
}

TEST(LexerTest, CommentsWinOverRegexes) {
  // `//` and `/*` always start comments, so a regex cannot start with `/` or `*`.
  EXPECT_THAT(Kinds("x // /a/"), ElementsAre(K::kIdentifier, K::kEof));
  EXPECT_THAT(Kinds("x /*a*/ y"), ElementsAre(K::kIdentifier, K::kIdentifier, K::kEof));
  EXPECT_THAT(Kinds("/a*/"), ElementsAre(K::kRegex, K::kEof));
}

TEST(LexerTest, UnterminatedBlockComment) {
  EXPECT_THAT(Errors("x\n  /* abc"), ElementsAre("2:3: unterminated comment: `/*` without `*/`"));
  EXPECT_THAT(Kinds("x /* abc"), ElementsAre(K::kIdentifier, K::kEof));
}

TEST(LexerTest, BadUtf8InComments) {
  EXPECT_THAT(Errors("// a\xFF\xFF\nx"), ElementsAre("1:5: invalid UTF-8 in a comment"));
  EXPECT_THAT(Errors("/* \xFF */"), ElementsAre("1:4: invalid UTF-8 in a comment"));
  EXPECT_THAT(Errors("// caf\xC3\xA9"), IsEmpty());
}

TEST(LexerTest, UnexpectedCharacters) {
  EXPECT_THAT(Errors("a = b"), ElementsAre("1:3: unexpected character `=`; did you mean `==`?"));
  EXPECT_THAT(Errors("!a"),
              ElementsAre("1:1: unexpected character `!`; did you mean `!=` or `not`?"));
  EXPECT_THAT(Errors("a && b"), ElementsAre("1:3: unexpected `&&`; did you mean `and`?"));
  EXPECT_THAT(Errors("a & b"), ElementsAre("1:3: unexpected character `&`; did you mean `and`?"));
  EXPECT_THAT(Errors("a || b"), ElementsAre("1:3: unexpected `||`; did you mean `or`?"));
  // `|` separates enum members; the parser says what it means elsewhere (ParserTest).
  EXPECT_THAT(Errors("a | b"), IsEmpty());
  EXPECT_THAT(Errors("'a'"),
              ElementsAre("1:1: unexpected character `'`; strings are written in double quotes",
                          "1:3: unexpected character `'`; strings are written in double quotes"));
  EXPECT_THAT(Errors("#"), ElementsAre("1:1: unexpected character `#`"));
  EXPECT_THAT(Errors("`"), ElementsAre("1:1: unexpected backtick (U+0060)"));
  EXPECT_THAT(Errors("\x01"), ElementsAre("1:1: unexpected character U+0001"));
  EXPECT_THAT(Errors("\f"), ElementsAre("1:1: unexpected character U+000C"));
  EXPECT_THAT(Errors("\x7F"), ElementsAre("1:1: unexpected character U+007F"));
  EXPECT_THAT(Errors("x \xC3\xA9"), ElementsAre("1:3: unexpected character `\xC3\xA9` (U+00E9)"));
  EXPECT_THAT(Errors("\xFF"), ElementsAre("1:1: invalid UTF-8 byte 0xFF"));
  EXPECT_THAT(Errors("\xE2\x82"),
              ElementsAre("1:1: invalid UTF-8 byte 0xE2", "1:2: invalid UTF-8 byte 0x82"));
  // Each bad character is one error token, and lexing goes on.
  EXPECT_THAT(Kinds("a = b"), ElementsAre(K::kIdentifier, K::kError, K::kIdentifier, K::kEof));
  EXPECT_THAT(Kinds("a && b"), ElementsAre(K::kIdentifier, K::kError, K::kIdentifier, K::kEof));
}

TEST(LexerTest, TakeErrorsAndCommentsEmptyTheLists) {
  Lexer lexer("# // c\nx");
  EXPECT_EQ(lexer.Next().kind, K::kError);
  EXPECT_THAT(lexer.TakeErrors(), SizeIs(1));
  EXPECT_THAT(lexer.TakeErrors(), IsEmpty());
  EXPECT_EQ(lexer.Next().kind, K::kIdentifier);
  EXPECT_THAT(lexer.TakeComments(), SizeIs(1));
  EXPECT_THAT(lexer.TakeComments(), IsEmpty());
}

TEST(LexerTest, DecodeUtf8) {
  uint32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("A", &cp), 1);
  EXPECT_EQ(cp, 0x41u);
  EXPECT_EQ(DecodeUtf8("\xC3\xA9", &cp), 2);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(DecodeUtf8("\xE2\x82\xAC", &cp), 3);
  EXPECT_EQ(cp, 0x20ACu);
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98\x80", &cp), 4);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(DecodeUtf8("", &cp), 0);
  EXPECT_EQ(DecodeUtf8("\x80", &cp), 0);
  EXPECT_EQ(DecodeUtf8("\xC3", &cp), 0);              // truncated
  EXPECT_EQ(DecodeUtf8("\xC1\xBF", &cp), 0);          // overlong
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80", &cp), 0);      // surrogate
  EXPECT_EQ(DecodeUtf8("\xF4\x90\x80\x80", &cp), 0);  // above U+10FFFF
  EXPECT_EQ(DecodeUtf8("\xF8\x88\x80\x80\x80", &cp), 0);
}

TEST(LexerTest, Abbreviate) {
  EXPECT_EQ(Abbreviate("abc"), "abc");
  EXPECT_EQ(Abbreviate("abcdef", 3), "abc...");
  EXPECT_EQ(Abbreviate("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xC3\xA9...");
  EXPECT_EQ(Abbreviate("a\nb\x01\xFF"), "a\\nb\\x01\\xFF");
}

TEST(LexerTest, TokenKindNames) {
  EXPECT_EQ(TokenKindName(K::kEof), "end of file");
  EXPECT_EQ(TokenKindName(K::kSemicolon), "`;`");
  EXPECT_EQ(TokenKindName(K::kRegex), "regular expression");
}

}  // namespace
}  // namespace ward
