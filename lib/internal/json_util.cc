#include "lib/internal/json_util.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ward::internal {
namespace {

using nlohmann::json;

// A SAX handler that builds nothing: it checks the nesting depth and repeated keys, and keeps
// the first error. nlohmann's callback parser would also see the depth, but it rescans the
// parent container at the end of every object, which is quadratic in large entity files.
class ValidatingSax : public nlohmann::json_sax<json> {
 public:
  explicit ValidatingSax(size_t max_depth) : max_depth_(max_depth) {}

  const std::string& error() const { return error_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }

  bool start_object(std::size_t) override {
    if (!Enter()) return false;
    if (keys_.size() <= open_objects_) keys_.emplace_back();
    keys_[open_objects_].clear();
    ++open_objects_;
    return true;
  }
  bool key(string_t& key) override {
    if (open_objects_ == 0) return true;  // cannot happen
    if (!keys_[open_objects_ - 1].insert(key).second) {
      error_ = absl::StrCat("invalid JSON: duplicate key `", Abbreviate(key), "` in an object");
      return false;
    }
    return true;
  }
  bool end_object() override {
    if (open_objects_ > 0) --open_objects_;
    if (depth_ > 0) --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return Enter(); }
  bool end_array() override {
    if (depth_ > 0) --depth_;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const json::exception& ex) override {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 5:
    // syntax error while parsing value - ...".
    absl::string_view message = ex.what();
    if (size_t pos = message.find("] ");
        absl::StartsWith(message, "[json.exception.") && pos != absl::string_view::npos) {
      message.remove_prefix(pos + 2);
    }
    if (absl::ConsumePrefix(&message, "parse error ")) {
      error_ = absl::StrCat("invalid JSON ", message);
    } else {
      error_ = absl::StrCat("invalid JSON: ", message);
    }
    return false;
  }

 private:
  bool Enter() {
    ++depth_;
    if (depth_ > max_depth_) {
      error_ = absl::StrCat("JSON nested deeper than ", max_depth_, " levels");
      return false;
    }
    return true;
  }

  const size_t max_depth_;
  size_t depth_ = 0;
  size_t open_objects_ = 0;
  // The keys seen so far in each open object, innermost last; reused across objects.
  std::vector<absl::flat_hash_set<std::string>> keys_;
  std::string error_;
};

constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

std::optional<int64_t> JsonInt(const json& j) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > kMaxInt64) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  return std::nullopt;
}

// A float that holds an integer too large for int64 (the lexer turns integers beyond uint64
// into floats).
bool IsOutOfRangeInteger(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>() > kMaxInt64;
  if (!j.is_number_float()) return false;
  double d = j.get<double>();
  return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9.2233720368547758e18;
}

std::string ListDescription(const json& array) {
  // Every element alike: name the element; otherwise "mixed".
  std::string first;
  for (const json& element : array) {
    std::string description = JsonKindDescription(element);
    if (first.empty()) {
      first = std::move(description);
    } else if (description != first) {
      return "a list of mixed values";
    }
  }
  if (first == "null") return "a list of nulls";
  if (first == "a bool") return "a list of bools";
  if (first == "an integer out of range") return "a list of integers out of range";
  if (first == "a number with a fraction") return "a list of numbers with a fraction";
  if (first == "an array") return "a list of lists";
  if (first == "an object") return "a list of objects";
  return "a list of mixed values";
}

std::string DescribeFound(const json& j) {
  if (j.is_null()) return "null";
  std::optional<Value> value = JsonToValue(j);
  if (!value.has_value()) return "null";
  return std::string(value->KindDescription());
}

absl::Status Mismatch(Type expected, const json& found) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", TypeName(expected), ", found ", DescribeFound(found)));
}

}  // namespace

absl::StatusOr<json> ParseJson(absl::string_view text, size_t max_bytes, size_t max_depth) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("input is ", text.size(), " bytes; the limit is ", max_bytes));
  }
  try {
    ValidatingSax validator(max_depth);
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (!json::sax_parse(begin, end, &validator) || !validator.error().empty()) {
      std::string error = validator.error();
      if (error.empty()) error = "invalid JSON";
      return absl::InvalidArgumentError(error);
    }
    json result = json::parse(begin, end, /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (result.is_discarded()) return absl::InvalidArgumentError("invalid JSON");
    return result;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  } catch (...) {
    return absl::InvalidArgumentError("invalid JSON");
  }
}

