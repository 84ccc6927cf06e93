// A fixed amount of deciding, for instruction counts: builds the agentgate workload at a
// scale, decides every request once to warm up, then decides all of them `--rounds` times in
// DecideRounds. Run it under callgrind and count the instructions of DecideRounds alone; the
// count does not move with the machine's load, so two builds compare exactly:
//
//   valgrind --tool=callgrind --toggle-collect='ward::bench::DecideRounds*' \
//     build-release/bench/decide_instructions --scale 1 --rounds 5
//   (instructions of DecideRounds) / (printed decisions) = instructions per decision
//
// Prints the number of decisions made in DecideRounds.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "bench/workload.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"

namespace ward::bench {

// Not inlined, so that callgrind can count it alone.
__attribute__((noinline)) int64_t DecideRounds(const Engine& engine,
                                               const std::vector<Request>& requests, int rounds,
                                               Decision* decision) {
  int64_t decisions = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const Request& request : requests) {
      engine.Decide(request, decision);
      ++decisions;
    }
  }
  return decisions;
}

}  // namespace ward::bench

int main(int argc, char** argv) {
  int scale = 1;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--scale" && absl::SimpleAtoi(argv[i + 1], &scale) && scale >= 1) continue;
    if (flag == "--rounds" && absl::SimpleAtoi(argv[i + 1], &rounds) && rounds >= 1) continue;
    std::fprintf(stderr, "usage: decide_instructions [--scale S] [--rounds N]\n");
    return 2;
  }
  const ward::bench::Workload workload = ward::bench::Generate(scale, /*seed=*/1);
  auto policy = ward::CompilePolicy({{"agentgate.ward", ward::bench::WardPolicyText(workload)}});
  if (!policy.ok()) return 1;
  auto entities =
      ward::EntityStore::FromJson(ward::bench::WardEntitiesJson(workload), (*policy)->schema());
  if (!entities.ok()) return 1;
  auto engine = ward::Engine::Create(*policy, *std::move(entities));
  if (!engine.ok()) return 1;
  std::vector<ward::Request> requests;
  for (const ward::bench::WorkloadRequest& r : workload.requests) {
    requests.push_back(ward::bench::ToWardRequest(workload, r));
  }
  ward::Decision decision;
  ward::bench::DecideRounds(**engine, requests, 1, &decision);  // warm-up
  const int64_t decisions = ward::bench::DecideRounds(**engine, requests, rounds, &decision);
  std::printf("%lld decisions\n", static_cast<long long>(decisions));
  return 0;
}
