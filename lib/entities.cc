#include "ward/entities.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/files.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/errors.h"

namespace ward {
namespace {

using internal::Abbreviate;
using internal::JsonKindDescription;
using nlohmann::json;

absl::Status ErrorAt(absl::string_view where, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

// "identities[3] (`a17`)", or just the position while the id is not known yet.
std::string Label(absl::string_view position, absl::string_view id) {
  if (id.empty()) return std::string(position);
  return absl::StrCat(position, " (`", Abbreviate(id), "`)");
}

// "resources[2] (tool `search`)".
std::string ResourceLabel(absl::string_view position, absl::string_view type,
                          absl::string_view id) {
  if (type.empty()) return Label(position, id);
  return absl::StrCat(position, " (", Abbreviate(type), " `", Abbreviate(id), "`)");
}

void SortUnique(std::vector<std::string>* items) {
  std::sort(items->begin(), items->end());
  items->erase(std::unique(items->begin(), items->end()), items->end());
}

// Reads the required, non-empty string field `name` of `object`.
absl::StatusOr<std::string> RequiredString(const json& object, absl::string_view name,
                                           absl::string_view where) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return ErrorAt(where, absl::StrCat("missing required field `", name, "`"));
  }
  if (!it->is_string()) {
    return ErrorAt(where,
                   absl::StrCat("`", name, "` must be a string, found ", JsonKindDescription(*it)));
  }
  const std::string& value = it->get_ref<const std::string&>();
  if (value.empty()) return ErrorAt(where, absl::StrCat("`", name, "` must not be empty"));
  return value;
}

// The field `name` of `object` when present and not null.
const json* OptionalField(const json& object, absl::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status CheckFields(const json& object, std::initializer_list<absl::string_view> allowed,
                         absl::string_view where) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      return ErrorAt(where, absl::StrCat("unknown field `", Abbreviate(it.key()), "`"));
    }
  }
  return absl::OkStatus();
}

// Converts the `attrs` object of an entity to the declared types. `owner` names the entity in
// warnings ("identity `u3`"), `declarer` what the declarations belong to ("user").
absl::Status ParseAttributes(const json& attrs, const AttributeTypes& declared,
                             bool (*is_builtin)(absl::string_view), absl::string_view where,
                             absl::string_view owner, absl::string_view declarer, AttributeMap* out,
                             std::vector<std::string>* warnings) {
  if (!attrs.is_object()) {
    return ErrorAt(where,
                   absl::StrCat("`attrs` must be an object, found ", JsonKindDescription(attrs)));
  }
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    const std::string& name = it.key();
    if (it->is_null()) continue;  // null is absent
    auto declared_it = declared.find(name);
    if (declared_it == declared.end()) {
      if (warnings != nullptr) {
        if (is_builtin(name)) {
          warnings->push_back(absl::StrCat(owner, ": attribute `", name,
                                           "` is built in and cannot be set in `attrs`; ignored"));
        } else {
          warnings->push_back(absl::StrCat(owner, ": attribute `", Abbreviate(name),
                                           "` is not declared for ", declarer, "; ignored"));
        }
      }
      continue;
    }
    absl::StatusOr<Value> value = internal::JsonToTypedValue(*it, declared_it->second);
    if (!value.ok()) {
      return ErrorAt(where, absl::StrCat("attribute `", name, "`: ", value.status().message()));
    }
    out->insert_or_assign(name, *std::move(value));
  }
  return absl::OkStatus();
}

bool IsBuiltinSubjectAttribute(absl::string_view name) {
  return BuiltinSubjectAttributeType(name).has_value();
}

bool IsBuiltinResourceAttribute(absl::string_view name) { return name == "id"; }

