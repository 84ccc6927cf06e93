// Attribute values and their types.
//
// A Value is what an attribute, a context entry or a literal holds at run time. Entity
// attributes are converted to their schema type when an entity file is loaded; context
// entries and inline resource attributes keep the shape their JSON had and are checked
// against the schema type only when a rule reads them.

#ifndef WARD_VALUE_H_
#define WARD_VALUE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ward {

// The types the schema can declare.
enum class Type : uint8_t {
  kString,
  kInt,
  kBool,
  kTimestamp,
  kStringSet,
  kIntSet,
};

// "string", "int", "bool", "timestamp", "set<string>", "set<int>".
absl::string_view TypeName(Type type);

// A value whose JSON had no counterpart in the language (a float, an object, a mixed list).
// It is kept so that reading it can say what it was.
struct OpaqueValue {
  std::string description;  // e.g. "a number with a fraction"
  // The JSON value itself in RFC 8785 canonical form, when it came from JSON: what an
  // approval digest hashes for it. Not compared.
  std::string canonical_json;
  friend bool operator==(const OpaqueValue& a, const OpaqueValue& b) {
    return a.description == b.description;
  }
};

// An immutable attribute value. Sets are kept sorted and without duplicates.
class Value {
 public:
  enum class Kind : uint8_t { kString, kInt, kBool, kTimestamp, kStringSet, kIntSet, kOpaque };

  Value() : data_(false) {}
  static Value String(std::string s) { return Value(Data(std::in_place_index<0>, std::move(s))); }
  static Value Int(int64_t i) { return Value(Data(std::in_place_index<1>, i)); }
  static Value Bool(bool b) { return Value(Data(std::in_place_index<2>, b)); }
  static Value Timestamp(absl::Time t) { return Value(Data(std::in_place_index<3>, t)); }
  static Value StringSet(std::vector<std::string> items);  // sorts and deduplicates
  static Value IntSet(std::vector<int64_t> items);         // sorts and deduplicates
  static Value Opaque(std::string description, std::string canonical_json = "") {
    return Value(Data(std::in_place_index<6>,
                      OpaqueValue{std::move(description), std::move(canonical_json)}));
  }

  Kind kind() const { return static_cast<Kind>(data_.index()); }

  // Accessors; each requires the matching kind().
  const std::string& string_value() const { return std::get<0>(data_); }
  int64_t int_value() const { return std::get<1>(data_); }
  bool bool_value() const { return std::get<2>(data_); }
  const absl::Time& timestamp_value() const { return std::get<3>(data_); }
  const std::vector<std::string>& string_set() const { return std::get<4>(data_); }
  const std::vector<int64_t>& int_set() const { return std::get<5>(data_); }
  const std::string& opaque_description() const { return std::get<6>(data_).description; }
  const std::string& opaque_json() const { return std::get<6>(data_).canonical_json; }

  // Whether the value has exactly the given type (no conversion).
  bool HasType(Type type) const;

  // Converts to `type`: the identity when the kind already matches; an RFC 3339 string to a
  // timestamp; an empty set of either element type to the other. Anything else is an error
  // whose message describes the mismatch.
  absl::StatusOr<Value> ConvertTo(Type type) const;

  // Human-readable rendering used in traces and messages: strings quoted, sets in brackets,
  // timestamps in RFC 3339.
  std::string DebugString() const;

  // "a string", "an int", ... for messages.
  absl::string_view KindDescription() const;

  friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  using Data = std::variant<std::string, int64_t, bool, absl::Time, std::vector<std::string>,
                            std::vector<int64_t>, OpaqueValue>;
  explicit Value(Data data) : data_(std::move(data)) {}
  Data data_;
};

// Attributes by name. Absent attributes are simply not in the map (JSON null is absent).
using AttributeMap = absl::flat_hash_map<std::string, Value>;

// Parses an RFC 3339 timestamp such as "2026-12-01T00:00:00Z" (offsets and fractions allowed).
absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text);

// Formats a timestamp in RFC 3339, UTC, with fractional seconds only when present.
std::string FormatTimestamp(absl::Time t);

}  // namespace ward

#endif  // WARD_VALUE_H_
