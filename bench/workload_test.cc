#include "bench/workload.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bench/baseline.h"
#include "bench/cedar_workload.h"
#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward::bench {
namespace {

TEST(SplitMix64Test, MatchesTheReferenceSequence) {
  // The first outputs of splitmix64 seeded with 0, as published with the algorithm: the
  // generator must not drift, or workloads would differ between versions.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.Next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.Next(), 0x06c45d188009454fULL);
}

TEST(WorkloadTest, SameScaleAndSeedGiveTheSameFiles) {
  const Workload a = Generate(1, 7), b = Generate(1, 7), c = Generate(1, 8);
  EXPECT_EQ(WardPolicyText(a), WardPolicyText(b));
  EXPECT_EQ(WardEntitiesJson(a), WardEntitiesJson(b));
  EXPECT_EQ(CedarPolicyText(a), CedarPolicyText(b));
  EXPECT_NE(WardEntitiesJson(a), WardEntitiesJson(c));
  for (size_t i = 0; i < a.requests.size(); ++i) {
    ASSERT_EQ(WardRequestJson(a, a.requests[i]), WardRequestJson(b, b.requests[i]));
  }
}

TEST(WorkloadTest, FewerRequestsAreAPrefix) {
  const Workload full = Generate(1, 3), short_run = Generate(1, 3, 300);
  ASSERT_EQ(short_run.requests.size(), 300u);
  for (size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(WardRequestJson(full, full.requests[i]),
              WardRequestJson(short_run, short_run.requests[i]));
  }
}

TEST(WorkloadTest, CountsFollowTheScale) {
  for (int scale : {1, 4}) {
    const Workload w = Generate(scale, 1);
    EXPECT_EQ(w.users.size(), 200u * scale);
    EXPECT_EQ(w.agents.size(), 200u * scale);
    EXPECT_EQ(w.builders.size(), 50u * scale);
    EXPECT_EQ(w.tools.size(), 100u * scale);
    EXPECT_EQ(w.datasets.size(), 300u * scale);
    EXPECT_EQ(w.requests.size(), 10000u);
  }
  EXPECT_EQ(WardRuleCount(Generate(1, 1)), 259u);
  EXPECT_EQ(WardRuleCount(Generate(40, 1, 1)), 10009u);
}

TEST(WorkloadTest, OwnersAreActiveUsersAndScopesAreDistinct) {
  const Workload w = Generate(4, 1);
  for (const Agent& a : w.agents) {
    EXPECT_TRUE(w.users[a.owner].active) << a.id;
    EXPECT_GE(a.scope.size(), 3u);
    EXPECT_LE(a.scope.size(), 6u);
    EXPECT_TRUE(std::adjacent_find(a.scope.begin(), a.scope.end()) == a.scope.end()) << a.id;
  }
  for (const Builder& b : w.builders) {
    EXPECT_TRUE(w.users[b.owner].active) << b.id;
    EXPECT_GE(b.pipelines.size(), 1u);
    EXPECT_LE(b.pipelines.size(), 3u);
  }
}

TEST(WorkloadTest, RequestMixAndOutcomesAreNotDegenerate) {
  const Workload w = Generate(1, 1);
  std::array<int, kRequestClasses> count{}, allowed{};
  for (const WorkloadRequest& r : w.requests) {
    const int c = static_cast<int>(r.request_class);
    ++count[c];
    allowed[c] += OracleAllows(w, r) ? 1 : 0;
  }
  EXPECT_NEAR(count[0], 6000, 300);
  EXPECT_NEAR(count[1], 3000, 300);
  EXPECT_NEAR(count[2], 1000, 200);
  for (int c = 0; c < kRequestClasses; ++c) {
    EXPECT_GT(allowed[c], count[c] / 10) << RequestClassName(static_cast<RequestClass>(c));
    EXPECT_LT(allowed[c], count[c] * 9 / 10) << RequestClassName(static_cast<RequestClass>(c));
  }
}

TEST(WorkloadTest, WardTheBaselineAndTheOracleAgree) {
  const Workload w = Generate(1, 5, 2000);
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"agentgate.ward", WardPolicyText(w)}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ((*policy)->rule_count(), WardRuleCount(w));
  absl::StatusOr<EntityStore> store =
      EntityStore::FromJson(WardEntitiesJson(w), (*policy)->schema(), &warnings);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(*policy, *std::move(store));
  ASSERT_TRUE(engine.ok()) << engine.status();
  const Baseline baseline(w);
  for (const WorkloadRequest& r : w.requests) {
    const bool expected = OracleAllows(w, r);
    const Effect effect = (*engine)->Decide(ToWardRequest(w, r)).effect;
    ASSERT_EQ(effect, expected ? Effect::kAllow : Effect::kDeny) << WardRequestJson(w, r);
    ASSERT_EQ(baseline.Decide(ToBaselineRequest(w, r)), expected) << WardRequestJson(w, r);
    // The JSON form decides the same as the struct.
    absl::StatusOr<Request> parsed = ParseRequestJson(WardRequestJson(w, r));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ((*engine)->Decide(*parsed).effect, effect) << WardRequestJson(w, r);
  }
}

}  // namespace
}  // namespace ward::bench
