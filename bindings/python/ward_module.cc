// The extension module `ward._ward`: the engine, its decisions, the policy loaders, the
// stream redactor and the approval primitives (keys, digests, grants), over the C++ API
// (ward/engine.h, ward/compile.h, ward/bundle.h, ward/redact.h, ward/approval.h). The
// package `ward` (ward/__init__.py) re-exports these and adds the pure-Python parts: the
// exception classes, the trace types, redaction of structured and streamed results, and the
// guard decorator. Every decision is made by the C++ engine; nothing here decides.

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bindings/python/convert.h"
#include "bindings/python/errors.h"
#include "lib/internal/crypto.h"
#include "lib/internal/files.h"
#include "lib/internal/utf8_stream.h"
#include "policy_lang/diagnostics.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "ward/approval.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/decision_log.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/redact.h"
#include "ward/request.h"

namespace ward::python {
namespace {

namespace py = pybind11;
using py::literals::operator""_a;

// Raises OSError (FileNotFoundError for a missing file) with the reader's message, which
// names the path.
[[noreturn]] void RaiseFileError(const absl::Status& status) {
  PyErr_SetString(absl::IsNotFound(status) ? PyExc_FileNotFoundError : PyExc_OSError,
                  std::string(status.message()).c_str());
  throw py::error_already_set();
}

// Raises the error of a failed library call as the package's exception for its category
// (`fallback` when the library left it uncategorised); files that cannot be read raise OSError.
[[noreturn]] void Raise(ErrorCategory fallback, const absl::Status& status,
                        absl::string_view prefix = "") {
  const ErrorCategory category = CategoryOf(WithCategory(status, fallback));
  if (category == ErrorCategory::kIo) RaiseFileError(status);
  throw WardError(category, absl::StrCat(prefix, status.message()));
}

py::tuple IdentityTuple(const IdentityRef& ref) {
  return py::make_tuple(std::string(SubjectKindName(ref.kind)), ref.id);
}

// ---- Keys ----------------------------------------------------------------------------------

// The text of a PEM given as a str or bytes.
std::string PemText(py::handle value, const std::string& what) {
  if (!(PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr()) ||
        PyByteArray_Check(value.ptr()))) {
    throw py::type_error(
        absl::StrCat("`", what, "` must be a PEM text (str or bytes), not ", DescribeType(value)));
  }
  std::string storage;
  return std::string(TextOf(value, what.c_str(), &storage));
}

// Public keys (SPKI PEM, Ed25519) from a list or tuple of PEM texts; SigningKeyError naming
// the entry that is not one.
std::vector<std::string> PublicKeys(py::handle keys, const char* what) {
  std::vector<std::string> out;
  if (keys.is_none()) return out;
  if (!(PyList_Check(keys.ptr()) || PyTuple_Check(keys.ptr()))) {
    throw py::type_error(absl::StrCat("`", what, "` must be a list of public key PEM texts, not ",
                                      DescribeType(keys)));
  }
  size_t index = 0;
  for (py::handle key : keys) {
    const std::string where = absl::StrCat(what, "[", index++, "]");
    std::string pem = PemText(key, where);
    absl::StatusOr<internal::Ed25519PublicKey> parsed = internal::Ed25519PublicKey::FromPem(pem);
    if (!parsed.ok()) {
      throw WardError(ErrorCategory::kKey,
                      absl::StrCat("`", where, "`: ", parsed.status().message()));
    }
    out.push_back(std::move(pem));
  }
  return out;
}

// A private key (PKCS#8 PEM, Ed25519), checked to be usable; SigningKeyError when it is not.
std::string PrivateKey(py::handle key, const char* what) {
  std::string pem = PemText(key, what);
  absl::StatusOr<std::string> public_key = PublicKeyOf(pem);
  if (!public_key.ok()) {
    throw WardError(ErrorCategory::kKey,
                    absl::StrCat("`", what, "`: ", public_key.status().message()));
  }
  return pem;
}

// What an engine trusts: the approval keys, the keys every bundle it loads must be signed by,
// and how many used grants it remembers.
struct Trust {
  EngineOptions engine;
  std::vector<std::string> bundle_keys;
};

Trust TrustOf(py::handle approval_keys, py::handle trusted_keys, py::handle max_used_grants) {
  Trust trust;
  trust.engine.approval_keys = PublicKeys(approval_keys, "approval_keys");
  trust.bundle_keys = PublicKeys(trusted_keys, "trusted_keys");
  if (!max_used_grants.is_none()) {
    if (!PyLong_CheckExact(max_used_grants.ptr())) {
      throw py::type_error(
          absl::StrCat("`max_used_grants` must be an int, not ", DescribeType(max_used_grants)));
    }
    const long long value = max_used_grants.cast<long long>();
    if (value < 1) throw py::value_error("`max_used_grants` must be at least 1");
    trust.engine.max_used_grants = static_cast<size_t>(value);
  }
  return trust;
}

// ---- Policies --------------------------------------------------------------------------------

// A compiled policy, with the warnings of its compilation.
struct LoadedPolicy {
  std::shared_ptr<const Policy> policy;
  std::vector<Diagnostic> warnings;
};

LoadedPolicy CompileOrThrow(const std::vector<SourceFile>& sources) {
  CompileResult result = Compile(sources);
  if (result.policy == nullptr) {
    std::vector<Diagnostic> errors;
    for (const Diagnostic& d : result.diagnostics) {
      if (d.severity == Diagnostic::Severity::kError) errors.push_back(d);
    }
    std::string message = FormatDiagnostics(errors);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (message.empty()) message = "the policy set does not compile";
    throw WardError(ErrorCategory::kPolicy, message, std::move(result.diagnostics));
  }
  LoadedPolicy loaded;
  loaded.policy = std::move(result.policy);
  for (Diagnostic& d : result.diagnostics) {
    if (d.severity == Diagnostic::Severity::kWarning) loaded.warnings.push_back(std::move(d));
  }
  return loaded;
}

// `sources`: a sequence of (name, text) pairs, or a dict from name to text.
LoadedPolicy CompileSources(py::handle sources) {
  std::vector<SourceFile> files;
  py::object items;
  if (PyDict_Check(sources.ptr())) {
    items = sources.attr("items")();
  } else if (PyList_Check(sources.ptr()) || PyTuple_Check(sources.ptr())) {
    items = py::reinterpret_borrow<py::object>(sources);
  } else {
    throw py::type_error(absl::StrCat(
        "`sources` must be a list of (name, text) pairs or a dict, not ", DescribeType(sources)));
  }
  for (py::handle item : items) {
    if (!(PyTuple_Check(item.ptr()) || PyList_Check(item.ptr())) || py::len(item) != 2) {
      throw py::type_error(
          absl::StrCat("each of `sources` must be a (name, text) pair, not ", DescribeType(item)));
    }
    py::object name = item[py::int_(0)];
    if (!PyUnicode_Check(name.ptr())) {
      throw py::type_error(absl::StrCat("a source name must be a str, not ", DescribeType(name)));
    }
    std::string storage;
    absl::string_view text = TextOf(item[py::int_(1)], "source text", &storage);
    files.push_back({name.cast<std::string>(), std::string(text)});
  }
  if (files.empty()) throw WardError(ErrorCategory::kPolicy, "no policy sources given");
  return CompileOrThrow(files);
}

// `paths`: one path or a sequence of them.
LoadedPolicy CompileFiles(py::handle paths) {
  std::vector<std::string> names;
  if (PyUnicode_Check(paths.ptr()) || PyBytes_Check(paths.ptr()) ||
      PyObject_HasAttrString(paths.ptr(), "__fspath__")) {
    names.push_back(PathOf(paths, "paths"));
  } else if (PyList_Check(paths.ptr()) || PyTuple_Check(paths.ptr())) {
    for (py::handle path : paths) names.push_back(PathOf(path, "paths[]"));
  } else {
    throw py::type_error(
        absl::StrCat("`paths` must be a list of paths, not ", DescribeType(paths)));
  }
  if (names.empty()) throw WardError(ErrorCategory::kPolicy, "no policy files given");
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(names);
  if (!sources.ok()) RaiseFileError(sources.status());
  return CompileOrThrow(*sources);
}

// `bundle`: the bundle's bytes (bytes, bytearray, memoryview) or the path of a bundle file.
// With `trusted_keys`, the bundle must be signed by one of them.
LoadedPolicy LoadBundleFrom(py::handle bundle, const std::vector<std::string>& trusted_keys) {
  BundleLoadOptions options;
  options.trusted_keys = trusted_keys;
  absl::StatusOr<std::shared_ptr<const Policy>> policy;
  if (PyBytes_Check(bundle.ptr()) || PyByteArray_Check(bundle.ptr()) ||
      PyMemoryView_Check(bundle.ptr())) {
    // A copy: another thread may change a bytearray while the GIL is released.
    std::string storage;
    const std::string bytes(TextOf(bundle, "bundle", &storage));
    py::gil_scoped_release release;
    policy = LoadBundle(bytes, options);
  } else {
    const std::string path = PathOf(bundle, "bundle");
    py::gil_scoped_release release;
    policy = LoadBundleFile(path, options);
  }
  if (!policy.ok()) Raise(ErrorCategory::kBundle, policy.status(), "invalid bundle: ");
  return LoadedPolicy{*std::move(policy), {}};
}

// The text of an entity file given as a str, bytes or dict (its JSON form), or empty.
std::string EntityJsonText(py::handle value, const char* what) {
  if (PyDict_Check(value.ptr())) return JsonText(value, what);
  std::string storage;
  return std::string(TextOf(value, what, &storage));
}

EntityStore LoadEntities(py::handle path, py::handle json_text, const Schema& schema) {
  if (!path.is_none() && !json_text.is_none()) {
    throw py::value_error("give the entities as `entities` (a path) or `entities_json`, not both");
  }
  absl::StatusOr<EntityStore> store;
  if (!path.is_none()) {
    store = EntityStore::FromFile(PathOf(path, "entities"), schema);
  } else if (!json_text.is_none()) {
    store = EntityStore::FromJson(EntityJsonText(json_text, "entities_json"), schema);
    if (!store.ok()) Raise(ErrorCategory::kEntities, store.status(), "entities_json: ");
  } else {
    return EntityStore();
  }
  if (!store.ok()) Raise(ErrorCategory::kEntities, store.status());
  return *std::move(store);
}

// ---- Grants ----------------------------------------------------------------------------------

// A TTL in seconds (int or float) or a datetime.timedelta.
absl::Duration TtlOf(py::handle ttl) {
  double seconds = 0;
  if (PyFloat_Check(ttl.ptr()) || (PyLong_Check(ttl.ptr()) && !PyBool_Check(ttl.ptr()))) {
    seconds = ttl.cast<double>();
  } else if (PyObject_HasAttrString(ttl.ptr(), "total_seconds")) {
    seconds = ttl.attr("total_seconds")().cast<double>();
  } else {
    throw py::type_error(absl::StrCat("`ttl` must be seconds (int or float) or a timedelta, not ",
                                      DescribeType(ttl)));
  }
  if (!std::isfinite(seconds) || seconds < 1) {
    throw py::value_error("`ttl` must be at least one second");
  }
  return absl::Seconds(seconds);
}

// None (the clock), an aware datetime, RFC 3339 text or Unix seconds.
std::optional<absl::Time> IssuedAtOf(py::handle value) {
  if (value.is_none()) return std::nullopt;
  if (PyUnicode_Check(value.ptr())) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(value.cast<std::string>());
    if (!t.ok()) throw py::value_error(absl::StrCat("`issued_at`: ", t.status().message()));
    return *t;
  }
  if (IsDateTime(value)) {
    if (value.attr("utcoffset")().is_none()) {
      throw py::value_error("`issued_at` is a naive datetime; give it a time zone");
    }
    return absl::FromUnixMicros(
        static_cast<int64_t>(std::llround(value.attr("timestamp")().cast<double>() * 1e6)));
  }
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    return absl::FromUnixSeconds(value.cast<int64_t>());
  }
  if (PyFloat_Check(value.ptr())) {
    const double seconds = value.cast<double>();
    if (!std::isfinite(seconds)) throw py::value_error("`issued_at` is not finite");
    return absl::FromUnixMicros(static_cast<int64_t>(std::llround(seconds * 1e6)));
  }
  throw py::type_error(absl::StrCat(
      "`issued_at` must be a datetime, RFC 3339 text or Unix seconds, not ", DescribeType(value)));
}

