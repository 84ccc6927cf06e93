#include "lib/internal/log_record.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/redact.h"

namespace ward::internal {
namespace {

// The encoded form: this header, then the variable parts in the order the line shows them,
// each string as a 32-bit length and its bytes, each identity as its kind (one byte) and id:
//   subject id; chain identities; action; resource type; resource id; denied_by identity (if
//   kDeniedBy); rules; redactions (pattern, replacement); limits (name, 8-byte value);
//   errors (rule, principal identity, message); approval digest; approved_by identity (if
//   kApprovedBy); args, context and inline resource attributes JSON (if kPayload) or the
//   payload error (if kPayloadError); the shadow outcome's JSON (if kShadow).
struct Header {
  int64_t time_ns;
  int64_t latency_ns;
  int64_t request_now_ns;  // the request's own `now` (if kNow)
  uint64_t policy_hash;
  uint32_t chain_size;
  uint32_t rule_count;
  uint32_t error_count;
  uint32_t redact_count;
  uint32_t limit_count;
  uint8_t effect;
  uint8_t reason;
  uint8_t level;
  uint8_t obligation_log;
  uint8_t subject_kind;
  uint8_t flags;
};

enum Flags : uint8_t {
  kDeniedBy = 1,
  kApprovedBy = 2,
  kPayload = 4,
  kPayloadError = 8,
  kShadow = 16,
  kNow = 32,
};

void PutString(absl::string_view text, std::string* out) {
  const uint32_t size = static_cast<uint32_t>(text.size());
  out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  out->append(text.data(), text.size());
}

// Reads what Put* wrote. The encoding never leaves this file, but a short read still yields
// empty values rather than reading past the end.
class Reader {
 public:
  explicit Reader(absl::string_view encoded) : data_(encoded) {}
  absl::string_view String() {
    uint32_t size = 0;
    if (data_.size() < sizeof(size)) return Fail();
    std::memcpy(&size, data_.data(), sizeof(size));
    data_.remove_prefix(sizeof(size));
    if (data_.size() < size) return Fail();
    const absl::string_view text = data_.substr(0, size);
    data_.remove_prefix(size);
    return text;
  }
  uint8_t Byte() {
    if (data_.empty()) return 0;
    const uint8_t byte = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return byte;
  }
  int64_t Int64() {
    int64_t value = 0;
    if (data_.size() < sizeof(value)) return 0;
    std::memcpy(&value, data_.data(), sizeof(value));
    data_.remove_prefix(sizeof(value));
    return value;
  }
  std::pair<SubjectKind, absl::string_view> IdentityView() {
    const SubjectKind kind = static_cast<SubjectKind>(Byte());
    return {kind, String()};
  }

