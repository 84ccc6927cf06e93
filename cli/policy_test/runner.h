// Policy tests: files that name a policy set and an entity file and list requests with their
// expected decisions (format: docs/testing.md). `ward test` and the REPL's `:test` run them.

#ifndef WARD_CLI_POLICY_TEST_RUNNER_H_
#define WARD_CLI_POLICY_TEST_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ward/policy.h"

namespace ward::cli {

struct TestRunOptions {
  // When set, every test file is run against this policy instead of the policy files it
  // names (the REPL runs a file against the session's policy, typed rules included).
  std::shared_ptr<const Policy> policy_override;
  std::string junit_path;  // when not empty, a JUnit XML report is written there
  bool color = false;      // ANSI colours in the report
};

struct TestRunSummary {
  int passed = 0;
  int failed = 0;
  // Rules that held or erred in no test case, as "NAME (SOURCE:LINE)".
  std::vector<std::string> uncovered_rules;
};

// Runs every test file in `paths` (a directory means every `*.ward_test.json` file under it),
// appending the readable report (a line per case, the diff of a failed expectation, the
// coverage and the summary line "N passed, N failed") to `report`. An error status means the
// test files themselves are invalid (unreadable, malformed, naming a missing policy).
absl::StatusOr<TestRunSummary> RunPolicyTests(const std::vector<std::string>& paths,
                                              const TestRunOptions& options, std::string* report);

}  // namespace ward::cli

#endif  // WARD_CLI_POLICY_TEST_RUNNER_H_
