#include "lib/internal/grants.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lib/internal/canonical_json.h"
#include "lib/internal/decision_state.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "openssl/rand.h"
#include "ward/approval.h"

namespace ward::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxJtiBytes = kMaxGrantIdBytes;

absl::Status Refused(absl::string_view why) { return absl::PermissionDeniedError(why); }

bool IsHexDigest(absl::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

// `{"id":...,"kind":...}` in canonical form (keys sorted).
void AppendIdentity(const IdentityRef& ref, std::string* out) {
  out->append(R"({"id":)");
  AppendCanonicalString(ref.id, out);
  absl::StrAppend(out, R"(,"kind":")", SubjectKindName(ref.kind), "\"}");
}

// A value of args built in code (not with SetArgsJson), in canonical JSON: strings, integers
// and booleans as themselves, a timestamp as its RFC 3339 string, a set as its sorted list,
// an opaque value as the JSON it came from.
void AppendCanonicalValue(const Value& value, std::string* out) {
  switch (value.kind()) {
    case Value::Kind::kString:
      AppendCanonicalString(value.string_value(), out);
      return;
    case Value::Kind::kInt:
      absl::StrAppend(out, value.int_value());
      return;
    case Value::Kind::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kTimestamp:
      AppendCanonicalString(FormatTimestamp(value.timestamp_value()), out);
      return;
    case Value::Kind::kStringSet: {
      out->push_back('[');
      const char* separator = "";
      for (const std::string& item : value.string_set()) {
        out->append(separator);
        AppendCanonicalString(item, out);
        separator = ",";
      }
      out->push_back(']');
      return;
    }
    case Value::Kind::kIntSet: {
      out->push_back('[');
      const char* separator = "";
      for (int64_t item : value.int_set())
        absl::StrAppend(out, std::exchange(separator, ","), item);
      out->push_back(']');
      return;
    }
    case Value::Kind::kOpaque:
      // Opaque values come from JSON, which they keep; one without it stands for itself as a
      // string that no JSON value of the model's can equal.
      if (!value.opaque_json().empty()) {
        out->append(value.opaque_json());
      } else {
        AppendCanonicalString(absl::StrCat("\x01opaque:", value.opaque_description()), out);
      }
      return;
  }
}

void AppendCanonicalArgs(const AttributeMap& args, std::string* out) {
  absl::InlinedVector<const std::pair<const std::string, Value>*, 16> entries;
  for (const auto& entry : args) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return CanonicalKeyLess(a->first, b->first); });
  out->push_back('{');
  const char* separator = "";
  for (const auto* entry : entries) {
    out->append(std::exchange(separator, ","));
    AppendCanonicalString(entry->first, out);
    out->push_back(':');
    AppendCanonicalValue(entry->second, out);
  }
  out->push_back('}');
}

absl::StatusOr<int64_t> ReadSeconds(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) {
    return Refused(absl::StrCat("the grant's `", name, "` is missing or not an integer"));
  }
  return it->get<int64_t>();
}

