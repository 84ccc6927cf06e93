// Policy test files (docs/testing.md): loaded and validated whole, so that every error in a
// file is reported at once, before any of its cases runs.

#ifndef WARD_CLI_POLICY_TEST_TEST_FILE_H_
#define WARD_CLI_POLICY_TEST_TEST_FILE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "ward/request.h"

namespace ward::cli::policy_test {

using json = nlohmann::json;

inline constexpr absl::string_view kTestFileSuffix = ".ward_test.json";

// The decision keys an expectation may give, in the order a diff lists them.
inline constexpr absl::string_view kExpectKeys[] = {"effect",      "reason", "denied_by",  "rules",
                                                    "obligations", "errors", "approved_by"};

struct TestCase {
  std::string name;          // the case's name, and for a parametrised case its row
  std::string request_json;  // the request as decided (with `now` filled in)
  Request request;
  json expect;  // the expected decision keys, as given
  // Decide with a grant from this user, signed with the runner's own key (which the engine
  // trusts), so that approval rules can be tested without key files.
  std::optional<std::string> approved_by;
};

struct TestFile {
  std::string path;                       // as given or found
  std::vector<std::string> policy_names;  // as the file writes them: the sources' names
  std::vector<std::string> policy_paths;  // where they are read from
  std::string entities_path;              // empty when the file names none
  std::vector<TestCase> cases;
};

// Collects the errors of one test file; each is "PATH: CONTEXT: message".
class Errors {
 public:
  explicit Errors(std::string path) : path_(std::move(path)) {}
  void Add(absl::string_view context, absl::string_view message) {
    errors_.push_back(context.empty() ? absl::StrCat(path_, ": ", message)
                                      : absl::StrCat(path_, ": ", context, ": ", message));
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& list() const { return errors_; }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

// "a/b/../c" as "a/c": the paths a test file names are shown from the working directory.
std::string Resolve(const std::string& test_path, const std::string& relative);

// Loads the test file at `path`, adding what is wrong with it to `errors`; nullopt when it
// cannot be run. `policy_given`: the runner has a policy of its own (the REPL's), so the file
// need not name one.
std::optional<TestFile> LoadTestFile(const std::string& path, bool policy_given, Errors* errors);

// Expands directories to the test files (*.ward_test.json) under them, sorted; a file is
// taken as named. What cannot be read is added to `errors`.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths,
                                     std::vector<std::string>* errors);

}  // namespace ward::cli::policy_test

#endif  // WARD_CLI_POLICY_TEST_TEST_FILE_H_
