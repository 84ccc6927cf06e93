#include "lib/internal/json_util.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/internal/canonical_json.h"

namespace ward::internal {
namespace {

using nlohmann::json;

// A SAX handler that builds the document and checks it in the same pass: it refuses nesting
// deeper than a limit and keys repeated in one object, and keeps the first error. (nlohmann's
// own callback parser would see the depth, but it rescans the parent container at the end of
// every object, which is quadratic in large entity files; and its DOM parser keeps the last
// of repeated keys silently.)
class CheckingDomSax : public nlohmann::json_sax<json> {
 public:
  explicit CheckingDomSax(size_t max_depth) : max_depth_(max_depth) {}

  const std::string& error() const { return error_; }
  json& root() { return root_; }

  bool null() override { return Put(json(nullptr)) != nullptr; }
  bool boolean(bool value) override { return Put(json(value)) != nullptr; }
  bool number_integer(number_integer_t value) override { return Put(json(value)) != nullptr; }
  bool number_unsigned(number_unsigned_t value) override { return Put(json(value)) != nullptr; }
  bool number_float(number_float_t value, const string_t&) override {
    return Put(json(value)) != nullptr;
  }
  bool string(string_t& value) override { return Put(json(std::move(value))) != nullptr; }
  bool binary(binary_t& value) override { return Put(json::binary(std::move(value))) != nullptr; }

  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& key) override {
    json& object = *open_.back();
    auto [it, inserted] = object.get_ref<json::object_t&>().emplace(std::move(key), nullptr);
    if (!inserted) {
      error_ =
          absl::StrCat("invalid JSON: duplicate key `", Abbreviate(it->first), "` in an object");
      return false;
    }
    pending_ = &it->second;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override { return Close(); }

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
  // Stores `value` where the document expects the next value: the root, the slot of the last
  // key read, or the end of the innermost open array. Pointers into an array stay valid
  // because nothing is appended to an array while one of its elements is open.
  json* Put(json&& value) {
    json* slot;
    if (open_.empty()) {
      slot = &root_;
    } else if (open_.back()->is_array()) {
      auto& array = open_.back()->get_ref<json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    } else {
      slot = pending_;
    }
    if (slot == nullptr) return nullptr;  // a value without a key: the parser prevents it
    *slot = std::move(value);
    pending_ = nullptr;
    return slot;
  }
  bool Open(json&& container) {
    if (open_.size() >= max_depth_) {
      error_ = absl::StrCat("JSON nested deeper than ", max_depth_, " levels");
      return false;
    }
    json* placed = Put(std::move(container));
    if (placed == nullptr) return false;
    open_.push_back(placed);
    return true;
  }
  bool Close() {
    if (!open_.empty()) open_.pop_back();
    return true;
  }

  const size_t max_depth_;
  json root_;
  std::vector<json*> open_;  // the open containers, innermost last
  json* pending_ = nullptr;  // the value slot of the key just read
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
    CheckingDomSax builder(max_depth);
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (!json::sax_parse(begin, end, &builder) || !builder.error().empty()) {
      std::string error = builder.error();
      if (error.empty()) error = "invalid JSON";
      return absl::InvalidArgumentError(error);
    }
    return std::move(builder.root());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  } catch (...) {
    return absl::InvalidArgumentError("invalid JSON");
  }
}

std::optional<Value> JsonToValue(const json& j) {
  // An opaque value keeps its JSON, canonical, for approval digests.
  auto opaque = [&j](std::string description) {
    absl::StatusOr<std::string> canonical = CanonicalJson(j);
    return Value::Opaque(std::move(description), canonical.ok() ? *std::move(canonical) : "");
  };
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
      return opaque("an integer out of range");
    case json::value_t::number_float:
      if (IsOutOfRangeInteger(j)) return opaque("an integer out of range");
      return opaque("a number with a fraction");
    case json::value_t::object:
      return opaque("an object");
    case json::value_t::binary:
      return opaque("binary data");
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
  return opaque(ListDescription(j));
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

namespace {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF): the strings the direct path of AppendJsonQuoted may copy as they are.
bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    size_t length;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += length;
  }
  return true;
}

}  // namespace

void AppendJsonEscape(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out->append("\\\"");
      break;
    case '\\':
      out->append("\\\\");
      break;
    case '\b':
      out->append("\\b");
      break;
    case '\f':
      out->append("\\f");
      break;
    case '\n':
      out->append("\\n");
      break;
    case '\r':
      out->append("\\r");
      break;
    case '\t':
      out->append("\\t");
      break;
    default: {
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(escaped, sizeof(escaped));
    }
  }
}

void AppendJsonQuoted(absl::string_view text, std::string* out) {
  if (!IsValidUtf8(text)) {
    // The replacement of invalid sequences follows nlohmann's decoder; use it.
    try {
      out->append(json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace));
    } catch (...) {
      out->append("\"<unprintable>\"");
    }
    return;
  }
  out->push_back('"');
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    AppendJsonEscape(c, out);
  }
  out->append(text.data() + plain_from, text.size() - plain_from);
  out->push_back('"');
}

std::string JsonQuote(absl::string_view text) {
  std::string out;
  AppendJsonQuoted(text, &out);
  return out;
}

std::string Abbreviate(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes so that a character is not split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "...");
}

}  // namespace ward::internal
