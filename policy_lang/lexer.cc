#include "policy_lang/lexer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace ward {
namespace {

constexpr uint64_t kMaxIntMagnitude = uint64_t{1} << 63;  // |INT64_MIN|

bool IsIdentifierStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentifierChar(unsigned char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string CodePointName(uint32_t cp) { return absl::StrFormat("U+%04X", cp); }

}  // namespace

absl::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof:
      return "end of file";
    case TokenKind::kError:
      return "invalid token";
    case TokenKind::kIdentifier:
      return "identifier";
    case TokenKind::kString:
      return "string";
    case TokenKind::kInt:
      return "integer";
    case TokenKind::kRegex:
      return "regular expression";
    case TokenKind::kLeftBrace:
      return "`{`";
    case TokenKind::kRightBrace:
      return "`}`";
    case TokenKind::kLeftParen:
      return "`(`";
    case TokenKind::kRightParen:
      return "`)`";
    case TokenKind::kLeftBracket:
      return "`[`";
    case TokenKind::kRightBracket:
      return "`]`";
    case TokenKind::kLess:
      return "`<`";
    case TokenKind::kGreater:
      return "`>`";
    case TokenKind::kLessEqual:
      return "`<=`";
    case TokenKind::kGreaterEqual:
      return "`>=`";
    case TokenKind::kEqualEqual:
      return "`==`";
    case TokenKind::kNotEqual:
      return "`!=`";
    case TokenKind::kComma:
      return "`,`";
    case TokenKind::kSemicolon:
      return "`;`";
    case TokenKind::kColon:
      return "`:`";
    case TokenKind::kDot:
      return "`.`";
    case TokenKind::kAt:
      return "`@`";
    case TokenKind::kMinus:
      return "`-`";
    case TokenKind::kQuestion:
      return "`?`";
    case TokenKind::kPipe:
      return "`|`";
  }
  return "token";
}

