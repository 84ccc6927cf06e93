// The compiled form of a policy set: a decision tree that selects the candidate rules of a
// principal with a few hash probes, and each rule's conditions as compact code over attribute
// slots. A Program is immutable plain data: it holds no pointer into the checked rules it was
// built from, so it can be written to a bundle and read back without the compiler.
//
// The instruction set (one place, as clox's lopcodes.h):
//
//   kLiteral  a   push literals[a]
//   kNow          push the request's time
//   kLoad     a   push the attribute attributes[a] (an evaluation error when it cannot be read)
//   kHas      a   push whether attributes[a] is present
//   kNot          replace the bool on top by its negation
//   kAnd      a   if the top is false, jump to a (keeping it); else pop it and go on
//   kOr       a   if the top is true, jump to a (keeping it); else pop it and go on
//   kEq kNe kLt kLe kGt kGe kIn kStartsWith
//                 pop the right then the left operand, push the result
//   kMatches  a   pop a string, push whether regexes[a] matches all of it
//
// A condition's code leaves one bool on the stack. Any error ends the condition with that
// error, exactly as in the reference interpreter (no operator absorbs an error).

#ifndef WARD_LIB_INTERNAL_PROGRAM_H_
#define WARD_LIB_INTERNAL_PROGRAM_H_

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/internal/ir.h"
#include "lib/internal/request_check.h"
#include "ward/decision.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace ward::internal {

struct VmCode;  // vm.h

// Strings of the policy (ids, groups, actions, resource types) are interned as symbols so that
// the tree is keyed by integers.
using Symbol = uint32_t;
inline constexpr Symbol kNoSymbol = 0xffffffff;

enum class OpCode : uint8_t {
  kLiteral,
  kNow,
  kLoad,
  kHas,
  kNot,
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kStartsWith,
  kMatches,
  kUnder,  // added last: bundles number opcodes
};
absl::string_view OpCodeName(OpCode op);

// The static type of a literal of `kind`; nullopt for an opaque value (never in a program).
std::optional<Type> LiteralType(Value::Kind kind);

struct Instruction {
  OpCode op = OpCode::kLiteral;
  uint32_t arg = 0;
};

// Where kLoad and kHas read. Identity attributes are resolved to a slot per kind (-1 where the
// kind does not declare the attribute); built-ins have their own codes.
// Two references equal in every field read the same value: the typed code gives them one index
// for the first tests that read them (BuildVmCode's key, which must name every field here).
struct AttributeRef {
  enum class Builtin : uint8_t { kNone, kId, kOwner, kStatus, kExpiresAt, kGroups };
  Root root = Root::kSubject;
  std::string name;
  Type type = Type::kString;  // declared type: what a read converts to
  Builtin builtin = Builtin::kNone;
  std::array<int32_t, kNumSubjectKinds> kind_slot = {-1, -1, -1};  // subject and delegator
  int32_t slot = -1;  // resource attribute slot of the rule's resource type, or context slot
};

// A contiguous range of `code`.
struct CodeRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
};

struct ProgramRule {
  RuleEffect effect = RuleEffect::kPermit;
  bool shadow = false;  // `@shadow`: evaluated, reported, never enforced
  CodeRange when;
  CodeRange unless;
  // Equal for rules of equal names and only for them (derived by FinishProgram), so that a
  // decision finds its distinct rules by comparing ids, not names.
  uint32_t name_id = 0;
  std::string name;
  std::string source;
  int32_t line = 0;
  std::string when_text;
  std::string unless_text;
  std::string head_text;  // the head in canonical form, for dumps and traces
  Obligations obligations;
};

// What a decision reads of every candidate rule (ProgramRule's first fields), kept densely in
// `Program::rule_outlines`: three rules to a cache line, where a ProgramRule with its strings
// fills several, so that the outlines of a large policy stay in cache where its rules would
// not.
struct RuleOutline {
  CodeRange when;
  CodeRange unless;
  uint32_t name_id = 0;
  RuleEffect effect = RuleEffect::kPermit;
  bool shadow = false;
  bool has_obligations = false;  // any redaction, limit or log level
};