absl::StatusOr<Identity> ParseIdentity(const json& object, absl::string_view position,
                                       const Schema& schema, std::vector<std::string>* warnings) {
  if (!object.is_object()) {
    return ErrorAt(position, absl::StrCat("an identity must be an object, found ",
                                          JsonKindDescription(object)));
  }
  Identity identity;
  absl::StatusOr<std::string> id = RequiredString(object, "id", position);
  if (!id.ok()) return id.status();
  identity.id = *std::move(id);
  const std::string where = Label(position, identity.id);

  if (absl::Status s = CheckFields(
          object, {"kind", "id", "owner", "status", "expires_at", "groups", "attrs"}, where);
      !s.ok()) {
    return s;
  }

  absl::StatusOr<std::string> kind = RequiredString(object, "kind", where);
  if (!kind.ok()) return kind.status();
  std::optional<SubjectKind> parsed_kind = ParseSubjectKind(*kind);
  if (!parsed_kind.has_value()) {
    return ErrorAt(where, absl::StrCat("unknown kind `", Abbreviate(*kind),
                                       "`; expected user, agent or builder"));
  }
  identity.kind = *parsed_kind;

  absl::StatusOr<std::string> status = RequiredString(object, "status", where);
  if (!status.ok()) return status.status();
  std::optional<IdentityStatus> parsed_status = ParseIdentityStatus(*status);
  if (!parsed_status.has_value()) {
    return ErrorAt(where, absl::StrCat("invalid status `", Abbreviate(*status),
                                       "`; expected active, suspended, revoked or expired"));
  }
  identity.status = *parsed_status;

  if (const json* owner = OptionalField(object, "owner")) {
    if (!owner->is_string()) {
      return ErrorAt(where,
                     absl::StrCat("`owner` must be a string, found ", JsonKindDescription(*owner)));
    }
    if (owner->get_ref<const std::string&>().empty()) {
      return ErrorAt(where, "`owner` must not be empty");
    }
    identity.owner = owner->get<std::string>();
  }

  if (const json* expires_at = OptionalField(object, "expires_at")) {
    if (!expires_at->is_string()) {
      return ErrorAt(where, absl::StrCat("`expires_at` must be a string, found ",
                                         JsonKindDescription(*expires_at)));
    }
    absl::StatusOr<absl::Time> t = ParseTimestamp(expires_at->get_ref<const std::string&>());
    if (!t.ok()) return ErrorAt(where, absl::StrCat("`expires_at`: ", t.status().message()));
    identity.expires_at = *t;
  }

  if (const json* groups = OptionalField(object, "groups")) {
    if (!groups->is_array()) {
      return ErrorAt(where, absl::StrCat("`groups` must be an array of strings, found ",
                                         JsonKindDescription(*groups)));
    }
    identity.groups.reserve(groups->size());
    for (size_t i = 0; i < groups->size(); ++i) {
      const json& group = (*groups)[i];
      if (!group.is_string()) {
        return ErrorAt(where, absl::StrCat("`groups[", i, "]` must be a string, found ",
                                           JsonKindDescription(group)));
      }
      identity.groups.push_back(group.get<std::string>());
    }
    SortUnique(&identity.groups);
  }

  if (const json* attrs = OptionalField(object, "attrs")) {
    const AttributeTypes& declared = schema.subject_attributes[static_cast<size_t>(identity.kind)];
    absl::Status s = ParseAttributes(*attrs, declared, &IsBuiltinSubjectAttribute, where,
                                     absl::StrCat("identity `", Abbreviate(identity.id), "`"),
                                     SubjectKindName(identity.kind), &identity.attrs, warnings);
    if (!s.ok()) return s;
  }
  return identity;
}

absl::StatusOr<Resource> ParseResource(const json& object, absl::string_view position,
                                       const Schema& schema, std::vector<std::string>* warnings) {
  if (!object.is_object()) {
    return ErrorAt(position, absl::StrCat("a resource must be an object, found ",
                                          JsonKindDescription(object)));
  }
  Resource resource;
  absl::StatusOr<std::string> id = RequiredString(object, "id", position);
  if (!id.ok()) return id.status();
  resource.id = *std::move(id);
  std::string where = Label(position, resource.id);

  absl::StatusOr<std::string> type = RequiredString(object, "type", where);
  if (!type.ok()) return type.status();
  auto type_it = schema.resource_types.find(*type);
  if (type_it == schema.resource_types.end()) {
    return ErrorAt(where, absl::StrCat("unknown resource type `", Abbreviate(*type), "`"));
  }
  resource.type = *std::move(type);
  where = ResourceLabel(position, resource.type, resource.id);

  if (absl::Status s = CheckFields(object, {"type", "id", "attrs"}, where); !s.ok()) return s;

  if (const json* attrs = OptionalField(object, "attrs")) {
    absl::Status s = ParseAttributes(
        *attrs, type_it->second, &IsBuiltinResourceAttribute, where,
        absl::StrCat("resource ", resource.type, " `", Abbreviate(resource.id), "`"), resource.type,
        &resource.attrs, warnings);
    if (!s.ok()) return s;
  }
  return resource;
}

