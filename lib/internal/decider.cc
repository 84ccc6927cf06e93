#include "lib/internal/decider.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "lib/internal/decision_state.h"
#include "lib/internal/index.h"
#include "lib/internal/vm.h"
#include "re2/re2.h"

namespace ward::internal {

// A value on the partial evaluator's stack (DecidePartial): known, as on the evaluation stack,
// or open (depending on what the request supplies), as a residual.
struct OpenOperand {
  bool open = false;
  Operand known;         // when not open
  ResidualId value = 0;  // when open: the value's residual
  ResidualTruth truth;   // when open and a bool: when it holds, and when it errs
};

// One principal's own decision, with its determining rules in Scratch::determining.
struct PrincipalResult {
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kInternalError;
  uint32_t determining_begin = 0;
  uint32_t determining_end = 0;
};

struct Scratch {
  std::vector<uint32_t> candidates;
  std::vector<uint32_t> determining;
  std::vector<uint32_t> permits;  // holding permits of every principal
  std::array<PrincipalResult, kMaxDelegationHops + 1> results;
  std::vector<Operand> stack;
  std::vector<OpenOperand> open_stack;
  std::string error;
  // Elements moved out of a Decision's vectors, kept with their string buffers for reuse.
  std::vector<Redaction> spare_redactions;
  std::vector<std::pair<std::string, int64_t>> spare_limits;
  std::vector<EvaluationError> spare_errors;
  std::string spare_id;
  // The decision with the `@shadow` rules enforced, decided only when one of them held (or
  // erred) in the decision itself; kept for reuse.
  std::unique_ptr<Decision> shadow;
};

DecisionState::DecisionState() = default;
DecisionState::~DecisionState() = default;
DecisionState::DecisionState(const DecisionState& other)
    : pinned(other.pinned), pinned_engine(other.pinned_engine), pinned_epoch(other.pinned_epoch) {}
DecisionState& DecisionState::operator=(const DecisionState& other) {
  pinned = other.pinned;
  pinned_engine = other.pinned_engine;
  pinned_epoch = other.pinned_epoch;
  return *this;
}
DecisionState::DecisionState(DecisionState&& other) noexcept = default;
DecisionState& DecisionState::operator=(DecisionState&& other) noexcept = default;

DecisionState& DecisionState::Create(Decision* decision) {
  decision->storage.state_ = std::make_unique<DecisionState>();
  return *decision->storage.state_;
}

Scratch* DecisionState::CreateScratch() {
  scratch_ = std::make_unique<Scratch>();
  return scratch_.get();
}

namespace {

// ResizeReusing's moves, out of line: most decisions resize nothing.
template <typename T>
ABSL_ATTRIBUTE_NOINLINE void MoveReusing(std::vector<T>* v, size_t n, std::vector<T>* spare) {
  while (v->size() > n) {
    spare->push_back(std::move(v->back()));
    v->pop_back();
  }
  while (v->size() < n) {
    if (spare->empty()) {
      v->emplace_back();
    } else {
      v->push_back(std::move(spare->back()));
      spare->pop_back();
    }
  }
}

// Resizes `v` to `n` elements, parking surplus elements in `spare` and taking new ones from
// it, so that their string buffers are reused rather than freed and allocated again.
template <typename T>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void ResizeReusing(std::vector<T>* v, size_t n,
                                                       std::vector<T>* spare) {
  if (v->size() != n) MoveReusing(v, n, spare);
}

// Left uninitialized on construction (a decision makes an array of the most there can be):
// Bind sets every field of the principals it binds, and only those are read.
struct Principal {
  const IdentityRef* ref;
  size_t hash;                       // of ref->id, for the layout
  const IdentityRecord* record;      // null when unknown (or of another kind)
  const IdentityRef* delegator_ref;  // null for the last of the chain
  const IdentityRecord* delegator;
};

class Decider {
 public:
  Decider(const Program& program, const EntityLayout& layout, const Request& request,
          absl::Time now, bool approvals_satisfied, bool enforce_shadow, DecisionState* state,
          Resolution* resolution = nullptr)
      : program_(program),
        layout_(layout),
        request_(request),
        now_(now),
        approvals_satisfied_(approvals_satisfied),
        enforce_shadow_(enforce_shadow),
        scratch_(*state->scratch()),
        resolution_(resolution) {
    inputs_.program = &program;
    inputs_.request = &request;
    inputs_.now = now;
    if (state->checked_request == &request) {
      inputs_.checked_context = &state->context_values;
      inputs_.checked_args = &state->args_values;
    }
    // The operand stack, of fixed size: grown once for the deepest condition of the program.
    if (scratch_.stack.size() < program.vm->max_stack_depth) {
      scratch_.stack.resize(program.vm->max_stack_depth);
    }
  }

