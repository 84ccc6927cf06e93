#include "lib/internal/ir.h"

#include <algorithm>

namespace ward::internal {

absl::string_view RootName(Root root) {
  switch (root) {
    case Root::kSubject:
      return "subject";
    case Root::kResource:
      return "resource";
    case Root::kContext:
      return "context";
    case Root::kArgs:
      return "args";
    case Root::kDelegator:
      return "delegator";
  }
  return "unknown";
}

absl::string_view RuleEffectKeyword(RuleEffect effect) {
  switch (effect) {
    case RuleEffect::kPermit:
      return "permit";
    case RuleEffect::kForbid:
      return "forbid";
    case RuleEffect::kRequireApproval:
      return "require_approval";
  }
  return "unknown";
}

bool UsesUnder(const Expr& expr) {
  if (expr.op == Expr::Op::kUnder) return true;
  for (const auto& operand : expr.operands) {
    if (UsesUnder(*operand)) return true;
  }
  return false;
}

std::vector<std::string> PathResourceTypes(const std::vector<Rule>& rules) {
  std::vector<std::string> types;
  for (const Rule& rule : rules) {
    if (rule.resource.kind == ResourceSelector::Kind::kPrefixes ||
        (rule.when != nullptr && UsesUnder(*rule.when)) ||
        (rule.unless != nullptr && UsesUnder(*rule.unless))) {
      types.push_back(rule.resource_type);
    }
  }
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

}  // namespace ward::internal
