// Conversions between JavaScript values and the C++ API's types for the Node binding.
//
// engine.decide() takes the request as a JavaScript object; index.js checks its shape and
// flattens it, and RequestFromArgs converts the pieces (no JSON round trip), so that a
// decision costs little more than the C++ call. The rules follow the request exchange format
// that ParseRequestJson reads, with JavaScript names: `onBehalfOf` for `on_behalf_of`, and
// `now` may be a Date. Values with no counterpart in the language (a fraction, an object, a
// mixed list) are converted by ward::ParseJsonValue from their JSON text, exactly as in a
// JSON request.

#ifndef WARD_BINDINGS_NODE_SRC_CONVERT_H_
#define WARD_BINDINGS_NODE_SRC_CONVERT_H_

#include <napi.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ward/decision.h"
#include "ward/errors.h"
#include "ward/request.h"
#include "ward/request_builder.h"

namespace ward::node {

// The `code` property of errors the addon throws, which bindings/node/index.js maps to its
// error classes: "WARD_" and the library's error category name in upper case (WARD_POLICY,
// WARD_ENTITIES, WARD_REQUEST, ...; ward/errors.h), and WARD_CLOSED for a closed engine.
std::string ErrorCode(ErrorCategory category);
inline constexpr char kClosedErrorCode[] = "WARD_CLOSED";

// Throws a JavaScript Error with `code` set (as a Napi::Error C++ exception).
[[noreturn]] void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message);
[[noreturn]] inline void ThrowCoded(Napi::Env env, ErrorCategory category,
                                    const std::string& message) {
  ThrowCoded(env, ErrorCode(category), message);
}
// Throws the error of a failed library call: its category's code (`fallback` when the library
// left it uncategorised) and its message after `prefix`.
[[noreturn]] void ThrowStatus(Napi::Env env, const absl::Status& status, ErrorCategory fallback,
                              absl::string_view prefix = "");

// The request in the flat form index.js passes (it has checked the JavaScript shape, the
// field names and the types of the fixed fields, and flattened the rest):
//
//   args[first + 0..4]  subject kind, subject id, action, resource type, resource id (strings)
//   args[first + 5]     resource attributes as [name, value, name, value, ...] or undefined
//   args[first + 6]     context, likewise
//   args[first + 7]     the chain as [kind, id, kind, id, ...] or undefined
//   args[first + 8]     now: an RFC 3339 string, a Date, or undefined
//   args[first + 9]     args: the tool call's arguments as the text of one JSON object (index.js
//                       writes it strictly), or undefined; set with ward::SetArgsJson, so the
//                       approval digest hashes exactly that object
//   args[first + 10]    approval: a grant token (string), or undefined
//
// Throws a TypeError when an argument is not of that form, and an Error with code
// kRequestErrorCode when a value is invalid (an unknown kind, a chain longer than
// kMaxDelegationHops, an invalid `now`, an integer outside 64 bits, args that are not a JSON
// object, a grant token longer than kMaxApprovalTokenBytes).
//
// Into a builder, the ids go through its setters, so that what it found for an id that did
// not change since the request before stays good (ward/request_builder.h); the rest is
// written in place.
void RequestFromArgs(const Napi::CallbackInfo& info, size_t first, RequestBuilder* out);
void RequestFromArgs(const Napi::CallbackInfo& info, size_t first, Request* out);

// Per-environment state of the addon.
struct AddonData {
  // index.js's function that builds a Decision from the arguments DecisionToJs passes.
  Napi::FunctionReference decision_factory;
};

// The decision as index.js's Decision object, made by one call of the factory it registered,
// with these arguments (numbers index the name tables NameTables() exports):
//
//   effect, reason, deniedBy kind or -1, deniedBy id or null, policy hash or null,
//   the number of rules, the rules...,
//   -1 when there are no obligations, else: the number of redactions, (pattern,
//   replacement)..., the number of limits, (name, limit)..., the log level;
//   the number of errors, (rule, principal kind, principal id, message)...;
//   the approval digest or null, approvedBy kind or -1, approvedBy id or null
//
// Values are created with Node-API calls that cost little and the object is built in
// JavaScript, which V8 compiles: setting each element or property through Node-API would
// cost several times more.
Napi::Value DecisionToJs(Napi::Env env, const Decision& decision);

// {effects, reasons, logLevels, kinds}: the names of the enums, indexed by their values,
// taken from the library (EffectName, ReasonName, ...): the binding's only name tables.
Napi::Object NameTables(Napi::Env env);

// The trace as an array of principals (see index.d.ts, TracePrincipal).
Napi::Array TraceToJs(Napi::Env env, const Trace& trace);

}  // namespace ward::node

#endif  // WARD_BINDINGS_NODE_SRC_CONVERT_H_
