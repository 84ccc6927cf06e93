// The C interface (ward.h) over the C++ API. Every exported function catches every exception:
// a C caller cannot handle one, and an exception crossing the boundary would terminate the
// process.

#include <algorithm>
#include <array>
#include <cstdint>
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
#include "lib/internal/canonical_json.h"
#include "lib/internal/crypto.h"
#include "lib/internal/files.h"
#include "lib/internal/request_builder_access.h"
#include "nlohmann/json.hpp"
#include "policy_lang/diagnostics.h"
#include "ward/approval.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/decision_log.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/errors.h"
#include "ward/policy.h"
#include "ward/redact.h"
#include "ward/request.h"
#include "ward/request_builder.h"
#include "ward/schema.h"
#include "ward/value.h"

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

struct ward_logger {
  std::shared_ptr<ward::DecisionLog> log;
};

struct ward_decision {
  ward::Decision decision;
  // Structured requests are set into this builder. Its storage is reused from call to call,
  // so that the hot path allocates nothing in steady state, and it remembers the records its
  // ids were found to name, so that a request naming the same identities, action and
  // resource as the one before it (in the same snapshot of the same engine) is decided
  // without looking any of them up (ward/request_builder.h).
  ward::RequestBuilder request;
  // The canonical JSON, built on demand after each decision.
  std::string json;
  bool json_valid = false;
  // The shadow outcome's JSON, built on demand like `json`.
  std::string shadow_json;
};

struct ward_trace {
  std::string text;
};

struct ward_redactor {
  std::optional<ward::RedactionStream> stream;
  // Set by the first failed call, or by finish: every later call fails (fail closed).
  bool failed = false;
  bool finished = false;
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

// The status codes are the library's error categories (ward/errors.h), number for number.
constexpr bool SameNumber(ward_status status, ward::ErrorCategory category) {
  return static_cast<int>(status) == static_cast<int>(category);
}
static_assert(SameNumber(WARD_ERR_INVALID_ARGUMENT, ward::ErrorCategory::kInvalidArgument) &&
              SameNumber(WARD_ERR_COMPILE, ward::ErrorCategory::kPolicy) &&
              SameNumber(WARD_ERR_ENTITIES, ward::ErrorCategory::kEntities) &&
              SameNumber(WARD_ERR_REQUEST, ward::ErrorCategory::kRequest) &&
              SameNumber(WARD_ERR_NOT_FOUND, ward::ErrorCategory::kNotFound) &&
              SameNumber(WARD_ERR_BUNDLE, ward::ErrorCategory::kBundle) &&
              SameNumber(WARD_ERR_IO, ward::ErrorCategory::kIo) &&
              SameNumber(WARD_ERR_INTERNAL, ward::ErrorCategory::kInternal) &&
              SameNumber(WARD_ERR_KEY, ward::ErrorCategory::kKey) &&
              SameNumber(WARD_ERR_REDACT, ward::ErrorCategory::kRedact) &&
              SameNumber(WARD_ERR_REDACT, ward::kLastErrorCategory));

// A status from the C++ API, reported with its category; `fallback` for one the library left
// uncategorised.
void FailWith(Failure* failure, const absl::Status& status, ward_status fallback,
              absl::string_view prefix = "") {
  const ward::ErrorCategory category =
      ward::CategoryOf(ward::WithCategory(status, static_cast<ward::ErrorCategory>(fallback)));
  Fail(failure, static_cast<ward_status>(category), absl::StrCat(prefix, status.message()));
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
  decision.approval_digest.clear();
  decision.approved_by.reset();
  decision.shadow.reset();
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

// Public keys (SPKI PEM) from C, each checked to be an Ed25519 public key, so that a bad key is
// WARD_ERR_KEY whatever the call would have done with it. `field` names the list in messages.
bool PublicKeysFromC(const ward_str* keys, size_t count, absl::string_view field,
                     std::vector<std::string>* out, Failure* failure) {
  if (keys == nullptr && count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT,
         absl::StrCat("`", field, "` is NULL with a non-zero count"));
    return false;
  }
  out->clear();
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (!ValidText(keys[i].data, keys[i].len)) {
      Fail(failure, WARD_ERR_INVALID_ARGUMENT,
           absl::StrCat("`", field, "[", i, "]` is NULL with a non-zero length"));
      return false;
    }
    absl::StatusOr<ward::internal::Ed25519PublicKey> key =
        ward::internal::Ed25519PublicKey::FromPem(View(keys[i]));
    if (!key.ok()) {
      Fail(failure, WARD_ERR_KEY, absl::StrCat("`", field, "[", i, "]`: ", key.status().message()));
      return false;
    }
    out->emplace_back(View(keys[i]));
  }
  return true;
}

