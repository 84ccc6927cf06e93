// The linter reads the checked rules (the IR) for what they mean and the syntax trees for
// where things are written.
//
// "Can never hold" is decided by a small satisfiability check: a rule holds when `when and
// not unless` is true, which is put in disjunctive normal form (a list of alternatives, each
// a conjunction of possibly negated atoms: ToAlternatives, of the simplify stage) and each
// alternative is tested for a contradiction between its atoms: constraints on the same attribute
// that no value meets (`x == 1` and `x > 5`), an atom and its negation, a constant that is false.
// The rule never holds when every alternative is contradictory. The check is sound, not complete:
// it only reports what it can prove, and gives up (reports nothing) on conditions with too many
// alternatives.

#include "policy_lang/linter.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/json_util.h"
#include "lib/internal/request_check.h"
#include "policy_lang/ast.h"
#include "policy_lang/parser.h"
#include "policy_lang/simplify.h"
#include "re2/re2.h"

namespace ward {
namespace {

using internal::Alternatives;
using internal::Conjoin;
using internal::Conjunction;
using internal::Expr;
using internal::IsBoolLiteral;
using internal::Literal;
using internal::Root;
using internal::RuleEffect;
using internal::ToAlternatives;

// Works whether the IR holds its compiled patterns by shared or plain pointer.
const re2::RE2* RegexOf(const std::shared_ptr<const re2::RE2>& regex) { return regex.get(); }
[[maybe_unused]] const re2::RE2* RegexOf(const re2::RE2* regex) { return regex; }

// ---- Atoms as constraints ----

bool IsTerm(const Expr& expr) {
  return expr.op == Expr::Op::kAttribute || expr.op == Expr::Op::kNow;
}
bool IsValue(const Expr& expr) { return expr.op == Expr::Op::kLiteral; }

std::string TermName(const Expr& expr) {
  if (expr.op == Expr::Op::kNow) return "now";
  return absl::StrCat(internal::RootName(expr.root), ".", expr.name);
}

enum class Relation {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kPrefix,
  kNotPrefix,
  kMatch,
  kNotMatch,
  kHas,
  kHasNot
};

Relation Negate(Relation relation) {
  switch (relation) {
    case Relation::kEq:
      return Relation::kNe;
    case Relation::kNe:
      return Relation::kEq;
    case Relation::kLt:
      return Relation::kGe;
    case Relation::kLe:
      return Relation::kGt;
    case Relation::kGt:
      return Relation::kLe;
    case Relation::kGe:
      return Relation::kLt;
    case Relation::kIn:
      return Relation::kNotIn;
    case Relation::kNotIn:
      return Relation::kIn;
    case Relation::kPrefix:
      return Relation::kNotPrefix;
    case Relation::kNotPrefix:
      return Relation::kPrefix;
    case Relation::kMatch:
      return Relation::kNotMatch;
    case Relation::kNotMatch:
      return Relation::kMatch;
    case Relation::kHas:
      return Relation::kHasNot;
    case Relation::kHasNot:
      return Relation::kHas;
  }
  return relation;
}

// `value op term` read as `term op' value`.
Relation Flip(Relation relation) {
  switch (relation) {
    case Relation::kLt:
      return Relation::kGt;
    case Relation::kLe:
      return Relation::kGe;
    case Relation::kGt:
      return Relation::kLt;
    case Relation::kGe:
      return Relation::kLe;
    default:
      return relation;
  }
}

// What one literal says.
struct Constraint {
  enum class Kind {
    kConstant,  // always `constant`
    kTerm,      // `term relation value` (or regex)
    kOpaque,    // an atom compared by its text with other atoms
  };
  Kind kind = Kind::kOpaque;
  bool constant = false;
  std::string term;
  Relation relation = Relation::kEq;
  Value value;
  const re2::RE2* regex = nullptr;
  std::string regex_text;
  std::string key;  // kOpaque
  bool positive = true;
};

// An int or a timestamp on one ordered axis, for ranges.
std::optional<__int128> Ordinal(const Value& value) {
  if (value.kind() == Value::Kind::kInt) return value.int_value();
  if (value.kind() == Value::Kind::kTimestamp) {
    return static_cast<__int128>(absl::ToUnixNanos(value.timestamp_value()));
  }
  return std::nullopt;
}

bool Contains(const Value& set, const Value& element) {
  if (set.kind() == Value::Kind::kStringSet && element.kind() == Value::Kind::kString) {
    return std::binary_search(set.string_set().begin(), set.string_set().end(),
                              element.string_value());
  }
  if (set.kind() == Value::Kind::kIntSet && element.kind() == Value::Kind::kInt) {
    return std::binary_search(set.int_set().begin(), set.int_set().end(), element.int_value());
  }
  return false;
}

std::vector<Value> Elements(const Value& set) {
  std::vector<Value> elements;
  if (set.kind() == Value::Kind::kStringSet) {
    for (const std::string& s : set.string_set()) elements.push_back(Value::String(s));
  } else if (set.kind() == Value::Kind::kIntSet) {
    for (int64_t i : set.int_set()) elements.push_back(Value::Int(i));
  }
  return elements;
}

// Whether `value` meets `relation` against `operand` (both known).
std::optional<bool> Holds(const Value& value, Relation relation, const Value& operand,
                          const re2::RE2* regex) {
  switch (relation) {
    case Relation::kEq:
      return value == operand;
    case Relation::kNe:
      return value != operand;
    case Relation::kLt:
    case Relation::kLe:
    case Relation::kGt:
    case Relation::kGe: {
      const std::optional<__int128> a = Ordinal(value), b = Ordinal(operand);
      if (!a || !b) return std::nullopt;
      if (relation == Relation::kLt) return *a < *b;
      if (relation == Relation::kLe) return *a <= *b;
      if (relation == Relation::kGt) return *a > *b;
      return *a >= *b;
    }
    case Relation::kIn:
      return Contains(operand, value);
    case Relation::kNotIn:
      return !Contains(operand, value);
    case Relation::kPrefix:
    case Relation::kNotPrefix:
      if (value.kind() != Value::Kind::kString || operand.kind() != Value::Kind::kString) {
        return std::nullopt;
      }
      return absl::StartsWith(value.string_value(), operand.string_value()) ==
             (relation == Relation::kPrefix);
    case Relation::kMatch:
    case Relation::kNotMatch:
      if (value.kind() != Value::Kind::kString || regex == nullptr) return std::nullopt;
      return RE2::FullMatch(value.string_value(), *regex) == (relation == Relation::kMatch);
    case Relation::kHas:
    case Relation::kHasNot:
      return std::nullopt;
  }
  return std::nullopt;
}

Constraint Describe(const Literal& literal) {
  const Expr& atom = *literal.atom;
  Constraint c;
  c.positive = literal.positive;
  auto term = [&](const Expr& t, Relation relation, Value value) {
    c.kind = Constraint::Kind::kTerm;
    c.term = TermName(t);
    c.relation = literal.positive ? relation : Negate(relation);
    c.value = std::move(value);
    return c;
  };
  auto constant = [&](std::optional<bool> result) {
    if (!result) {
      c.kind = Constraint::Kind::kOpaque;
      c.key = internal::ExprToString(atom);
      return c;
    }
    c.kind = Constraint::Kind::kConstant;
    c.constant = *result == literal.positive;
    return c;
  };
  Relation relation = Relation::kEq;
  switch (atom.op) {
    case Expr::Op::kAttribute:
      if (atom.type == Type::kBool) return term(atom, Relation::kEq, Value::Bool(true));
      break;
    case Expr::Op::kHas:
      c.kind = Constraint::Kind::kTerm;
      c.term = absl::StrCat(internal::RootName(atom.root), ".", atom.name);
      c.relation = literal.positive ? Relation::kHas : Relation::kHasNot;
      return c;
    case Expr::Op::kMatches: {
      const Expr& operand = *atom.operands[0];
      c.regex = RegexOf(atom.regex);
      c.regex_text = atom.regex_text;
      if (IsValue(operand)) return constant(Holds(operand.literal, Relation::kMatch, {}, c.regex));
      if (IsTerm(operand)) return term(operand, Relation::kMatch, Value());
      break;
    }
    case Expr::Op::kEq:
    case Expr::Op::kNe:
    case Expr::Op::kLt:
    case Expr::Op::kLe:
    case Expr::Op::kGt:
    case Expr::Op::kGe:
    case Expr::Op::kIn:
    case Expr::Op::kStartsWith: {
      switch (atom.op) {
        case Expr::Op::kEq:
          relation = Relation::kEq;
          break;
        case Expr::Op::kNe:
          relation = Relation::kNe;
          break;
        case Expr::Op::kLt:
          relation = Relation::kLt;
          break;
        case Expr::Op::kLe:
          relation = Relation::kLe;
          break;
        case Expr::Op::kGt:
          relation = Relation::kGt;
          break;
        case Expr::Op::kGe:
          relation = Relation::kGe;
          break;
        case Expr::Op::kIn:
          relation = Relation::kIn;
          break;
        default:
          relation = Relation::kPrefix;
          break;
      }
      const Expr& left = *atom.operands[0];
      const Expr& right = *atom.operands[1];
      if (IsValue(left) && IsValue(right)) {
        return constant(Holds(left.literal, relation, right.literal, nullptr));
      }
      if (IsTerm(left) && IsValue(right)) return term(left, relation, right.literal);
      const bool symmetric = relation == Relation::kEq || relation == Relation::kNe;
      const bool ordered = relation == Relation::kLt || relation == Relation::kLe ||
                           relation == Relation::kGt || relation == Relation::kGe;
      if (IsValue(left) && IsTerm(right) && (symmetric || ordered)) {
        return term(right, Flip(relation), left.literal);
      }
      // Two non-constant sides: compared with other atoms by text, in one normal form so
      // that `a != b` is seen as the negation of `b == a` and `a >= b` of `a < b`.
      std::string l = internal::ExprToString(left), r = internal::ExprToString(right);
      c.kind = Constraint::Kind::kOpaque;
      if (symmetric) {
        if (r < l) std::swap(l, r);
        c.key = absl::StrCat(l, " == ", r);
        c.positive = literal.positive == (relation == Relation::kEq);
        return c;
      }
      if (ordered) {
        // a < b; a > b is b < a; a >= b is not (a < b); a <= b is not (b < a).
        const bool swap = relation == Relation::kGt || relation == Relation::kLe;
        c.key = swap ? absl::StrCat(r, " < ", l) : absl::StrCat(l, " < ", r);
        c.positive = literal.positive == (relation == Relation::kLt || relation == Relation::kGt);
        return c;
      }
      break;
    }
    default:
      break;
  }
  c.kind = Constraint::Kind::kOpaque;
  c.key = internal::ExprToString(atom);
  return c;
}

// Attributes an atom reads (for `not X has a` against a read of X.a).
void CollectReads(const Expr& expr, std::set<std::string>* reads) {
  if (expr.op == Expr::Op::kAttribute) reads->insert(TermName(expr));
  for (const auto& operand : expr.operands) CollectReads(*operand, reads);
}

// Attributes every principal and every resource has while rules are evaluated.
bool AlwaysPresent(const std::string& term) {
  return term == "subject.id" || term == "subject.status" || term == "subject.groups" ||
         term == "resource.id";
}

// The text of a literal as a condition: `x == 1`, or `not (x == 1)`.
std::string LiteralText(const Literal& literal) {
  const std::string text = internal::ExprToString(*literal.atom);
  return literal.positive ? text : absl::StrCat("not (", text, ")");
}

struct Contradiction {
  const Expr* at = nullptr;  // where to report it (may be null: then the rule)
  std::string reason;
};

// The constraints of one alternative on one term, checked as they are added.
class TermConstraints {
 public:
  explicit TermConstraints(std::string term) : term_(std::move(term)) {}

