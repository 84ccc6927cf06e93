// The linter: each kind of finding, where it is reported, and no finding on rules that can
// hold (including the examples' rules).

#include "policy_lang/linter.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/files.h"
#include "lib/internal/policy_access.h"
#include "testing/examples.h"
#include "ward/compile.h"

namespace ward {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSchema[] = R"(schema {
  user { department: string, clearance: int, nick: string, joined: timestamp, vip: bool }
  agent { task_scope: set<string> }
  builder { team: string }
  resource tool { risk: string, min_clearance: int }
  resource dataset { team: string }
  action invoke on tool
  action read, write on dataset
  context { approved: bool, channel: string, count: int }
  args { amount: int, confirmed: bool, to: string }
}
)";

// The linter reads the checked rules: policies are compiled keeping them.
CompileOptions KeepingRules() {
  CompileOptions options;
  options.keep_rules = true;
  return options;
}

// Lints `rules` (compiled with kSchema as schema.ward), with `entities` when not empty.
std::vector<Diagnostic> LintRules(const std::string& rules, const std::string& entities = "",
                                  const std::string& now = "2026-12-01T00:00:00Z") {
  std::vector<SourceFile> sources = {{"schema.ward", kSchema}, {"rules.ward", rules}};
  CompileResult compiled = Compile(sources, KeepingRules());
  EXPECT_NE(compiled.policy, nullptr) << FormatDiagnostics(compiled.diagnostics);
  if (compiled.policy == nullptr) return {};
  LintInput input;
  input.sources = &sources;
  input.ir = &internal::IrOf(*compiled.policy);
  EntityStore store;
  if (!entities.empty()) {
    absl::StatusOr<EntityStore> loaded = EntityStore::FromJson(entities, compiled.policy->schema());
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (loaded.ok()) store = *std::move(loaded);
    input.entities = &store;
    input.entities_name = "entities.json";
    input.entities_text = entities;
  }
  input.now = *ParseTimestamp(now);
  return Lint(input);
}

// The findings of one kind ("never-holds", ...), as messages.
std::vector<std::string> Findings(const std::vector<Diagnostic>& diagnostics,
                                  absl::string_view kind) {
  std::vector<std::string> messages;
  for (const Diagnostic& d : diagnostics) {
    EXPECT_EQ(d.severity, Diagnostic::Severity::kWarning);
    if (absl::EndsWith(d.message, absl::StrCat("[", kind, "]"))) messages.push_back(d.message);
  }
  return messages;
}

// The rule-level findings of `rules`: never-holds, shadowed and duplicate.
std::vector<std::string> RuleFindings(const std::string& rules) {
  std::vector<std::string> messages;
  for (const char* kind : {"never-holds", "shadowed", "duplicate"}) {
    for (std::string& m : Findings(LintRules(rules), kind)) messages.push_back(std::move(m));
  }
  return messages;
}

std::string Permit(const std::string& conditions) {
  return absl::StrCat("@id(\"r\") permit user to invoke on tool ", conditions, ";\n");
}

// ---- Exemptions the model controls ----

TEST(LinterModelControlledTest, WarnsWhereAnArgumentCanSwitchOffAGuard) {
  for (
      const char* rule : {
          // The model sets the flag it is exempted by.
          R"(@id("r") require_approval user to invoke on tool unless args has confirmed and args.confirmed;)",
          // Any argument read in `unless`.
          R"(@id("r") forbid user to invoke on tool unless args has to and args.to == "team";)",
          // A bool argument in `when`, whichever way it is tested.
          R"(@id("r") forbid user to invoke on tool when args has confirmed and not args.confirmed;)",
          // The rule needs an argument the model can leave out.
          R"(@id("r") require_approval user to invoke on tool when args has amount and args.amount > 10;)",
      }) {
    const std::vector<std::string> findings =
        Findings(LintRules(rule), "model-controlled-exemption");
    EXPECT_THAT(findings, ElementsAre(AllOf(HasSubstr("`r` can be switched off by `args."),
                                            HasSubstr("which the model controls"))))
        << rule;
  }
}