// A private key (PKCS#8 PEM) from C, checked to be usable; WARD_ERR_KEY when it is not.
bool PrivateKeyFromC(const char* pem, size_t len, Failure* failure) {
  if (!ValidText(pem, len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`private_key_pem` is NULL with a non-zero length");
    return false;
  }
  absl::StatusOr<std::string> public_key = ward::PublicKeyOf(View(pem, len));
  if (!public_key.ok()) {
    Fail(failure, WARD_ERR_KEY, absl::StrCat("the private key: ", public_key.status().message()));
    return false;
  }
  return true;
}

// Engine options from C (NULL: the defaults); the trusted bundle keys go to `bundle`.
bool OptionsFromC(const ward_engine_options* in, ward::EngineOptions* engine,
                  ward::BundleLoadOptions* bundle, Failure* failure) {
  if (in == nullptr) return true;
  if (!PublicKeysFromC(in->approval_keys, in->approval_key_count, "approval_keys",
                       &engine->approval_keys, failure) ||
      !PublicKeysFromC(in->trusted_bundle_keys, in->trusted_bundle_key_count, "trusted_bundle_keys",
                       &bundle->trusted_keys, failure)) {
    return false;
  }
  if (in->max_used_grants != 0) engine->max_used_grants = in->max_used_grants;
  return true;
}

std::shared_ptr<const ward::Policy> LoadBundleBytes(absl::string_view bytes,
                                                    const ward::BundleLoadOptions& options,
                                                    Failure* failure) {
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::LoadBundle(bytes, options);
  if (!policy.ok()) {
    FailWith(failure, policy.status(), WARD_ERR_BUNDLE);
    return nullptr;
  }
  return *std::move(policy);
}

std::shared_ptr<const ward::Policy> LoadBundlePath(const char* path,
                                                   const ward::BundleLoadOptions& options,
                                                   Failure* failure) {
  if (path == nullptr) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "the path is NULL");
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::LoadBundleFile(path, options);
  if (!policy.ok()) {
    FailWith(failure, policy.status(), WARD_ERR_BUNDLE);
    return nullptr;
  }
  return *std::move(policy);
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
  absl::StatusOr<ward::EntityStore> store = ward::EntityStore::FromFile(path, schema);
  if (!store.ok()) {
    FailWith(failure, store.status(), WARD_ERR_ENTITIES);
    return std::nullopt;
  }
  return *std::move(store);
}

ward_engine* MakeEngine(std::shared_ptr<const ward::Policy> policy, ward::EntityStore store,
                        const ward::EngineOptions& options, Failure* failure) {
  // The keys were checked by OptionsFromC: what fails here is the entities.
  absl::StatusOr<std::unique_ptr<ward::Engine>> engine =
      ward::Engine::Create(std::move(policy), std::move(store), options);
  if (!engine.ok()) {
    FailWith(failure, engine.status(), WARD_ERR_ENTITIES);
    return nullptr;
  }
  auto* out = new ward_engine;
  out->engine = *std::move(engine);
  return out;
}

// Enumerations ------------------------------------------------------------------------------
//
// The C enumerations mirror the library's: the same enumerators in the same order, so that
// converting is arithmetic (checked here at compile time), and the names are the library's own
// (EffectName, ReasonName, ErrorCategoryName, ...), so that no table of names is repeated in
// the binding.

static_assert(WARD_ALLOW == static_cast<int>(ward::Effect::kAllow) &&
              WARD_NEEDS_APPROVAL == static_cast<int>(ward::Effect::kNeedsApproval) &&
              WARD_DENY == static_cast<int>(ward::Effect::kDeny));
static_assert(WARD_REASON_PERMITTED == static_cast<int>(ward::Reason::kPermitted) &&
              WARD_REASON_FORBIDDEN == static_cast<int>(ward::Reason::kForbidden) &&
              WARD_REASON_APPROVAL_REQUIRED == static_cast<int>(ward::Reason::kApprovalRequired) &&
              WARD_REASON_NO_MATCHING_PERMIT == static_cast<int>(ward::Reason::kNoMatchingPermit) &&
              WARD_REASON_UNKNOWN_IDENTITY == static_cast<int>(ward::Reason::kUnknownIdentity) &&
              WARD_REASON_LIFECYCLE == static_cast<int>(ward::Reason::kLifecycle) &&
              WARD_REASON_UNOWNED == static_cast<int>(ward::Reason::kUnowned) &&
              WARD_REASON_INTERNAL_ERROR == static_cast<int>(ward::Reason::kInternalError) &&
              WARD_REASON_INVALID_REQUEST == static_cast<int>(ward::Reason::kInvalidRequest));
static_assert(WARD_LOG_NONE == static_cast<int>(ward::LogLevel::kNone) &&
              WARD_LOG_SUMMARY == static_cast<int>(ward::LogLevel::kSummary) &&
              WARD_LOG_FULL == static_cast<int>(ward::LogLevel::kFull));
// ward_kind starts at 1 (0 is "no kind"); the library's SubjectKind at 0.
static_assert(WARD_KIND_USER == 1 + static_cast<int>(ward::SubjectKind::kUser) &&
              WARD_KIND_AGENT == 1 + static_cast<int>(ward::SubjectKind::kAgent) &&
              WARD_KIND_BUILDER == 1 + static_cast<int>(ward::SubjectKind::kBuilder) &&
              WARD_KIND_BUILDER == ward::kNumSubjectKinds);

