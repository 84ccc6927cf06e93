// Entities laid out for one Program: each identity and resource with what a decision reads
// of it in one place — kind, status, expiry, resolved owner, attribute values in the
// program's slot order, id and groups as the program's symbols — so that a decision reads
// attributes by index, and touches few cache lines, instead of walking maps by name.
//
// A layout is sharded as its store is (shard i of the records holds the entities of the
// store's shard i), so that the layout of an edited store shares every shard the edit did
// not touch with the layout before it: an entity update costs a few shards, not the store.

#ifndef WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
#define WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/internal/program.h"
#include "ward/entities.h"
#include "ward/internal/sharded_map.h"

namespace ward::internal {

// The kind of the values of `type`: the kinds are numbered as the types are.
inline Value::Kind KindOf(Type type) { return static_cast<Value::Kind>(type); }
static_assert(static_cast<int>(Value::Kind::kString) == static_cast<int>(Type::kString) &&
                  static_cast<int>(Value::Kind::kInt) == static_cast<int>(Type::kInt) &&
                  static_cast<int>(Value::Kind::kBool) == static_cast<int>(Type::kBool) &&
                  static_cast<int>(Value::Kind::kTimestamp) == static_cast<int>(Type::kTimestamp) &&
                  static_cast<int>(Value::Kind::kStringSet) == static_cast<int>(Type::kStringSet) &&
                  static_cast<int>(Value::Kind::kIntSet) == static_cast<int>(Type::kIntSet),
              "KindOf maps each type to the kind of the same number");

// An attribute value as a record keeps it: in 16 bytes, so that a record's guard and the
// values a condition reads of it fit one cache line. Ints and bools are held inline, a string
// inline when it has at most kInlineText bytes and else as a view of the store's, a time and
// a set as a pointer to the store's. A value that is not of its declared type, or is opaque
// (neither of which a store validated against the schema holds), is `kOther`: a read then
// takes the stored value by name and converts it as it converts request values.
class alignas(8) AttributeSlot {
 public:
  enum class State : uint8_t { kAbsent, kTyped, kOther };
  static constexpr size_t kInlineText = 14;

  AttributeSlot() = default;
  // The slot of `value` (kept alive by the caller while the slot is used) declared as `type`;
  // of no value (kAbsent) when `value` is null.
  static AttributeSlot Of(const Value* value, Type type);

  State state() const {
    return tag_ == kAbsentTag ? State::kAbsent : tag_ == kOtherTag ? State::kOther : State::kTyped;
  }
  // Whether the slot holds a value of `type` in typed form: one test on the read path.
  bool TypedAs(Type type) const { return tag_ == static_cast<uint8_t>(type); }
  // Of a kTyped slot: the kind of its value, which is that of its declared type.
  Value::Kind kind() const { return static_cast<Value::Kind>(tag_); }
  absl::string_view text() const {
    if (inline_size_ != kExternal) return absl::string_view(bytes_, inline_size_);
    uint32_t size;
    std::memcpy(&size, bytes_ + kSizeOffset, sizeof(size));
    return absl::string_view(Pointer<char>(), size);
  }
  int64_t integer() const {
    int64_t value;
    std::memcpy(&value, bytes_ + kPayloadOffset, sizeof(value));
    return value;
  }
  bool boolean() const { return integer() != 0; }
  absl::Time time() const { return *Pointer<absl::Time>(); }
  const std::vector<std::string>* strings() const { return Pointer<std::vector<std::string>>(); }
  const std::vector<int64_t>* ints() const { return Pointer<std::vector<int64_t>>(); }

  // The same state and, when typed, the same value.
  friend bool operator==(const AttributeSlot& a, const AttributeSlot& b);

 private:
  static constexpr uint8_t kExternal = 0xff;  // inline_size_ of a string viewed in the store
  // tag_ of an absent and of a kOther slot; a typed slot's is its kind.
  static constexpr uint8_t kAbsentTag = 0xfe;
  static constexpr uint8_t kOtherTag = 0xff;
  // Where in bytes_ a viewed string's size (4 bytes) and the payload (an int64 or a pointer,
  // 8 bytes, at offset 8 of the slot) are; an inline string takes all of bytes_.
  static constexpr size_t kSizeOffset = 2;
  static constexpr size_t kPayloadOffset = 6;

