// The native half of the Node binding (loaded by bindings/node/index.js, which gives it its
// public shape): an engine class over ward::Engine, compiled redactions and a stream redactor
// over ward::RedactionStream, and the approval primitives (keys, grants). Errors carry a
// `code` ("WARD_POLICY", "WARD_REQUEST", ...) that index.js maps to its error classes.
//
// Every entry point runs inside Guarded(), so that no C++ exception other than the
// node-addon-api errors (which become JavaScript exceptions) can reach Node.

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bindings/node/src/convert.h"
#include "lib/internal/crypto.h"
#include "lib/internal/utf8_stream.h"
#include "policy_lang/diagnostics.h"
#include "re2/re2.h"
#include "ward/approval.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/decision_log.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/policy.h"
#include "ward/redact.h"
#include "ward/request.h"

namespace ward::node {
namespace {

// Runs `body`, turning any std::exception (say std::bad_alloc) into a JavaScript error.
template <typename Body>
Napi::Value Guarded(Napi::Env env, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    ThrowCoded(env, ErrorCategory::kInternal, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    ThrowCoded(env, ErrorCategory::kInternal, "internal error");
  }
}

std::string StringArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), absl::StrCat("`", name, "` must be a string"));
  }
  return info[index].As<Napi::String>().Utf8Value();
}

// A failed entity edit: not found, or entities that do not fit the schema.
void ThrowEditError(Napi::Env env, const absl::Status& status) {
  ThrowStatus(env, status, ErrorCategory::kEntities);
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

// Public keys (SPKI PEM, Ed25519) from an array of strings (undefined: none); an Error with
// code WARD_KEY naming the entry that is not one.
std::vector<std::string> PublicKeysFromJs(Napi::Env env, const Napi::Value& value,
                                          const char* what) {
  std::vector<std::string> keys;
  if (value.IsUndefined() || value.IsNull()) return keys;
  if (!value.IsArray()) {
    throw Napi::TypeError::New(env, absl::StrCat("`", what, "` must be an array of PEM strings"));
  }
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      throw Napi::TypeError::New(env, absl::StrCat("`", what, "[", i, "]` must be a PEM string"));
    }
    std::string pem = item.As<Napi::String>().Utf8Value();
    absl::StatusOr<internal::Ed25519PublicKey> key = internal::Ed25519PublicKey::FromPem(pem);
    if (!key.ok()) {
      ThrowCoded(env, ErrorCategory::kKey,
                 absl::StrCat("`", what, "[", i, "]`: ", key.status().message()));
    }
    keys.push_back(std::move(pem));
  }
  return keys;
}

// A private key (PKCS#8 PEM, Ed25519) checked to be usable; WARD_KEY when it is not.
std::string PrivateKeyFromJs(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsString()) {
    throw Napi::TypeError::New(env, absl::StrCat("`", what, "` must be a PEM string"));
  }
  std::string pem = value.As<Napi::String>().Utf8Value();
  absl::StatusOr<std::string> public_key = PublicKeyOf(pem);
  if (!public_key.ok()) {
    ThrowCoded(env, ErrorCategory::kKey,
               absl::StrCat("`", what, "`: ", public_key.status().message()));
  }
  return pem;
}

// A policy from `payload`: with kind "sources", an array of {name, text} compiled together;
// with kind "bundle", the bytes of a compiled bundle (a Buffer or Uint8Array), which must be
// signed by one of `trusted_keys` when there are any. Compile warnings go to `warnings`.
std::shared_ptr<const Policy> PolicyFromJs(Napi::Env env, const std::string& kind,
                                           const Napi::Value& payload,
                                           const std::vector<std::string>& trusted_keys,
                                           std::vector<Diagnostic>* warnings) {
  if (kind == "bundle") {
    if (!payload.IsTypedArray() && !payload.IsBuffer()) {
      throw Napi::TypeError::New(env, "`bundle` must be a Buffer or a Uint8Array");
    }
    Napi::Uint8Array bytes = payload.As<Napi::Uint8Array>();
    BundleLoadOptions options;
    options.trusted_keys = trusted_keys;
    absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadBundle(
        absl::string_view(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength()),
        options);
    if (!policy.ok()) ThrowStatus(env, policy.status(), ErrorCategory::kBundle);
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
    error.Set("code", ErrorCode(ErrorCategory::kPolicy));
    error.Set("issues", IssuesToJs(env, compiled.diagnostics, Diagnostic::Severity::kError));
    throw error;
  }
  *warnings = std::move(compiled.diagnostics);
  return compiled.policy;
}

