#include "bindings/node/src/convert.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/internal/request_builder_access.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward::node {
namespace {

// The JavaScript type of `value` for messages: "undefined", "null", "a number", ...
std::string Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "a number";
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    case napi_bigint:
      return "a bigint";
    default:
      return value.IsArray() ? "an array" : "an object";
  }
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& path, const char* expected,
                            const Napi::Value& found) {
  throw Napi::TypeError::New(
      env, absl::StrCat("`", path, "` must be ", expected, ", got ", Describe(found)));
}

// JSON.stringify(value), for the values converted through their JSON text.
std::optional<std::string> JsonText(Napi::Env env, const Napi::Value& value) {
  Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
  Napi::Value text = json.Get("stringify").As<Napi::Function>().Call(json, {value});
  if (!text.IsString()) return std::nullopt;
  return text.As<Napi::String>().Utf8Value();
}

// An attribute value; nullopt when absent (null or undefined, as in JSON).
std::optional<Value> ValueFromJs(Napi::Env env, const Napi::Value& value, const std::string& path) {
  switch (value.Type()) {
    case napi_undefined:
    case napi_null:
      return std::nullopt;
    case napi_string:
      return Value::String(value.As<Napi::String>().Utf8Value());
    case napi_boolean:
      return Value::Bool(value.As<Napi::Boolean>().Value());
    case napi_number: {
      // Integers within the 64-bit range are ints, as they are in a JSON request; anything
      // else (a fraction, an infinity) takes the JSON path below.
      const double number = value.As<Napi::Number>().DoubleValue();
      if (std::isfinite(number) && std::trunc(number) == number && number >= -0x1p63 &&
          number < 0x1p63) {
        return Value::Int(static_cast<int64_t>(number));
      }
      break;
    }
    case napi_bigint: {
      // Integers beyond 2^53 reach the language only as BigInt.
      bool lossless = false;
      const int64_t number = value.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) {
        ThrowCoded(env, ErrorCategory::kRequest,
                   absl::StrCat("`", path, "` is outside the 64-bit integer range"));
      }
      return Value::Int(number);
    }
    case napi_symbol:
    case napi_function:
      ThrowType(env, path, "a JSON value", value);
    default:
      break;
  }
  std::optional<std::string> text = JsonText(env, value);
  if (!text.has_value()) ThrowType(env, path, "a JSON value", value);
  absl::StatusOr<std::optional<Value>> parsed = ParseJsonValue(*text);
  if (!parsed.ok()) {
    ThrowCoded(env, ErrorCategory::kRequest,
               absl::StrCat("`", path, "`: ", parsed.status().message()));
  }
  return *std::move(parsed);
}

bool IsAbsent(const Napi::Value& value) { return value.IsUndefined() || value.IsNull(); }

std::string StringAt(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), absl::StrCat(what, " must be a string"));
  }
  return info[index].As<Napi::String>().Utf8Value();
}

SubjectKind KindFromName(Napi::Env env, const std::string& kind, const std::string& path) {
  absl::StatusOr<SubjectKind> parsed = SubjectKindAt(absl::StrCat(path, ".kind"), kind);
  if (!parsed.ok()) ThrowStatus(env, parsed.status(), ErrorCategory::kRequest);
  return *parsed;
}

// [name, value, name, value, ...] into `out`; absent values are left out, as in JSON.
void AttributesFromFlat(Napi::Env env, const Napi::Value& value, const char* path,
                        AttributeMap* out) {
  out->clear();
  if (IsAbsent(value)) return;
  if (!value.IsArray()) throw Napi::TypeError::New(env, absl::StrCat(path, ": expected pairs"));
  Napi::Array flat = value.As<Napi::Array>();
  const uint32_t length = flat.Length();
  out->reserve(length / 2);
  for (uint32_t i = 0; i + 1 < length; i += 2) {
    std::string name = flat.Get(i).ToString().Utf8Value();
    std::optional<Value> converted =
        ValueFromJs(env, flat.Get(i + 1), absl::StrCat(path, ".", name));
    if (converted.has_value()) out->insert_or_assign(std::move(name), *std::move(converted));
  }
}

absl::Time NowFromJs(Napi::Env env, const Napi::Value& value) {
  if (value.IsDate()) {
    const double millis = value.As<Napi::Date>().ValueOf();
    if (!std::isfinite(millis)) {
      ThrowCoded(env, ErrorCategory::kRequest, "`request.now` is an invalid Date");
    }
    return absl::FromUnixMillis(static_cast<int64_t>(millis));
  }
  if (!value.IsString()) {
    throw Napi::TypeError::New(env, "`request.now` must be a Date or an RFC 3339 string");
  }
  absl::StatusOr<absl::Time> parsed = ParseTimestamp(value.As<Napi::String>().Utf8Value());
  if (!parsed.ok()) {
    ThrowCoded(env, ErrorCategory::kRequest,
               absl::StrCat("`request.now`: ", parsed.status().message()));
  }
  return *parsed;
}

