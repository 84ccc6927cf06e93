#include "ward/entities.h"

#include <algorithm>
#include <exception>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/internal/files.h"
#include "lib/internal/json_positions.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/errors.h"

namespace ward {
namespace {

using internal::Abbreviate;
using internal::JsonKindDescription;
using nlohmann::json;

// The violations found in one entity text, each with the JSON Pointer of the value it is about
// (or of the object that lacks a field). Only the first kMaxKept are kept; all are counted.
class Problems {
 public:
  static constexpr size_t kMaxKept = 100;

  void Add(std::string pointer, std::string message) {
    ++count_;
    if (kept_.size() < kMaxKept) kept_.push_back({std::move(pointer), std::move(message)});
  }
  size_t count() const { return count_; }

  // "LINE:COL: message" lines in the order of the text, then "... and N more".
  absl::Status ToStatus(absl::string_view text) const {
    absl::flat_hash_set<std::string> pointers;
    for (const Problem& problem : kept_) pointers.insert(problem.pointer);
    const absl::flat_hash_map<std::string, internal::JsonPosition> positions =
        internal::FindJsonPositions(text, pointers);
    std::vector<std::pair<internal::JsonPosition, const Problem*>> located;
    for (const Problem& problem : kept_) {
      auto it = positions.find(problem.pointer);
      located.emplace_back(it == positions.end() ? internal::JsonPosition{} : it->second, &problem);
    }
    std::stable_sort(located.begin(), located.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.line, a.first.column) < std::tie(b.first.line, b.first.column);
    });
    std::string message;
    for (const auto& [position, problem] : located) {
      if (!message.empty()) message += "\n";
      if (position.line > 0) absl::StrAppend(&message, position.line, ":", position.column, ": ");
      message += problem->message;
    }
    if (count_ > kept_.size()) {
      absl::StrAppend(&message, "\n... and ", count_ - kept_.size(), " more");
    }
    return absl::InvalidArgumentError(message);
  }

 private:
  struct Problem {
    std::string pointer;
    std::string message;
  };
  std::vector<Problem> kept_;
  size_t count_ = 0;
};

// The entity being read: where it is in the text and how messages name it.
struct Site {
  std::string pointer;  // JSON Pointer of the entity object
  std::string label;    // "identities[3] (`a17`)"
  Problems* problems;

  void Report(absl::string_view field, std::string message) const {
    problems->Add(field.empty() ? pointer : internal::JsonPointerChild(pointer, field),
                  absl::StrCat(label, ": ", message));
  }
  void ReportAt(std::string at, std::string message) const {
    problems->Add(std::move(at), absl::StrCat(label, ": ", message));
  }
};

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

// The field `name` of `object` when present and not null.
const json* OptionalField(const json& object, absl::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// Reads the required, non-empty string field `name` of `object`; reports and returns nullopt
// when it is missing or not one.
std::optional<std::string> RequiredString(const json& object, absl::string_view name,
                                          const Site& site) {
  const json* field = OptionalField(object, name);
  if (field == nullptr) {
    site.Report("", absl::StrCat("missing required field `", name, "`"));
    return std::nullopt;
  }
  if (!field->is_string()) {
    site.Report(name,
                absl::StrCat("`", name, "` must be a string, found ", JsonKindDescription(*field)));
    return std::nullopt;
  }
  const std::string& value = field->get_ref<const std::string&>();
  if (value.empty()) {
    site.Report(name, absl::StrCat("`", name, "` must not be empty"));
    return std::nullopt;
  }
  return value;
}

void CheckFields(const json& object, std::initializer_list<absl::string_view> allowed,
                 const Site& site) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      site.Report(it.key(), absl::StrCat("unknown field `", Abbreviate(it.key()), "`"));
    }
  }
}

// "; did you mean "high"?" when `value` matches a member but for letter case.
std::string MemberHint(const AttributeSpec& spec, absl::string_view value) {
  for (const std::string& member : spec.members) {
    if (absl::EqualsIgnoreCase(member, value)) {
      return absl::StrCat("; did you mean ", internal::JsonQuote(member), "?");
    }
  }
  return "";
}

// Why `value` does not fit `spec` beyond its type (a string outside the enum), or "".
std::string EnumProblem(const AttributeSpec& spec, const Value& value) {
  if (!spec.is_enum() || value.kind() != Value::Kind::kString) return "";
  if (spec.IsMember(value.string_value())) return "";
  return absl::StrCat(internal::JsonQuote(Abbreviate(value.string_value())), " is not one of ",
                      EnumMembersText(spec.members), MemberHint(spec, value.string_value()));
}

