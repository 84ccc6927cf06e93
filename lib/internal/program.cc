#include "lib/internal/program.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/json_util.h"
#include "lib/internal/vm.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

std::string SubjectText(const Program& program, uint32_t subject) {
  const auto selector = static_cast<SubjectSelectorKind>(subject >> 30);
  const Symbol symbol = subject & 0x3fffffff;
  switch (selector) {
    case SubjectSelectorKind::kAll:
      return "*";
    case SubjectSelectorKind::kId:
      return absl::StrCat("id ", JsonQuote(program.symbols[symbol]));
    case SubjectSelectorKind::kGroup:
      return absl::StrCat("group ", JsonQuote(program.symbols[symbol]));
  }
  return "?";
}

std::string KeyText(const Program& program, const IndexKey& key) {
  return absl::StrCat(SubjectKindName(static_cast<SubjectKind>(key.kind_action >> 30)), " ",
                      program.symbols[key.kind_action & 0x3fffffff], " ",
                      program.symbols[key.resource_type],
                      " subject=", SubjectText(program, key.subject));
}

std::string ListText(const Program& program, RuleList list) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < list.size; ++i) {
    names.push_back(program.rules[program.rule_lists[list.begin + i]].name);
  }
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

std::string AttributeText(const Program& program, const AttributeRef& ref) {
  std::string text = absl::StrCat(RootName(ref.root), ".", ref.name, ":", TypeName(ref.type));
  if (ref.builtin != AttributeRef::Builtin::kNone) return absl::StrCat(text, " builtin");
  if (ref.root == Root::kSubject || ref.root == Root::kDelegator) {
    std::vector<std::string> slots;
    for (SubjectKind kind : kAllSubjectKinds) {
      const int32_t slot = ref.kind_slot[static_cast<int>(kind)];
      if (slot >= 0) slots.push_back(absl::StrCat(SubjectKindName(kind), "#", slot));
    }
    return absl::StrCat(text, " (", absl::StrJoin(slots, " "), ")");
  }
  return absl::StrCat(text, " #", ref.slot);
}

void DumpCode(const Program& program, CodeRange range, std::string* out) {
  for (uint32_t pc = range.begin; pc < range.end; ++pc) {
    const Instruction& instruction = program.code[pc];
    absl::StrAppendFormat(out, "    %04d %s", pc - range.begin, OpCodeName(instruction.op));
    const size_t pad = 12 - std::min<size_t>(11, OpCodeName(instruction.op).size());
    switch (instruction.op) {
      case OpCode::kLiteral:
        absl::StrAppend(out, std::string(pad, ' '),
                        LiteralToString(program.literals[instruction.arg]));
        break;
      case OpCode::kLoad:
        absl::StrAppend(out, std::string(pad, ' '),
                        AttributeText(program, program.attributes[instruction.arg]));
        break;
      case OpCode::kHas: {
        const AttributeRef& ref = program.attributes[instruction.arg];
        absl::StrAppend(out, std::string(pad, ' '), RootName(ref.root), ".", ref.name);
        break;
      }
      case OpCode::kAnd:
      case OpCode::kOr:
        absl::StrAppendFormat(out, "%s-> %04d", std::string(pad, ' '),
                              instruction.arg - range.begin);
        break;
      case OpCode::kMatches:
        absl::StrAppend(out, std::string(pad, ' '), "/", program.regex_patterns[instruction.arg],
                        "/");
        break;
      default:
        break;
    }
    absl::StrAppend(out, "\n");
  }
}

// ---- Verification (VerifyProgram) ----

constexpr int64_t kMaxStackDepth = 1024;

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

bool ValidType(Type type) {
  return static_cast<uint8_t>(type) <= static_cast<uint8_t>(Type::kIntSet);
}