// The library enumerator of a C value; nullopt when the value is not one of `count`
// enumerators starting at `first`.
template <typename Cpp, typename C>
std::optional<Cpp> FromC(const C& value, int first, int count) {
  const auto raw = static_cast<long long>(Raw(value));
  if (raw < first || raw >= first + count) return std::nullopt;
  return static_cast<Cpp>(raw - first);
}

std::optional<ward::SubjectKind> KindFromC(const ward_kind& kind) {
  return FromC<ward::SubjectKind>(kind, WARD_KIND_USER, ward::kNumSubjectKinds);
}

ward_kind KindToC(ward::SubjectKind kind) {
  return static_cast<ward_kind>(WARD_KIND_USER + static_cast<int>(kind));
}

// The library's name of each of `count` enumerators, kept NUL-terminated for C; built once.
template <typename Cpp, int kCount>
const char* LibraryName(std::optional<Cpp> value, absl::string_view (*name)(Cpp)) {
  static const std::array<std::string, kCount>* const names = [name] {
    auto* all = new std::array<std::string, kCount>;
    for (int i = 0; i < kCount; ++i) (*all)[i] = std::string(name(static_cast<Cpp>(i)));
    return all;
  }();
  return value.has_value() ? (*names)[static_cast<int>(*value)].c_str() : "unknown";
}

// Request conversion ------------------------------------------------------------------------

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
    FailWith(failure, ward::CheckRequestText(absl::StrCat(field, subfield), ""), WARD_ERR_REQUEST);
    return false;
  }
  return true;
}

