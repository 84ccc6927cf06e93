#include "lib/internal/vm.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/internal/ir.h"
#include "lib/internal/request_check.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

// Records an evaluation error's message (in reused storage) and returns false.
template <typename... Parts>
bool Fail(std::string* error, const Parts&... parts) {
  error->clear();
  absl::StrAppend(error, parts...);
  return false;
}

// Equal sets; null stands for an empty set.
template <typename T>
bool SameSet(const std::vector<T>* a, const std::vector<T>* b) {
  const size_t na = a ? a->size() : 0;
  const size_t nb = b ? b->size() : 0;
  return na == nb && (na == 0 || *a == *b);
}

bool InStrings(absl::string_view text, const std::vector<std::string>* set) {
  return set != nullptr &&
         std::binary_search(set->begin(), set->end(), text,
                            [](absl::string_view a, absl::string_view b) { return a < b; });
}

bool InInts(int64_t value, const std::vector<int64_t>* set) {
  return set != nullptr && std::binary_search(set->begin(), set->end(), value);
}

// A set of prefixes: one test per prefix (sets are small), never one rule per prefix.
bool UnderAny(absl::string_view id, const std::vector<std::string>* prefixes) {
  if (prefixes == nullptr) return false;
  for (const std::string& prefix : *prefixes) {
    if (IdUnderPrefix(id, prefix)) return true;
  }
  return false;
}

// Why an attribute could not be read.
enum class ReadFailure : uint8_t {
  kUnknownIdentity,  // the principal (or delegator) is not a known identity of its kind
  kOwnerAbsent,
  kExpiresAtAbsent,
  kUndeclared,  // the identity's kind does not declare the attribute
  kAbsent,      // the identity does not have it
  kNoDelegator,
  kResourceUnknown,  // neither stored nor described inline
  kResourceAbsent,
  kRequestAbsent,  // a context entry or argument the request does not give
  kWrongType,      // `value` is not of the declared type
  kBadTimestamp,   // `value` is a string that is not an RFC 3339 timestamp
};

// Writes why a read failed and returns false. Out of line, so that the reads, which
// succeed on the hot path, stay small enough to inline.
ABSL_ATTRIBUTE_NOINLINE bool ReadFailed(ReadFailure why, const AttributeRef& ref,
                                        const VmInputs& in, const IdentityRef* who,
                                        const Value* value, std::string* error) {
  const absl::string_view root = RootName(ref.root);
  const ResourceRef& resource = in.request->resource;
  switch (why) {
    case ReadFailure::kUnknownIdentity:
      return Fail(error, "`", root, ".", ref.name, "`: ", SubjectKindName(who->kind), " `", who->id,
                  "` is not a known identity");
    case ReadFailure::kOwnerAbsent:
      return Fail(error, "`", root, ".owner` is absent");
    case ReadFailure::kExpiresAtAbsent:
      return Fail(error, "`", root, ".expires_at` is absent");
    case ReadFailure::kUndeclared:
      return Fail(error, "`", root, ".", ref.name, "`: ", SubjectKindName(who->kind), " `", who->id,
                  "` is of a kind that does not declare `", ref.name, "`");
    case ReadFailure::kAbsent:
      return Fail(error, "`", root, ".", ref.name, "` is absent for ", SubjectKindName(who->kind),
                  " `", who->id, "`");
    case ReadFailure::kNoDelegator:
      return Fail(error, "`delegator.", ref.name, "`: the request has no delegator here");
    case ReadFailure::kResourceUnknown:
      return Fail(error, "`resource.", ref.name, "`: resource `", resource.type, ":", resource.id,
                  "` is not in the store and has no inline attributes");
    case ReadFailure::kResourceAbsent:
      return Fail(error, "`resource.", ref.name, "` is absent for `", resource.type, ":",
                  resource.id, "`");
    case ReadFailure::kRequestAbsent:
      return Fail(error, "`", root, ".", ref.name, "` is absent");
    case ReadFailure::kWrongType:
      return Fail(error, "`", root, ".", ref.name, "`: expected ", TypeName(ref.type), ", found ",
                  value->KindDescription());
    case ReadFailure::kBadTimestamp:
      return Fail(error, "`", root, ".", ref.name,
                  "`: ", ParseTimestamp(value->string_value()).status().message());
  }
  return Fail(error, "unexpected attribute");
}

