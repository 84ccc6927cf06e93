// The engine: decides requests against the current policy and entity store.
//
//   ward::Engine engine(policy, std::move(entities));   // or Engine::Create
//   ward::Decision decision = engine.Decide(request);
//   if (decision.effect == ward::Effect::kAllow) { ... }
//
// Deciding is safe from many threads at once. Reload and the entity updates publish a new
// snapshot atomically; a decision sees either the old or the new snapshot, never a mix.

#ifndef WARD_ENGINE_H_
#define WARD_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ward/decision.h"
#include "ward/decision_log.h"
#include "ward/entities.h"
#include "ward/grant_ledger.h"
#include "ward/policy.h"
#include "ward/reach.h"
#include "ward/request.h"
#include "ward/request_builder.h"

namespace ward {

// An (action, resource) an unknown identity tried, and how many times (an upper bound once the
// identity has tried more pairs than are kept).
struct TriedAccess {
  std::string action;
  ResourceRef resource;  // type and id
  uint64_t count = 0;
};

// An identity that called the engine but is not in its inventory (a decision with reason
// unknown_identity names it): a shadow identity to find an owner for, or to block upstream.
struct UnknownIdentity {
  IdentityRef identity;
  absl::Time first_seen = absl::InfiniteFuture();  // by the decisions' time (`now`)
  absl::Time last_seen = absl::InfinitePast();
  uint64_t count = 0;  // decisions that named it
  // The most tried (action, resource) pairs, most tried first.
  std::vector<TriedAccess> tried;
};

// The JSON form of a list of unknown identities: `[{"kind", "id", "first_seen", "last_seen",
// "count", "tried": [{"action", "resource": {"type", "id"}, "count"}]}]`, times in RFC 3339.
std::string UnknownIdentitiesJson(const std::vector<UnknownIdentity>& identities);

struct EngineOptions {
  // Public keys (SPKI PEM, Ed25519) of the approvers' signing keys: a grant signed by one of
  // them can satisfy require_approval rules (docs/approvals.md). Without any, no grant is
  // ever accepted.
  std::vector<std::string> approval_keys;
  // The most used grants the engine remembers at once (each until it expires); while it holds
  // this many, further grants are refused.
  size_t max_used_grants = size_t{1} << 20;
  // Where the grants used by every engine of a fleet are recorded (ward/grant_ledger.h), so
  // that a grant is used once across all of them; none: once per engine. When the ledger
  // cannot be reached, grants are refused and everything else is decided as usual.
  std::shared_ptr<GrantLedger> grant_ledger;
  // The most unknown identities the engine remembers (unknown_identities()); beyond it, the
  // least recently seen is forgotten. 0: none are remembered.
  size_t max_unknown_identities = 10000;
  // The most (action, resource) pairs remembered per unknown identity.
  size_t max_tried_per_unknown_identity = 8;
  // Where to record every decision (Decide and Explain alike; docs/decision-logs.md). None:
  // decisions are not recorded. Several engines may share one log.
  std::shared_ptr<DecisionLog> decision_log;
};

class Engine {
 public:
  // Fails when `entities` do not validate against the policy's schema, `policy` is null or an
  // approval key is not an Ed25519 public key.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(std::shared_ptr<const Policy> policy,
                                                        EntityStore entities,
                                                        const EngineOptions& options = {});
  ~Engine();

  // Decides `request`. Never fails: a request that contradicts the inventory or the schema
  // yields DENY with reason invalid_request, an internal error DENY with internal_error. A
  // grant in `request.approval` is verified and, when it is accepted and the decision is
  // ALLOW, used up: a grant is good for one decision of this engine.
  Decision Decide(const Request& request) const;
  // As above, into a caller-owned Decision whose storage is reused from call to call: the
  // form for hot paths. Keep one Decision per thread; after the first few calls a decision
  // allocates nothing (the exceptions: evaluation errors, whose messages are built then, and
  // identity or rule names longer than any seen before in that Decision).
  void Decide(const Request& request, Decision* out) const;
  // Decides `builder->request()` into `out`, as above, with the records the builder's last
  // decision found for the ids no setter has changed since: the form for a host that decides
  // the same identities and resources again and again (ward/request_builder.h).
  void Decide(RequestBuilder* builder, Decision* out) const;
  // As Decide, and fills `trace` with every candidate rule of every principal and the index
  // keys that found them.
  Decision Explain(const Request& request, Trace* trace) const;

  // Puts a new policy in place. Fails, keeping the old one, when the current entities do not
  // validate against its schema.
  absl::Status Reload(std::shared_ptr<const Policy> policy);
  // Puts a new policy and a new entity store in place together: the next decision sees both,
  // none sees one without the other. Fails, keeping the old ones, when `entities` do not
  // validate against the new policy's schema. Used grants and unknown-identity counts are
  // kept.
  absl::Status Reload(std::shared_ptr<const Policy> policy, EntityStore entities);

