#include "ward/request_builder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "testing/builder_fixture.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::ward::testing_support::kBuilderEntities;
using ::ward::testing_support::kBuilderPolicy;

const absl::Time kNow = absl::FromUnixSeconds(1796083200);  // 2026-12-01

std::shared_ptr<const Policy> MustCompile(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"policy.ward", text}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

std::unique_ptr<Engine> MakeEngine(const std::string& entities_json = kBuilderEntities) {
  std::shared_ptr<const Policy> policy = MustCompile(kBuilderPolicy);
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(entities_json, policy->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *std::move(entities));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

// The agent a1 on behalf of u1 invoking `tool`.
RequestBuilder AgentBuilder(const std::string& tool) {
  RequestBuilder builder;
  builder.SetSubject(SubjectKind::kAgent, "a1")
      .AddOnBehalfOf(SubjectKind::kUser, "u1")
      .SetAction("invoke")
      .SetResource("tool", tool)
      .SetNow(kNow);
  return builder;
}

// Decides through `builder` and through its request alone, requires the same decision, and
// returns it as JSON.
std::string DecideBoth(const Engine& engine, RequestBuilder* builder, Decision* reused) {
  engine.Decide(builder, reused);
  const Decision plain = engine.Decide(builder->request());
  EXPECT_EQ(reused->ToJson(), plain.ToJson());
  return reused->ToJson();
}

std::string EffectOf(const Engine& engine, RequestBuilder* builder, Decision* reused) {
  DecideBoth(engine, builder, reused);
  return std::string(EffectName(reused->effect)) + " " + std::string(ReasonName(reused->reason));
}

TEST(RequestBuilderTest, SettersBuildTheRequest) {
  RequestBuilder builder = AgentBuilder("search");
  builder.SetContext("approved", Value::Bool(true));
  ASSERT_TRUE(builder.SetArgsJson(R"({"b": 1, "a": "x"})").ok());
  builder.SetApproval("token");
  const Request& request = builder.request();
  EXPECT_EQ(request.subject, (IdentityRef{SubjectKind::kAgent, "a1"}));
  EXPECT_EQ(request.on_behalf_of, (std::vector<IdentityRef>{{SubjectKind::kUser, "u1"}}));
  EXPECT_EQ(request.action, "invoke");
  EXPECT_EQ(request.resource.type, "tool");
  EXPECT_EQ(request.resource.id, "search");
  EXPECT_EQ(request.context.at("approved"), Value::Bool(true));
  EXPECT_EQ(request.args.at("b"), Value::Int(1));
  EXPECT_EQ(request.args_json, R"({"a":"x","b":1})");
  EXPECT_EQ(request.now, kNow);
  EXPECT_EQ(request.approval, "token");

  builder.ClearOnBehalfOf()
      .AddOnBehalfOf(SubjectKind::kAgent, "a2")
      .AddOnBehalfOf(SubjectKind::kUser, "u2");
  EXPECT_EQ(builder.request().on_behalf_of,
            (std::vector<IdentityRef>{{SubjectKind::kAgent, "a2"}, {SubjectKind::kUser, "u2"}}));
  builder.SetOnBehalfOf({});
  EXPECT_TRUE(builder.request().on_behalf_of.empty());
  builder.SetResourceAttribute("risk", Value::String("low"));
  EXPECT_EQ(builder.request().resource.attrs.size(), 1);
  builder.SetResource("tool", "other");  // a new resource drops the old one's attributes
  EXPECT_TRUE(builder.request().resource.attrs.empty());
  builder.EraseContext("approved").ClearArgs().ClearNow().SetApproval("");
  EXPECT_TRUE(builder.request().context.empty());
  EXPECT_TRUE(builder.request().args.empty());
  EXPECT_TRUE(builder.request().args_json.empty());
  EXPECT_FALSE(builder.request().now.has_value());
  EXPECT_TRUE(builder.request().approval.empty());

  // Bad arguments leave none, not the earlier ones.
  ASSERT_TRUE(builder.SetArgsJson(R"({"a": 1})").ok());
  EXPECT_FALSE(builder.SetArgsJson("[1]").ok());
  EXPECT_TRUE(builder.request().args.empty());
  EXPECT_TRUE(builder.request().args_json.empty());
}

TEST(RequestBuilderTest, DecidesAsTheRequestAloneAsIdsChange) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder = AgentBuilder("search");
  Decision decision;
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");  // from what it found
  builder.SetResource("tool", "deploy");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "NEEDS_APPROVAL approval_required");
  builder.SetAction("inspect");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.SetAction("invoke").SetContext("approved", Value::Bool(true));
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  // Another user in the chain: u2 lacks the clearance.
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u2"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  // The same id under another kind names no identity.
  builder.SetOnBehalfOf({{SubjectKind::kAgent, "u1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY unknown_identity");
  // A longer chain, then a shorter one: the entries past the chain's end are not read.
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u9"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY unknown_identity");
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  // Every part at once.
  Request other = builder.request();
  other.subject.id = "a9";
  builder.SetRequest(other);
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY unknown_identity");
  other.subject = {SubjectKind::kUser, "u1"};
  other.on_behalf_of.clear();
  builder.SetRequest(other);
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  // A resource the store lacks, described inline; then one with the same id of another type.
  builder.SetResource("tool", "scratchpad")
      .SetResourceAttribute("risk", Value::String("medium"))
      .SetResourceAttribute("min_clearance", Value::Int(0));
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY forbidden");
  builder.SetResource("dataset", "search");  // no rule names the type
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  builder.SetResource("tool", "search");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  // Too long a chain is refused before any record is read.
  builder.SetSubject(SubjectKind::kAgent, "a1").ClearOnBehalfOf();
  for (size_t i = 0; i <= kMaxDelegationHops; ++i) builder.AddOnBehalfOf(SubjectKind::kUser, "u1");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY invalid_request");
}

