#include "ward/engine.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/internal/crypto.h"
#include "lib/internal/decider.h"
#include "lib/internal/decision_state.h"
#include "lib/internal/discovery.h"
#include "lib/internal/entity_layout.h"
#include "lib/internal/grants.h"
#include "lib/internal/json_util.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/reach.h"
#include "lib/internal/request_check.h"
#include "ward/errors.h"

namespace ward {

struct Engine::Snapshot {
  // `previous`, when given, is the snapshot this one follows: what they have in common is
  // shared (see EntityLayout).
  Snapshot(std::shared_ptr<const Policy> p, std::shared_ptr<const EntityStore> entities,
           std::shared_ptr<DecisionLog> l, uint64_t e, const Snapshot* previous = nullptr)
      : policy(std::move(p)),
        layout(internal::ProgramOf(*policy), std::move(entities),
               previous != nullptr ? &previous->layout : nullptr),
        log(std::move(l)),
        epoch(e) {}

  std::shared_ptr<const Policy> policy;
  internal::EntityLayout layout;
  std::shared_ptr<DecisionLog> log;  // null when decisions are not recorded
  uint64_t epoch;
};

struct Engine::Approvals {
  explicit Approvals(size_t max_used) : used(max_used) {}
  std::vector<internal::Ed25519PublicKey> trusted_keys;
  internal::ConsumedGrants used;
  std::shared_ptr<GrantLedger> ledger;
};

struct Engine::Discovery {
  Discovery(size_t max_identities, size_t max_tried) : counters(max_identities, max_tried) {}
  internal::UnknownIdentityCounters counters;
};

namespace {

// Epochs are unique across engines, so that a Decision pinned by one engine is never taken
// for current by another.
std::atomic<uint64_t> next_epoch{1};

}  // namespace

Engine::Engine(std::shared_ptr<const Snapshot> snapshot, std::unique_ptr<Approvals> approvals)
    : snapshot_(std::move(snapshot)), epoch_(snapshot_->epoch), approvals_(std::move(approvals)) {}

Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const Policy> policy,
                                                       EntityStore entities,
                                                       const EngineOptions& options) {
  if (policy == nullptr) return absl::InvalidArgumentError("no policy given");
  auto approvals = std::make_unique<Approvals>(options.max_used_grants);
  approvals->ledger = options.grant_ledger;
  for (size_t i = 0; i < options.approval_keys.size(); ++i) {
    absl::StatusOr<internal::Ed25519PublicKey> key =
        internal::Ed25519PublicKey::FromPem(options.approval_keys[i]);
    if (!key.ok()) {
      return WithCategory(absl::InvalidArgumentError(
                              absl::StrCat("approval key ", i + 1, ": ", key.status().message())),
                          ErrorCategory::kKey);
    }
    approvals->trusted_keys.push_back(*std::move(key));
  }
  if (absl::Status valid = entities.ValidateAgainst(policy->schema()); !valid.ok()) {
    return valid;
  }
  auto snapshot = std::make_shared<const Snapshot>(
      std::move(policy), std::make_shared<const EntityStore>(std::move(entities)),
      options.decision_log, next_epoch.fetch_add(1));
  auto engine = std::unique_ptr<Engine>(new Engine(std::move(snapshot), std::move(approvals)));
  engine->decision_log_ = options.decision_log;
  engine->discovery_ = std::make_unique<Discovery>(options.max_unknown_identities,
                                                   options.max_tried_per_unknown_identity);
  return engine;
}

std::shared_ptr<const Engine::Snapshot> Engine::Load() const {
  return std::atomic_load_explicit(&snapshot_, std::memory_order_acquire);
}

// The usual case, inline in every decision: `out` still pins the current snapshot.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const Engine::Snapshot& Engine::Pin(Decision* out) const {
  internal::DecisionState& state = internal::DecisionState::Of(out);
  if (state.pinned != nullptr && state.pinned_epoch == epoch_.load(std::memory_order_acquire)) {
    return *static_cast<const Snapshot*>(state.pinned.get());
  }
  return Repin(out);
}

const Engine::Snapshot& Engine::Repin(Decision* out) const {
  internal::DecisionState& state = internal::DecisionState::Of(out);
  // The rule names `out` refers to are the pinned policy's: let go of them with it.
  out->rules.clear();
  if (out->shadow.has_value()) out->shadow->rules.clear();
  std::shared_ptr<const Snapshot> current = Load();
  state.pinned_epoch = current->epoch;
  state.pinned = current;
  return *current;
}

void Engine::Publish(std::shared_ptr<const Policy> policy,
                     std::shared_ptr<const EntityStore> entities) {
  std::shared_ptr<const Snapshot> current = Load();
  auto snapshot =
      std::make_shared<const Snapshot>(std::move(policy), std::move(entities), decision_log_,
                                       next_epoch.fetch_add(1), current.get());
  const uint64_t epoch = snapshot->epoch;
  std::atomic_store_explicit(&snapshot_, std::move(snapshot), std::memory_order_release);
  epoch_.store(epoch, std::memory_order_release);
}

