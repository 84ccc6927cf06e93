#include "policy_lang/parser.h"

#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy_lang/ast.h"
#include "policy_lang/ast_dump.h"
#include "policy_lang/diagnostics.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using ast::Expr;

// The full example policy of LANGUAGE.md.
constexpr absl::string_view kLanguageMdExample = R"ward(schema {
  user    { department: string, clearance: int }
  agent   { task_scope: set<string> }
  builder { team: string, pipelines: set<string> }

  resource tool    { risk: string, min_clearance: int }
  resource dataset { classification: int, team: string }
  resource data    { level: int }

  action invoke on tool
  action read, write on dataset
  action reveal on data

  context { approved: bool, output_tokens: int }
}

@id("agent-a17-scope")
permit agent "a17" to invoke on tool in ["search", "calendar.read"];

@id("users-delegate-tools")
permit user to invoke on tool when subject.clearance >= resource.min_clearance;

@id("high-risk-needs-approval")
require_approval any to invoke on tool when resource.risk == "high" unless context.approved;

@id("hr-reveal")
permit user to reveal on data when subject.department == "hr"
  with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]"), limit(output_tokens, 4000), log(full);

@id("vision-pipelines")
permit builder to read on dataset under "vision/raw/" when subject.team == "vision";

@id("restricted-needs-team")
forbid builder to read on dataset when resource.classification == 3
  unless subject.team == resource.team;
)ward";

struct Parsed {
  ast::File file;
  std::vector<Diagnostic> diagnostics;
};

Parsed Parse(absl::string_view text, const ParseLimits& limits = {}) {
  Parsed parsed;
  parsed.file = ParseSource("test.ward", text, &parsed.diagnostics, limits);
  return parsed;
}

// The diagnostics of `text` as "LINE:COL: message".
std::vector<std::string> Errors(absl::string_view text, const ParseLimits& limits = {}) {
  std::vector<std::string> out;
  for (const Diagnostic& d : Parse(text, limits).diagnostics) {
    out.push_back(absl::StrCat(d.line, ":", d.column, ": ", d.message));
  }
  return out;
}

std::vector<const ast::Rule*> Rules(const ast::File& file) {
  std::vector<const ast::Rule*> rules;
  for (const ast::Item& item : file.items) {
    if (const auto* rule = std::get_if<ast::Rule>(&item)) rules.push_back(rule);
  }
  return rules;
}

std::vector<const ast::SchemaBlock*> Schemas(const ast::File& file) {
  std::vector<const ast::SchemaBlock*> blocks;
  for (const ast::Item& item : file.items) {
    if (const auto* block = std::get_if<ast::SchemaBlock>(&item)) blocks.push_back(block);
  }
  return blocks;
}

// Parses `text`, which must be one clean rule.
ast::Rule OneRule(absl::string_view text) {
  Parsed parsed = Parse(text);
  EXPECT_THAT(parsed.diagnostics, IsEmpty()) << FormatDiagnostics(parsed.diagnostics);
  EXPECT_THAT(parsed.file.items, SizeIs(1)) << text;
  if (parsed.file.items.size() != 1 || !std::holds_alternative<ast::Rule>(parsed.file.items[0])) {
    return ast::Rule();
  }
  return std::move(std::get<ast::Rule>(parsed.file.items[0]));
}

// A compact, fully parenthesised rendering of an expression (small trees only).
std::string Sexp(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kString:
      return absl::StrCat("\"", e.string_value, "\"");
    case Expr::Kind::kInt:
      return absl::StrCat(e.int_value);
    case Expr::Kind::kBool:
      return e.bool_value ? "true" : "false";
    case Expr::Kind::kNow:
      return "now";
    case Expr::Kind::kPath:
      return e.attribute.name.empty()
                 ? std::string(ast::PathRootKeyword(e.root))
                 : absl::StrCat(ast::PathRootKeyword(e.root), ".", e.attribute.name);
    case Expr::Kind::kList: {
      std::vector<std::string> items;
      for (const auto& operand : e.operands) items.push_back(Sexp(*operand));
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
    case Expr::Kind::kHas:
      return absl::StrCat("(has ", ast::PathRootKeyword(e.root), " ", e.attribute.name, ")");
    case Expr::Kind::kNot:
      return absl::StrCat("(not ", Sexp(*e.operands[0]), ")");
    case Expr::Kind::kBinary:
      return absl::StrCat("(", ast::BinaryOpText(e.op), " ", Sexp(*e.operands[0]), " ",
                          Sexp(*e.operands[1]), ")");
    case Expr::Kind::kMatches:
      return absl::StrCat("(matches ", Sexp(*e.operands[0]), " /", e.regex.pattern, "/)");
  }
  return "?";
}

// The `when` condition `condition` as an s-expression, or the first error.
std::string Cond(absl::string_view condition) {
  Parsed parsed = Parse(absl::StrCat("permit user to x on y when ", condition, ";"));
  if (!parsed.diagnostics.empty()) {
    return absl::StrCat("error ", parsed.diagnostics[0].column, ": ",
                        parsed.diagnostics[0].message);
  }
  std::vector<const ast::Rule*> rules = Rules(parsed.file);
  if (rules.size() != 1 || rules[0]->when == nullptr) return "no rule";
  return Sexp(*rules[0]->when);
}

std::string Pos(const ast::Location& location) {
  return absl::StrCat(location.line, ":", location.column);
}
std::string Pos(const ast::Span& span) { return absl::StrCat(Pos(span.begin), "-", Pos(span.end)); }

// ---- The example and every production ----

TEST(ParserTest, LanguageMdExampleParsesCleanly) {
  Parsed parsed = Parse(kLanguageMdExample);
  EXPECT_THAT(parsed.diagnostics, IsEmpty()) << FormatDiagnostics(parsed.diagnostics);
  EXPECT_EQ(parsed.file.source_name, "test.ward");
  ASSERT_THAT(parsed.file.items, SizeIs(7));
  ASSERT_THAT(Schemas(parsed.file), SizeIs(1));
  const ast::SchemaBlock& schema = *Schemas(parsed.file)[0];
  ASSERT_THAT(schema.items, SizeIs(10));
  EXPECT_EQ(schema.items[0].kind, ast::SchemaItem::Kind::kSubject);
  EXPECT_EQ(schema.items[0].subject_kind, SubjectKind::kUser);
  ASSERT_THAT(schema.items[0].attributes, SizeIs(2));
  EXPECT_EQ(schema.items[0].attributes[1].name.name, "clearance");
  EXPECT_EQ(schema.items[0].attributes[1].type, Type::kInt);
  EXPECT_EQ(schema.items[1].subject_kind, SubjectKind::kAgent);
  EXPECT_EQ(schema.items[1].attributes[0].type, Type::kStringSet);
  EXPECT_EQ(schema.items[2].subject_kind, SubjectKind::kBuilder);
  EXPECT_EQ(schema.items[3].kind, ast::SchemaItem::Kind::kResource);
  EXPECT_EQ(schema.items[3].resource_type.name, "tool");
  EXPECT_EQ(schema.items[7].kind, ast::SchemaItem::Kind::kAction);
  ASSERT_THAT(schema.items[7].actions, SizeIs(2));
  EXPECT_EQ(schema.items[7].actions[1].name, "write");
  ASSERT_THAT(schema.items[7].action_resource_types, SizeIs(1));
  EXPECT_EQ(schema.items[7].action_resource_types[0].name, "dataset");
  EXPECT_EQ(schema.items[9].kind, ast::SchemaItem::Kind::kContext);
  EXPECT_EQ(schema.items[9].attributes[0].type, Type::kBool);

  const std::vector<const ast::Rule*> rules = Rules(parsed.file);
  ASSERT_THAT(rules, SizeIs(6));
  std::vector<std::string> ids;
  for (const ast::Rule* rule : rules) ids.push_back(rule->annotations.at(0).value.value);
  EXPECT_THAT(ids,
              ElementsAre("agent-a17-scope", "users-delegate-tools", "high-risk-needs-approval",
                          "hr-reveal", "vision-pipelines", "restricted-needs-team"));
  EXPECT_EQ(rules[0]->subject.selector, ast::SubjectHead::Selector::kId);
  EXPECT_EQ(rules[0]->subject.value.value, "a17");
  EXPECT_EQ(rules[0]->resource.selector, ast::ResourceHead::Selector::kIds);
  EXPECT_EQ(rules[2]->effect, ast::Effect::kRequireApproval);
  EXPECT_FALSE(rules[2]->subject.kind.has_value());
  EXPECT_EQ(Sexp(*rules[2]->unless), "context.approved");
  ASSERT_THAT(rules[3]->obligations, SizeIs(3));
  EXPECT_EQ(rules[3]->obligations[0].args[0].text, R"(\b\d{3}-\d{2}-\d{4}\b)");
  EXPECT_EQ(rules[3]->obligations[1].args[1].int_value, 4000);
  EXPECT_EQ(rules[3]->obligations[2].args[0].kind, ast::ObligationArg::Kind::kIdentifier);
  EXPECT_EQ(rules[4]->resource.selector, ast::ResourceHead::Selector::kPrefix);
  EXPECT_EQ(rules[5]->effect, ast::Effect::kForbid);
  EXPECT_EQ(Sexp(*rules[5]->when), "(== resource.classification 3)");
  EXPECT_EQ(Sexp(*rules[5]->unless), "(== subject.team resource.team)");
  EXPECT_EQ(Pos(rules[5]->effect_span), "34:1-34:7");
  EXPECT_EQ(Pos(rules[5]->span), "33:1-35:40");
}

