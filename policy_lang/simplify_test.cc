// The simplify stage: which conditions it rewrites and to what, that the code generated from
// a rewritten condition is the code of the simpler one, and that the engine (which runs the
// rewritten code) decides, errors included, as the reference interpreter (which reads the
// conditions as written) does.

#include "policy_lang/simplify.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "lib/reference/interpreter.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"

namespace ward::internal {
namespace {

constexpr char kSchema[] = R"(schema {
  user { level: int, team: string, on_call: bool }
  resource doc { level: int }
  action read on doc
  context { approved: bool }
}
)";

// `resource.level == 3` errs on a resource that is neither stored nor given with attributes:
// the one evaluation error a checked policy can still raise.
constexpr char kErr[] = "resource.level == 3";

struct Case {
  std::string written;
  std::string simplest;  // empty: left as written
};

std::vector<Case> Cases() {
  const std::string err = kErr;
  return {
      {"not (subject.level == 1)", "subject.level != 1"},
      {"not (subject.team != \"a\")", "subject.team == \"a\""},
      {"not (subject.level < 2)", "subject.level >= 2"},
      {"not (subject.level >= 2)", "subject.level < 2"},
      {"not (subject.level <= 2)", "subject.level > 2"},
      {"not (subject.level > 2)", "subject.level <= 2"},
      {"not not subject.on_call", "subject.on_call"},
      {"not (not (subject.level == 1))", "subject.level == 1"},
      {"not not not subject.on_call", "not subject.on_call"},
      {"not true", "false"},
      {"true and subject.on_call", "subject.on_call"},
      {"subject.on_call and true", "subject.on_call"},
      {"false and " + err, "false"},
      {"false or subject.on_call", "subject.on_call"},
      {"subject.on_call or false", "subject.on_call"},
      {"true or " + err, "true"},
      {"true and not false", "true"},
      {"subject.on_call and not (subject.level == 1)", "subject.on_call and subject.level != 1"},
      {"context has approved and not (not context.approved)",
       "context has approved and context.approved"},
      {"(true and subject.on_call) == (subject.level > 1)",
       "subject.on_call == (subject.level > 1)"},
      // An operand that may err and decides nothing is kept: the rule errs when it does.
      {err + " and false", ""},
      {err + " or true", ""},
      {"not (subject.team in [\"a\", \"b\"])", ""},
      {"subject.on_call and subject.level == 1", ""},
  };
}

// One rule per condition, named r0, r1, ... in order, then (with `simplest`) one per
// simplified condition, named s0, s1, ...
std::string PolicyText(const std::vector<Case>& cases, bool simplest) {
  std::string text = kSchema;
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StrAppend(&text, "@id(\"r", i, "\") permit user to read on doc when ", cases[i].written,
                    ";\n");
    if (simplest && !cases[i].simplest.empty()) {
      absl::StrAppend(&text, "@id(\"s", i, "\") permit user to read on doc when ",
                      cases[i].simplest, ";\n");
    }
  }
  return text;
}

std::shared_ptr<const Policy> CompileKeepingRules(const std::string& text) {
  CompileOptions options;
  options.keep_rules = true;
  CompileResult result = Compile({SourceFile{"simplify.ward", text}}, options);
  EXPECT_NE(result.policy, nullptr) << FormatDiagnostics(result.diagnostics);
  return result.policy;
}

