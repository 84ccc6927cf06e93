#include "policy_lang/codegen.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/internal/ir_dump.h"
#include "policy_lang/index_builder.h"
#include "policy_lang/simplify.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

// The largest symbol the index keys can hold (two bits of each key word are taken).
constexpr size_t kMaxSymbols = size_t{1} << 30;

int32_t PositionOf(const AttributeSpecs& attributes, absl::string_view name) {
  int32_t position = 0;
  for (const auto& [attribute, type] : attributes) {
    if (attribute == name) return position;
    ++position;
  }
  return -1;
}

// PositionOf, where the attribute is declared with `type`; -1 elsewhere.
int32_t PositionOf(const AttributeSpecs& attributes, absl::string_view name, Type type) {
  auto it = attributes.find(name);
  if (it == attributes.end() || it->second.type != type) return -1;
  return PositionOf(attributes, name);
}

AttributeRef::Builtin BuiltinOf(absl::string_view name) {
  if (name == "id") return AttributeRef::Builtin::kId;
  if (name == "owner") return AttributeRef::Builtin::kOwner;
  if (name == "status") return AttributeRef::Builtin::kStatus;
  if (name == "expires_at") return AttributeRef::Builtin::kExpiresAt;
  if (name == "groups") return AttributeRef::Builtin::kGroups;
  return AttributeRef::Builtin::kNone;
}

}  // namespace

CodeRange CodeGenerator::Emit(const Expr& expr, const Rule& rule) {
  CodeRange range;
  range.begin = static_cast<uint32_t>(program_->code.size());
  const std::unique_ptr<Expr> simpler = SimplifyCondition(expr);
  EmitExpr(simpler != nullptr ? *simpler : expr, rule);
  range.end = static_cast<uint32_t>(program_->code.size());
  return range;
}

void CodeGenerator::EmitExpr(const Expr& expr, const Rule& rule) {
  switch (expr.op) {
    case Expr::Op::kLiteral:
      program_->literals.push_back(expr.literal);
      Append(OpCode::kLiteral, static_cast<uint32_t>(program_->literals.size() - 1));
      return;
    case Expr::Op::kNow:
      Append(OpCode::kNow);
      return;
    case Expr::Op::kAttribute:
      Append(OpCode::kLoad, AddAttribute(expr, rule));
      return;
    case Expr::Op::kHas:
      Append(OpCode::kHas, AddAttribute(expr, rule));
      return;
    case Expr::Op::kNot:
      EmitExpr(*expr.operands[0], rule);
      Append(OpCode::kNot);
      return;
    case Expr::Op::kAnd:
    case Expr::Op::kOr: {
      EmitExpr(*expr.operands[0], rule);
      const size_t jump = program_->code.size();
      Append(expr.op == Expr::Op::kAnd ? OpCode::kAnd : OpCode::kOr);
      EmitExpr(*expr.operands[1], rule);
      program_->code[jump].arg = static_cast<uint32_t>(program_->code.size());
      return;
    }
    case Expr::Op::kMatches:
      EmitExpr(*expr.operands[0], rule);
      Append(OpCode::kMatches, AddRegexPattern(program_, expr.regex_text));
      return;
    default:
      break;
  }
  EmitExpr(*expr.operands[0], rule);
  EmitExpr(*expr.operands[1], rule);
  switch (expr.op) {
    case Expr::Op::kEq:
      Append(OpCode::kEq);
      break;
    case Expr::Op::kNe:
      Append(OpCode::kNe);
      break;
    case Expr::Op::kLt:
      Append(OpCode::kLt);
      break;
    case Expr::Op::kLe:
      Append(OpCode::kLe);
      break;
    case Expr::Op::kGt:
      Append(OpCode::kGt);
      break;
    case Expr::Op::kGe:
      Append(OpCode::kGe);
      break;
    case Expr::Op::kIn:
      Append(OpCode::kIn);
      break;
    case Expr::Op::kUnder:
      Append(OpCode::kUnder);
      break;
    default:
      Append(OpCode::kStartsWith);
      break;
  }
}

