// Bundles: a compiled policy written to bytes and read back without the policy compiler.
//
//   std::string bytes = ward::SerializeBundle(*policy);          // `ward compile -o`
//   auto loaded = ward::LoadBundle(bytes);                        // in the gateway
//
// A bundle carries a format version and a checksum; loading verifies both and then the whole
// program as if an attacker wrote it (every index, the types of the code, the attribute
// references, the patterns within a budget), so that a truncated, corrupted or hand-made
// bundle is rejected with an error rather than trusted. A loaded policy decides exactly as
// the policy it was written from, and has the same hash.

#ifndef WARD_BUNDLE_H_
#define WARD_BUNDLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ward/policy.h"

namespace ward {

// The bundle format this library writes. Version 3 added `@shadow` rules, which a reader of
// version 2 would enforce; this library reads versions 2 and 3.
inline constexpr uint32_t kBundleFormatVersion = 3;
inline constexpr uint32_t kOldestReadableBundleFormatVersion = 2;

// The largest bundle LoadBundle accepts.
inline constexpr size_t kMaxBundleBytes = size_t{512} << 20;

// Serializes `policy`'s compiled form. The bytes are deterministic: the same policy gives the
// same bundle.
std::string SerializeBundle(const Policy& policy);

// As SerializeBundle, signed with an Ed25519 private key (PKCS#8 PEM, e.g. from
// `ward keygen`). Ed25519 signatures are deterministic, so the bytes are too.
absl::StatusOr<std::string> SerializeSignedBundle(const Policy& policy,
                                                  absl::string_view private_key_pem);

// The defaults of the regular-expression budget of BundleLoadOptions. A bundle holds the
// patterns of its conditions (`matches`), of its heads (`matching`) and of its redactions.
// The agentgate benchmark's scale-40 bundle (10,009 rules) has none, the examples a few; a
// redaction of an e-mail address or a card number compiles to 20 to 50 RE2 instructions (160
// to 400 bytes). 10,000 patterns is one for every rule of that bundle, and 4 MiB compiled
// (half a million instructions) holds ten thousand such patterns. A pattern near its own
// budget compiles to some 60,000 instructions, so that a hostile bundle gets the loader to
// compile at most about nine of them (a few tenths of a second) before it is refused.
inline constexpr size_t kDefaultMaxBundleRegexCount = 10000;
inline constexpr int64_t kDefaultMaxBundleRegexBytes = int64_t{4} << 20;
// The policy checker's own default budget for each pattern (CheckOptions::max_regex_memory),
// so that whatever `ward compile` accepts with its defaults loads.
inline constexpr int64_t kDefaultMaxBundleRegexMemory = int64_t{1} << 20;

struct BundleLoadOptions {
  // Public keys (SPKI PEM, Ed25519) a bundle must be signed by. When there are any, an
  // unsigned bundle, or one signed by another key or badly, is refused; when there are none,
  // any bundle that verifies loads (signed or not).
  std::vector<std::string> trusted_keys;

  // The budget for the bundle's regular expressions (patterns and redactions together),
  // which a signature does not lift. The count and the total length of their text are checked
  // before any is compiled; then each is compiled with RE2's max_mem set to
  // `max_regex_memory`, and loading stops as soon as their compiled programs (RE2's
  // ProgramSize(), 8 bytes an instruction) take more than `max_total_regex_bytes` in all.
  size_t max_regex_count = kDefaultMaxBundleRegexCount;
  int64_t max_total_regex_bytes = kDefaultMaxBundleRegexBytes;
  int64_t max_regex_memory = kDefaultMaxBundleRegexMemory;
};

// Loads a bundle, verifying it as if an attacker wrote it (a checksum or a hash proves
// nothing: anyone can recompute them): the signature (when keys are trusted), the format
// version, the checksum, and then every index, the type of every operand of every
// instruction, every attribute reference, every rule and every pattern against the budget
// above, before anything can run (the full list: internal::VerifyProgram in
// lib/internal/program.h). Errors say what is wrong and where: not a bundle, another format
// version, an unsigned or badly signed bundle, a checksum mismatch (truncated or corrupted),
// or an invalid program (DataLoss, "invalid bundle: rule `r`, `when` instruction 3 (lt): ...").
absl::StatusOr<std::shared_ptr<const Policy>> LoadBundle(absl::string_view bytes,
                                                         const BundleLoadOptions& options = {});

// Reads the bundle at `path` (`-` reads standard input, at most kMaxBundleBytes) and loads it
// as LoadBundle. Errors: kIo (the file), kKey (a trusted key that is not an Ed25519 public
// key) or kBundle ("PATH: what is wrong"); see ward/errors.h.
absl::StatusOr<std::shared_ptr<const Policy>> LoadBundleFile(const std::string& path,
                                                             const BundleLoadOptions& options = {});

}  // namespace ward

#endif  // WARD_BUNDLE_H_