 private:
  absl::string_view Fail() {
    data_ = absl::string_view();
    return absl::string_view();
  }
  absl::string_view data_;
};

// Applies the decision's redactions to a string that goes into the log; false when one of
// them cannot be applied (the record then leaves the payload out).
bool RedactInto(const Obligations& obligations, absl::string_view text, std::string* out) {
  if (obligations.redact.empty()) {
    AppendJsonQuoted(text, out);
    return true;
  }
  absl::StatusOr<std::string> redacted = ApplyRedactions(obligations, text);
  if (!redacted.ok()) return false;
  AppendJsonQuoted(*redacted, out);
  return true;
}

bool AppendRedactedJson(const nlohmann::json& value, const Obligations& obligations,
                        std::string* out);

bool AppendRedactedValue(const Value& value, const Obligations& obligations, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kString:
      return RedactInto(obligations, value.string_value(), out);
    case Value::Kind::kInt:
      absl::StrAppend(out, value.int_value());
      return true;
    case Value::Kind::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return true;
    case Value::Kind::kTimestamp:
      AppendJsonQuoted(FormatTimestamp(value.timestamp_value()), out);
      return true;
    case Value::Kind::kStringSet: {
      out->push_back('[');
      for (size_t i = 0; i < value.string_set().size(); ++i) {
        if (i > 0) out->push_back(',');
        if (!RedactInto(obligations, value.string_set()[i], out)) return false;
      }
      out->push_back(']');
      return true;
    }
    case Value::Kind::kIntSet: {
      out->push_back('[');
      for (size_t i = 0; i < value.int_set().size(); ++i) {
        if (i > 0) out->push_back(',');
        absl::StrAppend(out, value.int_set()[i]);
      }
      out->push_back(']');
      return true;
    }
    case Value::Kind::kOpaque: {
      if (value.opaque_json().empty()) {
        out->append("null");
        return true;
      }
      // The JSON it came from, with every string in it redacted.
      nlohmann::json parsed = nlohmann::json::parse(value.opaque_json(), nullptr, false);
      if (parsed.is_discarded()) return false;
      return AppendRedactedJson(parsed, obligations, out);
    }
  }
  return false;
}

bool AppendRedactedJson(const nlohmann::json& value, const Obligations& obligations,
                        std::string* out) {
  if (value.is_string()) return RedactInto(obligations, value.get_ref<const std::string&>(), out);
  if (value.is_array()) {
    out->push_back('[');
    bool first = true;
    for (const nlohmann::json& item : value) {
      if (!std::exchange(first, false)) out->push_back(',');
      if (!AppendRedactedJson(item, obligations, out)) return false;
    }
    out->push_back(']');
    return true;
  }
  if (value.is_object()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!std::exchange(first, false)) out->push_back(',');
      // Keys too: the model writes them as freely as the values.
      if (!RedactInto(obligations, key, out)) return false;
      out->push_back(':');
      if (!AppendRedactedJson(item, obligations, out)) return false;
    }
    out->push_back('}');
    return true;
  }
  out->append(value.dump());
  return true;
}

// `attributes` as a JSON object with its keys sorted, strings (keys too) redacted.
bool AppendRedactedAttributes(const AttributeMap& attributes, const Obligations& obligations,
                              std::string* out) {
  absl::InlinedVector<const std::pair<const std::string, Value>*, 16> entries;
  for (const auto& entry : attributes) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  out->push_back('{');
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out->push_back(',');
    if (!RedactInto(obligations, entries[i]->first, out)) return false;
    out->push_back(':');
    if (!AppendRedactedValue(entries[i]->second, obligations, out)) return false;
  }
  out->push_back('}');
  return true;
}

// A UUID version 7 (RFC 9562): the Unix time in milliseconds, then 12 bits of the
// sub-millisecond time (so that ids sort in time order to 1/4096 ms), then 62 bits made of
// the log's random 30-bit instance tag and the record's 32-bit sequence number in that log.
char* WriteDecisionId(int64_t time_ns, uint32_t instance, uint64_t sequence, char* out) {
  const uint64_t unix_ms = static_cast<uint64_t>(time_ns / 1000000);
  const uint64_t sub_ms = static_cast<uint64_t>(time_ns % 1000000) * 4096 / 1000000;
  const uint64_t high = (unix_ms << 16) | (uint64_t{7} << 12) | (sub_ms & 0xfff);
  const uint64_t low =
      (uint64_t{2} << 62) | (uint64_t{instance & 0x3fffffff} << 32) | (sequence & 0xffffffff);
  static constexpr char kHex[] = "0123456789abcdef";
  char hex[32];
  for (int i = 15; i >= 0; --i) {
    hex[i] = kHex[(high >> (4 * (15 - i))) & 0xf];
    hex[16 + i] = kHex[(low >> (4 * (15 - i))) & 0xf];
  }
  // 8-4-4-4-12
  std::memcpy(out, hex, 8);
  out[8] = '-';
  std::memcpy(out + 9, hex + 8, 4);
  out[13] = '-';
  std::memcpy(out + 14, hex + 12, 4);
  out[18] = '-';
  std::memcpy(out + 19, hex + 16, 4);
  out[23] = '-';
  std::memcpy(out + 24, hex + 20, 12);
  return out + 36;
}

}  // namespace

