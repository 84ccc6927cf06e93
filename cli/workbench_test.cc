// The policy author's commands, run as a user runs them: `ward test` (report, exit codes,
// JUnit), `ward fmt` (-w, --check) and `ward lint` (--werror), and the linter's warnings in
// `ward check`. The binary is $WARD_BIN (ctest sets it), else build/cli/ward; the working
// directory is the repository root.

#include <filesystem>
#include <string>

#include "cli/command_test_base.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/examples.h"

namespace {

using ward::cli_testing::Outcome;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPolicy[] = R"(schema {
  user { clearance: int }
  resource tool { min_clearance: int }
  action invoke on tool
}

@id("cleared")
permit user to invoke on tool
  when subject.clearance >= resource.min_clearance;

@id("never-used")
forbid user to invoke on tool "t0";
)";

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "u2", "status": "active", "attrs": {"clearance": 0}}],
  "resources": [{"type": "tool", "id": "t1", "attrs": {"min_clearance": 1}},
                {"type": "tool", "id": "t9", "attrs": {"min_clearance": 9}}]})";

class WorkbenchTest : public ward::cli_testing::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    std::filesystem::create_directories(dir_ / "tests");
    Write("policy.ward", kPolicy);
    Write("entities.json", kEntities);
  }

  // A test file in tests/ naming the policy and entities above, with `cases` (a JSON list).
  void WriteTestFile(const std::string& name, const std::string& cases) const {
    Write("tests/" + name,
          R"({"policies": ["../policy.ward"], "entities": "../entities.json",
              "now": "2026-12-01T00:00:00Z", "cases": )" +
              cases + "}");
  }
};

constexpr char kPassingCases[] = R"([
  {"name": "cleared user invokes",
   "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
               "resource": {"type": "tool", "id": "t1"}},
   "expect": {"effect": "ALLOW", "reason": "permitted", "rules": ["cleared"],
              "obligations": {"redact": [], "limits": {}, "log": "none"}}},
  {"name": "below clearance",
   "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
               "resource": {"type": "tool", "id": "t1"}},
   "table": {"columns": ["subject.id", "resource.id"], "rows": [["u2", "t1"], ["u1", "t9"]]},
   "expect": {"effect": "DENY", "reason": "no_matching_permit", "rules": [],
              "denied_by": {"kind": "user", "id": "u1"}}}
])";

// ---- ward test ----

TEST_F(WorkbenchTest, TestPassesReportsEachCaseAndExitsZero) {
  WriteTestFile("a.ward_test.json",
                R"([{"name": "cleared user invokes",
                     "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                                 "resource": {"type": "tool", "id": "t1"}},
                     "expect": {"effect": "ALLOW", "rules": ["cleared"]}}])");
  Outcome run = Ward("test " + Path("tests"));
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("--- " + Path("tests/a.ward_test.json") + "\n"));
  EXPECT_THAT(run.out, HasSubstr("\nPASS cleared user invokes\n"));
  EXPECT_THAT(run.out, HasSubstr("\n1 passed, 0 failed\n"));
  EXPECT_THAT(run.out, Not(HasSubstr("\x1b[")));  // not a terminal: no colours
}

TEST_F(WorkbenchTest, TestFailureShowsTheDiffOfTheGivenKeysAndExitsOne) {
  WriteTestFile("a.ward_test.json", kPassingCases);
  Outcome run = Ward("test " + Path("tests/a.ward_test.json"));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  // The table names its rows; the second row denies u1 itself, so denied_by is right only
  // for the first.
  EXPECT_THAT(run.out, HasSubstr("PASS cleared user invokes\n"));
  EXPECT_THAT(run.out, HasSubstr("FAIL below clearance [subject.id=\"u2\", resource.id=\"t1\"]\n"
                                 "    - denied_by: {\"id\":\"u1\",\"kind\":\"user\"}\n"
                                 "    + denied_by: {\"id\":\"u2\",\"kind\":\"user\"}\n"));
  EXPECT_THAT(run.out, HasSubstr("PASS below clearance [subject.id=\"u1\", resource.id=\"t9\"]"));
  // Only the keys the expectation gives are compared.
  EXPECT_THAT(run.out, Not(HasSubstr("- effect")));
  EXPECT_THAT(run.out, HasSubstr("      decision: {\"effect\":\"DENY\""));
  EXPECT_THAT(run.out, HasSubstr("\n2 passed, 1 failed\n"));
}