// A timestamp written as an RFC 3339 string, read as a timestamp.
ABSL_ATTRIBUTE_NOINLINE bool ConvertTimestampText(const Value& value, const AttributeRef& ref,
                                                  const VmInputs& in, Operand* out,
                                                  std::string* error) {
  absl::StatusOr<absl::Time> time = ParseTimestamp(value.string_value());
  if (!time.ok()) return ReadFailed(ReadFailure::kBadTimestamp, ref, in, nullptr, &value, error);
  out->time = *time;
  return true;
}

// Views `value` as the declared type of `ref`, converting as a read does: an RFC 3339 string
// to a timestamp, an empty set to the other element type.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool Convert(const Value& value, const AttributeRef& ref,
                                                 const VmInputs& in, Operand* out,
                                                 std::string* error) {
  const Value::Kind kind = value.kind();
  switch (ref.type) {
    case Type::kString:
      if (kind != Value::Kind::kString) break;
      out->kind = kind;
      out->text = value.string_value();
      return true;
    case Type::kInt:
      if (kind != Value::Kind::kInt) break;
      out->kind = kind;
      out->integer = value.int_value();
      return true;
    case Type::kBool:
      if (kind != Value::Kind::kBool) break;
      out->kind = kind;
      out->boolean = value.bool_value();
      return true;
    case Type::kTimestamp:
      out->kind = Value::Kind::kTimestamp;
      if (kind == Value::Kind::kTimestamp) {
        out->time = value.timestamp_value();
        return true;
      }
      if (kind == Value::Kind::kString) return ConvertTimestampText(value, ref, in, out, error);
      break;
    case Type::kStringSet:
      out->kind = Value::Kind::kStringSet;
      out->strings = nullptr;
      if (kind == Value::Kind::kStringSet) {
        out->strings = &value.string_set();
        return true;
      }
      if (kind == Value::Kind::kIntSet && value.int_set().empty()) return true;
      break;
    case Type::kIntSet:
      out->kind = Value::Kind::kIntSet;
      out->ints = nullptr;
      if (kind == Value::Kind::kIntSet) {
        out->ints = &value.int_set();
        return true;
      }
      if (kind == Value::Kind::kStringSet && value.string_set().empty()) return true;
      break;
  }
  return ReadFailed(ReadFailure::kWrongType, ref, in, nullptr, &value, error);
}

// Reads a stored value that its record does not hold in typed form (see AttributeSlot) as
// a request value is read: converted, or rejected with the same message.
ABSL_ATTRIBUTE_NOINLINE bool ConvertStored(const AttributeMap& attrs, const AttributeRef& ref,
                                           const VmInputs& in, Operand* out, std::string* error) {
  auto it = attrs.find(ref.name);
  if (it == attrs.end())
    return Fail(error, "`", RootName(ref.root), ".", ref.name, "`: not stored");
  return Convert(it->second, ref, in, out, error);
}