Napi::Object IdentityToJs(Napi::Env env, const IdentityRef& ref) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("kind", std::string(SubjectKindName(ref.kind)));
  object.Set("id", ref.id);
  return object;
}

Napi::Array StringsToJs(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(static_cast<uint32_t>(i), items[i]);
  return array;
}

Napi::Value OptionalText(Napi::Env env, const std::string& text) {
  if (text.empty()) return env.Null();
  return Napi::String::New(env, text);
}

}  // namespace

std::string ErrorCode(ErrorCategory category) {
  return absl::StrCat("WARD_", absl::AsciiStrToUpper(ErrorCategoryName(category)));
}

void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  throw error;
}

void ThrowStatus(Napi::Env env, const absl::Status& status, ErrorCategory fallback,
                 absl::string_view prefix) {
  ThrowCoded(env, CategoryOf(WithCategory(status, fallback)),
             absl::StrCat(prefix, status.message()));
}

void RequestFromArgs(const Napi::CallbackInfo& info, size_t first, RequestBuilder* builder) {
  Napi::Env env = info.Env();
  // One statement per argument read, so that a request with several mistakes is reported by
  // its first, as the fields are listed.
  const SubjectKind kind =
      KindFromName(env, StringAt(info, first, "subject kind"), "request.subject");
  builder->SetSubject(kind, StringAt(info, first + 1, "subject id"));
  builder->SetAction(StringAt(info, first + 2, "action"));
  const std::string type = StringAt(info, first + 3, "resource type");
  const std::string id = StringAt(info, first + 4, "resource id");
  internal::RequestBuilderAccess::SetResourceKeepingStorage(*builder, type, id);
  Request* out = &internal::RequestBuilderAccess::UnnamedParts(*builder);
  AttributesFromFlat(env, info[first + 5], "request.resource.attrs", &out->resource.attrs);
  AttributesFromFlat(env, info[first + 6], "request.context", &out->context);

  builder->ClearOnBehalfOf();
  Napi::Value chain = info[first + 7];
  if (!IsAbsent(chain)) {
    if (!chain.IsArray()) throw Napi::TypeError::New(env, "the chain must be an array");
    Napi::Array flat = chain.As<Napi::Array>();
    const uint32_t hops = flat.Length() / 2;
    if (absl::Status s = CheckChainLength("request.onBehalfOf", hops); !s.ok()) {
      ThrowStatus(env, s, ErrorCategory::kRequest);
    }
    for (uint32_t i = 0; i < hops; ++i) {
      Napi::Value kind = flat.Get(2 * i);
      Napi::Value hop_id = flat.Get(2 * i + 1);
      if (!kind.IsString() || !hop_id.IsString()) {
        throw Napi::TypeError::New(env, "the chain must hold strings");
      }
      builder->AddOnBehalfOf(KindFromName(env, kind.As<Napi::String>().Utf8Value(),
                                          absl::StrCat("request.onBehalfOf[", i, "]")),
                             hop_id.As<Napi::String>().Utf8Value());
    }
  }

  out->now.reset();
  Napi::Value now = info[first + 8];
  if (!IsAbsent(now)) out->now = NowFromJs(env, now);

  out->args.clear();
  out->args_json.clear();
  Napi::Value args = info[first + 9];
  if (!IsAbsent(args)) {
    if (!args.IsString()) throw Napi::TypeError::New(env, "the args must be JSON text");
    absl::Status status = SetArgsJson(args.As<Napi::String>().Utf8Value(), out);
    if (!status.ok()) {
      ThrowCoded(env, ErrorCategory::kRequest, absl::StrCat("`request.args`: ", status.message()));
    }
  }

  out->approval.clear();
  Napi::Value approval = info[first + 10];
  if (!IsAbsent(approval)) {
    if (!approval.IsString()) {
      throw Napi::TypeError::New(env, "`request.approval` must be a string");
    }
    out->approval = approval.As<Napi::String>().Utf8Value();
    // An empty token means none, as in the other bindings.
    if (!out->approval.empty()) {
      if (absl::Status s = CheckApprovalToken("request.approval", out->approval); !s.ok()) {
        ThrowStatus(env, s, ErrorCategory::kRequest);
      }
    }
  }
}

void RequestFromArgs(const Napi::CallbackInfo& info, size_t first, Request* out) {
  RequestBuilder builder;
  RequestFromArgs(info, first, &builder);
  *out = builder.request();
}