// A list of rule indices in `Program::rule_lists`.
struct RuleList {
  uint32_t begin = 0;
  uint32_t size = 0;
};

// The part of a rule head that selects subjects: all of a kind, one id, or one group.
enum class SubjectSelectorKind : uint8_t { kAll = 0, kId = 1, kGroup = 2 };

// Index key of the exact part of the tree: (kind, action, resource type, subject selector,
// resource id or kAllResources).
struct IndexKey {
  uint32_t kind_action = 0;  // kind in the top 2 bits, action symbol below
  Symbol resource_type = kNoSymbol;
  uint32_t subject = 0;  // selector kind in the top 2 bits, id or group symbol below
  Symbol resource = kNoSymbol;

  friend bool operator==(const IndexKey& a, const IndexKey& b) {
    return a.kind_action == b.kind_action && a.resource_type == b.resource_type &&
           a.subject == b.subject && a.resource == b.resource;
  }
  // As two 64-bit words: two mixing rounds of the hash instead of four (one probe per
  // principal and matching selector on every decision).
  template <typename H>
  friend H AbslHashValue(H h, const IndexKey& k) {
    return H::combine(std::move(h), (uint64_t{k.kind_action} << 32) | k.resource_type,
                      (uint64_t{k.subject} << 32) | k.resource);
  }
};
inline constexpr Symbol kAllResources = 0xfffffffe;

// Rules whose resource selector is `under` or `matching`, for one (kind, action, type,
// subject selector). A few prefixes are scanned in place; many are found by probing each
// distinct prefix length in a hash map, so that the cost does not grow with their number.
struct SelectorIndex {
  static constexpr size_t kScannedPrefixes = 8;

  std::vector<std::pair<std::string, RuleList>> prefixes;  // sorted by prefix
  std::vector<std::pair<uint32_t, RuleList>> patterns;     // regex index, rules
  // Derived from `prefixes` by Finish() when there are more than kScannedPrefixes.
  std::vector<uint32_t> prefix_lengths;  // distinct, ascending
  absl::flat_hash_map<std::string, RuleList> prefix_map;

  void Finish();
};

// What a (kind, action, resource type) bucket holds, so that a lookup probes only the keys
// that can hold rules: for each subject selector (indexed by SubjectSelectorKind), which
// kinds of resource selector its rules have.
struct BucketInfo {
  static constexpr uint8_t kAllResources = 1;  // no resource selector
  static constexpr uint8_t kResourceIds = 2;   // `"id"` or `in [...]`
  static constexpr uint8_t kSelectors = 4;     // `under` or `matching`
  std::array<uint8_t, 3> flags = {0, 0, 0};
};

struct Program {
  Schema schema;

  std::vector<std::string> symbols;
  absl::flat_hash_map<std::string, Symbol> symbol_index;  // derived from `symbols`

  std::vector<ProgramRule> rules;          // sorted by name: rule index order is output order
  std::vector<RuleOutline> rule_outlines;  // by rule index; derived from `rules`
  std::vector<Instruction> code;
  std::vector<Value> literals;
  std::vector<AttributeRef> attributes;
  std::vector<std::string> regex_patterns;
  std::vector<std::shared_ptr<const re2::RE2>> regexes;  // compiled from regex_patterns

  // Resource types some rule selects with `under` (sorted): their ids must be normalized paths.
  std::vector<std::string> path_resource_types;
  // The schema's context entries and arguments, for checking requests; derived.
  std::vector<Declaration> context_declarations;
  std::vector<Declaration> args_declarations;

  std::vector<uint32_t> rule_lists;
  absl::flat_hash_map<IndexKey, RuleList> exact;
  absl::flat_hash_map<IndexKey, SelectorIndex> selectors;  // resource = kAllResources
  absl::flat_hash_map<uint64_t, BucketInfo> buckets;       // by BucketKey