// Writes through a cursor into a string sized beforehand for the longest text the record can
// give (every byte of every string escaped as \u00XX): one bound check per record instead of
// one per piece.
class Writer {
 public:
  // `buffer` only grows, so that it is zero-filled only when a record is larger than any before.
  Writer(size_t bound, std::string* buffer, std::string* scratch)
      : buffer_(buffer), scratch_(scratch) {
    if (buffer_->size() < bound) buffer_->resize(bound);
    cursor_ = buffer_->data();
  }

  template <size_t N>
  void Literal(const char (&text)[N]) {
    std::memcpy(cursor_, text, N - 1);
    cursor_ += N - 1;
  }
  void Raw(absl::string_view text) {
    std::memcpy(cursor_, text.data(), text.size());
    cursor_ += text.size();
  }
  void Char(char c) { *cursor_++ = c; }
  void Quoted(absl::string_view text) {
    bool plain = true;
    for (const char c : text) plain &= kPlain[static_cast<unsigned char>(c)];
    if (!plain) {  // rare: escapes, or UTF-8 to validate
      scratch_->clear();
      AppendJsonQuoted(text, scratch_);
      Raw(*scratch_);
      return;
    }
    *cursor_++ = '"';
    Raw(text);
    *cursor_++ = '"';
  }
  void Int(int64_t value) { cursor_ = absl::numbers_internal::FastIntToBuffer(value, cursor_); }
  void Identity(std::pair<SubjectKind, absl::string_view> identity) {
    Literal(R"({"kind":")");
    Raw(SubjectKindName(identity.first));
    Literal(R"(","id":)");
    Quoted(identity.second);
    Char('}');
  }
  void DecisionId(int64_t time_ns, uint32_t instance, uint64_t sequence) {
    cursor_ = WriteDecisionId(time_ns, instance, sequence, cursor_);
  }
  absl::string_view Finish() const {
    return absl::string_view(buffer_->data(), static_cast<size_t>(cursor_ - buffer_->data()));
  }

 private:
  // The bytes a JSON string may hold as they are: printable ASCII but `"` and `\`.
  static constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
    return plain;
  }();

  std::string* buffer_;
  std::string* scratch_;
  char* cursor_;
};

LogLevel LogRecordLevel(const Decision& decision, LogLevel floor) {
  const LogLevel own =
      decision.effect == Effect::kAllow ? decision.obligations.log : LogLevel::kSummary;
  return std::max(own, floor);
}

size_t LogRecordEncoder::Measure(const Request& request, const Decision& decision, LogLevel level) {
  request_ = &request;
  decision_ = &decision;
  level_ = level;
  const bool allow = decision.effect == Effect::kAllow;
  flags_ = (decision.denied_by.has_value() ? kDeniedBy : 0) |
           (decision.approved_by.has_value() ? kApprovedBy : 0) |
           (decision.shadow.has_value() ? kShadow : 0) | (request.now.has_value() ? kNow : 0);
  // Only policies with `@shadow` rules have one, on the decisions it would change: rendered
  // here, once, rather than encoded field by field.
  shadow_.clear();
  if (decision.shadow.has_value()) shadow_ = decision.shadow->ToJson();

  // At full level, args and context as JSON texts (each after its length), redacted.
  payload_.clear();
  if (level == LogLevel::kFull) {
    const Obligations no_redactions;
    const Obligations& redactions = allow ? decision.obligations : no_redactions;
    bool redacted = true;
    for (const AttributeMap* attributes :
         {&request.args, &request.context, &request.resource.attrs}) {
      const size_t length_at = payload_.size();
      payload_.append(sizeof(uint32_t), '\0');
      if (!AppendRedactedAttributes(*attributes, redactions, &payload_)) {
        redacted = false;
        break;
      }
      const uint32_t size = static_cast<uint32_t>(payload_.size() - length_at - sizeof(uint32_t));
      std::memcpy(payload_.data() + length_at, &size, sizeof(size));
    }
    if (redacted) {
      flags_ |= kPayload;
    } else {
      payload_.clear();
      PutString("a redaction could not be applied to args, context or resource attributes",
                &payload_);
      flags_ |= kPayloadError;
    }
  }

  constexpr size_t kString = sizeof(uint32_t);
  constexpr size_t kIdentity = 1 + kString;
  size_t size = sizeof(Header) + kString + request.subject.id.size() + 3 * kString +
                request.action.size() + request.resource.type.size() + request.resource.id.size() +
                kString + decision.approval_digest.size() + payload_.size();
  for (const IdentityRef& hop : request.on_behalf_of) size += kIdentity + hop.id.size();
  if (decision.denied_by.has_value()) size += kIdentity + decision.denied_by->id.size();
  if (decision.approved_by.has_value()) size += kIdentity + decision.approved_by->id.size();
  if (decision.shadow.has_value()) size += kString + shadow_.size();
  for (const std::string& rule : decision.rules) size += kString + rule.size();
  if (allow) {
    for (const Redaction& redaction : decision.obligations.redact) {
      size += 2 * kString + redaction.pattern.size() + redaction.replacement.size();
    }
    for (const auto& limit : decision.obligations.limits) {
      size += kString + limit.first.size() + sizeof(int64_t);
    }
  }
  for (const EvaluationError& error : decision.errors) {
    size += 2 * kString + kIdentity + error.rule.size() + error.message.size() +
            error.principal.id.size();
  }
  return size;
}

