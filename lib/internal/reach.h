// "What may this identity do" over a compiled policy and the entities laid out for it: the
// enumeration of actions and resources and the combination of each one's partial decision
// (decider.h, DecidePartial) into accesses with residual conditions. Engine::Reach and
// Engine::BlastRadius call it on one snapshot.

#ifndef WARD_LIB_INTERNAL_REACH_H_
#define WARD_LIB_INTERNAL_REACH_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/internal/entity_layout.h"
#include "lib/internal/program.h"
#include "ward/reach.h"
#include "ward/request.h"

namespace ward::internal {

// What `subject` may do on behalf of `chain` (nearest first; empty: alone). Fails on a chain
// longer than kMaxDelegationHops, an empty id, a sensitivity option naming an undeclared type
// or an attribute that is not a declared int, and (fail closed) code it cannot follow.
absl::StatusOr<Reach> ComputeReach(const Program& program, const EntityLayout& layout,
                                   const IdentityRef& subject,
                                   const std::vector<IdentityRef>& chain,
                                   const ReachOptions& options);

// The blast radius of the identity `id` (BlastRadius in ward/reach.h). NotFound for an id the
// inventory does not have.
absl::StatusOr<BlastRadius> ComputeBlastRadius(const Program& program, const EntityLayout& layout,
                                               absl::string_view id, const ReachOptions& options);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_REACH_H_
