// The compiler driver: policy sources to a ward::Policy.
//
//   std::vector<ward::SourceFile> sources = {{"policy.ward", text}};
//   ward::CompileResult result = ward::Compile(sources);
//   if (result.policy == nullptr) std::cerr << ward::FormatDiagnostics(result.diagnostics);

#ifndef WARD_POLICY_LANG_COMPILER_H_
#define WARD_POLICY_LANG_COMPILER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/policy.h"
#include "policy_lang/checker.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/parser.h"

namespace ward {

// One source of a policy set. `name` names the rules without `@id` (`name:LINE`) and appears
// in diagnostics; the CLI passes each path as typed.
struct SourceFile {
  std::string name;
  std::string text;
};

struct CompileOptions {
  ParseLimits parse_limits;
  CheckOptions check_options;
  size_t max_sources = 10000;
};

struct CompileResult {
  std::shared_ptr<const Policy> policy;  // null when there are errors
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in source order per stage
};

// Parses and checks every source together (schemas merge across sources).
CompileResult Compile(const std::vector<SourceFile>& sources, const CompileOptions& options = {});

// As Compile, with the errors rendered into an InvalidArgument status; warnings are dropped.
absl::StatusOr<std::shared_ptr<const Policy>> CompilePolicy(
    const std::vector<SourceFile>& sources, const CompileOptions& options = {});

// Reads files from disk as sources named by their paths as given. A file that cannot be read
// or is larger than `max_bytes` is an error naming it.
absl::StatusOr<std::vector<SourceFile>> ReadSourceFiles(const std::vector<std::string>& paths,
                                                        size_t max_bytes = size_t{16} << 20);

}  // namespace ward

#endif  // WARD_POLICY_LANG_COMPILER_H_
