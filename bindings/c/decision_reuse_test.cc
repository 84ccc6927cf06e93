// Decides through one reused ward_decision, which remembers what the ids of the request before
// named (ward.h), and through a fresh ward_decision per request, and requires the same
// decision JSON every time: across changes of the subject, the chain, the action and the
// resource, entity updates, a reload, two engines whose stores differ and requests that fail
// half-way through their conversion. Nothing of ward but ward.h is used.

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/builder_fixture.h"
#include "ward.h"

namespace {

using ::ward::testing_support::kBuilderEntities;
using ::ward::testing_support::kBuilderPolicy;

// The same ids as kBuilderEntities, other facts: u1 is not cleared, a1 may use nothing.
constexpr char kOtherEntities[] = R"({
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 0}},
    {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
     "attrs": {"task_scope": []}}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 1}}
  ]
})";

constexpr int64_t kNow = 1796083200;  // 2026-12-01T00:00:00Z

// A request described by owned strings, turned into a ward_request (which only points).
struct Call {
  ward_kind kind = WARD_KIND_AGENT;
  std::string subject = "a1";
  std::vector<std::pair<ward_kind, std::string>> chain = {{WARD_KIND_USER, "u1"}};
  std::string action = "invoke";
  std::string tool = "search";
  bool approved = false;
  // The inline attributes of a tool that is not stored: `risk` and `min_clearance` 0;
  // empty: none.
  std::string inline_risk;
};

ward_engine* NewEngine(const char* entities) {
  const ward_source source = {ward_str_of("policy.ward"), ward_str_of(kBuilderPolicy)};
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  const ward_status status = ward_engine_from_texts(
      &source, 1, entities, std::string(entities).size(), nullptr, &engine, &error);
  EXPECT_EQ(status, WARD_OK) << (error != nullptr ? ward_error_message(error) : "");
  ward_error_free(error);
  return engine;
}

std::string Json(const ward_decision* decision) {
  const ward_str json = ward_decision_json(decision);
  return std::string(json.data, json.len);
}

class DecisionReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = NewEngine(kBuilderEntities);
    reused_ = ward_decision_new();
    ASSERT_NE(engine_, nullptr);
    ASSERT_NE(reused_, nullptr);
  }
  void TearDown() override {
    ward_decision_free(reused_);
    ward_engine_free(engine_);
  }

  // Decides `call` on `engine` into the reused decision and into a fresh one; requires the
  // same status and the same decision, and returns the reused decision's JSON.
  std::string DecideBoth(ward_engine* engine, const Call& call) {
    std::vector<ward_identity_ref> chain;
    for (const auto& [kind, id] : call.chain) chain.push_back({kind, ward_str_of(id.c_str())});
    ward_attr context = {};
    context.name = ward_str_of("approved");
    context.value.type = WARD_VALUE_BOOL;
    context.value.boolean = call.approved ? 1 : 0;
    ward_attr attrs[2] = {};
    attrs[0].name = ward_str_of("risk");
    attrs[0].value.type = WARD_VALUE_STRING;
    attrs[0].value.string = ward_str_of(call.inline_risk.c_str());
    attrs[1].name = ward_str_of("min_clearance");
    attrs[1].value.type = WARD_VALUE_INT;
    attrs[1].value.integer = 0;
    ward_request request = {};
    request.subject = {call.kind, ward_str_of(call.subject.c_str())};
    request.on_behalf_of = chain.data();
    request.on_behalf_of_count = chain.size();
    request.action = ward_str_of(call.action.c_str());
    request.resource_type = ward_str_of("tool");
    request.resource_id = ward_str_of(call.tool.c_str());
    request.context = &context;
    request.context_count = 1;
    request.resource_attrs = attrs;
    request.resource_attr_count = call.inline_risk.empty() ? 0 : 2;
    request.has_now = 1;
    request.now_unix_seconds = kNow;

    ward_decision* fresh = ward_decision_new();
    const ward_status reused_status = ward_decide(engine, &request, reused_, nullptr);
    const ward_status fresh_status = ward_decide(engine, &request, fresh, nullptr);
    EXPECT_EQ(reused_status, fresh_status);
    const std::string json = Json(reused_);
    EXPECT_EQ(json, Json(fresh)) << "subject " << call.subject << ", tool " << call.tool;
    ward_decision_free(fresh);
    return json;
  }

  ward_engine* engine_ = nullptr;
  ward_decision* reused_ = nullptr;
};

TEST_F(DecisionReuseTest, ChangedIdsAreFoundAgain) {
  Call call;
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  DecideBoth(engine_, call);  // the same ids: what the first decision found
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);

  call.tool = "deploy";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_NEEDS_APPROVAL);
  call.approved = true;  // context only: the records found stay
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);

  call.tool = "missing";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);

  call.tool = "search";
  call.action = "inspect";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  call.action = "invoke";

  // The subject: a user, then the agent again, then someone unknown.
  Call user;
  user.kind = WARD_KIND_USER;
  user.subject = "u2";
  user.chain.clear();
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  user.subject = "u1";
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  user.kind = WARD_KIND_AGENT;  // u1 is stored as a user, not as an agent
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
}

