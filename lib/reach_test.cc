#include "ward/reach.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPolicy[] = R"(schema {
  user  { clearance: int }
  agent { task_scope: set<string> }
  resource tool { risk: "low" | "high", min_clearance: int, sensitivity: int }
  resource doc { embargo: timestamp }
  action invoke, approve on tool
  action read on doc
  context { session_verified: bool }
  args { amount: int }
}
@id("agent-scope") permit agent to invoke on tool when resource.id in subject.task_scope;
@id("user-cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
@id("high-risk") require_approval any to invoke on tool when resource.risk == "high";
@id("verified-sessions") forbid user to invoke on tool "deploy"
  unless context has session_verified and context.session_verified;
@id("transfer-cap") forbid any to invoke on tool "transfer"
  when not (args has amount and args.amount <= 1000);
@id("after-embargo") permit user to read on doc when now >= resource.embargo;
)";

constexpr char kEntities[] = R"({
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
    {"kind": "user", "id": "u0", "status": "active", "attrs": {"clearance": 0}},
    {"kind": "user", "id": "gone", "status": "revoked", "attrs": {"clearance": 3}},
    {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
     "attrs": {"task_scope": ["search", "deploy", "transfer"]}},
    {"kind": "agent", "id": "orphan", "owner": "gone", "status": "active",
     "attrs": {"task_scope": ["search"]}}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 0, "sensitivity": 1}},
    {"type": "tool", "id": "deploy", "attrs": {"risk": "high", "min_clearance": 2, "sensitivity": 5}},
    {"type": "tool", "id": "transfer", "attrs": {"risk": "low", "min_clearance": 1, "sensitivity": 9}},
    {"type": "doc", "id": "report", "attrs": {"embargo": "2027-01-01T00:00:00Z"}}
  ]
})";

std::unique_ptr<Engine> MakeEngine() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"policy.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, (*policy)->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(*policy, *std::move(entities));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

ReachOptions At(const char* time) {
  ReachOptions options;
  options.now = *ParseTimestamp(time);
  return options;
}

// "effect action type:id [if condition] rules..." per access, for readable expectations.
std::vector<std::string> Lines(const Reach& reach) {
  std::vector<std::string> lines;
  for (const Access& access : reach.accesses) {
    std::string line = std::string(EffectName(access.effect)) + " " + access.action + " " +
                       access.resource_type + ":" + access.resource_id;
    if (!access.condition.empty()) line += " if " + access.condition;
    for (const std::string& rule : access.rules) line += " " + rule;
    lines.push_back(line);
  }
  return lines;
}

TEST(ReachTest, UserReachesWhatTheStoreAllowsWithConditionsOnTheRequest) {
  std::unique_ptr<Engine> engine = MakeEngine();
  absl::StatusOr<Reach> reach =
      engine->WhatMay({SubjectKind::kUser, "u1"}, {}, At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(reach.ok()) << reach.status();
  EXPECT_FALSE(reach->stopped.has_value());
  EXPECT_THAT(
      Lines(*reach),
      ElementsAre(
          "NEEDS_APPROVAL invoke tool:deploy if context has session_verified and "
          "context.session_verified high-risk",
          "ALLOW invoke tool:search user-cleared",
          "ALLOW invoke tool:transfer if args has amount and args.amount <= 1000 user-cleared",
          // `now` is left open unless fixed: the embargo's date is filled in.
          "ALLOW read doc:report if now >= \"2027-01-01T00:00:00Z\" after-embargo"));
  EXPECT_EQ(reach->reached, 4);
  // A type that declares an int `sensitivity` weighs by it (1 + value); others weigh 1.
  EXPECT_EQ(reach->score, 6 + 2 + 10 + 1);
}

TEST(ReachTest, FixedNowDecidesConditionsOnTime) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ReachOptions before = At("2026-12-01T00:00:00Z");
  before.fix_now = true;
  ReachOptions after = At("2027-02-01T00:00:00Z");
  after.fix_now = true;
  absl::StatusOr<Reach> early = engine->WhatMay({SubjectKind::kUser, "u1"}, {}, before);
  absl::StatusOr<Reach> late = engine->WhatMay({SubjectKind::kUser, "u1"}, {}, after);
  ASSERT_TRUE(early.ok() && late.ok());
  EXPECT_EQ(early->reached, 3);
  EXPECT_EQ(late->reached, 4);
  EXPECT_EQ(Lines(*late).back(), "ALLOW read doc:report after-embargo");
}