TEST(ParserTest, EmptyAndCommentOnlySources) {
  EXPECT_THAT(Parse("").file.items, IsEmpty());
  Parsed parsed = Parse("// nothing\n/* at all */\n");
  EXPECT_THAT(parsed.diagnostics, IsEmpty());
  EXPECT_THAT(parsed.file.items, IsEmpty());
  ASSERT_THAT(parsed.file.comments, SizeIs(2));
  EXPECT_EQ(parsed.file.comments[1].text, "/* at all */");
}

TEST(ParserTest, SchemaItems) {
  Parsed parsed = Parse(R"(
schema {
  user { a: string, b: int, c: bool, d: timestamp, e: set<string>, f: set<int>, }
  agent {};
  builder { in: string, when: int, schema: bool };
  resource doc { owner: string }
  resource empty {}
  action read on doc;
  action read, write on doc, empty
  context { approved: bool }
}
schema { }
schema { action x on y }
)");
  EXPECT_THAT(parsed.diagnostics, IsEmpty()) << FormatDiagnostics(parsed.diagnostics);
  const std::vector<const ast::SchemaBlock*> blocks = Schemas(parsed.file);
  ASSERT_THAT(blocks, SizeIs(3));
  EXPECT_THAT(blocks[1]->items, IsEmpty());
  const std::vector<ast::SchemaItem>& items = blocks[0]->items;
  ASSERT_THAT(items, SizeIs(8));
  std::vector<Type> types;
  for (const ast::AttributeDecl& a : items[0].attributes) types.push_back(a.type);
  EXPECT_THAT(types, ElementsAre(Type::kString, Type::kInt, Type::kBool, Type::kTimestamp,
                                 Type::kStringSet, Type::kIntSet));
  EXPECT_EQ(Pos(items[0].attributes[4].type_span), "3:55-3:66");
  EXPECT_EQ(Pos(items[0].attributes[4].name.span), "3:52-3:53");
  EXPECT_EQ(Pos(items[0].span), "3:3-3:82");
  EXPECT_THAT(items[1].attributes, IsEmpty());
  ASSERT_THAT(items[2].attributes, SizeIs(3));
  EXPECT_EQ(items[2].attributes[0].name.name, "in");
  EXPECT_EQ(items[2].attributes[2].name.name, "schema");
  EXPECT_EQ(items[4].resource_type.name, "empty");
  EXPECT_EQ(items[6].kind, ast::SchemaItem::Kind::kAction);
  ASSERT_THAT(items[6].action_resource_types, SizeIs(2));
  EXPECT_EQ(items[6].action_resource_types[1].name, "empty");
  EXPECT_EQ(Pos(items[6].span), "9:3-9:35");
  EXPECT_EQ(Pos(blocks[0]->span), "2:1-11:2");
}

TEST(ParserTest, OptionalAttributesAndEnums) {
  Parsed parsed = Parse(R"(schema {
  user { dept?: string, tier: "gold" | "silver", note?: "a\"b" }
})");
  EXPECT_THAT(parsed.diagnostics, IsEmpty()) << FormatDiagnostics(parsed.diagnostics);
  const std::vector<const ast::SchemaBlock*> blocks = Schemas(parsed.file);
  ASSERT_THAT(blocks, SizeIs(1));
  const std::vector<ast::AttributeDecl>& attributes = blocks[0]->items[0].attributes;
  ASSERT_THAT(attributes, SizeIs(3));
  EXPECT_TRUE(attributes[0].optional);
  EXPECT_EQ(attributes[0].type, Type::kString);
  EXPECT_THAT(attributes[0].members, IsEmpty());
  EXPECT_FALSE(attributes[1].optional);
  EXPECT_EQ(attributes[1].type, Type::kString);
  ASSERT_THAT(attributes[1].members, SizeIs(2));
  EXPECT_EQ(attributes[1].members[1].value, "silver");
  EXPECT_EQ(Pos(attributes[1].type_span), "2:31-2:48");
  EXPECT_TRUE(attributes[2].optional);
  ASSERT_THAT(attributes[2].members, SizeIs(1));
  EXPECT_EQ(attributes[2].members[0].value, "a\"b");
}

TEST(ParserTest, SubjectHeads) {
  ast::Rule rule = OneRule(R"(permit user to x on y;)");
  EXPECT_EQ(rule.subject.kind, SubjectKind::kUser);
  EXPECT_EQ(rule.subject.selector, ast::SubjectHead::Selector::kAll);
  EXPECT_EQ(Pos(rule.subject.span), "1:8-1:12");

  rule = OneRule(R"(permit agent "a\"17" to x on y;)");
  EXPECT_EQ(rule.subject.kind, SubjectKind::kAgent);
  EXPECT_EQ(rule.subject.selector, ast::SubjectHead::Selector::kId);
  EXPECT_EQ(rule.subject.value.value, "a\"17");
  EXPECT_EQ(Pos(rule.subject.value.span), "1:14-1:21");
  EXPECT_EQ(Pos(rule.subject.span), "1:8-1:21");
  EXPECT_EQ(Pos(rule.subject.kind_span), "1:8-1:13");

  rule = OneRule(R"(forbid builder in group "ml-team" to x on y;)");
  EXPECT_EQ(rule.subject.kind, SubjectKind::kBuilder);
  EXPECT_EQ(rule.subject.selector, ast::SubjectHead::Selector::kGroup);
  EXPECT_EQ(rule.subject.value.value, "ml-team");
  EXPECT_EQ(Pos(rule.subject.span), "1:8-1:34");

  rule = OneRule(R"(require_approval any in group "g" to x on y;)");
  EXPECT_FALSE(rule.subject.kind.has_value());
  EXPECT_EQ(rule.subject.selector, ast::SubjectHead::Selector::kGroup);
  EXPECT_EQ(rule.effect, ast::Effect::kRequireApproval);
}

