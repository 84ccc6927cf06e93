#include "ward/engine.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/redact.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPolicy[] = R"(schema {
  user  { clearance: int }
  agent { task_scope: set<string> }
  resource tool { risk: string, min_clearance: int }
  action invoke on tool
  context { approved: bool }
}
@id("agent-scope") permit agent to invoke on tool when resource.id in subject.task_scope;
@id("user-cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance
  with redact(/\d{4}-\d{4}/, "[CARD]"), limit(output_tokens, 500), log(summary);
@id("high-risk") require_approval any to invoke on tool when resource.risk == "high"
  unless context has approved and context.approved;
)";

constexpr char kEntities[] = R"({
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
    {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
     "attrs": {"task_scope": ["search", "deploy"]}}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 1}},
    {"type": "tool", "id": "deploy", "attrs": {"risk": "high", "min_clearance": 2}}
  ]
})";

std::shared_ptr<const Policy> MustCompile(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"policy.ward", text}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

std::unique_ptr<Engine> MakeEngine() {
  std::shared_ptr<const Policy> policy = MustCompile(kPolicy);
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, policy->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *std::move(entities));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

Request AgentRequest(const std::string& tool) {
  absl::StatusOr<Request> request = ParseRequestJson(R"({
    "subject": {"kind": "agent", "id": "a1"}, "action": "invoke",
    "resource": {"type": "tool", "id": ")" + tool + R"("},
    "on_behalf_of": [{"kind": "user", "id": "u1"}], "now": "2026-12-01T00:00:00Z"})");
  EXPECT_TRUE(request.ok()) << request.status();
  return *request;
}

TEST(EngineTest, DecidesAndMergesObligationsOfTheChain) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Decision decision = engine->Decide(AgentRequest("search"));
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"ALLOW","reason":"permitted","rules":["agent-scope","user-cleared"],)"
            R"("obligations":{"redact":[{"pattern":"\\d{4}-\\d{4}","replacement":"[CARD]"}],)"
            R"("limits":{"output_tokens":500},"log":"summary"},"errors":[],)" +
                absl::StrFormat(R"("policy":"%016x"})", engine->policy()->hash()));
  EXPECT_NE(engine->policy()->hash(), 0u);
  absl::StatusOr<std::string> redacted = ApplyRedactions(decision, "card 1234-5678 ok");
  ASSERT_TRUE(redacted.ok()) << redacted.status();
  EXPECT_EQ(*redacted, "card [CARD] ok");
}

TEST(EngineTest, HighRiskNeedsApprovalFromTheFirstPrincipal) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Decision decision = engine->Decide(AgentRequest("deploy"));
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  ASSERT_TRUE(decision.denied_by.has_value());
  EXPECT_EQ(decision.denied_by->id, "a1");
  EXPECT_THAT(decision.rules, ElementsAre("high-risk"));
}

TEST(EngineTest, RevocationTakesEffectOnTheNextDecision) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ASSERT_EQ(engine->Decide(AgentRequest("search")).effect, Effect::kAllow);
  ASSERT_TRUE(engine->RevokeIdentity("u1").ok());
  Decision decision = engine->Decide(AgentRequest("search"));
  EXPECT_EQ(decision.effect, Effect::kDeny);
  // The agent's owner is now revoked, so the agent itself is unowned.
  EXPECT_EQ(decision.reason, Reason::kUnowned);
  EXPECT_EQ(decision.denied_by->id, "a1");
  EXPECT_EQ(engine->RevokeIdentity("nobody").code(), absl::StatusCode::kNotFound);
}