uint32_t CodeGenerator::AddAttribute(const Expr& expr, const Rule& rule) {
  AttributeRef ref;
  ref.root = expr.root;
  ref.name = expr.name;
  ref.type = expr.type;
  switch (expr.root) {
    case Root::kSubject:
    case Root::kDelegator:
      ref.builtin = BuiltinOf(expr.name);
      if (ref.builtin == AttributeRef::Builtin::kNone) {
        for (SubjectKind kind : kAllSubjectKinds) {
          const int k = static_cast<int>(kind);
          // A read gets no slot in a kind that declares the name with another type
          // (possible when the rule names its subject's kind, so that it never reads an
          // identity of that kind): every slot it has holds its type. `has` reads no value.
          const AttributeSpecs& declared = policy_.schema.subject_attributes[k];
          ref.kind_slot[k] = expr.op == Expr::Op::kAttribute
                                 ? PositionOf(declared, expr.name, expr.type)
                                 : PositionOf(declared, expr.name);
        }
      }
      break;
    case Root::kResource:
      if (expr.name == "id") {
        ref.builtin = AttributeRef::Builtin::kId;
      } else {
        auto type = policy_.schema.resource_types.find(rule.resource_type);
        if (type != policy_.schema.resource_types.end()) {
          ref.slot = PositionOf(type->second, expr.name);
        }
      }
      break;
    case Root::kContext:
      ref.slot = PositionOf(policy_.schema.context, expr.name);
      break;
    case Root::kArgs:
      ref.slot = PositionOf(policy_.schema.args, expr.name);
      break;
  }
  program_->attributes.push_back(std::move(ref));
  return static_cast<uint32_t>(program_->attributes.size() - 1);
}

namespace {

// The checker's compiled patterns of `expr`'s `matches`, so that they are not compiled again.
void CollectRegexes(const Expr& expr, CompiledRegexes* out) {
  if (expr.op == Expr::Op::kMatches && expr.regex != nullptr) {
    out->emplace(expr.regex_text, expr.regex);
  }
  for (const std::unique_ptr<Expr>& operand : expr.operands) CollectRegexes(*operand, out);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Program>> BuildProgram(const PolicyIr& policy) {
  auto program = std::make_shared<Program>();
  program->schema = policy.schema;
  CodeGenerator code(policy, program.get());
  IndexBuilder index(program.get());

  // Rules in name order, so that candidate lists sorted by index are sorted by name.
  std::vector<size_t> order(policy.rules.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return policy.rules[a].name < policy.rules[b].name; });
  program->rules.reserve(order.size());
  // Every pattern the checker compiled (and bounded): the program takes them as they are.
  CompiledRegexes compiled;
  for (size_t i = 0; i < order.size(); ++i) {
    const Rule& rule = policy.rules[order[i]];
    if (rule.resource.pattern != nullptr) {
      compiled.emplace(rule.resource.pattern_text, rule.resource.pattern);
    }
    if (rule.when) CollectRegexes(*rule.when, &compiled);
    if (rule.unless) CollectRegexes(*rule.unless, &compiled);
    for (const std::shared_ptr<const re2::RE2>& regex : rule.redaction_regexes) {
      compiled.emplace(regex->pattern(), regex);
    }
    ProgramRule out;
    out.name = rule.name;
    out.source = rule.source;
    out.line = rule.line;
    out.effect = rule.effect;
    out.shadow = rule.shadow;
    out.when_text = rule.when_text;
    out.unless_text = rule.unless_text;
    out.head_text = RuleHeadToString(rule);
    out.obligations = rule.obligations;
    for (Redaction& redaction : out.obligations.redact) {
      redaction.regex = nullptr;  // re-pointed into the program's own regexes by FinishProgram
    }
    if (rule.when) out.when = code.Emit(*rule.when, rule);
    if (rule.unless) out.unless = code.Emit(*rule.unless, rule);
    program->rules.push_back(std::move(out));
    index.Add(rule, static_cast<uint32_t>(i));
  }
  if (program->symbols.size() >= kMaxSymbols) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the policy has more than ", kMaxSymbols, " distinct names"));
  }
  index.Finish();
  program->path_resource_types = PathResourceTypes(policy.rules);
  if (absl::Status finished = FinishProgram(program.get(), RegexBudget(), &compiled);
      !finished.ok()) {
    return finished;
  }
  return std::shared_ptr<const Program>(std::move(program));
}

}  // namespace ward::internal
