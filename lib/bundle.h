// Bundles: a compiled policy written to bytes and read back without the policy compiler.
//
//   std::string bytes = ward::SerializeBundle(*policy);          // `ward compile -o`
//   auto loaded = ward::LoadBundle(bytes);                        // in the gateway
//
// A bundle carries a format version and a checksum; loading verifies both and then every index
// and every piece of code in it, so that a truncated, corrupted or hand-made bundle is
// rejected with an error rather than trusted. A loaded policy decides exactly as the policy it
// was written from, and has the same hash.

#ifndef WARD_LIB_BUNDLE_H_
#define WARD_LIB_BUNDLE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/policy.h"

namespace ward {

// The bundle format this library writes and reads.
inline constexpr uint32_t kBundleFormatVersion = 1;

// The largest bundle LoadBundle accepts.
inline constexpr size_t kMaxBundleBytes = size_t{512} << 20;

// Serializes `policy`'s compiled form. The bytes are deterministic: the same policy gives the
// same bundle.
std::string SerializeBundle(const Policy& policy);

// Loads a bundle. Errors say what is wrong: not a bundle, another format version, a checksum
// mismatch (truncated or corrupted), or an inconsistent program.
absl::StatusOr<std::shared_ptr<const Policy>> LoadBundle(absl::string_view bytes);

}  // namespace ward

#endif  // WARD_LIB_BUNDLE_H_
