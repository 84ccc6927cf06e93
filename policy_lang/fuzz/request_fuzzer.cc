// libFuzzer target: any bytes as a request and as an entity file, decided against a small
// policy. Malformed input must be rejected with an error, never crash; and whatever the fast
// reader of requests takes (lib/internal/request_reader.h), the general parser must read
// alike.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lib/internal/request_reader.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/request.h"

namespace {

// Typed (its reads guarded), so that the one evaluation error left, reading the attributes of
// a resource neither stored nor described inline, is what fuzzed requests reach.
constexpr char kPolicy[] = R"(schema {
  user { clearance: int, tags?: set<string> }
  agent { task_scope: set<string> }
  resource tool { risk: "low" | "high", min_clearance: int, opened?: timestamp }
  action invoke on tool
  context { approved: bool, tokens: int, when: timestamp }
}
permit agent to invoke on tool when resource.id in subject.task_scope;
permit user to invoke on tool when subject.clearance >= resource.min_clearance
  and delegator has clearance and context has when and context.when < now;
require_approval any to invoke on tool when resource.risk == "high"
  unless context has approved and context.approved;
forbid user to invoke on tool matching /admin.*/ unless subject has tags and "x" in subject.tags;
)";

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
   "attrs": {"task_scope": ["t1"]}}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"risk": "high", "min_clearance": 1}}]})";

bool SameRequest(const ward::Request& a, const ward::Request& b) {
  return a.subject == b.subject && a.action == b.action && a.resource.type == b.resource.type &&
         a.resource.id == b.resource.id && a.resource.attrs == b.resource.attrs &&
         a.context == b.context && a.args == b.args && a.args_json == b.args_json &&
         a.on_behalf_of == b.on_behalf_of && a.now == b.now && a.approval == b.approval;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const ward::Policy> policy =
      *ward::CompilePolicy({{"fuzz.ward", kPolicy}});
  static const std::unique_ptr<ward::Engine> engine =
      *ward::Engine::Create(policy, *ward::EntityStore::FromJson(kEntities, policy->schema()));
  const std::string text(reinterpret_cast<const char*>(data), size);

  ward::Request fast;
  if (ward::internal::ReadCommonRequest(text, {}, &fast)) {
    absl::StatusOr<ward::Request> general = ward::internal::ParseRequestJsonGeneral(text, {});
    if (!general.ok() || !SameRequest(fast, *general)) __builtin_trap();
  }

  absl::StatusOr<ward::Request> request = ward::ParseRequestJson(text);
  if (request.ok()) {
    ward::Trace trace;
    ward::Decision decision = engine->Explain(*request, &trace);
    if (decision.ToJson().empty() || trace.ToText().empty()) __builtin_trap();
  }
  absl::StatusOr<ward::EntityStore> entities = ward::EntityStore::FromJson(text, policy->schema());
  if (entities.ok()) (void)entities->ValidateAgainst(policy->schema());
  return 0;
}
