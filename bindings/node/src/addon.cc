// The native half of the Node binding (loaded by bindings/node/index.js, which gives it its
// public shape): an engine class over ward::Engine and a redaction function. Errors carry a
// `code` ("WARD_POLICY", "WARD_REQUEST", ...) that index.js maps to its error classes.
//
// Every entry point runs inside Guarded(), so that no C++ exception other than the
// node-addon-api errors (which become JavaScript exceptions) can reach Node.

#include <napi.h>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bindings/node/src/convert.h"
#include "lib/bundle.h"
#include "lib/decision.h"
#include "lib/engine.h"
#include "lib/entities.h"
#include "lib/policy.h"
#include "lib/redact.h"
#include "lib/request.h"
#include "policy_lang/compiler.h"
#include "policy_lang/diagnostics.h"

namespace ward::node {
namespace {

constexpr char kPolicyErrorCode[] = "WARD_POLICY";
constexpr char kBundleErrorCode[] = "WARD_BUNDLE";
constexpr char kEntitiesErrorCode[] = "WARD_ENTITIES";
constexpr char kNotFoundErrorCode[] = "WARD_NOT_FOUND";
constexpr char kClosedErrorCode[] = "WARD_CLOSED";
constexpr char kInternalErrorCode[] = "WARD_INTERNAL";

// Runs `body`, turning any std::exception (say std::bad_alloc) into a JavaScript error.
template <typename Body>
Napi::Value Guarded(Napi::Env env, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    ThrowCoded(env, kInternalErrorCode, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    ThrowCoded(env, kInternalErrorCode, "internal error");
  }
}

std::string StringArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), absl::StrCat("`", name, "` must be a string"));
  }
  return info[index].As<Napi::String>().Utf8Value();
}

// Maps a failed entity edit to its error: NotFound keeps its own code.
void ThrowStatus(Napi::Env env, const absl::Status& status) {
  ThrowCoded(env, absl::IsNotFound(status) ? kNotFoundErrorCode : kEntitiesErrorCode,
             std::string(status.message()));
}

Napi::Array IssuesToJs(Napi::Env env, const std::vector<Diagnostic>& diagnostics,
                       Diagnostic::Severity severity) {
  Napi::Array issues = Napi::Array::New(env);
  uint32_t count = 0;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity != severity) continue;
    Napi::Object issue = Napi::Object::New(env);
    issue.Set("source", diagnostic.source);
    issue.Set("line", diagnostic.line);
    issue.Set("column", diagnostic.column);
    issue.Set("message", diagnostic.message);
    issues.Set(count++, issue);
  }
  return issues;
}

