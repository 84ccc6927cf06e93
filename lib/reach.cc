#include "ward/reach.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/decider.h"
#include "lib/internal/json_util.h"
#include "lib/internal/reach.h"
#include "lib/internal/request_check.h"
#include "nlohmann/json.hpp"
#include "ward/request.h"

namespace ward {
namespace {

void AppendIdentity(const IdentityRef& identity, std::string* out) {
  absl::StrAppend(out, "{\"kind\":\"", SubjectKindName(identity.kind), "\",\"id\":");
  internal::AppendJsonQuoted(identity.id, out);
  out->push_back('}');
}

void AppendStrings(const std::vector<std::string>& items, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    internal::AppendJsonQuoted(items[i], out);
  }
  out->push_back(']');
}

void AppendReach(const Reach& reach, std::string* out) {
  out->append("{\"subject\":");
  AppendIdentity(reach.subject, out);
  out->append(",\"on_behalf_of\":[");
  for (size_t i = 0; i < reach.on_behalf_of.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendIdentity(reach.on_behalf_of[i], out);
  }
  out->push_back(']');
  if (reach.stopped.has_value()) {
    absl::StrAppend(out, ",\"stopped\":{\"reason\":\"", ReasonName(*reach.stopped), "\"");
    if (reach.stopped_by.has_value()) {
      out->append(",\"identity\":");
      AppendIdentity(*reach.stopped_by, out);
    }
    out->push_back('}');
  }
  absl::StrAppend(out, ",\"reached\":", reach.reached, ",\"score\":", reach.score,
                  ",\"accesses\":[");
  for (size_t i = 0; i < reach.accesses.size(); ++i) {
    const Access& access = reach.accesses[i];
    if (i > 0) out->push_back(',');
    out->append("{\"action\":");
    internal::AppendJsonQuoted(access.action, out);
    out->append(",\"resource\":{\"type\":");
    internal::AppendJsonQuoted(access.resource_type, out);
    out->append(",\"id\":");
    internal::AppendJsonQuoted(access.resource_id, out);
    absl::StrAppend(out, "},\"effect\":\"", EffectName(access.effect), "\"");
    if (!access.condition.empty()) {
      out->append(",\"condition\":");
      internal::AppendJsonQuoted(access.condition, out);
    }
    out->append(",\"rules\":");
    AppendStrings(access.rules, out);
    absl::StrAppend(out, ",\"weight\":", access.weight, "}");
  }
  out->append("]}");
}

}  // namespace

std::string Reach::ToJson() const {
  std::string out;
  AppendReach(*this, &out);
  return out;
}

std::string BlastRadius::ToJson() const {
  std::string out = "{\"identity\":";
  AppendIdentity(identity, &out);
  absl::StrAppend(&out, ",\"reached\":", reached, ",\"score\":", score, ",\"reaches\":[");
  for (size_t i = 0; i < reaches.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendReach(reaches[i], &out);
  }
  out.append("]}");
  return out;
}

absl::StatusOr<ReachQuery> ParseReachQueryJson(absl::string_view json_text) {
  const RequestLimits limits;
  absl::StatusOr<nlohmann::json> parsed =
      internal::ParseJson(json_text, limits.max_bytes, limits.max_json_depth);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return absl::InvalidArgumentError("a query must be a JSON object");
  nlohmann::json as_request = nlohmann::json::object();
  ReachQuery query;
  for (const auto& [key, value] : parsed->items()) {
    if (key == "subject" || key == "on_behalf_of" || key == "context" || key == "now") {
      as_request[key] = value;
    } else if (key == "fix_now") {
      if (!value.is_boolean()) return absl::InvalidArgumentError("`fix_now` must be a bool");
      query.options.fix_now = value.get<bool>();
    } else if (key == "sensitivity") {
      if (!value.is_object()) {
        return absl::InvalidArgumentError("`sensitivity` must be an object of TYPE: ATTRIBUTE");
      }
      for (const auto& [type, attribute] : value.items()) {
        if (!attribute.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat("`sensitivity.", type, "` must be an attribute name (a string)"));
        }
        query.options.sensitivity[type] = attribute.get<std::string>();
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown field `", key,
          "`; a query has subject, on_behalf_of, context, now, fix_now and sensitivity"));
    }
  }
  if (!as_request.contains("subject")) return absl::InvalidArgumentError("`subject` is missing");
  // The rest is read as a request reads it (kinds, ids, chain length, context values, time).
  as_request["action"] = "-";
  as_request["resource"] = {{"type", "-"}, {"id", "-"}};
  absl::StatusOr<Request> request = ParseRequestJson(as_request.dump(), limits);
  if (!request.ok()) return request.status();
  query.subject = std::move(request->subject);
  query.on_behalf_of = std::move(request->on_behalf_of);
  query.options.now = request->now;
  if (parsed->contains("context")) query.options.context = std::move(request->context);
  return query;
}