TEST(ReachTest, AnAgentOnBehalfOfAUserReachesTheIntersection) {
  std::unique_ptr<Engine> engine = MakeEngine();
  absl::StatusOr<Reach> alone =
      engine->WhatMay({SubjectKind::kAgent, "a1"}, {}, At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_THAT(Lines(*alone),
              ElementsAre("NEEDS_APPROVAL invoke tool:deploy high-risk",
                          "ALLOW invoke tool:search agent-scope",
                          "ALLOW invoke tool:transfer if args has amount and args.amount <= 1000 "
                          "agent-scope"));
  // u0 (clearance 0) is cleared for search only; the agent reaches no more through u0.
  absl::StatusOr<Reach> for_u0 = engine->WhatMay(
      {SubjectKind::kAgent, "a1"}, {{SubjectKind::kUser, "u0"}}, At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(for_u0.ok()) << for_u0.status();
  EXPECT_THAT(Lines(*for_u0), ElementsAre("ALLOW invoke tool:search agent-scope user-cleared"));
}

TEST(ReachTest, TheGuardStopsRevokedUnknownAndUnownedIdentities) {
  std::unique_ptr<Engine> engine = MakeEngine();
  const ReachOptions options = At("2026-12-01T00:00:00Z");
  absl::StatusOr<Reach> revoked = engine->WhatMay({SubjectKind::kUser, "gone"}, {}, options);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->stopped, Reason::kLifecycle);
  EXPECT_THAT(revoked->accesses, IsEmpty());
  absl::StatusOr<Reach> orphan = engine->WhatMay({SubjectKind::kAgent, "orphan"}, {}, options);
  ASSERT_TRUE(orphan.ok());
  EXPECT_EQ(orphan->stopped, Reason::kUnowned);
  absl::StatusOr<Reach> through =
      engine->WhatMay({SubjectKind::kAgent, "a1"}, {{SubjectKind::kUser, "nobody"}}, options);
  ASSERT_TRUE(through.ok());
  EXPECT_EQ(through->stopped, Reason::kUnknownIdentity);
  ASSERT_TRUE(through->stopped_by.has_value());
  EXPECT_EQ(through->stopped_by->id, "nobody");
  EXPECT_EQ(through->ToJson(),
            R"({"subject":{"kind":"agent","id":"a1"},"on_behalf_of":[{"kind":"user","id":)"
            R"("nobody"}],"stopped":{"reason":"unknown_identity","identity":{"kind":"user",)"
            R"("id":"nobody"}},"reached":0,"score":0,"accesses":[]})");
}

TEST(ReachTest, BlastRadiusCountsAnAgentAloneAndOnBehalfOfItsOwner) {
  std::unique_ptr<Engine> engine = MakeEngine();
  absl::StatusOr<BlastRadius> blast = engine->BlastRadiusOf("a1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(blast.ok()) << blast.status();
  ASSERT_EQ(blast->reaches.size(), 2u);
  EXPECT_THAT(blast->reaches[1].on_behalf_of, ElementsAre(IdentityRef{SubjectKind::kUser, "u1"}));
  EXPECT_EQ(blast->reached, 3);
  EXPECT_EQ(blast->score, 6 + 2 + 10);
  EXPECT_THAT(blast->ToJson(), HasSubstr(R"({"identity":{"kind":"agent","id":"a1"},"reached":3,)"
                                         R"("score":18,"reaches":[)"));
  EXPECT_EQ(engine->BlastRadiusOf("nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST(ReachTest, SensitivityOptionsChooseTheAttributeAndAreChecked) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ReachOptions options = At("2026-12-01T00:00:00Z");
  options.sensitivity["tool"] = "min_clearance";
  absl::StatusOr<Reach> reach = engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options);
  ASSERT_TRUE(reach.ok()) << reach.status();
  EXPECT_EQ(reach->score, 3 + 1 + 2 + 1);
  options.sensitivity["tool"] = "risk";
  EXPECT_THAT(
      std::string(engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options).status().message()),
      HasSubstr("`tool.risk` is not a declared int attribute"));
  options.sensitivity.clear();
  options.sensitivity["nothing"] = "x";
  EXPECT_EQ(engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReachTest, AKnownContextIsReadAndOnlyArgsStayOpen) {
  std::unique_ptr<Engine> engine = MakeEngine();
  ReachOptions options = At("2026-12-01T00:00:00Z");
  options.context = AttributeMap{{"session_verified", Value::Bool(true)}};
  absl::StatusOr<Reach> verified = engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(Lines(*verified)[0], "NEEDS_APPROVAL invoke tool:deploy high-risk");
  EXPECT_EQ(Lines(*verified)[2],
            "ALLOW invoke tool:transfer if args has amount and args.amount <= 1000 user-cleared");
  options.context = AttributeMap{};
  absl::StatusOr<Reach> unverified = engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options);
  ASSERT_TRUE(unverified.ok()) << unverified.status();
  EXPECT_EQ(unverified->reached, 3);  // deploy is forbidden without a verified session
  options.context = AttributeMap{{"session_verified", Value::String("yes")}};
  EXPECT_EQ(engine->WhatMay({SubjectKind::kUser, "u1"}, {}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReachTest, QueriesParseFromJson) {
  absl::StatusOr<ReachQuery> query = ParseReachQueryJson(R"({
    "subject": {"kind": "agent", "id": "a1"}, "on_behalf_of": [{"kind": "user", "id": "u1"}],
    "context": {"session_verified": true}, "now": "2026-12-01T00:00:00Z", "fix_now": true,
    "sensitivity": {"tool": "min_clearance"}})");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->subject, (IdentityRef{SubjectKind::kAgent, "a1"}));
  EXPECT_THAT(query->on_behalf_of, ElementsAre(IdentityRef{SubjectKind::kUser, "u1"}));
  ASSERT_TRUE(query->options.context.has_value());
  EXPECT_EQ(query->options.context->at("session_verified"), Value::Bool(true));
  EXPECT_EQ(query->options.now, ParseTimestamp("2026-12-01T00:00:00Z").value());
  EXPECT_TRUE(query->options.fix_now);
  EXPECT_EQ(query->options.sensitivity.at("tool"), "min_clearance");
  // Without a context, it stays open.
  query = ParseReachQueryJson(R"({"subject": {"kind": "user", "id": "u1"}})");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_FALSE(query->options.context.has_value());
  EXPECT_FALSE(query->options.now.has_value());
  for (const char* bad : {"[]", "{}", R"({"subject": {"kind": "robot", "id": "x"}})",
                          R"({"subject": {"kind": "user", "id": "u1"}, "action": "x"})",
                          R"({"subject": {"kind": "user", "id": "u1"}, "fix_now": 1})",
                          R"({"subject": {"kind": "user", "id": "u1"}, "sensitivity": {"a": 1}})",
                          R"({"subject": {"kind": "user", "id": "u1"}, "now": "soon"})", "{"}) {
    EXPECT_EQ(ParseReachQueryJson(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ReachTest, RefusesBadQueries) {
  std::unique_ptr<Engine> engine = MakeEngine();
  EXPECT_EQ(engine->WhatMay({SubjectKind::kUser, ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<IdentityRef> long_chain(9, IdentityRef{SubjectKind::kUser, "u1"});
  EXPECT_EQ(engine->WhatMay({SubjectKind::kAgent, "a1"}, long_chain).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ward