// The kind of `ref`, once its kind and id are checked.
std::optional<ward::SubjectKind> IdentityFromC(const ward_identity_ref& ref,
                                               absl::string_view field, Failure* failure) {
  std::optional<ward::SubjectKind> kind = KindFromC(ref.kind);
  if (!kind.has_value()) {
    Fail(failure, WARD_ERR_REQUEST,
         absl::StrCat("unknown subject kind ", Raw(ref.kind), " in `", field, "`"));
    return std::nullopt;
  }
  if (!RequiredText(ref.id, field, ".id", failure)) return std::nullopt;
  return kind;
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

// The canonical JSON object of typed args of which some are WARD_VALUE_JSON: each of those as
// its JSON (so that the digest covers what the library could only hold as an opaque value: an
// object, a float, a mixed list), the others as the library writes typed args (a timestamp as
// RFC 3339 text, a set as its sorted distinct members). JSON null entries are left out, as
// they are from `args`.
bool ArgsJsonFromTypedArgs(const ward_attr* attrs, size_t count, const ward::AttributeMap& args,
                           std::string* out, Failure* failure) {
  nlohmann::json object = nlohmann::json::object();
  for (size_t i = 0; i < count; ++i) {
    const std::string name(View(attrs[i].name));
    auto it = args.find(name);
    if (it == args.end()) continue;  // JSON null: absent
    if (Raw(attrs[i].value.type) == WARD_VALUE_JSON) {
      // Already parsed once by ParseJsonValue, so it parses.
      object[name] = nlohmann::json::parse(View(attrs[i].value.string));
      continue;
    }
    const ward::Value& value = it->second;
    switch (value.kind()) {
      case ward::Value::Kind::kString:
        object[name] = value.string_value();
        break;
      case ward::Value::Kind::kInt:
        object[name] = value.int_value();
        break;
      case ward::Value::Kind::kBool:
        object[name] = value.bool_value();
        break;
      case ward::Value::Kind::kTimestamp:
        object[name] = ward::FormatTimestamp(value.timestamp_value());
        break;
      case ward::Value::Kind::kStringSet:
        object[name] = value.string_set();
        break;
      case ward::Value::Kind::kIntSet:
        object[name] = value.int_set();
        break;
      case ward::Value::Kind::kOpaque:
        break;  // only JSON values are opaque, and those are handled above
    }
  }
  absl::StatusOr<std::string> canonical = ward::internal::CanonicalJson(object);
  if (!canonical.ok()) {
    FailWith(failure, canonical.status(), WARD_ERR_REQUEST, "`args`: ");
    return false;
  }
  *out = *std::move(canonical);
  return true;
}

// `args` or `args_json`, and `approval`.
bool ArgsAndGrantFromC(const ward_request& in, ward::Request* out, Failure* failure) {
  if (!ValidText(in.args_json.data, in.args_json.len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`args_json` is NULL with a non-zero length");
    return false;
  }
  if (in.args_json.len != 0 && in.args_count != 0) {
    Fail(failure, WARD_ERR_REQUEST, "give the args as `args` or as `args_json`, not both");
    return false;
  }
  if (in.args_json.len != 0) {
    absl::Status status = ward::SetArgsJson(View(in.args_json), out);
    if (!status.ok()) {
      FailWith(failure, status, WARD_ERR_REQUEST, "`args_json`: ");
      return false;
    }
  } else {
    if (!AttrsFromC(in.args, in.args_count, "args", &out->args, failure)) return false;
    out->args_json.clear();
    bool any_json = false;
    for (size_t i = 0; i < in.args_count; ++i) {
      any_json = any_json || Raw(in.args[i].value.type) == WARD_VALUE_JSON;
    }
    if (any_json &&
        !ArgsJsonFromTypedArgs(in.args, in.args_count, out->args, &out->args_json, failure)) {
      return false;
    }
  }

  if (!ValidText(in.approval.data, in.approval.len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`approval` is NULL with a non-zero length");
    return false;
  }
  if (in.approval.len > ward::kMaxApprovalTokenBytes) {
    FailWith(
        failure,
        ward::CheckApprovalToken("approval", absl::string_view(in.approval.data, in.approval.len)),
        WARD_ERR_REQUEST);
    return false;
  }
  if (in.approval.len == 0) {
    out->approval.clear();
  } else {
    out->approval.assign(in.approval.data, in.approval.len);
  }
  return true;
}

// Sets `in` into `builder`: the ids through its setters (which keep what was found for an id
// that did not change), the rest in place. A request that fails half-way leaves the builder
// with some parts set, each consistent with what it remembers.
bool RequestFromC(const ward_request& in, ward::RequestBuilder* builder, Failure* failure) {
  std::optional<ward::SubjectKind> subject_kind = IdentityFromC(in.subject, "subject", failure);
  if (!subject_kind.has_value()) return false;
  builder->SetSubject(*subject_kind, View(in.subject.id));
  if (!RequiredText(in.action, "action", "", failure)) return false;
  builder->SetAction(View(in.action));
  if (!RequiredText(in.resource_type, "resource.type", "", failure) ||
      !RequiredText(in.resource_id, "resource.id", "", failure)) {
    return false;
  }
  ward::internal::RequestBuilderAccess::SetResourceKeepingStorage(*builder, View(in.resource_type),
                                                                  View(in.resource_id));
  ward::Request* out = &ward::internal::RequestBuilderAccess::UnnamedParts(*builder);

  if (in.on_behalf_of == nullptr && in.on_behalf_of_count != 0) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`on_behalf_of` is NULL with a non-zero count");
    return false;
  }
  if (absl::Status s = ward::CheckChainLength("on_behalf_of", in.on_behalf_of_count); !s.ok()) {
    FailWith(failure, s, WARD_ERR_REQUEST);
    return false;
  }
  builder->ClearOnBehalfOf();
  for (size_t i = 0; i < in.on_behalf_of_count; ++i) {
    std::optional<ward::SubjectKind> kind =
        IdentityFromC(in.on_behalf_of[i], "on_behalf_of[]", failure);
    if (!kind.has_value()) {
      // Only built when reporting, so that a valid chain costs no allocation.
      failure->message = absl::StrCat("on_behalf_of[", i, "]: ", failure->message);
      return false;
    }
    builder->AddOnBehalfOf(*kind, View(in.on_behalf_of[i].id));
  }

  if (!AttrsFromC(in.resource_attrs, in.resource_attr_count, "resource.attrs", &out->resource.attrs,
                  failure) ||
      !AttrsFromC(in.context, in.context_count, "context", &out->context, failure) ||
      !ArgsAndGrantFromC(in, out, failure)) {
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
      parsed = &out->request.request();
    }
    if (trace == nullptr && !from_json) {
      engine->engine->Decide(&out->request, &out->decision);
    } else if (trace == nullptr) {
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

// Write (chunk given) or finish (chunk nullopt), failing closed.
ward_status RedactorStep(ward_redactor* redactor, std::optional<absl::string_view> chunk,
                         char** out, size_t* out_len, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  const ward_status status = Guard(error, [&](Failure* failure) {
    if (redactor == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`redactor` is NULL");
    if (redactor->failed) {
      return Fail(failure, WARD_ERR_REDACT, "the redactor failed before: it releases nothing more");
    }
    if (redactor->finished) {
      return Fail(failure, WARD_ERR_REDACT, "the redactor is finished");
    }
    if (out == nullptr || out_len == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` and `out_len` are required");
    }
    absl::StatusOr<std::string> piece =
        chunk.has_value() ? redactor->stream->Write(*chunk) : redactor->stream->Finish();
    // Every failure of the stream (more text than it may hold included) is a redaction
    // failure, never "internal": the caller must release nothing more.
    if (!piece.ok()) return Fail(failure, WARD_ERR_REDACT, piece.status().message());
    if (!chunk.has_value()) redactor->finished = true;
    *out = CopyOut(*piece);
    *out_len = piece->size();
  });
  if (status != WARD_OK && redactor != nullptr) {
    // Whatever went wrong (the text was not taken, or more would have to be held than the
    // stream may), the rest of the stream is never released.
    if (!redactor->finished) redactor->failed = true;
    if (out != nullptr && *out != nullptr) {
      std::free(*out);
      *out = nullptr;
    }
  }
  return status;
}

ward_status DigestImpl(const ward_engine* engine, const ward_request* request, const char* json,
                       size_t json_len, bool from_json, char** hex, ward_error** error) {
  if (hex != nullptr) *hex = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || hex == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` and `hex` must not be NULL");
    }
    ward::RequestBuilder parsed;
    if (from_json) {
      if (!ValidText(json, json_len)) {
        return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`json` is NULL with a non-zero length");
      }
      absl::StatusOr<ward::Request> r = ward::ParseRequestJson(View(json, json_len));
      if (!r.ok()) return FailWith(failure, r.status(), WARD_ERR_REQUEST);
      parsed = ward::RequestBuilder(*std::move(r));
    } else {
      if (request == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`request` is NULL");
      if (!RequestFromC(*request, &parsed, failure)) return;
    }
    *hex = CopyOut(ward::ApprovalDigest(parsed.request(), engine->engine->policy()->hash()));
  });
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
  const int code = Raw(status);
  if (code == WARD_OK) return "ok";
  if (code < 1 || code > static_cast<int>(ward::kLastErrorCategory)) return "unknown";
  // The names are string literals of the library, so the pointer stays valid.
  return ward::ErrorCategoryName(static_cast<ward::ErrorCategory>(code)).data();
}

const char* ward_effect_name(ward_effect effect) {
  try {
    return LibraryName<ward::Effect, 3>(FromC<ward::Effect>(effect, WARD_ALLOW, 3),
                                        ward::EffectName);
  } catch (...) {
    return "unknown";
  }
}

const char* ward_reason_name(ward_reason reason) {
  constexpr int kCount = WARD_REASON_INVALID_REQUEST + 1;
  try {
    return LibraryName<ward::Reason, kCount>(
        FromC<ward::Reason>(reason, WARD_REASON_PERMITTED, kCount), ward::ReasonName);
  } catch (...) {
    return "unknown";
  }
}

const char* ward_log_level_name(ward_log_level level) {
  try {
    return LibraryName<ward::LogLevel, 3>(FromC<ward::LogLevel>(level, WARD_LOG_NONE, 3),
                                          ward::LogLevelName);
  } catch (...) {
    return "unknown";
  }
}

const char* ward_kind_name(ward_kind kind) {
  try {
    return LibraryName<ward::SubjectKind, ward::kNumSubjectKinds>(KindFromC(kind),
                                                                  ward::SubjectKindName);
  } catch (...) {
    return "unknown";
  }
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

ward_status ward_policy_load_bundle(const void* bytes, size_t len, const ward_str* trusted_keys,
                                    size_t trusted_key_count, ward_policy** out,
                                    ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr || !ValidText(bytes, len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`out` is NULL, or `bytes` is NULL with a non-zero length");
    }
    ward::BundleLoadOptions options;
    if (!PublicKeysFromC(trusted_keys, trusted_key_count, "trusted_keys", &options.trusted_keys,
                         failure)) {
      return;
    }
    auto policy = std::make_unique<ward_policy>();
    policy->policy = LoadBundleBytes(View(static_cast<const char*>(bytes), len), options, failure);
    if (policy->policy != nullptr) *out = policy.release();
  });
}

ward_status ward_policy_load_bundle_file(const char* path, const ward_str* trusted_keys,
                                         size_t trusted_key_count, ward_policy** out,
                                         ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    ward::BundleLoadOptions options;
    if (!PublicKeysFromC(trusted_keys, trusted_key_count, "trusted_keys", &options.trusted_keys,
                         failure)) {
      return;
    }
    auto policy = std::make_unique<ward_policy>();
    policy->policy = LoadBundlePath(path, options, failure);
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

ward_status ward_policy_write_bundle_signed(const ward_policy* policy, const char* private_key_pem,
                                            size_t private_key_len, char** bytes, size_t* len,
                                            ward_error** error) {
  if (bytes != nullptr) *bytes = nullptr;
  if (len != nullptr) *len = 0;
  return Guard(error, [&](Failure* failure) {
    if (policy == nullptr || bytes == nullptr || len == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`policy`, `bytes` and `len` are required");
    }
    if (!PrivateKeyFromC(private_key_pem, private_key_len, failure)) return;
    absl::StatusOr<std::string> serialized =
        ward::SerializeSignedBundle(*policy->policy, View(private_key_pem, private_key_len));
    if (!serialized.ok()) return FailWith(failure, serialized.status(), WARD_ERR_KEY);
    *bytes = CopyOut(*serialized);
    *len = serialized->size();
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
                            size_t entities_len, const ward_engine_options* options,
                            ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (policy == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`policy` and `out` must not be NULL");
    }
    ward::EngineOptions engine_options;
    ward::BundleLoadOptions bundle_options;
    if (!OptionsFromC(options, &engine_options, &bundle_options, failure)) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(policy->policy, *std::move(store), engine_options, failure);
  });
}

ward_status ward_engine_from_files(const char* const* policy_paths, size_t count,
                                   const char* entities_path, const ward_engine_options* options,
                                   ward_engine** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    ward::EngineOptions engine_options;
    ward::BundleLoadOptions bundle_options;
    if (!OptionsFromC(options, &engine_options, &bundle_options, failure)) return;
    std::shared_ptr<const ward::Policy> policy =
        CompileFiles(policy_paths, count, nullptr, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromPath(entities_path, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), engine_options, failure);
  });
}

ward_status ward_engine_from_texts(const ward_source* sources, size_t count,
                                   const char* entities_json, size_t entities_len,
                                   const ward_engine_options* options, ward_engine** out,
                                   ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    ward::EngineOptions engine_options;
    ward::BundleLoadOptions bundle_options;
    if (!OptionsFromC(options, &engine_options, &bundle_options, failure)) return;
    std::vector<ward::SourceFile> files;
    if (!SourcesFromC(sources, count, &files, failure)) return;
    std::shared_ptr<const ward::Policy> policy = CompileSources(files, nullptr, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), engine_options, failure);
  });
}

ward_status ward_engine_from_bundle(const void* bundle, size_t bundle_len,
                                    const char* entities_json, size_t entities_len,
                                    const ward_engine_options* options, ward_engine** out,
                                    ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr || !ValidText(bundle, bundle_len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`out` is NULL, or `bundle` is NULL with a non-zero length");
    }
    ward::EngineOptions engine_options;
    ward::BundleLoadOptions bundle_options;
    if (!OptionsFromC(options, &engine_options, &bundle_options, failure)) return;
    std::shared_ptr<const ward::Policy> policy = LoadBundleBytes(
        View(static_cast<const char*>(bundle), bundle_len), bundle_options, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromText(entities_json, entities_len, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), engine_options, failure);
  });
}

