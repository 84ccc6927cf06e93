#include "policy_lang/ast_dump.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward {
namespace {

std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\x%02X", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out += "\"";
  return out;
}

std::string SpanText(const ast::Span& span) {
  return absl::StrFormat("@%d:%d-%d:%d", span.begin.line, span.begin.column, span.end.line,
                         span.end.column);
}

class Dumper {
 public:
  explicit Dumper(bool with_spans) : with_spans_(with_spans) {}

  std::string Dump(const ast::File& file) {
    Line(0, absl::StrCat("file ", Quote(file.source_name)));
    for (const ast::Item& item : file.items) {
      if (const auto* block = std::get_if<ast::SchemaBlock>(&item)) {
        DumpSchema(*block);
      } else {
        DumpRule(std::get<ast::Rule>(item));
      }
    }
    for (const ast::Comment& comment : file.comments) {
      Line(1, absl::StrCat("comment ", Quote(comment.text), At(comment.span)));
    }
    return std::move(out_);
  }

 private:
  void Line(int indent, absl::string_view text) {
    out_.append(static_cast<size_t>(indent) * 2, ' ');
    absl::StrAppend(&out_, text, "\n");
  }

  void DumpAttributes(int indent, const std::vector<ast::AttributeDecl>& attributes) {
    for (const ast::AttributeDecl& a : attributes) {
      std::string type(TypeName(a.type));
      if (!a.members.empty()) {
        std::vector<std::string> members;
        for (const ast::StringLiteral& member : a.members) members.push_back(member.value);
        type = EnumMembersText(members);
      }
      Line(indent, absl::StrCat("attribute ", a.name.name, a.optional ? "?" : "", ": ", type,
                                At(a.name.span), At(a.type_span, "type")));
    }
  }

  void DumpSchema(const ast::SchemaBlock& block) {
    Line(1, absl::StrCat("schema", At(block.span)));
    for (const ast::SchemaItem& item : block.items) {
      switch (item.kind) {
        case ast::SchemaItem::Kind::kSubject:
          Line(2, absl::StrCat(SubjectKindName(item.subject_kind), At(item.span)));
          DumpAttributes(3, item.attributes);
          break;
        case ast::SchemaItem::Kind::kResource:
          Line(2, absl::StrCat("resource ", item.resource_type.name, At(item.span),
                               At(item.resource_type.span, "name")));
          DumpAttributes(3, item.attributes);
          break;
        case ast::SchemaItem::Kind::kContext:
          Line(2, absl::StrCat("context", At(item.span)));
          DumpAttributes(3, item.attributes);
          break;
        case ast::SchemaItem::Kind::kArgs:
          Line(2, absl::StrCat("args", At(item.span)));
          DumpAttributes(3, item.attributes);
          break;
        case ast::SchemaItem::Kind::kAction:
          Line(2, absl::StrCat("action", At(item.span)));
          for (const ast::Identifier& name : item.actions) {
            Line(3, absl::StrCat("name ", name.name, At(name.span)));
          }
          for (const ast::Identifier& type : item.action_resource_types) {
            Line(3, absl::StrCat("on ", type.name, At(type.span)));
          }
          break;
      }
    }
  }

  void DumpRule(const ast::Rule& rule) {
    Line(1, absl::StrCat("rule ", ast::EffectKeyword(rule.effect), At(rule.span),
                         At(rule.effect_span, "effect")));
    for (const ast::Annotation& a : rule.annotations) {
      if (!a.has_value) {
        Line(2, absl::StrCat("annotation ", a.name.name, At(a.span), At(a.name.span, "name")));
        continue;
      }
      Line(2, absl::StrCat("annotation ", a.name.name, " ", Quote(a.value.value), At(a.span),
                           At(a.name.span, "name"), At(a.value.span, "value")));
    }
    const ast::SubjectHead& subject = rule.subject;
    std::string kind =
        subject.kind.has_value() ? std::string(SubjectKindName(*subject.kind)) : std::string("any");
    std::string selector;
    switch (subject.selector) {
      case ast::SubjectHead::Selector::kAll:
        break;
      case ast::SubjectHead::Selector::kId:
        selector =
            absl::StrCat(" id ", Quote(subject.value.value), At(subject.value.span, "value"));
        break;
      case ast::SubjectHead::Selector::kGroup:
        selector =
            absl::StrCat(" group ", Quote(subject.value.value), At(subject.value.span, "value"));
        break;
    }
    Line(2,
         absl::StrCat("subject ", kind, At(subject.span), At(subject.kind_span, "kind"), selector));
    Line(2, rule.action_list ? "actions (list)" : "actions");
    for (const ast::Identifier& action : rule.actions) {
      Line(3, absl::StrCat(action.name, At(action.span)));
    }
    DumpResource(rule.resource);
    if (rule.when != nullptr) {
      Line(2, absl::StrCat("when", At(rule.when_span)));
      DumpExpr(3, *rule.when);
    }
    if (rule.unless != nullptr) {
      Line(2, absl::StrCat("unless", At(rule.unless_span)));
      DumpExpr(3, *rule.unless);
    }
    if (!rule.obligations.empty()) {
      Line(2, absl::StrCat("with", At(rule.with_span)));
      for (const ast::Obligation& o : rule.obligations) {
        Line(3, absl::StrCat("obligation ", o.name.name, At(o.span), At(o.name.span, "name")));
        for (const ast::ObligationArg& arg : o.args) {
          switch (arg.kind) {
            case ast::ObligationArg::Kind::kRegex:
              Line(4, absl::StrCat("regex ", Quote(arg.text), At(arg.span)));
              break;
            case ast::ObligationArg::Kind::kString:
              Line(4, absl::StrCat("string ", Quote(arg.text), At(arg.span)));
              break;
            case ast::ObligationArg::Kind::kInt:
              Line(4, absl::StrCat("int ", arg.int_value, At(arg.span)));
              break;
            case ast::ObligationArg::Kind::kIdentifier:
              Line(4, absl::StrCat("name ", arg.text, At(arg.span)));
              break;
          }
        }
      }
    }
  }