namespace internal {
namespace {

constexpr int64_t kMaxSensitivity = 1000;

// The int attribute that weighs each resource type (ReachOptions::sensitivity).
absl::StatusOr<std::map<std::string, std::string>> SensitivityAttributes(
    const Schema& schema, const ReachOptions& options) {
  std::map<std::string, std::string> attributes;
  for (const auto& [type, attribute] : options.sensitivity) {
    auto declared = schema.resource_types.find(type);
    if (declared == schema.resource_types.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sensitivity: resource type `", type, "` is not declared"));
    }
    auto spec = declared->second.find(attribute);
    if (spec == declared->second.end() || spec->second.type != Type::kInt) {
      return absl::InvalidArgumentError(absl::StrCat("sensitivity: `", type, ".", attribute,
                                                     "` is not a declared int attribute"));
    }
    attributes[type] = attribute;
  }
  for (const auto& [type, specs] : schema.resource_types) {
    if (attributes.count(type) > 0) continue;
    auto spec = specs.find("sensitivity");
    if (spec != specs.end() && spec->second.type == Type::kInt) attributes[type] = "sensitivity";
  }
  return attributes;
}

int64_t WeightOf(const EntityStore& store, const std::string& type, const std::string& id,
                 const std::string* attribute) {
  if (attribute == nullptr) return 1;
  const Resource* resource = store.FindResource(type, id);
  if (resource == nullptr) return 1;
  auto value = resource->attrs.find(*attribute);
  if (value == resource->attrs.end() || value->second.kind() != Value::Kind::kInt) return 1;
  return 1 + std::clamp<int64_t>(value->second.int_value(), 0, kMaxSensitivity);
}

// Whether `list` holds an enforced permit.
bool HasPermit(const Program& program, RuleList list) {
  for (uint32_t i = list.begin; i < list.begin + list.size; ++i) {
    const ProgramRule& rule = program.rules[program.rule_lists[i]];
    if (rule.effect == RuleEffect::kPermit && !rule.shadow) return true;
  }
  return false;
}

// The resources (as symbols, sorted) that `subject`'s candidate permits for `action` on
// `type` name by id, when every such permit names its resources (`"id"` or `in [...]` heads);
// nullopt when some permit may hold for any resource of the type (no resource selector, or
// `under` / `matching`), so that every stored resource must be tried.
std::optional<std::vector<Symbol>> NamedPermitResources(const Program& program,
                                                        const IdentityRecord& subject,
                                                        Symbol action, Symbol type) {
  auto bucket = program.buckets.find(BucketKey(subject.kind, action, type));
  if (bucket == program.buckets.end()) return std::vector<Symbol>();
  const BucketInfo& info = bucket->second;
  const uint32_t kind_action = KindAction(subject.kind, action);
  std::vector<uint32_t> subject_keys;  // with resource ids
  auto consider = [&](SubjectSelectorKind selector, Symbol symbol) {
    const uint8_t flags = info.flags[static_cast<int>(selector)];
    const IndexKey key{kind_action, type, SubjectKey(selector, symbol), kAllResources};
    if (flags & BucketInfo::kAllResources) {
      auto list = program.exact.find(key);
      if (list != program.exact.end() && HasPermit(program, list->second)) return false;
    }
    if (flags & BucketInfo::kSelectors) {
      auto selectors = program.selectors.find(key);
      if (selectors != program.selectors.end()) {
        for (const auto& [prefix, list] : selectors->second.prefixes) {
          if (HasPermit(program, list)) return false;
        }
        for (const auto& [regex, list] : selectors->second.patterns) {
          if (HasPermit(program, list)) return false;
        }
      }
    }
    if (flags & BucketInfo::kResourceIds) subject_keys.push_back(key.subject);
    return true;
  };
  if (info.flags[0] != 0 && !consider(SubjectSelectorKind::kAll, 0)) return std::nullopt;
  if (info.flags[1] != 0 && subject.id_symbol != kNoSymbol &&
      !consider(SubjectSelectorKind::kId, subject.id_symbol)) {
    return std::nullopt;
  }
  if (info.flags[2] != 0) {
    for (Symbol group : subject.group_symbols()) {
      if (!consider(SubjectSelectorKind::kGroup, group)) return std::nullopt;
    }
  }
  std::vector<Symbol> named;
  if (subject_keys.empty()) return named;
  for (const auto& [key, list] : program.exact) {
    if (key.kind_action != kind_action || key.resource_type != type ||
        key.resource == kAllResources ||
        std::find(subject_keys.begin(), subject_keys.end(), key.subject) == subject_keys.end() ||
        !HasPermit(program, list)) {
      continue;
    }
    named.push_back(key.resource);
  }
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  return named;
}

// Turns the partial decision of one (action, resource) into its accesses.
class Combiner {
 public:
  Combiner(const Program& program, PartialDecision* partial)
      : program_(program), partial_(*partial), residuals_(partial->residuals) {}

