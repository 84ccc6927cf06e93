// The extension module `ward._ward`: the engine, its decisions and the policy loaders, over
// the C++ API (lib/engine.h, policy_lang/compiler.h, lib/bundle.h). The package `ward`
// (ward/__init__.py) re-exports these and adds the pure-Python parts: the exception classes
// and the guard decorator. Every decision is made by the C++ engine; nothing here decides.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bindings/python/convert.h"
#include "bindings/python/errors.h"
#include "lib/bundle.h"
#include "lib/decision.h"
#include "lib/engine.h"
#include "lib/entities.h"
#include "lib/internal/files.h"
#include "lib/redact.h"
#include "lib/request.h"
#include "policy_lang/compiler.h"
#include "policy_lang/diagnostics.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"

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

[[noreturn]] void Raise(WardError::Kind kind, const absl::Status& status) {
  throw WardError(kind, std::string(status.message()));
}

py::tuple IdentityTuple(const IdentityRef& ref) {
  return py::make_tuple(std::string(SubjectKindName(ref.kind)), ref.id);
}

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
    throw WardError(WardError::Kind::kPolicy, message, std::move(result.diagnostics));
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
  if (files.empty()) throw WardError(WardError::Kind::kPolicy, "no policy sources given");
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
  if (names.empty()) throw WardError(WardError::Kind::kPolicy, "no policy files given");
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(names);
  if (!sources.ok()) RaiseFileError(sources.status());
  return CompileOrThrow(*sources);
}

// `bundle`: the bundle's bytes (bytes, bytearray, memoryview) or the path of a bundle file.
LoadedPolicy LoadBundleFrom(py::handle bundle) {
  std::string bytes;
  if (PyBytes_Check(bundle.ptr()) || PyByteArray_Check(bundle.ptr()) ||
      PyMemoryView_Check(bundle.ptr())) {
    bytes = std::string(TextOf(bundle, "bundle", &bytes));
  } else {
    const std::string path = PathOf(bundle, "bundle");
    absl::StatusOr<std::string> read = internal::ReadFile(path, kMaxBundleBytes);
    if (!read.ok()) RaiseFileError(read.status());
    bytes = *std::move(read);
  }
  absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadBundle(bytes);
  if (!policy.ok()) {
    throw WardError(WardError::Kind::kPolicy,
                    absl::StrCat("invalid bundle: ", policy.status().message()));
  }
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
  std::string text;
  std::string where = "entities_json";
  if (!path.is_none()) {
    where = PathOf(path, "entities");
    absl::StatusOr<std::string> read = internal::ReadFile(where, EntityLimits().max_file_bytes);
    if (!read.ok()) RaiseFileError(read.status());
    text = *std::move(read);
  } else if (!json_text.is_none()) {
    text = EntityJsonText(json_text, "entities_json");
  } else {
    return EntityStore();
  }
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(text, schema);
  if (!store.ok()) {
    throw WardError(WardError::Kind::kEntity, absl::StrCat(where, ": ", store.status().message()));
  }
  return *std::move(store);
}

// The Python Engine: a handle on a ward::Engine that close() releases.
class PyEngine {
 public:
  static std::shared_ptr<PyEngine> Create(LoadedPolicy loaded, py::handle entities_path,
                                          py::handle entities_json) {
    EntityStore store = LoadEntities(entities_path, entities_json, loaded.policy->schema());
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(loaded.policy, std::move(store));
    if (!engine.ok()) Raise(WardError::Kind::kEntity, engine.status());
    auto result = std::make_shared<PyEngine>();
    result->engine_ = std::shared_ptr<Engine>(*std::move(engine));
    result->warnings_ = std::move(loaded.warnings);
    return result;
  }

  // The engine, kept alive by the returned pointer even when another thread closes this
  // handle meanwhile: a decision in flight always finishes on a live engine.
  std::shared_ptr<Engine> Get() const {
    std::shared_ptr<Engine> engine = std::atomic_load(&engine_);
    if (engine == nullptr) throw WardError(WardError::Kind::kClosed, "the engine is closed");
    return engine;
  }

  Decision Decide(const RequestArgs& args) const {
    const Request request = BuildRequest(args);
    std::shared_ptr<Engine> engine = Get();
    py::gil_scoped_release release;
    return engine->Decide(request);
  }

  std::string DecideJson(py::handle text) const {
    std::string storage;
    // A str or bytes is viewed in place; the argument keeps it alive while the GIL is out.
    const absl::string_view json = TextOf(text, "request", &storage);
    std::shared_ptr<Engine> engine = Get();
    absl::StatusOr<Request> request;
    std::string decision;
    {
      py::gil_scoped_release release;
      request = ParseRequestJson(json);
      if (request.ok()) decision = engine->Decide(*request).ToJson();
    }
    if (!request.ok()) Raise(WardError::Kind::kRequest, request.status());
    return decision;
  }

