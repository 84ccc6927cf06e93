// Approvals that cannot be forged (docs/approvals.md).
//
// A NEEDS_APPROVAL decision carries a digest of the request it is about. A human approver (an
// approval service acting for one) signs a grant naming that digest with a private key; the
// request is sent again with the grant, and an engine that trusts the matching public key
// accepts it once, if the approver may `approve` the resource:
//
//   ward::Decision decision = engine->Decide(request);          // NEEDS_APPROVAL
//   // ... a person says yes, for user "u-lead" ...
//   ward::GrantRequest grant;
//   grant.digest = decision.approval_digest;
//   grant.approver_id = "u-lead";
//   request.approval = *ward::MintGrant(grant, approver_private_key_pem);
//   decision = engine->Decide(request);                          // ALLOW, approved_by u-lead
//
// Nothing the model controls can stand in for a grant: the digest covers the tool call's
// arguments (`args`), so a changed argument needs a new approval.

#ifndef WARD_APPROVAL_H_
#define WARD_APPROVAL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/request.h"

namespace ward {

// An Ed25519 key pair in PEM: the private key (PKCS#8) signs grants and bundles; the public
// key (SPKI) is what an engine or a bundle loader is told to trust.
struct SigningKeyPair {
  std::string private_key_pem;
  std::string public_key_pem;
};

// A new key pair from the system's random source.
absl::StatusOr<SigningKeyPair> GenerateSigningKey();

// The public key (SPKI PEM) of a private key (PKCS#8 PEM). Fails on anything but an
// unencrypted Ed25519 key.
absl::StatusOr<std::string> PublicKeyOf(absl::string_view private_key_pem);

// The largest key file ReadKeyFile reads; a PEM Ed25519 key is about 120 bytes.
inline constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// Reads a PEM key file (as `ward keygen` writes them) and checks that it holds an Ed25519 key:
// a public one (SPKI) when `want` is kPublic, a private one (PKCS#8) when kPrivate. Errors:
// kIo (the file) or kKey ("PATH: what is wrong"); see ward/errors.h.
enum class KeyHalf : uint8_t { kPublic, kPrivate };
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, KeyHalf want);

// The digest that approves `request` under the policy whose hash is `policy_hash`: the
// lowercase hex SHA-256 of the RFC 8785 canonical JSON of {"subject", "on_behalf_of",
// "action", "resource": {"type", "id"}, "args", "policy"} (absent args hash as `{}`, an absent
// chain as `[]`, `policy` is the hash in 16 hex digits). `context`, `now` and inline
// attributes are not part of it. A NEEDS_APPROVAL decision carries it as `approval_digest`.
std::string ApprovalDigest(const Request& request, uint64_t policy_hash);

// The default lifetime of a grant.
inline constexpr absl::Duration kDefaultGrantTtl = absl::Minutes(15);

// The longest grant id (`jti`) an engine accepts.
inline constexpr size_t kMaxGrantIdBytes = 128;

struct GrantRequest {
  // The approval digest of the NEEDS_APPROVAL decision being approved (64 hex digits).
  std::string digest;
  // The user who approves. The engine accepts the grant only if this user is known, active,
  // unexpired and ALLOWed action `approve` on the request's resource.
  std::string approver_id;
  // How long the grant may be used: from `issued_at` to `issued_at + ttl`.
  absl::Duration ttl = kDefaultGrantTtl;
  // When the grant was issued; the clock when not set.
  std::optional<absl::Time> issued_at;
  // The grant's unique id; 128 random bits when empty.
  std::string jti;
};

// Signs a grant: a JWS compact token (RFC 7515, `alg` EdDSA) whose payload holds `digest`,
// `approver` ({"kind": "user", "id": ...}), `iat`, `exp` (Unix seconds) and `jti`. Fails on
// a malformed digest, an empty approver, a TTL below one second, or an unusable key.
absl::StatusOr<std::string> MintGrant(const GrantRequest& grant, absl::string_view private_key_pem);

}  // namespace ward

#endif  // WARD_APPROVAL_H_