  // Adds a constraint; returns false when the constraints on the term are now contradictory.
  bool Add(const Constraint& c, const std::string& text) {
    texts_.push_back(text);
    switch (c.relation) {
      case Relation::kHas:
        has_true_ = true;
        return !has_false_;
      case Relation::kHasNot:
        has_false_ = true;
        if (has_true_ || read_ || AlwaysPresent(term_)) return false;
        return true;
      default:
        break;
    }
    read_ = true;
    if (has_false_) return false;
    switch (c.relation) {
      case Relation::kEq:
        equal_.push_back(c.value);
        break;
      case Relation::kIn:
        if (!allowed_) {
          allowed_ = Elements(c.value);
        } else {
          std::vector<Value> kept;
          for (const Value& v : *allowed_) {
            if (Contains(c.value, v)) kept.push_back(v);
          }
          allowed_ = std::move(kept);
        }
        break;
      case Relation::kLt:
      case Relation::kLe:
      case Relation::kGt:
      case Relation::kGe: {
        const std::optional<__int128> v = Ordinal(c.value);
        if (!v) {
          others_.push_back(c);
          break;
        }
        if (c.value.kind() == Value::Kind::kInt) {
          // Ints are 64-bit: `x > 9223372036854775807` has no value.
          low_ = std::max<__int128>(low_.value_or(INT64_MIN), INT64_MIN);
          high_ = std::min<__int128>(high_.value_or(INT64_MAX), INT64_MAX);
        }
        if (c.relation == Relation::kLt) high_ = std::min(high_.value_or(*v - 1), *v - 1);
        if (c.relation == Relation::kLe) high_ = std::min(high_.value_or(*v), *v);
        if (c.relation == Relation::kGt) low_ = std::max(low_.value_or(*v + 1), *v + 1);
        if (c.relation == Relation::kGe) low_ = std::max(low_.value_or(*v), *v);
        break;
      }
      default:
        others_.push_back(c);
        break;
    }
    return Consistent();
  }

