// `ward`: check policies, decide requests and explain decisions from the command line. Each
// subcommand is a Command (cli/command.h) in its own file; this file lists them.

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "policy_lang/diagnostics.h"

namespace {

using ward::cli::Command;

// Every subcommand, in the order `ward --help` lists them.
std::vector<const Command*> AllCommands() {
  using namespace ward::cli;  // NOLINT(build/namespaces): the list reads better unqualified.
  return {&CheckCommand(),  &EvalCommand(),      &ExplainCommand(),      &CompileCommand(),
          &DumpCommand(),   &KeygenCommand(),    &ApproveCommand(),      &TestCommand(),
          &FmtCommand(),    &LintCommand(),      &ReplCommand(),         &DiscoverCommand(),
          &ReplayCommand(), &InventoryCommand(), &DecommissionCommand(), &BlastCommand(),
          &ReportCommand(), &BenchCommand(), &ServeCommand()};
}

void PrintUsage(FILE* out) {
  absl::FPrintF(out, "Usage: ward COMMAND [ARGS...]\n\nCommands:\n");
  for (const Command* command : AllCommands()) {
    absl::FPrintF(out, "  ward %s %s\n      %s\n", command->name, command->synopsis,
                  command->summary);
  }
  absl::FPrintF(out,
                "\nRun `ward COMMAND --help` for the options of a command.\n"
                "Exit codes: 0 success, 1 invalid inputs or failed check, 2 usage or request "
                "error.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintUsage(stderr);
    return ward::cli::kExitUsage;
  }
  const std::string name = args.front();
  args.erase(args.begin());
  if (name == "-h" || name == "--help" || name == "help") {
    PrintUsage(stdout);
    return ward::cli::kExitOk;
  }
  if (name == "--version" || name == "version") {
    absl::PrintF("ward 0.2.0\n");
    return ward::cli::kExitOk;
  }
  std::vector<std::string> names;
  for (const Command* command : AllCommands()) {
    if (name == command->name) return ward::cli::RunCommand(*command, args);
    names.push_back(command->name);
  }
  absl::FPrintF(stderr, "ward: unknown command `%s`%s\nRun `ward --help` for the commands.\n", name,
                ward::DidYouMean(name, names));
  return ward::cli::kExitUsage;
}
