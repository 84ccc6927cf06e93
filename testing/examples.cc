#include "testing/examples.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace ward::testing_support {

std::vector<ExamplePolicySet> ExamplePolicySets(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<ExamplePolicySet> examples;
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory(error)) continue;
    ExamplePolicySet example;
    example.name = it->path().filename().string();
    example.dir = root + "/" + example.name;
    for (const fs::directory_entry& file : fs::directory_iterator(it->path(), error)) {
      if (file.path().extension() == ".ward") {
        example.policy_files.push_back(example.dir + "/" + file.path().filename().string());
      }
    }
    if (example.policy_files.empty()) continue;
    std::sort(example.policy_files.begin(), example.policy_files.end());
    example.entities_file = example.dir + "/entities.json";
    example.tests_dir = example.dir + "/tests";
    example.has_expected_decisions = fs::exists(example.dir + "/requests.jsonl", error) &&
                                     fs::exists(example.dir + "/expected.jsonl", error);
    examples.push_back(std::move(example));
  }
  std::sort(examples.begin(), examples.end(),
            [](const ExamplePolicySet& a, const ExamplePolicySet& b) { return a.name < b.name; });
  return examples;
}

std::vector<ExamplePolicySet> ExamplesWithExpectedDecisions() {
  std::vector<ExamplePolicySet> examples = ExamplePolicySets();
  examples.erase(std::remove_if(examples.begin(), examples.end(),
                                [](const ExamplePolicySet& example) {
                                  return !example.has_expected_decisions;
                                }),
                 examples.end());
  return examples;
}

std::string TestName(const ExamplePolicySet& example) {
  std::string name = example.name;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

void PrintTo(const ExamplePolicySet& example, std::ostream* os) { *os << example.name; }

}  // namespace ward::testing_support
