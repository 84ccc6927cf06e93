#include "policy_lang/testing/random_policy.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "lib/internal/request_check.h"
#include "nlohmann/json.hpp"

namespace ward::random_policy {

namespace {

using nlohmann::json;

// ---- Pools ----
//
// Everything is drawn from small fixed pools shared by the schema, the rules, the entities and
// the requests: with few names and values, heads match and comparisons hold often enough for
// every outcome to be common.

enum class Ty : uint8_t { kString, kInt, kBool, kTimestamp, kStringSet, kIntSet };
constexpr Ty kTypes[] = {Ty::kString,    Ty::kInt,       Ty::kBool,
                         Ty::kTimestamp, Ty::kStringSet, Ty::kIntSet};
constexpr int kNumTypes = 6;

const char* TypeText(Ty type) {
  switch (type) {
    case Ty::kString:
      return "string";
    case Ty::kInt:
      return "int";
    case Ty::kBool:
      return "bool";
    case Ty::kTimestamp:
      return "timestamp";
    case Ty::kStringSet:
      return "set<string>";
    case Ty::kIntSet:
      return "set<int>";
  }
  return "string";
}

// The type's name in form counts ("set<string>" would read badly in a key).
const char* TypeForm(Ty type) {
  switch (type) {
    case Ty::kString:
      return "string";
    case Ty::kInt:
      return "int";
    case Ty::kBool:
      return "bool";
    case Ty::kTimestamp:
      return "timestamp";
    case Ty::kStringSet:
      return "string_set";
    case Ty::kIntSet:
      return "int_set";
  }
  return "string";
}

constexpr int kNumKinds = 3;
constexpr const char* kKinds[kNumKinds] = {"user", "agent", "builder"};

// `when` and `group` are keywords elsewhere, and legal attribute names.
constexpr const char* kSubjectAttributeNames[] = {"dept",     "level", "trusted", "since",
                                                  "tags",     "codes", "team",    "rank",
                                                  "reviewed", "when",  "zone"};
constexpr const char* kResourceTypeNames[] = {"tool", "doc", "dataset"};
constexpr const char* kResourceAttributeNames[] = {"risk",   "level", "open", "created",
                                                   "labels", "sizes", "team", "group"};
// `approve` lets rules say who may approve (grants).
constexpr const char* kActionNames[] = {"read", "write", "invoke", "delete", "approve"};
// The context may declare `id` (it has no built-ins).
constexpr const char* kContextNames[] = {"approved", "tokens", "channel", "at",
                                         "labels",   "ids",    "id"};
// Arguments: some share names with context entries, which are other values.
constexpr const char* kArgsNames[] = {"amount", "to", "confirm", "at", "items", "codes", "tokens"};

// Identity ids. The prefix suggests the kind an id usually gets; x1 gets any.
constexpr const char* kIdentityIds[] = {"u1", "u2", "u3", "a1", "a2", "b1", "b2", "x1"};
constexpr char kUnknownId[] = "ghost";  // never stored
constexpr const char* kGroups[] = {"g1", "g2", "hr"};

// Resource ids: shared with the head selectors below so that ids, prefixes and patterns hit.
constexpr const char* kResourceIds[] = {"doc/a/1", "doc/a/2",  "doc/b/1",   "docs",
                                        "search",  "cal.read", "eval/x/v1", "caf\xc3\xa9"};
// Ids that are not normalized paths: invalid_request for a type some rule uses with `under`.
constexpr const char* kOddResourceIds[] = {"doc/../x", "doc//a", "doc/a/", "/doc", "./eval"};
// `under` prefixes match whole segments; a trailing `/` changes nothing.
constexpr const char* kPrefixes[] = {"doc/",    "doc/a/", "doc/b",  "eval/",
                                     "doc/a/1", "docs",   "search/"};
constexpr const char* kPatterns[] = {"doc/.*",       "doc/[ab]/\\d+",       ".*1",   "[a-z]+",
                                     "(?i)DOC/A/.*", "search|cal\\.read",   "caf.",  ".*",
                                     "[^/]+",        "eval/[a-z]+/v[0-9]+", "\\pL+", "(u|a)[0-9]"};

// String values of attributes, context entries and literals. They include ids, groups,
// statuses and resource ids (so that comparisons with built-ins hold), the empty string,
// escapes, a non-ASCII letter and a character outside the BMP (a surrogate pair when escaped).
constexpr const char* kStrings[] = {
    "u1",   "a1",  "g1", "hr",          "active", "doc/a/1",          "search",
    "doc/", "eng", "",   "caf\xc3\xa9", "q\"\\/", "\xf0\x9f\x99\x82", "2026-06-01T12:00:00Z"};
constexpr int64_t kInts[] = {
    -1, 0, 1, 2, 3, 4000, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};

// The one instant every request is decided at (in three spellings), and timestamps around
// it: a year and a nanosecond before, equal, a nanosecond, a day and decades after; `order`
// is their order relative to now.
constexpr const char* kNowSpellings[] = {"2026-06-01T12:00:00Z", "2026-06-01T14:00:00+02:00",
                                         "2026-06-01T12:00:00.000Z"};
struct TimestampSpec {
  const char* text;
  int order;  // -1 before now, 0 now, 1 after
};
constexpr TimestampSpec kTimestamps[] = {
    {"2025-06-01T12:00:00Z", -1},    {"2026-06-01T11:59:59.999999999Z", -1},
    {"2026-06-01T12:00:00Z", 0},     {"2026-06-01T14:00:00+02:00", 0},
    {"2026-06-01T12:00:00.000Z", 0}, {"2026-06-01T12:00:00.000000001Z", 1},
    {"2026-06-02T12:00:00Z", 1},     {"2099-01-01T00:00:00Z", 1}};

struct RedactionSpec {
  const char* pattern;
  const char* replacement;  // the value, before ward string escaping
};
constexpr RedactionSpec kRedactions[] = {{"\\b\\d{3}-\\d{2}-\\d{4}\\b", "[SSN]"},
                                         {"(\\d{4})-\\d{4}", "\\1-XXXX"},
                                         {"[a-z]+@[a-z]+\\.com", "[EMAIL]"},
                                         {"secret", ""},
                                         {"/tmp/\\w+", "[PATH]"},
                                         {"(?i)key-(\\w+)", "\\0:\\1"}};
constexpr const char* kLimitNames[] = {"output_tokens", "recipients", "max_records"};
constexpr int64_t kLimitValues[] = {0, 1, 100, 4000, std::numeric_limits<int64_t>::max()};
constexpr const char* kLogLevels[] = {"none", "summary", "full"};
constexpr const char* kStatuses[] = {"suspended", "revoked", "expired"};
constexpr const char* kSourceNames[] = {"policy.ward", "rules/more.ward", "c.ward"};

// Every form GenerateRandomCase counts; see AllForms().
constexpr const char* kForms[] = {
    // Schema.
    "schema.attr.string", "schema.attr.int", "schema.attr.bool", "schema.attr.timestamp",
    "schema.attr.string_set", "schema.attr.int_set", "schema.attr.shared_by_kinds",
    "schema.attr.some_kinds_only", "schema.attr.conflicting_types", "schema.kind_split",
    "schema.resource.empty", "schema.action.one_type", "schema.action.several_types",
    "schema.action.redeclared", "schema.action.grouped", "schema.context.string",
    "schema.context.int", "schema.context.bool", "schema.context.timestamp",
    "schema.context.string_set", "schema.context.int_set", "schema.args.string", "schema.args.int",
    "schema.args.bool", "schema.args.timestamp", "schema.args.string_set", "schema.args.int_set",
    "schema.blocks.several", "sources.several", "schema.attr.optional", "schema.enum.subject",
    "schema.enum.resource", "schema.enum.context", "schema.enum.args", "cond.guard_added",
    // Rules.
    "effect.permit", "effect.forbid", "effect.require_approval", "name.id", "name.unnamed",
    "name.same_line", "name.id_like_unnamed", "annotation.other", "annotation.shadow",
    "head.kind.any", "head.kind.user", "head.kind.agent", "head.kind.builder", "head.subject.all",
    "head.subject.id", "head.subject.group", "head.action.single", "head.action.list",
    "head.resource.all", "head.resource.id", "head.resource.in", "head.resource.under",
    "head.resource.under_list", "head.resource.matching", "clause.when", "clause.unless",
    "clause.when_and_unless", "clause.with", "clause.reordered", "obligation.redact",
    "obligation.limit", "obligation.log",
    // Conditions.
    "op.==", "op.!=", "op.<", "op.<=", "op.>", "op.>=", "op.in", "op.has", "op.matches",
    "op.starts_with", "op.under", "op.and", "op.or", "op.not", "op.parens", "eq.string", "eq.int",
    "eq.bool", "eq.timestamp", "eq.string_set", "eq.int_set", "order.int", "order.timestamp",
    "in.string", "in.int", "literal.string", "literal.int", "literal.bool", "literal.timestamp",
    "literal.string_set", "literal.int_set", "literal.empty_list", "literal.escaped", "now",
    "path.subject.builtin", "path.subject.declared", "path.subject.conflicting",
    "path.any.declared", "path.delegator", "path.resource.id", "path.resource.attr", "path.context",
    "path.args", "has.subject", "has.delegator", "has.resource", "has.context", "has.args",
    "cond.guarded", "cond.constant",
    // Entities.
    "identity.user", "identity.agent", "identity.builder", "identity.inactive",
    "identity.expires.before", "identity.expires.equal", "identity.expires.after",
    "identity.groups", "identity.attr.absent", "identity.attr.null", "identity.attr.undeclared",
    "owner.valid", "owner.missing", "owner.unknown", "owner.not_a_user", "owner.inactive_user",
    "resource.stored", "resource.attr.null",
    // Requests.
    "request.subject.known", "request.subject.wrong_kind", "request.subject.unknown",
    "request.action.undeclared", "request.type.not_applicable", "request.type.undeclared",
    "request.resource.unstored", "request.inline.right_type", "request.inline.wrong_type",
    "request.inline.null", "request.inline.opaque", "request.context.right_type",
    "request.context.wrong_type", "request.context.null", "request.context.opaque",
    "request.context.undeclared", "request.args.right_type", "request.args.wrong_type",
    "request.args.null", "request.args.opaque", "request.args.undeclared", "request.faulty",
    "request.resource.odd_id", "request.inline.stored", "request.chain.0", "request.chain.1_to_4",
    "request.chain.8", "request.chain.repeat"};

// ---- The schema as the generator knows it ----

struct Model {
  std::array<std::map<std::string, Ty>, kNumKinds> kinds;
  std::map<std::string, std::map<std::string, Ty>> resources;
  std::map<std::string, std::set<std::string>> actions;  // action -> resource types
  std::map<std::string, Ty> context;
  std::map<std::string, Ty> args;
  // Attributes readable through `any` and `delegator`: declared by some kind, with one type.
  std::map<std::string, Ty> unambiguous;
  // Attributes declared by two kinds with different types.
  std::set<std::string> conflicting;
  // Typed policies: the attributes declared optional (`name?: T`), and the members of string
  // enums (`name: "a" | "b"`). A subject attribute name is an enum in every kind that declares
  // it a string, so that `any` and `delegator` may read it.
  std::array<std::set<std::string>, kNumKinds> optional_kind;
  std::map<std::string, std::set<std::string>> optional_resource;  // by resource type
  std::map<std::string, std::vector<std::string>> subject_enums;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> resource_enums;
  std::map<std::string, std::vector<std::string>> context_enums;
  std::map<std::string, std::vector<std::string>> args_enums;
};

// The built-in identity attributes.
constexpr std::pair<const char*, Ty> kBuiltins[] = {{"id", Ty::kString},
                                                    {"owner", Ty::kString},
                                                    {"status", Ty::kString},
                                                    {"expires_at", Ty::kTimestamp},
                                                    {"groups", Ty::kStringSet}};

enum class Root : uint8_t { kSubject, kDelegator, kResource, kContext, kArgs };

// What a rule's head accepts, for aiming requests at it.
struct Head {
  bool permit = false;
  int kind = -1;  // -1 for `any`
  std::optional<std::string> subject_id;
  std::optional<std::string> group;
  std::vector<std::string> actions;
  std::string type;
  std::vector<std::string> resource_ids;  // the ids of the pool it accepts
};

// What a rule's conditions may read: its subject kind (-1 for `any`) and resource type.
struct Scope {
  int kind = -1;
  std::string resource_type;
};

// A generated condition and its precedence, loosest last; an expression is wrapped in
// parentheses where the grammar needs a tighter one.
enum Level : int { kOperand = 0, kComparison = 1, kNotLevel = 2, kAndLevel = 3, kOrLevel = 4 };
struct Cond {
  std::string text;
  int level = kOperand;
};

std::string Wrap(const Cond& cond, int max_level) {
  if (cond.level <= max_level) return cond.text;
  return absl::StrCat("(", cond.text, ")");
}

constexpr int kMaxDepth = 3;

class Generator {
 public:
  Generator(uint64_t seed, FormCounts* forms) : rng_(seed), forms_(forms) {}