std::optional<Value> JsonToValue(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return std::nullopt;
    case json::value_t::string:
      return Value::String(j.get_ref<const std::string&>());
    case json::value_t::boolean:
      return Value::Bool(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      if (std::optional<int64_t> i = JsonInt(j)) return Value::Int(*i);
      return Value::Opaque("an integer out of range");
    case json::value_t::number_float:
      if (IsOutOfRangeInteger(j)) return Value::Opaque("an integer out of range");
      return Value::Opaque("a number with a fraction");
    case json::value_t::object:
      return Value::Opaque("an object");
    case json::value_t::binary:
      return Value::Opaque("binary data");
    case json::value_t::array:
      break;
  }
  if (j.empty()) return Value::StringSet({});
  bool all_strings = true;
  bool all_ints = true;
  for (const json& element : j) {
    all_strings = all_strings && element.is_string();
    all_ints = all_ints && JsonInt(element).has_value();
  }
  if (all_strings) {
    std::vector<std::string> items;
    items.reserve(j.size());
    for (const json& element : j) items.push_back(element.get_ref<const std::string&>());
    return Value::StringSet(std::move(items));
  }
  if (all_ints) {
    std::vector<int64_t> items;
    items.reserve(j.size());
    for (const json& element : j) items.push_back(*JsonInt(element));
    return Value::IntSet(std::move(items));
  }
  return Value::Opaque(ListDescription(j));
}

absl::StatusOr<Value> JsonToTypedValue(const json& j, Type type) {
  try {
    switch (type) {
      case Type::kString:
        if (!j.is_string()) return Mismatch(type, j);
        return Value::String(j.get_ref<const std::string&>());
      case Type::kInt:
        if (std::optional<int64_t> i = JsonInt(j)) return Value::Int(*i);
        return Mismatch(type, j);
      case Type::kBool:
        if (!j.is_boolean()) return Mismatch(type, j);
        return Value::Bool(j.get<bool>());
      case Type::kTimestamp: {
        if (!j.is_string()) return Mismatch(type, j);
        absl::StatusOr<absl::Time> t = ParseTimestamp(j.get_ref<const std::string&>());
        if (!t.ok()) return t.status();
        return Value::Timestamp(*t);
      }
      case Type::kStringSet: {
        if (!j.is_array()) return Mismatch(type, j);
        std::vector<std::string> items;
        items.reserve(j.size());
        for (const json& element : j) {
          if (!element.is_string()) return Mismatch(type, j);
          items.push_back(element.get_ref<const std::string&>());
        }
        return Value::StringSet(std::move(items));
      }
      case Type::kIntSet: {
        if (!j.is_array()) return Mismatch(type, j);
        std::vector<int64_t> items;
        items.reserve(j.size());
        for (const json& element : j) {
          std::optional<int64_t> i = JsonInt(element);
          if (!i.has_value()) return Mismatch(type, j);
          items.push_back(*i);
        }
        return Value::IntSet(std::move(items));
      }
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("converting JSON: ", e.what()));
  }
  return absl::InternalError("unknown type");
}

std::string JsonKindDescription(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return "null";
    case json::value_t::boolean:
      return "a bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return JsonInt(j).has_value() ? "an int" : "an integer out of range";
    case json::value_t::number_float:
      return IsOutOfRangeInteger(j) ? "an integer out of range" : "a number with a fraction";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::binary:
      return "binary data";
  }
  return "an unknown JSON value";
}

std::string JsonForMessage(const json& j, size_t max_bytes) {
  try {
    return Abbreviate(j.dump(-1, ' ', false, json::error_handler_t::replace), max_bytes);
  } catch (...) {
    return "<unprintable JSON>";
  }
}

std::string JsonQuote(absl::string_view text) {
  try {
    return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (...) {
    return "\"<unprintable>\"";
  }
}

std::string Abbreviate(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes so that a character is not split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "...");
}

}  // namespace ward::internal