// Views the value of a present `slot` of an entity as the declared type of `ref`. A typed
// slot holds a value of its declared type, and so of the type `ref` reads. `stored_attrs()`
// gives the entity's stored attributes; it is called only for a slot not in typed form, so
// that the usual read touches the slot alone (the pointer to the stored entity sits on
// another cache line of the record).
template <typename StoredAttrs>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ConvertSlot(const AttributeSlot& slot,
                                                     StoredAttrs stored_attrs,
                                                     const AttributeRef& ref, const VmInputs& in,
                                                     Operand* out, std::string* error) {
  if (!slot.TypedAs(ref.type)) return ConvertStored(stored_attrs(), ref, in, out, error);
  out->kind = slot.kind();
  switch (slot.kind()) {
    case Value::Kind::kString:
      out->text = slot.text();
      return true;
    case Value::Kind::kInt:
      out->integer = slot.integer();
      return true;
    case Value::Kind::kBool:
      out->boolean = slot.boolean();
      return true;
    case Value::Kind::kTimestamp:
      out->time = slot.time();
      return true;
    case Value::Kind::kStringSet:
      out->strings = slot.strings();
      return true;
    case Value::Kind::kIntSet:
      out->ints = slot.ints();
      return true;
    case Value::Kind::kOpaque:
      break;
  }
  return ConvertStored(stored_attrs(), ref, in, out, error);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool LoadIdentity(const AttributeRef& ref,
                                                      const IdentityRef& who,
                                                      const IdentityRecord* record,
                                                      const VmInputs& in, Operand* out,
                                                      std::string* error) {
  if (record == nullptr) {
    return ReadFailed(ReadFailure::kUnknownIdentity, ref, in, &who, nullptr, error);
  }
  if (ref.builtin == AttributeRef::Builtin::kNone) {
    const int32_t slot = ref.kind_slot[static_cast<int>(record->kind)];
    if (slot < 0) return ReadFailed(ReadFailure::kUndeclared, ref, in, &who, nullptr, error);
    const AttributeSlot& value = record->slot(slot);
    if (value.state() == AttributeSlot::State::kAbsent) {
      return ReadFailed(ReadFailure::kAbsent, ref, in, &who, nullptr, error);
    }
    return ConvertSlot(
        value, [record]() -> const AttributeMap& { return record->identity().attrs; }, ref, in, out,
        error);
  }
  const Identity& identity = record->identity();
  switch (ref.builtin) {
    case AttributeRef::Builtin::kId:
      out->kind = Value::Kind::kString;
      out->text = identity.id;
      return true;
    case AttributeRef::Builtin::kStatus:
      out->kind = Value::Kind::kString;
      out->text = IdentityStatusName(identity.status);
      return true;
    case AttributeRef::Builtin::kGroups:
      out->kind = Value::Kind::kStringSet;
      out->strings = &identity.groups;
      return true;
    case AttributeRef::Builtin::kOwner:
      if (!identity.owner) {
        return ReadFailed(ReadFailure::kOwnerAbsent, ref, in, &who, nullptr, error);
      }
      out->kind = Value::Kind::kString;
      out->text = *identity.owner;
      return true;
    case AttributeRef::Builtin::kExpiresAt:
      if (!identity.expires_at) {
        return ReadFailed(ReadFailure::kExpiresAtAbsent, ref, in, &who, nullptr, error);
      }
      out->kind = Value::Kind::kTimestamp;
      out->time = *identity.expires_at;
      return true;
    case AttributeRef::Builtin::kNone:
      break;
  }
  return ReadFailed(ReadFailure::kUndeclared, ref, in, &who, nullptr, error);
}

// A context entry or argument of the request: found when the request was checked, or looked
// up by name when the engine did not check this request (an approver's decision).
const Value* RequestValue(const AttributeRef& ref, const VmInputs& in) {
  const std::vector<const void*>* checked =
      ref.root == Root::kContext ? in.checked_context : in.checked_args;
  if (checked != nullptr) {
    if (ref.slot < 0 || static_cast<size_t>(ref.slot) >= checked->size()) return nullptr;
    return static_cast<const Value*>((*checked)[ref.slot]);
  }
  const AttributeMap& values = ref.root == Root::kContext ? in.request->context : in.request->args;
  auto it = values.find(ref.name);
  return it == values.end() ? nullptr : &it->second;
}

bool IdentityHas(const AttributeRef& ref, const IdentityRecord* record) {
  if (record == nullptr) return false;
  switch (ref.builtin) {
    case AttributeRef::Builtin::kId:
    case AttributeRef::Builtin::kStatus:
    case AttributeRef::Builtin::kGroups:
      return true;
    case AttributeRef::Builtin::kOwner:
      return record->identity().owner.has_value();
    case AttributeRef::Builtin::kExpiresAt:
      return record->identity().expires_at.has_value();
    case AttributeRef::Builtin::kNone:
      break;
  }
  const int32_t slot = ref.kind_slot[static_cast<int>(record->kind)];
  return slot >= 0 && record->slot(slot).state() != AttributeSlot::State::kAbsent;
}

bool Equal(const Operand& a, const Operand& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::kString:
      return a.text == b.text;
    case Value::Kind::kInt:
      return a.integer == b.integer;
    case Value::Kind::kBool:
      return a.boolean == b.boolean;
    case Value::Kind::kTimestamp:
      return a.time == b.time;
    case Value::Kind::kStringSet:
      return SameSet(a.strings, b.strings);
    case Value::Kind::kIntSet:
      return SameSet(a.ints, b.ints);
    case Value::Kind::kOpaque:
      return false;
  }
  return false;
}

