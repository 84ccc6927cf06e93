// The index builder: the compiler's stage that turns the checked rules' heads (subject kinds
// and selectors, actions, resource types and selectors) into the program's decision tree, so
// that a decision finds a principal's candidate rules with a few hash probes. The tree's
// layout is described in lib/internal/program.h; the decider walks it.

#ifndef WARD_POLICY_LANG_INDEX_BUILDER_H_
#define WARD_POLICY_LANG_INDEX_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lib/internal/ir.h"
#include "lib/internal/program.h"

namespace ward::internal {

class IndexBuilder {
 public:
  // Builds into `program`, whose symbols it extends.
  explicit IndexBuilder(Program* program) : program_(program) {}

  // Files rule `index` (its position in name order) under every key its head selects. Rules
  // are added in index order, so that every rule list comes out sorted.
  void Add(const Rule& rule, uint32_t index);

  // Writes the tree into the program: the rule lists, the exact keys and the selector
  // indexes, in key order (so that the dump and the hash are deterministic).
  void Finish();

 private:
  struct PendingSelector {
    std::map<std::string, std::vector<uint32_t>> prefixes;
    std::vector<std::pair<uint32_t, std::vector<uint32_t>>> patterns;
  };
  struct KeyLess {
    bool operator()(const IndexKey& a, const IndexKey& b) const {
      return std::tie(a.kind_action, a.resource_type, a.subject, a.resource) <
             std::tie(b.kind_action, b.resource_type, b.subject, b.resource);
    }
  };

  Symbol Intern(const std::string& text) { return InternSymbol(program_, text); }
  RuleList AddList(const std::vector<uint32_t>& rules);

  Program* program_;
  std::map<IndexKey, std::vector<uint32_t>, KeyLess> exact_;
  std::map<IndexKey, PendingSelector, KeyLess> selectors_;
};

}  // namespace ward::internal

#endif  // WARD_POLICY_LANG_INDEX_BUILDER_H_
