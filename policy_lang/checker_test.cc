#include "policy_lang/checker.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

// Compiled keeping the checked rules, which some tests read.
CompileResult CompileRules(const std::string& rules) {
  CompileOptions options;
  options.keep_rules = true;
  return Compile({{"schema.ward", kSchema}, {"rules.ward", rules}}, options);
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
  unless context has approved and context.approved;
@id("c") forbid any to read on dataset matching /secret-.*/ when subject has team;
@id("d") require_approval builder to write on dataset "x"
  when context has deadline and context.deadline < now or "2026-01-01T00:00:00Z" >= now;
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
  EXPECT_THAT(
      Errors(CompileRules("permit user to invoke on tool when context.aproved;")),
      ElementsAre(
          "unknown context entry `aproved`; declare it in `context { ... }` in a schema block; did "
          "you mean `approved`?"));
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
  EXPECT_THAT(Errors(CompileRules("permit user to invoke on tool when context has deadline and "
                                  "context.deadline < \"soon\";")),
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

TEST(CheckerTest, ShadowTakesNoValueAndOtherAnnotationsNeedOne) {
  CompileResult shadow = CompileRules("@shadow\n@id(\"f\") forbid user to invoke on tool;");
  ASSERT_NE(shadow.policy, nullptr) << FormatDiagnostics(shadow.diagnostics);
  EXPECT_THAT(Errors(CompileRules("@shadow(\"yes\") forbid user to invoke on tool;")),
              ElementsAre("`@shadow` takes no value: write `@shadow` alone before the rule"));
  EXPECT_THAT(Errors(CompileRules("@id permit user to invoke on tool;")),
              ElementsAre("`@id` needs a value: `@id(\"...\")`"));
  EXPECT_THAT(Errors(CompileRules("@shadow @shadow permit user to invoke on tool;")),
              ElementsAre("annotation `@shadow` appears twice on this rule"));
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

TEST(CheckerTest, AnyRulesGuardAttributesSomeKindsLack) {
  EXPECT_THAT(
      Errors(CompileRules("permit any to invoke on tool when subject.department == \"hr\";")),
      ElementsAre("`subject.department` is not declared for agent, builder, so such a subject "
                  "does not have it; reading it without a guard fails at run time. Test it "
                  "first, earlier in the same `and` chain: `subject has department and "
                  "subject.department == \"hr\"`"));
  // `has` is false on such kinds, so it guards the read.
  CompileResult result = CompileRules(
      "permit any to invoke on tool when subject has department and subject.department == "
      "\"hr\";");
  ASSERT_NE(result.policy, nullptr) << FormatDiagnostics(result.diagnostics);
  EXPECT_THAT(Messages(result, Diagnostic::Severity::kWarning), IsEmpty());
}

TEST(CheckerTest, AmbiguousAttributeSpecsAcrossKindsAreErrors) {
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

// ---- Typed policies: presence and enums ----

constexpr char kTypedSchema[] = R"(schema {
  user  { department?: string, clearance: int, level: "junior" | "senior" }
  agent { task_scope: set<string> }
  resource tool { risk: "low" | "high", owner_team?: string }
  action invoke on tool
  context { channel: "web" | "cli", approved?: bool }
  args { amount: int }
}
)";

std::vector<std::string> TypedErrors(const std::string& rules) {
  return Errors(Compile({{"schema.ward", kTypedSchema}, {"rules.ward", rules}}));
}

TEST(PresenceTest, UnguardedReadsOfWhatMayBeAbsentAreErrorsThatSpellTheFix) {
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when subject.department == \"hr\";"),
              ElementsAre("`subject.department` is optional (declared `department?: string` "
                          "for user); reading it without a guard fails at run time. Test it "
                          "first, earlier in the same `and` chain: `subject has department and "
                          "subject.department == \"hr\"`"));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when resource.owner_team == \"x\";"),
              ElementsAre(HasSubstr("`resource.owner_team` is optional")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context.approved;"),
              ElementsAre(HasSubstr("`context.approved` is a context entry")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when args.amount > 1;"),
              ElementsAre(HasSubstr("`args.amount` is a tool argument")));
  EXPECT_THAT(TypedErrors("permit agent to invoke on tool when delegator.clearance > 1;"),
              ElementsAre(HasSubstr("`delegator.clearance` exists only when the request is made "
                                    "on behalf of someone")));
  EXPECT_THAT(TypedErrors("permit agent to invoke on tool when subject.owner == \"u1\";"),
              ElementsAre(HasSubstr("`subject.owner` is optional: not every identity has")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when now < subject.expires_at;"),
              ElementsAre(HasSubstr("`subject.expires_at` is optional")));
}

TEST(PresenceTest, TheFixInARestrictingWhenSaysHowToFailClosed) {
  // A guard in the `when` of a forbid turns it off when the value is absent: say so.
  EXPECT_THAT(TypedErrors("forbid user to invoke on tool when context.channel != \"web\";"),
              ElementsAre(HasSubstr("test the opposite in `unless` instead: `unless context has "
                                    "channel and <the opposite test>`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context.channel == \"web\";"),
              ElementsAre(testing::Not(HasSubstr("unless"))));
}

TEST(PresenceTest, RequiredAttributesNeedNoGuard) {
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when subject.clearance > 1 and "
                          "resource.risk == \"low\" and subject.id == \"u1\" and "
                          "subject.status == \"active\" and \"g\" in subject.groups;"),
              IsEmpty());
}

