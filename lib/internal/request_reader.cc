#include "lib/internal/request_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward::internal {
namespace {

// The deepest the common shape nests: request → resource → attrs → list.
constexpr size_t kCommonShapeDepth = 4;
// Integers of at most this many digits fit an int64 whatever they are.
constexpr int kMaxIntegerDigits = 18;

// One member of `args`, for the canonical text: its name and its value as RFC 8785 writes it.
struct CanonicalMember {
  absl::string_view name;
  std::string value;
};

class Reader {
 public:
  explicit Reader(absl::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // A string of printable ASCII without escapes, viewed in the text.
  bool String(absl::string_view* out) {
    if (!Consume('"')) return false;
    const char* start = p_;
    while (p_ != end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = absl::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20 || c >= 0x7f || c == '\\') return false;
      ++p_;
    }
    return false;
  }

  // A string that must not be empty (CheckRequestText), copied into `out`.
  bool Text(std::string* out) {
    absl::string_view text;
    if (!String(&text) || text.empty()) return false;
    out->assign(text.data(), text.size());
    return true;
  }

  // An integer without fraction or exponent, of at most kMaxIntegerDigits digits, not -0.
  bool Integer(int64_t* out) {
    SkipSpace();
    bool negative = false;
    if (p_ != end_ && *p_ == '-') {
      negative = true;
      ++p_;
    }
    const char* digits = p_;
    int64_t magnitude = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - digits == kMaxIntegerDigits) return false;  // more digits than surely fit
      magnitude = magnitude * 10 + (*p_ - '0');
      ++p_;
    }
    const ptrdiff_t count = p_ - digits;
    if (count == 0) return false;
    if (*digits == '0' && (count > 1 || negative)) return false;  // 01 is not JSON; -0 is rare
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = negative ? -magnitude : magnitude;
    return true;
  }

  // `true` or `false`; what follows is checked by the caller's next token.
  bool Bool(bool* out) {
    SkipSpace();
    if (Literal("true")) {
      *out = true;
      return true;
    }
    if (Literal("false")) {
      *out = false;
      return true;
    }
    return false;
  }

  char Peek() {
    SkipSpace();
    return p_ == end_ ? '\0' : *p_;
  }

  // Calls `member(name)` for each member of an object, which must read the member's value.
  // Object members are separated by commas; an empty object has none.
  template <typename Member>
  bool Object(Member member) {
    if (!Consume('{')) return false;
    if (Consume('}')) return true;
    do {
      absl::string_view name;
      if (!String(&name) || !Consume(':') || !member(name)) return false;
    } while (Consume(','));
    return Consume('}');
  }

  // Calls `element()` for each element of an array, which must read it.
  template <typename Element>
  bool Array(Element element) {
    if (!Consume('[')) return false;
    if (Consume(']')) return true;
    do {
      if (!element()) return false;
    } while (Consume(','));
    return Consume(']');
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Literal(absl::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        absl::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  const char* p_;
  const char* const end_;
};

// A context entry, argument or inline attribute: a string, an integer, a bool, or a list of
// strings or of integers (an empty list is a set of strings, as the general parser has it).
// With `canonical`, also writes the value as RFC 8785 does: strings without escapes and
// integers are written as they were read, lists with their elements in order.
bool ReadValue(Reader& reader, Value* out, std::string* canonical) {
  switch (reader.Peek()) {
    case '"': {
      absl::string_view text;
      if (!reader.String(&text)) return false;
      if (canonical != nullptr) absl::StrAppend(canonical, "\"", text, "\"");
      *out = Value::String(std::string(text));
      return true;
    }
    case 't':
    case 'f': {
      bool value;
      if (!reader.Bool(&value)) return false;
      if (canonical != nullptr) canonical->append(value ? "true" : "false");
      *out = Value::Bool(value);
      return true;
    }
    case '[': {
      std::vector<std::string> strings;
      std::vector<int64_t> ints;
      if (canonical != nullptr) canonical->push_back('[');
      bool first = true;
      const bool read = reader.Array([&]() {
        if (canonical != nullptr && !first) canonical->push_back(',');
        first = false;
        if (reader.Peek() == '"') {
          absl::string_view text;
          if (!ints.empty() || !reader.String(&text)) return false;
          if (canonical != nullptr) absl::StrAppend(canonical, "\"", text, "\"");
          strings.emplace_back(text);
          return true;
        }
        int64_t value;
        if (!strings.empty() || !reader.Integer(&value)) return false;
        if (canonical != nullptr) absl::StrAppend(canonical, value);
        ints.push_back(value);
        return true;
      });
      if (!read) return false;
      if (canonical != nullptr) canonical->push_back(']');
      *out = ints.empty() ? Value::StringSet(std::move(strings)) : Value::IntSet(std::move(ints));
      return true;
    }
    default: {
      int64_t value;
      if (!reader.Integer(&value)) return false;
      if (canonical != nullptr) absl::StrAppend(canonical, value);
      *out = Value::Int(value);
      return true;
    }
  }
}

// An object of values (context, resource attributes); a repeated name gives up.
bool ReadValues(Reader& reader, AttributeMap* out) {
  return reader.Object([&](absl::string_view name) {
    Value value;
    if (!ReadValue(reader, &value, nullptr)) return false;
    return out->try_emplace(name, std::move(value)).second;
  });
}

// `args`: its values, and its canonical text (members sorted by name: names are ASCII, so
// byte order is RFC 8785's UTF-16 order).
bool ReadArgs(Reader& reader, Request* request) {
  std::vector<CanonicalMember> members;
  const bool read = reader.Object([&](absl::string_view name) {
    CanonicalMember& member = members.emplace_back();
    member.name = name;
    Value value;
    if (!ReadValue(reader, &value, &member.value)) return false;
    return request->args.try_emplace(name, std::move(value)).second;
  });
  if (!read) return false;
  std::sort(members.begin(), members.end(),
            [](const CanonicalMember& a, const CanonicalMember& b) { return a.name < b.name; });
  std::string& canonical = request->args_json;
  canonical = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) canonical.push_back(',');
    absl::StrAppend(&canonical, "\"", members[i].name, "\":", members[i].value);
  }
  canonical.push_back('}');
  return true;
}