// new NativeDecisionLog(kind, target, level, threadQueueBytes, revision, maxFileBytes,
// maxFiles): a ward::DecisionLog writing to a file (`target` its path), the standard output, or
// a JavaScript function (`target`), called on the main thread with each record through a
// thread-safe function (bounded: a record that finds its queue full counts as a failed
// write). The function does not keep the process alive; close() the log before exiting to
// deliver what is queued.
class DecisionLogWrap : public Napi::ObjectWrap<DecisionLogWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeDecisionLog",
                       {InstanceMethod<&DecisionLogWrap::Flush>("flush"),
                        InstanceMethod<&DecisionLogWrap::Close>("close"),
                        InstanceMethod<&DecisionLogWrap::Stats>("stats")});
  }

  explicit DecisionLogWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<DecisionLogWrap>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      const std::string kind = StringArgument(info, 0, "kind");
      DecisionLogOptions options;
      const std::string level = StringArgument(info, 2, "options.level");
      const std::optional<LogLevel> parsed = LogLevelFromName(level);
      if (!parsed.has_value()) {
        throw Napi::TypeError::New(env,
                                   absl::StrCat("`options.level`: `", level,
                                                "` is not a level; use none, summary or full"));
      }
      options.min_level = *parsed;
      const double queue_bytes = info[3].As<Napi::Number>().DoubleValue();
      if (queue_bytes > 0) options.thread_queue_bytes = static_cast<size_t>(queue_bytes);
      options.revision = StringArgument(info, 4, "options.revision");
      std::unique_ptr<DecisionLogSink> sink;
      if (kind == "file") {
        FileSinkOptions file;
        file.max_bytes = static_cast<uint64_t>(info[5].As<Napi::Number>().DoubleValue());
        file.max_files = static_cast<int>(info[6].As<Napi::Number>().DoubleValue());
        absl::StatusOr<std::unique_ptr<DecisionLogSink>> opened =
            OpenFileSink(StringArgument(info, 1, "path"), file);
        if (!opened.ok()) ThrowStatus(env, opened.status(), ErrorCategory::kIo);
        sink = *std::move(opened);
      } else if (kind == "stdout") {
        sink = StdoutSink();
      } else {
        if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "`callback` must be a function");
        sink = std::make_unique<JsCallbackSink>(env, info[1].As<Napi::Function>());
      }
      absl::StatusOr<std::shared_ptr<DecisionLog>> log =
          DecisionLog::Create(std::move(sink), options);
      if (!log.ok()) ThrowStatus(env, log.status(), ErrorCategory::kInvalidArgument);
      log_ = *std::move(log);
      return env.Undefined();
    });
  }

  const std::shared_ptr<DecisionLog>& log() const { return log_; }

 private:
  // Hands records to a JavaScript function on the main thread.
  class JsCallbackSink : public DecisionLogSink {
   public:
    JsCallbackSink(Napi::Env env, Napi::Function callback)
        : function_(Napi::ThreadSafeFunction::New(env, callback, "ward decision log",
                                                  /*maxQueueSize=*/65536,
                                                  /*initialThreadCount=*/1)) {
      function_.Unref(env);
    }
    ~JsCallbackSink() override { function_.Release(); }

    absl::Status Write(absl::string_view record) override {
      auto* text = new std::string(record);
      const napi_status status = function_.NonBlockingCall(
          text, [](Napi::Env env, Napi::Function callback, std::string* text) {
            std::unique_ptr<std::string> owned(text);
            if (env == nullptr || callback.IsEmpty()) return;  // the environment is going
            try {
              callback.Call({Napi::String::New(env, *owned)});
            } catch (const Napi::Error& error) {
              // A callback that throws loses its own record only.
              std::fprintf(stderr, "ward: the decision log callback threw: %s\n",
                           error.Message().c_str());
            }
          });
      if (status == napi_ok) return absl::OkStatus();
      delete text;
      return absl::UnavailableError(status == napi_queue_full
                                        ? "the JavaScript callback's queue is full"
                                        : "the JavaScript callback is closing");
    }

   private:
    Napi::ThreadSafeFunction function_;
  };

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      if (absl::Status status = log_->Flush(); !status.ok()) {
        ThrowStatus(env, status, ErrorCategory::kIo);
      }
      return env.Undefined();
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      if (absl::Status status = log_->Close(); !status.ok()) {
        ThrowStatus(env, status, ErrorCategory::kIo);
      }
      return env.Undefined();
    });
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const DecisionLogStats stats = log_->stats();
    Napi::Object out = Napi::Object::New(env);
    out.Set("recorded", static_cast<double>(stats.recorded));
    out.Set("dropped", static_cast<double>(stats.dropped));
    out.Set("written", static_cast<double>(stats.written));
    out.Set("failed", static_cast<double>(stats.failed));
    out.Set("maxQueuedBytes", static_cast<double>(stats.max_queued_bytes));
    return out;
  }

  std::shared_ptr<DecisionLog> log_;
};

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeEngine",
                       {
                           InstanceMethod<&EngineWrap::Decide>("decide"),
                           InstanceMethod<&EngineWrap::DecideJson>("decideJson"),
                           InstanceMethod<&EngineWrap::Explain>("explain"),
                           InstanceMethod<&EngineWrap::ExplainJson>("explainJson"),
                           InstanceMethod<&EngineWrap::ApprovalDigest>("approvalDigest"),
                           InstanceMethod<&EngineWrap::ApprovalDigestJson>("approvalDigestJson"),
                           InstanceMethod<&EngineWrap::UsedGrantCount>("usedGrantCount"),
                           InstanceMethod<&EngineWrap::ReplaceEntities>("replaceEntities"),
                           InstanceMethod<&EngineWrap::ToBundle>("toBundle"),
                           InstanceMethod<&EngineWrap::UpsertIdentity>("upsertIdentity"),
                           InstanceMethod<&EngineWrap::UpsertResource>("upsertResource"),
                           InstanceMethod<&EngineWrap::Revoke>("revoke"),
                           InstanceMethod<&EngineWrap::RemoveIdentity>("removeIdentity"),
                           InstanceMethod<&EngineWrap::RemoveResource>("removeResource"),
                           InstanceMethod<&EngineWrap::Reload>("reload"),
                           InstanceMethod<&EngineWrap::Warnings>("warnings"),
                           InstanceMethod<&EngineWrap::SetDecisionLog>("setDecisionLog"),
                           InstanceMethod<&EngineWrap::UnknownIdentities>("unknownIdentities"),
                           InstanceMethod<&EngineWrap::WhatMay>("whatMay"),
                           InstanceMethod<&EngineWrap::Close>("close"),
                           InstanceMethod<&EngineWrap::IsClosed>("isClosed"),
                       });
  }

  // new NativeEngine(kind, payload, entitiesJson?, approvalKeys?, trustedKeys?,
  // maxUsedGrants?): see PolicyFromJs; `entitiesJson` is the entity file's text (absent: no
  // identities and no resources). `trustedKeys` apply to every bundle the engine loads (this
  // one and those of reload).
  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      const std::string kind = StringArgument(info, 0, "kind");
      EngineOptions options;
      options.approval_keys = PublicKeysFromJs(env, info[3], "options.approvalKeys");
      bundle_keys_ = PublicKeysFromJs(env, info[4], "options.trustedKeys");
      if (info.Length() > 5 && info[5].IsNumber()) {
        const double max = info[5].As<Napi::Number>().DoubleValue();
        if (!(max >= 1) || max != std::floor(max) || max > 0x1p53) {
          throw Napi::TypeError::New(env, "`options.maxUsedGrants` must be a positive integer");
        }
        options.max_used_grants = static_cast<size_t>(max);
      }
      std::shared_ptr<const Policy> policy =
          PolicyFromJs(env, kind, info[1], bundle_keys_, &warnings_);
      EntityStore entities;
      if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
        const std::string text = StringArgument(info, 2, "entities");
        absl::StatusOr<EntityStore> loaded = EntityStore::FromJson(text, policy->schema());
        if (!loaded.ok()) {
          ThrowCoded(env, ErrorCategory::kEntities,
                     absl::StrCat("entities: ", loaded.status().message()));
        }
        entities = *std::move(loaded);
      }
      absl::StatusOr<std::unique_ptr<Engine>> engine =
          Engine::Create(policy, std::move(entities), options);
      if (!engine.ok()) ThrowStatus(env, engine.status(), ErrorCategory::kEntities);
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
      // One Decision and one RequestBuilder reused across calls: their storage makes repeated
      // decisions allocation-free inside the engine, and the builder remembers the records
      // the ids it keeps named.
      engine.Decide(&request_, &decision_);
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
        ThrowStatus(env, request.status(), ErrorCategory::kRequest);
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
        ThrowStatus(env, request.status(), ErrorCategory::kRequest);
      }
      return ExplainRequest(env, *request);
    });
  }

  // approvalDigest(flat request): the digest a grant for the request must name, under the
  // current policy, without deciding.
  Napi::Value ApprovalDigest(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      Request request;
      RequestFromArgs(info, 0, &request);
      return Napi::String::New(env, ward::ApprovalDigest(request, engine.policy()->hash()));
    });
  }

  Napi::Value ApprovalDigestJson(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Request> request = ParseText(env, info);
      if (!request.ok()) {
        ThrowStatus(env, request.status(), ErrorCategory::kRequest);
      }
      return Napi::String::New(env, ward::ApprovalDigest(*request, engine.policy()->hash()));
    });
  }

  Napi::Value UsedGrantCount(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      return Napi::Number::New(env, static_cast<double>(Open(env).used_grant_count()));
    });
  }

  // replaceEntities(json): the whole store, from an entity file's text.
  Napi::Value ReplaceEntities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<EntityStore> store =
          EntityStore::FromJson(StringArgument(info, 0, "entities"), engine.policy()->schema());
      if (!store.ok()) {
        ThrowCoded(env, ErrorCategory::kEntities,
                   absl::StrCat("entities: ", store.status().message()));
      }
      absl::Status status = engine.ReplaceEntities(*std::move(store));
      if (!status.ok()) ThrowEditError(env, status);
      return env.Undefined();
    });
  }

  // toBundle(privateKeyPem?): the current policy as bundle bytes (a Buffer), signed when a
  // key is given.
  Napi::Value ToBundle(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      std::shared_ptr<const Policy> policy = Open(env).policy();
      std::string bytes;
      if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) {
        const std::string pem = PrivateKeyFromJs(env, info[0], "options.key");
        absl::StatusOr<std::string> signed_bytes = SerializeSignedBundle(*policy, pem);
        if (!signed_bytes.ok()) {
          ThrowStatus(env, signed_bytes.status(), ErrorCategory::kKey);
        }
        bytes = *std::move(signed_bytes);
      } else {
        bytes = SerializeBundle(*policy);
      }
      return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
    });
  }

  // upsertIdentity(json): one identity in the entity file's format.
  Napi::Value UpsertIdentity(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Identity> identity = EntityStore::IdentityFromJson(
          StringArgument(info, 0, "identity"), engine.policy()->schema());
      if (!identity.ok()) ThrowEditError(env, identity.status());
      absl::Status status = engine.UpsertIdentity(*std::move(identity));
      if (!status.ok()) ThrowEditError(env, status);
      return env.Undefined();
    });
  }

  Napi::Value UpsertResource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      absl::StatusOr<Resource> resource = EntityStore::ResourceFromJson(
          StringArgument(info, 0, "resource"), engine.policy()->schema());
      if (!resource.ok()) ThrowEditError(env, resource.status());
      absl::Status status = engine.UpsertResource(*std::move(resource));
      if (!status.ok()) ThrowEditError(env, status);
      return env.Undefined();
    });
  }

  Napi::Value Revoke(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status = Open(env).RevokeIdentity(StringArgument(info, 0, "id"));
      if (!status.ok()) ThrowEditError(env, status);
      return env.Undefined();
    });
  }

  Napi::Value RemoveIdentity(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status = Open(env).RemoveIdentity(StringArgument(info, 0, "id"));
      if (!status.ok()) ThrowEditError(env, status);
      return env.Undefined();
    });
  }

  Napi::Value RemoveResource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      absl::Status status =
          Open(env).RemoveResource(StringArgument(info, 0, "type"), StringArgument(info, 1, "id"));
      if (!status.ok()) ThrowEditError(env, status);
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
          PolicyFromJs(env, StringArgument(info, 0, "kind"), info[1], bundle_keys_, &warnings);
      absl::Status status = engine.Reload(std::move(policy));
      if (!status.ok()) ThrowStatus(env, status, ErrorCategory::kEntities);
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

  // unknownIdentities(): the JSON text of ward::UnknownIdentitiesJson.
  Napi::Value UnknownIdentities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      return Napi::String::New(env, UnknownIdentitiesJson(Open(env).unknown_identities()));
    });
  }

  // whatMay(queryJson): the JSON text of Engine::WhatMay for a query in the format of
  // ward::ParseReachQueryJson.
  Napi::Value WhatMay(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const Engine& engine = Open(env);
      const std::string query_json = info[0].As<Napi::String>().Utf8Value();
      absl::StatusOr<ReachQuery> query = ParseReachQueryJson(query_json);
      if (!query.ok()) ThrowStatus(env, query.status(), ErrorCategory::kRequest);
      absl::StatusOr<Reach> reach =
          engine.WhatMay(query->subject, query->on_behalf_of, query->options);
      if (!reach.ok()) ThrowStatus(env, reach.status(), ErrorCategory::kRequest);
      return Napi::String::New(env, reach->ToJson());
    });
  }

  // setDecisionLog(nativeLog | null)
  Napi::Value SetDecisionLog(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      Engine& engine = Open(env);
      if (info[0].IsNull() || info[0].IsUndefined()) {
        engine.SetDecisionLog(nullptr);
      } else {
        engine.SetDecisionLog(
            Napi::ObjectWrap<DecisionLogWrap>::Unwrap(info[0].As<Napi::Object>())->log());
      }
      return env.Undefined();
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    engine_.reset();
    // The reused decision pins the policy; drop it too.
    decision_ = Decision();
    request_ = RequestBuilder();
    return info.Env().Undefined();
  }

  Napi::Value IsClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), engine_ == nullptr);
  }

  std::unique_ptr<Engine> engine_;
  std::vector<Diagnostic> warnings_;
  // The keys every bundle this engine loads must be signed by (none: any bundle that verifies).
  std::vector<std::string> bundle_keys_;
  // Reused by decide() (and decision_ by decideJson()); a JavaScript engine object lives on
  // one thread.
  RequestBuilder request_;
  Decision decision_;
};