  // Identifies the program: the same for the same compiled policy, however it was obtained.
  uint64_t hash = 0;

  // `code` in the typed form the condition machine runs (vm.h); derived.
  std::shared_ptr<const VmCode> vm;

  // The schema's actions and resource types with their symbols (kNoSymbol when no rule names
  // one); derived. A request names one of each, from a set of a few: scanning these finds it
  // in a few comparisons of lengths, where the symbol index, with every id a rule names, would
  // hash the name and probe a large table.
  std::vector<std::pair<std::string, Symbol>> action_symbols;
  std::vector<std::pair<std::string, Symbol>> resource_type_symbols;

  Symbol Find(absl::string_view text) const {
    auto it = symbol_index.find(text);
    return it == symbol_index.end() ? kNoSymbol : it->second;
  }
  // Find, for a request's action or resource type: the same symbol, found by a scan when the
  // schema declares few.
  Symbol FindAction(absl::string_view action) const { return FindIn(action_symbols, action); }
  Symbol FindResourceType(absl::string_view type) const {
    return FindIn(resource_type_symbols, type);
  }

 private:
  static constexpr size_t kScannedNames = 16;

  Symbol FindIn(const std::vector<std::pair<std::string, Symbol>>& names,
                absl::string_view text) const {
    if (names.size() <= kScannedNames) {
      for (const auto& [name, symbol] : names) {
        if (name == text) return symbol;
      }
    }
    // Not declared (then no rule names it), or too many to scan.
    return Find(text);
  }
};

inline uint32_t KindAction(SubjectKind kind, Symbol action) {
  return (static_cast<uint32_t>(kind) << 30) | (action & 0x3fffffff);
}
inline uint32_t SubjectKey(SubjectSelectorKind selector, Symbol symbol) {
  return (static_cast<uint32_t>(selector) << 30) | (symbol & 0x3fffffff);
}
inline uint64_t BucketKey(SubjectKind kind, Symbol action, Symbol resource_type) {
  return (uint64_t{KindAction(kind, action)} << 32) | resource_type;
}

// Interns `text` as a symbol of `program` (the compiler's index builder; a loaded program
// has all of its symbols).
inline Symbol InternSymbol(Program* program, const std::string& text) {
  auto [it, inserted] =
      program->symbol_index.emplace(text, static_cast<Symbol>(program->symbols.size()));
  if (inserted) program->symbols.push_back(text);
  return it->second;
}

// Appends a regular expression to the program's pool (compiled by FinishProgram); its index.
inline uint32_t AddRegexPattern(Program* program, const std::string& pattern) {
  program->regex_patterns.push_back(pattern);
  return static_cast<uint32_t>(program->regex_patterns.size() - 1);
}

// A budget for a program's regular expressions: the patterns of its conditions and heads and
// those of its redactions, together. The compiler needs none (the checker bounds each pattern
// as it reads it); a bundle loader gives one (BundleLoadOptions).
struct RegexBudget {
  // The most patterns.
  size_t max_count = std::numeric_limits<size_t>::max();
  // The most bytes their text may take in total, and then their compiled programs, counted as
  // kRegexInstructionBytes per instruction of RE2's ProgramSize().
  int64_t max_total_bytes = std::numeric_limits<int64_t>::max();
  // RE2's max_mem for each pattern (0: RE2's default); a pattern that needs more is refused.
  int64_t max_memory_each = 0;
};
// The bytes an instruction of a compiled RE2 program takes (re2::Prog::Inst).
inline constexpr int64_t kRegexInstructionBytes = 8;

// Compiled regular expressions by their pattern text, as the checker compiled them.
using CompiledRegexes = absl::flat_hash_map<std::string, std::shared_ptr<const re2::RE2>>;

