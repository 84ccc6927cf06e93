// The agentgate workload rendered for Cedar (for bench/cedar/): policies in Cedar's language,
// entities in Cedar's JSON entity format, and requests with the entity slice each needs.
//
// Cedar has neither ward's lifecycle guard nor delegation, so the policies spell both out:
// forbids for an inactive or expired principal and for an unowned agent or builder, and a
// forbid on an agent call unless the user named by `context.on_behalf_of` is active and
// cleared for the tool (the intersection ward computes by deciding that user on its own).
// Cedar cannot read an entity's id as a string, so a dataset carries its id again in `name`
// for the `like` prefix tests.

#ifndef WARD_BENCH_CEDAR_WORKLOAD_H_
#define WARD_BENCH_CEDAR_WORKLOAD_H_

#include <string>

#include "bench/workload.h"

namespace ward::bench {

// Every policy, as one Cedar policy-set text.
std::string CedarPolicyText(const Workload& workload);
// The number of policies CedarPolicyText writes.
size_t CedarPolicyCount(const Workload& workload);

// Every entity, as a JSON array in Cedar's entity format, one entity per line.
std::string CedarEntitiesJson(const Workload& workload);

// One request as a JSON object: `principal`, `action`, `resource` (entity uids), `context`,
// and `slice`, the uids of the entities the decision reads: the subject, its owner, the
// resource and the user acted for (each once).
std::string CedarRequestJson(const Workload& workload, const WorkloadRequest& request);

}  // namespace ward::bench

#endif  // WARD_BENCH_CEDAR_WORKLOAD_H_