std::string MintGrantFrom(py::handle digest, py::handle approver, py::handle key, py::handle ttl,
                          py::handle issued_at, py::handle jti) {
  GrantRequest grant;
  if (!PyUnicode_Check(digest.ptr())) {
    throw py::type_error(absl::StrCat("`digest` must be a str, not ", DescribeType(digest)));
  }
  grant.digest = digest.cast<std::string>();
  if (!PyUnicode_Check(approver.ptr())) {
    throw py::type_error(absl::StrCat("`approver` must be the approving user's id (a str), not ",
                                      DescribeType(approver)));
  }
  grant.approver_id = approver.cast<std::string>();
  const std::string pem = PrivateKey(key, "key");
  grant.ttl = TtlOf(ttl);
  grant.issued_at = IssuedAtOf(issued_at);
  if (!jti.is_none()) {
    if (!PyUnicode_Check(jti.ptr())) {
      throw py::type_error(absl::StrCat("`jti` must be a str, not ", DescribeType(jti)));
    }
    grant.jti = jti.cast<std::string>();
    if (grant.jti.empty()) throw py::value_error("`jti` must not be empty (None: a random id)");
    if (grant.jti.size() > kMaxGrantIdBytes) {
      throw py::value_error(absl::StrCat("`jti` is longer than ", kMaxGrantIdBytes, " bytes"));
    }
  }
  absl::StatusOr<std::string> token;
  {
    py::gil_scoped_release release;
    token = MintGrant(grant, pem);
  }
  if (!token.ok()) throw py::value_error(std::string(token.status().message()));
  return *std::move(token);
}

