#include "lib/internal/entity_layout.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace ward::internal {
namespace {

// Sets the attribute values of an entity in the order of `declared` (the schema's order,
// which is the slot order): the first `inline_count` in `inline_slots`, the rest in
// `more_slots`.
void LayOutSlots(const AttributeSpecs& declared, const AttributeMap& attrs,
                 AttributeSlot* inline_slots, size_t inline_count,
                 std::vector<AttributeSlot>* more_slots) {
  size_t i = 0;
  for (const auto& [name, spec] : declared) {
    auto it = attrs.find(name);
    const AttributeSlot slot =
        AttributeSlot::Of(it == attrs.end() ? nullptr : &it->second, spec.type);
    if (i < inline_count) {
      inline_slots[i] = slot;
    } else {
      more_slots->push_back(slot);
    }
    ++i;
  }
}

// A shard of records and their extras, which the records point to: shared as the records'
// map (an aliasing pointer), so that the extras live as long as the records do.
template <typename Record, typename Extras>
struct ShardWithExtras {
  typename ShardedMap<Record>::Shard records;
  std::vector<Extras> extras;  // reserved for every record, so never moved once filled
};

// Whether what the records of the identities `before`/`after` owns read of it (their owner's
// standing: existence, kind, status, expiry) differs.
bool OwnerStandingChanged(const Identity* before, const Identity* after) {
  if (before == nullptr || after == nullptr) return before != after;
  return before->kind != after->kind || before->status != after->status ||
         before->expires_at != after->expires_at;
}

template <typename Entity>
const Entity* FindIn(const typename EntityStore::Map<Entity>::Shard* shard, const std::string& id) {
  if (shard == nullptr) return nullptr;
  auto it = shard->find(id);
  return it == shard->end() ? nullptr : &it->second;
}

}  // namespace

AttributeSlot AttributeSlot::Of(const Value* value, Type type) {
  AttributeSlot slot;
  if (value == nullptr) return slot;
  slot.tag_ = kOtherTag;
  if (value->kind() != KindOf(type)) return slot;
  slot.tag_ = static_cast<uint8_t>(value->kind());
  switch (value->kind()) {
    case Value::Kind::kString: {
      const std::string& text = value->string_value();
      if (text.size() <= kInlineText) {
        slot.inline_size_ = static_cast<uint8_t>(text.size());
        std::copy(text.begin(), text.end(), slot.bytes_);
      } else if (text.size() <= std::numeric_limits<uint32_t>::max()) {
        const uint32_t size = static_cast<uint32_t>(text.size());
        std::memcpy(slot.bytes_ + kSizeOffset, &size, sizeof(size));
        slot.SetPayload(text.data());
      } else {
        slot.tag_ = kOtherTag;  // read from the store, as a value of another type is
      }
      break;
    }
    case Value::Kind::kInt:
      slot.SetPayload(value->int_value());
      break;
    case Value::Kind::kBool:
      slot.SetPayload(int64_t{value->bool_value()});
      break;
    case Value::Kind::kTimestamp:
      slot.SetPayload(&value->timestamp_value());
      break;
    case Value::Kind::kStringSet:
      slot.SetPayload(&value->string_set());
      break;
    case Value::Kind::kIntSet:
      slot.SetPayload(&value->int_set());
      break;
    case Value::Kind::kOpaque:
      slot.tag_ = kOtherTag;
      break;
  }
  return slot;
}

bool operator==(const AttributeSlot& a, const AttributeSlot& b) {
  if (a.tag_ != b.tag_) return false;
  if (a.state() != AttributeSlot::State::kTyped) return true;
  switch (a.kind()) {
    case Value::Kind::kString:
      return a.text() == b.text();
    case Value::Kind::kInt:
      return a.integer() == b.integer();
    case Value::Kind::kBool:
      return a.boolean() == b.boolean();
    case Value::Kind::kTimestamp:
      return a.time() == b.time();
    case Value::Kind::kStringSet:
      return *a.strings() == *b.strings();
    case Value::Kind::kIntSet:
      return *a.ints() == *b.ints();
    case Value::Kind::kOpaque:
      break;
  }
  return true;
}

EntityLayout::EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities,
                           const EntityLayout* previous)
    : program_(&program), entities_(std::move(entities)) {
  if (previous != nullptr && previous->program_ != program_) previous = nullptr;
  LayOutIdentities(previous);
  LayOutResources(previous);
}

std::shared_ptr<ShardedMap<IdentityRecord>::Shard> EntityLayout::IdentityShard(
    const StoreShard<Identity>& source) const {
  const Program& program = *program_;
  auto shard = std::make_shared<ShardWithExtras<IdentityRecord, IdentityExtras>>();
  shard->records.reserve(source.size());
  shard->extras.reserve(source.size());
  for (const auto& [id, identity] : source) {
    IdentityExtras& extras = shard->extras.emplace_back();
    IdentityRecord record;
    record.extras = &extras;
    record.kind = identity.kind;
    record.status = identity.status;
    record.has_expiry = identity.expires_at.has_value();
    if (record.has_expiry) record.expires_at = *identity.expires_at;
    extras.identity = &identity;
    record.id_symbol = program.Find(identity.id);
    for (const std::string& group : identity.groups) {
      const Symbol symbol = program.Find(group);
      if (symbol != kNoSymbol) extras.group_symbols.push_back(symbol);
    }
    std::sort(extras.group_symbols.begin(), extras.group_symbols.end());
    record.has_groups = !extras.group_symbols.empty();
    LayOutSlots(program.schema.subject_attributes[static_cast<int>(identity.kind)], identity.attrs,
                record.inline_slots, IdentityRecord::kInlineSlots, &extras.more_slots);
    if (identity.owner.has_value()) {
      if (const Identity* owner = entities_->FindIdentity(*identity.owner)) {
        // Expiry depends on each decision's `now`: it is checked then (IdentityRecord::Owned).
        record.owner_active_user = IsOwnerInGoodStanding(*owner, absl::InfinitePast());
        record.owner_has_expiry = owner->expires_at.has_value();
        if (record.owner_has_expiry) extras.owner_expires_at = *owner->expires_at;
      }
    }
    shard->records.emplace(id, record);
  }
  return std::shared_ptr<ShardedMap<IdentityRecord>::Shard>(shard, &shard->records);
}

