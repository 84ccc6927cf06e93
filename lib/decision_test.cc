#include "ward/decision.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DecisionNamesTest, Names) {
  EXPECT_EQ(EffectName(Effect::kAllow), "ALLOW");
  EXPECT_EQ(EffectName(Effect::kNeedsApproval), "NEEDS_APPROVAL");
  EXPECT_EQ(EffectName(Effect::kDeny), "DENY");
  EXPECT_EQ(ReasonName(Reason::kPermitted), "permitted");
  EXPECT_EQ(ReasonName(Reason::kForbidden), "forbidden");
  EXPECT_EQ(ReasonName(Reason::kApprovalRequired), "approval_required");
  EXPECT_EQ(ReasonName(Reason::kNoMatchingPermit), "no_matching_permit");
  EXPECT_EQ(ReasonName(Reason::kUnknownIdentity), "unknown_identity");
  EXPECT_EQ(ReasonName(Reason::kLifecycle), "lifecycle");
  EXPECT_EQ(ReasonName(Reason::kUnowned), "unowned");
  EXPECT_EQ(ReasonName(Reason::kInternalError), "internal_error");
  EXPECT_EQ(LogLevelName(LogLevel::kNone), "none");
  EXPECT_EQ(LogLevelName(LogLevel::kSummary), "summary");
  EXPECT_EQ(LogLevelName(LogLevel::kFull), "full");
}

TEST(RuleListTest, ReadsAsAVectorOfNames) {
  RuleList list = {"a", "b"};
  EXPECT_EQ(list.size(), 2u);
  EXPECT_FALSE(list.empty());
  EXPECT_EQ(list[1], "b");
  EXPECT_EQ(list.front(), "a");
  EXPECT_EQ(list.back(), "b");
  EXPECT_THAT(list, ElementsAre("a", "b"));
  EXPECT_EQ(list.end() - list.begin(), 2);
  EXPECT_EQ(list.ToVector(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), list);
  EXPECT_NE(list, (std::vector<std::string>{"a"}));
  EXPECT_NE(list, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(list, RuleList(std::vector<std::string>{"a", "b"}));
  EXPECT_NE(list, RuleList({"b", "a"}));
  EXPECT_EQ(absl::StrJoin(list, ","), "a,b");

  list.push_back("c");
  EXPECT_THAT(list, ElementsAre("a", "b", "c"));
  for (int i = 0; i < 100; ++i) list.push_back(absl::StrCat("rule-", i));  // reallocates
  EXPECT_EQ(list.size(), 103u);
  EXPECT_EQ(list[2], "c");
  EXPECT_EQ(list[102], "rule-99");
  list.clear();
  EXPECT_THAT(list, IsEmpty());
  list = {"x"};
  EXPECT_THAT(list, ElementsAre("x"));
}

TEST(RuleListTest, CopiesAreIndependentAndMovesKeepTheNames) {
  RuleList original = {"a", "b"};
  RuleList copy = original;
  copy.push_back("c");
  EXPECT_THAT(original, ElementsAre("a", "b"));
  EXPECT_NE(&copy[0], &original[0]);
  copy = original;
  EXPECT_EQ(copy, original);
  const RuleList& itself = copy;
  copy = itself;
  EXPECT_THAT(copy, ElementsAre("a", "b"));

  const std::string* first = &original[0];
  RuleList moved = std::move(original);
  EXPECT_EQ(&moved[0], first);  // taken, not copied
  EXPECT_THAT(moved, ElementsAre("a", "b"));
  RuleList assigned;
  assigned = std::move(moved);
  EXPECT_EQ(&assigned[0], first);
  EXPECT_THAT(assigned, ElementsAre("a", "b"));
}

TEST(DecisionToJsonTest, AllowWithObligations) {
  // The example of LANGUAGE.md: user u3 reveals data "pii" under `hr-reveal`.
  Decision decision;
  decision.effect = Effect::kAllow;
  decision.reason = Reason::kPermitted;
  decision.rules = {"hr-reveal"};
  decision.obligations.redact.push_back({R"(\b\d{3}-\d{2}-\d{4}\b)", "[SSN]", nullptr});
  decision.obligations.limits = {{"output_tokens", 4000}};
  decision.obligations.log = LogLevel::kFull;
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"ALLOW","reason":"permitted","rules":["hr-reveal"],)"
            R"("obligations":{"redact":[{"pattern":"\\b\\d{3}-\\d{2}-\\d{4}\\b",)"
            R"("replacement":"[SSN]"}],"limits":{"output_tokens":4000},"log":"full"},)"
            R"("errors":[]})");
}