void LogRecordEncoder::Write(int64_t time_ns, int64_t latency_ns, char* out) const {
  const Request& request = *request_;
  const Decision& decision = *decision_;
  const bool allow = decision.effect == Effect::kAllow;
  Header header;
  header.time_ns = time_ns;
  header.latency_ns = latency_ns;
  header.request_now_ns = request.now.has_value() ? absl::ToUnixNanos(*request.now) : 0;
  header.policy_hash = decision.policy_hash;
  header.chain_size = static_cast<uint32_t>(request.on_behalf_of.size());
  header.rule_count = static_cast<uint32_t>(decision.rules.size());
  header.error_count = static_cast<uint32_t>(decision.errors.size());
  header.redact_count = allow ? static_cast<uint32_t>(decision.obligations.redact.size()) : 0;
  header.limit_count = allow ? static_cast<uint32_t>(decision.obligations.limits.size()) : 0;
  header.effect = static_cast<uint8_t>(decision.effect);
  header.reason = static_cast<uint8_t>(decision.reason);
  header.level = static_cast<uint8_t>(level_);
  header.obligation_log = static_cast<uint8_t>(decision.obligations.log);
  header.subject_kind = static_cast<uint8_t>(request.subject.kind);
  header.flags = flags_;

  // Measure sized the record, so the bytes go through a cursor without a check each.
  char* cursor = out;
  const auto put = [&cursor](const void* data, size_t n) {
    std::memcpy(cursor, data, n);
    cursor += n;
  };
  const auto put_string = [&](absl::string_view text) {
    const uint32_t n = static_cast<uint32_t>(text.size());
    put(&n, sizeof(n));
    put(text.data(), text.size());
  };
  const auto put_identity = [&](const IdentityRef& identity) {
    *cursor++ = static_cast<char>(identity.kind);
    put_string(identity.id);
  };
  put(&header, sizeof(header));
  put_string(request.subject.id);
  for (const IdentityRef& hop : request.on_behalf_of) put_identity(hop);
  put_string(request.action);
  put_string(request.resource.type);
  put_string(request.resource.id);
  if (decision.denied_by.has_value()) put_identity(*decision.denied_by);
  for (const std::string& rule : decision.rules) put_string(rule);
  if (allow) {
    for (const Redaction& redaction : decision.obligations.redact) {
      put_string(redaction.pattern);
      put_string(redaction.replacement);
    }
    for (const auto& [name, value] : decision.obligations.limits) {
      put_string(name);
      put(&value, sizeof(value));
    }
  }
  for (const EvaluationError& error : decision.errors) {
    put_string(error.rule);
    put_identity(error.principal);
    put_string(error.message);
  }
  put_string(decision.approval_digest);
  if (decision.approved_by.has_value()) put_identity(*decision.approved_by);
  put(payload_.data(), payload_.size());
  if (decision.shadow.has_value()) put_string(shadow_);
}