// The name and type of a built-in identity attribute.
std::optional<std::pair<absl::string_view, Type>> BuiltinSignature(AttributeRef::Builtin builtin) {
  switch (builtin) {
    case AttributeRef::Builtin::kId:
      return std::make_pair(absl::string_view("id"), Type::kString);
    case AttributeRef::Builtin::kOwner:
      return std::make_pair(absl::string_view("owner"), Type::kString);
    case AttributeRef::Builtin::kStatus:
      return std::make_pair(absl::string_view("status"), Type::kString);
    case AttributeRef::Builtin::kExpiresAt:
      return std::make_pair(absl::string_view("expires_at"), Type::kTimestamp);
    case AttributeRef::Builtin::kGroups:
      return std::make_pair(absl::string_view("groups"), Type::kStringSet);
    case AttributeRef::Builtin::kNone:
      break;
  }
  return std::nullopt;
}

class ProgramVerifier {
 public:
  explicit ProgramVerifier(const Program& program) : program_(program) {}

  absl::Status Verify() {
    const Schema& schema = program_.schema;
    for (int k = 0; k < kNumSubjectKinds; ++k) {
      for (const auto& [name, spec] : schema.subject_attributes[k]) {
        kind_attributes_[k].push_back({name, spec.type});
      }
    }
    for (const auto& [type_name, attributes] : schema.resource_types) {
      int32_t position = 0;
      for (const auto& [name, type] : attributes) {
        resource_attributes_.insert({position, absl::string_view(name), type.type});
        resource_names_.insert({position, absl::string_view(name)});
        ++position;
      }
    }
    for (const auto* entries : {&schema.context, &schema.args}) {
      auto& positions = entries == &schema.context ? context_ : args_;
      int32_t position = 0;
      for (const auto& [name, type] : *entries) positions[name] = {position++, type.type};
    }
    // Which references kLoad reads (their type is then what it pushes) and which only kHas
    // tests (the compiler gives those the type bool, of the test). Out-of-range operands are
    // reported with their instruction, below.
    std::vector<bool> loaded(program_.attributes.size(), false);
    for (const Instruction& instruction : program_.code) {
      if (instruction.op == OpCode::kLoad && instruction.arg < loaded.size()) {
        loaded[instruction.arg] = true;
      }
    }
    for (size_t i = 0; i < program_.attributes.size(); ++i) {
      if (absl::Status s = VerifyAttribute(i, loaded[i]); !s.ok()) return s;
    }
    for (size_t i = 0; i < program_.literals.size(); ++i) {
      if (absl::Status s = VerifyLiteral(i); !s.ok()) return s;
    }
    std::vector<std::pair<CodeRange, size_t>> ranges;  // non-empty conditions, with their rule
    for (size_t i = 0; i < program_.rules.size(); ++i) {
      if (absl::Status s = VerifyRule(i); !s.ok()) return s;
      for (const CodeRange& range : {program_.rules[i].when, program_.rules[i].unless}) {
        if (!range.empty()) ranges.push_back({range, i});
      }
    }
    // Conditions do not overlap and cover the code, so that each instruction is checked once,
    // as part of the one condition it belongs to (the work is linear in the code, however
    // many rules point at it), and before any is.
    std::sort(ranges.begin(), ranges.end(),
              [](const auto& a, const auto& b) { return a.first.begin < b.first.begin; });
    uint32_t covered = 0;
    for (const auto& [range, rule] : ranges) {
      if (range.begin < covered) {
        return Invalid("rule `", Abbreviate(program_.rules[rule].name),
                       "`: its code overlaps another condition's at instruction ", range.begin);
      }
      if (range.begin > covered) {
        return Invalid("instructions ", covered, " to ", range.begin - 1,
                       " belong to no condition");
      }
      covered = range.end;
    }
    if (covered != program_.code.size()) {
      return Invalid("instructions ", covered, " to ", program_.code.size() - 1,
                     " belong to no condition");
    }
    for (const ProgramRule& rule : program_.rules) {
      if (absl::Status s = VerifyCode(rule, rule.when, "when"); !s.ok()) return s;
      if (absl::Status s = VerifyCode(rule, rule.unless, "unless"); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  struct Position {
    int32_t position = -1;
    Type type = Type::kString;
  };

  std::string AttributeWhere(size_t index) const {
    const AttributeRef& ref = program_.attributes[index];
    return absl::StrCat("attribute reference ", index, " (`", RootName(ref.root), ".",
                        Abbreviate(ref.name), "`): ");
  }

  // `loaded`: whether some kLoad reads the reference, so that its type must be what it reads.
  absl::Status VerifyAttribute(size_t index, bool loaded) {
    const AttributeRef& ref = program_.attributes[index];
    if (static_cast<uint8_t>(ref.root) > static_cast<uint8_t>(Root::kArgs)) {
      return Invalid("attribute reference ", index, ": unknown root");
    }
    const std::string where = AttributeWhere(index);
    if (!ValidType(ref.type)) return Invalid(where, "unknown type");
    if (static_cast<uint8_t>(ref.builtin) > static_cast<uint8_t>(AttributeRef::Builtin::kGroups)) {
      return Invalid(where, "unknown built-in attribute");
    }
    const bool identity = ref.root == Root::kSubject || ref.root == Root::kDelegator;
    if (!identity) {
      for (int32_t slot : ref.kind_slot) {
        if (slot != -1) return Invalid(where, "a slot per subject kind on a non-identity root");
      }
    }
    if (ref.builtin != AttributeRef::Builtin::kNone) {
      const auto [name, type] = *BuiltinSignature(ref.builtin);
      const bool resource_id =
          ref.root == Root::kResource && ref.builtin == AttributeRef::Builtin::kId;
      if (!identity && !resource_id) {
        return Invalid(where, "the built-in `", name, "` does not exist on this root");
      }
      if (ref.name != name || (loaded && ref.type != type)) {
        return Invalid(where, "the built-in `", name, "` is a ", TypeName(type), " named `", name,
                       "`, not a ", TypeName(ref.type), " named `", Abbreviate(ref.name), "`");
      }
      if (ref.slot != -1) return Invalid(where, "a built-in has no slot");
      for (int32_t slot : ref.kind_slot) {
        if (slot != -1) return Invalid(where, "a built-in has no slot");
      }
      return absl::OkStatus();
    }
    switch (ref.root) {
      case Root::kSubject:
      case Root::kDelegator: {
        if (ref.slot != -1) return Invalid(where, "an identity attribute has slots per kind only");
        bool declared = false;
        for (int k = 0; k < kNumSubjectKinds; ++k) {
          const int32_t slot = ref.kind_slot[k];
          if (slot == -1) continue;
          const auto& attributes = kind_attributes_[k];
          const absl::string_view kind = SubjectKindName(static_cast<SubjectKind>(k));
          if (slot < 0 || static_cast<size_t>(slot) >= attributes.size()) {
            return Invalid(where, "slot ", slot, " is out of range for ", kind, " (",
                           attributes.size(), " attributes)");
          }
          const auto& [name, type] = attributes[slot];
          if (name != ref.name || (loaded && type != ref.type)) {
            return Invalid(where, "slot ", slot, " of ", kind, " is `", Abbreviate(name), ": ",
                           TypeName(type), "`, not `", Abbreviate(ref.name), ": ",
                           TypeName(ref.type), "`");
          }
          declared = true;
        }
        if (!declared) return Invalid(where, "no subject kind declares it");
        return absl::OkStatus();
      }
      case Root::kResource:
        if (ref.slot != -1 && !(loaded ? resource_attributes_.contains(std::make_tuple(
                                             ref.slot, absl::string_view(ref.name), ref.type))
                                       : resource_names_.contains(std::make_pair(
                                             ref.slot, absl::string_view(ref.name))))) {
          return Invalid(where, "no resource type declares `", Abbreviate(ref.name), ": ",
                         TypeName(ref.type), "` at slot ", ref.slot);
        }
        return absl::OkStatus();
      case Root::kContext:
      case Root::kArgs: {
        const auto& declared = ref.root == Root::kContext ? context_ : args_;
        auto it = declared.find(ref.name);
        if (it == declared.end() || (loaded && it->second.type != ref.type)) {
          return Invalid(where, "`", RootName(ref.root), "` declares no `", Abbreviate(ref.name),
                         ": ", TypeName(ref.type), "`");
        }
        if (ref.slot != it->second.position) {
          return Invalid(where, "slot ", ref.slot, " is not its slot ", it->second.position);
        }
        return absl::OkStatus();
      }
    }
    return Invalid(where, "unknown root");
  }

  absl::Status VerifyLiteral(size_t index) const {
    const Value& literal = program_.literals[index];
    if (!LiteralType(literal.kind())) return Invalid("literal ", index, " is opaque");
    // Value sorts and deduplicates its sets; `in` relies on it (a binary search).
    const bool sorted =
        literal.kind() == Value::Kind::kStringSet
            ? std::adjacent_find(literal.string_set().begin(), literal.string_set().end(),
                                 std::greater_equal<>()) == literal.string_set().end()
        : literal.kind() == Value::Kind::kIntSet
            ? std::adjacent_find(literal.int_set().begin(), literal.int_set().end(),
                                 std::greater_equal<>()) == literal.int_set().end()
            : true;
    if (!sorted) return Invalid("literal ", index, ": a set that is not sorted and unique");
    return absl::OkStatus();
  }

  absl::Status VerifyRule(size_t index) {
    const ProgramRule& rule = program_.rules[index];
    const std::string where = absl::StrCat("rule `", Abbreviate(rule.name), "`: ");
    if (static_cast<uint8_t>(rule.effect) > static_cast<uint8_t>(RuleEffect::kRequireApproval)) {
      return Invalid(where, "unknown effect");
    }
    if (static_cast<uint8_t>(rule.obligations.log) > static_cast<uint8_t>(LogLevel::kFull)) {
      return Invalid(where, "unknown log level");
    }
    // Decisions list their rules in index order, which must be name order.
    if (index > 0 && program_.rules[index - 1].name > rule.name) {
      return Invalid(where, "rules are out of name order (after `",
                     Abbreviate(program_.rules[index - 1].name), "`)");
    }
    const Obligations& obligations = rule.obligations;
    if (rule.effect != RuleEffect::kPermit &&
        (!obligations.redact.empty() || !obligations.limits.empty() ||
         obligations.log != LogLevel::kNone)) {
      return Invalid(where, "obligations on a ", RuleEffectKeyword(rule.effect),
                     " rule (only a permit has them)");
    }
    for (const auto& [name, value] : obligations.limits) {
      if (value < 0) {
        return Invalid(where, "limit `", Abbreviate(name), "` is negative (", value, ")");
      }
    }
    for (const auto& [range, which] :
         {std::make_pair(rule.when, "when"), std::make_pair(rule.unless, "unless")}) {
      if (range.begin > range.end || range.end > program_.code.size()) {
        return Invalid(where, "its `", which, "` code range [", range.begin, ", ", range.end,
                       ") is outside the code (", program_.code.size(), " instructions)");
      }
    }
    return absl::OkStatus();
  }

  // ---- Code: abstract interpretation over types ----

  // The stack of types is a chain of nodes (shared by the states that have it in common), so
  // that the state at a jump is kept as one index. Two states found equal continue on one
  // chain: comparing walks only nodes pushed since, so the whole check is linear in the code.
  struct Node {
    Type type;
    int32_t below;  // -1 at the bottom
  };
  struct JumpState {
    int64_t height = -1;  // -1: no jump here yet
    int32_t top = -1;
  };

  bool SameStack(int32_t a, int32_t b) const {
    while (a != b) {
      if (a < 0 || b < 0 || nodes_[a].type != nodes_[b].type) return false;
      a = nodes_[a].below;
      b = nodes_[b].below;
    }
    return true;
  }

  std::string StackText(int32_t top) const {
    std::vector<absl::string_view> types;
    for (; top >= 0 && types.size() < 6; top = nodes_[top].below) {
      types.push_back(TypeName(nodes_[top].type));
    }
    if (top >= 0) types.push_back("...");
    std::reverse(types.begin(), types.end());
    return absl::StrCat("[", absl::StrJoin(types, ", "), "]");
  }

  // `range` is within the code (VerifyRule).
  absl::Status VerifyCode(const ProgramRule& rule, CodeRange range, absl::string_view which) {
    if (range.empty()) return absl::OkStatus();
    nodes_.clear();
    jumps_.assign(range.end - range.begin + 1, JumpState());
    int64_t height = 0;
    int32_t top = -1;
    uint32_t pc = range.begin;
    auto fail = [&](auto... parts) {
      return Invalid("rule `", Abbreviate(rule.name), "`, `", which, "` instruction ",
                     pc - range.begin, " (", OpCodeName(program_.code[pc].op), "): ", parts...);
    };
    auto push = [&](Type type) {
      nodes_.push_back({type, top});
      top = static_cast<int32_t>(nodes_.size() - 1);
      ++height;
    };
    auto pop = [&]() {
      const Type type = nodes_[top].type;
      top = nodes_[top].below;
      --height;
      return type;
    };
    for (; pc < range.end; ++pc) {
      const JumpState& joined = jumps_[pc - range.begin];
      if (joined.height >= 0) {
        if (joined.height != height || !SameStack(joined.top, top)) {
          return fail("reached with the stack ", StackText(joined.top), " by a jump and ",
                      StackText(top), " in sequence");
        }
        top = joined.top;  // the same stack: one chain, so that later comparisons stop early
      }
      const Instruction& instruction = program_.code[pc];
      const uint32_t arg = instruction.arg;
      int64_t needs = 0;
      switch (instruction.op) {
        case OpCode::kNot:
        case OpCode::kAnd:
        case OpCode::kOr:
        case OpCode::kMatches:
          needs = 1;
          break;
        case OpCode::kEq:
        case OpCode::kNe:
        case OpCode::kLt:
        case OpCode::kLe:
        case OpCode::kGt:
        case OpCode::kGe:
        case OpCode::kIn:
        case OpCode::kStartsWith:
        case OpCode::kUnder:
          needs = 2;
          break;
        default:
          break;
      }
      if (height < needs) {
        return fail("needs ", needs, " operand", needs == 1 ? "" : "s", ", the stack has ", height);
      }
      switch (instruction.op) {
        case OpCode::kLiteral: {
          if (arg >= program_.literals.size()) return fail("literal ", arg, " is out of range");
          push(*LiteralType(program_.literals[arg].kind()));  // VerifyLiteral: never opaque
          break;
        }
        case OpCode::kNow:
          push(Type::kTimestamp);
          break;
        case OpCode::kLoad:
          if (arg >= program_.attributes.size()) {
            return fail("attribute reference ", arg, " is out of range");
          }
          push(program_.attributes[arg].type);
          break;
        case OpCode::kHas:
          if (arg >= program_.attributes.size()) {
            return fail("attribute reference ", arg, " is out of range");
          }
          push(Type::kBool);
          break;
        case OpCode::kNot:
          if (nodes_[top].type != Type::kBool) {
            return fail("needs a bool, found ", TypeName(nodes_[top].type));
          }
          break;
        case OpCode::kAnd:
        case OpCode::kOr: {
          if (nodes_[top].type != Type::kBool) {
            return fail("needs a bool, found ", TypeName(nodes_[top].type));
          }
          if (arg <= pc || arg > range.end) {
            return fail("jumps to ", static_cast<int64_t>(arg) - range.begin,
                        ", not forward within the condition");
          }
          JumpState& target = jumps_[arg - range.begin];
          if (target.height < 0) {
            target = {height, top};
          } else if (target.height != height || !SameStack(target.top, top)) {
            return fail("jumps to ", arg - range.begin, " with the stack ", StackText(top),
                        ", another jump there has ", StackText(target.top));
          } else {
            top = target.top;
          }
          pop();
          break;
        }
        case OpCode::kEq:
        case OpCode::kNe:
        case OpCode::kLt:
        case OpCode::kLe:
        case OpCode::kGt:
        case OpCode::kGe:
        case OpCode::kIn:
        case OpCode::kStartsWith:
        case OpCode::kUnder: {
          const Type right = pop();
          const Type left = pop();
          bool ok = false;
          absl::string_view expected;
          switch (instruction.op) {
            case OpCode::kEq:
            case OpCode::kNe:
              ok = left == right;
              expected = "two values of one type";
              break;
            case OpCode::kIn:
              ok = (left == Type::kString && right == Type::kStringSet) ||
                   (left == Type::kInt && right == Type::kIntSet);
              expected = "a string and a set<string>, or an int and a set<int>";
              break;
            case OpCode::kStartsWith:
              ok = left == Type::kString && right == Type::kString;
              expected = "two strings";
              break;
            case OpCode::kUnder:
              ok = left == Type::kString && (right == Type::kString || right == Type::kStringSet);
              expected = "a string and a string or a set<string>";
              break;
            default:
              ok = left == right && (left == Type::kInt || left == Type::kTimestamp);
              expected = "two ints or two timestamps";
              break;
          }
          if (!ok) {
            return fail("needs ", expected, ", found ", TypeName(left), " and ", TypeName(right));
          }
          push(Type::kBool);
          break;
        }
        case OpCode::kMatches:
          if (arg >= program_.regex_patterns.size()) {
            return fail("pattern ", arg, " is out of range");
          }
          if (nodes_[top].type != Type::kString) {
            return fail("needs a string, found ", TypeName(nodes_[top].type));
          }
          pop();
          push(Type::kBool);
          break;
        default:
          return fail("unknown instruction");
      }
      if (height > kMaxStackDepth) return fail("the stack is deeper than ", kMaxStackDepth);
    }
    const JumpState& at_end = jumps_.back();
    if (at_end.height >= 0 && (at_end.height != height || !SameStack(at_end.top, top))) {
      return Invalid("rule `", Abbreviate(rule.name), "`, `", which,
                     "`: the end is reached with the stack ", StackText(at_end.top),
                     " by a jump and ", StackText(top), " in sequence");
    }
    if (height != 1 || nodes_[top].type != Type::kBool) {
      return Invalid("rule `", Abbreviate(rule.name), "`, `", which,
                     "`: the condition must leave one bool; it leaves ", StackText(top));
    }
    return absl::OkStatus();
  }

  const Program& program_;
  std::array<std::vector<std::pair<absl::string_view, Type>>, kNumSubjectKinds> kind_attributes_;
  // (slot, name, type) and (slot, name) of the attributes of every resource type.
  absl::flat_hash_set<std::tuple<int32_t, absl::string_view, Type>> resource_attributes_;
  absl::flat_hash_set<std::pair<int32_t, absl::string_view>> resource_names_;
  absl::flat_hash_map<absl::string_view, Position> context_;
  absl::flat_hash_map<absl::string_view, Position> args_;
  std::vector<Node> nodes_;
  std::vector<JumpState> jumps_;
};

}  // namespace

std::optional<Type> LiteralType(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kString:
      return Type::kString;
    case Value::Kind::kInt:
      return Type::kInt;
    case Value::Kind::kBool:
      return Type::kBool;
    case Value::Kind::kTimestamp:
      return Type::kTimestamp;
    case Value::Kind::kStringSet:
      return Type::kStringSet;
    case Value::Kind::kIntSet:
      return Type::kIntSet;
    case Value::Kind::kOpaque:
      break;
  }
  return std::nullopt;
}

absl::string_view OpCodeName(OpCode op) {
  switch (op) {
    case OpCode::kLiteral:
      return "literal";
    case OpCode::kNow:
      return "now";
    case OpCode::kLoad:
      return "load";
    case OpCode::kHas:
      return "has";
    case OpCode::kNot:
      return "not";
    case OpCode::kAnd:
      return "and";
    case OpCode::kOr:
      return "or";
    case OpCode::kEq:
      return "eq";
    case OpCode::kNe:
      return "ne";
    case OpCode::kLt:
      return "lt";
    case OpCode::kLe:
      return "le";
    case OpCode::kGt:
      return "gt";
    case OpCode::kGe:
      return "ge";
    case OpCode::kIn:
      return "in";
    case OpCode::kStartsWith:
      return "starts_with";
    case OpCode::kMatches:
      return "matches";
    case OpCode::kUnder:
      return "under";
  }
  return "?";
}

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

void SelectorIndex::Finish() {
  prefix_lengths.clear();
  prefix_map.clear();
  if (prefixes.size() <= kScannedPrefixes) return;
  for (const auto& [prefix, list] : prefixes) {
    prefix_lengths.push_back(static_cast<uint32_t>(prefix.size()));
    prefix_map.emplace(prefix, list);
  }
  std::sort(prefix_lengths.begin(), prefix_lengths.end());
  prefix_lengths.erase(std::unique(prefix_lengths.begin(), prefix_lengths.end()),
                       prefix_lengths.end());
}

absl::Status FinishProgram(Program* program, const RegexBudget& budget,
                           const CompiledRegexes* compiled) {
  program->context_declarations = Declarations(program->schema.context);
  program->args_declarations = Declarations(program->schema.args);
  program->symbol_index.clear();
  program->symbol_index.reserve(program->symbols.size());
  for (size_t i = 0; i < program->symbols.size(); ++i) {
    if (!program->symbol_index.emplace(program->symbols[i], static_cast<Symbol>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "symbol ", i, " (", JsonQuote(Abbreviate(program->symbols[i])), ") appears twice"));
    }
  }