// Finds the first element of `array` before `limit` whose "id" (and "type", for resources)
// equal the given ones; for the duplicate message only.
size_t FirstIndexOf(const json& array, size_t limit, absl::string_view id,
                    const std::string* type) {
  for (size_t i = 0; i < limit && i < array.size(); ++i) {
    const json& element = array[i];
    if (!element.is_object()) continue;
    auto id_it = element.find("id");
    if (id_it == element.end() || !id_it->is_string() ||
        id_it->get_ref<const std::string&>() != id) {
      continue;
    }
    if (type != nullptr) {
      auto type_it = element.find("type");
      if (type_it == element.end() || !type_it->is_string() ||
          type_it->get_ref<const std::string&>() != *type) {
        continue;
      }
    }
    return i;
  }
  return limit;
}

void CheckAttributeTypes(const AttributeMap& attrs, const AttributeTypes& declared,
                         absl::string_view where, std::vector<std::string>* errors) {
  for (const auto& [name, value] : attrs) {
    auto it = declared.find(name);
    if (it == declared.end()) continue;  // not read by this schema
    if (!value.HasType(it->second)) {
      errors->push_back(absl::StrCat(where, ": attribute `", name, "`: expected ",
                                     TypeName(it->second), ", found ", value.KindDescription()));
    }
  }
}

}  // namespace

absl::string_view IdentityStatusName(IdentityStatus status) {
  switch (status) {
    case IdentityStatus::kActive:
      return "active";
    case IdentityStatus::kSuspended:
      return "suspended";
    case IdentityStatus::kRevoked:
      return "revoked";
    case IdentityStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<IdentityStatus> ParseIdentityStatus(absl::string_view name) {
  for (IdentityStatus status : {IdentityStatus::kActive, IdentityStatus::kSuspended,
                                IdentityStatus::kRevoked, IdentityStatus::kExpired}) {
    if (IdentityStatusName(status) == name) return status;
  }
  return std::nullopt;
}

absl::StatusOr<EntityStore> EntityStore::FromJson(absl::string_view json_text, const Schema& schema,
                                                  std::vector<std::string>* warnings,
                                                  const EntityLimits& limits) {
  return WithCategory(
      [&]() -> absl::StatusOr<EntityStore> {
        try {
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_file_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          const json& root = *parsed;
          if (!root.is_object()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "an entity file must be a JSON object, found ", JsonKindDescription(root)));
          }
          for (auto it = root.begin(); it != root.end(); ++it) {
            if (it.key() != "identities" && it.key() != "resources") {
              return absl::InvalidArgumentError(
                  absl::StrCat("unknown top-level field `", Abbreviate(it.key()), "`"));
            }
          }

          EntityStore store;
          if (const json* identities = OptionalField(root, "identities")) {
            if (!identities->is_array()) {
              return absl::InvalidArgumentError(absl::StrCat(
                  "`identities` must be an array, found ", JsonKindDescription(*identities)));
            }
            store.identities_.reserve(identities->size());
            for (size_t i = 0; i < identities->size(); ++i) {
              const std::string position = absl::StrCat("identities[", i, "]");
              absl::StatusOr<Identity> identity =
                  ParseIdentity((*identities)[i], position, schema, warnings);
              if (!identity.ok()) return identity.status();
              if (store.identities_.contains(identity->id)) {
                size_t first = FirstIndexOf(*identities, i, identity->id, nullptr);
                return ErrorAt(Label(position, identity->id),
                               absl::StrCat("duplicate identity id (first at identities[", first,
                                            "]); ids are unique across kinds"));
              }
              std::string id = identity->id;
              store.identities_.emplace(std::move(id), *std::move(identity));
            }
          }

          if (const json* resources = OptionalField(root, "resources")) {
            if (!resources->is_array()) {
              return absl::InvalidArgumentError(absl::StrCat("`resources` must be an array, found ",
                                                             JsonKindDescription(*resources)));
            }
            store.resources_.reserve(resources->size());
            for (size_t i = 0; i < resources->size(); ++i) {
              const std::string position = absl::StrCat("resources[", i, "]");
              absl::StatusOr<Resource> resource =
                  ParseResource((*resources)[i], position, schema, warnings);
              if (!resource.ok()) return resource.status();
              std::string key = ResourceKey(resource->type, resource->id);
              if (store.resources_.contains(key)) {
                size_t first = FirstIndexOf(*resources, i, resource->id, &resource->type);
                return ErrorAt(
                    ResourceLabel(position, resource->type, resource->id),
                    absl::StrCat("duplicate resource (first at resources[", first, "])"));
              }
              store.resources_.emplace(std::move(key), *std::move(resource));
            }
          }
          return store;
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading the entity file: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading the entity file failed");
        }
      }(),
      ErrorCategory::kEntities);
}

