#include "lib/internal/regex_bounds.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/string_view.h"

namespace ward::internal {
namespace {

// A length in bytes; kUnbounded when there is no bound.
using Length = uint64_t;
constexpr Length kUnbounded = std::numeric_limits<Length>::max();
// Lengths from this one on count as unbounded: far beyond any useful window, and small enough
// that no sum or product of two smaller lengths overflows.
constexpr Length kCap = Length{1} << 40;
// The most bytes one character takes in UTF-8.
constexpr Length kAnyChar = 4;
// RE2's own limits: nesting depth and the count of a repetition.
constexpr int kMaxDepth = 1000;
constexpr int kMaxRepeat = 1000;

Length Add(Length a, Length b) {
  if (a >= kCap || b >= kCap || a + b >= kCap) return kUnbounded;
  return a + b;
}

// Up to `n` copies of a text of at most `a` bytes (n == kUnbounded: any number of copies).
Length Repeat(Length a, Length n) {
  if (a == 0 || n == 0) return 0;
  if (a >= kCap || n >= kCap || a >= kCap / n) return kUnbounded;
  return a * n;
}

Length Utf8Length(char32_t r) {
  if (r < 0x80) return 1;
  if (r < 0x800) return 2;
  if (r < 0x10000) return 3;
  return 4;
}

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsOctal(char32_t c) { return c >= '0' && c <= '7'; }
bool IsHex(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char32_t c) {
  if (IsAsciiDigit(c)) return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  return static_cast<int>(c - 'A' + 10);
}

// Whether the range lo..hi holds an ASCII letter.
bool HoldsLetter(char32_t lo, char32_t hi) {
  return (lo <= 'Z' && hi >= 'A') || (lo <= 'z' && hi >= 'a');
}

// A literal character: its UTF-8 bytes, but under (?i) a letter or a non-ASCII character may
// match a case variant of another length (k matches U+212A, s matches U+017F).
Length LiteralLength(char32_t r, bool fold) {
  if (fold && (r >= 0x80 || IsAsciiLetter(r))) return kAnyChar;
  return Utf8Length(r);
}

// The POSIX classes of RE2 ([[:alpha:]]), and whether each holds an ASCII letter. All are
// ASCII; their negations ([[:^alpha:]]) are not.
struct PosixClass {
  absl::string_view name;
  bool letters;
};
constexpr PosixClass kPosixClasses[] = {
    {"alnum", true},  {"alpha", true}, {"ascii", true}, {"blank", false}, {"cntrl", false},
    {"digit", false}, {"graph", true}, {"lower", true}, {"print", true},  {"punct", false},
    {"space", false}, {"upper", true}, {"word", true},  {"xdigit", true},
};

// A recursive-descent reading of RE2's syntax (re2/parse.cc, Perl mode) that computes the
// longest text each part can match. Every method returns false when it meets something it
// does not understand (or that RE2 would reject).
class Analyser {
 public:
  explicit Analyser(absl::string_view pattern) : p_(pattern) {}

  std::optional<Length> Run() {
    Length length = 0;
    if (!Alternation(0, /*fold=*/false, &length) || !AtEnd()) return std::nullopt;
    return length;
  }

 private:
  bool AtEnd() const { return i_ >= p_.size(); }
  size_t Left() const { return p_.size() - i_; }
  bool Peek(char c) const { return i_ < p_.size() && p_[i_] == c; }

  bool NextRune(char32_t* r) {
    const int n = DecodeRune(p_.substr(i_), r);
    if (n <= 0) return false;
    i_ += static_cast<size_t>(n);
    return true;
  }

