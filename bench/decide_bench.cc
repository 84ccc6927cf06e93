// Google Benchmark suites of the agentgate workload (see bench/README.md):
//
//   Decide/<class>/Scale<S>      a decision, per request class and mixed, 1 and 2 threads
//   DecideLogged/<class>/Scale<S>  the same with every decision recorded in a decision log
//                                (records formatted on the log's thread and discarded)
//   Baseline/<class>/Scale<S>    the same checks written by hand (bench/baseline.h)
//   HashLookup/Scale<S>          a bare hash lookup of the subject
//   Compile/Scale<S>             the policy text to a ward::Policy
//   EntityLoad/Scale<S>          the entity file to an EntityStore, and Engine::Create
//   BundleLoad/Scale<S>          the compiled bundle to a ward::Policy, verified
//   BundleVerify/Scale<S>        the verification alone (internal::VerifyProgram)
//   BundleRefuse/RegexFlood      refusing a bundle of 400 patterns near their budget
//   Redact/4KiB/3patterns        ward::ApplyRedactions, in bytes per second
//
// Each scale's workload is generated and compiled once, on first use, so that filtering to
// one scale (--benchmark_filter=Scale1) builds only that one.

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/baseline.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "lib/proto/bundle.pb.h"
#include "re2/re2.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/redact.h"

namespace ward::bench {
namespace {

constexpr std::array<int, 3> kScales = {1, 4, 40};

// The requests a Decide or Baseline benchmark cycles through: one class, or all (mixed).
enum Slice { kAgentCalls, kUserReveals, kBuilderReads, kMixed, kSlices };
constexpr std::array<const char*, kSlices> kSliceNames = {"AgentCall", "UserReveal", "BuilderRead",
                                                          "Mixed"};

struct Prepared {
  Workload workload;
  std::string policy_text;
  std::string entities_json;
  std::unique_ptr<Engine> engine;
  std::shared_ptr<DecisionLog> log;       // formats every record, then discards it
  std::unique_ptr<Engine> logged_engine;  // `engine` with `log`
  std::unique_ptr<Baseline> baseline;
  std::array<std::vector<Request>, kSlices> requests;
  std::array<std::vector<BaselineRequest>, kSlices> baseline_requests;
  std::string error;  // set when the workload did not compile or load
};

std::unique_ptr<Prepared> Build(int scale) {
  auto p = std::make_unique<Prepared>();
  p->workload = Generate(scale, /*seed=*/1);
  p->policy_text = WardPolicyText(p->workload);
  p->entities_json = WardEntitiesJson(p->workload);
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"agentgate.ward", p->policy_text}});
  if (!policy.ok()) {
    p->error = std::string(policy.status().message());
    return p;
  }
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(p->entities_json, (*policy)->schema());
  if (!store.ok()) {
    p->error = std::string(store.status().message());
    return p;
  }
  absl::StatusOr<std::shared_ptr<DecisionLog>> log = DecisionLog::Create(
      CallbackSink([](absl::string_view record) { benchmark::DoNotOptimize(record.data()); }));
  if (!log.ok()) {
    p->error = std::string(log.status().message());
    return p;
  }
  p->log = *std::move(log);
  EngineOptions logged;
  logged.decision_log = p->log;
  absl::StatusOr<std::unique_ptr<Engine>> logged_engine = Engine::Create(*policy, *store, logged);
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(*policy, *std::move(store));
  if (!engine.ok() || !logged_engine.ok()) {
    p->error = std::string((engine.ok() ? logged_engine : engine).status().message());
    return p;
  }
  p->engine = *std::move(engine);
  p->logged_engine = *std::move(logged_engine);
  p->baseline = std::make_unique<Baseline>(p->workload);
  for (const WorkloadRequest& r : p->workload.requests) {
    const int slice = static_cast<int>(r.request_class);
    p->requests[slice].push_back(ToWardRequest(p->workload, r));
    p->requests[kMixed].push_back(p->requests[slice].back());
    p->baseline_requests[slice].push_back(ToBaselineRequest(p->workload, r));
    p->baseline_requests[kMixed].push_back(p->baseline_requests[slice].back());
  }
  return p;
}

