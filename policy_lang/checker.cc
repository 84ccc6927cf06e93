#include "policy_lang/checker.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/internal/json_util.h"
#include "lib/internal/request_check.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/linter.h"
#include "re2/re2.h"
#include "ward/value.h"

namespace ward {
namespace {

using internal::Expr;
using internal::Root;
using internal::RuleEffect;

constexpr absl::string_view kObligationNames[] = {"redact", "limit", "log"};
constexpr absl::string_view kLogLevels[] = {"none", "summary", "full"};

std::vector<std::string> BuiltinSubjectAttributes() {
  return {"id", "owner", "status", "expires_at", "groups"};
}

Root ToRoot(ast::PathRoot root) {
  switch (root) {
    case ast::PathRoot::kSubject:
      return Root::kSubject;
    case ast::PathRoot::kResource:
      return Root::kResource;
    case ast::PathRoot::kContext:
      return Root::kContext;
    case ast::PathRoot::kArgs:
      return Root::kArgs;
    case ast::PathRoot::kDelegator:
      return Root::kDelegator;
  }
  return Root::kSubject;
}

bool IsSet(Type type) { return type == Type::kStringSet || type == Type::kIntSet; }

Type ElementType(Type set_type) { return set_type == Type::kIntSet ? Type::kInt : Type::kString; }

// `[]` checks as a set of strings but stands for a set of either element type.
bool IsEmptyListLiteral(const Expr& expr) {
  if (expr.op != Expr::Op::kLiteral) return false;
  if (expr.literal.kind() == Value::Kind::kStringSet) return expr.literal.string_set().empty();
  if (expr.literal.kind() == Value::Kind::kIntSet) return expr.literal.int_set().empty();
  return false;
}

bool IsStringLiteral(const Expr& expr) {
  return expr.op == Expr::Op::kLiteral && expr.literal.kind() == Value::Kind::kString;
}

Expr::Op BinaryOpToIr(ast::Expr::BinaryOp op) {
  switch (op) {
    case ast::Expr::BinaryOp::kAnd:
      return Expr::Op::kAnd;
    case ast::Expr::BinaryOp::kOr:
      return Expr::Op::kOr;
    case ast::Expr::BinaryOp::kEq:
      return Expr::Op::kEq;
    case ast::Expr::BinaryOp::kNe:
      return Expr::Op::kNe;
    case ast::Expr::BinaryOp::kLt:
      return Expr::Op::kLt;
    case ast::Expr::BinaryOp::kLe:
      return Expr::Op::kLe;
    case ast::Expr::BinaryOp::kGt:
      return Expr::Op::kGt;
    case ast::Expr::BinaryOp::kGe:
      return Expr::Op::kGe;
    case ast::Expr::BinaryOp::kIn:
      return Expr::Op::kIn;
    case ast::Expr::BinaryOp::kStartsWith:
      return Expr::Op::kStartsWith;
    case ast::Expr::BinaryOp::kUnder:
      return Expr::Op::kUnder;
  }
  return Expr::Op::kAnd;
}

template <typename Map>
std::vector<std::string> Keys(const Map& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map) keys.push_back(key);
  return keys;
}

// The text around the first `{` that RE2 reads as a literal brace because it does not start
// a repetition (`\d{3-\d{2}` for `\d{3}-\d{2}`), or nullopt. Braces escaped or inside a
// character class are meant as braces.
std::optional<std::string> LiteralBrace(absl::string_view pattern) {
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;  // `[]...]`
      continue;
    }
    if (c != '{') continue;
    size_t j = i + 1;
    const size_t digits_begin = j;
    while (j < pattern.size() && absl::ascii_isdigit(pattern[j])) ++j;
    bool repetition = j > digits_begin;
    if (repetition && j < pattern.size() && pattern[j] == ',') {
      ++j;
      while (j < pattern.size() && absl::ascii_isdigit(pattern[j])) ++j;
    }
    repetition = repetition && j < pattern.size() && pattern[j] == '}';
    if (repetition) {
      i = j;
      continue;
    }
    const size_t begin = i >= 4 ? i - 4 : 0;
    return std::string(pattern.substr(begin, std::min<size_t>(pattern.size(), i + 6) - begin));
  }
  return std::nullopt;
}

// Attributes proven present by `has` tests at a point of a condition: (root, name) pairs.
using Presence = std::set<std::pair<Root, std::string>>;

// What a rule's conditions may refer to.
struct RuleScope {
  std::optional<SubjectKind> subject_kind;  // nullopt for `any`
  std::string resource_type;
  bool resource_type_known = false;
  // The condition being checked is the `when` of a forbid or a require_approval: a guard
  // there switches the rule off when the value is absent, which a fix should say.
  bool restricting_when = false;
};

class Checker {
 public:
  Checker(const std::vector<CheckInput>& inputs, const CheckOptions& options,
          std::vector<Diagnostic>* diagnostics)
      : inputs_(inputs), options_(options), diagnostics_(diagnostics) {}

  std::optional<internal::PolicyIr> Run() {
    for (const CheckInput& input : inputs_) {
      current_ = &input;
      for (const ast::Item& item : input.file->items) {
        if (const auto* block = std::get_if<ast::SchemaBlock>(&item)) CollectSchema(*block);
      }
    }
    CheckActionTargets();
    for (const CheckInput& input : inputs_) {
      current_ = &input;
      for (const ast::Item& item : input.file->items) {
        if (const auto* rule = std::get_if<ast::Rule>(&item)) CheckRule(*rule);
      }
    }
    if (has_errors_) return std::nullopt;
    internal::PolicyIr ir;
    ir.schema = std::move(schema_);
    ir.rules = std::move(rules_);
    return ir;
  }

 private:
  void Report(Diagnostic::Severity severity, const ast::Location& at, std::string message) {
    Diagnostic d;
    d.severity = severity;
    d.source = current_->file->source_name;
    d.line = at.line;
    d.column = at.column;
    d.message = std::move(message);
    d.source_line = std::string(LinesOf(*current_).Line(at.line));
    diagnostics_->push_back(std::move(d));
  }
  // The line index of `input`'s text, built at its first diagnostic.
  const LineIndex& LinesOf(const CheckInput& input) {
    auto it = line_indexes_.find(&input);
    if (it == line_indexes_.end()) {
      it = line_indexes_.emplace(&input, LineIndex(input.text)).first;
    }
    return it->second;
  }
  void Error(const ast::Location& at, std::string message) {
    has_errors_ = true;
    Report(Diagnostic::Severity::kError, at, std::move(message));
  }
  void Warning(const ast::Location& at, std::string message) {
    Report(Diagnostic::Severity::kWarning, at, std::move(message));
  }