  template <typename T>
  const T* Pointer() const {
    const T* pointer;
    std::memcpy(&pointer, bytes_ + kPayloadOffset, sizeof(pointer));
    return pointer;
  }
  template <typename T>
  void SetPayload(T payload) {
    static_assert(sizeof(T) == 8, "a payload is 8 bytes");
    std::memcpy(bytes_ + kPayloadOffset, &payload, sizeof(payload));
  }

  uint8_t tag_ = kAbsentTag;
  uint8_t inline_size_ = kExternal;
  char bytes_[kInlineText] = {};
};
static_assert(sizeof(AttributeSlot) == 16, "an attribute slot is 16 bytes");

// What a decision rarely reads of an identity: kept beside its record, in its shard.
struct IdentityExtras {
  const Identity* identity = nullptr;  // the rest (id, groups, owner), in the store's shard
  absl::Time owner_expires_at;
  std::vector<Symbol> group_symbols;      // the groups rule heads name, ascending
  std::vector<AttributeSlot> more_slots;  // the slots from IdentityRecord::kInlineSlots on
};

// One cache line: what every decision reads of an identity — the guard's fields, the id's
// symbol and the first attribute values — so that a decision through a RequestBuilder, which
// does not look the id up, reads one line of each identity. The rest is in `extras`. (Lines
// are aligned, so a map slot is the key's line, then the record's: a lookup reads both.)
struct alignas(64) IdentityRecord {
  static constexpr int32_t kInlineSlots = 2;

  IdentityRecord()
      : has_expiry(false), owner_active_user(false), owner_has_expiry(false), has_groups(false) {}

  Symbol id_symbol = kNoSymbol;  // kNoSymbol when no rule head names this id
  SubjectKind kind = SubjectKind::kUser;
  IdentityStatus status = IdentityStatus::kActive;
  bool has_expiry : 1;
  // The owner's part of the guard, resolved when the record is built (and rebuilt when the
  // owner's kind, status or expiry changes): whether the owner is a known, active user, and
  // whether it expires (extras->owner_expires_at).
  bool owner_active_user : 1;
  bool owner_has_expiry : 1;
  bool has_groups : 1;  // whether extras->group_symbols has any
  absl::Time expires_at;
  AttributeSlot inline_slots[kInlineSlots];
  const IdentityExtras* extras = nullptr;

  // The value of the kind's attribute `slot` (less than the kind's attribute count).
  const AttributeSlot& slot(int32_t slot) const {
    return slot < kInlineSlots ? inline_slots[slot] : extras->more_slots[slot - kInlineSlots];
  }
  const Identity& identity() const { return *extras->identity; }
  absl::Span<const Symbol> group_symbols() const {
    return has_groups ? absl::Span<const Symbol>(extras->group_symbols)
                      : absl::Span<const Symbol>();
  }
  bool Expired(absl::Time now) const { return has_expiry && expires_at <= now; }
  // An agent or builder is owned by a known, active user that has not expired.
  bool Owned(absl::Time now) const {
    return owner_active_user && !(owner_has_expiry && extras->owner_expires_at <= now);
  }
};
static_assert(sizeof(IdentityRecord) == 64, "an identity record is one cache line");

struct ResourceExtras {
  const Resource* resource = nullptr;     // the rest, in the store's shard
  std::vector<AttributeSlot> more_slots;  // the slots from ResourceRecord::kInlineSlots on
};

// One cache line, as an IdentityRecord.
struct alignas(64) ResourceRecord {
  static constexpr int32_t kInlineSlots = 3;

  Symbol id_symbol = kNoSymbol;
  uint32_t slot_count = 0;  // the resource type's attribute count
  AttributeSlot inline_slots[kInlineSlots];
  const ResourceExtras* extras = nullptr;