std::string EncodeLogRecord(const Request& request, const Decision& decision, LogLevel level,
                            int64_t time_ns, int64_t latency_ns) {
  LogRecordEncoder encoder;
  std::string encoded(encoder.Measure(request, decision, level), '\0');
  encoder.Write(time_ns, latency_ns, encoded.data());
  return encoded;
}

LogRecordFormatter::LogRecordFormatter(uint32_t instance, std::string revision)
    : instance_(instance), revision_(std::move(revision)) {}

absl::string_view LogRecordFormatter::Hash(uint64_t hash) {
  if (hash != last_hash_ || hash_text_.empty()) {
    hash_text_ = absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
    last_hash_ = hash;
  }
  return hash_text_;
}

absl::string_view LogRecordFormatter::SecondText::Of(int64_t seconds) {
  if (seconds != second_ || text_.empty()) {
    const absl::CivilSecond civil =
        absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
    text_ = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", civil.year(), civil.month(),
                            civil.day(), civil.hour(), civil.minute(), civil.second());
    second_ = seconds;
  }
  return text_;
}

namespace {

// Splits Unix nanoseconds into whole seconds (rounded down) and the nanoseconds after them.
std::pair<int64_t, int64_t> SplitNanos(int64_t unix_ns) {
  int64_t seconds = unix_ns / 1000000000;
  int64_t nanos = unix_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  return {seconds, nanos};
}

}  // namespace

void LogRecordFormatter::Time(int64_t time_ns, Writer* w) {
  // Always to the microsecond, so that lines of one log line up.
  const auto [seconds, nanos] = SplitNanos(time_ns);
  w->Raw(time_second_.Of(seconds));
  char fraction[8] = {'.', '0', '0', '0', '0', '0', '0', 'Z'};
  for (int64_t i = 6, value = nanos / 1000; i >= 1; --i, value /= 10) {
    fraction[i] = static_cast<char>('0' + value % 10);
  }
  w->Raw(absl::string_view(fraction, sizeof(fraction)));
}

void LogRecordFormatter::Timestamp(int64_t unix_ns, Writer* w) {
  // As FormatTimestamp writes it (the fraction to the nanosecond, trailing zeros dropped), at a
  // fraction of the cost: the request's `now` is on every record of a replayable log.
  const auto [seconds, nanos] = SplitNanos(unix_ns);
  w->Raw(now_second_.Of(seconds));
  if (nanos != 0) {
    char fraction[10] = {'.'};
    size_t length = 10;
    for (int64_t i = 9, value = nanos; i >= 1; --i, value /= 10) {
      fraction[i] = static_cast<char>('0' + value % 10);
    }
    while (fraction[length - 1] == '0') --length;
    w->Raw(absl::string_view(fraction, length));
  }
  w->Char('Z');
}