  py::tuple Explain(const RequestArgs& args) const {
    const Request request = BuildRequest(args);
    std::shared_ptr<Engine> engine = Get();
    Trace trace;
    Decision decision;
    std::string text;
    {
      py::gil_scoped_release release;
      decision = engine->Explain(request, &trace);
      text = trace.ToText();
    }
    return py::make_tuple(py::cast(std::move(decision)), text);
  }

  void UpsertIdentity(py::handle identity) {
    std::shared_ptr<Engine> engine = Get();
    const std::string text = EntityJsonText(identity, "identity");
    absl::StatusOr<Identity> parsed =
        EntityStore::IdentityFromJson(text, engine->policy()->schema());
    if (!parsed.ok()) Raise(WardError::Kind::kEntity, parsed.status());
    if (absl::Status s = engine->UpsertIdentity(*std::move(parsed)); !s.ok()) {
      Raise(WardError::Kind::kEntity, s);
    }
  }

  void UpsertResource(py::handle resource) {
    std::shared_ptr<Engine> engine = Get();
    const std::string text = EntityJsonText(resource, "resource");
    absl::StatusOr<Resource> parsed =
        EntityStore::ResourceFromJson(text, engine->policy()->schema());
    if (!parsed.ok()) Raise(WardError::Kind::kEntity, parsed.status());
    if (absl::Status s = engine->UpsertResource(*std::move(parsed)); !s.ok()) {
      Raise(WardError::Kind::kEntity, s);
    }
  }

  // The result of an entity edit: NotFound as NotFoundError, anything else as EntityError.
  static void CheckEdit(const absl::Status& status) {
    if (status.ok()) return;
    Raise(absl::IsNotFound(status) ? WardError::Kind::kNotFound : WardError::Kind::kEntity, status);
  }

  void ReplaceEntities(py::handle entities_path, py::handle entities_json) {
    std::shared_ptr<Engine> engine = Get();
    if (entities_path.is_none() && entities_json.is_none()) {
      throw py::type_error("replace_entities() needs `entities` (a path) or `entities_json`");
    }
    CheckEdit(engine->ReplaceEntities(
        LoadEntities(entities_path, entities_json, engine->policy()->schema())));
  }

  void Reload(py::handle files, py::handle sources, py::handle bundle) {
    std::shared_ptr<Engine> engine = Get();
    const int given = !files.is_none() + !sources.is_none() + !bundle.is_none();
    if (given != 1) {
      throw py::type_error("reload() takes exactly one of `files`, `sources` and `bundle`");
    }
    LoadedPolicy loaded = !files.is_none()     ? CompileFiles(files)
                          : !sources.is_none() ? CompileSources(sources)
                                               : LoadBundleFrom(bundle);
    if (absl::Status s = engine->Reload(loaded.policy); !s.ok()) {
      Raise(WardError::Kind::kEntity, s);
    }
    warnings_ = std::move(loaded.warnings);
  }

  void Close() { std::atomic_store(&engine_, std::shared_ptr<Engine>()); }
  bool closed() const { return std::atomic_load(&engine_) == nullptr; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }

 private:
  std::shared_ptr<Engine> engine_;
  std::vector<Diagnostic> warnings_;
};

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

// Raises the Python exception of a WardError: the class named by its kind, from
// ward/_errors.py, with the compile issues for a PolicyError.
void TranslateWardError(const WardError& error) {
  const char* name = "Error";
  switch (error.kind()) {
    case WardError::Kind::kPolicy:
      name = "PolicyError";
      break;
    case WardError::Kind::kEntity:
      name = "EntityError";
      break;
    case WardError::Kind::kRequest:
      name = "RequestError";
      break;
    case WardError::Kind::kNotFound:
      name = "NotFoundError";
      break;
    case WardError::Kind::kClosed:
      name = "EngineClosedError";
      break;
  }
  try {
    py::object cls = py::module_::import("ward._errors").attr(name);
    py::object exception = error.kind() == WardError::Kind::kPolicy
                               ? cls(Utf8(error.what()), Issues(error.issues()))
                               : cls(Utf8(error.what()));
    PyErr_SetObject(cls.ptr(), exception.ptr());
  } catch (py::error_already_set&) {
    // The package's exception module is missing (the extension was imported outside its
    // package): the message still reaches the caller, as a RuntimeError.
    PyErr_SetObject(PyExc_RuntimeError, Utf8(error.what()).ptr());
  }
}

