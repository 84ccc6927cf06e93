#include "lib/internal/residual.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/internal/ir_dump.h"

namespace ward::internal {

void Residuals::Clear() {
  nodes_.resize(2);
  nodes_[kFalse] = Node::Of(Kind::kFalse);
  nodes_[kTrue] = Node::Of(Kind::kTrue);
  ids_.clear();
}

ResidualId Residuals::Add(Node node) {
  auto [it, inserted] = ids_.try_emplace(node, static_cast<ResidualId>(nodes_.size()));
  if (inserted) nodes_.push_back(std::move(node));
  return it->second;
}

ResidualId Residuals::Attribute(uint32_t attribute) {
  return Add(Node::Of(Kind::kAttribute, OpCode::kEq, attribute));
}

ResidualId Residuals::Has(uint32_t attribute) {
  return Add(Node::Of(Kind::kHas, OpCode::kEq, attribute));
}

ResidualId Residuals::Now() { return Add(Node::Of(Kind::kNow)); }

ResidualId Residuals::Known(const Value& value) {
  Node node = Node::Of(Kind::kKnown);
  node.literal = LiteralToString(value);
  return Add(std::move(node));
}

ResidualId Residuals::Compare(OpCode op, ResidualId left, ResidualId right) {
  return Add(Node::Of(Kind::kCompare, op, left, right));
}

ResidualId Residuals::Matches(uint32_t regex, ResidualId operand) {
  return Add(Node::Of(Kind::kMatches, OpCode::kMatches, regex, operand));
}

ResidualId Residuals::Not(ResidualId a) {
  if (a == kFalse) return kTrue;
  if (a == kTrue) return kFalse;
  if (nodes_[a].kind == Kind::kNot) return nodes_[a].a;
  if (nodes_[a].kind == Kind::kOr) {
    // `not (x or y)` reads better as `not x and not y` (and `not (not x or y)` as
    // `x and not y`, the shape a forbid gives an allowed access).
    const ResidualId x = nodes_[a].a, y = nodes_[a].b;
    return And(Not(x), Not(y));
  }
  return Add(Node::Of(Kind::kNot, OpCode::kEq, a));
}

namespace {
// Whether `a` is `not b` or `b` is `not a` in `nodes`.
template <typename Nodes, typename NotKind>
bool Complementary(const Nodes& nodes, NotKind not_kind, ResidualId a, ResidualId b) {
  return (nodes[a].kind == not_kind && nodes[a].a == b) ||
         (nodes[b].kind == not_kind && nodes[b].a == a);
}
}  // namespace

ResidualId Residuals::And(ResidualId a, ResidualId b) {
  if (a == kFalse || b == kFalse) return kFalse;
  if (a == kTrue) return b;
  if (b == kTrue || a == b) return a;
  if (Complementary(nodes_, Kind::kNot, a, b)) return kFalse;
  return Add(Node::Of(Kind::kAnd, OpCode::kEq, a, b));
}

ResidualId Residuals::Or(ResidualId a, ResidualId b) {
  if (a == kTrue || b == kTrue) return kTrue;
  if (a == kFalse) return b;
  if (b == kFalse || a == b) return a;
  if (Complementary(nodes_, Kind::kNot, a, b)) return kTrue;
  return Add(Node::Of(Kind::kOr, OpCode::kEq, a, b));
}

namespace {

// Precedence as the language parses: `or` < `and` < comparisons < `not` < operands.
constexpr int kOrPrecedence = 1;
constexpr int kAndPrecedence = 2;
constexpr int kComparisonPrecedence = 3;
constexpr int kNotPrecedence = 4;
constexpr int kOperandPrecedence = 5;

absl::string_view ComparisonText(OpCode op) {
  switch (op) {
    case OpCode::kEq:
      return "==";
    case OpCode::kNe:
      return "!=";
    case OpCode::kLt:
      return "<";
    case OpCode::kLe:
      return "<=";
    case OpCode::kGt:
      return ">";
    case OpCode::kGe:
      return ">=";
    case OpCode::kIn:
      return "in";
    case OpCode::kStartsWith:
      return "starts_with";
    case OpCode::kUnder:
      return "under";
    default:
      return "?";
  }
}

}  // namespace

std::string Residuals::Render(ResidualId id, const Program& program, size_t max_length) const {
  std::string out;
  RenderInto(id, program, 0, max_length, &out);
  if (out.size() > max_length) {
    out.resize(max_length);
    out += " ...";
  }
  return out;
}

void Residuals::RenderInto(ResidualId id, const Program& program, int parent_precedence,
                           size_t max_length, std::string* out) const {
  // A shared part may be rendered many times: stop once the text is long enough.
  if (out->size() > max_length) return;
  const Node& node = nodes_[id];
  auto attribute_text = [&](uint32_t index) {
    const AttributeRef& ref = program.attributes[index];
    return absl::StrCat(RootName(ref.root), ".", ref.name);
  };
  int precedence = kOperandPrecedence;
  switch (node.kind) {
    case Kind::kOr:
      precedence = kOrPrecedence;
      break;
    case Kind::kAnd:
      precedence = kAndPrecedence;
      break;
    case Kind::kCompare:
    case Kind::kMatches:
    case Kind::kHas:
      precedence = kComparisonPrecedence;
      break;
    case Kind::kNot:
      precedence = kNotPrecedence;
      break;
    default:
      break;
  }
  const bool parenthesised = precedence < parent_precedence;
  if (parenthesised) out->push_back('(');
  switch (node.kind) {
    case Kind::kFalse:
      out->append("false");
      break;
    case Kind::kTrue:
      out->append("true");
      break;
    case Kind::kAttribute:
      out->append(attribute_text(node.a));
      break;
    case Kind::kHas: {
      const AttributeRef& ref = program.attributes[node.a];
      absl::StrAppend(out, RootName(ref.root), " has ", ref.name);
      break;
    }
    case Kind::kNow:
      out->append("now");
      break;
    case Kind::kKnown:
      out->append(node.literal);
      break;
    case Kind::kCompare:
      if (node.op == OpCode::kUnder) {
        // The left side is the resource's id, which the access names: the language's form.
        out->append("resource");
      } else {
        RenderInto(node.a, program, kOperandPrecedence, max_length, out);
      }
      absl::StrAppend(out, " ", ComparisonText(node.op), " ");
      RenderInto(node.b, program, kOperandPrecedence, max_length, out);
      break;
    case Kind::kMatches:
      RenderInto(node.b, program, kOperandPrecedence, max_length, out);
      absl::StrAppend(out, " matches ", RegexLiteral(program.regex_patterns[node.a]));
      break;
    case Kind::kNot:
      out->append("not ");
      RenderInto(node.a, program, kNotPrecedence, max_length, out);
      break;
    case Kind::kAnd:
    case Kind::kOr:
      RenderInto(node.a, program, precedence, max_length, out);
      out->append(node.kind == Kind::kAnd ? " and " : " or ");
      RenderInto(node.b, program, precedence, max_length, out);
      break;
  }
  if (parenthesised) out->push_back(')');
}

ResidualTruth NotTruth(Residuals* residuals, ResidualTruth a) {
  // An error stays an error: true exactly when `a` is false without error.
  if (a.holds == a.holds_or_errs) {
    const ResidualId negated = residuals->Not(a.holds);
    return {negated, negated};
  }
  return {residuals->Not(a.holds_or_errs), residuals->Not(a.holds)};
}

ResidualTruth AndTruth(Residuals* residuals, ResidualTruth a, ResidualTruth b) {
  const ResidualId holds = residuals->And(a.holds, b.holds);
  if (a.holds == a.holds_or_errs && b.holds == b.holds_or_errs) return {holds, holds};
  // Errs when `a` errs, or when `a` holds and `b` errs; `a` false ends it.
  return {holds,
          residuals->And(a.holds_or_errs, residuals->Or(residuals->Not(a.holds), b.holds_or_errs))};
}

ResidualTruth OrTruth(Residuals* residuals, ResidualTruth a, ResidualTruth b) {
  if (a.holds == a.holds_or_errs && b.holds == b.holds_or_errs) {
    const ResidualId holds = residuals->Or(a.holds, b.holds);
    return {holds, holds};
  }
  // Holds when `a` holds, or when `a` is false (without error) and `b` holds.
  return {residuals->Or(a.holds, residuals->And(residuals->Not(a.holds_or_errs), b.holds)),
          residuals->Or(a.holds_or_errs, b.holds_or_errs)};
}

}  // namespace ward::internal