  // ---- Schema ----

  // What an attribute declaration belongs to: its built-ins cannot be redeclared.
  enum class Owner { kIdentity, kResource, kRequest };

  void DeclareAttributes(const std::vector<ast::AttributeDecl>& decls, AttributeSpecs* into,
                         absl::string_view owner_name, Owner owner) {
    for (const ast::AttributeDecl& decl : decls) {
      const std::string& name = decl.name.name;
      if (owner == Owner::kIdentity && BuiltinSubjectAttributeType(name).has_value()) {
        Error(decl.name.span.begin,
              absl::StrCat("`", name, "` is a built-in attribute of every identity"));
        continue;
      }
      if (owner == Owner::kResource && name == "id") {
        Error(decl.name.span.begin, "`id` is a built-in attribute of every resource");
        continue;
      }
      AttributeSpec spec;
      spec.type = decl.type;
      // A request may leave out any context or args entry: `?` on them changes nothing.
      spec.optional = decl.optional || owner == Owner::kRequest;
      for (const ast::StringLiteral& member : decl.members) {
        if (std::find(spec.members.begin(), spec.members.end(), member.value) !=
            spec.members.end()) {
          Error(member.span.begin, absl::StrCat("enum member ", internal::JsonQuote(member.value),
                                                " of `", name, "` is listed twice"));
        }
        spec.members.push_back(member.value);
      }
      std::sort(spec.members.begin(), spec.members.end());
      spec.members.erase(std::unique(spec.members.begin(), spec.members.end()), spec.members.end());
      if (!into->emplace(name, std::move(spec)).second) {
        Error(decl.name.span.begin,
              absl::StrCat("attribute `", name, "` of ", owner_name, " is already declared"));
      }
    }
  }

  void CollectSchema(const ast::SchemaBlock& block) {
    for (const ast::SchemaItem& item : block.items) {
      switch (item.kind) {
        case ast::SchemaItem::Kind::kSubject: {
          auto& attrs = schema_.subject_attributes[static_cast<int>(item.subject_kind)];
          DeclareAttributes(item.attributes, &attrs, SubjectKindName(item.subject_kind),
                            Owner::kIdentity);
          break;
        }
        case ast::SchemaItem::Kind::kResource: {
          auto& attrs = schema_.resource_types[item.resource_type.name];
          DeclareAttributes(item.attributes, &attrs,
                            absl::StrCat("resource type `", item.resource_type.name, "`"),
                            Owner::kResource);
          break;
        }
        case ast::SchemaItem::Kind::kContext:
          DeclareAttributes(item.attributes, &schema_.context, "the context", Owner::kRequest);
          break;
        case ast::SchemaItem::Kind::kArgs:
          DeclareAttributes(item.attributes, &schema_.args, "the args", Owner::kRequest);
          break;
        case ast::SchemaItem::Kind::kAction:
          for (const ast::Identifier& action : item.actions) {
            auto& targets = schema_.actions[action.name];
            for (const ast::Identifier& type : item.action_resource_types) {
              if (!targets.insert(type.name).second) {
                Error(action.span.begin,
                      absl::StrCat("action `", action.name, "` is already declared on `", type.name,
                                   "`"));
              }
              action_targets_.push_back({current_, type});
            }
          }
          break;
      }
    }
  }

  // Every resource type an action names must be declared somewhere in the policy set.
  void CheckActionTargets() {
    std::vector<std::string> types = Keys(schema_.resource_types);
    std::set<std::pair<const CheckInput*, int>> reported;
    for (const auto& [input, type] : action_targets_) {
      if (schema_.resource_types.count(type.name)) continue;
      if (!reported.insert({input, type.span.begin.offset}).second) continue;
      current_ = input;
      Error(type.span.begin,
            absl::StrCat("unknown resource type `", type.name, "`", DidYouMean(type.name, types)));
    }
  }

  // ---- Rules ----

  void CheckRule(const ast::Rule& rule) {
    internal::Rule out;
    out.source = current_->file->source_name;
    out.line = rule.effect_span.begin.line;
    out.name = absl::StrCat(out.source, ":", out.line);
    switch (rule.effect) {
      case ast::Effect::kPermit:
        out.effect = RuleEffect::kPermit;
        break;
      case ast::Effect::kForbid:
        out.effect = RuleEffect::kForbid;
        break;
      case ast::Effect::kRequireApproval:
        out.effect = RuleEffect::kRequireApproval;
        break;
    }
    const bool ok_before = !has_errors_;
    has_errors_ = false;

    CheckAnnotations(rule, &out);

    // Subject.
    out.subject.subject_kind = rule.subject.kind;
    switch (rule.subject.selector) {
      case ast::SubjectHead::Selector::kAll:
        out.subject.kind = internal::SubjectSelector::Kind::kAll;
        break;
      case ast::SubjectHead::Selector::kId:
        out.subject.kind = internal::SubjectSelector::Kind::kId;
        out.subject.value = rule.subject.value.value;
        break;
      case ast::SubjectHead::Selector::kGroup:
        out.subject.kind = internal::SubjectSelector::Kind::kGroup;
        out.subject.value = rule.subject.value.value;
        break;
    }

    // Resource type and actions.
    RuleScope scope;
    scope.subject_kind = rule.subject.kind;
    scope.resource_type = rule.resource.type.name;
    scope.resource_type_known = schema_.resource_types.count(scope.resource_type) > 0;
    out.resource_type = scope.resource_type;
    if (!scope.resource_type_known) {
      Error(rule.resource.type.span.begin,
            absl::StrCat("unknown resource type `", scope.resource_type, "`",
                         DidYouMean(scope.resource_type, Keys(schema_.resource_types))));
    }
    for (const ast::Identifier& action : rule.actions) {
      auto it = schema_.actions.find(action.name);
      if (it == schema_.actions.end()) {
        Error(action.span.begin, absl::StrCat("unknown action `", action.name, "`",
                                              DidYouMean(action.name, Keys(schema_.actions))));
        continue;
      }
      if (scope.resource_type_known && !it->second.count(scope.resource_type)) {
        Error(action.span.begin,
              absl::StrCat("action `", action.name, "` does not apply to `", scope.resource_type,
                           "` (it applies to ",
                           absl::StrJoin(it->second, ", ",
                                         [](std::string* o, const std::string& t) {
                                           absl::StrAppend(o, "`", t, "`");
                                         }),
                           ")"));
        continue;
      }
      out.actions.push_back(action.name);
    }
    std::sort(out.actions.begin(), out.actions.end());
    out.actions.erase(std::unique(out.actions.begin(), out.actions.end()), out.actions.end());

    CheckResourceSelector(rule.resource, &out.resource);

    // `unless` is evaluated only when `when` holds, so what `when` proves present may be
    // read in `unless`.
    Presence proven_by_when;
    if (rule.when) {
      RuleScope when_scope = scope;
      when_scope.restricting_when = out.effect != RuleEffect::kPermit;
      out.when = CheckCondition(*rule.when, when_scope, {}, &proven_by_when);
      out.when_text = ConditionText(*rule.when);
    }
    if (rule.unless) {
      Presence unused;
      out.unless = CheckCondition(*rule.unless, scope, proven_by_when, &unused);
      out.unless_text = ConditionText(*rule.unless);
    }

    if (!rule.obligations.empty() || rule.with_span.begin.line > 0) {
      if (out.effect != RuleEffect::kPermit) {
        Error(rule.with_span.begin,
              absl::StrCat("`with` is only allowed on `permit` rules, not on `",
                           internal::RuleEffectKeyword(out.effect), "`"));
      } else {
        CheckObligations(rule.obligations, &out);
      }
    }

    const bool rule_ok = !has_errors_;
    has_errors_ = !ok_before || !rule_ok;
    if (rule_ok) rules_.push_back(std::move(out));
  }