// Inline in each Decide: one call from the host's to DecideCompiled's.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Engine::DecideInto(const Request& request, Decision* out,
                                                            Trace* trace) const {
  const Snapshot& snapshot = Pin(out);
  // The snapshot stays pinned by `out` while it is decided, and with it the log.
  DecisionLog* const log = snapshot.log.get();
  const int64_t start = log != nullptr ? absl::GetCurrentTimeNanos() : 0;
  DecideWith(snapshot, request, out, trace);
  if (out->reason == Reason::kUnknownIdentity) NoteUnknown(request, *out);
  if (log != nullptr) {
    const int64_t end = absl::GetCurrentTimeNanos();
    log->RecordAt(request, *out, end, std::max<int64_t>(end - start, 0));
  }
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Engine::DecideWith(const Snapshot& snapshot,
                                                            const Request& request, Decision* out,
                                                            Trace* trace) const {
  if (trace != nullptr) *trace = Trace();
  const internal::Program& program = internal::ProgramOf(*snapshot.policy);
  out->policy_hash = program.hash;
  const absl::Time now = request.now.has_value() ? *request.now : absl::Now();

  internal::RequestCheckInputs inputs;
  inputs.schema = &program.schema;
  inputs.context = &program.context_declarations;
  inputs.args = &program.args_declarations;
  inputs.path_resource_types = &program.path_resource_types;
  internal::DecisionState& state = internal::DecisionState::Of(out);
  // A builder's resource entry is set only after its request passed this check, and is
  // forgotten when the resource is set again or the snapshot changes.
  inputs.resource_id_checked = state.resolution != nullptr &&
                               state.resolution->epoch == snapshot.epoch &&
                               state.resolution->Has(internal::Resolution::kResourceBit);
  internal::CheckedValues found{&state.context_values, &state.args_values};
  if (!internal::RequestIsPlainlyValid(inputs, request, &found)) {
    // Only a request with inline attributes needs to know whether the store has the resource.
    inputs.resource_stored =
        !request.resource.attrs.empty() &&
        snapshot.layout.FindResource(request.resource.type, request.resource.id) != nullptr;
    if (std::optional<std::string> invalid = internal::CheckRequest(inputs, request, &found)) {
      if (trace != nullptr) trace->rejected = *invalid;
      internal::SetInvalidRequest(request, *std::move(invalid), out);
      return;
    }
  }
  // The decider reads the values the check found, for this request only.
  state.checked_request = &request;
  // A builder's records are of this snapshot only.
  if (state.resolution != nullptr) state.resolution->Enter(snapshot.epoch);
  struct Unbind {
    internal::DecisionState& state;
    ~Unbind() { state.checked_request = nullptr; }
  } unbind{state};

  internal::ApprovalSettings settings;
  settings.trusted_keys = approvals_->trusted_keys;
  settings.consumed = &approvals_->used;
  settings.ledger = approvals_->ledger.get();
  internal::DecideWithApprovals(
      request, now, program.hash, settings,
      [&](const Request& decided, bool approvals_satisfied, Decision* into)
          ABSL_ATTRIBUTE_ALWAYS_INLINE {
            // Only the request itself is traced, not the approver's decision about a grant.
            Trace* traced = &decided == &request ? trace : nullptr;
            if (traced != nullptr) *traced = Trace();
            internal::DecideCompiled(program, snapshot.layout, decided, now, approvals_satisfied,
                                     into, traced);
          },
      out);
}

Decision Engine::Decide(const Request& request) const {
  Decision decision;
  Decide(request, &decision);
  return decision;
}

void Engine::Decide(const Request& request, Decision* out) const {
  DecideInto(request, out, nullptr);
}

void Engine::Decide(RequestBuilder* builder, Decision* out) const {
  // Through the decision's state, so that a decision without a builder carries nothing more.
  internal::DecisionState& state = internal::DecisionState::Of(out);
  state.resolution = &builder->resolution_;
  DecideInto(builder->request_, out, nullptr);
  state.resolution = nullptr;
}

Decision Engine::Explain(const Request& request, Trace* trace) const {
  Decision decision;
  DecideInto(request, &decision, trace);
  return decision;
}

size_t Engine::used_grant_count() const { return approvals_->used.size(); }

void Engine::NoteUnknown(const Request& request, const Decision& decision) const {
  if (!decision.denied_by.has_value()) return;
  discovery_->counters.Note(*decision.denied_by, request.action, request.resource,
                            request.now.has_value() ? *request.now : absl::Now());
}

std::vector<UnknownIdentity> Engine::unknown_identities() const {
  return discovery_->counters.List();
}

uint64_t Engine::unknown_identities_evicted() const { return discovery_->counters.evicted(); }

std::string UnknownIdentitiesJson(const std::vector<UnknownIdentity>& identities) {
  std::string out = "[";
  for (size_t i = 0; i < identities.size(); ++i) {
    const UnknownIdentity& seen = identities[i];
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, R"({"kind":")", SubjectKindName(seen.identity.kind), R"(","id":)");
    internal::AppendJsonQuoted(seen.identity.id, &out);
    absl::StrAppend(&out, R"(,"first_seen":")", FormatTimestamp(seen.first_seen),
                    R"(","last_seen":")", FormatTimestamp(seen.last_seen), R"(","count":)",
                    seen.count, R"(,"tried":[)");
    for (size_t j = 0; j < seen.tried.size(); ++j) {
      const TriedAccess& access = seen.tried[j];
      if (j > 0) out.push_back(',');
      out.append(R"({"action":)");
      internal::AppendJsonQuoted(access.action, &out);
      out.append(R"(,"resource":{"type":)");
      internal::AppendJsonQuoted(access.resource.type, &out);
      out.append(R"(,"id":)");
      internal::AppendJsonQuoted(access.resource.id, &out);
      absl::StrAppend(&out, R"(},"count":)", access.count, "}");
    }
    out.append("]}");
  }
  out.push_back(']');
  return out;
}

