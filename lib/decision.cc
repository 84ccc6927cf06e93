#include "ward/decision.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/internal/decision_state.h"
#include "lib/internal/json_util.h"

namespace ward {
namespace {

// The outcome as the trace's text shows it: "does not hold".
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

void AppendIdentity(const IdentityRef& identity, std::string* out) {
  absl::StrAppend(out, R"({"kind":")", SubjectKindName(identity.kind), R"(","id":)");
  internal::AppendJsonQuoted(identity.id, out);
  out->push_back('}');
}

// The keys a decision and its shadow outcome share: effect, reason, denied_by (not on ALLOW),
// rules, obligations (ALLOW only).
void AppendOutcome(Effect effect, Reason reason, const std::optional<IdentityRef>& denied_by,
                   const RuleList& rules, const Obligations& obligations, std::string* out) {
  using internal::AppendJsonQuoted;
  absl::StrAppend(out, R"("effect":")", EffectName(effect), R"(","reason":")", ReasonName(reason),
                  "\"");
  if (denied_by.has_value()) {
    out->append(R"(,"denied_by":)");
    AppendIdentity(*denied_by, out);
  }
  out->append(R"(,"rules":[)");
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonQuoted(rules[i], out);
  }
  out->push_back(']');
  if (effect != Effect::kAllow) return;
  out->append(R"(,"obligations":{"redact":[)");
  for (size_t i = 0; i < obligations.redact.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(R"({"pattern":)");
    AppendJsonQuoted(obligations.redact[i].pattern, out);
    out->append(R"(,"replacement":)");
    AppendJsonQuoted(obligations.redact[i].replacement, out);
    out->push_back('}');
  }
  out->append(R"(],"limits":{)");
  for (size_t i = 0; i < obligations.limits.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonQuoted(obligations.limits[i].first, out);
    absl::StrAppend(out, ":", obligations.limits[i].second);
  }
  absl::StrAppend(out, R"(},"log":")", LogLevelName(obligations.log), "\"}");
}

}  // namespace

DecisionStorage::DecisionStorage() noexcept = default;
DecisionStorage::~DecisionStorage() = default;
DecisionStorage::DecisionStorage(const DecisionStorage& other)
    : state_(other.state_ == nullptr ? nullptr
                                     : std::make_unique<internal::DecisionState>(*other.state_)) {}
DecisionStorage& DecisionStorage::operator=(const DecisionStorage& other) {
  if (this == &other) return *this;
  if (other.state_ == nullptr) {
    state_.reset();
  } else if (state_ == nullptr) {
    state_ = std::make_unique<internal::DecisionState>(*other.state_);
  } else {
    *state_ = *other.state_;  // keeps this object's buffers
  }
  return *this;
}
DecisionStorage::DecisionStorage(DecisionStorage&& other) noexcept = default;
DecisionStorage& DecisionStorage::operator=(DecisionStorage&& other) noexcept = default;

RuleList::RuleList(std::initializer_list<std::string> names) : owned_(names) { ReferToOwned(); }

RuleList::RuleList(std::vector<std::string> names) : owned_(std::move(names)) { ReferToOwned(); }

RuleList::RuleList(const RuleList& other) { CopyFrom(other); }

RuleList::RuleList(RuleList&& other) { *this = std::move(other); }

RuleList& RuleList::operator=(const RuleList& other) {
  if (this != &other) CopyFrom(other);
  return *this;
}

RuleList& RuleList::operator=(RuleList&& other) {
  if (this == &other) return *this;
  if (other.owned_.size() == other.names_.size()) {
    // Its own names: their addresses survive the move of the vector that holds them.
    owned_ = std::move(other.owned_);
    names_ = std::move(other.names_);
    other.clear();
  } else {
    CopyFrom(other);
  }
  return *this;
}

RuleList& RuleList::operator=(std::initializer_list<std::string> names) {
  owned_.assign(names);
  ReferToOwned();
  return *this;
}

void RuleList::CopyFrom(const RuleList& other) {
  owned_.resize(other.size());
  for (size_t i = 0; i < other.size(); ++i) owned_[i].assign(other[i]);
  ReferToOwned();
}

void RuleList::ReferToOwned() {
  names_.resize(owned_.size());
  for (size_t i = 0; i < owned_.size(); ++i) names_[i] = &owned_[i];
}

void RuleList::push_back(std::string name) {
  if (owned_.size() != names_.size()) CopyFrom(*this);  // the names it referred to, its own now
  owned_.push_back(std::move(name));
  ReferToOwned();
}

void RuleList::clear() {
  names_.clear();
  owned_.clear();
}

std::vector<std::string> RuleList::ToVector() const {
  return std::vector<std::string>(begin(), end());
}

bool operator==(const RuleList& a, const RuleList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.names_[i] != b.names_[i] && *a.names_[i] != *b.names_[i]) return false;
  }
  return true;
}

bool operator==(const RuleList& a, const std::vector<std::string>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

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
    case Reason::kInvalidRequest:
      return "invalid_request";
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

std::string ShadowOutcome::ToJson() const {
  std::string out = "{";
  AppendOutcome(effect, reason, denied_by, rules, obligations, &out);
  out.push_back('}');
  return out;
}

std::string Decision::ToJson() const {
  // Written directly rather than through a JSON document: the JSON interfaces (the CLI, the
  // bindings' decide_json) render a decision per request. decision_test pins the form.
  try {
    using internal::AppendJsonQuoted;
    std::string out;
    out.reserve(256);
    out.push_back('{');
    AppendOutcome(effect, reason, denied_by, rules, obligations, &out);
    out.append(R"(,"errors":[)");
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append(R"({"rule":)");
      AppendJsonQuoted(errors[i].rule, &out);
      out.append(R"(,"principal":)");
      AppendIdentity(errors[i].principal, &out);
      out.append(R"(,"message":)");
      AppendJsonQuoted(errors[i].message, &out);
      out.push_back('}');
    }
    out.push_back(']');
    if (effect == Effect::kNeedsApproval && !approval_digest.empty()) {
      out.append(R"(,"approval":{"digest":)");
      AppendJsonQuoted(approval_digest, &out);
      out.push_back('}');
    }
    if (approved_by.has_value()) {
      out.append(R"(,"approved_by":)");
      AppendIdentity(*approved_by, &out);
    }
    if (shadow.has_value()) {
      out.append(R"(,"shadow":)");
      out.append(shadow->ToJson());
    }
    if (policy_hash != 0) {
      absl::StrAppend(&out, R"(,"policy":")", absl::Hex(policy_hash, absl::kZeroPad16), "\"");
    }
    out.push_back('}');
    return out;
  } catch (...) {
    return std::string(kFallbackJson);
  }
}

absl::string_view TraceOutcomeName(TraceRule::Outcome outcome) {
  switch (outcome) {
    case TraceRule::Outcome::kHolds:
      return "holds";
    case TraceRule::Outcome::kDoesNotHold:
      return "does_not_hold";
    case TraceRule::Outcome::kError:
      return "error";
  }
  return "error";
}

std::string Trace::ToText() const {
  std::string out;
  if (!rejected.empty()) {
    absl::StrAppend(&out, "request rejected: ", rejected, "\n  decision: DENY (",
                    ReasonName(Reason::kInvalidRequest), ")\n");
  }
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
      if (rule.shadow) out.append(" [shadow]");
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