  void Run(Decision* out, Trace* trace) {
    std::array<Principal, kMaxDelegationHops + 1> principals;
    const size_t count = resolution_ != nullptr ? BindResolved(&principals) : Bind(&principals);

    out->errors.clear();
    ResizeReusing(&out->errors, 0, &scratch_.spare_errors);
    scratch_.determining.clear();
    scratch_.permits.clear();
    for (size_t i = 0; i < count; ++i) {
      TracePrincipal* traced = nullptr;
      if (trace != nullptr) {
        traced = &trace->principals.emplace_back();
        traced->identity = *principals[i].ref;
        traced->role = i == 0 ? "subject" : absl::StrCat("on_behalf_of[", i - 1, "]");
      }
      scratch_.results[i] = DecidePrincipal(i, principals[i], out, traced);
      if (traced != nullptr) {
        traced->effect = scratch_.results[i].effect;
        traced->reason = scratch_.results[i].reason;
      }
    }
    Finish(principals, count, out);
  }

  // The partial decision (DecidePartial): the guard and the candidates as Run has them, each
  // enforced candidate's conditions evaluated with the request's own values left open.
  void RunPartial(bool now_known, bool context_known, PartialDecision* out) {
    std::array<Principal, kMaxDelegationHops + 1> principals;
    const size_t count = Bind(&principals);
    now_known_ = now_known;
    context_known_ = context_known;
    out->principals.clear();
    out->rules.clear();
    out->residuals.Clear();
    out->malformed = false;
    residuals_ = &out->residuals;
    for (size_t i = 0; i < count; ++i) {
      PartialPrincipal& result = out->principals.emplace_back();
      result.rules_begin = result.rules_end = static_cast<uint32_t>(out->rules.size());
      result.guard = Guard(principals[i].record);
      if (result.guard.has_value()) continue;
      FindCandidates(program_, Query(), *principals[i].record, &scratch_.candidates, nullptr);
      for (uint32_t index : scratch_.candidates) {
        const ProgramRule& rule = program_.rules[index];
        if (rule.shadow) continue;  // never enforced
        ResidualTruth holds = ResidualTruth::Of(true);
        if (!rule.when.empty() && !EvaluatePartial(rule.when, principals[i], &holds)) {
          out->malformed = true;
          return;
        }
        if (!rule.unless.empty()) {
          // `unless` is evaluated only when `when` holds: exactly `when and not unless`.
          ResidualTruth unless;
          if (!EvaluatePartial(rule.unless, principals[i], &unless)) {
            out->malformed = true;
            return;
          }
          holds = AndTruth(residuals_, holds, NotTruth(residuals_, unless));
        }
        if (holds.holds_or_errs == Residuals::kFalse) continue;
        out->rules.push_back({index, holds});
      }
      result.rules_end = static_cast<uint32_t>(out->rules.size());
    }
  }

 private:
  // Finds the request's principals, action and resource; returns the number of principals.
  size_t Bind(std::array<Principal, kMaxDelegationHops + 1>* bound) {
    std::array<Principal, kMaxDelegationHops + 1>& principals = *bound;
    const size_t count = 1 + request_.on_behalf_of.size();
    for (size_t i = 0; i < count; ++i) {
      const IdentityRef* ref = i == 0 ? &request_.subject : &request_.on_behalf_of[i - 1];
      principals[i] = Principal{ref, layout_.PrefetchIdentity(ref->id), nullptr, nullptr, nullptr};
    }
    // A type no rule names has no candidates, and so no attribute is read of its resource.
    query_.request = &request_;
    query_.resource_type = program_.FindResourceType(request_.resource.type);
    const EntityLayout::ResourcesOfType* resources = layout_.ResourcesOf(query_.resource_type);
    const size_t resource_hash = EntityLayout::PrefetchResource(resources, request_.resource.id);
    for (size_t i = 0; i < count; ++i) {
      principals[i].record = FindIdentity(*principals[i].ref, principals[i].hash);
    }
    LinkChain(count, &principals);

    query_.action = program_.FindAction(request_.action);
    resource_ = EntityLayout::FindResource(resources, request_.resource.id, resource_hash);
    inputs_.resource = resource_;
    query_.resource =
        resource_ != nullptr ? resource_->id_symbol : program_.Find(request_.resource.id);
    return count;
  }