// The prepared workload at `scale`, built on first use; safe to call from every thread of a
// multi-threaded benchmark.
const Prepared& Prepare(int scale) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<Prepared>>* cache =
      new std::map<int, std::unique_ptr<Prepared>>();
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Prepared>& entry = (*cache)[scale];
  if (entry == nullptr) entry = Build(scale);
  return *entry;
}

// Each thread starts at its own place in the requests so that two threads do not walk the
// same entries in step.
size_t StartIndex(const benchmark::State& state, size_t size) {
  return size * static_cast<size_t>(state.thread_index()) / static_cast<size_t>(state.threads());
}

void BM_Decide(benchmark::State& state, int scale, Slice slice) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::vector<Request>& requests = p.requests[slice];
  Decision decision;  // one per thread, reused: the hot-path form
  size_t i = StartIndex(state, requests.size());
  for (auto _ : state) {
    p.engine->Decide(requests[i], &decision);
    benchmark::DoNotOptimize(decision.effect);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// As BM_Decide, with every decision recorded. The counters say how many records the log
// wrote and dropped (a drop costs the decision less than a record: a run with drops understates
// the cost).
void BM_DecideLogged(benchmark::State& state, int scale, Slice slice) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::vector<Request>& requests = p.requests[slice];
  Decision decision;
  size_t i = StartIndex(state, requests.size());
  const DecisionLogStats before = p.log->stats();
  for (auto _ : state) {
    p.logged_engine->Decide(requests[i], &decision);
    benchmark::DoNotOptimize(decision.effect);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    p.log->Flush().IgnoreError();
    const DecisionLogStats after = p.log->stats();
    state.counters["dropped"] = static_cast<double>(after.dropped - before.dropped);
    state.counters["recorded"] = static_cast<double>(after.recorded - before.recorded);
  }
}

void BM_Baseline(benchmark::State& state, int scale, Slice slice) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::vector<BaselineRequest>& requests = p.baseline_requests[slice];
  size_t i = StartIndex(state, requests.size());
  for (auto _ : state) {
    bool allowed = p.baseline->Decide(requests[i]);
    benchmark::DoNotOptimize(allowed);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HashLookup(benchmark::State& state, int scale) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::vector<BaselineRequest>& requests = p.baseline_requests[kMixed];
  size_t i = 0;
  for (auto _ : state) {
    bool found = p.baseline->HashLookup(requests[i]);
    benchmark::DoNotOptimize(found);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Compile(benchmark::State& state, int scale) {
  const Prepared& p = Prepare(scale);
  const std::vector<SourceFile> sources = {{"agentgate.ward", p.policy_text}};
  size_t rules = 0;
  for (auto _ : state) {
    CompileResult result = Compile(sources);
    if (result.policy == nullptr) {
      state.SkipWithError("the workload does not compile");
      return;
    }
    rules = result.policy->rule_count();
  }
  state.counters["rules"] = static_cast<double>(rules);
}

void BM_EntityLoad(benchmark::State& state, int scale) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::shared_ptr<const Policy> policy = p.engine->policy();
  for (auto _ : state) {
    absl::StatusOr<EntityStore> store = EntityStore::FromJson(p.entities_json, policy->schema());
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        store.ok() ? Engine::Create(policy, *std::move(store))
                   : absl::StatusOr<std::unique_ptr<Engine>>(store.status());
    if (!engine.ok()) {
      state.SkipWithError("the workload's entities do not load");
      return;
    }
    benchmark::DoNotOptimize(engine->get());
  }
}

// ---- Bundle load ----

// Loading the workload's compiled bundle (what a gateway does instead of compiling), beside
// Compile: the bytes are checked, every index verified and the regexes compiled.
void BM_BundleLoad(benchmark::State& state, int scale) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::string bytes = SerializeBundle(*p.engine->policy());
  for (auto _ : state) {
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
    if (!loaded.ok()) {
      state.SkipWithError("the bundle does not load");
      return;
    }
    benchmark::DoNotOptimize(loaded->get());
  }
  state.counters["bundle_bytes"] = static_cast<double>(bytes.size());
}

