// The C interface (ward.h) over the C++ API. Every exported function catches every exception:
// a C caller cannot handle one, and an exception crossing the boundary would terminate the
// process.

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bindings/c/ward.h"
#include "lib/bundle.h"
#include "lib/decision.h"
#include "lib/engine.h"
#include "lib/entities.h"
#include "lib/internal/files.h"
#include "lib/policy.h"
#include "lib/redact.h"
#include "lib/request.h"
#include "lib/value.h"
#include "policy_lang/compiler.h"
#include "policy_lang/diagnostics.h"

namespace {

struct IssueData {
  ward_severity severity = WARD_SEVERITY_ERROR;
  std::string source;
  int line = 0;
  int column = 0;
  std::string message;
};

std::vector<IssueData> Issues(const std::vector<ward::Diagnostic>& diagnostics,
                              bool warnings_only) {
  std::vector<IssueData> issues;
  for (const ward::Diagnostic& d : diagnostics) {
    const bool warning = d.severity == ward::Diagnostic::Severity::kWarning;
    if (warnings_only && !warning) continue;
    issues.push_back({warning ? WARD_SEVERITY_WARNING : WARD_SEVERITY_ERROR, d.source, d.line,
                      d.column, d.message});
  }
  return issues;
}

void FillIssue(const IssueData& data, ward_issue* out) {
  out->severity = data.severity;
  out->source = {data.source.c_str(), data.source.size()};
  out->line = data.line;
  out->column = data.column;
  out->message = {data.message.c_str(), data.message.size()};
}

}  // namespace

struct ward_error {
  ward_status status = WARD_ERR_INTERNAL;
  std::string message;
  std::vector<IssueData> issues;
};

struct ward_policy {
  std::shared_ptr<const ward::Policy> policy;
  std::vector<IssueData> warnings;
};

struct ward_engine {
  std::unique_ptr<ward::Engine> engine;
};

struct ward_decision {
  ward::Decision decision;
  // The structured request is converted into this one, whose storage is reused from call to
  // call so that the hot path allocates nothing in steady state.
  ward::Request request;
  // The canonical JSON, built on demand after each decision.
  std::string json;
  bool json_valid = false;
};

struct ward_trace {
  std::string text;
};

namespace {

// The result of an internal step: a status and, on failure, what to report.
struct Failure {
  ward_status status;
  std::string message;
  std::vector<IssueData> issues;
};

ward_status Report(ward_error** error, ward_status status, std::string message,
                   std::vector<IssueData> issues = {}) {
  if (error != nullptr) {
    *error = nullptr;
    if (status != WARD_OK) {
      // Allocating the error may itself fail; the status still tells the caller what happened.
      try {
        auto* e = new ward_error;
        e->status = status;
        e->message = std::move(message);
        e->issues = std::move(issues);
        *error = e;
      } catch (...) {
        *error = nullptr;
      }
    }
  }
  return status;
}

// Runs `body` (which returns a ward_status and may fill `failure`) and turns every exception
// into WARD_ERR_INTERNAL.
template <typename Body>
ward_status Guard(ward_error** error, Body body) {
  if (error != nullptr) *error = nullptr;
  try {
    Failure failure{WARD_OK, "", {}};
    body(&failure);
    return Report(error, failure.status, std::move(failure.message), std::move(failure.issues));
  } catch (const std::bad_alloc&) {
    return Report(error, WARD_ERR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return Report(error, WARD_ERR_INTERNAL, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    return Report(error, WARD_ERR_INTERNAL, "internal error");
  }
}

void Fail(Failure* failure, ward_status status, absl::string_view message) {
  failure->status = status;
  failure->message = std::string(message);
}

// A status from the C++ API: `category` unless the library reports an internal failure.
void FailWith(Failure* failure, const absl::Status& status, ward_status category,
              absl::string_view prefix = "") {
  ward_status code = category;
  if (absl::IsInternal(status) || absl::IsResourceExhausted(status)) code = WARD_ERR_INTERNAL;
  if (absl::IsNotFound(status) && category == WARD_ERR_NOT_FOUND) code = WARD_ERR_NOT_FOUND;
  Fail(failure, code, absl::StrCat(prefix, status.message()));
}

// The value of an enumeration argument as its underlying integer, read without an enum-typed
// load: a C caller may pass any int, and in C++ a value outside the enumeration's range is
// undefined behaviour once loaded as the enumeration.
template <typename E>
std::underlying_type_t<E> Raw(const E& e) {
  std::underlying_type_t<E> value;
  std::memcpy(&value, &e, sizeof value);
  return value;
}

// A (pointer, length) argument: NULL is allowed only with length 0.
bool ValidText(const void* data, size_t len) { return data != nullptr || len == 0; }

absl::string_view View(const char* data, size_t len) {
  return data == nullptr ? absl::string_view() : absl::string_view(data, len);
}
absl::string_view View(ward_str s) { return View(s.data, s.len); }

void SetFailClosed(ward_decision* d) {
  if (d == nullptr) return;
  ward::Decision& decision = d->decision;
  decision.effect = ward::Effect::kDeny;
  decision.reason = ward::Reason::kInternalError;
  decision.denied_by.reset();
  decision.rules.clear();
  decision.obligations.redact.clear();
  decision.obligations.limits.clear();
  decision.obligations.log = ward::LogLevel::kNone;
  decision.errors.clear();
  decision.policy_hash = 0;
  d->json_valid = false;
}

// Copies bytes into a malloc'd, NUL-terminated buffer (freed with ward_string_free).
char* CopyOut(absl::string_view bytes) {
  char* out = static_cast<char*>(std::malloc(bytes.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  out[bytes.size()] = '\0';
  return out;
}

bool ReadFileInto(const char* path, size_t max_bytes, std::string* out, Failure* failure) {
  if (path == nullptr) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "the path is NULL");
    return false;
  }
  absl::StatusOr<std::string> text = ward::internal::ReadFile(path, max_bytes);
  if (!text.ok()) {
    FailWith(failure, text.status(), WARD_ERR_IO);
    return false;
  }
  *out = *std::move(text);
  return true;
}

std::shared_ptr<const ward::Policy> CompileSources(const std::vector<ward::SourceFile>& sources,
                                                   std::vector<IssueData>* warnings,
                                                   Failure* failure) {
  ward::CompileResult result = ward::Compile(sources);
  if (result.policy == nullptr) {
    std::vector<ward::Diagnostic> errors;
    for (const ward::Diagnostic& d : result.diagnostics) {
      if (d.severity == ward::Diagnostic::Severity::kError) errors.push_back(d);
    }
    failure->status = WARD_ERR_COMPILE;
    failure->message = ward::FormatDiagnostics(errors);
    if (failure->message.empty()) failure->message = "the policy set does not compile";
    failure->issues = Issues(result.diagnostics, /*warnings_only=*/false);
    return nullptr;
  }
  if (warnings != nullptr) *warnings = Issues(result.diagnostics, /*warnings_only=*/true);
  return result.policy;
}

bool SourcesFromC(const ward_source* sources, size_t count, std::vector<ward::SourceFile>* out,
                  Failure* failure) {
  if (sources == nullptr && count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`sources` is NULL");
    return false;
  }
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (!ValidText(sources[i].name.data, sources[i].name.len) ||
        !ValidText(sources[i].text.data, sources[i].text.len)) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT,
           absl::StrCat("source ", i, ": a NULL string with a non-zero length"));
      return false;
    }
    out->push_back({std::string(View(sources[i].name)), std::string(View(sources[i].text))});
  }
  return true;
}