TEST(RequestBuilderTest, ChainEntriesAreFoundAgainWhereTheirIdsChange) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder = AgentBuilder("deploy");
  builder.SetContext("approved", Value::Bool(true));
  Decision decision;
  // u2 lacks the clearance wherever it stands, and is named as the identity that denies: a
  // record left at the position it held would name u1.
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u2"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u2"}, {SubjectKind::kUser, "u1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
  // Shorter, then longer again through entries cleared away at other lengths.
  builder.SetOnBehalfOf({{SubjectKind::kUser, "u1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.ClearOnBehalfOf()
      .AddOnBehalfOf(SubjectKind::kUser, "u1")
      .AddOnBehalfOf(SubjectKind::kUser, "u1")
      .AddOnBehalfOf(SubjectKind::kUser, "u2");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
  // The third entry on, whose records are kept apart from the first two's and whose candidate
  // rules are not kept: decided again from what was found, then found again as it changes.
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
  builder.SetOnBehalfOf(
      {{SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.SetOnBehalfOf(
      {{SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u1"}, {SubjectKind::kUser, "u2"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
  builder.ClearOnBehalfOf().AddOnBehalfOf(SubjectKind::kUser, "u1");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  // The subject and the chain's first entry trade places.
  builder.SetSubject(SubjectKind::kUser, "u1").SetOnBehalfOf({{SubjectKind::kAgent, "a1"}});
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.SetSubject(SubjectKind::kUser, "u2");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(decision.denied_by, (IdentityRef{SubjectKind::kUser, "u2"}));
}

TEST(RequestBuilderTest, AnEntityUpdateIsSeenByTheNextDecision) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder = AgentBuilder("search");
  Decision decision;
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");

  ASSERT_TRUE(engine->RevokeIdentity("a1").ok());
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY lifecycle");

  Identity agent;
  agent.kind = SubjectKind::kAgent;
  agent.id = "a1";
  agent.owner = "u1";
  agent.attrs["task_scope"] = Value::StringSet({"deploy"});
  ASSERT_TRUE(engine->UpsertIdentity(agent).ok());
  EXPECT_EQ(EffectOf(*engine, &builder, &decision),
            "DENY no_matching_permit");  // no longer in scope

  builder.SetResource("tool", "deploy");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "NEEDS_APPROVAL approval_required");
  ASSERT_TRUE(engine->RemoveResource("tool", "deploy").ok());
  // Not stored now, and described by nothing: an unknown resource is denied.
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  ASSERT_FALSE(decision.errors.empty());
  EXPECT_EQ(decision.errors[0].message,
            "`resource.risk`: resource `tool:deploy` is not in the store and has no inline "
            "attributes");

  // A new policy that forbids everything.
  std::shared_ptr<const Policy> deny_all =
      MustCompile(std::string(kBuilderPolicy) + "@id(\"none\") forbid any to invoke on tool;");
  ASSERT_TRUE(engine->Reload(deny_all).ok());
  builder.SetResource("tool", "search");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY forbidden");
}

// What a builder keeps of the tree (each principal's candidate rules) holds for one snapshot:
// a reload that adds a rule, and an entity update that puts the subject in a group a rule
// names, give the same ids other candidates.
TEST(RequestBuilderTest, CandidateRulesAreFoundAgainInANewSnapshot) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder;
  builder.SetSubject(SubjectKind::kUser, "u2")
      .SetAction("invoke")
      .SetResource("tool", "search")
      .SetNow(kNow);
  Decision decision;
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY no_matching_permit");

  ASSERT_TRUE(
      engine
          ->Reload(MustCompile(std::string(kBuilderPolicy) +
                               "@id(\"ops\") permit user in group \"ops\" to invoke on tool;\n"
                               "@id(\"u2-search\") forbid user \"u2\" to invoke on tool "
                               "\"search\" when subject.clearance < 1;"))
          .ok());
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY forbidden");
  EXPECT_EQ(decision.rules, std::vector<std::string>{"u2-search"});

  Identity u2;
  u2.kind = SubjectKind::kUser;
  u2.id = "u2";
  u2.groups = {"ops"};
  u2.attrs["clearance"] = Value::Int(1);
  ASSERT_TRUE(engine->UpsertIdentity(u2).ok());
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  EXPECT_EQ(decision.rules, (std::vector<std::string>{"ops", "user-cleared"}));
}

// A builder's resource id is checked once per policy while it stays set: a policy that makes
// its type a path type checks it again, and so does setting another id.
TEST(RequestBuilderTest, AResourceIdIsCheckedAgainUnderANewPolicyAndWhenSet) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder;
  builder.SetSubject(SubjectKind::kUser, "u1")
      .SetAction("inspect")
      .SetResource("tool", "x/./y")
      .SetNow(kNow);
  Decision decision;
  // `tool` is not a path type: any id will do.
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");

  ASSERT_TRUE(engine
                  ->Reload(MustCompile(std::string(kBuilderPolicy) +
                                       "@id(\"x-forbidden\") forbid user to inspect on tool under "
                                       "\"x/forbidden\";\n"))
                  .ok());
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY invalid_request");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY invalid_request");

  builder.SetResource("tool", "x/y");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.SetResource("tool", "x//y");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY invalid_request");
  builder.SetResource("tool", "x/z");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder.SetResource("tool", "x/../z");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY invalid_request");
}

// A builder keeps at most Resolution::kKeptCandidates candidate rules across the subject and
// its nearest delegator; a principal with more has the tree walked at each decision, and one
// whose rules fit beside it still has them kept.
TEST(RequestBuilderTest, PrincipalsWithMoreCandidatesThanAreKeptAreDecidedAlike) {
  std::string text = kBuilderPolicy;
  for (int k = 0; k < 30; ++k) {
    absl::StrAppend(&text, "@id(\"clearance-", k, "\") forbid user to invoke on tool when ",
                    "subject.clearance == ", k, ";\n");
  }
  std::shared_ptr<const Policy> policy = MustCompile(text);
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kBuilderEntities, policy->schema());
  ASSERT_TRUE(entities.ok()) << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *std::move(entities));
  ASSERT_TRUE(engine.ok()) << engine.status();

  RequestBuilder builder = AgentBuilder("search");
  Decision decision;
  for (int round = 0; round < 2; ++round) {
    builder.SetSubject(SubjectKind::kAgent, "a1").SetOnBehalfOf({{SubjectKind::kUser, "u1"}});
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"clearance-2"});
    builder.SetOnBehalfOf({{SubjectKind::kUser, "u2"}});
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"clearance-0"});
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
    builder.SetSubject(SubjectKind::kUser, "u1").ClearOnBehalfOf();
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"clearance-2"});
    builder.SetAction("inspect");  // one candidate
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "ALLOW permitted");
    builder.SetAction("invoke");
  }
}