TEST(ParserTest, ActionHeads) {
  ast::Rule rule = OneRule("permit user to read on doc;");
  EXPECT_FALSE(rule.action_list);
  ASSERT_THAT(rule.actions, SizeIs(1));
  EXPECT_EQ(rule.actions[0].name, "read");
  EXPECT_EQ(Pos(rule.actions[0].span), "1:16-1:20");

  rule = OneRule("permit user to [read, write, in] on doc;");
  EXPECT_TRUE(rule.action_list);
  ASSERT_THAT(rule.actions, SizeIs(3));
  EXPECT_EQ(rule.actions[2].name, "in");

  rule = OneRule("permit user to [read, write,] on doc;");
  EXPECT_THAT(rule.actions, SizeIs(2));
}

TEST(ParserTest, ResourceSelectors) {
  using Selector = ast::ResourceHead::Selector;
  ast::Rule rule = OneRule("permit user to x on doc;");
  EXPECT_EQ(rule.resource.type.name, "doc");
  EXPECT_EQ(rule.resource.selector, Selector::kAll);
  EXPECT_THAT(rule.resource.values, IsEmpty());
  EXPECT_EQ(Pos(rule.resource.span), "1:21-1:24");

  rule = OneRule(R"(permit user to x on doc "d1";)");
  EXPECT_EQ(rule.resource.selector, Selector::kId);
  ASSERT_THAT(rule.resource.values, SizeIs(1));
  EXPECT_EQ(rule.resource.values[0].value, "d1");
  EXPECT_EQ(Pos(rule.resource.span), "1:21-1:29");

  rule = OneRule(R"(permit user to x on doc in ["a", "b",];)");
  EXPECT_EQ(rule.resource.selector, Selector::kIds);
  ASSERT_THAT(rule.resource.values, SizeIs(2));
  EXPECT_EQ(rule.resource.values[1].value, "b");
  EXPECT_EQ(Pos(rule.resource.values[1].span), "1:34-1:37");
  EXPECT_EQ(Pos(rule.resource.span), "1:21-1:39");

  rule = OneRule(R"(permit user to x on doc under "vision/";)");
  EXPECT_EQ(rule.resource.selector, Selector::kPrefix);
  ASSERT_THAT(rule.resource.values, SizeIs(1));
  EXPECT_EQ(rule.resource.values[0].value, "vision/");

  rule = OneRule(R"(permit user to x on doc under ["a/", "b/"];)");
  EXPECT_EQ(rule.resource.selector, Selector::kPrefixes);
  EXPECT_THAT(rule.resource.values, SizeIs(2));

  rule = OneRule(R"(permit user to x on doc matching /reports\/[0-9]+/;)");
  EXPECT_EQ(rule.resource.selector, Selector::kPattern);
  EXPECT_EQ(rule.resource.pattern.pattern, "reports/[0-9]+");
  EXPECT_EQ(Pos(rule.resource.pattern.span), "1:34-1:51");
}

TEST(ParserTest, AnnotationsAndSpans) {
  ast::Rule rule = OneRule("@id(\"r1\")\n@description(\"x \\u00e9\")  permit user to x on y;");
  ASSERT_THAT(rule.annotations, SizeIs(2));
  EXPECT_EQ(rule.annotations[0].name.name, "id");
  EXPECT_EQ(rule.annotations[0].value.value, "r1");
  EXPECT_EQ(Pos(rule.annotations[0].span), "1:1-1:10");
  EXPECT_EQ(Pos(rule.annotations[0].name.span), "1:2-1:4");
  EXPECT_EQ(rule.annotations[1].name.name, "description");
  EXPECT_EQ(rule.annotations[1].value.value, "x \xC3\xA9");
  EXPECT_EQ(Pos(rule.effect_span), "2:27-2:33");
  EXPECT_EQ(Pos(rule.span), "1:1-2:49");
  // Without annotations the rule starts at its effect.
  rule = OneRule("  forbid user to x on y ;");
  EXPECT_EQ(Pos(rule.span), "1:3-1:26");
}

TEST(ParserTest, ClausesInAnyOrder) {
  ast::Rule rule =
      OneRule("permit user to x on y with log(full) unless context.a when subject.b == 1;");
  ASSERT_NE(rule.when, nullptr);
  ASSERT_NE(rule.unless, nullptr);
  EXPECT_EQ(Sexp(*rule.when), "(== subject.b 1)");
  EXPECT_EQ(Sexp(*rule.unless), "context.a");
  EXPECT_THAT(rule.obligations, SizeIs(1));
  EXPECT_EQ(Pos(rule.with_span), "1:23-1:27");
  EXPECT_EQ(Pos(rule.unless_span), "1:38-1:44");
  EXPECT_EQ(Pos(rule.when_span), "1:55-1:59");
  // `with` is allowed on every effect by the parser; the checker rejects it on forbid.
  rule = OneRule("forbid user to x on y with log(full);");
  EXPECT_THAT(rule.obligations, SizeIs(1));
}

TEST(ParserTest, Obligations) {
  ast::Rule rule =
      OneRule(R"(permit user to x on y with redact(/a\/b/, "[X]"), limit(n, 4000), limit(m, -5), )"
              R"(log(full), noop(), f(-9223372036854775808, 9223372036854775807);)");
  using Kind = ast::ObligationArg::Kind;
  ASSERT_THAT(rule.obligations, SizeIs(6));
  const ast::Obligation& redact = rule.obligations[0];
  EXPECT_EQ(redact.name.name, "redact");
  ASSERT_THAT(redact.args, SizeIs(2));
  EXPECT_EQ(redact.args[0].kind, Kind::kRegex);
  EXPECT_EQ(redact.args[0].text, "a/b");
  EXPECT_EQ(redact.args[1].kind, Kind::kString);
  EXPECT_EQ(redact.args[1].text, "[X]");
  EXPECT_EQ(Pos(redact.span), "1:28-1:49");
  EXPECT_EQ(Pos(redact.args[0].span), "1:35-1:41");
  EXPECT_EQ(rule.obligations[1].args[0].kind, Kind::kIdentifier);
  EXPECT_EQ(rule.obligations[1].args[0].text, "n");
  EXPECT_EQ(rule.obligations[1].args[1].kind, Kind::kInt);
  EXPECT_EQ(rule.obligations[1].args[1].int_value, 4000);
  EXPECT_EQ(rule.obligations[2].args[1].int_value, -5);
  EXPECT_EQ(Pos(rule.obligations[2].args[1].span), "1:76-1:78");  // includes the `-`
  EXPECT_EQ(rule.obligations[3].args[0].text, "full");
  EXPECT_THAT(rule.obligations[4].args, IsEmpty());
  EXPECT_EQ(rule.obligations[5].args[0].int_value, INT64_MIN);
  EXPECT_EQ(rule.obligations[5].args[1].int_value, INT64_MAX);
}

// ---- Conditions ----

TEST(ParserTest, Precedence) {
  EXPECT_EQ(Cond("subject.a or subject.b and subject.c"),
            "(or subject.a (and subject.b subject.c))");
  EXPECT_EQ(Cond("subject.a and subject.b or subject.c"),
            "(or (and subject.a subject.b) subject.c)");
  EXPECT_EQ(Cond("not subject.a == subject.b"), "(not (== subject.a subject.b))");
  EXPECT_EQ(Cond("not not context.x"), "(not (not context.x))");
  EXPECT_EQ(Cond("not context.x and context.y"), "(and (not context.x) context.y)");
  EXPECT_EQ(Cond("not (context.x and context.y)"), "(not (and context.x context.y))");
  EXPECT_EQ(Cond("(subject.a or subject.b) and subject.c"),
            "(and (or subject.a subject.b) subject.c)");
  EXPECT_EQ(Cond("context.a == 1 and context.b < 2 or context.c in [1]"),
            "(or (and (== context.a 1) (< context.b 2)) (in context.c [1]))");
}