std::shared_ptr<const ward::Policy> CompileFiles(const char* const* paths, size_t count,
                                                 std::vector<IssueData>* warnings,
                                                 Failure* failure) {
  if (paths == nullptr && count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`paths` is NULL");
    return nullptr;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    if (paths[i] == nullptr) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT, absl::StrCat("path ", i, " is NULL"));
      return nullptr;
    }
    names.emplace_back(paths[i]);
  }
  absl::StatusOr<std::vector<ward::SourceFile>> sources = ward::ReadSourceFiles(names);
  if (!sources.ok()) {
    FailWith(failure, sources.status(), WARD_ERR_IO);
    return nullptr;
  }
  return CompileSources(*sources, warnings, failure);
}

std::shared_ptr<const ward::Policy> LoadBundleBytes(absl::string_view bytes, Failure* failure) {
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::LoadBundle(bytes);
  if (!policy.ok()) {
    FailWith(failure, policy.status(), WARD_ERR_BUNDLE);
    return nullptr;
  }
  return *std::move(policy);
}

std::shared_ptr<const ward::Policy> LoadBundlePath(const char* path, Failure* failure) {
  std::string bytes;
  if (!ReadFileInto(path, ward::kMaxBundleBytes, &bytes, failure)) return nullptr;
  std::shared_ptr<const ward::Policy> policy = LoadBundleBytes(bytes, failure);
  if (policy == nullptr) failure->message = absl::StrCat(path, ": ", failure->message);
  return policy;
}

// Entities from JSON text; `json` NULL means none.
std::optional<ward::EntityStore> EntitiesFromText(const char* json, size_t len,
                                                  const ward::Schema& schema, Failure* failure) {
  if (json == nullptr) {
    if (len != 0) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`entities_json` is NULL with a non-zero length");
      return std::nullopt;
    }
    return ward::EntityStore();
  }
  absl::StatusOr<ward::EntityStore> store =
      ward::EntityStore::FromJson(absl::string_view(json, len), schema);
  if (!store.ok()) {
    FailWith(failure, store.status(), WARD_ERR_ENTITIES);
    return std::nullopt;
  }
  return *std::move(store);
}

