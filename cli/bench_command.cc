// `ward bench`: how fast ward decides your requests against your policy and inventory. Times
// every decision of the given requests, round after round, and prints the median, p90, p99 and
// worst latency and the decisions per second one or more threads sustain.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "cli/commands.h"
#include "lib/internal/json_util.h"
#include "ward/engine.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Latency samples are kept for at most this many decisions (40 MB); the phase ends there
// even when its duration has not.
constexpr size_t kMaxSamples = size_t{5} << 20;
// More requests than this are refused: they are all kept in memory, parsed.
constexpr size_t kMaxRequests = 1000000;

struct BenchRequest {
  std::string text;  // the line, for --json-path
  Request request;
};

int64_t Nanos(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

// What reading a clock twice costs here: included in every latency sample.
int64_t ClockOverheadNanos() {
  std::vector<int64_t> samples(1001);
  for (int64_t& sample : samples) {
    const auto a = Clock::now();
    const auto b = Clock::now();
    sample = Nanos(b - a);
  }
  std::nth_element(samples.begin(), samples.begin() + 500, samples.end());
  return samples[500];
}

// Reads the requests, one JSON object per line; prints the first bad line's error.
bool ReadRequests(const Invocation& call, const std::string& path, std::vector<BenchRequest>* out) {
  std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    call.UsageError(absl::StrCat(path, ": cannot open the file"));
    return false;
  }
  const RequestLimits limits;
  std::string error;
  ForEachLine(in, limits.max_bytes, [&](std::optional<absl::string_view> line, size_t number) {
    if (!error.empty()) return;
    if (!line.has_value()) {
      error = absl::StrCat(path, ":", number, ": longer than ", limits.max_bytes, " bytes");
      return;
    }
    const absl::string_view text = absl::StripAsciiWhitespace(*line);
    if (text.empty()) return;
    if (out->size() == kMaxRequests) {
      error = absl::StrCat(path, ":", number, ": more than ", kMaxRequests,
                           " requests; bench a sample of them");
      return;
    }
    absl::StatusOr<Request> request = ParseRequestJson(text, limits);
    if (!request.ok()) {
      error = absl::StrCat(path, ":", number, ": ", request.status().message());
      return;
    }
    out->push_back({std::string(text), *std::move(request)});
  });
  if (in != stdin) std::fclose(in);
  if (!error.empty()) {
    call.UsageError(error);
    return false;
  }
  if (out->empty()) {
    call.UsageError(absl::StrCat(path, ": no requests (one JSON object per line)"));
    return false;
  }
  return true;
}

// One decision as the benchmark runs it: from the parsed request, or, with `json_path`, from
// the line's text to the decision's JSON.
class Decider {
 public:
  Decider(const Engine& engine, bool json_path) : engine_(engine), json_path_(json_path) {}

  Effect Run(const BenchRequest& request) {
    if (!json_path_) {
      engine_.Decide(request.request, &decision_);
      return decision_.effect;
    }
    absl::StatusOr<Request> parsed = ParseRequestJson(request.text);
    if (!parsed.ok()) return Effect::kDeny;  // read once already: does not happen
    engine_.Decide(*parsed, &decision_);
    json_ = decision_.ToJson();
    return decision_.effect;
  }

 private:
  const Engine& engine_;
  const bool json_path_;
  Decision decision_;
  std::string json_;
};

struct Result {
  size_t decisions = 0;
  int64_t median = 0, p90 = 0, p99 = 0, worst = 0;
  double per_second = 0;
  int64_t clock_overhead = 0;
  size_t effects[3] = {0, 0, 0};  // of one round, by Effect
};

int64_t Percentile(const std::vector<int64_t>& sorted, double fraction) {
  const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(fraction * sorted.size()));
  return sorted[at];
}