TEST(EngineTest, DecommissionRevokesAndReportsWhatLostItsOwner) {
  std::unique_ptr<Engine> engine = MakeEngine();
  // Two more agents of u1: one revoked already, one owned by someone else.
  for (const char* json : {R"({"kind": "agent", "id": "a0", "owner": "u1", "status": "revoked",
                              "attrs": {"task_scope": []}})",
                           R"({"kind": "agent", "id": "a2", "owner": "u2", "status": "active",
                              "attrs": {"task_scope": []}})",
                           R"({"kind": "user", "id": "u2", "status": "active",
                              "attrs": {"clearance": 1}})"}) {
    absl::StatusOr<Identity> identity =
        EntityStore::IdentityFromJson(json, engine->policy()->schema());
    ASSERT_TRUE(identity.ok()) << identity.status();
    ASSERT_TRUE(engine->UpsertIdentity(*identity).ok());
  }
  absl::StatusOr<Decommissioning> done = engine->Decommission("u1");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->identity, (IdentityRef{SubjectKind::kUser, "u1"}));
  EXPECT_THAT(done->became_unowned, ElementsAre(IdentityRef{SubjectKind::kAgent, "a1"}));
  EXPECT_THAT(done->revoked, ElementsAre(IdentityRef{SubjectKind::kUser, "u1"}));
  // The next decision: the agent is unowned, not revoked.
  Decision decision = engine->Decide(AgentRequest("search"));
  EXPECT_EQ(decision.reason, Reason::kUnowned);
  EXPECT_EQ(engine->entities()->FindIdentity("a1")->status, IdentityStatus::kActive);

  // With cascade, what lost its owner is revoked in the same update.
  engine = MakeEngine();
  done = engine->Decommission("u1", /*cascade=*/true);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->revoked, ElementsAre(IdentityRef{SubjectKind::kUser, "u1"},
                                         IdentityRef{SubjectKind::kAgent, "a1"}));
  EXPECT_EQ(engine->entities()->FindIdentity("a1")->status, IdentityStatus::kRevoked);
  EXPECT_EQ(engine->Decide(AgentRequest("search")).reason, Reason::kLifecycle);

  // A user who was revoked already owned nothing any more: nothing becomes unowned.
  done = engine->Decommission("u1", /*cascade=*/true);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->became_unowned, IsEmpty());
  EXPECT_EQ(engine->Decommission("nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST(EngineTest, RemovedIdentitiesAreUnknown) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ASSERT_TRUE(engine->RemoveIdentity("a1").ok());
  Decision decision = engine->Decide(AgentRequest("search"));
  EXPECT_EQ(decision.reason, Reason::kUnknownIdentity);
}

TEST(EngineTest, UpsertsAreValidatedAgainstTheSchema) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Identity user;
  user.kind = SubjectKind::kUser;
  user.id = "u2";
  user.attrs["clearance"] = Value::String("high");
  EXPECT_FALSE(engine->UpsertIdentity(user).ok());
  user.attrs["clearance"] = Value::Int(3);
  EXPECT_TRUE(engine->UpsertIdentity(user).ok());
  Request request = AgentRequest("deploy");
  request.on_behalf_of[0].id = "u2";
  EXPECT_EQ(engine->Decide(request).effect, Effect::kNeedsApproval);
}

TEST(EngineTest, ReloadKeepsTheOldPolicyWhenEntitiesDoNotFit) {
  std::unique_ptr<Engine> engine = MakeEngine();
  std::shared_ptr<const Policy> incompatible = MustCompile(R"(schema {
    user { clearance: string }
    resource tool { risk: string, min_clearance: int }
    action invoke on tool
  }
  permit user to invoke on tool;)");
  absl::Status status = engine->Reload(incompatible);
  EXPECT_THAT(std::string(status.message()), HasSubstr("clearance"));
  EXPECT_EQ(engine->Decide(AgentRequest("search")).effect, Effect::kAllow);

  std::shared_ptr<const Policy> stricter = MustCompile(std::string(kPolicy) +
                                                       "@id(\"no-search\") forbid any to invoke on "
                                                       "tool \"search\";\n");
  ASSERT_TRUE(engine->Reload(stricter).ok());
  Decision decision = engine->Decide(AgentRequest("search"));
  EXPECT_EQ(decision.reason, Reason::kForbidden);
  EXPECT_THAT(decision.rules, ElementsAre("no-search"));
}