TEST(LinterModelControlledTest, QuietWhereTheArgumentDescribesTheAction) {
  for (
      const char* rule : {
          // The amount is what the tool will use: lowering it changes the action itself, and
          // leaving it out makes the rule hold.
          R"(@id("r") require_approval user to invoke on tool when not (args has amount and args.amount <= 10);)",
          // Leaving the argument out makes the rule hold: it fails closed.
          R"(@id("r") forbid user to invoke on tool when not (args has amount and args.amount <= 10);)",
          // Permits may read arguments as they like: they grant, they do not exempt.
          R"(@id("r") permit user to invoke on tool when args has confirmed and args.confirmed unless args has to;)",
          // The host's facts are not the model's.
          R"(@id("r") require_approval user to invoke on tool unless context has approved and context.approved;)",
      }) {
    EXPECT_THAT(Findings(LintRules(rule), "model-controlled-exemption"), IsEmpty()) << rule;
  }
}

// ---- Suppressing a finding ----

// `@allow("CODE")` silences that finding for the rule it is on, and only that one.
TEST(LinterAllowTest, SuppressesTheNamedFindingsOfItsRule) {
  const std::string contradiction = "when subject.clearance < 3 and subject.clearance > 5";
  EXPECT_THAT(RuleFindings(absl::StrCat("@allow(\"never-holds\") ", Permit(contradiction))),
              IsEmpty());
  // Another rule with the same fault is still reported.
  EXPECT_THAT(RuleFindings(absl::StrCat("@allow(\"never-holds\") ", Permit(contradiction),
                                        "@id(\"other\") permit user to invoke on tool ",
                                        contradiction, ";\n")),
              ElementsAre(HasSubstr("`other` can never hold")));
  // A code the rule does not need suppresses nothing else.
  EXPECT_THAT(RuleFindings(absl::StrCat("@allow(\"shadowed\") ", Permit(contradiction))),
              ElementsAre(HasSubstr("can never hold")));
  const std::string exemption =
      R"(@id("r") @allow("shadowed, model-controlled-exemption") require_approval user to invoke on tool unless args has confirmed and args.confirmed;)";
  EXPECT_THAT(Findings(LintRules(exemption), "model-controlled-exemption"), IsEmpty());
  const std::string twice = R"(@id("a") @allow("duplicate") permit user to invoke on tool;
@id("b") @allow("duplicate") permit user to invoke on tool;
)";
  EXPECT_THAT(RuleFindings(twice), IsEmpty());
}

TEST(LinterAllowTest, UnknownCodesAreCompileErrors) {
  CompileResult compiled =
      Compile({{"schema.ward", kSchema},
               {"rules.ward", R"(@id("r") @allow("never-hold") permit user to invoke on tool;)"}});
  EXPECT_EQ(compiled.policy, nullptr);
  EXPECT_THAT(FormatDiagnostics(compiled.diagnostics),
              AllOf(HasSubstr("rules.ward:1:17: error: `@allow` takes duplicate, shadowed, "
                              "never-holds, model-controlled-exemption"),
                    HasSubstr("not `never-hold`"), HasSubstr("`never-holds`")));
}

// ---- Rules that can never hold ----

TEST(LinterNeverHoldsTest, ContradictoryEqualities) {
  EXPECT_THAT(
      RuleFindings(Permit(R"(when subject.department == "a" and subject.department == "b")")),
      ElementsAre(AllOf(HasSubstr("permit `r` can never hold"),
                        HasSubstr("its `when` condition is never true"),
                        HasSubstr("the conditions on `subject.department` cannot all be true"),
                        HasSubstr("[never-holds]"))));
}

TEST(LinterNeverHoldsTest, EmptyRanges) {
  EXPECT_THAT(RuleFindings(Permit("when subject.clearance < 3 and subject.clearance > 5")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when subject.clearance >= 3 and not (subject.clearance > 2)")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when 3 > subject.clearance and subject.clearance >= 3")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when subject.clearance > 9223372036854775807")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when subject.clearance >= 1 and subject.clearance <= 2 and "
                                  "subject.clearance != 1 and subject.clearance != 2")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(
      RuleFindings(Permit(R"(when now < "2020-01-01T00:00:00Z" and now > "2030-01-01T00:00:00Z")")),
      ElementsAre(HasSubstr("the conditions on `now` cannot all be true")));
}

