// In-place access to the parts of a RequestBuilder's request that name nothing the engine
// looks up, for the bindings' converters (the C interface's ward_request, Node's request
// objects), which refill one request from call to call and keep the storage of its maps.

#ifndef WARD_LIB_INTERNAL_REQUEST_BUILDER_ACCESS_H_
#define WARD_LIB_INTERNAL_REQUEST_BUILDER_ACCESS_H_

#include <utility>

#include "absl/strings/string_view.h"
#include "ward/request.h"
#include "ward/request_builder.h"
#include "ward/value.h"

namespace ward::internal {

class RequestBuilderAccess {
 public:
  // The builder's request, to write its resource attributes, context, args, time and approval
  // in place. Its ids (the subject, the chain, the action, the resource's type and id) must be
  // set through the builder's setters only: the setters are what tell the builder that what
  // it found for an id no longer holds.
  static Request& UnnamedParts(RequestBuilder& builder) { return builder.request_; }

  // builder.SetResource(type, id), keeping the inline attributes' map (emptied, with its
  // storage) for the caller to refill, so that converting a request allocates nothing.
  static void SetResourceKeepingStorage(RequestBuilder& builder, absl::string_view type,
                                        absl::string_view id) {
    AttributeMap attrs = std::move(builder.request_.resource.attrs);
    builder.SetResource(type, id);
    attrs.clear();
    builder.request_.resource.attrs = std::move(attrs);
  }
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_REQUEST_BUILDER_ACCESS_H_