std::optional<ward::EntityStore> EntitiesFromPath(const char* path, const ward::Schema& schema,
                                                  Failure* failure) {
  if (path == nullptr) return ward::EntityStore();
  std::string text;
  if (!ReadFileInto(path, ward::EntityLimits().max_file_bytes, &text, failure)) {
    return std::nullopt;
  }
  std::optional<ward::EntityStore> store =
      EntitiesFromText(text.data(), text.size(), schema, failure);
  if (!store.has_value()) failure->message = absl::StrCat(path, ": ", failure->message);
  return store;
}

ward_engine* MakeEngine(std::shared_ptr<const ward::Policy> policy, ward::EntityStore store,
                        Failure* failure) {
  absl::StatusOr<std::unique_ptr<ward::Engine>> engine =
      ward::Engine::Create(std::move(policy), std::move(store));
  if (!engine.ok()) {
    FailWith(failure, engine.status(), WARD_ERR_ENTITIES);
    return nullptr;
  }
  auto* out = new ward_engine;
  out->engine = *std::move(engine);
  return out;
}

// Request conversion ------------------------------------------------------------------------

std::optional<ward::SubjectKind> KindFromC(const ward_kind& kind) {
  switch (Raw(kind)) {
    case WARD_KIND_USER:
      return ward::SubjectKind::kUser;
    case WARD_KIND_AGENT:
      return ward::SubjectKind::kAgent;
    case WARD_KIND_BUILDER:
      return ward::SubjectKind::kBuilder;
  }
  return std::nullopt;
}

ward_kind KindToC(ward::SubjectKind kind) {
  switch (kind) {
    case ward::SubjectKind::kUser:
      return WARD_KIND_USER;
    case ward::SubjectKind::kAgent:
      return WARD_KIND_AGENT;
    case ward::SubjectKind::kBuilder:
      return WARD_KIND_BUILDER;
  }
  return WARD_KIND_USER;
}

// Field names are passed in pieces and joined only for a message, so that a valid request
// builds no string.
bool RequiredText(ward_str s, absl::string_view field, absl::string_view subfield,
                  Failure* failure) {
  if (!ValidText(s.data, s.len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT,
         absl::StrCat("`", field, subfield, "` is NULL with a non-zero length"));
    return false;
  }
  if (s.len == 0) {
    Fail(failure, WARD_ERR_REQUEST, absl::StrCat("`", field, subfield, "` must not be empty"));
    return false;
  }
  return true;
}

bool IdentityFromC(const ward_identity_ref& ref, absl::string_view field, ward::IdentityRef* out,
                   Failure* failure) {
  std::optional<ward::SubjectKind> kind = KindFromC(ref.kind);
  if (!kind.has_value()) {
    Fail(failure, WARD_ERR_REQUEST,
         absl::StrCat("unknown subject kind ", Raw(ref.kind), " in `", field, "`"));
    return false;
  }
  if (!RequiredText(ref.id, field, ".id", failure)) return false;
  out->kind = *kind;
  out->id.assign(ref.id.data, ref.id.len);
  return true;
}

// The value of one attribute; nullopt when it is to be left out (JSON null).
bool ValueFromC(const ward_value& value, absl::string_view list, absl::string_view name,
                std::optional<ward::Value>* out, Failure* failure) {
  // Built for messages only.
  auto field = [&] { return absl::StrCat(list, ".", name); };
  auto null_with_count = [&](const void* p) {
    if (p == nullptr && value.count != 0) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT,
           absl::StrCat("`", field(), "`: a NULL array with a non-zero count"));
      return true;
    }
    return false;
  };
  const auto type = Raw(value.type);
  switch (type) {
    case WARD_VALUE_STRING:
      if (!ValidText(value.string.data, value.string.len)) break;
      *out = ward::Value::String(std::string(View(value.string)));
      return true;
    case WARD_VALUE_INT:
      *out = ward::Value::Int(value.integer);
      return true;
    case WARD_VALUE_BOOL:
      *out = ward::Value::Bool(value.boolean != 0);
      return true;
    case WARD_VALUE_TIMESTAMP:
      *out = ward::Value::Timestamp(absl::FromUnixSeconds(value.integer));
      return true;
    case WARD_VALUE_STRING_SET: {
      if (null_with_count(value.strings)) return false;
      std::vector<std::string> items;
      items.reserve(value.count);
      for (size_t i = 0; i < value.count; ++i) {
        if (!ValidText(value.strings[i].data, value.strings[i].len)) {
          Fail(failure, WARD_ERR_INVALID_ARGUMENT,
               absl::StrCat("`", field(), "`: a NULL string with a non-zero length"));
          return false;
        }
        items.emplace_back(View(value.strings[i]));
      }
      *out = ward::Value::StringSet(std::move(items));
      return true;
    }
    case WARD_VALUE_INT_SET: {
      if (null_with_count(value.integers)) return false;
      std::vector<int64_t> items;
      if (value.count != 0) items.assign(value.integers, value.integers + value.count);
      *out = ward::Value::IntSet(std::move(items));
      return true;
    }
    case WARD_VALUE_JSON: {
      if (!ValidText(value.string.data, value.string.len)) break;
      absl::StatusOr<std::optional<ward::Value>> parsed = ward::ParseJsonValue(View(value.string));
      if (!parsed.ok()) {
        FailWith(failure, parsed.status(), WARD_ERR_REQUEST, absl::StrCat("`", field(), "`: "));
        return false;
      }
      *out = *std::move(parsed);
      return true;
    }
  }
  if (type >= WARD_VALUE_STRING && type <= WARD_VALUE_JSON) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT,
         absl::StrCat("`", field(), "`: a NULL string with a non-zero length"));
  } else {
    Fail(failure, WARD_ERR_REQUEST, absl::StrCat("`", field(), "`: unknown value type ", type));
  }
  return false;
}

