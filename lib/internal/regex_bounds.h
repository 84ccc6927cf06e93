// How long a match of a regular expression can be, from its text alone.
//
// RE2 does not install its parse tree, so this is a small analyser of RE2's syntax of its
// own. It is conservative: whatever it does not understand makes the answer "unknown", and it
// never answers a bound smaller than the longest text the pattern can match. Redaction streams
// (ward/redact.h) rely on that: a match can only be found across a chunk boundary when enough
// text is held back.

#ifndef WARD_LIB_INTERNAL_REGEX_BOUNDS_H_
#define WARD_LIB_INTERNAL_REGEX_BOUNDS_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace ward::internal {

// An upper bound on the length in bytes of any text `pattern` (RE2 syntax, UTF-8) can match;
// nullopt when the pattern can match unboundedly long text or when the analysis cannot tell
// (it must never under-estimate).
//
// A literal character counts its UTF-8 bytes; `.`, negated classes, \D \S \W, \pN / \p{..} /
// \PN and classes with a non-ASCII member count 4 (any character); ASCII-only classes and
// \d \s \w count 1, except that under (?i) a letter may fold to a multi-byte character
// (k to U+212A KELVIN SIGN, s to U+017F LONG S), so a letter or a class holding one counts 4;
// \C counts 1. Alternation takes the longest branch; `?`, {n} and {n,m} multiply (a lazy `?`
// changes nothing); `*`, `+` and {n,} are unbounded unless what they repeat matches only the
// empty text; ^ $ \A \z \b \B and flag groups count 0. The arithmetic saturates: a bound too
// large to represent is nullopt.
std::optional<size_t> MaxMatchLength(absl::string_view pattern);

// Decodes the character at the start of `text` exactly as RE2 does (its chartorune, which
// accepts surrogates and rejects overlong forms and values above U+10FFFF). Returns its length
// in bytes (1 to 4) and sets `*rune`; 0 when `text` is empty or ends before the character
// does; -1 when the bytes do not start a valid character.
int DecodeRune(absl::string_view text, char32_t* rune);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_REGEX_BOUNDS_H_
