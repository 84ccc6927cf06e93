#include "lib/reference/interpreter.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/request_check.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

absl::Status EvalError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

std::string Describe(const IdentityRef& ref) {
  return absl::StrCat(SubjectKindName(ref.kind), " `", ref.id, "`");
}

// The identity `ref` names, or null when there is none of that kind.
const Identity* FindIdentity(const EntityStore& entities, const IdentityRef& ref) {
  const Identity* identity = entities.FindIdentity(ref.id);
  if (identity == nullptr || identity->kind != ref.kind) return nullptr;
  return identity;
}

bool Expired(const Identity& identity, absl::Time now) {
  return identity.expires_at.has_value() && *identity.expires_at <= now;
}

// The lifecycle guard of one principal; nullopt when it passes.
std::optional<Reason> Guard(const EntityStore& entities, const Identity* identity, absl::Time now) {
  if (identity == nullptr) return Reason::kUnknownIdentity;
  if (identity->status != IdentityStatus::kActive || Expired(*identity, now)) {
    return Reason::kLifecycle;
  }
  if (identity->kind == SubjectKind::kUser) return std::nullopt;
  // An agent or builder needs an accountable owner: a known, active, unexpired user.
  const Identity* owner = identity->owner ? entities.FindIdentity(*identity->owner) : nullptr;
  if (owner == nullptr || owner->kind != SubjectKind::kUser ||
      owner->status != IdentityStatus::kActive || Expired(*owner, now)) {
    return Reason::kUnowned;
  }
  return std::nullopt;
}

// One principal of the request, with the identity its `delegator` refers to.
struct Principal {
  const IdentityRef* ref = nullptr;
  const Identity* identity = nullptr;
  const IdentityRef* delegator_ref = nullptr;  // null at the end of the chain
  const Identity* delegator = nullptr;         // null when absent or unknown
};

class Evaluator {
 public:
  Evaluator(const PolicyIr& policy, const Request& request, absl::Time now,
            const EntityStore& entities)
      : policy_(policy),
        request_(request),
        now_(now),
        stored_resource_(entities.FindResource(request.resource.type, request.resource.id)) {}

  bool HeadMatches(const Rule& rule, const Identity& principal) const {
    const SubjectSelector& subject = rule.subject;
    if (subject.subject_kind && *subject.subject_kind != principal.kind) return false;
    switch (subject.kind) {
      case SubjectSelector::Kind::kAll:
        break;
      case SubjectSelector::Kind::kId:
        if (principal.id != subject.value) return false;
        break;
      case SubjectSelector::Kind::kGroup:
        if (!std::binary_search(principal.groups.begin(), principal.groups.end(), subject.value)) {
          return false;
        }
        break;
    }
    if (!std::binary_search(rule.actions.begin(), rule.actions.end(), request_.action)) {
      return false;
    }
    if (rule.resource_type != request_.resource.type) return false;
    const ResourceSelector& resource = rule.resource;
    const std::string& id = request_.resource.id;
    switch (resource.kind) {
      case ResourceSelector::Kind::kAll:
        return true;
      case ResourceSelector::Kind::kIds:
        return std::binary_search(resource.values.begin(), resource.values.end(), id);
      case ResourceSelector::Kind::kPrefixes:
        return std::any_of(resource.values.begin(), resource.values.end(),
                           [&](const std::string& prefix) { return IsUnderPath(id, prefix); });
      case ResourceSelector::Kind::kPattern:
        return resource.pattern != nullptr &&
               RE2::FullMatch(re2::StringPiece(id.data(), id.size()), *resource.pattern);
    }
    return false;
  }

