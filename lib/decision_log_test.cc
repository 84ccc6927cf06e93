#include "ward/decision_log.h"

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using json = nlohmann::json;

constexpr char kPolicy[] = R"(schema {
  user { }
  agent { }
  resource tool { }
  action invoke on tool
  action read on tool
  context { channel: string }
  args { query: string }
}
@id("search") permit user to invoke on tool "search"
  with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]"), limit(calls, 5), log(full);
@id("quiet") permit user to read on tool "search";
@id("helpers") permit agent to invoke on tool;
@id("no-prod") forbid user to invoke on tool when context has channel and context.channel == "prod";
)";

constexpr char kEntities[] = R"({"identities": [
    {"kind": "user", "id": "alice", "status": "active", "attrs": {"groups": ["eng"]}},
    {"kind": "agent", "id": "bot", "status": "active", "owner": "alice"}],
  "resources": [{"type": "tool", "id": "search"}, {"type": "tool", "id": "shell"}]})";

std::shared_ptr<const Policy> TestPolicy() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

std::unique_ptr<Engine> TestEngine(std::shared_ptr<DecisionLog> log) {
  std::shared_ptr<const Policy> policy = TestPolicy();
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, policy->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  EngineOptions options;
  options.decision_log = std::move(log);
  auto engine = Engine::Create(policy, *std::move(entities), options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

Request Invoke(absl::string_view user, absl::string_view tool) {
  Request request;
  request.subject = {SubjectKind::kUser, std::string(user)};
  request.action = "invoke";
  request.resource = {"tool", std::string(tool), {}};
  request.now = absl::FromUnixSeconds(1796083200);
  return request;
}

// Collects what a log writes.
struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::unique_ptr<DecisionLogSink> Sink() {
    return CallbackSink([this](absl::string_view line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.emplace_back(line);
    });
  }
  std::vector<json> Parsed() {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<json> parsed;
    for (const std::string& line : lines) parsed.push_back(json::parse(line));
    return parsed;
  }
};

TEST(DecisionLogTest, RecordsEveryDecisionWithTheSchemaFields) {
  Lines lines;
  auto log = DecisionLog::Create(lines.Sink(), {});
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(*log);

  Request allowed = Invoke("alice", "search");
  // An undeclared argument whose name and nested values carry what the redaction hides.
  ASSERT_TRUE(SetArgsJson(R"({"query": "ssn 123-45-6789",
                              "123-45-6789": {"nested": ["123-45-6789"]}})",
                          &allowed)
                  .ok());
  allowed.context["channel"] = Value::String("dev 123-45-6789");
  const Decision allow = engine->Decide(allowed);
  ASSERT_EQ(allow.effect, Effect::kAllow);
  Request refused = Invoke("alice", "shell");
  ASSERT_TRUE(SetArgsJson(R"({"query": "secret"})", &refused).ok());
  const Decision deny = engine->Decide(refused);
  ASSERT_EQ(deny.effect, Effect::kDeny);
  ASSERT_TRUE((*log)->Flush().ok());

  const std::vector<json> records = lines.Parsed();
  ASSERT_EQ(records.size(), 2u);
  const json& first = records[0];
  EXPECT_EQ(first["v"], 1);
  EXPECT_THAT(first["decision_id"].get<std::string>(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_THAT(first["time"].get<std::string>(),
              MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
                           "\\.[0-9]{6}Z"));
  EXPECT_EQ(first["policy"], absl::StrCat(absl::Hex(allow.policy_hash, absl::kZeroPad16)));
  EXPECT_EQ(first["subject"], json::parse(R"({"kind": "user", "id": "alice"})"));
  EXPECT_EQ(first["action"], "invoke");
  EXPECT_EQ(first["resource"], json::parse(R"({"type": "tool", "id": "search"})"));
  EXPECT_EQ(first["effect"], "ALLOW");
  EXPECT_EQ(first["reason"], "permitted");
  EXPECT_EQ(first["rules"], json::parse(R"(["search"])"));
  EXPECT_EQ(first["obligations"]["limits"], json::parse(R"({"calls": 5})"));
  EXPECT_EQ(first["obligations"]["log"], "full");
  EXPECT_EQ(first["level"], "full");
  EXPECT_GE(first["latency_ns"].get<int64_t>(), 0);
  // At full level the request's args and context are there, redacted as the output would be.
  EXPECT_EQ(first["args"],
            json::parse(R"({"query": "ssn [SSN]", "[SSN]": {"nested": ["[SSN]"]}})"));
  EXPECT_EQ(first["context"], json::parse(R"({"channel": "dev [SSN]"})"));
  EXPECT_FALSE(first.contains("denied_by"));

  const json& second = records[1];
  EXPECT_EQ(second["effect"], "DENY");
  EXPECT_EQ(second["reason"], "no_matching_permit");
  EXPECT_EQ(second["denied_by"], json::parse(R"({"kind": "user", "id": "alice"})"));
  EXPECT_EQ(second["level"], "summary");
  // A DENY is recorded at summary: what the model asked for is not in it.
  EXPECT_FALSE(second.contains("args"));
  EXPECT_FALSE(second.contains("context"));
  EXPECT_FALSE(second.contains("obligations"));
  EXPECT_NE(first["decision_id"], second["decision_id"]);
  EXPECT_LT(first["decision_id"].get<std::string>(), second["decision_id"].get<std::string>());
}

