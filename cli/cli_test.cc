// Runs the `ward` binary (WARD_BIN, else build/cli/ward) and checks outputs and exit codes.

#include <filesystem>
#include <sstream>
#include <string>

#include "cli/command_test_base.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

using ward::cli_testing::Outcome;

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliTest : public ward::cli_testing::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    Write("policy.ward", R"(schema {
  user { clearance: int }
  resource tool { min_clearance: int }
  action invoke on tool
}
@id("cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
)");
    Write("entities.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}},
                {"type": "tool", "id": "t9", "attrs": {"min_clearance": 9}}]})");
  }

  std::string EvalArgs() const {
    return "eval --policy " + Path("policy.ward") + " --entities " + Path("entities.json");
  }
};

constexpr char kRequestT1[] =
    R"({"subject": {"kind": "user", "id": "u1"}, "action": "invoke",)"
    R"( "resource": {"type": "tool", "id": "t1"}, "now": "2026-12-01T00:00:00Z"})";
constexpr char kRequestT9[] =
    R"({"subject": {"kind": "user", "id": "u1"}, "action": "invoke",)"
    R"( "resource": {"type": "tool", "id": "t9"}, "now": "2026-12-01T00:00:00Z"})";

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Ward("").exit_code, 2);
  Outcome unknown = Ward("evl");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("did you mean `eval`?"));
  EXPECT_EQ(Ward(EvalArgs() + " --request - --bogus").exit_code, 2);
  EXPECT_EQ(Ward("eval --request -").exit_code, 2);                        // no policy
  EXPECT_EQ(Ward(EvalArgs()).exit_code, 2);                                // no request
  EXPECT_EQ(Ward("check").exit_code, 2);                                   // no files
  EXPECT_EQ(Ward(EvalArgs() + " --entities x --request -").exit_code, 2);  // repeated
}

