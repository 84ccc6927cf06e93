#include "testing/ward_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ward::testing_support {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string WardBinary() {
  const char* path = std::getenv("WARD_BIN");
  return path != nullptr && *path != '\0' ? path : "build/cli/ward";
}

std::string ShellQuote(const std::string& text) {
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

CommandOutcome RunShellCommand(const std::string& shell_command, const std::string& input,
                               const std::string& scratch_dir) {
  const std::string in_path = scratch_dir + "/stdin.txt";
  const std::string out_path = scratch_dir + "/stdout.txt";
  const std::string err_path = scratch_dir + "/stderr.txt";
  std::ofstream(in_path, std::ios::binary) << input;
  const std::string command = shell_command + " <" + ShellQuote(in_path) + " >" +
                              ShellQuote(out_path) + " 2>" + ShellQuote(err_path);
  CommandOutcome outcome;
  const int status = std::system(command.c_str());
  outcome.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.out = ReadWhole(out_path);
  outcome.err = ReadWhole(err_path);
  return outcome;
}

CommandOutcome RunWard(const std::vector<std::string>& args, const std::string& input) {
  // A scratch folder per call, so that tests running at once do not share one.
  static std::atomic<int> calls{0};
  const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() /
      ("ward_run_" + std::to_string(::getpid()) + "_" + std::to_string(calls++));
  std::filesystem::create_directories(scratch);
  std::string command = ShellQuote(WardBinary());
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  CommandOutcome outcome = RunShellCommand(command, input, scratch.string());
  std::filesystem::remove_all(scratch);
  return outcome;
}

}  // namespace ward::testing_support
