// `ward compile` (policy text to a bundle) and `ward dump` (the compiled form as text).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "ward/bundle.h"

namespace ward::cli {
namespace {

const std::vector<OptionSpec>& CompileOptions() {
  static const auto* const kSpecs = new std::vector<OptionSpec>{
      {"output", "FILE", false, "where to write the bundle (also -o FILE)"},
      {"sign", "NAME.key", false,
       "sign the bundle with this private key (`ward keygen`), for loaders given --trust"},
  };
  return *kSpecs;
}

const std::vector<OptionSpec>& DumpOptions() {
  static const auto* const kSpecs = new std::vector<OptionSpec>{
      {"bundle", "FILE", false, "dump a bundle instead of policy files"},
      {"trust", "NAME.pub", true, "load --bundle only if it is signed by this public key"},
  };
  return *kSpecs;
}

// `-o FILE` is the usual spelling of `--output FILE`.
std::vector<std::string> ExpandShortOutput(std::vector<std::string> args) {
  for (std::string& arg : args) {
    if (arg == "-o") arg = "--output";
  }
  return args;
}

}  // namespace

int RunCompile(const std::vector<std::string>& raw_args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(ExpandShortOutput(raw_args), CompileOptions());
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward compile: %s\n", parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s", UsageText("compile", "FILE... -o BUNDLE [--sign NAME.key]",
                                 "Compiles policy files into a bundle: the decision tree and "
                                 "code that a gateway loads without the policy compiler.",
                                 CompileOptions()));
    return kExitOk;
  }
  if (parsed->positional.empty() || !parsed->Has("output")) {
    absl::FPrintF(stderr, "ward compile: give the policy files and -o BUNDLE\n");
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy = LoadPolicyFiles(parsed->positional, false);
  if (policy == nullptr) return kExitInvalidInput;
  std::string bytes;
  if (parsed->Has("sign")) {
    std::vector<std::string> key;
    if (!ReadKeyFiles({parsed->Get("sign")}, &key)) return kExitInvalidInput;
    absl::StatusOr<std::string> signed_bytes = SerializeSignedBundle(*policy, key.front());
    if (!signed_bytes.ok()) {
      absl::FPrintF(stderr, "ward compile: %s: %s\n", parsed->Get("sign"),
                    signed_bytes.status().message());
      return kExitInvalidInput;
    }
    bytes = *std::move(signed_bytes);
  } else {
    bytes = SerializeBundle(*policy);
  }
  const std::string path = parsed->Get("output");
  FILE* out = std::fopen(path.c_str(), "wb");
  const bool written =
      out != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
  if (out != nullptr && std::fclose(out) != 0) {
    absl::FPrintF(stderr, "ward compile: %s: cannot write the file\n", path);
    return kExitInvalidInput;
  }
  if (!written) {
    absl::FPrintF(stderr, "ward compile: %s: cannot write the file\n", path);
    return kExitInvalidInput;
  }
  absl::PrintF("wrote %s: %d rules, %d bytes, policy %016x%s\n", path, policy->rule_count(),
               bytes.size(), policy->hash(), parsed->Has("sign") ? ", signed" : "");
  return kExitOk;
}

int RunDump(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, DumpOptions());
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward dump: %s\n", parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s", UsageText("dump", "FILE... | --bundle BUNDLE [--trust NAME.pub]",
                                 "Prints the compiled form of a policy set: its schema, the "
                                 "decision tree (one line per leaf) and the code of every rule.",
                                 DumpOptions()));
    return kExitOk;
  }
  if (parsed->positional.empty() == !parsed->Has("bundle")) {
    absl::FPrintF(stderr, "ward dump: give either policy files or --bundle BUNDLE\n");
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy =
      parsed->Has("bundle") ? LoadBundleFile(parsed->Get("bundle"), parsed->GetAll("trust"))
                            : LoadPolicyFiles(parsed->positional, false);
  if (policy == nullptr) return kExitInvalidInput;
  absl::PrintF("%s", policy->Dump());
  return kExitOk;
}

}  // namespace ward::cli