// "lacks attribute `department`, which every user must have; ...".
std::string MissingAttribute(absl::string_view name, const AttributeSpec& spec,
                             absl::string_view declarer) {
  return absl::StrCat(
      "lacks attribute `", name, "`, which every ", declarer, " must have (declared `", name, ": ",
      spec.is_enum() ? EnumMembersText(spec.members) : std::string(TypeName(spec.type)),
      "`; give it in `attrs`, or declare it optional: `", name, "?: ...`)");
}

// Converts the `attrs` object of an entity to the declared types, reporting every attribute
// of the wrong type or outside its enum and every required attribute missing. `declarer`
// names what the declarations belong to ("user", "tool").
void ParseAttributes(const json* attrs, const AttributeSpecs& declared,
                     bool (*is_builtin)(absl::string_view), const Site& site,
                     absl::string_view owner, absl::string_view declarer, AttributeMap* out,
                     std::vector<std::string>* warnings) {
  if (attrs != nullptr && !attrs->is_object()) {
    site.Report("attrs",
                absl::StrCat("`attrs` must be an object, found ", JsonKindDescription(*attrs)));
    return;
  }
  const std::string attrs_pointer = internal::JsonPointerChild(site.pointer, "attrs");
  if (attrs != nullptr) {
    for (auto it = attrs->begin(); it != attrs->end(); ++it) {
      const std::string& name = it.key();
      if (it->is_null()) continue;  // null is absent
      auto declared_it = declared.find(name);
      if (declared_it == declared.end()) {
        if (warnings != nullptr) {
          if (is_builtin(name)) {
            warnings->push_back(
                absl::StrCat(owner, ": attribute `", name,
                             "` is built in and cannot be set in `attrs`; ignored"));
          } else {
            warnings->push_back(absl::StrCat(owner, ": attribute `", Abbreviate(name),
                                             "` is not declared for ", declarer, "; ignored"));
          }
        }
        continue;
      }
      const std::string at = internal::JsonPointerChild(attrs_pointer, name);
      absl::StatusOr<Value> value = internal::JsonToTypedValue(*it, declared_it->second.type);
      if (!value.ok()) {
        site.ReportAt(at, absl::StrCat("attribute `", name, "`: ", value.status().message()));
        continue;
      }
      if (std::string problem = EnumProblem(declared_it->second, *value); !problem.empty()) {
        site.ReportAt(at, absl::StrCat("attribute `", name, "`: ", problem));
        continue;
      }
      out->insert_or_assign(name, *std::move(value));
    }
  }
  for (const auto& [name, spec] : declared) {
    if (spec.optional) continue;
    const json* given = attrs == nullptr ? nullptr : OptionalField(*attrs, name);
    if (given != nullptr) continue;
    site.ReportAt(attrs == nullptr ? site.pointer : attrs_pointer,
                  MissingAttribute(name, spec, declarer));
  }
}

bool IsBuiltinSubjectAttribute(absl::string_view name) {
  return BuiltinSubjectAttributeType(name).has_value();
}

bool IsBuiltinResourceAttribute(absl::string_view name) { return name == "id"; }