  // A read of the attribute by another atom (it must be present then).
  bool AddRead(const std::string& text) {
    texts_.push_back(text);
    read_ = true;
    return !has_false_;
  }

  // A constraint that holds of every evaluation, with the reason it does.
  void AddImplicit(const Constraint& c, std::string note) {
    note_ = std::move(note);
    Add(c, "");
    texts_.pop_back();
  }

  std::string Reason() const {
    std::string reason = texts_.size() == 1
                             ? absl::StrCat("`", texts_[0], "` is never true")
                             : absl::StrCat("the conditions on `", term_, "` cannot all be true: `",
                                            absl::StrJoin(texts_, "`, `"), "`");
    if (!note_.empty()) absl::StrAppend(&reason, " (", note_, ")");
    return reason;
  }

 private:
  // Whether `value` meets every constraint but the equalities.
  bool Admits(const Value& value) const {
    if (allowed_ && std::find(allowed_->begin(), allowed_->end(), value) == allowed_->end()) {
      return false;
    }
    if (low_ || high_) {
      const std::optional<__int128> v = Ordinal(value);
      if (v && ((low_ && *v < *low_) || (high_ && *v > *high_))) return false;
    }
    for (const Constraint& c : others_) {
      const std::optional<bool> holds = Holds(value, c.relation, c.value, c.regex);
      if (holds.has_value() && !*holds) return false;
    }
    return true;
  }

  bool Consistent() const {
    if (!equal_.empty()) {
      for (const Value& v : equal_) {
        if (v != equal_.front()) return false;
      }
      return Admits(equal_.front());
    }
    if (allowed_) {
      return std::any_of(allowed_->begin(), allowed_->end(),
                         [&](const Value& v) { return Admits(v); });
    }
    if (low_ && high_) {
      if (*low_ > *high_) return false;
      // A small range all of whose values are excluded one by one.
      if (*high_ - *low_ < 64) {
        bool any = false;
        for (__int128 v = *low_; v <= *high_ && !any; ++v) {
          const bool excluded =
              std::any_of(others_.begin(), others_.end(), [&](const Constraint& c) {
                const std::optional<__int128> o = Ordinal(c.value);
                return c.relation == Relation::kNe && o && *o == v;
              });
          any = !excluded;
        }
        if (!any) return false;
      }
    }
    // Prefixes: the positive ones must lie on one chain, and none may start with a negated
    // one. Regular expressions: the same pattern both required and refused.
    std::vector<std::string> prefixes, refused_prefixes;
    std::set<std::string> patterns, refused_patterns;
    for (const Constraint& c : others_) {
      if (c.relation == Relation::kPrefix) prefixes.push_back(c.value.string_value());
      if (c.relation == Relation::kNotPrefix) refused_prefixes.push_back(c.value.string_value());
      if (c.relation == Relation::kMatch) patterns.insert(c.regex_text);
      if (c.relation == Relation::kNotMatch) refused_patterns.insert(c.regex_text);
    }
    for (const std::string& a : prefixes) {
      for (const std::string& b : prefixes) {
        if (!absl::StartsWith(a, b) && !absl::StartsWith(b, a)) return false;
      }
      for (const std::string& refused : refused_prefixes) {
        if (absl::StartsWith(a, refused)) return false;
      }
    }
    for (const std::string& refused : refused_prefixes) {
      if (refused.empty()) return false;  // every string starts with ""
    }
    for (const std::string& pattern : patterns) {
      if (refused_patterns.count(pattern)) return false;
    }
    // A bool that is neither true nor false.
    bool refuses_true = false, refuses_false = false;
    for (const Constraint& c : others_) {
      if (c.relation == Relation::kNe && c.value.kind() == Value::Kind::kBool) {
        (c.value.bool_value() ? refuses_true : refuses_false) = true;
      }
    }
    return !(refuses_true && refuses_false);
  }

