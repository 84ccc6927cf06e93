// ward_latency: generates the agentgate workload, compiles it, and times every decision.
//
//   ward_latency --scale S [--seed N] [--requests N] [--throughput-ms MS]
//
// Prints one JSON line (see bench/README.md for each key) and exits 0 when every decision
// agrees with the workload's oracle and the hand-written baseline does too; 1 on any
// disagreement or failure; 2 on a usage error. Single-threaded except for the throughput
// comparison at the end. Diagnostics go to stderr.

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/baseline.h"
#include "bench/workload.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/request_builder.h"

// ---- Heap accounting ---------------------------------------------------------------------
//
// Every global operator new and delete is replaced so that the harness can count the heap
// allocations a decision makes (per thread, only while counting is switched on) and follow
// the net heap growth of compiling and loading (while tracking is switched on). Sizes come
// from malloc_usable_size so that new and delete account for the same number of bytes.

namespace {

thread_local bool t_count_allocations = false;
thread_local uint64_t t_allocations = 0;
std::atomic<bool> g_track_heap{false};
std::atomic<int64_t> g_heap_bytes{0};

void* Allocate(std::size_t size, std::size_t alignment, bool nothrow) {
  if (size == 0) size = 1;
  void* p = alignment <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (p == nullptr) {
    if (nothrow) return nullptr;
    throw std::bad_alloc();
  }
  if (t_count_allocations) ++t_allocations;
  if (g_track_heap.load(std::memory_order_relaxed)) {
    g_heap_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  return p;
}

void Release(void* p) {
  if (p == nullptr) return;
  if (g_track_heap.load(std::memory_order_relaxed)) {
    g_heap_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  std::free(p);
}

constexpr std::size_t kDefaultAlignment = alignof(std::max_align_t);

}  // namespace

void* operator new(std::size_t n) { return Allocate(n, kDefaultAlignment, false); }
void* operator new[](std::size_t n) { return Allocate(n, kDefaultAlignment, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kDefaultAlignment, true);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kDefaultAlignment, true);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return Allocate(n, static_cast<std::size_t>(a), false);
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return Allocate(n, static_cast<std::size_t>(a), false);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<std::size_t>(a), true);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<std::size_t>(a), true);
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }

namespace ward::bench {
namespace {

using Clock = std::chrono::steady_clock;

volatile bool g_sink = false;

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Resident set size in bytes, from /proc/self/statm. Freed heap is returned to the system
// first, so that the figure is what stays in use, not what the allocator keeps cached.
int64_t ResidentBytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

struct Summary {
  int64_t median = 0;
  int64_t p99 = 0;
  double mean = 0;
};

// Nearest-rank percentiles.
Summary Summarize(std::vector<int64_t> ns) {
  Summary s;
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  auto rank = [&](double q) {
    size_t k = static_cast<size_t>(q * static_cast<double>(ns.size()) + 0.999999);
    return ns[std::clamp<size_t>(k, 1, ns.size()) - 1];
  };
  s.median = rank(0.5);
  s.p99 = rank(0.99);
  double total = 0;
  for (int64_t v : ns) total += static_cast<double>(v);
  s.mean = total / static_cast<double>(ns.size());
  return s;
}

// The cost of the two clock reads around each timed call, reported beside the figures (not
// subtracted from them).
int64_t TimerOverheadNanos() {
  std::vector<int64_t> ns(2000);
  for (int64_t& v : ns) {
    auto t0 = Clock::now();
    auto t1 = Clock::now();
    v = Nanos(t1 - t0);
  }
  return Summarize(std::move(ns)).median;
}

// Decisions per second with `threads` threads deciding over the same engine, each with its
// own Decision, for about `duration_ms`.
double Throughput(const Engine& engine, const std::vector<Request>& requests, int threads,
                  int duration_ms) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::vector<double> rates(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Decision decision;
      size_t i = requests.size() * t / threads;
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      const auto start = Clock::now();
      uint64_t done = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 16; ++k) {
          engine.Decide(requests[i], &decision);
          if (++i == requests.size()) i = 0;
        }
        done += 16;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      rates[t] = static_cast<double>(done) / seconds;
    });
  }
  while (ready.load() < threads) {
  }
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::milliseconds(duration_ms));
  stop.store(true);
  for (std::thread& w : workers) w.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}