ward_status ward_engine_from_bundle_file(const char* bundle_path, const char* entities_path,
                                         const ward_engine_options* options, ward_engine** out,
                                         ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` is NULL");
    ward::EngineOptions engine_options;
    ward::BundleLoadOptions bundle_options;
    if (!OptionsFromC(options, &engine_options, &bundle_options, failure)) return;
    std::shared_ptr<const ward::Policy> policy =
        LoadBundlePath(bundle_path, bundle_options, failure);
    if (policy == nullptr) return;
    std::optional<ward::EntityStore> store =
        EntitiesFromPath(entities_path, policy->schema(), failure);
    if (!store.has_value()) return;
    *out = MakeEngine(std::move(policy), *std::move(store), engine_options, failure);
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

namespace {

ward::DecisionLogOptions LogOptions(const ward_logger_options* options, Failure* failure) {
  ward::DecisionLogOptions converted;
  if (options == nullptr) return converted;
  switch (Raw(options->floor)) {
    case WARD_LOG_FLOOR_SUMMARY:
      converted.min_level = ward::LogLevel::kSummary;
      break;
    case WARD_LOG_FLOOR_NONE:
      converted.min_level = ward::LogLevel::kNone;
      break;
    case WARD_LOG_FLOOR_FULL:
      converted.min_level = ward::LogLevel::kFull;
      break;
    default:
      Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`floor` is not a ward_log_floor");
      return converted;
  }
  if (options->thread_queue_bytes != 0) {
    converted.thread_queue_bytes = options->thread_queue_bytes;
  }
  if (!ValidText(options->revision.data, options->revision.len)) {
    Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`revision` is NULL with a non-zero length");
    return converted;
  }
  converted.revision = std::string(View(options->revision.data, options->revision.len));
  return converted;
}

void OpenLog(std::unique_ptr<ward::DecisionLogSink> sink, const ward_logger_options* options,
             ward_logger** out, Failure* failure) {
  const ward::DecisionLogOptions converted = LogOptions(options, failure);
  if (failure->status != WARD_OK) return;
  absl::StatusOr<std::shared_ptr<ward::DecisionLog>> log =
      ward::DecisionLog::Create(std::move(sink), converted);
  if (!log.ok()) return FailWith(failure, log.status(), WARD_ERR_INVALID_ARGUMENT);
  *out = new ward_logger{*std::move(log)};
}

}  // namespace

ward_status ward_logger_open_file(const char* path, const ward_logger_options* options,
                                  ward_logger** out, ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (path == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`path` and `out` must not be NULL");
    }
    ward::FileSinkOptions file;
    if (options != nullptr && options->max_file_bytes != 0) {
      file.max_bytes = options->max_file_bytes == UINT64_MAX ? 0 : options->max_file_bytes;
    }
    if (options != nullptr && options->max_files != 0) {
      file.max_files = static_cast<int>(std::min<uint32_t>(options->max_files, 1000));
    }
    absl::StatusOr<std::unique_ptr<ward::DecisionLogSink>> sink = ward::OpenFileSink(path, file);
    if (!sink.ok()) return Fail(failure, WARD_ERR_IO, sink.status().message());
    OpenLog(*std::move(sink), options, out, failure);
  });
}

ward_status ward_logger_open_stdout(const ward_logger_options* options, ward_logger** out,
                                    ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (out == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`out` must not be NULL");
    OpenLog(ward::StdoutSink(), options, out, failure);
  });
}

ward_status ward_logger_open_callback(ward_logger_callback callback, void* user_data,
                                      const ward_logger_options* options, ward_logger** out,
                                      ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (callback == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`callback` and `out` must not be NULL");
    }
    OpenLog(ward::CallbackSink([callback, user_data](absl::string_view record) {
              callback(user_data, record.data(), record.size());
            }),
            options, out, failure);
  });
}

ward_status ward_engine_set_logger(ward_engine* engine, ward_logger* log, ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine` must not be NULL");
    }
    engine->engine->SetDecisionLog(log == nullptr ? nullptr : log->log);
  });
}

