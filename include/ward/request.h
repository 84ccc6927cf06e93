// A decision request: who (subject and the identities it acts for), what (action), on what
// (resource), in which context, and when.

#ifndef WARD_REQUEST_H_
#define WARD_REQUEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/schema.h"
#include "ward/value.h"

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
  // Attributes of a resource that is not in the store. A resource in the store takes its
  // attributes from the store only: inline attributes on it make the request invalid
  // (reason invalid_request), so that a request can never override the inventory. Declared
  // attributes are validated against the schema when the request is decided.
  AttributeMap attrs;
};

struct Request {
  IdentityRef subject;
  std::string action;
  ResourceRef resource;
  // What the host asserts about the request (session, channel, time window, ...): never
  // anything the model produced. Declared entries are validated when the request is decided.
  AttributeMap context;
  // The tool call's arguments as the model produced them (the `args` root). Set them with
  // SetArgsJson, which also keeps the exact text an approval digest hashes.
  AttributeMap args;
  // `args` as given, in RFC 8785 canonical form ("{}" or empty when there are none): what an
  // approval digest hashes. SetArgsJson and ParseRequestJson fill it. When it is empty, the
  // digest hashes `args` written canonically from their values — a set as its sorted,
  // duplicate-free list — so give the arguments as JSON when the order or repetition of list
  // items matters to the tool.
  std::string args_json;
  // The identities the subject acts for, nearest first; at most kMaxDelegationHops.
  std::vector<IdentityRef> on_behalf_of;
  // The time of the decision; the engine uses the clock when it is not set.
  std::optional<absl::Time> now;
  // A grant: a human approver's signed approval of exactly this request (a JWS compact
  // token, docs/approvals.md). Empty when the request carries none.
  std::string approval;
};

// Limits on request JSON; exceeding one is a request error.
struct RequestLimits {
  size_t max_bytes = size_t{1} << 20;
  size_t max_json_depth = 32;
};

// The longest grant token a request may carry.
inline constexpr size_t kMaxApprovalTokenBytes = 16 * 1024;

// The exchange format's rules for the parts of a request, shared by every way of building one
// (the JSON form, the C interface, Python, Node, Go, the REPL) so that each reports the same
// mistake in the same words. `field` names the field in the caller's notation ("subject.id",
// "on_behalf_of[2].id", "request.onBehalfOf"). Errors are InvalidArgument of category
// kRequest (ward/errors.h).
//
// An identity id, an action, a resource type or id: not empty.
absl::Status CheckRequestText(absl::string_view field, absl::string_view value);
// A delegation chain: at most kMaxDelegationHops identities.
absl::Status CheckChainLength(absl::string_view field, size_t hops);
// A subject kind by name: user, agent or builder.
absl::StatusOr<SubjectKind> SubjectKindAt(absl::string_view field, absl::string_view name);
// A grant token: not empty, at most kMaxApprovalTokenBytes.
absl::Status CheckApprovalToken(absl::string_view field, absl::string_view token);

// Sets `request->args` and `request->args_json` from a JSON object text (the tool call's
// arguments). Values convert as context entries do; `null` entries are absent. Fails on
// invalid JSON or a value that is not an object (`null` means no arguments).
absl::Status SetArgsJson(absl::string_view json, Request* request,
                         const RequestLimits& limits = {});

// Parses a request in the exchange format of docs/language.md. Errors (invalid JSON, unknown
// fields, wrong types, a missing subject, an unknown subject kind, a chain longer than
// kMaxDelegationHops, an invalid `now`) name the field.
absl::StatusOr<Request> ParseRequestJson(absl::string_view json, const RequestLimits& limits = {});

// Converts a JSON text (of any value) to a Value with the shape rules of context entries:
// strings, integers, booleans, lists of strings and lists of integers map to the language's
// values; other JSON becomes an opaque value; `null` yields nullopt.
absl::StatusOr<std::optional<Value>> ParseJsonValue(absl::string_view json);

}  // namespace ward

#endif  // WARD_REQUEST_H_
