// The JSON Canonicalization Scheme of RFC 8785 (JCS): one byte sequence per JSON value, for
// hashing and signing.

#ifndef WARD_LIB_INTERNAL_CANONICAL_JSON_H_
#define WARD_LIB_INTERNAL_CANONICAL_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ward::internal {

// Containers nested deeper than this (`[]` is one level) are refused by CanonicalJson.
inline constexpr size_t kMaxCanonicalJsonDepth = 1000;

// Writes `value` in RFC 8785 canonical form: no whitespace; object members sorted by the
// UTF-16 code units of their names; strings as AppendCanonicalString writes them; numbers with
// a fraction or an exponent (number_float) in the ECMAScript Number.prototype.toString form
// ("1e+30", "4.5", "0.002", "1e-7"; -0 as "0").
//
// One deliberate departure from RFC 8785, which treats every number as an IEEE 754 double:
// integers (number_integer, number_unsigned) are written exactly in decimal, so that
// 18446744073709551615 stays 18446744073709551615 rather than becoming 18446744073709552000.
// Integers up to 2^53 in magnitude come out the same either way.
//
// Fails (InvalidArgument) on what has no JSON text: NaN, infinities, binary values, discarded
// values; on strings and names that are not valid UTF-8; and on nesting deeper than
// kMaxCanonicalJsonDepth.
absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value);

// Appends `utf8` as a JSON string literal in RFC 8785 form: only `"`, `\` and U+0000–U+001F
// are escaped, the latter as \b \f \n \r \t where JSON has a short form and as \u00xx (lower
// case hex) otherwise; everything else, non-ASCII and U+007F included, is written as raw
// UTF-8, and '/' is not escaped. Each byte of an invalid UTF-8 sequence is written as U+FFFD
// (CanonicalJson refuses such strings instead).
void AppendCanonicalString(absl::string_view utf8, std::string* out);

// Whether the name `a` comes before `b` in RFC 8785's order of object members: by their UTF-16
// code units. Allocates nothing. Invalid UTF-8 sorts by its bytes, after valid text.
bool CanonicalKeyLess(absl::string_view a, absl::string_view b);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_CANONICAL_JSON_H_