// ---- Engines ---------------------------------------------------------------------------------

// The Python Engine: a handle on a ward::Engine that close() releases.
// A decision log as Python holds it. The log's thread calls Python (a callback sink) with the
// GIL, so a thread that holds the GIL must never wait for that thread: Python's last reference
// to a log closes it with the GIL released, and flush() and close() release it too.
class PyDecisionLog {
 public:
  // A sink that calls a Python function with each record; an exception it raises is reported
  // as unraisable and counted as a failed write.
  class CallbackSink : public DecisionLogSink {
   public:
    explicit CallbackSink(py::function function) : function_(std::move(function)) {}
    ~CallbackSink() override {
      if (!Py_IsInitialized() || _Py_IsFinalizing()) {
        function_.release();  // the interpreter is gone or going: leak, never touch it
        return;
      }
      py::gil_scoped_acquire gil;
      function_ = py::function();
    }
    absl::Status Write(absl::string_view record) override {
      if (!Py_IsInitialized() || _Py_IsFinalizing()) {
        return absl::UnavailableError("the Python interpreter is exiting");
      }
      py::gil_scoped_acquire gil;
      try {
        function_(py::str(record.data(), record.size()));
        return absl::OkStatus();
      } catch (py::error_already_set& error) {
        const std::string message = error.what();
        error.discard_as_unraisable("ward decision log callback");
        return absl::UnavailableError(absl::StrCat("the callback raised: ", message));
      }
    }

   private:
    py::function function_;
  };

  static std::shared_ptr<PyDecisionLog> Open(std::unique_ptr<DecisionLogSink> sink,
                                             const std::string& level, size_t thread_queue_bytes,
                                             const std::string& revision) {
    DecisionLogOptions options;
    const std::optional<LogLevel> parsed = LogLevelFromName(level);
    if (!parsed.has_value()) {
      throw py::value_error(
          absl::StrFormat("level: `%s` is not a level; use none, summary or full", level));
    }
    options.min_level = *parsed;
    if (thread_queue_bytes != 0) options.thread_queue_bytes = thread_queue_bytes;
    options.revision = revision;
    absl::StatusOr<std::shared_ptr<DecisionLog>> log =
        DecisionLog::Create(std::move(sink), options);
    if (!log.ok()) Raise(ErrorCategory::kInvalidArgument, log.status());
    // Whoever lets go of the log last (the engine, a decision, this object) closes it with the
    // GIL released, so that the log's thread can finish a callback.
    std::shared_ptr<DecisionLog> held = *std::move(log);
    DecisionLog* raw = held.get();
    auto result = std::make_shared<PyDecisionLog>();
    result->log_ = std::shared_ptr<DecisionLog>(raw, [held](DecisionLog*) mutable {
      if (Py_IsInitialized() && PyGILState_Check()) {
        py::gil_scoped_release release;
        held.reset();
      } else {
        held.reset();
      }
    });
    return result;
  }

  const std::shared_ptr<DecisionLog>& log() const { return log_; }

  void Flush() {
    absl::Status status;
    {
      py::gil_scoped_release release;
      status = log_->Flush();
    }
    if (!status.ok()) Raise(ErrorCategory::kIo, status);
  }
  void Close() {
    absl::Status status;
    {
      py::gil_scoped_release release;
      status = log_->Close();
    }
    if (!status.ok()) Raise(ErrorCategory::kIo, status);
  }
  py::dict Stats() const {
    const DecisionLogStats stats = log_->stats();
    py::dict out;
    out["recorded"] = stats.recorded;
    out["dropped"] = stats.dropped;
    out["written"] = stats.written;
    out["failed"] = stats.failed;
    out["max_queued_bytes"] = stats.max_queued_bytes;
    return out;
  }

 private:
  std::shared_ptr<DecisionLog> log_;
};

class PyEngine {
 public:
  static std::shared_ptr<PyEngine> Create(LoadedPolicy loaded, py::handle entities_path,
                                          py::handle entities_json, Trust trust) {
    EntityStore store = LoadEntities(entities_path, entities_json, loaded.policy->schema());
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(loaded.policy, std::move(store), trust.engine);
    if (!engine.ok()) Raise(ErrorCategory::kEntities, engine.status());
    auto result = std::make_shared<PyEngine>();
    result->engine_ = std::shared_ptr<Engine>(*std::move(engine));
    result->warnings_ = std::move(loaded.warnings);
    result->bundle_keys_ = std::move(trust.bundle_keys);
    return result;
  }

  // The engine, kept alive by the returned pointer even when another thread closes this
  // handle meanwhile: a decision in flight always finishes on a live engine.
  std::shared_ptr<Engine> Get() const {
    std::shared_ptr<Engine> engine = std::atomic_load(&engine_);
    if (engine == nullptr) throw WardError::Closed();
    return engine;
  }

  Decision Decide(const RequestArgs& args) const {
    const Request request = BuildRequest(args);
    std::shared_ptr<Engine> engine = Get();
    py::gil_scoped_release release;
    return engine->Decide(request);
  }

  // Parses a JSON request with the GIL released; RequestError when it is malformed.
  static Request ParseJson(py::handle text) {
    std::string storage;
    // A str or bytes is viewed in place; the argument keeps it alive while the GIL is out.
    const absl::string_view json = TextOf(text, "request", &storage);
    absl::StatusOr<Request> request;
    {
      py::gil_scoped_release release;
      request = ParseRequestJson(json);
    }
    if (!request.ok()) Raise(ErrorCategory::kRequest, request.status());
    return *std::move(request);
  }

  std::string DecideJson(py::handle text) const {
    std::string storage;
    const absl::string_view json = TextOf(text, "request", &storage);
    std::shared_ptr<Engine> engine = Get();
    absl::StatusOr<Request> request;
    std::string decision;
    {
      py::gil_scoped_release release;
      request = ParseRequestJson(json);
      if (request.ok()) decision = engine->Decide(*request).ToJson();
    }
    if (!request.ok()) Raise(ErrorCategory::kRequest, request.status());
    return decision;
  }

  py::object Explain(const Request& request) const {
    std::shared_ptr<Engine> engine = Get();
    Trace trace;
    Decision decision;
    std::string text;
    {
      py::gil_scoped_release release;
      decision = engine->Explain(request, &trace);
      text = trace.ToText();
    }
    return ExplanationOf(std::move(decision), text, trace);
  }

  std::string Digest(const Request& request) const {
    return ApprovalDigest(request, Get()->policy()->hash());
  }