// A policy from `payload`: with kind "sources", an array of {name, text} compiled together;
// with kind "bundle", the bytes of a compiled bundle (a Buffer or Uint8Array). Compile
// warnings go to `warnings`.
std::shared_ptr<const Policy> PolicyFromJs(Napi::Env env, const std::string& kind,
                                           const Napi::Value& payload,
                                           std::vector<Diagnostic>* warnings) {
  if (kind == "bundle") {
    if (!payload.IsTypedArray() && !payload.IsBuffer()) {
      throw Napi::TypeError::New(env, "`bundle` must be a Buffer or a Uint8Array");
    }
    Napi::Uint8Array bytes = payload.As<Napi::Uint8Array>();
    absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadBundle(
        absl::string_view(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength()));
    if (!policy.ok()) ThrowCoded(env, kBundleErrorCode, std::string(policy.status().message()));
    return *std::move(policy);
  }
  if (kind != "sources") throw Napi::TypeError::New(env, "unknown policy kind");
  if (!payload.IsArray()) throw Napi::TypeError::New(env, "`sources` must be an array");
  Napi::Array array = payload.As<Napi::Array>();
  std::vector<SourceFile> sources;
  sources.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    const std::string where = absl::StrCat("sources[", i, "]");
    if (!item.IsObject()) {
      throw Napi::TypeError::New(env, absl::StrCat("`", where, "` must be an object {name, text}"));
    }
    Napi::Object source = item.As<Napi::Object>();
    Napi::Value name = source.Get("name");
    Napi::Value text = source.Get("text");
    if (!name.IsString()) {
      throw Napi::TypeError::New(env, absl::StrCat("`", where, ".name` must be a string"));
    }
    if (!text.IsString()) {
      throw Napi::TypeError::New(env, absl::StrCat("`", where, ".text` must be a string"));
    }
    sources.push_back({name.As<Napi::String>().Utf8Value(), text.As<Napi::String>().Utf8Value()});
  }
  CompileResult compiled = Compile(sources);
  if (compiled.policy == nullptr) {
    std::vector<Diagnostic> errors;
    for (const Diagnostic& d : compiled.diagnostics) {
      if (d.severity == Diagnostic::Severity::kError) errors.push_back(d);
    }
    Napi::Error error = Napi::Error::New(
        env, absl::StrCat("the policy does not compile:\n", FormatDiagnostics(errors)));
    error.Set("code", kPolicyErrorCode);
    error.Set("issues", IssuesToJs(env, compiled.diagnostics, Diagnostic::Severity::kError));
    throw error;
  }
  *warnings = std::move(compiled.diagnostics);
  return compiled.policy;
}

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeEngine",
                       {
                           InstanceMethod<&EngineWrap::Decide>("decide"),
                           InstanceMethod<&EngineWrap::DecideJson>("decideJson"),
                           InstanceMethod<&EngineWrap::Explain>("explain"),
                           InstanceMethod<&EngineWrap::ExplainJson>("explainJson"),
                           InstanceMethod<&EngineWrap::UpsertIdentity>("upsertIdentity"),
                           InstanceMethod<&EngineWrap::UpsertResource>("upsertResource"),
                           InstanceMethod<&EngineWrap::Revoke>("revoke"),
                           InstanceMethod<&EngineWrap::RemoveIdentity>("removeIdentity"),
                           InstanceMethod<&EngineWrap::RemoveResource>("removeResource"),
                           InstanceMethod<&EngineWrap::Reload>("reload"),
                           InstanceMethod<&EngineWrap::Warnings>("warnings"),
                           InstanceMethod<&EngineWrap::Close>("close"),
                           InstanceMethod<&EngineWrap::IsClosed>("isClosed"),
                       });
  }

  // new NativeEngine(kind, payload, entitiesJson?): see PolicyFromJs; `entitiesJson` is the
  // entity file's text (absent: no identities and no resources).
  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      const std::string kind = StringArgument(info, 0, "kind");
      std::shared_ptr<const Policy> policy = PolicyFromJs(env, kind, info[1], &warnings_);
      EntityStore entities;
      if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
        const std::string text = StringArgument(info, 2, "entities");
        absl::StatusOr<EntityStore> loaded = EntityStore::FromJson(text, policy->schema());
        if (!loaded.ok()) {
          ThrowCoded(env, kEntitiesErrorCode,
                     absl::StrCat("entities: ", loaded.status().message()));
        }
        entities = *std::move(loaded);
      }
      absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, std::move(entities));
      if (!engine.ok()) ThrowCoded(env, kEntitiesErrorCode, std::string(engine.status().message()));
      engine_ = *std::move(engine);
      return env.Undefined();
    });
  }

 private:
  Engine& Open(Napi::Env env) {
    if (engine_ == nullptr) ThrowCoded(env, kClosedErrorCode, "the engine is closed");
    return *engine_;
  }

  absl::StatusOr<Request> ParseText(Napi::Env env, const Napi::CallbackInfo& info) {
    return ParseRequestJson(StringArgument(info, 0, "request"));
  }

  Napi::Value Decide(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      RequestFromArgs(info, 0, &request_);
      // One Decision reused across calls: its storage and pinned snapshot make repeated
      // decisions allocation-free inside the engine.
      engine.Decide(request_, &decision_);
      return DecisionToJs(env, decision_);
    });
  }

  // The request as JSON text in, the decision's canonical JSON out (as `ward eval` prints).
  Napi::Value DecideJson(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Request> request = ParseText(env, info);
      if (!request.ok()) {
        ThrowCoded(env, kRequestErrorCode, std::string(request.status().message()));
      }
      engine.Decide(*request, &decision_);
      return Napi::String::New(env, decision_.ToJson());
    });
  }

  Napi::Value ExplainRequest(Napi::Env env, const Request& request) {
    Trace trace;
    Decision decision = Open(env).Explain(request, &trace);
    Napi::Object result = Napi::Object::New(env);
    result.Set("decision", DecisionToJs(env, decision));
    result.Set("trace", TraceToJs(env, trace));
    result.Set("traceText", trace.ToText());
    result.Set("json", decision.ToJson());
    return result;
  }

  Napi::Value Explain(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Open(env);
      Request request;
      RequestFromArgs(info, 0, &request);
      return ExplainRequest(env, request);
    });
  }

  Napi::Value ExplainJson(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Open(env);
      absl::StatusOr<Request> request = ParseText(env, info);
      if (!request.ok()) {
        ThrowCoded(env, kRequestErrorCode, std::string(request.status().message()));
      }
      return ExplainRequest(env, *request);
    });
  }

  // upsertIdentity(json): one identity in the entity file's format.
  Napi::Value UpsertIdentity(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Identity> identity = EntityStore::IdentityFromJson(
          StringArgument(info, 0, "identity"), engine.policy()->schema());
      if (!identity.ok()) ThrowStatus(env, identity.status());
      absl::Status status = engine.UpsertIdentity(*std::move(identity));
      if (!status.ok()) ThrowStatus(env, status);
      return env.Undefined();
    });
  }

  Napi::Value UpsertResource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Resource> resource = EntityStore::ResourceFromJson(
          StringArgument(info, 0, "resource"), engine.policy()->schema());
      if (!resource.ok()) ThrowStatus(env, resource.status());
      absl::Status status = engine.UpsertResource(*std::move(resource));
      if (!status.ok()) ThrowStatus(env, status);
      return env.Undefined();
    });
  }

  Napi::Value Revoke(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status = Open(env).RevokeIdentity(StringArgument(info, 0, "id"));
      if (!status.ok()) ThrowStatus(env, status);
      return env.Undefined();
    });
  }

  Napi::Value RemoveIdentity(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status = Open(env).RemoveIdentity(StringArgument(info, 0, "id"));
      if (!status.ok()) ThrowStatus(env, status);
      return env.Undefined();
    });
  }

  Napi::Value RemoveResource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status =
          Open(env).RemoveResource(StringArgument(info, 0, "type"), StringArgument(info, 1, "id"));
      if (!status.ok()) ThrowStatus(env, status);
      return env.Undefined();
    });
  }

  // reload(kind, payload): a new policy, as for the constructor; the entities are kept and
  // must validate against the new schema, else the old policy stays.
  Napi::Value Reload(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      std::vector<Diagnostic> warnings;
      std::shared_ptr<const Policy> policy =
          PolicyFromJs(env, StringArgument(info, 0, "kind"), info[1], &warnings);
      absl::Status status = engine.Reload(std::move(policy));
      if (!status.ok()) ThrowCoded(env, kEntitiesErrorCode, std::string(status.message()));
      warnings_ = std::move(warnings);
      return env.Undefined();
    });
  }

  Napi::Value Warnings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Open(env);
      return IssuesToJs(env, warnings_, Diagnostic::Severity::kWarning);
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    engine_.reset();
    // The reused decision pins the policy; drop it too.
    decision_ = Decision();
    request_ = Request();
    return info.Env().Undefined();
  }

  Napi::Value IsClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), engine_ == nullptr);
  }

  std::unique_ptr<Engine> engine_;
  std::vector<Diagnostic> warnings_;
  // Reused by decide() and decideJson(); a JavaScript engine object lives on one thread.
  Request request_;
  Decision decision_;
};

