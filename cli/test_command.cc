// `ward test PATH...`: runs policy test files (docs/testing.md).

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/policy_test/runner.h"

namespace ward::cli {
namespace {

int RunTest(const Invocation& parsed) {
  if (parsed->Has("color") && parsed->Has("no-color")) {
    return parsed.UsageError("give at most one of --color and --no-color");
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

}  // namespace

const Command& TestCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "test";
    command->synopsis = "PATH... [--junit FILE] [--color | --no-color]";
    command->summary = "run policy tests (*.ward_test.json)";
    command->description =
        "Runs policy tests: every *.ward_test.json file given or found under a directory. "
        "Prints PASS or FAIL per case, the diff of each failed expectation, the rules no case "
        "covered, and \"N passed, N failed\". Exits 0 when every case passes, 1 when one fails "
        "or a test file or its policy is invalid.";
    command->options = {
        {"junit", "FILE", false, "also write a JUnit XML report (a testsuite per test file)"},
        {"color", "", false, "colour the report (the default when standard output is a terminal)"},
        {"no-color", "", false, "do not colour the report"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no test files given (PATH: a file or a directory)";
    command->run = RunTest;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