ward_status ward_logger_flush(ward_logger* log, ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (log == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`log` must not be NULL");
    if (absl::Status status = log->log->Flush(); !status.ok()) {
      Fail(failure, WARD_ERR_IO, status.message());
    }
  });
}

ward_status ward_logger_close(ward_logger* log, ward_error** error) {
  return Guard(error, [&](Failure* failure) {
    if (log == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`log` must not be NULL");
    if (absl::Status status = log->log->Close(); !status.ok()) {
      Fail(failure, WARD_ERR_IO, status.message());
    }
  });
}

ward_logger_stats ward_logger_get_stats(const ward_logger* log) {
  ward_logger_stats stats = {0, 0, 0, 0, 0};
  if (log == nullptr) return stats;
  try {
    const ward::DecisionLogStats counts = log->log->stats();
    stats.recorded = counts.recorded;
    stats.dropped = counts.dropped;
    stats.written = counts.written;
    stats.failed = counts.failed;
    stats.max_queued_bytes = counts.max_queued_bytes;
  } catch (...) {
  }
  return stats;
}

void ward_logger_free(ward_logger* log) { delete log; }

ward_status ward_engine_unknown_identities(const ward_engine* engine, char** json, size_t* len,
                                           ward_error** error) {
  if (json != nullptr) *json = nullptr;
  if (len != nullptr) *len = 0;
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || json == nullptr || len == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`engine`, `json` and `len` are required");
    }
    const std::string text = ward::UnknownIdentitiesJson(engine->engine->unknown_identities());
    *json = CopyOut(text);
    *len = text.size();
  });
}