  RandomCase Run(uint64_t seed, int request_count) {
    RandomCase out;
    out.seed = seed;
    GenerateSchema();
    out.sources = GenerateSources();
    GenerateIdentities();
    out.entities_json = EntitiesJson();
    out.requests_json.reserve(request_count);
    for (int i = 0; i < request_count; ++i) out.requests_json.push_back(RequestJson());
    return out;
  }

 private:
  // ---- Randomness ----
  //
  // A seed gives the same case with every compiler only if the draws come in one order: the
  // order in which a function's arguments are evaluated is the compiler's choice (gcc and
  // clang differ), so no call here takes two arguments that draw; each is drawn first, into a
  // variable, in the order written.

  uint64_t Below(uint64_t n) { return rng_.Below(n); }
  bool Chance(int percent) { return rng_.Chance(percent); }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (size_t i = items->size(); i > 1; --i) std::swap((*items)[i - 1], (*items)[Below(i)]);
  }

  void Count(absl::string_view form) {
    if (forms_ != nullptr) ++(*forms_)[std::string(form)];
  }

  // ---- Schema ----

  void GenerateSchema() {
    // Subject attributes: a name usually has one type across kinds, so that `any` and
    // `delegator` can read it; the first six names cover every type.
    std::vector<std::string> names(std::begin(kSubjectAttributeNames),
                                   std::end(kSubjectAttributeNames));
    Shuffle(&names);
    names.resize(7 + Below(names.size() - 6));
    std::map<std::string, Ty> types;
    for (size_t i = 0; i < names.size(); ++i) {
      types[names[i]] = i < kNumTypes ? kTypes[i] : Pick(kTypes);
    }
    for (int k = 0; k < kNumKinds; ++k) {
      for (const std::string& name : names) {
        if (Chance(55)) model_.kinds[k][name] = types[name];
      }
      // Every kind gets an attribute of every type.
      for (Ty type : kTypes) {
        bool has_type = false;
        for (const auto& [name, declared] : model_.kinds[k]) has_type |= declared == type;
        if (has_type) continue;
        std::vector<std::string> candidates;
        for (const std::string& name : names) {
          if (types[name] == type) candidates.push_back(name);
        }
        model_.kinds[k][Pick(candidates)] = type;
      }
    }
    // Sometimes one kind gives a name another type: legal, but then only rules of that kind
    // may read it.
    if (Chance(30)) {
      const int k = static_cast<int>(Below(kNumKinds));
      std::vector<std::string> declared;
      for (const auto& [name, type] : model_.kinds[k]) declared.push_back(name);
      const std::string& name = Pick(declared);
      model_.kinds[k][name] =
          kTypes[(static_cast<int>(types[name]) + 1 + Below(kNumTypes - 1)) % kNumTypes];
    }
    for (const std::string& name : names) {
      std::set<Ty> seen;
      int declarers = 0;
      for (int k = 0; k < kNumKinds; ++k) {
        auto it = model_.kinds[k].find(name);
        if (it == model_.kinds[k].end()) continue;
        seen.insert(it->second);
        ++declarers;
      }
      if (seen.size() == 1) model_.unambiguous[name] = *seen.begin();
      if (seen.size() > 1) {
        model_.conflicting.insert(name);
        Count("schema.attr.conflicting_types");
      }
      if (declarers >= 2 && seen.size() == 1) Count("schema.attr.shared_by_kinds");
      if (declarers >= 1 && declarers < kNumKinds) Count("schema.attr.some_kinds_only");
    }
    for (int k = 0; k < kNumKinds; ++k) {
      for (const auto& [name, type] : model_.kinds[k]) {
        Count(absl::StrCat("schema.attr.", TypeForm(type)));
        if (Chance(35)) {
          model_.optional_kind[k].insert(name);
          Count("schema.attr.optional");
        }
      }
    }
    for (const std::string& name : names) {
      if (types[name] == Ty::kString && Chance(35)) {
        model_.subject_enums[name] = EnumMembers();
        Count("schema.enum.subject");
      }
    }

    // Resource types, with attributes of random types: the same name may have different types
    // on different resource types.
    std::vector<std::string> resource_types(std::begin(kResourceTypeNames),
                                            std::end(kResourceTypeNames));
    Shuffle(&resource_types);
    resource_types.resize(1 + Below(resource_types.size()));
    for (const std::string& type : resource_types) {
      std::map<std::string, Ty>& attrs = model_.resources[type];
      const int count = static_cast<int>(Below(6));
      for (int i = 0; i < count; ++i) {
        const Ty type = Pick(kTypes);
        attrs[Pick(kResourceAttributeNames)] = type;
      }
      if (attrs.empty()) Count("schema.resource.empty");
      for (const auto& [name, attr_type] : attrs) {
        if (Chance(30)) {
          model_.optional_resource[type].insert(name);
          Count("schema.attr.optional");
        }
        if (attr_type == Ty::kString && Chance(35)) {
          model_.resource_enums[type][name] = EnumMembers();
          Count("schema.enum.resource");
        }
      }
    }

    // Actions, each on one or several resource types.
    std::vector<std::string> actions(std::begin(kActionNames), std::end(kActionNames));
    Shuffle(&actions);
    actions.resize(2 + Below(actions.size() - 1));
    for (const std::string& action : actions) {
      std::set<std::string>& on = model_.actions[action];
      on.insert(Pick(resource_types));
      for (const std::string& type : resource_types) {
        if (Chance(35)) on.insert(type);
      }
      Count(on.size() == 1 ? "schema.action.one_type" : "schema.action.several_types");
    }

    // Context entries of every type.
    std::vector<std::string> context(std::begin(kContextNames), std::end(kContextNames));
    Shuffle(&context);
    context.resize(kNumTypes + Below(context.size() - kNumTypes + 1));
    for (size_t i = 0; i < context.size(); ++i) {
      const Ty type = i < kNumTypes ? kTypes[i] : Pick(kTypes);
      model_.context[context[i]] = type;
      Count(absl::StrCat("schema.context.", TypeForm(type)));
      if (type == Ty::kString && Chance(35)) {
        model_.context_enums[context[i]] = EnumMembers();
        Count("schema.enum.context");
      }
    }
    // Arguments, a few of random types.
    std::vector<std::string> args(std::begin(kArgsNames), std::end(kArgsNames));
    Shuffle(&args);
    args.resize(2 + Below(args.size() - 1));
    for (const std::string& name : args) {
      const Ty type = Pick(kTypes);
      model_.args[name] = type;
      Count(absl::StrCat("schema.args.", TypeForm(type)));
      if (type == Ty::kString && Chance(35)) {
        model_.args_enums[name] = EnumMembers();
        Count("schema.enum.args");
      }
    }
  }

