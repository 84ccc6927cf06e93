// The cost of "what may this identity do" (Engine::BlastRadiusOf) on the agentgate workload:
// the time of one identity's blast radius, by kind (median and worst over a sample), and of
// ranking every identity of the inventory with the work shared by --threads threads.
//
//   build/bench/blast_radius --scale 40 --sample 50 --threads 2
//
// Prints one JSON line.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/workload.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int scale = 1, sample = 50, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int* target = flag == "--scale"     ? &scale
                  : flag == "--sample"  ? &sample
                  : flag == "--threads" ? &threads
                                        : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target < 1) {
      std::fprintf(stderr, "usage: blast_radius [--scale S] [--sample N] [--threads T]\n");
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "usage: blast_radius [--scale S] [--sample N] [--threads T]\n");
    return 2;
  }
  const ward::bench::Workload workload = ward::bench::Generate(scale, /*seed=*/1, 1);
  auto policy = ward::CompilePolicy({{"agentgate.ward", ward::bench::WardPolicyText(workload)}});
  if (!policy.ok()) return 1;
  auto entities =
      ward::EntityStore::FromJson(ward::bench::WardEntitiesJson(workload), (*policy)->schema());
  if (!entities.ok()) return 1;
  auto engine = ward::Engine::Create(*policy, *std::move(entities));
  if (!engine.ok()) return 1;
  ward::ReachOptions options;
  options.now = absl::FromUnixSeconds(workload.now);

  // One identity at a time: a spread sample of each kind.
  auto time_kind = [&](const std::vector<std::string>& ids, double* median_ms, double* max_ms,
                       int64_t* max_reached) {
    std::vector<double> times;
    const size_t step = std::max<size_t>(1, ids.size() / sample);
    for (size_t i = 0; i < ids.size() && times.size() < static_cast<size_t>(sample); i += step) {
      const auto start = std::chrono::steady_clock::now();
      auto blast = (*engine)->BlastRadiusOf(ids[i], options);
      times.push_back(Seconds(start) * 1e3);
      if (!blast.ok()) return false;
      *max_reached = std::max(*max_reached, blast->reached);
    }
    std::sort(times.begin(), times.end());
    *median_ms = times[times.size() / 2];
    *max_ms = times.back();
    return true;
  };
  std::vector<std::string> users, agents, builders;
  for (const auto& user : workload.users) users.push_back(user.id);
  for (const auto& agent : workload.agents) agents.push_back(agent.id);
  for (const auto& builder : workload.builders) builders.push_back(builder.id);
  double median[3], worst[3];
  int64_t reached[3] = {0, 0, 0};
  if (!time_kind(users, &median[0], &worst[0], &reached[0]) ||
      !time_kind(agents, &median[1], &worst[1], &reached[1]) ||
      !time_kind(builders, &median[2], &worst[2], &reached[2])) {
    return 1;
  }

  // Every identity, shared across threads (as `ward blast --top` does).
  std::vector<std::string> all = users;
  all.insert(all.end(), agents.begin(), agents.end());
  all.insert(all.end(), builders.begin(), builders.end());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> total_reached{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < all.size(); i = next++) {
        auto blast = (*engine)->BlastRadiusOf(all[i], options);
        if (blast.ok()) total_reached += blast->reached;
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  const double rank_seconds = Seconds(start);

  absl::PrintF(
      "{\"scale\":%d,\"identities\":%d,\"threads\":%d,"
      "\"user_ms\":{\"median\":%.2f,\"max\":%.2f,\"max_reached\":%d},"
      "\"agent_ms\":{\"median\":%.2f,\"max\":%.2f,\"max_reached\":%d},"
      "\"builder_ms\":{\"median\":%.2f,\"max\":%.2f,\"max_reached\":%d},"
      "\"rank_all_s\":%.2f,\"reached_total\":%d}\n",
      scale, all.size(), threads, median[0], worst[0], reached[0], median[1], worst[1], reached[1],
      median[2], worst[2], reached[2], rank_seconds, total_reached.load());
  return 0;
}