  void CheckAnnotations(const ast::Rule& rule, internal::Rule* out) {
    std::set<std::string> seen;
    for (const ast::Annotation& annotation : rule.annotations) {
      const std::string& name = annotation.name.name;
      if (!seen.insert(name).second) {
        Error(annotation.name.span.begin,
              absl::StrCat("annotation `@", name, "` appears twice on this rule"));
        continue;
      }
      out->annotations.emplace_back(name, annotation.value.value);
      if (name == "shadow") {
        if (annotation.has_value) {
          Error(annotation.value.span.begin,
                "`@shadow` takes no value: write `@shadow` alone before the rule");
        }
        out->shadow = true;
        continue;
      }
      if (!annotation.has_value) {
        Error(annotation.name.span.end,
              absl::StrCat("`@", name, "` needs a value: `@", name, "(\"...\")`"));
        continue;
      }
      if (name == "allow") {
        CheckAllow(annotation);
        continue;
      }
      if (name != "id") continue;
      const std::string& id = annotation.value.value;
      if (id.empty()) {
        Error(annotation.value.span.begin, "`@id` must not be empty");
        continue;
      }
      auto [it, inserted] = rule_ids_.emplace(
          id, absl::StrCat(current_->file->source_name, ":", annotation.value.span.begin.line));
      if (!inserted) {
        Error(annotation.value.span.begin,
              absl::StrCat("duplicate rule id `", id, "` (first used at ", it->second, ")"));
        continue;
      }
      out->name = id;
    }
  }

  // `@allow("CODE, ...")`: each code one of the linter's findings about a rule.
  void CheckAllow(const ast::Annotation& annotation) {
    const std::vector<std::string>& codes = RuleLintCodes();
    for (absl::string_view part : absl::StrSplit(annotation.value.value, ',')) {
      const std::string code(absl::StripAsciiWhitespace(part));
      if (std::find(codes.begin(), codes.end(), code) != codes.end()) continue;
      Error(annotation.value.span.begin,
            absl::StrCat("`@allow` takes ", absl::StrJoin(codes, ", "),
                         " (separated by commas), not `", code, "`", DidYouMean(code, codes)));
    }
  }

  void CheckResourceSelector(const ast::ResourceHead& head, internal::ResourceSelector* out) {
    using Selector = ast::ResourceHead::Selector;
    switch (head.selector) {
      case Selector::kAll:
        out->kind = internal::ResourceSelector::Kind::kAll;
        return;
      case Selector::kId:
      case Selector::kIds:
        out->kind = internal::ResourceSelector::Kind::kIds;
        break;
      case Selector::kPrefix:
      case Selector::kPrefixes:
        out->kind = internal::ResourceSelector::Kind::kPrefixes;
        break;
      case Selector::kPattern:
        out->kind = internal::ResourceSelector::Kind::kPattern;
        out->pattern = CompileRegex(head.pattern);
        out->pattern_text = head.pattern.pattern;
        return;
    }
    const bool paths = out->kind == internal::ResourceSelector::Kind::kPrefixes;
    for (const ast::StringLiteral& value : head.values) {
      if (!paths) {
        out->values.push_back(value.value);
        continue;
      }
      // `under` matches whole path segments; "a/b/" and "a/b" are the same prefix.
      absl::string_view prefix = value.value;
      if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
      if (std::optional<std::string> problem = internal::PathIdProblem(prefix)) {
        Error(value.span.begin,
              absl::StrCat("`under` needs a normalized path prefix such as \"vision/raw/\"; ",
                           internal::JsonQuote(value.value), " is not one: ", *problem));
        continue;
      }
      out->values.emplace_back(prefix);
    }
    std::sort(out->values.begin(), out->values.end());
    out->values.erase(std::unique(out->values.begin(), out->values.end()), out->values.end());
  }

