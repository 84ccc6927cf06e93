// `ward repl`: an interactive session over a policy set and an entity store. Requests are
// typed on one line and decided at once; rules typed at the prompt join the policy; the
// session's commands explain and approve decisions, edit identities, fix the clock and
// reload files.
// See docs/repl.md.

#ifndef WARD_CLI_REPL_REPL_H_
#define WARD_CLI_REPL_REPL_H_

#include "cli/command.h"

namespace ward::cli {

// Runs `ward repl` (ReplCommand() in cli/repl_command.cc) on its parsed arguments: --policy
// FILE..., --entities FILE, --approval-key NAME.pub..., --approver-key NAME.key. Reads standard
// input: with line editing, history and
// completion when it is a terminal, and as a plain script otherwise. The approval keys are
// trusted as `ward eval` trusts them; `:approve` signs grants with the approver key (whose
// public key is trusted too). Returns 0 on `:quit` or end of input, 1 when the initial files
// or keys are invalid, 2 on a usage error.
int RunRepl(const Invocation& parsed);

}  // namespace ward::cli

#endif  // WARD_CLI_REPL_REPL_H_
