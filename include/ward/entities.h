// The entity store: the inventory of identities (users, agents, builders) and resources that
// decisions read. It is loaded from JSON, validated against a policy's schema, and edited by
// upserts, revocations and removals.

#ifndef WARD_ENTITIES_H_
#define WARD_ENTITIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/internal/sharded_map.h"
#include "ward/request.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward {

enum class IdentityStatus : uint8_t { kActive, kSuspended, kRevoked, kExpired };

// "active", "suspended", "revoked", "expired".
absl::string_view IdentityStatusName(IdentityStatus status);
std::optional<IdentityStatus> ParseIdentityStatus(absl::string_view name);

struct Identity {
  SubjectKind kind = SubjectKind::kUser;
  std::string id;
  std::optional<std::string> owner;
  IdentityStatus status = IdentityStatus::kActive;
  std::optional<absl::Time> expires_at;
  std::vector<std::string> groups;  // sorted, without duplicates
  AttributeMap attrs;               // schema-declared attributes only, converted to their type
};

struct Resource {
  std::string type;
  std::string id;
  AttributeMap attrs;  // schema-declared attributes only, converted to their type
};

// Whether `owner` may own agents and builders at `now`: a user (a person accountable for
// them) whose status is active and who has not expired. The lifecycle guard denies an agent or
// builder whose owner is anything else (`unowned`); decommissioning and `ward inventory` ask
// the same question.
bool IsOwnerInGoodStanding(const Identity& owner, absl::Time now);

// What retiring an identity did to the inventory.
struct Decommissioning {
  IdentityRef identity;  // the identity revoked
  // The agents and builders, not revoked already, whose owner it was while it was an owner in
  // good standing (an active, unexpired user): from now on each is `unowned`, and so denied
  // on every decision until it gets a new owner. Sorted by (kind, id).
  std::vector<IdentityRef> became_unowned;
  // Every identity this revoked: `identity` first, then (with cascade) `became_unowned`.
  std::vector<IdentityRef> revoked;
};

// Limits on entity files; exceeding one is a load error that names the limit.
struct EntityLimits {
  size_t max_file_bytes = size_t{256} << 20;
  size_t max_json_depth = 64;
};

// Copying a store is cheap and edits after a copy cost about as much as copying one identity or
// resource per ~64 stored: copies share everything neither has changed. A store is not
// synchronised: one writer, or any number of readers.
class EntityStore {
 public:
  template <typename V>
  using Map = internal::ShardedMap<V>;

  EntityStore() = default;

  // Parses an entity file (`{"identities": [...], "resources": [...]}`) and validates it
  // against `schema`: a wrong type, a missing or invalid status, an unknown resource type, a
  // duplicate id or an unknown field is an error naming the entity. Attributes the schema does
  // not declare are dropped; each is described in `warnings` when it is not null.
  static absl::StatusOr<EntityStore> FromJson(absl::string_view json, const Schema& schema,
                                              std::vector<std::string>* warnings = nullptr,
                                              const EntityLimits& limits = {});

  // Reads and parses the entity file at `path` (`-` reads standard input), as FromJson.
  // Errors: kIo (the file cannot be read or is over `limits.max_file_bytes`) or kEntity
  // ("PATH: what is wrong"); see ward/errors.h.
  static absl::StatusOr<EntityStore> FromFile(const std::string& path, const Schema& schema,
                                              std::vector<std::string>* warnings = nullptr,
                                              const EntityLimits& limits = {});

  // Parses one identity or resource object in the entity file's format.
  static absl::StatusOr<Identity> IdentityFromJson(absl::string_view json, const Schema& schema,
                                                   std::vector<std::string>* warnings = nullptr);
  static absl::StatusOr<Resource> ResourceFromJson(absl::string_view json, const Schema& schema,
                                                   std::vector<std::string>* warnings = nullptr);

  // Checks that every stored attribute has the type `schema` declares for it and that every
  // resource type is declared; used before a new policy is put in front of this store.
  absl::Status ValidateAgainst(const Schema& schema) const;

  // Identity ids are unique across kinds.
  const Identity* FindIdentity(absl::string_view id) const;
  const Resource* FindResource(absl::string_view type, absl::string_view id) const;

  // Inserts or replaces (by id) an identity or a resource.
  void UpsertIdentity(Identity identity);
  void UpsertResource(Resource resource);
  // Sets the identity's status to revoked. NotFound when there is no such identity.
  absl::Status RevokeIdentity(absl::string_view id);
  // Revokes identity `id` and reports what that leaves without an owner (see
  // Decommissioning); with `cascade`, revokes those too. `now` decides whether an owner was in
  // good standing (unexpired) before. NotFound when there is no such identity; then nothing
  // changes.
  absl::StatusOr<Decommissioning> Decommission(absl::string_view id, bool cascade, absl::Time now);
  // NotFound when there is no such entity.
  absl::Status RemoveIdentity(absl::string_view id);
  absl::Status RemoveResource(absl::string_view type, absl::string_view id);

  size_t identity_count() const { return identities_.size(); }
  size_t resource_count() const { return resource_count_; }

  // The ids of the identities that name `owner` as their owner (whatever their status or
  // kind), ascending; null when none does.
  const std::vector<std::string>* OwnedBy(absl::string_view owner) const {
    return owned_by_.Find(owner);
  }

  // Iteration in no particular order: identities as (id, identity) pairs; resources by type,
  // then as (id, resource) pairs.
  const Map<Identity>& identities() const { return identities_; }
  const absl::flat_hash_map<std::string, Map<Resource>>& resources_by_type() const {
    return resources_;
  }

 private:
  // Records that `id` names `owner`, or no longer does.
  void AddOwned(const std::string& owner, const std::string& id);
  void RemoveOwned(const std::string& owner, absl::string_view id);

  Map<Identity> identities_;
  absl::flat_hash_map<std::string, Map<Resource>> resources_;  // by type, then id
  size_t resource_count_ = 0;
  Map<std::vector<std::string>> owned_by_;  // owner id -> the ids naming it, ascending
};

}  // namespace ward

#endif  // WARD_ENTITIES_H_