TEST_F(WorkbenchTest, TestReportsTheRulesNoCaseCovered) {
  WriteTestFile("a.ward_test.json", kPassingCases);
  Outcome run = Ward("test " + Path("tests"));
  EXPECT_THAT(run.out, HasSubstr(": 1 of 2 rules held or erred in no case:\n  never-used (" +
                                 Path("policy.ward") + ":12)\n"));
}

TEST_F(WorkbenchTest, TestEveryRequestOfAListIsACase) {
  WriteTestFile("a.ward_test.json", R"([{"name": "denied",
      "requests": [{"subject": {"kind": "user", "id": "u2"}, "action": "invoke",
                    "resource": {"type": "tool", "id": "t1"}},
                   {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                    "resource": {"type": "tool", "id": "t0"}}],
      "expect": {"effect": "DENY"}}])");
  Outcome run = Ward("test " + Path("tests"));
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("PASS denied [1]\nPASS denied [2]\n"));
  EXPECT_THAT(run.out, HasSubstr("every rule (2) held or erred in some case"));
}

TEST_F(WorkbenchTest, TestPrintsEveryErrorOfAnInvalidFileAndExitsOne) {
  WriteTestFile("bad.ward_test.json", R"([
    {"name": "typo", "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                                 "resource": {"type": "tool", "id": "t1"}},
     "expect": {"efect": "ALLOW"}},
    {"name": "bad request", "request": {"subject": {"kind": "robot", "id": "r"}},
     "expect": {"effect": "DENY"}}])");
  WriteTestFile("good.ward_test.json", kPassingCases);
  Outcome run = Ward("test " + Path("tests"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("bad.ward_test.json: cases[0] `typo`: expect: unknown field "
                                 "`efect`"));
  EXPECT_THAT(run.err, HasSubstr("bad.ward_test.json: cases[0] `typo`: expect: `effect` is "
                                 "required"));
  EXPECT_THAT(run.err, HasSubstr("bad.ward_test.json: cases[1] `bad request`: request: invalid "
                                 "request"));
  // The valid file still runs, and the summary does not read as a clean pass.
  EXPECT_THAT(run.out, HasSubstr("PASS cleared user invokes"));
  EXPECT_THAT(run.out, HasSubstr("\n2 passed, 1 failed, 1 test file could not run\n"));
}

// `expect.redacts` shows the decision's redactions working on sample text.
TEST_F(WorkbenchTest, TestAssertsRedactionsOnSampleText) {
  Write("redact.ward", R"(schema { user {} resource tool {} action invoke on tool }
@id("masked") permit user to invoke on tool with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]");
)");
  Write("tests/redact.ward_test.json", R"({"policies": ["../redact.ward"],
    "entities": "../entities.json", "now": "2026-12-01T00:00:00Z", "cases": [
    {"name": "masked",
     "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                 "resource": {"type": "tool", "id": "t1"}},
     "expect": {"effect": "ALLOW",
                "redacts": [{"input": "SSN 123-45-6789.", "output": "SSN [SSN]."},
                            {"input": "none here", "output": "none here"}]}},
    {"name": "wrong sample",
     "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                 "resource": {"type": "tool", "id": "t1"}},
     "expect": {"effect": "ALLOW", "redacts": {"input": "123-45-6789", "output": "123-45-6789"}}}
  ]})");
  Outcome run = Ward("test " + Path("tests/redact.ward_test.json"));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("PASS masked\n"));
  EXPECT_THAT(run.out, HasSubstr("FAIL wrong sample\n"));
  EXPECT_THAT(run.out, HasSubstr("+ redacts: \"123-45-6789\" -> \"[SSN]\""));

  WriteTestFile("shape.ward_test.json", R"([{"name": "bad",
    "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                "resource": {"type": "tool", "id": "t1"}},
    "expect": {"effect": "ALLOW", "redacts": {"input": "x"}}}])");
  Outcome shape = Ward("test " + Path("tests/shape.ward_test.json"));
  EXPECT_EQ(shape.exit_code, 1);
  EXPECT_THAT(shape.err, HasSubstr("`redacts` must be {\"input\": TEXT, \"output\": TEXT}"));
}

TEST_F(WorkbenchTest, TestReportsAPolicyThatDoesNotCompile) {
  Write("broken.ward", "permit user to invoke on tol;\n");
  Write("tests/a.ward_test.json", R"({"policies": ["../policy.ward", "../broken.ward"],
      "cases": [{"name": "x", "request": {"subject": {"kind": "user", "id": "u1"},
                 "action": "invoke", "resource": {"type": "tool", "id": "t1"}},
                 "expect": {"effect": "DENY"}}]})");
  Outcome run = Ward("test " + Path("tests"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(Path("broken.ward") + ":1:26: error: unknown resource type"));
}

