// A decision and its explanation: the effect, the reason, the determining rules, the merged
// obligations, the evaluation errors and (in explain mode) a trace.

#ifndef WARD_DECISION_H_
#define WARD_DECISION_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "ward/request.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace ward {

namespace internal {
class DecisionState;
class RuleListWriter;
}  // namespace internal

// Ordered from least to most strict: the strictest effect of a delegation chain wins.
enum class Effect : uint8_t { kAllow = 0, kNeedsApproval = 1, kDeny = 2 };
// "ALLOW", "NEEDS_APPROVAL", "DENY".
absl::string_view EffectName(Effect effect);

enum class Reason : uint8_t {
  kPermitted,
  kForbidden,
  kApprovalRequired,
  kNoMatchingPermit,
  kUnknownIdentity,
  kLifecycle,
  kUnowned,
  kInternalError,
  // The engine refused the request: a field contradicts the inventory or the schema (inline
  // attributes of a stored resource, a wrongly typed context or args entry, a path id that is
  // not normalized, a chain longer than kMaxDelegationHops).
  kInvalidRequest,
};
// "permitted", "forbidden", ...
absl::string_view ReasonName(Reason reason);

// Ordered: the highest level of the contributing permits wins.
enum class LogLevel : uint8_t { kNone = 0, kSummary = 1, kFull = 2 };
// "none", "summary", "full".
absl::string_view LogLevelName(LogLevel level);

struct Redaction {
  std::string pattern;      // RE2 syntax, as written in the policy
  std::string replacement;  // an RE2 rewrite string (\0..\9 refer to groups)
  // The compiled pattern, owned by the policy that produced the decision (a Decision keeps
  // that policy alive). Null when the pattern is to be compiled on use.
  const re2::RE2* regex = nullptr;
};

struct Obligations {
  std::vector<Redaction> redact;                        // sorted by (pattern, replacement)
  std::vector<std::pair<std::string, int64_t>> limits;  // sorted by name, one entry each
  LogLevel log = LogLevel::kNone;
};

// The names of a decision's determining rules, in order. In a Decision the engine made, the
// names are those of the policy the Decision holds (no name is copied per decision); a
// RuleList copied or moved out of its Decision, or built by hand, holds names of its own, so
// it never refers to a policy it does not keep alive. Read it as a const std::vector of
// strings: size, operator[], iteration, comparison with a RuleList or a vector.
class RuleList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    const_iterator() = default;
    reference operator*() const { return **at_; }
    pointer operator->() const { return *at_; }
    reference operator[](difference_type n) const { return *at_[n]; }
    const_iterator& operator++() {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++at_;
      return old;
    }
    const_iterator& operator--() {
      --at_;
      return *this;
    }
    const_iterator operator--(int) {
      const_iterator old = *this;
      --at_;
      return old;
    }
    const_iterator& operator+=(difference_type n) {
      at_ += n;
      return *this;
    }
    const_iterator& operator-=(difference_type n) {
      at_ -= n;
      return *this;
    }
    friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
    friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
    friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const_iterator a, const_iterator b) { return a.at_ - b.at_; }
    friend bool operator==(const_iterator a, const_iterator b) { return a.at_ == b.at_; }
    friend bool operator!=(const_iterator a, const_iterator b) { return a.at_ != b.at_; }
    friend bool operator<(const_iterator a, const_iterator b) { return a.at_ < b.at_; }
    friend bool operator>(const_iterator a, const_iterator b) { return a.at_ > b.at_; }
    friend bool operator<=(const_iterator a, const_iterator b) { return a.at_ <= b.at_; }
    friend bool operator>=(const_iterator a, const_iterator b) { return a.at_ >= b.at_; }

   private:
    friend class RuleList;
    explicit const_iterator(const std::string* const* at) : at_(at) {}
    const std::string* const* at_ = nullptr;
  };
  using iterator = const_iterator;
  using value_type = std::string;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = const std::string&;
  using const_reference = const std::string&;

  RuleList() = default;
  RuleList(std::initializer_list<std::string> names);
  explicit RuleList(std::vector<std::string> names);
  // Copies and moves hold names of their own (a move out of a list that holds its own names
  // takes them without copying).
  RuleList(const RuleList& other);
  RuleList(RuleList&& other);
  RuleList& operator=(const RuleList& other);
  RuleList& operator=(RuleList&& other);
  RuleList& operator=(std::initializer_list<std::string> names);
  ~RuleList() = default;

  size_t size() const { return names_.size(); }
  bool empty() const { return names_.empty(); }
  const std::string& operator[](size_t i) const { return *names_[i]; }
  const std::string& front() const { return *names_.front(); }
  const std::string& back() const { return *names_.back(); }
  const_iterator begin() const { return const_iterator(names_.data()); }
  const_iterator end() const { return const_iterator(names_.data() + names_.size()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }

  // Appends a name of the list's own (after copying any names it referred to).
  void push_back(std::string name);
  void clear();
  std::vector<std::string> ToVector() const;

  friend bool operator==(const RuleList& a, const RuleList& b);
  friend bool operator==(const RuleList& a, const std::vector<std::string>& b);
  friend bool operator==(const std::vector<std::string>& a, const RuleList& b) { return b == a; }
  friend bool operator!=(const RuleList& a, const RuleList& b) { return !(a == b); }
  friend bool operator!=(const RuleList& a, const std::vector<std::string>& b) { return !(a == b); }
  friend bool operator!=(const std::vector<std::string>& a, const RuleList& b) { return !(b == a); }

 private:
  friend class internal::RuleListWriter;
  // Makes the list hold copies of `other`'s names, reusing this list's string buffers.
  void CopyFrom(const RuleList& other);
  // Points names_ at owned_ again after owned_ changed.
  void ReferToOwned();

  // Each name: in owned_, or (in a Decision the engine made) in the policy the Decision holds.
  std::vector<const std::string*> names_;
  // The list's own names, when it has any: then names_[i] == &owned_[i] for every i.
  std::vector<std::string> owned_;
};

