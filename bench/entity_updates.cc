// The cost of live entity updates on an engine holding the agentgate workload's inventory
// (450 identities per unit of scale: scale 445 is ~200,000): upserts, revocations and
// decommissioning through the Engine API, each timed from the call to its return (the new
// snapshot published), and a full ReplaceEntities of the same store as the peer that costs
// O(store). After every update a decision checks that it took effect (a revoked agent or
// a suspended user is denied, an agent whose owner was decommissioned is unowned); any
// decision that does not exits 1.
//
//   build-release/bench/entity_updates --scale 445 --updates 200
//
// Prints one JSON line.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "bench/workload.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Timings {
  std::vector<double> ms;
  std::string Json() const {
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.empty()) return "null";
    return absl::StrFormat(R"({"n":%d,"median":%.3f,"p99":%.3f,"max":%.3f})", sorted.size(),
                           sorted[sorted.size() / 2], sorted[sorted.size() * 99 / 100],
                           sorted.back());
  }
};

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "entity_updates: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

// Runs and times `update`; false after printing its error.
template <typename Update>
bool Timed(Timings* timings, const std::string& what, Update update) {
  const auto start = Clock::now();
  absl::Status status = update();
  timings->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  if (!status.ok()) Fail(what, status);
  return status.ok();
}

int Usage() {
  std::fprintf(stderr, "usage: entity_updates [--scale S] [--updates N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int scale = 445, updates = 200;
  if (argc % 2 == 0) return Usage();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int* target = flag == "--scale" ? &scale : flag == "--updates" ? &updates : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target < 1) {
      return Usage();
    }
  }
  const ward::bench::Workload workload = ward::bench::Generate(scale, /*seed=*/1, 20000);
  auto policy = ward::CompilePolicy({{"agentgate.ward", ward::bench::WardPolicyText(workload)}});
  if (!policy.ok()) return Fail("compiling the policy", policy.status());
  auto entities =
      ward::EntityStore::FromJson(ward::bench::WardEntitiesJson(workload), (*policy)->schema());
  if (!entities.ok()) return Fail("loading the entities", entities.status());
  const size_t identities = entities->identity_count();
  auto engine = ward::Engine::Create(*policy, *entities);
  if (!engine.ok()) return Fail("creating the engine", engine.status());
  ward::Engine& live = **engine;

  // Allowed requests, by class, to update the identities they name and see the effect.
  std::vector<const ward::bench::WorkloadRequest*> agent_calls, reveals;
  for (const auto& request : workload.requests) {
    if (!ward::bench::OracleAllows(workload, request)) continue;
    if (request.request_class == ward::bench::RequestClass::kAgentCall) {
      agent_calls.push_back(&request);
    } else if (request.request_class == ward::bench::RequestClass::kUserReveal) {
      reveals.push_back(&request);
    }
  }
  int failures = 0;
  auto expect = [&](const ward::bench::WorkloadRequest& request, ward::Effect effect,
                    const char* what) {
    const ward::Decision decision = live.Decide(ward::bench::ToWardRequest(workload, request));
    if (decision.effect != effect) {
      std::fprintf(stderr, "after %s: expected %s, got %s (%s)\n", what,
                   std::string(ward::EffectName(effect)).c_str(),
                   std::string(ward::EffectName(decision.effect)).c_str(),
                   std::string(ward::ReasonName(decision.reason)).c_str());
      ++failures;
    }
  };

  Timings revoke_agent, suspend_user, upsert_resource, insert_agent, decommission_user,
      remove_identity;
  std::vector<std::string> decommissioned;
  for (int n = 0; n < updates; ++n) {
    // Spread over the requests; skip those whose identities an earlier update retired.
    const auto& call = *agent_calls[(n * 7919) % agent_calls.size()];
    const std::string& agent = workload.agents[call.subject].id;
    const std::string& owner = workload.users[workload.agents[call.subject].owner].id;
    const ward::Identity* stored = live.entities()->FindIdentity(agent);
    if (stored == nullptr || stored->status != ward::IdentityStatus::kActive ||
        std::find(decommissioned.begin(), decommissioned.end(), owner) != decommissioned.end()) {
      continue;
    }
    expect(call, ward::Effect::kAllow, "nothing");
    if (n % 2 == 0) {
      if (!Timed(&revoke_agent, "revoke_agent", [&] { return live.RevokeIdentity(agent); }))
        return 1;
      expect(call, ward::Effect::kDeny, "revoking the agent");
    } else {
      if (!Timed(&decommission_user, "decommission_user",
                 [&] { return live.Decommission(owner, false).status(); })) {
        return 1;
      }
      decommissioned.push_back(owner);
      expect(call, ward::Effect::kDeny, "decommissioning the agent's owner");
    }

    const auto& reveal = *reveals[(n * 104729) % reveals.size()];
    const ward::Identity* user = live.entities()->FindIdentity(workload.users[reveal.subject].id);
    if (user != nullptr && user->status == ward::IdentityStatus::kActive) {
      ward::Identity suspended = *user;
      suspended.status = ward::IdentityStatus::kSuspended;
      if (!Timed(&suspend_user, "suspend_user", [&] { return live.UpsertIdentity(suspended); }))
        return 1;
      expect(reveal, ward::Effect::kDeny, "suspending the user");
    }

    const ward::bench::Tool& tool = workload.tools[(n * 31) % workload.tools.size()];
    const ward::Resource* resource = live.entities()->FindResource("tool", tool.id);
    if (resource == nullptr) return Fail(tool.id, absl::NotFoundError("no such tool"));
    ward::Resource same = *resource;
    if (!Timed(&upsert_resource, "upsert_resource", [&] { return live.UpsertResource(same); }))
      return 1;

    ward::Identity added;
    added.kind = ward::SubjectKind::kAgent;
    added.id = absl::StrFormat("agent-added-%d", n);
    added.owner = workload.users[0].id;
    added.attrs["task_scope"] = ward::Value::StringSet({workload.tools[0].id});
    if (!Timed(&insert_agent, "insert_agent", [&] { return live.UpsertIdentity(added); })) return 1;
    if (!Timed(&remove_identity, "remove_identity", [&] { return live.RemoveIdentity(added.id); }))
      return 1;
  }

  // The peer: publishing the whole store again, as every update did before snapshots shared
  // their unchanged parts.
  Timings replace;
  for (int n = 0; n < 3; ++n) {
    if (!Timed(&replace, "replace", [&] { return live.ReplaceEntities(*entities); })) return 1;
  }

  absl::PrintF(
      "{\"scale\":%d,\"identities\":%d,\"resources\":%d,\"revoke_agent_ms\":%s,"
      "\"decommission_user_ms\":%s,\"suspend_user_ms\":%s,\"upsert_resource_ms\":%s,"
      "\"insert_agent_ms\":%s,\"remove_identity_ms\":%s,\"replace_entities_ms\":%s,"
      "\"failed_checks\":%d}\n",
      scale, identities, entities->resource_count(), revoke_agent.Json(), decommission_user.Json(),
      suspend_user.Json(), upsert_resource.Json(), insert_agent.Json(), remove_identity.Json(),
      replace.Json(), failures);
  return failures == 0 ? 0 : 1;
}