  std::string term_;
  std::string note_;
  std::vector<std::string> texts_;
  bool has_true_ = false;
  bool has_false_ = false;
  bool read_ = false;
  std::vector<Value> equal_;
  std::optional<std::vector<Value>> allowed_;
  std::optional<__int128> low_, high_;
  std::vector<Constraint> others_;
};

// The first contradiction of an alternative, if there is one.
std::optional<Contradiction> FindContradiction(const Conjunction& conjunction) {
  std::map<std::string, TermConstraints> terms;
  std::map<std::string, std::pair<bool, const Literal*>> opaque;
  auto term = [&](const std::string& name) -> TermConstraints& {
    auto it = terms.find(name);
    if (it == terms.end()) it = terms.emplace(name, TermConstraints(name)).first;
    return it->second;
  };
  // Rules are evaluated only for principals that passed the lifecycle guard.
  Constraint active;
  active.kind = Constraint::Kind::kTerm;
  active.term = "subject.status";
  active.relation = Relation::kEq;
  active.value = Value::String("active");
  term("subject.status")
      .AddImplicit(active,
                   "rules are evaluated only for an active subject: the lifecycle guard denies "
                   "the others first");

  for (const Literal& literal : conjunction) {
    const Constraint c = Describe(literal);
    const std::string text = LiteralText(literal);
    switch (c.kind) {
      case Constraint::Kind::kConstant:
        if (!c.constant)
          return Contradiction{literal.atom, absl::StrCat("`", text, "` is never true")};
        break;
      case Constraint::Kind::kTerm: {
        TermConstraints& constraints = term(c.term);
        if (!constraints.Add(c, text)) return Contradiction{literal.atom, constraints.Reason()};
        break;
      }
      case Constraint::Kind::kOpaque: {
        auto [it, inserted] = opaque.emplace(c.key, std::make_pair(c.positive, &literal));
        if (!inserted && it->second.first != c.positive) {
          return Contradiction{literal.atom,
                               absl::StrCat("`", LiteralText(*it->second.second), "` and `", text,
                                            "` cannot both be true")};
        }
        std::set<std::string> reads;
        CollectReads(*literal.atom, &reads);
        for (const std::string& read : reads) {
          TermConstraints& constraints = term(read);
          if (!constraints.AddRead(text)) return Contradiction{literal.atom, constraints.Reason()};
        }
        break;
      }
    }
  }
  return std::nullopt;
}

// Whether no alternative can be true; `first` is the contradiction of the first one.
bool NeverTrue(const Alternatives& alternatives, std::optional<Contradiction>* first) {
  for (const Conjunction& conjunction : alternatives) {
    std::optional<Contradiction> contradiction = FindContradiction(conjunction);
    if (!contradiction) return false;
    if (!first->has_value()) *first = std::move(contradiction);
  }
  return true;
}

// ---- Heads ----

bool SubjectCovers(const internal::SubjectSelector& outer, const internal::SubjectSelector& inner) {
  if (outer.subject_kind.has_value() && outer.subject_kind != inner.subject_kind) return false;
  switch (outer.kind) {
    case internal::SubjectSelector::Kind::kAll:
      return true;
    case internal::SubjectSelector::Kind::kId:
    case internal::SubjectSelector::Kind::kGroup:
      return inner.kind == outer.kind && inner.value == outer.value;
  }
  return false;
}

bool ResourceCovers(const internal::ResourceSelector& outer,
                    const internal::ResourceSelector& inner) {
  using Kind = internal::ResourceSelector::Kind;
  auto under = [&](const std::string& id) {
    return std::any_of(outer.values.begin(), outer.values.end(), [&](const std::string& prefix) {
      return internal::IsUnderPath(id, prefix);
    });
  };
  switch (outer.kind) {
    case Kind::kAll:
      return true;
    case Kind::kIds:
      return inner.kind == Kind::kIds && std::includes(outer.values.begin(), outer.values.end(),
                                                       inner.values.begin(), inner.values.end());
    case Kind::kPrefixes:
      return (inner.kind == Kind::kIds || inner.kind == Kind::kPrefixes) &&
             std::all_of(inner.values.begin(), inner.values.end(), under);
    case Kind::kPattern:
      if (inner.kind == Kind::kPattern) return inner.pattern_text == outer.pattern_text;
      return inner.kind == Kind::kIds && RegexOf(outer.pattern) != nullptr &&
             std::all_of(inner.values.begin(), inner.values.end(), [&](const std::string& id) {
               return RE2::FullMatch(id, *RegexOf(outer.pattern));
             });
  }
  return false;
}

// Whether every request `outer`'s head matches includes those `inner`'s head matches.
bool HeadCovers(const internal::Rule& outer, const internal::Rule& inner) {
  return outer.resource_type == inner.resource_type &&
         SubjectCovers(outer.subject, inner.subject) &&
         std::includes(outer.actions.begin(), outer.actions.end(), inner.actions.begin(),
                       inner.actions.end()) &&
         ResourceCovers(outer.resource, inner.resource);
}

bool Unconditional(const internal::Rule& rule) {
  return (rule.when == nullptr || IsBoolLiteral(*rule.when, true)) &&
         (rule.unless == nullptr || IsBoolLiteral(*rule.unless, false));
}

std::string ConditionKey(const internal::Rule& rule) {
  return absl::StrCat(rule.when ? internal::ExprToString(*rule.when) : "", "\n",
                      rule.unless ? internal::ExprToString(*rule.unless) : "");
}

std::string HeadKey(const internal::Rule& rule) {
  std::string key =
      absl::StrCat(static_cast<int>(rule.effect), "|",
                   rule.subject.subject_kind ? SubjectKindName(*rule.subject.subject_kind) : "any",
                   "|", static_cast<int>(rule.subject.kind), "|", rule.subject.value, "|",
                   absl::StrJoin(rule.actions, ","), "|", rule.resource_type, "|",
                   static_cast<int>(rule.resource.kind), "|",
                   absl::StrJoin(rule.resource.values, "\x1f"), "|", rule.resource.pattern_text);
  return key;
}

std::string ObligationsKey(const internal::Rule& rule) {
  std::string key;
  for (const Redaction& r : rule.obligations.redact) {
    absl::StrAppend(&key, r.pattern, "\x1f", r.replacement, "\x1e");
  }
  for (const auto& [name, value] : rule.obligations.limits) absl::StrAppend(&key, name, value, ";");
  absl::StrAppend(&key, rule.sets_log ? static_cast<int>(rule.obligations.log) : -1);
  return key;
}

// ---- The linter ----

class Linter {
 public:
  explicit Linter(const LintInput& input) : input_(input) {}

  std::vector<Diagnostic> Run() {
    ParseSources();
    if (input_.ir != nullptr) {
      LintRules();
      LintModelControlledExemptions();
      LintUnusedAttributes();
    }
    // Policy findings in source order: by source, then position.
    std::stable_sort(policy_findings_.begin(), policy_findings_.end(),
                     [](const Finding& a, const Finding& b) {
                       return std::tie(a.source_index, a.diagnostic.line, a.diagnostic.column) <
                              std::tie(b.source_index, b.diagnostic.line, b.diagnostic.column);
                     });
    std::vector<Diagnostic> out;
    for (Finding& finding : policy_findings_) out.push_back(std::move(finding.diagnostic));
    if (input_.entities != nullptr && input_.ir != nullptr) {
      std::vector<Diagnostic> entities;
      LintEntities(&entities);
      // In the order of the entity file, where the identities could be placed.
      std::stable_sort(entities.begin(), entities.end(),
                       [](const Diagnostic& a, const Diagnostic& b) {
                         return std::make_tuple(a.line == 0, a.line, a.column) <
                                std::make_tuple(b.line == 0, b.line, b.column);
                       });
      out.insert(out.end(), entities.begin(), entities.end());
    }
    return out;
  }

