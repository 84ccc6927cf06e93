// Runs the `ward` binary the way a user runs it, for the tests of the command-line tool: the
// binary is $WARD_BIN (ctest and Bazel set it), else build/cli/ward, relative to the
// repository root (the tests' working directory).

#ifndef WARD_TESTING_WARD_RUNNER_H_
#define WARD_TESTING_WARD_RUNNER_H_

#include <string>
#include <vector>

namespace ward::testing_support {

struct CommandOutcome {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string out;     // standard output
  std::string err;     // standard error
};

// The path of the `ward` binary under test.
std::string WardBinary();

// `text` quoted for the POSIX shell.
std::string ShellQuote(const std::string& text);

// Runs `shell_command` through /bin/sh with `input` on its standard input; the outputs are
// captured through files in `scratch_dir`, which must exist.
CommandOutcome RunShellCommand(const std::string& shell_command, const std::string& input,
                               const std::string& scratch_dir);

// Runs `ward ARGS...` (each argument passed as it is) with `input` on standard input.
CommandOutcome RunWard(const std::vector<std::string>& args, const std::string& input = "");

}  // namespace ward::testing_support

#endif  // WARD_TESTING_WARD_RUNNER_H_
