// Embeds ward in an agent runtime: compiles the policy set of examples/agent-runtime, decides
// a tool call an agent makes on behalf of a user, applies the obligations, and revokes the
// agent. Exits non-zero when a decision is not the expected one.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "lib/engine.h"
#include "lib/redact.h"
#include "policy_lang/compiler.h"

static int Fail(const std::string& what) {
  std::cerr << "embed_example: " << what << "\n";
  return 1;
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "examples/agent-runtime";
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };

  // Compile the policy set: its files form one set. Errors come formatted as file:line:col.
  auto sources = ward::ReadSourceFiles({dir + "/schema.ward", dir + "/rules.ward"});
  if (!sources.ok()) return Fail(std::string(sources.status().message()));
  auto policy = ward::CompilePolicy(*sources);
  if (!policy.ok()) return Fail(std::string(policy.status().message()));

  // Load the identities and resources, validated against the policy's schema.
  auto entities = ward::EntityStore::FromJson(read(dir + "/entities.json"), (*policy)->schema());
  if (!entities.ok()) return Fail(std::string(entities.status().message()));
  auto engine = ward::Engine::Create(*policy, *std::move(entities));
  if (!engine.ok()) return Fail(std::string(engine.status().message()));

  // Agent a42 asks to call payments.transfer on behalf of user u5 (the request in
  // request.json, built here in code).
  ward::Request call;
  call.subject = {ward::SubjectKind::kAgent, "a42"};
  call.action = "invoke";
  call.resource.type = "tool";
  call.resource.id = "payments.transfer";
  call.context["approved"] = ward::Value::Bool(true);
  call.on_behalf_of.push_back({ward::SubjectKind::kUser, "u5"});
  call.now = *ward::ParseTimestamp("2026-12-01T00:00:00Z");  // omit to use the clock

  ward::Decision decision = (*engine)->Decide(call);
  std::cout << decision.ToJson() << "\n";
  if (decision.effect != ward::Effect::kAllow) return Fail("expected ALLOW");

  // The tool ran; mask what the obligations ask before the agent sees its output.
  std::string output = "transfer 8812 done, receipt key sk-4f9a0c7e1b2d3f4a5b6c7d8e";
  output = ward::ApplyRedactions(decision, output);
  std::cout << output << "\n";
  if (output != "transfer 8812 done, receipt key [SECRET]") return Fail("redaction");

  // Without the approval flag the call waits for a person; Explain says why.
  call.context["approved"] = ward::Value::Bool(false);
  ward::Trace trace;
  decision = (*engine)->Explain(call, &trace);
  std::cout << decision.ToJson() << "\n" << trace.ToText();
  if (decision.effect != ward::Effect::kNeedsApproval) return Fail("expected NEEDS_APPROVAL");

  // The same request as JSON, the exchange format of the CLI and the bindings.
  auto parsed = ward::ParseRequestJson(read(dir + "/request.json"));
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  if ((*engine)->Decide(*parsed).effect != ward::Effect::kAllow) return Fail("request.json");

  // Revoke the agent: the next decision sees it, and denies.
  if (auto status = (*engine)->RevokeIdentity("a42"); !status.ok()) return Fail("revoke");
  decision = (*engine)->Decide(*parsed);
  std::cout << decision.ToJson() << "\n";
  if (decision.reason != ward::Reason::kLifecycle) return Fail("expected DENY (lifecycle)");

  // When the policy files change: recompile and put the new set in place. Decisions in
  // flight finish with the snapshot they started with.
  auto updated = ward::CompilePolicy(*sources);
  if (!updated.ok() || !(*engine)->Reload(*updated).ok()) return Fail("reload");
  return 0;
}
