#include "lib/internal/entity_layout.h"

#include <algorithm>
#include <utility>

namespace ward::internal {
namespace {

// Attribute values in the order of `declared` (the schema's order, which is the slot order).
Slots SlotsOf(const AttributeSpecs& declared, const AttributeMap& attrs) {
  Slots slots;
  slots.reserve(declared.size());
  for (const auto& [name, type] : declared) {
    auto it = attrs.find(name);
    if (it == attrs.end()) {
      slots.emplace_back();
    } else {
      slots.emplace_back(it->second);
    }
  }
  return slots;
}

}  // namespace

EntityLayout::EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities)
    : entities_(std::move(entities)) {
  const Schema& schema = program.schema;
  identities_.reserve(entities_->identity_count());
  for (const auto& [id, identity] : entities_->identities()) {
    IdentityRecord record;
    record.kind = identity.kind;
    record.status = identity.status;
    record.has_expiry = identity.expires_at.has_value();
    if (record.has_expiry) record.expires_at = *identity.expires_at;
    record.identity = &identity;
    record.id_symbol = program.Find(identity.id);
    for (const std::string& group : identity.groups) {
      const Symbol symbol = program.Find(group);
      if (symbol != kNoSymbol) record.group_symbols.push_back(symbol);
    }
    std::sort(record.group_symbols.begin(), record.group_symbols.end());
    record.slots =
        SlotsOf(schema.subject_attributes[static_cast<int>(identity.kind)], identity.attrs);
    identities_.emplace(identity.id, std::move(record));
  }
  for (auto& [id, record] : identities_) {
    if (!record.identity->owner) continue;
    auto it = identities_.find(*record.identity->owner);
    if (it == identities_.end()) continue;
    const IdentityRecord& owner = it->second;
    // Expiry depends on each decision's `now`: it is checked then (IdentityRecord::Owned).
    record.owner_active_user = IsOwnerInGoodStanding(*owner.identity, absl::InfinitePast());
    record.owner_has_expiry = owner.has_expiry;
    record.owner_expires_at = owner.expires_at;
  }

  for (const auto& [key, resource] : entities_->resources()) {
    ResourceRecord record;
    record.id_symbol = program.Find(resource.id);
    auto type = schema.resource_types.find(resource.type);
    if (type != schema.resource_types.end()) record.slots = SlotsOf(type->second, resource.attrs);
    resources_[resource.type].emplace(resource.id, std::move(record));
  }
  // The resources of each type a rule names, by the type's symbol, so that a decision, which
  // has the symbol, finds them without hashing the type again.
  for (const auto& [type, of_type] : resources_) {
    const Symbol symbol = program.Find(type);
    if (symbol == kNoSymbol) continue;
    if (by_type_symbol_.size() <= symbol) by_type_symbol_.resize(symbol + 1, nullptr);
    by_type_symbol_[symbol] = &of_type;
  }
}

}  // namespace ward::internal