  // One to three distinct strings of the pool, sorted as the schema keeps them.
  std::vector<std::string> EnumMembers() {
    std::set<std::string> members;
    const size_t count = 1 + Below(3);
    while (members.size() < count) members.insert(Pick(kStrings));
    return {members.begin(), members.end()};
  }

  // The enum members of `root.name` in `scope` (null when it is not an enum).
  const std::vector<std::string>* EnumOf(Root root, const std::string& name,
                                         const Scope& scope) const {
    const std::map<std::string, std::vector<std::string>>* enums = nullptr;
    switch (root) {
      case Root::kSubject:
      case Root::kDelegator:
        if (IsBuiltin(name)) return nullptr;
        enums = &model_.subject_enums;
        break;
      case Root::kResource: {
        auto it = model_.resource_enums.find(scope.resource_type);
        if (it == model_.resource_enums.end()) return nullptr;
        enums = &it->second;
        break;
      }
      case Root::kContext:
        enums = &model_.context_enums;
        break;
      case Root::kArgs:
        enums = &model_.args_enums;
        break;
    }
    auto it = enums->find(name);
    return it == enums->end() ? nullptr : &it->second;
  }

  // Whether reading `root.name` in `scope` needs a `has` guard (LANGUAGE.md, Revision 2,
  // "Typed policies"): context and args entries, the delegator, optional attributes, the
  // optional built-ins, and, for `any`, attributes some kind does not declare.
  bool NeedsGuard(Root root, const std::string& name, const Scope& scope) const {
    switch (root) {
      case Root::kContext:
      case Root::kArgs:
      case Root::kDelegator:
        return true;
      case Root::kResource: {
        if (name == "id") return false;
        auto it = model_.optional_resource.find(scope.resource_type);
        return it != model_.optional_resource.end() && it->second.count(name) > 0;
      }
      case Root::kSubject:
        break;
    }
    if (name == "owner" || name == "expires_at") return true;
    if (IsBuiltin(name)) return false;
    for (int k = 0; k < kNumKinds; ++k) {
      if (scope.kind >= 0 && scope.kind != k) continue;
      if (model_.kinds[k].count(name) == 0 || model_.optional_kind[k].count(name) > 0) {
        return true;
      }
    }
    return false;
  }

  // `{ a: int, b?: string, c: "x" | "y" }`. Context and args entries are always optional:
  // their `?` is written or not at random.
  std::string AttributeBlock(const std::vector<std::pair<std::string, Ty>>& attrs,
                             const std::set<std::string>* optional = nullptr,
                             const std::map<std::string, std::vector<std::string>>* enums = nullptr,
                             bool always_optional = false) {
    if (attrs.empty()) return "{}";
    std::vector<std::string> parts;
    for (const auto& [name, type] : attrs) {
      const bool is_optional = optional != nullptr && optional->count(name) > 0;
      std::string type_text = TypeText(type);
      if (enums != nullptr && type == Ty::kString) {
        if (auto it = enums->find(name); it != enums->end()) {
          std::vector<std::string> members;
          for (const std::string& member : it->second) members.push_back(Quote(member));
          type_text = absl::StrJoin(members, " | ");
        }
      }
      const bool mark = is_optional || (always_optional && Chance(30));
      parts.push_back(absl::StrCat(name, mark ? "?: " : ": ", type_text));
    }
    return absl::StrCat("{ ", absl::StrJoin(parts, ", "), Chance(20) ? ", }" : " }");
  }

  // The schema items in random order, some split in two (schemas merge).
  std::vector<std::string> SchemaItems() {
    std::vector<std::string> items;
    for (int k = 0; k < kNumKinds; ++k) {
      std::vector<std::pair<std::string, Ty>> attrs(model_.kinds[k].begin(), model_.kinds[k].end());
      Shuffle(&attrs);
      if (attrs.size() >= 2 && Chance(20)) {
        const size_t half = attrs.size() / 2;
        const std::vector<std::pair<std::string, Ty>> first(
            attrs.begin(), attrs.begin() + static_cast<ptrdiff_t>(half));
        const std::vector<std::pair<std::string, Ty>> second(
            attrs.begin() + static_cast<ptrdiff_t>(half), attrs.end());
        items.push_back(
            absl::StrCat(kKinds[k], " ",
                         AttributeBlock(first, &model_.optional_kind[k], &model_.subject_enums)));
        items.push_back(
            absl::StrCat(kKinds[k], " ",
                         AttributeBlock(second, &model_.optional_kind[k], &model_.subject_enums)));
        Count("schema.kind_split");
      } else {
        items.push_back(
            absl::StrCat(kKinds[k], " ",
                         AttributeBlock(attrs, &model_.optional_kind[k], &model_.subject_enums)));
      }
    }
    for (const auto& [type, attrs] : model_.resources) {
      std::vector<std::pair<std::string, Ty>> list(attrs.begin(), attrs.end());
      Shuffle(&list);
      items.push_back(absl::StrCat(
          "resource ", type, " ",
          AttributeBlock(list, &model_.optional_resource[type], &model_.resource_enums[type])));
    }
    // Actions with the same resource types may share a declaration; an action's types may be
    // split over two declarations.
    std::map<std::set<std::string>, std::vector<std::string>> by_types;
    for (const auto& [action, types] : model_.actions) {
      if (types.size() >= 2 && Chance(25)) {
        std::vector<std::string> list(types.begin(), types.end());
        Shuffle(&list);
        const auto half = static_cast<ptrdiff_t>(1 + Below(list.size() - 1));
        items.push_back(absl::StrCat("action ", action, " on ",
                                     absl::StrJoin(list.begin(), list.begin() + half, ", ")));
        items.push_back(absl::StrCat("action ", action, " on ",
                                     absl::StrJoin(list.begin() + half, list.end(), ", ")));
        Count("schema.action.redeclared");
      } else {
        by_types[types].push_back(action);
      }
    }
    for (const auto& [types, actions] : by_types) {
      if (actions.size() >= 2 && Chance(50)) {
        items.push_back(absl::StrCat("action ", absl::StrJoin(actions, ", "), " on ",
                                     absl::StrJoin(types, ", ")));
        Count("schema.action.grouped");
        continue;
      }
      for (const std::string& action : actions) {
        items.push_back(absl::StrCat("action ", action, " on ", absl::StrJoin(types, ", ")));
      }
    }
    std::vector<std::pair<std::string, Ty>> context(model_.context.begin(), model_.context.end());
    Shuffle(&context);
    items.push_back(
        absl::StrCat("context ", AttributeBlock(context, nullptr, &model_.context_enums, true)));
    // Argument blocks merge like the others: sometimes split in two.
    std::vector<std::pair<std::string, Ty>> args(model_.args.begin(), model_.args.end());
    Shuffle(&args);
    if (args.size() >= 2 && Chance(30)) {
      const auto half = static_cast<ptrdiff_t>(args.size() / 2);
      items.push_back(absl::StrCat("args ", AttributeBlock({args.begin(), args.begin() + half},
                                                           nullptr, &model_.args_enums, true)));
      items.push_back(absl::StrCat("args ", AttributeBlock({args.begin() + half, args.end()},
                                                           nullptr, &model_.args_enums, true)));
    } else {
      items.push_back(
          absl::StrCat("args ", AttributeBlock(args, nullptr, &model_.args_enums, true)));
    }
    Shuffle(&items);
    return items;
  }

  // ---- Sources ----