  // Bind with what `resolution_` holds for the request. When it lacks anything (an id a setter
  // changed, a new snapshot), everything is looked up as Bind does and remembered; otherwise
  // no id is looked up, and the records are prefetched together before any is read.
  size_t BindResolved(std::array<Principal, kMaxDelegationHops + 1>* bound) {
    std::array<Principal, kMaxDelegationHops + 1>& principals = *bound;
    Resolution& known = *resolution_;
    const size_t count = 1 + request_.on_behalf_of.size();
    const uint32_t needed =
        ((1u << count) - 1) | (1u << Resolution::kResourceBit) | (1u << Resolution::kActionBit);
    if ((known.valid & needed) != needed) {
      Bind(bound);
      for (size_t i = 0; i < count; ++i) known.identity(i) = principals[i].record;
      known.action_symbol = query_.action;
      known.resource_type_symbol = query_.resource_type;
      known.resource_symbol = query_.resource;
      known.resource = resource_;
      known.valid = static_cast<uint16_t>(known.valid | needed);
      return count;
    }
    for (size_t i = 0; i < count; ++i) {
      const IdentityRecord* record = known.identity(i);
      if (record != nullptr) __builtin_prefetch(record);
      principals[i] = Principal{i == 0 ? &request_.subject : &request_.on_behalf_of[i - 1], 0,
                                record, nullptr, nullptr};
    }
    LinkChain(count, &principals);
    // query_ is set from `known` when a principal's candidates are to be found (Query).
    resource_ = known.resource;
    if (resource_ != nullptr) __builtin_prefetch(resource_);
    inputs_.resource = resource_;
    return count;
  }

  static void LinkChain(size_t count, std::array<Principal, kMaxDelegationHops + 1>* principals) {
    for (size_t i = 0; i + 1 < count; ++i) {
      (*principals)[i].delegator_ref = (*principals)[i + 1].ref;
      (*principals)[i].delegator = (*principals)[i + 1].record;
    }
  }

 public:
  // Whether a `@shadow` rule held or erred for a principal (when they are not enforced): only
  // then can enforcing them give another decision.
  bool shadow_held() const { return shadow_held_; }

 private:
  const IdentityRecord* FindIdentity(const IdentityRef& ref, size_t hash) const {
    const IdentityRecord* record = layout_.FindIdentity(ref.id, hash);
    if (record == nullptr || record->kind != ref.kind) return nullptr;
    return record;
  }

  // ---- The lifecycle guard ----

  std::optional<Reason> Guard(const IdentityRecord* record) const {
    if (record == nullptr) return Reason::kUnknownIdentity;
    if (record->status != IdentityStatus::kActive || record->Expired(now_)) {
      return Reason::kLifecycle;
    }
    if (record->kind == SubjectKind::kUser || record->Owned(now_)) return std::nullopt;
    return Reason::kUnowned;
  }

  // ---- One principal ----

