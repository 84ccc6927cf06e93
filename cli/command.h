// The command framework of `ward`: every subcommand is one Command, defined in its own file
// (cli/<name>_command.cc). The framework parses the arguments against the command's options,
// answers `--help` from the command's own text, and turns argument errors into usage errors
// (exit code 2, one line naming the argument); the command's function runs only on arguments
// that parsed.

#ifndef WARD_CLI_COMMAND_H_
#define WARD_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cli/args.h"

namespace ward::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

// What a command accepts besides its options.
enum class Positionals {
  kNone,        // nothing: an argument that is not an option is a usage error
  kAtLeastOne,  // one or more (files, paths)
  kAny          // any number; the command checks them
};

class Invocation;

struct Command {
  std::string name;         // "check"
  std::string synopsis;     // "FILE... [--entities FILE]", after "ward NAME"
  std::string summary;      // one line, for `ward --help`
  std::string description;  // a paragraph, for `ward NAME --help`
  std::vector<OptionSpec> options;
  Positionals positionals = Positionals::kNone;
  // The usage error when kAtLeastOne gets none ("no policy files given"); for kNone, the hint
  // after "unexpected argument `X`" (e.g. "policy files go after --policy"), may be empty.
  std::string positional_hint;
  int (*run)(const Invocation& call) = nullptr;
};

// One run of a command: its parsed arguments, and the way to report a usage error.
class Invocation {
 public:
  Invocation(const Command& command, ParsedArgs args) : command_(command), args_(std::move(args)) {}

  const Command& command() const { return command_; }
  const ParsedArgs& args() const { return args_; }
  const ParsedArgs* operator->() const { return &args_; }

  // Prints "ward NAME: MESSAGE" to standard error; returns kExitUsage.
  int UsageError(absl::string_view message) const;
  // Prints "ward NAME: MESSAGE" to standard error; returns kExitInvalidInput.
  int InputError(absl::string_view message) const;

 private:
  const Command& command_;
  ParsedArgs args_;
};

// Runs `command` on `args` (the arguments after its name).
int RunCommand(const Command& command, const std::vector<std::string>& args);

// The text of `ward NAME --help`.
std::string CommandHelp(const Command& command);

}  // namespace ward::cli

#endif  // WARD_CLI_COMMAND_H_