// The part of BundleLoad that verifies the program as if an attacker wrote it (types of the
// code, attribute references, rules: internal::VerifyProgram), timed alone on the loaded
// program; BundleLoad minus this is a load without it. The counters say how much of the
// regex budget the bundle uses.
void BM_BundleVerify(benchmark::State& state, int scale) {
  const Prepared& p = Prepare(scale);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  absl::StatusOr<std::shared_ptr<const Policy>> loaded =
      LoadBundle(SerializeBundle(*p.engine->policy()));
  if (!loaded.ok()) {
    state.SkipWithError("the bundle does not load");
    return;
  }
  const internal::Program& program = internal::ProgramOf(**loaded);
  for (auto _ : state) {
    absl::Status verified = internal::VerifyProgram(program);
    if (!verified.ok()) {
      state.SkipWithError("the bundle does not verify");
      return;
    }
    benchmark::DoNotOptimize(verified);
  }
  double patterns = static_cast<double>(program.regex_patterns.size());
  double text_bytes = 0;
  for (const std::string& pattern : program.regex_patterns) text_bytes += pattern.size();
  for (const internal::ProgramRule& rule : program.rules) {
    patterns += static_cast<double>(rule.obligations.redact.size());
    for (const Redaction& redaction : rule.obligations.redact) {
      text_bytes += redaction.pattern.size();
    }
  }
  double compiled_bytes = 0;
  for (const auto& regex : program.regexes) {
    compiled_bytes += static_cast<double>(regex->ProgramSize() * internal::kRegexInstructionBytes);
  }
  state.counters["instructions"] = static_cast<double>(program.code.size());
  state.counters["regexes"] = patterns;
  state.counters["regex_text_bytes"] = text_bytes;
  state.counters["regex_compiled_bytes"] = compiled_bytes;
}

// A hostile bundle: 400 patterns of 175 bytes (70 KB), each close to the budget of one
// pattern (RE2 max_mem), with a valid checksum. Loading it must be refused by the regex
// budget (BundleLoadOptions) after compiling a few of them; unbounded, it took some 20 s and
// 200 MB.
void BM_BundleRefuseRegexFlood(benchmark::State& state) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"flood.ward",
                      "schema { resource tool {} action invoke on tool }\n"
                      "@id(\"r\") permit user to invoke on tool;\n"}});
  if (!policy.ok()) {
    state.SkipWithError("the policy does not compile");
    return;
  }
  ward::bundle::Bundle envelope;
  ward::bundle::Program program;
  if (!envelope.ParseFromString(SerializeBundle(**policy)) ||
      !program.ParseFromString(envelope.program())) {
    state.SkipWithError("the bundle does not decode");
    return;
  }
  for (int i = 0; i < 400; ++i) {
    std::string pattern = absl::StrCat("\\pL{50}", i, "|");
    pattern.resize(175, 'x');
    program.add_regex_patterns(pattern);
  }
  std::string serialized;
  program.SerializeToString(&serialized);
  envelope.set_checksum(internal::Fnv1a64(serialized));
  envelope.set_program(std::move(serialized));
  std::string bytes;
  envelope.SerializeToString(&bytes);
  for (auto _ : state) {
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
    if (loaded.ok()) {
      state.SkipWithError("the flood loaded");
      return;
    }
  }
  state.counters["bundle_bytes"] = static_cast<double>(bytes.size());
}