// Obligations from [{pattern, replacement}] (a decision's obligations.redact), with each
// pattern compiled as the policy compiles it (RE2's default options); WARD_REDACT when one
// cannot be applied. `compiled` owns the patterns the obligations point to.
Obligations ObligationsFromJs(Napi::Env env, const Napi::Value& value,
                              std::vector<std::unique_ptr<RE2>>* compiled) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, "`redactions` must be an array");
  Napi::Array list = value.As<Napi::Array>();
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
    if (compiled != nullptr) {
      RE2::Options options;
      options.set_log_errors(false);
      compiled->push_back(std::make_unique<RE2>(redaction.pattern, options));
      redaction.regex = compiled->back().get();
    }
    obligations.redact.push_back(std::move(redaction));
  }
  // Checks every pattern and replacement once, so that a bad one fails here, not on use.
  absl::StatusOr<std::string> check = ApplyRedactions(obligations, "");
  if (!check.ok()) ThrowStatus(env, check.status(), ErrorCategory::kRedact);
  return obligations;
}

// new NativeRedactions(redactions): a decision's redactions compiled once; apply(text) returns
// `text` redacted (RE2, in order, global replacement: ward::ApplyRedactions).
class RedactionsWrap : public Napi::ObjectWrap<RedactionsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRedactions", {InstanceMethod<&RedactionsWrap::Apply>("apply")});
  }

  explicit RedactionsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RedactionsWrap>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      obligations_ = ObligationsFromJs(env, info[0], &compiled_);
      return env.Undefined();
    });
  }

 private:
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string text = StringArgument(info, 0, "text");
      absl::StatusOr<std::string> redacted = ApplyRedactions(obligations_, text);
      // A redaction that cannot be applied: refuse, never return the text as is.
      if (!redacted.ok()) ThrowStatus(env, redacted.status(), ErrorCategory::kRedact);
      return Napi::String::New(env, *redacted);
    });
  }

  std::vector<std::unique_ptr<RE2>> compiled_;
  Obligations obligations_;
};