// The typed form of the comparison `op` of a `left` and a `right` operand; kCompare when
// the types are unknown or are not those the operator takes.
VmOp TypedComparison(OpCode op, std::optional<Type> left, std::optional<Type> right) {
  if (!left.has_value() || !right.has_value()) return VmOp::kCompare;
  const Type l = *left, r = *right;
  const bool same = l == r;
  switch (op) {
    case OpCode::kEq:
    case OpCode::kNe: {
      if (!same) break;
      const bool eq = op == OpCode::kEq;
      switch (l) {
        case Type::kString:
          return eq ? VmOp::kEqString : VmOp::kNeString;
        case Type::kInt:
          return eq ? VmOp::kEqInt : VmOp::kNeInt;
        case Type::kBool:
          return eq ? VmOp::kEqBool : VmOp::kNeBool;
        case Type::kTimestamp:
          return eq ? VmOp::kEqTimestamp : VmOp::kNeTimestamp;
        case Type::kStringSet:
          return eq ? VmOp::kEqStringSet : VmOp::kNeStringSet;
        case Type::kIntSet:
          return eq ? VmOp::kEqIntSet : VmOp::kNeIntSet;
      }
      break;
    }
    case OpCode::kLt:
    case OpCode::kLe:
    case OpCode::kGt:
    case OpCode::kGe: {
      if (!same || (l != Type::kInt && l != Type::kTimestamp)) break;
      const int offset = static_cast<int>(op) - static_cast<int>(OpCode::kLt);
      const VmOp first = l == Type::kInt ? VmOp::kLtInt : VmOp::kLtTimestamp;
      return static_cast<VmOp>(static_cast<int>(first) + offset);
    }
    case OpCode::kIn:
      if (l == Type::kString && r == Type::kStringSet) return VmOp::kInStringSet;
      if (l == Type::kInt && r == Type::kIntSet) return VmOp::kInIntSet;
      break;
    case OpCode::kStartsWith:
      if (l == Type::kString && r == Type::kString) return VmOp::kStartsWith;
      break;
    case OpCode::kUnder:
      if (l == Type::kString && r == Type::kString) return VmOp::kUnderString;
      if (l == Type::kString && r == Type::kStringSet) return VmOp::kUnderStringSet;
      break;
    default:
      break;
  }
  return VmOp::kCompare;
}

}  // namespace

Operand LiteralOperand(const Value& literal) {
  Operand operand;
  operand.kind = literal.kind();
  switch (literal.kind()) {
    case Value::Kind::kString:
      operand.text = literal.string_value();
      break;
    case Value::Kind::kInt:
      operand.integer = literal.int_value();
      break;
    case Value::Kind::kBool:
      operand.boolean = literal.bool_value();
      break;
    case Value::Kind::kTimestamp:
      operand.time = literal.timestamp_value();
      break;
    case Value::Kind::kStringSet:
      operand.strings = &literal.string_set();
      break;
    case Value::Kind::kIntSet:
      operand.ints = &literal.int_set();
      break;
    case Value::Kind::kOpaque:
      break;
  }
  return operand;
}