  absl::StatusOr<Value> Eval(const Expr& expr, const Principal& principal) const {
    switch (expr.op) {
      case Expr::Op::kLiteral:
        return expr.literal;
      case Expr::Op::kNow:
        return Value::Timestamp(now_);
      case Expr::Op::kAttribute:
        return Read(expr, principal);
      case Expr::Op::kHas:
        return Value::Bool(Has(expr, principal));
      case Expr::Op::kNot: {
        absl::StatusOr<bool> operand = EvalBool(*expr.operands[0], principal);
        if (!operand.ok()) return operand.status();
        return Value::Bool(!*operand);
      }
      case Expr::Op::kAnd:
      case Expr::Op::kOr: {
        // Left to right with short-circuit: `false and ERR` is false, `ERR and false` an error.
        absl::StatusOr<bool> left = EvalBool(*expr.operands[0], principal);
        if (!left.ok()) return left.status();
        if (*left == (expr.op == Expr::Op::kOr)) return Value::Bool(*left);
        absl::StatusOr<bool> right = EvalBool(*expr.operands[1], principal);
        if (!right.ok()) return right.status();
        return Value::Bool(*right);
      }
      default:
        return EvalComparison(expr, principal);
    }
  }

  absl::StatusOr<bool> EvalBool(const Expr& expr, const Principal& principal) const {
    absl::StatusOr<Value> value = Eval(expr, principal);
    if (!value.ok()) return value.status();
    if (value->kind() != Value::Kind::kBool) {
      return EvalError(absl::StrCat("expected a bool, found ", value->KindDescription()));
    }
    return value->bool_value();
  }