  std::shared_ptr<const re2::RE2> CompileRegex(const ast::RegexLiteral& literal) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(options_.max_regex_memory);
    auto regex = std::make_shared<const re2::RE2>(
        re2::StringPiece(literal.pattern.data(), literal.pattern.size()), options);
    if (regex->ok()) {
      if (std::optional<std::string> brace = LiteralBrace(literal.pattern)) {
        Warning(literal.span.begin,
                absl::StrCat("in `", *brace,
                             "` the `{` is read as a literal brace, not a repetition (a "
                             "repetition is `{n}`, `{n,}` or `{n,m}`); write `\\{` if a brace "
                             "is meant"));
      }
      return regex;
    }
    if (regex->error_code() == RE2::ErrorPatternTooLarge) {
      Error(literal.span.begin,
            absl::StrCat("regular expression is too large: its compiled form exceeds the "
                         "budget of ",
                         options_.max_regex_memory, " bytes"));
    } else {
      Error(literal.span.begin,
            absl::StrCat("invalid regular expression `", literal.pattern, "`: ", regex->error()));
    }
    return nullptr;
  }

  // ---- Obligations ----

  void CheckObligations(const std::vector<ast::Obligation>& obligations, internal::Rule* out) {
    std::set<std::string> limit_names;
    for (const ast::Obligation& obligation : obligations) {
      const std::string& name = obligation.name.name;
      if (name == "redact") {
        CheckRedact(obligation, out);
      } else if (name == "limit") {
        if (!CheckArity(obligation, 2)) continue;
        const ast::ObligationArg& limit_name = obligation.args[0];
        const ast::ObligationArg& value = obligation.args[1];
        if (limit_name.kind != ast::ObligationArg::Kind::kIdentifier) {
          Error(limit_name.span.begin,
                "`limit` takes a name first, e.g. `limit(output_tokens, 4000)`");
          continue;
        }
        if (value.kind != ast::ObligationArg::Kind::kInt) {
          Error(value.span.begin, "`limit` takes an integer second");
          continue;
        }
        if (value.int_value < 0) {
          Error(value.span.begin,
                absl::StrCat("a limit must not be negative, found ", value.int_value));
          continue;
        }
        if (!limit_names.insert(limit_name.text).second) {
          Error(limit_name.span.begin,
                absl::StrCat("`limit(", limit_name.text, ", ...)` appears twice in this rule"));
          continue;
        }
        out->obligations.limits.emplace_back(limit_name.text, value.int_value);
      } else if (name == "log") {
        if (!CheckArity(obligation, 1)) continue;
        const ast::ObligationArg& level = obligation.args[0];
        std::vector<std::string> levels(std::begin(kLogLevels), std::end(kLogLevels));
        if (level.kind != ast::ObligationArg::Kind::kIdentifier ||
            std::find(levels.begin(), levels.end(), level.text) == levels.end()) {
          Error(level.span.begin,
                absl::StrCat("unknown log level `", level.text,
                             "`; use `none`, `summary` or `full`", DidYouMean(level.text, levels)));
          continue;
        }
        if (out->sets_log) {
          Error(obligation.name.span.begin, "`log(...)` appears twice in this rule");
          continue;
        }
        out->sets_log = true;
        out->obligations.log = level.text == "full"      ? LogLevel::kFull
                               : level.text == "summary" ? LogLevel::kSummary
                                                         : LogLevel::kNone;
      } else {
        std::vector<std::string> names(std::begin(kObligationNames), std::end(kObligationNames));
        Error(obligation.name.span.begin,
              absl::StrCat("unknown obligation `", name, "`", DidYouMean(name, names)));
      }
    }
    auto& redact = out->obligations.redact;
    std::sort(redact.begin(), redact.end(), [](const Redaction& a, const Redaction& b) {
      return std::tie(a.pattern, a.replacement) < std::tie(b.pattern, b.replacement);
    });
    redact.erase(std::unique(redact.begin(), redact.end(),
                             [](const Redaction& a, const Redaction& b) {
                               return a.pattern == b.pattern && a.replacement == b.replacement;
                             }),
                 redact.end());
    std::sort(out->obligations.limits.begin(), out->obligations.limits.end());
  }

  bool CheckArity(const ast::Obligation& obligation, size_t arity) {
    if (obligation.args.size() == arity) return true;
    Error(obligation.name.span.begin,
          absl::StrCat("`", obligation.name.name, "` takes ", arity, " argument",
                       arity == 1 ? "" : "s", ", found ", obligation.args.size()));
    return false;
  }

  void CheckRedact(const ast::Obligation& obligation, internal::Rule* out) {
    if (!CheckArity(obligation, 2)) return;
    const ast::ObligationArg& pattern = obligation.args[0];
    const ast::ObligationArg& replacement = obligation.args[1];
    if (pattern.kind != ast::ObligationArg::Kind::kRegex) {
      Error(pattern.span.begin, "`redact` takes a regular expression first, e.g. /\\d+/");
      return;
    }
    if (replacement.kind != ast::ObligationArg::Kind::kString) {
      Error(replacement.span.begin, "`redact` takes a replacement string second");
      return;
    }
    ast::RegexLiteral literal;
    literal.pattern = pattern.text;
    literal.span = pattern.span;
    std::shared_ptr<const re2::RE2> regex = CompileRegex(literal);
    if (regex == nullptr) return;
    std::string rewrite_error;
    if (!regex->CheckRewriteString(
            re2::StringPiece(replacement.text.data(), replacement.text.size()), &rewrite_error)) {
      Error(replacement.span.begin,
            absl::StrCat("invalid replacement `", replacement.text, "`: ", rewrite_error));
      return;
    }
    out->obligations.redact.push_back(Redaction{pattern.text, replacement.text, regex.get()});
    out->redaction_regexes.push_back(std::move(regex));
  }

  // ---- Conditions ----

  // The condition's source text with runs of white space folded to one space.
  std::string ConditionText(const ast::Expr& expr) const {
    const absl::string_view text = current_->text;
    const size_t begin = std::min<size_t>(expr.span.begin.offset, text.size());
    const size_t end =
        std::min<size_t>(std::max(expr.span.end.offset, expr.span.begin.offset), text.size());
    std::string folded;
    for (char c : text.substr(begin, end - begin)) {
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space && (folded.empty() || folded.back() == ' ')) continue;
      folded.push_back(space ? ' ' : c);
    }
    while (!folded.empty() && folded.back() == ' ') folded.pop_back();
    return folded;
  }

  std::unique_ptr<Expr> CheckCondition(const ast::Expr& expr, const RuleScope& scope,
                                       const Presence& known, Presence* proven) {
    enclosing_test_ = nullptr;
    std::unique_ptr<Expr> checked = CheckExpr(expr, scope, known, proven);
    if (checked == nullptr) return nullptr;
    if (checked->type != Type::kBool) {
      Error(expr.span.begin,
            absl::StrCat("a condition must be a bool; this is ", Article(checked->type)));
      return nullptr;
    }
    return checked;
  }

  static std::string Article(Type type) {
    switch (type) {
      case Type::kInt:
        return "an int";
      case Type::kString:
        return "a string";
      case Type::kBool:
        return "a bool";
      case Type::kTimestamp:
        return "a timestamp";
      case Type::kStringSet:
        return "a set<string>";
      case Type::kIntSet:
        return "a set<int>";
    }
    return "a value";
  }

  static std::string Describe(const Expr& expr) {
    if (IsEmptyListLiteral(expr)) return "an empty list";
    return Article(expr.type);
  }

  std::unique_ptr<Expr> NewExpr(Expr::Op op, Type type, const ast::Expr& at) {
    auto expr = std::make_unique<Expr>();
    expr->op = op;
    expr->type = type;
    expr->line = at.span.begin.line;
    expr->column = at.span.begin.column;
    return expr;
  }

  // Checks `expr` where the attributes in `known` are proven present, and adds to `proven`
  // what `expr` being true proves present (the `has` tests of an `and` chain; for `or`, what
  // both sides prove).
  std::unique_ptr<Expr> CheckExpr(const ast::Expr& expr, const RuleScope& scope,
                                  const Presence& known, Presence* proven) {
    // The comparison a read belongs to, for the fix a presence error spells out.
    const bool is_connective =
        expr.kind == ast::Expr::Kind::kNot ||
        (expr.kind == ast::Expr::Kind::kBinary &&
         (expr.op == ast::Expr::BinaryOp::kAnd || expr.op == ast::Expr::BinaryOp::kOr));
    if (is_connective) {
      enclosing_test_ = nullptr;
    } else if (expr.kind == ast::Expr::Kind::kBinary || expr.kind == ast::Expr::Kind::kMatches) {
      enclosing_test_ = &expr;
    }
    switch (expr.kind) {
      case ast::Expr::Kind::kString: {
        auto out = NewExpr(Expr::Op::kLiteral, Type::kString, expr);
        out->literal = Value::String(expr.string_value);
        return out;
      }
      case ast::Expr::Kind::kInt: {
        auto out = NewExpr(Expr::Op::kLiteral, Type::kInt, expr);
        out->literal = Value::Int(expr.int_value);
        return out;
      }
      case ast::Expr::Kind::kBool: {
        auto out = NewExpr(Expr::Op::kLiteral, Type::kBool, expr);
        out->literal = Value::Bool(expr.bool_value);
        return out;
      }
      case ast::Expr::Kind::kList:
        return CheckList(expr);
      case ast::Expr::Kind::kNow:
        return NewExpr(Expr::Op::kNow, Type::kTimestamp, expr);
      case ast::Expr::Kind::kPath: {
        std::optional<Type> type =
            LookupAttribute(expr.root, expr.attribute, scope, /*for_has=*/false);
        if (!type) return nullptr;
        if (!RequirePresence(expr, scope, known)) return nullptr;
        auto out = NewExpr(Expr::Op::kAttribute, *type, expr);
        out->root = ToRoot(expr.root);
        out->name = expr.attribute.name;
        return out;
      }
      case ast::Expr::Kind::kHas: {
        if (!LookupAttribute(expr.root, expr.attribute, scope, /*for_has=*/true)) return nullptr;
        proven->insert({ToRoot(expr.root), expr.attribute.name});
        auto out = NewExpr(Expr::Op::kHas, Type::kBool, expr);
        out->root = ToRoot(expr.root);
        out->name = expr.attribute.name;
        return out;
      }
      case ast::Expr::Kind::kNot: {
        if (expr.operands.size() != 1) return nullptr;
        Presence unused;  // `not` proves nothing present
        std::unique_ptr<Expr> operand = CheckExpr(*expr.operands[0], scope, known, &unused);
        if (!operand) return nullptr;
        if (operand->type != Type::kBool) {
          Error(expr.op_span.begin, absl::StrCat("`not` needs a bool, found ", Describe(*operand)));
          return nullptr;
        }
        auto out = NewExpr(Expr::Op::kNot, Type::kBool, expr);
        out->operands.push_back(std::move(operand));
        return out;
      }
      case ast::Expr::Kind::kMatches: {
        if (expr.operands.size() != 1) return nullptr;
        Presence unused;
        std::unique_ptr<Expr> operand = CheckExpr(*expr.operands[0], scope, known, &unused);
        std::shared_ptr<const re2::RE2> regex = CompileRegex(expr.regex);
        if (!operand || !regex) return nullptr;
        if (operand->type != Type::kString) {
          Error(expr.op_span.begin,
                absl::StrCat("`matches` needs a string on its left, found ", Describe(*operand)));
          return nullptr;
        }
        auto out = NewExpr(Expr::Op::kMatches, Type::kBool, expr);
        out->operands.push_back(std::move(operand));
        out->regex = std::move(regex);
        out->regex_text = expr.regex.pattern;
        return out;
      }
      case ast::Expr::Kind::kBinary:
        return CheckBinary(expr, scope, known, proven);
    }
    return nullptr;
  }

  std::unique_ptr<Expr> CheckList(const ast::Expr& expr) {
    std::vector<std::string> strings;
    std::vector<int64_t> ints;
    for (const auto& element : expr.operands) {
      if (element->kind == ast::Expr::Kind::kString) {
        strings.push_back(element->string_value);
      } else if (element->kind == ast::Expr::Kind::kInt) {
        ints.push_back(element->int_value);
      } else {
        Error(element->span.begin, "list elements must be string or integer literals");
        return nullptr;
      }
      if (!strings.empty() && !ints.empty()) {
        Error(element->span.begin, "a list must hold only strings or only integers");
        return nullptr;
      }
    }
    if (!ints.empty()) {
      auto out = NewExpr(Expr::Op::kLiteral, Type::kIntSet, expr);
      out->literal = Value::IntSet(std::move(ints));
      return out;
    }
    auto out = NewExpr(Expr::Op::kLiteral, Type::kStringSet, expr);
    out->literal = Value::StringSet(std::move(strings));
    return out;
  }

  // A string literal compared with a timestamp is a timestamp literal, checked here.
  bool CoerceTimestampLiteral(Expr* literal, const ast::Expr& at) {
    absl::StatusOr<absl::Time> time = ParseTimestamp(literal->literal.string_value());
    if (!time.ok()) {
      Error(at.span.begin, absl::StrCat("`", literal->literal.string_value(),
                                        "` is not an RFC 3339 timestamp, e.g. "
                                        "`2026-12-01T00:00:00Z`"));
      return false;
    }
    literal->literal = Value::Timestamp(*time);
    literal->type = Type::kTimestamp;
    return true;
  }

  // Makes the operands of a comparison agree where a literal can adapt: a string literal to a
  // timestamp, an empty list to the other side's set type.
  bool Coerce(Expr* left, const ast::Expr& left_ast, Expr* right, const ast::Expr& right_ast) {
    if (left->type == Type::kTimestamp && IsStringLiteral(*right)) {
      return CoerceTimestampLiteral(right, right_ast);
    }
    if (right->type == Type::kTimestamp && IsStringLiteral(*left)) {
      return CoerceTimestampLiteral(left, left_ast);
    }
    if (IsEmptyListLiteral(*left) && right->type == Type::kIntSet) {
      left->type = Type::kIntSet;
      left->literal = Value::IntSet({});
    }
    if (IsEmptyListLiteral(*right) && left->type == Type::kIntSet) {
      right->type = Type::kIntSet;
      right->literal = Value::IntSet({});
    }
    return true;
  }

  // `resource under P`: P a string or a set of strings; a literal must be a normalized path
  // prefix, as in a head.
  std::unique_ptr<Expr> CheckUnder(const ast::Expr& expr, const RuleScope& scope,
                                   const Presence& known) {
    Presence unused;
    std::unique_ptr<Expr> prefixes = CheckExpr(*expr.operands[1], scope, known, &unused);
    if (prefixes == nullptr) return nullptr;
    if (IsEmptyListLiteral(*prefixes)) prefixes->type = Type::kStringSet;
    if (prefixes->type != Type::kString && prefixes->type != Type::kStringSet) {
      Error(expr.op_span.begin,
            absl::StrCat("`resource under` needs a string or a set<string> of path prefixes, "
                         "found ",
                         Describe(*prefixes)));
      return nullptr;
    }
    if (prefixes->op == Expr::Op::kLiteral) {
      std::vector<std::string> values;
      if (prefixes->type == Type::kString) {
        values.push_back(prefixes->literal.string_value());
      } else {
        values = prefixes->literal.string_set();
      }
      for (std::string& value : values) {
        absl::string_view prefix = value;
        if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
        if (std::optional<std::string> problem = internal::PathIdProblem(prefix)) {
          Error(expr.operands[1]->span.begin,
                absl::StrCat("`under` needs a normalized path prefix such as \"vision/raw/\"; ",
                             internal::JsonQuote(value), " is not one: ", *problem));
          return nullptr;
        }
      }
    }
    auto id = NewExpr(Expr::Op::kAttribute, Type::kString, *expr.operands[0]);
    id->root = Root::kResource;
    id->name = "id";
    auto out = NewExpr(Expr::Op::kUnder, Type::kBool, expr);
    out->operands.push_back(std::move(id));
    out->operands.push_back(std::move(prefixes));
    return out;
  }

  std::unique_ptr<Expr> CheckBinary(const ast::Expr& expr, const RuleScope& scope,
                                    const Presence& known, Presence* proven) {
    if (expr.operands.size() != 2) return nullptr;
    if (expr.op == ast::Expr::BinaryOp::kUnder) return CheckUnder(expr, scope, known);
    Presence left_proves;
    Presence right_proves;
    std::unique_ptr<Expr> left = CheckExpr(*expr.operands[0], scope, known, &left_proves);
    std::unique_ptr<Expr> right;
    if (expr.op == ast::Expr::BinaryOp::kAnd) {
      // The right side of `and` runs only when the left one is true.
      Presence known_right = known;
      known_right.insert(left_proves.begin(), left_proves.end());
      right = CheckExpr(*expr.operands[1], scope, known_right, &right_proves);
      proven->insert(left_proves.begin(), left_proves.end());
      proven->insert(right_proves.begin(), right_proves.end());
    } else {
      right = CheckExpr(*expr.operands[1], scope, known, &right_proves);
      if (expr.op == ast::Expr::BinaryOp::kOr) {
        for (const auto& attribute : left_proves) {
          if (right_proves.count(attribute)) proven->insert(attribute);
        }
      }
    }
    if (!left || !right) return nullptr;
    const std::string op = absl::StrCat("`", ast::BinaryOpText(expr.op), "`");
    const ast::Location& at = expr.op_span.begin;
    Type result = Type::kBool;
    switch (expr.op) {
      case ast::Expr::BinaryOp::kUnder:  // checked by CheckUnder
        return nullptr;
      case ast::Expr::BinaryOp::kAnd:
      case ast::Expr::BinaryOp::kOr:
        if (left->type != Type::kBool || right->type != Type::kBool) {
          Error(at, absl::StrCat(op, " needs bools on both sides, found ", Describe(*left), " and ",
                                 Describe(*right)));
          return nullptr;
        }
        break;
      case ast::Expr::BinaryOp::kEq:
      case ast::Expr::BinaryOp::kNe:
        if (!Coerce(left.get(), *expr.operands[0], right.get(), *expr.operands[1])) {
          return nullptr;
        }
        if (left->type != right->type) {
          std::string hint;
          for (int set_side : {0, 1}) {
            const Expr& set = set_side == 0 ? *left : *right;
            const Expr& element = set_side == 0 ? *right : *left;
            if (IsSet(set.type) && element.type == ElementType(set.type)) {
              hint = absl::StrCat("; to test membership write `",
                                  ConditionText(*expr.operands[1 - set_side]), " in ",
                                  ConditionText(*expr.operands[set_side]), "`");
            }
          }
          Error(at, absl::StrCat(op, " compares values of the same type, found ", Describe(*left),
                                 " and ", Describe(*right), hint));
          return nullptr;
        }
        if (!CheckEnumLiteral(*expr.operands[0], *right, *expr.operands[1], scope) ||
            !CheckEnumLiteral(*expr.operands[1], *left, *expr.operands[0], scope)) {
          return nullptr;
        }
        break;
      case ast::Expr::BinaryOp::kLt:
      case ast::Expr::BinaryOp::kLe:
      case ast::Expr::BinaryOp::kGt:
      case ast::Expr::BinaryOp::kGe:
        if (!Coerce(left.get(), *expr.operands[0], right.get(), *expr.operands[1])) {
          return nullptr;
        }
        if (left->type != right->type ||
            (left->type != Type::kInt && left->type != Type::kTimestamp)) {
          Error(at, absl::StrCat(op, " compares two ints or two timestamps, found ",
                                 Describe(*left), " and ", Describe(*right)));
          return nullptr;
        }
        break;
      case ast::Expr::BinaryOp::kIn: {
        const bool scalar = left->type == Type::kString || left->type == Type::kInt;
        if (scalar && IsEmptyListLiteral(*right) && left->type == Type::kInt) {
          right->type = Type::kIntSet;
          right->literal = Value::IntSet({});
        }
        if (!scalar || !IsSet(right->type) || ElementType(right->type) != left->type) {
          std::string hint;
          if (IsSet(left->type) && right->type == ElementType(left->type)) {
            // `subject.groups in "finance"` reads naturally but is backwards.
            hint = absl::StrCat("; to test membership write `", ConditionText(*expr.operands[1]),
                                " in ", ConditionText(*expr.operands[0]), "`");
          }
          Error(at, absl::StrCat(op,
                                 " needs a string or an int on its left and a set of the same on "
                                 "its right, found ",
                                 Describe(*left), " and ", Describe(*right), hint));
          return nullptr;
        }
        if (!CheckEnumLiteral(*expr.operands[0], *right, *expr.operands[1], scope)) {
          return nullptr;
        }
        break;
      }
      case ast::Expr::BinaryOp::kStartsWith:
        if (left->type != Type::kString || right->type != Type::kString) {
          Error(at, absl::StrCat(op, " needs strings on both sides, found ", Describe(*left),
                                 " and ", Describe(*right)));
          return nullptr;
        }
        break;
    }
    auto out = NewExpr(BinaryOpToIr(expr.op), result, expr);
    out->operands.push_back(std::move(left));
    out->operands.push_back(std::move(right));
    return out;
  }

  // The declared type of `root.name`; reports an unknown name and returns nullopt. Whether
  // the attribute may be absent is RequirePresence's concern. A `has` test (for_has) reads no
  // value, so kinds that declare the attribute differently do not make it ambiguous.
  std::optional<Type> LookupAttribute(ast::PathRoot root, const ast::Identifier& name,
                                      const RuleScope& scope, bool for_has) {
    switch (root) {
      case ast::PathRoot::kSubject:
        return LookupIdentityAttribute("subject", scope.subject_kind, name, for_has);
      case ast::PathRoot::kDelegator:
        return LookupIdentityAttribute("delegator", std::nullopt, name, for_has);
      case ast::PathRoot::kResource: {
        if (!scope.resource_type_known) return std::nullopt;  // reported on the head
        std::optional<Type> type = schema_.ResourceAttributeType(scope.resource_type, name.name);
        if (type) return type;
        std::vector<std::string> names = Keys(schema_.resource_types[scope.resource_type]);
        names.push_back("id");
        std::string hint = DidYouMean(name.name, names);
        if (hint.empty()) {
          hint = absl::StrCat("; declare it in a schema block: `resource ", scope.resource_type,
                              " { ", name.name, ": TYPE }`");
        }
        Error(name.span.begin,
              absl::StrCat("unknown attribute `", name.name, "` of resource type `",
                           scope.resource_type, "`", hint));
        return std::nullopt;
      }
      case ast::PathRoot::kContext: {
        auto it = schema_.context.find(name.name);
        if (it != schema_.context.end()) return it->second.type;
        Error(name.span.begin, absl::StrCat("unknown context entry `", name.name,
                                            "`; declare it in `context { ... }` in a schema block",
                                            DidYouMean(name.name, Keys(schema_.context))));
        return std::nullopt;
      }
      case ast::PathRoot::kArgs: {
        auto it = schema_.args.find(name.name);
        if (it != schema_.args.end()) return it->second.type;
        Error(name.span.begin,
              absl::StrCat("unknown argument `", name.name, "`; declare it in `args { ... }`",
                           DidYouMean(name.name, Keys(schema_.args))));
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<Type> LookupIdentityAttribute(absl::string_view root,
                                              std::optional<SubjectKind> kind,
                                              const ast::Identifier& name, bool for_has) {
    if (std::optional<Type> builtin = BuiltinSubjectAttributeType(name.name)) return builtin;
    std::vector<SubjectKind> kinds;
    if (kind) {
      kinds.push_back(*kind);
    } else {
      kinds.assign(kAllSubjectKinds.begin(), kAllSubjectKinds.end());
    }
    std::vector<std::pair<SubjectKind, AttributeSpec>> declared;
    for (SubjectKind k : kinds) {
      const AttributeSpecs& attrs = schema_.subject_attributes[static_cast<int>(k)];
      auto it = attrs.find(name.name);
      if (it != attrs.end()) declared.emplace_back(k, it->second);
    }
    if (declared.empty()) {
      std::vector<std::string> known = BuiltinSubjectAttributes();
      for (SubjectKind k : kinds) {
        for (const auto& [attr, type] : schema_.subject_attributes[static_cast<int>(k)]) {
          known.push_back(attr);
        }
      }
      std::string owner = kind ? absl::StrCat(SubjectKindName(*kind)) : "any kind";
      std::string hint = DidYouMean(name.name, known);
      if (hint.empty()) {
        hint = absl::StrCat("; declare it in a schema block: `",
                            kind ? SubjectKindName(*kind) : "user", " { ", name.name, ": TYPE }`");
      }
      Error(name.span.begin, absl::StrCat("unknown attribute `", name.name, "` of ", owner, hint));
      return std::nullopt;
    }
    for (const auto& [k, spec] : declared) {
      if (for_has) break;
      const AttributeSpec& first = declared.front().second;
      if (spec.type == first.type && spec.members == first.members) continue;
      Error(name.span.begin,
            absl::StrCat("`", root, ".", name.name, "` is ambiguous: ",
                         SubjectKindName(declared.front().first), " declares it ", SpecText(first),
                         " and ", SubjectKindName(k), " declares it ", SpecText(spec)));
      return std::nullopt;
    }
    return declared.front().second.type;
  }

  // The spec of `root.name` when the schema declares one (built-ins have none). For the
  // subject, the first kind in scope that declares it; LookupAttribute has checked that every
  // kind declaring it agrees.
  const AttributeSpec* FindSpec(ast::PathRoot root, absl::string_view name,
                                const RuleScope& scope) const {
    const AttributeSpecs* specs = nullptr;
    switch (root) {
      case ast::PathRoot::kSubject:
      case ast::PathRoot::kDelegator:
        for (SubjectKind k : kAllSubjectKinds) {
          if (root == ast::PathRoot::kSubject && scope.subject_kind && *scope.subject_kind != k) {
            continue;
          }
          const AttributeSpecs& declared = schema_.subject_attributes[static_cast<int>(k)];
          if (auto it = declared.find(name); it != declared.end()) return &it->second;
        }
        return nullptr;
      case ast::PathRoot::kResource: {
        auto type_it = schema_.resource_types.find(scope.resource_type);
        if (type_it == schema_.resource_types.end()) return nullptr;
        specs = &type_it->second;
        break;
      }
      case ast::PathRoot::kContext:
        specs = &schema_.context;
        break;
      case ast::PathRoot::kArgs:
        specs = &schema_.args;
        break;
    }
    if (specs == nullptr) return nullptr;
    auto it = specs->find(name);
    return it == specs->end() ? nullptr : &it->second;
  }

  // Why reading `path` may find nothing, or "" when the schema guarantees a value. For the
  // resource, a required attribute counts as present: a resource neither stored nor
  // described inline is the one documented run-time failure.
  std::string AbsenceReason(const ast::Expr& path, const RuleScope& scope) const {
    const std::string& name = path.attribute.name;
    switch (path.root) {
      case ast::PathRoot::kContext:
        return "is a context entry, and a request need not carry every entry";
      case ast::PathRoot::kArgs:
        return "is a tool argument, and a request need not carry every argument";
      case ast::PathRoot::kDelegator:
        return "exists only when the request is made on behalf of someone";
      case ast::PathRoot::kResource: {
        const AttributeSpec* spec = FindSpec(path.root, name, scope);
        if (spec != nullptr && spec->optional) {
          return absl::StrCat("is optional (declared `", name, "?: ", SpecText(*spec), "`)");
        }
        return "";
      }
      case ast::PathRoot::kSubject:
        break;
    }
    if (IsOptionalBuiltinSubjectAttribute(name)) {
      return absl::StrCat("is optional: not every identity has `", name, "`");
    }
    if (BuiltinSubjectAttributeType(name).has_value()) return "";
    std::vector<std::string> lacking;
    for (SubjectKind k : kAllSubjectKinds) {
      if (scope.subject_kind && *scope.subject_kind != k) continue;
      const AttributeSpecs& declared = schema_.subject_attributes[static_cast<int>(k)];
      auto it = declared.find(name);
      if (it == declared.end()) {
        lacking.push_back(std::string(SubjectKindName(k)));
      } else if (it->second.optional) {
        return absl::StrCat("is optional (declared `", name, "?: ", SpecText(it->second), "` for ",
                            SubjectKindName(k), ")");
      }
    }
    if (!lacking.empty()) {
      return absl::StrCat("is not declared for ", absl::StrJoin(lacking, ", "),
                          ", so such a subject does not have it");
    }
    return "";
  }

  static std::string SpecText(const AttributeSpec& spec) {
    return spec.is_enum() ? EnumMembersText(spec.members) : std::string(TypeName(spec.type));
  }

  // A read of an attribute that may be absent must be guarded by a `has` test that has
  // already succeeded when the read runs; reports the read and the fix otherwise.
  bool RequirePresence(const ast::Expr& path, const RuleScope& scope, const Presence& known) {
    const std::string& name = path.attribute.name;
    if (known.count({ToRoot(path.root), name})) return true;
    // Any `delegator has x` that held proves there is a delegator, and every identity has
    // `id`, `status` and `groups`.
    if (path.root == ast::PathRoot::kDelegator && BuiltinSubjectAttributeType(name).has_value() &&
        !IsOptionalBuiltinSubjectAttribute(name)) {
      auto it = known.lower_bound({Root::kDelegator, ""});
      if (it != known.end() && it->first == Root::kDelegator) return true;
    }
    const std::string reason = AbsenceReason(path, scope);
    if (reason.empty()) return true;
    const std::string root_name(ast::PathRootKeyword(path.root));
    const std::string test =
        enclosing_test_ != nullptr ? ConditionText(*enclosing_test_) : ConditionText(path);
    std::string fail_closed;
    if (scope.restricting_when) {
      fail_closed = absl::StrCat(
          ". In this rule's `when` that guard turns the rule off when `", root_name, ".", name,
          "` is absent; for the rule to hold then, test the opposite in `unless` instead: `unless ",
          root_name, " has ", name, " and <the opposite test>`");
    }
    Error(path.span.begin,
          absl::StrCat("`", root_name, ".", name, "` ", reason,
                       "; reading it without a guard fails at run time. Test it first, earlier "
                       "in the same `and` chain: `",
                       root_name, " has ", name, " and ", test, "`", fail_closed));
    return false;
  }

  // "; did you mean "high"?" for a member that differs only in letter case, else the closest.
  static std::string MemberSuggestion(absl::string_view value,
                                      const std::vector<std::string>& members) {
    for (const std::string& member : members) {
      if (absl::EqualsIgnoreCase(member, value)) {
        return absl::StrCat("; did you mean ", internal::JsonQuote(member), "?");
      }
    }
    // DidYouMean names identifiers in backticks; a member is a string.
    const std::string suggestion = DidYouMean(value, members);
    constexpr absl::string_view kPrefix = "; did you mean `";
    if (!absl::StartsWith(suggestion, kPrefix) || !absl::EndsWith(suggestion, "`?")) {
      return suggestion;
    }
    const absl::string_view member =
        absl::string_view(suggestion)
            .substr(kPrefix.size(), suggestion.size() - kPrefix.size() - 2);
    return absl::StrCat("; did you mean ", internal::JsonQuote(member), "?");
  }

  // A string literal compared with an enum attribute (`==`, `!=`, `in [...]`) must be one of
  // its members: a misspelt member would make the test silently always false.
  bool CheckEnumLiteral(const ast::Expr& attribute, const Expr& literal,
                        const ast::Expr& literal_at, const RuleScope& scope) {
    if (attribute.kind != ast::Expr::Kind::kPath || literal.op != Expr::Op::kLiteral) return true;
    const AttributeSpec* spec = FindSpec(attribute.root, attribute.attribute.name, scope);
    if (spec == nullptr || !spec->is_enum()) return true;
    std::vector<std::pair<std::string, const ast::Expr*>> values;
    if (literal.literal.kind() == Value::Kind::kString) {
      values.emplace_back(literal.literal.string_value(), &literal_at);
    } else if (literal_at.kind == ast::Expr::Kind::kList) {
      for (const auto& element : literal_at.operands) {
        values.emplace_back(element->string_value, element.get());
      }
    }
    bool ok = true;
    for (const auto& [value, at] : values) {
      if (spec->IsMember(value)) continue;
      Error(at->span.begin,
            absl::StrCat(internal::JsonQuote(value), " is not a value of `",
                         ast::PathRootKeyword(attribute.root), ".", attribute.attribute.name,
                         "`, which is one of ", EnumMembersText(spec->members),
                         MemberSuggestion(value, spec->members)));
      ok = false;
    }
    return ok;
  }

  const std::vector<CheckInput>& inputs_;
  const CheckOptions& options_;
  std::vector<Diagnostic>* diagnostics_;
  const CheckInput* current_ = nullptr;
  bool has_errors_ = false;
  absl::flat_hash_map<const CheckInput*, LineIndex> line_indexes_;  // for Report

  Schema schema_;
  std::vector<std::pair<const CheckInput*, ast::Identifier>> action_targets_;
  std::map<std::string, std::string> rule_ids_;  // @id -> where first used
  std::vector<internal::Rule> rules_;
  const ast::Expr* enclosing_test_ = nullptr;
};

}  // namespace

std::optional<internal::PolicyIr> CheckPolicy(const std::vector<CheckInput>& inputs,
                                              const CheckOptions& options,
                                              std::vector<Diagnostic>* diagnostics) {
  Checker checker(inputs, options, diagnostics);
  return checker.Run();
}

}  // namespace ward