TEST(ParserTest, ChainsAreLeftAssociative) {
  EXPECT_EQ(Cond("context.a and context.b and context.c"),
            "(and (and context.a context.b) context.c)");
  EXPECT_EQ(Cond("context.a or context.b or context.c"), "(or (or context.a context.b) context.c)");
}

TEST(ParserTest, ComparisonOperators) {
  EXPECT_EQ(Cond("context.a == 1"), "(== context.a 1)");
  EXPECT_EQ(Cond("context.a != 1"), "(!= context.a 1)");
  EXPECT_EQ(Cond("context.a < 1"), "(< context.a 1)");
  EXPECT_EQ(Cond("context.a <= 1"), "(<= context.a 1)");
  EXPECT_EQ(Cond("context.a > 1"), "(> context.a 1)");
  EXPECT_EQ(Cond("context.a >= 1"), "(>= context.a 1)");
  EXPECT_EQ(Cond(R"("hr" in subject.groups)"), "(in \"hr\" subject.groups)");
  EXPECT_EQ(Cond(R"(resource.id starts_with "vision/")"), "(starts_with resource.id \"vision/\")");
  EXPECT_EQ(Cond(R"(resource.id matches /a\/[^/]*/)"), "(matches resource.id /a/[^/]*/)");
  EXPECT_EQ(Cond("subject has clearance"), "(has subject clearance)");
  EXPECT_EQ(Cond("delegator has in"), "(has delegator in)");
  EXPECT_EQ(Cond("not resource has owner"), "(not (has resource owner))");
  EXPECT_EQ(Cond("context has approved and context.approved"),
            "(and (has context approved) context.approved)");
}

TEST(ParserTest, Operands) {
  EXPECT_EQ(Cond(R"(context.s == "a\nb")"), "(== context.s \"a\nb\")");
  EXPECT_EQ(Cond("context.i == 42"), "(== context.i 42)");
  EXPECT_EQ(Cond("context.i == -42"), "(== context.i -42)");
  EXPECT_EQ(Cond("context.i == - 7"), "(== context.i -7)");
  EXPECT_EQ(Cond("context.i == -9223372036854775808"), "(== context.i -9223372036854775808)");
  EXPECT_EQ(Cond("context.i == 9223372036854775807"), "(== context.i 9223372036854775807)");
  EXPECT_EQ(Cond("context.b == true"), "(== context.b true)");
  EXPECT_EQ(Cond("false"), "false");
  EXPECT_EQ(Cond("subject.expires_at > now"), "(> subject.expires_at now)");
  EXPECT_EQ(Cond("context.x in []"), "(in context.x [])");
  EXPECT_EQ(Cond(R"(context.x in ["a", 1, -2, true, now, [3], subject.id, (context.y),])"),
            "(in context.x [\"a\", 1, -2, true, now, [3], subject.id, context.y])");
  // Keywords are fine as attribute names.
  EXPECT_EQ(Cond("context.in == subject.when and resource.permit and delegator.schema"),
            "(and (and (== context.in subject.when) resource.permit) delegator.schema)");
  EXPECT_EQ(Cond("context.user"), "context.user");
}

TEST(ParserTest, ExpressionNodesAndSpans) {
  // Columns: the condition starts at 28.
  ast::Rule rule =
      OneRule("permit user to x on y when (subject.a == -1 or context.b) and subject has c;");
  ASSERT_NE(rule.when, nullptr);
  const Expr& root = *rule.when;
  EXPECT_EQ(root.kind, Expr::Kind::kBinary);
  EXPECT_EQ(root.op, Expr::BinaryOp::kAnd);
  EXPECT_FALSE(root.parenthesized);
  EXPECT_EQ(Pos(root.span), "1:28-1:76");  // from the `(`
  EXPECT_EQ(Pos(root.op_span), "1:59-1:62");
  const Expr& group = *root.operands[0];
  EXPECT_TRUE(group.parenthesized);
  EXPECT_EQ(group.op, Expr::BinaryOp::kOr);
  EXPECT_EQ(Pos(group.span), "1:29-1:57");  // inside the parentheses
  const Expr& eq = *group.operands[0];
  EXPECT_EQ(Pos(eq.span), "1:29-1:44");
  EXPECT_EQ(Pos(eq.op_span), "1:39-1:41");
  EXPECT_EQ(eq.operands[0]->kind, Expr::Kind::kPath);
  EXPECT_EQ(eq.operands[0]->root, ast::PathRoot::kSubject);
  EXPECT_EQ(eq.operands[0]->attribute.name, "a");
  EXPECT_EQ(Pos(eq.operands[0]->attribute.span), "1:37-1:38");
  EXPECT_EQ(eq.operands[1]->kind, Expr::Kind::kInt);
  EXPECT_EQ(eq.operands[1]->int_value, -1);
  EXPECT_EQ(Pos(eq.operands[1]->span), "1:42-1:44");
  const Expr& has = *root.operands[1];
  EXPECT_EQ(has.kind, Expr::Kind::kHas);
  EXPECT_EQ(has.root, ast::PathRoot::kSubject);
  EXPECT_EQ(has.attribute.name, "c");
  EXPECT_THAT(has.operands, IsEmpty());
  EXPECT_EQ(Pos(has.span), "1:63-1:76");
  EXPECT_EQ(Pos(has.op_span), "1:71-1:74");

  rule = OneRule("permit user to x on y when not ((context.a));");
  const Expr& negation = *rule.when;
  EXPECT_EQ(negation.kind, Expr::Kind::kNot);
  EXPECT_EQ(Pos(negation.span), "1:28-1:45");
  EXPECT_EQ(Pos(negation.op_span), "1:28-1:31");
  EXPECT_TRUE(negation.operands[0]->parenthesized);  // no node for the parentheses
  EXPECT_EQ(negation.operands[0]->kind, Expr::Kind::kPath);
  EXPECT_EQ(Pos(negation.operands[0]->span), "1:34-1:43");

  rule = OneRule("permit user to x on y when resource.id matches /a|b/;");
  const Expr& matches = *rule.when;
  EXPECT_EQ(matches.kind, Expr::Kind::kMatches);
  EXPECT_EQ(matches.regex.pattern, "a|b");
  EXPECT_EQ(Pos(matches.regex.span), "1:48-1:53");
  EXPECT_EQ(Pos(matches.op_span), "1:40-1:47");
  EXPECT_EQ(Pos(matches.span), "1:28-1:53");
  ASSERT_THAT(matches.operands, SizeIs(1));

  rule = OneRule("permit user to x on y when context.l in [1, [2]];");
  const Expr& list = *rule.when->operands[1];
  EXPECT_EQ(list.kind, Expr::Kind::kList);
  EXPECT_EQ(Pos(list.span), "1:41-1:49");
  ASSERT_THAT(list.operands, SizeIs(2));
  EXPECT_EQ(list.operands[1]->kind, Expr::Kind::kList);
}

// ---- Errors ----