  // The value of the type's attribute `slot` (less than slot_count).
  const AttributeSlot& slot(int32_t slot) const {
    return slot < kInlineSlots ? inline_slots[slot] : extras->more_slots[slot - kInlineSlots];
  }
  const Resource& resource() const { return *extras->resource; }
};
static_assert(sizeof(ResourceRecord) == 64, "a resource record is one cache line");

class EntityLayout {
 public:
  // Lays out `entities` (kept alive by the layout) for `program`. `previous`, when given, is
  // a layout for the same program of an earlier version of the store (a copy of it, edited):
  // the shards whose entities did not change, and whose owners' standing did not, are shared
  // with it instead of built again.
  EntityLayout(const Program& program, std::shared_ptr<const EntityStore> entities,
               const EntityLayout* previous = nullptr);
  EntityLayout(const EntityLayout&) = delete;
  EntityLayout& operator=(const EntityLayout&) = delete;

  // Starts loading the map slots a later Find will read, so that the lookups of one request
  // (subject, chain, resource) overlap their cache misses instead of taking them in turn.
  // Returns the id's hash, for FindIdentity.
  size_t PrefetchIdentity(absl::string_view id) const { return identities_.records.Prefetch(id); }
  // The resources of one type, or null when there are none: look the type up once, then
  // prefetch and find ids in it. Iterates as (id, record) pairs.
  using ResourcesOfType = ShardedMap<ResourceRecord>;
  const ResourcesOfType* ResourcesOf(absl::string_view type) const {
    auto by_type = resources_.find(type);
    return by_type == resources_.end() ? nullptr : &by_type->second.records;
  }
  // The same by the type's symbol in the program; null for kNoSymbol.
  const ResourcesOfType* ResourcesOf(Symbol type) const {
    return type < by_type_symbol_.size() ? by_type_symbol_[type] : nullptr;
  }
  // Returns the id's hash, for FindResource.
  static size_t PrefetchResource(const ResourcesOfType* of_type, absl::string_view id) {
    return of_type != nullptr ? of_type->Prefetch(id) : 0;
  }
  static const ResourceRecord* FindResource(const ResourcesOfType* of_type, absl::string_view id) {
    return of_type == nullptr ? nullptr : of_type->Find(id);
  }
  static const ResourceRecord* FindResource(const ResourcesOfType* of_type, absl::string_view id,
                                            size_t hash) {
    return of_type == nullptr ? nullptr : of_type->Find(id, hash);
  }
  const ResourceRecord* FindResource(absl::string_view type, absl::string_view id) const {
    return FindResource(ResourcesOf(type), id);
  }

  const IdentityRecord* FindIdentity(absl::string_view id) const {
    return identities_.records.Find(id);
  }
  const IdentityRecord* FindIdentity(absl::string_view id, size_t hash) const {
    return identities_.records.Find(id, hash);
  }
  const EntityStore& store() const { return *entities_; }
  const std::shared_ptr<const EntityStore>& shared_store() const { return entities_; }

 private:
  template <typename Entity>
  using StoreShard = typename EntityStore::Map<Entity>::Shard;

  // Records shard by shard, with the store's shard each was built from: its records point
  // into it (entities_ keeps it alive), and a layout of a later store rebuilds the shard only
  // when the store's shard is another. (While this layout lives, its store's shards do, so no
  // other shard can have the address of one of them.)
  template <typename Record, typename Entity>
  struct Mirror {
    ShardedMap<Record> records;
    std::vector<const StoreShard<Entity>*> sources;
  };

  void LayOutIdentities(const EntityLayout* previous);
  void LayOutResources(const EntityLayout* previous);
  std::shared_ptr<ShardedMap<IdentityRecord>::Shard> IdentityShard(
      const StoreShard<Identity>& source) const;
  std::shared_ptr<ShardedMap<ResourceRecord>::Shard> ResourceShard(
      const StoreShard<Resource>& source) const;

  const Program* program_;
  std::shared_ptr<const EntityStore> entities_;
  // Records live in the maps' own slots (keyed by copies of the ids, so that a lookup reads
  // one place); a shard is not changed once built, so pointers to records hold.
  Mirror<IdentityRecord, Identity> identities_;
  absl::flat_hash_map<std::string, Mirror<ResourceRecord, Resource>> resources_;
  std::vector<const ResourcesOfType*> by_type_symbol_;  // derived from resources_
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_ENTITY_LAYOUT_H_