// A builder keeps, of a principal's candidate rules, only those whose first test of the
// principal's or the stored resource's attributes can hold. Decisions stay those of the
// request alone: tests of what a request may change without changing an id (the context, a
// resource described inline) still count.
TEST(RequestBuilderTest, RulesThatCannotHoldForTheRecordsAreLeftOutAlike) {
  std::shared_ptr<const Policy> policy = MustCompile(R"(schema {
  user { department: string, clearance: int }
  resource tool { risk: string }
  action invoke on tool
  context { channel: string }
}
@id("eng") permit user to invoke on tool when subject.department == "eng";
@id("sales") permit user to invoke on tool
  when subject.department == "sales" and subject.clearance >= 1;
@id("high-risk") forbid any to invoke on tool when resource.risk == "high";
@id("web") permit user to invoke on tool when context has channel and context.channel == "web";
@id("unstored") forbid any to invoke on tool "scratchpad" when resource.risk != "low";
)");
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(R"({
    "identities": [
      {"kind": "user", "id": "eve", "status": "active",
       "attrs": {"department": "eng", "clearance": 0}},
      {"kind": "user", "id": "sam", "status": "active",
       "attrs": {"department": "sales", "clearance": 0}}
    ],
    "resources": [
      {"type": "tool", "id": "search", "attrs": {"risk": "low"}},
      {"type": "tool", "id": "deploy", "attrs": {"risk": "high"}}
    ]
  })",
                                                               policy->schema());
  ASSERT_TRUE(entities.ok()) << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *std::move(entities));
  ASSERT_TRUE(engine.ok()) << engine.status();

  RequestBuilder builder;
  builder.SetSubject(SubjectKind::kUser, "eve").SetAction("invoke").SetResource("tool", "search");
  builder.SetNow(kNow);
  Decision decision;
  for (int round = 0; round < 2; ++round) {  // found, then kept
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "ALLOW permitted");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"eng"});
  }
  builder.SetResource("tool", "deploy");
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"high-risk"});
  }
  // The context changes, the ids do not.
  builder.SetSubject(SubjectKind::kUser, "sam").SetResource("tool", "search");
  for (int round = 0; round < 2; ++round) {
    builder.SetContext("channel", Value::String("app"));
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY no_matching_permit");
    builder.SetContext("channel", Value::String("web"));
    EXPECT_EQ(EffectOf(**engine, &builder, &decision), "ALLOW permitted");
    EXPECT_EQ(decision.rules, std::vector<std::string>{"web"});
  }
  // A resource the store lacks, whose inline attributes change under the same id.
  builder.SetSubject(SubjectKind::kUser, "eve");
  builder.SetResource("tool", "scratchpad").SetResourceAttribute("risk", Value::String("low"));
  EXPECT_EQ(EffectOf(**engine, &builder, &decision), "ALLOW permitted");
  builder.SetResourceAttribute("risk", Value::String("high"));
  EXPECT_EQ(EffectOf(**engine, &builder, &decision), "DENY forbidden");
  EXPECT_EQ(decision.rules, (std::vector<std::string>{"high-risk", "unstored"}));
  builder.SetResourceAttribute("risk", Value::String("low"));
  EXPECT_EQ(EffectOf(**engine, &builder, &decision), "ALLOW permitted");
}

