// Counts heap allocations inside Engine::Decide with a replaced global operator new: in
// steady state (a reused Decision, requests it has seen the like of) there must be none.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/allocation_counter.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/request_builder.h"

namespace ward {
namespace {

constexpr char kPolicy[] = R"(schema {
  user    { clearance: int, department: string }
  agent   { task_scope: set<string> }
  builder { team: string }
  resource tool { risk: string, min_clearance: int }
  resource dataset { classification: int, team: string }
  action invoke on tool
  action read on dataset
  context { approved: bool }
  args { amount: int, to: string }
}
@id("agent-with-a-rather-long-rule-name") permit agent to invoke on tool
  when resource.id in subject.task_scope with redact(/secret-\d+/, "[SECRET]"), log(summary);
@id("users-delegate-their-clearance") permit user to invoke on tool
  when subject.clearance >= resource.min_clearance
  with limit(output_tokens, 4000), redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]");
@id("high-risk-tools-need-approval") require_approval any to invoke on tool
  when resource.risk == "high" unless context has approved and context.approved;
@id("big-amounts-need-approval") require_approval any to invoke on tool "search-the-web"
  when args has amount and args.amount > 1000;
@id("builders-read-their-pipelines") permit builder "builder-with-a-long-identifier" to read
  on dataset under ["vision/raw/", "vision/clean/"];
@id("restricted-datasets-need-the-team") forbid builder to read on dataset
  when resource.classification == 3 unless subject.team == resource.team;
)";

constexpr char kEntities[] = R"({
  "identities": [
    {"kind": "user", "id": "user-with-a-long-identifier", "status": "active",
     "attrs": {"clearance": 2, "department": "eng"}},
    {"kind": "agent", "id": "agent-with-a-long-identifier", "owner": "user-with-a-long-identifier",
     "status": "active", "attrs": {"task_scope": ["search-the-web", "deploy-the-service"]}},
    {"kind": "builder", "id": "builder-with-a-long-identifier",
     "owner": "user-with-a-long-identifier", "status": "active", "attrs": {"team": "vision"}},
    {"kind": "agent", "id": "revoked-agent", "owner": "user-with-a-long-identifier",
     "status": "revoked", "attrs": {"task_scope": []}}
  ],
  "resources": [
    {"type": "tool", "id": "search-the-web", "attrs": {"risk": "low", "min_clearance": 1}},
    {"type": "tool", "id": "deploy-the-service", "attrs": {"risk": "high", "min_clearance": 2}},
    {"type": "dataset", "id": "vision/raw/shard-0017", "attrs": {"classification": 3,
     "team": "speech"}}
  ]
})";

Request MakeRequest(SubjectKind kind, const std::string& id, const std::string& action,
                    const std::string& type, const std::string& resource) {
  Request request;
  request.subject = {kind, id};
  request.action = action;
  request.resource = {type, resource, {}};
  request.now = absl::FromUnixSeconds(1796083200);  // 2026-12-01
  return request;
}

absl::StatusOr<std::unique_ptr<Engine>> MakeEngine() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", kPolicy}});
  if (!policy.ok()) return policy.status();
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, (*policy)->schema());
  if (!entities.ok()) return entities.status();
  return Engine::Create(*policy, *std::move(entities));
}