absl::StatusOr<std::shared_ptr<const VmCode>> BuildVmCode(const Program& program) {
  auto vm = std::make_shared<VmCode>();
  vm->literals.reserve(program.literals.size());
  for (const Value& literal : program.literals) vm->literals.push_back(LiteralOperand(literal));
  vm->code.resize(program.code.size());
  // The types on the stack as the code runs straight through: `and` and `or` pop their left
  // side there, and the right side pushes the bool a jump would have left.
  std::vector<std::optional<Type>> types;
  std::vector<uint32_t> jump_targets;
  // Equal references read the same value: a first test reads the first of them, so that the
  // next rule testing the same attribute finds it read (FirstTestReads). The key names every
  // field of AttributeRef.
  std::vector<uint32_t> first_equal_attribute(program.attributes.size());
  {
    absl::flat_hash_map<std::string, uint32_t> first_of;
    for (uint32_t i = 0; i < program.attributes.size(); ++i) {
      const AttributeRef& ref = program.attributes[i];
      std::string key = absl::StrCat(static_cast<int>(ref.root), ":", static_cast<int>(ref.type),
                                     ":", static_cast<int>(ref.builtin), ":", ref.slot);
      for (int32_t slot : ref.kind_slot) absl::StrAppend(&key, ",", slot);
      absl::StrAppend(&key, ":", ref.name);
      first_equal_attribute[i] = first_of.emplace(std::move(key), i).first->second;
    }
  }
  auto translate = [&](const ProgramRule& rule, CodeRange range) -> absl::Status {
    if (range.empty()) return absl::OkStatus();
    types.clear();
    auto malformed = [&](uint32_t pc) {
      return absl::InternalError(absl::StrCat("rule `", rule.name, "`: instruction ",
                                              pc - range.begin, " cannot be followed"));
    };
    if (range.begin > range.end || range.end > program.code.size()) return malformed(range.end);
    for (uint32_t pc = range.begin; pc < range.end; ++pc) {
      const Instruction& instruction = program.code[pc];
      VmInstruction& out = vm->code[pc];
      out.arg = instruction.arg;
      size_t pops = 0;
      std::optional<Type> pushed;
      bool pushes = true;
      switch (instruction.op) {
        case OpCode::kLiteral:
          if (instruction.arg >= program.literals.size()) return malformed(pc);
          out.op = VmOp::kLiteral;
          pushed = LiteralType(program.literals[instruction.arg].kind());
          break;
        case OpCode::kNow:
          out.op = VmOp::kNow;
          pushed = Type::kTimestamp;
          break;
        case OpCode::kLoad:
        case OpCode::kHas:
          if (instruction.arg >= program.attributes.size()) return malformed(pc);
          out.op = instruction.op == OpCode::kLoad ? VmOp::kLoad : VmOp::kHas;
          pushed = instruction.op == OpCode::kLoad ? program.attributes[instruction.arg].type
                                                   : Type::kBool;
          break;
        case OpCode::kNot:
          out.op = VmOp::kNot;
          pushes = false;
          if (types.empty()) return malformed(pc);
          break;
        case OpCode::kAnd:
        case OpCode::kOr:
          if (instruction.arg <= pc || instruction.arg > range.end) return malformed(pc);
          out.op = instruction.op == OpCode::kAnd ? VmOp::kAnd : VmOp::kOr;
          pops = 1;
          pushes = false;
          break;
        case OpCode::kMatches:
          if (instruction.arg >= program.regexes.size()) return malformed(pc);
          out.op = VmOp::kMatches;
          pops = 1;
          pushed = Type::kBool;
          break;
        default:
          if (types.size() < 2) return malformed(pc);
          out.op = TypedComparison(instruction.op, types[types.size() - 2], types.back());
          if (out.op == VmOp::kCompare) out.arg = static_cast<uint32_t>(instruction.op);
          pops = 2;
          pushed = Type::kBool;
          break;
      }
      if (types.size() < pops) return malformed(pc);
      types.resize(types.size() - pops);
      if (pushes) types.push_back(pushed);
      vm->max_stack_depth = std::max(vm->max_stack_depth, static_cast<uint32_t>(types.size()));
    }
    if (types.size() != 1) return malformed(range.end);
    // A literal that the next instruction, a typed comparison, takes as its right operand is
    // compared in place (kCompareLiteral) instead of copied onto the stack, unless a jump
    // lands on the comparison.
    jump_targets.clear();
    for (uint32_t pc = range.begin; pc < range.end; ++pc) {
      const VmOp op = vm->code[pc].op;
      if (op == VmOp::kAnd || op == VmOp::kOr) jump_targets.push_back(vm->code[pc].arg);
    }
    for (uint32_t pc = range.begin; pc + 1 < range.end; ++pc) {
      VmInstruction& literal = vm->code[pc];
      if (literal.op == VmOp::kLiteral && IsTypedComparison(vm->code[pc + 1].op) &&
          std::find(jump_targets.begin(), jump_targets.end(), pc + 1) == jump_targets.end()) {
        literal.op = VmOp::kCompareLiteral;
      }
    }
    // The path of a false first test: jumps of `and`s (each forward, checked above) to the
    // end, where that false is the result.
    if (range.end - range.begin >= 3 && vm->code[range.begin].op == VmOp::kLoad &&
        vm->code[range.begin + 1].op == VmOp::kCompareLiteral) {
      uint32_t pc = range.begin + 3;
      while (pc != range.end && vm->code[pc].op == VmOp::kAnd) pc = vm->code[pc].arg;
      if (pc == range.end) {
        VmInstruction& load = vm->code[range.begin];
        load.op = VmOp::kLoadFirstTest;
        load.arg = first_equal_attribute[load.arg];
      }
    }
    return absl::OkStatus();
  };
  for (const ProgramRule& rule : program.rules) {
    if (absl::Status s = translate(rule, rule.when); !s.ok()) return s;
    if (absl::Status s = translate(rule, rule.unless); !s.ok()) return s;
  }
  return std::shared_ptr<const VmCode>(std::move(vm));
}

