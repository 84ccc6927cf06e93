#include "policy_lang/checker.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/policy_access.h"
#include "ward/compile.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSchema[] = R"(schema {
  user    { department: string, clearance: int }
  agent   { task_scope: set<string> }
  builder { team: string, clearance: string }
  resource tool { risk: string, min_clearance: int }
  resource dataset { classification: int, team: string }
  action invoke on tool
  action read, write on dataset
  context { approved: bool, deadline: timestamp }
}
)";

CompileResult CompileRules(const std::string& rules) {
  return Compile({{"schema.ward", kSchema}, {"rules.ward", rules}});
}

std::vector<std::string> Messages(const CompileResult& result, Diagnostic::Severity severity) {
  std::vector<std::string> messages;
  for (const Diagnostic& d : result.diagnostics) {
    if (d.severity == severity) messages.push_back(d.message);
  }
  return messages;
}

std::vector<std::string> Errors(const CompileResult& result) {
  return Messages(result, Diagnostic::Severity::kError);
}

TEST(CheckerTest, AcceptsEveryHeadAndConditionForm) {
  CompileResult result = CompileRules(R"(
@id("a") permit agent "a17" to invoke on tool in ["search", "calendar.read"];
@id("b") permit user in group "hr" to [read, write] on dataset under ["vision/", "nlp/"]
  when resource.classification <= subject.clearance and not (subject.department == "eng")
  unless context.approved;
@id("c") forbid any to read on dataset matching /secret-.*/ when subject has team;
@id("d") require_approval builder to write on dataset "x"
  when context.deadline < now or "2026-01-01T00:00:00Z" >= now;
@id("e") permit user to invoke on tool when resource.id starts_with "calendar."
  and resource.risk matches /(?i)low/ and 2 in [1, 2] and subject.groups == []
  with redact(/\d{3}-\d{2}-\d{4}/, "[SSN]"), limit(output_tokens, 10), log(summary);
)");
  ASSERT_NE(result.policy, nullptr) << FormatDiagnostics(result.diagnostics);
  const internal::PolicyIr& ir = internal::IrOf(*result.policy);
  ASSERT_THAT(ir.rules, SizeIs(5));
  EXPECT_THAT(ir.rules[1].actions, ElementsAre("read", "write"));
  // `under` prefixes are kept without their trailing `/`: they match whole segments.
  EXPECT_THAT(ir.rules[1].resource.values, ElementsAre("nlp", "vision"));
  EXPECT_EQ(ir.rules[0].resource.kind, internal::ResourceSelector::Kind::kIds);
  EXPECT_EQ(ir.rules[2].resource.kind, internal::ResourceSelector::Kind::kPattern);
  EXPECT_EQ(ir.rules[4].obligations.limits.front().second, 10);
  EXPECT_EQ(ir.rules[4].obligations.log, LogLevel::kSummary);
}

TEST(CheckerTest, NamesUnnamedRulesBySourceAndLine) {
  CompileResult result = CompileRules("\n\npermit user to invoke on tool;\n");
  ASSERT_NE(result.policy, nullptr);
  EXPECT_EQ(internal::IrOf(*result.policy).rules.front().name, "rules.ward:3");
}

TEST(CheckerTest, SuggestsTheClosestName) {
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when subject.clearence > 1;")),
              ElementsAre("unknown attribute `clearence` of user; did you mean `clearance`?"));
  EXPECT_THAT(Errors(CompileRules("permit user to invok on tool;")),
              ElementsAre("unknown action `invok`; did you mean `invoke`?"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tol;")),
              ElementsAre("unknown resource type `tol`; did you mean `tool`?"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when context.aproved;")),
              ElementsAre("unknown context entry `aproved`; did you mean `approved`?"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool with redcat(/x/, \"y\");")),
              ElementsAre("unknown obligation `redcat`; did you mean `redact`?"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when resource.rsk == \"a\";")),
              ElementsAre(HasSubstr("did you mean `risk`?")));
}

TEST(CheckerTest, RendersFileLineColumnAndCaret) {
  CompileResult result = CompileRules("permit user to invoke on tool when subject.clearence > 1;");
  ASSERT_THAT(result.diagnostics, SizeIs(1));
  EXPECT_EQ(FormatDiagnostic(result.diagnostics[0]),
            "rules.ward:1:44: error: unknown attribute `clearence` of user; did you mean "
            "`clearance`?\n"
            "permit user to invoke on tool when subject.clearence > 1;\n"
            "                                           ^\n");
}