  PrincipalResult DecidePrincipal(size_t position, const Principal& principal, Decision* out,
                                  TracePrincipal* trace) {
    PrincipalResult result;
    result.determining_begin = result.determining_end =
        static_cast<uint32_t>(scratch_.determining.size());
    if (std::optional<Reason> stopped = Guard(principal.record)) {
      result.reason = *stopped;
      if (trace != nullptr) trace->guard = stopped;
      return result;
    }
    const absl::Span<const uint32_t> candidates = CandidatesOf(position, principal, trace);
    first_tests_.Clear();  // what `subject` reads is this principal's
    const VmInputs& inputs = InputsFor(principal);

    const size_t permits_before = scratch_.permits.size();
    bool any_forbid = false;
    // Forbids and approvals that hold (or err) are kept in `determining`; which of the two
    // kinds determines the principal's decision is known only at the end, so approvals are
    // set aside after the forbids.
    size_t approvals = 0;
    for (uint32_t index : candidates) {
      const RuleOutline& rule = program_.rule_outlines[index];
      TraceRule* traced = nullptr;
      if (trace != nullptr) {
        const ProgramRule& full = program_.rules[index];
        traced = &trace->candidates.emplace_back();
        traced->rule = full.name;
        traced->effect = std::string(RuleEffectKeyword(full.effect));
        traced->source = absl::StrCat(full.source, ":", full.line);
        traced->when_condition = full.when_text;
        traced->unless_condition = full.unless_text;
      }
      Truth holds = Truth::kTrue;
      if (!rule.when.empty()) {
        holds = Evaluate(rule.when, inputs);
        if (traced != nullptr) traced->when = TruthText(holds);
      }
      if (holds == Truth::kTrue && !rule.unless.empty()) {
        const Truth unless = Evaluate(rule.unless, inputs);
        if (traced != nullptr) traced->unless = TruthText(unless);

        holds = unless == Truth::kError  ? Truth::kError
                : unless == Truth::kTrue ? Truth::kFalse
                                         : Truth::kTrue;
      }
      if (traced != nullptr) {
        traced->shadow = rule.shadow;
        traced->outcome = holds == Truth::kError  ? TraceRule::Outcome::kError
                          : holds == Truth::kTrue ? TraceRule::Outcome::kHolds
                                                  : TraceRule::Outcome::kDoesNotHold;
      }
      if (rule.shadow && !enforce_shadow_) {
        shadow_held_ |= holds != Truth::kFalse;
        continue;
      }
      if (holds == Truth::kError) AppendError(program_.rules[index], *principal.ref, out);
      if (holds == Truth::kFalse) continue;
      // Fail closed: an erring forbid or approval counts as holding, an erring permit not.
      switch (rule.effect) {
        case RuleEffect::kPermit:
          if (holds == Truth::kTrue) scratch_.permits.push_back(index);
          break;
        case RuleEffect::kForbid:
          if (!any_forbid) {
            // Forbids win: drop the approvals gathered so far.
            scratch_.determining.resize(result.determining_begin);
            any_forbid = true;
          }
          scratch_.determining.push_back(index);
          break;
        case RuleEffect::kRequireApproval:
          // A grant satisfies every approval that holds (or errs).
          if (!any_forbid && !approvals_satisfied_) {
            scratch_.determining.push_back(index);
            ++approvals;
          }
          break;
      }
    }
    result.determining_end = static_cast<uint32_t>(scratch_.determining.size());
    if (trace != nullptr) SortTraceBySource(trace);
    const bool any_permit = scratch_.permits.size() > permits_before;
    if (any_forbid) {
      result.effect = Effect::kDeny;
      result.reason = Reason::kForbidden;
    } else if (!any_permit) {
      result.effect = Effect::kDeny;
      result.reason = Reason::kNoMatchingPermit;
      result.determining_end = result.determining_begin;
      scratch_.determining.resize(result.determining_begin);
    } else if (approvals > 0) {
      result.effect = Effect::kNeedsApproval;
      result.reason = Reason::kApprovalRequired;
    } else {
      result.effect = Effect::kAllow;
      result.reason = Reason::kPermitted;
    }
    return result;
  }

  // The candidate rules of the principal at `position` (0: the subject), found in the tree or,
  // deciding through a builder, as found for the same ids before (Resolution::candidates). A
  // trace records the walk, so it walks the tree.
  absl::Span<const uint32_t> CandidatesOf(size_t position, const Principal& principal,
                                          TracePrincipal* trace) {
    std::vector<uint32_t>& found = scratch_.candidates;
    if (resolution_ == nullptr || trace != nullptr) {
      FindCandidates(program_, Query(), *principal.record, &found, trace);
      return found;
    }
    Resolution& known = *resolution_;
    const uint32_t bit = 1u << position;
    if ((known.candidates_found & bit) != 0) {
      return {known.candidates + known.candidate_begin[position], known.candidate_count[position]};
    }
    FindCandidates(program_, Query(), *principal.record, &found, nullptr);
    if (position >= Resolution::kKeptPrincipals) return found;
    // Kept: without the rules whose conditions are false for every request that names these
    // records (a user's `subject.department == "eng"`, a tool's `resource.risk == "high"`),
    // which decide nothing and report nothing.
    const VmInputs& inputs = InputsFor(principal);
    found.erase(std::remove_if(found.begin(), found.end(),
                               [&](uint32_t index) {
                                 return FirstTestFailsOnRecords(program_,
                                                                program_.rule_outlines[index].when,
                                                                inputs, &scratch_.error);
                               }),
                found.end());
    if (found.size() <= static_cast<size_t>(Resolution::kKeptCandidates - known.candidates_used)) {
      known.candidate_begin[position] = known.candidates_used;
      known.candidate_count[position] = static_cast<uint8_t>(found.size());
      std::copy(found.begin(), found.end(), known.candidates + known.candidates_used);
      known.candidates_used += static_cast<uint8_t>(found.size());
      known.candidates_found = static_cast<uint8_t>(known.candidates_found | bit);
    }
    return found;
  }

