// `ward test PATH...`: runs policy test files (docs/testing.md).

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/test_runner.h"

namespace ward::cli {
namespace {

const std::vector<OptionSpec>& TestOptions() {
  static const auto* const kSpecs = new std::vector<OptionSpec>{
      {"junit", "FILE", false, "also write a JUnit XML report (a testsuite per test file)"},
      {"color", "", false, "colour the report (the default when standard output is a terminal)"},
      {"no-color", "", false, "do not colour the report"},
  };
  return *kSpecs;
}

}  // namespace

int RunTest(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, TestOptions());
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward test: %s\n", parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s", UsageText("test", "PATH... [--junit FILE] [--color | --no-color]",
                                 "Runs policy tests: every *.ward_test.json file given or found "
                                 "under a directory. Prints PASS or FAIL per case, the diff of "
                                 "each failed expectation, the rules no case covered, and \"N "
                                 "passed, N failed\". Exits 0 when every case passes, 1 when one "
                                 "fails or a test file or its policy is invalid.",
                                 TestOptions()));
    return kExitOk;
  }
  if (parsed->positional.empty()) {
    absl::FPrintF(stderr, "ward test: no test files given (PATH: a file or a directory)\n");
    return kExitUsage;
  }
  if (parsed->Has("color") && parsed->Has("no-color")) {
    absl::FPrintF(stderr, "ward test: give at most one of --color and --no-color\n");
    return kExitUsage;
  }
  TestRunOptions options;
  options.junit_path = parsed->Get("junit");
  options.color = parsed->Has("color") || (!parsed->Has("no-color") && isatty(STDOUT_FILENO));
  std::string report;
  absl::StatusOr<TestRunSummary> summary = RunPolicyTests(parsed->positional, options, &report);
  absl::PrintF("%s", report);
  std::fflush(stdout);
  if (!summary.ok()) {
    absl::FPrintF(stderr, "%s\n", summary.status().message());
    return kExitInvalidInput;
  }
  return summary->failed == 0 ? kExitOk : kExitInvalidInput;
}

}  // namespace ward::cli