  std::vector<SourceFile> GenerateSources() {
    // Chunks (schema blocks and rules) in random order over one to three sources: order never
    // matters, and a rule may use names declared further down or in another source.
    std::vector<std::string> chunks;
    std::vector<bool> is_rule;
    std::vector<std::string> items = SchemaItems();
    const size_t blocks = 1 + Below(std::min<size_t>(3, items.size()));
    if (blocks > 1) Count("schema.blocks.several");
    for (size_t b = 0; b < blocks; ++b) {
      std::string block = "schema {\n";
      for (size_t i = b; i < items.size(); i += blocks) {
        absl::StrAppend(&block, "  ", items[i], Chance(30) ? ";\n" : "\n");
      }
      block += "}";
      chunks.push_back(std::move(block));
      is_rule.push_back(false);
    }
    // Mostly small sets, where one rule decides more often; up to 40 rules.
    const int rules = 1 + static_cast<int>(Below(Chance(60) ? 12 : 40));
    for (int i = 0; i < rules; ++i) {
      chunks.push_back(GenerateRule());
      is_rule.push_back(true);
    }
    std::vector<size_t> order(chunks.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    Shuffle(&order);

    const size_t source_count = Chance(60) ? 1 : Chance(75) ? 2 : 3;
    if (source_count > 1) Count("sources.several");
    std::vector<SourceFile> sources(source_count);
    std::vector<bool> last_was_rule(source_count, false);
    for (size_t s = 0; s < source_count; ++s) sources[s].name = kSourceNames[s];
    for (size_t index : order) {
      const size_t s = Below(source_count);
      std::string& text = sources[s].text;
      // Two rules on one line: without @id they share the name SOURCE:LINE.
      const bool same_line = !text.empty() && last_was_rule[s] && is_rule[index] && Chance(12);
      if (same_line) {
        text += " ";
        Count("name.same_line");
      } else {
        if (!text.empty()) text += "\n";
        if (Chance(8)) text += Chance(50) ? "// a comment\n" : "/* a comment\n   on two lines */ ";
      }
      text += chunks[index];
      last_was_rule[s] = is_rule[index];
    }
    for (SourceFile& source : sources) source.text += "\n";
    return sources;
  }

  // ---- Literals ----

  // A ward string literal for `value`, with escapes chosen at random: each spelling of a
  // string must compile to the same value.
  std::string Quote(absl::string_view value) {
    std::string out = "\"";
    for (size_t i = 0; i < value.size();) {
      const auto c = static_cast<unsigned char>(value[i]);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
        ++i;
      } else if (c == '/' && Chance(20)) {
        out += "\\/";
        ++i;
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++i;
      } else {
        const size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (Chance(50)) {
          out.append(value.data() + i, length);
        } else {
          uint32_t code = c & (0xff >> (length + 1));
          for (size_t j = 1; j < length; ++j) {
            code = (code << 6) | (static_cast<unsigned char>(value[i + j]) & 0x3f);
          }
          if (code >= 0x10000) {
            code -= 0x10000;
            absl::StrAppendFormat(&out, "\\u%04x\\u%04x", 0xd800 + (code >> 10),
                                  0xdc00 + (code & 0x3ff));
          } else {
            absl::StrAppendFormat(&out, "\\u%04X", code);
          }
          Count("literal.escaped");
        }
        i += length;
      }
    }
    return out + "\"";
  }

  // A regular expression literal; `/` must be escaped in it.
  static std::string Regex(absl::string_view pattern) {
    std::string out = "/";
    for (char c : pattern) {
      if (c == '/') out += '\\';
      out += c;
    }
    return out + "/";
  }

  std::string StringLiteral() {
    Count("literal.string");
    return Quote(Pick(kStrings));
  }
  std::string IntLiteral() {
    Count("literal.int");
    return absl::StrCat(Pick(kInts));
  }
  std::string ListLiteral(Ty element) {
    const int count = static_cast<int>(Below(4));
    if (count == 0) {
      Count("literal.empty_list");
      return "[]";
    }
    Count(element == Ty::kString ? "literal.string_set" : "literal.int_set");
    std::vector<std::string> items;
    for (int i = 0; i < count; ++i) {
      items.push_back(element == Ty::kString ? Quote(Pick(kStrings)) : absl::StrCat(Pick(kInts)));
    }
    return absl::StrCat("[", absl::StrJoin(items, ", "), Chance(15) ? ",]" : "]");
  }

  // ---- Paths ----

  // The names `root` can read in `scope`, with their types. `has` may name any of them.
  std::vector<std::pair<std::string, Ty>> Readable(Root root, const Scope& scope) const {
    std::vector<std::pair<std::string, Ty>> out;
    switch (root) {
      case Root::kSubject:
      case Root::kDelegator:
        out.assign(std::begin(kBuiltins), std::end(kBuiltins));
        if (root == Root::kSubject && scope.kind >= 0) {
          out.insert(out.end(), model_.kinds[scope.kind].begin(), model_.kinds[scope.kind].end());
        } else {
          out.insert(out.end(), model_.unambiguous.begin(), model_.unambiguous.end());
        }
        break;
      case Root::kResource:
        out.emplace_back("id", Ty::kString);
        for (const auto& attr : model_.resources.at(scope.resource_type)) out.push_back(attr);
        break;
      case Root::kContext:
        out.assign(model_.context.begin(), model_.context.end());
        break;
      case Root::kArgs:
        out.assign(model_.args.begin(), model_.args.end());
        break;
    }
    return out;
  }

  static const char* RootText(Root root) {
    switch (root) {
      case Root::kSubject:
        return "subject";
      case Root::kDelegator:
        return "delegator";
      case Root::kResource:
        return "resource";
      case Root::kContext:
        return "context";
      case Root::kArgs:
        return "args";
    }
    return "subject";
  }

  static bool IsBuiltin(absl::string_view name) {
    for (const auto& [builtin, type] : kBuiltins) {
      if (name == builtin) return true;
    }
    return false;
  }

  // A path of type `type`, or nullopt when the scope has none. The root is chosen first, so
  // that context and delegator paths are common even though few names are declared there;
  // delegator paths are rarer, as they fail without a chain.
  std::optional<std::string> Path(const Scope& scope, Ty type) {
    std::vector<std::pair<Root, std::string>> by_root[5];
    bool any = false;
    for (Root root :
         {Root::kSubject, Root::kDelegator, Root::kResource, Root::kContext, Root::kArgs}) {
      for (const auto& [name, declared] : Readable(root, scope)) {
        if (declared != type) continue;
        by_root[static_cast<int>(root)].emplace_back(root, name);
        any = true;
      }
    }
    if (!any) return std::nullopt;
    // Weights of subject, delegator, resource, context, args.
    constexpr int kWeights[] = {30, 10, 25, 20, 15};
    const std::vector<std::pair<Root, std::string>>* candidates;
    do {
      int roll = static_cast<int>(Below(100));
      int root = 0;
      while (roll >= kWeights[root]) roll -= kWeights[root++];
      candidates = &by_root[root];
    } while (candidates->empty());
    const auto& [root, name] = Pick(*candidates);
    if (guards_ != nullptr && NeedsGuard(root, name, scope)) {
      guards_->insert(absl::StrCat(RootText(root), " has ", name));
    }
    last_enum_ = EnumOf(root, name, scope);
    switch (root) {
      case Root::kSubject:
        if (IsBuiltin(name)) {
          Count("path.subject.builtin");
        } else if (scope.kind < 0) {
          Count("path.any.declared");
        } else {
          Count(model_.conflicting.count(name) > 0 ? "path.subject.conflicting"
                                                   : "path.subject.declared");
        }
        break;
      case Root::kDelegator:
        Count("path.delegator");
        break;
      case Root::kResource:
        Count(name == "id" ? "path.resource.id" : "path.resource.attr");
        break;
      case Root::kContext:
        Count("path.context");
        break;
      case Root::kArgs:
        Count("path.args");
        break;
    }
    return absl::StrCat(RootText(root), ".", name);
  }

  // ---- Conditions ----

  // An operand of type `type`: a path, a literal or `now`. A timestamp literal is a string,
  // legal only next to a timestamp that is not one: `timestamp_literal` says whether it may
  // be chosen, and `*literal` (when not null) reports whether it was.
  std::string Operand(const Scope& scope, Ty type, bool timestamp_literal = false,
                      bool* literal = nullptr) {
    if (literal != nullptr) *literal = false;
    if (type == Ty::kTimestamp) {
      const uint64_t roll = Below(100);
      if (timestamp_literal && roll < 35) {
        if (literal != nullptr) *literal = true;
        Count("literal.timestamp");
        return Quote(Pick(kTimestamps).text);
      }
      if (roll < 65) {
        if (std::optional<std::string> path = Path(scope, type)) return *path;
      }
      Count("now");
      return "now";
    }
    if (Chance(60)) {
      if (std::optional<std::string> path = Path(scope, type)) return *path;
    }
    switch (type) {
      case Ty::kString:
        return StringLiteral();
      case Ty::kInt:
        return IntLiteral();
      case Ty::kBool:
        Count("literal.bool");
        return Chance(50) ? "true" : "false";
      case Ty::kStringSet:
        return ListLiteral(Ty::kString);
      case Ty::kIntSet:
        return ListLiteral(Ty::kInt);
      case Ty::kTimestamp:
        break;
    }
    return "now";
  }

