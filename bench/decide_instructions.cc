// A fixed amount of deciding, for instruction counts: builds the agentgate workload at a
// scale, decides every request once to warm up, then decides all of them `--rounds` times in
// DecideRounds. Run it under callgrind and count the instructions of DecideRounds alone; the
// count does not move with the machine's load, so two builds compare exactly:
//
//   valgrind --tool=callgrind --toggle-collect='ward::bench::DecideRounds*'
//     build-release/bench/decide_instructions --scale 1 --rounds 5    (one command)
//   (instructions of DecideRounds) / (printed decisions) = instructions per decision
//
// With --decision-log, every decision is also recorded in a decision log whose sink discards
// the records: the difference is what recording costs the deciding thread (the log's own
// thread, which formats the records, is not in DecideRounds).
//
// With --json, every round reads each request from its JSON text (ParseRequestJson), decides
// it and writes the decision's JSON (Decision::ToJson), as a server or `decide_json` does:
// count `ward::bench::DecideJsonRounds*` instead.
//
// With --request-in-cache, each request is copied into one reused Request just before it is
// decided, as a host that has just built it would have it: count `ward::bench::DecideOne*`,
// which decides it, and the copy is not counted. Its cache misses (callgrind --cache-sim=yes)
// are then those of the policy and the entities alone.
//
// With --builder, each request is decided through a RequestBuilder of its own (one per
// request, as a host keeps one per session), so that after the warm-up the records its ids
// name are read without looking the ids up: count `ward::bench::DecideBuilderRounds*`, or
// with --request-in-cache (the builder's request overwritten with the same request just
// before it is decided) `ward::bench::DecideBuilderOne*`.
//
// Prints the number of decisions made.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "bench/workload.h"
#include "ward/compile.h"
#include "ward/decision_log.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/request_builder.h"

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

// Not inlined, so that callgrind can count it alone.
__attribute__((noinline)) void DecideOne(const Engine& engine, const Request& request,
                                         Decision* decision) {
  engine.Decide(request, decision);
}

// Decides each request from a fresh copy, `rounds` times; only DecideOne is to be counted.
int64_t DecideCopiedRounds(const Engine& engine, const std::vector<Request>& requests, int rounds,
                           Decision* decision) {
  int64_t decisions = 0;
  Request copy;
  for (int round = 0; round < rounds; ++round) {
    for (const Request& request : requests) {
      copy = request;
      DecideOne(engine, copy, decision);
      ++decisions;
    }
  }
  return decisions;
}

// Not inlined, so that callgrind can count it alone.
__attribute__((noinline)) int64_t DecideBuilderRounds(const Engine& engine,
                                                      std::vector<RequestBuilder>* builders,
                                                      int rounds, Decision* decision) {
  int64_t decisions = 0;
  for (int round = 0; round < rounds; ++round) {
    for (RequestBuilder& builder : *builders) {
      engine.Decide(&builder, decision);
      ++decisions;
    }
  }
  return decisions;
}

// Not inlined, so that callgrind can count it alone.
__attribute__((noinline)) void DecideBuilderOne(const Engine& engine, RequestBuilder* builder,
                                                Decision* decision) {
  engine.Decide(builder, decision);
}

// Sets each request into its builder (the same ids: what the builder found stays good) and
// decides it, `rounds` times; only DecideBuilderOne is to be counted.
int64_t DecideRewrittenRounds(const Engine& engine, const std::vector<Request>& requests,
                              std::vector<RequestBuilder>* builders, int rounds,
                              Decision* decision) {
  int64_t decisions = 0;
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < requests.size(); ++i) {
      (*builders)[i].SetRequest(requests[i]);
      DecideBuilderOne(engine, &(*builders)[i], decision);
      ++decisions;
    }
  }
  return decisions;
}

// Not inlined, so that callgrind can count it alone.
__attribute__((noinline)) int64_t DecideJsonRounds(const Engine& engine,
                                                   const std::vector<std::string>& requests,
                                                   int rounds, Decision* decision) {
  int64_t decisions = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& text : requests) {
      absl::StatusOr<Request> request = ParseRequestJson(text);
      if (!request.ok()) return -1;
      engine.Decide(*request, decision);
      if (decision->ToJson().empty()) return -1;
      ++decisions;
    }
  }
  return decisions;
}

}  // namespace ward::bench

