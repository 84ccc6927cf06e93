// A policy and entities for the tests of requests whose ids are remembered from one decision
// to the next (lib/request_builder_test.cc, through the C++ API; bindings/c/
// decision_reuse_test.cc, through the C interface): two users, an agent of one of them, two
// stored tools, and rules that read each principal's and the resource's attributes, so that
// a stale record changes a decision. Header-only, so that a program linking nothing of ward
// but libward.so can include it.

#ifndef WARD_TESTING_BUILDER_FIXTURE_H_
#define WARD_TESTING_BUILDER_FIXTURE_H_

namespace ward::testing_support {

inline constexpr char kBuilderPolicy[] = R"(schema {
  user  { clearance: int }
  agent { task_scope: set<string> }
  resource tool { risk: string, min_clearance: int }
  action invoke on tool
  action inspect on tool
  context { approved: bool }
}
@id("agent-scope") permit agent to invoke on tool when resource.id in subject.task_scope;
@id("user-cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
@id("high-risk") require_approval any to invoke on tool when resource.risk == "high"
  unless context has approved and context.approved;
@id("anyone-inspects") permit any to inspect on tool;
@id("unstored-tools") forbid any to invoke on tool "scratchpad" when resource.risk != "low";
)";

// u1 (clearance 2) owns a1, whose task scope is search and deploy; u2 has clearance 0.
inline constexpr char kBuilderEntities[] = R"({
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
    {"kind": "user", "id": "u2", "status": "active", "attrs": {"clearance": 0}},
    {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
     "attrs": {"task_scope": ["search", "deploy"]}}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 1}},
    {"type": "tool", "id": "deploy", "attrs": {"risk": "high", "min_clearance": 2}}
  ]
})";

}  // namespace ward::testing_support

#endif  // WARD_TESTING_BUILDER_FIXTURE_H_