  program->action_symbols.clear();
  for (const auto& [action, types] : program->schema.actions) {
    program->action_symbols.emplace_back(action, program->Find(action));
  }
  program->resource_type_symbols.clear();
  for (const auto& [type, attributes] : program->schema.resource_types) {
    program->resource_type_symbols.emplace_back(type, program->Find(type));
  }

  // What the budget can tell before compiling anything: how many patterns, how much text.
  size_t count = program->regex_patterns.size();
  int64_t text_bytes = 0;
  for (const std::string& pattern : program->regex_patterns) {
    text_bytes += static_cast<int64_t>(pattern.size());
  }
  for (const ProgramRule& rule : program->rules) {
    count += rule.obligations.redact.size();
    for (const Redaction& redaction : rule.obligations.redact) {
      text_bytes += static_cast<int64_t>(redaction.pattern.size());
    }
  }
  if (count > budget.max_count) {
    return absl::ResourceExhaustedError(absl::StrCat(
        count, " regular expressions (patterns and redactions); the limit is ", budget.max_count));
  }
  if (text_bytes > budget.max_total_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("the regular expressions' text takes ",
                                                     text_bytes, " bytes; the limit is ",
                                                     budget.max_total_bytes));
  }

  // Redaction patterns join the regex pool so that the program owns every compiled pattern.
  program->regexes.clear();
  program->regexes.reserve(count);
  RE2::Options options;
  options.set_log_errors(false);
  if (budget.max_memory_each > 0) options.set_max_mem(budget.max_memory_each);
  int64_t compiled_bytes = 0;
  // The patterns compiled so far, seeded with those the caller compiled.
  CompiledRegexes known;
  if (compiled != nullptr) known = *compiled;
  // Compiles `pattern` (described by `where` in messages) into the pool, within the budget.
  auto compile = [&](const std::string& pattern,
                     const std::string& where) -> absl::StatusOr<const RE2*> {
    std::shared_ptr<const RE2>& regex = known[pattern];
    if (regex == nullptr) {
      regex =
          std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    }
    if (regex->error_code() == RE2::ErrorPatternTooLarge) {
      return absl::ResourceExhaustedError(
          absl::StrCat(where, "regular expression `", Abbreviate(pattern),
                       "` is too large: its compiled form exceeds ", options.max_mem(), " bytes"));
    }
    if (!regex->ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "invalid regular expression `",
                                                     Abbreviate(pattern), "`: ", regex->error()));
    }
    compiled_bytes += int64_t{regex->ProgramSize()} * kRegexInstructionBytes;
    if (compiled_bytes > budget.max_total_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the regular expressions take more than ", budget.max_total_bytes,
          " bytes compiled (the limit), reached at ", where, "`", Abbreviate(pattern), "`"));
    }
    program->regexes.push_back(regex);
    return regex.get();
  };
  for (size_t i = 0; i < program->regex_patterns.size(); ++i) {
    absl::StatusOr<const RE2*> regex =
        compile(program->regex_patterns[i], absl::StrCat("pattern ", i, ": "));
    if (!regex.ok()) return regex.status();
  }
  for (ProgramRule& rule : program->rules) {
    for (Redaction& redaction : rule.obligations.redact) {
      const std::string where = absl::StrCat("rule `", rule.name, "`: redaction ");
      absl::StatusOr<const RE2*> regex = compile(redaction.pattern, where);
      if (!regex.ok()) return regex.status();
      std::string error;
      if (!(*regex)->CheckRewriteString(
              re2::StringPiece(redaction.replacement.data(), redaction.replacement.size()),
              &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "/", Abbreviate(redaction.pattern), "/: invalid replacement ",
                         JsonQuote(Abbreviate(redaction.replacement)), ": ", error));
      }
      redaction.regex = *regex;
    }
  }
  absl::flat_hash_map<absl::string_view, uint32_t> name_ids;
  program->rule_outlines.clear();
  program->rule_outlines.reserve(program->rules.size());
  for (ProgramRule& rule : program->rules) {
    rule.name_id =
        name_ids.emplace(rule.name, static_cast<uint32_t>(name_ids.size())).first->second;
    const Obligations& obligations = rule.obligations;
    program->rule_outlines.push_back({rule.when, rule.unless, rule.name_id, rule.effect,
                                      rule.shadow,
                                      !obligations.redact.empty() || !obligations.limits.empty() ||
                                          obligations.log != LogLevel::kNone});
  }
  program->hash = ProgramHash(*program);
  absl::StatusOr<std::shared_ptr<const VmCode>> vm = BuildVmCode(*program);
  if (!vm.ok()) return vm.status();
  program->vm = *std::move(vm);
  return absl::OkStatus();
}

