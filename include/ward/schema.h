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
#include <vector>

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

// A declared attribute: its type; whether an entity or request may leave it out (`name?: T`;
// context and args entries are always optional); and, for a string enum
// (`risk: "low" | "high"`), the values it may hold.
struct AttributeSpec {
  Type type = Type::kString;
  bool optional = false;
  std::vector<std::string> members;  // sorted, unique; empty unless `type` is a string enum

  bool is_enum() const { return !members.empty(); }
  // Whether `value` is one of the enum's members (always true when this is not an enum).
  bool IsMember(absl::string_view value) const;

  friend bool operator==(const AttributeSpec& a, const AttributeSpec& b) {
    return a.type == b.type && a.optional == b.optional && a.members == b.members;
  }
  friend bool operator!=(const AttributeSpec& a, const AttributeSpec& b) { return !(a == b); }
};

// The members of an enum as written in a schema and messages: `"low" | "high"`.
std::string EnumMembersText(const std::vector<std::string>& members);

// Attribute declarations, ordered by name so that dumps are stable.
using AttributeSpecs = std::map<std::string, AttributeSpec, std::less<>>;

struct Schema {
  // Declared attributes of each subject kind, indexed by SubjectKind. The built-in
  // attributes (id, owner, status, expires_at, groups) are not listed here.
  std::array<AttributeSpecs, kNumSubjectKinds> subject_attributes;
  // Resource types and their declared attributes (the built-in `id` is not listed).
  std::map<std::string, AttributeSpecs, std::less<>> resource_types;
  // Actions and the resource types each applies to.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> actions;
  // Declared context entries: facts the host asserts about the request.
  AttributeSpecs context;
  // Declared arguments: what the model asked for (a tool call's arguments).
  AttributeSpecs args;

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
// Whether a built-in identity attribute may be absent: `owner` and `expires_at`.
bool IsOptionalBuiltinSubjectAttribute(absl::string_view name);

}  // namespace ward

#endif  // WARD_SCHEMA_H_