 private:
  absl::StatusOr<Value> EvalComparison(const Expr& expr, const Principal& principal) const {
    absl::StatusOr<Value> left = Eval(*expr.operands[0], principal);
    if (!left.ok()) return left.status();
    if (expr.op == Expr::Op::kMatches) {
      if (left->kind() != Value::Kind::kString || expr.regex == nullptr) {
        return EvalError("`matches` needs a string");
      }
      const std::string& text = left->string_value();
      return Value::Bool(RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *expr.regex));
    }
    absl::StatusOr<Value> right = Eval(*expr.operands[1], principal);
    if (!right.ok()) return right.status();
    switch (expr.op) {
      case Expr::Op::kEq:
        return Value::Bool(*left == *right);
      case Expr::Op::kNe:
        return Value::Bool(*left != *right);
      case Expr::Op::kLt:
      case Expr::Op::kLe:
      case Expr::Op::kGt:
      case Expr::Op::kGe:
        return Order(expr.op, *left, *right);
      case Expr::Op::kIn:
        if (left->kind() == Value::Kind::kString && right->kind() == Value::Kind::kStringSet) {
          const auto& set = right->string_set();
          return Value::Bool(std::binary_search(set.begin(), set.end(), left->string_value()));
        }
        if (left->kind() == Value::Kind::kInt && right->kind() == Value::Kind::kIntSet) {
          const auto& set = right->int_set();
          return Value::Bool(std::binary_search(set.begin(), set.end(), left->int_value()));
        }
        return EvalError(absl::StrCat("`in` cannot test ", left->KindDescription(), " in ",
                                      right->KindDescription()));
      case Expr::Op::kStartsWith:
        if (left->kind() != Value::Kind::kString || right->kind() != Value::Kind::kString) {
          return EvalError("`starts_with` needs two strings");
        }
        return Value::Bool(absl::StartsWith(left->string_value(), right->string_value()));
      case Expr::Op::kUnder: {
        if (left->kind() != Value::Kind::kString) return EvalError("`under` needs an id");
        if (right->kind() == Value::Kind::kString) {
          return Value::Bool(IdUnderPrefix(left->string_value(), right->string_value()));
        }
        if (right->kind() != Value::Kind::kStringSet) {
          return EvalError("`under` needs a string or a set of strings");
        }
        for (const std::string& prefix : right->string_set()) {
          if (IdUnderPrefix(left->string_value(), prefix)) return Value::Bool(true);
        }
        return Value::Bool(false);
      }
      default:
        return EvalError("unexpected expression");
    }
  }

  static absl::StatusOr<Value> Order(Expr::Op op, const Value& left, const Value& right) {
    int comparison;
    if (left.kind() == Value::Kind::kInt && right.kind() == Value::Kind::kInt) {
      comparison = (left.int_value() > right.int_value()) - (left.int_value() < right.int_value());
    } else if (left.kind() == Value::Kind::kTimestamp && right.kind() == Value::Kind::kTimestamp) {
      comparison = (left.timestamp_value() > right.timestamp_value()) -
                   (left.timestamp_value() < right.timestamp_value());
    } else {
      return EvalError(
          absl::StrCat("cannot order ", left.KindDescription(), " and ", right.KindDescription()));
    }
    switch (op) {
      case Expr::Op::kLt:
        return Value::Bool(comparison < 0);
      case Expr::Op::kLe:
        return Value::Bool(comparison <= 0);
      case Expr::Op::kGt:
        return Value::Bool(comparison > 0);
      default:
        return Value::Bool(comparison >= 0);
    }
  }

  // Converts a value read from an entity, the context or inline attributes to the declared
  // type; a mismatch is an evaluation error naming the path.
  static absl::StatusOr<Value> Typed(const Value& value, const Expr& expr) {
    absl::StatusOr<Value> converted = value.ConvertTo(expr.type);
    if (converted.ok()) return converted;
    return EvalError(absl::StrCat("`", RootName(expr.root), ".", expr.name,
                                  "`: ", converted.status().message()));
  }

  absl::StatusOr<Value> Read(const Expr& expr, const Principal& principal) const {
    switch (expr.root) {
      case Root::kSubject:
        return ReadIdentity(expr, principal.ref, principal.identity);
      case Root::kDelegator:
        if (principal.delegator_ref == nullptr) {
          return EvalError(
              absl::StrCat("`delegator.", expr.name, "`: the request has no delegator here"));
        }
        return ReadIdentity(expr, principal.delegator_ref, principal.delegator);
      case Root::kResource:
        return ReadResource(expr);
      case Root::kContext:
      case Root::kArgs: {
        const AttributeMap& values = expr.root == Root::kContext ? request_.context : request_.args;
        auto it = values.find(expr.name);
        if (it == values.end()) {
          return EvalError(absl::StrCat("`", RootName(expr.root), ".", expr.name, "` is absent"));
        }
        return Typed(it->second, expr);
      }
    }
    return EvalError("unexpected attribute root");
  }

  absl::StatusOr<Value> ReadIdentity(const Expr& expr, const IdentityRef* ref,
                                     const Identity* identity) const {
    const std::string path = absl::StrCat(RootName(expr.root), ".", expr.name);
    if (identity == nullptr) {
      return EvalError(absl::StrCat("`", path, "`: ", Describe(*ref), " is not a known identity"));
    }
    const std::string& name = expr.name;
    if (name == "id") return Value::String(identity->id);
    if (name == "status") return Value::String(std::string(IdentityStatusName(identity->status)));
    if (name == "groups") return Value::StringSet(identity->groups);
    if (name == "owner") {
      if (!identity->owner) return EvalError(absl::StrCat("`", path, "` is absent"));
      return Value::String(*identity->owner);
    }
    if (name == "expires_at") {
      if (!identity->expires_at) return EvalError(absl::StrCat("`", path, "` is absent"));
      return Value::Timestamp(*identity->expires_at);
    }
    const AttributeSpecs& declared =
        policy_.schema.subject_attributes[static_cast<int>(identity->kind)];
    if (declared.find(name) == declared.end()) {
      return EvalError(absl::StrCat("`", path, "`: ", Describe(*ref),
                                    " is of a kind that does not declare `", name, "`"));
    }
    auto it = identity->attrs.find(name);
    if (it == identity->attrs.end()) {
      return EvalError(absl::StrCat("`", path, "` is absent for ", Describe(*ref)));
    }
    return Typed(it->second, expr);
  }

  absl::StatusOr<Value> ReadResource(const Expr& expr) const {
    const ResourceRef& resource = request_.resource;
    if (expr.name == "id") return Value::String(resource.id);
    // A stored resource's attributes come from the store alone; inline ones only describe a
    // resource the store does not have.
    const AttributeMap& attrs =
        stored_resource_ != nullptr ? stored_resource_->attrs : resource.attrs;
    if (auto it = attrs.find(expr.name); it != attrs.end()) return Typed(it->second, expr);
    if (stored_resource_ == nullptr && resource.attrs.empty()) {
      return EvalError(absl::StrCat("`resource.", expr.name, "`: resource `", resource.type, ":",
                                    resource.id,
                                    "` is not in the store and has no inline "
                                    "attributes"));
    }
    return EvalError(absl::StrCat("`resource.", expr.name, "` is absent for `", resource.type, ":",
                                  resource.id, "`"));
  }

  bool Has(const Expr& expr, const Principal& principal) const {
    switch (expr.root) {
      case Root::kSubject:
        return IdentityHas(principal.identity, expr.name);
      case Root::kDelegator:
        return IdentityHas(principal.delegator, expr.name);
      case Root::kResource:
        if (expr.name == "id") return true;
        if (stored_resource_ != nullptr) return stored_resource_->attrs.contains(expr.name);
        return request_.resource.attrs.contains(expr.name);
      case Root::kContext:
        return request_.context.contains(expr.name);
      case Root::kArgs:
        return request_.args.contains(expr.name);
    }
    return false;
  }

  bool IdentityHas(const Identity* identity, const std::string& name) const {
    if (identity == nullptr) return false;
    if (name == "id" || name == "status" || name == "groups") return true;
    if (name == "owner") return identity->owner.has_value();
    if (name == "expires_at") return identity->expires_at.has_value();
    const AttributeSpecs& declared =
        policy_.schema.subject_attributes[static_cast<int>(identity->kind)];
    return declared.find(name) != declared.end() && identity->attrs.contains(name);
  }

  const PolicyIr& policy_;
  const Request& request_;
  const absl::Time now_;
  const Resource* stored_resource_;
};

