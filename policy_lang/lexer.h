// The lexer: `*.ward` text to tokens with source spans.
//
// Keywords are not separate token kinds: `permit`, `when`, `subject`, ... are identifiers and
// the parser looks at their text, so that a keyword can be an attribute name after a `.`.
// Comments are not tokens; the lexer collects them (with their spans) for the formatter.
//
// Lexical errors do not stop the lexer: each is recorded (see TakeErrors) and the offending
// text becomes one kError token, after which lexing resumes at a sensible point (after the
// bad character, after the closing quote of a bad string, at the end of the line of an
// unterminated literal).

#ifndef WARD_POLICY_LANG_LEXER_H_
#define WARD_POLICY_LANG_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "policy_lang/ast.h"

namespace ward {

enum class TokenKind : uint8_t {
  kEof,
  kError,       // text that is not a token; its error has been recorded
  kIdentifier,  // [A-Za-z_][A-Za-z0-9_]*
  kString,      // "..." with JSON escapes; `value` holds the unescaped text
  kInt,         // decimal digits; `int_magnitude` holds the value
  kRegex,       // /.../; `value` holds the pattern with `\/` turned into `/`
  kLeftBrace,
  kRightBrace,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kLess,
  kGreater,
  kLessEqual,
  kGreaterEqual,
  kEqualEqual,
  kNotEqual,
  kComma,
  kSemicolon,
  kColon,
  kDot,
  kAt,
  kMinus,
  kQuestion,  // `?` after an optional attribute's name
  kPipe,      // `|` between the members of a string enum
};

// "end of file", "identifier", "string", "integer", "regular expression", "`{`", ...
absl::string_view TokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kEof;
  ast::Span span;
  absl::string_view text;  // the token as written: a view into the source text
  std::string value;       // kString: unescaped value; kRegex: the pattern
  // kInt: the value of the digits. It is at most 2^63: 2^63 itself is only valid after a `-`
  // (the parser folds `-` INT into a negative literal); anything larger is a lexical error.
  uint64_t int_magnitude = 0;
  bool first_on_line = false;  // no other token precedes it on its line
};

struct LexError {
  ast::Location location;
  std::string message;  // lower case, no final period, user input in backticks
};

class Lexer {
 public:
  // `text` must outlive the lexer and every token it returns. String and regex literals
  // longer than `max_literal_bytes` (after unescaping) are errors.
  explicit Lexer(absl::string_view text, size_t max_literal_bytes = size_t{1} << 20);

  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  // The next token; kEof at the end, and again on every further call.
  Token Next();

  // The errors recorded since the previous call, in source order.
  std::vector<LexError> TakeErrors();
  // The comments seen so far, in source order; the lexer's list is left empty.
  std::vector<ast::Comment> TakeComments();

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  unsigned char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? static_cast<unsigned char>(text_[pos_ + ahead]) : 0;
  }
  bool HasAhead(size_t ahead) const { return pos_ + ahead < text_.size(); }
  ast::Location Here() const { return {line_, column_, static_cast<int>(pos_)}; }
  // Consumes one byte, keeping line and column (in code points) up to date.
  void Advance();
  void AdvanceBytes(size_t n);
  void AddError(ast::Location location, std::string message);

  // Skips blanks and comments, collecting the comments.
  void SkipBlanksAndComments();
  void LexLineComment();
  void LexBlockComment();

  void LexIdentifier(Token* token);
  void LexNumber(Token* token);
  void LexString(Token* token);
  void LexRegex(Token* token);
  void LexOther(Token* token);

  absl::string_view text_;
  size_t max_literal_bytes_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool saw_newline_ = true;  // since the previous token (or the start)
  std::vector<LexError> errors_;
  std::vector<ast::Comment> comments_;
};

// Lexes all of `text` (a convenience for tests and tools). The result ends with the kEof
// token. Errors and comments are stored when the pointers are non-null.
std::vector<Token> Tokenize(absl::string_view text, std::vector<LexError>* errors,
                            std::vector<ast::Comment>* comments = nullptr,
                            size_t max_literal_bytes = size_t{1} << 20);

// Decodes one UTF-8 encoded code point at the start of `text` (shortest form only, no
// surrogates, at most U+10FFFF). Returns its length in bytes and sets `*code_point`, or
// returns 0 when `text` does not start with a valid sequence.
int DecodeUtf8(absl::string_view text, uint32_t* code_point);

// Describes a piece of source text for a message: at most `max_chars` code points (then
// "..."), control characters and invalid bytes escaped.
std::string Abbreviate(absl::string_view text, size_t max_chars = 40);

}  // namespace ward

#endif  // WARD_POLICY_LANG_LEXER_H_