TEST(LinterNeverHoldsTest, ConstantConditions) {
  EXPECT_THAT(RuleFindings(Permit("when false")),
              ElementsAre(HasSubstr("its `when` condition is never true")));
  EXPECT_THAT(RuleFindings(Permit("unless true")),
              ElementsAre(HasSubstr("its `unless` condition is always true")));
  EXPECT_THAT(RuleFindings(Permit("when 1 == 2")),
              ElementsAre(HasSubstr("`1 == 2` is never true")));
  EXPECT_THAT(RuleFindings(Permit(R"(when "a" in ["b"] or false)")),
              ElementsAre(HasSubstr("can never hold")));
}

TEST(LinterNeverHoldsTest, WhenAndUnlessExcludeEachOther) {
  EXPECT_THAT(
      RuleFindings(Permit(R"(when resource.risk == "high" unless resource.risk == "high")")),
      ElementsAre(HasSubstr("its `when` and `unless` conditions exclude each other")));
  EXPECT_THAT(RuleFindings(Permit("when subject.clearance > resource.min_clearance unless "
                                  "resource.min_clearance < subject.clearance")),
              ElementsAre(HasSubstr("exclude each other")));
  EXPECT_THAT(RuleFindings(Permit("when context has approved and context.approved unless "
                                  "context.approved or (context has count and context.count > 3)")),
              ElementsAre(HasSubstr("exclude each other")));
}

TEST(LinterNeverHoldsTest, EmptyListsAndSets) {
  EXPECT_THAT(RuleFindings(Permit("when subject.department in []")),
              ElementsAre(HasSubstr("`subject.department in []` is never true")));
  EXPECT_THAT(RuleFindings(
                  Permit(R"(when subject.department in ["a", "b"] and subject.department == "c")")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit(
                  R"(when subject.department in ["a", "b"] and subject.department in ["c"])")),
              ElementsAre(HasSubstr("can never hold")));
}