Napi::Value DecisionToJs(Napi::Env env, const Decision& decision) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->decision_factory.IsEmpty()) {
    throw Napi::Error::New(env, "the addon was loaded without index.js");
  }
  auto number = [env](double value) -> napi_value { return Napi::Number::New(env, value); };
  auto string = [env](const std::string& value) -> napi_value {
    return Napi::String::New(env, value);
  };
  std::vector<napi_value> args;
  args.reserve(11 + decision.rules.size() + 2 * decision.obligations.redact.size() +
               2 * decision.obligations.limits.size() + 4 * decision.errors.size());
  args.push_back(number(static_cast<int>(decision.effect)));
  args.push_back(number(static_cast<int>(decision.reason)));
  if (decision.denied_by.has_value()) {
    args.push_back(number(static_cast<int>(decision.denied_by->kind)));
    args.push_back(string(decision.denied_by->id));
  } else {
    args.push_back(number(-1));
    args.push_back(env.Null());
  }
  if (decision.policy_hash != 0) {
    args.push_back(string(absl::StrFormat("%016x", decision.policy_hash)));
  } else {
    args.push_back(env.Null());
  }
  args.push_back(number(static_cast<double>(decision.rules.size())));
  for (const std::string& rule : decision.rules) args.push_back(string(rule));
  if (decision.effect == Effect::kAllow) {
    const Obligations& obligations = decision.obligations;
    args.push_back(number(static_cast<double>(obligations.redact.size())));
    for (const Redaction& redaction : obligations.redact) {
      args.push_back(string(redaction.pattern));
      args.push_back(string(redaction.replacement));
    }
    args.push_back(number(static_cast<double>(obligations.limits.size())));
    for (const auto& [name, limit] : obligations.limits) {
      args.push_back(string(name));
      args.push_back(number(static_cast<double>(limit)));
    }
    args.push_back(number(static_cast<int>(obligations.log)));
  } else {
    args.push_back(number(-1));
  }
  args.push_back(number(static_cast<double>(decision.errors.size())));
  for (const EvaluationError& error : decision.errors) {
    args.push_back(string(error.rule));
    args.push_back(number(static_cast<int>(error.principal.kind)));
    args.push_back(string(error.principal.id));
    args.push_back(string(error.message));
  }
  if (decision.approval_digest.empty()) {
    args.push_back(env.Null());
  } else {
    args.push_back(string(decision.approval_digest));
  }
  if (decision.approved_by.has_value()) {
    args.push_back(number(static_cast<int>(decision.approved_by->kind)));
    args.push_back(string(decision.approved_by->id));
  } else {
    args.push_back(number(-1));
    args.push_back(env.Null());
  }
  // Rare (only policies with `@shadow` rules), so passed as its JSON form.
  if (decision.shadow.has_value()) {
    args.push_back(string(decision.shadow->ToJson()));
  } else {
    args.push_back(env.Null());
  }
  return data->decision_factory.Call(args);
}

Napi::Object NameTables(Napi::Env env) {
  // The enums are contiguous from 0; their last values bound the tables.
  auto table = [env](int last, auto name) {
    Napi::Array names = Napi::Array::New(env, last + 1);
    for (int i = 0; i <= last; ++i) names.Set(static_cast<uint32_t>(i), std::string(name(i)));
    return names;
  };
  Napi::Object tables = Napi::Object::New(env);
  tables.Set("effects", table(static_cast<int>(Effect::kDeny),
                              [](int i) { return EffectName(static_cast<Effect>(i)); }));
  // kInvalidRequest is the last reason (ward/decision.h adds new ones at the end).
  tables.Set("reasons", table(static_cast<int>(Reason::kInvalidRequest),
                              [](int i) { return ReasonName(static_cast<Reason>(i)); }));
  tables.Set("logLevels", table(static_cast<int>(LogLevel::kFull),
                                [](int i) { return LogLevelName(static_cast<LogLevel>(i)); }));
  tables.Set("kinds", table(kNumSubjectKinds - 1,
                            [](int i) { return SubjectKindName(static_cast<SubjectKind>(i)); }));
  return tables;
}

Napi::Array TraceToJs(Napi::Env env, const Trace& trace) {
  Napi::Array principals = Napi::Array::New(env, trace.principals.size());
  for (size_t i = 0; i < trace.principals.size(); ++i) {
    const TracePrincipal& principal = trace.principals[i];
    Napi::Object object = Napi::Object::New(env);
    object.Set("identity", IdentityToJs(env, principal.identity));
    object.Set("role", principal.role);
    if (principal.guard.has_value()) {
      object.Set("guard", std::string(ReasonName(*principal.guard)));
    } else {
      object.Set("guard", env.Null());
    }
    object.Set("path", StringsToJs(env, principal.path));
    Napi::Array candidates = Napi::Array::New(env, principal.candidates.size());
    for (size_t j = 0; j < principal.candidates.size(); ++j) {
      const TraceRule& rule = principal.candidates[j];
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("rule", rule.rule);
      entry.Set("effect", rule.effect);
      entry.Set("source", rule.source);
      entry.Set("outcome", std::string(TraceOutcomeName(rule.outcome)));
      entry.Set("when", OptionalText(env, rule.when));
      entry.Set("unless", OptionalText(env, rule.unless));
      entry.Set("whenCondition", OptionalText(env, rule.when_condition));
      entry.Set("unlessCondition", OptionalText(env, rule.unless_condition));
      candidates.Set(static_cast<uint32_t>(j), entry);
    }
    object.Set("candidates", candidates);
    object.Set("effect", std::string(EffectName(principal.effect)));
    object.Set("reason", std::string(ReasonName(principal.reason)));
    principals.Set(static_cast<uint32_t>(i), object);
  }
  return principals;
}

}  // namespace ward::node
