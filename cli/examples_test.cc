// Runs the `ward` binary on the policy sets under examples/ and compares its decisions with
// each folder's expected.jsonl, so that the examples and their documented outputs stay true.
//
// The binary is $WARD_BIN (ctest sets it), else build/cli/ward. The working directory is the
// repository root.

#include "testing/examples.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/ward_runner.h"

namespace {

using ::ward::testing_support::CommandOutcome;
using ::ward::testing_support::ExamplePolicySet;
using ::ward::testing_support::ExamplePolicySets;
using ::ward::testing_support::ExamplesWithExpectedDecisions;
using ::ward::testing_support::RunWard;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// --policy F for each policy file of `example`.
std::vector<std::string> PolicyArgs(const ExamplePolicySet& example) {
  std::vector<std::string> args;
  for (const std::string& file : example.policy_files) {
    args.push_back("--policy");
    args.push_back(file);
  }
  return args;
}

class ExampleCheckTest : public testing::TestWithParam<ExamplePolicySet> {};

TEST_P(ExampleCheckTest, PolicyAndEntitiesCheck) {
  const ExamplePolicySet& example = GetParam();
  std::vector<std::string> args = {"check"};
  args.insert(args.end(), example.policy_files.begin(), example.policy_files.end());
  args.push_back("--entities");
  args.push_back(example.entities_file);
  const CommandOutcome result = RunWard(args);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("ok: "), std::string::npos) << result.out;
}

// Every example is found, and every one but the MCP gateway (whose calls are made by its
// Node test) documents its decisions.
TEST(ExampleRegistryTest, FindsTheExamples) {
  std::vector<std::string> names, with_decisions;
  for (const ExamplePolicySet& example : ExamplePolicySets()) names.push_back(example.name);
  for (const ExamplePolicySet& example : ExamplesWithExpectedDecisions()) {
    with_decisions.push_back(example.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"agent-runtime", "ai-gateway", "mcp-gateway",
                                             "training-pipeline"}));
  EXPECT_EQ(with_decisions,
            (std::vector<std::string>{"agent-runtime", "ai-gateway", "training-pipeline"}));
}

class ExamplesTest : public testing::TestWithParam<ExamplePolicySet> {};

// The decision without its last key, the policy hash: expected.jsonl holds the contract's keys
// only, so that it does not change with the compiled form of the policy.
std::string WithoutPolicyHash(const std::string& line) {
  const size_t key = line.rfind(",\"policy\":\"");
  if (key == std::string::npos) return line;
  return line.substr(0, key) + "}";
}

TEST_P(ExamplesTest, DecisionsMatchExpected) {
  const ExamplePolicySet& example = GetParam();
  std::vector<std::string> args = {"eval"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  args.insert(args.end(),
              {"--entities", example.entities_file, "--requests", example.dir + "/requests.jsonl"});
  const CommandOutcome result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;

  const std::vector<std::string> requests = Lines(ReadFile(example.dir + "/requests.jsonl"));
  const std::vector<std::string> expected = Lines(ReadFile(example.dir + "/expected.jsonl"));
  const std::vector<std::string> actual = Lines(result.out);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(expected.size(), requests.size()) << "one expected decision per request";
  ASSERT_EQ(actual.size(), expected.size()) << result.out;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE(actual[i].find(",\"policy\":\""), std::string::npos) << actual[i];
    EXPECT_EQ(WithoutPolicyHash(actual[i]), expected[i])
        << "line " << i + 1 << " of " << example.dir
        << "/requests.jsonl: " << (i < requests.size() ? requests[i] : "");
  }
}

TEST_P(ExamplesTest, SingleRequestIsExplained) {
  const ExamplePolicySet& example = GetParam();
  std::vector<std::string> args = {"explain"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  args.insert(args.end(),
              {"--entities", example.entities_file, "--request", example.dir + "/request.json"});
  const CommandOutcome result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::vector<std::string> lines = Lines(result.out);
  ASSERT_GE(lines.size(), 3u) << result.out;
  EXPECT_EQ(lines[0].rfind("{\"effect\":", 0), 0u) << result.out;
  EXPECT_EQ(lines[1].rfind("subject ", 0), 0u) << result.out;
}

// A log replayed against the policy and entities that made it changes nothing, and the
// governance commands read it.
TEST_P(ExamplesTest, ItsDecisionLogReplaysUnchanged) {
  const ExamplePolicySet& example = GetParam();
  const std::string log = testing::TempDir() + "/" + example.name + "-decisions.log";
  std::remove(log.c_str());
  std::vector<std::string> args = {"eval"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  args.insert(args.end(),
              {"--entities", example.entities_file, "--requests", example.dir + "/requests.jsonl",
               "--decision-log", log, "--decision-log-level", "full"});
  CommandOutcome result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const size_t requests = Lines(ReadFile(example.dir + "/requests.jsonl")).size();
  ASSERT_EQ(Lines(ReadFile(log)).size(), requests);

  args = {"replay", log, "--entities", example.entities_file, "--format", "json"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("\"replayed\": " + std::to_string(requests) + ",\n"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("\"changed\": 0,\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.err, "");

  args = {"inventory", "--entities", example.entities_file, "--logs", log};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(" identities"), std::string::npos) << result.out;
  EXPECT_EQ(result.err, "");
}

std::string ParamName(const testing::TestParamInfo<ExamplePolicySet>& info) {
  return ward::testing_support::TestName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleCheckTest, testing::ValuesIn(ExamplePolicySets()),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(Examples, ExamplesTest, testing::ValuesIn(ExamplesWithExpectedDecisions()),
                         ParamName);

}  // namespace