absl::StatusOr<GrantClaims> ReadClaims(absl::string_view payload_text) {
  absl::StatusOr<json> parsed = ParseJson(payload_text, 4096, 4);
  if (!parsed.ok())
    return Refused(absl::StrCat("the grant's payload: ", parsed.status().message()));
  const json& payload = *parsed;
  if (!payload.is_object()) return Refused("the grant's payload is not a JSON object");
  for (const auto& [key, value] : payload.items()) {
    if (key != "digest" && key != "approver" && key != "iat" && key != "exp" && key != "jti") {
      return Refused(absl::StrCat("the grant has an unknown field `", Abbreviate(key), "`"));
    }
  }
  GrantClaims claims;
  auto digest = payload.find("digest");
  if (digest == payload.end() || !digest->is_string() ||
      !IsHexDigest(digest->get_ref<const std::string&>())) {
    return Refused("the grant's `digest` is missing or not 64 lowercase hex digits");
  }
  claims.digest = digest->get<std::string>();

  auto approver = payload.find("approver");
  if (approver == payload.end() || !approver->is_object() || approver->size() != 2 ||
      !approver->contains("kind") || !approver->contains("id")) {
    return Refused("the grant's `approver` must be {\"kind\": \"user\", \"id\": ...}");
  }
  const json& kind = (*approver)["kind"];
  const json& id = (*approver)["id"];
  if (!kind.is_string() || kind.get_ref<const std::string&>() != "user") {
    return Refused("the grant's approver is not a user: only people approve");
  }
  if (!id.is_string() || id.get_ref<const std::string&>().empty()) {
    return Refused("the grant's approver has no id");
  }
  claims.approver_id = id.get<std::string>();

  absl::StatusOr<int64_t> iat = ReadSeconds(payload, "iat");
  if (!iat.ok()) return iat.status();
  absl::StatusOr<int64_t> exp = ReadSeconds(payload, "exp");
  if (!exp.ok()) return exp.status();
  if (*exp <= *iat) return Refused("the grant's `exp` is not after its `iat`");
  claims.issued_at = *iat;
  claims.expires_at = *exp;

  auto jti = payload.find("jti");
  if (jti == payload.end() || !jti->is_string() || jti->get_ref<const std::string&>().empty() ||
      jti->get_ref<const std::string&>().size() > kMaxJtiBytes) {
    return Refused(absl::StrCat("the grant's `jti` is missing, empty or longer than ", kMaxJtiBytes,
                                " bytes"));
  }
  claims.jti = jti->get<std::string>();
  return claims;
}

std::string Time(int64_t unix_seconds) {
  return FormatTimestamp(absl::FromUnixSeconds(unix_seconds));
}

// Everything about the grant that does not need a decision: the signature, the fields, the
// time window, the digest and whether it was used.
absl::StatusOr<GrantClaims> CheckGrant(const Request& request, absl::Time now,
                                       absl::string_view digest, const ApprovalSettings& settings) {
  if (settings.trusted_keys.empty()) {
    return Refused("this engine trusts no approval key (give it the approver's public key)");
  }
  absl::StatusOr<GrantClaims> claims = ReadGrant(request.approval, settings.trusted_keys);
  if (!claims.ok()) return claims.status();
  if (now < absl::FromUnixSeconds(claims->issued_at)) {
    return Refused(absl::StrCat("the grant is not valid before ", Time(claims->issued_at),
                                " (the request's time is ", FormatTimestamp(now), ")"));
  }
  if (now >= absl::FromUnixSeconds(claims->expires_at)) {
    return Refused(absl::StrCat("the grant expired at ", Time(claims->expires_at)));
  }
  if (claims->digest != digest) {
    return Refused(
        "the grant approves another request (its digest differs: the subject, chain, action, "
        "resource, args or policy changed)");
  }
  if (absl::Status unused = settings.consumed->CheckUnused(claims->jti, claims->expires_at);
      !unused.ok()) {
    return Refused(unused.message());
  }
  return claims;
}

// Why the approver's own decision about action `approve` does not let the grant count.
std::string ApproverRefusal(absl::string_view approver, const ResourceRef& resource,
                            const Decision& decision) {
  const std::string who = absl::StrCat("user `", Abbreviate(approver), "`");
  const std::string what =
      absl::StrCat("`", Abbreviate(resource.type), ":", Abbreviate(resource.id), "`");
  switch (decision.reason) {
    case Reason::kUnknownIdentity:
      return absl::StrCat("the approver `", Abbreviate(approver), "` is not a known user");
    case Reason::kLifecycle:
      return absl::StrCat("the approver ", who, " is not active (suspended, revoked or expired)");
    case Reason::kForbidden:
      return absl::StrCat(who, " is forbidden to approve ", what, " (",
                          absl::StrJoin(decision.rules, ", "), ")");
    case Reason::kNoMatchingPermit:
      return absl::StrCat("no rule permits ", who, " to approve ", what,
                          " (a permit on action `approve` names who may)");
    case Reason::kApprovalRequired:
      return absl::StrCat(who, " needs an approval of their own to approve ", what);
    default:
      return absl::StrCat(who, " may not approve ", what, " (", ReasonName(decision.reason), ")");
  }
}