TEST(DecisionLogTest, ChainsApprovalDigestsAndInvalidRequestsAreRecorded) {
  Lines lines;
  DecisionLogOptions options;
  options.revision = "bundle-42";
  auto log = DecisionLog::Create(lines.Sink(), options);
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(*log);

  Request delegated;
  delegated.subject = {SubjectKind::kAgent, "bot"};
  delegated.on_behalf_of = {{SubjectKind::kUser, "alice"}};
  delegated.action = "invoke";
  delegated.resource = {"tool", "search", {}};
  delegated.context["channel"] = Value::String("prod");
  engine->Decide(delegated);
  Request invalid = Invoke("alice", "search");
  invalid.context["channel"] = Value::Int(3);  // declared a string
  engine->Decide(invalid);
  ASSERT_TRUE((*log)->Close().ok());

  const std::vector<json> records = lines.Parsed();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["revision"], "bundle-42");
  EXPECT_EQ(records[0]["subject"], json::parse(R"({"kind": "agent", "id": "bot"})"));
  EXPECT_EQ(records[0]["on_behalf_of"], json::parse(R"([{"kind": "user", "id": "alice"}])"));
  EXPECT_EQ(records[0]["effect"], "DENY");
  EXPECT_EQ(records[0]["reason"], "forbidden");
  EXPECT_EQ(records[0]["rules"], json::parse(R"(["no-prod"])"));
  EXPECT_EQ(records[1]["reason"], "invalid_request");
  ASSERT_EQ(records[1]["errors"].size(), 1u);
  EXPECT_THAT(records[1]["errors"][0]["message"].get<std::string>(), HasSubstr("channel"));
}

TEST(DecisionLogTest, TheFloorDecidesWhatIsRecordedAndAtWhichLevel) {
  Lines quiet_lines;
  DecisionLogOptions quiet;
  quiet.min_level = LogLevel::kNone;
  auto quiet_log = DecisionLog::Create(quiet_lines.Sink(), quiet);
  ASSERT_TRUE(quiet_log.ok());
  Lines full_lines;
  DecisionLogOptions full;
  full.min_level = LogLevel::kFull;
  auto full_log = DecisionLog::Create(full_lines.Sink(), full);
  ASSERT_TRUE(full_log.ok());

  Request read = Invoke("alice", "search");
  read.action = "read";  // "quiet" allows it and asks for no log
  read.context["channel"] = Value::String("dev");
  for (const auto& log : {*quiet_log, *full_log}) {
    std::unique_ptr<Engine> engine = TestEngine(log);
    EXPECT_EQ(engine->Decide(read).effect, Effect::kAllow);
    EXPECT_EQ(engine->Decide(Invoke("alice", "shell")).effect, Effect::kDeny);
    ASSERT_TRUE(log->Flush().ok());
  }
  // With no floor, the ALLOW the policy asks no log for is not recorded; the DENY is.
  const std::vector<json> quiet_records = quiet_lines.Parsed();
  ASSERT_EQ(quiet_records.size(), 1u);
  EXPECT_EQ(quiet_records[0]["effect"], "DENY");
  // A full floor records both, with args and context.
  const std::vector<json> full_records = full_lines.Parsed();
  ASSERT_EQ(full_records.size(), 2u);
  EXPECT_EQ(full_records[0]["level"], "full");
  EXPECT_EQ(full_records[0]["obligations"]["log"], "none");
  EXPECT_EQ(full_records[0]["context"], json::parse(R"({"channel": "dev"})"));
  EXPECT_EQ(full_records[1]["args"], json::parse("{}"));
}