  // Alternatives up to an unmatched ')' (not consumed) or the end. `fold` is whether (?i) is on
  // at the start; a flag group changes it until the end of the enclosing group, across `|`.
  bool Alternation(int depth, bool fold, Length* out) {
    if (depth > kMaxDepth) return false;
    Length longest = 0;
    Length before_last = 0;      // the current branch without its last item
    std::optional<Length> last;  // the last item, which a repetition applies to
    auto push = [&](Length item) {
      if (last.has_value()) before_last = Add(before_last, *last);
      last = item;
    };
    while (!AtEnd() && p_[i_] != ')') {
      const char c = p_[i_];
      switch (c) {
        case '|':
          longest = std::max(longest, Add(before_last, last.value_or(0)));
          before_last = 0;
          last.reset();
          ++i_;
          break;
        case '(': {
          std::optional<Length> group;
          if (!Group(depth, &fold, &group)) return false;
          // A flag group such as (?i) adds nothing: a repetition after it applies to the item
          // before it, as in RE2.
          if (group.has_value()) push(*group);
          break;
        }
        case '*':
        case '+':
        case '?':
          ++i_;
          if (Peek('?')) ++i_;  // lazy
          if (!last.has_value()) return false;
          if (c != '?') last = Repeat(*last, kUnbounded);
          break;
        case '{': {
          int min = 0;
          int max = 0;
          if (!Repetition(&min, &max)) {
            // Not a repetition: a literal brace.
            push(LiteralLength('{', fold));
            ++i_;
            break;
          }
          if (Peek('?')) ++i_;  // lazy
          if (!last.has_value()) return false;
          if (min > kMaxRepeat || max > kMaxRepeat || (max >= 0 && max < min)) return false;
          last = Repeat(*last, max < 0 ? kUnbounded : static_cast<Length>(max));
          break;
        }
        case '^':
        case '$':
          push(0);
          ++i_;
          break;
        case '.':
          push(kAnyChar);
          ++i_;
          break;
        case '[': {
          Length length = 0;
          if (!CharClass(fold, &length)) return false;
          push(length);
          break;
        }
        case '\\':
          if (!Escape(fold, push)) return false;
          break;
        default: {
          char32_t r = 0;
          if (!NextRune(&r)) return false;
          push(LiteralLength(r, fold));
          break;
        }
      }
    }
    *out = std::max(longest, Add(before_last, last.value_or(0)));
    return true;
  }

  // At '(': a group, or a flag group that changes `*fold` (then `*out` stays empty).
  bool Group(int depth, bool* fold, std::optional<Length>* out) {
    ++i_;  // '('
    bool inner_fold = *fold;
    if (Peek('?')) {
      ++i_;
      const bool named_p = Left() > 1 && p_[i_] == 'P' && p_[i_ + 1] == '<';
      if (named_p || Peek('<')) {
        // (?P<name>...), and (?<name>...) in newer RE2 versions.
        const size_t close = p_.find('>', i_);
        if (close == absl::string_view::npos) return false;
        i_ = close + 1;
      } else {
        bool negated = false;
        bool saw_flag = false;
        bool new_fold = *fold;
        for (bool done = false; !done;) {
          if (AtEnd()) return false;
          const char f = p_[i_++];
          switch (f) {
            case 'i':
              saw_flag = true;
              new_fold = !negated;
              break;
            case 'm':
            case 's':
            case 'U':
              saw_flag = true;
              break;
            case '-':
              if (negated) return false;
              negated = true;
              saw_flag = false;
              break;
            case ':':
              if (negated && !saw_flag) return false;
              inner_fold = new_fold;
              done = true;
              break;
            case ')':
              if (negated && !saw_flag) return false;
              *fold = new_fold;
              return true;
            default:
              return false;
          }
        }
      }
    }
    Length length = 0;
    if (!Alternation(depth + 1, inner_fold, &length)) return false;
    if (!Peek(')')) return false;
    ++i_;
    *out = length;
    return true;
  }