TEST(ParserTest, ErrorMessagesAndPositions) {
  struct Case {
    std::string source;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"permit user invoke on tool;", "1:13: expected `to` after the subject, found `invoke`"},
      {"permit user to invoke tool;", "1:23: expected `on` after the action, found `tool`"},
      {"permit user to [a, b] tool;", "1:23: expected `on` after the actions, found `tool`"},
      {"permit user to x on y", "1:22: expected `;` at the end of the rule, found end of file"},
      {"permit user to x on y\n\n", "1:22: expected `;` at the end of the rule, found end of file"},
      {"permit user to x on y whn context.a;",
       "1:23: expected `;` at the end of the rule, found `whn`; did you mean `when`?"},
      {"permit user to x on y )", "1:23: expected `;` at the end of the rule, found `)`"},
      {"allow user to x on y;",
       "1:1: unknown effect `allow`; expected `permit`, `forbid`, `require_approval` or `schema`"},
      {"permt user to x on y;", "1:1: unknown effect `permt`; did you mean `permit`?"},
      {"shema { }", "1:1: unknown effect `shema`; did you mean `schema`?"},
      {"@id(\"x\") allow user to x on y;",
       "1:10: unknown effect `allow`; expected `permit`, `forbid` or `require_approval`"},
      {"@id(\"x\") schema {}",
       "1:10: unknown effect `schema`; expected `permit`, `forbid` or `require_approval`"},
      {"@id(\"x\") ;",
       "1:10: expected `permit`, `forbid` or `require_approval` after the annotations, found `;`"},
      {"; permit user to x on y;", "1:1: expected a rule or a schema block, found `;`"},
      {"@ permit user to x on y;", "1:3: expected an annotation name after `@`, found `permit`"},
      {"@1", "1:2: expected an annotation name after `@`, found `1`"},
      {"@id(x)", "1:5: expected a string in `@id(...)`, found `x`"},
      {"@id(\"x\" permit", "1:9: expected `)` after the value of `@id`, found `permit`"},
      {"permit usr to x on y;", "1:8: unknown subject kind `usr`; did you mean `user`?"},
      {"permit everyone to x on y;",
       "1:8: unknown subject kind `everyone`; expected `user`, `agent`, `builder` or `any`"},
      {"permit \"u\" to x on y;",
       "1:8: expected a subject kind (`user`, `agent`, `builder` or `any`), found `\"u\"`"},
      {"permit user in \"g\" to x on y;", "1:16: expected `group` after `in`, found `\"g\"`"},
      {"permit user in group g to x on y;",
       "1:22: expected a group name (a string) after `in group`, found `g`"},
      {"permit user to on y;", "1:16: expected an action name or `[` after `to`, found `on`"},
      {"permit user to [] on y;", "1:17: expected an action name, found `]`"},
      {"permit user to [a b] on y;", "1:19: expected `,` or `]` in the list of actions, found `b`"},
      {"permit user to x on ;", "1:21: expected a resource type after `on`, found `;`"},
      {"permit user to x on y in \"a\";",
       "1:26: expected a list of ids `[\"...\", ...]` after `in`, found `\"a\"`"},
      {"permit user to x on y in [];", "1:27: expected a string in the list, found `]`"},
      {"permit user to x on y in [\"a\" \"b\"];",
       "1:31: expected `,` or `]` in the list, found `\"b\"`"},
      {"permit user to x on y under 3;",
       "1:29: expected a prefix string or a list of prefixes after `under`, found `3`"},
      {"permit user to x on y matching \"a\";",
       "1:32: expected a regular expression `/.../` after `matching`, found `\"a\"`"},
      {"permit user to x on y when context.a when context.b;", "1:38: at most one `when` per rule"},
      {"permit user to x on y unless context.a unless context.b;",
       "1:40: at most one `unless` per rule"},
      {"permit user to x on y with log(full) with log(none);", "1:38: at most one `with` per rule"},
      {"permit user to x on y with ;",
       "1:28: expected an obligation such as `log(full)`, found `;`"},
      {"permit user to x on y with log;", "1:31: expected `(` after `log`, found `;`"},
      {"permit user to x on y with log(full none);",
       "1:37: expected `,` or `)` in the arguments of `log`, found `none`"},
      {"permit user to x on y with limit(n, -x);",
       "1:38: expected an integer after `-`, found `x`"},
      {"permit user to x on y with log([1]);",
       "1:32: expected an argument (a regular expression, a string, an integer or a name), found "
       "`[`"},
      {"permit user to x on y with limit(n, 9223372036854775808);",
       "1:37: integer `9223372036854775808` is out of the 64-bit signed range"},
      {"permit user to x on y when context.a == 1 == 2;",
       "1:43: comparisons do not chain; use `and`"},
      {"permit user to x on y when context.a < context.b < 3;",
       "1:50: comparisons do not chain; use `and`"},
      {"permit user to x on y when context.a in [1] in [2];",
       "1:45: comparisons do not chain; use `and`"},
      {"permit user to x on y when subject has a == true;",
       "1:42: comparisons do not chain; use `and`"},
      {"permit user to x on y when subject == \"u\";",
       "1:28: `subject` needs an attribute, e.g. `subject.id`"},
      {"permit user to x on y when context;",
       "1:28: `context` needs an attribute, e.g. `context.session`"},
      {"permit user to x on y when context.a == resource;",
       "1:41: `resource` needs an attribute, e.g. `resource.id`"},
      {"permit user to x on y when context.a in [delegator];",
       "1:42: `delegator` needs an attribute, e.g. `delegator.id`"},
      {"permit user to x on y when subject.a has b;",
       "1:28: the left side of `has` must be `subject`, `resource`, `context`, `args` or "
       "`delegator` "
       "alone, e.g. `subject has clearance`"},
      {"permit user to x on y when \"s\" has b;",
       "1:28: the left side of `has` must be `subject`, `resource`, `context`, `args` or "
       "`delegator` "
       "alone, e.g. `subject has clearance`"},
      {"permit user to x on y when subject has \"b\";",
       "1:40: expected an attribute name after `has`, found `\"b\"`"},
      {"permit user to x on y when subject has a, b;",
       "1:41: expected `;` at the end of the rule, found `,`"},
      {"permit user to x on y when subject. == 1;",
       "1:37: expected an attribute name after `subject.`, found `==`"},
      {"permit user to x on y when subject.a.b;",
       "1:37: attributes do not nest: `subject.a` cannot be followed by `.`"},
      {"permit user to x on y when subjct.a;",
       "1:28: unknown name `subjct`; did you mean `subject`?"},
      {"permit user to x on y when user.department == \"hr\";",
       "1:28: unknown name `user`; the identity making the request is `subject`, e.g. "
       "`subject.id`"},
      {"permit user to x on y when foo;",
       "1:28: unknown name `foo`; expected a string, an integer, `true`, `false`, `now`, a "
       "list, or a path such as `subject.id`"},
      {"permit user to x on y when context.a == not context.b;",
       "1:41: expected a value, found `not`; write `(not ...)` here"},
      {"permit user to x on y when ;", "1:28: expected a value, found `;`"},
      {"permit user to x on y when context.a and;", "1:41: expected a value, found `;`"},
      {"permit user to x on y when context.a matches \"x\";",
       "1:46: expected a regular expression `/.../` after `matches`, found `\"x\"`"},
      {"permit user to x on y when /x/;", "1:28: expected a value, found `/x/`"},
      {"permit user to x on y when (context.a;", "1:38: expected `)`, found `;`"},
      {"permit user to x on y when context.a matches /abc/i;",
       "1:51: a regular expression takes no flags after its closing `/`, found `i`; write them "
       "at its start, e.g. `/(?i)abc/`"},
      {"permit user to x on y matching /abc/si;",
       "1:37: a regular expression takes no flags after its closing `/`, found `si`; write them "
       "at its start, e.g. `/(?i)abc/`"},
      {"permit user to x on y with redact(/abc/i, \"\");",
       "1:40: a regular expression takes no flags after its closing `/`, found `i`; write them "
       "at its start, e.g. `/(?i)abc/`"},
      {"permit user to x on y matching /abc/ when context.a;", ""},
      // A `/` inside a pattern that was not escaped ends it early.
      {"permit user to invoke on tool when subject.id matches /a/b/;",
       "1:57: this `/` ends the regular expression, and `b` follows it; a `/` inside a regular "
       "expression is written `\\/`"},
      {"permit user to x on y when [1, 2;", "1:33: expected `,` or `]` in the list, found `;`"},
      {"permit user to x on y when context.i == -true;",
       "1:42: expected an integer after `-`, found `true`"},
      {"permit user to x on y when context.i == 9223372036854775808;",
       "1:41: integer `9223372036854775808` is out of the 64-bit signed range"},
      {"permit user to x on y when context.i == -9223372036854775809;",
       "1:42: integer `9223372036854775809` is out of the 64-bit signed range"},
      {"permit user to x on y when context.a = 1;",
       "1:38: unexpected character `=`; did you mean `==`?"},
      {"permit user to x on y when subject = 1;",
       "1:36: unexpected character `=`; did you mean `==`?"},
      {"permit user to x on y when context.a && context.b;",
       "1:38: unexpected `&&`; did you mean `and`?"},
      {"permit user to x on y when context.s == \"abc;",
       "1:41: unterminated string: missing closing `\"` before the end of the line"},
      {"schema user {}", "1:8: expected `{` after `schema`, found `user`"},
      {"schema { usr { } }", "1:10: unknown schema item `usr`; did you mean `user`?"},
      {"schema { thing { } }",
       "1:10: unknown schema item `thing`; expected `user`, `agent`, `builder`, `resource`, "
       "`action`, `context` or `args`"},
      {"schema { 1 }",
       "1:10: expected `user`, `agent`, `builder`, `resource`, `action`, `context`, `args` or `}` "
       "in the schema, found `1`"},
      {"schema { user { a: strng } }", "1:20: unknown type `strng`; did you mean `string`?"},
      {"schema { user { a: float } }",
       "1:20: unknown type `float`; expected `string`, `int`, `bool`, `timestamp`, `set<string>` "
       "or `set<int>`"},
      {"schema { user { a: 1 } }",
       "1:20: expected a type or a string enum (`\"low\" | \"high\"`), found `1`"},
      {"schema { user { a: \"x\" | } }", "1:26: expected a string after `|`, found `}`"},
      {"schema { user { a?? : int } }",
       "1:19: expected `:` after the attribute name `a?`, found `?`"},
      {"permit user to invoke on tool when principal.id == \"u1\";",
       "1:36: unknown name `principal`; did you mean `subject`? (the identity making the "
       "request)"},
      {"permit user to invoke on tool when input.amount > 1;",
       "1:36: unknown name `input`; a request's facts are `context.x`, the tool call's "
       "arguments `args.x`"},
      {"permit user to invoke on tool when true | false;",
       "1:41: expected `;` at the end of the rule, found `|`; did you mean `or`?"},
      {"schema { user { a: set<bool> } }", "1:24: a set holds `string` or `int`, not `bool`"},
      {"schema { user { a: set<strin> } }", "1:24: unknown type `strin`; did you mean `string`?"},
      {"schema { user { a: set string } }", "1:24: expected `<` after `set`, found `string`"},
      {"schema { user { a: set<int } }", "1:28: expected `>` to close `set<`, found `}`"},
      {"schema { user { a string } }",
       "1:19: expected `:` after the attribute name `a` (or `?:` for an optional one), found "
       "`string`"},
      {"schema { user { a: string b: int } }",
       "1:27: expected `,` or `}` after the attribute, found `b`"},
      {"schema { user { , } }", "1:17: expected an attribute name or `}`, found `,`"},
      {"schema { user a: int }", "1:15: expected `{` after `user`, found `a`"},
      {"schema { resource { } }",
       "1:19: expected a resource type name after `resource`, found `{`"},
      {"schema { context a }", "1:18: expected `{` after `context`, found `a`"},
      {"schema { action read }", "1:22: expected `on` or `,` after the action name, found `}`"},
      {"schema { action on x }", "1:17: expected an action name, found `on`"},
      {"schema { action read on }", "1:25: expected a resource type, found `}`"},
      {"schema { action read, on x }", "1:23: expected an action name, found `on`"},
      {"schema { user {}",
       "1:17: expected `user`, `agent`, `builder`, `resource`, `action`, "
       "`context`, `args` or `}` in the schema, found end of file"},
  };
  for (const Case& c : cases) {
    const std::vector<std::string> errors = Errors(c.source);
    if (c.error.empty()) {
      EXPECT_THAT(errors, IsEmpty()) << c.source;
      continue;
    }
    ASSERT_THAT(errors, SizeIs(testing::Ge(1u))) << c.source;
    EXPECT_EQ(errors[0], c.error) << c.source;
  }
}