// A policy whose schema changed comes with entities that fit it: both are put in place
// together, or neither is.
TEST(EngineTest, ReloadWithEntitiesSwapsBothOrNeither) {
  std::unique_ptr<Engine> engine = MakeEngine();
  std::shared_ptr<const Policy> renamed = MustCompile(R"(schema {
    user { level: int }
    resource tool { }
    action invoke on tool
  }
  @id("leveled") permit user to invoke on tool when subject.level >= 3;)");
  absl::StatusOr<EntityStore> unfit =
      EntityStore::FromJson(kEntities, MakeEngine()->policy()->schema());
  ASSERT_TRUE(unfit.ok());
  absl::Status refused = engine->Reload(renamed, *std::move(unfit));
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(engine->Decide(AgentRequest("search")).effect, Effect::kAllow);  // the old pair

  absl::StatusOr<EntityStore> fit = EntityStore::FromJson(
      R"({"identities": [{"kind": "user", "id": "u1", "status": "active", "attrs": {"level": 3}}],
          "resources": [{"type": "tool", "id": "search"}]})",
      renamed->schema());
  ASSERT_TRUE(fit.ok()) << fit.status();
  ASSERT_TRUE(engine->Reload(renamed, *std::move(fit)).ok());
  Request request;
  request.subject = {SubjectKind::kUser, "u1"};
  request.action = "invoke";
  request.resource = {"tool", "search", {}};
  const Decision decision = engine->Decide(request);
  EXPECT_EQ(decision.effect, Effect::kAllow);
  EXPECT_THAT(decision.rules, ElementsAre("leveled"));
  EXPECT_EQ(engine->Decide(AgentRequest("search")).reason, Reason::kUnknownIdentity);
}

// A decision names its rules by the policy's own strings, not copies; a rule list copied or
// moved out of it owns its names, so it outlives the decision, the engine and the policy.
TEST(EngineTest, RuleNamesReferToThePolicyAndCopiesOwnTheirs) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Decision decision, again;
  engine->Decide(AgentRequest("search"), &decision);
  engine->Decide(AgentRequest("search"), &again);
  ASSERT_THAT(decision.rules, ElementsAre("agent-scope", "user-cleared"));
  EXPECT_EQ(&decision.rules[0], &again.rules[0]);  // both the policy's string
  EXPECT_EQ(&decision.rules[1], &again.rules[1]);

  RuleList copied = decision.rules;
  Decision copied_decision = decision;
  RuleList moved = std::move(again.rules);
  EXPECT_NE(&copied[0], &decision.rules[0]);
  EXPECT_NE(&copied_decision.rules[0], &decision.rules[0]);
  EXPECT_NE(&moved[0], &decision.rules[0]);
  RuleList extended = decision.rules;
  extended.push_back("extra");

  engine.reset();
  decision = Decision();
  again = Decision();
  const std::vector<std::string> expected = {"agent-scope", "user-cleared"};
  EXPECT_EQ(copied, expected);
  EXPECT_EQ(moved, expected);
  EXPECT_EQ(copied_decision.rules, expected);
  EXPECT_THAT(extended, ElementsAre("agent-scope", "user-cleared", "extra"));
  EXPECT_THAT(copied_decision.ToJson(), HasSubstr(R"("rules":["agent-scope","user-cleared"])"));
}

// A Decision reused across a reload lets go of the old policy's names with the old policy.
TEST(EngineTest, ARuleListReusedAcrossAReloadNamesTheNewPolicysRules) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Decision decision;
  engine->Decide(AgentRequest("search"), &decision);
  ASSERT_THAT(decision.rules, ElementsAre("agent-scope", "user-cleared"));
  // Only the engine and `decision` hold the first policy now.
  ASSERT_TRUE(engine
                  ->Reload(MustCompile(std::string(kPolicy) +
                                       "@id(\"no-search\") forbid any to invoke on tool "
                                       "\"search\";\n"))
                  .ok());
  Request invalid = AgentRequest("search");
  invalid.context["approved"] = Value::String("yes");  // declared a bool
  engine->Decide(invalid, &decision);
  EXPECT_EQ(decision.reason, Reason::kInvalidRequest);
  EXPECT_THAT(decision.rules, IsEmpty());
  engine->Decide(AgentRequest("search"), &decision);
  EXPECT_THAT(decision.rules, ElementsAre("no-search"));
}

