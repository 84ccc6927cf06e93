// The decision log under load: two threads decide as fast as they can with every decision
// recorded to a file. With a queue sized for the burst no record is lost; with a tiny queue
// records are dropped, and the drop counter accounts for every missing line exactly.
//
// Decisions per thread: 1,000,000, or WARD_LOG_LOAD_DECISIONS (the sanitizer builds in CI run
// fewer: they are 10-50 times slower).

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/decision_log.h"
#include "ward/engine.h"

namespace ward {
namespace {

constexpr char kPolicy[] = R"(schema {
  user { department: string }
  resource tool { risk: "low" | "high" }
  action invoke on tool
  context { channel: string }
}
@id("users-invoke") permit user to invoke on tool when resource.risk == "low"
  with log(summary);
@id("engineers-invoke") permit user to invoke on tool when subject.department == "eng";
@id("no-prod-shell") forbid user to invoke on tool "shell"
  when context has channel and context.channel == "prod";
)";

uint64_t DecisionsPerThread() {
  const char* configured = std::getenv("WARD_LOG_LOAD_DECISIONS");
  return configured != nullptr ? std::strtoull(configured, nullptr, 10) : 1000000;
}

struct Outcome {
  uint64_t lines = 0;
  uint64_t unique_ids = 0;
  DecisionLogStats stats;
};

// Runs 2 threads x `per_thread` decisions into a log with `capacity` bytes of queue per
// thread, writing to a file.
Outcome RunLoad(size_t capacity, uint64_t per_thread, const std::string& name) {
  Outcome outcome;
  const std::string path = ::testing::TempDir() + "/" + name;
  std::remove(path.c_str());
  FileSinkOptions file_options;
  file_options.max_bytes = 0;  // one file, to count every line
  auto sink = OpenFileSink(path, file_options);
  EXPECT_TRUE(sink.ok()) << sink.status();
  DecisionLogOptions options;
  options.thread_queue_bytes = capacity;
  auto log = DecisionLog::Create(*std::move(sink), options);
  EXPECT_TRUE(log.ok()) << log.status();

  auto policy = CompilePolicy({{"p.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  auto entities = EntityStore::FromJson(
      R"({"identities": [
            {"kind": "user", "id": "u1", "status": "active", "attrs": {"department": "eng"}},
            {"kind": "user", "id": "u2", "status": "active", "attrs": {"department": "ops"}}],
          "resources": [{"type": "tool", "id": "search", "attrs": {"risk": "low"}},
                        {"type": "tool", "id": "shell", "attrs": {"risk": "high"}}]})",
      (*policy)->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  EngineOptions engine_options;
  engine_options.decision_log = *log;
  auto engine = Engine::Create(*policy, *std::move(entities), engine_options);
  EXPECT_TRUE(engine.ok()) << engine.status();

  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Decision decision;
      for (uint64_t i = 0; i < per_thread; ++i) {
        // A request per call, as a gateway builds one from each call it guards.
        Request request;
        request.subject = {SubjectKind::kUser, t == 0 ? "u1" : "u2"};
        request.action = "invoke";
        request.resource = {"tool", i % 4 == 0 ? "shell" : "search", {}};
        request.context["channel"] = Value::String(i % 3 == 0 ? "prod" : "dev");
        (*engine)->Decide(request, &decision);
      }
    });
  }
  const absl::Time started = absl::Now();
  for (std::thread& thread : threads) thread.join();
  const absl::Time decided = absl::Now();
  EXPECT_TRUE((*log)->Close().ok());
  std::printf("%s: deciding %s, then writing the rest %s\n", name.c_str(),
              absl::FormatDuration(decided - started).c_str(),
              absl::FormatDuration(absl::Now() - decided).c_str());
  outcome.stats = (*log)->stats();

  std::ifstream in(path);
  absl::flat_hash_set<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    ++outcome.lines;
    const size_t at = line.find("\"decision_id\":\"");
    if (at != std::string::npos) ids.insert(line.substr(at + 15, 36));
  }
  outcome.unique_ids = ids.size();
  std::remove(path.c_str());
  return outcome;
}

TEST(DecisionLogLoadTest, ASizedQueueLosesNoRecord) {
  const uint64_t per_thread = DecisionsPerThread();
  // Sized for the burst. Two threads deciding flat out on two cores make records faster than
  // the log's thread (which shares those cores) writes them to a file, so the queues must hold
  // what the writer lags behind: up to all of a thread's records (a record here encodes in
  // under 200 bytes).
  const size_t bytes = static_cast<size_t>(per_thread) * 200;
  const Outcome outcome = RunLoad(bytes, per_thread, "decision_log_load_sized.log");
  std::printf("sized queue: %llu lines, at most %llu bytes waiting in a thread's queue\n",
              static_cast<unsigned long long>(outcome.lines),
              static_cast<unsigned long long>(outcome.stats.max_queued_bytes));
  EXPECT_EQ(outcome.stats.dropped, 0u);
  EXPECT_EQ(outcome.stats.recorded, 2 * per_thread);
  EXPECT_EQ(outcome.stats.written, 2 * per_thread);
  EXPECT_EQ(outcome.lines, 2 * per_thread);
  EXPECT_EQ(outcome.unique_ids, 2 * per_thread);
}

TEST(DecisionLogLoadTest, ATinyQueueCountsEveryDrop) {
  const uint64_t per_thread = DecisionsPerThread();
  const Outcome outcome = RunLoad(4096, per_thread, "decision_log_load_tiny.log");
  std::printf("tiny queue: %llu lines, %llu dropped\n",
              static_cast<unsigned long long>(outcome.lines),
              static_cast<unsigned long long>(outcome.stats.dropped));
  // The queue did overflow (else this test would show nothing)...
  EXPECT_GT(outcome.stats.dropped, 0u);
  // ...and every decision is either a line in the file or a counted drop.
  EXPECT_EQ(outcome.lines + outcome.stats.dropped, 2 * per_thread);
  EXPECT_EQ(outcome.stats.recorded, outcome.lines);
  EXPECT_EQ(outcome.unique_ids, outcome.lines);
}

}  // namespace
}  // namespace ward
