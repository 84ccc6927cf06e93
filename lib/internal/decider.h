// The compiled engine: decides a request with a Program and the entities laid out for it.
//
// It computes exactly the decision of the reference interpreter (lib/reference/), which the
// differential test checks on random policies, but finds each principal's candidate rules
// with a few hash probes of the program's tree instead of scanning every rule, runs their
// conditions as compact code over attribute slots, and writes into a Decision whose storage
// is reused, so that a decision in steady state allocates nothing.

#ifndef WARD_LIB_INTERNAL_DECIDER_H_
#define WARD_LIB_INTERNAL_DECIDER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "lib/internal/entity_layout.h"
#include "lib/internal/program.h"
#include "lib/internal/residual.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward::internal {

// Decides `request` at time `now` into `out`, overwriting its effect, reason, denied_by, rules,
// obligations and errors; fills `trace` when it is not null. With `approvals_satisfied` (an
// accepted grant), require_approval rules that hold are satisfied. The request must be valid
// (request_check.h): at most kMaxDelegationHops identities in its chain. When `out`'s state
// has a resolution (a RequestBuilder's) and `request` is the one checked into it
// (DecisionState::checked_request), the records it holds are read instead of looking their
// ids up, and what is looked up is remembered in it.
void DecideCompiled(const Program& program, const EntityLayout& layout, const Request& request,
                    absl::Time now, bool approvals_satisfied, Decision* out, Trace* trace);

// What each principal's enforced candidate rules come to when what only a request supplies is
// left open: `context`, `args` and, unless `now_known`, `now`. For "what may this identity do"
// (reach.h): the same candidates, guard and conditions as DecideCompiled, with every condition
// partially evaluated into a residual over the open parts.
struct PartialRule {
  uint32_t rule = 0;  // index in Program::rules
  ResidualTruth truth;
};
struct PartialPrincipal {
  std::optional<Reason> guard;  // set when the lifecycle guard stops the principal
  // Its candidates that may hold (or err), in PartialDecision::rules.
  uint32_t rules_begin = 0;
  uint32_t rules_end = 0;
};
struct PartialDecision {
  std::vector<PartialPrincipal> principals;  // the subject, then the chain nearest first
  std::vector<PartialRule> rules;
  Residuals residuals;
  // Set when a condition's code could not be followed (only a bundle's code verified by
  // another version could do that): the caller must not trust the rest.
  bool malformed = false;
  Decision scratch;  // storage reused from call to call
};

// Partially decides `request` (its args and approval are not read, its context only when
// `context_known`); `now` is the time of the lifecycle guard, and of conditions when
// `now_known`. The request must name a chain of at most kMaxDelegationHops identities.
void DecidePartial(const Program& program, const EntityLayout& layout, const Request& request,
                   absl::Time now, bool now_known, bool context_known, PartialDecision* out);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_DECIDER_H_