 private:
  struct Finding {
    size_t source_index;
    Diagnostic diagnostic;
  };

  struct Site {
    size_t source_index = 0;
    const ast::Rule* rule = nullptr;
  };

  void ParseSources() {
    if (input_.sources == nullptr) return;
    for (size_t i = 0; i < input_.sources->size(); ++i) {
      const SourceFile& source = (*input_.sources)[i];
      std::vector<Diagnostic> ignored;
      files_.push_back(
          std::make_unique<ast::File>(ParseSource(source.name, source.text, &ignored)));
      source_index_[source.name] = i;
    }
    // The checker keeps every rule, in source order, when the policy compiles: the n-th rule
    // of the IR is the n-th rule of the sources.
    for (size_t i = 0; i < files_.size(); ++i) {
      for (const ast::Item& item : files_[i]->items) {
        if (const auto* rule = std::get_if<ast::Rule>(&item)) sites_.push_back({i, rule});
      }
    }
  }

  Site SiteOf(size_t rule_index) const {
    if (rule_index < sites_.size()) {
      const Site& site = sites_[rule_index];
      const internal::Rule& rule = input_.ir->rules[rule_index];
      if ((*input_.sources)[site.source_index].name == rule.source &&
          site.rule->effect_span.begin.line == rule.line) {
        return site;
      }
    }
    Site site;
    auto it = source_index_.find(input_.ir->rules[rule_index].source);
    if (it != source_index_.end()) site.source_index = it->second;
    return site;
  }

  // The line index of source `source_index`, built at its first finding.
  const LineIndex& LinesOf(size_t source_index) {
    auto it = line_indexes_.find(source_index);
    if (it == line_indexes_.end()) {
      it = line_indexes_.emplace(source_index, LineIndex((*input_.sources)[source_index].text))
               .first;
    }
    return it->second;
  }

  void Warn(size_t source_index, int line, int column, std::string message) {
    Diagnostic d;
    d.severity = Diagnostic::Severity::kWarning;
    if (input_.sources != nullptr && source_index < input_.sources->size()) {
      const SourceFile& source = (*input_.sources)[source_index];
      d.source = source.name;
      if (line > 0) d.source_line = std::string(LinesOf(source_index).Line(line));
    }
    d.line = line;
    d.column = column;
    d.message = std::move(message);
    policy_findings_.push_back({source_index, std::move(d)});
  }

  // A finding about a whole rule, at its effect keyword.
  void WarnRule(size_t rule_index, std::string message) {
    const Site site = SiteOf(rule_index);
    const internal::Rule& rule = input_.ir->rules[rule_index];
    if (site.rule != nullptr) {
      Warn(site.source_index, site.rule->effect_span.begin.line,
           site.rule->effect_span.begin.column, std::move(message));
    } else {
      Warn(site.source_index, rule.line, 0, std::move(message));
    }
  }

  static std::string Where(const internal::Rule& rule) {
    return absl::StrCat(rule.source, ":", rule.line);
  }

  // The lookup key of the forbids that may cover a head: a subject selector (kind and id or
  // group), an action, and a resource selector; see ForbidIndex.
  static std::string CoverKey(const std::string& resource_type,
                              const std::optional<SubjectKind>& subject_kind,
                              internal::SubjectSelector::Kind selector, absl::string_view value,
                              absl::string_view action, absl::string_view resource) {
    return absl::StrCat(resource_type, "\x1f", subject_kind ? SubjectKindName(*subject_kind) : "",
                        "\x1f", static_cast<int>(selector), "\x1f", value, "\x1f", action, "\x1f",
                        resource);
  }

  // The forbids by the heads they can cover, so that finding the forbids that cover a rule
  // looks at few of them. A forbid is filed under its resource type, subject selector, each of
  // its actions and its resources: `*` for every resource, each id of `in [ids]`, each prefix
  // of `under`, or `~` for a pattern (those are tried one by one); then under its conditions,
  // or as unconditional. The lists are in rule order.
  struct ForbidIndex {
    absl::flat_hash_map<std::string, std::vector<size_t>> by_key;
  };

  static constexpr absl::string_view kUnconditional = "\x1e";

  ForbidIndex IndexForbids(const std::vector<std::string>& condition_keys) const {
    using ResourceKind = internal::ResourceSelector::Kind;
    const std::vector<internal::Rule>& rules = input_.ir->rules;
    ForbidIndex index;
    for (size_t j = 0; j < rules.size(); ++j) {
      const internal::Rule& forbid = rules[j];
      // A shadow forbid denies nothing yet.
      if (forbid.effect != RuleEffect::kForbid || forbid.shadow) continue;
      const std::string condition =
          Unconditional(forbid) ? std::string(kUnconditional) : condition_keys[j];
      std::vector<std::string> resources;
      switch (forbid.resource.kind) {
        case ResourceKind::kAll:
          resources.push_back("*");
          break;
        case ResourceKind::kIds:
          for (const std::string& id : forbid.resource.values) {
            resources.push_back(absl::StrCat("=", id));
          }
          break;
        case ResourceKind::kPrefixes:
          for (const std::string& prefix : forbid.resource.values) {
            resources.push_back(absl::StrCat("<", prefix));
          }
          break;
        case ResourceKind::kPattern:
          resources.push_back("~");
          break;
      }
      const std::string value =
          forbid.subject.kind == internal::SubjectSelector::Kind::kAll ? "" : forbid.subject.value;
      for (const std::string& action : forbid.actions) {
        for (const std::string& resource : resources) {
          std::vector<size_t>& list =
              index.by_key[absl::StrCat(CoverKey(forbid.resource_type, forbid.subject.subject_kind,
                                                 forbid.subject.kind, value, action, resource),
                                        "\x1d", condition)];
          if (list.empty() || list.back() != j) list.push_back(j);
        }
      }
    }
    return index;
  }

