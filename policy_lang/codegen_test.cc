// Code generation's handling of regular expressions: each pattern is compiled once.

#include "policy_lang/codegen.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "re2/re2.h"
#include "ward/bundle.h"
#include "ward/compile.h"

namespace ward::internal {
namespace {

// Patterns in a head, in conditions (one written twice) and in redactions (one the same text
// as a condition's).
constexpr char kPolicy[] = R"(schema {
  user { name: string }
  resource doc { title: string }
  action read, grep on doc
}
@id("head") permit user to grep on doc matching /log-[0-9]+/;
@id("when") permit user to read on doc when subject.name matches /a.*/
  with redact(/[0-9]{3}/, "***");
@id("unless") permit user to read on doc unless resource.title matches /a.*/
  with redact(/a.*/, "x");
)";

std::shared_ptr<const Policy> CompilePolicy() {
  CompileOptions options;
  options.keep_rules = true;  // the test compares the program with them
  CompileResult result = Compile({SourceFile{"policy.ward", kPolicy}}, options);
  EXPECT_NE(result.policy, nullptr) << FormatDiagnostics(result.diagnostics);
  return result.policy;
}

// The distinct objects among `regexes`, and checks that equal patterns share one.
absl::flat_hash_set<const re2::RE2*> Distinct(
    const std::vector<std::shared_ptr<const re2::RE2>>& regexes) {
  absl::flat_hash_set<const re2::RE2*> out;
  for (const auto& regex : regexes) {
    EXPECT_NE(regex, nullptr);
    out.insert(regex.get());
    for (const auto& other : regexes) {
      if (other->pattern() == regex->pattern()) {
        EXPECT_EQ(other.get(), regex.get()) << "/" << regex->pattern() << "/ compiled twice";
      }
    }
  }
  return out;
}

// The compiled policy's patterns are the very objects the checker compiled: nothing is
// compiled again after the checker, which bounded each pattern.
TEST(CodegenTest, ProgramTakesThePatternsTheCheckerCompiled) {
  const std::shared_ptr<const Policy> policy = CompilePolicy();
  ASSERT_NE(policy, nullptr);
  absl::flat_hash_set<const re2::RE2*> checked;
  for (const Rule& rule : IrOf(*policy).rules) {
    if (rule.resource.pattern) checked.insert(rule.resource.pattern.get());
    // Each condition here is a `matches` itself.
    for (const Expr* expr : {rule.when.get(), rule.unless.get()}) {
      if (expr != nullptr && expr->op == Expr::Op::kMatches) checked.insert(expr->regex.get());
    }
    for (const auto& regex : rule.redaction_regexes) checked.insert(regex.get());
  }

  const Program& program = ProgramOf(*policy);
  // Three patterns in code and heads (the condition pattern twice), two redactions.
  ASSERT_EQ(program.regex_patterns.size(), 3u);
  ASSERT_EQ(program.regexes.size(), 5u);
  const absl::flat_hash_set<const re2::RE2*> distinct = Distinct(program.regexes);
  EXPECT_EQ(distinct.size(), 3u);  // log-[0-9]+, a.*, [0-9]{3}
  for (const re2::RE2* regex : distinct) {
    EXPECT_TRUE(checked.contains(regex)) << "/" << regex->pattern() << "/ compiled again";
  }
  for (const ProgramRule& rule : program.rules) {
    for (const Redaction& redaction : rule.obligations.redact) {
      EXPECT_TRUE(distinct.contains(redaction.regex)) << redaction.pattern;
    }
  }
}

// A bundle's patterns, which no checker has seen, are compiled when it is loaded: each
// distinct pattern once, and the program decides as the compiled one does.
TEST(CodegenTest, LoadedProgramCompilesEachDistinctPatternOnce) {
  const std::shared_ptr<const Policy> policy = CompilePolicy();
  ASSERT_NE(policy, nullptr);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(SerializeBundle(*policy));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Program& program = ProgramOf(**loaded);
  ASSERT_EQ(program.regexes.size(), 5u);
  const absl::flat_hash_set<const re2::RE2*> distinct = Distinct(program.regexes);
  EXPECT_EQ(distinct.size(), 3u);
  for (const re2::RE2* regex : distinct) {
    EXPECT_FALSE(Distinct(ProgramOf(*policy).regexes).contains(regex));
    EXPECT_TRUE(regex->ok());
  }
  EXPECT_EQ((*loaded)->hash(), policy->hash());
}

// A request's action and resource type are found by a scan of the schema's few names: the
// symbol is Find's for every name, declared or not, named by a rule or not, with few actions
// (scanned) and many (looked up), compiled or loaded from a bundle.
TEST(CodegenTest, RequestNamesFindTheSymbolsFindDoes) {
  for (int actions : {3, 20}) {
    std::string text = "schema {\n  user { }\n  resource doc { }\n  resource tool { }\n";
    std::vector<std::string> names = {"alice", "doc", "tool", "unknown", "", "readx", "rea"};
    for (int i = 0; i < actions; ++i) {
      absl::StrAppend(&text, "  action ", i == 0 ? "read" : absl::StrCat("act", i), " on doc\n");
      names.push_back(i == 0 ? "read" : absl::StrCat("act", i));
    }
    // `act2` is declared but no rule names it; `alice` is a symbol but no action.
    absl::StrAppend(&text, "}\n@id(\"r\") permit user \"alice\" to read on doc;\n",
                    "@id(\"s\") permit user to act1 on doc;\n");
    CompileResult result = Compile({SourceFile{"names.ward", text}});
    ASSERT_NE(result.policy, nullptr) << FormatDiagnostics(result.diagnostics);
    absl::StatusOr<std::shared_ptr<const Policy>> loaded =
        LoadBundle(SerializeBundle(*result.policy));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    for (const Program* program : {&ProgramOf(*result.policy), &ProgramOf(**loaded)}) {
      EXPECT_EQ(program->action_symbols.size(), static_cast<size_t>(actions));
      EXPECT_EQ(program->resource_type_symbols.size(), 2u);
      for (const std::string& name : names) {
        EXPECT_EQ(program->FindAction(name), program->Find(name)) << actions << " " << name;
        EXPECT_EQ(program->FindResourceType(name), program->Find(name)) << actions << " " << name;
      }
      EXPECT_NE(program->FindAction("read"), kNoSymbol);
      EXPECT_NE(program->FindAction("alice"), kNoSymbol);
      EXPECT_NE(program->FindResourceType("doc"), kNoSymbol);
      if (actions > 2) {
        EXPECT_EQ(program->FindAction("act2"), kNoSymbol);
      }
    }
  }
}

}  // namespace
}  // namespace ward::internal