std::string ClauseText(const absl::StatusOr<bool>& value) {
  if (!value.ok()) return absl::StrCat("error: ", value.status().message());
  return *value ? "true" : "false";
}

// The decision of one principal alone.
struct PrincipalOutcome {
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kInternalError;
  std::vector<const Rule*> determining;
  std::vector<const Rule*> holding_permits;
  std::vector<EvaluationError> errors;
};

PrincipalOutcome DecidePrincipal(const PolicyIr& policy, const EntityStore& entities,
                                 const Evaluator& evaluator, const Principal& principal,
                                 absl::Time now, bool approvals_satisfied, bool enforce_shadow,
                                 bool* shadow_held, TracePrincipal* trace) {
  PrincipalOutcome outcome;
  if (std::optional<Reason> stopped = Guard(entities, principal.identity, now)) {
    outcome.reason = *stopped;
    if (trace != nullptr) trace->guard = stopped;
    return outcome;
  }
  std::vector<const Rule*> forbids, approvals;
  for (const Rule& rule : policy.rules) {
    if (!evaluator.HeadMatches(rule, *principal.identity)) continue;
    TraceRule traced;
    traced.rule = rule.name;
    traced.effect = std::string(RuleEffectKeyword(rule.effect));
    traced.source = absl::StrCat(rule.source, ":", rule.line);
    traced.when_condition = rule.when_text;
    traced.unless_condition = rule.unless_text;

    // `when` first; `unless` only when `when` is true.
    std::optional<absl::Status> error;
    bool holds = true;
    if (rule.when) {
      absl::StatusOr<bool> when = evaluator.EvalBool(*rule.when, principal);
      traced.when = ClauseText(when);
      if (!when.ok()) {
        error = when.status();
      } else {
        holds = *when;
      }
    }
    if (!error && holds && rule.unless) {
      absl::StatusOr<bool> unless = evaluator.EvalBool(*rule.unless, principal);
      traced.unless = ClauseText(unless);
      if (!unless.ok()) {
        error = unless.status();
      } else {
        holds = !*unless;
      }
    }
    traced.shadow = rule.shadow;
    traced.outcome = error   ? TraceRule::Outcome::kError
                     : holds ? TraceRule::Outcome::kHolds
                             : TraceRule::Outcome::kDoesNotHold;
    if (trace != nullptr) trace->candidates.push_back(std::move(traced));
    // A shadow rule that is not enforced counts for nothing, its errors included.
    if (rule.shadow && !enforce_shadow) {
      if (holds || error) *shadow_held = true;
      continue;
    }
    if (error) outcome.errors.push_back({rule.name, *principal.ref, std::string(error->message())});

    // Fail closed: an erring forbid or approval counts as holding, an erring permit does not.
    switch (rule.effect) {
      case RuleEffect::kPermit:
        if (holds && !error) outcome.holding_permits.push_back(&rule);
        break;
      case RuleEffect::kForbid:
        if (holds || error) forbids.push_back(&rule);
        break;
      case RuleEffect::kRequireApproval:
        // A grant satisfies every approval that holds (or errs).
        if ((holds || error) && !approvals_satisfied) approvals.push_back(&rule);
        break;
    }
  }
  std::stable_sort(
      outcome.errors.begin(), outcome.errors.end(),
      [](const EvaluationError& a, const EvaluationError& b) { return a.rule < b.rule; });

  if (!forbids.empty()) {
    outcome.effect = Effect::kDeny;
    outcome.reason = Reason::kForbidden;
    outcome.determining = std::move(forbids);
  } else if (outcome.holding_permits.empty()) {
    outcome.effect = Effect::kDeny;
    outcome.reason = Reason::kNoMatchingPermit;
  } else if (!approvals.empty()) {
    outcome.effect = Effect::kNeedsApproval;
    outcome.reason = Reason::kApprovalRequired;
    outcome.determining = std::move(approvals);
  } else {
    outcome.effect = Effect::kAllow;
    outcome.reason = Reason::kPermitted;
    outcome.determining = outcome.holding_permits;
  }
  return outcome;
}

