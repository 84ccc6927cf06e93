// The property test of "what may this identity do" (ward/reach.h): on random policy sets and
// inventories (policy_lang/testing/random_policy.h), what Engine::WhatMay reports for an
// identity, alone and on behalf of others, must agree with Engine::Decide on every action and
// stored resource, decided by brute force:
//   - an access without a condition has the decision's effect whatever the request's context
//     and arguments, and its rules include the decision's (they are exactly the decision's when
//     no condition reads the request);
//   - a decision ALLOW or NEEDS_APPROVAL has an access of that effect (with or without a
//     condition); a DENY has no access without a condition.
// So for a policy whose conditions read neither `context`, `args` nor `now`, the accesses are
// exactly the decisions that are not DENY.
//
// Environment: WARD_REACH_ITERATIONS=N checks N random sets (default 1000).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "policy_lang/testing/random_policy.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/reach.h"

namespace ward {
namespace {

using random_policy::RandomCase;

constexpr int64_t kDefaultSets = 1000;
constexpr uint64_t kSeedStream = 0x7761726472656163;  // "wardreac"
constexpr int kMaxFailures = 5;

struct Counts {
  int64_t sets = 0;
  int64_t pairs = 0;  // (identity and chain, action, resource) decided by brute force
  int64_t unconditional = 0;
  int64_t conditional = 0;
  int64_t by_effect[3] = {0, 0, 0};
  int64_t stopped = 0;
  int64_t known_context_reaches = 0;
  int64_t sets_without_conditions = 0;  // sets whose conditions read no request
  int failures = 0;
};

using PairKey = std::tuple<std::string, std::string, std::string>;

void CheckSet(uint64_t seed, Counts* counts) {
  const RandomCase random_case = random_policy::GenerateRandomCase(seed, 4);
  const std::string replay = absl::StrCat("seed ", seed);
  const CompileResult compiled = Compile(random_case.sources);
  ASSERT_NE(compiled.policy, nullptr) << replay;
  absl::StatusOr<EntityStore> entities =
      EntityStore::FromJson(random_case.entities_json, compiled.policy->schema());
  ASSERT_TRUE(entities.ok()) << replay << ": " << entities.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(compiled.policy, *entities);
  ASSERT_TRUE(engine.ok()) << replay << ": " << engine.status();

  // The time and the contexts come from the generated requests.
  std::vector<Request> samples;
  for (const std::string& json : random_case.requests_json) {
    absl::StatusOr<Request> request = ParseRequestJson(json);
    ASSERT_TRUE(request.ok()) << replay << ": " << request.status();
    samples.push_back(*std::move(request));
  }
  ASSERT_FALSE(samples.empty());
  ReachOptions options;
  options.now = *samples[0].now;
  options.fix_now = true;

  std::vector<IdentityRef> identities;
  for (const auto& [id, identity] : entities->identities()) {
    identities.push_back({identity.kind, id});
  }
  std::sort(identities.begin(), identities.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  const Schema& schema = compiled.policy->schema();
  bool any_condition = false;
  // Whether some condition may read the request (context, args, now): the text tells.
  bool reads_request = false;
  for (const SourceFile& source : random_case.sources) {
    for (const char* word : {"context.", "context has", "args.", "args has", "now"}) {
      reads_request |= source.text.find(word) != std::string::npos;
    }
  }
  for (size_t i = 0; i < identities.size(); ++i) {
    // Alone, on behalf of the next identity, and on behalf of the next two.
    std::vector<std::vector<IdentityRef>> chains = {{}};
    if (identities.size() > 1) chains.push_back({identities[(i + 1) % identities.size()]});
    if (identities.size() > 2) {
      chains.push_back(
          {identities[(i + 1) % identities.size()], identities[(i + 2) % identities.size()]});
    }
    for (const std::vector<IdentityRef>& chain : chains) {
      absl::StatusOr<Reach> reach = (*engine)->WhatMay(identities[i], chain, options);
      ASSERT_TRUE(reach.ok()) << replay << ": " << reach.status();
      if (reach->stopped.has_value()) ++counts->stopped;
      std::map<PairKey, std::vector<const Access*>> by_pair;
      for (const Access& access : reach->accesses) {
        by_pair[{access.action, access.resource_type, access.resource_id}].push_back(&access);
        (access.condition.empty() ? counts->unconditional : counts->conditional) += 1;
        any_condition |= !access.condition.empty();
      }
      // With the first generated request's context known (only args left open); a context that
      // does not fit its declarations is refused, as a decision refuses it.
      ReachOptions with_context = options;
      with_context.context = samples[0].context;
      absl::StatusOr<Reach> known = (*engine)->WhatMay(identities[i], chain, with_context);
      std::map<PairKey, std::vector<const Access*>> known_by_pair;
      if (known.ok()) {
        ++counts->known_context_reaches;
        for (const Access& access : known->accesses) {
          known_by_pair[{access.action, access.resource_type, access.resource_id}].push_back(
              &access);
        }
      } else {
        EXPECT_EQ(known.status().code(), absl::StatusCode::kInvalidArgument) << replay;
      }
      size_t matched_pairs = 0;
      for (const auto& [action, types] : schema.actions) {
        for (const std::string& type : types) {
          auto of_type = entities->resources_by_type().find(type);
          if (of_type == entities->resources_by_type().end()) continue;
          for (const auto& [id, resource] : of_type->second) {
            Request request;
            request.subject = identities[i];
            request.on_behalf_of = chain;
            request.action = action;
            request.resource.type = type;
            request.resource.id = resource.id;
            request.now = options.now;
            const PairKey pair{action, type, resource.id};
            auto found = by_pair.find(pair);
            std::vector<const Access*> accesses =
                found == by_pair.end() ? std::vector<const Access*>() : found->second;
            if (found != by_pair.end()) ++matched_pairs;
            // With no context, with the context and arguments of a generated request, and
            // (against the reach with that context known) with the first request's context.
            for (int variant = 0; variant < 3; ++variant) {
              if (variant == 1) {
                const Request& sample = samples[counts->pairs % samples.size()];
                request.context = sample.context;
                request.args = sample.args;
                request.args_json = sample.args_json;
              }
              if (variant == 2) {
                if (!known.ok()) break;
                request.context = samples[0].context;
                request.args.clear();
                request.args_json.clear();
                auto known_found = known_by_pair.find(pair);
                accesses = known_found == known_by_pair.end() ? std::vector<const Access*>()
                                                              : known_found->second;
              }
              const Decision decision = (*engine)->Decide(request);
              if (decision.reason == Reason::kInvalidRequest && variant > 0) continue;
              ++counts->pairs;
              ++counts->by_effect[static_cast<int>(decision.effect)];
              const std::string where =
                  absl::StrCat(replay, ": ", SubjectKindName(identities[i].kind), " ",
                               identities[i].id, " chain of ", chain.size(), ", ", action, " ",
                               type, ":", resource.id, " (variant ", variant, "): decision ",
                               decision.ToJson(), "; reach ", reach->ToJson());
              bool has_effect = false;
              for (const Access* access : accesses) {
                has_effect |= access->effect == decision.effect;
                if (!access->condition.empty()) continue;
                const bool rules_agree =
                    reads_request ? std::includes(access->rules.begin(), access->rules.end(),
                                                  decision.rules.begin(), decision.rules.end())
                                  : access->rules == decision.rules;
                if (access->effect != decision.effect || !rules_agree) {
                  ADD_FAILURE() << "unconditional access disagrees: " << where;
                  if (++counts->failures >= kMaxFailures) return;
                }
              }
              if (decision.effect != Effect::kDeny && !has_effect) {
                ADD_FAILURE() << "no access for a decision that is not DENY: " << where;
                if (++counts->failures >= kMaxFailures) return;
              }
            }
          }
        }
      }
      // Every access names a stored resource of an action's type.
      EXPECT_EQ(matched_pairs, by_pair.size()) << replay << ": " << reach->ToJson();
    }
  }
  ++counts->sets;
  if (!reads_request) {
    ++counts->sets_without_conditions;
    EXPECT_FALSE(any_condition) << replay << ": a condition from a policy that reads no request";
  }
}

TEST(ReachPropertyTest, AgreesWithBruteForceOnRandomPolicies) {
  int64_t sets = kDefaultSets;
  if (const char* text = std::getenv("WARD_REACH_ITERATIONS"); text != nullptr && *text) {
    sets = std::strtoll(text, nullptr, 10);
    ASSERT_GT(sets, 0) << "WARD_REACH_ITERATIONS must be a positive integer";
  }
  random_policy::SplitMix64 seeds(kSeedStream);
  Counts counts;
  for (int64_t i = 0; i < sets && counts.failures < kMaxFailures; ++i) {
    CheckSet(seeds.Next(), &counts);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::cout << "sets " << counts.sets << " (" << counts.sets_without_conditions
            << " without conditions), pairs " << counts.pairs << ": ALLOW " << counts.by_effect[0]
            << ", NEEDS_APPROVAL " << counts.by_effect[1] << ", DENY " << counts.by_effect[2]
            << "; accesses unconditional " << counts.unconditional << ", conditional "
            << counts.conditional << "; stopped reaches " << counts.stopped
            << "; reaches with a known context " << counts.known_context_reaches << "\n";
  // The run must have exercised what it checks: every effect, both kinds of access, sets
  // where the result is exactly the brute force's, and identities the guard stops.
  EXPECT_EQ(counts.sets, sets);
  if (sets >= kDefaultSets) {
    EXPECT_GT(counts.by_effect[0], 1000);
    EXPECT_GT(counts.by_effect[1], 100);
    EXPECT_GT(counts.by_effect[2], 1000);
    EXPECT_GT(counts.unconditional, 1000);
    EXPECT_GT(counts.conditional, 100);
    EXPECT_GT(counts.sets_without_conditions, 5);
    EXPECT_GT(counts.stopped, 100);
    EXPECT_GT(counts.known_context_reaches, 1000);
  }
}

}  // namespace
}  // namespace ward
