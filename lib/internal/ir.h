// The checked form of a policy set: rules with resolved heads and typed condition trees. The
// checker (policy_lang/checker.cc) produces it; the reference interpreter evaluates it.

#ifndef WARD_LIB_INTERNAL_IR_H_
#define WARD_LIB_INTERNAL_IR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ward/decision.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace ward::internal {

// The entity an attribute path starts from. `context` holds what the host asserts; `args`
// what the model asked for (a tool call's arguments).
enum class Root : uint8_t { kSubject, kResource, kContext, kDelegator, kArgs };
absl::string_view RootName(Root root);

struct Expr {
  enum class Op : uint8_t {
    kLiteral,    // `literal`; list literals are sets
    kAttribute,  // `root`.`name`, of declared type `type`
    kHas,        // `root` has `name`
    kNow,        // the request's time
    kNot,        // operands[0]
    kAnd,        // operands[0], operands[1]; short-circuit
    kOr,         // operands[0], operands[1]; short-circuit
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kIn,          // operands[0] in operands[1] (a set)
    kMatches,     // operands[0] matches `regex` (full match)
    kStartsWith,  // operands[0] starts_with operands[1]
    // `resource under P`: operands[0] is `resource.id`, operands[1] a string or a set of
    // strings; true when the id lies under one of them as a path (see IdUnderPrefix).
    kUnder,
  };

  Op op = Op::kLiteral;
  // The static type of the result (kBool for conditions). For an empty list literal, whose
  // element type is unknown, kStringSet.
  Type type = Type::kBool;
  Value literal;
  Root root = Root::kSubject;
  std::string name;  // attribute name for kAttribute and kHas
  std::vector<std::unique_ptr<Expr>> operands;
  std::shared_ptr<const re2::RE2> regex;  // kMatches
  std::string regex_text;                 // kMatches, as written
  int line = 0;                           // where the expression starts
  int column = 0;
};

enum class RuleEffect : uint8_t { kPermit, kForbid, kRequireApproval };
absl::string_view RuleEffectKeyword(RuleEffect effect);

struct SubjectSelector {
  enum class Kind : uint8_t { kAll, kId, kGroup };
  std::optional<SubjectKind> subject_kind;  // nullopt for `any`
  Kind kind = Kind::kAll;
  std::string value;  // the id or the group
};

struct ResourceSelector {
  enum class Kind : uint8_t { kAll, kIds, kPrefixes, kPattern };
  Kind kind = Kind::kAll;
  std::vector<std::string> values;  // ids (sorted, unique) or prefixes (sorted, unique)
  std::shared_ptr<const re2::RE2> pattern;
  std::string pattern_text;
};

struct Rule {
  std::string name;    // the @id, or SOURCE:LINE
  std::string source;  // the source name the caller gave
  int line = 0;        // of the effect keyword
  RuleEffect effect = RuleEffect::kPermit;
  std::vector<std::pair<std::string, std::string>> annotations;  // in source order
  // `@shadow`: evaluated and reported (Decision::shadow) but never enforced.
  bool shadow = false;
  SubjectSelector subject;
  std::vector<std::string> actions;  // sorted, unique
  std::string resource_type;
  ResourceSelector resource;
  std::unique_ptr<Expr> when;    // may be null
  std::unique_ptr<Expr> unless;  // may be null
  std::string when_text;         // the conditions as written, for explanations
  std::string unless_text;
  // Obligations of a permit, normalised: redactions sorted and unique, limits sorted by name.
  Obligations obligations;
  bool sets_log = false;  // whether `log(...)` was given
  // Owns the patterns that `obligations.redact[i].regex` point to.
  std::vector<std::shared_ptr<const re2::RE2>> redaction_regexes;
};

struct PolicyIr {
  Schema schema;
  std::vector<Rule> rules;  // in source order
};

// Whether `expr` has a `resource under ...` test.
bool UsesUnder(const Expr& expr);

// The resource types that `rules` select with `under`, in their head or a `resource under`
// condition, sorted and unique: a request's resource id of such a type must be a normalized
// path.
std::vector<std::string> PathResourceTypes(const std::vector<Rule>& rules);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_IR_H_