// Fills `map` from `attrs`. When the names are those already in the map (the usual case for
// a caller that sends the same kind of request again and again), the values are replaced in
// place, which keeps the map's keys and storage.
bool AttrsFromC(const ward_attr* attrs, size_t count, absl::string_view field,
                ward::AttributeMap* map, Failure* failure) {
  if (attrs == nullptr && count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT,
         absl::StrCat("`", field, "` is NULL with a non-zero count"));
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!ValidText(attrs[i].name.data, attrs[i].name.len)) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT,
           absl::StrCat("`", field, "`: a NULL name with a non-zero length"));
      return false;
    }
    if (attrs[i].name.len == 0) {
      Fail(failure, WARD_ERR_REQUEST, absl::StrCat("`", field, "`: an empty name"));
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (View(attrs[j].name) == View(attrs[i].name)) {
        Fail(failure, WARD_ERR_REQUEST,
             absl::StrCat("`", field, "`: the name `", View(attrs[i].name), "` is repeated"));
        return false;
      }
    }
  }
  bool same_names = map->size() == count;
  for (size_t i = 0; same_names && i < count; ++i) {
    same_names = map->find(View(attrs[i].name)) != map->end();
  }
  if (!same_names) map->clear();
  for (size_t i = 0; i < count; ++i) {
    const absl::string_view name = View(attrs[i].name);
    std::optional<ward::Value> value;
    if (!ValueFromC(attrs[i].value, field, name, &value, failure)) {
      return false;
    }
    if (!value.has_value()) {
      map->erase(name);  // a JSON null: the entry is absent
    } else if (same_names) {
      map->find(name)->second = *std::move(value);
    } else {
      map->insert_or_assign(std::string(name), *std::move(value));
    }
  }
  return true;
}