TEST_F(WorkbenchTest, TestUsageErrorsExitTwo) {
  EXPECT_EQ(Ward("test").exit_code, 2);
  EXPECT_EQ(Ward("test " + Path("tests") + " --bogus").exit_code, 2);
  EXPECT_EQ(Ward("test " + Path("tests") + " --color --no-color").exit_code, 2);
  EXPECT_EQ(Ward("test " + Path("missing.ward_test.json")).exit_code, 1);
  EXPECT_EQ(Ward("test " + Path("tests")).exit_code, 1);  // an empty directory
}

TEST_F(WorkbenchTest, TestColoursOnRequest) {
  WriteTestFile("a.ward_test.json", kPassingCases);
  Outcome run = Ward("test --color " + Path("tests"));
  EXPECT_THAT(run.out, HasSubstr("\x1b[32mPASS\x1b[0m cleared user invokes"));
  EXPECT_THAT(run.out, HasSubstr("\x1b[31mFAIL\x1b[0m below clearance"));
}

TEST_F(WorkbenchTest, TestWritesJunitXml) {
  WriteTestFile("a.ward_test.json", R"([
    {"name": "passes <&> \"quoted\"",
     "request": {"subject": {"kind": "user", "id": "u1"}, "action": "invoke",
                 "resource": {"type": "tool", "id": "t1"}},
     "expect": {"effect": "ALLOW"}},
    {"name": "fails",
     "request": {"subject": {"kind": "user", "id": "u2"}, "action": "invoke",
                 "resource": {"type": "tool", "id": "t1"}},
     "expect": {"effect": "ALLOW", "reason": "permitted"}}])");
  WriteTestFile("bad.ward_test.json", "[]");
  Outcome run = Ward("test " + Path("tests") + " --junit " + Path("report.xml"));
  EXPECT_EQ(run.exit_code, 1);
  const std::string xml = Read("report.xml");
  const std::string suite = Path("tests/a.ward_test.json");
  EXPECT_THAT(xml, HasSubstr("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<testsuites name=\"ward test\" tests=\"3\" failures=\"1\" "
                             "errors=\"1\">\n"));
  EXPECT_THAT(
      xml, HasSubstr("<testsuite name=\"" + suite + "\" tests=\"2\" failures=\"1\" errors=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"passes &lt;&amp;&gt; &quot;quoted&quot;\" "
                             "classname=\"" +
                             suite + "\"/>"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"effect: expected &quot;ALLOW&quot;, got "
                             "&quot;DENY&quot;; reason: expected &quot;permitted&quot;, got "
                             "&quot;no_matching_permit&quot;\">- effect: &quot;ALLOW&quot;\n"
                             "+ effect: &quot;DENY&quot;\n"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"" + Path("tests/bad.ward_test.json") +
                             "\" tests=\"1\" failures=\"0\" errors=\"1\">"));
  EXPECT_THAT(xml, HasSubstr("<error message=\""));
  EXPECT_THAT(xml, HasSubstr("</testsuites>\n"));
}

// ---- ward fmt ----

constexpr char kUnformatted[] =
    "schema { user { clearance: int } resource tool { min_clearance: int } action invoke on "
    "tool }\n// why\n@id(\"x\") permit user to invoke on tool when (subject.clearance >= 1);\n";
constexpr char kFormatted[] = R"(schema {
  user { clearance: int }
  resource tool { min_clearance: int }
  action invoke on tool
}

// why
@id("x")
permit user to invoke on tool
  when subject.clearance >= 1;
)";