// {"kind": ..., "id": ...}, each once.
bool ReadIdentity(Reader& reader, IdentityRef* out) {
  bool has_kind = false, has_id = false;
  const bool read = reader.Object([&](absl::string_view name) {
    if (name == "kind" && !has_kind) {
      has_kind = true;
      absl::string_view kind;
      if (!reader.String(&kind)) return false;
      std::optional<SubjectKind> parsed = ParseSubjectKind(kind);
      if (!parsed.has_value()) return false;
      out->kind = *parsed;
      return true;
    }
    if (name == "id" && !has_id) {
      has_id = true;
      return reader.Text(&out->id);
    }
    return false;
  });
  return read && has_kind && has_id;
}

bool ReadResource(Reader& reader, ResourceRef* out) {
  bool has_type = false, has_id = false, has_attrs = false;
  const bool read = reader.Object([&](absl::string_view name) {
    if (name == "type" && !has_type) {
      has_type = true;
      return reader.Text(&out->type);
    }
    if (name == "id" && !has_id) {
      has_id = true;
      return reader.Text(&out->id);
    }
    if (name == "attrs" && !has_attrs) {
      has_attrs = true;
      return ReadValues(reader, &out->attrs);
    }
    return false;
  });
  return read && has_type && has_id;
}

}  // namespace

bool ReadCommonRequest(absl::string_view text, const RequestLimits& limits, Request* out) {
  if (text.size() > limits.max_bytes || limits.max_json_depth < kCommonShapeDepth) return false;
  Reader reader(text);
  // The fields read so far, one bit each: a field given twice gives up.
  enum Field : uint32_t {
    kSubject = 1,
    kAction = 2,
    kResource = 4,
    kContext = 8,
    kArgs = 16,
    kChain = 32,
    kNow = 64,
    kApproval = 128,
  };
  uint32_t seen = 0;
  auto first = [&seen](Field field) {
    if (seen & field) return false;
    seen |= field;
    return true;
  };
  const bool read = reader.Object([&](absl::string_view name) {
    if (name == "subject") return first(kSubject) && ReadIdentity(reader, &out->subject);
    if (name == "action") return first(kAction) && reader.Text(&out->action);
    if (name == "resource") return first(kResource) && ReadResource(reader, &out->resource);
    if (name == "context") return first(kContext) && ReadValues(reader, &out->context);
    if (name == "args") return first(kArgs) && ReadArgs(reader, out);
    if (name == "on_behalf_of") {
      return first(kChain) && reader.Array([&]() {
        return out->on_behalf_of.size() < kMaxDelegationHops &&
               ReadIdentity(reader, &out->on_behalf_of.emplace_back());
      });
    }
    if (name == "now") {
      absl::string_view now;
      if (!first(kNow) || !reader.String(&now)) return false;
      absl::StatusOr<absl::Time> time = ParseTimestamp(now);
      if (!time.ok()) return false;
      out->now = *time;
      return true;
    }
    if (name == "approval") {
      absl::string_view token;
      if (!first(kApproval) || !reader.String(&token) ||
          !CheckApprovalToken("approval", token).ok()) {
        return false;
      }
      out->approval.assign(token.data(), token.size());
      return true;
    }
    return false;
  });
  constexpr uint32_t kRequired = kSubject | kAction | kResource;
  return read && (seen & kRequired) == kRequired && reader.AtEnd();
}

}  // namespace ward::internal
