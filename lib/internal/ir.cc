#include "lib/internal/ir.h"

namespace ward::internal {

absl::string_view RootName(Root root) {
  switch (root) {
    case Root::kSubject:
      return "subject";
    case Root::kResource:
      return "resource";
    case Root::kContext:
      return "context";
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

}  // namespace ward::internal