std::vector<std::string> SortedNames(const std::vector<const Rule*>& rules) {
  std::vector<std::string> names;
  names.reserve(rules.size());
  for (const Rule* rule : rules) names.push_back(rule->name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// Merges the obligations of every contributing permit: all redactions (sorted, once each),
// the smallest value of each limit, the highest log level.
Obligations MergeObligations(const std::vector<const Rule*>& permits) {
  Obligations merged;
  std::map<std::string, int64_t> limits;
  for (const Rule* rule : permits) {
    const Obligations& own = rule->obligations;
    merged.redact.insert(merged.redact.end(), own.redact.begin(), own.redact.end());
    for (const auto& [name, value] : own.limits) {
      auto [it, inserted] = limits.emplace(name, value);
      if (!inserted) it->second = std::min(it->second, value);
    }
    merged.log = std::max(merged.log, own.log);
  }
  auto key = [](const Redaction& r) { return std::tie(r.pattern, r.replacement); };
  std::sort(merged.redact.begin(), merged.redact.end(),
            [&](const Redaction& a, const Redaction& b) { return key(a) < key(b); });
  merged.redact.erase(
      std::unique(merged.redact.begin(), merged.redact.end(),
                  [&](const Redaction& a, const Redaction& b) { return key(a) == key(b); }),
      merged.redact.end());
  merged.limits.assign(limits.begin(), limits.end());
  return merged;
}

// The principals of a request: the subject, then the chain nearest first; each one's
// delegator is the next.
std::vector<Principal> Principals(const EntityStore& entities, const Request& request) {
  std::vector<const IdentityRef*> refs;
  refs.push_back(&request.subject);
  for (const IdentityRef& ref : request.on_behalf_of) refs.push_back(&ref);
  std::vector<Principal> principals(refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    principals[i].ref = refs[i];
    principals[i].identity = FindIdentity(entities, *refs[i]);
    if (i + 1 < refs.size()) {
      principals[i].delegator_ref = refs[i + 1];
      principals[i].delegator = FindIdentity(entities, *refs[i + 1]);
    }
  }
  return principals;
}

std::string Role(size_t index) {
  return index == 0 ? "subject" : absl::StrCat("on_behalf_of[", index - 1, "]");
}

}  // namespace

std::optional<std::string> InvalidRequestReason(const PolicyIr& policy, const EntityStore& entities,
                                                const Request& request) {
  if (request.on_behalf_of.size() > kMaxDelegationHops) {
    return absl::StrCat("`on_behalf_of` has more than ", kMaxDelegationHops, " entries");
  }
  const Schema& schema = policy.schema;
  const ResourceRef& resource = request.resource;
  // Ids of resource types selected with `under` must be normalized relative paths.
  bool path_type = false;
  for (const std::string& type : PathResourceTypes(policy.rules)) {
    path_type |= type == resource.type;
  }
  if (path_type) {
    const std::vector<std::string> segments = absl::StrSplit(resource.id, '/');
    for (const std::string& segment : segments) {
      if (segment.empty() || segment == "." || segment == ".." ||
          segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos) {
        return absl::StrCat("`resource.id` `", resource.id, "` is not a normalized path");
      }
    }
  }
  // Each entry the request gives, against its declaration (undeclared entries are ignored).
  auto wrong_type = [](const AttributeMap& values, const AttributeSpecs& declared,
                       absl::string_view root) -> std::optional<std::string> {
    for (const auto& [name, spec] : declared) {  // in name order
      auto it = values.find(name);
      if (it == values.end()) continue;
      if (auto problem = ValueProblem(root, name, spec, it->second)) return problem;
    }
    return std::nullopt;
  };
  if (!resource.attrs.empty()) {
    if (entities.FindResource(resource.type, resource.id) != nullptr) {
      return std::string("`resource.attrs` given for a stored resource");
    }
    auto type = schema.resource_types.find(resource.type);
    if (type != schema.resource_types.end()) {
      if (auto problem = InlineAttributesProblem(type->second, resource)) return problem;
    }
  }
  if (auto problem = wrong_type(request.context, schema.context, "context")) return problem;
  return wrong_type(request.args, schema.args, "args");
}

namespace {

// The decision with or without the `@shadow` rules enforced; `shadow_held` is set when a shadow
// rule that is not enforced held or erred.
Decision InterpretRules(const PolicyIr& policy, const EntityStore& entities, const Request& request,
                        absl::Time now, Trace* trace, bool approvals_satisfied, bool enforce_shadow,
                        bool* shadow_held) {
  if (std::optional<std::string> invalid = InvalidRequestReason(policy, entities, request)) {
    if (trace != nullptr) trace->rejected = *invalid;
    Decision decision;
    decision.effect = Effect::kDeny;
    decision.reason = Reason::kInvalidRequest;
    decision.denied_by = request.subject;
    decision.errors.push_back({"", request.subject, *std::move(invalid)});
    return decision;
  }
  const std::vector<Principal> principals = Principals(entities, request);
  Evaluator evaluator(policy, request, now, entities);
  std::vector<PrincipalOutcome> outcomes;
  outcomes.reserve(principals.size());
  for (size_t i = 0; i < principals.size(); ++i) {
    TracePrincipal* traced = nullptr;
    if (trace != nullptr) {
      traced = &trace->principals.emplace_back();
      traced->identity = *principals[i].ref;
      traced->role = Role(i);
    }
    outcomes.push_back(DecidePrincipal(policy, entities, evaluator, principals[i], now,
                                       approvals_satisfied, enforce_shadow, shadow_held, traced));
    if (traced != nullptr) {
      traced->effect = outcomes.back().effect;
      traced->reason = outcomes.back().reason;
    }
  }

  Decision decision;
  Effect strictest = Effect::kAllow;
  for (const PrincipalOutcome& outcome : outcomes) strictest = std::max(strictest, outcome.effect);
  decision.effect = strictest;
  if (strictest == Effect::kAllow) {
    std::vector<const Rule*> permits;
    for (const PrincipalOutcome& outcome : outcomes) {
      permits.insert(permits.end(), outcome.holding_permits.begin(), outcome.holding_permits.end());
    }
    decision.reason = Reason::kPermitted;
    decision.rules = RuleList(SortedNames(permits));
    decision.obligations = MergeObligations(permits);
  } else {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i].effect != strictest) continue;
      decision.denied_by = *principals[i].ref;
      decision.reason = outcomes[i].reason;
      decision.rules = RuleList(SortedNames(outcomes[i].determining));
      break;
    }
  }
  for (PrincipalOutcome& outcome : outcomes) {
    for (EvaluationError& error : outcome.errors) decision.errors.push_back(std::move(error));
  }
  return decision;
}

}  // namespace

