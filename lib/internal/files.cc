#include "lib/internal/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "ward/errors.h"

namespace ward::internal {

namespace {

absl::StatusOr<std::string> ReadFileUncategorized(const std::string& name, size_t max_bytes) {
  FILE* file = stdin;
  std::unique_ptr<FILE, int (*)(FILE*)> owned(nullptr, &std::fclose);
  if (name != "-") {
    std::error_code error;
    if (std::filesystem::is_directory(name, error)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": is a directory"));
    }
    owned.reset(std::fopen(name.c_str(), "rb"));
    if (owned == nullptr) {
      return absl::NotFoundError(absl::StrCat(name, ": ", std::strerror(errno)));
    }
    file = owned.get();
  }
  std::string text;
  char buffer[1 << 16];
  while (true) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, file);
    if (n == 0) break;
    if (text.size() + n > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(name == "-" ? "standard input" : name,
                                                     ": larger than the limit of ", max_bytes,
                                                     " bytes"));
    }
    text.append(buffer, n);
  }
  if (std::ferror(file)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": read error"));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::string> ReadFile(absl::string_view path, size_t max_bytes) {
  return WithCategory(ReadFileUncategorized(std::string(path), max_bytes), ErrorCategory::kIo);
}

}  // namespace ward::internal
