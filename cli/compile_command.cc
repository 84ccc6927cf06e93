// `ward compile FILE... -o BUNDLE [--sign NAME.key]`: policy text to a bundle, the form a
// gateway loads without the policy compiler.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "ward/bundle.h"

namespace ward::cli {
namespace {

int RunCompile(const Invocation& call) {
  if (!call->Has("output")) return call.UsageError("give the policy files and -o BUNDLE");
  std::shared_ptr<const Policy> policy = LoadPolicyFiles(call->positional, false);
  if (policy == nullptr) return kExitInvalidInput;
  std::string bytes;
  if (call->Has("sign")) {
    std::vector<std::string> key;
    if (!ReadKeyFiles({call->Get("sign")}, &key)) return kExitInvalidInput;
    absl::StatusOr<std::string> signed_bytes = SerializeSignedBundle(*policy, key.front());
    if (!signed_bytes.ok()) {
      return call.InputError(
          absl::StrFormat("%s: %s", call->Get("sign"), signed_bytes.status().message()));
    }
    bytes = *std::move(signed_bytes);
  } else {
    bytes = SerializeBundle(*policy);
  }
  const std::string path = call->Get("output");
  FILE* out = std::fopen(path.c_str(), "wb");
  const bool written =
      out != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
  const bool closed = out != nullptr && std::fclose(out) == 0;
  if (!written || !closed) return call.InputError(path + ": cannot write the file");
  absl::PrintF("wrote %s: %d rules, %d bytes, policy %016x%s\n", path, policy->rule_count(),
               bytes.size(), policy->hash(), call->Has("sign") ? ", signed" : "");
  return kExitOk;
}

}  // namespace

const Command& CompileCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "compile";
    command->synopsis = "FILE... -o BUNDLE [--sign NAME.key]";
    command->summary = "compile policy files into a bundle that loads without the compiler";
    command->description =
        "Compiles policy files into a bundle: the decision tree and code that a gateway loads "
        "without the policy compiler.";
    command->options = {
        {"output", "FILE", false, "where to write the bundle (also -o FILE)", 'o'},
        {"sign", "NAME.key", false,
         "sign the bundle with this private key (`ward keygen`), for loaders given --trust"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "give the policy files and -o BUNDLE";
    command->run = RunCompile;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