  // The first forbid (in rule order) whose head covers `rule`'s and that is unconditional or
  // has `rule`'s conditions; SIZE_MAX when there is none. Only the forbids filed under a key
  // `rule` can match are tried, unless `rule`'s head names no action or an empty list of ids
  // or prefixes (then every forbid is).
  size_t FirstShadowingForbid(size_t i, const ForbidIndex& index,
                              const std::vector<std::string>& condition_keys) const {
    using ResourceKind = internal::ResourceSelector::Kind;
    using SelectorKind = internal::SubjectSelector::Kind;
    const std::vector<internal::Rule>& rules = input_.ir->rules;
    const internal::Rule& rule = rules[i];
    auto shadows = [&](size_t j) {
      const internal::Rule& forbid = rules[j];
      return j != i && forbid.effect == RuleEffect::kForbid && !forbid.shadow &&
             HeadCovers(forbid, rule) &&
             (Unconditional(forbid) || condition_keys[j] == condition_keys[i]);
    };
    const bool ids_or_prefixes =
        rule.resource.kind == ResourceKind::kIds || rule.resource.kind == ResourceKind::kPrefixes;
    if (rule.actions.empty() || (ids_or_prefixes && rule.resource.values.empty())) {
      for (size_t j = 0; j < rules.size(); ++j) {
        if (shadows(j)) return j;
      }
      return SIZE_MAX;
    }
    // A forbid covers the rule's actions only if it has the first of them; the rule's ids
    // only if it has the first of them, or a prefix the first is under (IsUnderPath: the id
    // itself or the part before one of its `/`); the rule's prefixes only if it has a prefix
    // the first is under.
    std::vector<std::optional<SubjectKind>> subject_kinds = {std::nullopt};
    if (rule.subject.subject_kind.has_value()) subject_kinds.push_back(rule.subject.subject_kind);
    std::vector<std::pair<SelectorKind, std::string>> selectors = {{SelectorKind::kAll, ""}};
    if (rule.subject.kind != SelectorKind::kAll) {
      selectors.push_back({rule.subject.kind, rule.subject.value});
    }
    std::vector<std::string> resources = {"*", "~"};
    if (rule.resource.kind == ResourceKind::kIds) {
      resources.push_back(absl::StrCat("=", rule.resource.values.front()));
    }
    if (ids_or_prefixes) {
      const std::string& first = rule.resource.values.front();
      resources.push_back(absl::StrCat("<", first));
      for (size_t slash = first.find('/'); slash != std::string::npos;
           slash = first.find('/', slash + 1)) {
        resources.push_back(absl::StrCat("<", first.substr(0, slash)));
      }
    }
    const std::string conditions[] = {std::string(kUnconditional), condition_keys[i]};
    size_t first = SIZE_MAX;
    for (const auto& subject_kind : subject_kinds) {
      for (const auto& [selector, value] : selectors) {
        for (const std::string& resource : resources) {
          const std::string key = CoverKey(rule.resource_type, subject_kind, selector, value,
                                           rule.actions.front(), resource);
          for (const std::string& condition : conditions) {
            auto it = index.by_key.find(absl::StrCat(key, "\x1d", condition));
            if (it == index.by_key.end()) continue;
            for (size_t j : it->second) {
              if (j >= first) break;
              if (shadows(j)) {
                first = j;
                break;
              }
            }
          }
        }
      }
    }
    return first;
  }

  void LintRules() {
    const std::vector<internal::Rule>& rules = input_.ir->rules;
    std::vector<std::string> condition_keys;
    condition_keys.reserve(rules.size());
    for (const internal::Rule& rule : rules) condition_keys.push_back(ConditionKey(rule));
    const ForbidIndex forbids = IndexForbids(condition_keys);
    absl::flat_hash_map<std::string, size_t> first_with_key;
    for (size_t i = 0; i < rules.size(); ++i) {
      const internal::Rule& rule = rules[i];
      if (LintNeverHolds(i)) continue;  // whatever else is said of it is moot

      // Duplicates.
      const std::string key = HeadKey(rule) + "\n" + condition_keys[i];
      auto [it, inserted] = first_with_key.emplace(key, i);
      if (!inserted) {
        const internal::Rule& first = rules[it->second];
        if (LintAllowed(rule, "duplicate")) continue;
        WarnRule(i, absl::StrCat(internal::RuleEffectKeyword(rule.effect), " `", rule.name,
                                 "` repeats `", first.name, "` (", Where(first),
                                 "): the same effect, head and conditions",
                                 ObligationsKey(rule) == ObligationsKey(first)
                                     ? ""
                                     : "; only the obligations differ, and they merge",
                                 " [duplicate]"));
        continue;
      }

      // Shadowed by a forbid.
      if (rule.effect == RuleEffect::kForbid) continue;
      const size_t j = FirstShadowingForbid(i, forbids, condition_keys);
      if (j == SIZE_MAX || LintAllowed(rule, "shadowed")) continue;
      const internal::Rule& forbid = rules[j];
      const bool unconditional = Unconditional(forbid);
      WarnRule(i,
               absl::StrCat(internal::RuleEffectKeyword(rule.effect), " `", rule.name,
                            "` never takes effect: forbid `", forbid.name, "` (", Where(forbid),
                            ") covers every request it applies to",
                            unconditional ? " and has no conditions" : " under the same conditions",
                            ", so it denies whenever this rule holds [shadowed]"));
    }
  }

