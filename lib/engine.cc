#include "lib/engine.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/internal/interpreter.h"

namespace ward {
namespace {

// A request the C++ API accepted but the contract rejects; decided DENY (fail closed), in the
// subject's name.
Decision InternalError(const Request& request) {
  Decision decision;
  decision.effect = Effect::kDeny;
  decision.reason = Reason::kInternalError;
  decision.denied_by = request.subject;
  return decision;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const Policy> policy,
                                                       EntityStore entities) {
  if (policy == nullptr) return absl::InvalidArgumentError("no policy given");
  if (absl::Status valid = entities.ValidateAgainst(policy->schema()); !valid.ok()) {
    return valid;
  }
  auto snapshot = std::make_shared<const Snapshot>(
      Snapshot{std::move(policy), std::make_shared<const EntityStore>(std::move(entities))});
  return std::unique_ptr<Engine>(new Engine(std::move(snapshot)));
}

std::shared_ptr<const Engine::Snapshot> Engine::Load() const {
  return std::atomic_load_explicit(&snapshot_, std::memory_order_acquire);
}

void Engine::Publish(std::shared_ptr<const Snapshot> snapshot) {
  std::atomic_store_explicit(&snapshot_, std::move(snapshot), std::memory_order_release);
}

Decision Engine::Decide(const Request& request) const { return Explain(request, nullptr); }

void Engine::Decide(const Request& request, Decision* out) const {
  *out = Explain(request, nullptr);
}

Decision Engine::Explain(const Request& request, Trace* trace) const {
  if (request.on_behalf_of.size() > kMaxDelegationHops) return InternalError(request);
  std::shared_ptr<const Snapshot> snapshot = Load();
  const absl::Time now = request.now.value_or(absl::Now());
  if (trace != nullptr) *trace = Trace();
  return internal::Interpret(snapshot->policy->ir(), *snapshot->entities, request, now, trace);
}

absl::Status Engine::Reload(std::shared_ptr<const Policy> policy) {
  if (policy == nullptr) return absl::InvalidArgumentError("no policy given");
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  if (absl::Status valid = current->entities->ValidateAgainst(policy->schema()); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the current entities do not fit the new policy's schema: ", valid.message()));
  }
  Publish(std::make_shared<const Snapshot>(Snapshot{std::move(policy), current->entities}));
  return absl::OkStatus();
}

template <typename Edit>
absl::Status Engine::EditEntities(Edit edit) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  auto edited = std::make_shared<EntityStore>(*current->entities);
  if (absl::Status status = edit(*current->policy, edited.get()); !status.ok()) return status;
  Publish(std::make_shared<const Snapshot>(Snapshot{current->policy, std::move(edited)}));
  return absl::OkStatus();
}

absl::Status Engine::UpsertIdentity(Identity identity) {
  return EditEntities([&](const Policy& policy, EntityStore* store) {
    EntityStore single;
    single.UpsertIdentity(identity);
    if (absl::Status valid = single.ValidateAgainst(policy.schema()); !valid.ok()) return valid;
    store->UpsertIdentity(std::move(identity));
    return absl::OkStatus();
  });
}

absl::Status Engine::UpsertResource(Resource resource) {
  return EditEntities([&](const Policy& policy, EntityStore* store) {
    EntityStore single;
    single.UpsertResource(resource);
    if (absl::Status valid = single.ValidateAgainst(policy.schema()); !valid.ok()) return valid;
    store->UpsertResource(std::move(resource));
    return absl::OkStatus();
  });
}

absl::Status Engine::RevokeIdentity(absl::string_view id) {
  return EditEntities(
      [&](const Policy&, EntityStore* store) { return store->RevokeIdentity(id); });
}

absl::Status Engine::RemoveIdentity(absl::string_view id) {
  return EditEntities(
      [&](const Policy&, EntityStore* store) { return store->RemoveIdentity(id); });
}

absl::Status Engine::RemoveResource(absl::string_view type, absl::string_view id) {
  return EditEntities(
      [&](const Policy&, EntityStore* store) { return store->RemoveResource(type, id); });
}

absl::Status Engine::ReplaceEntities(EntityStore entities) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  if (absl::Status valid = entities.ValidateAgainst(current->policy->schema()); !valid.ok()) {
    return valid;
  }
  Publish(std::make_shared<const Snapshot>(
      Snapshot{current->policy, std::make_shared<const EntityStore>(std::move(entities))}));
  return absl::OkStatus();
}

std::shared_ptr<const Policy> Engine::policy() const { return Load()->policy; }

std::shared_ptr<const EntityStore> Engine::entities() const { return Load()->entities; }

}  // namespace ward