namespace {

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadAttribute(const AttributeRef& ref, const VmInputs& in,
                                                       Operand* out, std::string* error) {
  switch (ref.root) {
    case Root::kSubject:
      return LoadIdentity(ref, *in.subject_ref, in.subject, in, out, error);
    case Root::kDelegator:
      if (in.delegator_ref == nullptr) {
        return ReadFailed(ReadFailure::kNoDelegator, ref, in, nullptr, nullptr, error);
      }
      return LoadIdentity(ref, *in.delegator_ref, in.delegator, in, out, error);
    case Root::kResource: {
      const ResourceRef& resource = in.request->resource;
      if (ref.builtin == AttributeRef::Builtin::kId) {
        out->kind = Value::Kind::kString;
        out->text = resource.id;
        return true;
      }
      // A stored resource's attributes come from the store alone; inline ones only describe
      // a resource the store does not have.
      if (in.resource != nullptr) {
        if (ref.slot >= 0 && static_cast<uint32_t>(ref.slot) < in.resource->slot_count &&
            in.resource->slot(ref.slot).state() != AttributeSlot::State::kAbsent) {
          const ResourceRecord* record = in.resource;
          return ConvertSlot(
              record->slot(ref.slot),
              [record]() -> const AttributeMap& { return record->resource().attrs; }, ref, in, out,
              error);
        }
        return ReadFailed(ReadFailure::kResourceAbsent, ref, in, nullptr, nullptr, error);
      }
      if (resource.attrs.empty()) {
        return ReadFailed(ReadFailure::kResourceUnknown, ref, in, nullptr, nullptr, error);
      }
      auto it = resource.attrs.find(ref.name);
      if (it != resource.attrs.end()) return Convert(it->second, ref, in, out, error);
      return ReadFailed(ReadFailure::kResourceAbsent, ref, in, nullptr, nullptr, error);
    }
    case Root::kContext:
    case Root::kArgs: {
      const Value* value = RequestValue(ref, in);
      if (value == nullptr) {
        return ReadFailed(ReadFailure::kRequestAbsent, ref, in, nullptr, nullptr, error);
      }
      return Convert(*value, ref, in, out, error);
    }
  }
  return Fail(error, "unexpected attribute");
}

}  // namespace

bool Load(const AttributeRef& ref, const VmInputs& in, Operand* out, std::string* error) {
  return ReadAttribute(ref, in, out, error);
}

bool Has(const AttributeRef& ref, const VmInputs& in) {
  switch (ref.root) {
    case Root::kSubject:
      return IdentityHas(ref, in.subject);
    case Root::kDelegator:
      return IdentityHas(ref, in.delegator);
    case Root::kResource:
      if (ref.builtin == AttributeRef::Builtin::kId) return true;
      if (in.resource == nullptr) return in.request->resource.attrs.contains(ref.name);
      return ref.slot >= 0 && static_cast<uint32_t>(ref.slot) < in.resource->slot_count &&
             in.resource->slot(ref.slot).state() != AttributeSlot::State::kAbsent;
    case Root::kContext:
    case Root::kArgs:
      return RequestValue(ref, in) != nullptr;
  }
  return false;
}

