// Compiles a small policy, decides one request and checks the effect: exits 0 when the
// installed headers and libraries work together. It includes the facade only, so it builds
// only if every public header stands on the installed tree alone.

#include <ward/ward.h>

#include <cstdio>
#include <memory>
#include <utility>

int main() {
  const char* policy_text =
      "schema { user { clearance: int } resource doc {} action read on doc }\n"
      "@id(\"cleared\") permit user to read on doc when subject.clearance >= 2;\n";
  const char* entities_json =
      "{\"identities\": [{\"kind\": \"user\", \"id\": \"u1\", \"status\": \"active\","
      " \"attrs\": {\"clearance\": 3}}]}";
  auto policy = ward::CompilePolicy({{"inline.ward", policy_text}});
  if (!policy.ok()) return 1;
  auto entities = ward::EntityStore::FromJson(entities_json, (*policy)->schema());
  if (!entities.ok()) return 1;
  auto engine = ward::Engine::Create(*policy, *std::move(entities));
  if (!engine.ok()) return 1;
  auto request = ward::ParseRequestJson(
      R"({"subject": {"kind": "user", "id": "u1"}, "action": "read",
          "resource": {"type": "doc", "id": "d1"}, "now": "2026-12-01T00:00:00Z"})");
  if (!request.ok()) return 1;
  const ward::Decision decision = (*engine)->Decide(*request);
  std::printf("%s\n", decision.ToJson().c_str());
  return decision.effect == ward::Effect::kAllow && decision.rules.size() == 1 ? 0 : 1;
}
