#include "lib/decision.h"

#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace ward {
namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson IdentityJson(const IdentityRef& identity) {
  OrderedJson out = OrderedJson::object();
  out["kind"] = std::string(SubjectKindName(identity.kind));
  out["id"] = identity.id;
  return out;
}

absl::string_view OutcomeText(TraceRule::Outcome outcome) {
  switch (outcome) {
    case TraceRule::Outcome::kHolds:
      return "holds";
    case TraceRule::Outcome::kDoesNotHold:
      return "does not hold";
    case TraceRule::Outcome::kError:
      return "error";
  }
  return "unknown";
}

// Used when rendering itself fails (it should not): a decision that fails closed.
constexpr absl::string_view kFallbackJson =
    R"({"effect":"DENY","reason":"internal_error","rules":[],"errors":[]})";

}  // namespace

absl::string_view EffectName(Effect effect) {
  switch (effect) {
    case Effect::kAllow:
      return "ALLOW";
    case Effect::kNeedsApproval:
      return "NEEDS_APPROVAL";
    case Effect::kDeny:
      return "DENY";
  }
  return "DENY";
}

absl::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kPermitted:
      return "permitted";
    case Reason::kForbidden:
      return "forbidden";
    case Reason::kApprovalRequired:
      return "approval_required";
    case Reason::kNoMatchingPermit:
      return "no_matching_permit";
    case Reason::kUnknownIdentity:
      return "unknown_identity";
    case Reason::kLifecycle:
      return "lifecycle";
    case Reason::kUnowned:
      return "unowned";
    case Reason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kNone:
      return "none";
    case LogLevel::kSummary:
      return "summary";
    case LogLevel::kFull:
      return "full";
  }
  return "none";
}

std::string Decision::ToJson() const {
  try {
    OrderedJson out = OrderedJson::object();
    out["effect"] = std::string(EffectName(effect));
    out["reason"] = std::string(ReasonName(reason));
    if (denied_by.has_value()) out["denied_by"] = IdentityJson(*denied_by);
    OrderedJson rule_list = OrderedJson::array();
    for (const std::string& rule : rules) rule_list.push_back(rule);
    out["rules"] = std::move(rule_list);
    if (effect == Effect::kAllow) {
      OrderedJson redact = OrderedJson::array();
      for (const Redaction& redaction : obligations.redact) {
        OrderedJson entry = OrderedJson::object();
        entry["pattern"] = redaction.pattern;
        entry["replacement"] = redaction.replacement;
        redact.push_back(std::move(entry));
      }
      OrderedJson limits = OrderedJson::object();
      for (const auto& [name, value] : obligations.limits) limits[name] = value;
      OrderedJson obligation_json = OrderedJson::object();
      obligation_json["redact"] = std::move(redact);
      obligation_json["limits"] = std::move(limits);
      obligation_json["log"] = std::string(LogLevelName(obligations.log));
      out["obligations"] = std::move(obligation_json);
    }
    OrderedJson error_list = OrderedJson::array();
    for (const EvaluationError& error : errors) {
      OrderedJson entry = OrderedJson::object();
      entry["rule"] = error.rule;
      entry["principal"] = IdentityJson(error.principal);
      entry["message"] = error.message;
      error_list.push_back(std::move(entry));
    }
    out["errors"] = std::move(error_list);
    if (policy_hash != 0) out["policy"] = absl::StrFormat("%016x", policy_hash);
    return out.dump(-1, ' ', /*ensure_ascii=*/false, OrderedJson::error_handler_t::replace);
  } catch (...) {
    return std::string(kFallbackJson);
  }
}

std::string Trace::ToText() const {
  std::string out;
  for (const TracePrincipal& principal : principals) {
    absl::StrAppend(&out, principal.role.empty() ? "principal" : principal.role, " ",
                    SubjectKindName(principal.identity.kind), ":", principal.identity.id, "\n");
    absl::StrAppend(&out, "  guard: ",
                    principal.guard.has_value() ? ReasonName(*principal.guard) : "passed", "\n");
    for (const std::string& step : principal.path) absl::StrAppend(&out, "  index: ", step, "\n");
    if (principal.candidates.empty() && !principal.guard.has_value()) {
      absl::StrAppend(&out, "  no candidate rules\n");
    }
    for (const TraceRule& rule : principal.candidates) {
      absl::StrAppend(&out, "  ", rule.effect, " ", rule.rule);
      if (!rule.source.empty()) absl::StrAppend(&out, " (", rule.source, ")");
      absl::StrAppend(&out, ": ", OutcomeText(rule.outcome), "\n");
      if (!rule.when.empty()) {
        absl::StrAppend(&out, "    when ", rule.when_condition, ": ", rule.when, "\n");
      }
      if (!rule.unless.empty()) {
        absl::StrAppend(&out, "    unless ", rule.unless_condition, ": ", rule.unless, "\n");
      }
    }
    absl::StrAppend(&out, "  decision: ", EffectName(principal.effect), " (",
                    ReasonName(principal.reason), ")\n");
  }
  return out;
}

}  // namespace ward