  // Appends to `out` the ALLOW and NEEDS_APPROVAL accesses the partial decision allows.
  void Append(const Request& request, int64_t weight, std::vector<Access>* out) {
    // The decision semantics over residuals: a principal passes (ALLOW or NEEDS_APPROVAL)
    // when no forbid holds (or errs) and a permit holds; it is allowed when, besides, no
    // approval holds (or errs). The chain is allowed when all are; it needs approval when all
    // pass and not all are allowed.
    ResidualId allowed = Residuals::kTrue;
    ResidualId passes = Residuals::kTrue;
    int approving_principal = -1;
    for (size_t i = 0; i < partial_.principals.size(); ++i) {
      const PartialPrincipal& principal = partial_.principals[i];
      if (principal.guard.has_value()) return;
      ResidualId forbid = Residuals::kFalse, permit = Residuals::kFalse,
                 approval = Residuals::kFalse;
      for (uint32_t r = principal.rules_begin; r < principal.rules_end; ++r) {
        const PartialRule& rule = partial_.rules[r];
        switch (program_.rules[rule.rule].effect) {
          case RuleEffect::kForbid:
            forbid = residuals_.Or(forbid, rule.truth.holds_or_errs);
            break;
          case RuleEffect::kPermit:
            permit = residuals_.Or(permit, rule.truth.holds);
            break;
          case RuleEffect::kRequireApproval:
            approval = residuals_.Or(approval, rule.truth.holds_or_errs);
            break;
        }
      }
      const ResidualId principal_passes = residuals_.And(residuals_.Not(forbid), permit);
      allowed = residuals_.And(allowed, residuals_.And(principal_passes, residuals_.Not(approval)));
      passes = residuals_.And(passes, principal_passes);
      if (approving_principal < 0 &&
          residuals_.And(principal_passes, approval) == Residuals::kTrue) {
        approving_principal = static_cast<int>(i);
      }
    }
    const ResidualId needs_approval = residuals_.And(passes, residuals_.Not(allowed));
    if (approving_principal < 0)
      approving_principal = static_cast<int>(partial_.principals.size()) - 1;
    if (allowed != Residuals::kFalse) {
      Access& access = NewAccess(request, Effect::kAllow, allowed, weight, out);
      for (const PartialPrincipal& principal : partial_.principals) {
        AddRules(principal, RuleEffect::kPermit, &access);
      }
      FinishRules(&access);
    }
    if (needs_approval != Residuals::kFalse && approving_principal >= 0) {
      // The decision's rules are those of the first identity that needs approval: any up to
      // the first that surely does (the only one when nothing depends on the request).
      Access& access = NewAccess(request, Effect::kNeedsApproval, needs_approval, weight, out);
      for (int i = 0; i <= approving_principal; ++i) {
        AddRules(partial_.principals[i], RuleEffect::kRequireApproval, &access);
      }
      FinishRules(&access);
    }
  }