// An error while evaluating a condition of a candidate rule.
struct EvaluationError {
  std::string rule;
  IdentityRef principal;
  std::string message;
};

// What a decision would have been with the policy's `@shadow` rules enforced. Shadow rules
// are evaluated on every request they apply to and never change the decision itself: this is
// how a new forbid (or permit, or approval) is observed in production before it is enforced.
struct ShadowOutcome {
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kInternalError;
  std::optional<IdentityRef> denied_by;  // on every effect other than ALLOW
  RuleList rules;                        // the determining rules, shadow rules included
  Obligations obligations;               // meaningful on ALLOW only

  // `{"effect", "reason", "denied_by" (not on ALLOW), "rules", "obligations" (ALLOW only)}`,
  // as in Decision::ToJson.
  std::string ToJson() const;
};

// What the engine keeps in a Decision between calls: the policy snapshot the decision was
// made against (so that what its obligations refer to stays alive as long as the decision)
// and buffers reused by the next decision made into the same object. Copies share the
// snapshot, not the buffers. Created on the first decision; an empty Decision holds nothing.
class DecisionStorage {
 public:
  DecisionStorage() noexcept;
  ~DecisionStorage();
  DecisionStorage(const DecisionStorage& other);
  DecisionStorage& operator=(const DecisionStorage& other);
  DecisionStorage(DecisionStorage&& other) noexcept;
  DecisionStorage& operator=(DecisionStorage&& other) noexcept;

 private:
  friend class internal::DecisionState;
  std::unique_ptr<internal::DecisionState> state_;
};

struct Decision {
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kInternalError;
  // On every effect other than ALLOW: the identity whose own decision is the final one.
  std::optional<IdentityRef> denied_by;
  // The determining rules, deduplicated and sorted.
  RuleList rules;
  // Meaningful on ALLOW only.
  Obligations obligations;
  // Ordered by principal (subject, then the chain nearest first), then by rule name.
  std::vector<EvaluationError> errors;
  // On NEEDS_APPROVAL: what an approver's grant must name, the lowercase hex SHA-256 of the
  // request's canonical form (subject, chain, action, resource, args, policy). Empty on every
  // other effect.
  std::string approval_digest;
  // On an ALLOW that a grant made possible: the user who approved.
  std::optional<IdentityRef> approved_by;
  // Set only when the policy has `@shadow` rules and enforcing them would change the effect,
  // the reason, denied_by, the rules or the obligations. Errors of shadow rules are not in
  // `errors` (they do not change the decision); an erring shadow forbid or approval counts as
  // holding here, as an enforced one would.
  std::optional<ShadowOutcome> shadow;
  // Identifies the compiled policy that made the decision (0 when unknown): the same for the
  // same policy whether compiled from text or loaded from a bundle.
  uint64_t policy_hash = 0;

  // The canonical compact JSON form: keys effect, reason, denied_by (not on ALLOW), rules,
  // obligations (ALLOW only), errors, approval (`{"digest": ...}`, NEEDS_APPROVAL only),
  // approved_by (when a grant was used), shadow (`{"effect", "reason", "denied_by", "rules",
  // "obligations"}` as above, when set), then `policy` (the policy hash in hex) when known.
  std::string ToJson() const;

  // For the engine; opaque.
  DecisionStorage storage;
};

// Why a candidate rule did or did not hold.
struct TraceRule {
  enum class Outcome : uint8_t { kHolds, kDoesNotHold, kError };
  std::string rule;
  std::string effect;   // "permit", "forbid", "require_approval"
  std::string source;   // "file:line"
  bool shadow = false;  // a `@shadow` rule: its outcome does not count for the decision
  Outcome outcome = Outcome::kDoesNotHold;
  // "true", "false", "error: ...", or empty when the clause is absent or was not evaluated.
  std::string when;
  std::string unless;
  // The conditions as written in the policy (empty when absent).
  std::string when_condition;
  std::string unless_condition;
};

// "holds", "does_not_hold", "error": the outcome's name in the bindings' structured traces.
absl::string_view TraceOutcomeName(TraceRule::Outcome outcome);

// One principal of the request: its guard, its candidates and its own decision.
struct TracePrincipal {
  IdentityRef identity;
  std::string role;  // "subject" or "on_behalf_of[N]"
  // Empty when the guard passed, else the guard's reason.
  std::optional<Reason> guard;
  // How a compiled engine found the candidates: the index keys it probed and what they held.
  std::vector<std::string> path;
  std::vector<TraceRule> candidates;
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kInternalError;
};

struct Trace {
  // Why the request was refused before any rule was looked at (reason `invalid_request`);
  // empty otherwise. No principal is traced then.
  std::string rejected;
  std::vector<TracePrincipal> principals;
  // A readable multi-line rendering.
  std::string ToText() const;
};

}  // namespace ward

#endif  // WARD_DECISION_H_
