#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "lib/bundle.h"
#include "lib/internal/files.h"
#include "policy_lang/compiler.h"

namespace ward::cli {

std::shared_ptr<const Policy> LoadPolicyFiles(const std::vector<std::string>& paths,
                                              bool print_warnings) {
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(paths);
  if (!sources.ok()) {
    absl::FPrintF(stderr, "%s\n", sources.status().message());
    return nullptr;
  }
  CompileResult result = Compile(*sources);
  if (result.policy == nullptr || print_warnings) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(result.diagnostics));
  }
  return result.policy;
}

bool ReadKeyFiles(const std::vector<std::string>& paths, std::vector<std::string>* pems) {
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = internal::ReadFile(path, 64 * 1024);
    if (!text.ok()) {
      absl::FPrintF(stderr, "%s\n", text.status().message());
      return false;
    }
    pems->push_back(*std::move(text));
  }
  return true;
}

std::shared_ptr<const Policy> LoadBundleFile(const std::string& path,
                                             const std::vector<std::string>& trusted_key_files) {
  BundleLoadOptions options;
  if (!ReadKeyFiles(trusted_key_files, &options.trusted_keys)) return nullptr;
  absl::StatusOr<std::string> bytes = internal::ReadFile(path, kMaxBundleBytes);
  if (!bytes.ok()) {
    absl::FPrintF(stderr, "%s\n", bytes.status().message());
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadBundle(*bytes, options);
  if (!policy.ok()) {
    absl::FPrintF(stderr, "%s: %s\n", path, policy.status().message());
    return nullptr;
  }
  return *policy;
}

bool LoadEntityFile(const std::string& path, const Schema& schema, EntityStore* store,
                    std::vector<std::string>* warnings) {
  const EntityLimits limits;
  absl::StatusOr<std::string> text = internal::ReadFile(path, limits.max_file_bytes);
  if (!text.ok()) {
    absl::FPrintF(stderr, "%s\n", text.status().message());
    return false;
  }
  absl::StatusOr<EntityStore> loaded = EntityStore::FromJson(*text, schema, warnings, limits);
  if (!loaded.ok()) {
    absl::FPrintF(stderr, "%s: %s\n", path, loaded.status().message());
    return false;
  }
  *store = *std::move(loaded);
  return true;
}

}  // namespace ward::cli