  // The request's action, resource type and resource id as symbols, to walk the tree with.
  // Bound through a builder's entries (BindResolved), they are read from the entries only when
  // a walk needs them: a decision whose candidates were all kept does not read them.
  const IndexQuery& Query() {
    if (query_.request == nullptr) {
      const Resolution& known = *resolution_;
      query_.request = &request_;
      query_.action = known.action_symbol;
      query_.resource_type = known.resource_type_symbol;
      query_.resource = known.resource_symbol;
    }
    return query_;
  }

  // Candidates are decided in name order; a reader of the trace follows the policy's order.
  void SortTraceBySource(TracePrincipal* trace) const {
    std::vector<std::pair<const ProgramRule*, TraceRule>> traced;
    for (size_t i = 0; i < trace->candidates.size(); ++i) {
      traced.emplace_back(&program_.rules[scratch_.candidates[i]], std::move(trace->candidates[i]));
    }
    std::stable_sort(traced.begin(), traced.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first->source, a.first->line) < std::tie(b.first->source, b.first->line);
    });
    for (size_t i = 0; i < traced.size(); ++i) trace->candidates[i] = std::move(traced[i].second);
  }

  std::string TruthText(Truth truth) const {
    if (truth == Truth::kError) return absl::StrCat("error: ", scratch_.error);
    return truth == Truth::kTrue ? "true" : "false";
  }

  void AppendError(const ProgramRule& rule, const IdentityRef& principal, Decision* out) {
    ResizeReusing(&out->errors, out->errors.size() + 1, &scratch_.spare_errors);
    EvaluationError& error = out->errors.back();
    error.rule.assign(rule.name);
    error.principal.kind = principal.kind;
    error.principal.id.assign(principal.id);
    error.message.assign(scratch_.error);
  }

  // ---- Conditions ----

  // The condition machine's view of `principal` in this request.
  const VmInputs& InputsFor(const Principal& principal) {
    inputs_.subject_ref = principal.ref;
    inputs_.subject = principal.record;
    inputs_.delegator_ref = principal.delegator_ref;
    inputs_.delegator = principal.delegator;
    return inputs_;
  }

  // Runs one condition's code, with the inputs of the principal whose candidate it is.
  Truth Evaluate(CodeRange range, const VmInputs& inputs) {
    return EvaluateCondition(program_, range, inputs, &first_tests_, scratch_.stack.data(),
                             &scratch_.error);
  }

  // ---- Partial evaluation (DecidePartial) ----

  ResidualId ResidualOf(const OpenOperand& operand) {
    if (operand.open) return operand.value;
    const Operand& known = operand.known;
    switch (known.kind) {
      case Value::Kind::kString:
        return residuals_->Known(Value::String(std::string(known.text)));
      case Value::Kind::kInt:
        return residuals_->Known(Value::Int(known.integer));
      case Value::Kind::kBool:
        return known.boolean ? Residuals::kTrue : Residuals::kFalse;
      case Value::Kind::kTimestamp:
        return residuals_->Known(Value::Timestamp(known.time));
      case Value::Kind::kStringSet:
        return residuals_->Known(
            Value::StringSet(known.strings ? *known.strings : std::vector<std::string>()));
      case Value::Kind::kIntSet:
        return residuals_->Known(Value::IntSet(known.ints ? *known.ints : std::vector<int64_t>()));
      case Value::Kind::kOpaque:
        break;
    }
    return residuals_->Known(Value());
  }

  static ResidualTruth TruthOf(const OpenOperand& operand) {
    return operand.open ? operand.truth : ResidualTruth::Of(operand.known.boolean);
  }

  OpenOperand OpenBool(ResidualId id) {
    OpenOperand operand;
    operand.open = true;
    operand.value = id;
    operand.truth = {id, id};
    return operand;
  }

  // Whether what `root` reads is left open: `args` always, `context` unless given.
  bool IsOpen(Root root) const {
    return root == Root::kArgs || (root == Root::kContext && !context_known_);
  }

  // Evaluates one condition into `out`; false when its code cannot be followed.
  bool EvaluatePartial(CodeRange range, const Principal& principal, ResidualTruth* out) {
    scratch_.open_stack.clear();
    return EvaluateOpen(range.begin, range.end, principal, out);
  }

