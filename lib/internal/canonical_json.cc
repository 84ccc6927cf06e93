#include "lib/internal/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/json_util.h"

namespace ward::internal {
namespace {

using nlohmann::json;

// Decodes the UTF-8 character at `*pos` of `text` and moves `*pos` past it. On an invalid
// sequence (a stray continuation byte, an overlong form, a surrogate, a value above U+10FFFF
// or a truncated character) returns nullopt and moves `*pos` one byte on.
std::optional<char32_t> DecodeUtf8(absl::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t start = *pos;
  const unsigned char lead = byte(start);
  ++*pos;
  if (lead < 0x80) return lead;
  size_t length;
  char32_t code_point;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return std::nullopt;
  }
  if (text.size() - start < length) return std::nullopt;
  if (byte(start + 1) < low || byte(start + 1) > high) return std::nullopt;
  for (size_t i = 1; i < length; ++i) {
    const unsigned char continuation = byte(start + i);
    if ((continuation & 0xC0) != 0x80) return std::nullopt;
    code_point = code_point << 6 | (continuation & 0x3F);
  }
  *pos = start + length;
  return code_point;
}

// `utf8` as UTF-16 code units, or nullopt when it is not valid UTF-8.
std::optional<std::u16string> ToUtf16(absl::string_view utf8) {
  std::u16string units;
  units.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    std::optional<char32_t> code_point = DecodeUtf8(utf8, &pos);
    if (!code_point.has_value()) return std::nullopt;
    if (*code_point < 0x10000) {
      units.push_back(static_cast<char16_t>(*code_point));
    } else {
      const char32_t offset = *code_point - 0x10000;
      units.push_back(static_cast<char16_t>(0xD800 + (offset >> 10)));
      units.push_back(static_cast<char16_t>(0xDC00 + (offset & 0x3FF)));
    }
  }
  return units;
}

// The UTF-16 code units of `text`, one at a time, without building a string.
class Utf16Units {
 public:
  explicit Utf16Units(absl::string_view text) : text_(text) {}
  // The next unit; nullopt at the end. An invalid byte yields 0xFFFF + the byte, which sorts
  // after every code unit.
  std::optional<uint32_t> Next() {
    if (pending_ != 0) return std::exchange(pending_, 0);
    if (pos_ >= text_.size()) return std::nullopt;
    const size_t start = pos_;
    std::optional<char32_t> code_point = DecodeUtf8(text_, &pos_);
    if (!code_point.has_value()) return 0xFFFFu + static_cast<unsigned char>(text_[start]);
    if (*code_point < 0x10000) return static_cast<uint32_t>(*code_point);
    const char32_t offset = *code_point - 0x10000;
    pending_ = 0xDC00 + (offset & 0x3FF);
    return 0xD800 + (offset >> 10);
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  uint32_t pending_ = 0;
};

bool IsValidUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (!DecodeUtf8(text, &pos).has_value()) return false;
  }
  return true;
}

// Appends `value`, finite, as ECMAScript's Number.prototype.toString writes it (ECMA-262
// 7.1.12.1 Number::toString with radix 10).
void AppendEcmaScriptNumber(double value, std::string* out) {
  if (value == 0) {  // +0 and -0
    out->push_back('0');
    return;
  }
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  // The shortest digits that read back as `value`, closest to it when several are as short:
  // the s and k of ECMA-262, as "d.ddde+XX".
  char buffer[32];
  const std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const absl::string_view scientific(buffer, static_cast<size_t>(result.ptr - buffer));
  const size_t e = scientific.find('e');
  std::string digits(1, scientific[0]);
  if (e > 1) digits.append(scientific.data() + 2, e - 2);  // after "d."
  absl::string_view exponent_text = scientific.substr(e + 1);
  if (!exponent_text.empty() && exponent_text[0] == '+') exponent_text.remove_prefix(1);
  int exponent = 0;
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);

  // value = 0.digits × 10^n, with k digits.
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    // An integer: the digits then n - k zeros.
    out->append(digits);
    out->append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    // A fraction with n digits before the point.
    out->append(digits, 0, static_cast<size_t>(n));
    out->push_back('.');
    out->append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    // "0.", -n zeros, the digits.
    out->append("0.");
    out->append(static_cast<size_t>(-n), '0');
    out->append(digits);
  } else {
    // Exponent form: "d[.ddd]e±x".
    out->push_back(digits[0]);
    if (k > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    out->push_back('e');
    out->push_back(n - 1 >= 0 ? '+' : '-');
    absl::StrAppend(out, n - 1 >= 0 ? n - 1 : 1 - n);
  }
}