// A sink that holds the log's thread in its first Write until released.
class GatedSink : public DecisionLogSink {
 public:
  absl::Status Write(absl::string_view) override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++writes_;
    entered_.notify_all();
    open_.wait(lock, [this] { return released_; });
    return absl::OkStatus();
  }
  void WaitForFirstWrite() {
    std::unique_lock<std::mutex> lock(mutex_);
    entered_.wait(lock, [this] { return writes_ > 0; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    open_.notify_all();
  }
  int writes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return writes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable entered_, open_;
  bool released_ = false;
  int writes_ = 0;
};

TEST(DecisionLogTest, AFullQueueDropsAndCountsWithoutWaiting) {
  auto owned = std::make_unique<GatedSink>();
  GatedSink* sink = owned.get();
  DecisionLogOptions options;
  options.thread_queue_bytes = 4096;
  auto log = DecisionLog::Create(std::move(owned), options);
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(*log);
  const Request request = Invoke("alice", "search");
  Decision decision;
  engine->Decide(request, &decision);
  sink->WaitForFirstWrite();  // the first record has left the queue; the sink holds it
  for (int i = 0; i < 100; ++i) engine->Decide(request, &decision);
  // As many as fit in 4 KiB were queued; the others were dropped, and deciding went on.
  DecisionLogStats stats = (*log)->stats();
  EXPECT_GT(stats.recorded, 2u);
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_EQ(stats.recorded + stats.dropped, 101u);
  EXPECT_LE(stats.max_queued_bytes, 4096u);
  EXPECT_GT(stats.max_queued_bytes, 4096u / 2);
  sink->Release();
  ASSERT_TRUE((*log)->Close().ok());
  const DecisionLogStats closed = (*log)->stats();
  EXPECT_EQ(closed.written, stats.recorded);
  EXPECT_EQ(sink->writes(), static_cast<int>(stats.recorded));
  // Closed: later decisions are not recorded and not counted as drops.
  engine->Decide(request, &decision);
  EXPECT_EQ((*log)->stats().recorded, stats.recorded);
  EXPECT_EQ((*log)->stats().dropped, stats.dropped);
}

// Records are written straight into the queue and never split around its end: the rest of
// the queue is skipped instead. Records of every size, through a small queue many times over,
// come out whole and in order; one larger than the queue is dropped and counted.
TEST(DecisionLogTest, RecordsOfEverySizeComeOutWholeAsTheQueueWrapsAround) {
  Lines lines;
  DecisionLogOptions options;
  options.thread_queue_bytes = 4096;
  auto log = DecisionLog::Create(lines.Sink(), options);
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(nullptr);
  std::vector<std::string> expected;
  size_t queued_bytes = 0;
  for (int i = 0; i < 600; ++i) {
    // Resource ids from 1 to ~1,500 bytes, in an order that leaves every offset at the end.
    const std::string tool = absl::StrCat(i, "-", std::string((i * 7919) % 1499, 'x'));
    const Request request = Invoke("alice", tool);
    const Decision decision = engine->Decide(request);
    ASSERT_TRUE((*log)->Record(request, decision, absl::FromUnixSeconds(1796083200 + i),
                               absl::Nanoseconds(i)))
        << "record " << i;
    expected.push_back(tool);
    queued_bytes += tool.size();
    ASSERT_TRUE((*log)->Flush().ok());  // so that the next record always has room
  }
  EXPECT_GT(queued_bytes, 100u * 4096);  // wrapped around the queue many times
  const Request too_large = Invoke("alice", std::string(5000, 'y'));
  EXPECT_FALSE((*log)->Record(too_large, engine->Decide(too_large), absl::Now(), {}));
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_EQ((*log)->stats().dropped, 1u);
  EXPECT_EQ((*log)->stats().written, expected.size());
  ASSERT_EQ(lines.lines.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const json record = json::parse(lines.lines[i], nullptr, false);
    ASSERT_FALSE(record.is_discarded()) << lines.lines[i];
    EXPECT_EQ(record["resource"]["id"], expected[i]) << i;
    EXPECT_EQ(record["latency_ns"], i) << i;
    EXPECT_EQ(record["effect"], "DENY") << i;
  }
}

// The log writes times itself (they are on every record); it must write what FormatTimestamp
// writes for the request's `now`, and the record's own time to the microsecond.
TEST(DecisionLogTest, TimesAreWrittenAsFormatTimestampWritesThem) {
  std::unique_ptr<Engine> engine = TestEngine(nullptr);
  for (const int64_t unix_ns :
       {int64_t{1796083200} * 1000000000, int64_t{1796083200} * 1000000000 + 123450000,
        int64_t{1796083201} * 1000000000 + 1, int64_t{1796083259} * 1000000000 + 999999999,
        int64_t{-1} * 1000000000 + 500, int64_t{0}, int64_t{951782400} * 1000000000 + 7000}) {
    Request request = Invoke("alice", "search");
    request.now = absl::FromUnixNanos(unix_ns);
    const json record = json::parse(DecisionLogRecordJson(
        request, engine->Decide(request), absl::FromUnixNanos(unix_ns), absl::ZeroDuration()));
    EXPECT_EQ(record["now"], FormatTimestamp(absl::FromUnixNanos(unix_ns))) << unix_ns;
    EXPECT_EQ(record["time"], absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixNanos(unix_ns),
                                               absl::UTCTimeZone()))
        << unix_ns;
  }
}