  void UpsertIdentity(py::handle identity) {
    std::shared_ptr<Engine> engine = Get();
    const std::string text = EntityJsonText(identity, "identity");
    absl::StatusOr<Identity> parsed =
        EntityStore::IdentityFromJson(text, engine->policy()->schema());
    if (!parsed.ok()) Raise(ErrorCategory::kEntities, parsed.status());
    if (absl::Status s = engine->UpsertIdentity(*std::move(parsed)); !s.ok()) {
      Raise(ErrorCategory::kEntities, s);
    }
  }

  void UpsertResource(py::handle resource) {
    std::shared_ptr<Engine> engine = Get();
    const std::string text = EntityJsonText(resource, "resource");
    absl::StatusOr<Resource> parsed =
        EntityStore::ResourceFromJson(text, engine->policy()->schema());
    if (!parsed.ok()) Raise(ErrorCategory::kEntities, parsed.status());
    if (absl::Status s = engine->UpsertResource(*std::move(parsed)); !s.ok()) {
      Raise(ErrorCategory::kEntities, s);
    }
  }

  // The result of an entity edit: NotFound as NotFoundError, anything else as EntityError.
  static void CheckEdit(const absl::Status& status) {
    if (status.ok()) return;
    Raise(absl::IsNotFound(status) ? ErrorCategory::kNotFound : ErrorCategory::kEntities, status);
  }

  void ReplaceEntities(py::handle entities_path, py::handle entities_json) {
    std::shared_ptr<Engine> engine = Get();
    if (entities_path.is_none() && entities_json.is_none()) {
      throw py::type_error("replace_entities() needs `entities` (a path) or `entities_json`");
    }
    CheckEdit(engine->ReplaceEntities(
        LoadEntities(entities_path, entities_json, engine->policy()->schema())));
  }

  // A new policy. A bundle must be signed by one of the engine's trusted keys, when it has any.
  void Reload(py::handle files, py::handle sources, py::handle bundle) {
    std::shared_ptr<Engine> engine = Get();
    const int given = !files.is_none() + !sources.is_none() + !bundle.is_none();
    if (given != 1) {
      throw py::type_error("reload() takes exactly one of `files`, `sources` and `bundle`");
    }
    LoadedPolicy loaded = !files.is_none()     ? CompileFiles(files)
                          : !sources.is_none() ? CompileSources(sources)
                                               : LoadBundleFrom(bundle, bundle_keys_);
    if (absl::Status s = engine->Reload(loaded.policy); !s.ok()) {
      Raise(ErrorCategory::kEntities, s);
    }
    warnings_ = std::move(loaded.warnings);
  }

  py::bytes ToBundle(py::handle key) const {
    std::shared_ptr<const Policy> policy = Get()->policy();
    if (key.is_none()) return py::bytes(SerializeBundle(*policy));
    const std::string pem = PrivateKey(key, "key");
    absl::StatusOr<std::string> bytes = SerializeSignedBundle(*policy, pem);
    if (!bytes.ok()) Raise(ErrorCategory::kKey, bytes.status());
    return py::bytes(*bytes);
  }

  void Close() { std::atomic_store(&engine_, std::shared_ptr<Engine>()); }
  bool closed() const { return std::atomic_load(&engine_) == nullptr; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }

 private:
  static py::object ExplanationOf(Decision decision, const std::string& text, const Trace& trace);

  std::shared_ptr<Engine> engine_;
  std::vector<Diagnostic> warnings_;
  // The keys every bundle this engine loads must be signed by (none: any bundle that verifies).
  std::vector<std::string> bundle_keys_;
};

py::object OptionalText(const std::string& text) {
  if (text.empty()) return py::none();
  return Utf8(text);
}

// The explanation as ward._types.Explanation (which unpacks as (decision, text), as explain()
// returned before it had the structured trace).
py::object PyEngine::ExplanationOf(Decision decision, const std::string& text, const Trace& trace) {
  py::module_ types = py::module_::import("ward._types");
  py::object rule_type = types.attr("TraceRule");
  py::object principal_type = types.attr("TracePrincipal");
  py::list principals;
  for (const TracePrincipal& principal : trace.principals) {
    py::list candidates;
    for (const TraceRule& rule : principal.candidates) {
      candidates.append(rule_type(
          "rule"_a = Utf8(rule.rule), "effect"_a = rule.effect, "source"_a = Utf8(rule.source),
          "outcome"_a = std::string(TraceOutcomeName(rule.outcome)),
          "when"_a = OptionalText(rule.when), "unless"_a = OptionalText(rule.unless),
          "when_condition"_a = OptionalText(rule.when_condition),
          "unless_condition"_a = OptionalText(rule.unless_condition)));
    }
    py::list path;
    for (const std::string& key : principal.path) path.append(Utf8(key));
    py::object guard = py::none();
    if (principal.guard.has_value()) guard = py::str(std::string(ReasonName(*principal.guard)));
    principals.append(principal_type("identity"_a = IdentityTuple(principal.identity),
                                     "role"_a = principal.role, "guard"_a = guard, "path"_a = path,
                                     "candidates"_a = candidates,
                                     "effect"_a = std::string(EffectName(principal.effect)),
                                     "reason"_a = std::string(ReasonName(principal.reason))));
  }
  return types.attr("Explanation")(py::cast(std::move(decision)), Utf8(text), principals);
}

// ---- Redaction -------------------------------------------------------------------------------

// Refuses to release output under a decision other than ALLOW.
void RequireAllow(const Decision& decision) {
  if (decision.effect != Effect::kAllow) {
    throw WardError(ErrorCategory::kRedact, absl::StrCat("cannot release output under a ",
                                                         EffectName(decision.effect), " decision"));
  }
}

// ward.Redactor: a decision's redactions applied to output that arrives in chunks, through
// ward::RedactionStream. The first chunk fixes the kind of text: str chunks give str pieces,
// bytes chunks (UTF-8, checked) give bytes pieces.
class PyRedactor {
 public:
  PyRedactor(const Decision& decision, size_t window, size_t max_buffered) {
    RequireAllow(decision);
    RedactionStreamOptions options;
    options.window = window;
    options.max_buffered = max_buffered;
    absl::StatusOr<RedactionStream> stream = RedactionStream::Create(decision.obligations, options);
    if (!stream.ok()) Raise(ErrorCategory::kRedact, stream.status());
    stream_.emplace(*std::move(stream));
  }