bool Compare(OpCode op, const Operand& left, const Operand& right) {
  switch (op) {
    case OpCode::kEq:
      return Equal(left, right);
    case OpCode::kNe:
      return !Equal(left, right);
    case OpCode::kLt:
    case OpCode::kLe:
    case OpCode::kGt:
    case OpCode::kGe: {
      int order;
      if (left.kind == Value::Kind::kInt) {
        order = (left.integer > right.integer) - (left.integer < right.integer);
      } else {
        order = (left.time > right.time) - (left.time < right.time);
      }
      return op == OpCode::kLt   ? order < 0
             : op == OpCode::kLe ? order <= 0
             : op == OpCode::kGt ? order > 0
                                 : order >= 0;
    }
    case OpCode::kIn:
      return left.kind == Value::Kind::kString ? InStrings(left.text, right.strings)
                                               : InInts(left.integer, right.ints);
    case OpCode::kStartsWith:
      return absl::StartsWith(left.text, right.text);
    case OpCode::kUnder:
      return right.kind == Value::Kind::kString ? IdUnderPrefix(left.text, right.text)
                                                : UnderAny(left.text, right.strings);
    default:
      return false;
  }
}

// The typed comparison `op` (kEqString to kUnderStringSet) of `l` and `r`.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool Compared(VmOp op, const Operand& l, const Operand& r) {
  switch (op) {
    case VmOp::kEqString:
      return l.text == r.text;
    case VmOp::kNeString:
      return l.text != r.text;
    case VmOp::kEqInt:
      return l.integer == r.integer;
    case VmOp::kNeInt:
      return l.integer != r.integer;
    case VmOp::kEqBool:
      return l.boolean == r.boolean;
    case VmOp::kNeBool:
      return l.boolean != r.boolean;
    case VmOp::kEqTimestamp:
      return l.time == r.time;
    case VmOp::kNeTimestamp:
      return l.time != r.time;
    case VmOp::kEqStringSet:
      return SameSet(l.strings, r.strings);
    case VmOp::kNeStringSet:
      return !SameSet(l.strings, r.strings);
    case VmOp::kEqIntSet:
      return SameSet(l.ints, r.ints);
    case VmOp::kNeIntSet:
      return !SameSet(l.ints, r.ints);
    case VmOp::kLtInt:
      return l.integer < r.integer;
    case VmOp::kLeInt:
      return l.integer <= r.integer;
    case VmOp::kGtInt:
      return l.integer > r.integer;
    case VmOp::kGeInt:
      return l.integer >= r.integer;
    case VmOp::kLtTimestamp:
      return l.time < r.time;
    case VmOp::kLeTimestamp:
      return l.time <= r.time;
    case VmOp::kGtTimestamp:
      return l.time > r.time;
    case VmOp::kGeTimestamp:
      return l.time >= r.time;
    case VmOp::kInStringSet:
      return InStrings(l.text, r.strings);
    case VmOp::kInIntSet:
      return InInts(l.integer, r.ints);
    case VmOp::kStartsWith:
      return absl::StartsWith(l.text, r.text);
    case VmOp::kUnderString:
      return IdUnderPrefix(l.text, r.text);
    case VmOp::kUnderStringSet:
      return UnderAny(l.text, r.strings);
    default:
      break;
  }
  return false;
}

