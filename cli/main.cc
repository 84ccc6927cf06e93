// `ward`: check policies, decide requests and explain decisions from the command line.

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "policy_lang/diagnostics.h"

namespace {

constexpr char kUsage[] =
    "Usage: ward COMMAND [ARGS...]\n"
    "\n"
    "Commands:\n"
    "  check FILE... [--entities FILE]     check policy files (and an entity file)\n"
    "  eval --policy FILE... --request FILE\n"
    "                                      decide a request; print the decision as JSON\n"
    "  explain --policy FILE... --request FILE\n"
    "                                      decide and print why\n"
    "\n"
    "Run `ward COMMAND --help` for the options of a command.\n"
    "Exit codes: 0 success, 1 invalid inputs or failed check, 2 usage or request error.\n";

constexpr char kVersion[] = "ward 0.1.0\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    absl::FPrintF(stderr, "%s", kUsage);
    return ward::cli::kExitUsage;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "-h" || command == "--help" || command == "help") {
    absl::PrintF("%s", kUsage);
    return ward::cli::kExitOk;
  }
  if (command == "--version" || command == "version") {
    absl::PrintF("%s", kVersion);
    return ward::cli::kExitOk;
  }
  if (command == "check") return ward::cli::RunCheck(args);
  if (command == "eval") return ward::cli::RunEval(args, /*explain=*/false);
  if (command == "explain") return ward::cli::RunEval(args, /*explain=*/true);
  absl::FPrintF(stderr, "ward: unknown command `%s`%s\nRun `ward --help` for the commands.\n",
                command, ward::DidYouMean(command, {"check", "eval", "explain"}));
  return ward::cli::kExitUsage;
}
