// `ward repl`: the command's definition. The session is cli/repl/session.cc; cli/repl/repl.cc
// runs it on a terminal or a script.

#include "cli/commands.h"
#include "cli/repl/repl.h"

namespace ward::cli {

const Command& ReplCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "repl";
    command->synopsis =
        "[--policy FILE...] [--entities FILE] [--approval-key NAME.pub...] "
        "[--approver-key NAME.key] [--decision-log FILE [--decision-log-level LEVEL]]";
    command->summary = "an interactive session: decide, explain, edit rules and identities";
    command->description =
        "An interactive session: decide requests typed on one line, explain them, approve them "
        "(`:approve`), add rules, edit identities and reload policies. Reads a script when "
        "standard input is not a terminal. See docs/repl.md.";
    command->options = {
        {"policy", "FILE", true, "a policy source; several form one policy set"},
        {"entities", "FILE", false, "the entity file (identities and resources)"},
        {"approval-key", "NAME.pub", true,
         "trust grants signed by this public key (`ward keygen`), as `ward eval` does"},
        {"approver-key", "NAME.key", false,
         "the private key `:approve` signs grants with (its public key is trusted too)"},
    };
    for (OptionSpec& spec : DecisionLogOptionSpecs()) command->options.push_back(std::move(spec));
    command->positional_hint = "policy files go after --policy";
    command->run = RunRepl;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