ward_status ward_engine_what_may(const ward_engine* engine, const char* query, size_t query_len,
                                 char** json, size_t* len, ward_error** error) {
  if (json != nullptr) *json = nullptr;
  if (len != nullptr) *len = 0;
  return Guard(error, [&](Failure* failure) {
    if (engine == nullptr || query == nullptr || json == nullptr || len == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`engine`, `query`, `json` and `len` are required");
    }
    absl::StatusOr<ward::ReachQuery> parsed =
        ward::ParseReachQueryJson(absl::string_view(query, query_len));
    if (!parsed.ok()) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  absl::StrCat("the query: ", parsed.status().message()));
    }
    absl::StatusOr<ward::Reach> reach =
        engine->engine->WhatMay(parsed->subject, parsed->on_behalf_of, parsed->options);
    if (!reach.ok()) return FailWith(failure, reach.status(), WARD_ERR_INVALID_ARGUMENT);
    const std::string text = reach->ToJson();
    *json = CopyOut(text);
    *len = text.size();
  });
}

size_t ward_engine_used_grant_count(const ward_engine* engine) {
  if (engine == nullptr) return 0;
  try {
    return engine->engine->used_grant_count();
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

ward_str ward_decision_approval_digest(const ward_decision* decision) {
  if (decision == nullptr || decision->decision.effect != ward::Effect::kNeedsApproval) {
    return EmptyStr();
  }
  return StrOf(decision->decision.approval_digest);
}

int ward_decision_approved_by(const ward_decision* decision, ward_identity_ref* out) {
  if (decision == nullptr || out == nullptr || !decision->decision.approved_by.has_value()) {
    return 0;
  }
  out->kind = KindToC(decision->decision.approved_by->kind);
  out->id = StrOf(decision->decision.approved_by->id);
  return 1;
}

ward_str ward_decision_shadow_json(const ward_decision* decision) {
  if (decision == nullptr || !decision->decision.shadow.has_value()) return EmptyStr();
  // Like ward_decision_json's cache: the handle belongs to one thread at a time.
  auto* d = const_cast<ward_decision*>(decision);
  try {
    d->shadow_json = d->decision.shadow->ToJson();
    return StrOf(d->shadow_json);
  } catch (...) {
    return EmptyStr();
  }
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
    absl::StatusOr<std::string> redacted = std::string(input);
    if (HasObligations(decision)) redacted = ward::ApplyRedactions(decision->decision, input);
    // A redaction that cannot be applied: refuse, never return the text as is.
    if (!redacted.ok()) return Fail(failure, WARD_ERR_REDACT, redacted.status().message());
    *out = CopyOut(*redacted);
    *out_len = redacted->size();
  });
}