bool RequestFromC(const ward_request& in, ward::Request* out, Failure* failure) {
  if (!IdentityFromC(in.subject, "subject", &out->subject, failure)) return false;
  if (!RequiredText(in.action, "action", "", failure)) return false;
  out->action.assign(in.action.data, in.action.len);
  if (!RequiredText(in.resource_type, "resource.type", "", failure)) return false;
  out->resource.type.assign(in.resource_type.data, in.resource_type.len);
  if (!RequiredText(in.resource_id, "resource.id", "", failure)) return false;
  out->resource.id.assign(in.resource_id.data, in.resource_id.len);

  if (in.on_behalf_of == nullptr && in.on_behalf_of_count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`on_behalf_of` is NULL with a non-zero count");
    return false;
  }
  if (in.on_behalf_of_count > ward::kMaxDelegationHops) {
    Fail(failure, WARD_ERR_REQUEST,
         absl::StrCat("`on_behalf_of` has ", in.on_behalf_of_count, " entries; at most ",
                      ward::kMaxDelegationHops, " are allowed"));
    return false;
  }
  out->on_behalf_of.resize(in.on_behalf_of_count);
  for (size_t i = 0; i < in.on_behalf_of_count; ++i) {
    // Only built when reporting, so that a valid chain costs no allocation.
    if (!IdentityFromC(in.on_behalf_of[i], "on_behalf_of[]", &out->on_behalf_of[i], failure)) {
      failure->message = absl::StrCat("on_behalf_of[", i, "]: ", failure->message);
      return false;
    }
  }

  if (!AttrsFromC(in.resource_attrs, in.resource_attr_count, "resource.attrs", &out->resource.attrs,
                  failure) ||
      !AttrsFromC(in.context, in.context_count, "context", &out->context, failure)) {
    return false;
  }

  if (!ValidText(in.now_rfc3339.data, in.now_rfc3339.len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`now_rfc3339` is NULL with a non-zero length");
    return false;
  }
  if (in.has_now != 0 && in.now_rfc3339.len != 0) {
    Fail(failure, WARD_ERR_REQUEST, "give the time as seconds or as RFC 3339 text, not both");
    return false;
  }
  if (in.has_now != 0) {
    out->now = absl::FromUnixSeconds(in.now_unix_seconds);
  } else if (in.now_rfc3339.len != 0) {
    absl::StatusOr<absl::Time> t = ward::ParseTimestamp(View(in.now_rfc3339));
    if (!t.ok()) {
      Fail(failure, WARD_ERR_REQUEST, absl::StrCat("`now`: ", t.status().message()));
      return false;
    }
    out->now = *t;
  } else {
    out->now.reset();
  }
  return true;
}

// Decides or explains; on any failure the decision reads DENY / internal_error.
ward_status DecideImpl(const ward_engine* engine, const ward_request* request, const char* json,
                       size_t json_len, bool from_json, ward_decision* out, ward_trace** trace,
                       ward_error** error) {
  if (trace != nullptr) *trace = nullptr;
  const ward_status status = Guard(error, [&](Failure* failure) {
    if (engine == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` and `out` must not be NULL");
    }
    const ward::Request* parsed = nullptr;
    std::optional<ward::Request> from_text;
    if (from_json) {
      if (!ValidText(json, json_len)) {
        return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`json` is NULL with a non-zero length");
      }
      absl::StatusOr<ward::Request> r = ward::ParseRequestJson(View(json, json_len));
      if (!r.ok()) return FailWith(failure, r.status(), WARD_ERR_REQUEST);
      from_text = *std::move(r);
      parsed = &*from_text;
    } else {
      if (request == nullptr) {
        return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`request` is NULL");
      }
      if (!RequestFromC(*request, &out->request, failure)) return;
      parsed = &out->request;
    }
    if (trace == nullptr) {
      engine->engine->Decide(*parsed, &out->decision);
    } else {
      ward::Trace explained;
      out->decision = engine->engine->Explain(*parsed, &explained);
      auto* t = new ward_trace;
      t->text = explained.ToText();
      *trace = t;
    }
    out->json_valid = false;
  });
  if (status != WARD_OK) SetFailClosed(out);
  return status;
}

// An empty ward_str that is still a valid C string.
ward_str EmptyStr() { return {"", 0}; }

ward_str StrOf(const std::string& s) { return {s.c_str(), s.size()}; }

bool HasObligations(const ward_decision* d) {
  return d != nullptr && d->decision.effect == ward::Effect::kAllow;
}

}  // namespace

extern "C" {

#define WARD_STRINGIFY_(x) #x
#define WARD_STRINGIFY(x) WARD_STRINGIFY_(x)

const char* ward_version(void) {
  return WARD_STRINGIFY(WARD_VERSION_MAJOR) "." WARD_STRINGIFY(
      WARD_VERSION_MINOR) "." WARD_STRINGIFY(WARD_VERSION_PATCH);
}

const char* ward_status_name(ward_status status) {
  switch (Raw(status)) {
    case WARD_OK:
      return "ok";
    case WARD_ERR_INVALID_ARGUMENT:
      return "invalid_argument";
    case WARD_ERR_COMPILE:
      return "compile";
    case WARD_ERR_ENTITIES:
      return "entities";
    case WARD_ERR_REQUEST:
      return "request";
    case WARD_ERR_NOT_FOUND:
      return "not_found";
    case WARD_ERR_BUNDLE:
      return "bundle";
    case WARD_ERR_IO:
      return "io";
    case WARD_ERR_INTERNAL:
      return "internal";
  }
  return "unknown";
}

const char* ward_effect_name(ward_effect effect) {
  switch (Raw(effect)) {
    case WARD_ALLOW:
      return "ALLOW";
    case WARD_NEEDS_APPROVAL:
      return "NEEDS_APPROVAL";
    case WARD_DENY:
      return "DENY";
  }
  return "unknown";
}

const char* ward_reason_name(ward_reason reason) {
  switch (Raw(reason)) {
    case WARD_REASON_PERMITTED:
      return "permitted";
    case WARD_REASON_FORBIDDEN:
      return "forbidden";
    case WARD_REASON_APPROVAL_REQUIRED:
      return "approval_required";
    case WARD_REASON_NO_MATCHING_PERMIT:
      return "no_matching_permit";
    case WARD_REASON_UNKNOWN_IDENTITY:
      return "unknown_identity";
    case WARD_REASON_LIFECYCLE:
      return "lifecycle";
    case WARD_REASON_UNOWNED:
      return "unowned";
    case WARD_REASON_INTERNAL_ERROR:
      return "internal_error";
  }
  return "unknown";
}

const char* ward_log_level_name(ward_log_level level) {
  switch (Raw(level)) {
    case WARD_LOG_NONE:
      return "none";
    case WARD_LOG_SUMMARY:
      return "summary";
    case WARD_LOG_FULL:
      return "full";
  }
  return "unknown";
}

const char* ward_kind_name(ward_kind kind) {
  switch (Raw(kind)) {
    case WARD_KIND_USER:
      return "user";
    case WARD_KIND_AGENT:
      return "agent";
    case WARD_KIND_BUILDER:
      return "builder";
  }
  return "unknown";
}

void ward_string_free(char* s) { std::free(s); }

// Errors ------------------------------------------------------------------------------------

void ward_error_free(ward_error* error) { delete error; }

ward_status ward_error_status(const ward_error* error) {
  return error == nullptr ? WARD_ERR_INVALID_ARGUMENT : error->status;
}

const char* ward_error_message(const ward_error* error) {
  return error == nullptr ? "" : error->message.c_str();
}

size_t ward_error_issue_count(const ward_error* error) {
  return error == nullptr ? 0 : error->issues.size();
}

int ward_error_issue(const ward_error* error, size_t index, ward_issue* out) {
  if (error == nullptr || out == nullptr || index >= error->issues.size()) return 0;
  FillIssue(error->issues[index], out);
  return 1;
}

// Policies ----------------------------------------------------------------------------------

ward_status ward_policy_compile(const ward_source* sources, size_t count, ward_policy** out,
                                ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    std::vector<ward::SourceFile> files;
    if (!SourcesFromC(sources, count, &files, failure)) return;
    auto policy = std::make_unique<ward_policy>();
    policy->policy = CompileSources(files, &policy->warnings, failure);
    if (policy->policy != nullptr) *out = policy.release();
  });
}

ward_status ward_policy_compile_files(const char* const* paths, size_t count, ward_policy** out,
                                      ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    auto policy = std::make_unique<ward_policy>();
    policy->policy = CompileFiles(paths, count, &policy->warnings, failure);
    if (policy->policy != nullptr) *out = policy.release();
  });
}

ward_status ward_policy_load_bundle(const void* bytes, size_t len, ward_policy** out,
                                    ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr || !ValidText(bytes, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`out` is NULL, or `bytes` is NULL with a non-zero length");
    }
    auto policy = std::make_unique<ward_policy>();
    policy->policy = LoadBundleBytes(View(static_cast<const char*>(bytes), len), failure);
    if (policy->policy != nullptr) *out = policy.release();
  });
}

ward_status ward_policy_load_bundle_file(const char* path, ward_policy** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    auto policy = std::make_unique<ward_policy>();
    policy->policy = LoadBundlePath(path, failure);
    if (policy->policy != nullptr) *out = policy.release();
  });
}

ward_status ward_policy_write_bundle(const ward_policy* policy, char** bytes, size_t* len,
                                     ward_error** error) {
  if (bytes != nullptr) *bytes = nullptr;
  if (len != nullptr) *len = 0;
  return Guard(error, [&](Failure* failure) {
    if (policy == nullptr || bytes == nullptr || len == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`policy`, `bytes` and `len` are required");
    }
    const std::string serialized = ward::SerializeBundle(*policy->policy);
    *bytes = CopyOut(serialized);
    *len = serialized.size();
  });
}

uint64_t ward_policy_hash(const ward_policy* policy) {
  return policy == nullptr ? 0 : policy->policy->hash();
}

size_t ward_policy_warning_count(const ward_policy* policy) {
  return policy == nullptr ? 0 : policy->warnings.size();
}

int ward_policy_warning(const ward_policy* policy, size_t index, ward_issue* out) {
  if (policy == nullptr || out == nullptr || index >= policy->warnings.size()) return 0;
  FillIssue(policy->warnings[index], out);
  return 1;
}

void ward_policy_free(ward_policy* policy) { delete policy; }

// Engines -----------------------------------------------------------------------------------

ward_status ward_engine_new(const ward_policy* policy, const char* entities_json,
                            size_t entities_len, ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (policy == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`policy` and `out` must not be NULL");
    }
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(policy->policy, *std::move(store), failure);
  });
}

ward_status ward_engine_from_files(const char* const* policy_paths, size_t count,
                                   const char* entities_path, ward_engine** out,
                                   ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    std::shared_ptr<const ward::Policy> policy =
        CompileFiles(policy_paths, count, nullptr, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromPath(entities_path, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), failure);
  });
}

ward_status ward_engine_from_texts(const ward_source* sources, size_t count,
                                   const char* entities_json, size_t entities_len,
                                   ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    std::vector<ward::SourceFile> files;
    if (!SourcesFromC(sources, count, &files, failure)) return;
    std::shared_ptr<const ward::Policy> policy = CompileSources(files, nullptr, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), failure);
  });
}

ward_status ward_engine_from_bundle(const void* bundle, size_t bundle_len,
                                    const char* entities_json, size_t entities_len,
                                    ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr || !ValidText(bundle, bundle_len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`out` is NULL, or `bundle` is NULL with a non-zero length");
    }
    std::shared_ptr<const ward::Policy> policy =
        LoadBundleBytes(View(static_cast<const char*>(bundle), bundle_len), failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), failure);
  });
}

ward_status ward_engine_from_bundle_file(const char* bundle_path, const char* entities_path,
                                         ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    std::shared_ptr<const ward::Policy> policy = LoadBundlePath(bundle_path, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromPath(entities_path, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), failure);
  });
}

void ward_engine_free(ward_engine* engine) { delete engine; }

ward_status ward_engine_reload(ward_engine* engine, const ward_policy* policy, ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || policy == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` and `policy` must not be NULL");
    }
    absl::Status status = engine->engine->Reload(policy->policy);
    if (!status.ok()) FailWith(failure, status, WARD_ERR_ENTITIES);
  });
}

uint64_t ward_engine_policy_hash(const ward_engine* engine) {
  if (engine == nullptr) return 0;
  try {
    return engine->engine->policy()->hash();
  } catch (...) {
    return 0;
  }
}

ward_status ward_engine_load_entities(ward_engine* engine, const char* json, size_t len,
                                      ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || json == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` and `json` must not be NULL");
    }
    std::optional<ward::EntityStore> store =
        EntitiesFromText(json, len, engine->engine->policy()->schema(), failure);
    if (!store.has_value()) return;
    absl::Status status = engine->engine->ReplaceEntities(*std::move(store));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_ENTITIES);
  });
}

ward_status ward_engine_load_entities_file(ward_engine* engine, const char* path,
                                           ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || path == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` and `path` must not be NULL");
    }
    std::optional<ward::EntityStore> store =
        EntitiesFromPath(path, engine->engine->policy()->schema(), failure);
    if (!store.has_value()) return;
    absl::Status status = engine->engine->ReplaceEntities(*std::move(store));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_ENTITIES);
  });
}

