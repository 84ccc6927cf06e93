// The example policy sets under examples/, found on disk rather than listed in each test: a
// new example is checked by every test that walks them.

#ifndef WARD_TESTING_EXAMPLES_H_
#define WARD_TESTING_EXAMPLES_H_

#include <ostream>
#include <string>
#include <vector>

namespace ward::testing_support {

struct ExamplePolicySet {
  std::string name;  // the folder's name: "agent-runtime"
  std::string dir;   // "examples/agent-runtime", relative to the repository root
  // Its *.ward files, sorted ("examples/agent-runtime/rules.ward", ...).
  std::vector<std::string> policy_files;
  std::string entities_file;  // "<dir>/entities.json"
  std::string tests_dir;      // "<dir>/tests" (its `ward test` suite)
  // requests.jsonl and expected.jsonl: the requests and the decisions they must get.
  bool has_expected_decisions = false;
};

// Every folder of `root` (the repository's examples/ by default) that holds a *.ward file,
// sorted by name. The working directory must be the repository root, as it is under ctest
// and Bazel. An example without an entity file or a tests/ folder fails the test that loads
// it: every example ships both.
std::vector<ExamplePolicySet> ExamplePolicySets(const std::string& root = "examples");

// The examples with requests.jsonl and expected.jsonl.
std::vector<ExamplePolicySet> ExamplesWithExpectedDecisions();

// A name usable as a GoogleTest parameter name: "agent_runtime".
std::string TestName(const ExamplePolicySet& example);

// Prints the name, for GoogleTest's messages.
void PrintTo(const ExamplePolicySet& example, std::ostream* os);

}  // namespace ward::testing_support

#endif  // WARD_TESTING_EXAMPLES_H_
