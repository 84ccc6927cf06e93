// `ward check FILE... [--entities FILE]`: the policy set against its schema, the linter's
// findings, and an entity file against the schema.

#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "lib/internal/policy_access.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/linter.h"
#include "ward/compile.h"

namespace ward::cli {
namespace {

std::string Plural(size_t n, absl::string_view word, absl::string_view plural = "") {
  if (n == 1) return absl::StrCat(n, " ", word);
  return plural.empty() ? absl::StrCat(n, " ", word, "s") : absl::StrCat(n, " ", plural);
}

int RunCheck(const Invocation& parsed);

}  // namespace

const Command& CheckCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "check";
    command->synopsis = "FILE... [--entities FILE] [--now TIME]";
    command->summary = "check policy files (and an entity file)";
    command->description =
        "Checks policy files against their schema; prints the errors with their "
        "file:line:col, then the linter's warnings, and a summary with their totals (at most "
        "100 diagnostics are printed, then a line that counts the rest). A directory stands for "
        "the *.ward files under it.";
    command->options = {
        {"entities", "FILE", false, "also validate this entity file against the schema"},
        {"now", "TIME", false,
         "judge expiry at this RFC 3339 time instead of the clock (for reproducible output)"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no policy files given";
    command->run = RunCheck;
    return command;
  }();
  return *kCommand;
}

namespace {

int RunCheck(const Invocation& parsed) {
  std::optional<absl::Time> now;
  if (!ParseNowOption(parsed, &now)) return kExitUsage;
  const std::vector<std::string> files = ExpandPolicyPaths(parsed->positional);
  if (files.empty()) return parsed.UsageError("no policy files (*.ward) in the folders given");
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(files);
  if (!sources.ok()) {
    absl::FPrintF(stderr, "%s\n", sources.status().message());
    return kExitInvalidInput;
  }
  CompileOptions options;
  options.keep_rules = true;  // the linter reads them
  CompileResult result = Compile(*sources, options);
  size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : result.diagnostics) {
    (d.severity == Diagnostic::Severity::kError ? errors : warnings)++;
  }
  if (result.policy == nullptr) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(result.diagnostics, kMaxPrintedDiagnostics));
    absl::FPrintF(stderr, "check failed: %s, %s\n", Plural(errors, "error"),
                  Plural(warnings, "warning"));
    return kExitInvalidInput;
  }
  // The compiler's warnings, the entity file's and the linter's, printed together so that at
  // most kMaxPrintedDiagnostics of them are.
  std::vector<Diagnostic> shown = std::move(result.diagnostics);

  const internal::PolicyIr& ir = internal::IrOf(*result.policy);
  size_t by_effect[3] = {0, 0, 0};
  for (const internal::Rule& rule : ir.rules) by_effect[static_cast<int>(rule.effect)]++;
  std::string summary =
      absl::StrCat("ok: ", Plural(sources->size(), "source"), ", ", Plural(ir.rules.size(), "rule"),
                   " (", by_effect[0], " permit, ", by_effect[1], " forbid, ", by_effect[2],
                   " require_approval), ", Plural(ir.schema.resource_types.size(), "resource type"),
                   ", ", Plural(ir.schema.actions.size(), "action"));

  // The linter's findings are warnings too (policy_lang/linter.h).
  LintInput lint;
  lint.now = now;
  lint.sources = &*sources;
  lint.ir = &ir;
  EntityStore store;
  if (parsed->Has("entities")) {
    std::vector<std::string> entity_warnings;
    const std::string path = parsed->Get("entities");
    if (!LoadEntityFile(path, result.policy->schema(), &store, &entity_warnings)) {
      absl::PrintF("%s", FormatDiagnostics(shown, kMaxPrintedDiagnostics));
      absl::FPrintF(stderr, "check failed: the entity file is invalid\n");
      return kExitInvalidInput;
    }
    for (const std::string& warning : entity_warnings) {
      shown.push_back(EntityFileWarning(path, warning));
    }
    warnings += entity_warnings.size();
    absl::StrAppend(&summary,
                    "; entities: ", Plural(store.identity_count(), "identity", "identities"), ", ",
                    Plural(store.resource_count(), "resource"));
    lint.entities = &store;
    lint.entities_name = path;
    absl::StatusOr<std::string> text = internal::ReadFile(path, EntityLimits().max_file_bytes);
    if (text.ok()) lint.entities_text = *std::move(text);
  }
  std::vector<Diagnostic> findings = Lint(lint);
  warnings += findings.size();
  shown.insert(shown.end(), std::make_move_iterator(findings.begin()),
               std::make_move_iterator(findings.end()));
  absl::PrintF("%s", FormatDiagnostics(shown, kMaxPrintedDiagnostics));
  absl::PrintF("%s; %s\n", summary, Plural(warnings, "warning"));
  return kExitOk;
}

}  // namespace
}  // namespace ward::cli
