#include "lib/internal/request_check.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/json_util.h"
#include "ward/decision.h"

namespace ward::internal {
namespace {

// Why `value` cannot be read as the declared `type`, or nullopt when it can.
std::optional<std::string> TypeProblem(const Value& value, Type type) {
  if (value.HasType(type)) return std::nullopt;  // the usual case, without copying the value
  absl::StatusOr<Value> converted = value.ConvertTo(type);
  if (converted.ok()) return std::nullopt;
  return std::string(converted.status().message());
}

std::string TypeMismatch(absl::string_view root, absl::string_view name, Type type,
                         absl::string_view problem) {
  return absl::StrCat("`", root, ".", Abbreviate(name), "` must be ", TypeName(type), ": ",
                      problem);
}

bool IsMember(const std::vector<std::string>& members, const Value& value) {
  return members.empty() || value.kind() != Value::Kind::kString ||
         std::binary_search(members.begin(), members.end(), value.string_value());
}

std::string NotAMember(absl::string_view root, absl::string_view name,
                       const std::vector<std::string>& members, const Value& value) {
  return absl::StrCat("`", root, ".", Abbreviate(name), "` must be one of ",
                      Abbreviate(EnumMembersText(members), 256), ", not ",
                      JsonQuote(Abbreviate(value.string_value())));
}

// The first declared entry of `values` whose value does not fit its declaration. Walks the
// declarations (usually few) with their names' hashes rather than the request's entries, so
// that undeclared entries cost nothing and no name is hashed.
// The first declared entry of `values` of the wrong type, or null; fills `found` (resized to
// the declarations) with each declared entry's value, null when absent. This runs on every
// decision: it allocates nothing and hashes no name.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const Declaration* CheckDeclared(
    const std::vector<Declaration>* declared, const AttributeMap& values,
    std::vector<const void*>* found) {
  const size_t count = declared == nullptr ? 0 : declared->size();
  if (found != nullptr && found->size() != count) found->resize(count);
  if (count == 0) return nullptr;
  if (values.empty()) {
    if (found != nullptr) std::fill(found->begin(), found->end(), nullptr);
    return nullptr;
  }
  for (size_t i = 0; i < count; ++i) {
    const Declaration& declaration = (*declared)[i];
    auto it = values.find(declaration.name, declaration.hash);
    const Value* value = it == values.end() ? nullptr : &it->second;
    if (found != nullptr) (*found)[i] = value;
    if (value == nullptr) continue;
    if (!value->HasType(declaration.type) && TypeProblem(*value, declaration.type).has_value()) {
      return &declaration;
    }
    if (!IsMember(declaration.members, *value)) return &declaration;
  }
  return nullptr;
}

bool IsPathType(const std::vector<std::string>* path_types, absl::string_view type) {
  if (path_types == nullptr) return false;
  for (const std::string& path_type : *path_types) {
    if (path_type.size() == type.size() && absl::string_view(path_type) == type) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> PathIdProblem(absl::string_view id) {
  if (id.empty()) return "it is empty";
  if (id.front() == '/') return "it begins with `/`";
  if (id.back() == '/') return "it ends with `/` (an empty segment)";
  // One pass: `dots` counts the dots a segment has begun with, -1 once it has anything else.
  int dots = 0;
  for (size_t i = 0; i <= id.size(); ++i) {
    const char c = i < id.size() ? id[i] : '/';
    if (c == '/') {
      if (i > 0 && id[i - 1] == '/') return "it has an empty segment (`//`)";
      if (dots == 1) return "it has a `.` segment";
      if (dots == 2) return "it has a `..` segment";
      dots = 0;
    } else if (c == '.') {
      if (dots >= 0) ++dots;
    } else if (c == '\\') {
      return "it has a backslash";
    } else if (c == '\0') {
      return "it has a NUL character";
    } else {
      dots = -1;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ValueProblem(absl::string_view root, absl::string_view name,
                                        const AttributeSpec& spec, const Value& value) {
  if (std::optional<std::string> problem = TypeProblem(value, spec.type)) {
    return TypeMismatch(root, name, spec.type, *problem);
  }
  if (!IsMember(spec.members, value)) return NotAMember(root, name, spec.members, value);
  return std::nullopt;
}

std::vector<Declaration> Declarations(const AttributeSpecs& types) {
  std::vector<Declaration> declarations;
  const AttributeMap::hasher hash;
  for (const auto& [name, spec] : types) {
    declarations.push_back({name, spec.type, spec.members, hash(name)});
  }
  return declarations;
}

std::optional<std::string> InlineAttributesProblem(const AttributeSpecs& declared,
                                                   const ResourceRef& resource) {
  // Inline attributes describe a resource the store lacks, as an entity file would: every
  // required attribute, each of its declared type.
  for (const auto& [name, spec] : declared) {
    auto it = resource.attrs.find(name);
    if (it == resource.attrs.end()) {
      if (spec.optional) continue;
      return absl::StrCat("`resource.attrs` lacks `", Abbreviate(name), "`, which every `",
                          Abbreviate(resource.type), "` must have");
    }
    if (std::optional<std::string> problem =
            ValueProblem("resource.attrs", name, spec, it->second)) {
      return problem;
    }
  }
  return std::nullopt;
}

bool IdUnderPrefix(absl::string_view id, absl::string_view prefix) {
  if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (!IsUnderPath(id, prefix)) return false;
  return !PathIdProblem(prefix).has_value();
}

bool IsUnderPath(absl::string_view id, absl::string_view prefix) {
  if (id.size() < prefix.size() || id.substr(0, prefix.size()) != prefix) return false;
  return id.size() == prefix.size() || id[prefix.size()] == '/';
}

std::optional<std::string> CheckRequest(const RequestCheckInputs& inputs, const Request& request,
                                        CheckedValues* found) {
  const Schema& schema = *inputs.schema;
  const ResourceRef& resource = request.resource;
  if (request.on_behalf_of.size() > kMaxDelegationHops) {
    return absl::StrCat("`on_behalf_of` has ", request.on_behalf_of.size(), " entries; at most ",
                        kMaxDelegationHops, " are allowed");
  }

  if (IsPathType(inputs.path_resource_types, resource.type)) {
    if (std::optional<std::string> problem = PathIdProblem(resource.id)) {
      return absl::StrCat("`resource.id` ", JsonQuote(Abbreviate(resource.id)), " of type `",
                          Abbreviate(resource.type), "` is not a normalized path: ", *problem);
    }
  }

  if (!resource.attrs.empty()) {
    if (inputs.resource_stored) {
      return absl::StrCat("`resource.attrs`: resource `", Abbreviate(resource.type), ":",
                          Abbreviate(resource.id),
                          "` is in the store, which alone gives its attributes; a request may "
                          "give attributes only for a resource the store does not have");
    }
    auto type = schema.resource_types.find(resource.type);
    if (type != schema.resource_types.end()) {
      if (std::optional<std::string> problem = InlineAttributesProblem(type->second, resource)) {
        return problem;
      }
    }
  }

  // Only a fault is worth words.
  auto mismatch = [](absl::string_view root, const Declaration& declaration,
                     const AttributeMap& values) {
    const Value& value = values.find(declaration.name)->second;
    if (std::optional<std::string> problem = TypeProblem(value, declaration.type)) {
      return TypeMismatch(root, declaration.name, declaration.type, *problem);
    }
    return NotAMember(root, declaration.name, declaration.members, value);
  };
  if (const Declaration* wrong =
          CheckDeclared(inputs.context, request.context, found ? found->context : nullptr)) {
    return mismatch("context", *wrong, request.context);
  }
  if (const Declaration* wrong =
          CheckDeclared(inputs.args, request.args, found ? found->args : nullptr)) {
    return mismatch("args", *wrong, request.args);
  }
  return std::nullopt;
}

void SetInvalidRequest(const Request& request, std::string message, Decision* out) {
  out->effect = Effect::kDeny;
  out->reason = Reason::kInvalidRequest;
  out->denied_by = request.subject;
  out->rules.clear();
  out->obligations = Obligations();
  out->errors.clear();
  out->errors.push_back(EvaluationError{"", request.subject, std::move(message)});
  out->approval_digest.clear();
  out->approved_by.reset();
  out->shadow.reset();
}

}  // namespace ward::internal