// new NativeRedactor(redactions, window?, maxBuffered?): ward::RedactionStream. write(chunk)
// takes a string or UTF-8 bytes (a Uint8Array, checked) and returns the text that is now
// final, as a string or a Buffer (the kind of the first chunk); finish() returns the rest.
// After any failure (code WARD_REDACT) every call fails: nothing more is released.
class RedactorWrap : public Napi::ObjectWrap<RedactorWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRedactor",
                       {InstanceMethod<&RedactorWrap::Write>("write"),
                        InstanceMethod<&RedactorWrap::Finish>("finish"),
                        InstanceMethod<&RedactorWrap::Incremental>("incremental"),
                        InstanceMethod<&RedactorWrap::HeldBytes>("heldBytes")});
  }

  explicit RedactorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RedactorWrap>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      Obligations obligations = ObligationsFromJs(env, info[0], nullptr);
      RedactionStreamOptions options;
      if (info.Length() > 1 && info[1].IsNumber()) {
        options.window = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
      }
      if (info.Length() > 2 && info[2].IsNumber()) {
        options.max_buffered = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());
      }
      absl::StatusOr<RedactionStream> stream = RedactionStream::Create(obligations, options);
      if (!stream.ok()) ThrowStatus(env, stream.status(), ErrorCategory::kRedact);
      stream_.emplace(*std::move(stream));
      return env.Undefined();
    });
  }

 private:
  enum class Mode { kUnset, kText, kBytes };

  Napi::Value Piece(Napi::Env env, const absl::StatusOr<std::string>& piece) {
    if (!piece.ok()) {
      failed_ = true;
      ThrowStatus(env, piece.status(), ErrorCategory::kRedact);
    }
    if (mode_ == Mode::kBytes) return Napi::Buffer<char>::Copy(env, piece->data(), piece->size());
    return Napi::String::New(env, *piece);
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      std::string chunk;
      Mode mode;
      if (info.Length() > 0 && info[0].IsString()) {
        chunk = info[0].As<Napi::String>().Utf8Value();
        mode = Mode::kText;
      } else if (info.Length() > 0 && info[0].IsTypedArray() &&
                 info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
        Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
        chunk.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
        mode = Mode::kBytes;
      } else {
        throw Napi::TypeError::New(env, "`chunk` must be a string, a Buffer or a Uint8Array");
      }
      if (mode_ == Mode::kUnset) mode_ = mode;
      if (mode_ != mode) {
        throw Napi::TypeError::New(
            env, absl::StrCat("this redactor takes ", mode_ == Mode::kText ? "string" : "byte",
                              " chunks (the kind of its first chunk)"));
      }
      if (failed_) {
        return Piece(
            env, absl::FailedPreconditionError("the redactor failed: nothing more is released"));
      }
      if (mode == Mode::kBytes && !utf8_.Take(chunk)) {
        return Piece(env, absl::InvalidArgumentError(
                              "the output is not valid UTF-8 text: nothing more is released"));
      }
      return Piece(env, stream_->Write(chunk));
    });
  }

  Napi::Value Finish(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      if (failed_) {
        return Piece(
            env, absl::FailedPreconditionError("the redactor failed: nothing more is released"));
      }
      if (!utf8_.complete()) {
        return Piece(env, absl::InvalidArgumentError(
                              "the output ends inside a UTF-8 character: nothing more is "
                              "released"));
      }
      return Piece(env, stream_->Finish());
    });
  }

  Napi::Value Incremental(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), stream_->incremental());
  }

  Napi::Value HeldBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(stream_->held_bytes()));
  }

  std::optional<RedactionStream> stream_;
  Mode mode_ = Mode::kUnset;
  internal::Utf8StreamValidator utf8_;
  bool failed_ = false;
};

