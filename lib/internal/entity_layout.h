// Entities laid out for one Program: each identity and resource with what a decision reads
// of it in one place — kind, status, expiry, resolved owner, attribute values in the
// program's slot order, id and groups as the program's symbols — so that a decision reads
// attributes by index, and touches few cache lines, instead of walking maps by name.

#ifndef WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
#define WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/internal/program.h"
#include "ward/entities.h"

namespace ward::internal {

// Attribute values by slot, kept inside the record for the usual few attributes.
using Slots = absl::InlinedVector<std::optional<Value>, 3>;

struct IdentityRecord {
  SubjectKind kind = SubjectKind::kUser;
  IdentityStatus status = IdentityStatus::kActive;
  bool has_expiry = false;
  // The owner's part of the guard, resolved when the layout is built (the layout is rebuilt
  // on every entity change): whether the owner is a known, active user, and when it expires.
  bool owner_active_user = false;
  bool owner_has_expiry = false;
  absl::Time expires_at;
  absl::Time owner_expires_at;
  Symbol id_symbol = kNoSymbol;        // kNoSymbol when no rule head names this id
  std::vector<Symbol> group_symbols;   // the groups rule heads name, ascending
  Slots slots;                         // by the kind's attribute slot
  const Identity* identity = nullptr;  // the rest (id, groups, owner) as stored

  bool Expired(absl::Time now) const { return has_expiry && expires_at <= now; }
  // An agent or builder is owned by a known, active user that has not expired.
  bool Owned(absl::Time now) const {
    return owner_active_user && !(owner_has_expiry && owner_expires_at <= now);
  }
};

struct ResourceRecord {
  Symbol id_symbol = kNoSymbol;
  Slots slots;  // by the resource type's attribute slot
};

class EntityLayout {
 public:
  // Lays out `entities` (kept alive by the layout) for `program`.
  EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities);
  EntityLayout(const EntityLayout&) = delete;
  EntityLayout& operator=(const EntityLayout&) = delete;

  // Starts loading the map slots a later Find will read, so that the lookups of one request
  // (subject, chain, resource) overlap their cache misses instead of taking them in turn.
  void PrefetchIdentity(absl::string_view id) const { identities_.prefetch(id); }
  // The resources of one type, or null when there are none: look the type up once, then
  // prefetch and find ids in it.
  using ResourcesOfType = absl::flat_hash_map<std::string, ResourceRecord>;
  const ResourcesOfType* ResourcesOf(absl::string_view type) const {
    auto by_type = resources_.find(type);
    return by_type == resources_.end() ? nullptr : &by_type->second;
  }
  // The same by the type's symbol in the program; null for kNoSymbol.
  const ResourcesOfType* ResourcesOf(Symbol type) const {
    return type < by_type_symbol_.size() ? by_type_symbol_[type] : nullptr;
  }
  static void PrefetchResource(const ResourcesOfType* of_type, absl::string_view id) {
    if (of_type != nullptr) of_type->prefetch(id);
  }
  static const ResourceRecord* FindResource(const ResourcesOfType* of_type, absl::string_view id) {
    if (of_type == nullptr) return nullptr;
    auto it = of_type->find(id);
    return it == of_type->end() ? nullptr : &it->second;
  }
  const ResourceRecord* FindResource(absl::string_view type, absl::string_view id) const {
    return FindResource(ResourcesOf(type), id);
  }

  const IdentityRecord* FindIdentity(absl::string_view id) const {
    auto it = identities_.find(id);
    return it == identities_.end() ? nullptr : &it->second;
  }
  const EntityStore& store() const { return *entities_; }
  const std::shared_ptr<const EntityStore>& shared_store() const { return entities_; }

 private:
  std::shared_ptr<const EntityStore> entities_;
  // Records live in the maps' own slots (keyed by copies of the ids, so that a lookup reads
  // one place); the maps are not changed after construction, so pointers to records hold.
  absl::flat_hash_map<std::string, IdentityRecord> identities_;
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, ResourceRecord>> resources_;
  std::vector<const ResourcesOfType*> by_type_symbol_;  // derived from resources_
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
