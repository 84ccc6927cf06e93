// The engine: decides requests against the current policy and entity store.
//
//   ward::Engine engine(policy, std::move(entities));   // or Engine::Create
//   ward::Decision decision = engine.Decide(request);
//   if (decision.effect == ward::Effect::kAllow) { ... }
//
// Deciding is safe from many threads at once. Reload and the entity updates publish a new
// snapshot atomically; a decision sees either the old or the new snapshot, never a mix.

#ifndef WARD_LIB_ENGINE_H_
#define WARD_LIB_ENGINE_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/decision.h"
#include "lib/entities.h"
#include "lib/policy.h"
#include "lib/request.h"

namespace ward {

class Engine {
 public:
  // Fails when `entities` do not validate against the policy's schema or `policy` is null.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(std::shared_ptr<const Policy> policy,
                                                        EntityStore entities);

  // Decides `request`. Never fails: an internal error yields DENY with reason internal_error.
  Decision Decide(const Request& request) const;
  // As above, into a caller-owned Decision whose storage is reused from call to call: the
  // form for hot paths (keep one Decision per thread).
  void Decide(const Request& request, Decision* out) const;
  // As Decide, and fills `trace` with every candidate rule of every principal.
  Decision Explain(const Request& request, Trace* trace) const;

  // Puts a new policy in place. Fails, keeping the old one, when the current entities do not
  // validate against its schema.
  absl::Status Reload(std::shared_ptr<const Policy> policy);

  // Entity updates; each takes effect on the next decision.
  absl::Status UpsertIdentity(Identity identity);
  absl::Status UpsertResource(Resource resource);
  absl::Status RevokeIdentity(absl::string_view id);
  absl::Status RemoveIdentity(absl::string_view id);
  absl::Status RemoveResource(absl::string_view type, absl::string_view id);
  // Replaces the whole store, validated against the current schema.
  absl::Status ReplaceEntities(EntityStore entities);

  std::shared_ptr<const Policy> policy() const;
  // A consistent copy of the current entities (for tools; not for the hot path).
  std::shared_ptr<const EntityStore> entities() const;

 private:
  struct Snapshot {
    std::shared_ptr<const Policy> policy;
    std::shared_ptr<const EntityStore> entities;
  };
  explicit Engine(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {}

  std::shared_ptr<const Snapshot> Load() const;
  void Publish(std::shared_ptr<const Snapshot> snapshot);
  // Applies `edit` to a copy of the current store and publishes it.
  template <typename Edit>
  absl::Status EditEntities(Edit edit);

  // Read with std::atomic_load, written with std::atomic_store under writer_mutex_.
  std::shared_ptr<const Snapshot> snapshot_;
  std::mutex writer_mutex_;  // serialises writers; readers never take it
};

}  // namespace ward

#endif  // WARD_LIB_ENGINE_H_
