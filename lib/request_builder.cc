#include "ward/request_builder.h"

#include <cstdint>
#include <type_traits>
#include <utility>

#include "lib/internal/program.h"

namespace ward {

RequestBuilder::RequestBuilder() = default;
RequestBuilder::RequestBuilder(Request request) : request_(std::move(request)) {}
RequestBuilder::~RequestBuilder() = default;
// A moved-from builder keeps nothing it found: its strings are no longer the ones found for.
RequestBuilder::RequestBuilder(RequestBuilder&& other) noexcept
    : request_(std::move(other.request_)),
      spare_hops_(std::move(other.spare_hops_)),
      resolution_(other.resolution_) {
  other.resolution_ = internal::Resolution();
}
RequestBuilder& RequestBuilder::operator=(RequestBuilder&& other) noexcept {
  if (this != &other) {
    request_ = std::move(other.request_);
    spare_hops_ = std::move(other.spare_hops_);
    resolution_ = other.resolution_;
    other.resolution_ = internal::Resolution();
  }
  return *this;
}

static_assert(std::is_same_v<internal::Symbol, uint32_t>,
              "a Resolution holds the program's symbols");

namespace {

// Sets `*ref` to (kind, id); returns whether it changed.
bool Assign(SubjectKind kind, absl::string_view id, IdentityRef* ref) {
  if (ref->kind == kind && ref->id == id) return false;
  ref->kind = kind;
  ref->id.assign(id.data(), id.size());
  return true;
}

}  // namespace

RequestBuilder& RequestBuilder::SetSubject(SubjectKind kind, absl::string_view id) {
  if (Assign(kind, id, &request_.subject)) resolution_.Forget(0);
  return *this;
}

RequestBuilder& RequestBuilder::ClearOnBehalfOf() {
  while (!request_.on_behalf_of.empty()) {
    spare_hops_.push_back(std::move(request_.on_behalf_of.back()));
    request_.on_behalf_of.pop_back();
  }
  return *this;
}

RequestBuilder& RequestBuilder::AddOnBehalfOf(SubjectKind kind, absl::string_view id) {
  // Principal 0 is the subject; hop i of the chain is principal i + 1.
  const size_t principal = request_.on_behalf_of.size() + 1;
  bool changed = true;
  if (spare_hops_.empty()) {
    request_.on_behalf_of.emplace_back();
    Assign(kind, id, &request_.on_behalf_of.back());
  } else {
    // The entry last held this position's id.
    request_.on_behalf_of.push_back(std::move(spare_hops_.back()));
    spare_hops_.pop_back();
    changed = Assign(kind, id, &request_.on_behalf_of.back());
  }
  if (changed && principal < internal::Resolution::kIdentities) resolution_.Forget(principal);
  return *this;
}

RequestBuilder& RequestBuilder::SetOnBehalfOf(const std::vector<IdentityRef>& chain) {
  ClearOnBehalfOf();
  for (const IdentityRef& hop : chain) AddOnBehalfOf(hop.kind, hop.id);
  return *this;
}

RequestBuilder& RequestBuilder::SetAction(absl::string_view action) {
  if (request_.action != action) {
    request_.action.assign(action.data(), action.size());
    resolution_.Forget(internal::Resolution::kActionBit);
  }
  return *this;
}

RequestBuilder& RequestBuilder::SetResource(absl::string_view type, absl::string_view id) {
  if (request_.resource.type != type || request_.resource.id != id) {
    request_.resource.type.assign(type.data(), type.size());
    request_.resource.id.assign(id.data(), id.size());
    resolution_.Forget(internal::Resolution::kResourceBit);
  }
  request_.resource.attrs.clear();
  return *this;
}

namespace {

// Sets `map[name]` to `value`, reusing the entry's key when there is one.
void Put(AttributeMap* map, absl::string_view name, Value value) {
  auto it = map->find(name);
  if (it != map->end()) {
    it->second = std::move(value);
  } else {
    map->emplace(std::string(name), std::move(value));
  }
}

}  // namespace

RequestBuilder& RequestBuilder::SetResourceAttribute(absl::string_view name, Value value) {
  Put(&request_.resource.attrs, name, std::move(value));
  return *this;
}

RequestBuilder& RequestBuilder::SetContext(absl::string_view name, Value value) {
  Put(&request_.context, name, std::move(value));
  return *this;
}

RequestBuilder& RequestBuilder::EraseContext(absl::string_view name) {
  auto it = request_.context.find(name);
  if (it != request_.context.end()) request_.context.erase(it);
  return *this;
}

RequestBuilder& RequestBuilder::ClearContext() {
  request_.context.clear();
  return *this;
}

absl::Status RequestBuilder::SetArgsJson(absl::string_view json, const RequestLimits& limits) {
  absl::Status status = ward::SetArgsJson(json, &request_, limits);
  if (!status.ok()) ClearArgs();
  return status;
}

RequestBuilder& RequestBuilder::ClearArgs() {
  request_.args.clear();
  request_.args_json.clear();
  return *this;
}

RequestBuilder& RequestBuilder::SetNow(absl::Time now) {
  request_.now = now;
  return *this;
}

RequestBuilder& RequestBuilder::ClearNow() {
  request_.now.reset();
  return *this;
}

RequestBuilder& RequestBuilder::SetApproval(absl::string_view token) {
  request_.approval.assign(token.data(), token.size());
  return *this;
}

RequestBuilder& RequestBuilder::SetRequest(const Request& request) {
  SetSubject(request.subject.kind, request.subject.id);
  SetOnBehalfOf(request.on_behalf_of);
  SetAction(request.action);
  SetResource(request.resource.type, request.resource.id);
  request_.resource.attrs = request.resource.attrs;
  request_.context = request.context;
  request_.args = request.args;
  request_.args_json = request.args_json;
  request_.now = request.now;
  request_.approval = request.approval;
  return *this;
}

}  // namespace ward