TEST(DecisionLogTest, SinkErrorsAreCountedAndReported) {
  class FailingSink : public DecisionLogSink {
   public:
    absl::Status Write(absl::string_view) override { return absl::UnavailableError("disk full"); }
  };
  auto log = DecisionLog::Create(std::make_unique<FailingSink>(), {});
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(*log);
  engine->Decide(Invoke("alice", "search"));
  engine->Decide(Invoke("alice", "search"));
  const absl::Status flushed = (*log)->Flush();
  EXPECT_EQ(flushed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*log)->stats().failed, 2u);
  EXPECT_EQ((*log)->stats().written, 0u);
  EXPECT_THAT(std::string((*log)->sink_error().message()), HasSubstr("disk full"));
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(DecisionLogTest, TheFileSinkAppendsAndRotatesBySize) {
  const std::string path = ::testing::TempDir() + "/decision_log_test_rotation.log";
  for (const std::string& name : {path, path + ".1", path + ".2", path + ".3"}) {
    std::remove(name.c_str());
  }
  FileSinkOptions file_options;
  file_options.max_bytes = 4096;
  file_options.max_files = 2;
  auto sink = OpenFileSink(path, file_options);
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto log = DecisionLog::Create(*std::move(sink), {});
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(*log);
  const Request request = Invoke("alice", "shell");
  for (int i = 0; i < 100; ++i) engine->Decide(request);
  ASSERT_TRUE((*log)->Close().ok());

  const std::vector<std::string> current = ReadLines(path);
  const std::vector<std::string> first = ReadLines(path + ".1");
  const std::vector<std::string> second = ReadLines(path + ".2");
  EXPECT_TRUE(ReadLines(path + ".3").empty());  // only two rotated files are kept
  ASSERT_FALSE(current.empty());
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  const size_t line_bytes = current[0].size() + 1;
  // Each full file holds as many whole lines as fit in 4096 bytes.
  EXPECT_EQ(first.size(), 4096 / line_bytes);
  EXPECT_EQ(second.size(), 4096 / line_bytes);
  // The newest records are in PATH, the ones before in PATH.1, and so on.
  EXPECT_EQ((100 - current.size()) % first.size(), 0u);
  for (const auto* lines : {&current, &first, &second}) {
    for (const std::string& line : *lines) EXPECT_EQ(json::parse(line)["effect"], "DENY");
  }
  EXPECT_LT(json::parse(second.back())["decision_id"].get<std::string>(),
            json::parse(first.front())["decision_id"].get<std::string>());
  EXPECT_LT(json::parse(first.back())["decision_id"].get<std::string>(),
            json::parse(current.front())["decision_id"].get<std::string>());

  // Reopening appends.
  auto reopened = OpenFileSink(path, file_options);
  ASSERT_TRUE(reopened.ok());
  ASSERT_TRUE((*reopened)->Write("{}").ok());
  ASSERT_TRUE((*reopened)->Flush().ok());
  EXPECT_EQ(ReadLines(path).size(), current.size() + 1);
}