// Reads one identity; nullopt when it has a problem (every problem is reported).
std::optional<Identity> ParseIdentity(const json& object, absl::string_view position,
                                      const std::string& pointer, const Schema& schema,
                                      Problems* problems, std::vector<std::string>* warnings) {
  Site site{pointer, std::string(position), problems};
  const size_t problems_before = problems->count();
  if (!object.is_object()) {
    site.Report("",
                absl::StrCat("an identity must be an object, found ", JsonKindDescription(object)));
    return std::nullopt;
  }
  Identity identity;
  if (std::optional<std::string> id = RequiredString(object, "id", site)) {
    identity.id = *std::move(id);
    site.label = Label(position, identity.id);
  }

  CheckFields(object, {"kind", "id", "owner", "status", "expires_at", "groups", "attrs"}, site);

  std::optional<SubjectKind> kind;
  if (std::optional<std::string> text = RequiredString(object, "kind", site)) {
    kind = ParseSubjectKind(*text);
    if (!kind.has_value()) {
      site.Report("kind", absl::StrCat("unknown kind `", Abbreviate(*text),
                                       "`; expected user, agent or builder"));
    } else {
      identity.kind = *kind;
    }
  }

  if (std::optional<std::string> status = RequiredString(object, "status", site)) {
    std::optional<IdentityStatus> parsed = ParseIdentityStatus(*status);
    if (!parsed.has_value()) {
      site.Report("status", absl::StrCat("invalid status `", Abbreviate(*status),
                                         "`; expected active, suspended, revoked or expired"));
    } else {
      identity.status = *parsed;
    }
  }

  if (const json* owner = OptionalField(object, "owner")) {
    if (!owner->is_string()) {
      site.Report("owner",
                  absl::StrCat("`owner` must be a string, found ", JsonKindDescription(*owner)));
    } else if (owner->get_ref<const std::string&>().empty()) {
      site.Report("owner", "`owner` must not be empty");
    } else {
      identity.owner = owner->get<std::string>();
    }
  }

  if (const json* expires_at = OptionalField(object, "expires_at")) {
    if (!expires_at->is_string()) {
      site.Report("expires_at", absl::StrCat("`expires_at` must be a string, found ",
                                             JsonKindDescription(*expires_at)));
    } else {
      absl::StatusOr<absl::Time> t = ParseTimestamp(expires_at->get_ref<const std::string&>());
      if (!t.ok()) {
        site.Report("expires_at", absl::StrCat("`expires_at`: ", t.status().message()));
      } else {
        identity.expires_at = *t;
      }
    }
  }

  if (const json* groups = OptionalField(object, "groups")) {
    if (!groups->is_array()) {
      site.Report("groups", absl::StrCat("`groups` must be an array of strings, found ",
                                         JsonKindDescription(*groups)));
    } else {
      identity.groups.reserve(groups->size());
      const std::string groups_pointer = internal::JsonPointerChild(pointer, "groups");
      for (size_t i = 0; i < groups->size(); ++i) {
        const json& group = (*groups)[i];
        if (!group.is_string()) {
          site.ReportAt(internal::JsonPointerChild(groups_pointer, i),
                        absl::StrCat("`groups[", i, "]` must be a string, found ",
                                     JsonKindDescription(group)));
          continue;
        }
        identity.groups.push_back(group.get<std::string>());
      }
      SortUnique(&identity.groups);
    }
  }

  // The attributes are checked against the kind's declarations; without a kind there are
  // none to check against.
  if (kind.has_value()) {
    ParseAttributes(OptionalField(object, "attrs"),
                    schema.subject_attributes[static_cast<size_t>(identity.kind)],
                    &IsBuiltinSubjectAttribute, site,
                    absl::StrCat("identity `", Abbreviate(identity.id), "`"),
                    SubjectKindName(identity.kind), &identity.attrs, warnings);
  }
  if (problems->count() != problems_before) return std::nullopt;
  return identity;
}