TEST(EngineAllocationTest, SteadyStateDecisionsDoNotAllocate) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = MakeEngine();
  ASSERT_TRUE(engine.ok()) << engine.status();

  std::vector<Request> requests;
  // ALLOW with obligations merged over a chain.
  requests.push_back(MakeRequest(SubjectKind::kAgent, "agent-with-a-long-identifier", "invoke",
                                 "tool", "search-the-web"));
  requests.back().on_behalf_of = {{SubjectKind::kUser, "user-with-a-long-identifier"}};
  // NEEDS_APPROVAL with denied_by (the approval's `unless` reads a context entry).
  requests.push_back(MakeRequest(SubjectKind::kAgent, "agent-with-a-long-identifier", "invoke",
                                 "tool", "deploy-the-service"));
  requests.back().on_behalf_of = {{SubjectKind::kUser, "user-with-a-long-identifier"}};
  requests.back().context["approved"] = Value::Bool(false);
  // ALLOW after approval.
  requests.push_back(requests.back());
  requests.back().context["approved"] = Value::Bool(true);
  // NEEDS_APPROVAL with a digest over arguments given as JSON, and over arguments built in code.
  requests.push_back(MakeRequest(SubjectKind::kAgent, "agent-with-a-long-identifier", "invoke",
                                 "tool", "search-the-web"));
  requests.back().on_behalf_of = {{SubjectKind::kUser, "user-with-a-long-identifier"}};
  ASSERT_TRUE(
      SetArgsJson(R"({"amount": 5000, "to": "a-long-recipient-name"})", &requests.back()).ok());
  requests.push_back(requests.back());
  requests.back().args_json.clear();
  // DENY forbidden, through a prefix index.
  requests.push_back(MakeRequest(SubjectKind::kBuilder, "builder-with-a-long-identifier", "read",
                                 "dataset", "vision/raw/shard-0017"));
  // DENY by the guard, and DENY for an unknown action.
  requests.push_back(
      MakeRequest(SubjectKind::kAgent, "revoked-agent", "invoke", "tool", "search-the-web"));
  requests.push_back(MakeRequest(SubjectKind::kUser, "user-with-a-long-identifier", "delete",
                                 "tool", "search-the-web"));

  Decision decision;
  // Warm-up: the Decision pins the snapshot and grows its storage to what these requests need.
  for (int round = 0; round < 3; ++round) {
    for (const Request& request : requests) (*engine)->Decide(request, &decision);
  }
  std::vector<std::string> effects;
  for (const Request& request : requests) {
    (*engine)->Decide(request, &decision);
    effects.push_back(std::string(EffectName(decision.effect)));
  }
  // The requests cover every effect, so that the count below covers every path.
  EXPECT_EQ(effects, (std::vector<std::string>{"ALLOW", "NEEDS_APPROVAL", "ALLOW", "NEEDS_APPROVAL",
                                               "NEEDS_APPROVAL", "DENY", "DENY", "DENY"}));

  // Under a sanitizer, which owns the allocator, only the decisions above are checked.
  if (!testing_support::Counting()) return;
  {
    testing_support::AllocationCount count;
    for (int round = 0; round < 100; ++round) {
      for (const Request& request : requests) (*engine)->Decide(request, &decision);
    }
    EXPECT_EQ(count.count(), 0);
  }

  // The counter works: a decision into a fresh Decision allocates.
  testing_support::AllocationCount count;
  Decision fresh;
  (*engine)->Decide(requests[0], &fresh);
  EXPECT_GT(count.count(), 0);
}

// A host that builds each request through one RequestBuilder, setting every part anew (the ids
// of a few sessions in turn, a context entry), allocates nothing in steady state either.
TEST(EngineAllocationTest, RequestsBuiltThroughABuilderDoNotAllocate) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = MakeEngine();
  ASSERT_TRUE(engine.ok()) << engine.status();

  struct Call {
    SubjectKind kind;
    const char* subject;
    const char* on_behalf_of;  // null: none
    const char* action;
    const char* type;
    const char* resource;
    bool approved;
  };
  const std::vector<Call> calls = {
      {SubjectKind::kAgent, "agent-with-a-long-identifier", "user-with-a-long-identifier", "invoke",
       "tool", "search-the-web", false},
      {SubjectKind::kAgent, "agent-with-a-long-identifier", "user-with-a-long-identifier", "invoke",
       "tool", "deploy-the-service", false},
      {SubjectKind::kAgent, "agent-with-a-long-identifier", "user-with-a-long-identifier", "invoke",
       "tool", "deploy-the-service", true},
      {SubjectKind::kBuilder, "builder-with-a-long-identifier", nullptr, "read", "dataset",
       "vision/raw/shard-0017", false},
      {SubjectKind::kAgent, "revoked-agent", nullptr, "invoke", "tool", "search-the-web", false},
  };
  RequestBuilder builder;
  builder.SetNow(absl::FromUnixSeconds(1796083200));
  Decision decision;
  std::vector<std::string> effects;
  auto decide_all = [&](bool record) {
    for (const Call& call : calls) {
      builder.SetSubject(call.kind, call.subject).ClearOnBehalfOf();
      if (call.on_behalf_of != nullptr) {
        builder.AddOnBehalfOf(SubjectKind::kUser, call.on_behalf_of);
      }
      builder.SetAction(call.action)
          .SetResource(call.type, call.resource)
          .SetContext("approved", Value::Bool(call.approved));
      (*engine)->Decide(&builder, &decision);
      if (record) effects.push_back(std::string(EffectName(decision.effect)));
    }
  };
  for (int round = 0; round < 3; ++round) decide_all(false);
  decide_all(true);
  EXPECT_EQ(effects,
            (std::vector<std::string>{"ALLOW", "NEEDS_APPROVAL", "ALLOW", "DENY", "DENY"}));

  if (!testing_support::Counting()) return;
  testing_support::AllocationCount count;
  for (int round = 0; round < 100; ++round) decide_all(false);
  EXPECT_EQ(count.count(), 0);
}

}  // namespace
}  // namespace ward
