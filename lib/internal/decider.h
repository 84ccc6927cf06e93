// The compiled engine: decides a request with a Program and the entities laid out for it.
//
// It computes exactly the decision of the reference interpreter (interpreter.h), which the
// differential test checks on random policies, but finds each principal's candidate rules
// with a few hash probes of the program's tree instead of scanning every rule, runs their
// conditions as compact code over attribute slots, and writes into a Decision whose storage
// is reused, so that a decision in steady state allocates nothing.

#ifndef WARD_LIB_INTERNAL_DECIDER_H_
#define WARD_LIB_INTERNAL_DECIDER_H_

#include "absl/time/time.h"
#include "lib/internal/entity_layout.h"
#include "lib/internal/program.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward::internal {

// Decides `request` at time `now` into `out`, overwriting its effect, reason, denied_by, rules,
// obligations and errors; fills `trace` when it is not null. With `approvals_satisfied` (an
// accepted grant), require_approval rules that hold are satisfied. The request must be valid
// (request_check.h): at most kMaxDelegationHops identities in its chain.
void DecideCompiled(const Program& program, const EntityLayout& layout, const Request& request,
                    absl::Time now, bool approvals_satisfied, Decision* out, Trace* trace);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_DECIDER_H_