  // Runs the code in [begin, end) on the part of the stack above its current top, which it
  // must leave one bool higher. A jump over an open operand evaluates the code it would skip
  // on its own (the right side of `and`/`or`), so that both ways are in the residual.
  bool EvaluateOpen(uint32_t begin, uint32_t end, const Principal& principal, ResidualTruth* out) {
    std::vector<OpenOperand>& stack = scratch_.open_stack;
    const size_t base = stack.size();
    for (uint32_t pc = begin; pc < end; ++pc) {
      const Instruction& instruction = program_.code[pc];
      const size_t height = stack.size() - base;
      switch (instruction.op) {
        case OpCode::kLiteral: {
          OpenOperand operand;
          operand.known = program_.vm->literals[instruction.arg];
          stack.push_back(operand);
          break;
        }
        case OpCode::kNow: {
          if (!now_known_) {
            OpenOperand operand;
            operand.open = true;
            operand.value = residuals_->Now();
            stack.push_back(operand);
            break;
          }
          OpenOperand operand;
          operand.known.kind = Value::Kind::kTimestamp;
          operand.known.time = now_;
          stack.push_back(operand);
          break;
        }
        case OpCode::kLoad: {
          const AttributeRef& ref = program_.attributes[instruction.arg];
          if (IsOpen(ref.root)) {
            OpenOperand operand = OpenBool(residuals_->Attribute(instruction.arg));
            stack.push_back(operand);
            break;
          }
          OpenOperand operand;
          if (!Load(ref, InputsFor(principal), &operand.known, &scratch_.error)) {
            // As in Evaluate: an error ends this code with that error.
            stack.resize(base);
            *out = ResidualTruth::Error();
            return true;
          }
          stack.push_back(operand);
          break;
        }
        case OpCode::kHas: {
          const AttributeRef& ref = program_.attributes[instruction.arg];
          if (IsOpen(ref.root)) {
            stack.push_back(OpenBool(residuals_->Has(instruction.arg)));
            break;
          }
          OpenOperand operand;
          operand.known.kind = Value::Kind::kBool;
          operand.known.boolean = Has(ref, InputsFor(principal));
          stack.push_back(operand);
          break;
        }
        case OpCode::kNot: {
          if (height < 1) return false;
          OpenOperand& operand = stack.back();
          if (!operand.open) {
            operand.known.boolean = !operand.known.boolean;
            break;
          }
          operand.truth = NotTruth(residuals_, operand.truth);
          operand.value = operand.truth.holds;
          break;
        }
        case OpCode::kAnd:
        case OpCode::kOr: {
          if (height < 1 || instruction.arg <= pc || instruction.arg > end) return false;
          const bool is_and = instruction.op == OpCode::kAnd;
          if (!stack.back().open) {
            if (stack.back().known.boolean == !is_and) {
              pc = instruction.arg - 1;  // decided by the left side, which stays
            } else {
              stack.pop_back();
            }
            break;
          }
          const ResidualTruth left = stack.back().truth;
          stack.pop_back();
          ResidualTruth right;
          if (!EvaluateOpen(pc + 1, instruction.arg, principal, &right)) return false;
          OpenOperand combined;
          combined.open = true;
          combined.truth =
              is_and ? AndTruth(residuals_, left, right) : OrTruth(residuals_, left, right);
          combined.value = combined.truth.holds;
          stack.push_back(combined);
          pc = instruction.arg - 1;
          break;
        }
        case OpCode::kMatches: {
          if (height < 1) return false;
          OpenOperand& operand = stack.back();
          if (!operand.open) {
            operand.known.boolean = RE2::FullMatch(
                re2::StringPiece(operand.known.text.data(), operand.known.text.size()),
                *program_.regexes[instruction.arg]);
            operand.known.kind = Value::Kind::kBool;
            break;
          }
          operand = OpenBool(residuals_->Matches(instruction.arg, operand.value));
          break;
        }
        default: {
          if (height < 2) return false;
          const OpenOperand right = stack.back();
          stack.pop_back();
          const OpenOperand left = stack.back();
          stack.pop_back();
          if (!left.open && !right.open) {
            OpenOperand result;
            result.known.kind = Value::Kind::kBool;
            result.known.boolean = Compare(instruction.op, left.known, right.known);
            stack.push_back(result);
            break;
          }
          const ResidualId left_id = ResidualOf(left);
          const ResidualId right_id = ResidualOf(right);
          stack.push_back(OpenBool(residuals_->Compare(instruction.op, left_id, right_id)));
          break;
        }
      }
    }
    if (stack.size() != base + 1) return false;
    const OpenOperand result = stack.back();
    stack.pop_back();
    if (!result.open && result.known.kind != Value::Kind::kBool) return false;
    *out = TruthOf(result);
    return true;
  }

