// The JUnit XML report of a test run (`ward test --junit FILE`): a testsuite per test file.

#ifndef WARD_CLI_POLICY_TEST_JUNIT_H_
#define WARD_CLI_POLICY_TEST_JUNIT_H_

#include <string>
#include <vector>

namespace ward::cli::policy_test {

struct CaseResult {
  std::string name;
  bool passed = true;
  std::string message;  // failure summary
  std::string details;  // the diff, the request and the decision
};

struct FileResult {
  std::string path;
  std::vector<CaseResult> cases;
  std::vector<std::string> errors;  // when the file could not be run
};

// The report; text that XML cannot hold is replaced by U+FFFD.
std::string JunitXml(const std::vector<FileResult>& files);

}  // namespace ward::cli::policy_test

#endif  // WARD_CLI_POLICY_TEST_JUNIT_H_
