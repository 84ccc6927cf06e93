#include "ward/errors.h"

#include <array>
#include <utility>

#include "absl/strings/cord.h"

namespace ward {
namespace {

// The payload that carries the category: one byte, the category's number.
constexpr absl::string_view kCategoryPayload = "type.ward.dev/ErrorCategory";

constexpr std::array<absl::string_view, 11> kNames = {
    "",   "invalid_argument", "policy", "entities", "request", "not_found", "bundle",
    "io", "internal",         "key",    "redact",
};
static_assert(kNames.size() == static_cast<size_t>(kLastErrorCategory) + 1);

bool IsInternalFailure(const absl::Status& status) { return absl::IsInternal(status); }

}  // namespace

absl::string_view ErrorCategoryName(ErrorCategory category) {
  const size_t index = static_cast<size_t>(category);
  if (index == 0 || index >= kNames.size()) return "internal";
  return kNames[index];
}

std::optional<ErrorCategory> ParseErrorCategory(absl::string_view name) {
  for (size_t i = 1; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ErrorCategory>(i);
  }
  return std::nullopt;
}

ErrorCategory CategoryOf(const absl::Status& status) {
  if (IsInternalFailure(status)) return ErrorCategory::kInternal;
  auto payload = status.GetPayload(kCategoryPayload);
  if (payload.has_value() && payload->size() == 1) {
    const unsigned char value = static_cast<unsigned char>(payload->Flatten()[0]);
    if (value >= 1 && value < kNames.size()) return static_cast<ErrorCategory>(value);
  }
  if (absl::IsNotFound(status)) return ErrorCategory::kNotFound;
  if (absl::IsInvalidArgument(status)) return ErrorCategory::kInvalidArgument;
  return ErrorCategory::kInternal;
}

absl::Status WithCategory(absl::Status status, ErrorCategory category) {
  if (status.ok() || IsInternalFailure(status)) return status;
  if (status.GetPayload(kCategoryPayload).has_value()) return status;
  status.SetPayload(kCategoryPayload, absl::Cord(std::string(1, static_cast<char>(category))));
  return status;
}

}  // namespace ward