int DecodeUtf8(absl::string_view text, uint32_t* code_point) {
  if (text.empty()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  int length;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < static_cast<size_t>(length)) return 0;
  for (int i = 1; i < length; ++i) {
    const unsigned char b = byte(i);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

std::string Abbreviate(absl::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (chars == max_chars) {
      out += "...";
      break;
    }
    uint32_t cp;
    const int n = DecodeUtf8(text.substr(i), &cp);
    if (n == 0) {
      absl::StrAppendFormat(&out, "\\x%02X", static_cast<unsigned char>(text[i]));
      i += 1;
    } else if (cp < 0x20 || cp == 0x7F) {
      if (cp == '\n') {
        out += "\\n";
      } else if (cp == '\t') {
        out += "\\t";
      } else if (cp == '\r') {
        out += "\\r";
      } else {
        absl::StrAppendFormat(&out, "\\x%02X", cp);
      }
      i += n;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
    ++chars;
  }
  return out;
}

Lexer::Lexer(absl::string_view text, size_t max_literal_bytes)
    : text_(text), max_literal_bytes_(max_literal_bytes) {}

void Lexer::Advance() {
  const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
  if (c == '\n') {
    ++line_;
    column_ = 1;
    saw_newline_ = true;
  } else if ((c & 0xC0) != 0x80) {
    ++column_;
  }
}

void Lexer::AdvanceBytes(size_t n) {
  for (size_t i = 0; i < n && !AtEnd(); ++i) Advance();
}

void Lexer::AddError(ast::Location location, std::string message) {
  errors_.push_back({location, std::move(message)});
}

std::vector<LexError> Lexer::TakeErrors() {
  std::vector<LexError> errors;
  errors.swap(errors_);
  return errors;
}

std::vector<ast::Comment> Lexer::TakeComments() {
  std::vector<ast::Comment> comments;
  comments.swap(comments_);
  return comments;
}

void Lexer::SkipBlanksAndComments() {
  while (!AtEnd()) {
    const unsigned char c = Peek();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      Advance();
    } else if (c == '/' && Peek(1) == '/') {
      LexLineComment();
    } else if (c == '/' && Peek(1) == '*') {
      LexBlockComment();
    } else {
      break;
    }
  }
}

void Lexer::LexLineComment() {
  const ast::Location begin = Here();
  const size_t start = pos_;
  bool reported = false;
  while (!AtEnd()) {
    const unsigned char c = Peek();
    if (c == '\n' || (c == '\r' && Peek(1) == '\n')) break;
    if (c >= 0x80) {
      uint32_t cp;
      const int n = DecodeUtf8(text_.substr(pos_), &cp);
      if (n == 0) {
        if (!reported) AddError(Here(), "invalid UTF-8 in a comment");
        reported = true;
        Advance();
      } else {
        AdvanceBytes(n);
      }
      continue;
    }
    Advance();
  }
  comments_.push_back({std::string(text_.substr(start, pos_ - start)), {begin, Here()}});
}

void Lexer::LexBlockComment() {
  const ast::Location begin = Here();
  const size_t start = pos_;
  AdvanceBytes(2);
  bool reported = false;
  while (true) {
    if (AtEnd()) {
      AddError(begin, "unterminated comment: `/*` without `*/`");
      break;
    }
    const unsigned char c = Peek();
    if (c == '*' && Peek(1) == '/') {
      AdvanceBytes(2);
      break;
    }
    if (c >= 0x80) {
      uint32_t cp;
      const int n = DecodeUtf8(text_.substr(pos_), &cp);
      if (n == 0) {
        if (!reported) AddError(Here(), "invalid UTF-8 in a comment");
        reported = true;
        Advance();
      } else {
        AdvanceBytes(n);
      }
      continue;
    }
    Advance();
  }
  comments_.push_back({std::string(text_.substr(start, pos_ - start)), {begin, Here()}});
}

Token Lexer::Next() {
  SkipBlanksAndComments();
  Token token;
  token.first_on_line = saw_newline_;
  saw_newline_ = false;
  const ast::Location begin = Here();
  const size_t start = pos_;
  if (AtEnd()) {
    token.kind = TokenKind::kEof;
    token.span = {begin, begin};
    token.text = text_.substr(pos_, 0);
    return token;
  }
  const unsigned char c = Peek();
  if (IsIdentifierStart(c)) {
    LexIdentifier(&token);
  } else if (IsDigit(c)) {
    LexNumber(&token);
  } else if (c == '"') {
    LexString(&token);
  } else if (c == '/') {  // `//` and `/*` were taken as comments above
    LexRegex(&token);
  } else {
    LexOther(&token);
  }
  token.span = {begin, Here()};
  token.text = text_.substr(start, pos_ - start);
  return token;
}

void Lexer::LexIdentifier(Token* token) {
  while (!AtEnd() && IsIdentifierChar(Peek())) Advance();
  token->kind = TokenKind::kIdentifier;
}

void Lexer::LexNumber(Token* token) {
  const ast::Location begin = Here();
  const size_t start = pos_;
  uint64_t value = 0;
  bool overflow = false;
  while (!AtEnd() && IsDigit(Peek())) {
    const uint64_t digit = Peek() - '0';
    if (!overflow) {
      if (value > (kMaxIntMagnitude - digit) / 10) {
        overflow = true;
      } else {
        value = value * 10 + digit;
      }
    }
    Advance();
  }
  if (!AtEnd() && IsIdentifierStart(Peek())) {
    while (!AtEnd() && IsIdentifierChar(Peek())) Advance();
    AddError(begin,
             absl::StrCat("invalid number `", Abbreviate(text_.substr(start, pos_ - start)), "`"));
    token->kind = TokenKind::kError;
    return;
  }
  if (overflow) {
    AddError(begin, absl::StrCat("integer `", Abbreviate(text_.substr(start, pos_ - start)),
                                 "` is out of the 64-bit signed range"));
    token->kind = TokenKind::kError;
    return;
  }
  token->kind = TokenKind::kInt;
  token->int_magnitude = value;
}

void Lexer::LexString(Token* token) {
  const ast::Location begin = Here();
  Advance();  // the opening quote
  std::string value;
  bool bad = false;       // an error inside the string was reported
  bool too_long = false;  // stop collecting the value
  const auto fail = [&](ast::Location at, std::string message) {
    if (!bad) AddError(at, std::move(message));
    bad = true;
  };
  const auto append = [&](absl::string_view bytes) {
    if (too_long) return;
    if (value.size() + bytes.size() > max_literal_bytes_) {
      too_long = true;
      value.clear();
      fail(begin, absl::StrCat("string literal longer than ", max_literal_bytes_, " bytes"));
      return;
    }
    value.append(bytes.data(), bytes.size());
  };
  while (true) {
    if (AtEnd() || Peek() == '\n' || (Peek() == '\r' && Peek(1) == '\n')) {
      AddError(begin, "unterminated string: missing closing `\"` before the end of the line");
      token->kind = TokenKind::kError;
      return;
    }
    const unsigned char c = Peek();
    if (c == '"') {
      Advance();
      break;
    }
    if (c == '\\') {
      const ast::Location escape_begin = Here();
      Advance();
      if (AtEnd() || Peek() == '\n' || (Peek() == '\r' && Peek(1) == '\n')) continue;
      const unsigned char e = Peek();
      switch (e) {
        case '"':
        case '\\':
        case '/':
          append(absl::string_view(reinterpret_cast<const char*>(&e), 1));
          Advance();
          continue;
        case 'b':
          append("\b");
          Advance();
          continue;
        case 'f':
          append("\f");
          Advance();
          continue;
        case 'n':
          append("\n");
          Advance();
          continue;
        case 'r':
          append("\r");
          Advance();
          continue;
        case 't':
          append("\t");
          Advance();
          continue;
        case 'u': {
          // Reads four hex digits after `\u` at `pos` (the backslash); -1 when absent.
          const auto read_hex4 = [&](size_t at) -> int32_t {
            if (at + 6 > text_.size() || text_[at] != '\\' || text_[at + 1] != 'u') return -1;
            int32_t v = 0;
            for (size_t i = at + 2; i < at + 6; ++i) {
              const int h = HexValue(static_cast<unsigned char>(text_[i]));
              if (h < 0) return -1;
              v = v * 16 + h;
            }
            return v;
          };
          const size_t backslash = pos_ - 1;
          const int32_t first = read_hex4(backslash);
          if (first < 0) {
            size_t n = 0;
            while (n < 4 && HasAhead(1 + n) && HexValue(Peek(1 + n)) >= 0) ++n;
            fail(escape_begin,
                 absl::StrCat("invalid escape `", Abbreviate(text_.substr(backslash, 2 + n)),
                              "`: `\\u` takes four hex digits"));
            AdvanceBytes(1 + n);
            continue;
          }
          AdvanceBytes(5);
          uint32_t cp = static_cast<uint32_t>(first);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            const int32_t second = read_hex4(pos_);
            if (second >= 0xDC00 && second <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(second) - 0xDC00);
              AdvanceBytes(6);
            } else {
              fail(escape_begin, absl::StrCat("unpaired surrogate `", text_.substr(backslash, 6),
                                              "` in a string"));
              continue;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(escape_begin,
                 absl::StrCat("unpaired surrogate `", text_.substr(backslash, 6), "` in a string"));
            continue;
          }
          std::string utf8;
          AppendUtf8(cp, &utf8);
          append(utf8);
          continue;
        }
        default: {
          uint32_t cp;
          int n = DecodeUtf8(text_.substr(pos_), &cp);
          if (n == 0) n = 1;
          fail(escape_begin,
               absl::StrCat("invalid escape `\\", Abbreviate(text_.substr(pos_, n)),
                            "` in a string; the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                            "and \\uXXXX"));
          AdvanceBytes(n);
          continue;
        }
      }
    }
    if (c < 0x20) {
      fail(Here(), absl::StrCat("control character ", CodePointName(c),
                                " in a string; write it as an escape such as `\\t` or `\\u0000`"));
      Advance();
      continue;
    }
    if (c >= 0x80) {
      uint32_t cp;
      const int n = DecodeUtf8(text_.substr(pos_), &cp);
      if (n == 0) {
        fail(Here(), "invalid UTF-8 in a string");
        Advance();
        continue;
      }
      append(text_.substr(pos_, n));
      AdvanceBytes(n);
      continue;
    }
    append(text_.substr(pos_, 1));
    Advance();
  }
  if (bad) {
    token->kind = TokenKind::kError;
    return;
  }
  token->kind = TokenKind::kString;
  token->value = std::move(value);
}

void Lexer::LexRegex(Token* token) {
  const ast::Location begin = Here();
  Advance();  // the opening slash
  std::string pattern;
  bool bad = false;
  bool too_long = false;
  bool in_class = false;
  const auto fail = [&](ast::Location at, std::string message) {
    if (!bad) AddError(at, std::move(message));
    bad = true;
  };
  const auto append = [&](absl::string_view bytes) {
    if (too_long) return;
    if (pattern.size() + bytes.size() > max_literal_bytes_) {
      too_long = true;
      pattern.clear();
      fail(begin, absl::StrCat("regular expression longer than ", max_literal_bytes_, " bytes"));
      return;
    }
    pattern.append(bytes.data(), bytes.size());
  };
  // Appends the code point at pos_ verbatim (reporting invalid UTF-8 and control characters).
  const auto take_code_point = [&]() {
    const unsigned char c = Peek();
    if (c < 0x20 && c != '\t') {
      fail(Here(), absl::StrCat("control character ", CodePointName(c),
                                " in a regular expression; write it as an escape such as `\\n`"));
      Advance();
      return;
    }
    uint32_t cp;
    const int n = DecodeUtf8(text_.substr(pos_), &cp);
    if (n == 0) {
      fail(Here(), "invalid UTF-8 in a regular expression");
      Advance();
      return;
    }
    append(text_.substr(pos_, n));
    AdvanceBytes(n);
  };
  while (true) {
    if (AtEnd() || Peek() == '\n' || Peek() == '\r') {
      AddError(begin,
               "unterminated regular expression: missing closing `/` before the end of the line");
      token->kind = TokenKind::kError;
      return;
    }
    const unsigned char c = Peek();
    if (c == '\\') {
      if (!HasAhead(1) || Peek(1) == '\n' || Peek(1) == '\r') {
        Advance();
        continue;  // reported as unterminated above
      }
      if (Peek(1) == '/') {
        append("/");
        AdvanceBytes(2);
        continue;
      }
      append("\\");
      Advance();
      take_code_point();
      continue;
    }
    if (in_class) {
      if (c == ']') {
        in_class = false;
      } else if (c == '[' && Peek(1) == ':') {
        // A POSIX class such as `[:alpha:]` (or `[:^alpha:]`) inside a bracket expression.
        size_t end = 2;
        while (end < 12 && HasAhead(end) &&
               (IsIdentifierStart(Peek(end)) || (end == 2 && Peek(end) == '^'))) {
          ++end;
        }
        if (HasAhead(end + 1) && Peek(end) == ':' && Peek(end + 1) == ']') {
          append(text_.substr(pos_, end + 2));
          AdvanceBytes(end + 2);
          continue;
        }
      }
      take_code_point();
      continue;
    }
    if (c == '/') {
      Advance();
      break;
    }
    if (c == '[') {
      in_class = true;
      append("[");
      Advance();
      if (!AtEnd() && Peek() == '^') {
        append("^");
        Advance();
      }
      if (!AtEnd() && Peek() == ']') {  // a `]` first in a class is literal
        append("]");
        Advance();
      }
      continue;
    }
    take_code_point();
  }
  if (bad) {
    token->kind = TokenKind::kError;
    return;
  }
  token->kind = TokenKind::kRegex;
  token->value = std::move(pattern);
}

void Lexer::LexOther(Token* token) {
  const ast::Location begin = Here();
  const unsigned char c = Peek();
  const auto single = [&](TokenKind kind) {
    token->kind = kind;
    Advance();
  };
  const auto one_or_two = [&](TokenKind one, TokenKind two) {
    token->kind = Peek(1) == '=' ? two : one;
    AdvanceBytes(Peek(1) == '=' ? 2 : 1);
  };
  const auto error = [&](size_t bytes, std::string message) {
    AddError(begin, std::move(message));
    token->kind = TokenKind::kError;
    AdvanceBytes(bytes);
  };
  switch (c) {
    case '{':
      return single(TokenKind::kLeftBrace);
    case '}':
      return single(TokenKind::kRightBrace);
    case '(':
      return single(TokenKind::kLeftParen);
    case ')':
      return single(TokenKind::kRightParen);
    case '[':
      return single(TokenKind::kLeftBracket);
    case ']':
      return single(TokenKind::kRightBracket);
    case ',':
      return single(TokenKind::kComma);
    case ';':
      return single(TokenKind::kSemicolon);
    case ':':
      return single(TokenKind::kColon);
    case '.':
      return single(TokenKind::kDot);
    case '@':
      return single(TokenKind::kAt);
    case '-':
      return single(TokenKind::kMinus);
    case '?':
      return single(TokenKind::kQuestion);
    case '<':
      return one_or_two(TokenKind::kLess, TokenKind::kLessEqual);
    case '>':
      return one_or_two(TokenKind::kGreater, TokenKind::kGreaterEqual);
    case '=':
      if (Peek(1) == '=') {
        token->kind = TokenKind::kEqualEqual;
        return AdvanceBytes(2);
      }
      return error(1, "unexpected character `=`; did you mean `==`?");
    case '!':
      if (Peek(1) == '=') {
        token->kind = TokenKind::kNotEqual;
        return AdvanceBytes(2);
      }
      return error(1, "unexpected character `!`; did you mean `!=` or `not`?");
    case '&':
      if (Peek(1) == '&') return error(2, "unexpected `&&`; did you mean `and`?");
      return error(1, "unexpected character `&`; did you mean `and`?");
    case '|':
      if (Peek(1) == '|') return error(2, "unexpected `||`; did you mean `or`?");
      return single(TokenKind::kPipe);
    case '\'':
      return error(1, "unexpected character `'`; strings are written in double quotes");
    case '`':
      return error(1, "unexpected backtick (U+0060)");
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F) {
    return error(1, absl::StrCat("unexpected character ", CodePointName(c)));
  }
  if (c < 0x80) {
    return error(
        1, absl::StrCat("unexpected character `", absl::string_view(text_.substr(pos_, 1)), "`"));
  }
  uint32_t cp;
  const int n = DecodeUtf8(text_.substr(pos_), &cp);
  if (n == 0) {
    return error(1, absl::StrFormat("invalid UTF-8 byte 0x%02X", c));
  }
  return error(n, absl::StrCat("unexpected character `", text_.substr(pos_, n), "` (",
                               CodePointName(cp), ")"));
}

std::vector<Token> Tokenize(absl::string_view text, std::vector<LexError>* errors,
                            std::vector<ast::Comment>* comments, size_t max_literal_bytes) {
  Lexer lexer(text, max_literal_bytes);
  std::vector<Token> tokens;
  while (true) {
    tokens.push_back(lexer.Next());
    if (errors != nullptr) {
      for (LexError& e : lexer.TakeErrors()) errors->push_back(std::move(e));
    }
    if (tokens.back().kind == TokenKind::kEof) break;
  }
  if (comments != nullptr) *comments = lexer.TakeComments();
  return tokens;
}

}  // namespace ward
