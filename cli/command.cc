#include "cli/command.h"

#include <cstdio>

#include "absl/strings/str_format.h"

namespace ward::cli {

int Invocation::UsageError(absl::string_view message) const {
  absl::FPrintF(stderr, "ward %s: %s\n", command_.name, message);
  return kExitUsage;
}

int Invocation::InputError(absl::string_view message) const {
  absl::FPrintF(stderr, "ward %s: %s\n", command_.name, message);
  return kExitInvalidInput;
}

std::string CommandHelp(const Command& command) {
  return UsageText(command.name, command.synopsis, command.description, command.options);
}

int RunCommand(const Command& command, const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, command.options);
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward %s: %s\n", command.name, parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s", CommandHelp(command));
    return kExitOk;
  }
  Invocation call(command, *std::move(parsed));
  switch (command.positionals) {
    case Positionals::kNone:
      if (!call->positional.empty()) {
        std::string message = absl::StrFormat("unexpected argument `%s`", call->positional.front());
        if (!command.positional_hint.empty()) {
          message = absl::StrFormat("%s (%s)", message, command.positional_hint);
        }
        return call.UsageError(message);
      }
      break;
    case Positionals::kAtLeastOne:
      if (call->positional.empty()) return call.UsageError(command.positional_hint);
      break;
    case Positionals::kAny:
      break;
  }
  return command.run(call);
}

}  // namespace ward::cli