Decision Interpret(const PolicyIr& policy, const EntityStore& entities, const Request& request,
                   absl::Time now, Trace* trace, bool approvals_satisfied) {
  bool shadow_held = false;
  Decision decision = InterpretRules(policy, entities, request, now, trace, approvals_satisfied,
                                     /*enforce_shadow=*/false, &shadow_held);
  if (!shadow_held) return decision;
  const Decision enforced =
      InterpretRules(policy, entities, request, now, nullptr, approvals_satisfied,
                     /*enforce_shadow=*/true, &shadow_held);
  auto outcome_of = [](const Decision& d) {
    std::vector<std::tuple<std::string, std::string>> redact;
    if (d.effect == Effect::kAllow) {
      for (const Redaction& r : d.obligations.redact) redact.emplace_back(r.pattern, r.replacement);
    }
    return std::make_tuple(
        d.effect, d.reason, d.denied_by, d.rules, redact,
        d.effect == Effect::kAllow ? d.obligations.limits : decltype(d.obligations.limits)(),
        d.effect == Effect::kAllow ? d.obligations.log : LogLevel::kNone);
  };
  if (outcome_of(enforced) != outcome_of(decision)) {
    ShadowOutcome& shadow = decision.shadow.emplace();
    shadow.effect = enforced.effect;
    shadow.reason = enforced.reason;
    shadow.denied_by = enforced.denied_by;
    shadow.rules = enforced.rules;
    if (enforced.effect == Effect::kAllow) shadow.obligations = enforced.obligations;
  }
  return decision;
}

