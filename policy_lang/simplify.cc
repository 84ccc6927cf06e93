#include "policy_lang/simplify.h"

#include <memory>
#include <utility>
#include <vector>

namespace ward::internal {
namespace {

// `expr` without its operands.
std::unique_ptr<Expr> CopyNode(const Expr& expr) {
  auto out = std::make_unique<Expr>();
  out->op = expr.op;
  out->type = expr.type;
  out->literal = expr.literal;
  out->root = expr.root;
  out->name = expr.name;
  out->regex = expr.regex;
  out->regex_text = expr.regex_text;
  out->line = expr.line;
  out->column = expr.column;
  return out;
}

std::unique_ptr<Expr> CopyTree(const Expr& expr) {
  std::unique_ptr<Expr> out = CopyNode(expr);
  out->operands.reserve(expr.operands.size());
  for (const std::unique_ptr<Expr>& operand : expr.operands) {
    out->operands.push_back(CopyTree(*operand));
  }
  return out;
}

// `simpler` when there is one, else a copy of `original`.
std::unique_ptr<Expr> Take(std::unique_ptr<Expr> simpler, const Expr& original) {
  return simpler != nullptr ? std::move(simpler) : CopyTree(original);
}

std::unique_ptr<Expr> BoolLiteral(bool value, const Expr& at) {
  auto out = std::make_unique<Expr>();
  out->op = Expr::Op::kLiteral;
  out->type = Type::kBool;
  out->literal = Value::Bool(value);
  out->line = at.line;
  out->column = at.column;
  return out;
}

// The comparison that holds exactly when `op` does not, reading the same operands: kEq and
// kNe, and the orders, which compare ints or timestamps (total orders). Null for the rest.
bool Negation(Expr::Op op, Expr::Op* negated) {
  switch (op) {
    case Expr::Op::kEq:
      *negated = Expr::Op::kNe;
      return true;
    case Expr::Op::kNe:
      *negated = Expr::Op::kEq;
      return true;
    case Expr::Op::kLt:
      *negated = Expr::Op::kGe;
      return true;
    case Expr::Op::kGe:
      *negated = Expr::Op::kLt;
      return true;
    case Expr::Op::kLe:
      *negated = Expr::Op::kGt;
      return true;
    case Expr::Op::kGt:
      *negated = Expr::Op::kLe;
      return true;
    default:
      return false;
  }
}

std::unique_ptr<Expr> SimplifyNot(const Expr& expr) {
  const Expr& operand = *expr.operands[0];
  std::unique_ptr<Expr> simpler = SimplifyCondition(operand);
  const Expr& inner = simpler != nullptr ? *simpler : operand;
  // `not not x` is `x`: a negation passes an error through.
  if (inner.op == Expr::Op::kNot) {
    return simpler != nullptr ? std::move(simpler->operands[0]) : CopyTree(*inner.operands[0]);
  }
  if (inner.op == Expr::Op::kLiteral && inner.literal.kind() == Value::Kind::kBool) {
    return BoolLiteral(!inner.literal.bool_value(), expr);
  }
  Expr::Op negated;
  if (Negation(inner.op, &negated)) {
    std::unique_ptr<Expr> out = Take(std::move(simpler), operand);
    out->op = negated;
    return out;
  }
  if (simpler == nullptr) return nullptr;
  std::unique_ptr<Expr> out = CopyNode(expr);
  out->operands.push_back(std::move(simpler));
  return out;
}

// `a and b`, `a or b`: evaluated left to right, and the right operand only when the left one
// does not decide (`false` for `and`, `true` for `or`).
std::unique_ptr<Expr> SimplifyJunction(const Expr& expr) {
  const bool conjunction = expr.op == Expr::Op::kAnd;
  std::unique_ptr<Expr> left = SimplifyCondition(*expr.operands[0]);
  std::unique_ptr<Expr> right = SimplifyCondition(*expr.operands[1]);
  const Expr& l = left != nullptr ? *left : *expr.operands[0];
  const Expr& r = right != nullptr ? *right : *expr.operands[1];
  // `true and x`, `false or x`: the result is x's.
  if (IsBoolLiteral(l, conjunction)) return Take(std::move(right), *expr.operands[1]);
  // `false and x`, `true or x`: x is never evaluated.
  if (IsBoolLiteral(l, !conjunction)) return BoolLiteral(!conjunction, expr);
  // `x and true`, `x or false`: x is evaluated either way and decides. (`x and false` stays:
  // it errs when x does.)
  if (IsBoolLiteral(r, conjunction)) return Take(std::move(left), *expr.operands[0]);
  if (left == nullptr && right == nullptr) return nullptr;
  std::unique_ptr<Expr> out = CopyNode(expr);
  out->operands.push_back(Take(std::move(left), *expr.operands[0]));
  out->operands.push_back(Take(std::move(right), *expr.operands[1]));
  return out;
}

}  // namespace

bool IsBoolLiteral(const Expr& expr, bool value) {
  return expr.op == Expr::Op::kLiteral && expr.literal.kind() == Value::Kind::kBool &&
         expr.literal.bool_value() == value;
}

std::unique_ptr<Expr> SimplifyCondition(const Expr& expr) {
  switch (expr.op) {
    case Expr::Op::kNot:
      return SimplifyNot(expr);
    case Expr::Op::kAnd:
    case Expr::Op::kOr:
      return SimplifyJunction(expr);
    default:
      break;
  }
  // Elsewhere only the operands can be simpler (a condition compared with `==`). Nothing is
  // copied until one is: most conditions are already simplest.
  const size_t count = expr.operands.size();
  for (size_t i = 0; i < count; ++i) {
    std::unique_ptr<Expr> simpler = SimplifyCondition(*expr.operands[i]);
    if (simpler == nullptr) continue;
    std::unique_ptr<Expr> out = CopyNode(expr);
    for (size_t j = 0; j < i; ++j) out->operands.push_back(CopyTree(*expr.operands[j]));
    out->operands.push_back(std::move(simpler));
    for (size_t j = i + 1; j < count; ++j) {
      out->operands.push_back(Take(SimplifyCondition(*expr.operands[j]), *expr.operands[j]));
    }
    return out;
  }
  return nullptr;
}

bool ToAlternatives(const Expr& expr, bool positive, Alternatives* out) {
  switch (expr.op) {
    case Expr::Op::kNot:
      return ToAlternatives(*expr.operands[0], !positive, out);
    case Expr::Op::kAnd:
    case Expr::Op::kOr: {
      Alternatives left, right;
      if (!ToAlternatives(*expr.operands[0], positive, &left) ||
          !ToAlternatives(*expr.operands[1], positive, &right)) {
        return false;
      }
      // `a and b` is a conjunction, and so is `not (a or b)`.
      const bool conjunction = (expr.op == Expr::Op::kAnd) == positive;
      out->clear();
      if (!conjunction) {
        if (left.size() + right.size() > kMaxAlternatives) return false;
        *out = std::move(left);
        out->insert(out->end(), right.begin(), right.end());
        return true;
      }
      if (left.size() * right.size() > kMaxAlternatives) return false;
      for (const Conjunction& a : left) {
        for (const Conjunction& b : right) {
          Conjunction both = a;
          both.insert(both.end(), b.begin(), b.end());
          out->push_back(std::move(both));
        }
      }
      return true;
    }
    case Expr::Op::kLiteral:
      if (expr.literal.kind() == Value::Kind::kBool) {
        out->clear();
        if (expr.literal.bool_value() == positive) out->push_back({});
        return true;
      }
      break;
    default:
      break;
  }
  *out = {{Literal{&expr, positive}}};
  return true;
}

bool Conjoin(const Alternatives& a, const Alternatives& b, Alternatives* out) {
  if (a.size() * b.size() > kMaxAlternatives) return false;
  out->clear();
  for (const Conjunction& x : a) {
    for (const Conjunction& y : b) {
      Conjunction both = x;
      both.insert(both.end(), y.begin(), y.end());
      out->push_back(std::move(both));
    }
  }
  return true;
}

}  // namespace ward::internal