  // ---- The decision ----

  void Finish(const std::array<Principal, kMaxDelegationHops + 1>& principals, size_t count,
              Decision* out) {
    Effect strictest = Effect::kAllow;
    for (size_t i = 0; i < count; ++i) strictest = std::max(strictest, scratch_.results[i].effect);
    out->effect = strictest;
    out->policy_hash = program_.hash;

    if (strictest == Effect::kAllow) {
      if (out->denied_by.has_value()) {
        scratch_.spare_id = std::move(out->denied_by->id);
        out->denied_by.reset();
      }
      out->reason = Reason::kPermitted;
      std::vector<uint32_t>& permits = scratch_.permits;
      if (permits.size() > 1) {  // usually one
        std::sort(permits.begin(), permits.end());
        permits.erase(std::unique(permits.begin(), permits.end()), permits.end());
      }
      SetRules(permits.data(), permits.size(), out);
      MergeObligations(permits, out);
      return;
    }
    ResizeReusing(&out->obligations.redact, 0, &scratch_.spare_redactions);
    ResizeReusing(&out->obligations.limits, 0, &scratch_.spare_limits);
    out->obligations.log = LogLevel::kNone;
    for (size_t i = 0; i < count; ++i) {
      const PrincipalResult& result = scratch_.results[i];
      if (result.effect != strictest) continue;
      if (!out->denied_by.has_value()) {
        out->denied_by.emplace();
        out->denied_by->id = std::move(scratch_.spare_id);
      }
      out->denied_by->kind = principals[i].ref->kind;
      out->denied_by->id.assign(principals[i].ref->id);
      out->reason = result.reason;
      SetRules(scratch_.determining.data() + result.determining_begin,
               result.determining_end - result.determining_begin, out);
      return;
    }
  }

  // `rules` are sorted indices; equal names (rules without @id on one line) appear once.
  void SetRules(const uint32_t* rules, size_t count, Decision* out) {
    std::vector<const std::string*>& names = RuleListWriter::Refer(&out->rules);
    for (size_t i = 0; i < count; ++i) {
      const std::vector<RuleOutline>& outlines = program_.rule_outlines;
      if (i > 0 && outlines[rules[i]].name_id == outlines[rules[i - 1]].name_id) continue;
      names.push_back(&program_.rules[rules[i]].name);
    }
  }

  // All redactions (sorted, once each), the smallest value of each limit, the highest log.
  void MergeObligations(const std::vector<uint32_t>& permits, Decision* out) {
    Obligations& merged = out->obligations;
    merged.log = LogLevel::kNone;
    size_t redactions = 0, limits = 0;
    bool any = false;
    for (uint32_t index : permits) {
      if (!program_.rule_outlines[index].has_obligations) continue;
      any = true;
      redactions += program_.rules[index].obligations.redact.size();
      limits += program_.rules[index].obligations.limits.size();
    }
    ResizeReusing(&merged.redact, redactions, &scratch_.spare_redactions);
    ResizeReusing(&merged.limits, limits, &scratch_.spare_limits);
    if (!any) return;  // the rules' lines are not read
    size_t r = 0, l = 0;
    for (uint32_t index : permits) {
      if (!program_.rule_outlines[index].has_obligations) continue;
      const Obligations& own = program_.rules[index].obligations;
      for (const Redaction& redaction : own.redact) {
        merged.redact[r].pattern.assign(redaction.pattern);
        merged.redact[r].replacement.assign(redaction.replacement);
        merged.redact[r].regex = redaction.regex;
        ++r;
      }
      for (const auto& [name, value] : own.limits) {
        merged.limits[l].first.assign(name);
        merged.limits[l].second = value;
        ++l;
      }
      merged.log = std::max(merged.log, own.log);
    }
    auto redaction_less = [](const Redaction& a, const Redaction& b) {
      return std::tie(a.pattern, a.replacement) < std::tie(b.pattern, b.replacement);
    };
    std::sort(merged.redact.begin(), merged.redact.end(), redaction_less);
    auto last = std::unique(merged.redact.begin(), merged.redact.end(),
                            [](const Redaction& a, const Redaction& b) {
                              return a.pattern == b.pattern && a.replacement == b.replacement;
                            });
    ResizeReusing(&merged.redact, last - merged.redact.begin(), &scratch_.spare_redactions);
    // One entry per limit name, with the smallest value.
    std::sort(merged.limits.begin(), merged.limits.end());
    size_t kept = 0;
    for (size_t i = 0; i < merged.limits.size(); ++i) {
      if (kept > 0 && merged.limits[kept - 1].first == merged.limits[i].first) continue;
      if (kept != i) std::swap(merged.limits[kept], merged.limits[i]);
      ++kept;
    }
    ResizeReusing(&merged.limits, kept, &scratch_.spare_limits);
  }

