// Cryptographic primitives for approvals and signed bundles, all from OpenSSL 3: SHA-256,
// base64url (RFC 4648 §5), Ed25519 keys and signatures (RFC 8032, keys in PEM as RFC 8410
// describes), and JWS compact tokens signed with EdDSA (RFC 7515, RFC 8037).
//
// Every function is safe to call from many threads at once, and the const methods of one key
// object may run concurrently. Nothing here throws, and no function leaves OpenSSL's
// thread-local error queue holding errors of its own.

#ifndef WARD_LIB_INTERNAL_CRYPTO_H_
#define WARD_LIB_INTERNAL_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

// OpenSSL's key type, declared here so that this header does not include OpenSSL's.
typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace ward::internal {

// SHA-256 of `data`.
std::array<uint8_t, 32> Sha256(absl::string_view data);

// SHA-256 of data given in pieces, for data too large to hold whole (a program's hash):
// Update with each piece in turn, then Finish once.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view data);
  std::array<uint8_t, 32> Finish();

 private:
  EVP_MD_CTX* context_;
};

// Lowercase hex of SHA-256 (64 characters).
std::string Sha256Hex(absl::string_view data);

// RFC 4648 §5 base64url without padding.
std::string Base64UrlEncode(absl::string_view bytes);

// Decodes RFC 4648 §5 base64url without padding, strictly: refuses padding '=', characters
// outside the alphabet (whitespace included), a length ≡ 1 (mod 4), and non-zero unused
// trailing bits, so that every byte string has exactly one accepted encoding.
// InvalidArgument, with a message like "invalid base64url: `+` at offset 4 is not in the
// alphabet".
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

// An Ed25519 public key. Copies are cheap and share one OpenSSL key, which is never modified.
class Ed25519PublicKey {
 public:
  // Reads an SPKI PEM ("-----BEGIN PUBLIC KEY-----"; text before and after the block is
  // ignored, and so are blocks after the first). Refuses any key that is not Ed25519, saying
  // what it found ("found an RSA key (2048 bits)"), and texts longer than 64 KiB.
  static absl::StatusOr<Ed25519PublicKey> FromPem(absl::string_view pem);
  // The 32-byte key of RFC 8032 §5.1.5.
  static absl::StatusOr<Ed25519PublicKey> FromRaw(absl::string_view raw32);

  // SPKI PEM, with a final newline.
  std::string ToPem() const;
  // The 32-byte key.
  const std::string& raw() const { return raw_; }
  // A short stable identifier: the first 16 hex digits of SHA-256(raw key). Used as a JWS
  // `kid`.
  std::string KeyId() const { return key_id_; }

  // Whether `signature` (64 bytes) is a valid Ed25519 signature of `message` by this key.
  // False on any failure, a signature of the wrong length included.
  bool Verify(absl::string_view message, absl::string_view signature) const;

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) {
    return a.raw_ == b.raw_;
  }
  friend bool operator!=(const Ed25519PublicKey& a, const Ed25519PublicKey& b) { return !(a == b); }

 private:
  friend class Ed25519PrivateKey;
  // The public half of `pkey` (not taken), which must be an Ed25519 key, public or private.
  static absl::StatusOr<Ed25519PublicKey> FromPkey(const EVP_PKEY* pkey);
  Ed25519PublicKey(std::shared_ptr<EVP_PKEY> pkey, std::string raw);

  std::shared_ptr<EVP_PKEY> pkey_;
  std::string raw_;
  std::string key_id_;
};

// An Ed25519 private key. Copies are cheap and share one OpenSSL key, which is never modified;
// the secret lives only in OpenSSL's key object, which clears it when freed.
class Ed25519PrivateKey {
 public:
  // A new key from OpenSSL's random generator.
  static absl::StatusOr<Ed25519PrivateKey> Generate();
  // Reads a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), Ed25519 only. An encrypted key
  // ("-----BEGIN ENCRYPTED PRIVATE KEY-----") is refused, never prompted for; so are texts
  // longer than 64 KiB.
  static absl::StatusOr<Ed25519PrivateKey> FromPem(absl::string_view pem);
  // The 32-byte secret key (the seed) of RFC 8032 §5.1.5.
  static absl::StatusOr<Ed25519PrivateKey> FromRawSeed(absl::string_view seed32);

  // Unencrypted PKCS#8 PEM, with a final newline.
  std::string ToPem() const;
  Ed25519PublicKey PublicKey() const { return public_key_; }

  // The 64-byte signature of `message`. Ed25519 is deterministic: the same key and message
  // always give the same signature. Empty only if OpenSSL fails (out of memory).
  std::string Sign(absl::string_view message) const;

 private:
  Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> pkey, Ed25519PublicKey public_key);
  // Takes ownership of `pkey`.
  static absl::StatusOr<Ed25519PrivateKey> FromPkey(EVP_PKEY* pkey);

  std::shared_ptr<EVP_PKEY> pkey_;
  Ed25519PublicKey public_key_;
};

// The longest token JwsVerify accepts.
inline constexpr size_t kMaxJwsTokenBytes = 16 * 1024;

// A JWS compact serialization (RFC 7515 §7.1) of `payload_json`, signed with EdDSA. The
// protected header is {"alg":"EdDSA","kid":KEY_ID,"typ":TYP} written compactly (without `typ`
// when `typ` is empty); the payload is the given text as it is. (Should signing fail, which
// only running out of memory can cause, the signature part is empty and no key verifies it.)
std::string JwsSign(absl::string_view payload_json, absl::string_view typ,
                    const Ed25519PrivateKey& key);

struct JwsVerified {
  std::string payload;  // the decoded payload bytes
  std::string kid;      // KeyId() of the key that verified the signature
};

// Verifies a JWS compact token signed with EdDSA by one of `trusted`. The token must be at
// most kMaxJwsTokenBytes long and have exactly three parts separated by dots, each strict
// base64url. The header must be a JSON object (at most 4096 bytes, nesting depth 4, no
// repeated keys) whose `alg` is exactly "EdDSA", without `crit`, and with `typ` equal to
// `expected_typ` when that is not empty. When the header has a `kid` the key with that KeyId
// verifies the signature; otherwise each trusted key is tried.
//
// Errors: InvalidArgument for a malformed token ("not a JWS compact token (...)", "unsupported
// algorithm `HS256`", "invalid JWS header: ..."), Unauthenticated when the signature does not
// hold ("signed by a key that is not trusted (kid `...`)", "bad signature").
absl::StatusOr<JwsVerified> JwsVerify(absl::string_view token,
                                      absl::Span<const Ed25519PublicKey> trusted,
                                      absl::string_view expected_typ);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_CRYPTO_H_
