// A stable text dump of a syntax tree, for golden tests and debugging.

#ifndef WARD_POLICY_LANG_AST_DUMP_H_
#define WARD_POLICY_LANG_AST_DUMP_H_

#include <string>

#include "policy_lang/ast.h"

namespace ward {

// One node per line, indented by two spaces per level, each with its span as
// `@LINE:COL-LINE:COL`. Strings and regular expressions are quoted with C-style escapes.
// Expressions are dumped as trees (operator first, operands indented below it); a node
// written inside parentheses is marked `(parenthesized)`.
std::string DumpAst(const ast::File& file);

}  // namespace ward

#endif  // WARD_POLICY_LANG_AST_DUMP_H_