TEST(LinterNeverHoldsTest, StringsPrefixesAndPatterns) {
  EXPECT_THAT(RuleFindings(Permit(
                  R"(when subject.nick starts_with "ab" and subject.nick starts_with "ac")")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(
      RuleFindings(Permit(R"(when subject.nick == "bob" and subject.nick starts_with "al")")),
      ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit(
                  R"(when subject.nick starts_with "ab" and not (subject.nick starts_with "a"))")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(
      RuleFindings(Permit(R"(when subject.nick matches /[a-z]+/ and subject.nick == "B0b")")),
      ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit(
                  R"(when subject.nick matches /x.*/ and not (subject.nick matches /x.*/))")),
              ElementsAre(HasSubstr("can never hold")));
}

TEST(LinterNeverHoldsTest, BoolsAndNegations) {
  EXPECT_THAT(RuleFindings(Permit(
                  "when context has approved and context.approved and not context.approved")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when context has approved and context.approved == true and "
                                  "context.approved == false")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit("when subject.department != resource.risk and "
                                  "resource.risk == subject.department")),
              ElementsAre(HasSubstr("cannot both be true")));
}

TEST(LinterNeverHoldsTest, EveryAlternativeIsContradictory) {
  EXPECT_THAT(RuleFindings(Permit("when (subject.clearance == 1 or subject.clearance == 2) and "
                                  "subject.clearance > 5")),
              ElementsAre(HasSubstr("can never hold")));
}

TEST(LinterNeverHoldsTest, PresenceAndTheLifecycleGuard) {
  EXPECT_THAT(RuleFindings(Permit("when not (context has count) and context has count and "
                                  "context.count > 1")),
              ElementsAre(HasSubstr("the conditions on `context.count` cannot all be true")));
  EXPECT_THAT(RuleFindings(Permit("when not (subject has id)")),
              ElementsAre(HasSubstr("can never hold")));
  EXPECT_THAT(RuleFindings(Permit(R"(when subject.status == "suspended")")),
              ElementsAre(AllOf(HasSubstr("can never hold"),
                                HasSubstr("rules are evaluated only for an active subject"))));
  EXPECT_THAT(RuleFindings(Permit(R"(unless subject.status == "active")")),
              ElementsAre(HasSubstr("its `unless` condition is always true")));
}

TEST(LinterNeverHoldsTest, ReportedAtTheContradictingCondition) {
  const std::vector<Diagnostic> findings = LintRules(
      "@id(\"r\")\npermit user to invoke on tool\n  when subject.clearance < 3\n"
      "    and subject.clearance > 5;\n");
  const std::vector<std::string> never = Findings(findings, "never-holds");
  ASSERT_EQ(never.size(), 1u);
  for (const Diagnostic& d : findings) {
    if (!absl::EndsWith(d.message, "[never-holds]")) continue;
    EXPECT_EQ(d.source, "rules.ward");
    EXPECT_EQ(d.line, 4);
    EXPECT_EQ(d.column, 9);
    EXPECT_EQ(d.source_line, "    and subject.clearance > 5;");
  }
}

TEST(LinterNeverHoldsTest, NoFindingOnRulesThatCanHold) {
  for (const char* conditions : {
           R"(when subject.department == "a" or subject.department == "b")",
           "when subject.clearance >= 3 and subject.clearance <= 3",
           "when subject.clearance != 1 and subject.clearance != 2",
           "when subject.clearance in [1, 2] and subject.clearance != 1",
           R"(when subject.department == resource.risk and subject.department != "x")",
           "when context has approved and context.approved",
           "when context has approved and context.approved unless context has count and "
           "context.count > 3",
           R"(when subject.nick starts_with "a" and subject.nick starts_with "ab")",
           R"(when subject.nick matches /[a-z]+/ and subject.nick == "bob")",
           R"(when subject.nick starts_with "ab" and not (subject.nick starts_with "abc"))",
           R"(when subject.status == "active")",
           R"(when now < "2030-01-01T00:00:00Z" and subject.joined < now)",
           "when (context has count and context.count < 3) or not (context has count)",
           "when subject.vip or not subject.vip",
           "unless false",
           "when true",
       }) {
    EXPECT_THAT(RuleFindings(Permit(conditions)), IsEmpty()) << conditions;
  }
}

// ---- Shadowed rules ----

TEST(LinterShadowedTest, UnconditionalForbidCoveringThePermit) {
  EXPECT_THAT(
      RuleFindings(R"(
@id("p") permit user in group "g" to invoke on tool in ["a", "b"] when subject.clearance > 1;
@id("f") forbid any to invoke on tool;
)"),
      ElementsAre(AllOf(HasSubstr("permit `p` never takes effect: forbid `f` (rules.ward:3)"),
                        HasSubstr("has no conditions"), HasSubstr("[shadowed]"))));
  EXPECT_THAT(RuleFindings(R"(
@id("a") require_approval user to invoke on tool "t/1";
@id("f") forbid user to invoke on tool under ["t"];
)"),
              ElementsAre(HasSubstr("require_approval `a` never takes effect")));
  EXPECT_THAT(RuleFindings(R"(
@id("p") permit builder to read on dataset in ["eval/x/v1", "eval/y/v2"];
@id("f") forbid builder to [read, write] on dataset matching /eval\/.*/;
)"),
              ElementsAre(HasSubstr("permit `p` never takes effect")));
}

TEST(LinterShadowedTest, ForbidWithTheSameConditions) {
  EXPECT_THAT(RuleFindings(R"(
@id("p") permit user to invoke on tool when resource.risk == "low";
@id("f") forbid user to invoke on tool when resource.risk == "low";
)"),
              ElementsAre(HasSubstr("under the same conditions")));
}

TEST(LinterShadowedTest, NoFindingWhenTheForbidCoversLess) {
  EXPECT_THAT(RuleFindings(R"(
@id("p1") permit user to invoke on tool;
@id("p2") permit agent to invoke on tool "x";
@id("p3") permit builder to read on dataset under "a/";
@id("p4") permit user to invoke on tool when resource.risk == "low";
@id("f1") forbid user in group "contractors" to invoke on tool;
@id("f2") forbid agent to invoke on tool "y";
@id("f3") forbid builder to read on dataset under "a/b/";
@id("f4") forbid user to invoke on tool when resource.risk == "high";
@id("f5") forbid builder to write on dataset under "a/";
)"),
              IsEmpty());
}

// A generated policy of a few thousand rules in which the shadowed pairs are known: the
// linter looks up the forbids that may cover a rule by its head rather than trying them all,
// and must still find every pair, and name the first covering forbid in rule order.
TEST(LinterShadowedTest, LargeGeneratedPolicyReportsEveryShadowedPair) {
  constexpr int kN = 400;
  std::string rules;
  for (int k = 0; k < kN; ++k) {
    // Shadowed by an unconditional forbid of a group; the permit to one user is not.
    absl::StrAppend(&rules, "@id(\"fa", k, "\") forbid user in group \"g", k,
                    "\" to invoke on tool;\n", "@id(\"pa", k, "\") permit user in group \"g", k,
                    "\" to invoke on tool \"t", k, "\";\n", "@id(\"qa", k, "\") permit user \"u", k,
                    "\" to invoke on tool;\n");
    // Shadowed under the same conditions, by `fb` or, for even k < kN / 2, by the
    // unconditional `fe` written before it; the permit with other conditions is not.
    const std::string fe =
        absl::StrCat("@id(\"fe", k, "\") forbid any to read on dataset in [\"d", k, "\"];\n");
    if (k < kN / 2 && k % 2 == 0) rules += fe;
    absl::StrAppend(&rules, "@id(\"fb", k, "\") forbid agent \"a", k,
                    "\" to [read, write] on dataset in [\"d", k, "\", \"e", k,
                    "\"] when context has count and context.count > ", k, ";\n");
    if (k < kN / 2 && k % 2 == 1) rules += fe;
    absl::StrAppend(&rules, "@id(\"pb", k, "\") permit agent \"a", k, "\" to read on dataset \"d",
                    k, "\" when context has count and context.count > ", k, ";\n", "@id(\"qb", k,
                    "\") permit agent \"a", k, "\" to read on dataset \"e", k,
                    "\" when context has count and context.count > ", k + 1, ";\n");
    // Shadowed by a forbid of a prefix; the permit outside it is not.
    absl::StrAppend(&rules, "@id(\"fc", k, "\") forbid any to read on dataset under \"team", k,
                    "/\";\n", "@id(\"pc", k, "\") permit user to read on dataset \"team", k,
                    "/x\";\n", "@id(\"qc", k, "\") permit user to read on dataset \"other", k,
                    "/x\";\n");
  }
  const std::vector<std::string> shadowed = Findings(LintRules(rules), "shadowed");
  ASSERT_EQ(shadowed.size(), 3 * kN);
  int by_kind[3] = {0, 0, 0};
  for (const std::string& message : shadowed) {
    // "permit `pb17` never takes effect: forbid `fb17` (...": the permit's kind and number.
    constexpr absl::string_view kLead = "permit `p";
    ASSERT_TRUE(absl::StartsWith(message, kLead)) << message;
    const char kind = message[kLead.size()];
    const size_t end = message.find('`', kLead.size());
    int k = -1;
    ASSERT_TRUE(absl::SimpleAtoi(message.substr(kLead.size() + 1, end - kLead.size() - 1), &k))
        << message;
    ASSERT_TRUE(kind >= 'a' && kind <= 'c') << message;
    ++by_kind[kind - 'a'];
    const bool by_fe = kind == 'b' && k < kN / 2 && k % 2 == 0;
    EXPECT_THAT(message, HasSubstr(absl::StrCat("forbid `", by_fe ? "fe" : std::string("f") + kind,
                                                k, "` (")));
  }
  EXPECT_THAT(by_kind, ElementsAre(kN, kN, kN));
}

// ---- Duplicates ----

TEST(LinterDuplicateTest, SameEffectHeadAndConditions) {
  EXPECT_THAT(
      RuleFindings(R"(
@id("a") permit user to invoke on tool when subject.clearance > 1;
@id("b") permit user to invoke on tool when subject.clearance > 1 with log(full);
@id("c") permit user to invoke on tool when subject.clearance > 2;
@id("d") forbid user to invoke on tool when subject.clearance > 1;
)"),
      // The forbid with the same conditions shadows `a`; `b` is reported as a repeat.
      ElementsAre(HasSubstr("permit `a` never takes effect"),
                  AllOf(HasSubstr("permit `b` repeats `a` (rules.ward:2)"),
                        HasSubstr("only the obligations differ"), HasSubstr("[duplicate]"))));
}

// ---- Unused attributes ----

TEST(LinterUnusedAttributeTest, AttributesNoRuleReads) {
  const std::vector<std::string> unused = Findings(LintRules(R"(
@id("a") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
@id("b") permit any to read on dataset when subject has team and delegator has nick
  and delegator.nick == "x";
@id("c") permit agent to invoke on tool when context has approved and context.approved;
@id("d") permit agent to invoke on tool when args has to;
)"),
                                                   "unused-attribute");
  EXPECT_THAT(
      unused,
      ElementsAre(HasSubstr("attribute `department` of user is declared but no rule reads it"),
                  HasSubstr("attribute `joined` of user"), HasSubstr("attribute `vip` of user"),
                  HasSubstr("attribute `task_scope` of agent"),
                  HasSubstr("attribute `risk` of resource type `tool`"),
                  HasSubstr("attribute `team` of resource type `dataset`"),
                  HasSubstr("context entry `channel`"), HasSubstr("context entry `count`"),
                  HasSubstr("argument `amount`"), HasSubstr("argument `confirmed`")));
}

TEST(LinterUnusedAttributeTest, ReportedAtTheDeclaration) {
  for (const Diagnostic& d : LintRules("")) {
    if (d.message.rfind("attribute `task_scope` of agent", 0) != 0) continue;
    EXPECT_EQ(d.source, "schema.ward");
    EXPECT_EQ(d.line, 3);
    EXPECT_EQ(d.column, 11);
    return;
  }
  ADD_FAILURE() << "no finding for agent.task_scope";
}

// ---- Entities ----

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"department": "d", "clearance": 1, "nick": "n", "joined": "2026-01-01T00:00:00Z", "vip": false}},
  {"kind": "user", "id": "u-owner", "status": "active", "attrs": {"department": "d", "clearance": 1, "nick": "n", "joined": "2026-01-01T00:00:00Z", "vip": false}},
  {"kind": "user", "id": "u-gone", "status": "suspended", "attrs": {"department": "d", "clearance": 1, "nick": "n", "joined": "2026-01-01T00:00:00Z", "vip": false}},
  {"kind": "user", "id": "u-revoked", "status": "revoked", "attrs": {"department": "d", "clearance": 1, "nick": "n", "joined": "2026-01-01T00:00:00Z", "vip": false}},
  {"kind": "user", "id": "u-old", "status": "active", "expires_at": "2026-01-01T00:00:00Z", "attrs": {"department": "d", "clearance": 1, "nick": "n", "joined": "2026-01-01T00:00:00Z", "vip": false}},
  {"kind": "agent", "id": "a-ok", "owner": "u-owner", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "agent", "id": "a-orphan", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "agent", "id": "a-ghost-owner", "owner": "nobody", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "agent", "id": "a-agent-owner", "owner": "a-ok", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "agent", "id": "a-gone-owner", "owner": "u-gone", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "agent", "id": "a-old-owner", "owner": "u-old", "status": "active", "attrs": {"task_scope": []}},
  {"kind": "builder", "id": "b-grouped", "owner": "u-owner", "status": "active", "groups": ["ml"], "attrs": {"team": "t"}},
  {"kind": "builder", "id": "b-alone", "owner": "u-owner", "status": "expired", "attrs": {"team": "t"}},
  {"kind": "builder", "id": "b-nothing", "owner": "u-owner", "status": "active", "attrs": {"team": "t"}}
], "resources": []})";