TEST_F(DecisionReuseTest, ChainsThatGrowShrinkAndSwapNameTheirOwnDenials) {
  Call call;
  call.chain = {{WARD_KIND_USER, "u1"}, {WARD_KIND_USER, "u2"}};
  const std::string two = DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  ward_identity_ref denied_by = {};
  ASSERT_EQ(ward_decision_denied_by(reused_, &denied_by), 1);
  EXPECT_EQ(std::string(denied_by.id.data, denied_by.id.len), "u2");

  call.chain = {{WARD_KIND_USER, "u2"}, {WARD_KIND_USER, "u1"}};  // swapped
  DecideBoth(engine_, call);
  ASSERT_EQ(ward_decision_denied_by(reused_, &denied_by), 1);
  EXPECT_EQ(std::string(denied_by.id.data, denied_by.id.len), "u2");

  call.chain = {{WARD_KIND_USER, "u1"}};  // shrunk
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  call.chain.clear();
  DecideBoth(engine_, call);
  call.chain = {{WARD_KIND_USER, "u1"}, {WARD_KIND_USER, "u2"}};  // grown back
  EXPECT_EQ(DecideBoth(engine_, call), two);
}

TEST_F(DecisionReuseTest, EntityUpdatesAndReloadsAreSeen) {
  Call call;
  call.tool = "deploy";
  call.approved = true;
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);

  const std::string narrowed = R"({"kind": "agent", "id": "a1", "owner": "u1",
      "status": "active", "attrs": {"task_scope": ["search"]}})";
  ASSERT_EQ(ward_engine_upsert_identity(engine_, narrowed.data(), narrowed.size(), nullptr),
            WARD_OK);
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_NO_MATCHING_PERMIT);

  // A reload: the same policy with one more rule.
  call.tool = "search";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  const std::string text =
      std::string(kBuilderPolicy) + "@id(\"no-agents\") forbid agent to invoke on tool;\n";
  const ward_source source = {ward_str_of("policy.ward"), ward_str_of(text.c_str())};
  ward_policy* policy = nullptr;
  ASSERT_EQ(ward_policy_compile(&source, 1, &policy, nullptr), WARD_OK);
  ASSERT_EQ(ward_engine_reload(engine_, policy, nullptr), WARD_OK);
  ward_policy_free(policy);
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  ASSERT_EQ(ward_decision_rule_count(reused_), 1u);
  const ward_str rule = ward_decision_rule(reused_, 0);
  EXPECT_EQ(std::string(rule.data, rule.len), "no-agents");

  Call user;
  user.kind = WARD_KIND_USER;
  user.subject = "u1";
  user.chain.clear();
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  ASSERT_EQ(ward_engine_remove_resource(engine_, "tool", 4, "search", 6, nullptr), WARD_OK);
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_NO_MATCHING_PERMIT);

  user.tool = "deploy";
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_NEEDS_APPROVAL);
  ASSERT_EQ(ward_engine_revoke_identity(engine_, "u1", 2, nullptr), WARD_OK);
  DecideBoth(engine_, user);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_LIFECYCLE);
  // The agent u1 owns is now unowned.
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_UNOWNED);
}

TEST_F(DecisionReuseTest, OneDecisionAlternatesBetweenEnginesWhoseStoresDiffer) {
  ward_engine* other = NewEngine(kOtherEntities);
  ASSERT_NE(other, nullptr);
  Call agent;
  Call user;
  user.kind = WARD_KIND_USER;
  user.subject = "u1";
  user.chain.clear();
  for (int round = 0; round < 3; ++round) {
    DecideBoth(engine_, agent);
    EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
    DecideBoth(other, agent);
    EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
    DecideBoth(other, user);
    EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
    DecideBoth(engine_, user);
    EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
  }
  ward_engine_free(other);
}

TEST_F(DecisionReuseTest, RequestsThatFailHalfWayLeaveNothingStale) {
  Call call;
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);

  // The subject and action are set before the chain's second identity is found to have no
  // kind; the request fails, and the next one, the first again, is decided as it was.
  Call bad = call;
  bad.subject = "u2";
  bad.kind = WARD_KIND_USER;
  bad.chain = {{WARD_KIND_USER, "u2"}, {static_cast<ward_kind>(0), "u1"}};
  DecideBoth(engine_, bad);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_INTERNAL_ERROR);
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);

  // An unstored tool with inline attributes, then the stored one, then the unstored again.
  Call scratch = call;
  scratch.tool = "scratchpad";
  scratch.inline_risk = "high";
  DecideBoth(engine_, scratch);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  ASSERT_EQ(ward_decision_rule_count(reused_), 1u);
  scratch.inline_risk = "low";
  DecideBoth(engine_, scratch);
  EXPECT_EQ(ward_decision_rule_count(reused_), 0u);
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_ALLOW);
}

TEST_F(DecisionReuseTest, InlineAttributesOnAStoredResourceAreRefusedOnceItWasFound) {
  // The trust rule: a request never overrides what the inventory says. The stored tool's
  // record is found by the first decision; the same tool with inline attributes claiming
  // another risk is refused, as it is by a fresh decision.
  Call call;
  call.tool = "deploy";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_NEEDS_APPROVAL);
  call.inline_risk = "low";
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_DENY);
  EXPECT_EQ(ward_decision_reason(reused_), WARD_REASON_INVALID_REQUEST);
  call.inline_risk.clear();
  DecideBoth(engine_, call);
  EXPECT_EQ(ward_decision_effect(reused_), WARD_NEEDS_APPROVAL);
}

}  // namespace