void EntityLayout::LayOutIdentities(const EntityLayout* previous) {
  const EntityStore::Map<Identity>& stored = entities_->identities();
  const size_t shards = stored.shard_count();
  identities_.records = ShardedMap<IdentityRecord>::WithShardBits(stored.shard_bits());
  identities_.sources.resize(shards);
  if (previous != nullptr && previous->identities_.sources.size() != shards) previous = nullptr;

  std::vector<bool> rebuild(shards, previous == nullptr);
  if (previous != nullptr) {
    std::vector<size_t> changed;
    for (size_t i = 0; i < shards; ++i) {
      if (previous->identities_.sources[i] != stored.shard(i)) changed.push_back(i);
    }
    // A shard is rebuilt when one of its identities changed, or when the owner of one did in
    // a way its record reads.
    auto owner_changed = [&](const std::string& id, size_t shard) {
      const Identity* before = FindIn<Identity>(previous->identities_.sources[shard], id);
      const Identity* after = FindIn<Identity>(stored.shard(shard), id);
      if (!OwnerStandingChanged(before, after)) return;
      const std::vector<std::string>* owned = entities_->OwnedBy(id);
      if (owned == nullptr) return;
      for (const std::string& owned_id : *owned) {
        rebuild[stored.ShardOf(stored.HashOf(owned_id))] = true;
      }
    };
    for (size_t i : changed) {
      rebuild[i] = true;
      if (const StoreShard<Identity>* before = previous->identities_.sources[i]) {
        for (const auto& [id, identity] : *before) owner_changed(id, i);
      }
      if (const StoreShard<Identity>* after = stored.shard(i)) {
        for (const auto& [id, identity] : *after) {
          // Those in both were handled with the shard before.
          if (FindIn<Identity>(previous->identities_.sources[i], id) == nullptr) {
            owner_changed(id, i);
          }
        }
      }
    }
  }

  for (size_t i = 0; i < shards; ++i) {
    if (!rebuild[i]) {
      identities_.sources[i] = previous->identities_.sources[i];
      identities_.records.SetShard(i, previous->identities_.records.ShareShard(i));
      continue;
    }
    const StoreShard<Identity>* source = stored.shard(i);
    if (source == nullptr) continue;
    identities_.records.SetShard(i, IdentityShard(*source));
    identities_.sources[i] = source;
  }
}

std::shared_ptr<ShardedMap<ResourceRecord>::Shard> EntityLayout::ResourceShard(
    const StoreShard<Resource>& source) const {
  auto shard = std::make_shared<ShardWithExtras<ResourceRecord, ResourceExtras>>();
  shard->records.reserve(source.size());
  shard->extras.reserve(source.size());
  for (const auto& [id, resource] : source) {
    ResourceExtras& extras = shard->extras.emplace_back();
    extras.resource = &resource;
    ResourceRecord record;
    record.extras = &extras;
    record.id_symbol = program_->Find(resource.id);
    auto type = program_->schema.resource_types.find(resource.type);
    if (type != program_->schema.resource_types.end()) {
      record.slot_count = static_cast<uint32_t>(type->second.size());
      LayOutSlots(type->second, resource.attrs, record.inline_slots, ResourceRecord::kInlineSlots,
                  &extras.more_slots);
    }
    shard->records.emplace(id, record);
  }
  return std::shared_ptr<ShardedMap<ResourceRecord>::Shard>(shard, &shard->records);
}

void EntityLayout::LayOutResources(const EntityLayout* previous) {
  for (const auto& [type, stored] : entities_->resources_by_type()) {
    const Mirror<ResourceRecord, Resource>* before = nullptr;
    if (previous != nullptr) {
      auto it = previous->resources_.find(type);
      if (it != previous->resources_.end() && it->second.sources.size() == stored.shard_count()) {
        before = &it->second;
      }
    }
    Mirror<ResourceRecord, Resource>& mirror = resources_[type];
    mirror.records = ShardedMap<ResourceRecord>::WithShardBits(stored.shard_bits());
    mirror.sources.resize(stored.shard_count());
    for (size_t i = 0; i < stored.shard_count(); ++i) {
      if (before != nullptr && before->sources[i] == stored.shard(i)) {
        mirror.sources[i] = before->sources[i];
        mirror.records.SetShard(i, before->records.ShareShard(i));
        continue;
      }
      const StoreShard<Resource>* source = stored.shard(i);
      if (source == nullptr) continue;
      mirror.records.SetShard(i, ResourceShard(*source));
      mirror.sources[i] = source;
    }
  }
  // The resources of each type a rule names, by the type's symbol, so that a decision, which
  // has the symbol, finds them without hashing the type again.
  for (const auto& [type, mirror] : resources_) {
    const Symbol symbol = program_->Find(type);
    if (symbol == kNoSymbol) continue;
    if (by_type_symbol_.size() <= symbol) by_type_symbol_.resize(symbol + 1, nullptr);
    by_type_symbol_[symbol] = &mirror.records;
  }
}

}  // namespace ward::internal