TEST(ParserTest, DiagnosticsCarrySourceAndLine) {
  const std::string text = "permit user to x on y;\n  permit user invoke on tool;\n";
  std::vector<Diagnostic> diagnostics;
  ParseSource("policies/a.ward", text, &diagnostics);
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_EQ(diagnostics[0].severity, Diagnostic::Severity::kError);
  EXPECT_EQ(diagnostics[0].source, "policies/a.ward");
  EXPECT_EQ(diagnostics[0].line, 2);
  EXPECT_EQ(diagnostics[0].column, 15);
  EXPECT_EQ(diagnostics[0].source_line, "  permit user invoke on tool;");
  EXPECT_EQ(FormatDiagnostics(diagnostics),
            "policies/a.ward:2:15: error: expected `to` after the subject, found `invoke`\n"
            "  permit user invoke on tool;\n"
            "              ^\n");
}

TEST(ParserTest, DiagnosticsAreAppended) {
  std::vector<Diagnostic> diagnostics(1);
  ParseSource("a", "allow;", &diagnostics);
  EXPECT_THAT(diagnostics, SizeIs(2));
}

TEST(ParserTest, LexicalErrorsAreReportedOnceInSourceOrder) {
  // The parse error at `subject` is found after the lexer has reported the `=` after it.
  EXPECT_THAT(Errors("permit user to x on y when context.a == subject = 1;"),
              ElementsAre("1:41: `subject` needs an attribute, e.g. `subject.id`",
                          "1:49: unexpected character `=`; did you mean `==`?"));
  // A bad token inside a rule is reported by the lexer only.
  EXPECT_THAT(Errors("permit user to # on y;"), ElementsAre("1:16: unexpected character `#`"));
  // Errors in comments do not stop the rule from parsing.
  Parsed parsed = Parse("permit user /* \xFF */ to x on y;");
  EXPECT_THAT(parsed.diagnostics, SizeIs(1));
  EXPECT_THAT(Rules(parsed.file), SizeIs(1));
}

TEST(ParserTest, RecoveryReportsIndependentErrors) {
  Parsed parsed = Parse(R"(permit user invoke on tool;
permit user to read on doc;
forbid agent to read on dataset when subject.x == 1 == 2;
@id("ok") permit user to write on doc;
)");
  std::vector<std::string> errors;
  for (const Diagnostic& d : parsed.diagnostics) {
    errors.push_back(absl::StrCat(d.line, ":", d.column, ": ", d.message));
  }
  EXPECT_THAT(errors, ElementsAre("1:13: expected `to` after the subject, found `invoke`",
                                  "3:53: comparisons do not chain; use `and`"));
  const std::vector<const ast::Rule*> rules = Rules(parsed.file);
  ASSERT_THAT(rules, SizeIs(2));
  EXPECT_EQ(rules[0]->actions[0].name, "read");
  EXPECT_EQ(rules[1]->actions[0].name, "write");
}

TEST(ParserTest, RecoveryAtTheStartOfALine) {
  // A missing `;` is found at the next rule, which then parses normally.
  Parsed parsed =
      Parse("permit user to x on y when context.a\n@id(\"b\")\npermit user to z on y;\n");
  EXPECT_THAT(Errors("permit user to x on y when context.a\n@id(\"b\")\npermit user to z on y;\n"),
              ElementsAre("2:1: expected `;` at the end of the rule, found `@`"));
  ASSERT_THAT(Rules(parsed.file), SizeIs(1));
  EXPECT_EQ(Rules(parsed.file)[0]->actions[0].name, "z");
  // An unclosed bracket does not swallow the next rule either.
  EXPECT_THAT(Errors("permit user to x on y when context.a in [1, 2;\nforbid user to x on y "
                     "when context.b = 1;\npermit user to z on y;"),
              ElementsAre("1:46: expected `,` or `]` in the list, found `;`",
                          "2:38: unexpected character `=`; did you mean `==`?"));
}

