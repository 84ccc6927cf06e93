// The reference interpreter: decides a request by walking the checked rules directly.
//
// It implements the decision contract (docs/semantics.md) in the plainest way: every
// principal, every rule's head, every candidate's conditions. It is the engine of record and
// the oracle that faster engines are tested against. It is a library of its own
// (ward_reference), which the runtime does not link: the command-line tool's REPL (why-not)
// and the tests do.

#ifndef WARD_LIB_REFERENCE_INTERPRETER_H_
#define WARD_LIB_REFERENCE_INTERPRETER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lib/internal/ir.h"
#include "ward/decision.h"
#include "ward/entities.h"
#include "ward/request.h"

namespace ward::internal {

// Decides `request` at time `now` (the request's own `now` is ignored here). `trace` may be
// null. An invalid request (see InvalidRequestReason) is decided invalid_request. With
// `approvals_satisfied` (an accepted grant), require_approval rules that hold are satisfied.
// The approval digest and grants are not this function's: see lib/internal/grants.h.
Decision Interpret(const PolicyIr& policy, const EntityStore& entities, const Request& request,
                   absl::Time now, Trace* trace, bool approvals_satisfied = false);

// Why `request` is invalid_request under `policy` and `entities`, or nullopt. Written
// independently of the compiled engine's check (request_check.h), as the oracle.
std::optional<std::string> InvalidRequestReason(const PolicyIr& policy, const EntityStore& entities,
                                                const Request& request);

// Why one rule did or did not hold for one principal of a request.
struct RuleReport {
  IdentityRef principal;
  std::string role;             // "subject" or "on_behalf_of[N]"
  std::optional<Reason> guard;  // set when the guard stopped the principal before any rule
  // One line per part of the head that does not match the request; empty when it matches.
  std::vector<std::string> head_mismatches;
  // Set when the head matches: the rule's outcome, and one line per evaluated part of its
  // conditions with its value (nested parts indented), e.g.
  //   when subject.clearance >= resource.min_clearance: false
  //     subject.clearance: 1
  //     resource.min_clearance: 2
  TraceRule::Outcome outcome = TraceRule::Outcome::kDoesNotHold;
  std::vector<std::string> conditions;
};

// Explains `rule` for every principal of `request` at time `now` (for the REPL's `:whynot`).
std::vector<RuleReport> ExplainRule(const PolicyIr& policy, const EntityStore& entities,
                                    const Request& request, absl::Time now, const Rule& rule);

}  // namespace ward::internal

#endif  // WARD_LIB_REFERENCE_INTERPRETER_H_
