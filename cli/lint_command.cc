// `ward lint FILE... [--entities FILE] [--werror]`: the linter's findings about a policy set
// and its entity file (policy_lang/linter.h), with the compiler's own warnings.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "lib/internal/policy_access.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/linter.h"
#include "ward/compile.h"

namespace ward::cli {
namespace {

int RunLint(const Invocation& parsed) {
  LintInput input;
  if (!ParseNowOption(parsed, &input.now)) return kExitUsage;

  const std::vector<std::string> files = ExpandPolicyPaths(parsed->positional);
  if (files.empty()) return parsed.UsageError("no policy files (*.ward) in the folders given");
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(files);
  if (!sources.ok()) {
    absl::FPrintF(stderr, "%s\n", sources.status().message());
    return kExitInvalidInput;
  }
  CompileOptions options;
  options.keep_rules = true;  // the linter reads them
  CompileResult compiled = Compile(*sources, options);
  if (compiled.policy == nullptr) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(compiled.diagnostics, kMaxPrintedDiagnostics));
    absl::FPrintF(stderr, "lint failed: the policy does not compile\n");
    return kExitInvalidInput;
  }
  std::vector<Diagnostic> findings = compiled.diagnostics;  // the compiler's warnings

  EntityStore store;
  std::vector<std::string> entity_warnings;
  if (parsed->Has("entities")) {
    input.entities_name = parsed->Get("entities");
    if (!LoadEntityFile(input.entities_name, compiled.policy->schema(), &store, &entity_warnings)) {
      return kExitInvalidInput;
    }
    absl::StatusOr<std::string> text =
        internal::ReadFile(input.entities_name, EntityLimits().max_file_bytes);
    if (text.ok()) input.entities_text = *std::move(text);
    input.entities = &store;
  }
  input.sources = &*sources;
  input.ir = &internal::IrOf(*compiled.policy);
  std::vector<Diagnostic> lint = Lint(input);
  findings.insert(findings.end(), lint.begin(), lint.end());

  for (const std::string& warning : entity_warnings) {
    findings.push_back(EntityFileWarning(input.entities_name, warning));
  }
  absl::PrintF("%s", FormatDiagnostics(findings, kMaxPrintedDiagnostics));
  const size_t count = findings.size();
  absl::PrintF("%s\n", count == 0 ? std::string("no findings")
                                  : absl::StrCat(count, count == 1 ? " finding" : " findings"));
  return count > 0 && parsed->Has("werror") ? kExitInvalidInput : kExitOk;
}

}  // namespace

const Command& LintCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "lint";
    command->synopsis = "FILE... [--entities FILE] [--werror] [--now TIME]";
    command->summary = "warn about likely mistakes in a policy set and its entities";
    command->description =
        "Warns about rules that can never hold, rules shadowed by a forbid, duplicate rules, "
        "schema attributes no rule reads, and identities that are unowned, inactive or that no "
        "rule applies to. A directory stands for the *.ward files under it. Exits 0, or 1 with "
        "--werror when there is a finding.";
    command->options = {
        {"entities", "FILE", false, "also lint this entity file against the policy"},
        {"werror", "", false, "exit 1 when there is any finding"},
        {"now", "TIME", false,
         "judge expiry at this RFC 3339 time instead of the clock (for reproducible output)"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no policy files given";
    command->run = RunLint;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
