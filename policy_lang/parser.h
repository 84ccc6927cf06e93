// The parser: one `*.ward` source to its syntax tree.

#ifndef WARD_POLICY_LANG_PARSER_H_
#define WARD_POLICY_LANG_PARSER_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"
#include "policy_lang/ast.h"
#include "policy_lang/diagnostics.h"
#include "ward/compile.h"

namespace ward {

// Parses `text`, the contents of the source named `source_name`. Syntax errors are appended
// to `diagnostics`; after an error the parser skips to the next rule or schema block, so that
// one run reports every independent error. The returned tree holds what parsed cleanly.
ast::File ParseSource(absl::string_view source_name, absl::string_view text,
                      std::vector<Diagnostic>* diagnostics, const ParseLimits& limits = {});

}  // namespace ward

#endif  // WARD_POLICY_LANG_PARSER_H_