  // A bool operand of `==`: a literal, a path, or a parenthesized condition.
  std::string BoolOperand(const Scope& scope, int depth) {
    if (depth < kMaxDepth && Chance(30)) {
      Count("op.parens");
      return absl::StrCat("(", Condition(scope, depth + 1).text, ")");
    }
    return Operand(scope, Ty::kBool);
  }

  Cond Condition(const Scope& scope, int depth) {
    if (depth < kMaxDepth && Chance(35)) {
      switch (Below(5)) {
        case 0: {
          Count("op.and");
          const Cond left = Condition(scope, depth + 1);
          const Cond right = Condition(scope, depth + 1);
          return {absl::StrCat(Wrap(left, kAndLevel), " and ", Wrap(right, kNotLevel)), kAndLevel};
        }
        case 1: {
          Count("op.or");
          const Cond left = Condition(scope, depth + 1);
          const Cond right = Condition(scope, depth + 1);
          return {absl::StrCat(Wrap(left, kOrLevel), " or ", Wrap(right, kAndLevel)), kOrLevel};
        }
        case 2:
          Count("op.not");
          return {absl::StrCat("not ", Wrap(Condition(scope, depth + 1), kNotLevel)), kNotLevel};
        case 3:
          Count("op.parens");
          return {absl::StrCat("(", Condition(scope, depth + 1).text, ")"), kOperand};
        default:
          return Constant(scope, depth);
      }
    }
    return Comparison(scope, depth);
  }

  // A condition with a bool literal beside it or a double negation, which the compiler
  // simplifies and the reference interpreter reads as written.
  Cond Constant(const Scope& scope, int depth) {
    Count("cond.constant");
    const std::string inner = Wrap(Condition(scope, depth + 1), kNotLevel);
    switch (Below(9)) {
      case 0:
        return {absl::StrCat("true and ", inner), kAndLevel};
      case 1:
        return {absl::StrCat(inner, " and true"), kAndLevel};
      case 2:
        return {absl::StrCat("false and ", inner), kAndLevel};
      case 3:
        return {absl::StrCat(inner, " and false"), kAndLevel};
      case 4:
        return {absl::StrCat("false or ", inner), kOrLevel};
      case 5:
        return {absl::StrCat(inner, " or false"), kOrLevel};
      case 6:
        return {absl::StrCat("true or ", inner), kOrLevel};
      case 7:
        return {absl::StrCat(inner, " or true"), kOrLevel};
      default:
        return {absl::StrCat("not not ", inner), kNotLevel};
    }
  }

  // A comparison, preceded by the `has` tests its reads need: `context has a and context.a > 1`.
  Cond Comparison(const Scope& scope, int depth) {
    std::set<std::string> guards;
    std::set<std::string>* const outer = guards_;
    guards_ = &guards;
    const Cond cond = UnguardedComparison(scope, depth);
    guards_ = outer;
    if (guards.empty()) return cond;
    Count("cond.guard_added");
    return {absl::StrCat(absl::StrJoin(guards, " and "), " and ", Wrap(cond, kNotLevel)),
            kAndLevel};
  }

  // Operand(), and in `*members` the members of the enum it reads (null for a literal or a
  // path that is not an enum).
  std::string EnumAwareOperand(const Scope& scope, Ty type,
                               const std::vector<std::string>** members,
                               bool timestamp_literal = false, bool* literal = nullptr) {
    last_enum_ = nullptr;
    std::string text = Operand(scope, type, timestamp_literal, literal);
    *members = last_enum_;
    last_enum_ = nullptr;
    return text;
  }

  // A list literal of members of an enum: a literal compared with an enum must be a member.
  std::string EnumList(const std::vector<std::string>& members) {
    const int count = static_cast<int>(Below(4));
    if (count == 0) {
      Count("literal.empty_list");
      return "[]";
    }
    std::vector<std::string> items;
    for (int i = 0; i < count; ++i) items.push_back(Quote(Pick(members)));
    return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
  }

  static bool IsStringLiteralText(absl::string_view text) {
    return !text.empty() && text.front() == '"';
  }

  Cond UnguardedComparison(const Scope& scope, int depth) {
    const uint64_t roll = Below(100);
    if (roll < 22) return Equality(scope, depth);
    if (roll < 38) return Ordering(scope);
    if (roll < 52) return Membership(scope);
    if (roll < 56) return Under(scope);
    if (roll < 60) {
      Count("op.starts_with");
      const std::string left = Operand(scope, Ty::kString);
      return {absl::StrCat(left, " starts_with ", Operand(scope, Ty::kString)), kComparison};
    }
    if (roll < 68) {
      Count("op.matches");
      const std::string text = Operand(scope, Ty::kString);
      return {absl::StrCat(text, " matches ", Regex(Pick(kPatterns))), kComparison};
    }
    if (roll < 80) return Has(scope);
    if (roll < 92) return Guarded(scope);
    return {Operand(scope, Ty::kBool), kOperand};
  }

  // `R has x and <a test of R.x>`: the way policies read attributes that may be absent, and
  // the way most conditions here get to hold instead of failing.
  Cond Guarded(const Scope& scope) {
    Count("cond.guarded");
    constexpr Root kRoots[] = {Root::kSubject, Root::kResource, Root::kContext, Root::kDelegator,
                               Root::kArgs};
    const Root root = Pick(kRoots);
    const std::vector<std::pair<std::string, Ty>> names = Readable(root, scope);
    const auto& [name, type] = Pick(names);
    const std::string path = absl::StrCat(RootText(root), ".", name);
    const std::vector<std::string>* members = EnumOf(root, name, scope);
    std::string test;
    switch (type) {
      case Ty::kBool:
        test = Chance(50) ? path : absl::StrCat("not ", path);
        break;
      case Ty::kString:
        switch (Below(4)) {
          case 0: {
            const char* op = Chance(50) ? " == " : " != ";
            test = absl::StrCat(path, op,
                                members != nullptr ? Quote(Pick(*members)) : StringLiteral());
            break;
          }
          case 1:
            test = absl::StrCat(path, " starts_with ", StringLiteral());
            break;
          case 2:
            test = absl::StrCat(path, " matches ", Regex(Pick(kPatterns)));
            break;
          default:
            test = absl::StrCat(path, " in ",
                                members != nullptr ? EnumList(*members) : ListLiteral(Ty::kString));
        }
        break;
      case Ty::kInt: {
        const char* op = Chance(50) ? " >= " : " < ";
        test = absl::StrCat(path, op, IntLiteral());
        break;
      }
      case Ty::kTimestamp: {
        const char* op = Chance(50) ? " > " : " <= ";
        test = absl::StrCat(path, op, Chance(50) ? "now" : Quote(Pick(kTimestamps).text));
        break;
      }
      case Ty::kStringSet:
        test = absl::StrCat(StringLiteral(), " in ", path);
        break;
      case Ty::kIntSet:
        test = absl::StrCat(IntLiteral(), " in ", path);
        break;
    }
    return {absl::StrCat(RootText(root), " has ", name, " and ", test), kAndLevel};
  }

  Cond Equality(const Scope& scope, int depth) {
    const bool equal = Chance(55);
    Count(equal ? "op.==" : "op.!=");
    const char* op = equal ? " == " : " != ";
    const Ty type = Chance(15) ? Ty::kBool : Pick(kTypes);
    Count(absl::StrCat("eq.", TypeForm(type)));
    if (type == Ty::kBool) {
      const std::string left = BoolOperand(scope, depth);
      return {absl::StrCat(left, op, BoolOperand(scope, depth)), kComparison};
    }
    bool left_literal = false;
    const std::vector<std::string>* left_enum = nullptr;
    const std::vector<std::string>* right_enum = nullptr;
    std::string left =
        EnumAwareOperand(scope, type, &left_enum, /*timestamp_literal=*/true, &left_literal);
    std::string right =
        EnumAwareOperand(scope, type, &right_enum, /*timestamp_literal=*/!left_literal);
    if (left_enum != nullptr && IsStringLiteralText(right)) right = Quote(Pick(*left_enum));
    if (right_enum != nullptr && IsStringLiteralText(left)) left = Quote(Pick(*right_enum));
    if (Chance(50)) std::swap(left, right);
    return {absl::StrCat(left, op, right), kComparison};
  }

  Cond Ordering(const Scope& scope) {
    constexpr const char* kOps[] = {"<", "<=", ">", ">="};
    const char* op = Pick(kOps);
    Count(absl::StrCat("op.", op));
    const Ty type = Chance(50) ? Ty::kInt : Ty::kTimestamp;
    Count(absl::StrCat("order.", TypeForm(type)));
    bool left_literal = false;
    std::string left = Operand(scope, type, /*timestamp_literal=*/true, &left_literal);
    std::string right = Operand(scope, type, /*timestamp_literal=*/!left_literal);
    if (Chance(50)) std::swap(left, right);
    return {absl::StrCat(left, " ", op, " ", right), kComparison};
  }

