#include "ward/value.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/internal/json_util.h"

namespace ward {
namespace {

template <typename T>
std::vector<T> SortedUnique(std::vector<T> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

bool IsDigits(absl::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

int TwoDigits(absl::string_view text, size_t pos) {
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

// Whether `text` has the shape of an RFC 3339 date-time:
//   YYYY-MM-DD "T" hh:mm:ss [ "." 1*DIGIT ] ( "Z" / ("+" / "-") hh:mm )
// ("T" and "Z" may be lower case, as RFC 3339 allows). Field ranges are left to absl.
bool HasRfc3339Shape(absl::string_view text) {
  if (text.size() < 20) return false;
  if (!IsDigits(text, 0, 4) || text[4] != '-' || !IsDigits(text, 5, 2) || text[7] != '-' ||
      !IsDigits(text, 8, 2) || (text[10] != 'T' && text[10] != 't') || !IsDigits(text, 11, 2) ||
      text[13] != ':' || !IsDigits(text, 14, 2) || text[16] != ':' || !IsDigits(text, 17, 2)) {
    return false;
  }
  size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    size_t digits_start = pos;
    while (pos < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == digits_start) return false;
  }
  absl::string_view offset = text.substr(pos);
  if (offset == "Z" || offset == "z") return true;
  if (offset.size() != 6 || (offset[0] != '+' && offset[0] != '-') || !IsDigits(offset, 1, 2) ||
      offset[3] != ':' || !IsDigits(offset, 4, 2)) {
    return false;
  }
  return TwoDigits(offset, 1) <= 23 && TwoDigits(offset, 4) <= 59;
}

}  // namespace

absl::string_view TypeName(Type type) {
  switch (type) {
    case Type::kString:
      return "string";
    case Type::kInt:
      return "int";
    case Type::kBool:
      return "bool";
    case Type::kTimestamp:
      return "timestamp";
    case Type::kStringSet:
      return "set<string>";
    case Type::kIntSet:
      return "set<int>";
  }
  return "unknown";
}

Value Value::StringSet(std::vector<std::string> items) {
  return Value(Data(std::in_place_index<4>, SortedUnique(std::move(items))));
}

Value Value::IntSet(std::vector<int64_t> items) {
  return Value(Data(std::in_place_index<5>, SortedUnique(std::move(items))));
}

bool Value::HasType(Type type) const {
  switch (type) {
    case Type::kString:
      return kind() == Kind::kString;
    case Type::kInt:
      return kind() == Kind::kInt;
    case Type::kBool:
      return kind() == Kind::kBool;
    case Type::kTimestamp:
      return kind() == Kind::kTimestamp;
    case Type::kStringSet:
      return kind() == Kind::kStringSet;
    case Type::kIntSet:
      return kind() == Kind::kIntSet;
  }
  return false;
}

absl::StatusOr<Value> Value::ConvertTo(Type type) const {
  if (HasType(type)) return *this;
  if (type == Type::kTimestamp && kind() == Kind::kString) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(string_value());
    if (!t.ok()) return t.status();
    return Value::Timestamp(*t);
  }
  if (type == Type::kStringSet && kind() == Kind::kIntSet && int_set().empty()) {
    return Value::StringSet({});
  }
  if (type == Type::kIntSet && kind() == Kind::kStringSet && string_set().empty()) {
    return Value::IntSet({});
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", TypeName(type), ", found ", KindDescription()));
}

std::string Value::DebugString() const {
  switch (kind()) {
    case Kind::kString:
      return internal::JsonQuote(string_value());
    case Kind::kInt:
      return absl::StrCat(int_value());
    case Kind::kBool:
      return bool_value() ? "true" : "false";
    case Kind::kTimestamp:
      return FormatTimestamp(timestamp_value());
    case Kind::kStringSet:
      return absl::StrCat("[",
                          absl::StrJoin(string_set(), ", ",
                                        [](std::string* out, const std::string& s) {
                                          absl::StrAppend(out, internal::JsonQuote(s));
                                        }),
                          "]");
    case Kind::kIntSet:
      return absl::StrCat("[", absl::StrJoin(int_set(), ", "), "]");
    case Kind::kOpaque:
      return absl::StrCat("<", opaque_description(), ">");
  }
  return "<invalid>";
}

absl::string_view Value::KindDescription() const {
  switch (kind()) {
    case Kind::kString:
      return "a string";
    case Kind::kInt:
      return "an int";
    case Kind::kBool:
      return "a bool";
    case Kind::kTimestamp:
      return "a timestamp";
    case Kind::kStringSet:
      return "a set of strings";
    case Kind::kIntSet:
      return "a set of ints";
    case Kind::kOpaque:
      return opaque_description();
  }
  return "an invalid value";
}

absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!HasRfc3339Shape(text) || !absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("`", internal::Abbreviate(text), "` is not an RFC 3339 timestamp"));
  }
  // absl keeps quarter nanoseconds; digits beyond nanoseconds are dropped so that equal texts
  // up to the nanosecond give equal times and formatting never shows more than nine digits.
  return absl::UnixEpoch() + absl::Floor(t - absl::UnixEpoch(), absl::Nanoseconds(1));
}

std::string FormatTimestamp(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "infinite-future";
  if (t == absl::InfinitePast()) return "infinite-past";
  return absl::StrCat(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*S", t, absl::UTCTimeZone()), "Z");
}

}  // namespace ward
