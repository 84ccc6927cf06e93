// Error categories: what kind of input an error is about, attached to the absl::Status that
// every fallible call returns. The C interface's status codes, Python's and Node's error
// classes and Go's error values are these categories one for one, so that a caller in any
// language can tell a bad request from a bad policy from an unreadable file the same way.

#ifndef WARD_ERRORS_H_
#define WARD_ERRORS_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ward {

// The numbers are the C interface's status codes (ward.h: ward_status) and never change.
enum class ErrorCategory : uint8_t {
  kInvalidArgument = 1,  // a mistake in the calling code (a null pointer, a bad enum value)
  kPolicy = 2,           // the policy set does not compile
  kEntities = 3,         // an entity file or entity does not parse or does not fit the schema
  kRequest = 4,          // the request breaks the exchange format's rules
  kNotFound = 5,         // an entity update names an identity or resource that does not exist
  kBundle = 6,           // a bundle that is not one, is corrupt, or is not signed as required
  kIo = 7,               // a file that cannot be read (missing, a directory, too large)
  kInternal = 8,         // out of memory or a failure inside the library
  kKey = 9,              // a key that is not an Ed25519 key of the expected half
  kRedact = 10,          // a redaction that cannot be applied: release nothing
};

inline constexpr ErrorCategory kLastErrorCategory = ErrorCategory::kRedact;

// "invalid_argument", "policy", "entities", "request", "not_found", "bundle", "io", "internal",
// "key", "redact": the C interface's ward_status_name, and Node's error codes in upper case
// after "WARD_" (WARD_POLICY, WARD_ENTITIES, ...).
absl::string_view ErrorCategoryName(ErrorCategory category);
std::optional<ErrorCategory> ParseErrorCategory(absl::string_view name);

// The category of an error returned by ward. A status ward did not categorise counts as
// kInternal (kNotFound when its code is NOT_FOUND, kInvalidArgument when INVALID_ARGUMENT).
// Meaningless for an OK status.
ErrorCategory CategoryOf(const absl::Status& status);

// `status` with `category` attached. An OK status stays OK, an error that already has a
// category keeps it (the innermost layer knows best: a bad key inside a bundle load stays
// kKey) and an INTERNAL failure stays kInternal. A limit the
// input exceeds (RESOURCE_EXHAUSTED) takes the category of the input.
absl::Status WithCategory(absl::Status status, ErrorCategory category);

// As above, for a StatusOr.
template <typename T>
absl::StatusOr<T> WithCategory(absl::StatusOr<T> result, ErrorCategory category) {
  if (result.ok()) return result;
  return WithCategory(result.status(), category);
}

}  // namespace ward

#endif  // WARD_ERRORS_H_
