// Checking UTF-8 that arrives in chunks, where a character may be split between two: the
// bindings' redactors refuse output that is not text before any of it is released.

#ifndef WARD_LIB_INTERNAL_UTF8_STREAM_H_
#define WARD_LIB_INTERNAL_UTF8_STREAM_H_

#include "absl/strings/string_view.h"

namespace ward::internal {

class Utf8StreamValidator {
 public:
  // False at the first byte that cannot be part of well-formed UTF-8 (overlong forms,
  // surrogates and code points above U+10FFFF included).
  bool Take(absl::string_view chunk) {
    for (const char c : chunk) {
      const auto b = static_cast<unsigned char>(c);
      if (need_ == 0) {
        if (b < 0x80) continue;
        low_ = 0x80;
        high_ = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
          need_ = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
          need_ = 2;
          if (b == 0xE0) low_ = 0xA0;   // no overlong forms
          if (b == 0xED) high_ = 0x9F;  // no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
          need_ = 3;
          if (b == 0xF0) low_ = 0x90;
          if (b == 0xF4) high_ = 0x8F;  // nothing above U+10FFFF
        } else {
          return false;
        }
      } else {
        if (b < low_ || b > high_) return false;
        --need_;
        low_ = 0x80;
        high_ = 0xBF;
      }
    }
    return true;
  }

  // Whether the text so far ends with a whole character.
  bool complete() const { return need_ == 0; }

 private:
  int need_ = 0;
  unsigned char low_ = 0x80;
  unsigned char high_ = 0xBF;
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_UTF8_STREAM_H_