int main(int argc, char** argv) {
  int scale = 1;
  int rounds = 5;
  bool logged = false;
  bool json = false;
  bool request_in_cache = false;
  bool builder = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--decision-log") {
      logged = true;
      continue;
    }
    if (flag == "--json") {
      json = true;
      continue;
    }
    if (flag == "--builder") {
      builder = true;
      continue;
    }
    if (flag == "--request-in-cache") {
      request_in_cache = true;
      continue;
    }
    if (i + 1 < argc) {
      if (flag == "--scale" && absl::SimpleAtoi(argv[i + 1], &scale) && scale >= 1) {
        ++i;
        continue;
      }
      if (flag == "--rounds" && absl::SimpleAtoi(argv[i + 1], &rounds) && rounds >= 1) {
        ++i;
        continue;
      }
    }
    std::fprintf(stderr,
                 "usage: decide_instructions [--scale S] [--rounds N] [--decision-log] [--json | "
                 "--request-in-cache] [--builder]\n");
    return 2;
  }
  const ward::bench::Workload workload = ward::bench::Generate(scale, /*seed=*/1);
  auto policy = ward::CompilePolicy({{"agentgate.ward", ward::bench::WardPolicyText(workload)}});
  if (!policy.ok()) return 1;
  auto entities =
      ward::EntityStore::FromJson(ward::bench::WardEntitiesJson(workload), (*policy)->schema());
  if (!entities.ok()) return 1;
  ward::EngineOptions options;
  if (logged) {
    ward::DecisionLogOptions log_options;
    log_options.thread_queue_bytes = size_t{1} << 28;  // never full: a drop would cost less
    auto log = ward::DecisionLog::Create(ward::CallbackSink([](absl::string_view) {}), log_options);
    if (!log.ok()) return 1;
    options.decision_log = *std::move(log);
  }
  auto engine = ward::Engine::Create(*policy, *std::move(entities), options);
  if (!engine.ok()) return 1;
  std::vector<ward::Request> requests;
  for (const ward::bench::WorkloadRequest& r : workload.requests) {
    requests.push_back(ward::bench::ToWardRequest(workload, r));
  }
  ward::Decision decision;
  int64_t decisions;
  if (json) {
    std::vector<std::string> texts;
    for (const ward::bench::WorkloadRequest& r : workload.requests) {
      texts.push_back(ward::bench::WardRequestJson(workload, r));
    }
    ward::bench::DecideJsonRounds(**engine, texts, 1, &decision);  // warm-up
    decisions = ward::bench::DecideJsonRounds(**engine, texts, rounds, &decision);
    if (decisions < 0) {
      std::fprintf(stderr, "a request did not parse\n");
      return 1;
    }
  } else if (builder) {
    std::vector<ward::RequestBuilder> builders(requests.begin(), requests.end());
    if (request_in_cache) {
      ward::bench::DecideRewrittenRounds(**engine, requests, &builders, 1, &decision);  // warm-up
      decisions =
          ward::bench::DecideRewrittenRounds(**engine, requests, &builders, rounds, &decision);
    } else {
      ward::bench::DecideBuilderRounds(**engine, &builders, 1, &decision);  // warm-up
      decisions = ward::bench::DecideBuilderRounds(**engine, &builders, rounds, &decision);
    }
  } else if (request_in_cache) {
    ward::bench::DecideCopiedRounds(**engine, requests, 1, &decision);  // warm-up
    decisions = ward::bench::DecideCopiedRounds(**engine, requests, rounds, &decision);
  } else {
    ward::bench::DecideRounds(**engine, requests, 1, &decision);  // warm-up
    decisions = ward::bench::DecideRounds(**engine, requests, rounds, &decision);
  }
  std::printf("%lld decisions\n", static_cast<long long>(decisions));
  if (logged) {
    options.decision_log->Close().IgnoreError();
    const ward::DecisionLogStats stats = options.decision_log->stats();
    std::printf("%llu recorded, %llu dropped\n", static_cast<unsigned long long>(stats.recorded),
                static_cast<unsigned long long>(stats.dropped));
  }
  return 0;
}