TEST(ParserTest, RecoverySkipsToTheSemicolonAtDepthZero) {
  // After the error at `foo`, the `;` inside the list is not the end of the rule.
  Parsed parsed = Parse("permit user to x on y when foo in [\";\", (a;b)]; permit user to z on y;");
  EXPECT_THAT(parsed.diagnostics, SizeIs(1));
  ASSERT_THAT(Rules(parsed.file), SizeIs(1));
  EXPECT_EQ(Rules(parsed.file)[0]->actions[0].name, "z");
}

TEST(ParserTest, RecoveryInSchemaSkipsTheBlock) {
  Parsed parsed = Parse(R"(schema {
  user { a: string }
  agent { b: strng, c: int }
  resource doc { d: int }
}
permit user to x on doc
permit user to y on doc;
schema { builder { e: bool } }
)");
  std::vector<std::string> errors;
  for (const Diagnostic& d : parsed.diagnostics) {
    errors.push_back(absl::StrCat(d.line, ":", d.column, ": ", d.message));
  }
  EXPECT_THAT(errors, ElementsAre("3:14: unknown type `strng`; did you mean `string`?",
                                  "7:1: expected `;` at the end of the rule, found `permit`"));
  // The items before the error are kept; the rest of the block is skipped.
  const std::vector<const ast::SchemaBlock*> blocks = Schemas(parsed.file);
  ASSERT_THAT(blocks, SizeIs(2));
  ASSERT_THAT(blocks[0]->items, SizeIs(1));
  EXPECT_EQ(blocks[0]->items[0].subject_kind, SubjectKind::kUser);
  EXPECT_EQ(blocks[1]->items[0].subject_kind, SubjectKind::kBuilder);
  ASSERT_THAT(Rules(parsed.file), SizeIs(1));
  EXPECT_EQ(Rules(parsed.file)[0]->actions[0].name, "y");
}

TEST(ParserTest, StopsAfterMaxErrors) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "allow user to x on y;\n";
  ParseLimits limits;
  limits.max_errors = 3;
  EXPECT_THAT(Errors(text, limits), SizeIs(3));
  EXPECT_THAT(Errors(text), SizeIs(20));
  limits.max_errors = 1;
  EXPECT_THAT(Errors("# # # #", limits), SizeIs(1));
}

// ---- Caps ----

TEST(ParserTest, SourceTooBig) {
  ParseLimits limits;
  limits.max_source_bytes = 10;
  Parsed parsed = Parse("permit user to x on y;", limits);
  ASSERT_THAT(parsed.diagnostics, SizeIs(1));
  EXPECT_EQ(parsed.diagnostics[0].line, 0);
  EXPECT_EQ(parsed.diagnostics[0].message, "source is 22 bytes, more than the limit of 10 bytes");
  EXPECT_THAT(parsed.file.items, IsEmpty());
  EXPECT_EQ(FormatDiagnostics(parsed.diagnostics),
            "test.ward: error: source is 22 bytes, more than the limit of 10 bytes\n");
  limits.max_source_bytes = 22;
  EXPECT_THAT(Parse("permit user to x on y;", limits).diagnostics, IsEmpty());
}

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s.data(), s.size());
  return out;
}

TEST(ParserTest, NestingDepthCap) {
  const std::string prefix = "permit user to x on y when ";
  // 64 levels are fine, 65 are not; parentheses, `not` and lists all count.
  EXPECT_THAT(Errors(prefix + Repeat("(", 64) + "context.a" + Repeat(")", 64) + ";"), IsEmpty());
  EXPECT_THAT(Errors(prefix + Repeat("(", 65) + "context.a" + Repeat(")", 65) + ";"),
              ElementsAre("1:92: expression nested deeper than 64 levels"));
  EXPECT_THAT(Errors(prefix + Repeat("not ", 64) + "context.a;"), IsEmpty());
  EXPECT_THAT(Errors(prefix + Repeat("not ", 65) + "context.a;"),
              ElementsAre("1:284: expression nested deeper than 64 levels"));
  EXPECT_THAT(Errors(prefix + "context.a in " + Repeat("[", 64) + Repeat("]", 64) + ";"),
              IsEmpty());
  EXPECT_THAT(Errors(prefix + "context.a in " + Repeat("[", 65) + Repeat("]", 65) + ";"),
              ElementsAre("1:105: expression nested deeper than 64 levels"));
  // Mixed: 32 `not (` pairs are 64 levels.
  EXPECT_THAT(Errors(prefix + Repeat("not (", 32) + "context.a" + Repeat(")", 32) + ";"),
              IsEmpty());
  EXPECT_THAT(Errors(prefix + Repeat("not (", 32) + "[context.a]" + Repeat(")", 32) + ";"),
              SizeIs(1));
  // The depth starts again for each condition.
  EXPECT_THAT(Errors(prefix + Repeat("(", 64) + "context.a" + Repeat(")", 64) + " unless " +
                     Repeat("(", 64) + "context.a" + Repeat(")", 64) + ";"),
              IsEmpty());
  ParseLimits limits;
  limits.max_nesting_depth = 2;
  EXPECT_THAT(Errors(prefix + "((context.a));", limits), IsEmpty());
  EXPECT_THAT(Errors(prefix + "(((context.a)));", limits),
              ElementsAre("1:30: expression nested deeper than 2 levels"));
}

TEST(ParserTest, HugeNestingDoesNotCrash) {
  const std::string prefix = "permit user to x on y when ";
  for (const char* open : {"(", "not ", "[", "-"}) {
    Parsed parsed = Parse(prefix + Repeat(open, 100000) + "context.a;\npermit user to z on y;");
    ASSERT_THAT(parsed.diagnostics, SizeIs(testing::Ge(1u))) << open;
    EXPECT_THAT(Rules(parsed.file), SizeIs(1)) << open;  // recovery reaches the second rule
  }
  Parsed parsed = Parse(prefix + Repeat("(", 100000));
  EXPECT_THAT(parsed.diagnostics[0].message, "expression nested deeper than 64 levels");
}

TEST(ParserTest, LongAndChainsAreCapped) {
  const std::string prefix = "permit user to x on y when context.a";
  // 1,000 operators are fine (and the resulting tree is destroyed safely).
  {
    Parsed parsed = Parse(prefix + Repeat(" and context.a", 1000) + ";");
    EXPECT_THAT(parsed.diagnostics, IsEmpty());
    ASSERT_THAT(Rules(parsed.file), SizeIs(1));
    int height = 0;
    for (const Expr* e = Rules(parsed.file)[0]->when.get(); e->kind == Expr::Kind::kBinary;
         e = e->operands[0].get()) {
      ++height;
    }
    EXPECT_EQ(height, 1000);
  }
  // 200,000 operands, and a million, are an error naming the cap, not a crash.
  for (int operands : {200000, 1000000}) {
    Parsed parsed = Parse(prefix + Repeat(" and context.a", operands - 1) + ";");
    EXPECT_THAT(parsed.diagnostics, SizeIs(1));
    EXPECT_EQ(parsed.diagnostics[0].message, "condition has more than 1000 `and`/`or` operators");
    EXPECT_THAT(parsed.file.items, IsEmpty());
  }
  // The cap counts every chain of the condition, inside parentheses too.
  EXPECT_THAT(Errors(prefix + " or (context.a" + Repeat(" and context.a", 500) + ") or (context.a" +
                     Repeat(" or context.a", 500) + ");"),
              ElementsAre(HasSubstr("condition has more than 1000 `and`/`or` operators")));
}

