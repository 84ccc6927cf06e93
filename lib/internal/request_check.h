// The checks that make a request `invalid_request` (docs/semantics.md, "Trust boundaries"):
// what a request says may never override what the inventory says, and what it asserts must
// fit the schema. They run before the lifecycle guard, in the order resource id, resource
// attributes, context, args; the first fault is reported.

#ifndef WARD_LIB_INTERNAL_REQUEST_CHECK_H_
#define WARD_LIB_INTERNAL_REQUEST_CHECK_H_

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "ward/request.h"
#include "ward/schema.h"

namespace ward {
struct Decision;
}  // namespace ward

namespace ward::internal {

// Why `id` is not a normalized relative path ("it has a `..` segment"), or nullopt when it
// is one: non-empty segments separated by single `/`, none of them `.` or `..`, no leading or
// trailing `/`, no backslash, no NUL.
std::optional<std::string> PathIdProblem(absl::string_view id);

// Whether `id` lies under the normalized prefix `prefix` (given without a trailing `/`):
// whole segments, the id equal to the prefix included.
bool IsUnderPath(absl::string_view id, absl::string_view prefix);

// `resource under P` with P a value read at run time: as IsUnderPath, after one trailing `/`
// of `prefix` is dropped; a prefix that is not then a normalized path (empty, `..`, ...)
// matches nothing. Never fails, so that a checked policy cannot err on it.
bool IdUnderPrefix(absl::string_view id, absl::string_view prefix);

// A declared context entry or argument, with the hash an AttributeMap gives its name, so that
// checking a request hashes no name.
struct Declaration {
  std::string name;
  Type type = Type::kString;
  std::vector<std::string> members;  // a string enum's members, sorted; empty otherwise
  size_t hash = 0;
};

// Why `value`, given for `root.name`, does not fit `spec` (the wrong type, or a string that is
// not a member of the enum): the message of an `invalid_request`. Nullopt when it fits.
std::optional<std::string> ValueProblem(absl::string_view root, absl::string_view name,
                                        const AttributeSpec& spec, const Value& value);

// The declarations of `types`, with their hashes.
std::vector<Declaration> Declarations(const AttributeSpecs& types);

// What a request check needs to know of the policy and the store.
struct RequestCheckInputs {
  // For the attributes of resource types (inline attributes).
  const Schema* schema = nullptr;
  // The declared context entries and arguments (Declarations of the schema's).
  const std::vector<Declaration>* context = nullptr;
  const std::vector<Declaration>* args = nullptr;
  // Resource types some rule selects with `under`: their ids must be normalized paths.
  const std::vector<std::string>* path_resource_types = nullptr;
  // Whether the request's resource is in the store.
  bool resource_stored = false;
  // Whether the resource's id passed this check before, under the same policy: a
  // RequestBuilder's resource, found in this snapshot and not set since. Its path id is not
  // scanned again.
  bool resource_id_checked = false;
};

// Why the inline attributes of a resource absent from the store do not describe a resource of
// that type (a required attribute missing, a value of the wrong type or not in its enum), or
// nullopt.
std::optional<std::string> InlineAttributesProblem(const AttributeSpecs& declared,
                                                   const ResourceRef& resource);

// The values of a request's declared context entries and arguments, by declaration: what a
// check found, so that deciding need not look the names up again.
struct CheckedValues {
  std::vector<const void*>* context = nullptr;  // const Value*, null when absent
  std::vector<const void*>* args = nullptr;
};

// The message of the first fault of `request`, naming the field; nullopt when it is valid.
// When it is valid and `found` is not null, fills `found` (resized to the declarations; no
// allocation once they have the capacity). Allocates only when it finds a fault.
std::optional<std::string> CheckRequest(const RequestCheckInputs& inputs, const Request& request,
                                        CheckedValues* found = nullptr);

// Whether a path id is certainly normalized, by a quick scan that looks for what could make it
// otherwise (`//`, a dot, a backslash, a NUL, a `/` at either end); false means "maybe not":
// PathIdProblem decides.
inline bool PathIdIsPlainlyNormal(absl::string_view id) {
  if (id.empty() || id.front() == '/' || id.back() == '/') return false;
  for (const char c : {'.', '\\', '\0'}) {
    if (id.find(c) != absl::string_view::npos) return false;
  }
  // No empty segment. One character search per segment is cheaper than a substring search.
  for (size_t slash = id.find('/'); slash != absl::string_view::npos;
       slash = id.find('/', slash + 1)) {
    if (id[slash + 1] == '/') return false;  // in range: the id does not end with `/`
  }
  return true;
}

// The check the engine makes on every decision: true when `request` is certainly valid (the
// usual case, decided here without a call, a name hashed or an allocation), with `found`
// filled; false when CheckRequest must look closer (it may still find it valid).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool RequestIsPlainlyValid(const RequestCheckInputs& inputs,
                                                               const Request& request,
                                                               CheckedValues* found) {
  if (request.on_behalf_of.size() > kMaxDelegationHops || !request.resource.attrs.empty()) {
    return false;
  }
  if (!inputs.resource_id_checked) {
    for (const std::string& type : *inputs.path_resource_types) {
      if (type == request.resource.type) {
        if (!PathIdIsPlainlyNormal(request.resource.id)) return false;
        break;
      }
    }
  }
  auto fits = [](const std::vector<Declaration>& declared, const AttributeMap& values,
                 std::vector<const void*>* slots) ABSL_ATTRIBUTE_ALWAYS_INLINE {
    if (slots->size() != declared.size()) slots->resize(declared.size());
    for (size_t i = 0; i < declared.size(); ++i) {
      const Value* value = nullptr;
      if (!values.empty()) {
        auto it = values.find(declared[i].name, declared[i].hash);
        if (it != values.end()) value = &it->second;
      }
      if (value != nullptr) {
        if (!value->HasType(declared[i].type)) return false;
        // An enum's value must be a member (a string, since it has the type).
        const std::vector<std::string>& members = declared[i].members;
        if (!members.empty() &&
            !std::binary_search(members.begin(), members.end(), value->string_value())) {
          return false;
        }
      }
      (*slots)[i] = value;
    }
    return true;
  };
  return fits(*inputs.context, request.context, found->context) &&
         fits(*inputs.args, request.args, found->args);
}

// Fills `out` with the decision for an invalid request: DENY, reason invalid_request,
// denied_by the subject, no rules, one error (rule "") carrying `message`.
void SetInvalidRequest(const Request& request, std::string message, Decision* out);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_REQUEST_CHECK_H_