TEST(DecisionToJsonTest, AllowKeepsLimitOrderAndEmptyObligations) {
  Decision decision;
  decision.effect = Effect::kAllow;
  decision.reason = Reason::kPermitted;
  decision.rules = {"a", "b"};
  decision.obligations.limits = {{"z_tokens", 5}, {"a_calls", 0}};
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"ALLOW","reason":"permitted","rules":["a","b"],)"
            R"("obligations":{"redact":[],"limits":{"z_tokens":5,"a_calls":0},"log":"none"},)"
            R"("errors":[]})");

  decision.obligations = Obligations();
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"ALLOW","reason":"permitted","rules":["a","b"],)"
            R"("obligations":{"redact":[],"limits":{},"log":"none"},"errors":[]})");
}

TEST(DecisionToJsonTest, DenyWithDeniedByAndErrors) {
  Decision decision;
  decision.effect = Effect::kDeny;
  decision.reason = Reason::kForbidden;
  decision.denied_by = IdentityRef{SubjectKind::kAgent, "a17"};
  decision.rules = {"policy.ward:12", "restricted-needs-team"};
  // Obligations are not shown on a DENY even when set.
  decision.obligations.log = LogLevel::kFull;
  decision.errors.push_back({"restricted-needs-team", IdentityRef{SubjectKind::kAgent, "a17"},
                             "`subject.team` is not declared for agent"});
  decision.errors.push_back({"users-delegate-tools", IdentityRef{SubjectKind::kUser, "u3"},
                             "attribute `clearance` is absent"});
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"DENY","reason":"forbidden","denied_by":{"kind":"agent","id":"a17"},)"
            R"("rules":["policy.ward:12","restricted-needs-team"],)"
            R"("errors":[{"rule":"restricted-needs-team","principal":{"kind":"agent","id":"a17"},)"
            R"("message":"`subject.team` is not declared for agent"},)"
            R"({"rule":"users-delegate-tools","principal":{"kind":"user","id":"u3"},)"
            R"("message":"attribute `clearance` is absent"}]})");
}

TEST(DecisionToJsonTest, GuardDeny) {
  Decision decision;
  decision.effect = Effect::kDeny;
  decision.reason = Reason::kLifecycle;
  decision.denied_by = IdentityRef{SubjectKind::kBuilder, "b1"};
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"DENY","reason":"lifecycle","denied_by":{"kind":"builder","id":"b1"},)"
            R"("rules":[],"errors":[]})");
}

TEST(DecisionToJsonTest, NeedsApproval) {
  Decision decision;
  decision.effect = Effect::kNeedsApproval;
  decision.reason = Reason::kApprovalRequired;
  decision.denied_by = IdentityRef{SubjectKind::kUser, "u3"};
  decision.rules = {"high-risk-needs-approval"};
  EXPECT_EQ(decision.ToJson(),
            R"({"effect":"NEEDS_APPROVAL","reason":"approval_required",)"
            R"("denied_by":{"kind":"user","id":"u3"},"rules":["high-risk-needs-approval"],)"
            R"("errors":[]})");
}

TEST(DecisionToJsonTest, DefaultDecisionFailsClosed) {
  EXPECT_EQ(Decision().ToJson(),
            R"({"effect":"DENY","reason":"internal_error","rules":[],"errors":[]})");
}

