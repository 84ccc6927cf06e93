#include "ward/schema.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ward {

absl::string_view SubjectKindName(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kUser:
      return "user";
    case SubjectKind::kAgent:
      return "agent";
    case SubjectKind::kBuilder:
      return "builder";
  }
  return "unknown";
}

std::optional<SubjectKind> ParseSubjectKind(absl::string_view name) {
  for (SubjectKind kind : kAllSubjectKinds) {
    if (SubjectKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool AttributeSpec::IsMember(absl::string_view value) const {
  return members.empty() || std::binary_search(members.begin(), members.end(), value);
}

std::string EnumMembersText(const std::vector<std::string>& members) {
  return absl::StrJoin(members, " | ", [](std::string* out, const std::string& member) {
    absl::StrAppend(out, "\"", member, "\"");
  });
}

bool IsOptionalBuiltinSubjectAttribute(absl::string_view name) {
  return name == "owner" || name == "expires_at";
}

std::optional<Type> BuiltinSubjectAttributeType(absl::string_view name) {
  if (name == "id" || name == "owner" || name == "status") return Type::kString;
  if (name == "expires_at") return Type::kTimestamp;
  if (name == "groups") return Type::kStringSet;
  return std::nullopt;
}

bool Schema::ActionAppliesTo(absl::string_view action, absl::string_view resource_type) const {
  auto it = actions.find(action);
  if (it == actions.end()) return false;
  return it->second.find(resource_type) != it->second.end();
}

std::optional<Type> Schema::SubjectAttributeType(SubjectKind kind, absl::string_view name) const {
  if (std::optional<Type> builtin = BuiltinSubjectAttributeType(name)) return builtin;
  const size_t index = static_cast<size_t>(kind);
  if (index >= subject_attributes.size()) return std::nullopt;
  const AttributeSpecs& declared = subject_attributes[index];
  auto it = declared.find(name);
  if (it == declared.end()) return std::nullopt;
  return it->second.type;
}

std::optional<Type> Schema::ResourceAttributeType(absl::string_view resource_type,
                                                  absl::string_view name) const {
  auto type_it = resource_types.find(resource_type);
  if (type_it == resource_types.end()) return std::nullopt;
  if (name == "id") return Type::kString;
  auto it = type_it->second.find(name);
  if (it == type_it->second.end()) return std::nullopt;
  return it->second.type;
}

}  // namespace ward