  py::object Write(py::handle chunk) {
    const bool text = PyUnicode_Check(chunk.ptr());
    const Mode mode = text ? Mode::kText : Mode::kBytes;
    std::string storage;
    const absl::string_view view = TextOf(chunk, "chunk", &storage);
    {
      // The mode is read and set with the GIL held, so two threads never both set it.
      if (mode_ == Mode::kUnset) mode_ = mode;
      if (mode_ != mode) {
        throw py::type_error(
            absl::StrCat("this Redactor takes ", mode_ == Mode::kText ? "str" : "bytes",
                         " chunks (the kind of its first chunk), not ", DescribeType(chunk)));
      }
    }
    absl::StatusOr<std::string> piece;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (mode == Mode::kBytes && !failed_ && !utf8_.Take(view)) {
        failed_ = true;
        piece = absl::InvalidArgumentError(
            "the output is not valid UTF-8 text: nothing more is released");
      } else if (failed_) {
        piece = absl::FailedPreconditionError("the redactor failed: nothing more is released");
      } else {
        piece = stream_->Write(view);
      }
      if (!piece.ok()) failed_ = true;
    }
    return Piece(piece);
  }

  py::object Finish() {
    absl::StatusOr<std::string> rest;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (failed_) {
        rest = absl::FailedPreconditionError("the redactor failed: nothing more is released");
      } else if (!utf8_.complete()) {
        rest = absl::InvalidArgumentError(
            "the output ends inside a UTF-8 character: nothing more is released");
      } else {
        rest = stream_->Finish();
      }
      if (!rest.ok()) failed_ = true;
    }
    return Piece(rest);
  }

  bool incremental() const { return stream_->incremental(); }
  size_t held_bytes() {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    return stream_->held_bytes();
  }

 private:
  enum class Mode { kUnset, kText, kBytes };

  py::object Piece(const absl::StatusOr<std::string>& piece) const {
    if (!piece.ok()) Raise(ErrorCategory::kRedact, piece.status());
    if (mode_ == Mode::kBytes) return py::bytes(*piece);
    // Released text always ends with a whole character, and str chunks are valid UTF-8.
    return py::reinterpret_steal<py::object>(
        PyUnicode_DecodeUTF8(piece->data(), static_cast<Py_ssize_t>(piece->size()), "strict"));
  }

  std::mutex mutex_;  // serialises Write and Finish, which run with the GIL released
  std::optional<RedactionStream> stream_;
  Mode mode_ = Mode::kUnset;
  internal::Utf8StreamValidator utf8_;
  bool failed_ = false;
};

// ---- Module helpers --------------------------------------------------------------------------

py::object MakeIssue(const Diagnostic& d) {
  py::module_ errors = py::module_::import("ward._errors");
  return errors.attr("Issue")(d.severity == Diagnostic::Severity::kError ? "error" : "warning",
                              Utf8(d.source), d.line, d.column, Utf8(d.message));
}

py::list Issues(const std::vector<Diagnostic>& diagnostics) {
  py::list issues;
  for (const Diagnostic& d : diagnostics) issues.append(MakeIssue(d));
  return issues;
}

// The package's exception class (ward/_errors.py) for each library error category. kIo never
// gets here (Raise turns it into OSError); invalid_argument and internal have no class of
// their own.
const char* ExceptionClassName(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kPolicy:
      return "PolicyError";
    case ErrorCategory::kBundle:
      return "BundleError";
    case ErrorCategory::kEntities:
      return "EntityError";
    case ErrorCategory::kRequest:
      return "RequestError";
    case ErrorCategory::kNotFound:
      return "NotFoundError";
    case ErrorCategory::kKey:
      return "SigningKeyError";
    case ErrorCategory::kRedact:
      return "RedactionError";
    case ErrorCategory::kInvalidArgument:
    case ErrorCategory::kIo:
    case ErrorCategory::kInternal:
      break;
  }
  return "WardError";
}

// Raises the Python exception of a WardError, with the compile issues for a PolicyError.
void TranslateWardError(const WardError& error) {
  const char* name = error.closed() ? "EngineClosedError" : ExceptionClassName(error.category());
  try {
    py::object cls = py::module_::import("ward._errors").attr(name);
    py::object exception = !error.closed() && error.category() == ErrorCategory::kPolicy
                               ? cls(Utf8(error.what()), Issues(error.issues()))
                               : cls(Utf8(error.what()));
    PyErr_SetObject(cls.ptr(), exception.ptr());
  } catch (py::error_already_set&) {
    // The package's exception module is missing (the extension was imported outside its
    // package): the message still reaches the caller, as a RuntimeError.
    PyErr_SetObject(PyExc_RuntimeError, Utf8(error.what()).ptr());
  }
}

std::string DecisionRepr(const Decision& d) {
  std::string out = absl::StrFormat("Decision(effect='%s', reason='%s'", EffectName(d.effect),
                                    ReasonName(d.reason));
  if (d.denied_by.has_value()) {
    absl::StrAppendFormat(&out, ", denied_by=('%s', '%s')", SubjectKindName(d.denied_by->kind),
                          d.denied_by->id);
  }
  out += ", rules=[";
  for (size_t i = 0; i < d.rules.size(); ++i) {
    absl::StrAppendFormat(&out, "%s'%s'", i == 0 ? "" : ", ", d.rules[i]);
  }
  absl::StrAppendFormat(&out, "], errors=%d", d.errors.size());
  if (!d.approval_digest.empty())
    absl::StrAppendFormat(&out, ", approval_digest='%s'", d.approval_digest);
  if (d.approved_by.has_value()) {
    absl::StrAppendFormat(&out, ", approved_by=('%s', '%s')", SubjectKindName(d.approved_by->kind),
                          d.approved_by->id);
  }
  return out + ")";
}

py::dict ObligationsDict(const Obligations& o) {
  py::list redact;
  for (const Redaction& r : o.redact) {
    redact.append(py::dict("pattern"_a = r.pattern, "replacement"_a = r.replacement));
  }
  py::dict limits;
  for (const auto& [name, value] : o.limits) limits[py::str(name)] = value;
  return py::dict("redact"_a = redact, "limits"_a = limits,
                  "log"_a = std::string(LogLevelName(o.log)));
}

// The request arguments every deciding method takes, in one place.
#define WARD_REQUEST_PARAMS                                                       \
  py::handle subject, py::handle action, py::handle resource, py::handle context, \
      py::handle on_behalf_of, py::handle now, py::handle args, py::handle approval
#define WARD_REQUEST_ARGS \
  RequestArgs { subject, action, resource, context, on_behalf_of, now, args, approval }
#define WARD_REQUEST_NAMES                                                                        \
  "subject"_a, "action"_a, "resource"_a, "context"_a = py::none(), "on_behalf_of"_a = py::none(), \
                                         "now"_a = py::none(), py::kw_only(),                     \
                                         "args"_a = py::none(), "approval"_a = py::none()

}  // namespace