struct Flags {
  int scale = 1;
  uint64_t seed = 1;
  int requests = kDefaultRequests;
  int throughput_ms = 200;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    bool ok = false;
    if (arg == "--scale") {
      ok = absl::SimpleAtoi(value, &flags->scale) && flags->scale >= 1;
    } else if (arg == "--seed") {
      ok = absl::SimpleAtoi(value, &flags->seed);
    } else if (arg == "--requests") {
      ok = absl::SimpleAtoi(value, &flags->requests) && flags->requests >= 1;
    } else if (arg == "--throughput-ms") {
      ok = absl::SimpleAtoi(value, &flags->throughput_ms) && flags->throughput_ms >= 1;
    }
    if (!ok) return false;
  }
  return true;
}

int Run(const Flags& flags) {
  const Workload workload = Generate(flags.scale, flags.seed, flags.requests);
  const std::vector<SourceFile> sources = {{"agentgate.ward", WardPolicyText(workload)}};
  const std::string entities_json = WardEntitiesJson(workload);
  std::vector<Request> requests;
  std::vector<bool> expected;
  for (const WorkloadRequest& r : workload.requests) {
    requests.push_back(ToWardRequest(workload, r));
    expected.push_back(OracleAllows(workload, r));
  }

  // Compile and load, measuring time, resident memory and net heap growth.
  const int64_t rss_before = ResidentBytes();
  g_heap_bytes.store(0);
  g_track_heap.store(true);
  const auto t0 = Clock::now();
  CompileResult compiled = Compile(sources);
  const auto t1 = Clock::now();
  // The heap the compiled policy holds; the entity store and the engine come on top.
  const int64_t compile_heap = g_heap_bytes.load();
  if (compiled.policy == nullptr) {
    std::cerr << "ward_latency: the generated policy does not compile:\n";
    for (const Diagnostic& d : compiled.diagnostics) std::cerr << "  " << d.message << "\n";
    return 1;
  }
  absl::StatusOr<EntityStore> store =
      EntityStore::FromJson(entities_json, compiled.policy->schema());
  if (!store.ok()) {
    std::cerr << "ward_latency: the generated entities do not load: " << store.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<Engine>> created =
      Engine::Create(compiled.policy, *std::move(store));
  const auto t2 = Clock::now();
  if (!created.ok()) {
    std::cerr << "ward_latency: Engine::Create failed: " << created.status() << "\n";
    return 1;
  }
  const Engine& engine = **created;
  compiled.diagnostics.clear();
  compiled.diagnostics.shrink_to_fit();
  g_track_heap.store(false);
  const int64_t heap_growth = g_heap_bytes.load();
  const int64_t rss_growth = ResidentBytes() - rss_before;
  const size_t rules = engine.policy()->rule_count();

  // The compiled policy alone, as a gateway holds it: loaded from its bundle (the checked
  // rules, which the compiler keeps for the tools, are not part of it).
  const std::string bundle = SerializeBundle(*engine.policy());
  g_heap_bytes.store(0);
  g_track_heap.store(true);
  absl::StatusOr<std::shared_ptr<const Policy>> from_bundle = LoadBundle(bundle);
  g_track_heap.store(false);
  const int64_t program_heap = g_heap_bytes.load();
  if (!from_bundle.ok()) {
    std::cerr << "ward_latency: the bundle does not load: " << from_bundle.status() << "\n";
    return 1;
  }

  // Warm up: every request once, which also grows the Decision's storage to its steady size.
  Decision decision;
  for (const Request& r : requests) engine.Decide(r, &decision);

  // Time every decision on its own and check it against the oracle.
  const size_t n = requests.size();
  std::vector<int64_t> ns(n);
  std::vector<std::vector<int64_t>> by_class(kRequestClasses);
  uint64_t allocations = 0;
  size_t agree = 0, allowed = 0;
  std::vector<size_t> disagreements;
  for (size_t i = 0; i < n; ++i) {
    t_allocations = 0;
    t_count_allocations = true;
    const auto start = Clock::now();
    engine.Decide(requests[i], &decision);
    const auto end = Clock::now();
    t_count_allocations = false;
    allocations += t_allocations;
    ns[i] = Nanos(end - start);
    by_class[static_cast<int>(workload.requests[i].request_class)].push_back(ns[i]);
    const bool allow = decision.effect == Effect::kAllow;
    const bool deny = decision.effect == Effect::kDeny;
    if ((expected[i] && allow) || (!expected[i] && deny)) {
      ++agree;
    } else if (disagreements.size() < 5) {
      disagreements.push_back(i);
    }
    allowed += allow ? 1 : 0;
  }
  // The same requests, each decided through a RequestBuilder of its own (as a host keeps one
  // per session): after the warm-up, the records its ids name are read without a lookup.
  std::vector<RequestBuilder> builders(requests.begin(), requests.end());
  for (RequestBuilder& builder : builders) engine.Decide(&builder, &decision);
  std::vector<int64_t> builder_ns(n);
  uint64_t builder_allocations = 0;
  size_t builder_agree = 0;
  for (size_t i = 0; i < n; ++i) {
    t_allocations = 0;
    t_count_allocations = true;
    const auto start = Clock::now();
    engine.Decide(&builders[i], &decision);
    const auto end = Clock::now();
    t_count_allocations = false;
    builder_allocations += t_allocations;
    builder_ns[i] = Nanos(end - start);
    const bool allow = decision.effect == Effect::kAllow;
    const bool deny = decision.effect == Effect::kDeny;
    if ((expected[i] && allow) || (!expected[i] && deny)) ++builder_agree;
  }
  if (builder_agree != n) {
    std::cerr << "ward_latency: decisions through builders disagree with the oracle on "
              << n - builder_agree << " requests\n";
  }

  for (size_t i : disagreements) {
    Decision d = engine.Decide(requests[i]);
    std::cerr << "ward_latency: disagreement on request " << i << ": expected "
              << (expected[i] ? "ALLOW" : "DENY")
              << "\n  request:  " << WardRequestJson(workload, workload.requests[i])
              << "\n  decision: " << d.ToJson() << "\n";
  }

  // The hand-written baseline and the bare subject lookup, timed the same way.
  const Baseline baseline(workload);
  std::vector<BaselineRequest> plain;
  for (const WorkloadRequest& r : workload.requests)
    plain.push_back(ToBaselineRequest(workload, r));
  size_t baseline_agree = 0;
  bool sink = false;
  for (const BaselineRequest& r : plain) sink ^= baseline.Decide(r);
  std::vector<int64_t> baseline_ns(n), lookup_ns(n);
  for (size_t i = 0; i < n; ++i) {
    const auto start = Clock::now();
    const bool allow = baseline.Decide(plain[i]);
    const auto end = Clock::now();
    baseline_ns[i] = Nanos(end - start);
    baseline_agree += allow == expected[i] ? 1 : 0;
  }
  for (size_t i = 0; i < n; ++i) {
    const auto start = Clock::now();
    sink ^= baseline.HashLookup(plain[i]);
    const auto end = Clock::now();
    lookup_ns[i] = Nanos(end - start);
  }
  if (baseline_agree != n) {
    std::cerr << "ward_latency: the baseline disagrees with the oracle on " << n - baseline_agree
              << " requests\n";
  }

  // Each configuration runs three times, alternating, and keeps its best run: other work on a
  // shared machine only ever slows a run down, and one short run can fall on it.
  double one = 0;
  double two = 0;
  for (int round = 0; round < 3; ++round) {
    one = std::max(one, Throughput(engine, requests, 1, flags.throughput_ms));
    two = std::max(two, Throughput(engine, requests, 2, flags.throughput_ms));
  }

  const Summary ward = Summarize(ns);
  const Summary through_builders = Summarize(builder_ns);
  const Summary base = Summarize(baseline_ns);
  const Summary lookup = Summarize(lookup_ns);
  std::string by_class_json;
  for (int c = 0; c < kRequestClasses; ++c) {
    absl::StrAppend(&by_class_json, c == 0 ? "" : ",", "\"",
                    RequestClassName(static_cast<RequestClass>(c)),
                    "\":", Summarize(by_class[c]).median);
  }
  std::cout << absl::StrFormat(
                   "{\"engine\":\"ward\",\"scale\":%d,\"seed\":%d,\"rules\":%d,\"identities\":%d,"
                   "\"requests\":%d,\"agreement\":%.6g,\"disagreements\":%d,"
                   "\"allow_fraction\":%.4f,\"median_ns\":%d,\"p99_ns\":%d,\"mean_ns\":%.1f,"
                   "\"median_ns_by_class\":{%s},\"allocations_per_decision\":%.3f,"
                   "\"compile_ms\":%.2f,\"policy_compile_ms\":%.2f,\"entity_load_ms\":%.2f,"
                   "\"memory_bytes_per_rule\":%.1f,\"heap_bytes_per_rule\":%.1f,"
                   "\"compile_heap_bytes_per_rule\":%.1f,\"compiled_policy_bytes_per_rule\":%.1f,"
                   "\"baseline_median_ns\":%d,\"baseline_p99_ns\":%d,"
                   "\"baseline_agreement\":%.6g,\"hash_lookup_median_ns\":%d,"
                   "\"median_vs_baseline\":%.2f,\"decisions_per_s_1_thread\":%.0f,"
                   "\"decisions_per_s_2_threads\":%.0f,\"threads2_speedup\":%.3f,"
                   "\"timer_overhead_ns\":%d,\"builder_median_ns\":%d,\"builder_p99_ns\":%d,"
                   "\"builder_agreement\":%.6g,\"builder_allocations_per_decision\":%.3f}",
                   workload.scale, workload.seed, rules,
                   workload.users.size() + workload.agents.size() + workload.builders.size(), n,
                   static_cast<double>(agree) / static_cast<double>(n), n - agree,
                   static_cast<double>(allowed) / static_cast<double>(n), ward.median, ward.p99,
                   ward.mean, by_class_json,
                   static_cast<double>(allocations) / static_cast<double>(n), Millis(t2 - t0),
                   Millis(t1 - t0), Millis(t2 - t1),
                   static_cast<double>(rss_growth) / static_cast<double>(rules),
                   static_cast<double>(heap_growth) / static_cast<double>(rules),
                   static_cast<double>(compile_heap) / static_cast<double>(rules),
                   static_cast<double>(program_heap) / static_cast<double>(rules), base.median,
                   base.p99, static_cast<double>(baseline_agree) / static_cast<double>(n),
                   lookup.median,
                   base.median > 0 ? static_cast<double>(ward.median) / base.median : 0.0, one, two,
                   one > 0 ? two / one : 0.0, TimerOverheadNanos(), through_builders.median,
                   through_builders.p99,
                   static_cast<double>(builder_agree) / static_cast<double>(n),
                   static_cast<double>(builder_allocations) / static_cast<double>(n))
            << std::endl;
  g_sink = sink;  // keeps the lookups' results observable
  return agree == n && builder_agree == n && baseline_agree == n ? 0 : 1;
}

}  // namespace
}  // namespace ward::bench

int main(int argc, char** argv) {
  ward::bench::Flags flags;
  if (!ward::bench::ParseFlags(argc, argv, &flags)) {
    std::cerr << "usage: ward_latency --scale S [--seed N] [--requests N] [--throughput-ms MS]\n";
    return 2;
  }
  return ward::bench::Run(flags);
}
