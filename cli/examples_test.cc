// Runs the `ward` binary on the policy sets under examples/ and compares its decisions with
// each folder's expected.jsonl, so that the examples and their documented outputs stay true.
//
// The binary is $WARD_BIN (ctest sets it), else build/cli/ward. The working directory is the
// repository root.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

struct Example {
  std::string name;  // the folder under examples/
  std::vector<std::string> policy_files;
};

// Names the parameter in test output.
void PrintTo(const Example& example, std::ostream* os) { *os << example.name; }

const std::vector<Example>& Examples() {
  static const auto* const kExamples = new std::vector<Example>{
      {"ai-gateway", {"schema.ward", "rules.ward"}},
      {"agent-runtime", {"schema.ward", "rules.ward"}},
      {"training-pipeline", {"policy.ward"}},
  };
  return *kExamples;
}

std::string WardBinary() {
  const char* path = std::getenv("WARD_BIN");
  if (path != nullptr && *path != '\0') return path;
  return "build/cli/ward";
}

// `text` quoted for the POSIX shell.
std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

struct RunResult {
  int exit_code = -1;
  std::string output;  // standard output
};

// Runs `ward ARGS...` through the shell and collects its standard output.
RunResult RunWard(const std::vector<std::string>& args) {
  std::string command = Quote(WardBinary());
  for (const std::string& arg : args) command += " " + Quote(arg);
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << command;
    return result;
  }
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

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

std::string Dir(const Example& example) { return "examples/" + example.name; }

// --policy F for each policy file of `example`.
std::vector<std::string> PolicyArgs(const Example& example) {
  std::vector<std::string> args;
  for (const std::string& file : example.policy_files) {
    args.push_back("--policy");
    args.push_back(Dir(example) + "/" + file);
  }
  return args;
}

class ExamplesTest : public testing::TestWithParam<Example> {};

TEST_P(ExamplesTest, PolicyAndEntitiesCheck) {
  const Example& example = GetParam();
  std::vector<std::string> args = {"check"};
  for (const std::string& file : example.policy_files) args.push_back(Dir(example) + "/" + file);
  args.push_back("--entities");
  args.push_back(Dir(example) + "/entities.json");
  const RunResult result = RunWard(args);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("ok: "), std::string::npos) << result.output;
}

// The decision without its last key, the policy hash: expected.jsonl holds the contract's keys
// only, so that it does not change with the compiled form of the policy.
std::string WithoutPolicyHash(const std::string& line) {
  const size_t key = line.rfind(",\"policy\":\"");
  if (key == std::string::npos) return line;
  return line.substr(0, key) + "}";
}

TEST_P(ExamplesTest, DecisionsMatchExpected) {
  const Example& example = GetParam();
  std::vector<std::string> args = {"eval"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  args.insert(args.end(), {"--entities", Dir(example) + "/entities.json", "--requests",
                           Dir(example) + "/requests.jsonl"});
  const RunResult result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.output;

  const std::vector<std::string> requests = Lines(ReadFile(Dir(example) + "/requests.jsonl"));
  const std::vector<std::string> expected = Lines(ReadFile(Dir(example) + "/expected.jsonl"));
  const std::vector<std::string> actual = Lines(result.output);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(expected.size(), requests.size()) << "one expected decision per request";
  ASSERT_EQ(actual.size(), expected.size()) << result.output;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE(actual[i].find(",\"policy\":\""), std::string::npos) << actual[i];
    EXPECT_EQ(WithoutPolicyHash(actual[i]), expected[i])
        << "line " << i + 1 << " of " << Dir(example)
        << "/requests.jsonl: " << (i < requests.size() ? requests[i] : "");
  }
}

TEST_P(ExamplesTest, SingleRequestIsExplained) {
  const Example& example = GetParam();
  std::vector<std::string> args = {"explain"};
  for (const std::string& arg : PolicyArgs(example)) args.push_back(arg);
  args.insert(args.end(), {"--entities", Dir(example) + "/entities.json", "--request",
                           Dir(example) + "/request.json"});
  const RunResult result = RunWard(args);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<std::string> lines = Lines(result.output);
  ASSERT_GE(lines.size(), 3u) << result.output;
  EXPECT_EQ(lines[0].rfind("{\"effect\":", 0), 0u) << result.output;
  EXPECT_EQ(lines[1].rfind("subject ", 0), 0u) << result.output;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplesTest, testing::ValuesIn(Examples()),
                         [](const testing::TestParamInfo<Example>& info) {
                           std::string name;
                           for (char c : info.param.name) name += c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
