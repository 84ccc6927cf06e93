// Entities laid out for one Program: each identity and resource with its attributes in the
// program's slot order, its id and groups as the program's symbols, and its owner resolved,
// so that a decision reads attributes by index instead of by name.

#ifndef WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
#define WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/entities.h"
#include "lib/internal/program.h"

namespace ward::internal {

struct IdentityRecord {
  const Identity* identity = nullptr;
  Symbol id_symbol = kNoSymbol;       // kNoSymbol when no rule head names this id
  std::vector<Symbol> group_symbols;  // the groups rule heads name, ascending
  std::vector<const Value*> slots;    // by the kind's attribute slot; null when absent
  int32_t owner = -1;                 // record index of the owner; -1 when none or unknown
};

struct ResourceRecord {
  const Resource* resource = nullptr;
  Symbol id_symbol = kNoSymbol;
  std::vector<const Value*> slots;  // by the resource type's attribute slot
};

class EntityLayout {
 public:
  // Lays out `entities` (kept alive by the layout) for `program`.
  EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities);
  EntityLayout(const EntityLayout&) = delete;
  EntityLayout& operator=(const EntityLayout&) = delete;

  const IdentityRecord* FindIdentity(absl::string_view id) const {
    auto it = identity_index_.find(id);
    return it == identity_index_.end() ? nullptr : &identities_[it->second];
  }
  const IdentityRecord& identity(int32_t index) const { return identities_[index]; }
  const ResourceRecord* FindResource(absl::string_view type, absl::string_view id) const {
    auto it = resource_index_.find(std::make_pair(type, id));
    return it == resource_index_.end() ? nullptr : &resources_[it->second];
  }
  const EntityStore& store() const { return *entities_; }
  const std::shared_ptr<const EntityStore>& shared_store() const { return entities_; }

 private:
  std::shared_ptr<const EntityStore> entities_;
  std::vector<IdentityRecord> identities_;
  absl::flat_hash_map<absl::string_view, uint32_t> identity_index_;
  std::vector<ResourceRecord> resources_;
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, uint32_t> resource_index_;
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