  Cond Membership(const Scope& scope) {
    Count("op.in");
    const bool strings = Chance(60);
    Count(strings ? "in.string" : "in.int");
    const Ty element = strings ? Ty::kString : Ty::kInt;
    const std::vector<std::string>* members = nullptr;
    const std::string left = EnumAwareOperand(scope, element, &members);
    std::string right = Operand(scope, strings ? Ty::kStringSet : Ty::kIntSet);
    if (members != nullptr && !right.empty() && right.front() == '[') right = EnumList(*members);
    return {absl::StrCat(left, " in ", right), kComparison};
  }

  // `resource under P`: P a prefix literal, a list of them, or a string or set<string> path
  // (whose values are any strings of the pool, normalized paths or not).
  Cond Under(const Scope& scope) {
    Count("op.under");
    std::string prefixes;
    const uint64_t roll = Below(100);
    if (roll < 30) {
      prefixes = Quote(Pick(kPrefixes));
    } else if (roll < 50) {
      std::vector<std::string> values;
      prefixes = StringList(kPrefixes, &values);
    } else {
      std::optional<std::string> path = Path(scope, Chance(50) ? Ty::kString : Ty::kStringSet);
      prefixes = path ? *path : Quote(Pick(kPrefixes));
    }
    return {absl::StrCat("resource under ", prefixes), kComparison};
  }

  Cond Has(const Scope& scope) {
    Count("op.has");
    constexpr Root kRoots[] = {Root::kSubject, Root::kDelegator, Root::kResource, Root::kContext,
                               Root::kArgs};
    const Root root = Pick(kRoots);
    Count(absl::StrCat("has.", RootText(root)));
    const std::vector<std::pair<std::string, Ty>> names = Readable(root, scope);
    return {absl::StrCat(RootText(root), " has ", Pick(names).first), kComparison};
  }

  // ---- Rules ----

  std::string GenerateRule() {
    std::vector<std::string> annotations;
    std::string id;
    if (Chance(45)) {
      id = absl::StrCat("r", used_ids_.size());
      Count("name.id");
    } else if (Chance(6)) {
      // An @id spelled like the name of an unnamed rule: legal, and then two rules may share
      // a name.
      const char* source = Pick(kSourceNames);
      id = absl::StrCat(source, ":", 1 + Below(40));
      Count("name.id_like_unnamed");
    }
    if (!id.empty() && used_ids_.insert(id).second) {
      annotations.push_back(absl::StrCat("@id(", Quote(id), ")"));
    } else {
      Count("name.unnamed");
    }
    if (Chance(10)) {
      annotations.push_back("@description(\"generated\")");
      Count("annotation.other");
    }
    if (Chance(5)) {
      annotations.push_back("@owner(\"team-x\")");
      Count("annotation.other");
    }
    if (Chance(12)) {
      annotations.push_back("@shadow");
      Count("annotation.shadow");
    }
    Shuffle(&annotations);
    std::string text = absl::StrJoin(annotations, " ");
    if (!text.empty()) text += Chance(50) ? "\n" : " ";

    // Permits are the most common, as in real policies: one holding forbid or approval
    // decides a principal, so more of them would leave few ALLOWs to compare.
    constexpr const char* kEffects[] = {"permit", "permit", "permit", "forbid", "require_approval"};
    const std::string effect = Pick(kEffects);
    Count(absl::StrCat("effect.", effect));
    Scope scope;
    scope.kind = static_cast<int>(Below(kNumKinds + 1)) - 1;
    Head& head = heads_.emplace_back();
    head.kind = scope.kind;
    head.permit = effect == "permit";
    Count(absl::StrCat("head.kind.", scope.kind < 0 ? "any" : kKinds[scope.kind]));
    absl::StrAppend(&text, effect, " ", scope.kind < 0 ? "any" : kKinds[scope.kind]);
    const uint64_t subject = Below(100);
    if (subject < 25) {
      Count("head.subject.id");
      head.subject_id = Chance(90) ? Pick(kIdentityIds) : kUnknownId;
      absl::StrAppend(&text, " ", Quote(*head.subject_id));
    } else if (subject < 45) {
      Count("head.subject.group");
      head.group = Pick(kGroups);
      absl::StrAppend(&text, " in group ", Quote(*head.group));
    } else {
      Count("head.subject.all");
    }

    // Only resource types some action applies to can be named in a head.
    std::vector<std::string> types;
    for (const auto& [type, attrs] : model_.resources) {
      for (const auto& [action, on] : model_.actions) {
        if (on.count(type) > 0) {
          types.push_back(type);
          break;
        }
      }
    }
    scope.resource_type = Pick(types);
    head.type = scope.resource_type;
    std::vector<std::string> actions;
    for (const auto& [action, on] : model_.actions) {
      if (on.count(scope.resource_type) > 0) actions.push_back(action);
    }
    if (Chance(65)) {
      Count("head.action.single");
      head.actions = {Pick(actions)};
      absl::StrAppend(&text, " to ", head.actions[0]);
    } else {
      Count("head.action.list");
      Shuffle(&actions);
      actions.resize(1 + Below(actions.size()));
      head.actions = actions;
      absl::StrAppend(&text, " to [", absl::StrJoin(actions, ", "), Chance(20) ? ",]" : "]");
    }
    absl::StrAppend(&text, Chance(10) ? "\n  on " : " on ", scope.resource_type);
    absl::StrAppend(&text, ResourceSelector(&head.resource_ids));

    std::vector<std::string> clauses;
    const bool when = Chance(65);
    const bool unless = Chance(35);
    if (when) {
      Count("clause.when");
      clauses.push_back(absl::StrCat("when ", Condition(scope, 0).text));
    }
    if (unless) {
      Count("clause.unless");
      clauses.push_back(absl::StrCat("unless ", Condition(scope, 0).text));
    }
    if (when && unless) Count("clause.when_and_unless");
    if (effect == "permit" && Chance(45)) {
      Count("clause.with");
      clauses.push_back(absl::StrCat("with ", Obligations()));
    }
    if (clauses.size() >= 2 && Chance(20)) {
      Shuffle(&clauses);
      Count("clause.reordered");
    }
    for (const std::string& clause : clauses) {
      absl::StrAppend(&text, Chance(30) ? "\n  " : " ", clause);
    }
    return text + ";";
  }

  // A resource selector; `*ids` gets the ids of the pool it accepts (all of them when it
  // accepts any id, or when it is a pattern: the generator does not run regular expressions).
  std::string ResourceSelector(std::vector<std::string>* ids) {
    const uint64_t roll = Below(100);
    std::vector<std::string> values;
    std::string text;
    if (roll < 40) {
      Count("head.resource.all");
    } else if (roll < 55) {
      Count("head.resource.id");
      values = {Pick(kResourceIds)};
      text = absl::StrCat(" ", Quote(values[0]));
    } else if (roll < 67) {
      Count("head.resource.in");
      text = absl::StrCat(" in ", StringList(kResourceIds, &values));
    } else if (roll < 79) {
      Count("head.resource.under");
      values = {Pick(kPrefixes)};
      text = absl::StrCat(" under ", Quote(values[0]));
    } else if (roll < 88) {
      Count("head.resource.under_list");
      text = absl::StrCat(" under ", StringList(kPrefixes, &values));
    } else {
      Count("head.resource.matching");
      text = absl::StrCat(" matching ", Regex(Pick(kPatterns)));
    }
    // Prefixes accept the ids under them, whole segments; an exact id is under itself.
    for (const char* id : kResourceIds) {
      const bool accepted =
          values.empty() || std::any_of(values.begin(), values.end(), [&](std::string v) {
            if (!v.empty() && v.back() == '/') v.pop_back();
            return internal::IsUnderPath(id, v);
          });
      if (accepted) ids->push_back(id);
    }
    return text;
  }

  // A non-empty list of strings from `pool`, repetitions allowed; `*values` gets them.
  template <size_t N>
  std::string StringList(const char* const (&pool)[N], std::vector<std::string>* values) {
    std::vector<std::string> items;
    const int count = 1 + static_cast<int>(Below(3));
    for (int i = 0; i < count; ++i) {
      values->push_back(Pick(pool));
      items.push_back(Quote(values->back()));
    }
    return absl::StrCat("[", absl::StrJoin(items, ", "), Chance(15) ? ",]" : "]");
  }

  std::string Obligations() {
    std::vector<std::string> obligations;
    // Redactions may repeat, within a rule and across rules: both merge to one.
    const int redactions = static_cast<int>(Below(3));
    for (int i = 0; i < redactions; ++i) {
      const RedactionSpec& redaction = Pick(kRedactions);
      obligations.push_back(absl::StrCat("redact(", Regex(redaction.pattern), ", ",
                                         Quote(redaction.replacement), ")"));
      Count("obligation.redact");
    }
    std::vector<std::string> limits(std::begin(kLimitNames), std::end(kLimitNames));
    Shuffle(&limits);
    limits.resize(Below(limits.size() + 1));
    for (const std::string& name : limits) {
      obligations.push_back(absl::StrCat("limit(", name, ", ", Pick(kLimitValues), ")"));
      Count("obligation.limit");
    }
    if (obligations.empty() || Chance(40)) {
      obligations.push_back(absl::StrCat("log(", Pick(kLogLevels), ")"));
      Count("obligation.log");
    }
    Shuffle(&obligations);
    return absl::StrJoin(obligations, ", ");
  }

