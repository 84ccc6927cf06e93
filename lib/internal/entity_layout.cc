#include "lib/internal/entity_layout.h"

#include <algorithm>
#include <utility>

namespace ward::internal {
namespace {

// Attribute values in the order of `declared` (the schema's order, which is the slot order).
std::vector<const Value*> Slots(const AttributeTypes& declared, const AttributeMap& attrs) {
  std::vector<const Value*> slots;
  slots.reserve(declared.size());
  for (const auto& [name, type] : declared) {
    auto it = attrs.find(name);
    slots.push_back(it == attrs.end() ? nullptr : &it->second);
  }
  return slots;
}

}  // namespace

EntityLayout::EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities)
    : entities_(std::move(entities)) {
  const Schema& schema = program.schema;
  identities_.reserve(entities_->identity_count());
  identity_index_.reserve(entities_->identity_count());
  for (const auto& [id, identity] : entities_->identities()) {
    IdentityRecord record;
    record.identity = &identity;
    record.id_symbol = program.Find(identity.id);
    for (const std::string& group : identity.groups) {
      const Symbol symbol = program.Find(group);
      if (symbol != kNoSymbol) record.group_symbols.push_back(symbol);
    }
    std::sort(record.group_symbols.begin(), record.group_symbols.end());
    record.slots =
        Slots(schema.subject_attributes[static_cast<int>(identity.kind)], identity.attrs);
    identity_index_.emplace(identity.id, static_cast<uint32_t>(identities_.size()));
    identities_.push_back(std::move(record));
  }
  for (IdentityRecord& record : identities_) {
    if (!record.identity->owner) continue;
    auto owner = identity_index_.find(*record.identity->owner);
    if (owner != identity_index_.end()) record.owner = static_cast<int32_t>(owner->second);
  }

  resources_.reserve(entities_->resource_count());
  resource_index_.reserve(entities_->resource_count());
  for (const auto& [key, resource] : entities_->resources()) {
    ResourceRecord record;
    record.resource = &resource;
    record.id_symbol = program.Find(resource.id);
    auto type = schema.resource_types.find(resource.type);
    if (type != schema.resource_types.end()) record.slots = Slots(type->second, resource.attrs);
    resource_index_.emplace(std::make_pair(absl::string_view(resource.type),
                                           absl::string_view(resource.id)),
                            static_cast<uint32_t>(resources_.size()));
    resources_.push_back(std::move(record));
  }
}

}  // namespace ward::internal