TEST(RequestBuilderTest, OneBuilderServesTwoEngines) {
  // The same ids name different records in each engine: a1 is an agent of the first and is
  // unknown to the second, whose u1 lacks the clearance.
  std::unique_ptr<Engine> first = MakeEngine();
  std::unique_ptr<Engine> second = MakeEngine(R"({
    "identities": [{"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 0}}],
    "resources": [{"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 1}}]
  })");
  RequestBuilder builder = AgentBuilder("search");
  Decision decision;
  for (int round = 0; round < 3; ++round) {
    builder.SetSubject(SubjectKind::kAgent, "a1").SetOnBehalfOf({{SubjectKind::kUser, "u1"}});
    EXPECT_EQ(EffectOf(*first, &builder, &decision), "ALLOW permitted");
    EXPECT_EQ(EffectOf(*second, &builder, &decision), "DENY unknown_identity");
    builder.SetSubject(SubjectKind::kUser, "u1").ClearOnBehalfOf();
    EXPECT_EQ(EffectOf(*second, &builder, &decision), "DENY no_matching_permit");
    EXPECT_EQ(EffectOf(*first, &builder, &decision), "ALLOW permitted");
  }
}

TEST(RequestBuilderTest, CopiesAndMovesCarryTheRequest) {
  std::unique_ptr<Engine> engine = MakeEngine();
  RequestBuilder builder = AgentBuilder("search");
  Decision decision;
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  RequestBuilder copy = builder;
  copy.SetResource("tool", "deploy");
  EXPECT_EQ(EffectOf(*engine, &copy, &decision), "NEEDS_APPROVAL approval_required");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  builder = copy;
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "NEEDS_APPROVAL approval_required");
  RequestBuilder moved = std::move(copy);
  EXPECT_EQ(EffectOf(*engine, &moved, &decision), "NEEDS_APPROVAL approval_required");
  // A builder moved from is built again from nothing: its strings are empty, and what was
  // found for the ids they held is not used.
  copy.SetSubject(SubjectKind::kAgent, "").SetAction("").SetResource("", "");
  EXPECT_EQ(EffectOf(*engine, &copy, &decision), "DENY unknown_identity");
  copy.SetSubject(SubjectKind::kUser, "u2").SetAction("invoke").SetResource("tool", "search");
  copy.SetNow(kNow);
  EXPECT_EQ(EffectOf(*engine, &copy, &decision), "DENY no_matching_permit");
  moved = std::move(builder);
  builder.SetSubject(SubjectKind::kAgent, "").SetAction("").SetResource("", "");
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "DENY unknown_identity");
  builder.SetSubject(SubjectKind::kUser, "u1").SetAction("invoke").SetResource("tool", "search");
  builder.SetNow(kNow);
  EXPECT_EQ(EffectOf(*engine, &builder, &decision), "ALLOW permitted");
  RequestBuilder from_request(AgentBuilder("search").request());
  EXPECT_EQ(EffectOf(*engine, &from_request, &decision), "ALLOW permitted");
}

}  // namespace
}  // namespace ward
