// The reference interpreter: decides a request by walking the checked rules directly.
//
// It implements the decision contract (docs/semantics.md) in the plainest way: every
// principal, every rule's head, every candidate's conditions. It is the engine of record and
// the oracle that faster engines are tested against.

#ifndef WARD_LIB_INTERNAL_INTERPRETER_H_
#define WARD_LIB_INTERNAL_INTERPRETER_H_

#include "absl/time/time.h"
#include "lib/decision.h"
#include "lib/entities.h"
#include "lib/internal/ir.h"
#include "lib/request.h"

namespace ward::internal {

// Decides `request` at time `now` (the request's own `now` is ignored here). `trace` may be
// null. The request must be valid: a chain of at most kMaxDelegationHops.
Decision Interpret(const PolicyIr& policy, const EntityStore& entities, const Request& request,
                   absl::Time now, Trace* trace);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_INTERPRETER_H_
