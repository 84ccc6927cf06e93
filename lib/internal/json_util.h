// JSON helpers shared by the runtime: the one place that parses JSON text, and the conversions
// from JSON values to attribute values.
//
// nlohmann-json reports errors by throwing; every function here catches what it throws, so
// none of them lets an exception escape.

#ifndef WARD_LIB_INTERNAL_JSON_UTIL_H_
#define WARD_LIB_INTERNAL_JSON_UTIL_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "ward/value.h"

namespace ward::internal {

// Parses `text` as one JSON value. Fails (InvalidArgument) when `text` is longer than
// `max_bytes` (checked before parsing), when containers nest deeper than `max_depth` (`[]` is
// one level), when an object repeats a key, and on syntax errors (the message carries the line
// and column nlohmann reports). Comments are not allowed.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text, size_t max_bytes,
                                         size_t max_depth);

// Converts a JSON value with the shape rules of context entries and inline attributes:
// string → String, integer in the int64 range → Int, bool → Bool, array of strings →
// StringSet, array of integers → IntSet, empty array → empty StringSet, null → nullopt, and
// anything else → an Opaque value describing it ("a number with a fraction", "an object",
// "an integer out of range", "a list of mixed values", ...).
std::optional<Value> JsonToValue(const nlohmann::json& json);

// Converts a JSON value to exactly `type`, for schema-validated entity attributes: timestamps
// come from RFC 3339 strings, sets from arrays of the element type (an empty array is a set of
// either type). The error message describes the mismatch ("expected set<string>, found an
// int") without naming the attribute; callers prefix it. `null` is an error here: callers
// treat it as absent before calling.
absl::StatusOr<Value> JsonToTypedValue(const nlohmann::json& json, Type type);

// What a JSON value is, for messages: "null", "a bool", "an int", "an integer out of range",
// "a number with a fraction", "a string", "an array", "an object".
std::string JsonKindDescription(const nlohmann::json& json);

// A compact rendering of a JSON value for messages, cut to about `max_bytes` (with "...").
std::string JsonForMessage(const nlohmann::json& json, size_t max_bytes = 64);

// `text` as a JSON string literal, quotes included. Invalid UTF-8 is replaced by U+FFFD.
std::string JsonQuote(absl::string_view text);

// Appends the JSON escape of an ASCII byte that a JSON string cannot hold as it is (`"`, `\`,
// a control character): the short forms (\n, \t, ...) where JSON has one, else \u00XX.
// Shared by JsonQuote and the canonical form (RFC 8785), which escape alike.
void AppendJsonEscape(unsigned char c, std::string* out);

// Appends JsonQuote(text) to `out`. Valid UTF-8, the usual case, is written directly, without
// building a JSON value: decisions are rendered on the decide path of the JSON interfaces.
void AppendJsonQuoted(absl::string_view text, std::string* out);

// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary, with "..." appended
// when it was cut. For echoing user input in messages.
std::string Abbreviate(absl::string_view text, size_t max_bytes = 64);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_JSON_UTIL_H_
