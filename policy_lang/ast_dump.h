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
//
// Without spans (`with_spans` false) the dump shows the tree alone: no positions and no
// `(parenthesized)` marks, which record how the source was laid out rather than what it
// means. Two sources with equal such dumps parse to the same tree (the formatter's test
// relies on this); comments are still listed, by their text.
std::string DumpAst(const ast::File& file, bool with_spans = true);

}  // namespace ward

#endif  // WARD_POLICY_LANG_AST_DUMP_H_