// Defines the module's classes; called by PYBIND11_MODULE when Python imports ward._ward.
void DefineModule(py::module_& m) {
  m.doc() = "The native part of the ward package: use `import ward`.";
  InitConversions();

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const WardError& e) {
      TranslateWardError(e);
    }
  });

  py::class_<Obligations>(m, "Obligations",
                          "What the caller must enforce on an ALLOW: redactions, limits and "
                          "the log level.")
      .def_property_readonly(
          "redact",
          [](const Obligations& o) {
            py::list out;
            for (const Redaction& r : o.redact)
              out.append(py::make_tuple(r.pattern, r.replacement));
            return out;
          },
          "The redactions as (pattern, replacement) pairs, sorted; RE2 syntax.")
      .def_property_readonly(
          "limits",
          [](const Obligations& o) {
            py::dict out;
            for (const auto& [name, value] : o.limits) out[py::str(name)] = value;
            return out;
          },
          "The limits by name (the smallest of every contributing permit).")
      .def_property_readonly(
          "log", [](const Obligations& o) { return std::string(LogLevelName(o.log)); },
          "\"none\", \"summary\" or \"full\".")
      .def("to_dict", &ObligationsDict,
           "The obligations in the form of the JSON decision: {\"redact\": [{\"pattern\", "
           "\"replacement\"}], \"limits\": {...}, \"log\": ...}.")
      .def("__repr__", [](const Obligations& o) {
        return absl::StrFormat("Obligations(redact=%d, limits=%d, log='%s')", o.redact.size(),
                               o.limits.size(), LogLevelName(o.log));
      });

  py::class_<EvaluationError>(m, "EvaluationError",
                              "An error while evaluating a condition of a candidate rule.")
      .def_readonly("rule", &EvaluationError::rule, "The rule's name (\"\" for the request).")
      .def_property_readonly(
          "principal", [](const EvaluationError& e) { return IdentityTuple(e.principal); },
          "The principal it was evaluated for, as (kind, id).")
      .def_property_readonly(
          "message", [](const EvaluationError& e) { return Utf8(e.message); },
          "What went wrong, for people.")
      .def("__repr__", [](const EvaluationError& e) {
        return absl::StrFormat("EvaluationError(rule='%s', principal=('%s', '%s'), message=%s)",
                               e.rule, SubjectKindName(e.principal.kind), e.principal.id,
                               py::repr(Utf8(e.message)).cast<std::string>());
      });

  py::class_<Decision>(m, "Decision", "A decision of the engine (see ward.Engine.decide).")
      .def_property_readonly(
          "effect", [](const Decision& d) { return std::string(EffectName(d.effect)); },
          "\"ALLOW\", \"DENY\" or \"NEEDS_APPROVAL\".")
      .def_property_readonly(
          "reason", [](const Decision& d) { return std::string(ReasonName(d.reason)); },
          "\"permitted\", \"forbidden\", \"approval_required\", \"no_matching_permit\", "
          "\"unknown_identity\", \"lifecycle\", \"unowned\", \"internal_error\" or "
          "\"invalid_request\".")
      .def_property_readonly(
          "allowed", [](const Decision& d) { return d.effect == Effect::kAllow; },
          "Whether the effect is ALLOW.")
      .def_property_readonly(
          "denied_by",
          [](const Decision& d) -> py::object {
            if (!d.denied_by.has_value()) return py::none();
            return IdentityTuple(*d.denied_by);
          },
          "None on ALLOW; else the (kind, id) of the identity whose decision is final.")
      .def_property_readonly(
          "rules", [](const Decision& d) { return d.rules.ToVector(); },
          "The determining rules, sorted (a new list on each read).")
      .def_property_readonly(
          "obligations",
          [](py::object self) -> py::object {
            const Decision& d = self.cast<const Decision&>();
            if (d.effect != Effect::kAllow) return py::none();
            // A view into the decision, which it keeps alive.
            return py::cast(&d.obligations, py::return_value_policy::reference_internal, self);
          },
          "The obligations on ALLOW; None on any other effect.")
      .def_readonly("errors", &Decision::errors, "The evaluation errors, in decision order.")
      .def_property_readonly(
          "approval_digest",
          [](const Decision& d) -> py::object {
            if (d.approval_digest.empty()) return py::none();
            return py::str(d.approval_digest);
          },
          "On NEEDS_APPROVAL: the digest (64 hex digits) a grant must name; else None.")
      .def_property_readonly(
          "approved_by",
          [](const Decision& d) -> py::object {
            if (!d.approved_by.has_value()) return py::none();
            return IdentityTuple(*d.approved_by);
          },
          "On an ALLOW that a grant made possible: the approver's (kind, id); else None.")
      .def_property_readonly(
          "shadow",
          [](const Decision& d) -> py::object {
            if (!d.shadow.has_value()) return py::none();
            return py::module_::import("json").attr("loads")(d.shadow->ToJson());
          },
          "When the policy has @shadow rules and enforcing them would change this decision: "
          "what it would have been, as a dict with the keys of the decision's JSON `shadow` "
          "(effect, reason, denied_by, rules, obligations); else None.")
      .def_readonly("policy_hash", &Decision::policy_hash,
                    "Identifies the compiled policy that decided (0 when unknown).")
      .def("to_json", &Decision::ToJson,
           "The canonical compact JSON form, as `ward eval` prints it.")
      .def(
          "redact",
          [](const Decision& d, py::handle text) -> py::object {
            RequireAllow(d);
            std::string storage;
            const absl::string_view view = TextOf(text, "text", &storage);
            absl::StatusOr<std::string> redacted;
            {
              py::gil_scoped_release release;
              redacted = ApplyRedactions(d, view);
            }
            // A redaction that cannot be applied: refuse, never return the text as is.
            if (!redacted.ok()) Raise(ErrorCategory::kRedact, redacted.status());
            if (PyUnicode_Check(text.ptr())) return py::str(*redacted);
            return py::bytes(*redacted);
          },
          "text"_a,
          "Returns `text` (str or bytes) with the decision's redact obligations applied in "
          "order. Raises ward.RedactionError on a decision other than ALLOW, or when a "
          "redaction cannot be applied.")
      .def("__repr__", &DecisionRepr);

  py::class_<PyRedactor>(m, "Redactor",
                         "A decision's redactions applied to output that arrives in chunks.")
      .def(py::init([](const Decision& decision, size_t window, size_t max_buffered) {
             return std::make_unique<PyRedactor>(decision, window, max_buffered);
           }),
           "decision"_a, py::kw_only(), "window"_a = RedactionStreamOptions().window,
           "max_buffered"_a = RedactionStreamOptions().max_buffered,
           "A redactor for an ALLOW decision (ward.RedactionError otherwise).")
      .def("write", &PyRedactor::Write, "chunk"_a,
           "Takes the next chunk (str, or UTF-8 bytes) and returns the text that is now final "
           "(possibly empty), of the same type.")
      .def("finish", &PyRedactor::Finish, "Ends the stream and returns the rest.")
      .def_property_readonly("incremental", &PyRedactor::incremental,
                             "Whether chunks are redacted as they come (False: every chunk is "
                             "held until finish()).")
      .def_property_readonly("held_bytes", &PyRedactor::held_bytes, "The bytes held back now.");

  py::class_<PyDecisionLog, std::shared_ptr<PyDecisionLog>>(
      m, "DecisionLog",
      "A decision log: every decision of the engines it is given to (Engine.set_decision_log), "
      "recorded as one JSON object per line, schema version 1 (docs/decision-logs.md), by a "
      "thread of its own. Deciding never waits for it; a record that does not fit in the "
      "deciding thread's queue is dropped and counted (stats).")
      .def_static(
          "to_file",
          [](const std::string& path, const std::string& level, size_t thread_queue_bytes,
             const std::string& revision, uint64_t max_file_bytes, int max_files) {
            FileSinkOptions file;
            file.max_bytes = max_file_bytes;
            file.max_files = max_files;
            absl::StatusOr<std::unique_ptr<DecisionLogSink>> sink = OpenFileSink(path, file);
            if (!sink.ok()) Raise(ErrorCategory::kIo, sink.status());
            return PyDecisionLog::Open(*std::move(sink), level, thread_queue_bytes, revision);
          },
          "path"_a, py::kw_only(), "level"_a = "summary", "thread_queue_bytes"_a = 0,
          "revision"_a = "", "max_file_bytes"_a = uint64_t{100} << 20, "max_files"_a = 5,
          "A log appending to the file at `path`, rotated past `max_file_bytes` (0: never). "
          "`level` is the least level recorded: summary, full (with args and context) or none.")
      .def_static(
          "to_stdout",
          [](const std::string& level, size_t thread_queue_bytes, const std::string& revision) {
            return PyDecisionLog::Open(StdoutSink(), level, thread_queue_bytes, revision);
          },
          py::kw_only(), "level"_a = "summary", "thread_queue_bytes"_a = 0, "revision"_a = "",
          "A log writing to the standard output.")
      .def_static(
          "to_callback",
          [](py::function callback, const std::string& level, size_t thread_queue_bytes,
             const std::string& revision) {
            return PyDecisionLog::Open(
                std::make_unique<PyDecisionLog::CallbackSink>(std::move(callback)), level,
                thread_queue_bytes, revision);
          },
          "callback"_a, py::kw_only(), "level"_a = "summary", "thread_queue_bytes"_a = 0,
          "revision"_a = "",
          "A log calling `callback(record)` with each record (a str holding one JSON object), "
          "on the log's thread.")
      .def("flush", &PyDecisionLog::Flush,
           "Waits until every record queued so far is written; OSError when the sink "
           "failed.")
      .def("close", &PyDecisionLog::Close,
           "Writes what is queued and stops the log; later decisions are not recorded.")
      .def_property_readonly("stats", &PyDecisionLog::Stats,
                             "Counts: recorded, dropped, written, failed, max_queued_bytes.")
      .def("__enter__", [](std::shared_ptr<PyDecisionLog> self) { return self; })
      .def("__exit__", [](PyDecisionLog& self, py::handle, py::handle, py::handle) {
        self.Close();
        return false;
      });

  py::class_<PyEngine, std::shared_ptr<PyEngine>>(
      m, "Engine", "Decides requests against a compiled policy set and an entity store.")
      .def_static(
          "from_sources",
          [](py::handle sources, py::handle entities_json, py::handle approval_keys,
             py::handle trusted_keys, py::handle max_used_grants) {
            Trust trust = TrustOf(approval_keys, trusted_keys, max_used_grants);
            return PyEngine::Create(CompileSources(sources), py::none(), entities_json,
                                    std::move(trust));
          },
          "sources"_a, "entities_json"_a = py::none(), py::kw_only(),
          "approval_keys"_a = py::tuple(), "trusted_keys"_a = py::tuple(),
          "max_used_grants"_a = py::none(),
          "Compiles policy sources given as (name, text) pairs (or a dict name -> text).")
      .def_static(
          "from_files",
          [](py::handle paths, py::handle entities, py::handle entities_json,
             py::handle approval_keys, py::handle trusted_keys, py::handle max_used_grants) {
            Trust trust = TrustOf(approval_keys, trusted_keys, max_used_grants);
            return PyEngine::Create(CompileFiles(paths), entities, entities_json, std::move(trust));
          },
          "paths"_a, "entities"_a = py::none(), py::kw_only(), "entities_json"_a = py::none(),
          "approval_keys"_a = py::tuple(), "trusted_keys"_a = py::tuple(),
          "max_used_grants"_a = py::none(),
          "Compiles the policy files at `paths`; `entities` is the path of an entity file.")
      .def_static(
          "from_bundle",
          [](py::handle bundle, py::handle entities, py::handle entities_json,
             py::handle approval_keys, py::handle trusted_keys, py::handle max_used_grants) {
            Trust trust = TrustOf(approval_keys, trusted_keys, max_used_grants);
            LoadedPolicy loaded = LoadBundleFrom(bundle, trust.bundle_keys);
            return PyEngine::Create(std::move(loaded), entities, entities_json, std::move(trust));
          },
          "bundle"_a, "entities"_a = py::none(), py::kw_only(), "entities_json"_a = py::none(),
          "approval_keys"_a = py::tuple(), "trusted_keys"_a = py::tuple(),
          "max_used_grants"_a = py::none(),
          "Loads a compiled bundle (`ward compile`), given as bytes or as a path; with "
          "`trusted_keys`, it must be signed by one of them.")
      .def(
          "decide",
          [](const PyEngine& self, WARD_REQUEST_PARAMS) { return self.Decide(WARD_REQUEST_ARGS); },
          WARD_REQUEST_NAMES, "Decides one request.")
      .def("decide_json", &PyEngine::DecideJson, "request"_a,
           "Decides a request in the JSON exchange format; returns the decision's JSON text.")
      .def(
          "explain",
          [](const PyEngine& self, WARD_REQUEST_PARAMS) {
            return self.Explain(BuildRequest(WARD_REQUEST_ARGS));
          },
          WARD_REQUEST_NAMES,
          "Decides as decide() and returns a ward.Explanation: .decision, .text and "
          ".principals (it also unpacks as (decision, text)).")
      .def(
          "explain_json",
          [](const PyEngine& self, py::handle text) {
            return self.Explain(PyEngine::ParseJson(text));
          },
          "request"_a, "As explain(), for a request in the JSON exchange format.")
      .def(
          "approval_digest",
          [](const PyEngine& self, WARD_REQUEST_PARAMS) {
            return self.Digest(BuildRequest(WARD_REQUEST_ARGS));
          },
          WARD_REQUEST_NAMES,
          "The approval digest of a request under the current policy, without deciding it: "
          "what a grant for it must name. Context, time and grant play no part.")
      .def(
          "approval_digest_json",
          [](const PyEngine& self, py::handle text) {
            return self.Digest(PyEngine::ParseJson(text));
          },
          "request"_a, "As approval_digest(), for a request in the JSON exchange format.")
      .def(
          "approve",
          [](const PyEngine& self, py::handle digest, py::handle approver, py::handle key,
             py::handle ttl, py::handle issued_at, py::handle jti) {
            self.Get();
            return MintGrantFrom(digest, approver, key, ttl, issued_at, jti);
          },
          "digest"_a, "approver"_a, "key"_a, py::kw_only(), "ttl"_a = 900,
          "issued_at"_a = py::none(), "jti"_a = py::none(),
          "Signs a grant (the approval service's part): a token approving the request whose "
          "digest is `digest`, by the user `approver`, with the private key `key`.")
      .def("upsert_identity", &PyEngine::UpsertIdentity, "identity"_a,
           "Inserts or replaces an identity given as a dict or JSON text (entity file format).")
      .def("upsert_resource", &PyEngine::UpsertResource, "resource"_a,
           "Inserts or replaces a resource given as a dict or JSON text (entity file format).")
      .def(
          "revoke",
          [](PyEngine& self, const std::string& id) {
            PyEngine::CheckEdit(self.Get()->RevokeIdentity(id));
          },
          "id"_a, "Sets an identity's status to revoked.")
      .def(
          "remove_identity",
          [](PyEngine& self, const std::string& id) {
            PyEngine::CheckEdit(self.Get()->RemoveIdentity(id));
          },
          "id"_a, "Removes an identity.")
      .def(
          "remove_resource",
          [](PyEngine& self, const std::string& type, const std::string& id) {
            PyEngine::CheckEdit(self.Get()->RemoveResource(type, id));
          },
          "type"_a, "id"_a, "Removes a resource.")
      .def("replace_entities", &PyEngine::ReplaceEntities, "entities"_a = py::none(), py::kw_only(),
           "entities_json"_a = py::none(), "Replaces the whole entity store.")
      .def("reload", &PyEngine::Reload, "files"_a = py::none(), py::kw_only(),
           "sources"_a = py::none(), "bundle"_a = py::none(),
           "Puts a new policy in place; the old one stays when the new one fails.")
      .def("to_bundle", &PyEngine::ToBundle, py::kw_only(), "key"_a = py::none(),
           "The current policy as a bundle (as `ward compile` writes it), for from_bundle; "
           "signed with the private key `key` when given.")
      .def(
          "what_may",
          [](const PyEngine& self, py::handle subject, py::handle on_behalf_of, py::handle context,
             py::handle now, bool fix_now, py::handle sensitivity) {
            // Subject, chain, context and time are read as decide() reads them.
            const py::str placeholder("-");
            const Request request =
                BuildRequest(RequestArgs{subject, placeholder, py::make_tuple("-", "-"), context,
                                         on_behalf_of, now, py::none(), py::none()});
            ReachOptions options;
            options.now = request.now;
            options.fix_now = fix_now;
            if (!context.is_none()) options.context = request.context;
            if (!sensitivity.is_none()) {
              if (!PyDict_Check(sensitivity.ptr())) {
                throw py::type_error("`sensitivity` must be a dict of type name: attribute name");
              }
              for (const auto& [type, attribute] : py::reinterpret_borrow<py::dict>(sensitivity)) {
                if (!PyUnicode_Check(type.ptr()) || !PyUnicode_Check(attribute.ptr())) {
                  throw py::type_error("`sensitivity` must map str type names to str attributes");
                }
                options.sensitivity[type.cast<std::string>()] = attribute.cast<std::string>();
              }
            }
            absl::StatusOr<Reach> reach;
            {
              py::gil_scoped_release release;
              reach = self.Get()->WhatMay(request.subject, request.on_behalf_of, options);
            }
            if (!reach.ok()) Raise(ErrorCategory::kRequest, reach.status());
            return py::module_::import("json").attr("loads")(reach->ToJson());
          },
          "subject"_a, "on_behalf_of"_a = py::none(), "context"_a = py::none(),
          "now"_a = py::none(), py::kw_only(), "fix_now"_a = false, "sensitivity"_a = py::none(),
          "What `subject` may do, alone or on behalf of `on_behalf_of`: a dict with subject, "
          "on_behalf_of, stopped (when the lifecycle guard stops an identity), reached, score "
          "and accesses, each {action, resource: {type, id}, effect, condition?, rules, "
          "weight}. `condition` is the condition on the request (context, args, now) under "
          "which the effect is had; with `context` given, only args (and now, unless "
          "fix_now) stay open. `sensitivity` maps a resource type to the int attribute that "
          "weighs it (docs/governance.md).")
      .def(
          "unknown_identities",
          [](const PyEngine& self) {
            const std::string json = UnknownIdentitiesJson(self.Get()->unknown_identities());
            return py::module_::import("json").attr("loads")(json);
          },
          "The unknown identities that called the engine (decisions with reason "
          "unknown_identity), most recently seen first: dicts with kind, id, first_seen, "
          "last_seen, count and tried (the most tried actions and resources).")
      .def(
          "set_decision_log",
          [](PyEngine& self, std::shared_ptr<PyDecisionLog> log) {
            std::shared_ptr<Engine> engine = self.Get();
            std::shared_ptr<DecisionLog> shared = log == nullptr ? nullptr : log->log();
            py::gil_scoped_release release;
            engine->SetDecisionLog(std::move(shared));
          },
          "log"_a,
          "Records every later decision in `log` (a ward.DecisionLog); None stops recording.")
      .def("close", &PyEngine::Close, "Releases the engine; later calls raise ward.Error.")
      .def_property_readonly("closed", &PyEngine::closed)
      .def_property_readonly(
          "warnings", [](const PyEngine& self) { return Issues(self.warnings()); },
          "The compile warnings of the current policy (ward.Issue objects).")
      .def_property_readonly(
          "policy_hash", [](const PyEngine& self) { return self.Get()->policy()->hash(); },
          "Identifies the current compiled policy.")
      .def_property_readonly(
          "used_grant_count", [](const PyEngine& self) { return self.Get()->used_grant_count(); },
          "How many used grants the engine remembers now.")
      .def("__enter__", [](std::shared_ptr<PyEngine> self) { return self; })
      .def("__exit__",
           [](PyEngine& self, py::handle, py::handle, py::handle) {
             self.Close();
             return false;
           })
      .def("__repr__", [](const PyEngine& self) {
        return std::string(self.closed() ? "<ward.Engine closed>" : "<ward.Engine>");
      });

  m.def(
      "generate_signing_key",
      []() {
        absl::StatusOr<SigningKeyPair> pair;
        {
          py::gil_scoped_release release;
          pair = GenerateSigningKey();
        }
        if (!pair.ok()) Raise(ErrorCategory::kKey, pair.status());
        return py::make_tuple(pair->private_key_pem, pair->public_key_pem);
      },
      "A new Ed25519 key pair as (private_pem, public_pem): PKCS#8 and SPKI PEM text.");
  m.def(
      "public_key_of",
      [](py::handle key) {
        const std::string pem = PrivateKey(key, "key");
        return *PublicKeyOf(pem);
      },
      "key"_a, "The public key (SPKI PEM) of a private key (PKCS#8 PEM).");
  m.def("mint_grant", &MintGrantFrom, "digest"_a, "approver"_a, "key"_a, py::kw_only(),
        "ttl"_a = 900, "issued_at"_a = py::none(), "jti"_a = py::none(),
        "Signs a grant approving the request whose approval digest is `digest`, by the user "
        "`approver`, with the private key `key` (PKCS#8 PEM).");
}

}  // namespace ward::python

PYBIND11_MODULE(_ward, m) { ward::python::DefineModule(m); }