absl::string_view LogRecordFormatter::Format(absl::string_view encoded, uint64_t sequence) {
  Header header;
  if (encoded.size() < sizeof(header)) return "{}";
  std::memcpy(&header, encoded.data(), sizeof(header));
  Reader in(encoded.substr(sizeof(header)));
  const Effect effect = static_cast<Effect>(header.effect);

  Writer w(6 * encoded.size() + 6 * revision_.size() + 1024, &line_, &scratch_);
  w.Literal(R"({"v":1,"decision_id":")");
  w.DecisionId(header.time_ns, instance_, sequence);
  w.Literal(R"(","time":")");
  Time(header.time_ns, &w);
  w.Char('"');
  if (header.policy_hash != 0) {
    w.Literal(R"(,"policy":")");
    w.Raw(Hash(header.policy_hash));
    w.Char('"');
  }
  if (!revision_.empty()) {
    w.Literal(R"(,"revision":)");
    w.Quoted(revision_);
  }
  w.Literal(R"(,"subject":)");
  w.Identity({static_cast<SubjectKind>(header.subject_kind), in.String()});
  if (header.chain_size > 0) {
    w.Literal(R"(,"on_behalf_of":[)");
    for (uint32_t i = 0; i < header.chain_size; ++i) {
      if (i > 0) w.Char(',');
      w.Identity(in.IdentityView());
    }
    w.Char(']');
  }
  w.Literal(R"(,"action":)");
  w.Quoted(in.String());
  w.Literal(R"(,"resource":{"type":)");
  w.Quoted(in.String());
  w.Literal(R"(,"id":)");
  w.Quoted(in.String());
  w.Literal(R"(},"effect":")");
  w.Raw(EffectName(effect));
  w.Literal(R"(","reason":")");
  w.Raw(ReasonName(static_cast<Reason>(header.reason)));
  w.Char('"');
  if (header.flags & kDeniedBy) {
    w.Literal(R"(,"denied_by":)");
    w.Identity(in.IdentityView());
  }
  w.Literal(R"(,"rules":[)");
  for (uint32_t i = 0; i < header.rule_count; ++i) {
    if (i > 0) w.Char(',');
    w.Quoted(in.String());
  }
  w.Char(']');
  if (effect == Effect::kAllow) {
    w.Literal(R"(,"obligations":{"redact":[)");
    for (uint32_t i = 0; i < header.redact_count; ++i) {
      if (i > 0) w.Char(',');
      w.Literal(R"({"pattern":)");
      w.Quoted(in.String());
      w.Literal(R"(,"replacement":)");
      w.Quoted(in.String());
      w.Char('}');
    }
    w.Literal(R"(],"limits":{)");
    for (uint32_t i = 0; i < header.limit_count; ++i) {
      if (i > 0) w.Char(',');
      w.Quoted(in.String());
      w.Char(':');
      w.Int(in.Int64());
    }
    w.Literal(R"(},"log":")");
    w.Raw(LogLevelName(static_cast<LogLevel>(header.obligation_log)));
    w.Literal(R"("})");
  }
  w.Literal(R"(,"errors":[)");
  for (uint32_t i = 0; i < header.error_count; ++i) {
    if (i > 0) w.Char(',');
    w.Literal(R"({"rule":)");
    w.Quoted(in.String());
    w.Literal(R"(,"principal":)");
    w.Identity(in.IdentityView());
    w.Literal(R"(,"message":)");
    w.Quoted(in.String());
    w.Char('}');
  }
  w.Char(']');
  const absl::string_view digest = in.String();
  if (effect == Effect::kNeedsApproval && !digest.empty()) {
    w.Literal(R"(,"approval":{"digest":)");
    w.Quoted(digest);
    w.Char('}');
  }
  if (header.flags & kApprovedBy) {
    w.Literal(R"(,"approved_by":)");
    w.Identity(in.IdentityView());
  }
  w.Literal(R"(,"latency_ns":)");
  w.Int(header.latency_ns);
  w.Literal(R"(,"level":")");
  w.Raw(LogLevelName(static_cast<LogLevel>(header.level)));
  w.Char('"');
  if (header.flags & kPayload) {
    w.Literal(R"(,"args":)");
    w.Raw(in.String());
    w.Literal(R"(,"context":)");
    w.Raw(in.String());
    // Inline attributes of a resource absent from the store: the request's too.
    const absl::string_view resource_attrs = in.String();
    if (resource_attrs != "{}") {
      w.Literal(R"(,"resource_attrs":)");
      w.Raw(resource_attrs);
    }
  } else if (header.flags & kPayloadError) {
    w.Literal(R"(,"payload_error":)");
    w.Quoted(in.String());
  }
  if (header.flags & kNow) {
    w.Literal(R"(,"now":")");
    Timestamp(header.request_now_ns, &w);
    w.Char('"');
  }
  if (header.flags & kShadow) {
    w.Literal(R"(,"shadow":)");
    w.Raw(in.String());
  }
  w.Char('}');
  return w.Finish();
}

}  // namespace ward::internal