TEST(DecisionToJsonTest, EscapesAndInvalidUtf8NeverThrow) {
  Decision decision;
  decision.effect = Effect::kDeny;
  decision.reason = Reason::kNoMatchingPermit;
  decision.denied_by = IdentityRef{SubjectKind::kUser, "u\xff"};
  decision.errors.push_back(
      {"r\"1", IdentityRef{SubjectKind::kUser, "u\xff"}, "caf\xc3\xa9 \x01 bad\xc3"});
  std::string json = decision.ToJson();
  EXPECT_EQ(json,
            "{\"effect\":\"DENY\",\"reason\":\"no_matching_permit\","
            "\"denied_by\":{\"kind\":\"user\",\"id\":\"u\xef\xbf\xbd\"},\"rules\":[],"
            "\"errors\":[{\"rule\":\"r\\\"1\",\"principal\":{\"kind\":\"user\",\"id\":"
            "\"u\xef\xbf\xbd\"},\"message\":\"caf\xc3\xa9 \\u0001 bad\xef\xbf\xbd\"}]}");
  // The result is valid JSON.
  EXPECT_TRUE(nlohmann::json::accept(json));
}

TEST(TraceTest, ToText) {
  Trace trace;
  TracePrincipal subject;
  subject.identity = IdentityRef{SubjectKind::kAgent, "a17"};
  subject.role = "subject";
  TraceRule permit;
  permit.rule = "agent-a17-scope";
  permit.effect = "permit";
  permit.source = "policy.ward:3";
  permit.outcome = TraceRule::Outcome::kHolds;
  permit.when = "true";
  permit.when_condition = "resource.id in subject.task_scope";
  subject.candidates.push_back(permit);
  TraceRule approval;
  approval.rule = "high-risk-needs-approval";
  approval.effect = "require_approval";
  approval.source = "policy.ward:9";
  approval.outcome = TraceRule::Outcome::kDoesNotHold;
  approval.when = "false";
  approval.when_condition = "resource.risk == \"high\"";
  subject.candidates.push_back(approval);
  TraceRule broken;
  broken.rule = "policy.ward:20";
  broken.effect = "forbid";
  broken.source = "policy.ward:20";
  broken.outcome = TraceRule::Outcome::kError;
  broken.when = "true";
  broken.unless = "error: attribute `team` is absent";
  broken.when_condition = "resource.classification == 3";
  broken.unless_condition = "subject.team == resource.team";
  subject.candidates.push_back(broken);
  subject.effect = Effect::kAllow;
  subject.reason = Reason::kPermitted;
  trace.principals.push_back(subject);

  TracePrincipal user;
  user.identity = IdentityRef{SubjectKind::kUser, "u3"};
  user.role = "on_behalf_of[0]";
  user.guard = Reason::kLifecycle;
  user.effect = Effect::kDeny;
  user.reason = Reason::kLifecycle;
  trace.principals.push_back(user);

  TracePrincipal idle;
  idle.identity = IdentityRef{SubjectKind::kUser, "u4"};
  idle.role = "on_behalf_of[1]";
  idle.effect = Effect::kDeny;
  idle.reason = Reason::kNoMatchingPermit;
  trace.principals.push_back(idle);

  EXPECT_EQ(trace.ToText(),
            "subject agent:a17\n"
            "  guard: passed\n"
            "  permit agent-a17-scope (policy.ward:3): holds\n"
            "    when resource.id in subject.task_scope: true\n"
            "  require_approval high-risk-needs-approval (policy.ward:9): does not hold\n"
            "    when resource.risk == \"high\": false\n"
            "  forbid policy.ward:20 (policy.ward:20): error\n"
            "    when resource.classification == 3: true\n"
            "    unless subject.team == resource.team: error: attribute `team` is absent\n"
            "  decision: ALLOW (permitted)\n"
            "on_behalf_of[0] user:u3\n"
            "  guard: lifecycle\n"
            "  decision: DENY (lifecycle)\n"
            "on_behalf_of[1] user:u4\n"
            "  guard: passed\n"
            "  no candidate rules\n"
            "  decision: DENY (no_matching_permit)\n");
  EXPECT_EQ(Trace().ToText(), "");
}

}  // namespace
}  // namespace ward