TEST(CheckerTest, ReportsTypeErrors) {
  EXPECT_THAT(
      Errors(CompileRules("permit user to invoke on tool when subject.clearance == \"2\";")),
      ElementsAre("`==` compares values of the same type, found an int and a string"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when subject.department < 2;")),
              ElementsAre(HasSubstr("compares two ints or two timestamps")));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when subject.clearance;")),
              ElementsAre("a condition must be a bool; this is an int"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when 1 in [\"a\"];")),
              ElementsAre(HasSubstr("`in` needs a string or an int")));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when [1, \"a\"] == [];")),
              ElementsAre("a list must hold only strings or only integers"));
  EXPECT_THAT(
      Errors(CompileRules("permit user to invoke on tool when subject.clearance matches /1/;")),
      ElementsAre(HasSubstr("`matches` needs a string")));
  EXPECT_THAT(
      Errors(CompileRules("permit user to invoke on tool when context.deadline < \"soon\";")),
      ElementsAre(HasSubstr("`soon` is not an RFC 3339 timestamp")));
}

TEST(CheckerTest, ReportsSchemaProblems) {
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { user { id: string } }"}})),
              ElementsAre("`id` is a built-in attribute of every identity"));
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { resource r { id: string } }"}})),
              ElementsAre("`id` is a built-in attribute of every resource"));
  // The context has no built-ins.
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { context { id: string } }"}})), IsEmpty());
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { user { x: int } }"},
                              {"b.ward", "schema { user { x: string } }"}})),
              ElementsAre("attribute `x` of user is already declared"));
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { action read on nothing }"}})),
              ElementsAre("unknown resource type `nothing`"));
  EXPECT_THAT(Errors(Compile({{"a.ward", "schema { resource r {} action read on r }"},
                              {"b.ward", "schema { action read on r }"}})),
              ElementsAre("action `read` is already declared on `r`"));
}

TEST(CheckerTest, ActionMustApplyToTheResourceType) {
  EXPECT_THAT(Errors(CompileRules("permit user to read on tool;")),
              ElementsAre("action `read` does not apply to `tool` (it applies to `dataset`)"));
}

TEST(CheckerTest, DuplicateIdsAreErrors) {
  EXPECT_THAT(Errors(CompileRules("@id(\"x\") permit user to invoke on tool;\n"
                                  "@id(\"x\") forbid user to invoke on tool;")),
              ElementsAre("duplicate rule id `x` (first used at rules.ward:1)"));
}

TEST(CheckerTest, InvalidRegexesAreErrors) {
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool matching /a(b/;")),
              ElementsAre(HasSubstr("invalid regular expression `a(b`")));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool with redact(/a/, \"\\\\1\");")),
              ElementsAre(HasSubstr("invalid replacement")));
}

TEST(CheckerTest, RegexMemoryBudgetIsACompileError) {
  CompileOptions options;
  options.check_options.max_regex_memory = 64 << 10;
  CompileResult result =
      Compile({{"schema.ward", kSchema},
               {"rules.ward", "permit user to invoke on tool matching /(\\w+\\s+\\d+){1000}/;"}},
              options);
  EXPECT_THAT(Errors(result), ElementsAre(HasSubstr("regular expression is too large")));
}

TEST(CheckerTest, ObligationsOnlyOnPermits) {
  EXPECT_THAT(Errors(CompileRules("forbid user to invoke on tool with log(full);")),
              ElementsAre("`with` is only allowed on `permit` rules, not on `forbid`"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool with limit(t, -1);")),
              ElementsAre("a limit must not be negative, found -1"));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool with log(loud);")),
              ElementsAre(HasSubstr("unknown log level `loud`")));
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool with log(full), log(none);")),
              ElementsAre("`log(...)` appears twice in this rule"));
}

TEST(CheckerTest, AnyRulesWarnAboutAttributesSomeKindsLack) {
  CompileResult result =
      CompileRules("permit any to invoke on tool when subject.department == \"hr\";");
  ASSERT_NE(result.policy, nullptr);
  EXPECT_THAT(Messages(result, Diagnostic::Severity::kWarning),
              ElementsAre(HasSubstr("attribute `department` is not declared for agent, builder")));
  // `has` is false on such kinds rather than an error, so it draws no warning.
  result = CompileRules("permit any to invoke on tool when subject has department;");
  ASSERT_NE(result.policy, nullptr);
  EXPECT_THAT(Messages(result, Diagnostic::Severity::kWarning), IsEmpty());
}

TEST(CheckerTest, AmbiguousAttributeTypesAcrossKindsAreErrors) {
  EXPECT_THAT(Errors(CompileRules("permit any to invoke on tool when delegator.clearance == 1;")),
              ElementsAre(HasSubstr("`delegator.clearance` is ambiguous")));
  // A rule of one kind reads that kind's declaration only.
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when subject.clearance == 1;")),
              IsEmpty());
}

TEST(CheckerTest, ReportsEveryIndependentError) {
  CompileResult result = CompileRules(
      "permit user to invok on tool;\n"
      "permit user to invoke on tool when subject.nope;\n"
      "permit user to invoke on tool when 1 == true;\n");
  EXPECT_THAT(Errors(result), SizeIs(3));
  EXPECT_EQ(result.policy, nullptr);
}

}  // namespace
}  // namespace ward