void AddRefusal(const Request& request, absl::string_view why, Decision* out) {
  out->errors.insert(out->errors.begin(),
                     EvaluationError{"", request.subject, absl::StrCat("approval refused: ", why)});
}

}  // namespace

void SetApprovalDigest(const Request& request, uint64_t policy_hash, Decision* out) {
  if (out->effect == Effect::kNeedsApproval) {
    ComputeApprovalDigest(request, policy_hash, &DecisionState::Of(out).digest_buffer,
                          &out->approval_digest);
  } else {
    out->approval_digest.clear();
  }
}

absl::StatusOr<GrantClaims> ReadGrant(absl::string_view token,
                                      absl::Span<const Ed25519PublicKey> trusted) {
  absl::StatusOr<JwsVerified> verified = JwsVerify(token, trusted, kGrantType);
  if (!verified.ok()) return Refused(verified.status().message());
  return ReadClaims(verified->payload);
}

void ComputeApprovalDigest(const Request& request, uint64_t policy_hash, std::string* buffer,
                           std::string* digest) {
  // RFC 8785: keys in sorted order, no whitespace. The keys here are ASCII, so their UTF-16
  // order is their byte order: action, args, on_behalf_of, policy, resource, subject.
  std::string& out = *buffer;
  out.clear();
  out.append(R"({"action":)");
  AppendCanonicalString(request.action, &out);
  out.append(R"(,"args":)");
  if (!request.args_json.empty()) {
    out.append(request.args_json);
  } else {
    AppendCanonicalArgs(request.args, &out);
  }
  out.append(R"(,"on_behalf_of":[)");
  for (size_t i = 0; i < request.on_behalf_of.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendIdentity(request.on_behalf_of[i], &out);
  }
  absl::StrAppend(&out, R"(],"policy":")", absl::Hex(policy_hash, absl::kZeroPad16),
                  R"(","resource":{"id":)");
  AppendCanonicalString(request.resource.id, &out);
  out.append(R"(,"type":)");
  AppendCanonicalString(request.resource.type, &out);
  out.append(R"(},"subject":)");
  AppendIdentity(request.subject, &out);
  out.push_back('}');
  const std::array<uint8_t, 32> hash = Sha256(out);
  static constexpr char kHex[] = "0123456789abcdef";
  digest->resize(2 * hash.size());
  for (size_t i = 0; i < hash.size(); ++i) {
    (*digest)[2 * i] = kHex[hash[i] >> 4];
    (*digest)[2 * i + 1] = kHex[hash[i] & 0xf];
  }
}

absl::Status ConsumedGrants::CheckUnused(absl::string_view jti, int64_t expires_at) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return CheckUnusedLocked(jti, expires_at);
}

absl::Status ConsumedGrants::CheckUnusedLocked(absl::string_view jti, int64_t expires_at) const {
  if (expiry_by_jti_.contains(jti)) {
    return absl::AlreadyExistsError(
        absl::StrCat("the grant `", Abbreviate(jti), "` was already used"));
  }
  if (expires_at <= forgotten_through_) {
    return absl::FailedPreconditionError(
        absl::StrCat("the grant expired at ", Time(expires_at),
                     ", before the engine's clock reached ", Time(forgotten_through_),
                     "; grants that old are no longer tracked, so it may have been used"));
  }
  return absl::OkStatus();
}

size_t ConsumedGrants::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return expiry_by_jti_.size();
}