constexpr char kEntityRules[] = R"(
@id("users") permit user "u1" to invoke on tool;
@id("agents") permit agent to invoke on tool;
@id("ml") permit builder in group "ml" to read on dataset;
)";

TEST(LinterEntitiesTest, UnownedIdentities) {
  // In the order of the entity file.
  EXPECT_THAT(
      Findings(LintRules(kEntityRules, kEntities), "unowned-identity"),
      ElementsAre(HasSubstr("agent `a-orphan` has no owner"),
                  HasSubstr("agent `a-ghost-owner` is owned by `nobody`, who is not in the "
                            "entity file"),
                  HasSubstr("agent `a-agent-owner` is owned by agent `a-ok`, but an owner "
                            "must be a user"),
                  HasSubstr("agent `a-gone-owner` is owned by user `u-gone`, who is "
                            "suspended"),
                  HasSubstr("agent `a-old-owner` is owned by user `u-old`, who is expired")));
}

TEST(LinterEntitiesTest, InactiveIdentities) {
  EXPECT_THAT(
      Findings(LintRules(kEntityRules, kEntities), "inactive-identity"),
      ElementsAre(HasSubstr("user `u-gone` is suspended"), HasSubstr("user `u-revoked` is revoked"),
                  HasSubstr("user `u-old` is expired (at 2026-01-01T00:00:00Z)"),
                  HasSubstr("builder `b-alone` is expired")));
  // Expiry is judged at the given time.
  EXPECT_THAT(
      Findings(LintRules(kEntityRules, kEntities, "2025-06-01T00:00:00Z"), "inactive-identity"),
      ::testing::Not(::testing::Contains(HasSubstr("u-old"))));
}