namespace {

std::string ValueText(const absl::StatusOr<Value>& value) {
  if (!value.ok()) return absl::StrCat("error: ", value.status().message());
  return LiteralToString(*value);
}

// Appends one line for `expr` and, below it, one for each part it evaluated (literals aside),
// so that a reader sees which value made a condition true or false.
void DescribeCondition(const Evaluator& evaluator, const Principal& principal, const Expr& expr,
                       const std::string& label, int depth, std::vector<std::string>* lines) {
  const absl::StatusOr<Value> value = evaluator.Eval(expr, principal);
  lines->push_back(absl::StrCat(std::string(2 * depth, ' '), label, ": ", ValueText(value)));
  auto describe = [&](const Expr& part) {
    if (part.op == Expr::Op::kLiteral || part.op == Expr::Op::kNow) return;
    DescribeCondition(evaluator, principal, part, ExprToString(part), depth + 1, lines);
  };
  switch (expr.op) {
    case Expr::Op::kLiteral:
    case Expr::Op::kNow:
    case Expr::Op::kAttribute:
    case Expr::Op::kHas:
      return;
    case Expr::Op::kAnd:
    case Expr::Op::kOr: {
      describe(*expr.operands[0]);
      // The right side is evaluated only when the left one does not decide.
      absl::StatusOr<bool> left = evaluator.EvalBool(*expr.operands[0], principal);
      if (left.ok() && *left != (expr.op == Expr::Op::kOr)) describe(*expr.operands[1]);
      return;
    }
    default:
      for (const auto& operand : expr.operands) describe(*operand);
  }
}

std::string QuotedList(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

std::vector<std::string> HeadMismatches(const Rule& rule, const Identity& identity,
                                        const Request& request) {
  std::vector<std::string> out;
  const SubjectSelector& subject = rule.subject;
  if (subject.subject_kind && *subject.subject_kind != identity.kind) {
    out.push_back(absl::StrCat("subject kind: the rule is for ",
                               SubjectKindName(*subject.subject_kind), ", `", identity.id, "` is ",
                               SubjectKindName(identity.kind) == "agent" ? "an " : "a ",
                               SubjectKindName(identity.kind)));
  }
  if (subject.kind == SubjectSelector::Kind::kId && identity.id != subject.value) {
    out.push_back(
        absl::StrCat("subject: the rule is for `", subject.value, "`, not `", identity.id, "`"));
  }
  if (subject.kind == SubjectSelector::Kind::kGroup &&
      !std::binary_search(identity.groups.begin(), identity.groups.end(), subject.value)) {
    out.push_back(absl::StrCat("group: `", identity.id, "` is not in group `", subject.value,
                               "` (its groups: ", QuotedList(identity.groups), ")"));
  }
  if (!std::binary_search(rule.actions.begin(), rule.actions.end(), request.action)) {
    out.push_back(absl::StrCat("action: the rule covers ", QuotedList(rule.actions), ", not `",
                               request.action, "`"));
  }
  const std::string& id = request.resource.id;
  if (rule.resource_type != request.resource.type) {
    out.push_back(absl::StrCat("resource type: the rule is on `", rule.resource_type, "`, not `",
                               request.resource.type, "`"));
    return out;
  }
  const ResourceSelector& resource = rule.resource;
  switch (resource.kind) {
    case ResourceSelector::Kind::kAll:
      break;
    case ResourceSelector::Kind::kIds:
      if (!std::binary_search(resource.values.begin(), resource.values.end(), id)) {
        out.push_back(
            absl::StrCat("resource: `", id, "` is not one of ", QuotedList(resource.values)));
      }
      break;
    case ResourceSelector::Kind::kPrefixes:
      if (std::none_of(resource.values.begin(), resource.values.end(),
                       [&](const std::string& p) { return IsUnderPath(id, p); })) {
        out.push_back(
            absl::StrCat("resource: `", id, "` is under none of ", QuotedList(resource.values)));
      }
      break;
    case ResourceSelector::Kind::kPattern:
      if (resource.pattern == nullptr ||
          !RE2::FullMatch(re2::StringPiece(id.data(), id.size()), *resource.pattern)) {
        out.push_back(
            absl::StrCat("resource: `", id, "` does not match /", resource.pattern_text, "/"));
      }
      break;
  }
  return out;
}

}  // namespace

std::vector<RuleReport> ExplainRule(const PolicyIr& policy, const EntityStore& entities,
                                    const Request& request, absl::Time now, const Rule& rule) {
  const std::vector<Principal> principals = Principals(entities, request);
  Evaluator evaluator(policy, request, now, entities);
  std::vector<RuleReport> reports(principals.size());
  for (size_t i = 0; i < principals.size(); ++i) {
    const Principal& principal = principals[i];
    RuleReport& report = reports[i];
    report.principal = *principal.ref;
    report.role = Role(i);
    report.guard = Guard(entities, principal.identity, now);
    if (report.guard) continue;
    report.head_mismatches = HeadMismatches(rule, *principal.identity, request);
    if (!report.head_mismatches.empty()) continue;

    // The same order and short-circuit as a decision: `unless` only when `when` is true.
    bool holds = true;
    bool error = false;
    if (rule.when) {
      DescribeCondition(evaluator, principal, *rule.when, "when " + rule.when_text, 0,
                        &report.conditions);
      absl::StatusOr<bool> when = evaluator.EvalBool(*rule.when, principal);
      error = !when.ok();
      holds = when.ok() && *when;
    }
    if (holds && rule.unless) {
      DescribeCondition(evaluator, principal, *rule.unless, "unless " + rule.unless_text, 0,
                        &report.conditions);
      absl::StatusOr<bool> unless = evaluator.EvalBool(*rule.unless, principal);
      error = !unless.ok();
      holds = unless.ok() && !*unless;
    }
    report.outcome = error   ? TraceRule::Outcome::kError
                     : holds ? TraceRule::Outcome::kHolds
                             : TraceRule::Outcome::kDoesNotHold;
  }
  return reports;
}

}  // namespace ward::internal