  void DumpResource(const ast::ResourceHead& head) {
    using Selector = ast::ResourceHead::Selector;
    absl::string_view selector;
    switch (head.selector) {
      case Selector::kAll:
        selector = "all";
        break;
      case Selector::kId:
        selector = "id";
        break;
      case Selector::kIds:
        selector = "ids";
        break;
      case Selector::kPrefix:
        selector = "prefix";
        break;
      case Selector::kPrefixes:
        selector = "prefixes";
        break;
      case Selector::kPattern:
        selector = "pattern";
        break;
    }
    Line(2, absl::StrCat("resource ", head.type.name, " ", selector, At(head.span),
                         At(head.type.span, "type")));
    for (const ast::StringLiteral& value : head.values) {
      Line(3, absl::StrCat("string ", Quote(value.value), At(value.span)));
    }
    if (head.selector == Selector::kPattern) {
      Line(3, absl::StrCat("regex ", Quote(head.pattern.pattern), At(head.pattern.span)));
    }
  }

  // Iterative (an explicit stack), so that tall trees cannot exhaust the call stack.
  void DumpExpr(int indent, const ast::Expr& root) {
    std::vector<std::pair<const ast::Expr*, int>> stack = {{&root, indent}};
    while (!stack.empty()) {
      const auto [expr, level] = stack.back();
      stack.pop_back();
      std::string text;
      using Kind = ast::Expr::Kind;
      switch (expr->kind) {
        case Kind::kString:
          text = absl::StrCat("string ", Quote(expr->string_value));
          break;
        case Kind::kInt:
          text = absl::StrCat("int ", expr->int_value);
          break;
        case Kind::kBool:
          text = expr->bool_value ? "bool true" : "bool false";
          break;
        case Kind::kList:
          text = "list";
          break;
        case Kind::kPath:
          text = absl::StrCat("path ", ast::PathRootKeyword(expr->root));
          if (!expr->attribute.name.empty()) {
            absl::StrAppend(&text, ".", expr->attribute.name);
          }
          break;
        case Kind::kNow:
          text = "now";
          break;
        case Kind::kHas:
          text = absl::StrCat("has ", ast::PathRootKeyword(expr->root), ".", expr->attribute.name);
          break;
        case Kind::kNot:
          text = "not";
          break;
        case Kind::kBinary:
          text = absl::StrCat("binary ", ast::BinaryOpText(expr->op));
          break;
        case Kind::kMatches:
          text = absl::StrCat("matches ", Quote(expr->regex.pattern));
          break;
      }
      // How the source grouped the tree is part of its layout, which a dump without spans
      // leaves out (the formatter drops redundant parentheses).
      if (expr->parenthesized && with_spans_) text += " (parenthesized)";
      absl::StrAppend(&text, At(expr->span));
      switch (expr->kind) {
        case Kind::kHas:
          absl::StrAppend(&text, At(expr->op_span, "op"), At(expr->attribute.span, "attribute"));
          break;
        case Kind::kNot:
        case Kind::kBinary:
          absl::StrAppend(&text, At(expr->op_span, "op"));
          break;
        case Kind::kMatches:
          absl::StrAppend(&text, At(expr->op_span, "op"), At(expr->regex.span, "regex"));
          break;
        case Kind::kPath:
          if (!expr->attribute.name.empty()) {
            absl::StrAppend(&text, At(expr->attribute.span, "attribute"));
          }
          break;
        default:
          break;
      }
      Line(level, text);
      for (auto it = expr->operands.rbegin(); it != expr->operands.rend(); ++it) {
        if (*it != nullptr) stack.push_back({it->get(), level + 1});
      }
    }
  }

  // `label` and the span (" type@1:2-1:8"), or nothing when spans are left out.
  std::string At(const ast::Span& span, absl::string_view label = "") const {
    if (!with_spans_) return "";
    return absl::StrCat(" ", label, SpanText(span));
  }

  bool with_spans_;
  std::string out_;
};

}  // namespace

std::string DumpAst(const ast::File& file, bool with_spans) {
  return Dumper(with_spans).Dump(file);
}

}  // namespace ward