// Reads one resource; nullopt when it has a problem (every problem is reported).
std::optional<Resource> ParseResource(const json& object, absl::string_view position,
                                      const std::string& pointer, const Schema& schema,
                                      Problems* problems, std::vector<std::string>* warnings) {
  Site site{pointer, std::string(position), problems};
  const size_t problems_before = problems->count();
  if (!object.is_object()) {
    site.Report("",
                absl::StrCat("a resource must be an object, found ", JsonKindDescription(object)));
    return std::nullopt;
  }
  Resource resource;
  if (std::optional<std::string> id = RequiredString(object, "id", site)) {
    resource.id = *std::move(id);
    site.label = Label(position, resource.id);
  }
  const AttributeSpecs* declared = nullptr;
  if (std::optional<std::string> type = RequiredString(object, "type", site)) {
    auto type_it = schema.resource_types.find(*type);
    if (type_it == schema.resource_types.end()) {
      site.Report("type", absl::StrCat("unknown resource type `", Abbreviate(*type), "`"));
    } else {
      declared = &type_it->second;
      resource.type = *std::move(type);
      site.label = ResourceLabel(position, resource.type, resource.id);
    }
  }

  CheckFields(object, {"type", "id", "attrs"}, site);

  if (declared != nullptr) {
    ParseAttributes(OptionalField(object, "attrs"), *declared, &IsBuiltinResourceAttribute, site,
                    absl::StrCat("resource ", resource.type, " `", Abbreviate(resource.id), "`"),
                    resource.type, &resource.attrs, warnings);
  }
  if (problems->count() != problems_before) return std::nullopt;
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

void CheckAttributes(const AttributeMap& attrs, const AttributeSpecs& declared,
                     absl::string_view where, absl::string_view declarer,
                     std::vector<std::string>* errors) {
  for (const auto& [name, spec] : declared) {
    auto it = attrs.find(name);
    if (it == attrs.end()) {
      if (!spec.optional) {
        errors->push_back(absl::StrCat(where, ": ", MissingAttribute(name, spec, declarer)));
      }
      continue;
    }
    const Value& value = it->second;
    if (!value.HasType(spec.type)) {
      errors->push_back(absl::StrCat(where, ": attribute `", name, "`: expected ",
                                     TypeName(spec.type), ", found ", value.KindDescription()));
    } else if (std::string problem = EnumProblem(spec, value); !problem.empty()) {
      errors->push_back(absl::StrCat(where, ": attribute `", name, "`: ", problem));
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
          Problems problems;
          for (auto it = root.begin(); it != root.end(); ++it) {
            if (it.key() != "identities" && it.key() != "resources") {
              problems.Add(internal::JsonPointerChild("", it.key()),
                           absl::StrCat("unknown top-level field `", Abbreviate(it.key()), "`"));
            }
          }

          EntityStore store;
          if (const json* identities = OptionalField(root, "identities")) {
            if (!identities->is_array()) {
              problems.Add("/identities", absl::StrCat("`identities` must be an array, found ",
                                                       JsonKindDescription(*identities)));
            } else {
              store.identities_.Reserve(identities->size());
              for (size_t i = 0; i < identities->size(); ++i) {
                const std::string position = absl::StrCat("identities[", i, "]");
                const std::string pointer = internal::JsonPointerChild("/identities", i);
                std::optional<Identity> identity =
                    ParseIdentity((*identities)[i], position, pointer, schema, &problems, warnings);
                if (!identity.has_value()) continue;
                if (store.identities_.contains(identity->id)) {
                  size_t first = FirstIndexOf(*identities, i, identity->id, nullptr);
                  problems.Add(pointer,
                               absl::StrCat(Label(position, identity->id),
                                            ": duplicate identity id (first at identities[", first,
                                            "]); ids are unique across kinds"));
                  continue;
                }
                store.UpsertIdentity(*std::move(identity));
              }
            }
          }

          if (const json* resources = OptionalField(root, "resources")) {
            if (!resources->is_array()) {
              problems.Add("/resources", absl::StrCat("`resources` must be an array, found ",
                                                      JsonKindDescription(*resources)));
            } else {
              for (size_t i = 0; i < resources->size(); ++i) {
                const std::string position = absl::StrCat("resources[", i, "]");
                const std::string pointer = internal::JsonPointerChild("/resources", i);
                std::optional<Resource> resource =
                    ParseResource((*resources)[i], position, pointer, schema, &problems, warnings);
                if (!resource.has_value()) continue;
                if (store.FindResource(resource->type, resource->id) != nullptr) {
                  size_t first = FirstIndexOf(*resources, i, resource->id, &resource->type);
                  problems.Add(
                      pointer,
                      absl::StrCat(ResourceLabel(position, resource->type, resource->id),
                                   ": duplicate resource (first at resources[", first, "])"));
                  continue;
                }
                store.UpsertResource(*std::move(resource));
              }
            }
          }
          if (problems.count() > 0) return problems.ToStatus(json_text);
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
    // Every line names the file, so that editors and CI annotations can jump to it:
    // "PATH:LINE:COL: message", or "PATH: message" for a line without a position.
    std::string message;
    for (absl::string_view line : absl::StrSplit(store.status().message(), '\n')) {
      if (!message.empty()) message += "\n";
      const bool positioned = !line.empty() && absl::ascii_isdigit(line.front());
      absl::StrAppend(&message, path, positioned ? ":" : ": ", line);
    }
    return WithCategory(absl::Status(store.status().code(), message), CategoryOf(store.status()));
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
          Problems problems;
          std::optional<Identity> identity =
              ParseIdentity(*parsed, "identity", "", schema, &problems, warnings);
          if (!identity.has_value()) return problems.ToStatus(json_text);
          return *std::move(identity);
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
          Problems problems;
          std::optional<Resource> resource =
              ParseResource(*parsed, "resource", "", schema, &problems, warnings);
          if (!resource.has_value()) return problems.ToStatus(json_text);
          return *std::move(resource);
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
          CheckAttributes(identity.attrs,
                          schema.subject_attributes[static_cast<size_t>(identity.kind)],
                          absl::StrCat("identity `", Abbreviate(id), "`"),
                          SubjectKindName(identity.kind), &errors);
        }
        for (const auto& [type, of_type] : resources_) {
          auto type_it = schema.resource_types.find(type);
          for (const auto& [id, resource] : of_type) {
            const std::string where =
                absl::StrCat("resource ", resource.type, " `", Abbreviate(resource.id), "`");
            if (type_it == schema.resource_types.end()) {
              errors.push_back(absl::StrCat(where, ": resource type `", resource.type,
                                            "` is not declared by the schema"));
              continue;
            }
            CheckAttributes(resource.attrs, type_it->second, where, resource.type, &errors);
          }
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
  return identities_.Find(id);
}

const Resource* EntityStore::FindResource(absl::string_view type, absl::string_view id) const {
  auto of_type = resources_.find(type);
  return of_type == resources_.end() ? nullptr : of_type->second.Find(id);
}

void EntityStore::AddOwned(const std::string& owner, const std::string& id) {
  std::vector<std::string>* owned = owned_by_.FindMutable(owner);
  if (owned == nullptr) {
    owned_by_.InsertOrAssign(owner, {id});
    return;
  }
  auto at = std::lower_bound(owned->begin(), owned->end(), id);
  if (at == owned->end() || *at != id) owned->insert(at, id);
}

void EntityStore::RemoveOwned(const std::string& owner, absl::string_view id) {
  std::vector<std::string>* owned = owned_by_.FindMutable(owner);
  if (owned == nullptr) return;
  auto at = std::lower_bound(owned->begin(), owned->end(), id);
  if (at == owned->end() || *at != id) return;
  owned->erase(at);
  if (owned->empty()) owned_by_.Erase(owner);
}

void EntityStore::UpsertIdentity(Identity identity) {
  SortUnique(&identity.groups);
  const Identity* before = identities_.Find(identity.id);
  const std::optional<std::string> owner_before =
      before != nullptr ? before->owner : std::optional<std::string>();
  if (owner_before != identity.owner) {
    if (owner_before.has_value()) RemoveOwned(*owner_before, identity.id);
    if (identity.owner.has_value()) AddOwned(*identity.owner, identity.id);
  }
  std::string id = identity.id;
  identities_.InsertOrAssign(std::move(id), std::move(identity));
}

void EntityStore::UpsertResource(Resource resource) {
  std::string id = resource.id;
  if (resources_[resource.type].InsertOrAssign(std::move(id), std::move(resource))) {
    ++resource_count_;
  }
}

absl::Status EntityStore::RevokeIdentity(absl::string_view id) {
  Identity* identity = identities_.FindMutable(id);
  if (identity == nullptr) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no identity `", Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  identity->status = IdentityStatus::kRevoked;
  return absl::OkStatus();
}

bool IsOwnerInGoodStanding(const Identity& owner, absl::Time now) {
  return owner.kind == SubjectKind::kUser && owner.status == IdentityStatus::kActive &&
         !(owner.expires_at.has_value() && *owner.expires_at <= now);
}

absl::StatusOr<Decommissioning> EntityStore::Decommission(absl::string_view id, bool cascade,
                                                          absl::Time now) {
  Identity* found = identities_.FindMutable(id);
  if (found == nullptr) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no identity `", Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  Identity& retired = *found;
  Decommissioning done;
  done.identity = {retired.kind, retired.id};
  // Only a person in good standing owns anything (the guard's rule): otherwise what it "owned"
  // was unowned already.
  const bool was_owner = IsOwnerInGoodStanding(retired, now);
  retired.status = IdentityStatus::kRevoked;
  done.revoked.push_back(done.identity);
  const std::vector<std::string>* owned_ids = was_owner ? OwnedBy(retired.id) : nullptr;
  if (owned_ids != nullptr) {
    for (const std::string& owned_id : *owned_ids) {
      const Identity* owned = identities_.Find(owned_id);
      if (owned == nullptr || owned->kind == SubjectKind::kUser ||
          owned->status == IdentityStatus::kRevoked) {
        continue;
      }
      done.became_unowned.push_back({owned->kind, owned->id});
    }
  }
  std::sort(done.became_unowned.begin(), done.became_unowned.end(),
            [](const IdentityRef& a, const IdentityRef& b) {
              return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
            });
  if (cascade) {
    for (const IdentityRef& orphan : done.became_unowned) {
      identities_.FindMutable(orphan.id)->status = IdentityStatus::kRevoked;
      done.revoked.push_back(orphan);
    }
  }
  return done;
}

absl::Status EntityStore::RemoveIdentity(absl::string_view id) {
  const Identity* identity = identities_.Find(id);
  if (identity == nullptr) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no identity `", Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  if (identity->owner.has_value()) RemoveOwned(*identity->owner, id);
  identities_.Erase(id);
  return absl::OkStatus();
}

absl::Status EntityStore::RemoveResource(absl::string_view type, absl::string_view id) {
  auto of_type = resources_.find(type);
  if (of_type == resources_.end() || !of_type->second.Erase(id)) {
    return WithCategory(absl::NotFoundError(absl::StrCat("no resource ", Abbreviate(type), " `",
                                                         Abbreviate(id), "`")),
                        ErrorCategory::kNotFound);
  }
  --resource_count_;
  if (of_type->second.empty()) resources_.erase(of_type);
  return absl::OkStatus();
}

}  // namespace ward