  // Reports rule `i` when it can never hold; returns whether it did.
  bool LintNeverHolds(size_t i) {
    const internal::Rule& rule = input_.ir->rules[i];
    if (rule.when == nullptr && rule.unless == nullptr) return false;
    Alternatives when = {{}}, not_unless = {{}};
    if (rule.when != nullptr && !ToAlternatives(*rule.when, true, &when)) return false;
    if (rule.unless != nullptr && !ToAlternatives(*rule.unless, false, &not_unless)) return false;
    std::optional<Contradiction> contradiction;
    std::string what;
    const Expr* fallback = nullptr;
    std::optional<Contradiction> unless_contradiction;
    if (rule.when != nullptr && NeverTrue(when, &contradiction)) {
      what = "its `when` condition is never true";
      fallback = rule.when.get();
    } else if (rule.unless != nullptr && NeverTrue(not_unless, &unless_contradiction)) {
      what = "its `unless` condition is always true";
      fallback = rule.unless.get();
      contradiction = std::move(unless_contradiction);
    } else {
      contradiction.reset();
      Alternatives both;
      if (!Conjoin(when, not_unless, &both) || !NeverTrue(both, &contradiction)) return false;
      what = "its `when` and `unless` conditions exclude each other";
      fallback = rule.when ? rule.when.get() : rule.unless.get();
    }
    std::string reason;
    if (contradiction.has_value() && !contradiction->reason.empty()) {
      reason = absl::StrCat(": ", contradiction->reason);
    }
    const Expr* at =
        contradiction.has_value() && contradiction->at != nullptr ? contradiction->at : fallback;
    // Allowed: a deliberate fixture; the other findings about it stay moot.
    if (LintAllowed(rule, "never-holds")) return true;
    const Site site = SiteOf(i);
    Warn(site.source_index, at->line, at->column,
         absl::StrCat(internal::RuleEffectKeyword(rule.effect), " `", rule.name,
                      "` can never hold: ", what, reason, " [never-holds]"));
    return true;
  }

  // A forbid or require_approval that an `args` value can switch off lets the model exempt
  // itself: any `args` read in `unless`; in `when`, a bool argument (a flag, not a property of
  // the action, as an amount is) or an `args has` the rule needs (leaving the argument out
  // switches the rule off; under `not`, as in `not (args has x and ...)`, it fails closed).
  void LintModelControlledExemptions() {
    const std::vector<internal::Rule>& rules = input_.ir->rules;
    for (size_t i = 0; i < rules.size(); ++i) {
      const internal::Rule& rule = rules[i];
      if (rule.effect == RuleEffect::kPermit) continue;
      const Expr* found = nullptr;
      if (rule.unless != nullptr) found = FindArgsRead(*rule.unless, /*in_when=*/false, false);
      if (found == nullptr && rule.when != nullptr) {
        found = FindArgsRead(*rule.when, /*in_when=*/true, false);
      }
      if (found == nullptr || LintAllowed(rule, "model-controlled-exemption")) continue;
      const Site site = SiteOf(i);
      Warn(site.source_index, found->line, found->column,
           absl::StrCat(internal::RuleEffectKeyword(rule.effect), " `", rule.name,
                        "` can be switched off by `args.", found->name,
                        "`, which the model controls, so the model could exempt itself; "
                        "approve with a signed grant (docs/approvals.md) or read a `context` "
                        "fact the host asserts [model-controlled-exemption]"));
    }
  }

  static const Expr* FindArgsRead(const Expr& expr, bool in_when, bool negated) {
    if ((expr.op == Expr::Op::kAttribute || expr.op == Expr::Op::kHas) &&
        expr.root == Root::kArgs) {
      if (!in_when) return &expr;
      if (expr.op == Expr::Op::kAttribute && expr.type == Type::kBool) return &expr;
      if (expr.op == Expr::Op::kHas && !negated) return &expr;
    }
    const bool operand_negated = expr.op == Expr::Op::kNot ? !negated : negated;
    for (const auto& operand : expr.operands) {
      if (const Expr* found = FindArgsRead(*operand, in_when, operand_negated)) return found;
    }
    return nullptr;
  }

  void LintUnusedAttributes() {
    // Which attributes rules read: (kind, name) of subjects, (type, name) of resources, and
    // context entries.
    std::set<std::pair<int, std::string>> subject_reads;
    std::set<std::pair<std::string, std::string>> resource_reads;
    std::set<std::string> context_reads;
    std::set<std::string> args_reads;
    for (const internal::Rule& rule : input_.ir->rules) {
      std::vector<const Expr*> stack;
      if (rule.when) stack.push_back(rule.when.get());
      if (rule.unless) stack.push_back(rule.unless.get());
      while (!stack.empty()) {
        const Expr* expr = stack.back();
        stack.pop_back();
        for (const auto& operand : expr->operands) stack.push_back(operand.get());
        if (expr->op != Expr::Op::kAttribute && expr->op != Expr::Op::kHas) continue;
        switch (expr->root) {
          case Root::kSubject:
            if (rule.subject.subject_kind.has_value()) {
              subject_reads.insert({static_cast<int>(*rule.subject.subject_kind), expr->name});
              break;
            }
            [[fallthrough]];
          case Root::kDelegator:
            for (SubjectKind kind : kAllSubjectKinds) {
              subject_reads.insert({static_cast<int>(kind), expr->name});
            }
            break;
          case Root::kResource:
            resource_reads.insert({rule.resource_type, expr->name});
            break;
          case Root::kContext:
            context_reads.insert(expr->name);
            break;
          case Root::kArgs:
            args_reads.insert(expr->name);
            break;
        }
      }
    }
    for (size_t i = 0; i < files_.size(); ++i) {
      for (const ast::Item& item : files_[i]->items) {
        const auto* block = std::get_if<ast::SchemaBlock>(&item);
        if (block == nullptr) continue;
        for (const ast::SchemaItem& schema_item : block->items) {
          for (const ast::AttributeDecl& decl : schema_item.attributes) {
            const std::string& name = decl.name.name;
            std::string owner;
            bool read = true;
            switch (schema_item.kind) {
              case ast::SchemaItem::Kind::kSubject:
                read = subject_reads.count({static_cast<int>(schema_item.subject_kind), name});
                owner = absl::StrCat("attribute `", name, "` of ",
                                     SubjectKindName(schema_item.subject_kind));
                break;
              case ast::SchemaItem::Kind::kResource:
                read = resource_reads.count({schema_item.resource_type.name, name});
                owner = absl::StrCat("attribute `", name, "` of resource type `",
                                     schema_item.resource_type.name, "`");
                break;
              case ast::SchemaItem::Kind::kContext:
                read = context_reads.count(name);
                owner = absl::StrCat("context entry `", name, "`");
                break;
              case ast::SchemaItem::Kind::kArgs:
                read = args_reads.count(name);
                owner = absl::StrCat("argument `", name, "`");
                break;
              case ast::SchemaItem::Kind::kAction:
                break;
            }
            if (read) continue;
            Warn(i, decl.name.span.begin.line, decl.name.span.begin.column,
                 absl::StrCat(owner, " is declared but no rule reads it [unused-attribute]"));
          }
        }
      }
    }
  }

  // ---- Entities ----