ward_status ward_engine_upsert_identity(ward_engine* engine, const char* json, size_t len,
                                        ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || !ValidText(json, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine` is NULL, or `json` is NULL with a non-zero length");
    }
    absl::StatusOr<ward::Identity> identity =
        ward::EntityStore::IdentityFromJson(View(json, len), engine->engine->policy()->schema());
    if (!identity.ok()) return FailWith(failure, identity.status(), WARD_ERR_ENTITIES);
    absl::Status status = engine->engine->UpsertIdentity(*std::move(identity));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_ENTITIES);
  });
}

ward_status ward_engine_upsert_resource(ward_engine* engine, const char* json, size_t len,
                                        ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || !ValidText(json, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine` is NULL, or `json` is NULL with a non-zero length");
    }
    absl::StatusOr<ward::Resource> resource =
        ward::EntityStore::ResourceFromJson(View(json, len), engine->engine->policy()->schema());
    if (!resource.ok()) return FailWith(failure, resource.status(), WARD_ERR_ENTITIES);
    absl::Status status = engine->engine->UpsertResource(*std::move(resource));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_ENTITIES);
  });
}

ward_status ward_engine_revoke_identity(ward_engine* engine, const char* id, size_t len,
                                        ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || !ValidText(id, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine` is NULL, or `id` is NULL with a non-zero length");
    }
    absl::Status status = engine->engine->RevokeIdentity(View(id, len));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_NOT_FOUND);
  });
}

ward_status ward_engine_remove_identity(ward_engine* engine, const char* id, size_t len,
                                        ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || !ValidText(id, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine` is NULL, or `id` is NULL with a non-zero length");
    }
    absl::Status status = engine->engine->RemoveIdentity(View(id, len));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_NOT_FOUND);
  });
}