TEST(ParserTest, LiteralLengthCaps) {
  ParseLimits limits;
  limits.max_string_bytes = 4;
  EXPECT_THAT(Errors(R"(permit user "abcd" to x on y;)", limits), IsEmpty());
  EXPECT_THAT(Errors(R"(permit user "abcde" to x on y;)", limits),
              ElementsAre("1:13: string literal longer than 4 bytes"));
  EXPECT_THAT(Errors("permit user to x on y matching /abcde/;", limits),
              ElementsAre("1:32: regular expression longer than 4 bytes"));
  EXPECT_THAT(Errors("permit user to x on y with redact(/abcde/, \"\");", limits),
              ElementsAre("1:35: regular expression longer than 4 bytes"));
}

TEST(ParserTest, ListLengthCaps) {
  ParseLimits limits;
  limits.max_list_items = 3;
  EXPECT_THAT(Errors("permit user to x on y when context.a in [1, 2, 3];", limits), IsEmpty());
  EXPECT_THAT(Errors("permit user to x on y when context.a in [1, 2, 3, 4];", limits),
              ElementsAre("1:51: list has more than 3 items"));
  EXPECT_THAT(Errors(R"(permit user to x on y in ["a", "b", "c", "d"];)", limits),
              ElementsAre("1:42: list has more than 3 items"));
  EXPECT_THAT(Errors(R"(permit user to x on y under ["a", "b", "c", "d"];)", limits),
              ElementsAre("1:45: list has more than 3 items"));
  EXPECT_THAT(Errors("permit user to [a, b, c, d] on y;", limits),
              ElementsAre("1:26: list has more than 3 items"));
  EXPECT_THAT(Errors(R"(permit user to [a, b, c] on y in ["a", "b", "c"];)", limits), IsEmpty());
}

// ---- Robustness ----

TEST(ParserTest, RandomBytesDoNotCrash) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 300, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    std::vector<Diagnostic> diagnostics;
    ParseSource("random", text, &diagnostics);
    EXPECT_LE(diagnostics.size(), ParseLimits().max_errors);
  }
}

TEST(ParserTest, RandomTokenSoupDoesNotCrash) {
  const std::vector<std::string> vocabulary = {"permit",
                                               "forbid",
                                               "require_approval",
                                               "schema",
                                               "user",
                                               "agent",
                                               "builder",
                                               "any",
                                               "resource",
                                               "action",
                                               "context",
                                               "to",
                                               "on",
                                               "in",
                                               "group",
                                               "under",
                                               "matching",
                                               "when",
                                               "unless",
                                               "with",
                                               "and",
                                               "or",
                                               "not",
                                               "has",
                                               "matches",
                                               "starts_with",
                                               "subject",
                                               "delegator",
                                               "now",
                                               "true",
                                               "false",
                                               "string",
                                               "int",
                                               "set",
                                               "@",
                                               "id",
                                               "(",
                                               ")",
                                               "[",
                                               "]",
                                               "{",
                                               "}",
                                               "<",
                                               ">",
                                               "<=",
                                               ">=",
                                               "==",
                                               "!=",
                                               ",",
                                               ";",
                                               ":",
                                               ".",
                                               "-",
                                               "\"s\"",
                                               "\"\\u00e9\"",
                                               "42",
                                               "9223372036854775808",
                                               "/re[/]/",
                                               "// c\n",
                                               "/* c */",
                                               "\n",
                                               "=",
                                               "\"",
                                               "/",
                                               "x"};
  std::mt19937 rng(777);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int n = static_cast<int>(rng() % 80);
    for (int j = 0; j < n; ++j) {
      text += vocabulary[rng() % vocabulary.size()];
      text += (rng() % 4 == 0) ? "\n" : " ";
    }
    std::vector<Diagnostic> diagnostics;
    const ast::File file = ParseSource("soup", text, &diagnostics);
    EXPECT_LE(diagnostics.size(), ParseLimits().max_errors);
    // Every diagnostic has a position inside the text.
    for (const Diagnostic& d : diagnostics) {
      EXPECT_GE(d.line, 1) << text;
      EXPECT_GE(d.column, 1) << text;
    }
    (void)DumpAst(file);
  }
}

TEST(ParserTest, MutatedExampleDoesNotCrash) {
  std::mt19937 rng(4242);
  const std::string base(kLanguageMdExample);
  for (int i = 0; i < 2000; ++i) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1 + rng() % 8);
          break;
        case 1:
          text.insert(at, 1, "(){}[]\"/;,.-=@\n"[rng() % 15]);
          break;
        default:
          text[at] = static_cast<char>(rng() % 256);
          break;
      }
      if (text.empty()) text = "x";
    }
    std::vector<Diagnostic> diagnostics;
    const ast::File file = ParseSource("mutant", text, &diagnostics);
    (void)DumpAst(file);
  }
}

// ---- The AST dump ----

TEST(DumpAstTest, Golden) {
  Parsed parsed = Parse(R"(schema {
  user { dept: string, tags: set<int> }
  action read, write on doc
}
// note
@id("r1")
permit user in group "g" to [read, write] on doc under ["a/", "b/"]
  when (subject.dept == "x\ty" or not context.ok) and subject has dept
  unless resource.id matches /a\/b/
  with log(full), limit(n, -1);
forbid any "u1" to read on doc matching /d.*/ when context.l in [1, now, true];
)");
  ASSERT_THAT(parsed.diagnostics, IsEmpty()) << FormatDiagnostics(parsed.diagnostics);
  EXPECT_EQ(DumpAst(parsed.file), R"(file "test.ward"
  schema @1:1-4:2
    user @2:3-2:40
      attribute dept: string @2:10-2:14 type@2:16-2:22
      attribute tags: set<int> @2:24-2:28 type@2:30-2:38
    action @3:3-3:28
      name read @3:10-3:14
      name write @3:16-3:21
      on doc @3:25-3:28
  rule permit @6:1-10:32 effect@7:1-7:7
    annotation id "r1" @6:1-6:10 name@6:2-6:4 value@6:5-6:9
    subject user @7:8-7:25 kind@7:8-7:12 group "g" value@7:22-7:25
    actions (list)
      read @7:30-7:34
      write @7:36-7:41
    resource doc prefixes @7:46-7:68 type@7:46-7:49
      string "a/" @7:57-7:61
      string "b/" @7:63-7:67
    when @8:3-8:7
      binary and @8:8-8:71 op@8:51-8:54
        binary or (parenthesized) @8:9-8:49 op@8:32-8:34
          binary == @8:9-8:31 op@8:22-8:24
            path subject.dept @8:9-8:21 attribute@8:17-8:21
            string "x\ty" @8:25-8:31
          not @8:35-8:49 op@8:35-8:38
            path context.ok @8:39-8:49 attribute@8:47-8:49
        has subject.dept @8:55-8:71 op@8:63-8:66 attribute@8:67-8:71
    unless @9:3-9:9
      matches "a/b" @9:10-9:36 op@9:22-9:29 regex@9:30-9:36
        path resource.id @9:10-9:21 attribute@9:19-9:21
    with @10:3-10:7
      obligation log @10:8-10:17 name@10:8-10:11
        name full @10:12-10:16
      obligation limit @10:19-10:31 name@10:19-10:24
        name n @10:25-10:26
        int -1 @10:28-10:30
  rule forbid @11:1-11:80 effect@11:1-11:7
    subject any @11:8-11:16 kind@11:8-11:11 id "u1" value@11:12-11:16
    actions
      read @11:20-11:24
    resource doc pattern @11:28-11:46 type@11:28-11:31
      regex "d.*" @11:41-11:46
    when @11:47-11:51
      binary in @11:52-11:79 op@11:62-11:64
        path context.l @11:52-11:61 attribute@11:60-11:61
        list @11:65-11:79
          int 1 @11:66-11:67
          now @11:69-11:72
          bool true @11:74-11:78
  comment "// note" @5:1-5:8
)");
}

}  // namespace
}  // namespace ward
