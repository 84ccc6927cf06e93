// The schema of a policy set: subject kinds and their attributes, resource types, actions and
// the context. It is declared in `schema { ... }` blocks and merged across files.

#ifndef WARD_SCHEMA_H_
#define WARD_SCHEMA_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "ward/value.h"

namespace ward {

// The built-in subject kinds.
enum class SubjectKind : uint8_t { kUser = 0, kAgent = 1, kBuilder = 2 };
inline constexpr int kNumSubjectKinds = 3;
inline constexpr std::array<SubjectKind, kNumSubjectKinds> kAllSubjectKinds = {
    SubjectKind::kUser, SubjectKind::kAgent, SubjectKind::kBuilder};

// "user", "agent", "builder".
absl::string_view SubjectKindName(SubjectKind kind);
// The inverse of SubjectKindName; nullopt for anything else.
std::optional<SubjectKind> ParseSubjectKind(absl::string_view name);

// Attribute declarations, ordered by name so that dumps are stable.
using AttributeTypes = std::map<std::string, Type, std::less<>>;

struct Schema {
  // Declared attributes of each subject kind, indexed by SubjectKind. The built-in
  // attributes (id, owner, status, expires_at, groups) are not listed here.
  std::array<AttributeTypes, kNumSubjectKinds> subject_attributes;
  // Resource types and their declared attributes (the built-in `id` is not listed).
  std::map<std::string, AttributeTypes, std::less<>> resource_types;
  // Actions and the resource types each applies to.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> actions;
  // Declared context entries: facts the host asserts about the request.
  AttributeTypes context;
  // Declared arguments: what the model asked for (a tool call's arguments).
  AttributeTypes args;

  // Whether `action` is declared and applies to `resource_type`.
  bool ActionAppliesTo(absl::string_view action, absl::string_view resource_type) const;

  // The declared type of a subject attribute of `kind`, built-ins included.
  std::optional<Type> SubjectAttributeType(SubjectKind kind, absl::string_view name) const;
  // The declared type of a resource attribute of `resource_type`, `id` included.
  std::optional<Type> ResourceAttributeType(absl::string_view resource_type,
                                            absl::string_view name) const;
};

// Built-in identity attributes and their types. `status` is a string holding one of
// "active", "suspended", "revoked", "expired"; `owner` is an identity id.
std::optional<Type> BuiltinSubjectAttributeType(absl::string_view name);

}  // namespace ward

#endif  // WARD_SCHEMA_H_