  // Entity updates; each takes effect on the next decision. Each costs about as much as
  // copying the ~64 stored identities or resources it shares a shard with (and those the
  // identities it owns share theirs with when its kind, status or expiry changes), not the
  // store: the new snapshot shares everything else with the one before.
  absl::Status UpsertIdentity(Identity identity);
  absl::Status UpsertResource(Resource resource);
  absl::Status RevokeIdentity(absl::string_view id);
  // Revokes `id` (and, with `cascade`, the agents and builders it leaves without an owner) in
  // one update: the next decision sees all of it. See EntityStore::Decommission.
  absl::StatusOr<Decommissioning> Decommission(absl::string_view id, bool cascade = false);

  // What `subject` may do, alone or on behalf of `on_behalf_of` (nearest first): every action
  // on every stored resource it reaches under the current policy and entities, with the
  // effect and the condition on the request (ward/reach.h). Reads one snapshot; thread-safe.
  // It costs one partial decision per stored resource of each action and type for which
  // every identity's kind has rules. InvalidArgument for a chain longer than 8, an empty id
  // or a bad sensitivity option.
  absl::StatusOr<Reach> WhatMay(const IdentityRef& subject,
                                const std::vector<IdentityRef>& on_behalf_of = {},
                                const ReachOptions& options = {}) const;

  // The blast radius of the identity `id`: what it may do alone and, for an agent or builder,
  // on behalf of its owner, with its score (ward/reach.h). NotFound for an unknown id.
  absl::StatusOr<BlastRadius> BlastRadiusOf(absl::string_view id,
                                            const ReachOptions& options = {}) const;
  absl::Status RemoveIdentity(absl::string_view id);
  absl::Status RemoveResource(absl::string_view type, absl::string_view id);
  // Replaces the whole store, validated against the current schema.
  absl::Status ReplaceEntities(EntityStore entities);

  std::shared_ptr<const Policy> policy() const;
  // A consistent copy of the current entities (for tools; not for the hot path).
  std::shared_ptr<const EntityStore> entities() const;

  // How many used grants the engine currently remembers.
  size_t used_grant_count() const;

  // The unknown identities that called this engine (decisions with reason unknown_identity,
  // by the identity each names), most recently seen first; bounded by the options above.
  std::vector<UnknownIdentity> unknown_identities() const;
  // How many unknown identities were forgotten to stay within max_unknown_identities.
  uint64_t unknown_identities_evicted() const;

  // Records every later decision to `log` (null: stops recording). Decisions already being
  // made finish with the log they started with.
  void SetDecisionLog(std::shared_ptr<DecisionLog> log);
  std::shared_ptr<DecisionLog> decision_log() const;

 private:
  struct Snapshot;
  struct Approvals;  // trusted keys and used grants
  struct Discovery;  // what the engine saw of unknown identities
  Engine(std::shared_ptr<const Snapshot> snapshot, std::unique_ptr<Approvals> approvals);
  void DecideInto(const Request& request, Decision* out, Trace* trace) const;
  void DecideWith(const Snapshot& snapshot, const Request& request, Decision* out,
                  Trace* trace) const;
  // Counts the unknown identity that `decision`, denied for reason unknown_identity, names.
  void NoteUnknown(const Request& request, const Decision& decision) const;

  std::shared_ptr<const Snapshot> Load() const;
  // The snapshot to decide `out` with: the one `out` already pins when it is still current
  // (so that a decision in steady state touches no shared reference count), else the current
  // one, which `out` then pins.
  const Snapshot& Pin(Decision* out) const;
  const Snapshot& Repin(Decision* out) const;  // Pin's other case: out of line
  // Publishes a snapshot of `policy`, `entities` and decision_log_ (under writer_mutex_).
  void Publish(std::shared_ptr<const Policy> policy, std::shared_ptr<const EntityStore> entities);
  // Applies `edit` to a copy of the current store and publishes it.
  template <typename Edit>
  absl::Status EditEntities(Edit edit);

  // The policy, the entities and their layout for the policy. Read with std::atomic_load,
  // written with std::atomic_store under writer_mutex_.
  std::shared_ptr<const Snapshot> snapshot_;
  // Identifies snapshot_; unique across all engines of the process.
  std::atomic<uint64_t> epoch_{0};
  std::mutex writer_mutex_;                    // serialises writers; readers never take it
  std::shared_ptr<DecisionLog> decision_log_;  // under writer_mutex_; readers use the snapshot's
  std::unique_ptr<Approvals> approvals_;
  std::unique_ptr<Discovery> discovery_;
};

}  // namespace ward

#endif  // WARD_ENGINE_H_
