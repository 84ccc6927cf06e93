// The checker: parsed sources and the schema they declare to the checked policy (lib's IR).
//
// It merges every schema block of every source, resolves and type-checks each rule against
// the merged schema, compiles regular expressions once, and reports unknown names (with the
// closest known one), type errors, invalid regular expressions and duplicate rule ids.

#ifndef WARD_POLICY_LANG_CHECKER_H_
#define WARD_POLICY_LANG_CHECKER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/internal/ir.h"
#include "policy_lang/ast.h"
#include "policy_lang/diagnostics.h"
#include "ward/compile.h"

namespace ward {

// One parsed source and its text (for the source lines of diagnostics).
struct CheckInput {
  const ast::File* file = nullptr;
  absl::string_view text;
};

// Appends errors and warnings to `diagnostics`; returns the checked policy when there is no
// error.
std::optional<internal::PolicyIr> CheckPolicy(const std::vector<CheckInput>& inputs,
                                              const CheckOptions& options,
                                              std::vector<Diagnostic>* diagnostics);

}  // namespace ward

#endif  // WARD_POLICY_LANG_CHECKER_H_
