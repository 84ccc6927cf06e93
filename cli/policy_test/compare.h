// Comparing a decision with a test case's expectation, key by key.

#ifndef WARD_CLI_POLICY_TEST_COMPARE_H_
#define WARD_CLI_POLICY_TEST_COMPARE_H_

#include <string>
#include <vector>

#include "cli/policy_test/test_file.h"

namespace ward::cli::policy_test {

struct Difference {
  std::string key;
  std::string expected;
  std::string actual;
};

// The keys (kExpectKeys) on which `actual` differs from what `expect` gives. Rules compare as
// sets; errors by rule and principal only.
std::vector<Difference> Compare(const json& expect, const json& actual);

// One line of JSON, invalid UTF-8 replaced.
std::string Compact(const json& value);

}  // namespace ward::cli::policy_test

#endif  // WARD_CLI_POLICY_TEST_COMPARE_H_