void MeasureLatency(const Engine& engine, const std::vector<BenchRequest>& requests, bool json_path,
                    double seconds, Result* result) {
  Decider decider(engine, json_path);
  // A first round warms the caches and counts the effects.
  for (const BenchRequest& request : requests) {
    ++result->effects[static_cast<int>(decider.Run(request))];
  }
  std::vector<int64_t> samples;
  samples.reserve(std::min(kMaxSamples, requests.size() * 64));
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  while (Clock::now() < end && samples.size() + requests.size() <= kMaxSamples) {
    for (const BenchRequest& request : requests) {
      const auto start = Clock::now();
      decider.Run(request);
      samples.push_back(Nanos(Clock::now() - start));
    }
  }
  if (samples.empty()) {  // more requests than samples kept: one partial round
    for (size_t i = 0; i < requests.size() && i < kMaxSamples; ++i) {
      const auto start = Clock::now();
      decider.Run(requests[i]);
      samples.push_back(Nanos(Clock::now() - start));
    }
  }
  std::sort(samples.begin(), samples.end());
  result->decisions = samples.size();
  result->median = Percentile(samples, 0.5);
  result->p90 = Percentile(samples, 0.9);
  result->p99 = Percentile(samples, 0.99);
  result->worst = samples.back();
}

// Decisions per second of `threads` threads deciding the requests round after round, each
// with its own Decision, without a clock read per decision.
double MeasureThroughput(const Engine& engine, const std::vector<BenchRequest>& requests,
                         bool json_path, double seconds, int threads) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Decider decider(engine, json_path);
      uint64_t done = 0;
      // Threads start at different requests, as independent callers would.
      size_t next = (requests.size() * t) / threads;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 256; ++i) {
          decider.Run(requests[next]);
          if (++next == requests.size()) next = 0;
        }
        done += 256;
      }
      total += done;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& thread : pool) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

std::string Duration(int64_t nanos) {
  if (nanos < 10000) return absl::StrFormat("%d ns", nanos);
  if (nanos < 1000000) return absl::StrFormat("%.1f µs", nanos / 1e3);
  return absl::StrFormat("%.2f ms", nanos / 1e6);
}

