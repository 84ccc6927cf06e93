// Text forms of the checked policy: stable, for golden tests, the REPL and explanations.

#ifndef WARD_LIB_INTERNAL_IR_DUMP_H_
#define WARD_LIB_INTERNAL_IR_DUMP_H_

#include <string>

#include "lib/internal/ir.h"

namespace ward::internal {

// A literal as the language writes it: strings and timestamps quoted, sets in brackets.
std::string LiteralToString(const Value& value);

// A regular expression as the language writes it: `/.../`, each `/` in it escaped.
std::string RegexLiteral(const std::string& pattern);

// A condition, with `and`/`or`/`not` operands parenthesised so that the text is unambiguous.
std::string ExprToString(const Expr& expr);

// `permit agent "a17" to [invoke] on tool in ["search"]`.
std::string RuleHeadToString(const Rule& rule);

// The merged schema: kinds, resource types, actions, context.
std::string DumpSchema(const Schema& schema);

// The merged schema, then every rule (name, source, head, conditions, obligations).
std::string DumpPolicyIr(const PolicyIr& policy);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_IR_DUMP_H_
