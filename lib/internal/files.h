// Reading whole files with a size cap.

#ifndef WARD_LIB_INTERNAL_FILES_H_
#define WARD_LIB_INTERNAL_FILES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ward::internal {

// Reads the file at `path`; `-` reads standard input. Errors name the path: a missing file, a
// directory, a read failure, or more than `max_bytes` bytes (read no further than the cap),
// all of category kIo.
absl::StatusOr<std::string> ReadFile(absl::string_view path, size_t max_bytes);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_FILES_H_