absl::Status AppendCanonical(const json& value, size_t depth, std::string* out) {
  switch (value.type()) {
    case json::value_t::null:
      out->append("null");
      return absl::OkStatus();
    case json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      return absl::OkStatus();
    case json::value_t::number_integer:
      absl::StrAppend(out, value.get<json::number_integer_t>());
      return absl::OkStatus();
    case json::value_t::number_unsigned:
      absl::StrAppend(out, value.get<json::number_unsigned_t>());
      return absl::OkStatus();
    case json::value_t::number_float: {
      const double number = value.get<json::number_float_t>();
      if (!std::isfinite(number)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the number ", std::isnan(number) ? "NaN" : "Infinity", " has no JSON form"));
      }
      AppendEcmaScriptNumber(number, out);
      return absl::OkStatus();
    }
    case json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      if (!IsValidUtf8(text)) {
        return absl::InvalidArgumentError("a string is not valid UTF-8");
      }
      AppendCanonicalString(text, out);
      return absl::OkStatus();
    }
    case json::value_t::array: {
      if (depth >= kMaxCanonicalJsonDepth) break;
      out->push_back('[');
      bool first = true;
      for (const json& element : value) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status status = AppendCanonical(element, depth + 1, out); !status.ok()) {
          return status;
        }
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case json::value_t::object: {
      if (depth >= kMaxCanonicalJsonDepth) break;
      struct Member {
        std::u16string sort_key;  // the name in UTF-16 code units
        const std::string* name;
        const json* value;
      };
      std::vector<Member> members;
      members.reserve(value.size());
      for (const auto& [name, member_value] : value.get_ref<const json::object_t&>()) {
        std::optional<std::u16string> sort_key = ToUtf16(name);
        if (!sort_key.has_value()) {
          return absl::InvalidArgumentError("an object member name is not valid UTF-8");
        }
        members.push_back({*std::move(sort_key), &name, &member_value});
      }
      // char16_t compares as an unsigned 16-bit value: the order RFC 8785 §3.2.3 asks for.
      std::sort(members.begin(), members.end(),
                [](const Member& a, const Member& b) { return a.sort_key < b.sort_key; });
      out->push_back('{');
      bool first = true;
      for (const Member& member : members) {
        if (!first) out->push_back(',');
        first = false;
        AppendCanonicalString(*member.name, out);
        out->push_back(':');
        if (absl::Status status = AppendCanonical(*member.value, depth + 1, out); !status.ok()) {
          return status;
        }
      }
      out->push_back('}');
      return absl::OkStatus();
    }
    case json::value_t::binary:
      return absl::InvalidArgumentError("a binary value has no JSON form");
    case json::value_t::discarded:
      return absl::InvalidArgumentError("a discarded value has no JSON form");
  }
  if (value.is_structured()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", kMaxCanonicalJsonDepth, " levels"));
  }
  return absl::InvalidArgumentError("a value of an unknown JSON type");
}

}  // namespace

absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  if (absl::Status status = AppendCanonical(value, 0, &out); !status.ok()) return status;
  return out;
}

bool CanonicalKeyLess(absl::string_view a, absl::string_view b) {
  Utf16Units left(a), right(b);
  while (true) {
    const std::optional<uint32_t> x = left.Next();
    const std::optional<uint32_t> y = right.Next();
    if (!y.has_value()) return false;  // b ended: a is not shorter
    if (!x.has_value()) return true;
    if (*x != *y) return *x < *y;
  }
}

void AppendCanonicalString(absl::string_view utf8, std::string* out) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < utf8.size()) {
    const unsigned char c = static_cast<unsigned char>(utf8[pos]);
    if (c >= 0x80) {
      const size_t start = pos;
      if (DecodeUtf8(utf8, &pos).has_value()) {
        out->append(utf8.data() + start, pos - start);
      } else {
        out->append("\xEF\xBF\xBD");  // U+FFFD
      }
      continue;
    }
    ++pos;
    if (c < 0x20 || c == '"' || c == '\\') {
      AppendJsonEscape(c, out);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

}  // namespace ward::internal
