// `ward`: check policies, decide requests and explain decisions from the command line.

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/repl.h"
#include "policy_lang/diagnostics.h"

namespace {

struct Command {
  const char* name;
  const char* usage;    // shown in `ward --help`, with the summary below it
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int RunEvalCommand(const std::vector<std::string>& args) {
  return ward::cli::RunEval(args, /*explain=*/false);
}
int RunExplainCommand(const std::vector<std::string>& args) {
  return ward::cli::RunEval(args, /*explain=*/true);
}

// Every subcommand, in the order `ward --help` lists them.
constexpr Command kCommands[] = {
    {"check", "check FILE... [--entities FILE]", "check policy files (and an entity file)",
     ward::cli::RunCheck},
    {"eval",
     "eval --policy FILE... [--entities FILE] (--request FILE | --requests FILE) "
     "[--approval-key NAME.pub]",
     "decide requests; print each decision as one line of JSON", RunEvalCommand},
    {"explain",
     "explain --policy FILE... [--entities FILE] (--request FILE | --requests FILE) "
     "[--approval-key NAME.pub]",
     "decide requests; print each decision and its trace", RunExplainCommand},
    {"compile", "compile FILE... -o BUNDLE [--sign NAME.key]",
     "compile policy files into a bundle that loads without the compiler",
     ward::cli::RunCompile},
    {"dump", "dump FILE... | --bundle BUNDLE",
     "print the compiled decision tree and code", ward::cli::RunDump},
    {"keygen", "keygen --out NAME",
     "create an Ed25519 key pair (NAME.key, NAME.pub) for grants and signed bundles",
     ward::cli::RunKeygen},
    {"approve", "approve --key NAME.key --approver user:ID --digest HEX [--ttl 15m]",
     "print a grant that approves one NEEDS_APPROVAL decision", ward::cli::RunApprove},
    {"test", "test PATH... [--junit FILE]", "run policy tests (*.ward_test.json)",
     ward::cli::RunTest},
    {"fmt", "fmt [-w | --check] FILE...", "format policy files, keeping comments",
     ward::cli::RunFmt},
    {"lint", "lint FILE... [--entities FILE] [--werror]",
     "warn about likely mistakes in a policy set and its entities", ward::cli::RunLint},
    {"repl", "repl [--policy FILE...] [--entities FILE]",
     "an interactive session: decide, explain, edit rules and identities", ward::cli::RunRepl},
};

void PrintUsage(FILE* out) {
  absl::FPrintF(out, "Usage: ward COMMAND [ARGS...]\n\nCommands:\n");
  for (const Command& command : kCommands) {
    absl::FPrintF(out, "  ward %s\n      %s\n", command.usage, command.summary);
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
  for (const Command& command : kCommands) {
    if (name == command.name) return command.run(args);
    names.push_back(command.name);
  }
  absl::FPrintF(stderr, "ward: unknown command `%s`%s\nRun `ward --help` for the commands.\n",
                name, ward::DidYouMean(name, names));
  return ward::cli::kExitUsage;
}