absl::Status VerifyProgram(const Program& program) { return ProgramVerifier(program).Verify(); }

namespace {

void DumpProgramTo(const Program& program, std::string* out) {
  absl::StrAppend(out, "program: ", program.rules.size(), " rules, ", program.symbols.size(),
                  " symbols, ", program.code.size(), " instructions\n");
  absl::StrAppend(out, DumpSchema(program.schema));
  if (!program.path_resource_types.empty()) {
    absl::StrAppend(out, "path ids: ", absl::StrJoin(program.path_resource_types, ", "), "\n");
  }

  // The tree, one line per leaf, sorted so that the text does not depend on hash order.
  std::vector<std::string> leaves;
  for (const auto& [key, list] : program.exact) {
    std::string resource = key.resource == kAllResources
                               ? "*"
                               : absl::StrCat("id ", JsonQuote(program.symbols[key.resource]));
    leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=", resource, " -> ",
                                  ListText(program, list)));
  }
  for (const auto& [key, index] : program.selectors) {
    for (const auto& [prefix, list] : index.prefixes) {
      leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=under ",
                                    JsonQuote(prefix), " -> ", ListText(program, list)));
    }
    for (const auto& [regex, list] : index.patterns) {
      leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=matching /",
                                    program.regex_patterns[regex], "/ -> ",
                                    ListText(program, list)));
    }
  }
  std::sort(leaves.begin(), leaves.end());
  absl::StrAppend(out, "tree (kind action type subject resource -> candidates):\n");
  for (std::string& leaf : leaves) {
    absl::StrAppend(out, leaf, "\n");
    std::string().swap(leaf);
  }
  std::vector<std::string>().swap(leaves);

  for (size_t i = 0; i < program.rules.size(); ++i) {
    const ProgramRule& rule = program.rules[i];
    absl::StrAppend(out, "rule ", i, " ", rule.name, " (", rule.source, ":", rule.line, ")",
                    rule.shadow ? " shadow" : "", "\n  ", rule.head_text, "\n");
    if (!rule.when.empty()) {
      absl::StrAppend(out, "  when ", rule.when_text, "\n");
      DumpCode(program, rule.when, out);
    }
    if (!rule.unless.empty()) {
      absl::StrAppend(out, "  unless ", rule.unless_text, "\n");
      DumpCode(program, rule.unless, out);
    }
    for (const Redaction& redaction : rule.obligations.redact) {
      absl::StrAppend(out, "  redact /", redaction.pattern, "/ ", JsonQuote(redaction.replacement),
                      "\n");
    }
    for (const auto& [name, value] : rule.obligations.limits) {
      absl::StrAppend(out, "  limit ", name, " ", value, "\n");
    }
    if (rule.obligations.log != LogLevel::kNone) {
      absl::StrAppend(out, "  log ", LogLevelName(rule.obligations.log), "\n");
    }
  }
}

}  // namespace

std::string DumpProgram(const Program& program) {
  std::string out;
  DumpProgramTo(program, &out);
  return out;
}

}  // namespace ward::internal