RequestArgs ArgsOf(py::handle subject, py::handle action, py::handle resource, py::handle context,
                   py::handle on_behalf_of, py::handle now) {
  return RequestArgs{subject, action, resource, context, on_behalf_of, now};
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
  absl::StrAppendFormat(&out, "], errors=%d)", d.errors.size());
  return out;
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
      .def_readonly("rule", &EvaluationError::rule, "The rule's name.")
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
          "\"unknown_identity\", \"lifecycle\", \"unowned\" or \"internal_error\".")
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
      .def_readonly("rules", &Decision::rules, "The determining rules, sorted.")
      .def_readonly("obligations", &Decision::obligations,
                    "The obligations; empty unless the effect is ALLOW.")
      .def_readonly("errors", &Decision::errors, "The evaluation errors, in decision order.")
      .def_readonly("policy_hash", &Decision::policy_hash,
                    "Identifies the compiled policy that decided (0 when unknown).")
      .def("to_json", &Decision::ToJson,
           "The canonical compact JSON form, as `ward eval` prints it.")
      .def(
          "redact",
          [](const Decision& d, py::handle text) -> py::object {
            std::string storage;
            const absl::string_view view = TextOf(text, "text", &storage);
            std::string redacted;
            {
              py::gil_scoped_release release;
              redacted = ApplyRedactions(d, view);
            }
            if (PyUnicode_Check(text.ptr())) return py::str(redacted);
            return py::bytes(redacted);
          },
          "text"_a,
          "Returns `text` (str or bytes) with the decision's redact obligations applied in "
          "order.")
      .def("__repr__", &DecisionRepr);

  py::class_<PyEngine, std::shared_ptr<PyEngine>>(
      m, "Engine", "Decides requests against a compiled policy set and an entity store.")
      .def_static(
          "from_sources",
          [](py::handle sources, py::handle entities_json) {
            return PyEngine::Create(CompileSources(sources), py::none(), entities_json);
          },
          "sources"_a, "entities_json"_a = py::none(),
          "Compiles policy sources given as (name, text) pairs (or a dict name -> text).")
      .def_static(
          "from_files",
          [](py::handle paths, py::handle entities, py::handle entities_json) {
            return PyEngine::Create(CompileFiles(paths), entities, entities_json);
          },
          "paths"_a, "entities"_a = py::none(), py::kw_only(), "entities_json"_a = py::none(),
          "Compiles the policy files at `paths`; `entities` is the path of an entity file.")
      .def_static(
          "from_bundle",
          [](py::handle bundle, py::handle entities, py::handle entities_json) {
            return PyEngine::Create(LoadBundleFrom(bundle), entities, entities_json);
          },
          "bundle"_a, "entities"_a = py::none(), py::kw_only(), "entities_json"_a = py::none(),
          "Loads a compiled bundle (`ward compile`), given as bytes or as a path.")
      .def(
          "decide",
          [](const PyEngine& self, py::handle subject, py::handle action, py::handle resource,
             py::handle context, py::handle on_behalf_of, py::handle now) {
            return self.Decide(ArgsOf(subject, action, resource, context, on_behalf_of, now));
          },
          "subject"_a, "action"_a, "resource"_a, "context"_a = py::none(),
          "on_behalf_of"_a = py::none(), "now"_a = py::none(), "Decides one request.")
      .def("decide_json", &PyEngine::DecideJson, "request"_a,
           "Decides a request in the JSON exchange format; returns the decision's JSON text.")
      .def(
          "explain",
          [](const PyEngine& self, py::handle subject, py::handle action, py::handle resource,
             py::handle context, py::handle on_behalf_of, py::handle now) {
            return self.Explain(ArgsOf(subject, action, resource, context, on_behalf_of, now));
          },
          "subject"_a, "action"_a, "resource"_a, "context"_a = py::none(),
          "on_behalf_of"_a = py::none(), "now"_a = py::none(),
          "Decides as decide() and returns (decision, trace text).")
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
      .def(
          "to_bundle",
          [](const PyEngine& self) { return py::bytes(SerializeBundle(*self.Get()->policy())); },
          "The current policy as a bundle (as `ward compile` writes it), for from_bundle.")
      .def("close", &PyEngine::Close, "Releases the engine; later calls raise ward.Error.")
      .def_property_readonly("closed", &PyEngine::closed)
      .def_property_readonly(
          "warnings", [](const PyEngine& self) { return Issues(self.warnings()); },
          "The compile warnings of the current policy (ward.Issue objects).")
      .def_property_readonly(
          "policy_hash", [](const PyEngine& self) { return self.Get()->policy()->hash(); },
          "Identifies the current compiled policy.")
      .def("__enter__", [](std::shared_ptr<PyEngine> self) { return self; })
      .def("__exit__",
           [](PyEngine& self, py::handle, py::handle, py::handle) {
             self.Close();
             return false;
           })
      .def("__repr__", [](const PyEngine& self) {
        return std::string(self.closed() ? "<ward.Engine closed>" : "<ward.Engine>");
      });
}

}  // namespace ward::python

PYBIND11_MODULE(_ward, m) { ward::python::DefineModule(m); }
