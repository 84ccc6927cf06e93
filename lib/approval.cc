#include "ward/approval.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/internal/canonical_json.h"
#include "lib/internal/crypto.h"
#include "lib/internal/files.h"
#include "lib/internal/grants.h"
#include "nlohmann/json.hpp"
#include "openssl/rand.h"
#include "ward/errors.h"

namespace ward {

absl::StatusOr<SigningKeyPair> GenerateSigningKey() {
  absl::StatusOr<internal::Ed25519PrivateKey> key = internal::Ed25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  return SigningKeyPair{key->ToPem(), key->PublicKey().ToPem()};
}

absl::StatusOr<std::string> PublicKeyOf(absl::string_view private_key_pem) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<internal::Ed25519PrivateKey> key =
            internal::Ed25519PrivateKey::FromPem(private_key_pem);
        if (!key.ok()) return key.status();
        return key->PublicKey().ToPem();
      }(),
      ErrorCategory::kKey);
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path, KeyHalf want) {
  absl::StatusOr<std::string> pem = internal::ReadFile(path, kMaxKeyFileBytes);
  if (!pem.ok()) return WithCategory(pem.status(), ErrorCategory::kIo);
  absl::Status usable = want == KeyHalf::kPublic
                            ? internal::Ed25519PublicKey::FromPem(*pem).status()
                            : internal::Ed25519PrivateKey::FromPem(*pem).status();
  if (!usable.ok()) {
    return WithCategory(absl::Status(usable.code(), absl::StrCat(path, ": ", usable.message())),
                        ErrorCategory::kKey);
  }
  return pem;
}

std::string ApprovalDigest(const Request& request, uint64_t policy_hash) {
  std::string buffer, digest;
  internal::ComputeApprovalDigest(request, policy_hash, &buffer, &digest);
  return digest;
}

absl::StatusOr<std::string> MintGrant(const GrantRequest& grant,
                                      absl::string_view private_key_pem) {
  const bool hex_digest = grant.digest.size() == 64 &&
                          std::all_of(grant.digest.begin(), grant.digest.end(), [](char c) {
                            return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
                          });
  if (!hex_digest) {
    return absl::InvalidArgumentError(
        "the digest must be the 64 lowercase hex digits of a NEEDS_APPROVAL decision's "
        "`approval.digest`");
  }
  if (grant.approver_id.empty()) return absl::InvalidArgumentError("the approver id is empty");
  if (grant.jti.size() > kMaxGrantIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a grant id (`jti`) has at most ", kMaxGrantIdBytes, " bytes"));
  }
  if (grant.ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("a grant must be valid for at least one second");
  }
  absl::StatusOr<internal::Ed25519PrivateKey> key =
      internal::Ed25519PrivateKey::FromPem(private_key_pem);
  if (!key.ok()) return WithCategory(key.status(), ErrorCategory::kKey);

  std::string jti = grant.jti;
  if (jti.empty()) {
    unsigned char random[16];
    if (RAND_bytes(random, sizeof(random)) != 1) {
      return absl::InternalError("the system's random source failed");
    }
    jti = internal::Base64UrlEncode(
        absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  }
  const absl::Time issued = grant.issued_at.has_value() ? *grant.issued_at : absl::Now();
  const int64_t iat = absl::ToUnixSeconds(issued);
  const int64_t exp = absl::ToUnixSeconds(issued + grant.ttl);
  nlohmann::json payload = {{"digest", grant.digest},
                            {"approver", {{"kind", "user"}, {"id", grant.approver_id}}},
                            {"iat", iat},
                            {"exp", exp},
                            {"jti", jti}};
  absl::StatusOr<std::string> text = internal::CanonicalJson(payload);
  if (!text.ok()) return text.status();
  return internal::JwsSign(*text, internal::kGrantType, *key);
}

}  // namespace ward
