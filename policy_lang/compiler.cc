#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/internal/files.h"
#include "lib/internal/policy_access.h"
#include "policy_lang/checker.h"
#include "policy_lang/codegen.h"
#include "policy_lang/parser.h"
#include "ward/compile.h"
#include "ward/errors.h"

namespace ward {

CompileResult Compile(const std::vector<SourceFile>& sources, const CompileOptions& options) {
  CompileResult result;
  if (sources.size() > options.max_sources) {
    Diagnostic d;
    d.source = "<policy set>";
    d.message = absl::StrCat("a policy set may have at most ", options.max_sources,
                             " sources, found ", sources.size());
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  std::vector<ast::File> files;
  files.reserve(sources.size());
  for (const SourceFile& source : sources) {
    files.push_back(
        ParseSource(source.name, source.text, &result.diagnostics, options.parse_limits));
  }
  // After syntax errors the rules that parsed are still checked, so that one round of fixes
  // can address every error; unless a schema block is incomplete, which would make the rules'
  // names look unknown for no fault of theirs.
  const bool syntax_errors = HasErrors(result.diagnostics);
  for (const ast::File& file : files) {
    if (file.schema_incomplete) return result;
  }

  std::vector<CheckInput> inputs;
  inputs.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) inputs.push_back({&files[i], sources[i].text});
  std::optional<internal::PolicyIr> ir =
      CheckPolicy(inputs, options.check_options, &result.diagnostics);
  if (!ir.has_value() || syntax_errors) return result;
  // The syntax trees are not needed past checking; free them before the program is built
  // (with 100,000 rules they are the largest part of the peak).
  inputs.clear();
  std::vector<ast::File>().swap(files);
  absl::StatusOr<std::shared_ptr<const internal::Program>> program = internal::BuildProgram(*ir);
  if (!program.ok()) {
    Diagnostic d;
    d.source = "<policy set>";
    d.message = std::string(program.status().message());
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  result.policy = options.keep_rules
                      ? internal::PolicyAccess::FromIr(std::move(*ir), *std::move(program))
                      : internal::PolicyAccess::FromProgram(*std::move(program));
  return result;
}

absl::StatusOr<std::shared_ptr<const Policy>> CompilePolicy(const std::vector<SourceFile>& sources,
                                                            const CompileOptions& options) {
  CompileResult result = Compile(sources, options);
  if (result.policy != nullptr) return result.policy;
  std::vector<Diagnostic> errors;
  for (Diagnostic& d : result.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) errors.push_back(std::move(d));
  }
  return WithCategory(absl::InvalidArgumentError(FormatDiagnostics(errors)),
                      ErrorCategory::kPolicy);
}

absl::StatusOr<std::shared_ptr<const Policy>> LoadPolicyFiles(const std::vector<std::string>& paths,
                                                              std::vector<Diagnostic>* diagnostics,
                                                              const CompileOptions& options) {
  absl::StatusOr<std::vector<SourceFile>> sources =
      ReadSourceFiles(paths, options.parse_limits.max_source_bytes);
  if (!sources.ok()) return sources.status();
  CompileResult result = Compile(*sources, options);
  const bool failed = result.policy == nullptr;
  absl::Status error;
  if (failed) {
    std::vector<Diagnostic> errors;
    for (const Diagnostic& d : result.diagnostics) {
      if (d.severity == Diagnostic::Severity::kError) errors.push_back(d);
    }
    error =
        WithCategory(absl::InvalidArgumentError(FormatDiagnostics(errors)), ErrorCategory::kPolicy);
  }
  if (diagnostics != nullptr) *diagnostics = std::move(result.diagnostics);
  if (failed) return error;
  return result.policy;
}

absl::StatusOr<std::vector<SourceFile>> ReadSourceFiles(const std::vector<std::string>& paths,
                                                        size_t max_bytes) {
  std::vector<SourceFile> sources;
  sources.reserve(paths.size());
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = internal::ReadFile(path, max_bytes);
    if (!text.ok()) return WithCategory(text.status(), ErrorCategory::kIo);
    sources.push_back({path, *std::move(text)});
  }
  return sources;
}

}  // namespace ward
