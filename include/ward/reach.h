// What an identity may do: every action on every resource of the inventory that it can
// reach under the policy, with the effect it gets and, when that effect depends on what only
// a request supplies (`context`, `args`, `now`), the condition under which it gets it.
//
// It is computed by partial evaluation of the compiled policy: for each action and resource,
// the identity's candidate rules are evaluated with everything the inventory knows (subject,
// delegator, resource) substituted and the request's own values left open, so an access that
// depends on them is reported once, with its residual condition, instead of by trying
// requests. For a policy whose conditions read no `context`, `args` or `now`, the result is
// exactly what Engine::Decide gives for every action and stored resource.
//
// Its uses: an identity's blast radius (what a compromised credential reaches, weighted by
// the resources' sensitivity), review of what an agent reaches on behalf of a user, and
// filtering what a gateway offers (an MCP server's tools) to what the caller may use.

#ifndef WARD_REACH_H_
#define WARD_REACH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward {

// One action on one resource that an identity can reach.
struct Access {
  std::string action;
  std::string resource_type;
  std::string resource_id;
  Effect effect = Effect::kAllow;  // kAllow or kNeedsApproval, never kDeny
  // Empty when the effect is had whatever the request says; otherwise the condition on the
  // request (`context`, `args`, `now`) under which it is had, in the policy language. It
  // assumes that the entries it reads are present (a policy that passes `ward check` guards
  // every such read with `has`).
  std::string condition;
  // The permits behind an ALLOW; the require_approval rules behind a NEEDS_APPROVAL (of the
  // first identity of the chain that needs approval). Sorted, each once. With a condition:
  // the rules that may take part.
  std::vector<std::string> rules;
  // The resource's sensitivity (ReachOptions::sensitivity); at least 1.
  int64_t weight = 1;
};

struct ReachOptions {
  // The time of the lifecycle guard (statuses and expiry); the clock when not given.
  std::optional<absl::Time> now;
  // Whether conditions read `now` as that time too. When false, a condition on `now` is left
  // in the access's condition, as the request's time is not known in advance.
  bool fix_now = false;
  // The resource attribute (an int) that gives each resource type's sensitivity: type ->
  // attribute. A resource's weight is 1 + its value (clamped to [0, 1000]; 1 when absent).
  // A type not listed here weighs by its int attribute `sensitivity` when it declares one,
  // else every resource of it weighs 1.
  std::map<std::string, std::string> sensitivity;
  // The request's `context` when it is known in advance (the facts a host asserts about a
  // session, e.g. a gateway listing what a session may use): conditions read it as a decision
  // would, and only `args` (and `now`) stay open. Declared entries must have their declared
  // type. When not given, `context` stays open too.
  std::optional<AttributeMap> context;
};

// A "what may this identity do" query as JSON, the bindings' exchange format:
//   {"subject": {"kind", "id"}, "on_behalf_of": [{"kind", "id"}, ...], "context": {...},
//    "now": "RFC 3339", "fix_now": bool, "sensitivity": {"TYPE": "ATTR", ...}}
// Only `subject` is required. Subjects, chains, context and now are read as in a request
// (ParseRequestJson, with its limits); unknown fields are errors.
struct ReachQuery {
  IdentityRef subject;
  std::vector<IdentityRef> on_behalf_of;
  ReachOptions options;
};
absl::StatusOr<ReachQuery> ParseReachQueryJson(absl::string_view json);

// What one identity, alone or on behalf of a chain, may do.
struct Reach {
  IdentityRef subject;
  std::vector<IdentityRef> on_behalf_of;
  // Set when the lifecycle guard stops the subject or an identity of the chain (unknown,
  // revoked, expired, unowned): it reaches nothing. `stopped_by` names the first such.
  std::optional<Reason> stopped;
  std::optional<IdentityRef> stopped_by;
  // By action, resource type and id; for one resource an ALLOW before a NEEDS_APPROVAL (a
  // resource may have both, under different conditions).
  std::vector<Access> accesses;
  // The number of distinct (action, resource) reached, and the sum of their weights.
  int64_t reached = 0;
  int64_t score = 0;

  // {"subject", "on_behalf_of", "stopped"?, "reached", "score", "accesses": [{"action",
  // "resource": {"type", "id"}, "effect", "condition"?, "rules", "weight"}]}
  std::string ToJson() const;
};

// An identity's blast radius: what it may do alone and, for an agent or a builder, on behalf
// of its owner (the chain it is made to act in); `reached` and `score` count each (action,
// resource) once across them.
struct BlastRadius {
  IdentityRef identity;
  std::vector<Reach> reaches;  // alone, then on behalf of its owner
  int64_t reached = 0;
  int64_t score = 0;

  // {"identity", "reached", "score", "reaches": [...]}
  std::string ToJson() const;
};

}  // namespace ward

#endif  // WARD_REACH_H_