TEST(DecisionLogTest, BadArguments) {
  EXPECT_EQ(DecisionLog::Create(nullptr, {}).status().code(), absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<std::unique_ptr<DecisionLogSink>> sink =
      OpenFileSink("/nonexistent-dir/decisions.log");
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(sink.status().message()), HasSubstr("/nonexistent-dir/decisions.log"));
}

TEST(DecisionLogTest, SetDecisionLogStartsAndStopsRecording) {
  Lines lines;
  auto log = DecisionLog::Create(lines.Sink(), {});
  ASSERT_TRUE(log.ok());
  std::unique_ptr<Engine> engine = TestEngine(nullptr);
  Decision decision;
  engine->Decide(Invoke("alice", "shell"), &decision);
  engine->SetDecisionLog(*log);
  EXPECT_EQ(engine->decision_log(), *log);
  engine->Decide(Invoke("alice", "shell"), &decision);
  engine->Decide(Invoke("alice", "search"), &decision);
  engine->SetDecisionLog(nullptr);
  engine->Decide(Invoke("alice", "shell"), &decision);
  ASSERT_TRUE((*log)->Flush().ok());
  const std::vector<json> records = lines.Parsed();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["resource"]["id"], "shell");
  EXPECT_EQ(records[1]["resource"]["id"], "search");
}

TEST(DecisionLogTest, RecordJsonMatchesWhatTheLogWrites) {
  const Request request = Invoke("alice", "search");
  std::unique_ptr<Engine> engine = TestEngine(nullptr);
  const Decision decision = engine->Decide(request);
  const json record = json::parse(DecisionLogRecordJson(
      request, decision, absl::FromUnixSeconds(1796083200) + absl::Microseconds(5),
      absl::Nanoseconds(250)));
  EXPECT_EQ(record["time"], "2026-12-01T00:00:00.000005Z");
  // The request's own time, which the decision was made for (replay decides at it).
  EXPECT_EQ(record["now"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(record["latency_ns"], 250);
  EXPECT_THAT(record["decision_id"].get<std::string>(), MatchesRegex("01a22ee6-b000-7014-.*"));
  EXPECT_EQ(record["rules"], json::parse(R"(["search"])"));
}

TEST(DecisionLogTest, ShadowOutcomesAreRecordedAfterThePayload) {
  std::string text = kPolicy;
  text += "@shadow @id(\"no-search-new\") forbid user to invoke on tool \"search\";\n";
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", text}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, (*policy)->schema());
  ASSERT_TRUE(entities.ok()) << entities.status();
  auto engine = Engine::Create(*policy, *std::move(entities));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Request request = Invoke("alice", "search");
  request.args["query"] = Value::String("ssn 123-45-6789");
  const Decision decision = (*engine)->Decide(request);
  ASSERT_EQ(decision.effect, Effect::kAllow);
  ASSERT_TRUE(decision.shadow.has_value());
  const std::string line =
      DecisionLogRecordJson(request, decision, absl::FromUnixSeconds(1796083200), {});
  const json record = json::parse(line);
  EXPECT_EQ(record["shadow"], json::parse(R"({"effect": "DENY", "reason": "forbidden",
      "denied_by": {"kind": "user", "id": "alice"}, "rules": ["no-search-new"]})"));
  // The documented order: keys added within version 1 come after the payload.
  EXPECT_LT(line.find("\"context\":"), line.find("\"shadow\":"));
  EXPECT_EQ(record["args"]["query"], "ssn [SSN]");
  // A decision without a shadow outcome has no key.
  const json plain = json::parse(DecisionLogRecordJson(Invoke("alice", "shell"),
                                                       (*engine)->Decide(Invoke("alice", "shell")),
                                                       absl::FromUnixSeconds(1796083200), {}));
  EXPECT_FALSE(plain.contains("shadow"));
}

}  // namespace
}  // namespace ward
