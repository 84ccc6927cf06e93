// The compiler: policy sources (`*.ward` text) to a ward::Policy.
//
//   std::vector<ward::SourceFile> sources = {{"policy.ward", text}};
//   ward::CompileResult result = ward::Compile(sources);
//   if (result.policy == nullptr) std::cerr << ward::FormatDiagnostics(result.diagnostics);
//
// From files: ward::LoadPolicyFiles({"policies/a.ward", "policies/b.ward"}).

#ifndef WARD_COMPILE_H_
#define WARD_COMPILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ward/diagnostics.h"
#include "ward/policy.h"

namespace ward {

// One source of a policy set. `name` names the rules without `@id` (`name:LINE`) and appears
// in diagnostics; the CLI passes each path as typed.
struct SourceFile {
  std::string name;
  std::string text;
};

// Caps that keep hostile policy text from exhausting time, stack or memory. Exceeding one is
// an error that names the cap.
struct ParseLimits {
  size_t max_source_bytes = size_t{16} << 20;
  int max_nesting_depth = 64;  // parentheses, `not` and list literals
  // `and`/`or` operators in one condition, through parentheses: a chain of them is as deep
  // as it is long, and later stages walk it recursively.
  int max_condition_operators = 1000;
  size_t max_string_bytes = size_t{1} << 20;  // a string or regex literal
  size_t max_list_items = 100000;             // a list literal, `in [...]`, `under [...]`
  size_t max_errors = 100;                    // parsing stops after this many errors
};

struct CheckOptions {
  // Memory budget of each compiled regular expression (RE2's max_mem); a pattern over it is
  // a compile error.
  int64_t max_regex_memory = int64_t{1} << 20;
};

struct CompileOptions {
  ParseLimits parse_limits;
  CheckOptions check_options;
  size_t max_sources = 10000;
  // Keep the checked rules beside the compiled program (Policy::has_rules()): the form the
  // linter, the reference interpreter and the command-line tools (check, lint, test, the
  // REPL) read. Deciding, explaining and what-may never need them, so by default a policy
  // compiled from text holds what one loaded from its bundle holds, about half the memory.
  bool keep_rules = false;
};

struct CompileResult {
  std::shared_ptr<const Policy> policy;  // null when there are errors
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in source order per stage
};

// Parses and checks every source together (schemas merge across sources).
CompileResult Compile(const std::vector<SourceFile>& sources, const CompileOptions& options = {});

// As Compile, with the errors rendered into an InvalidArgument status of category kPolicy
// (ward/errors.h); warnings are dropped.
absl::StatusOr<std::shared_ptr<const Policy>> CompilePolicy(const std::vector<SourceFile>& sources,
                                                            const CompileOptions& options = {});

// Reads files from disk as sources named by their paths as given. A file that cannot be read
// or is larger than `max_bytes` is an error of category kIo naming it.
absl::StatusOr<std::vector<SourceFile>> ReadSourceFiles(const std::vector<std::string>& paths,
                                                        size_t max_bytes = size_t{16} << 20);

// Reads and compiles a policy set from files (`*.ward`): ReadSourceFiles, then CompilePolicy.
// Errors are kIo (a file) or kPolicy (the errors, rendered). When `diagnostics` is given it
// receives every diagnostic, warnings included, whether or not the compile succeeded.
absl::StatusOr<std::shared_ptr<const Policy>> LoadPolicyFiles(
    const std::vector<std::string>& paths, std::vector<Diagnostic>* diagnostics = nullptr,
    const CompileOptions& options = {});

}  // namespace ward

#endif  // WARD_COMPILE_H_