// Recomputes what is derived from the serialisable fields: the symbol index, the compiled
// regular expressions (patterns of conditions, heads and redactions), the hash and the typed
// code (vm.h). With a budget, it counts the patterns and their text before compiling any, and
// stops compiling as soon as their compiled programs exceed it (each occurrence of a pattern
// counts). Each distinct pattern is compiled once, and not at all when `compiled` has it (the
// compiler passes those its checker compiled, within the checker's budget). Fails on a
// duplicate symbol, a pattern that does not compile, a redaction whose replacement does not
// fit its pattern (RE2::CheckRewriteString), naming the rule, and code the typed translation
// cannot follow.
absl::Status FinishProgram(Program* program, const RegexBudget& budget = RegexBudget(),
                           const CompiledRegexes* compiled = nullptr);

// The program's hash (Program::hash): the first 8 bytes, big-endian, of the SHA-256 of the
// program serialised as a bundle writes it (deterministically), without the rules' source
// names and lines. So it names what the policy decides, not where its files were read from: a
// policy loaded by relative or absolute paths, reformatted or moved, or read from a bundle
// has the same hash, and approval digests (which include it) agree across replicas.
// Implemented in lib/bundle.cc, beside the serialisation.
uint64_t ProgramHash(const Program& program);

// Verifies a program as if an attacker wrote it, so that the decider (lib/internal/decider.cc)
// can trust it without checking anything as it runs. The whole list of what a bundle loader
// (lib/bundle.cc) checks, in the order it checks:
//
//   While reading (ProgramReader): the enums (types, roots, built-ins, opcodes, effects, log
//   levels) are in range; schema names are unique; set literals are sorted and unique and a
//   timestamp's nanoseconds are in [0, 1e9); every index key's symbols, every rule list and
//   every rule index in range; prefixes sorted; head patterns in range; path types declared.
//
//   VerifyProgram (here), before anything is derived or can run:
//   - attribute references: a built-in only on subject or delegator (id, owner, status:
//     string; expires_at: timestamp; groups: set<string>) or as resource `id` (string), with
//     that name and type and no slot; an identity attribute's slot for kind k, where not -1,
//     is the position in kind k's declarations of an attribute of that name and type, and at
//     least one kind has one; a resource attribute's slot is -1 or the position, in some
//     resource type, of an attribute of that name and type (the decider also bounds it by the
//     resource's own slots); a context or args entry is declared with that type, at `slot`.
//     "That type" holds for the references kLoad reads, whose type is what it pushes; kHas
//     reads no value (the compiler gives the references only it tests the type bool);
//   - literals: never opaque; sets sorted and unique;
//   - rules: names in (non-decreasing) order, since rule index order is output order; a valid
//     effect and log level; obligations (redactions, limits, a log level) only on permits;
//     limits not negative; code ranges within the code, not overlapping one another and
//     covering it (so each instruction is checked exactly once);
//   - each condition's code, by abstract interpretation over the static type of every stack
//     slot (string, int, bool, timestamp, set<string>, set<int>): kLiteral pushes its
//     literal's type, kNow a timestamp, kLoad the reference's declared type, kHas a bool;
//     kNot needs a bool; kAnd and kOr need a bool on top and jump forward within the
//     condition, and every jump target is reached with the same stack (heights and types)
//     from every path; kEq and kNe need two operands of one type; kLt kLe kGt kGe two ints or
//     two timestamps; kIn a string and a set<string> or an int and a set<int>; kStartsWith
//     two strings; kMatches a string and a pattern index in range; every operand index in
//     range; at most 1024 values deep; a condition ends with exactly one bool.
//
//   FinishProgram with the loader's RegexBudget: the number of patterns and their total text
//   before compiling any, then each compiled with max_mem and the running total of their
//   compiled size; each pattern compiles; each redaction's replacement fits its pattern.
//
//   Last, the program's hash (ProgramHash) must be the one the bundle carries.
absl::Status VerifyProgram(const Program& program);

// The 64-bit FNV-1a hash of `bytes`: stable across processes and platforms.
uint64_t Fnv1a64(absl::string_view bytes);

// A stable text form: symbols, the index (every key and its rules), every rule with its code.
std::string DumpProgram(const Program& program);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_PROGRAM_H_
