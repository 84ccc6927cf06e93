#include "ward/request.h"

#include <algorithm>
#include <exception>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/canonical_json.h"
#include "lib/internal/json_util.h"
#include "lib/internal/request_reader.h"
#include "nlohmann/json.hpp"
#include "ward/errors.h"

namespace ward {
namespace {

using internal::Abbreviate;
using internal::JsonKindDescription;
using nlohmann::json;

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

// "subject" + "id" → "subject.id"; a top-level field has no parent.
std::string Path(absl::string_view parent, absl::string_view field) {
  if (parent.empty()) return std::string(field);
  return absl::StrCat(parent, ".", field);
}

absl::Status CheckFields(const json& object, std::initializer_list<absl::string_view> allowed,
                         absl::string_view path) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    if (path.empty()) {
      return Invalid(absl::StrCat("unknown top-level field `", Abbreviate(it.key()), "`"));
    }
    return Invalid(absl::StrCat("unknown field `", Abbreviate(it.key()), "` in `", path, "`"));
  }
  return absl::OkStatus();
}

// The field when present and not null (null counts as absent).
const json* Field(const json& object, absl::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<const json*> RequiredField(const json& object, absl::string_view parent,
                                          absl::string_view name) {
  const json* field = Field(object, name);
  if (field == nullptr) {
    return Invalid(absl::StrCat("missing required field `", Path(parent, name), "`"));
  }
  return field;
}

absl::StatusOr<std::string> RequiredString(const json& object, absl::string_view parent,
                                           absl::string_view name) {
  absl::StatusOr<const json*> field = RequiredField(object, parent, name);
  if (!field.ok()) return field.status();
  if (!(*field)->is_string()) {
    return Invalid(absl::StrCat("`", Path(parent, name), "` must be a string, found ",
                                JsonKindDescription(**field)));
  }
  const std::string& value = (*field)->get_ref<const std::string&>();
  if (absl::Status s = CheckRequestText(Path(parent, name), value); !s.ok()) return s;
  return value;
}

absl::Status RequireObject(const json& value, absl::string_view path) {
  if (value.is_object()) return absl::OkStatus();
  return Invalid(
      absl::StrCat("`", path, "` must be an object, found ", JsonKindDescription(value)));
}

// {"kind": ..., "id": ...} at `path` ("subject", "on_behalf_of[2]").
absl::StatusOr<IdentityRef> ParseIdentityRef(const json& value, absl::string_view path) {
  if (absl::Status s = RequireObject(value, path); !s.ok()) return s;
  if (absl::Status s = CheckFields(value, {"kind", "id"}, path); !s.ok()) return s;
  absl::StatusOr<std::string> kind = RequiredString(value, path, "kind");
  if (!kind.ok()) return kind.status();
  absl::StatusOr<SubjectKind> parsed_kind = SubjectKindAt(Path(path, "kind"), *kind);
  if (!parsed_kind.ok()) return parsed_kind.status();
  absl::StatusOr<std::string> id = RequiredString(value, path, "id");
  if (!id.ok()) return id.status();
  IdentityRef ref;
  ref.kind = *parsed_kind;
  ref.id = *std::move(id);
  return ref;
}

// An object of attribute values in the shape of context entries; null entries are absent.
absl::Status ParseAttributeObject(const json& value, absl::string_view path, AttributeMap* out) {
  if (absl::Status s = RequireObject(value, path); !s.ok()) return s;
  out->reserve(value.size());
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::optional<Value> converted = internal::JsonToValue(*it);
    if (converted.has_value()) out->insert_or_assign(it.key(), *std::move(converted));
  }
  return absl::OkStatus();
}

// `args`: the values rules read, and the object in canonical form for approval digests.
absl::Status ParseArgsObject(const json& value, Request* request) {
  if (absl::Status s = ParseAttributeObject(value, "args", &request->args); !s.ok()) return s;
  absl::StatusOr<std::string> canonical = internal::CanonicalJson(value);
  if (!canonical.ok()) return Invalid(absl::StrCat("`args`: ", canonical.status().message()));
  request->args_json = *std::move(canonical);
  return absl::OkStatus();
}