ward_status ward_engine_remove_resource(ward_engine* engine, const char* type, size_t type_len,
                                        const char* id, size_t id_len, ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || !ValidText(type, type_len) || !ValidText(id, id_len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine` is NULL, or a NULL string has a non-zero length");
    }
    absl::Status status = engine->engine->RemoveResource(View(type, type_len), View(id, id_len));
    if (!status.ok()) FailWith(failure, status, WARD_ERR_NOT_FOUND);
  });
}

// Deciding ----------------------------------------------------------------------------------

ward_decision* ward_decision_new(void) {
  try {
    return new ward_decision;
  } catch (...) {
    return nullptr;
  }
}

void ward_decision_free(ward_decision* decision) { delete decision; }

ward_status ward_decide(const ward_engine* engine, const ward_request* request, ward_decision* out,
                        ward_error** error) {
  return DecideImpl(engine, request, nullptr, 0, /*from_json=*/false, out, nullptr, error);
}

ward_status ward_decide_json(const ward_engine* engine, const char* json, size_t len,
                             ward_decision* out, ward_error** error) {
  return DecideImpl(engine, nullptr, json, len, /*from_json=*/true, out, nullptr, error);
}

ward_status ward_explain(const ward_engine* engine, const ward_request* request, ward_decision* out,
                         ward_trace** trace, ward_error** error) {
  ward_trace* local = nullptr;
  const ward_status status =
      DecideImpl(engine, request, nullptr, 0, /*from_json=*/false, out, &local, error);
  if (trace != nullptr) {
    *trace = local;
  } else {
    delete local;
  }
  return status;
}

ward_status ward_explain_json(const ward_engine* engine, const char* json, size_t len,
                              ward_decision* out, ward_trace** trace, ward_error** error) {
  ward_trace* local = nullptr;
  const ward_status status =
      DecideImpl(engine, nullptr, json, len, /*from_json=*/true, out, &local, error);
  if (trace != nullptr) {
    *trace = local;
  } else {
    delete local;
  }
  return status;
}

ward_str ward_trace_text(const ward_trace* trace) {
  return trace == nullptr ? EmptyStr() : StrOf(trace->text);
}

void ward_trace_free(ward_trace* trace) { delete trace; }

// Reading a decision ------------------------------------------------------------------------

ward_effect ward_decision_effect(const ward_decision* decision) {
  if (decision == nullptr) return WARD_DENY;
  return static_cast<ward_effect>(static_cast<int>(decision->decision.effect));
}

ward_reason ward_decision_reason(const ward_decision* decision) {
  if (decision == nullptr) return WARD_REASON_INTERNAL_ERROR;
  return static_cast<ward_reason>(static_cast<int>(decision->decision.reason));
}

int ward_decision_denied_by(const ward_decision* decision, ward_identity_ref* out) {
  if (decision == nullptr || out == nullptr || !decision->decision.denied_by.has_value()) {
    return 0;
  }
  out->kind = KindToC(decision->decision.denied_by->kind);
  out->id = StrOf(decision->decision.denied_by->id);
  return 1;
}

size_t ward_decision_rule_count(const ward_decision* decision) {
  return decision == nullptr ? 0 : decision->decision.rules.size();
}

ward_str ward_decision_rule(const ward_decision* decision, size_t index) {
  if (decision == nullptr || index >= decision->decision.rules.size()) return EmptyStr();
  return StrOf(decision->decision.rules[index]);
}

size_t ward_decision_redaction_count(const ward_decision* decision) {
  return HasObligations(decision) ? decision->decision.obligations.redact.size() : 0;
}

int ward_decision_redaction(const ward_decision* decision, size_t index, ward_str* pattern,
                            ward_str* replacement) {
  if (index >= ward_decision_redaction_count(decision)) return 0;
  const ward::Redaction& r = decision->decision.obligations.redact[index];
  if (pattern != nullptr) *pattern = StrOf(r.pattern);
  if (replacement != nullptr) *replacement = StrOf(r.replacement);
  return 1;
}

size_t ward_decision_limit_count(const ward_decision* decision) {
  return HasObligations(decision) ? decision->decision.obligations.limits.size() : 0;
}

int ward_decision_limit(const ward_decision* decision, size_t index, ward_str* name,
                        int64_t* value) {
  if (index >= ward_decision_limit_count(decision)) return 0;
  const auto& limit = decision->decision.obligations.limits[index];
  if (name != nullptr) *name = StrOf(limit.first);
  if (value != nullptr) *value = limit.second;
  return 1;
}

ward_log_level ward_decision_log(const ward_decision* decision) {
  if (!HasObligations(decision)) return WARD_LOG_NONE;
  return static_cast<ward_log_level>(static_cast<int>(decision->decision.obligations.log));
}

size_t ward_decision_error_count(const ward_decision* decision) {
  return decision == nullptr ? 0 : decision->decision.errors.size();
}

int ward_decision_error(const ward_decision* decision, size_t index, ward_eval_error* out) {
  if (decision == nullptr || out == nullptr || index >= decision->decision.errors.size()) {
    return 0;
  }
  const ward::EvaluationError& e = decision->decision.errors[index];
  out->rule = StrOf(e.rule);
  out->principal.kind = KindToC(e.principal.kind);
  out->principal.id = StrOf(e.principal.id);
  out->message = StrOf(e.message);
  return 1;
}

uint64_t ward_decision_policy_hash(const ward_decision* decision) {
  return decision == nullptr ? 0 : decision->decision.policy_hash;
}

ward_str ward_decision_json(const ward_decision* decision) {
  static const char kFailed[] = "{\"effect\":\"DENY\",\"reason\":\"internal_error\"}";
  if (decision == nullptr) return {kFailed, sizeof(kFailed) - 1};
  // The cache is not part of the decision's observable state; the handle belongs to one
  // thread at a time, so building it here needs no lock.
  auto* d = const_cast<ward_decision*>(decision);
  try {
    if (!d->json_valid) {
      d->json = d->decision.ToJson();
      d->json_valid = true;
    }
    return StrOf(d->json);
  } catch (...) {
    d->json_valid = false;
    return {kFailed, sizeof(kFailed) - 1};
  }
}

ward_status ward_decision_redact(const ward_decision* decision, const char* text, size_t len,
                                 char** out, size_t* out_len, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return Guard(error, [&](Failure* failure) {
    if (decision == nullptr || out == nullptr || out_len == nullptr || !ValidText(text, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`decision`, `out` and `out_len` are required, and `text` is NULL only with "
                  "length 0");
    }
    const absl::string_view input = View(text, len);
    const std::string redacted = HasObligations(decision)
                                     ? ward::ApplyRedactions(decision->decision, input)
                                     : std::string(input);
    *out = CopyOut(redacted);
    *out_len = redacted.size();
  });
}

}  // extern "C"