 private:
  Access& NewAccess(const Request& request, Effect effect, ResidualId condition, int64_t weight,
                    std::vector<Access>* out) {
    Access& access = out->emplace_back();
    access.action = request.action;
    access.resource_type = request.resource.type;
    access.resource_id = request.resource.id;
    access.effect = effect;
    if (condition != Residuals::kTrue) access.condition = residuals_.Render(condition, program_);
    access.weight = weight;
    rule_indices_.clear();
    return access;
  }

  void AddRules(const PartialPrincipal& principal, RuleEffect effect, Access* access) {
    for (uint32_t r = principal.rules_begin; r < principal.rules_end; ++r) {
      const PartialRule& rule = partial_.rules[r];
      if (program_.rules[rule.rule].effect != effect) continue;
      const ResidualId counts =
          effect == RuleEffect::kPermit ? rule.truth.holds : rule.truth.holds_or_errs;
      if (counts != Residuals::kFalse) rule_indices_.push_back(rule.rule);
    }
  }

  // Rule index order is name order; equal names (rules on one line) appear once.
  void FinishRules(Access* access) {
    std::sort(rule_indices_.begin(), rule_indices_.end());
    for (uint32_t index : rule_indices_) {
      const std::string& name = program_.rules[index].name;
      if (access->rules.empty() || access->rules.back() != name) access->rules.push_back(name);
    }
  }