absl::StatusOr<Request> ParseRequestObject(const json& root) {
  if (!root.is_object()) {
    return Invalid(
        absl::StrCat("a request must be a JSON object, found ", JsonKindDescription(root)));
  }
  if (absl::Status s = CheckFields(
          root,
          {"subject", "action", "resource", "context", "args", "on_behalf_of", "now", "approval"},
          "");
      !s.ok()) {
    return s;
  }
  Request request;

  absl::StatusOr<const json*> subject = RequiredField(root, "", "subject");
  if (!subject.ok()) return subject.status();
  absl::StatusOr<IdentityRef> subject_ref = ParseIdentityRef(**subject, "subject");
  if (!subject_ref.ok()) return subject_ref.status();
  request.subject = *std::move(subject_ref);

  absl::StatusOr<std::string> action = RequiredString(root, "", "action");
  if (!action.ok()) return action.status();
  request.action = *std::move(action);

  absl::StatusOr<const json*> resource = RequiredField(root, "", "resource");
  if (!resource.ok()) return resource.status();
  if (absl::Status s = RequireObject(**resource, "resource"); !s.ok()) return s;
  if (absl::Status s = CheckFields(**resource, {"type", "id", "attrs"}, "resource"); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> type = RequiredString(**resource, "resource", "type");
  if (!type.ok()) return type.status();
  request.resource.type = *std::move(type);
  absl::StatusOr<std::string> id = RequiredString(**resource, "resource", "id");
  if (!id.ok()) return id.status();
  request.resource.id = *std::move(id);
  if (const json* attrs = Field(**resource, "attrs")) {
    if (absl::Status s = ParseAttributeObject(*attrs, "resource.attrs", &request.resource.attrs);
        !s.ok()) {
      return s;
    }
  }

  if (const json* context = Field(root, "context")) {
    if (absl::Status s = ParseAttributeObject(*context, "context", &request.context); !s.ok()) {
      return s;
    }
  }

  if (const json* args = Field(root, "args")) {
    if (absl::Status s = ParseArgsObject(*args, &request); !s.ok()) return s;
  }

  if (const json* approval = Field(root, "approval")) {
    if (!approval->is_string()) {
      return Invalid(absl::StrCat("`approval` must be a grant token (a string), found ",
                                  JsonKindDescription(*approval)));
    }
    const std::string& token = approval->get_ref<const std::string&>();
    if (absl::Status s = CheckApprovalToken("approval", token); !s.ok()) return s;
    request.approval = token;
  }

  if (const json* chain = Field(root, "on_behalf_of")) {
    if (!chain->is_array()) {
      return Invalid(
          absl::StrCat("`on_behalf_of` must be an array, found ", JsonKindDescription(*chain)));
    }
    if (absl::Status s = CheckChainLength("on_behalf_of", chain->size()); !s.ok()) return s;
    request.on_behalf_of.reserve(chain->size());
    for (size_t i = 0; i < chain->size(); ++i) {
      absl::StatusOr<IdentityRef> ref =
          ParseIdentityRef((*chain)[i], absl::StrCat("on_behalf_of[", i, "]"));
      if (!ref.ok()) return ref.status();
      request.on_behalf_of.push_back(*std::move(ref));
    }
  }

  if (const json* now = Field(root, "now")) {
    if (!now->is_string()) {
      return Invalid(
          absl::StrCat("`now` must be an RFC 3339 string, found ", JsonKindDescription(*now)));
    }
    absl::StatusOr<absl::Time> t = ParseTimestamp(now->get_ref<const std::string&>());
    if (!t.ok()) return Invalid(absl::StrCat("`now`: ", t.status().message()));
    request.now = *t;
  }
  return request;
}

}  // namespace

absl::Status CheckRequestText(absl::string_view field, absl::string_view value) {
  if (!value.empty()) return absl::OkStatus();
  return WithCategory(Invalid(absl::StrCat("`", field, "` must not be empty")),
                      ErrorCategory::kRequest);
}

absl::Status CheckChainLength(absl::string_view field, size_t hops) {
  if (hops <= kMaxDelegationHops) return absl::OkStatus();
  return WithCategory(Invalid(absl::StrCat("`", field, "` has ", hops, " entries; at most ",
                                           kMaxDelegationHops, " are allowed")),
                      ErrorCategory::kRequest);
}

absl::StatusOr<SubjectKind> SubjectKindAt(absl::string_view field, absl::string_view name) {
  std::optional<SubjectKind> kind = ParseSubjectKind(name);
  if (kind.has_value()) return *kind;
  return WithCategory(Invalid(absl::StrCat("unknown subject kind `", Abbreviate(name), "` in `",
                                           field, "`; expected user, agent or builder")),
                      ErrorCategory::kRequest);
}

absl::Status CheckApprovalToken(absl::string_view field, absl::string_view token) {
  if (token.empty()) {
    return WithCategory(Invalid(absl::StrCat("`", field, "` must not be empty")),
                        ErrorCategory::kRequest);
  }
  if (token.size() > kMaxApprovalTokenBytes) {
    return WithCategory(
        Invalid(absl::StrCat("`", field, "` is ", token.size(),
                             " bytes; a grant token has at most ", kMaxApprovalTokenBytes)),
        ErrorCategory::kRequest);
  }
  return absl::OkStatus();
}

absl::StatusOr<Request> ParseRequestJson(absl::string_view json_text, const RequestLimits& limits) {
  // Most requests are of the common shape, which the fast reader takes without building a
  // document; for everything else (and every error) the general parser below.
  Request request;
  if (internal::ReadCommonRequest(json_text, limits, &request)) return request;
  return internal::ParseRequestJsonGeneral(json_text, limits);
}

absl::StatusOr<Request> internal::ParseRequestJsonGeneral(absl::string_view json_text,
                                                          const RequestLimits& limits) {
  return WithCategory(
      [&]() -> absl::StatusOr<Request> {
        try {
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          return ParseRequestObject(*parsed);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading the request: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading the request failed");
        }
      }(),
      ErrorCategory::kRequest);
}

absl::Status SetArgsJson(absl::string_view json_text, Request* request,
                         const RequestLimits& limits) {
  return WithCategory(
      [&]() -> absl::Status {
        try {
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          request->args.clear();
          request->args_json.clear();
          if (parsed->is_null()) return absl::OkStatus();
          return ParseArgsObject(*parsed, request);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading the args: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading the args failed");
        }
      }(),
      ErrorCategory::kRequest);
}

absl::StatusOr<std::optional<Value>> ParseJsonValue(absl::string_view json_text) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::optional<Value>> {
        try {
          const RequestLimits limits;
          absl::StatusOr<json> parsed =
              internal::ParseJson(json_text, limits.max_bytes, limits.max_json_depth);
          if (!parsed.ok()) return parsed.status();
          return internal::JsonToValue(*parsed);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("reading a JSON value: ", e.what()));
        } catch (...) {
          return absl::InternalError("reading a JSON value failed");
        }
      }(),
      ErrorCategory::kRequest);
}

}  // namespace ward