void Engine::SetDecisionLog(std::shared_ptr<DecisionLog> log) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  decision_log_ = std::move(log);
  std::shared_ptr<const Snapshot> current = Load();
  Publish(current->policy, current->layout.shared_store());
}

std::shared_ptr<DecisionLog> Engine::decision_log() const { return Load()->log; }

absl::Status Engine::Reload(std::shared_ptr<const Policy> policy) {
  if (policy == nullptr) return absl::InvalidArgumentError("no policy given");
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  const EntityStore& entities = current->layout.store();
  if (absl::Status valid = entities.ValidateAgainst(policy->schema()); !valid.ok()) {
    return WithCategory(
        absl::FailedPreconditionError(absl::StrCat(
            "the current entities do not fit the new policy's schema: ", valid.message())),
        ErrorCategory::kEntities);
  }
  Publish(std::move(policy), current->layout.shared_store());
  return absl::OkStatus();
}

template <typename Edit>
absl::Status Engine::EditEntities(Edit edit) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  auto edited = std::make_shared<EntityStore>(current->layout.store());
  if (absl::Status status = edit(*current->policy, edited.get()); !status.ok()) return status;
  Publish(current->policy, std::move(edited));
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
  return EditEntities([&](const Policy&, EntityStore* store) { return store->RevokeIdentity(id); });
}

absl::StatusOr<Decommissioning> Engine::Decommission(absl::string_view id, bool cascade) {
  Decommissioning done;
  absl::Status status = EditEntities([&](const Policy&, EntityStore* store) {
    absl::StatusOr<Decommissioning> result = store->Decommission(id, cascade, absl::Now());
    if (!result.ok()) return result.status();
    done = *std::move(result);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return done;
}

absl::StatusOr<Reach> Engine::WhatMay(const IdentityRef& subject,
                                      const std::vector<IdentityRef>& on_behalf_of,
                                      const ReachOptions& options) const {
  std::shared_ptr<const Snapshot> snapshot = Load();
  return internal::ComputeReach(internal::ProgramOf(*snapshot->policy), snapshot->layout, subject,
                                on_behalf_of, options);
}

absl::StatusOr<BlastRadius> Engine::BlastRadiusOf(absl::string_view id,
                                                  const ReachOptions& options) const {
  std::shared_ptr<const Snapshot> snapshot = Load();
  return internal::ComputeBlastRadius(internal::ProgramOf(*snapshot->policy), snapshot->layout, id,
                                      options);
}

absl::Status Engine::RemoveIdentity(absl::string_view id) {
  return EditEntities([&](const Policy&, EntityStore* store) { return store->RemoveIdentity(id); });
}

absl::Status Engine::RemoveResource(absl::string_view type, absl::string_view id) {
  return EditEntities(
      [&](const Policy&, EntityStore* store) { return store->RemoveResource(type, id); });
}

absl::Status Engine::Reload(std::shared_ptr<const Policy> policy, EntityStore entities) {
  if (policy == nullptr) return absl::InvalidArgumentError("no policy given");
  if (absl::Status valid = entities.ValidateAgainst(policy->schema()); !valid.ok()) {
    return valid;
  }
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Publish(std::move(policy), std::make_shared<const EntityStore>(std::move(entities)));
  return absl::OkStatus();
}

absl::Status Engine::ReplaceEntities(EntityStore entities) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::shared_ptr<const Snapshot> current = Load();
  if (absl::Status valid = entities.ValidateAgainst(current->policy->schema()); !valid.ok()) {
    return valid;
  }
  Publish(current->policy, std::make_shared<const EntityStore>(std::move(entities)));
  return absl::OkStatus();
}

std::shared_ptr<const Policy> Engine::policy() const { return Load()->policy; }

std::shared_ptr<const EntityStore> Engine::entities() const {
  return Load()->layout.shared_store();
}

}  // namespace ward