  const Program& program_;
  const PartialDecision& partial_;
  Residuals& residuals_;
  std::vector<uint32_t> rule_indices_;
};

}  // namespace

absl::StatusOr<Reach> ComputeReach(const Program& program, const EntityLayout& layout,
                                   const IdentityRef& subject,
                                   const std::vector<IdentityRef>& chain,
                                   const ReachOptions& options) {
  if (chain.size() > kMaxDelegationHops) {
    return absl::InvalidArgumentError(
        absl::StrCat("the chain has ", chain.size(), " identities; at most ", kMaxDelegationHops));
  }
  if (subject.id.empty()) return absl::InvalidArgumentError("the subject's id is empty");
  for (const IdentityRef& identity : chain) {
    if (identity.id.empty()) return absl::InvalidArgumentError("an id in the chain is empty");
  }
  absl::StatusOr<std::map<std::string, std::string>> sensitivity =
      SensitivityAttributes(program.schema, options);
  if (!sensitivity.ok()) return sensitivity.status();

  // A known context is checked as a decision checks it (a wrong type is invalid_request).
  const bool context_known = options.context.has_value();
  if (context_known) {
    for (const auto& [name, spec] : program.schema.context) {
      auto value = options.context->find(name);
      if (value == options.context->end()) continue;
      if (std::optional<std::string> problem = ValueProblem("context", name, spec, value->second)) {
        return absl::InvalidArgumentError(*problem);
      }
    }
  }

  Reach reach;
  reach.subject = subject;
  reach.on_behalf_of = chain;
  const absl::Time now = options.now.value_or(absl::Now());
  Request request;
  request.subject = subject;
  request.on_behalf_of = chain;
  if (context_known) request.context = *options.context;
  PartialDecision partial;

  // The guard first: an identity it stops reaches nothing, whatever the action.
  DecidePartial(program, layout, request, now, options.fix_now, context_known, &partial);
  for (size_t i = 0; i < partial.principals.size(); ++i) {
    if (!partial.principals[i].guard.has_value()) continue;
    reach.stopped = partial.principals[i].guard;
    reach.stopped_by = i == 0 ? subject : chain[i - 1];
    return reach;
  }

  Combiner combiner(program, &partial);
  const IdentityRecord* subject_record = layout.FindIdentity(subject.id);
  if (subject_record == nullptr) return absl::InternalError("the subject passed the guard unknown");
  for (const auto& [action, types] : program.schema.actions) {
    const Symbol action_symbol = program.Find(action);
    if (action_symbol == kNoSymbol) continue;  // in no rule: nothing permits it
    for (const std::string& type : types) {
      const Symbol type_symbol = program.Find(type);
      if (type_symbol == kNoSymbol) continue;
      // Every principal needs a permit of its own kind: a kind with no rules for this action
      // and type is denied every resource of it.
      bool every_kind_has_rules =
          program.buckets.contains(BucketKey(subject.kind, action_symbol, type_symbol));
      for (const IdentityRef& identity : chain) {
        every_kind_has_rules &=
            program.buckets.contains(BucketKey(identity.kind, action_symbol, type_symbol));
      }
      if (!every_kind_has_rules) continue;
      const EntityLayout::ResourcesOfType* resources = layout.ResourcesOf(type_symbol);
      if (resources == nullptr) continue;
      const bool path_ids = std::binary_search(program.path_resource_types.begin(),
                                               program.path_resource_types.end(), type);
      auto weight_attribute = sensitivity->find(type);
      request.action = action;
      request.resource.type = type;
      auto visit = [&](const std::string& id) -> absl::Status {
        // Such an id is invalid_request in every request naming it.
        if (path_ids && PathIdProblem(id).has_value()) return absl::OkStatus();
        request.resource.id = id;
        DecidePartial(program, layout, request, now, options.fix_now, context_known, &partial);
        if (partial.malformed) {
          return absl::InternalError(absl::StrCat("the code of a rule for `", request.action,
                                                  "` on `", type, ":", id,
                                                  "` could not be evaluated"));
        }
        const size_t before = reach.accesses.size();
        combiner.Append(request, 0, &reach.accesses);
        if (reach.accesses.size() == before) return absl::OkStatus();
        const int64_t weight =
            WeightOf(layout.store(), type, id,
                     weight_attribute == sensitivity->end() ? nullptr : &weight_attribute->second);
        for (size_t i = before; i < reach.accesses.size(); ++i) reach.accesses[i].weight = weight;
        ++reach.reached;
        reach.score += weight;
        return absl::OkStatus();
      };
      // When the subject's permits for this action and type all name their resources by id,
      // only those resources can be reached: the others are not tried.
      const std::optional<std::vector<Symbol>> named =
          NamedPermitResources(program, *subject_record, action_symbol, type_symbol);
      if (named.has_value()) {
        for (Symbol symbol : *named) {
          const std::string& id = program.symbols[symbol];
          if (EntityLayout::FindResource(resources, id) == nullptr) continue;
          if (absl::Status status = visit(id); !status.ok()) return status;
        }
      } else {
        for (const auto& [id, record] : *resources) {
          if (absl::Status status = visit(id); !status.ok()) return status;
        }
      }
    }
  }
  std::sort(reach.accesses.begin(), reach.accesses.end(), [](const Access& a, const Access& b) {
    return std::tie(a.action, a.resource_type, a.resource_id, a.effect) <
           std::tie(b.action, b.resource_type, b.resource_id, b.effect);
  });
  return reach;
}

absl::StatusOr<BlastRadius> ComputeBlastRadius(const Program& program, const EntityLayout& layout,
                                               absl::string_view id, const ReachOptions& options) {
  const Identity* identity = layout.store().FindIdentity(id);
  if (identity == nullptr) {
    return absl::NotFoundError(absl::StrCat("no identity `", id, "` in the inventory"));
  }
  BlastRadius blast;
  blast.identity = IdentityRef{identity->kind, identity->id};
  absl::StatusOr<Reach> alone = ComputeReach(program, layout, blast.identity, {}, options);
  if (!alone.ok()) return alone.status();
  blast.reaches.push_back(*std::move(alone));
  if (identity->kind != SubjectKind::kUser && identity->owner.has_value() &&
      !identity->owner->empty()) {
    const Identity* owner = layout.store().FindIdentity(*identity->owner);
    const IdentityRef owner_ref{owner != nullptr ? owner->kind : SubjectKind::kUser,
                                *identity->owner};
    absl::StatusOr<Reach> delegated =
        ComputeReach(program, layout, blast.identity, {owner_ref}, options);
    if (!delegated.ok()) return delegated.status();
    blast.reaches.push_back(*std::move(delegated));
  }
  // Each (action, resource) once, whichever way it is reached.
  absl::flat_hash_set<std::tuple<std::string, std::string, std::string>> seen;
  for (const Reach& reach : blast.reaches) {
    for (const Access& access : reach.accesses) {
      if (seen.insert({access.action, access.resource_type, access.resource_id}).second) {
        ++blast.reached;
        blast.score += access.weight;
      }
    }
  }
  return blast;
}

}  // namespace internal
}  // namespace ward