  // ---- Entities ----

  struct IdentityPlan {
    std::string id;
    int kind = 0;
    bool stored = false;
    bool active = true;
    int expires = kNoExpiry;  // the order of expires_at relative to now
    std::optional<std::string> owner;
    std::optional<std::vector<std::string>> groups;  // nullopt: the field is left out
    bool passes_guard = false;
  };
  static constexpr int kNoExpiry = 2;

  // Decides which identities exist, with what kind, status, expiry and owner. Most pass the
  // lifecycle guard: a principal stopped by it has no candidates evaluated, so the rules get
  // exercised only by the others.
  void GenerateIdentities() {
    for (const char* id : kIdentityIds) {
      IdentityPlan plan;
      plan.id = id;
      const int usual = id[0] == 'u' ? 0 : id[0] == 'a' ? 1 : id[0] == 'b' ? 2 : -1;
      plan.kind = usual >= 0 && Chance(90) ? usual : static_cast<int>(Below(kNumKinds));
      plan.stored = Chance(92);
      plan.active = Chance(85);
      const uint64_t expiry = Below(100);
      plan.expires = expiry < 6 ? -1 : expiry < 12 ? 0 : expiry < 25 ? 1 : kNoExpiry;
      if (Chance(75)) {
        plan.groups.emplace();
        const int count = static_cast<int>(Below(4));
        for (int i = 0; i < count; ++i) plan.groups->push_back(Pick(kGroups));
      }
      identities_.push_back(std::move(plan));
    }
    for (IdentityPlan& plan : identities_) {
      if (plan.kind != 0 || Chance(20)) plan.owner = ChooseOwner();
    }
    for (IdentityPlan& plan : identities_) {
      plan.passes_guard = plan.stored && Live(plan) &&
                          (plan.kind == 0 || ClassifyOwner(plan.owner) == "owner.valid");
    }
  }

  static bool Live(const IdentityPlan& plan) {
    return plan.active && (plan.expires == kNoExpiry || plan.expires > 0);
  }

  // An owner id: mostly a user that makes its agent or builder owned, sometimes anything
  // else (none, an unknown id, an agent, an inactive or expired user); the guard tells them
  // apart.
  std::optional<std::string> ChooseOwner() {
    const uint64_t roll = Below(100);
    std::vector<std::string> users, live_users;
    for (const IdentityPlan& plan : identities_) {
      if (!plan.stored || plan.kind != 0) continue;
      users.push_back(plan.id);
      if (Live(plan)) live_users.push_back(plan.id);
    }
    if (roll < 70 && !live_users.empty()) return Pick(live_users);
    if (roll < 80 && !users.empty()) return Pick(users);
    if (roll < 88) return std::nullopt;
    if (roll < 94) return std::string(kUnknownId);
    return std::string(Pick(kIdentityIds));
  }

  std::string ClassifyOwner(const std::optional<std::string>& owner) const {
    if (!owner) return "owner.missing";
    const IdentityPlan* found = FindPlan(*owner);
    if (found == nullptr) return "owner.unknown";
    if (found->kind != 0) return "owner.not_a_user";
    if (!Live(*found)) return "owner.inactive_user";
    return "owner.valid";
  }

  const IdentityPlan* FindPlan(absl::string_view id) const {
    for (const IdentityPlan& plan : identities_) {
      if (plan.id == id && plan.stored) return &plan;
    }
    return nullptr;
  }

  // A JSON value of `type` as an entity file, a context or inline attributes give it.
  json ValueJson(Ty type) {
    switch (type) {
      case Ty::kString:
        return Pick(kStrings);
      case Ty::kInt:
        return Pick(kInts);
      case Ty::kBool:
        return Chance(50);
      case Ty::kTimestamp:
        return Pick(kTimestamps).text;
      case Ty::kStringSet:
      case Ty::kIntSet: {
        json list = json::array();
        const int count = static_cast<int>(Below(4));
        for (int i = 0; i < count; ++i) {
          if (type == Ty::kStringSet) {
            list.push_back(Pick(kStrings));
          } else {
            list.push_back(Pick(kInts));
          }
        }
        return list;
      }
    }
    return nullptr;
  }

  // A value of a declared attribute: one of the enum's members, or any value of its type.
  json DeclaredValueJson(Ty type, const std::vector<std::string>* members) {
    if (members != nullptr) return Pick(*members);
    return ValueJson(type);
  }

  const std::vector<std::string>* SubjectEnum(const std::string& name, Ty type) const {
    if (type != Ty::kString) return nullptr;
    auto it = model_.subject_enums.find(name);
    return it == model_.subject_enums.end() ? nullptr : &it->second;
  }

  const std::vector<std::string>* ResourceEnum(const std::string& resource_type,
                                               const std::string& name) const {
    auto type_it = model_.resource_enums.find(resource_type);
    if (type_it == model_.resource_enums.end()) return nullptr;
    auto it = type_it->second.find(name);
    return it == type_it->second.end() ? nullptr : &it->second;
  }

  static const std::vector<std::string>* EnumIn(
      const std::map<std::string, std::vector<std::string>>& enums, const std::string& name) {
    auto it = enums.find(name);
    return it == enums.end() ? nullptr : &it->second;
  }

  // JSON that ward keeps as an opaque value: reading it is an evaluation error.
  json OpaqueJson() {
    switch (Below(5)) {
      case 0:
        return 1.5;
      case 1:
        return json::object({{"k", 1}});
      case 2:
        return json::array({1, "a"});
      case 3:
        return std::numeric_limits<uint64_t>::max();  // out of the int64 range
      default:
        return json::array({json::array({1})});
    }
  }

  // A timestamp with the order `order` relative to now.
  const char* TimestampWithOrder(int order) {
    std::vector<const char*> matching;
    for (const TimestampSpec& spec : kTimestamps) {
      if (spec.order == order) matching.push_back(spec.text);
    }
    return Pick(matching);
  }

  std::string EntitiesJson() {
    json identities = json::array();
    for (const IdentityPlan& plan : identities_) {
      if (!plan.stored) continue;
      json identity = {{"kind", kKinds[plan.kind]}, {"id", plan.id}};
      Count(absl::StrCat("identity.", kKinds[plan.kind]));
      identity["status"] = plan.active ? "active" : Pick(kStatuses);
      if (!plan.active) Count("identity.inactive");
      if (plan.expires != kNoExpiry) {
        identity["expires_at"] = TimestampWithOrder(plan.expires);
        Count(plan.expires < 0    ? "identity.expires.before"
              : plan.expires == 0 ? "identity.expires.equal"
                                  : "identity.expires.after");
      }
      if (plan.owner) identity["owner"] = *plan.owner;
      // Users need no owner: only the others' are classified.
      if (plan.kind != 0) Count(ClassifyOwner(plan.owner));
      if (plan.groups) {
        identity["groups"] = *plan.groups;
        Count("identity.groups");
      }
      json attrs = json::object();
      for (const auto& [name, type] : model_.kinds[plan.kind]) {
        // A required attribute is always given (the file would not load otherwise).
        const bool optional = model_.optional_kind[plan.kind].count(name) > 0;
        const uint64_t roll = optional ? Below(100) : 0;
        if (roll < 82) {
          attrs[name] = DeclaredValueJson(type, SubjectEnum(name, type));
        } else if (roll < 88) {
          attrs[name] = nullptr;
          Count("identity.attr.null");
        } else {
          Count("identity.attr.absent");
        }
      }
      // A name the kind does not declare is ignored when the file is loaded.
      if (Chance(10)) {
        const char* name = Pick(kSubjectAttributeNames);
        if (model_.kinds[plan.kind].count(name) == 0) {
          attrs[name] = "ignored";
          Count("identity.attr.undeclared");
        }
      }
      if (!attrs.empty() || Chance(50)) identity["attrs"] = std::move(attrs);
      identities.push_back(std::move(identity));
    }
    // Identities in random order: order never matters.
    std::vector<json> shuffled(identities.begin(), identities.end());
    Shuffle(&shuffled);

    json resources = json::array();
    for (const auto& [type, attrs] : model_.resources) {
      for (const char* id : kResourceIds) {
        if (!Chance(60)) continue;
        Count("resource.stored");
        stored_resources_.insert({type, id});
        json resource = {{"type", type}, {"id", id}};
        json values = json::object();
        for (const auto& [name, attr_type] : attrs) {
          const bool optional = model_.optional_resource[type].count(name) > 0;
          const uint64_t roll = optional ? Below(100) : 0;
          if (roll < 82) {
            values[name] = DeclaredValueJson(attr_type, ResourceEnum(type, name));
          } else if (roll < 87) {
            values[name] = nullptr;
            Count("resource.attr.null");
          }
        }
        if (!values.empty() || Chance(50)) resource["attrs"] = std::move(values);
        resources.push_back(std::move(resource));
      }
    }
    json file = {{"identities", shuffled}, {"resources", resources}};
    return file.dump();
  }

  // ---- Requests ----