TEST_F(CliTest, HelpExitsZero) {
  Outcome help = Ward("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("explain"));
  Outcome eval_help = Ward("eval --help");
  EXPECT_EQ(eval_help.exit_code, 0);
  EXPECT_THAT(eval_help.out, HasSubstr("--requests FILE"));
}

TEST_F(CliTest, CheckPrintsASummary) {
  Outcome run = Ward("check " + Path("policy.ward") + " --entities " + Path("entities.json"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("ok: 1 source, 1 rule"));
  EXPECT_THAT(run.out, HasSubstr("entities: 1 identity, 2 resources"));
}

TEST_F(CliTest, CheckPrintsEveryErrorWithACaret) {
  Write("bad.ward", "permit user to invok on tool;\npermit user to invoke on tol;\n");
  Outcome run = Ward("check " + Path("policy.ward") + " " + Path("bad.ward"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(Path("bad.ward") + ":1:16: error: unknown action `invok`"));
  EXPECT_THAT(run.err, HasSubstr(Path("bad.ward") + ":2:26: error: unknown resource type `tol`"));
  EXPECT_THAT(run.err, HasSubstr("\n                         ^\n"));
  EXPECT_THAT(run.err, HasSubstr("check failed: 2 errors"));
}

TEST_F(CliTest, CheckRejectsAnInvalidEntityFile) {
  Write("bad.json", R"({"identities": [{"kind": "user", "id": "u1"}]})");
  Outcome run = Ward("check " + Path("policy.ward") + " --entities " + Path("bad.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("status"));
}

TEST_F(CliTest, CheckRejectsMissingFiles) {
  EXPECT_EQ(Ward("check " + Path("missing.ward")).exit_code, 1);
}

TEST_F(CliTest, EvalPrintsOneDecision) {
  Write("request.json", kRequestT1);
  Outcome run = Ward(EvalArgs() + " --request " + Path("request.json"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_FALSE(run.out.empty());
  EXPECT_EQ(run.out.back(), '\n');
  EXPECT_THAT(run.out.substr(0, run.out.size() - 1),
              testing::MatchesRegex(
                  R"(\{"effect":"ALLOW","reason":"permitted","rules":\["cleared"\],)"
                  R"("obligations":\{"redact":\[\],"limits":\{\},"log":"none"\},"errors":\[\],)"
                  R"("policy":"[0-9a-f]{16}"\})"));
}

TEST_F(CliTest, EvalExitsZeroOnDeny) {
  Outcome run = Ward(EvalArgs() + " --request -", kRequestT9);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, StartsWith(R"({"effect":"DENY","reason":"no_matching_permit",)"));
}

TEST_F(CliTest, EvalRejectsBadRequestsWithExitTwo) {
  Outcome invalid = Ward(EvalArgs() + " --request -", "{\"subject\": ");
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_THAT(invalid.err, HasSubstr("standard input"));
  Outcome unknown = Ward(EvalArgs() + " --request -",
                         R"({"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                         "resource": {"type": "tool", "id": "t1"}, "colour": 1})");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("`colour`"));
  EXPECT_EQ(unknown.out, "");
}

TEST_F(CliTest, EvalRequestsDecidesEveryLineInOrder) {
  const std::string lines =
      std::string(kRequestT1) + "\n\n{not json}\n" + kRequestT9 + "\n" + kRequestT1;
  Outcome run = Ward(EvalArgs() + " --requests -", lines);
  EXPECT_EQ(run.exit_code, 2);
  std::istringstream out(run.out);
  std::string line;
  std::vector<std::string> decisions;
  while (std::getline(out, line)) decisions.push_back(line);
  ASSERT_EQ(decisions.size(), 4u) << run.out;
  EXPECT_THAT(decisions[0], StartsWith(R"({"effect":"ALLOW")"));
  EXPECT_THAT(decisions[1], StartsWith(R"({"error":"line 3: )"));
  EXPECT_THAT(decisions[2], StartsWith(R"({"effect":"DENY")"));
  EXPECT_THAT(decisions[3], StartsWith(R"({"effect":"ALLOW")"));
}

TEST_F(CliTest, EvalRequestsExitsZeroWhenEveryLineIsValid) {
  Write("requests.jsonl", std::string(kRequestT1) + "\n" + kRequestT9 + "\n");
  Outcome run = Ward(EvalArgs() + " --requests " + Path("requests.jsonl"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

std::vector<std::string> Lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(CliTest, EvalRecordsEveryDecisionInTheDecisionLog) {
  Write("requests.jsonl", std::string(kRequestT1) + "\n" + kRequestT9 + "\n{not json}\n");
  Outcome run = Ward(EvalArgs() + " --requests " + Path("requests.jsonl") + " --decision-log " +
                     Path("decisions.log"));
  EXPECT_EQ(run.exit_code, 2) << run.err;  // the bad line
  // Two decisions, two records; the line that is not a request is no decision.
  std::vector<std::string> records = Lines(Read("decisions.log"));
  ASSERT_EQ(records.size(), 2u) << Read("decisions.log");
  EXPECT_THAT(records[0], StartsWith(R"({"v":1,"decision_id":")"));
  EXPECT_THAT(records[0], HasSubstr(R"("effect":"ALLOW")"));
  EXPECT_THAT(records[1], HasSubstr(R"("effect":"DENY","reason":"no_matching_permit")"));
  EXPECT_THAT(records[1], HasSubstr(R"("level":"summary")"));
  EXPECT_THAT(records[1], Not(HasSubstr(R"("context")")));

  // A second run appends; at level full every record carries args and context.
  run = Ward(EvalArgs() + " --request - --decision-log " + Path("decisions.log") +
                 " --decision-log-level full",
             kRequestT9);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  records = Lines(Read("decisions.log"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[2], HasSubstr(R"("level":"full","args":{},"context":{},)"
                                    R"("now":"2026-12-01T00:00:00Z"})"));
}

TEST_F(CliTest, DiscoverFindsShadowAndDormantIdentitiesInDecisionLogs) {
  Write("entities2.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "idle", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "gone", "status": "revoked", "attrs": {"clearance": 2}}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}}]})");
  const std::string ghost =
      R"({"subject": {"kind": "user", "id": "ghost"}, "action": "invoke",)"
      R"( "resource": {"type": "tool", "id": "t1"}, "now": "2026-12-01T00:00:00Z"})";
  Write("requests.jsonl", std::string(kRequestT1) + "\n" + ghost + "\n" + ghost + "\n");
  Outcome run =
      Ward("eval --policy " + Path("policy.ward") + " --entities " + Path("entities2.json") +
           " --requests " + Path("requests.jsonl") + " --decision-log " + Path("d.log"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ofstream(Path("d.log"), std::ios::app) << "{not a record}\n";

  const std::string inventory =
      " --policy " + Path("policy.ward") + " --entities " + Path("entities2.json");
  run = Ward("discover " + Path("d.log") + inventory + " --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json found = nlohmann::json::parse(run.out);
  ASSERT_EQ(found["shadow"].size(), 1u) << run.out;
  EXPECT_EQ(found["shadow"][0]["id"], "ghost");
  EXPECT_EQ(found["shadow"][0]["decisions"], 2);
  EXPECT_EQ(found["shadow"][0]["tried"][0]["tried"], "invoke tool:t1");
  // `idle` never acted; `gone` is revoked (it cannot act, so it is not dormant); u1 acted now.
  ASSERT_EQ(found["dormant"].size(), 1u) << run.out;
  EXPECT_EQ(found["dormant"][0]["id"], "idle");
  EXPECT_TRUE(found["dormant"][0]["last_seen"].is_null());
  EXPECT_EQ(found["records"], 3);
  EXPECT_EQ(found["skipped_lines"], 1);
  EXPECT_THAT(run.err, HasSubstr("skipped 1 line(s) that are not decision records"));
  EXPECT_THAT(run.err, HasSubstr("d.log:4: not JSON: "));

  // Ten years on, u1 is dormant too.
  run = Ward("discover " + Path("d.log") + inventory + " --now 2036-12-01T00:00:00Z");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("dormant identities (active, not seen in 30 days): 2\n"));
  EXPECT_THAT(run.out, HasSubstr("  user:u1  last seen "));
  EXPECT_THAT(run.out, HasSubstr("  user:idle  never seen\n"));

  // Without the inventory: what decisions denied as unknown.
  run = Ward("discover " + Path("d.log"));
  EXPECT_THAT(run.out, HasSubstr("  user:ghost  first "));
  EXPECT_THAT(run.out, HasSubstr("2 decisions  tried invoke tool:t1 (2)"));

  // Bad input.
  Write("deep.log", std::string(100000, '[') + "\n" + R"({"v": 2})" + "\n[1]\n");
  run = Ward("discover " + Path("deep.log"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("skipped 3 line(s)"));
  EXPECT_THAT(run.err, HasSubstr("deep.log:1: not JSON: "));
  EXPECT_EQ(Ward("discover " + Path("missing.log")).exit_code, 1);
  EXPECT_EQ(Ward("discover").exit_code, 2);
  EXPECT_EQ(Ward("discover " + Path("d.log") + " --entities " + Path("entities2.json")).exit_code,
            2);
  EXPECT_EQ(Ward("discover " + Path("d.log") + " --format xml").exit_code, 2);
  EXPECT_EQ(Ward("discover " + Path("d.log") + " --dormant-days soon").exit_code, 2);
}

TEST_F(CliTest, ReplayPrintsTheDecisionsANewPolicyWouldChange) {
  Write("requests.jsonl", std::string(kRequestT1) + "\n" + kRequestT9 + "\n");
  Outcome run = Ward(EvalArgs() + " --requests " + Path("requests.jsonl") + " --decision-log " +
                     Path("d.log") + " --decision-log-level full");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // A record at level summary has no args and context: it cannot be replayed.
  Write("one.jsonl", std::string(kRequestT1) + "\n");
  run = Ward(EvalArgs() + " --requests " + Path("one.jsonl") + " --decision-log " + Path("d.log"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ofstream(Path("d.log"), std::ios::app) << "{not a record}\n";

  std::string policy = Read("policy.ward");
  Write("new.ward", policy + "@id(\"no-t1\") forbid user to invoke on tool \"t1\";\n");
  const std::string against = " --entities " + Path("entities.json") + " --policy ";
  run = Ward("replay " + Path("d.log") + against + Path("new.ward") + " --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json replayed = nlohmann::json::parse(run.out);
  EXPECT_EQ(replayed["replayed"], 2);
  EXPECT_EQ(replayed["changed"], 1);
  EXPECT_EQ(replayed["not_replayable"], 1);
  EXPECT_EQ(replayed["skipped_lines"], 1);
  ASSERT_EQ(replayed["changes"].size(), 1u) << run.out;
  const nlohmann::json& change = replayed["changes"][0];
  EXPECT_EQ(change["request"]["resource"]["id"], "t1");
  EXPECT_EQ(
      change["was"],
      nlohmann::json::parse(R"({"effect": "ALLOW", "reason": "permitted", "rules": ["cleared"]})"));
  EXPECT_EQ(change["now"], nlohmann::json::parse(R"({"effect": "DENY", "reason": "forbidden",
      "denied_by": {"kind": "user", "id": "u1"}, "rules": ["no-t1"]})"));
  EXPECT_THAT(run.err, HasSubstr("d.log:4: not JSON: "));

  run = Ward("replay " + Path("d.log") + against + Path("new.ward"));
  EXPECT_THAT(run.out, HasSubstr(": 1 would change\n"));
  EXPECT_THAT(run.out, HasSubstr("user:u1 invoke tool:t1\n    was ALLOW (permitted: cleared)\n"
                                 "    now DENY (forbidden: no-t1)\n"));
  EXPECT_THAT(run.out, HasSubstr("1 record at level summary not replayed"));
  EXPECT_EQ(
      Ward("replay " + Path("d.log") + against + Path("new.ward") + " --fail-on-change").exit_code,
      1);
  // The policy that made the decisions changes none of them.
  run = Ward("replay " + Path("d.log") + against + Path("policy.ward") + " --fail-on-change");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr(": 0 would change\n"));

  // Bad input.
  EXPECT_EQ(Ward("replay " + Path("d.log") + " --policy " + Path("new.ward")).exit_code, 2);
  EXPECT_EQ(Ward("replay " + Path("d.log") + " --entities " + Path("entities.json")).exit_code, 2);
  EXPECT_EQ(Ward("replay --policy " + Path("new.ward") + " --entities " + Path("entities.json"))
                .exit_code,
            2);
  EXPECT_EQ(Ward("replay " + Path("missing.log") + against + Path("new.ward")).exit_code, 1);
  EXPECT_EQ(
      Ward("replay " + Path("d.log") + against + Path("new.ward") + " --format xml").exit_code, 2);
}

TEST_F(CliTest, BenchTimesTheGivenRequestsAndCountsTheirEffects) {
  Write("requests.jsonl", std::string(kRequestT1) + "\n\n" + kRequestT9 + "\n" + kRequestT1 + "\n");
  const std::string bench = "bench --policy " + Path("policy.ward") + " --entities " +
                            Path("entities.json") + " --requests " + Path("requests.jsonl") +
                            " --duration 0.05";
  Outcome run = Ward(bench + " --format json --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(run.out);
  EXPECT_EQ(result["requests"], 3);
  EXPECT_EQ(result["path"], "request");
  EXPECT_EQ(result["effects"],
            nlohmann::json::parse(R"({"ALLOW": 2, "DENY": 1, "NEEDS_APPROVAL": 0})"));
  EXPECT_EQ(result["threads"], 2);
  // Whole rounds of the three requests were timed.
  EXPECT_GE(result["decisions_timed"].get<int64_t>(), 3);
  EXPECT_EQ(result["decisions_timed"].get<int64_t>() % 3, 0);
  EXPECT_GT(result["median_ns"].get<int64_t>(), 0);
  EXPECT_LE(result["median_ns"].get<int64_t>(), result["p99_ns"].get<int64_t>());
  EXPECT_LE(result["p99_ns"].get<int64_t>(), result["max_ns"].get<int64_t>());
  EXPECT_GT(result["decisions_per_second"].get<double>(), 0);

  run = Ward(bench + " --json-path");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("3 requests (ALLOW 2, DENY 1, NEEDS_APPROVAL 0), each parsed "
                                 "from its JSON line and its decision written as JSON\n"));
  EXPECT_THAT(run.out, HasSubstr("\n  median  "));
  EXPECT_THAT(run.out, HasSubstr(" decisions/s with 1 thread\n"));

  // Bad input: a bad line is named, an empty file and bad numbers are usage errors.
  Write("bad.jsonl", std::string(kRequestT1) + "\n{\"subject\": 1}\n");
  run = Ward("bench --policy " + Path("policy.ward") + " --requests " + Path("bad.jsonl"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bad.jsonl:2: "));
  Write("empty.jsonl", "\n");
  run = Ward("bench --policy " + Path("policy.ward") + " --requests " + Path("empty.jsonl"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("no requests"));
  EXPECT_EQ(Ward(bench + " --duration 0").exit_code, 2);
  EXPECT_EQ(Ward(bench + " --threads 0").exit_code, 2);
  EXPECT_EQ(Ward("bench --policy " + Path("policy.ward")).exit_code, 2);
  EXPECT_EQ(Ward("bench --policy " + Path("missing.ward") + " --requests " + Path("requests.jsonl"))
                .exit_code,
            1);
}

TEST_F(CliTest, InventoryListsOwnersExpiryFindingsAndLastSeen) {
  Write("policy.ward", R"(schema {
  user { clearance: int }
  agent { }
  builder { }
  resource tool { min_clearance: int }
  action invoke on tool
}
@id("cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
@id("agents") permit agent to invoke on tool;
)");
  Write("inventory.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "gone", "status": "revoked", "attrs": {"clearance": 2}},
  {"kind": "agent", "id": "a-ok", "owner": "u1", "status": "active",
   "expires_at": "2027-01-01T00:00:00Z", "groups": ["g1"]},
  {"kind": "agent", "id": "a-forever", "owner": "u1", "status": "active"},
  {"kind": "agent", "id": "a-orphan", "owner": "gone", "status": "active",
   "expires_at": "2027-01-01T00:00:00Z"},
  {"kind": "agent", "id": "a-lapsed", "owner": "u1", "status": "active",
   "expires_at": "2026-01-01T00:00:00Z"},
  {"kind": "builder", "id": "b-nobody", "status": "active"},
  {"kind": "builder", "id": "b-by-agent", "owner": "a-ok", "status": "active",
   "expires_at": "2027-01-01T00:00:00Z"}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}}]})");
  Write("requests.jsonl", std::string(kRequestT1) + "\n" +
                              R"({"subject": {"kind": "agent", "id": "a-ok"}, "action": "invoke",)"
                              R"( "resource": {"type": "tool", "id": "t1"},)"
                              R"( "on_behalf_of": [{"kind": "user", "id": "u1"}]})" +
                              "\n");
  Outcome run =
      Ward("eval --policy " + Path("policy.ward") + " --entities " + Path("inventory.json") +
           " --requests " + Path("requests.jsonl") + " --decision-log " + Path("d.log"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ofstream(Path("d.log"), std::ios::app) << "[]\n";

  const std::string args = "inventory --policy " + Path("policy.ward") + " --entities " +
                           Path("inventory.json") + " --now 2026-12-01T00:00:00Z";
  run = Ward(args + " --logs " + Path("d.log") + " --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json out = nlohmann::json::parse(run.out);
  std::map<std::string, nlohmann::json> by_id;
  for (const nlohmann::json& entry : out["identities"]) by_id[entry["id"]] = entry;
  ASSERT_EQ(by_id.size(), 8u) << run.out;
  auto flags = [&](const std::string& id) { return by_id[id]["flags"]; };
  EXPECT_EQ(flags("u1"), nlohmann::json::array());
  EXPECT_EQ(flags("gone"), nlohmann::json::parse(R"(["inactive"])"));
  EXPECT_EQ(flags("a-ok"), nlohmann::json::array());
  EXPECT_EQ(flags("a-forever"), nlohmann::json::parse(R"(["never-expires"])"));
  EXPECT_EQ(flags("a-orphan"), nlohmann::json::parse(R"(["orphaned"])"));
  EXPECT_EQ(flags("a-lapsed"), nlohmann::json::parse(R"(["expired"])"));
  EXPECT_EQ(by_id["a-lapsed"]["status"], "expired");
  EXPECT_EQ(flags("b-nobody"), nlohmann::json::parse(R"(["unowned", "never-expires"])"));
  EXPECT_EQ(flags("b-by-agent"), nlohmann::json::parse(R"(["orphaned", "owner-chain"])"));
  EXPECT_EQ(by_id["b-by-agent"]["owner_chain"],
            nlohmann::json::parse(R"([{"kind": "agent", "id": "a-ok", "status": "active"},
                                      {"kind": "user", "id": "u1", "status": "active"}])"));
  EXPECT_EQ(by_id["u1"]["owns"],
            nlohmann::json::parse(R"(["agent:a-forever", "agent:a-lapsed", "agent:a-ok"])"));
  EXPECT_EQ(by_id["a-ok"]["groups"], nlohmann::json::parse(R"(["g1"])"));
  // u1 acted twice (as subject, then in a chain); a-ok once; nobody else.
  EXPECT_EQ(by_id["u1"]["decisions"], 2);
  EXPECT_EQ(by_id["a-ok"]["decisions"], 1);
  EXPECT_TRUE(by_id["gone"]["last_seen"].is_null());
  EXPECT_EQ(out["summary"]["agents"], 4);
  EXPECT_EQ(out["summary"]["orphaned"], 2);
  EXPECT_EQ(out["skipped_lines"], 1);
  EXPECT_THAT(run.err, HasSubstr("d.log:3: not a JSON object"));

  run = Ward(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("builder  b-by-agent  active   agent:a-ok > user:u1"));
  EXPECT_THAT(run.out, HasSubstr("8 identities: 1 expired, 1 inactive, 2 never-expires, "
                                 "2 orphaned, 1 owner-chain, 1 unowned\n"));
  run = Ward(args + " --format csv");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("kind,id,status,owner,expires_at,groups,flags,owns\n"));
  EXPECT_THAT(run.out, HasSubstr("\nbuilder,b-nobody,active,,,,unowned never-expires,\n"));

  // Bad input.
  EXPECT_EQ(Ward("inventory --entities " + Path("inventory.json")).exit_code, 2);
  EXPECT_EQ(Ward(args + " --format xml").exit_code, 2);
  EXPECT_EQ(Ward(args + " --now yesterday").exit_code, 2);
  EXPECT_EQ(Ward(args + " --logs " + Path("missing.log")).exit_code, 1);
  Write("bad.json", "{\"identities\": [");
  EXPECT_EQ(Ward("inventory --policy " + Path("policy.ward") + " --entities " + Path("bad.json"))
                .exit_code,
            1);
}

TEST_F(CliTest, DecommissionRevokesWritesTheNewFileAndARecord) {
  Write("policy.ward", R"(schema {
  user { clearance: int }
  agent { }
  resource tool { min_clearance: int }
  action invoke on tool
}
@id("agents") permit agent to invoke on tool;
)");
  Write("inventory.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2, "note": "kept"}},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active"},
  {"kind": "agent", "id": "a2", "owner": "u1", "status": "revoked"}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}}]})");
  const std::string args = "decommission user:u1 --policy " + Path("policy.ward") + " --entities " +
                           Path("inventory.json") + " --now 2026-12-01T00:00:00Z --by user:admin";
  Outcome run = Ward(args + " -o " + Path("new.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json record = nlohmann::json::parse(run.out);
  EXPECT_EQ(record["decommissioned"], nlohmann::json::parse(R"({"kind": "user", "id": "u1"})"));
  EXPECT_EQ(record["at"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(record["by"]["id"], "admin");
  EXPECT_EQ(record["became_unowned"], nlohmann::json::parse(R"([{"kind": "agent", "id": "a1"}])"));
  EXPECT_EQ(record["revoked"], nlohmann::json::parse(R"([{"kind": "user", "id": "u1"}])"));
  EXPECT_THAT(run.err, HasSubstr("revoked user:u1; 1 identity lost its owner\n"));
  // The new file: u1 revoked, the rest as written (an undeclared attribute included).
  nlohmann::json written = nlohmann::json::parse(Read("new.json"));
  EXPECT_EQ(written["identities"][0]["status"], "revoked");
  EXPECT_EQ(written["identities"][0]["attrs"]["note"], "kept");
  EXPECT_EQ(written["identities"][1]["status"], "active");
  // The agent it owned is now denied as unowned.
  const std::string request =
      R"({"subject": {"kind": "agent", "id": "a1"}, "action": "invoke",)"
      R"( "resource": {"type": "tool", "id": "t1"}, "now": "2026-12-01T00:00:00Z"})";
  run = Ward(
      "eval --policy " + Path("policy.ward") + " --entities " + Path("new.json") + " --request -",
      request);
  EXPECT_THAT(run.out, HasSubstr(R"("reason":"unowned")"));

  // --cascade revokes it too; the record goes to a file.
  run = Ward(args + " -o " + Path("cascaded.json") + " --cascade --record " + Path("rec.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(nlohmann::json::parse(Read("rec.json"))["revoked"].size(), 2u);
  written = nlohmann::json::parse(Read("cascaded.json"));
  EXPECT_EQ(written["identities"][1]["status"], "revoked");

  // Bad input.
  EXPECT_EQ(Ward("decommission u1 --policy " + Path("policy.ward") + " --entities " +
                 Path("inventory.json") + " -o " + Path("x.json"))
                .exit_code,
            2);
  run = Ward("decommission agent:u1 --policy " + Path("policy.ward") + " --entities " +
             Path("inventory.json") + " -o " + Path("x.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("no agent `u1` (`u1` is a user)"));
  EXPECT_EQ(Ward("decommission user:nobody --policy " + Path("policy.ward") + " --entities " +
                 Path("inventory.json") + " -o " + Path("x.json"))
                .exit_code,
            1);
  EXPECT_EQ(Ward(args).exit_code, 2);  // no -o
  EXPECT_EQ(Ward(args + " -o " + Path("x.json") + " --by someone").exit_code, 2);
}

TEST_F(CliTest, DecommissionRecordsTheBlastRadiusBeforeAndAfter) {
  Write("policy.ward", R"(schema {
  user { }
  agent { }
  resource tool { sensitivity: int }
  action invoke on tool
}
@id("people") permit user to invoke on tool;
@id("agents") permit agent to invoke on tool "t1";
)");
  Write("inventory.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active"},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active"}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"sensitivity": 4}},
                {"type": "tool", "id": "t2", "attrs": {"sensitivity": 0}}]})");
  Outcome run = Ward("decommission user:u1 --policy " + Path("policy.ward") + " --entities " +
                     Path("inventory.json") + " --now 2026-12-01T00:00:00Z -o " + Path("new.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json blast = nlohmann::json::parse(run.out)["blast_radius"];
  // Before: u1 reaches t1 (5) and t2 (1); a1 reaches t1 alone and for u1 (5, once).
  EXPECT_EQ(blast["before"]["score"], 11) << blast;
  EXPECT_EQ(blast["before"]["identities"][1],
            nlohmann::json::parse(R"({"kind": "agent", "id": "a1", "reached": 1, "score": 5})"));
  // After: u1 is revoked and a1 unowned: neither reaches anything.
  EXPECT_EQ(blast["after"]["reached"], 0) << blast;
  EXPECT_EQ(blast["after"]["score"], 0);
}

TEST_F(CliTest, DiscoverListsDelegationPathsNeverReviewed) {
  Write("policy.ward", R"(schema {
  user { }
  agent { }
  resource tool { }
  action invoke on tool
}
@id("people") permit user to invoke on tool;
@id("agents") permit agent to invoke on tool;
)");
  Write("inventory.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active"},
  {"kind": "user", "id": "u2", "status": "active"},
  {"kind": "user", "id": "u3", "status": "active"},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active"}],
  "resources": [{"type": "tool", "id": "t1"}]})");
  std::string requests;
  for (const char* user : {"u1", "u2", "u2", "u3"}) {
    requests += std::string(R"({"subject": {"kind": "agent", "id": "a1"}, "action": "invoke",)") +
                R"( "resource": {"type": "tool", "id": "t1"}, "on_behalf_of": [{"kind": "user",)" +
                R"( "id": ")" + user + R"("}]})" + "\n";
  }
  Write("requests.jsonl", requests);
  const std::string inputs =
      " --policy " + Path("policy.ward") + " --entities " + Path("inventory.json");
  Outcome run = Ward("eval" + inputs + " --requests " + Path("requests.jsonl") +
                     " --decision-log " + Path("d.log"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Write("reviewed.txt", "# reviewed on 2026-12-01\nagent:a1  >  user:u3\n");

  // a1 for its owner u1 is established by ownership; for u3 it was reviewed; for u2, never.
  run = Ward("discover " + Path("d.log") + inputs + " --reviewed-paths " + Path("reviewed.txt") +
             " --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json out = nlohmann::json::parse(run.out);
  EXPECT_EQ(out["delegation_paths"], 3);
  ASSERT_EQ(out["unreviewed_paths"].size(), 1u) << run.out;
  EXPECT_EQ(
      out["unreviewed_paths"][0]["path"],
      nlohmann::json::parse(R"([{"kind": "agent", "id": "a1"}, {"kind": "user", "id": "u2"}])"));
  EXPECT_EQ(out["unreviewed_paths"][0]["decisions"], 2);
  EXPECT_EQ(out["unreviewed_paths"][0]["allowed"], 2);

  run = Ward("discover " + Path("d.log") + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("delegation paths never reviewed (of 3 seen): 2\n"));
  EXPECT_THAT(run.out, HasSubstr("  agent:a1 > user:u2  2 decisions, 2 allowed"));
  EXPECT_THAT(run.out, HasSubstr("  agent:a1 > user:u3  1 decision, 1 allowed"));
  // Without the inventory nothing is established by ownership.
  run = Ward("discover " + Path("d.log") + " --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["unreviewed_paths"].size(), 3u);
  EXPECT_EQ(
      Ward("discover " + Path("d.log") + " --reviewed-paths " + Path("missing.txt")).exit_code, 1);
}

TEST_F(CliTest, ReportWritesOneSelfContainedPage) {
  Write("policy.ward", R"(schema {
  user { }
  resource tool { }
  action invoke on tool
}
@id("people") permit user to invoke on tool;
)");
  Write("inventory.json", R"({"identities": [{"kind": "user", "id": "u1", "status": "active"}],
  "resources": [{"type": "tool", "id": "t1"}]})");
  const std::string inputs = " --policy " + Path("policy.ward") + " --entities " +
                             Path("inventory.json") + " --now 2026-12-01T00:00:00Z";
  Outcome run = Ward("report -o " + Path("r.html") + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("wrote " + Path("r.html") + " (1 identities)"));
  const std::string page = Read("r.html");
  EXPECT_THAT(page, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(page, Not(HasSubstr("@WARD_DATA@")));
  EXPECT_THAT(page, HasSubstr(R"("ranking":[{"kind":"user","id":"u1","reached":1,"score":1}])"));
  // Nothing is loaded from elsewhere: no src or href attributes at all.
  EXPECT_THAT(page, Not(HasSubstr("src=")));
  EXPECT_THAT(page, Not(HasSubstr("href=")));

  EXPECT_EQ(Ward("report" + inputs).exit_code, 2);  // no -o
  EXPECT_EQ(Ward("report -o " + Path("r.html") + " --top 0" + inputs).exit_code, 2);
  EXPECT_EQ(Ward("report -o " + Path("r.html") + " --dormant-days soon" + inputs).exit_code, 2);
  EXPECT_EQ(
      Ward("report -o " + Path("r.html") + " --logs " + Path("missing.log") + inputs).exit_code, 1);
  EXPECT_EQ(Ward("report -o " + Path("no-such-dir/r.html") + inputs).exit_code, 1);
}

TEST_F(CliTest, BlastListsWhatAnIdentityReachesAndRanksThem) {
  Write("policy.ward", R"(schema {
  user { clearance: int }
  agent { }
  resource tool { min_clearance: int, sensitivity: int }
  action invoke on tool
  context { approved: bool }
}
@id("cleared") permit user to invoke on tool when subject.clearance >= resource.min_clearance;
@id("agents") permit agent to invoke on tool "t1";
@id("t2-approved") forbid any to invoke on tool "t2"
  unless context has approved and context.approved;
)");
  Write("inventory.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "u0", "status": "active", "attrs": {"clearance": 0}},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active"}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 0, "sensitivity": 2}},
                {"type": "tool", "id": "t2", "attrs": {"min_clearance": 1, "sensitivity": 9}}]})");
  const std::string inputs = " --policy " + Path("policy.ward") + " --entities " +
                             Path("inventory.json") + " --now 2026-12-01T00:00:00Z";
  Outcome run = Ward("blast user:u1" + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("user:u1: 2 reached, score 13\n"));
  EXPECT_THAT(run.out, HasSubstr("    EFFECT  ACTION  RESOURCE  WEIGHT  RULES    CONDITION\n"
                                 "    ALLOW   invoke  tool:t1   3       cleared\n"
                                 "    ALLOW   invoke  tool:t2   10      cleared  if context has "
                                 "approved and context.approved\n"));

  run = Ward("blast agent:a1 --format json" + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json agent = nlohmann::json::parse(run.out)[0];
  ASSERT_EQ(agent["reaches"].size(), 2u) << run.out;  // alone, then on behalf of u1
  EXPECT_EQ(agent["reaches"][1]["on_behalf_of"][0]["id"], "u1");
  EXPECT_EQ(agent["reaches"][1]["accesses"][0]["rules"],
            nlohmann::json::parse(R"(["agents", "cleared"])"));
  EXPECT_EQ(agent["score"], 3);

  // On behalf of u0, who is cleared for t1 only; a1 reaches no more.
  run = Ward("blast agent:a1 --on-behalf-of user:u0 --format json" + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)[0]["reaches"][0]["accesses"].size(), 1u);

  run = Ward("blast --top 2 --threads 2" + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("1     user     u1"));
  // u0 and a1 both score 3: a tie goes by kind (users first), then id.
  EXPECT_THAT(run.out, HasSubstr("2     user     u0"));
  EXPECT_THAT(run.out, Not(HasSubstr("a1")));

  // Inventory shows the same score.
  run = Ward("inventory --blast --format json" + inputs);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json listed = nlohmann::json::parse(run.out);
  for (const nlohmann::json& entry : listed["identities"]) {
    if (entry["id"] == "u1") {
      EXPECT_EQ(entry["blast"]["score"], 13);
    } else if (entry["id"] == "u0") {
      EXPECT_EQ(entry["blast"]["score"], 3);
    }
  }

  // Bad input.
  EXPECT_EQ(Ward("blast" + inputs).exit_code, 2);                  // nothing to do
  EXPECT_EQ(Ward("blast user:u1 --top 3" + inputs).exit_code, 2);  // both
  EXPECT_EQ(Ward("blast u1" + inputs).exit_code, 2);               // not KIND:ID
  EXPECT_EQ(Ward("blast --top zero" + inputs).exit_code, 2);
  EXPECT_EQ(Ward("blast user:u1 --sensitivity tool" + inputs).exit_code, 2);
  run = Ward("blast user:u1 --sensitivity tool=min" + inputs);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("`tool.min` is not a declared int attribute"));
  run = Ward("blast agent:u1" + inputs);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("no agent `u1` in the inventory"));
  EXPECT_EQ(
      Ward("blast user:u1 --policy " + Path("policy.ward") + " --entities " + Path("missing.json"))
          .exit_code,
      1);
}

TEST_F(CliTest, DecisionLogOptionErrors) {
  Outcome run = Ward(EvalArgs() + " --request - --decision-log-level full", kRequestT1);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--decision-log-level needs --decision-log FILE"));
  run = Ward(
      EvalArgs() + " --request - --decision-log " + Path("d.log") + " --decision-log-level loud",
      kRequestT1);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("`loud` is not a level; use none, summary or full"));
  run = Ward(EvalArgs() + " --request - --decision-log " + Path("missing/dir/d.log"), kRequestT1);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot open the decision log"));
  EXPECT_EQ(run.out, "");  // nothing decided
}

TEST_F(CliTest, EvalWithAnInvalidPolicyExitsOne) {
  Write("bad.ward", "permit user to;\n");
  Outcome run = Ward("eval --policy " + Path("bad.ward") + " --request -", kRequestT1);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(Path("bad.ward") + ":1:"));
}

TEST_F(CliTest, ExplainPrintsTheDecisionAndTheTrace) {
  Outcome run = Ward("explain --policy " + Path("policy.ward") + " --entities " +
                         Path("entities.json") + " --request -",
                     kRequestT9);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith(R"({"effect":"DENY")"));
  EXPECT_THAT(run.out, HasSubstr("subject user:u1"));
  EXPECT_THAT(run.out, HasSubstr("cleared"));
  EXPECT_THAT(run.out, HasSubstr("does not hold"));
}

TEST_F(CliTest, CompileWritesABundleThatDecidesTheSame) {
  Outcome compiled = Ward("compile " + Path("policy.ward") + " -o " + Path("p.bundle"));
  EXPECT_EQ(compiled.exit_code, 0) << compiled.err;
  EXPECT_THAT(compiled.out, HasSubstr("1 rules"));
  const std::string from_text = Ward(EvalArgs() + " --request -", kRequestT1).out;
  Outcome from_bundle = Ward(
      "eval --bundle " + Path("p.bundle") + " --entities " + Path("entities.json") + " --request -",
      kRequestT1);
  EXPECT_EQ(from_bundle.exit_code, 0) << from_bundle.err;
  EXPECT_EQ(from_bundle.out, from_text);
  EXPECT_THAT(Ward("dump --bundle " + Path("p.bundle")).out, HasSubstr("rule 0 cleared"));
  EXPECT_EQ(Ward("dump " + Path("policy.ward")).out, Ward("dump --bundle " + Path("p.bundle")).out);
}

TEST_F(CliTest, CorruptBundlesAreRejected) {
  ASSERT_EQ(Ward("compile " + Path("policy.ward") + " -o " + Path("p.bundle")).exit_code, 0);
  const std::string bytes = Read("p.bundle");
  Write("cut.bundle", bytes.substr(0, bytes.size() - 3));
  Outcome cut = Ward("eval --bundle " + Path("cut.bundle") + " --request -", kRequestT1);
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_THAT(cut.err, HasSubstr("invalid bundle"));
  EXPECT_EQ(Ward("compile " + Path("policy.ward")).exit_code, 2);  // no -o
  EXPECT_EQ(Ward("eval --policy " + Path("policy.ward") + " --bundle " + Path("p.bundle") +
                     " --request -",
                 kRequestT1)
                .exit_code,
            2);  // both
}

TEST_F(CliTest, HostileInputNeverCrashes) {
  // Deep nesting, a huge line and binary noise: errors, never a crash (exit 1 or 2 only).
  Write("deep.ward", std::string(100000, '(') + "\n");
  EXPECT_EQ(Ward("check " + Path("deep.ward")).exit_code, 1);
  Outcome deep_json = Ward(EvalArgs() + " --request -", std::string(100000, '['));
  EXPECT_EQ(deep_json.exit_code, 2);
  EXPECT_THAT(deep_json.err, HasSubstr("deeper"));
  Write("noise.ward", std::string("\x00\xff\xfe/*", 5));
  EXPECT_EQ(Ward("check " + Path("noise.ward")).exit_code, 1);
  Outcome long_line =
      Ward(EvalArgs() + " --requests -", std::string(3 << 20, 'x') + "\n" + kRequestT1);
  EXPECT_EQ(long_line.exit_code, 2);
  EXPECT_THAT(long_line.out, HasSubstr("line 1: longer than"));
  EXPECT_THAT(long_line.out, HasSubstr("\"effect\":\"ALLOW\""));
}

}  // namespace
