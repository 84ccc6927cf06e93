// `ward dump FILE... | --bundle BUNDLE`: the compiled form of a policy set as text.

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"

namespace ward::cli {
namespace {

int RunDump(const Invocation& call) {
  if (call->positional.empty() == !call->Has("bundle")) {
    return call.UsageError("give either policy files or --bundle BUNDLE");
  }
  std::shared_ptr<const Policy> policy =
      call->Has("bundle") ? LoadBundleFile(call->Get("bundle"), call->GetAll("trust"))
                          : LoadPolicyFiles(call->positional, false);
  if (policy == nullptr) return kExitInvalidInput;
  absl::PrintF("%s", policy->Dump());
  return kExitOk;
}

}  // namespace

const Command& DumpCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "dump";
    command->synopsis = "FILE... | --bundle BUNDLE [--trust NAME.pub]";
    command->summary = "print the compiled decision tree and code";
    command->description =
        "Prints the compiled form of a policy set: its schema, the decision tree (one line per "
        "leaf) and the code of every rule.";
    command->options = {
        {"bundle", "FILE", false, "dump a bundle instead of policy files"},
        {"trust", "NAME.pub", true, "load --bundle only if it is signed by this public key"},
    };
    command->positionals = Positionals::kAny;
    command->run = RunDump;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