absl::Status ConsumedGrants::Consume(absl::string_view jti, int64_t expires_at, absl::Time clock) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (absl::Status unused = CheckUnusedLocked(jti, expires_at); !unused.ok()) return unused;
  if (expiry_by_jti_.size() >= prune_at_ || expiry_by_jti_.size() >= max_entries_) {
    PruneLocked(clock);
  }
  if (expiry_by_jti_.size() >= max_entries_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this engine already holds ", max_entries_,
                     " unexpired used grants; no more are accepted until some expire"));
  }
  expiry_by_jti_.emplace(jti, expires_at);
  return absl::OkStatus();
}

void ConsumedGrants::PruneLocked(absl::Time clock) {
  const int64_t now = absl::ToUnixSeconds(clock);
  absl::erase_if(expiry_by_jti_, [now](const auto& entry) { return entry.second <= now; });
  forgotten_through_ = std::max(forgotten_through_, now);
  // Prune again when the map has doubled, so that pruning costs O(1) per grant amortised.
  prune_at_ = std::max<size_t>(1024, 2 * expiry_by_jti_.size());
}

void DecideWithGrant(const Request& request, absl::Time now, uint64_t policy_hash,
                     const ApprovalSettings& settings, DecideFunction decide, Decision* out) {
  out->approved_by.reset();

  std::string digest;
  std::string buffer;
  ComputeApprovalDigest(request, policy_hash, &buffer, &digest);
  const absl::Time clock = absl::Now();
  absl::StatusOr<GrantClaims> claims = CheckGrant(request, now, digest, settings);
  if (claims.ok()) {
    // The approver's own decision: the same policy, resource, context, args and time, no chain.
    Request approver;
    approver.subject = {SubjectKind::kUser, claims->approver_id};
    approver.action = "approve";
    approver.resource = request.resource;
    approver.context = request.context;
    approver.args = request.args;
    approver.args_json = request.args_json;
    approver.now = now;
    Decision approval;
    decide(approver, /*approvals_satisfied=*/false, &approval);
    if (approval.effect != Effect::kAllow) {
      claims = Refused(ApproverRefusal(claims->approver_id, request.resource, approval));
    }
  }
  if (!claims.ok()) {
    decide(request, /*approvals_satisfied=*/false, out);
    SetApprovalDigest(request, policy_hash, out);
    AddRefusal(request, claims.status().message(), out);
    return;
  }

  decide(request, /*approvals_satisfied=*/true, out);
  if (out->effect == Effect::kAllow) {
    absl::Status consumed = settings.consumed->Consume(claims->jti, claims->expires_at, clock);
    if (!consumed.ok()) {
      // Another decision used the grant first (or too many are held): as without it.
      decide(request, /*approvals_satisfied=*/false, out);
      SetApprovalDigest(request, policy_hash, out);
      AddRefusal(request, consumed.message(), out);
      return;
    }
    if (settings.ledger != nullptr) {
      // After this engine's own record, so that a grant replayed to this engine is refused
      // without a round trip; the grant stays used here whatever the ledger answers.
      absl::Status shared =
          settings.ledger->Consume(claims->jti, absl::FromUnixSeconds(claims->expires_at));
      if (!shared.ok()) {
        decide(request, /*approvals_satisfied=*/false, out);
        SetApprovalDigest(request, policy_hash, out);
        AddRefusal(request,
                   absl::IsAlreadyExists(shared)
                       ? std::string("the grant was already used (recorded in the fleet's grant "
                                     "ledger)")
                       : absl::StrCat("the grant's use could not be recorded in the fleet's "
                                      "grant ledger, so it is refused: ",
                                      shared.message()),
                   out);
        return;
      }
    }
    out->approved_by = IdentityRef{SubjectKind::kUser, claims->approver_id};
  }
  SetApprovalDigest(request, policy_hash, out);
}

}  // namespace ward::internal
