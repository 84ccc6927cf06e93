// A decision request: who (subject and the identities it acts for), what (action), on what
// (resource), in which context, and when.

#ifndef WARD_LIB_REQUEST_H_
#define WARD_LIB_REQUEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/schema.h"
#include "lib/value.h"

namespace ward {

// The longest delegation chain a request may carry.
inline constexpr size_t kMaxDelegationHops = 8;

// An identity named by a request (or by a decision's `denied_by`).
struct IdentityRef {
  SubjectKind kind = SubjectKind::kUser;
  std::string id;
  friend bool operator==(const IdentityRef& a, const IdentityRef& b) {
    return a.kind == b.kind && a.id == b.id;
  }
};

struct ResourceRef {
  std::string type;
  std::string id;
  // Inline attributes, merged over the stored ones (shallowly; inline wins). They keep the
  // shape their JSON had; a wrongly typed one is an evaluation error when a rule reads it.
  AttributeMap attrs;
};

struct Request {
  IdentityRef subject;
  std::string action;
  ResourceRef resource;
  AttributeMap context;
  // The identities the subject acts for, nearest first; at most kMaxDelegationHops.
  std::vector<IdentityRef> on_behalf_of;
  // The time of the decision; the engine uses the clock when it is not set.
  std::optional<absl::Time> now;
};

// Limits on request JSON; exceeding one is a request error.
struct RequestLimits {
  size_t max_bytes = size_t{1} << 20;
  size_t max_json_depth = 32;
};

// Parses a request in the exchange format of docs/language.md. Errors (invalid JSON, unknown
// fields, wrong types, a missing subject, an unknown subject kind, a chain longer than
// kMaxDelegationHops, an invalid `now`) name the field.
absl::StatusOr<Request> ParseRequestJson(absl::string_view json, const RequestLimits& limits = {});

// Converts a JSON text (of any value) to a Value with the shape rules of context entries:
// strings, integers, booleans, lists of strings and lists of integers map to the language's
// values; other JSON becomes an opaque value; `null` yields nullopt.
absl::StatusOr<std::optional<Value>> ParseJsonValue(absl::string_view json);

}  // namespace ward

#endif  // WARD_LIB_REQUEST_H_