TEST(PresenceTest, GuardsFlowThroughAndOrWhenAndUnless) {
  // Earlier in the same `and` chain, however it is parenthesised.
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when (context has approved and "
                          "subject.clearance > 1) and context.approved;"),
              IsEmpty());
  // `when` proves what `unless` reads.
  EXPECT_THAT(TypedErrors("forbid user to invoke on tool when args has amount "
                          "unless args.amount < 10;"),
              IsEmpty());
  // Both sides of an `or` prove it.
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when (context has approved or "
                          "(context has approved and args has amount)) and context.approved;"),
              IsEmpty());
  // `has` on the delegator proves both the delegator and the attribute.
  EXPECT_THAT(TypedErrors("permit agent to invoke on tool when delegator has clearance and "
                          "delegator.clearance > 1;"),
              IsEmpty());
}

TEST(PresenceTest, WhatDoesNotProvePresenceIsRejected) {
  // A guard after the read, on one side of an `or` only, under `not`, or in `unless` for a read
  // in `when` proves nothing.
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context.approved and "
                          "context has approved;"),
              ElementsAre(HasSubstr("`context.approved`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when (context has approved or "
                          "subject.clearance > 1) and context.approved;"),
              ElementsAre(HasSubstr("`context.approved`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when not (context has approved) or "
                          "context.approved;"),
              ElementsAre(HasSubstr("`context.approved`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context.approved "
                          "unless context has approved;"),
              ElementsAre(HasSubstr("`context.approved`")));
  // A guard for another attribute or another root does not count.
  EXPECT_THAT(TypedErrors("permit agent to invoke on tool when subject has owner and "
                          "delegator.owner == \"u\";"),
              ElementsAre(HasSubstr("`delegator.owner`")));
  // Every unguarded read is reported, not only the first.
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context.approved;\n"
                          "permit user to invoke on tool when args.amount > 1;"),
              SizeIs(2));
}

