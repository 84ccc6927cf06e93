// A request that remembers what its ids name, for hosts that decide the same identities and
// resources again and again (an agent's session, a gateway's route):
//
//   ward::RequestBuilder builder;                     // one per thread, kept
//   ward::Decision decision;                          // likewise
//   builder.SetSubject(ward::SubjectKind::kAgent, "support-bot")
//       .AddOnBehalfOf(ward::SubjectKind::kUser, "alice")
//       .SetAction("invoke")
//       .SetResource("tool", "search");
//   engine.Decide(&builder, &decision);               // finds the records
//   builder.SetContext("turn", ward::Value::Int(2));
//   engine.Decide(&builder, &decision);               // reads them: no id looked up
//   builder.SetResource("tool", "browse");
//   engine.Decide(&builder, &decision);               // an id changed: finds them again
//
// The first decision finds the records of the subject, the chain and the resource as any
// decision does, and the subject's and its nearest delegator's candidate rules in the
// policy's tree (only those that can hold for their records); later decisions in the same
// snapshot of the same engine read them directly while no setter has changed any of those
// ids, which saves hashing every id, probing the store's tables, scanning the schema's
// actions and types, and walking the tree. A setter that changes an id (a
// setter given the id already there changes nothing), or a new snapshot (a reload or an
// entity update), makes the engine find the records again: a builder never decides with a
// record that is not the one its id names now. Decisions are exactly those of
// Engine::Decide(request()).
//
// After the first few decisions, setting fields to values no longer than before and deciding
// allocates nothing. A builder is not safe to use from two threads at once; keep one per
// thread, as with a reused Decision.

#ifndef WARD_REQUEST_BUILDER_H_
#define WARD_REQUEST_BUILDER_H_

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/internal/resolution.h"
#include "ward/request.h"
#include "ward/value.h"

namespace ward {

namespace internal {
class RequestBuilderAccess;
}  // namespace internal

class RequestBuilder {
 public:
  RequestBuilder();
  explicit RequestBuilder(Request request);
  ~RequestBuilder();
  // Copies and moves carry the request and what was found for its ids.
  RequestBuilder(const RequestBuilder& other) = default;
  RequestBuilder& operator=(const RequestBuilder& other) = default;
  RequestBuilder(RequestBuilder&& other) noexcept;
  RequestBuilder& operator=(RequestBuilder&& other) noexcept;

  // The setters overwrite one part of the request, reusing its storage, and leave the rest
  // as it was: set what changes from one decision to the next.
  RequestBuilder& SetSubject(SubjectKind kind, absl::string_view id);
  // The identities the subject acts for, nearest first: ClearOnBehalfOf, then one
  // AddOnBehalfOf per identity. More than kMaxDelegationHops make the decision DENY with
  // reason invalid_request.
  RequestBuilder& ClearOnBehalfOf();
  RequestBuilder& AddOnBehalfOf(SubjectKind kind, absl::string_view id);
  RequestBuilder& SetOnBehalfOf(const std::vector<IdentityRef>& chain);
  RequestBuilder& SetAction(absl::string_view action);
  // A resource, with no inline attributes (SetResourceAttribute adds them).
  RequestBuilder& SetResource(absl::string_view type, absl::string_view id);
  // An inline attribute of a resource that is not in the store (see ResourceRef::attrs).
  RequestBuilder& SetResourceAttribute(absl::string_view name, Value value);
  // A context entry: what the host asserts, never what the model produced.
  RequestBuilder& SetContext(absl::string_view name, Value value);
  RequestBuilder& EraseContext(absl::string_view name);
  RequestBuilder& ClearContext();
  // The tool call's arguments as a JSON object text (see ward::SetArgsJson); on an error the
  // arguments are left empty.
  absl::Status SetArgsJson(absl::string_view json, const RequestLimits& limits = {});
  RequestBuilder& ClearArgs();
  RequestBuilder& SetNow(absl::Time now);
  RequestBuilder& ClearNow();  // decide at the engine's clock
  // A grant token (docs/approvals.md); empty: none.
  RequestBuilder& SetApproval(absl::string_view token);

  // Every part of the request at once, as each setter would set it.
  RequestBuilder& SetRequest(const Request& request);

  // The request as built. (It is changed through the setters only, which keep track of the
  // ids that change.)
  const Request& request() const { return request_; }

 private:
  friend class Engine;
  friend class internal::RequestBuilderAccess;

  Request request_;
  // Chain entries cleared away, kept with their strings' storage for the next AddOnBehalfOf.
  // Entries return to the position they left (the last one cleared is the first one added), so
  // that an AddOnBehalfOf that gives a position its id again keeps what was found for it.
  std::vector<IdentityRef> spare_hops_;
  // What the last decision found for the ids.
  internal::Resolution resolution_;
};

}  // namespace ward

#endif  // WARD_REQUEST_BUILDER_H_
