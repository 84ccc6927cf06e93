// What a Decision keeps between decisions so that deciding into it allocates nothing in
// steady state: the snapshot it was decided against (pinned, so that the regular expressions
// its obligations point to stay alive) and storage that is reused from call to call.

#ifndef WARD_LIB_INTERNAL_DECISION_STATE_H_
#define WARD_LIB_INTERNAL_DECISION_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ward/decision.h"
#include "ward/internal/resolution.h"

namespace ward::internal {

struct Scratch;  // defined by the decider

// Copies and moves carry the pinned snapshot but not the scratch storage, which belongs to
// one Decision object (one thread) only.
class DecisionState {
 public:
  DecisionState();
  ~DecisionState();
  DecisionState(const DecisionState& other);
  DecisionState& operator=(const DecisionState& other);
  DecisionState(DecisionState&& other) noexcept;
  DecisionState& operator=(DecisionState&& other) noexcept;

  std::shared_ptr<const void> pinned;  // the snapshot the decision came from
  const void* pinned_engine = nullptr;
  uint64_t pinned_epoch = 0;

  // The state of `decision`, created on first use. Inline: every decision asks for it.
  static DecisionState& Of(Decision* decision) {
    DecisionState* state = decision->storage.state_.get();
    return state != nullptr ? *state : Create(decision);
  }

  // Created on first use by the decider. Inline: every decision asks for it.
  Scratch* scratch() { return scratch_ != nullptr ? scratch_.get() : CreateScratch(); }

  // Reused by the engine to write the canonical request an approval digest hashes.
  std::string digest_buffer;

  // The request's declared context entries and arguments by slot (the position of their
  // declaration; null when the request leaves one out), found once when the request is checked
  // and read by the decider instead of looking each name up again. Valid only for
  // `checked_request`, and only while the engine decides it.
  const void* checked_request = nullptr;
  std::vector<const void*> context_values;  // const Value*
  std::vector<const void*> args_values;
  // The RequestBuilder's record of what its ids name, while the engine decides its request
  // (Engine::Decide(RequestBuilder*, ...)); used for `checked_request` only.
  Resolution* resolution = nullptr;

 private:
  static DecisionState& Create(Decision* decision);
  Scratch* CreateScratch();

  std::unique_ptr<Scratch> scratch_;
};

// Writes the rule lists of Decisions the engine makes: references to the rule names of the
// policy the Decision holds, without copying them.
class RuleListWriter {
 public:
  // Empties `list` and returns its names, to be appended, each a rule name of the policy the
  // list's Decision holds. Keeps the list's capacity.
  static std::vector<const std::string*>& Refer(::ward::RuleList* list) {
    list->owned_.clear();
    list->names_.clear();
    return list->names_;
  }

  // Makes `to` name what `from` names; referring to the same policy's names when `from` does
  // (the Decision holding `to` must hold that policy too).
  static void ReferAsOther(const ::ward::RuleList& from, ::ward::RuleList* to) {
    if (from.owned_.size() == from.names_.size()) {
      *to = from;
      return;
    }
    to->owned_.clear();
    to->names_.assign(from.names_.begin(), from.names_.end());
  }
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_DECISION_STATE_H_
