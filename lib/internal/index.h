// The decision tree at run time (built by policy_lang/index_builder.cc, laid out in
// program.h): a principal's candidate rules for one request, found with a few hash probes of
// (kind, action, resource type, subject selector, resource id) keys and the `under` and
// `matching` selector indexes, never by scanning the rules.

#ifndef WARD_LIB_INTERNAL_INDEX_H_
#define WARD_LIB_INTERNAL_INDEX_H_

#include <cstdint>
#include <vector>

#include "lib/internal/entity_layout.h"
#include "lib/internal/program.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward::internal {

// What the walk needs of one request: its action, resource type and resource id as the
// program's symbols (kNoSymbol where no rule names them), and the request itself, for the
// resource id that selectors match and the text of traces.
struct IndexQuery {
  const Request* request = nullptr;
  Symbol action = kNoSymbol;
  Symbol resource_type = kNoSymbol;
  Symbol resource = kNoSymbol;
};

// Sets `candidates` to the rules (indices, so in name order, each once) under every key the
// principal of `record` and the request match. With `trace`, also records the keys walked and
// what each gave, for Engine::Explain.
void FindCandidates(const Program& program, const IndexQuery& query, const IdentityRecord& record,
                    std::vector<uint32_t>* candidates, TracePrincipal* trace);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_INDEX_H_