const Rule* RuleNamed(const PolicyIr& ir, const std::string& name) {
  for (const Rule& rule : ir.rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

const ProgramRule* ProgramRuleNamed(const Program& program, const std::string& name) {
  for (const ProgramRule& rule : program.rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

TEST(SimplifyTest, RewritesToTheSimplestEquivalent) {
  const std::vector<Case> cases = Cases();
  const std::shared_ptr<const Policy> policy = CompileKeepingRules(PolicyText(cases, true));
  ASSERT_NE(policy, nullptr);
  const PolicyIr& ir = IrOf(*policy);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Rule* written = RuleNamed(ir, absl::StrCat("r", i));
    ASSERT_NE(written, nullptr);
    ASSERT_NE(written->when, nullptr);
    const std::unique_ptr<Expr> simpler = SimplifyCondition(*written->when);
    if (cases[i].simplest.empty()) {
      EXPECT_TRUE(simpler == nullptr) << cases[i].written << " became " << ExprToString(*simpler);
      continue;
    }
    ASSERT_NE(simpler, nullptr) << cases[i].written << " was left as written";
    const Rule* expected = RuleNamed(ir, absl::StrCat("s", i));
    ASSERT_NE(expected, nullptr);
    EXPECT_EQ(ExprToString(*simpler), ExprToString(*expected->when)) << cases[i].written;
    // What it returns is already simplest.
    EXPECT_TRUE(SimplifyCondition(*simpler) == nullptr) << cases[i].written;
  }
}

// Code generation compiles the simplified condition: the code of a rewritten condition is as
// long as that of the condition it was rewritten to.
TEST(SimplifyTest, CodeIsGeneratedFromTheSimplifiedCondition) {
  const std::vector<Case> cases = Cases();
  const std::shared_ptr<const Policy> policy = CompileKeepingRules(PolicyText(cases, true));
  ASSERT_NE(policy, nullptr);
  const Program& program = ProgramOf(*policy);
  int shorter = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].simplest.empty()) continue;
    const ProgramRule* written = ProgramRuleNamed(program, absl::StrCat("r", i));
    const ProgramRule* expected = ProgramRuleNamed(program, absl::StrCat("s", i));
    ASSERT_NE(written, nullptr);
    ASSERT_NE(expected, nullptr);
    EXPECT_EQ(written->when.end - written->when.begin, expected->when.end - expected->when.begin)
        << cases[i].written;
    ++shorter;
  }
  EXPECT_EQ(shorter, 20);
}

// The engine runs the simplified code, the reference interpreter the conditions as written:
// for subjects, stored and unknown resources and context values that make each condition
// hold, not hold and err, both decide alike, rule by rule, with the same errors.
TEST(SimplifyTest, EngineDecidesAsTheConditionsAreWritten) {
  const std::vector<Case> cases = Cases();
  // One action per rule, so that each decision is one condition's.
  std::string text = kSchema;
  std::string actions;
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StrAppend(&actions, i == 0 ? "" : ", ", "a", i);
  }
  text.replace(text.find("action read on doc"), 18, absl::StrCat("action ", actions, " on doc"));
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StrAppend(&text, "@id(\"r", i, "\") permit user to a", i, " on doc when ",
                    cases[i].written, ";\n");
  }
  const std::shared_ptr<const Policy> policy = CompileKeepingRules(text);
  ASSERT_NE(policy, nullptr);
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(R"({
    "identities": [
      {"kind": "user", "id": "low", "status": "active",
       "attrs": {"level": 1, "team": "a", "on_call": true}},
      {"kind": "user", "id": "high", "status": "active",
       "attrs": {"level": 3, "team": "c", "on_call": false}}
    ],
    "resources": [{"type": "doc", "id": "stored", "attrs": {"level": 3}}]
  })",
                                                               policy->schema());
  ASSERT_TRUE(entities.ok()) << entities.status();
  auto engine = Engine::Create(policy, *entities);
  ASSERT_TRUE(engine.ok()) << engine.status();

  int allowed = 0, denied = 0, erred = 0;
  const absl::Time now = absl::FromUnixSeconds(1796083200);
  for (size_t i = 0; i < cases.size(); ++i) {
    for (const char* subject : {"low", "high"}) {
      for (const char* resource : {"stored", "unknown"}) {
        for (int approved = 0; approved < 3; ++approved) {
          Request request;
          request.subject = {SubjectKind::kUser, subject};
          request.action = absl::StrCat("a", i);
          request.resource = {"doc", resource, {}};
          if (approved < 2) request.context["approved"] = Value::Bool(approved == 1);
          request.now = now;
          const Decision engine_decision = (*engine)->Decide(request);
          const Decision reference = Interpret(IrOf(*policy), *entities, request, now, nullptr);
          const std::string what =
              absl::StrCat(cases[i].written, " for ", subject, " on ", resource);
          EXPECT_EQ(engine_decision.effect, reference.effect) << what;
          EXPECT_EQ(engine_decision.reason, reference.reason) << what;
          EXPECT_EQ(engine_decision.rules, reference.rules) << what;
          ASSERT_EQ(engine_decision.errors.size(), reference.errors.size()) << what;
          for (size_t e = 0; e < reference.errors.size(); ++e) {
            EXPECT_EQ(engine_decision.errors[e].rule, reference.errors[e].rule) << what;
            EXPECT_EQ(engine_decision.errors[e].message, reference.errors[e].message) << what;
          }
          allowed += engine_decision.effect == Effect::kAllow;
          denied += engine_decision.effect == Effect::kDeny;
          erred += !engine_decision.errors.empty();
        }
      }
    }
  }
  // The requests made conditions hold, fail and err.
  EXPECT_GT(allowed, 0);
  EXPECT_GT(denied, 0);
  EXPECT_GT(erred, 0);
}

