// The parser: one `*.ward` source to its syntax tree.

#ifndef WARD_POLICY_LANG_PARSER_H_
#define WARD_POLICY_LANG_PARSER_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"
#include "policy_lang/ast.h"
#include "policy_lang/diagnostics.h"

namespace ward {

// Caps that keep hostile input from exhausting time, stack or memory. Exceeding one is an
// error that names the cap.
struct ParseLimits {
  size_t max_source_bytes = size_t{16} << 20;
  int max_nesting_depth = 64;  // parentheses, `not` and list literals
  // `and`/`or` operators in one condition, through parentheses: a chain of them is as deep
  // as it is long, and later stages walk it recursively.
  int max_condition_operators = 1000;
  size_t max_string_bytes = size_t{1} << 20;  // a string or regex literal
  size_t max_list_items = 100000;             // a list literal, `in [...]`, `under [...]`
  size_t max_errors = 100;                    // parsing stops after this many errors
};

// Parses `text`, the contents of the source named `source_name`. Syntax errors are appended
// to `diagnostics`; after an error the parser skips to the next rule or schema block, so that
// one run reports every independent error. The returned tree holds what parsed cleanly.
ast::File ParseSource(absl::string_view source_name, absl::string_view text,
                      std::vector<Diagnostic>* diagnostics, const ParseLimits& limits = {});

}  // namespace ward

#endif  // WARD_POLICY_LANG_PARSER_H_
