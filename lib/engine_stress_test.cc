// Deciders on several threads while another thread reloads the policy and edits the entities.
// Every decision must come whole from one snapshot: its rules, obligations and policy hash all
// from the old policy or all from the new one. CI runs this under ThreadSanitizer.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

constexpr char kSchema[] = R"(schema {
  user { clearance: int }
  resource tool { min_clearance: int }
  action invoke on tool
}
)";

// Two versions of the policy that decide the same request differently in every visible way.
std::shared_ptr<const Policy> Version(int version) {
  const std::string text =
      std::string(kSchema) + "@id(\"version-" + std::to_string(version) +
      "\") permit user to invoke on tool when subject.clearance >= resource.min_clearance\n" +
      "  with limit(version, " + std::to_string(version) + ");\n";
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", text}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

TEST(EngineStressTest, EveryDecisionComesFromOneSnapshot) {
  const std::shared_ptr<const Policy> versions[2] = {Version(1), Version(2)};
  ASSERT_NE(versions[0]->hash(), versions[1]->hash());
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(
      R"({"identities": [{"kind": "user", "id": "u1", "status": "active",
                          "attrs": {"clearance": 5}}],
          "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}}]})",
      versions[0]->schema());
  ASSERT_TRUE(entities.ok());
  auto engine = Engine::Create(versions[0], *std::move(entities));
  ASSERT_TRUE(engine.ok());

  Request request;
  request.subject = {SubjectKind::kUser, "u1"};
  request.action = "invoke";
  request.resource = {"tool", "t1", {}};
  request.now = absl::FromUnixSeconds(1796083200);

  std::atomic<bool> stop{false};
  std::atomic<long> decisions{0}, mixed{0}, lifecycle{0};
  std::vector<std::thread> deciders;
  for (int t = 0; t < 3; ++t) {
    deciders.emplace_back([&] {
      Decision decision;  // reused, as a gateway thread would
      while (!stop.load(std::memory_order_relaxed)) {
        (*engine)->Decide(request, &decision);
        ++decisions;
        if (decision.effect != Effect::kAllow) {
          // The identity is revoked in some snapshots: then nothing of a policy shows.
          if (decision.reason != Reason::kLifecycle || !decision.rules.empty()) ++mixed;
          ++lifecycle;
          continue;
        }
        const int version = decision.policy_hash == versions[0]->hash()   ? 1
                            : decision.policy_hash == versions[1]->hash() ? 2
                                                                          : 0;
        const bool whole = version != 0 && decision.rules.size() == 1 &&
                           decision.rules[0] == "version-" + std::to_string(version) &&
                           decision.obligations.limits.size() == 1 &&
                           decision.obligations.limits[0].second == version;
        if (!whole) ++mixed;
      }
    });
  }
  const Identity original = *(*engine)->entities()->FindIdentity("u1");
  for (int i = 0; i < 300 || decisions.load() < 3000; ++i) {
    EXPECT_TRUE((*engine)->Reload(versions[i % 2]).ok());
    if (i % 3 == 0) {
      EXPECT_TRUE((*engine)->RevokeIdentity("u1").ok());
    } else if (i % 3 == 1) {
      EXPECT_TRUE((*engine)->UpsertIdentity(original).ok());
    }
    if (i > 100000) break;  // a stuck decider would otherwise keep us here
  }
  stop = true;
  for (std::thread& thread : deciders) thread.join();
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_GE(decisions.load(), 3000);
}

}  // namespace
}  // namespace ward