// The linter's normal form: alternatives of conjunctions, negations pushed to the atoms.
TEST(SimplifyTest, AlternativesOfConjunctions) {
  const std::shared_ptr<const Policy> policy = CompileKeepingRules(absl::StrCat(
      kSchema,
      "@id(\"dnf\") permit user to read on doc when not (subject.on_call and subject.level == 1) "
      "and (subject.team == \"a\" or true);\n"
      "@id(\"never\") permit user to read on doc when subject.on_call and false;\n"));
  ASSERT_NE(policy, nullptr);
  const Rule* dnf = RuleNamed(IrOf(*policy), "dnf");
  ASSERT_NE(dnf, nullptr);
  Alternatives alternatives;
  ASSERT_TRUE(ToAlternatives(*dnf->when, true, &alternatives));
  // (not on_call or not level == 1) and (team == "a" or true): four alternatives, the ones
  // with `true` carrying no atom for it.
  ASSERT_EQ(alternatives.size(), 4u);
  std::vector<std::string> texts;
  for (const Conjunction& conjunction : alternatives) {
    std::string text;
    for (const Literal& literal : conjunction) {
      absl::StrAppend(&text, text.empty() ? "" : " & ", literal.positive ? "" : "!",
                      ExprToString(*literal.atom));
    }
    texts.push_back(text);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "!subject.on_call & subject.team == \"a\"", "!subject.on_call",
                       "!subject.level == 1 & subject.team == \"a\"", "!subject.level == 1"}));
  const Rule* never = RuleNamed(IrOf(*policy), "never");
  ASSERT_NE(never, nullptr);
  ASSERT_TRUE(ToAlternatives(*never->when, true, &alternatives));
  EXPECT_TRUE(alternatives.empty());
  // Too many alternatives: 9 factors of 2 is 512 > kMaxAlternatives.
  std::string wide = "(subject.on_call or subject.level == 0)";
  for (int i = 1; i < 9; ++i) {
    absl::StrAppend(&wide, " and (subject.on_call or subject.level == ", i, ")");
  }
  const std::shared_ptr<const Policy> wide_policy = CompileKeepingRules(
      absl::StrCat(kSchema, "@id(\"wide\") permit user to read on doc when ", wide, ";\n"));
  ASSERT_NE(wide_policy, nullptr);
  EXPECT_FALSE(ToAlternatives(*RuleNamed(IrOf(*wide_policy), "wide")->when, true, &alternatives));
}

}  // namespace
}  // namespace ward::internal