namespace {

// Runs the code in [begin, end) on `stack`, whose operands below `top` (one past the operand on
// top) an earlier part of the same condition left.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Truth Run(const Program& program, uint32_t begin, uint32_t end,
                                              const VmInputs& in, Operand* stack, Operand* top,
                                              std::string* error) {
  const VmCode& vm = *program.vm;
  const VmInstruction* const code = vm.code.data();
  // Every instruction that pushes sets the kind and the fields that kind reads, so slots are
  // not cleared first. A comparison pops its right operand and puts its result in place of
  // the left one.
  auto result = [&top](bool value) {
    --top;
    top[-1].kind = Value::Kind::kBool;
    top[-1].boolean = value;
  };
  for (uint32_t pc = begin; pc < end; ++pc) {
    const VmInstruction instruction = code[pc];
    switch (instruction.op) {
      case VmOp::kLiteral:
        *top++ = vm.literals[instruction.arg];
        break;
      case VmOp::kNow:
        top->kind = Value::Kind::kTimestamp;
        top->time = in.now;
        ++top;
        break;
      case VmOp::kLoad:
      case VmOp::kLoadFirstTest:
        if (!ReadAttribute(program.attributes[instruction.arg], in, top, error)) {
          return Truth::kError;
        }
        ++top;
        break;
      case VmOp::kHas:
        top->kind = Value::Kind::kBool;
        top->boolean = Has(program.attributes[instruction.arg], in);
        ++top;
        break;
      case VmOp::kNot:
        top[-1].boolean = !top[-1].boolean;
        break;
      // Short-circuit: the left side decides when it is false (and) or true (or), and stays.
      case VmOp::kAnd:
        if (!top[-1].boolean) {
          pc = instruction.arg - 1;
        } else {
          --top;
        }
        break;
      case VmOp::kOr:
        if (top[-1].boolean) {
          pc = instruction.arg - 1;
        } else {
          --top;
        }
        break;
      case VmOp::kMatches: {
        Operand& operand = top[-1];
        const bool matched =
            RE2::FullMatch(re2::StringPiece(operand.text.data(), operand.text.size()),
                           *program.regexes[instruction.arg]);
        operand.kind = Value::Kind::kBool;
        operand.boolean = matched;
        break;
      }
      case VmOp::kEqString:
      case VmOp::kNeString:
      case VmOp::kEqInt:
      case VmOp::kNeInt:
      case VmOp::kEqBool:
      case VmOp::kNeBool:
      case VmOp::kEqTimestamp:
      case VmOp::kNeTimestamp:
      case VmOp::kEqStringSet:
      case VmOp::kNeStringSet:
      case VmOp::kEqIntSet:
      case VmOp::kNeIntSet:
      case VmOp::kLtInt:
      case VmOp::kLeInt:
      case VmOp::kGtInt:
      case VmOp::kGeInt:
      case VmOp::kLtTimestamp:
      case VmOp::kLeTimestamp:
      case VmOp::kGtTimestamp:
      case VmOp::kGeTimestamp:
      case VmOp::kInStringSet:
      case VmOp::kInIntSet:
      case VmOp::kStartsWith:
      case VmOp::kUnderString:
      case VmOp::kUnderStringSet:
        result(Compared(instruction.op, top[-2], top[-1]));
        break;
      case VmOp::kCompareLiteral: {
        // The comparison that follows, with this literal as its right operand, in place.
        Operand& left = top[-1];
        const bool value = Compared(code[++pc].op, left, vm.literals[instruction.arg]);
        left.kind = Value::Kind::kBool;
        left.boolean = value;
        break;
      }
      case VmOp::kCompare:
        result(Compare(static_cast<OpCode>(instruction.arg), top[-2], top[-1]));
        break;
    }
  }
  return stack[0].boolean ? Truth::kTrue : Truth::kFalse;
}

}  // namespace

Truth Evaluate(const Program& program, CodeRange range, const VmInputs& in, Operand* stack,
               std::string* error) {
  return Run(program, range.begin, range.end, in, stack, stack, error);
}

Truth EvaluateCondition(const Program& program, CodeRange range, const VmInputs& in,
                        FirstTestReads* reads, Operand* stack, std::string* error) {
  const VmCode& vm = *program.vm;
  const VmInstruction* const code = vm.code.data() + range.begin;
  if (code[0].op == VmOp::kLoadFirstTest) {
    if (reads->attribute != code[0].arg) {
      reads->attribute = code[0].arg;
      reads->readable = ReadAttribute(program.attributes[code[0].arg], in, &reads->value, error);
    }
    if (reads->readable) {
      if (!Compared(code[2].op, reads->value, vm.literals[code[1].arg])) return Truth::kFalse;
      stack[0].kind = Value::Kind::kBool;
      stack[0].boolean = true;
      return Run(program, range.begin + 3, range.end, in, stack, stack + 1, error);
    }
  }
  return Run(program, range.begin, range.end, in, stack, stack, error);
}

bool FirstTestFailsOnRecords(const Program& program, CodeRange range, const VmInputs& in,
                             std::string* error) {
  if (range.empty()) return false;
  const VmCode& vm = *program.vm;
  const VmInstruction* const code = vm.code.data() + range.begin;
  if (code[0].op != VmOp::kLoadFirstTest) return false;
  const AttributeRef& ref = program.attributes[code[0].arg];
  const bool fixed = ref.root == Root::kSubject ||
                     (ref.root == Root::kResource &&
                      (in.resource != nullptr || ref.builtin == AttributeRef::Builtin::kId));
  if (!fixed) return false;
  Operand value;
  if (!ReadAttribute(ref, in, &value, error)) return false;
  return !Compared(code[2].op, value, vm.literals[code[1].arg]);
}

}  // namespace ward::internal
