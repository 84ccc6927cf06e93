// The formatter walks the syntax tree and writes each token through a small printer that
// knows the source offset of the token. Comments are not part of the tree: before a token is
// written, every comment that the source has before it is written first, either on its own
// line (when nothing but blanks preceded it on its source line) or after the code of the
// current line (a trailing comment). A `//` comment, or a block comment that spans lines,
// ends the line it is on. Because a comment's placement depends only on its neighbours in
// the source, formatting the output again places it the same way.
//
// Layout decisions that depend on width (a condition, an obligation list or an attribute
// block on one line or broken) are taken by writing the one-line form and, when it does not
// fit or a comment sits inside, rolling the printer back and writing the broken form.

#include "policy_lang/formatter.h"

#include <algorithm>
#include <climits>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "policy_lang/ast.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/lexer.h"
#include "policy_lang/parser.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward {
namespace {

using ast::Expr;

// Strings with the escapes of JSON, written the one way the formatter writes them.
std::string QuoteString(absl::string_view value) {
  std::string out = "\"";
  for (const char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out += "\"";
  return out;
}

// Binding strength, from the loosest: or, and, not, comparisons, operands.
enum Precedence {
  kOrPrecedence = 1,
  kAndPrecedence,
  kNotPrecedence,
  kComparisonPrecedence,
  kOperandPrecedence
};

bool IsChain(const Expr& expr) {
  return expr.kind == Expr::Kind::kBinary &&
         (expr.op == Expr::BinaryOp::kAnd || expr.op == Expr::BinaryOp::kOr);
}

int PrecedenceOf(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kBinary:
      if (expr.op == Expr::BinaryOp::kOr) return kOrPrecedence;
      if (expr.op == Expr::BinaryOp::kAnd) return kAndPrecedence;
      return kComparisonPrecedence;
    case Expr::Kind::kNot:
      return kNotPrecedence;
    case Expr::Kind::kHas:
    case Expr::Kind::kMatches:
      return kComparisonPrecedence;
    default:
      return kOperandPrecedence;
  }
}

// Whether `child`, operand `index` of `parent`, must be parenthesized for the text to parse
// back to the same tree. `and` and `or` associate to the left, so a right operand with the
// same operator keeps its parentheses: `a and (b and c)` is another tree than `a and b and c`.
bool NeedsParentheses(const Expr& parent, size_t index, const Expr& child) {
  const int inner = PrecedenceOf(child);
  if (IsChain(parent)) {
    const int outer = PrecedenceOf(parent);
    return index == 0 ? inner < outer : inner <= outer;
  }
  if (parent.kind == Expr::Kind::kNot) return inner < kNotPrecedence;
  // Comparison operands and list elements are operands: anything else is grouped.
  return inner < kOperandPrecedence;
}

class Formatter {
 public:
  Formatter(absl::string_view text, const ast::File& file) : text_(text), file_(file) {
    std::vector<LexError> errors;
    for (const Token& token : Tokenize(text, &errors)) {
      if (token.kind != TokenKind::kEof) token_offsets_.push_back(token.span.begin.offset);
    }
  }

  std::string Run() {
    bool first = true;
    for (const ast::Item& item : file_.items) {
      // Items are separated by one blank line; blank lines around comments between items are
      // kept (at most one).
      RequestBreak(0, /*force_blank=*/!first, /*keep_blank=*/true);
      continuation_ = 4;
      if (const auto* block = std::get_if<ast::SchemaBlock>(&item)) {
        FormatSchemaBlock(*block);
      } else {
        FormatRule(std::get<ast::Rule>(item));
      }
      first = false;
    }
    RequestBreak(0, /*force_blank=*/false, /*keep_blank=*/true);
    FlushComments(INT_MAX);
    if (!out_.empty() && out_.back() != '\n') out_.push_back('\n');
    return std::move(out_);
  }

