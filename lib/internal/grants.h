// Grant verification and the decision flow around it (docs/approvals.md): the engine's side
// of ward/approval.h. Shared by every engine, so that the compiled engine and the reference
// interpreter treat grants alike; each engine supplies its own way of deciding.

#ifndef WARD_LIB_INTERNAL_GRANTS_H_
#define WARD_LIB_INTERNAL_GRANTS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/internal/crypto.h"
#include "ward/decision.h"
#include "ward/grant_ledger.h"
#include "ward/request.h"

namespace ward::internal {

// The JWS `typ` of a grant.
inline constexpr absl::string_view kGrantType = "ward-grant";

// What a verified grant says.
struct GrantClaims {
  std::string digest;
  std::string approver_id;  // a user
  int64_t issued_at = 0;    // Unix seconds
  int64_t expires_at = 0;
  std::string jti;
};

// Verifies the token's signature against `trusted` and reads its payload, refusing anything
// but exactly the grant fields with their types. Errors say why, for the decision's errors.
absl::StatusOr<GrantClaims> ReadGrant(absl::string_view token,
                                      absl::Span<const Ed25519PublicKey> trusted);

// Writes the approval digest of `request` into `digest`, using `buffer` for the canonical
// form (both are reused from call to call, so that no allocation happens in steady state).
void ComputeApprovalDigest(const Request& request, uint64_t policy_hash, std::string* buffer,
                           std::string* digest);

// The ids of consumed grants, each kept until its `exp` has passed on the engine's clock.
// Forgetting is what bounds the memory; to keep it from reopening a replay (a request whose
// `now` lies before the clock), a grant that expired before the last time ids were forgotten
// is refused as possibly used. Thread-safe.
class ConsumedGrants {
 public:
  explicit ConsumedGrants(size_t max_entries) : max_entries_(max_entries) {}

  // Whether a grant with this id and expiry may not be used: it was, or it expired before
  // ids were last forgotten (so it may have been).
  absl::Status CheckUnused(absl::string_view jti, int64_t expires_at) const;
  // Marks `jti` consumed, checking CheckUnused again under the same lock. AlreadyExists when
  // it was used; ResourceExhausted when `max_entries` unexpired grants are held (fail closed:
  // the grant is not accepted).
  absl::Status Consume(absl::string_view jti, int64_t expires_at, absl::Time clock);
  size_t size() const;

 private:
  absl::Status CheckUnusedLocked(absl::string_view jti, int64_t expires_at) const;
  void PruneLocked(absl::Time clock);

  const size_t max_entries_;
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, int64_t> expiry_by_jti_;
  size_t prune_at_ = 1024;  // prune when the map reaches this size
  // Grants that expired at or before this time (Unix seconds) may have been forgotten.
  int64_t forgotten_through_ = std::numeric_limits<int64_t>::min();
};

// What an engine knows about grants.
struct ApprovalSettings {
  absl::Span<const Ed25519PublicKey> trusted_keys;
  ConsumedGrants* consumed = nullptr;
  GrantLedger* ledger = nullptr;  // the fleet's record of used grants, when there is one
};

// Decides `request` with one engine: `approvals_satisfied` makes every holding (or erring)
// require_approval rule satisfied; forbids and missing permits are unaffected.
using DecideFunction =
    absl::FunctionRef<void(const Request& request, bool approvals_satisfied, Decision* out)>;

// Sets `out->approval_digest`: the request's digest on NEEDS_APPROVAL, empty otherwise.
void SetApprovalDigest(const Request& request, uint64_t policy_hash, Decision* out);

// DecideWithApprovals for a request that carries a grant.
void DecideWithGrant(const Request& request, absl::Time now, uint64_t policy_hash,
                     const ApprovalSettings& settings, DecideFunction decide, Decision* out);

// Decides `request` (already checked: not invalid_request) at time `now`, handling its grant:
// without one, the plain decision plus the approval digest on NEEDS_APPROVAL; with one, the
// grant is verified (trusted key, `iat <= now < exp`, digest, not consumed, approver ALLOWed
// `approve` on the resource) and, when accepted, the request is decided with approvals
// satisfied; an ALLOW consumes the grant and names the approver. A refused grant leaves the
// decision as without it, with an error (rule "") first in `errors` saying why. Inline, so
// that a decision without a grant (the usual one) pays for nothing more.
template <typename Decide>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void DecideWithApprovals(const Request& request, absl::Time now,
                                                             uint64_t policy_hash,
                                                             const ApprovalSettings& settings,
                                                             Decide&& decide, Decision* out) {
  if (request.approval.empty()) {
    out->approved_by.reset();
    decide(request, /*approvals_satisfied=*/false, out);
    if (out->effect == Effect::kNeedsApproval) {
      SetApprovalDigest(request, policy_hash, out);
    } else {
      out->approval_digest.clear();
    }
    return;
  }
  DecideWithGrant(request, now, policy_hash, settings, decide, out);
}

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_GRANTS_H_