// generateSigningKey(): {privateKey, publicKey}, a new Ed25519 pair in PEM.
Napi::Value GenerateSigningKeyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    absl::StatusOr<SigningKeyPair> pair = GenerateSigningKey();
    if (!pair.ok()) ThrowStatus(env, pair.status(), ErrorCategory::kKey);
    Napi::Object out = Napi::Object::New(env);
    out.Set("privateKey", pair->private_key_pem);
    out.Set("publicKey", pair->public_key_pem);
    return out;
  });
}

// publicKeyOf(privateKeyPem): the SPKI PEM of a private key.
Napi::Value PublicKeyOfJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    const std::string pem = PrivateKeyFromJs(env, info[0], "key");
    return Napi::String::New(env, *PublicKeyOf(pem));
  });
}

// mintGrant(digest, approver, key, ttlSeconds, issuedAtSeconds?, jti?): a grant token.
Napi::Value MintGrantJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    GrantRequest grant;
    grant.digest = StringArgument(info, 0, "digest");
    grant.approver_id = StringArgument(info, 1, "options.approver");
    const std::string pem = PrivateKeyFromJs(env, info[2], "options.key");
    if (info.Length() <= 3 || !info[3].IsNumber()) {
      throw Napi::TypeError::New(env, "`options.ttl` must be a number of seconds");
    }
    const double ttl = info[3].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(ttl) || ttl < 1) {
      throw Napi::RangeError::New(env, "`options.ttl` must be at least one second");
    }
    grant.ttl = absl::Seconds(ttl);
    if (info.Length() > 4 && info[4].IsNumber()) {
      const double seconds = info[4].As<Napi::Number>().DoubleValue();
      if (!std::isfinite(seconds))
        throw Napi::RangeError::New(env, "`options.issuedAt` is invalid");
      grant.issued_at = absl::FromUnixMicros(static_cast<int64_t>(std::llround(seconds * 1e6)));
    }
    if (info.Length() > 5 && info[5].IsString()) {
      grant.jti = info[5].As<Napi::String>().Utf8Value();
      if (grant.jti.empty() || grant.jti.size() > kMaxGrantIdBytes) {
        throw Napi::RangeError::New(
            env, absl::StrCat("`options.jti` must have 1 to ", kMaxGrantIdBytes, " bytes"));
      }
    }
    absl::StatusOr<std::string> token = MintGrant(grant, pem);
    if (!token.ok()) throw Napi::RangeError::New(env, std::string(token.status().message()));
    return Napi::String::New(env, *token);
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
  exports.Set("NativeDecisionLog", DecisionLogWrap::Define(env));
  exports.Set("NativeRedactions", RedactionsWrap::Define(env));
  exports.Set("NativeRedactor", RedactorWrap::Define(env));
  exports.Set("generateSigningKey",
              Napi::Function::New<GenerateSigningKeyJs>(env, "generateSigningKey"));
  exports.Set("publicKeyOf", Napi::Function::New<PublicKeyOfJs>(env, "publicKeyOf"));
  exports.Set("mintGrant", Napi::Function::New<MintGrantJs>(env, "mintGrant"));
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