  // A subject or chain entry: mostly an identity that passes the guard, sometimes one that
  // does not, one under the wrong kind, or an unknown one.
  json IdentityRefJson() {
    const uint64_t roll = Below(100);
    if (roll < 88) {
      std::vector<const IdentityPlan*> stored;
      for (const IdentityPlan& plan : identities_) {
        if (plan.stored && (plan.passes_guard || roll >= 65)) stored.push_back(&plan);
      }
      if (!stored.empty()) {
        const IdentityPlan* plan = Pick(stored);
        Count("request.subject.known");
        return {{"kind", kKinds[plan->kind]}, {"id", plan->id}};
      }
    }
    if (roll < 94) {
      // An id stored under another kind is unknown too.
      const IdentityPlan& plan = Pick(identities_);
      if (plan.stored) {
        Count("request.subject.wrong_kind");
        return {{"kind", kKinds[(plan.kind + 1 + Below(kNumKinds - 1)) % kNumKinds]},
                {"id", plan.id}};
      }
    }
    std::vector<std::string> unknown = {kUnknownId};
    for (const IdentityPlan& plan : identities_) {
      if (!plan.stored) unknown.push_back(plan.id);
    }
    Count("request.subject.unknown");
    return {{"kind", Pick(kKinds)}, {"id", Pick(unknown)}};
  }

  // A context entry or inline attribute of declared type `type`: usually of that type,
  // sometimes of another (which may convert: an RFC 3339 string is a timestamp), null or
  // opaque.
  json AttributeValue(Ty type, absl::string_view form, bool faulty,
                      const std::vector<std::string>* members = nullptr) {
    const uint64_t roll = Below(100);
    // A valid request gives the declared type (an enum's member) or null; a faulty one
    // (invalid_request, unless a value happens to convert) sometimes another type or an opaque
    // value.
    if (!faulty) {
      if (roll < 90) {
        Count(absl::StrCat(form, ".right_type"));
        return DeclaredValueJson(type, members);
      }
      Count(absl::StrCat(form, ".null"));
      return nullptr;
    }
    if (roll < 40) {
      Count(absl::StrCat(form, ".right_type"));
      return DeclaredValueJson(type, members);
    }
    if (roll < 80) {
      Count(absl::StrCat(form, ".wrong_type"));
      return ValueJson(Pick(kTypes));
    }
    if (roll < 88) {
      Count(absl::StrCat(form, ".null"));
      return nullptr;
    }
    Count(absl::StrCat(form, ".opaque"));
    return OpaqueJson();
  }

  // A subject that `head` accepts and that passes the guard, when there is one.
  std::optional<json> SubjectFor(const Head& head) {
    std::vector<const IdentityPlan*> matching;
    for (const IdentityPlan& plan : identities_) {
      if (!plan.passes_guard || (head.kind >= 0 && plan.kind != head.kind)) continue;
      if (head.subject_id && plan.id != *head.subject_id) continue;
      if (head.group && (!plan.groups || std::find(plan.groups->begin(), plan.groups->end(),
                                                   *head.group) == plan.groups->end())) {
        continue;
      }
      matching.push_back(&plan);
    }
    if (matching.empty()) return std::nullopt;
    const IdentityPlan* plan = Pick(matching);
    return json{{"kind", kKinds[plan->kind]}, {"id", plan->id}};
  }

  std::string RequestJson() {
    json request;
    // Most requests aim at the head of some rule, mostly a permit, so that rules are
    // candidates and permits hold often; the others are drawn without regard to the rules.
    const Head* target = nullptr;
    if (Chance(75)) {
      std::vector<const Head*> permits;
      for (const Head& head : heads_) {
        if (head.permit) permits.push_back(&head);
      }
      target = !permits.empty() && Chance(75) ? Pick(permits) : &Pick(heads_);
    }
    std::optional<json> subject;
    if (target != nullptr && Chance(85)) subject = SubjectFor(*target);
    request["subject"] = subject ? *subject : IdentityRefJson();

    // Mostly a declared action on a type it applies to; sometimes not.
    std::string action, type;
    const uint64_t roll = Below(100);
    std::vector<std::string> actions;
    for (const auto& [name, on] : model_.actions) actions.push_back(name);
    action = target != nullptr ? Pick(target->actions) : Pick(actions);
    const std::set<std::string>& on = model_.actions[action];
    type = target != nullptr ? target->type
                             : *std::next(on.begin(), static_cast<ptrdiff_t>(Below(on.size())));
    if (roll < 5) {
      action = "frobnicate";
      Count("request.action.undeclared");
    } else if (roll < 10) {
      std::vector<std::string> others;
      for (const auto& [name, attrs] : model_.resources) {
        if (on.count(name) == 0) others.push_back(name);
      }
      if (!others.empty()) {
        type = Pick(others);
        Count("request.type.not_applicable");
      }
    } else if (roll < 13) {
      type = "gadget";
      Count("request.type.undeclared");
    }
    request["action"] = action;

    // Most requests are valid; a faulty one may carry wrongly typed values, inline
    // attributes of a stored resource or an id that is not a normalized path (invalid_request).
    const bool faulty = Chance(12);
    if (faulty) Count("request.faulty");
    std::string id = Chance(95) ? Pick(kResourceIds) : "zzz";
    if (target != nullptr && !target->resource_ids.empty()) id = Pick(target->resource_ids);
    if (faulty && Chance(30)) {
      id = Pick(kOddResourceIds);
      Count("request.resource.odd_id");
    }
    json resource = {{"type", type}, {"id", id}};
    const bool stored = model_.resources.count(type) > 0 && FindStoredResource(type, id);
    if (!stored) Count("request.resource.unstored");
    if (Chance(30) && (!stored || faulty)) {
      if (stored) Count("request.inline.stored");
      json attrs = json::object();
      auto declared = model_.resources.find(type);
      if (declared != model_.resources.end()) {
        for (const auto& [name, attr_type] : declared->second) {
          const std::vector<std::string>* members = ResourceEnum(type, name);
          // Inline attributes describe a whole resource: a valid request gives every
          // required one.
          if (!faulty && model_.optional_resource[type].count(name) == 0) {
            Count("request.inline.right_type");
            attrs[name] = DeclaredValueJson(attr_type, members);
          } else if (Chance(50)) {
            attrs[name] = AttributeValue(attr_type, "request.inline", faulty, members);
          }
        }
      }
      if (Chance(15)) attrs["undeclared"] = 7;
      resource["attrs"] = std::move(attrs);
    }
    request["resource"] = std::move(resource);

    if (Chance(85)) {
      json context = json::object();
      for (const auto& [name, entry_type] : model_.context) {
        if (Chance(70)) {
          context[name] = AttributeValue(entry_type, "request.context", faulty,
                                         EnumIn(model_.context_enums, name));
        }
      }
      if (Chance(10)) {
        context["undeclared"] = OpaqueJson();
        Count("request.context.undeclared");
      }
      request["context"] = std::move(context);
    }
    if (Chance(75)) {
      json args = json::object();
      for (const auto& [name, arg_type] : model_.args) {
        if (Chance(70)) {
          args[name] =
              AttributeValue(arg_type, "request.args", faulty, EnumIn(model_.args_enums, name));
        }
      }
      if (Chance(10)) {
        args["undeclared"] = OpaqueJson();
        Count("request.args.undeclared");
      }
      request["args"] = std::move(args);
    }

    const uint64_t chain_roll = Below(100);
    size_t hops = 0;
    if (chain_roll < 45) {
      Count("request.chain.0");
    } else if (chain_roll < 95) {
      hops = 1 + Below(4);
      Count("request.chain.1_to_4");
    } else {
      hops = 8;
      Count("request.chain.8");
    }
    if (hops > 0 || Chance(10)) {
      json chain = json::array();
      std::vector<json> seen = {request["subject"]};
      for (size_t i = 0; i < hops; ++i) {
        if (Chance(15)) {
          chain.push_back(Pick(seen));
          Count("request.chain.repeat");
        } else {
          json ref = IdentityRefJson();
          seen.push_back(ref);
          chain.push_back(std::move(ref));
        }
      }
      request["on_behalf_of"] = std::move(chain);
    }
    request["now"] = Pick(kNowSpellings);
    return request.dump();
  }

  bool FindStoredResource(const std::string& type, const std::string& id) const {
    return stored_resources_.count({type, id}) > 0;
  }

  SplitMix64 rng_;
  FormCounts* forms_;
  Model model_;
  std::set<std::string> used_ids_;  // @ids must be unique
  std::vector<IdentityPlan> identities_;
  std::set<std::pair<std::string, std::string>> stored_resources_;
  std::vector<Head> heads_;  // of every rule
  // While a comparison is generated: the `has` tests its reads need (Path adds them).
  std::set<std::string>* guards_ = nullptr;
  // The enum members of the last path Path chose, null when it is not an enum.
  const std::vector<std::string>* last_enum_ = nullptr;
};

}  // namespace

RandomCase GenerateRandomCase(uint64_t seed, int request_count, FormCounts* forms) {
  return Generator(seed, forms).Run(seed, request_count);
}

const std::vector<std::string>& AllForms() {
  static const auto* const forms =
      new std::vector<std::string>(std::begin(kForms), std::end(kForms));
  return *forms;
}

}  // namespace ward::random_policy
