// The engine's memory of unknown identities: which identities, when, how often, what they
// tried; bounded in identities and in tried pairs.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPolicy[] = R"(schema {
  user { }
  agent { }
  resource tool { }
  action invoke, describe on tool
}
@id("users") permit user to invoke on tool;
@id("agents") permit agent to invoke on tool;
)";

std::unique_ptr<Engine> TestEngine(size_t max_identities, size_t max_tried) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(
      R"({"identities": [{"kind": "user", "id": "u1", "status": "active"}],
          "resources": [{"type": "tool", "id": "search"}, {"type": "tool", "id": "shell"}]})",
      (*policy)->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  EngineOptions options;
  options.max_unknown_identities = max_identities;
  options.max_tried_per_unknown_identity = max_tried;
  auto engine = Engine::Create(*policy, *std::move(entities), options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

Request Call(SubjectKind kind, const std::string& id, const std::string& action,
             const std::string& tool, int minute) {
  Request request;
  request.subject = {kind, id};
  request.action = action;
  request.resource = {"tool", tool, {}};
  request.now = absl::FromUnixSeconds(1796083200 + 60 * minute);
  return request;
}

TEST(DiscoveryTest, UnknownSubjectsAndChainsAreCountedWithWhatTheyTried) {
  std::unique_ptr<Engine> engine = TestEngine(100, 8);
  EXPECT_EQ(engine->Decide(Call(SubjectKind::kUser, "u1", "invoke", "search", 0)).effect,
            Effect::kAllow);
  EXPECT_THAT(engine->unknown_identities(), IsEmpty());

  engine->Decide(Call(SubjectKind::kAgent, "ghost", "invoke", "search", 1));
  engine->Decide(Call(SubjectKind::kAgent, "ghost", "invoke", "shell", 2));
  engine->Decide(Call(SubjectKind::kAgent, "ghost", "invoke", "shell", 3));
  // An unknown identity in the chain of a known subject is named too.
  Request delegated = Call(SubjectKind::kUser, "u1", "invoke", "search", 4);
  delegated.on_behalf_of = {{SubjectKind::kUser, "nobody"}};
  const Decision decision = engine->Decide(delegated);
  EXPECT_EQ(decision.reason, Reason::kUnknownIdentity);

  const std::vector<UnknownIdentity> seen = engine->unknown_identities();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].identity, (IdentityRef{SubjectKind::kUser, "nobody"}));  // most recent
  EXPECT_EQ(seen[0].count, 1u);
  const UnknownIdentity& ghost = seen[1];
  EXPECT_EQ(ghost.identity, (IdentityRef{SubjectKind::kAgent, "ghost"}));
  EXPECT_EQ(ghost.count, 3u);
  EXPECT_EQ(ghost.first_seen, absl::FromUnixSeconds(1796083200 + 60));
  EXPECT_EQ(ghost.last_seen, absl::FromUnixSeconds(1796083200 + 180));
  ASSERT_EQ(ghost.tried.size(), 2u);
  EXPECT_EQ(ghost.tried[0].resource.id, "shell");  // most tried first
  EXPECT_EQ(ghost.tried[0].count, 2u);
  EXPECT_EQ(ghost.tried[1].resource.id, "search");
  EXPECT_EQ(ghost.tried[1].count, 1u);

  const nlohmann::json json = nlohmann::json::parse(UnknownIdentitiesJson(seen));
  EXPECT_EQ(json[1]["kind"], "agent");
  EXPECT_EQ(json[1]["id"], "ghost");
  EXPECT_EQ(json[1]["first_seen"], "2026-12-01T00:01:00Z");
  EXPECT_EQ(json[1]["count"], 3);
  EXPECT_EQ(
      json[1]["tried"][0],
      nlohmann::json::parse(
          R"({"action": "invoke", "resource": {"type": "tool", "id": "shell"}, "count": 2})"));
}

TEST(DiscoveryTest, TheLeastRecentlySeenIsForgottenFirst) {
  std::unique_ptr<Engine> engine = TestEngine(2, 8);
  engine->Decide(Call(SubjectKind::kAgent, "a", "invoke", "search", 0));
  engine->Decide(Call(SubjectKind::kAgent, "b", "invoke", "search", 1));
  engine->Decide(Call(SubjectKind::kAgent, "a", "invoke", "search", 2));  // a is recent again
  engine->Decide(Call(SubjectKind::kAgent, "c", "invoke", "search", 3));  // b goes
  std::vector<std::string> ids;
  for (const UnknownIdentity& seen : engine->unknown_identities()) ids.push_back(seen.identity.id);
  EXPECT_THAT(ids, ElementsAre("c", "a"));
  EXPECT_EQ(engine->unknown_identities_evicted(), 1u);
  // The same id under another kind is another identity.
  engine->Decide(Call(SubjectKind::kUser, "c", "invoke", "search", 4));
  EXPECT_EQ(engine->unknown_identities().size(), 2u);
  EXPECT_EQ(engine->unknown_identities_evicted(), 2u);
}

TEST(DiscoveryTest, TriedPairsAreBoundedAndFrequentOnesKept) {
  std::unique_ptr<Engine> engine = TestEngine(10, 2);
  for (int i = 0; i < 15; ++i) {
    engine->Decide(Call(SubjectKind::kAgent, "x", "invoke", "shell", i));
  }
  // Many pairs tried once each. A pair tried more than calls / slots times (15 > 25 / 2) is
  // never lost; the other slot turns over.
  for (int i = 0; i < 10; ++i) {
    engine->Decide(Call(SubjectKind::kAgent, "x", "describe", "t" + std::to_string(i), 10 + i));
  }
  const std::vector<UnknownIdentity> seen = engine->unknown_identities();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].count, 25u);
  ASSERT_EQ(seen[0].tried.size(), 2u);
  EXPECT_EQ(seen[0].tried[0].resource.id, "shell");
  EXPECT_EQ(seen[0].tried[0].count, 15u);
  // The space-saving count is an upper bound: the newest pair inherited the evicted counts.
  EXPECT_EQ(seen[0].tried[1].resource.id, "t9");
  EXPECT_EQ(seen[0].tried[1].count, 10u);
}

TEST(DiscoveryTest, OffWhenTheBoundIsZero) {
  std::unique_ptr<Engine> engine = TestEngine(0, 8);
  engine->Decide(Call(SubjectKind::kAgent, "ghost", "invoke", "search", 0));
  EXPECT_THAT(engine->unknown_identities(), IsEmpty());
}

TEST(DiscoveryTest, ManyThreadsCountEveryCall) {
  std::unique_ptr<Engine> engine = TestEngine(1000, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&engine, t] {
      Decision decision;
      for (int i = 0; i < 2000; ++i) {
        engine->Decide(Call(SubjectKind::kAgent, "g" + std::to_string(i % 50), "invoke",
                            t % 2 == 0 ? "search" : "shell", i),
                       &decision);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  uint64_t total = 0;
  const std::vector<UnknownIdentity> seen = engine->unknown_identities();
  for (const UnknownIdentity& identity : seen) total += identity.count;
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(total, 8000u);
}

}  // namespace
}  // namespace ward