  // At '{': a repetition {n}, {n,} or {n,m} as RE2 reads it (no leading zeros, {,m} is not
  // one). Consumes it only when it is one; `*max` is -1 for {n,}.
  bool Repetition(int* min, int* max) {
    size_t j = i_ + 1;
    if (!Integer(&j, min)) return false;
    if (j >= p_.size()) return false;
    if (p_[j] == ',') {
      ++j;
      if (j >= p_.size()) return false;
      if (p_[j] == '}') {
        *max = -1;
      } else if (!Integer(&j, max)) {
        return false;
      }
    } else {
      *max = *min;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  bool Integer(size_t* j, int* value) {
    if (*j >= p_.size() || !IsAsciiDigit(p_[*j])) return false;
    if (*j + 1 < p_.size() && p_[*j] == '0' && IsAsciiDigit(p_[*j + 1])) return false;
    int n = 0;
    while (*j < p_.size() && IsAsciiDigit(p_[*j])) {
      if (n >= 100000000) return false;
      n = n * 10 + (p_[*j] - '0');
      ++*j;
    }
    *value = n;
    return true;
  }

  // At '\\' outside a class.
  template <typename Push>
  bool Escape(bool fold, Push& push) {
    if (Left() < 2) return false;  // trailing backslash
    const char e = p_[i_ + 1];
    switch (e) {
      case 'b':  // word boundary
      case 'B':
      case 'A':  // beginning of text
      case 'z':  // end of text
        push(0);
        i_ += 2;
        return true;
      case 'C':  // any byte
        push(1);
        i_ += 2;
        return true;
      case 'Q': {  // \Q...\E: literal characters, each its own item
        i_ += 2;
        while (!AtEnd()) {
          if (Left() >= 2 && p_[i_] == '\\' && p_[i_ + 1] == 'E') {
            i_ += 2;
            break;
          }
          char32_t r = 0;
          if (!NextRune(&r)) return false;
          push(LiteralLength(r, fold));
        }
        return true;
      }
      case 'p':  // Unicode classes: any character
      case 'P':
        i_ += 2;
        if (!UnicodeClassName()) return false;
        push(kAnyChar);
        return true;
      case 'd':
      case 's':
        push(1);
        i_ += 2;
        return true;
      case 'w':  // under (?i), \w holds k and s, which fold to U+212A and U+017F
        push(fold ? kAnyChar : 1);
        i_ += 2;
        return true;
      case 'D':
      case 'S':
      case 'W':
        push(kAnyChar);
        i_ += 2;
        return true;
      default: {
        char32_t r = 0;
        if (!EscapedRune(&r)) return false;
        push(LiteralLength(r, fold));
        return true;
      }
    }
  }

  // After \p or \P: the name, one character or {...}.
  bool UnicodeClassName() {
    char32_t c = 0;
    if (!NextRune(&c)) return false;
    if (c == '{') {
      const size_t close = p_.find('}', i_);
      if (close == absl::string_view::npos) return false;
      i_ = close + 1;
    }
    return true;
  }

  // At '\\': an escape that stands for one character (RE2's ParseEscape).
  bool EscapedRune(char32_t* r) {
    ++i_;  // backslash
    char32_t c = 0;
    if (!NextRune(&c)) return false;
    if (c >= '1' && c <= '7' && (AtEnd() || !IsOctal(p_[i_]))) {
      return false;  // a backreference
    }
    if (IsOctal(c)) {  // up to three octal digits
      char32_t code = c - '0';
      for (int k = 0; k < 2 && !AtEnd() && IsOctal(p_[i_]); ++k) {
        code = code * 8 + (p_[i_] - '0');
        ++i_;
      }
      *r = code;
      return true;
    }
    switch (c) {
      case 'x': {
        if (!NextRune(&c)) return false;
        if (c == '{') {
          int digits = 0;
          char32_t code = 0;
          if (!NextRune(&c)) return false;
          while (IsHex(c)) {
            ++digits;
            code = code * 16 + HexValue(c);
            if (code > 0x10FFFF) return false;
            if (!NextRune(&c)) return false;
          }
          if (c != '}' || digits == 0) return false;
          *r = code;
          return true;
        }
        char32_t c1 = 0;
        if (!NextRune(&c1)) return false;
        if (!IsHex(c) || !IsHex(c1)) return false;
        *r = static_cast<char32_t>(HexValue(c) * 16 + HexValue(c1));
        return true;
      }
      case 'n':
        *r = '\n';
        return true;
      case 'r':
        *r = '\r';
        return true;
      case 't':
        *r = '\t';
        return true;
      case 'a':
        *r = '\a';
        return true;
      case 'f':
        *r = '\f';
        return true;
      case 'v':
        *r = '\v';
        return true;
      default:
        // Escaped punctuation stands for itself; other escapes are errors.
        if (c < 0x80 && !IsAsciiLetter(c) && !IsAsciiDigit(c)) {
          *r = c;
          return true;
        }
        return false;
    }
  }

  // At '[': a class. One byte when it can only match ASCII characters (and, under (?i), no
  // letters), else any character.
  bool CharClass(bool fold, Length* out) {
    ++i_;  // '['
    bool negated = false;
    if (Peek('^')) {
      negated = true;
      ++i_;
    }
    bool wide = negated;  // may match a character of more than one byte
    bool letters = false;
    bool first = true;  // ']' is a member when first
    while (!AtEnd() && (p_[i_] != ']' || first)) {
      first = false;
      // [:alpha:] and [:^alpha:]
      if (Left() > 2 && p_[i_] == '[' && p_[i_ + 1] == ':') {
        const size_t close = p_.find(":]", i_ + 2);
        if (close != absl::string_view::npos) {
          absl::string_view name = p_.substr(i_ + 2, close - (i_ + 2));
          i_ = close + 2;
          const bool negated_name = !name.empty() && name[0] == '^';
          if (negated_name) name.remove_prefix(1);
          const PosixClass* found = nullptr;
          for (const PosixClass& posix : kPosixClasses) {
            if (posix.name == name) found = &posix;
          }
          if (found == nullptr) return false;
          if (negated_name) wide = true;
          if (found->letters) letters = true;
          continue;
        }
      }
      // \p{Greek}, \pL, \P...
      if (Left() > 2 && p_[i_] == '\\' && (p_[i_ + 1] == 'p' || p_[i_ + 1] == 'P')) {
        i_ += 2;
        if (!UnicodeClassName()) return false;
        wide = true;
        continue;
      }
      // \d \s \w \D \S \W
      if (Left() >= 2 && p_[i_] == '\\') {
        const char e = p_[i_ + 1];
        if (e == 'd' || e == 's' || e == 'w' || e == 'D' || e == 'S' || e == 'W') {
          if (e == 'w') letters = true;
          if (e == 'D' || e == 'S' || e == 'W') wide = true;
          i_ += 2;
          continue;
        }
      }
      // A character or a range.
      char32_t lo = 0;
      if (!ClassChar(&lo)) return false;
      char32_t hi = lo;
      if (Left() >= 2 && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        if (!ClassChar(&hi)) return false;
        if (hi < lo) return false;
      }
      if (hi >= 0x80) wide = true;
      if (HoldsLetter(lo, hi)) letters = true;
    }
    if (AtEnd()) return false;  // missing ]
    ++i_;                       // ']'
    *out = (wide || (fold && letters)) ? kAnyChar : 1;
    return true;
  }

  bool ClassChar(char32_t* r) {
    if (AtEnd()) return false;
    if (p_[i_] == '\\') return EscapedRune(r);
    return NextRune(r);
  }

  absl::string_view p_;
  size_t i_ = 0;
};

}  // namespace

std::optional<size_t> MaxMatchLength(absl::string_view pattern) {
  const std::optional<Length> length = Analyser(pattern).Run();
  if (!length.has_value() || *length >= kCap) return std::nullopt;
  if (*length > std::numeric_limits<size_t>::max()) return std::nullopt;
  return static_cast<size_t>(*length);
}

int DecodeRune(absl::string_view text, char32_t* rune) {
  if (text.empty()) return 0;
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned c = byte(0);
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  // RE2's fullrune: is the whole character there?
  if (text.size() < 2 || (c >= 0xE0 && text.size() < 3) || (c >= 0xF0 && text.size() < 4)) {
    return 0;
  }
  // RE2's chartorune.
  const unsigned c1 = byte(1) ^ 0x80;
  if (c1 & 0xC0) return -1;
  if (c < 0xE0) {
    if (c < 0xC0) return -1;
    const char32_t r = ((c << 6) | c1) & 0x7FF;
    if (r <= 0x7F) return -1;
    *rune = r;
    return 2;
  }
  const unsigned c2 = byte(2) ^ 0x80;
  if (c2 & 0xC0) return -1;
  if (c < 0xF0) {
    const char32_t r = ((((c << 6) | c1) << 6) | c2) & 0xFFFF;
    if (r <= 0x7FF) return -1;
    *rune = r;
    return 3;
  }
  const unsigned c3 = byte(3) ^ 0x80;
  if (c3 & 0xC0) return -1;
  if (c < 0xF8) {
    const char32_t r = ((((((c << 6) | c1) << 6) | c2) << 6) | c3) & 0x1FFFFF;
    if (r <= 0xFFFF || r > 0x10FFFF) return -1;
    *rune = r;
    return 4;
  }
  return -1;
}

}  // namespace ward::internal