// Redacting a stream -------------------------------------------------------------------------

ward_status ward_redactor_new(const ward_decision* decision, ward_redactor** out,
                              ward_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (decision == nullptr || out == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`decision` and `out` must not be NULL");
    }
    // Only an ALLOW has obligations; any other decision's are not meaningful.
    const ward::Obligations none;
    absl::StatusOr<ward::RedactionStream> stream = ward::RedactionStream::Create(
        HasObligations(decision) ? decision->decision.obligations : none);
    if (!stream.ok()) return Fail(failure, WARD_ERR_REDACT, stream.status().message());
    auto redactor = std::make_unique<ward_redactor>();
    redactor->stream.emplace(*std::move(stream));
    *out = redactor.release();
  });
}

ward_status ward_redactor_write(ward_redactor* redactor, const char* chunk, size_t len, char** out,
                                size_t* out_len, ward_error** error) {
  if (!ValidText(chunk, len)) {
    if (out != nullptr) *out = nullptr;
    if (out_len != nullptr) *out_len = 0;
    if (redactor != nullptr) redactor->failed = true;
    return Report(error, WARD_ERR_INVALID_ARGUMENT, "`chunk` is NULL with a non-zero length");
  }
  return RedactorStep(redactor, View(chunk, len), out, out_len, error);
}

ward_status ward_redactor_finish(ward_redactor* redactor, char** out, size_t* out_len,
                                 ward_error** error) {
  return RedactorStep(redactor, std::nullopt, out, out_len, error);
}

void ward_redactor_free(ward_redactor* redactor) { delete redactor; }

// Approvals ---------------------------------------------------------------------------------

ward_status ward_keygen(char** private_key_pem, char** public_key_pem, ward_error** error) {
  if (private_key_pem != nullptr) *private_key_pem = nullptr;
  if (public_key_pem != nullptr) *public_key_pem = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (private_key_pem == nullptr || public_key_pem == nullptr) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`private_key_pem` and `public_key_pem` must not be NULL");
    }
    absl::StatusOr<ward::SigningKeyPair> pair = ward::GenerateSigningKey();
    if (!pair.ok()) return FailWith(failure, pair.status(), WARD_ERR_INTERNAL);
    char* private_out = CopyOut(pair->private_key_pem);
    try {
      *public_key_pem = CopyOut(pair->public_key_pem);
    } catch (...) {
      std::free(private_out);
      throw;
    }
    *private_key_pem = private_out;
  });
}

ward_status ward_grant_mint(const char* private_key_pem, size_t private_key_len, ward_str digest,
                            ward_str approver_id, int64_t ttl_seconds,
                            const int64_t* issued_at_unix, ward_str jti, char** token,
                            ward_error** error) {
  if (token != nullptr) *token = nullptr;
  return Guard(error, [&](Failure* failure) {
    if (token == nullptr) return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`token` is NULL");
    if (!ValidText(digest.data, digest.len) || !ValidText(approver_id.data, approver_id.len) ||
        !ValidText(jti.data, jti.len)) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT,
                  "`digest`, `approver_id` or `jti` is NULL with a non-zero length");
    }
    if (ttl_seconds < 0) {
      return Fail(failure, WARD_ERR_INVALID_ARGUMENT, "`ttl_seconds` must not be negative");
    }
    if (!PrivateKeyFromC(private_key_pem, private_key_len, failure)) return;
    ward::GrantRequest grant;
    grant.digest = std::string(View(digest));
    grant.approver_id = std::string(View(approver_id));
    if (ttl_seconds != 0) grant.ttl = absl::Seconds(ttl_seconds);
    if (issued_at_unix != nullptr) grant.issued_at = absl::FromUnixSeconds(*issued_at_unix);
    grant.jti = std::string(View(jti));
    absl::StatusOr<std::string> minted =
        ward::MintGrant(grant, View(private_key_pem, private_key_len));
    if (!minted.ok()) return FailWith(failure, minted.status(), WARD_ERR_INVALID_ARGUMENT);
    *token = CopyOut(*minted);
  });
}

ward_status ward_approval_digest(const ward_engine* engine, const ward_request* request, char** hex,
                                 ward_error** error) {
  return DigestImpl(engine, request, nullptr, 0, /*from_json=*/false, hex, error);
}

ward_status ward_approval_digest_json(const ward_engine* engine, const char* json, size_t len,
                                      char** hex, ward_error** error) {
  return DigestImpl(engine, nullptr, json, len, /*from_json=*/true, hex, error);
}

}  // extern "C"