// An ALLOW whose obligations hold three redactions, obtained the way an application gets
// them: from a decision, with the patterns the policy compiled. The redactions are used
// through the Decision, which keeps the policy that owns those patterns alive.
Decision RedactionDecision() {
  constexpr char kPolicy[] = R"(schema {
  resource reply {}
  action release on reply
}
@id("release-masked")
permit user to release on reply
  with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]"),
       redact(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/, "[EMAIL]"),
       redact(/sk-[A-Za-z0-9]{20,}/, "[SECRET]");
)";
  constexpr char kEntities[] =
      R"({"identities":[{"kind":"user","id":"u1","status":"active"}],"resources":[]})";
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"redact.ward", kPolicy}});
  if (!policy.ok()) return {};
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(kEntities, (*policy)->schema());
  if (!store.ok()) return {};
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(*policy, *std::move(store));
  if (!engine.ok()) return {};
  Request request;
  request.subject = {SubjectKind::kUser, "u1"};
  request.action = "release";
  request.resource.type = "reply";
  request.resource.id = "r1";
  return (*engine)->Decide(request);
}

// 4 KiB of model output with, now and then, something to mask.
std::string RedactionText() {
  constexpr std::array<const char*, 6> kLines = {
      "The quarterly summary covers revenue, churn and the hiring plan for next year.\n",
      "Contact the account owner at jane.doe@example.com before renewing the contract.\n",
      "Records show the applicant's number as 512-44-9031; verify it against the file.\n",
      "Deployment used the key sk-9fQ2xL7mB4tR8wZ1cV6nY3pK0s for the staging cluster.\n",
      "No further action is needed; the pipeline completed and the report was filed.\n",
      "Model evaluation improved recall by two points on the held-out support tickets.\n"};
  std::string text;
  for (size_t i = 0; text.size() < 4096; ++i) text += kLines[(i * 7 + i / 6) % kLines.size()];
  text.resize(4096);
  return text;
}

void BM_Redact(benchmark::State& state) {
  const Decision decision = RedactionDecision();
  const Obligations& obligations = decision.obligations;
  if (decision.effect != Effect::kAllow || obligations.redact.size() != 3) {
    state.SkipWithError("the redaction policy did not yield three redactions");
    return;
  }
  const std::string text = RedactionText();
  for (auto _ : state) {
    absl::StatusOr<std::string> out = ApplyRedactions(obligations, text);
    if (!out.ok()) {
      state.SkipWithError("the redactions do not apply");
      return;
    }
    benchmark::DoNotOptimize(out->data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void RegisterAll() {
  for (int scale : kScales) {
    const std::string suffix = absl::StrCat("/Scale", scale);
    for (int s = 0; s < kSlices; ++s) {
      const Slice slice = static_cast<Slice>(s);
      benchmark::RegisterBenchmark(absl::StrCat("Decide/", kSliceNames[s], suffix).c_str(),
                                   BM_Decide, scale, slice)
          ->Threads(1)
          ->Threads(2)
          ->UseRealTime();
    }
    for (int s = 0; s < kSlices; ++s) {
      benchmark::RegisterBenchmark(absl::StrCat("DecideLogged/", kSliceNames[s], suffix).c_str(),
                                   BM_DecideLogged, scale, static_cast<Slice>(s))
          ->Threads(1)
          ->UseRealTime();
    }
    for (int s = 0; s < kSlices; ++s) {
      benchmark::RegisterBenchmark(absl::StrCat("Baseline/", kSliceNames[s], suffix).c_str(),
                                   BM_Baseline, scale, static_cast<Slice>(s));
    }
    benchmark::RegisterBenchmark(absl::StrCat("HashLookup", suffix).c_str(), BM_HashLookup, scale);
    benchmark::RegisterBenchmark(absl::StrCat("Compile", suffix).c_str(), BM_Compile, scale)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(absl::StrCat("EntityLoad", suffix).c_str(), BM_EntityLoad, scale)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(absl::StrCat("BundleLoad", suffix).c_str(), BM_BundleLoad, scale)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(absl::StrCat("BundleVerify", suffix).c_str(), BM_BundleVerify,
                                 scale)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Redact/4KiB/3patterns", BM_Redact);
  benchmark::RegisterBenchmark("BundleRefuse/RegexFlood", BM_BundleRefuseRegexFlood)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace ward::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ward::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