  // The line and column of the identity's id in the entity file, when it can be found.
  std::pair<int, int> PositionOfId(const std::string& id) const {
    const std::string& text = input_.entities_text;
    const std::string quoted = internal::JsonQuote(id);
    for (size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
      // It must be the value of an "id" key: `"id"`, blanks, `:`, blanks, then the id.
      size_t i = at;
      while (i > 0 && absl::ascii_isspace(static_cast<unsigned char>(text[i - 1]))) --i;
      if (i == 0 || text[i - 1] != ':') continue;
      --i;
      while (i > 0 && absl::ascii_isspace(static_cast<unsigned char>(text[i - 1]))) --i;
      if (i < 4 || text.compare(i - 4, 4, "\"id\"") != 0) continue;
      int line = 1, column = 1;
      for (size_t k = 0; k < at; ++k) {
        if (text[k] == '\n') {
          ++line;
          column = 1;
        } else if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) {
          ++column;
        }
      }
      return {line, column};
    }
    return {0, 0};
  }

  void WarnEntity(const std::string& id, std::string message, std::vector<Diagnostic>* out) {
    Diagnostic d;
    d.severity = Diagnostic::Severity::kWarning;
    d.source = input_.entities_name;
    const auto [line, column] = PositionOfId(id);
    d.line = line;
    d.column = column;
    if (line > 0) {
      if (!entity_lines_.has_value()) entity_lines_.emplace(input_.entities_text);
      d.source_line = std::string(entity_lines_->Line(line));
    }
    d.message = std::move(message);
    out->push_back(std::move(d));
  }

  void LintEntities(std::vector<Diagnostic>* out) {
    const absl::Time now = input_.now.value_or(absl::Now());
    const EntityStore& store = *input_.entities;
    std::vector<const Identity*> identities;
    std::set<std::string> owners;
    for (const auto& [id, identity] : store.identities()) {
      identities.push_back(&identity);
      if (identity.owner.has_value()) owners.insert(*identity.owner);
    }
    std::sort(identities.begin(), identities.end(),
              [](const Identity* a, const Identity* b) { return a->id < b->id; });
    auto describe = [](const Identity& identity) {
      return absl::StrCat(SubjectKindName(identity.kind), " `", identity.id, "`");
    };
    // Why an identity is not active now, or nothing.
    auto inactive = [&](const Identity& identity) -> std::string {
      if (identity.status != IdentityStatus::kActive) {
        return std::string(IdentityStatusName(identity.status));
      }
      if (identity.expires_at.has_value() && *identity.expires_at <= now) {
        return absl::StrCat("expired (at ", FormatTimestamp(*identity.expires_at), ")");
      }
      return "";
    };
    for (const Identity* identity : identities) {
      std::string state = inactive(*identity);
      if (!state.empty()) {
        WarnEntity(identity->id,
                   absl::StrCat(describe(*identity), " is ", state,
                                ": every request it makes or acts for is denied (`lifecycle`) "
                                "[inactive-identity]"),
                   out);
      }
      if (identity->kind != SubjectKind::kUser) {
        std::string problem;
        if (!identity->owner.has_value()) {
          problem = "has no owner";
        } else if (const Identity* owner = store.FindIdentity(*identity->owner); owner == nullptr) {
          problem =
              absl::StrCat("is owned by `", *identity->owner, "`, who is not in the entity file");
        } else if (owner->kind != SubjectKind::kUser) {
          problem = absl::StrCat("is owned by ", describe(*owner), ", but an owner must be a user");
        } else if (const std::string owner_state = inactive(*owner); !owner_state.empty()) {
          problem = absl::StrCat("is owned by ", describe(*owner), ", who is ", owner_state);
        }
        if (!problem.empty()) {
          if (state.empty()) state = "unowned";
          WarnEntity(identity->id,
                     absl::StrCat(describe(*identity), " ", problem,
                                  ": every request it makes or acts for is denied (`unowned`) "
                                  "[unowned-identity]"),
                     out);
        }
      }
      // An identity no rule can apply to is denied whatever it asks. One that the guard
      // already stops (inactive or unowned) is reported as such above; a user who owns agents or
      // builders may have no rules of its own, as the person accountable for them.
      if (state.empty() && !owners.count(identity->id) && !AnyRuleApplies(*identity)) {
        WarnEntity(identity->id,
                   absl::StrCat("no rule applies to ", describe(*identity),
                                ": no rule head names its kind, its id or one of its groups, "
                                "so every request it makes is denied [unreachable-identity]"),
                   out);
      }
    }
  }

  bool AnyRuleApplies(const Identity& identity) const {
    for (const internal::Rule& rule : input_.ir->rules) {
      const internal::SubjectSelector& subject = rule.subject;
      if (subject.subject_kind.has_value() && *subject.subject_kind != identity.kind) continue;
      switch (subject.kind) {
        case internal::SubjectSelector::Kind::kAll:
          return true;
        case internal::SubjectSelector::Kind::kId:
          if (subject.value == identity.id) return true;
          break;
        case internal::SubjectSelector::Kind::kGroup:
          if (std::binary_search(identity.groups.begin(), identity.groups.end(), subject.value)) {
            return true;
          }
          break;
      }
    }
    return false;
  }

  const LintInput& input_;
  std::vector<std::unique_ptr<ast::File>> files_;
  std::map<std::string, size_t> source_index_;
  std::vector<Site> sites_;
  std::vector<Finding> policy_findings_;
  absl::flat_hash_map<size_t, LineIndex> line_indexes_;  // of the sources, for Warn
  std::optional<LineIndex> entity_lines_;                // of the entity text, for WarnEntity
};

}  // namespace

const std::vector<std::string>& RuleLintCodes() {
  static const auto* const kCodes = new std::vector<std::string>{
      "duplicate", "shadowed", "never-holds", "model-controlled-exemption"};
  return *kCodes;
}

bool LintAllowed(const internal::Rule& rule, absl::string_view code) {
  for (const auto& [name, value] : rule.annotations) {
    if (name != "allow") continue;
    for (absl::string_view allowed : absl::StrSplit(value, ',')) {
      if (absl::StripAsciiWhitespace(allowed) == code) return true;
    }
  }
  return false;
}

std::vector<Diagnostic> Lint(const LintInput& input) { return Linter(input).Run(); }

}  // namespace ward
