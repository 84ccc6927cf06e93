// A test fixture for tests that run the `ward` binary: a fresh directory per test for the
// files they write, and a way to run `ward ARGS` with a given standard input and read back
// its exit code and output. Shared by cli_test, workbench_test and repl_script_test.
//
// The binary is $WARD_BIN (ctest and Bazel set it), else build/cli/ward (testing/ward_runner.h).

#ifndef WARD_CLI_COMMAND_TEST_BASE_H_
#define WARD_CLI_COMMAND_TEST_BASE_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "testing/ward_runner.h"

namespace ward::cli_testing {

using Outcome = testing_support::CommandOutcome;
using testing_support::WardBinary;

class CommandTest : public testing::Test {
 protected:
  void SetUp() override {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ward_" + std::string(test->test_suite_name()) + "_" + std::to_string(::getpid()) +
            "_" + test->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name), std::ios::binary) << text;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  // Runs `ward ARGS` (ARGS as a shell would split them) with `input` on standard input.
  Outcome Ward(const std::string& args, const std::string& input = "") const {
    return testing_support::RunShellCommand(WardBinary() + " " + args, input, dir_.string());
  }

  std::filesystem::path dir_;
};

}  // namespace ward::cli_testing

#endif  // WARD_CLI_COMMAND_TEST_BASE_H_
