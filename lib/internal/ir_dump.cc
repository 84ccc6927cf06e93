#include "lib/internal/ir_dump.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/internal/json_util.h"

namespace ward::internal {
namespace {

std::string Quoted(const std::string& text) { return JsonQuote(text); }

std::string QuotedList(const std::vector<std::string>& items) {
  return absl::StrCat(
      "[",
      absl::StrJoin(items, ", ",
                    [](std::string* o, const std::string& s) { absl::StrAppend(o, Quoted(s)); }),
      "]");
}

absl::string_view OperatorText(Expr::Op op) {
  switch (op) {
    case Expr::Op::kAnd:
      return "and";
    case Expr::Op::kOr:
      return "or";
    case Expr::Op::kEq:
      return "==";
    case Expr::Op::kNe:
      return "!=";
    case Expr::Op::kLt:
      return "<";
    case Expr::Op::kLe:
      return "<=";
    case Expr::Op::kGt:
      return ">";
    case Expr::Op::kGe:
      return ">=";
    case Expr::Op::kIn:
      return "in";
    case Expr::Op::kStartsWith:
      return "starts_with";
    case Expr::Op::kUnder:
      return "under";
    default:
      return "?";
  }
}

// Context and args entries are always optional; their `?` is not written.
void AppendAttributes(std::string* out, const AttributeSpecs& attributes,
                      bool always_optional = false) {
  absl::StrAppend(out, "{ ",
                  absl::StrJoin(attributes, ", ",
                                [&](std::string* o, const auto& entry) {
                                  const AttributeSpec& spec = entry.second;
                                  absl::StrAppend(
                                      o, entry.first, spec.optional && !always_optional ? "?" : "",
                                      ": ",
                                      spec.is_enum() ? EnumMembersText(spec.members)
                                                     : std::string(TypeName(spec.type)));
                                }),
                  attributes.empty() ? "}" : " }");
}

}  // namespace

std::string RegexLiteral(const std::string& pattern) {
  std::string out = "/";
  for (char c : pattern) {
    if (c == '/') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('/');
  return out;
}

std::string LiteralToString(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kString:
      return Quoted(value.string_value());
    case Value::Kind::kTimestamp:
      return Quoted(FormatTimestamp(value.timestamp_value()));
    case Value::Kind::kStringSet:
      return QuotedList(value.string_set());
    default:
      return value.DebugString();
  }
}

std::string ExprToString(const Expr& expr) {
  switch (expr.op) {
    case Expr::Op::kLiteral:
      return LiteralToString(expr.literal);
    case Expr::Op::kAttribute:
      return absl::StrCat(RootName(expr.root), ".", expr.name);
    case Expr::Op::kHas:
      return absl::StrCat(RootName(expr.root), " has ", expr.name);
    case Expr::Op::kNow:
      return "now";
    case Expr::Op::kNot:
      return absl::StrCat("not (", ExprToString(*expr.operands[0]), ")");
    case Expr::Op::kMatches:
      return absl::StrCat(ExprToString(*expr.operands[0]), " matches ",
                          RegexLiteral(expr.regex_text));
    case Expr::Op::kAnd:
    case Expr::Op::kOr:
      return absl::StrCat("(", ExprToString(*expr.operands[0]), ") ", OperatorText(expr.op), " (",
                          ExprToString(*expr.operands[1]), ")");
    case Expr::Op::kUnder:
      return absl::StrCat("resource under ", ExprToString(*expr.operands[1]));
    default:
      return absl::StrCat(ExprToString(*expr.operands[0]), " ", OperatorText(expr.op), " ",
                          ExprToString(*expr.operands[1]));
  }
}

std::string RuleHeadToString(const Rule& rule) {
  std::string out =
      absl::StrCat(RuleEffectKeyword(rule.effect), " ",
                   rule.subject.subject_kind ? SubjectKindName(*rule.subject.subject_kind) : "any");
  switch (rule.subject.kind) {
    case SubjectSelector::Kind::kAll:
      break;
    case SubjectSelector::Kind::kId:
      absl::StrAppend(&out, " ", Quoted(rule.subject.value));
      break;
    case SubjectSelector::Kind::kGroup:
      absl::StrAppend(&out, " in group ", Quoted(rule.subject.value));
      break;
  }
  absl::StrAppend(&out, " to [", absl::StrJoin(rule.actions, ", "), "] on ", rule.resource_type);
  switch (rule.resource.kind) {
    case ResourceSelector::Kind::kAll:
      break;
    case ResourceSelector::Kind::kIds:
      absl::StrAppend(&out, " in ", QuotedList(rule.resource.values));
      break;
    case ResourceSelector::Kind::kPrefixes:
      absl::StrAppend(&out, " under ", QuotedList(rule.resource.values));
      break;
    case ResourceSelector::Kind::kPattern:
      absl::StrAppend(&out, " matching ", RegexLiteral(rule.resource.pattern_text));
      break;
  }
  return out;
}

std::string DumpSchema(const Schema& schema) {
  std::string out = "schema\n";
  for (SubjectKind kind : kAllSubjectKinds) {
    absl::StrAppend(&out, "  ", SubjectKindName(kind), " ");
    AppendAttributes(&out, schema.subject_attributes[static_cast<int>(kind)]);
    out += "\n";
  }
  for (const auto& [type, attributes] : schema.resource_types) {
    absl::StrAppend(&out, "  resource ", type, " ");
    AppendAttributes(&out, attributes);
    out += "\n";
  }
  for (const auto& [action, types] : schema.actions) {
    absl::StrAppend(&out, "  action ", action, " on ", absl::StrJoin(types, ", "), "\n");
  }
  absl::StrAppend(&out, "  context ");
  AppendAttributes(&out, schema.context, /*always_optional=*/true);
  out += "\n";
  absl::StrAppend(&out, "  args ");
  AppendAttributes(&out, schema.args, /*always_optional=*/true);
  out += "\n";
  return out;
}

std::string DumpPolicyIr(const PolicyIr& policy) {
  std::string out = DumpSchema(policy.schema);
  for (const Rule& rule : policy.rules) {
    absl::StrAppend(&out, "rule ", rule.name, " (", rule.source, ":", rule.line, ")",
                    rule.shadow ? " shadow" : "", "\n  ", RuleHeadToString(rule), "\n");
    if (rule.when) absl::StrAppend(&out, "  when ", ExprToString(*rule.when), "\n");
    if (rule.unless) absl::StrAppend(&out, "  unless ", ExprToString(*rule.unless), "\n");
    const Obligations& obligations = rule.obligations;
    for (const Redaction& redaction : obligations.redact) {
      absl::StrAppend(&out, "  redact ", RegexLiteral(redaction.pattern), " ",
                      Quoted(redaction.replacement), "\n");
    }
    for (const auto& [name, value] : obligations.limits) {
      absl::StrAppend(&out, "  limit ", name, " ", value, "\n");
    }
    if (rule.sets_log) absl::StrAppend(&out, "  log ", LogLevelName(obligations.log), "\n");
  }
  return out;
}

}  // namespace ward::internal