TEST(LinterEntitiesTest, IdentitiesNoRuleAppliesTo) {
  // u-owner owns agents and builders: it needs no rule of its own. Inactive identities are
  // reported as such only.
  EXPECT_THAT(Findings(LintRules(kEntityRules, kEntities), "unreachable-identity"),
              ElementsAre(HasSubstr("no rule applies to builder `b-nothing`")));
}

TEST(LinterEntitiesTest, ReportedAtTheIdInTheEntityFile) {
  for (const Diagnostic& d : LintRules(kEntityRules, kEntities)) {
    if (!absl::StrContains(d.message, "`a-orphan` has no owner")) continue;
    EXPECT_EQ(d.source, "entities.json");
    EXPECT_EQ(d.line, 8);
    EXPECT_EQ(d.column, 27);
    return;
  }
  ADD_FAILURE() << "no finding for a-orphan";
}

// ---- The examples ----

// The examples' rules are all meant to hold sometimes, to take effect and to differ. What
// the linter reports on them is by design: schema attributes kept for documentation, and the
// identities their entity files hold to show the lifecycle guard (suspended, revoked, expired
// and unowned ones).
TEST(LinterExamplesTest, NoRuleFindingsOnTheExamples) {
  const std::vector<testing_support::ExamplePolicySet> examples =
      testing_support::ExamplePolicySets();
  ASSERT_FALSE(examples.empty());
  for (const testing_support::ExamplePolicySet& example : examples) {
    absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(example.policy_files);
    ASSERT_TRUE(sources.ok()) << sources.status();
    CompileResult compiled = Compile(*sources, KeepingRules());
    ASSERT_NE(compiled.policy, nullptr) << FormatDiagnostics(compiled.diagnostics);
    const std::string& entities_path = example.entities_file;
    absl::StatusOr<std::string> text = internal::ReadFile(entities_path, 1 << 20);
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<EntityStore> store = EntityStore::FromJson(*text, compiled.policy->schema());
    ASSERT_TRUE(store.ok()) << store.status();
    LintInput input;
    input.sources = &*sources;
    input.ir = &internal::IrOf(*compiled.policy);
    input.entities = &*store;
    input.entities_name = entities_path;
    input.entities_text = *text;
    input.now = *ParseTimestamp("2026-12-01T00:00:00Z");
    for (const Diagnostic& d : Lint(input)) {
      EXPECT_TRUE(absl::EndsWith(d.message, "[unused-attribute]") ||
                  absl::EndsWith(d.message, "[inactive-identity]") ||
                  absl::EndsWith(d.message, "[unowned-identity]"))
          << FormatDiagnostic(d);
    }
  }
}

}  // namespace
}  // namespace ward