// A chain too long for the JSON format can still be built in code: the engine refuses it.
TEST(EngineTest, ChainsLongerThanTheLimitAreInvalidRequests) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Request request = AgentRequest("search");
  request.on_behalf_of.assign(kMaxDelegationHops + 1, IdentityRef{SubjectKind::kUser, "u1"});
  Decision decision = engine->Decide(request);
  EXPECT_EQ(decision.effect, Effect::kDeny);
  EXPECT_EQ(decision.reason, Reason::kInvalidRequest);
  ASSERT_TRUE(decision.denied_by.has_value());
  EXPECT_EQ(decision.denied_by->id, "a1");
  ASSERT_THAT(decision.errors, SizeIs(1));
  EXPECT_EQ(decision.errors[0].rule, "");
  EXPECT_THAT(decision.errors[0].message, HasSubstr("`on_behalf_of` has 9 entries"));
}

TEST(EngineTest, UsesTheClockWhenTheRequestHasNoTime) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Request request = AgentRequest("search");
  request.now.reset();
  EXPECT_EQ(engine->Decide(request).effect, Effect::kAllow);
  Identity expired = *engine->entities()->FindIdentity("a1");
  expired.expires_at = absl::Now() - absl::Hours(1);
  ASSERT_TRUE(engine->UpsertIdentity(expired).ok());
  EXPECT_EQ(engine->Decide(request).reason, Reason::kLifecycle);
}

TEST(EngineTest, ExplainTracesEveryCandidateOfEveryPrincipal) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Trace trace;
  // "unlisted" is not in the store: reading its attributes is the evaluation error a checked
  // policy can still meet, and it fails closed.
  Decision decision = engine->Explain(AgentRequest("unlisted"), &trace);
  EXPECT_EQ(decision.ToJson(), engine->Decide(AgentRequest("unlisted")).ToJson());
  ASSERT_THAT(trace.principals, SizeIs(2));
  const TracePrincipal& agent = trace.principals[0];
  EXPECT_EQ(agent.role, "subject");
  EXPECT_FALSE(agent.guard.has_value());
  ASSERT_THAT(agent.candidates, SizeIs(2));
  EXPECT_EQ(agent.candidates[0].rule, "agent-scope");
  EXPECT_EQ(agent.candidates[0].outcome, TraceRule::Outcome::kDoesNotHold);
  EXPECT_EQ(agent.candidates[1].rule, "high-risk");
  EXPECT_THAT(agent.candidates[1].when, HasSubstr("error"));
  EXPECT_EQ(agent.candidates[1].outcome, TraceRule::Outcome::kError);
  EXPECT_EQ(trace.principals[1].role, "on_behalf_of[0]");
  EXPECT_THAT(trace.ToText(), HasSubstr("high-risk"));
  // The agent's high-risk rule errs (and holds, failing closed) but no permit holds for it.
  EXPECT_EQ(decision.effect, Effect::kDeny);
  EXPECT_EQ(decision.reason, Reason::kNoMatchingPermit);
  // The agent's high-risk, then the user's user-cleared and high-risk.
  ASSERT_THAT(decision.errors, SizeIs(3));
  EXPECT_EQ(decision.errors[0].principal.id, "a1");
  EXPECT_EQ(decision.errors[1].principal.id, "u1");
  EXPECT_EQ(decision.errors[2].principal.id, "u1");
}