 private:
  enum class Space { kSpace, kGlue };

  // ---- Source positions ----

  // The offset of the first token that starts at or after `offset`; the end of the text
  // when there is none.
  int NextToken(int offset) const {
    auto it = std::lower_bound(token_offsets_.begin(), token_offsets_.end(), offset);
    return it == token_offsets_.end() ? static_cast<int>(text_.size()) : *it;
  }
  // The offset of the last token that starts before `offset`.
  int PreviousToken(int offset) const {
    auto it = std::lower_bound(token_offsets_.begin(), token_offsets_.end(), offset);
    return it == token_offsets_.begin() ? 0 : *(it - 1);
  }
  absl::string_view SourceText(const ast::Span& span) const {
    const size_t begin = std::min<size_t>(span.begin.offset, text_.size());
    const size_t end = std::min<size_t>(std::max(span.end.offset, span.begin.offset), text_.size());
    return text_.substr(begin, end - begin);
  }
  // Whether only blanks precede `offset` on its source line.
  bool FirstOnSourceLine(int offset) const {
    for (int i = offset - 1; i >= 0; --i) {
      const char c = text_[i];
      if (c == '\n') return true;
      if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
  }
  // Whether the source has a blank line between `from` and `to` (only blanks lie between).
  bool BlankLineBetween(int from, int to) const {
    if (from < 0 || from >= to) return false;
    int newlines = 0;
    for (int i = from; i < to && i < static_cast<int>(text_.size()); ++i) {
      if (text_[i] == '\n') ++newlines;
    }
    return newlines >= 2;
  }
  // Whether a comment not yet written starts in [begin, end).
  bool CommentsWithin(int begin, int end) const {
    for (size_t i = next_comment_; i < file_.comments.size(); ++i) {
      const int offset = file_.comments[i].span.begin.offset;
      if (offset >= end) return false;
      if (offset >= begin) return true;
    }
    return false;
  }

  // ---- The printer ----

  // Whether the current line holds nothing but its indentation.
  bool LineEmpty() const {
    for (size_t i = line_start_; i < out_.size(); ++i) {
      if (out_[i] != ' ') return false;
    }
    return true;
  }
  int Column() const {
    int column = 0;
    for (size_t i = line_start_; i < out_.size(); ++i) {
      if ((static_cast<unsigned char>(out_[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
  }
  void Append(absl::string_view text) {
    out_.append(text.data(), text.size());
    const size_t newline = text.rfind('\n');
    if (newline != absl::string_view::npos) {
      line_start_ = out_.size() - (text.size() - newline - 1);
    }
  }
  void NewLine(int indent, bool blank) {
    if (!out_.empty()) {
      // A line that holds only its indentation ends empty. (Other lines keep their text:
      // a comment may end in blanks.)
      if (LineEmpty()) out_.resize(line_start_);
      out_ += blank ? "\n\n" : "\n";
      line_start_ = out_.size();
      line_closed_ = false;
    }
    out_.append(static_cast<size_t>(indent), ' ');
  }

  // Asks for the next token (or own-line comment) to start a line at `indent`. A pending
  // request is replaced. With `force_blank` a blank line precedes it; with `keep_blank` a
  // blank line of the source before it (or between comments before it) is kept.
  void RequestBreak(int indent, bool force_blank = false, bool keep_blank = false) {
    break_pending_ = true;
    break_indent_ = indent;
    break_force_blank_ = force_blank;
    break_keep_blank_ = keep_blank;
  }
  // Starts the line that a pending break asked for, before something at source `offset`.
  void TakeBreak(int offset) {
    const bool blank =
        break_force_blank_ || (break_keep_blank_ && BlankLineBetween(last_source_end_, offset));
    NewLine(break_indent_, blank);
    break_pending_ = false;
    break_force_blank_ = false;
  }

  void FlushComments(int offset) {
    while (next_comment_ < file_.comments.size() &&
           file_.comments[next_comment_].span.begin.offset < offset) {
      WriteComment(file_.comments[next_comment_++]);
    }
  }

  void WriteComment(const ast::Comment& comment) {
    const int begin = comment.span.begin.offset;
    // A `//` comment runs to the end of its line: nothing can follow it there.
    const bool ends_line = comment.text.rfind("//", 0) == 0;
    if (FirstOnSourceLine(begin) || line_closed_ || (LineEmpty() && !break_pending_) ||
        out_.empty()) {
      // On a line of its own, at the indentation of what follows it.
      int indent = continuation_;
      if (break_pending_) {
        indent = break_indent_;
        TakeBreak(begin);
      } else if (!LineEmpty()) {
        NewLine(indent, false);
      }
      Append(comment.text);
      line_closed_ = ends_line;
      // What follows goes on the next line, at the same indentation.
      const bool keep_blank = break_keep_blank_;
      RequestBreak(indent, false, keep_blank);
      space_after_comment_ = false;
    } else {
      // After the code of the current line.
      Append(" ");
      Append(comment.text);
      if (ends_line) {
        line_closed_ = true;
        if (!break_pending_) RequestBreak(continuation_);
      } else {
        space_after_comment_ = true;
      }
    }
    last_source_end_ = comment.span.end.offset;
  }

  // Writes one token that the source has at `offset` (or where it would be).
  void Write(int offset, absl::string_view text, Space space = Space::kSpace) {
    FlushComments(offset);
    if (break_pending_) {
      TakeBreak(offset);
    } else if (!LineEmpty() && ((space == Space::kSpace && !glue_next_) || space_after_comment_)) {
      Append(" ");
    }
    Append(text);
    glue_next_ = false;
    space_after_comment_ = false;
    last_source_end_ = std::max(last_source_end_, offset + 1);
  }
  // An opening bracket: what follows it is glued to it.
  void Open(int offset, absl::string_view text, Space space = Space::kSpace) {
    Write(offset, text, space);
    glue_next_ = true;
  }

  // Everything the printer is, so that a layout can be tried and taken back.
  struct State {
    size_t out_size;
    size_t line_start;
    size_t next_comment;
    bool break_pending;
    int break_indent;
    bool break_force_blank;
    bool break_keep_blank;
    bool glue_next;
    bool space_after_comment;
    bool line_closed;
    int last_source_end;
    int continuation;
  };
  State Save() const {
    return {out_.size(),          line_start_,        next_comment_,     break_pending_,
            break_indent_,        break_force_blank_, break_keep_blank_, glue_next_,
            space_after_comment_, line_closed_,       last_source_end_,  continuation_};
  }
  void Restore(const State& s) {
    out_.resize(s.out_size);
    line_start_ = s.line_start;
    next_comment_ = s.next_comment;
    break_pending_ = s.break_pending;
    break_indent_ = s.break_indent;
    break_force_blank_ = s.break_force_blank;
    break_keep_blank_ = s.break_keep_blank;
    glue_next_ = s.glue_next;
    space_after_comment_ = s.space_after_comment;
    line_closed_ = s.line_closed;
    last_source_end_ = s.last_source_end;
    continuation_ = s.continuation;
  }
  // Writes the comments before source `offset` and starts a pending line, so that a layout
  // attempted from here starts with its first token.
  void Prepare(int offset) {
    FlushComments(offset);
    if (break_pending_) TakeBreak(offset);
  }
  // Whether what was written since `start` stayed on one line and, with `trailing` more
  // columns, within the limit.
  bool FitsOnOneLine(const State& start, int trailing) const {
    return out_.find('\n', start.out_size) == std::string::npos &&
           Column() + trailing <= kFormatColumnLimit;
  }

  // ---- Schema ----

  void FormatSchemaBlock(const ast::SchemaBlock& block) {
    const int close = block.span.end.offset - 1;
    Write(block.span.begin.offset, "schema");
    Write(NextToken(block.span.begin.offset + 1), "{");
    if (block.items.empty() && !CommentsWithin(block.span.begin.offset, close)) {
      Write(close, "}", Space::kGlue);
      return;
    }
    bool first = true;
    for (const ast::SchemaItem& item : block.items) {
      RequestBreak(2, false, /*keep_blank=*/!first);
      continuation_ = 4;
      FormatSchemaItem(item, 2);
      first = false;
    }
    // Comments after the last item stay inside the block.
    RequestBreak(2, false, !first);
    FlushComments(close);
    RequestBreak(0);
    Write(close, "}");
  }

  void FormatSchemaItem(const ast::SchemaItem& item, int indent) {
    const int begin = item.span.begin.offset;
    switch (item.kind) {
      case ast::SchemaItem::Kind::kSubject:
        Write(begin, SubjectKindName(item.subject_kind));
        FormatAttributes(item, NextToken(begin + 1), indent);
        break;
      case ast::SchemaItem::Kind::kResource:
        Write(begin, "resource");
        Write(item.resource_type.span.begin.offset, item.resource_type.name);
        FormatAttributes(item, NextToken(item.resource_type.span.end.offset), indent);
        break;
      case ast::SchemaItem::Kind::kContext:
        Write(begin, "context");
        FormatAttributes(item, NextToken(begin + 1), indent);
        break;
      case ast::SchemaItem::Kind::kArgs:
        Write(begin, "args");
        FormatAttributes(item, NextToken(begin + 1), indent);
        break;
      case ast::SchemaItem::Kind::kAction: {
        Write(begin, "action");
        FormatNameList(item.actions);
        Write(NextToken(item.actions.back().span.end.offset), "on");
        FormatNameList(item.action_resource_types);
        break;
      }
    }
  }

  void FormatNameList(const std::vector<ast::Identifier>& names) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) Write(NextToken(names[i - 1].span.end.offset), ",", Space::kGlue);
      Write(names[i].span.begin.offset, names[i].name);
    }
  }

  // `{ a: int, b: string }` on one line when it fits and holds no comment, else one
  // attribute per line, each followed by a comma.
  void FormatAttributes(const ast::SchemaItem& item, int open, int indent) {
    const int close = item.span.end.offset - 1;
    const std::vector<ast::AttributeDecl>& attributes = item.attributes;
    if (attributes.empty() && !CommentsWithin(open, close)) {
      Write(open, "{}");
      return;
    }
    if (!attributes.empty() && !CommentsWithin(open, close)) {
      Prepare(open);
      const State start = Save();
      Write(open, "{");
      for (size_t i = 0; i < attributes.size(); ++i) {
        if (i > 0) Write(NextToken(attributes[i - 1].type_span.end.offset), ",", Space::kGlue);
        FormatAttribute(attributes[i]);
      }
      Write(close, "}");
      if (FitsOnOneLine(start, 0)) return;
      Restore(start);
    }
    Write(open, "{");
    for (const ast::AttributeDecl& attribute : attributes) {
      RequestBreak(indent + 2);
      continuation_ = indent + 4;
      FormatAttribute(attribute);
      const int after = NextToken(attribute.type_span.end.offset);
      const bool comma = after < static_cast<int>(text_.size()) && text_[after] == ',';
      Write(comma ? after : attribute.type_span.end.offset, ",", Space::kGlue);
    }
    RequestBreak(indent + 2);
    FlushComments(close);
    RequestBreak(indent);
    continuation_ = indent + 2;
    Write(close, "}");
  }

  void FormatAttribute(const ast::AttributeDecl& attribute) {
    Write(attribute.name.span.begin.offset, attribute.name.name);
    int after_name = NextToken(attribute.name.span.end.offset);
    if (attribute.optional) {
      Write(after_name, "?", Space::kGlue);
      after_name = NextToken(after_name + 1);
    }
    Write(after_name, ":", Space::kGlue);
    if (attribute.members.empty()) {
      Write(attribute.type_span.begin.offset, TypeName(attribute.type));
      return;
    }
    for (size_t i = 0; i < attribute.members.size(); ++i) {
      const ast::StringLiteral& member = attribute.members[i];
      if (i > 0) Write(NextToken(attribute.members[i - 1].span.end.offset), "|");
      Write(member.span.begin.offset, QuoteString(member.value));
    }
  }

  // ---- Rules ----

  void FormatRule(const ast::Rule& rule) {
    for (size_t i = 0; i < rule.annotations.size(); ++i) {
      const ast::Annotation& annotation = rule.annotations[i];
      if (i > 0) RequestBreak(0);
      Write(annotation.span.begin.offset,
            annotation.has_value ? absl::StrCat("@", annotation.name.name, "(",
                                                QuoteString(annotation.value.value), ")")
                                 : absl::StrCat("@", annotation.name.name));
    }
    if (!rule.annotations.empty()) RequestBreak(0);
    continuation_ = 4;
    Write(rule.effect_span.begin.offset, ast::EffectKeyword(rule.effect));
    FormatSubject(rule.subject);
    const int to = NextToken(rule.subject.span.end.offset);
    Write(to, "to");
    int actions_end;
    if (rule.action_list) {
      Open(NextToken(to + 1), "[");
      FormatNameList(rule.actions);
      const int close = NextToken(rule.actions.back().span.end.offset);
      Write(close, "]", Space::kGlue);
      actions_end = close + 1;
    } else {
      Write(rule.actions.front().span.begin.offset, rule.actions.front().name);
      actions_end = rule.actions.front().span.end.offset;
    }
    Write(NextToken(actions_end), "on");
    FormatResource(rule.resource);

    // Clauses in the canonical order, whatever the source's.
    const bool has_with = !rule.obligations.empty();
    if (rule.when != nullptr) {
      FormatClause("when", rule.when_span, *rule.when, rule.unless == nullptr && !has_with);
    }
    if (rule.unless != nullptr) {
      FormatClause("unless", rule.unless_span, *rule.unless, !has_with);
    }
    if (has_with) FormatObligations(rule);
    continuation_ = 4;
    Write(rule.span.end.offset - 1, ";", Space::kGlue);
  }

  void FormatSubject(const ast::SubjectHead& subject) {
    Write(subject.kind_span.begin.offset,
          subject.kind.has_value() ? SubjectKindName(*subject.kind) : "any");
    switch (subject.selector) {
      case ast::SubjectHead::Selector::kAll:
        break;
      case ast::SubjectHead::Selector::kId:
        Write(subject.value.span.begin.offset, QuoteString(subject.value.value));
        break;
      case ast::SubjectHead::Selector::kGroup: {
        const int in = NextToken(subject.kind_span.end.offset);
        Write(in, "in");
        Write(NextToken(in + 1), "group");
        Write(subject.value.span.begin.offset, QuoteString(subject.value.value));
        break;
      }
    }
  }

  void FormatResource(const ast::ResourceHead& head) {
    using Selector = ast::ResourceHead::Selector;
    Write(head.type.span.begin.offset, head.type.name);
    const int keyword = NextToken(head.type.span.end.offset);
    switch (head.selector) {
      case Selector::kAll:
        break;
      case Selector::kId:
        Write(head.values[0].span.begin.offset, QuoteString(head.values[0].value));
        break;
      case Selector::kIds:
        Write(keyword, "in");
        FormatStringList(head.values, NextToken(keyword + 1));
        break;
      case Selector::kPrefix:
        Write(keyword, "under");
        Write(head.values[0].span.begin.offset, QuoteString(head.values[0].value));
        break;
      case Selector::kPrefixes:
        Write(keyword, "under");
        FormatStringList(head.values, NextToken(keyword + 1));
        break;
      case Selector::kPattern:
        Write(keyword, "matching");
        Write(head.pattern.span.begin.offset, SourceText(head.pattern.span));
        break;
    }
  }

  void FormatStringList(const std::vector<ast::StringLiteral>& values, int open) {
    Open(open, "[");
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) Write(NextToken(values[i - 1].span.end.offset), ",", Space::kGlue);
      Write(values[i].span.begin.offset, QuoteString(values[i].value));
    }
    Write(NextToken(values.back().span.end.offset), "]", Space::kGlue);
  }

  void FormatClause(absl::string_view keyword, const ast::Span& keyword_span, const Expr& expr,
                    bool last) {
    RequestBreak(2);
    continuation_ = 4;
    Write(keyword_span.begin.offset, keyword);
    // A last clause is followed by the rule's `;` on the same line.
    FormatExpr(expr, /*parenthesize=*/false, /*indent=*/4, /*trailing=*/last ? 1 : 0);
  }

  // `with a, b, c` on one line when it fits and holds no comment, else one obligation per
  // line, aligned under the first.
  void FormatObligations(const ast::Rule& rule) {
    RequestBreak(2);
    continuation_ = 4;
    Write(rule.with_span.begin.offset, "with");
    const std::vector<ast::Obligation>& obligations = rule.obligations;
    if (!CommentsWithin(obligations.front().span.begin.offset,
                        obligations.back().span.end.offset - 1)) {
      Prepare(obligations.front().span.begin.offset);
      const State start = Save();
      for (size_t i = 0; i < obligations.size(); ++i) {
        if (i > 0) Write(NextToken(obligations[i - 1].span.end.offset), ",", Space::kGlue);
        FormatObligation(obligations[i]);
      }
      if (FitsOnOneLine(start, 1)) return;
      Restore(start);
    }
    constexpr int kAligned = 7;  // under the first obligation: two blanks and "with "
    for (size_t i = 0; i < obligations.size(); ++i) {
      if (i > 0) {
        Write(NextToken(obligations[i - 1].span.end.offset), ",", Space::kGlue);
        RequestBreak(kAligned);
      }
      continuation_ = kAligned + 2;
      FormatObligation(obligations[i]);
    }
  }

  void FormatObligation(const ast::Obligation& obligation) {
    Write(obligation.name.span.begin.offset, obligation.name.name);
    Open(NextToken(obligation.name.span.end.offset), "(", Space::kGlue);
    for (size_t i = 0; i < obligation.args.size(); ++i) {
      const ast::ObligationArg& arg = obligation.args[i];
      if (i > 0) Write(NextToken(obligation.args[i - 1].span.end.offset), ",", Space::kGlue);
      switch (arg.kind) {
        case ast::ObligationArg::Kind::kRegex:
          Write(arg.span.begin.offset, SourceText(arg.span));
          break;
        case ast::ObligationArg::Kind::kString:
          Write(arg.span.begin.offset, QuoteString(arg.text));
          break;
        case ast::ObligationArg::Kind::kInt:
          Write(arg.span.begin.offset, absl::StrCat(arg.int_value));
          break;
        case ast::ObligationArg::Kind::kIdentifier:
          Write(arg.span.begin.offset, arg.text);
          break;
      }
    }
    Write(obligation.span.end.offset - 1, ")", Space::kGlue);
  }

  // ---- Conditions ----

  // Writes `expr`. `indent` is the indentation of the lines a broken `and`/`or` chain starts;
  // `trailing` is how many columns follow the expression on its last line.
  void FormatExpr(const Expr& expr, bool parenthesize, int indent, int trailing) {
    const int saved_continuation = continuation_;
    continuation_ = indent;
    if (parenthesize) {
      Open(PreviousToken(expr.span.begin.offset), "(");
      trailing += 1;
    }
    switch (expr.kind) {
      case Expr::Kind::kString:
        Write(expr.span.begin.offset, QuoteString(expr.string_value));
        break;
      case Expr::Kind::kInt:
        Write(expr.span.begin.offset, absl::StrCat(expr.int_value));
        break;
      case Expr::Kind::kBool:
        Write(expr.span.begin.offset, expr.bool_value ? "true" : "false");
        break;
      case Expr::Kind::kNow:
        Write(expr.span.begin.offset, "now");
        break;
      case Expr::Kind::kPath:
        Write(expr.span.begin.offset,
              expr.attribute.name.empty()
                  ? std::string(ast::PathRootKeyword(expr.root))
                  : absl::StrCat(ast::PathRootKeyword(expr.root), ".", expr.attribute.name));
        break;
      case Expr::Kind::kHas:
        Write(expr.span.begin.offset, ast::PathRootKeyword(expr.root));
        Write(expr.op_span.begin.offset, "has");
        Write(expr.attribute.span.begin.offset, expr.attribute.name);
        break;
      case Expr::Kind::kList:
        Open(expr.span.begin.offset, "[");
        for (size_t i = 0; i < expr.operands.size(); ++i) {
          const Expr& element = *expr.operands[i];
          if (i > 0) {
            Write(NextToken(expr.operands[i - 1]->span.end.offset), ",", Space::kGlue);
          }
          FormatExpr(element, NeedsParentheses(expr, i, element), indent + 2, 0);
        }
        Write(expr.span.end.offset - 1, "]", Space::kGlue);
        break;
      case Expr::Kind::kNot: {
        Write(expr.op_span.begin.offset, "not");
        const Expr& operand = *expr.operands[0];
        FormatExpr(operand, NeedsParentheses(expr, 0, operand), indent, trailing);
        break;
      }
      case Expr::Kind::kMatches: {
        const Expr& operand = *expr.operands[0];
        FormatExpr(operand, NeedsParentheses(expr, 0, operand), indent + 2, 0);
        Write(expr.op_span.begin.offset, "matches");
        Write(expr.regex.span.begin.offset, SourceText(expr.regex.span));
        break;
      }
      case Expr::Kind::kBinary:
        if (IsChain(expr)) {
          FormatChain(expr, indent, trailing);
        } else {
          const Expr& left = *expr.operands[0];
          const Expr& right = *expr.operands[1];
          FormatExpr(left, NeedsParentheses(expr, 0, left), indent + 2, 0);
          Write(expr.op_span.begin.offset, ast::BinaryOpText(expr.op));
          FormatExpr(right, NeedsParentheses(expr, 1, right), indent + 2, trailing);
        }
        break;
    }
    if (parenthesize) Write(NextToken(expr.span.end.offset), ")", Space::kGlue);
    continuation_ = saved_continuation;
  }

  // The source offset of the first token that FormatExpr writes for `expr` (without
  // parentheses of its own).
  int FirstTokenOffset(const Expr& expr) const {
    const Expr* node = &expr;
    while ((node->kind == Expr::Kind::kBinary || node->kind == Expr::Kind::kMatches) &&
           !node->operands.empty()) {
      const Expr& first = *node->operands.front();
      if (NeedsParentheses(*node, 0, first)) return PreviousToken(first.span.begin.offset);
      node = &first;
    }
    return node->kind == Expr::Kind::kNot ? node->op_span.begin.offset : node->span.begin.offset;
  }

  // The source offset of the last token that FormatExpr writes for `expr` (without
  // parentheses of its own).
  int LastTokenOffset(const Expr& expr) const {
    const Expr* node = &expr;
    while (true) {
      switch (node->kind) {
        case Expr::Kind::kHas:
          return node->attribute.span.begin.offset;
        case Expr::Kind::kList:
          return node->span.end.offset - 1;
        case Expr::Kind::kMatches:
          return node->regex.span.begin.offset;
        case Expr::Kind::kNot:
        case Expr::Kind::kBinary: {
          const Expr& last = *node->operands.back();
          if (NeedsParentheses(*node, node->operands.size() - 1, last)) {
            return NextToken(last.span.end.offset);
          }
          node = &last;
          break;
        }
        default:
          return node->span.begin.offset;
      }
    }
  }

  // A run of the same operator, `a and b and c`, is one chain: on one line when it fits and
  // holds no comment, else broken before each operator.
  void FormatChain(const Expr& expr, int indent, int trailing) {
    // The chain's operands, left to right, and the operator before each (from the second).
    std::vector<const Expr*> operands;
    std::vector<const Expr*> joints;  // the node whose operator precedes operands[i]
    const Expr* node = &expr;
    std::vector<const Expr*> right_to_left;
    std::vector<const Expr*> joints_right_to_left;
    while (IsChain(*node) && node->op == expr.op) {
      right_to_left.push_back(node->operands[1].get());
      joints_right_to_left.push_back(node);
      const Expr* left = node->operands[0].get();
      // A parenthesized left operand with the same operator is the same tree without them.
      if (!(IsChain(*left) && left->op == expr.op)) {
        right_to_left.push_back(left);
        break;
      }
      node = left;
    }
    operands.assign(right_to_left.rbegin(), right_to_left.rend());
    joints.push_back(nullptr);
    for (auto it = joints_right_to_left.rbegin(); it != joints_right_to_left.rend(); ++it) {
      joints.push_back(*it);
    }
    auto needs_parentheses = [&](size_t i) {
      return NeedsParentheses(expr, i == 0 ? 0 : 1, *operands[i]);
    };

    // Comments that will be written between the chain's tokens. (One inside a token written
    // whole, such as `subject . x`, is written after that token, and may so leave the chain.)
    const int first = FirstTokenOffset(expr);
    if (!CommentsWithin(first, LastTokenOffset(expr))) {
      Prepare(first);
      const State start = Save();
      for (size_t i = 0; i < operands.size(); ++i) {
        if (i > 0) Write(joints[i]->op_span.begin.offset, ast::BinaryOpText(expr.op));
        FormatExpr(*operands[i], needs_parentheses(i), indent + 2,
                   i + 1 == operands.size() ? trailing : 0);
      }
      if (FitsOnOneLine(start, trailing)) return;
      Restore(start);
    }
    for (size_t i = 0; i < operands.size(); ++i) {
      if (i > 0) {
        RequestBreak(indent);
        Write(joints[i]->op_span.begin.offset, ast::BinaryOpText(expr.op));
      }
      FormatExpr(*operands[i], needs_parentheses(i), indent + 2,
                 i + 1 == operands.size() ? trailing : 0);
    }
  }

  absl::string_view text_;
  const ast::File& file_;
  std::vector<int> token_offsets_;

  std::string out_;
  size_t line_start_ = 0;
  size_t next_comment_ = 0;
  bool break_pending_ = false;
  int break_indent_ = 0;
  bool break_force_blank_ = false;
  bool break_keep_blank_ = false;
  bool glue_next_ = false;            // the previous token opened a bracket
  bool space_after_comment_ = false;  // an inline block comment ends the line so far
  bool line_closed_ = false;          // a `//` comment ends the current line
  int last_source_end_ = -1;          // the source end of the last token or comment written
  int continuation_ = 4;              // the indentation of a line a comment starts
};

}  // namespace

absl::StatusOr<std::string> FormatSource(absl::string_view name, absl::string_view text) {
  std::vector<Diagnostic> diagnostics;
  const ast::File file = ParseSource(name, text, &diagnostics);
  if (HasErrors(diagnostics)) {
    return absl::InvalidArgumentError(FormatDiagnostics(diagnostics));
  }
  return Formatter(text, file).Run();
}

}  // namespace ward
