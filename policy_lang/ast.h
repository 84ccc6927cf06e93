// The abstract syntax tree of a `*.ward` source, with source spans. It is what the parser
// produces and the checker and the formatter read; it carries no type information.

#ifndef WARD_POLICY_LANG_AST_H_
#define WARD_POLICY_LANG_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "ward/schema.h"
#include "ward/value.h"

namespace ward::ast {

// A position in a source: 1-based line and column (in UTF-8 code points), and the 0-based
// byte offset.
struct Location {
  int line = 0;
  int column = 0;
  int offset = 0;
};

// [begin, end): `end` is the position just after the last character.
struct Span {
  Location begin;
  Location end;
};

struct Identifier {
  std::string name;
  Span span;
};

struct StringLiteral {
  std::string value;  // unescaped
  Span span;
};

struct RegexLiteral {
  std::string pattern;  // between the slashes, with `\/` turned into `/`
  Span span;
};

struct Comment {
  std::string text;  // including `//` or `/* */`
  Span span;
};

// ---- Schema ----

// `name: type`, `name?: type` (optional) or `name: "a" | "b"` (a string enum, whose type is
// kString).
struct AttributeDecl {
  Identifier name;
  bool optional = false;
  Type type = Type::kString;
  std::vector<StringLiteral> members;  // the enum's members as written; empty otherwise
  Span type_span;                      // the type, or all of an enum's members
};

struct SchemaItem {
  enum class Kind : uint8_t {
    kSubject,   // user|agent|builder { attrs }
    kResource,  // resource NAME { attrs }
    kAction,    // action A, B on T, U
    kContext,   // context { attrs }
    kArgs,      // args { attrs }
  };
  Kind kind = Kind::kSubject;
  Span span;
  SubjectKind subject_kind = SubjectKind::kUser;  // kSubject
  Identifier resource_type;                       // kResource
  std::vector<AttributeDecl> attributes;          // kSubject, kResource, kContext, kArgs
  std::vector<Identifier> actions;                // kAction
  std::vector<Identifier> action_resource_types;  // kAction
};

struct SchemaBlock {
  Span span;
  std::vector<SchemaItem> items;
};

// ---- Conditions ----

enum class PathRoot : uint8_t { kSubject, kResource, kContext, kArgs, kDelegator };

struct Expr {
  enum class Kind : uint8_t {
    kString,   // string_value
    kInt,      // int_value
    kBool,     // bool_value
    kList,     // operands are the elements
    kPath,     // root, attribute (empty for a bare root, valid only on the left of `has`)
    kNow,      // `now`
    kHas,      // root has attribute
    kNot,      // operands[0]
    kBinary,   // operands[0] op operands[1]
    kMatches,  // operands[0] matches regex
  };
  // kUnder is `resource under EXPR`: operands[0] is the bare root `resource`.
  enum class BinaryOp : uint8_t {
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
    kUnder
  };

  Kind kind = Kind::kBool;
  BinaryOp op = BinaryOp::kAnd;
  Span span;                   // the whole expression (inside its parentheses, if any)
  Span op_span;                // the operator keyword or symbol (kBinary, kHas, kNot, kMatches)
  bool parenthesized = false;  // written inside parentheses

  std::string string_value;
  int64_t int_value = 0;
  bool bool_value = false;

  PathRoot root = PathRoot::kSubject;
  Identifier attribute;  // kPath (may be empty), kHas

  RegexLiteral regex;  // kMatches

  std::vector<std::unique_ptr<Expr>> operands;
};

// ---- Rules ----

enum class Effect : uint8_t { kPermit, kForbid, kRequireApproval };

struct Annotation {
  Identifier name;         // without the `@`
  bool has_value = false;  // `@name("value")`; `@shadow` is written without one
  StringLiteral value;
  Span span;
};

struct SubjectHead {
  enum class Selector : uint8_t { kAll, kId, kGroup };
  std::optional<SubjectKind> kind;  // nullopt for `any`
  Span kind_span;
  Selector selector = Selector::kAll;
  StringLiteral value;  // the id or the group name
  Span span;
};

struct ResourceHead {
  // `"id"` is kId and `in [...]` kIds; `under "p"` is kPrefix and `under [...]` kPrefixes.
  enum class Selector : uint8_t { kAll, kId, kIds, kPrefix, kPrefixes, kPattern };
  Identifier type;
  Selector selector = Selector::kAll;
  std::vector<StringLiteral> values;  // kId (one), kIds, kPrefix (one), kPrefixes
  RegexLiteral pattern;               // kPattern
  Span span;
};

// An obligation as written: a name and its arguments. The checker knows which names exist
// (redact, limit, log) and what they take.
struct ObligationArg {
  enum class Kind : uint8_t { kRegex, kString, kInt, kIdentifier };
  Kind kind = Kind::kString;
  std::string text;  // regex pattern, unescaped string, or identifier
  int64_t int_value = 0;
  Span span;
};

struct Obligation {
  Identifier name;
  std::vector<ObligationArg> args;
  Span span;
};

struct Rule {
  std::vector<Annotation> annotations;
  Effect effect = Effect::kPermit;
  Span effect_span;  // the effect keyword; its line names an unnamed rule
  SubjectHead subject;
  std::vector<Identifier> actions;
  bool action_list = false;  // written as `[a, b]`
  ResourceHead resource;
  std::unique_ptr<Expr> when;    // may be null
  std::unique_ptr<Expr> unless;  // may be null
  Span when_span;                // the `when` keyword, if present
  Span unless_span;
  Span with_span;
  std::vector<Obligation> obligations;
  Span span;  // from the first annotation (or the effect) to the `;`
};

using Item = std::variant<SchemaBlock, Rule>;

struct File {
  std::string source_name;
  std::vector<Item> items;        // in source order
  std::vector<Comment> comments;  // in source order
  // A schema block had a syntax error: what it declares is incomplete, so names the rules use
  // may be missing for that reason alone.
  bool schema_incomplete = false;
};

// The language's spelling of an effect keyword, a path root and an operator, as the parser
// reads them: for the formatter, dumps and messages.
absl::string_view EffectKeyword(Effect effect);
absl::string_view PathRootKeyword(PathRoot root);
absl::string_view BinaryOpText(Expr::BinaryOp op);

}  // namespace ward::ast

#endif  // WARD_POLICY_LANG_AST_H_
