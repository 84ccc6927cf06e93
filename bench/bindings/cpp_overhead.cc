// The C++ side of the binding overhead benchmark (README.md here): decides the agent-runtime
// example's request again and again through the C++ API, (a) as a parsed Request into a
// reused Decision, the hot-path form, and (d) parsing the request JSON on every call. One JSON
// line per call path. c_overhead.cc measures the C interface the same way, in its own process
// (ward.h explains why the two cannot share one).
//
//   binding_overhead_cpp [--iterations N] [--dir examples/agent-runtime]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/bindings/overhead_harness.h"
#include "lib/internal/files.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/request.h"

namespace {

void Print(const char* call, const ward::Decision& decision, double ns, long iterations) {
  std::printf(
      "{\"binding\":\"cpp\",\"call\":\"%s\",\"request\":\"request.json\",\"effect\":\"%s\","
      "\"ns_per_decision\":%.1f,\"decisions\":%ld}\n",
      call, std::string(ward::EffectName(decision.effect)).c_str(), ns, iterations);
}

}  // namespace

int main(int argc, char** argv) {
  ward::bench::OverheadOptions options;
  if (!ward::bench::ParseOverheadOptions(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: binding_overhead_cpp [--iterations N] [--dir DIR] [--request FILE]\n");
    return 2;
  }
  absl::StatusOr<std::vector<ward::SourceFile>> sources =
      ward::ReadSourceFiles({options.dir + "/schema.ward", options.dir + "/rules.ward"});
  if (!sources.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sources.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::CompilePolicy(*sources);
  absl::StatusOr<std::string> entity_text =
      ward::internal::ReadFile(options.dir + "/entities.json", size_t{64} << 20);
  absl::StatusOr<std::string> request_text =
      ward::internal::ReadFile(options.request, size_t{1} << 20);
  if (!policy.ok() || !entity_text.ok() || !request_text.ok()) {
    std::fprintf(stderr, "cannot read the example in %s\n", options.dir.c_str());
    return 1;
  }
  absl::StatusOr<ward::EntityStore> entities =
      ward::EntityStore::FromJson(*entity_text, (*policy)->schema());
  if (!entities.ok()) return 1;
  absl::StatusOr<std::unique_ptr<ward::Engine>> engine =
      ward::Engine::Create(*policy, *std::move(entities));
  absl::StatusOr<ward::Request> request = ward::ParseRequestJson(*request_text);
  if (!engine.ok() || !request.ok()) {
    std::fprintf(stderr, "cannot create the engine or parse the request\n");
    return 1;
  }

  ward::Decision decision;
  const double decide_ns = ward::bench::NanosPerCall(
      options.iterations, [&] { (*engine)->Decide(*request, &decision); });
  const std::string expected = decision.ToJson();
  Print("decide", decision, decide_ns, options.iterations);

  bool parsed_ok = true;
  const double json_ns = ward::bench::NanosPerCall(options.iterations, [&] {
    absl::StatusOr<ward::Request> parsed = ward::ParseRequestJson(*request_text);
    if (!parsed.ok()) {
      parsed_ok = false;
      return;
    }
    (*engine)->Decide(*parsed, &decision);
  });
  if (!parsed_ok || decision.ToJson() != expected) {
    std::fprintf(stderr, "the two call paths decided differently\n");
    return 1;
  }
  Print("decide_json", decision, json_ns, options.iterations);
  return 0;
}