  const Program& program_;
  const EntityLayout& layout_;
  const Request& request_;
  const absl::Time now_;
  const bool approvals_satisfied_;
  const bool enforce_shadow_;
  bool shadow_held_ = false;
  Scratch& scratch_;
  // What conditions read; the principal's part is set for each evaluation.
  VmInputs inputs_;
  FirstTestReads first_tests_;  // of the principal whose conditions are evaluated
  // DecidePartial's: whether `now` is known, and where residuals go.
  bool now_known_ = true;
  bool context_known_ = false;
  Residuals* residuals_ = nullptr;
  IndexQuery query_;  // the request's action, resource type and resource id as symbols
  const ResourceRecord* resource_ = nullptr;
  Resolution* resolution_;  // null: every id is looked up
};

}  // namespace

namespace {

bool SameObligations(const Obligations& a, const Obligations& b) {
  if (a.log != b.log || a.limits != b.limits || a.redact.size() != b.redact.size()) return false;
  for (size_t i = 0; i < a.redact.size(); ++i) {
    if (a.redact[i].pattern != b.redact[i].pattern ||
        a.redact[i].replacement != b.redact[i].replacement) {
      return false;
    }
  }
  return true;
}

// Sets `out->shadow` to `shadow`'s outcome when it differs from `out`'s, else clears it.
void SetShadow(const Decision& shadow, Decision* out) {
  const bool same =
      shadow.effect == out->effect && shadow.reason == out->reason &&
      shadow.denied_by == out->denied_by && shadow.rules == out->rules &&
      (shadow.effect != Effect::kAllow || SameObligations(shadow.obligations, out->obligations));
  if (same) {
    out->shadow.reset();
    return;
  }
  ShadowOutcome& outcome = out->shadow.emplace();
  outcome.effect = shadow.effect;
  outcome.reason = shadow.reason;
  outcome.denied_by = shadow.denied_by;
  RuleListWriter::ReferAsOther(shadow.rules, &outcome.rules);
  if (shadow.effect == Effect::kAllow) outcome.obligations = shadow.obligations;
}

}  // namespace

void DecideCompiled(const Program& program, const EntityLayout& layout, const Request& request,
                    absl::Time now, bool approvals_satisfied, Decision* out, Trace* trace) {
  DecisionState& state = DecisionState::Of(out);
  Resolution* resolution = state.checked_request == &request ? state.resolution : nullptr;
  Decider decider(program, layout, request, now, approvals_satisfied, /*enforce_shadow=*/false,
                  &state, resolution);
  decider.Run(out, trace);
  if (!decider.shadow_held()) {
    if (out->shadow.has_value()) out->shadow.reset();
    return;
  }
  // Decided again with the shadow rules enforced. The scratch storage is the decision's own:
  // the first pass is complete, and its result is in `out`.
  Scratch& scratch = *state.scratch();
  if (scratch.shadow == nullptr) scratch.shadow = std::make_unique<Decision>();
  Decider shadow(program, layout, request, now, approvals_satisfied, /*enforce_shadow=*/true,
                 &state, resolution);
  shadow.Run(scratch.shadow.get(), nullptr);
  SetShadow(*scratch.shadow, out);
}

void DecidePartial(const Program& program, const EntityLayout& layout, const Request& request,
                   absl::Time now, bool now_known, bool context_known, PartialDecision* out) {
  DecisionState& state = DecisionState::Of(&out->scratch);
  Decider decider(program, layout, request, now, /*approvals_satisfied=*/false,
                  /*enforce_shadow=*/false, &state);
  decider.RunPartial(now_known, context_known, out);
}

}  // namespace ward::internal