TEST(EnumTest, LiteralsComparedWithAnEnumMustBeMembers) {
  EXPECT_THAT(TypedErrors("forbid any to invoke on tool when resource.risk == \"High\";"),
              ElementsAre("\"High\" is not a value of `resource.risk`, which is one of \"high\" "
                          "| \"low\"; did you mean \"high\"?"));
  EXPECT_THAT(TypedErrors("forbid any to invoke on tool when \"medium\" != resource.risk;"),
              ElementsAre(HasSubstr("\"medium\" is not a value of `resource.risk`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when subject.level in "
                          "[\"senior\", \"staff\"];"),
              ElementsAre(HasSubstr("\"staff\" is not a value of `subject.level`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when context has channel and "
                          "context.channel == \"email\";"),
              ElementsAre(HasSubstr("\"email\" is not a value of `context.channel`")));
  // Members, and every string operation, are fine.
  EXPECT_THAT(TypedErrors("forbid any to invoke on tool when resource.risk == \"high\" or "
                          "resource.risk starts_with \"x\" or resource.risk matches /h.*/ or "
                          "resource.risk in [\"low\"];"),
              IsEmpty());
}

TEST(EnumTest, SchemaDeclarationsAreChecked) {
  EXPECT_THAT(Errors(Compile({{"s.ward", R"(schema {
  resource tool { risk: "low" | "high" | "low" }
  action invoke on tool
})"}})),
              ElementsAre("enum member \"low\" of `risk` is listed twice"));
  // Two kinds that declare one attribute differently make `any` reads ambiguous.
  EXPECT_THAT(Errors(Compile({{"s.ward", R"(schema {
  user { tier: "a" | "b" }
  agent { tier: "a" | "c" }
  resource tool {}
  action invoke on tool
}
permit any to invoke on tool when subject has tier and subject.tier == "a";)"}})),
              ElementsAre(HasSubstr("`subject.tier` is ambiguous: user declares it \"a\" | "
                                    "\"b\" and agent declares it \"a\" | \"c\"")));
}

TEST(RecoveryTest, SemanticErrorsAreReportedWithSyntaxErrors) {
  // The rule with a syntax error is dropped; the others are still checked, so that one round of
  // fixes addresses every error.
  CompileResult result = Compile({{"schema.ward", kTypedSchema},
                                  {"rules.ward",
                                   "permit user to invoke on tool when "
                                   "subject.clearance >> 2;\n"
                                   "permit user to invoke on tool when "
                                   "subject.department == \"hr\";\n"
                                   "forbid any to invoke on tool when "
                                   "resource.risk == \"High\";\n"}});
  EXPECT_EQ(result.policy, nullptr);
  EXPECT_THAT(Errors(result), ElementsAre(HasSubstr("expected a value, found `>`"),
                                          HasSubstr("`subject.department` is optional"),
                                          HasSubstr("\"High\" is not a value")));
  // An incomplete schema block would make every name look unknown: only its syntax error is
  // reported.
  result = Compile({{"p.ward",
                     "schema {\n  user { clearance int }\n  resource tool {}\n"
                     "  action invoke on tool\n}\n"
                     "permit user to invoke on tool when subject.clearance > 1;\n"}});
  EXPECT_THAT(Errors(result), ElementsAre(HasSubstr("expected `:` after the attribute name")));
}

TEST(RegexWarningTest, BracesRe2ReadsLiterallyAreReported) {
  CompileResult result =
      CompileRules("permit user to invoke on tool when resource.id matches /\\d{3-\\d{2}/;");
  ASSERT_NE(result.policy, nullptr);  // valid for RE2, but not what was meant
  EXPECT_THAT(Messages(result, Diagnostic::Severity::kWarning),
              ElementsAre(HasSubstr("`{` is read as a literal brace, not a repetition")));
  for (const char* pattern : {"\\d{3}-\\d{2,}", "a{1,2}", "[{]x", "\\{3-"}) {
    result = CompileRules(
        absl::StrCat("permit user to invoke on tool when resource.id matches /", pattern, "/;"));
    ASSERT_NE(result.policy, nullptr) << pattern;
    EXPECT_THAT(Messages(result, Diagnostic::Severity::kWarning), IsEmpty()) << pattern;
  }
}

TEST(TypeHintTest, MembershipWrittenAsEqualityOrBackwardsSuggestsTheFix) {
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when subject.groups == \"finance\";"),
              ElementsAre(HasSubstr("to test membership write `\"finance\" in subject.groups`")));
  EXPECT_THAT(TypedErrors("permit user to invoke on tool when subject.groups in \"finance\";"),
              ElementsAre(HasSubstr("to test membership write `\"finance\" in subject.groups`")));
}

}  // namespace
}  // namespace ward