TEST_F(WorkbenchTest, FmtPrintsTheFormattedText) {
  Write("a.ward", kUnformatted);
  Outcome run = Ward("fmt " + Path("a.ward"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, kFormatted);
  EXPECT_EQ(Read("a.ward"), kUnformatted);
}

TEST_F(WorkbenchTest, FmtCheckListsUnformattedFilesAndExitsOne) {
  Write("a.ward", kUnformatted);
  Write("b.ward", kFormatted);
  Outcome run = Ward("fmt --check " + Path("a.ward") + " " + Path("b.ward"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, Path("a.ward") + "\n");
  EXPECT_THAT(run.err, HasSubstr("1 of 2 files are not formatted"));
  EXPECT_EQ(Read("a.ward"), kUnformatted);
  EXPECT_EQ(Ward("fmt --check " + Path("b.ward")).exit_code, 0);
}

TEST_F(WorkbenchTest, FmtWriteRewritesInPlace) {
  Write("a.ward", kUnformatted);
  Outcome run = Ward("fmt -w " + Path("a.ward"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(Read("a.ward"), kFormatted);
  EXPECT_EQ(Ward("fmt --check " + Path("a.ward")).exit_code, 0);
}

TEST_F(WorkbenchTest, FmtRefusesSyntaxErrorsAndBadUsage) {
  Write("bad.ward", "permit user to;\n");
  Outcome run = Ward("fmt --check " + Path("bad.ward"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(Path("bad.ward") + ":1:15: error"));
  EXPECT_EQ(Ward("fmt -w --check " + Path("bad.ward")).exit_code, 2);
  EXPECT_EQ(Ward("fmt").exit_code, 2);
  EXPECT_EQ(Ward("fmt " + Path("missing.ward")).exit_code, 1);
}

// ---- ward lint and ward check ----

constexpr char kContradiction[] = R"(
@id("impossible")
permit user to invoke on tool
  when subject.clearance < 3 and subject.clearance > 5;
)";

TEST_F(WorkbenchTest, LintReportsFindingsAndFailsOnlyWithWerror) {
  Write("rules.ward", kContradiction);
  const std::string files = Path("policy.ward") + " " + Path("rules.ward");
  Outcome run = Ward("lint " + files);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out,
              HasSubstr(Path("rules.ward") + ":4:34: warning: permit `impossible` can never hold"));
  EXPECT_THAT(run.out, HasSubstr("[never-holds]"));
  EXPECT_EQ(Ward("lint --werror " + files).exit_code, 1);
}

TEST_F(WorkbenchTest, LintOfACleanPolicySetPassesWerror) {
  Write("clean.ward", R"(schema {
  user { clearance: int }
  resource tool { min_clearance: int }
  action invoke on tool
}

@id("cleared")
permit user to invoke on tool
  when subject.clearance >= resource.min_clearance;
)");
  Outcome run = Ward("lint --werror " + Path("clean.ward") + " --entities " +
                     Path("entities.json") + " --now 2026-12-01T00:00:00Z");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "no findings\n");
}

TEST_F(WorkbenchTest, LintReportsEntities) {
  Write("people.json", R"({"identities": [
  {"kind": "user", "id": "u1", "status": "suspended", "attrs": {"clearance": 2}}]})");
  Outcome run = Ward("lint " + Path("policy.ward") + " --entities " + Path("people.json"));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr(Path("people.json") + ":2:26: warning: user `u1` is suspended"));
  EXPECT_EQ(Ward("lint " + Path("policy.ward") + " --now yesterday").exit_code, 2);
}

TEST_F(WorkbenchTest, CheckShowsLintFindingsAsWarningsAndStillPasses) {
  Write("rules.ward", kContradiction);
  Outcome run = Ward("check " + Path("policy.ward") + " " + Path("rules.ward"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("can never hold"));
  EXPECT_THAT(run.out, HasSubstr("; 1 warning\n"));
}

// ---- The examples ----

TEST_F(WorkbenchTest, ExamplesPassTheirTestsWithFullCoverage) {
  const std::vector<ward::testing_support::ExamplePolicySet> examples =
      ward::testing_support::ExamplePolicySets();
  ASSERT_FALSE(examples.empty());
  for (const ward::testing_support::ExamplePolicySet& example : examples) {
    Outcome run = Ward("test " + example.tests_dir);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("held or erred in some case")) << example.name;
    EXPECT_THAT(run.out, Not(HasSubstr("in no case"))) << example.name;
  }
}

// `check` and `lint` take folders as `fmt` and `test` do, and judge expiry at a given time.
TEST_F(WorkbenchTest, CheckAndLintTakeFoldersAndAFixedClock) {
  Outcome check = Ward("check examples/agent-runtime --now 2026-12-01T00:00:00Z");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("ok: 2 sources"));
  Outcome lint = Ward("lint examples/agent-runtime --now 2026-12-01T00:00:00Z");
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;

  std::filesystem::create_directories(dir_ / "empty");
  Outcome empty = Ward("check " + Path("empty"));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no policy files (*.ward)"));
  Outcome bad_time = Ward("check examples/agent-runtime --now yesterday");
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.err, HasSubstr("`yesterday` is not an RFC 3339 timestamp"));
}

TEST_F(WorkbenchTest, ExamplesAreFormatted) {
  Outcome run = Ward("fmt --check examples");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

}  // namespace
