// Embeds ward in an agent runtime: compiles the policy set of examples/agent-runtime, decides
// a tool call an agent makes on behalf of a user, has it approved by a person (a signed grant),
// applies the obligations, and revokes the agent. Exits non-zero when a decision is not the
// expected one.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ward/ward.h"

static int Fail(const std::string& what) {
  std::cerr << "embed_example: " << what << "\n";
  return 1;
}

static std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "examples/agent-runtime";

  // Compile the policy set: its files form one set. Errors come formatted as file:line:col;
  // ward::CategoryOf(status) tells an unreadable file (kIo) from a policy error (kPolicy).
  const std::vector<std::string> policy_files = {dir + "/schema.ward", dir + "/rules.ward"};
  auto policy = ward::LoadPolicyFiles(policy_files);
  if (!policy.ok()) return Fail(std::string(policy.status().message()));

  // Load the identities and resources, validated against the policy's schema.
  auto entities = ward::EntityStore::FromFile(dir + "/entities.json", (*policy)->schema());
  if (!entities.ok()) return Fail(std::string(entities.status().message()));
  // The approval service's key pair. Its private key stays with the service (here, in this
  // process for the example); the engine is given the public key, and accepts grants signed
  // with it only.
  auto approvals = ward::GenerateSigningKey();
  if (!approvals.ok()) return Fail(std::string(approvals.status().message()));
  ward::EngineOptions options;
  options.approval_keys.push_back(approvals->public_key_pem);
  auto engine = ward::Engine::Create(*policy, *std::move(entities), options);
  if (!engine.ok()) return Fail(std::string(engine.status().message()));

  // Agent a42 asks to call payments.transfer on behalf of user u5 (the request in
  // request.json, built here in code). The arguments are the model's: they are `args`, never
  // `context`, and the approval covers them.
  ward::Request call;
  call.subject = {ward::SubjectKind::kAgent, "a42"};
  call.action = "invoke";
  call.resource.type = "tool";
  call.resource.id = "payments.transfer";
  if (!ward::SetArgsJson(R"({"amount": 2500, "currency": "EUR"})", &call).ok()) return Fail("args");
  call.on_behalf_of.push_back({ward::SubjectKind::kUser, "u5"});
  call.now = *ward::ParseTimestamp("2026-12-01T00:00:00Z");  // omit to use the clock

  // A high-risk tool: the call waits for a person. Explain says why.
  ward::Trace trace;
  ward::Decision decision = (*engine)->Explain(call, &trace);
  std::cout << decision.ToJson() << "\n" << trace.ToText();
  if (decision.effect != ward::Effect::kNeedsApproval) return Fail("expected NEEDS_APPROVAL");

  // The runtime shows the call to a risk officer, u8, who approves it: the approval service
  // signs a grant for exactly this call (its digest), valid for 15 minutes from the call.
  ward::GrantRequest grant;
  grant.digest = decision.approval_digest;
  grant.approver_id = "u8";
  grant.issued_at = call.now;
  auto token = ward::MintGrant(grant, approvals->private_key_pem);
  if (!token.ok()) return Fail(std::string(token.status().message()));

  // The call again, with the grant: allowed once, naming who approved.
  call.approval = *token;
  decision = (*engine)->Decide(call);
  std::cout << decision.ToJson() << "\n";
  if (decision.effect != ward::Effect::kAllow) return Fail("expected ALLOW");
  if ((*engine)->Decide(call).effect != ward::Effect::kNeedsApproval) return Fail("single use");

  // The tool ran; mask what the obligations ask before the agent sees its output.
  std::string output = "transfer 8812 done, receipt key sk-4f9a0c7e1b2d3f4a5b6c7d8e";
  auto redacted = ward::ApplyRedactions(decision, output);
  if (!redacted.ok()) return Fail(std::string(redacted.status().message()));  // release nothing
  output = *std::move(redacted);
  std::cout << output << "\n";
  if (output != "transfer 8812 done, receipt key [SECRET]") return Fail("redaction");

  // The same request as JSON, the exchange format of the CLI and the bindings: the same
  // digest, whatever the order of its keys.
  auto parsed = ward::ParseRequestJson(ReadText(dir + "/request.json"));
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  if ((*engine)->Decide(*parsed).approval_digest != grant.digest) return Fail("request.json");

  // Revoke the agent: the next decision sees it, and denies.
  if (auto status = (*engine)->RevokeIdentity("a42"); !status.ok()) return Fail("revoke");
  decision = (*engine)->Decide(*parsed);
  std::cout << decision.ToJson() << "\n";
  if (decision.reason != ward::Reason::kLifecycle) return Fail("expected DENY (lifecycle)");

  // When the policy files change: recompile and put the new set in place. Decisions in
  // flight finish with the snapshot they started with.
  auto updated = ward::LoadPolicyFiles(policy_files);
  if (!updated.ok() || !(*engine)->Reload(*updated).ok()) return Fail("reload");
  return 0;
}
