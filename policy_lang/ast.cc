#include "policy_lang/ast.h"

namespace ward::ast {

absl::string_view EffectKeyword(Effect effect) {
  switch (effect) {
    case Effect::kPermit:
      return "permit";
    case Effect::kForbid:
      return "forbid";
    case Effect::kRequireApproval:
      return "require_approval";
  }
  return "permit";
}

absl::string_view PathRootKeyword(PathRoot root) {
  switch (root) {
    case PathRoot::kSubject:
      return "subject";
    case PathRoot::kResource:
      return "resource";
    case PathRoot::kContext:
      return "context";
    case PathRoot::kArgs:
      return "args";
    case PathRoot::kDelegator:
      return "delegator";
  }
  return "subject";
}

absl::string_view BinaryOpText(Expr::BinaryOp op) {
  switch (op) {
    case Expr::BinaryOp::kAnd:
      return "and";
    case Expr::BinaryOp::kOr:
      return "or";
    case Expr::BinaryOp::kEq:
      return "==";
    case Expr::BinaryOp::kNe:
      return "!=";
    case Expr::BinaryOp::kLt:
      return "<";
    case Expr::BinaryOp::kLe:
      return "<=";
    case Expr::BinaryOp::kGt:
      return ">";
    case Expr::BinaryOp::kGe:
      return ">=";
    case Expr::BinaryOp::kIn:
      return "in";
    case Expr::BinaryOp::kStartsWith:
      return "starts_with";
    case Expr::BinaryOp::kUnder:
      return "under";
  }
  return "==";
}

}  // namespace ward::ast