// redact(redactions, text): applies [{pattern, replacement}] (a decision's obligations.redact)
// to `text` with the library's semantics (RE2, in order, global replacement).
Napi::Value Redact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsArray()) {
      throw Napi::TypeError::New(env, "`redactions` must be an array");
    }
    const std::string text = StringArgument(info, 1, "text");
    Napi::Array list = info[0].As<Napi::Array>();
    Obligations obligations;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value item = list.Get(i);
      if (!item.IsObject()) {
        throw Napi::TypeError::New(env, "each redaction must be an object {pattern, replacement}");
      }
      Napi::Value pattern = item.As<Napi::Object>().Get("pattern");
      Napi::Value replacement = item.As<Napi::Object>().Get("replacement");
      if (!pattern.IsString() || !replacement.IsString()) {
        throw Napi::TypeError::New(env, "a redaction's pattern and replacement must be strings");
      }
      Redaction redaction;
      redaction.pattern = pattern.As<Napi::String>().Utf8Value();
      redaction.replacement = replacement.As<Napi::String>().Utf8Value();
      obligations.redact.push_back(std::move(redaction));
    }
    return Napi::String::New(env, ApplyRedactions(obligations, text));
  });
}

// setDecisionFactory(fn): the function DecisionToJs calls to build a Decision (index.js).
Napi::Value SetDecisionFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(env, "`factory` must be a function");
  }
  env.GetInstanceData<AddonData>()->decision_factory =
      Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setDecisionFactory",
              Napi::Function::New<SetDecisionFactory>(env, "setDecisionFactory"));
  exports.Set("NativeEngine", EngineWrap::Define(env));
  exports.Set("redact", Napi::Function::New<Redact>(env, "redact"));
  exports.Set("names", NameTables(env));
  return exports;
}

}  // namespace
}  // namespace ward::node

// The macro pastes its argument into a name, so it takes an unqualified function.
static Napi::Object InitWardAddon(Napi::Env env, Napi::Object exports) {
  return ward::node::Init(env, exports);
}

NODE_API_MODULE(ward, InitWardAddon)
