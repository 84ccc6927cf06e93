#include "lib/reference/interpreter.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/policy_access.h"
#include "ward/compile.h"

namespace ward::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPolicy[] = R"(schema {
  user  { clearance: int }
  agent { task_scope: set<string> }
  resource tool { min_clearance: int }
  action invoke on tool
}
@id("scoped") permit agent "a1" to invoke on tool in ["search"];
@id("cleared") permit user in group "staff" to invoke on tool
  when subject.clearance >= resource.min_clearance or false;
)";

class ExplainRuleTest : public testing::Test {
 protected:
  void SetUp() override {
    CompileOptions options;
    options.keep_rules = true;  // the reference reads them
    auto policy = CompilePolicy({{"p.ward", kPolicy}}, options);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *policy;
    auto entities = EntityStore::FromJson(R"({"identities": [
      {"kind": "user", "id": "u1", "status": "active", "groups": ["staff"],
       "attrs": {"clearance": 1}},
      {"kind": "agent", "id": "a2", "owner": "u1", "status": "active",
       "attrs": {"task_scope": []}}],
      "resources": [{"type": "tool", "id": "deploy", "attrs": {"min_clearance": 2}}]})",
                                          policy_->schema());
    ASSERT_TRUE(entities.ok()) << entities.status();
    entities_ = *std::move(entities);
    request_.subject = {SubjectKind::kAgent, "a2"};
    request_.action = "invoke";
    request_.resource = {"tool", "deploy", {}};
    request_.on_behalf_of = {{SubjectKind::kUser, "u1"}};
  }

  const Rule& RuleNamed(const std::string& name) {
    for (const Rule& rule : IrOf(*policy_).rules) {
      if (rule.name == name) return rule;
    }
    ADD_FAILURE() << name;
    return IrOf(*policy_).rules.front();
  }

  std::vector<RuleReport> Explain(const std::string& rule) {
    return ExplainRule(IrOf(*policy_), entities_, request_, absl::Now(), RuleNamed(rule));
  }

  std::shared_ptr<const Policy> policy_;
  EntityStore entities_;
  Request request_;
};

TEST_F(ExplainRuleTest, NamesEveryPartOfTheHeadThatDoesNotMatch) {
  std::vector<RuleReport> reports = Explain("scoped");
  ASSERT_THAT(reports, SizeIs(2));
  EXPECT_EQ(reports[0].role, "subject");
  EXPECT_THAT(reports[0].head_mismatches, ElementsAre("subject: the rule is for `a1`, not `a2`",
                                                      "resource: `deploy` is not one of [search]"));
  EXPECT_THAT(reports[1].head_mismatches,
              ElementsAre("subject kind: the rule is for agent, `u1` is a user",
                          "subject: the rule is for `a1`, not `u1`",
                          "resource: `deploy` is not one of [search]"));
}

TEST_F(ExplainRuleTest, ShowsTheValuesThatDecidedTheConditions) {
  std::vector<RuleReport> reports = Explain("cleared");
  ASSERT_THAT(reports, SizeIs(2));
  EXPECT_THAT(reports[0].head_mismatches,
              ElementsAre("subject kind: the rule is for user, `a2` is an agent",
                          "group: `a2` is not in group `staff` (its groups: [])"));
  const RuleReport& user = reports[1];
  EXPECT_THAT(user.head_mismatches, IsEmpty());
  EXPECT_EQ(user.outcome, TraceRule::Outcome::kDoesNotHold);
  EXPECT_THAT(user.conditions,
              ElementsAre("when subject.clearance >= resource.min_clearance or false: false",
                          "  subject.clearance >= resource.min_clearance: false",
                          "    subject.clearance: 1", "    resource.min_clearance: 2"));
}

TEST_F(ExplainRuleTest, ReportsTheGuard) {
  request_.on_behalf_of = {{SubjectKind::kUser, "nobody"}};
  std::vector<RuleReport> reports = Explain("cleared");
  EXPECT_EQ(reports[1].guard, Reason::kUnknownIdentity);
}

}  // namespace
}  // namespace ward::internal