std::string Grouped(uint64_t n) {
  std::string digits = absl::StrCat(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return digits;
}

int RunBench(const Invocation& call) {
  if (const int checked = CheckPolicyOptions(call); checked != kExitOk) return checked;
  if (!call->Has("requests")) {
    return call.UsageError("--requests FILE is needed: the requests to decide, as JSON lines");
  }
  const std::string format = call->Has("format") ? call->Get("format") : "table";
  if (format != "table" && format != "json") {
    return call.UsageError(
        absl::StrFormat("--format: `%s` is not a format; use table or json", format));
  }
  double seconds = 1;
  if (call->Has("duration") &&
      (!absl::SimpleAtod(call->Get("duration"), &seconds) || !(seconds > 0) || seconds > 3600)) {
    return call.UsageError(absl::StrFormat(
        "--duration: `%s` is not a number of seconds from above 0 to 3600", call->Get("duration")));
  }
  int threads = 1;
  if (call->Has("threads") &&
      (!absl::SimpleAtoi(call->Get("threads"), &threads) || threads < 1 || threads > 256)) {
    return call.UsageError(
        absl::StrFormat("--threads: `%s` is not a number from 1 to 256", call->Get("threads")));
  }
  const bool json_path = call->Has("json-path");

  EngineOptions options;
  std::shared_ptr<const Policy> policy = LoadPolicyOption(call);
  if (policy == nullptr) return kExitInvalidInput;
  EntityStore entities;
  if (call->Has("entities") &&
      !LoadEntityFile(call->Get("entities"), policy->schema(), &entities, nullptr)) {
    return kExitInvalidInput;
  }
  if (!ReadKeyFiles(call->GetAll("approval-key"), &options.approval_keys)) {
    return kExitInvalidInput;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(policy, std::move(entities), options);
  if (!engine.ok()) return call.InputError(std::string(engine.status().message()));
  std::vector<BenchRequest> requests;
  if (!ReadRequests(call, call->Get("requests"), &requests)) return kExitUsage;

  Result result;
  result.clock_overhead = ClockOverheadNanos();
  MeasureLatency(**engine, requests, json_path, seconds, &result);
  result.per_second = MeasureThroughput(**engine, requests, json_path, seconds, threads);

  const size_t allow = result.effects[static_cast<int>(Effect::kAllow)];
  const size_t deny = result.effects[static_cast<int>(Effect::kDeny)];
  const size_t approval = result.effects[static_cast<int>(Effect::kNeedsApproval)];
  if (format == "json") {
    absl::PrintF(
        "{\"requests\":%d,\"path\":\"%s\",\"decisions_timed\":%d,\"median_ns\":%d,\"p90_ns\":%d,"
        "\"p99_ns\":%d,\"max_ns\":%d,\"clock_overhead_ns\":%d,\"threads\":%d,"
        "\"decisions_per_second\":%.0f,\"effects\":{\"ALLOW\":%d,\"DENY\":%d,"
        "\"NEEDS_APPROVAL\":%d}}\n",
        requests.size(), json_path ? "json" : "request", result.decisions, result.median,
        result.p90, result.p99, result.worst, result.clock_overhead, threads, result.per_second,
        allow, deny, approval);
    return kExitOk;
  }
  absl::PrintF("%s request%s (ALLOW %d, DENY %d, NEEDS_APPROVAL %d), %s\n",
               Grouped(requests.size()), requests.size() == 1 ? "" : "s", allow, deny, approval,
               json_path ? "each parsed from its JSON line and its decision written as JSON"
                         : "each decided from the parsed request");
  absl::PrintF("latency over %s timed decisions (clock reads of ~%s included):\n",
               Grouped(result.decisions), Duration(result.clock_overhead));
  absl::PrintF("  median  %s\n  p90     %s\n  p99     %s\n  max     %s\n", Duration(result.median),
               Duration(result.p90), Duration(result.p99), Duration(result.worst));
  absl::PrintF("throughput: %s decisions/s with %d thread%s\n",
               Grouped(static_cast<uint64_t>(result.per_second)), threads, threads == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace

const Command& BenchCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "bench";
    command->synopsis =
        "(--policy FILE... | --bundle FILE [--trust NAME.pub]) [--entities FILE] "
        "--requests FILE [--duration SECONDS] [--threads N] [--json-path] "
        "[--approval-key NAME.pub] [--format table|json]";
    command->summary = "time decisions of your requests: median, p99, decisions per second";
    command->description =
        "Decides the requests of a JSON-lines file (as `ward eval --requests` reads) against the "
        "policy and entities, round after round: first one round to warm up (its effects are "
        "printed), then each decision timed for --duration seconds (default 1) for the median, "
        "p90, p99 and worst latency, then --threads threads (default 1) deciding without a clock "
        "read each for --duration seconds for the decisions per second. Decisions are made "
        "from requests parsed once, as an embedding program that builds its requests does; "
        "with --json-path each also parses its JSON line and writes its decision as JSON, as a "
        "server would. An approval grant is single use: after the warm-up round, a request "
        "that carries one is decided as a reuse of it (refused). Latency depends on the machine "
        "and what else it runs: compare runs made "
        "on the same machine, in turn.";
    command->options = {
        {"policy", "FILE", true, "a policy source; several form one policy set"},
        {"bundle", "FILE", false, "a compiled bundle (`ward compile`) instead of --policy"},
        {"trust", "NAME.pub", true, "load --bundle only if it is signed by this public key"},
        {"entities", "FILE", false, "the entity file (identities and resources)"},
        {"requests", "FILE", false, "the requests, one JSON object per line (`-` reads stdin)"},
        {"duration", "SECONDS", false, "how long each of the two measurements runs (default 1)"},
        {"threads", "N", false, "threads deciding at once for the throughput (default 1)"},
        {"json-path", "", false, "include parsing each request and writing each decision"},
        {"approval-key", "NAME.pub", true, "trust grants signed by this public key"},
        {"format", "FORMAT", false, "table (the default) or json"},
    };
    command->positional_hint = "policy files go after --policy";
    command->run = RunBench;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
