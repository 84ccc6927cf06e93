// A recursive-descent parser over a streaming lexer (one token of lookahead).
//
// Every parse function reports an error at the offending token and returns false (or a null
// expression) on failure; the item loop then skips to a synchronisation point (see Recover)
// and carries on, so independent errors are all reported. Recursion happens only through
// parentheses, `not` and list nesting, each of which counts against max_nesting_depth; `and`
// / `or` chains are built in loops and their total length per condition is capped, which
// bounds the height of every expression tree (and so the recursion of its destructor).

#include "policy_lang/parser.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "policy_lang/ast.h"
#include "policy_lang/diagnostics.h"
#include "policy_lang/lexer.h"

namespace ward {
namespace {

// The most `and` / `or` operators in one condition (`when` or `unless`), parentheses
// included. Left-deep chains make the tree as tall as the chain is long.

// Longest source line copied into a diagnostic.
constexpr size_t kMaxSourceLineBytes = size_t{64} << 10;

using ast::Expr;
using ast::Location;
using ast::Span;

// An expression and its span including any parentheses around it (Expr::span excludes them).
struct Node {
  std::unique_ptr<Expr> expr;
  Span span;
};

const std::vector<std::string>& EffectNames() {
  static const auto* names = new std::vector<std::string>{"permit", "forbid", "require_approval"};
  return *names;
}
const std::vector<std::string>& TopLevelNames() {
  static const auto* names =
      new std::vector<std::string>{"permit", "forbid", "require_approval", "schema"};
  return *names;
}
const std::vector<std::string>& SubjectKindNames() {
  static const auto* names = new std::vector<std::string>{"user", "agent", "builder", "any"};
  return *names;
}
const std::vector<std::string>& SchemaItemNames() {
  static const auto* names = new std::vector<std::string>{
      "user", "agent", "builder", "resource", "action", "context", "args"};
  return *names;
}
const std::vector<std::string>& TypeNames() {
  static const auto* names =
      new std::vector<std::string>{"string", "int", "bool", "timestamp", "set"};
  return *names;
}
const std::vector<std::string>& ValueNames() {
  static const auto* names = new std::vector<std::string>{
      "subject", "resource", "context", "args", "delegator", "true", "false", "now"};
  return *names;
}
const std::vector<std::string>& ClauseNames() {
  static const auto* names = new std::vector<std::string>{"when", "unless", "with"};
  return *names;
}

std::optional<SubjectKind> SubjectKindFromName(absl::string_view name) {
  if (name == "user") return SubjectKind::kUser;
  if (name == "agent") return SubjectKind::kAgent;
  if (name == "builder") return SubjectKind::kBuilder;
  return std::nullopt;
}

std::optional<ast::PathRoot> PathRootFromName(absl::string_view name) {
  if (name == "subject") return ast::PathRoot::kSubject;
  if (name == "resource") return ast::PathRoot::kResource;
  if (name == "context") return ast::PathRoot::kContext;
  if (name == "args") return ast::PathRoot::kArgs;
  if (name == "delegator") return ast::PathRoot::kDelegator;
  return std::nullopt;
}

absl::string_view PathRootName(ast::PathRoot root) {
  switch (root) {
    case ast::PathRoot::kSubject:
      return "subject";
    case ast::PathRoot::kResource:
      return "resource";
    case ast::PathRoot::kContext:
      return "context";
    case ast::PathRoot::kArgs:
      return "args";
    case ast::PathRoot::kDelegator:
      return "delegator";
  }
  return "subject";
}

absl::string_view PathRootExample(ast::PathRoot root) {
  switch (root) {
    case ast::PathRoot::kSubject:
      return "subject.id";
    case ast::PathRoot::kResource:
      return "resource.id";
    case ast::PathRoot::kContext:
      return "context.session";
    case ast::PathRoot::kArgs:
      return "args.amount";
    case ast::PathRoot::kDelegator:
      return "delegator.id";
  }
  return "subject.id";
}

// The text of line containing byte `offset` (without its newline).
absl::string_view LineAround(absl::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t start = offset;
  while (start > 0 && text[start - 1] != '\n') --start;
  size_t end = text.find('\n', offset);
  if (end == absl::string_view::npos) end = text.size();
  absl::string_view line = text.substr(start, end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

class Parser {
 public:
  Parser(absl::string_view source_name, absl::string_view text, const ParseLimits& limits,
         std::vector<Diagnostic>* diagnostics)
      : source_name_(source_name),
        text_(text),
        limits_(limits),
        diagnostics_(diagnostics),
        lexer_(text, limits.max_string_bytes) {}

  ast::File Parse();

 private:
  enum class RecoveryMode { kRule, kSchema };

  // ---- Tokens ----
  void Advance();
  bool Is(TokenKind kind) const { return token_.kind == kind; }
  bool IsWord(absl::string_view word) const {
    return token_.kind == TokenKind::kIdentifier && token_.text == word;
  }
  bool IsEffect() const {
    return IsWord("permit") || IsWord("forbid") || IsWord("require_approval");
  }
  bool IsItemStart() const { return Is(TokenKind::kAt) || IsEffect() || IsWord("schema"); }
  bool IsComparisonOperator() const;
  // "`invoke`", "end of file": the current token, for "found ..." in messages.
  std::string Found() const;

  // ---- Diagnostics ----
  void AddError(Location location, std::string message);
  // Reports `message` at the current token; silent when that token is a lexical error
  // (already reported by the lexer).
  void Error(std::string message);
  // "expected X, found Y" at the current token.
  void ErrorExpected(absl::string_view what) {
    // `|` is only a token between enum members; in a condition it is a C habit.
    Error(absl::StrCat("expected ", what, ", found ", Found(),
                       Is(TokenKind::kPipe) ? "; did you mean `or`?" : ""));
  }
  void Recover(RecoveryMode mode);

  // ---- Schema ----
  bool ParseSchemaBlock(ast::SchemaBlock* block);
  bool ParseSchemaItem(ast::SchemaItem* item);
  bool ParseAttributeBlock(absl::string_view owner, std::vector<ast::AttributeDecl>* attributes,
                           Location* end);
  bool ParseType(ast::AttributeDecl* decl);
  // STRING ('|' STRING)*: the members of a string enum.
  bool ParseEnumMembers(ast::AttributeDecl* decl);
  // NAME (',' NAME)*; `reserved` (when not empty) is not accepted as a name.
  bool ParseIdentifierList(absl::string_view what, absl::string_view reserved,
                           std::vector<ast::Identifier>* names);

  // ---- Rules ----
  bool ParseRule(ast::Rule* rule);
  bool ParseAnnotation(ast::Annotation* annotation);
  bool ParseSubjectHead(ast::SubjectHead* head);
  bool ParseActionHead(ast::Rule* rule);
  bool ParseResourceHead(ast::ResourceHead* head);
  bool ParseStringList(std::vector<ast::StringLiteral>* values, Location* end);
  bool ParseObligation(ast::Obligation* obligation);
  bool ParseObligationArgument(ast::ObligationArg* arg);
  // Takes the current token (an identifier).
  void TakeIdentifier(ast::Identifier* identifier);
  bool TakeInt(bool negative, Location begin, int64_t* value, Span* span);
  // Takes the current token (a regex); false, with an error, when letters follow it directly
  // (flags such as `/x/i`, which the language does not have).
  bool TakeRegex();

  // ---- Conditions ----
  std::unique_ptr<Expr> ParseCondition();
  Node ParseOr();
  Node ParseAnd();
  Node ParseNot();
  Node ParseComparison();
  Node ParseOperand(bool allow_bare_root);
  Node ParseList();
  Node ParsePath(bool allow_bare_root);
  // Counts one level of nesting; false (with an error) when that is too deep.
  bool EnterNesting();
  bool CountOperator();
  Node MakeBinary(Expr::BinaryOp op, Span op_span, Node lhs, Node rhs);

  absl::string_view source_name_;
  absl::string_view text_;
  const ParseLimits& limits_;
  std::vector<Diagnostic>* diagnostics_;
  Lexer lexer_;

  Token token_;                // the current token
  Location previous_end_;      // the end of the token before it
  bool consumed_any_ = false;  // whether any token was consumed
  int open_brackets_ = 0;      // unclosed ( [ { consumed since the start of the item
  size_t errors_ = 0;
  bool stopped_ = false;  // max_errors reached
  int depth_ = 0;         // nesting of the condition being parsed
  int operators_ = 0;     // and/or operators of the condition being parsed
};

// Restores the nesting depth on scope exit.
class NestingScope {
 public:
  explicit NestingScope(int* depth) : depth_(depth) {}
  ~NestingScope() { --*depth_; }
  NestingScope(const NestingScope&) = delete;
  NestingScope& operator=(const NestingScope&) = delete;

 private:
  int* depth_;
};

void Parser::Advance() {
  switch (token_.kind) {
    case TokenKind::kLeftBrace:
    case TokenKind::kLeftParen:
    case TokenKind::kLeftBracket:
      ++open_brackets_;
      break;
    case TokenKind::kRightBrace:
    case TokenKind::kRightParen:
    case TokenKind::kRightBracket:
      open_brackets_ = std::max(0, open_brackets_ - 1);
      break;
    default:
      break;
  }
  previous_end_ = token_.span.end;
  consumed_any_ = true;
  token_ = lexer_.Next();
  for (LexError& error : lexer_.TakeErrors()) AddError(error.location, std::move(error.message));
}

bool Parser::IsComparisonOperator() const {
  switch (token_.kind) {
    case TokenKind::kEqualEqual:
    case TokenKind::kNotEqual:
    case TokenKind::kLess:
    case TokenKind::kLessEqual:
    case TokenKind::kGreater:
    case TokenKind::kGreaterEqual:
      return true;
    default:
      return IsWord("in") || IsWord("starts_with") || IsWord("matches") || IsWord("has");
  }
}

std::string Parser::Found() const {
  if (Is(TokenKind::kEof)) return "end of file";
  return absl::StrCat("`", Abbreviate(token_.text), "`");
}

void Parser::AddError(Location location, std::string message) {
  if (stopped_) return;
  Diagnostic diagnostic;
  diagnostic.severity = Diagnostic::Severity::kError;
  diagnostic.source = std::string(source_name_);
  diagnostic.line = location.line;
  diagnostic.column = location.column;
  diagnostic.message = std::move(message);
  if (location.line > 0) {
    const absl::string_view line = LineAround(text_, static_cast<size_t>(location.offset));
    if (line.size() <= kMaxSourceLineBytes) diagnostic.source_line = std::string(line);
  }
  diagnostics_->push_back(std::move(diagnostic));
  if (++errors_ >= limits_.max_errors) stopped_ = true;
}

void Parser::Error(std::string message) {
  if (Is(TokenKind::kError)) return;
  // At the end of the file, point just after the last token rather than at the empty end.
  const Location at = Is(TokenKind::kEof) && consumed_any_ ? previous_end_ : token_.span.begin;
  AddError(at, std::move(message));
}

void Parser::Recover(RecoveryMode mode) {
  while (!stopped_ && !Is(TokenKind::kEof)) {
    if (token_.first_on_line && IsItemStart()) return;
    const TokenKind kind = token_.kind;
    Advance();
    if (open_brackets_ == 0) {
      if (mode == RecoveryMode::kRule && kind == TokenKind::kSemicolon) return;
      if (mode == RecoveryMode::kSchema && kind == TokenKind::kRightBrace) return;
    }
  }
}

ast::File Parser::Parse() {
  ast::File file;
  file.source_name = std::string(source_name_);
  const size_t first_diagnostic = diagnostics_->size();
  if (text_.size() > limits_.max_source_bytes || text_.size() > static_cast<size_t>(INT_MAX)) {
    AddError({}, absl::StrCat("source is ", text_.size(), " bytes, more than the limit of ",
                              std::min<size_t>(limits_.max_source_bytes, INT_MAX), " bytes"));
    return file;
  }
  token_ = lexer_.Next();
  for (LexError& error : lexer_.TakeErrors()) AddError(error.location, std::move(error.message));
  while (!stopped_ && !Is(TokenKind::kEof)) {
    open_brackets_ = 0;
    if (IsWord("schema")) {
      ast::SchemaBlock block;
      const bool ok = ParseSchemaBlock(&block);
      if (ok || !block.items.empty()) file.items.emplace_back(std::move(block));
      if (!ok) {
        file.schema_incomplete = true;
        Recover(RecoveryMode::kSchema);
      }
    } else if (Is(TokenKind::kAt) || IsEffect()) {
      ast::Rule rule;
      if (ParseRule(&rule)) {
        file.items.emplace_back(std::move(rule));
      } else {
        Recover(RecoveryMode::kRule);
      }
    } else {
      if (Is(TokenKind::kIdentifier)) {
        std::string suggestion = DidYouMean(token_.text, TopLevelNames());
        if (suggestion.empty()) {
          suggestion = "; expected `permit`, `forbid`, `require_approval` or `schema`";
        }
        Error(absl::StrCat("unknown effect ", Found(), suggestion));
      } else {
        ErrorExpected("a rule or a schema block");
      }
      Advance();
      Recover(RecoveryMode::kRule);
    }
  }
  file.comments = lexer_.TakeComments();
  // Lexical errors are reported as tokens are read, which may be just before a parse error
  // at an earlier token: keep the diagnostics in source order.
  std::stable_sort(diagnostics_->begin() + first_diagnostic, diagnostics_->end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  return file;
}

// ---- Schema ----

bool Parser::ParseSchemaBlock(ast::SchemaBlock* block) {
  const Location begin = token_.span.begin;
  Advance();  // schema
  if (!Is(TokenKind::kLeftBrace)) {
    ErrorExpected("`{` after `schema`");
    return false;
  }
  Advance();
  // Until the closing `}`, the span covers what has parsed (all that is kept after an error).
  block->span = {begin, previous_end_};
  while (!Is(TokenKind::kRightBrace)) {
    ast::SchemaItem item;
    if (!ParseSchemaItem(&item)) return false;
    block->items.push_back(std::move(item));
    if (Is(TokenKind::kSemicolon)) Advance();
    block->span.end = previous_end_;
  }
  block->span.end = token_.span.end;
  Advance();
  return true;
}

bool Parser::ParseSchemaItem(ast::SchemaItem* item) {
  const Location begin = token_.span.begin;
  Location end;
  if (IsWord("user") || IsWord("agent") || IsWord("builder")) {
    item->kind = ast::SchemaItem::Kind::kSubject;
    item->subject_kind = *SubjectKindFromName(token_.text);
    const std::string owner(token_.text);
    Advance();
    if (!ParseAttributeBlock(owner, &item->attributes, &end)) return false;
  } else if (IsWord("resource")) {
    item->kind = ast::SchemaItem::Kind::kResource;
    Advance();
    if (!Is(TokenKind::kIdentifier)) {
      ErrorExpected("a resource type name after `resource`");
      return false;
    }
    TakeIdentifier(&item->resource_type);
    if (!ParseAttributeBlock(absl::StrCat("resource ", item->resource_type.name), &item->attributes,
                             &end)) {
      return false;
    }
  } else if (IsWord("action")) {
    item->kind = ast::SchemaItem::Kind::kAction;
    Advance();
    if (!ParseIdentifierList("an action name", "on", &item->actions)) return false;
    if (!IsWord("on")) {
      ErrorExpected("`on` or `,` after the action name");
      return false;
    }
    Advance();
    if (!ParseIdentifierList("a resource type", "", &item->action_resource_types)) return false;
    end = item->action_resource_types.back().span.end;
  } else if (IsWord("context")) {
    item->kind = ast::SchemaItem::Kind::kContext;
    Advance();
    if (!ParseAttributeBlock("context", &item->attributes, &end)) return false;
  } else if (IsWord("args")) {
    item->kind = ast::SchemaItem::Kind::kArgs;
    Advance();
    if (!ParseAttributeBlock("args", &item->attributes, &end)) return false;
  } else if (Is(TokenKind::kIdentifier)) {
    std::string suggestion = DidYouMean(token_.text, SchemaItemNames());
    if (suggestion.empty()) {
      suggestion =
          "; expected `user`, `agent`, `builder`, `resource`, `action`, `context` or `args`";
    }
    Error(absl::StrCat("unknown schema item ", Found(), suggestion));
    return false;
  } else {
    ErrorExpected(
        "`user`, `agent`, `builder`, `resource`, `action`, `context`, `args` or `}` in the "
        "schema");
    return false;
  }
  item->span = {begin, end};
  return true;
}

bool Parser::ParseIdentifierList(absl::string_view what, absl::string_view reserved,
                                 std::vector<ast::Identifier>* names) {
  while (true) {
    if (!Is(TokenKind::kIdentifier) || (!reserved.empty() && IsWord(reserved))) {
      ErrorExpected(what);
      return false;
    }
    if (names->size() >= limits_.max_list_items) {
      Error(absl::StrCat("list has more than ", limits_.max_list_items, " items"));
      return false;
    }
    names->emplace_back();
    TakeIdentifier(&names->back());
    if (!Is(TokenKind::kComma)) return true;
    Advance();
  }
}

bool Parser::ParseAttributeBlock(absl::string_view owner,
                                 std::vector<ast::AttributeDecl>* attributes, Location* end) {
  if (!Is(TokenKind::kLeftBrace)) {
    ErrorExpected(absl::StrCat("`{` after `", owner, "`"));
    return false;
  }
  Advance();
  while (!Is(TokenKind::kRightBrace)) {
    if (!Is(TokenKind::kIdentifier)) {
      ErrorExpected("an attribute name or `}`");
      return false;
    }
    if (attributes->size() >= limits_.max_list_items) {
      Error(absl::StrCat("more than ", limits_.max_list_items, " attributes"));
      return false;
    }
    ast::AttributeDecl decl;
    TakeIdentifier(&decl.name);
    if (Is(TokenKind::kQuestion)) {
      decl.optional = true;
      Advance();
    }
    if (!Is(TokenKind::kColon)) {
      ErrorExpected(absl::StrCat("`:` after the attribute name `", decl.name.name,
                                 decl.optional ? "?`" : "` (or `?:` for an optional one)"));
      return false;
    }
    Advance();
    if (!ParseType(&decl)) return false;
    attributes->push_back(std::move(decl));
    if (Is(TokenKind::kComma)) {
      Advance();
    } else if (!Is(TokenKind::kRightBrace)) {
      ErrorExpected("`,` or `}` after the attribute");
      return false;
    }
  }
  *end = token_.span.end;
  Advance();
  return true;
}

bool Parser::ParseEnumMembers(ast::AttributeDecl* decl) {
  decl->type = Type::kString;
  const Location begin = token_.span.begin;
  while (true) {
    if (!Is(TokenKind::kString)) {
      ErrorExpected("a string after `|`");
      return false;
    }
    if (decl->members.size() >= limits_.max_list_items) {
      Error(absl::StrCat("more than ", limits_.max_list_items, " enum members"));
      return false;
    }
    ast::StringLiteral member;
    member.value = token_.value;
    member.span = token_.span;
    decl->type_span = {begin, token_.span.end};
    decl->members.push_back(std::move(member));
    Advance();
    if (!Is(TokenKind::kPipe)) return true;
    Advance();
  }
}

bool Parser::ParseType(ast::AttributeDecl* decl) {
  if (Is(TokenKind::kString)) return ParseEnumMembers(decl);
  if (!Is(TokenKind::kIdentifier)) {
    ErrorExpected("a type or a string enum (`\"low\" | \"high\"`)");
    return false;
  }
  const Location begin = token_.span.begin;
  if (IsWord("string") || IsWord("int") || IsWord("bool") || IsWord("timestamp")) {
    decl->type = IsWord("string") ? Type::kString
                 : IsWord("int")  ? Type::kInt
                 : IsWord("bool") ? Type::kBool
                                  : Type::kTimestamp;
    decl->type_span = token_.span;
    Advance();
    return true;
  }
  if (!IsWord("set")) {
    std::string suggestion = DidYouMean(token_.text, TypeNames());
    if (suggestion.empty()) {
      suggestion = "; expected `string`, `int`, `bool`, `timestamp`, `set<string>` or `set<int>`";
    }
    Error(absl::StrCat("unknown type ", Found(), suggestion));
    return false;
  }
  Advance();
  if (!Is(TokenKind::kLess)) {
    ErrorExpected("`<` after `set`");
    return false;
  }
  Advance();
  if (IsWord("string")) {
    decl->type = Type::kStringSet;
  } else if (IsWord("int")) {
    decl->type = Type::kIntSet;
  } else if (IsWord("bool") || IsWord("timestamp") || IsWord("set")) {
    Error(absl::StrCat("a set holds `string` or `int`, not ", Found()));
    return false;
  } else if (Is(TokenKind::kIdentifier)) {
    std::string suggestion = DidYouMean(token_.text, {"string", "int"});
    if (suggestion.empty()) suggestion = "; a set holds `string` or `int`";
    Error(absl::StrCat("unknown type ", Found(), suggestion));
    return false;
  } else {
    ErrorExpected("`string` or `int` in `set<...>`");
    return false;
  }
  Advance();
  if (!Is(TokenKind::kGreater)) {
    ErrorExpected("`>` to close `set<`");
    return false;
  }
  decl->type_span = {begin, token_.span.end};
  Advance();
  return true;
}

// ---- Rules ----

void Parser::TakeIdentifier(ast::Identifier* identifier) {
  identifier->name = std::string(token_.text);
  identifier->span = token_.span;
  Advance();
}

bool Parser::ParseRule(ast::Rule* rule) {
  const Location begin = token_.span.begin;
  while (Is(TokenKind::kAt)) {
    ast::Annotation annotation;
    if (!ParseAnnotation(&annotation)) return false;
    rule->annotations.push_back(std::move(annotation));
  }
  if (IsWord("permit")) {
    rule->effect = ast::Effect::kPermit;
  } else if (IsWord("forbid")) {
    rule->effect = ast::Effect::kForbid;
  } else if (IsWord("require_approval")) {
    rule->effect = ast::Effect::kRequireApproval;
  } else if (Is(TokenKind::kIdentifier)) {
    std::string suggestion = DidYouMean(token_.text, EffectNames());
    if (suggestion.empty()) suggestion = "; expected `permit`, `forbid` or `require_approval`";
    Error(absl::StrCat("unknown effect ", Found(), suggestion));
    return false;
  } else {
    ErrorExpected("`permit`, `forbid` or `require_approval` after the annotations");
    return false;
  }
  rule->effect_span = token_.span;
  Advance();
  if (!ParseSubjectHead(&rule->subject)) return false;
  if (!IsWord("to")) {
    ErrorExpected("`to` after the subject");
    return false;
  }
  Advance();
  if (!ParseActionHead(rule)) return false;
  if (!IsWord("on")) {
    ErrorExpected(rule->action_list ? "`on` after the actions" : "`on` after the action");
    return false;
  }
  Advance();
  if (!ParseResourceHead(&rule->resource)) return false;
  bool seen_with = false;
  while (true) {
    if (IsWord("when") || IsWord("unless")) {
      const bool is_when = IsWord("when");
      std::unique_ptr<Expr>& slot = is_when ? rule->when : rule->unless;
      if (slot != nullptr) {
        Error(absl::StrCat("at most one `", token_.text, "` per rule"));
        return false;
      }
      (is_when ? rule->when_span : rule->unless_span) = token_.span;
      Advance();
      slot = ParseCondition();
      if (slot == nullptr) return false;
    } else if (IsWord("with")) {
      if (seen_with) {
        Error("at most one `with` per rule");
        return false;
      }
      seen_with = true;
      rule->with_span = token_.span;
      Advance();
      while (true) {
        if (rule->obligations.size() >= limits_.max_list_items) {
          Error(absl::StrCat("more than ", limits_.max_list_items, " obligations"));
          return false;
        }
        ast::Obligation obligation;
        if (!ParseObligation(&obligation)) return false;
        rule->obligations.push_back(std::move(obligation));
        if (!Is(TokenKind::kComma)) break;
        Advance();
      }
    } else {
      break;
    }
  }
  if (!Is(TokenKind::kSemicolon)) {
    std::string suggestion;
    if (Is(TokenKind::kIdentifier)) suggestion = DidYouMean(token_.text, ClauseNames());
    if (Is(TokenKind::kPipe)) suggestion = "; did you mean `or`?";
    Error(absl::StrCat("expected `;` at the end of the rule, found ", Found(), suggestion));
    return false;
  }
  rule->span = {begin, token_.span.end};
  Advance();
  return true;
}

bool Parser::ParseAnnotation(ast::Annotation* annotation) {
  const Location begin = token_.span.begin;
  Advance();  // @
  // `@ permit` would read as a bare annotation named `permit`: a stray `@` is likelier.
  if (!Is(TokenKind::kIdentifier) || IsWord("permit") || IsWord("forbid") ||
      IsWord("require_approval")) {
    ErrorExpected("an annotation name after `@`");
    return false;
  }
  TakeIdentifier(&annotation->name);
  if (!Is(TokenKind::kLeftParen)) {
    // A bare annotation (`@shadow`); the checker knows which names take a value.
    annotation->span = {begin, annotation->name.span.end};
    return true;
  }
  Advance();
  if (!Is(TokenKind::kString)) {
    ErrorExpected(absl::StrCat("a string in `@", annotation->name.name, "(...)`"));
    return false;
  }
  annotation->has_value = true;
  annotation->value = {token_.value, token_.span};
  Advance();
  if (!Is(TokenKind::kRightParen)) {
    ErrorExpected(absl::StrCat("`)` after the value of `@", annotation->name.name, "`"));
    return false;
  }
  annotation->span = {begin, token_.span.end};
  Advance();
  return true;
}

bool Parser::ParseSubjectHead(ast::SubjectHead* head) {
  const Location begin = token_.span.begin;
  if (IsWord("any")) {
    head->kind = std::nullopt;
  } else if (IsWord("user") || IsWord("agent") || IsWord("builder")) {
    head->kind = SubjectKindFromName(token_.text);
  } else if (Is(TokenKind::kIdentifier)) {
    std::string suggestion = DidYouMean(token_.text, SubjectKindNames());
    if (suggestion.empty()) suggestion = "; expected `user`, `agent`, `builder` or `any`";
    Error(absl::StrCat("unknown subject kind ", Found(), suggestion));
    return false;
  } else {
    ErrorExpected("a subject kind (`user`, `agent`, `builder` or `any`)");
    return false;
  }
  head->kind_span = token_.span;
  Location end = token_.span.end;
  Advance();
  if (Is(TokenKind::kString)) {
    head->selector = ast::SubjectHead::Selector::kId;
    head->value = {token_.value, token_.span};
    end = token_.span.end;
    Advance();
  } else if (IsWord("in")) {
    Advance();
    if (!IsWord("group")) {
      ErrorExpected("`group` after `in`");
      return false;
    }
    Advance();
    if (!Is(TokenKind::kString)) {
      ErrorExpected("a group name (a string) after `in group`");
      return false;
    }
    head->selector = ast::SubjectHead::Selector::kGroup;
    head->value = {token_.value, token_.span};
    end = token_.span.end;
    Advance();
  }
  head->span = {begin, end};
  return true;
}

bool Parser::ParseActionHead(ast::Rule* rule) {
  if (Is(TokenKind::kIdentifier) && !IsWord("on")) {
    rule->actions.emplace_back();
    TakeIdentifier(&rule->actions.back());
    return true;
  }
  if (!Is(TokenKind::kLeftBracket)) {
    ErrorExpected("an action name or `[` after `to`");
    return false;
  }
  rule->action_list = true;
  Advance();
  while (true) {
    if (!Is(TokenKind::kIdentifier)) {
      ErrorExpected("an action name");
      return false;
    }
    if (rule->actions.size() >= limits_.max_list_items) {
      Error(absl::StrCat("list has more than ", limits_.max_list_items, " items"));
      return false;
    }
    rule->actions.emplace_back();
    TakeIdentifier(&rule->actions.back());
    if (Is(TokenKind::kComma)) {
      Advance();
      if (Is(TokenKind::kRightBracket)) break;
    } else if (Is(TokenKind::kRightBracket)) {
      break;
    } else {
      ErrorExpected("`,` or `]` in the list of actions");
      return false;
    }
  }
  Advance();  // ]
  return true;
}

bool Parser::ParseResourceHead(ast::ResourceHead* head) {
  if (!Is(TokenKind::kIdentifier)) {
    ErrorExpected("a resource type after `on`");
    return false;
  }
  const Location begin = token_.span.begin;
  TakeIdentifier(&head->type);
  Location end = head->type.span.end;
  using Selector = ast::ResourceHead::Selector;
  if (Is(TokenKind::kString)) {
    head->selector = Selector::kId;
    head->values.push_back({token_.value, token_.span});
    end = token_.span.end;
    Advance();
  } else if (IsWord("in")) {
    Advance();
    if (!Is(TokenKind::kLeftBracket)) {
      ErrorExpected("a list of ids `[\"...\", ...]` after `in`");
      return false;
    }
    head->selector = Selector::kIds;
    if (!ParseStringList(&head->values, &end)) return false;
  } else if (IsWord("under")) {
    Advance();
    if (Is(TokenKind::kString)) {
      head->selector = Selector::kPrefix;
      head->values.push_back({token_.value, token_.span});
      end = token_.span.end;
      Advance();
    } else if (Is(TokenKind::kLeftBracket)) {
      head->selector = Selector::kPrefixes;
      if (!ParseStringList(&head->values, &end)) return false;
    } else {
      ErrorExpected("a prefix string or a list of prefixes after `under`");
      return false;
    }
  } else if (IsWord("matching")) {
    Advance();
    if (!Is(TokenKind::kRegex)) {
      ErrorExpected("a regular expression `/.../` after `matching`");
      return false;
    }
    head->selector = Selector::kPattern;
    head->pattern = {token_.value, token_.span};
    end = token_.span.end;
    if (!TakeRegex()) return false;
  }
  head->span = {begin, end};
  return true;
}

bool Parser::ParseStringList(std::vector<ast::StringLiteral>* values, Location* end) {
  Advance();  // [
  while (true) {
    if (!Is(TokenKind::kString)) {
      ErrorExpected("a string in the list");
      return false;
    }
    if (values->size() >= limits_.max_list_items) {
      Error(absl::StrCat("list has more than ", limits_.max_list_items, " items"));
      return false;
    }
    values->push_back({token_.value, token_.span});
    Advance();
    if (Is(TokenKind::kComma)) {
      Advance();
      if (Is(TokenKind::kRightBracket)) break;
    } else if (Is(TokenKind::kRightBracket)) {
      break;
    } else {
      ErrorExpected("`,` or `]` in the list");
      return false;
    }
  }
  *end = token_.span.end;
  Advance();  // ]
  return true;
}

bool Parser::ParseObligation(ast::Obligation* obligation) {
  if (!Is(TokenKind::kIdentifier)) {
    ErrorExpected("an obligation such as `log(full)`");
    return false;
  }
  const Location begin = token_.span.begin;
  TakeIdentifier(&obligation->name);
  if (!Is(TokenKind::kLeftParen)) {
    ErrorExpected(absl::StrCat("`(` after `", obligation->name.name, "`"));
    return false;
  }
  Advance();
  if (!Is(TokenKind::kRightParen)) {
    while (true) {
      if (obligation->args.size() >= limits_.max_list_items) {
        Error(absl::StrCat("more than ", limits_.max_list_items, " arguments"));
        return false;
      }
      ast::ObligationArg arg;
      if (!ParseObligationArgument(&arg)) return false;
      obligation->args.push_back(std::move(arg));
      if (Is(TokenKind::kComma)) {
        Advance();
      } else if (Is(TokenKind::kRightParen)) {
        break;
      } else {
        ErrorExpected(absl::StrCat("`,` or `)` in the arguments of `", obligation->name.name, "`"));
        return false;
      }
    }
  }
  obligation->span = {begin, token_.span.end};
  Advance();  // )
  return true;
}

bool Parser::ParseObligationArgument(ast::ObligationArg* arg) {
  using Kind = ast::ObligationArg::Kind;
  switch (token_.kind) {
    case TokenKind::kRegex:
      arg->kind = Kind::kRegex;
      arg->text = token_.value;
      arg->span = token_.span;
      return TakeRegex();
    case TokenKind::kString:
      arg->kind = Kind::kString;
      arg->text = token_.value;
      arg->span = token_.span;
      Advance();
      return true;
    case TokenKind::kIdentifier:
      arg->kind = Kind::kIdentifier;
      arg->text = std::string(token_.text);
      arg->span = token_.span;
      Advance();
      return true;
    case TokenKind::kInt:
      arg->kind = Kind::kInt;
      return TakeInt(false, token_.span.begin, &arg->int_value, &arg->span);
    case TokenKind::kMinus: {
      const Location begin = token_.span.begin;
      Advance();
      arg->kind = Kind::kInt;
      return TakeInt(true, begin, &arg->int_value, &arg->span);
    }
    default:
      ErrorExpected("an argument (a regular expression, a string, an integer or a name)");
      return false;
  }
}

// Takes the INT token (after a `-` when `negative`) whose literal starts at `begin`.
bool Parser::TakeInt(bool negative, Location begin, int64_t* value, Span* span) {
  if (!Is(TokenKind::kInt)) {
    ErrorExpected("an integer after `-`");
    return false;
  }
  const uint64_t magnitude = token_.int_magnitude;
  if (negative) {
    // The magnitude is at most 2^63 (the lexer rejects more); 2^63 is INT64_MIN.
    *value = magnitude == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(magnitude);
  } else {
    if (magnitude > static_cast<uint64_t>(INT64_MAX)) {
      Error(absl::StrCat("integer ", Found(), " is out of the 64-bit signed range"));
      return false;
    }
    *value = static_cast<int64_t>(magnitude);
  }
  *span = {begin, token_.span.end};
  Advance();
  return true;
}

bool Parser::TakeRegex() {
  const int end = token_.span.end.offset;
  // The closing `/`: the token ends just after it, on the same line.
  Location closing = token_.span.end;
  closing.offset -= 1;
  closing.column -= 1;
  Advance();
  if (token_.span.begin.offset != end || Is(TokenKind::kEof) || Is(TokenKind::kComma) ||
      Is(TokenKind::kRightParen) || Is(TokenKind::kSemicolon) || Is(TokenKind::kRightBracket)) {
    return true;
  }
  // Text right after the closing `/`: flags as other languages write them, or, more often,
  // the rest of a pattern whose `/` was not escaped.
  if (Is(TokenKind::kIdentifier) &&
      token_.text.find_first_not_of("gimsuxy") == absl::string_view::npos) {
    Error(absl::StrCat("a regular expression takes no flags after its closing `/`, found ", Found(),
                       "; write them at its start, e.g. `/(?i)abc/`"));
    return false;
  }
  AddError(closing,
           absl::StrCat("this `/` ends the regular expression, and ", Found(),
                        " follows it; a `/` inside a regular expression is written `\\/`"));
  return false;
}

// ---- Conditions ----

std::unique_ptr<Expr> Parser::ParseCondition() {
  depth_ = 0;
  operators_ = 0;
  return ParseOr().expr;
}

bool Parser::EnterNesting() {
  if (++depth_ > limits_.max_nesting_depth) {
    Error(absl::StrCat("expression nested deeper than ", limits_.max_nesting_depth, " levels"));
    return false;
  }
  return true;
}

bool Parser::CountOperator() {
  if (++operators_ > limits_.max_condition_operators) {
    Error(absl::StrCat("condition has more than ", limits_.max_condition_operators,
                       " `and`/`or` operators"));
    return false;
  }
  return true;
}

Node Parser::MakeBinary(Expr::BinaryOp op, Span op_span, Node lhs, Node rhs) {
  Node node;
  node.expr = std::make_unique<Expr>();
  node.expr->kind = Expr::Kind::kBinary;
  node.expr->op = op;
  node.expr->op_span = op_span;
  node.expr->span = {lhs.span.begin, rhs.span.end};
  node.span = node.expr->span;
  node.expr->operands.push_back(std::move(lhs.expr));
  node.expr->operands.push_back(std::move(rhs.expr));
  return node;
}

Node Parser::ParseOr() {
  Node lhs = ParseAnd();
  if (lhs.expr == nullptr) return {};
  while (IsWord("or")) {
    if (!CountOperator()) return {};
    const Span op_span = token_.span;
    Advance();
    Node rhs = ParseAnd();
    if (rhs.expr == nullptr) return {};
    lhs = MakeBinary(Expr::BinaryOp::kOr, op_span, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Node Parser::ParseAnd() {
  Node lhs = ParseNot();
  if (lhs.expr == nullptr) return {};
  while (IsWord("and")) {
    if (!CountOperator()) return {};
    const Span op_span = token_.span;
    Advance();
    Node rhs = ParseNot();
    if (rhs.expr == nullptr) return {};
    lhs = MakeBinary(Expr::BinaryOp::kAnd, op_span, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Node Parser::ParseNot() {
  if (!IsWord("not")) return ParseComparison();
  NestingScope scope(&depth_);
  if (!EnterNesting()) return {};
  const Span op_span = token_.span;
  Advance();
  Node inner = ParseNot();
  if (inner.expr == nullptr) return {};
  Node node;
  node.expr = std::make_unique<Expr>();
  node.expr->kind = Expr::Kind::kNot;
  node.expr->op_span = op_span;
  node.expr->span = {op_span.begin, inner.span.end};
  node.span = node.expr->span;
  node.expr->operands.push_back(std::move(inner.expr));
  return node;
}

Node Parser::ParseComparison() {
  Node lhs = ParseOperand(/*allow_bare_root=*/true);
  if (lhs.expr == nullptr) return {};
  const Expr& left = *lhs.expr;
  const bool bare_root = left.kind == Expr::Kind::kPath && left.attribute.name.empty();
  Node result;
  if (IsWord("has")) {
    if (!bare_root) {
      AddError(
          lhs.span.begin,
          "the left side of `has` must be `subject`, `resource`, `context`, `args` or `delegator` "
          "alone, e.g. `subject has clearance`");
      return {};
    }
    const Span op_span = token_.span;
    Advance();
    if (!Is(TokenKind::kIdentifier)) {
      ErrorExpected("an attribute name after `has`");
      return {};
    }
    result.expr = std::make_unique<Expr>();
    result.expr->kind = Expr::Kind::kHas;
    result.expr->root = left.root;
    result.expr->op_span = op_span;
    TakeIdentifier(&result.expr->attribute);
    result.expr->span = {lhs.span.begin, result.expr->attribute.span.end};
    result.span = result.expr->span;
  } else if (bare_root && IsWord("under")) {
    // `resource under EXPR`: the resource's id lies under a path prefix the condition reads.
    if (left.root != ast::PathRoot::kResource) {
      AddError(lhs.span.begin,
               absl::StrCat("`under` tests the resource's id: write `resource under ...`, not `",
                            PathRootName(left.root), " under ...`"));
      return {};
    }
    const Span op_span = token_.span;
    Advance();
    Node rhs = ParseOperand(/*allow_bare_root=*/false);
    if (rhs.expr == nullptr) return {};
    result = MakeBinary(Expr::BinaryOp::kUnder, op_span, std::move(lhs), std::move(rhs));
  } else if (bare_root) {
    if (Is(TokenKind::kError)) return {};  // the lexer's message says what is wrong
    AddError(lhs.span.begin,
             absl::StrCat("`", PathRootName(left.root), "` needs an attribute, e.g. `",
                          PathRootExample(left.root), "`"));
    return {};
  } else if (IsWord("matches")) {
    const Span op_span = token_.span;
    Advance();
    if (!Is(TokenKind::kRegex)) {
      ErrorExpected("a regular expression `/.../` after `matches`");
      return {};
    }
    result.expr = std::make_unique<Expr>();
    result.expr->kind = Expr::Kind::kMatches;
    result.expr->op_span = op_span;
    result.expr->regex = {token_.value, token_.span};
    result.expr->span = {lhs.span.begin, token_.span.end};
    result.span = result.expr->span;
    result.expr->operands.push_back(std::move(lhs.expr));
    if (!TakeRegex()) return {};
  } else if (IsComparisonOperator()) {
    Expr::BinaryOp op;
    switch (token_.kind) {
      case TokenKind::kEqualEqual:
        op = Expr::BinaryOp::kEq;
        break;
      case TokenKind::kNotEqual:
        op = Expr::BinaryOp::kNe;
        break;
      case TokenKind::kLess:
        op = Expr::BinaryOp::kLt;
        break;
      case TokenKind::kLessEqual:
        op = Expr::BinaryOp::kLe;
        break;
      case TokenKind::kGreater:
        op = Expr::BinaryOp::kGt;
        break;
      case TokenKind::kGreaterEqual:
        op = Expr::BinaryOp::kGe;
        break;
      default:
        op = IsWord("in") ? Expr::BinaryOp::kIn : Expr::BinaryOp::kStartsWith;
        break;
    }
    const Span op_span = token_.span;
    Advance();
    Node rhs = ParseOperand(/*allow_bare_root=*/false);
    if (rhs.expr == nullptr) return {};
    result = MakeBinary(op, op_span, std::move(lhs), std::move(rhs));
  } else {
    return lhs;
  }
  if (IsComparisonOperator()) {
    Error("comparisons do not chain; use `and`");
    return {};
  }
  return result;
}

Node Parser::ParseOperand(bool allow_bare_root) {
  Node node;
  switch (token_.kind) {
    case TokenKind::kString:
      node.expr = std::make_unique<Expr>();
      node.expr->kind = Expr::Kind::kString;
      node.expr->string_value = token_.value;
      node.expr->span = token_.span;
      node.span = token_.span;
      Advance();
      return node;
    case TokenKind::kInt:
    case TokenKind::kMinus: {
      const bool negative = Is(TokenKind::kMinus);
      const Location begin = token_.span.begin;
      if (negative) Advance();
      node.expr = std::make_unique<Expr>();
      node.expr->kind = Expr::Kind::kInt;
      if (!TakeInt(negative, begin, &node.expr->int_value, &node.expr->span)) return {};
      node.span = node.expr->span;
      return node;
    }
    case TokenKind::kLeftBracket:
      return ParseList();
    case TokenKind::kLeftParen: {
      NestingScope scope(&depth_);
      if (!EnterNesting()) return {};
      const Location begin = token_.span.begin;
      Advance();
      Node inner = ParseOr();
      if (inner.expr == nullptr) return {};
      if (!Is(TokenKind::kRightParen)) {
        ErrorExpected("`)`");
        return {};
      }
      inner.expr->parenthesized = true;
      inner.span = {begin, token_.span.end};
      Advance();
      return inner;
    }
    case TokenKind::kIdentifier:
      break;
    default:
      ErrorExpected("a value");
      return {};
  }
  if (IsWord("true") || IsWord("false")) {
    node.expr = std::make_unique<Expr>();
    node.expr->kind = Expr::Kind::kBool;
    node.expr->bool_value = IsWord("true");
    node.expr->span = token_.span;
    node.span = token_.span;
    Advance();
    return node;
  }
  if (IsWord("now")) {
    node.expr = std::make_unique<Expr>();
    node.expr->kind = Expr::Kind::kNow;
    node.expr->span = token_.span;
    node.span = token_.span;
    Advance();
    return node;
  }
  if (PathRootFromName(token_.text).has_value()) return ParsePath(allow_bare_root);
  if (IsWord("not")) {
    Error(absl::StrCat("expected a value, found ", Found(), "; write `(not ...)` here"));
    return {};
  }
  if (IsWord("and") || IsWord("or") || IsWord("in") || IsWord("has") || IsWord("matches") ||
      IsWord("starts_with") || IsWord("when") || IsWord("unless") || IsWord("with")) {
    ErrorExpected("a value");
    return {};
  }
  std::string hint = DidYouMean(token_.text, ValueNames());
  // Names other policy languages give the roots (Cedar's `principal`, OPA's `input`).
  if (IsWord("principal") || IsWord("caller") || IsWord("identity")) {
    hint = "; did you mean `subject`? (the identity making the request)";
  } else if (IsWord("input") || IsWord("request")) {
    hint = "; a request's facts are `context.x`, the tool call's arguments `args.x`";
  }
  if (hint.empty()) {
    if (SubjectKindFromName(token_.text).has_value() || IsWord("any")) {
      hint = "; the identity making the request is `subject`, e.g. `subject.id`";
    } else {
      hint =
          "; expected a string, an integer, `true`, `false`, `now`, a list, or a path such as "
          "`subject.id`";
    }
  }
  Error(absl::StrCat("unknown name ", Found(), hint));
  return {};
}

Node Parser::ParsePath(bool allow_bare_root) {
  Node node;
  node.expr = std::make_unique<Expr>();
  node.expr->kind = Expr::Kind::kPath;
  node.expr->root = *PathRootFromName(token_.text);
  const std::string root_name(token_.text);
  const Span root_span = token_.span;
  node.expr->span = root_span;
  Advance();
  if (!Is(TokenKind::kDot)) {
    if (!allow_bare_root) {
      AddError(root_span.begin, absl::StrCat("`", root_name, "` needs an attribute, e.g. `",
                                             PathRootExample(node.expr->root), "`"));
      return {};
    }
    node.span = root_span;
    return node;
  }
  Advance();
  if (!Is(TokenKind::kIdentifier)) {
    ErrorExpected(absl::StrCat("an attribute name after `", root_name, ".`"));
    return {};
  }
  TakeIdentifier(&node.expr->attribute);
  node.expr->span = {root_span.begin, node.expr->attribute.span.end};
  node.span = node.expr->span;
  if (Is(TokenKind::kDot)) {
    Error(absl::StrCat("attributes do not nest: `", root_name, ".", node.expr->attribute.name,
                       "` cannot be followed by `.`"));
    return {};
  }
  return node;
}

Node Parser::ParseList() {
  NestingScope scope(&depth_);
  if (!EnterNesting()) return {};
  Node node;
  node.expr = std::make_unique<Expr>();
  node.expr->kind = Expr::Kind::kList;
  const Location begin = token_.span.begin;
  Advance();  // [
  while (!Is(TokenKind::kRightBracket)) {
    if (node.expr->operands.size() >= limits_.max_list_items) {
      Error(absl::StrCat("list has more than ", limits_.max_list_items, " items"));
      return {};
    }
    Node item = ParseOperand(/*allow_bare_root=*/false);
    if (item.expr == nullptr) return {};
    node.expr->operands.push_back(std::move(item.expr));
    if (Is(TokenKind::kComma)) {
      Advance();
    } else if (!Is(TokenKind::kRightBracket)) {
      ErrorExpected("`,` or `]` in the list");
      return {};
    }
  }
  node.expr->span = {begin, token_.span.end};
  node.span = node.expr->span;
  Advance();  // ]
  return node;
}

}  // namespace

ast::File ParseSource(absl::string_view source_name, absl::string_view text,
                      std::vector<Diagnostic>* diagnostics, const ParseLimits& limits) {
  Parser parser(source_name, text, limits, diagnostics);
  return parser.Parse();
}

}  // namespace ward