TEST(EngineTest, GuardStoppedPrincipalsHaveNoCandidates) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ASSERT_TRUE(engine->RevokeIdentity("a1").ok());
  Trace trace;
  Decision decision = engine->Explain(AgentRequest("unlisted"), &trace);
  EXPECT_EQ(decision.reason, Reason::kLifecycle);
  EXPECT_TRUE(trace.principals[0].candidates.empty());
  EXPECT_EQ(trace.principals[0].guard, Reason::kLifecycle);
  // Only the user's errors remain: the stopped agent contributes none.
  ASSERT_THAT(decision.errors, testing::Not(testing::IsEmpty()));
  for (const EvaluationError& error : decision.errors) EXPECT_EQ(error.principal.id, "u1");
}

// A request refused before any rule is read still explains itself: the trace names the fault.
TEST(EngineTest, ExplainSaysWhyARequestWasRejected) {
  std::unique_ptr<Engine> engine = MakeEngine();
  Request request = AgentRequest("deploy");
  request.context["approved"] = Value::Int(1);
  Trace trace;
  Decision decision = engine->Explain(request, &trace);
  EXPECT_EQ(decision.reason, Reason::kInvalidRequest);
  EXPECT_TRUE(trace.principals.empty());
  EXPECT_THAT(trace.rejected, HasSubstr("context.approved"));
  EXPECT_THAT(trace.ToText(), HasSubstr("request rejected: "));
  EXPECT_THAT(trace.ToText(), HasSubstr("DENY (invalid_request)"));
}

// The longest condition the parser accepts (1,000 `and`/`or` operators, nested 64 deep)
// compiles and decides: the checker and the evaluator recurse over it.
TEST(EngineTest, TheLargestConditionsCompileAndDecide) {
  std::string condition = "subject.clearance >= 0";
  for (int i = 0; i < 999; ++i) condition += i % 2 ? " and subject.clearance >= 0" : " or false";
  std::string nested = std::string(63, '(') + "subject.clearance >= 0" + std::string(63, ')');
  std::shared_ptr<const Policy> policy =
      MustCompile(std::string(kPolicy) + "@id(\"long\") permit user to invoke on tool when " +
                  condition + " and " + nested + ";\n");
  ASSERT_NE(policy, nullptr);
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, policy->schema());
  ASSERT_TRUE(entities.ok());
  auto engine = Engine::Create(policy, *std::move(entities));
  ASSERT_TRUE(engine.ok());
  EXPECT_THAT((*engine)->Decide(AgentRequest("search")).rules, testing::Contains("long"));
}

// Deciders on several threads while a writer revokes and restores an identity: every
// decision is one of the two consistent outcomes, and nothing crashes or races.
TEST(EngineTest, DecidesFromManyThreadsWhileEntitiesChange) {
  std::unique_ptr<Engine> engine = MakeEngine();
  const Identity original = *engine->entities()->FindIdentity("a1");
  std::atomic<bool> stop{false};
  std::atomic<int> allowed{0}, denied{0}, unexpected{0};
  std::vector<std::thread> deciders;
  for (int t = 0; t < 4; ++t) {
    deciders.emplace_back([&] {
      const Request request = AgentRequest("search");
      while (!stop.load()) {
        Decision d = engine->Decide(request);
        if (d.effect == Effect::kAllow) {
          allowed++;
        } else if (d.reason == Reason::kLifecycle) {
          denied++;
        } else {
          unexpected++;
        }
      }
    });
  }
  // Keep changing until the deciders have decided a good number of times, however slowly
  // they are scheduled.
  for (int i = 0; i < 200 || allowed.load() + denied.load() + unexpected.load() < 2000; ++i) {
    const bool revoked = engine->RevokeIdentity("a1").ok();
    const bool restored = engine->UpsertIdentity(original).ok();
    EXPECT_TRUE(revoked && restored);
    if (!revoked || !restored) break;
  }
  stop = true;
  for (std::thread& t : deciders) t.join();
  EXPECT_EQ(unexpected.load(), 0);
}

}  // namespace
}  // namespace ward