absl::StatusOr<EntityStore> EntityStore::FromFile(const std::string& path, const Schema& schema,
                                                  std::vector<std::string>* warnings,
                                                  const EntityLimits& limits) {
  absl::StatusOr<std::string> text = internal::ReadFile(path, limits.max_file_bytes);
  if (!text.ok()) return WithCategory(text.status(), ErrorCategory::kIo);
  absl::StatusOr<EntityStore> store = FromJson(*text, schema, warnings, limits);
  if (!store.ok()) {
    return WithCategory(
        absl::Status(store.status().code(), absl::StrCat(path, ": ", store.status().message())),
        CategoryOf(store.status()));
  }
  return store;
}

absl::StatusOr<Identity> EntityStore::IdentityFromJson(absl::string_view json_text,
                                                       const Schema& schema,
                                                       std::vector<std::string>* warnings) {
  return WithCategory(
      [&]() -> absl::StatusOr<Identity> {
        try {
          const EntityLimits limits;
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_file_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          return ParseIdentity(*parsed, "identity", schema, warnings);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading an identity: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading an identity failed");
        }
      }(),
      ErrorCategory::kEntities);
}

absl::StatusOr<Resource> EntityStore::ResourceFromJson(absl::string_view json_text,
                                                       const Schema& schema,
                                                       std::vector<std::string>* warnings) {
  return WithCategory(
      [&]() -> absl::StatusOr<Resource> {
        try {
          const EntityLimits limits;
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_file_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          return ParseResource(*parsed, "resource", schema, warnings);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading a resource: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading a resource failed");
        }
      }(),
      ErrorCategory::kEntities);
}

absl::Status EntityStore::ValidateAgainst(const Schema& schema) const {
  return WithCategory(
      [&]() -> absl::Status {
        std::vector<std::string> errors;
        for (const auto& [id, identity] : identities_) {
          CheckAttributeTypes(identity.attrs,
                              schema.subject_attributes[static_cast<size_t>(identity.kind)],
                              absl::StrCat("identity `", Abbreviate(id), "`"), &errors);
        }
        for (const auto& [key, resource] : resources_) {
          const std::string where =
              absl::StrCat("resource ", resource.type, " `", Abbreviate(resource.id), "`");
          auto type_it = schema.resource_types.find(resource.type);
          if (type_it == schema.resource_types.end()) {
            errors.push_back(absl::StrCat(where, ": resource type `", resource.type,
                                          "` is not declared by the schema"));
            continue;
          }
          CheckAttributeTypes(resource.attrs, type_it->second, where, &errors);
        }
        if (errors.empty()) return absl::OkStatus();
        // The maps have no order; sort so that the same store always reports the same error.
        std::sort(errors.begin(), errors.end());
        std::string message = errors.front();
        if (errors.size() > 1) absl::StrAppend(&message, " (and ", errors.size() - 1, " more)");
        return absl::FailedPreconditionError(message);
      }(),
      ErrorCategory::kEntities);
}

const Identity* EntityStore::FindIdentity(absl::string_view id) const {
  auto it = identities_.find(id);
  return it == identities_.end() ? nullptr : &it->second;
}

const Resource* EntityStore::FindResource(absl::string_view type, absl::string_view id) const {
  auto it = resources_.find(ResourceKey(type, id));
  return it == resources_.end() ? nullptr : &it->second;
}

void EntityStore::UpsertIdentity(Identity identity) {
  SortUnique(&identity.groups);
  std::string id = identity.id;
  identities_.insert_or_assign(std::move(id), std::move(identity));
}

void EntityStore::UpsertResource(Resource resource) {
  std::string key = ResourceKey(resource.type, resource.id);
  resources_.insert_or_assign(std::move(key), std::move(resource));
}

absl::Status EntityStore::RevokeIdentity(absl::string_view id) {
  auto it = identities_.find(id);
  if (it == identities_.end()) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no identity `", Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  it->second.status = IdentityStatus::kRevoked;
  return absl::OkStatus();
}

absl::Status EntityStore::RemoveIdentity(absl::string_view id) {
  auto it = identities_.find(id);
  if (it == identities_.end()) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no identity `", Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  identities_.erase(it);
  return absl::OkStatus();
}

absl::Status EntityStore::RemoveResource(absl::string_view type, absl::string_view id) {
  auto it = resources_.find(ResourceKey(type, id));
  if (it == resources_.end()) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no resource ", Abbreviate(type), " `",
                                                         Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  resources_.erase(it);
  return absl::OkStatus();
}

std::string EntityStore::ResourceKey(absl::string_view type, absl::string_view id) {
  // Length-prefixed so that no two (type, id) pairs share a key.
  return absl::StrCat(type.size(), ":", type, id);
}

}  // namespace ward
