// The linter: warnings about a policy set that compiles but is probably not what its author
// meant, and about an entity file that holds identities no request of which can succeed.
// `ward lint` prints them, and so does `ward check`; they never fail a check.
//
// Each finding is a warning whose message ends with its kind in brackets:
//   [never-holds]           a rule whose conditions can never all be true (`x == "a" and
//                           x == "b"`, `x < 3 and x > 5`, `when false`, `unless true`,
//                           `when C unless C`, `x in []`, ...)
//   [shadowed]              a permit or require_approval that a forbid covering its head
//                           denies whenever it holds (an unconditional forbid, or one with the
//                           same conditions)
//   [duplicate]             a rule with the same effect, head and conditions as an earlier one
//   [unused-attribute]      a schema attribute or context entry that no rule reads
//   [unowned-identity]      an agent or builder without a valid owner
//   [inactive-identity]     an identity that is suspended, revoked or expired
//   [unreachable-identity]  an active identity that no rule head can apply to
// Rules and declarations are reported at their `file:line:col`; identities at the place of
// their id in the entity file when it can be found there.

#ifndef WARD_POLICY_LANG_LINTER_H_
#define WARD_POLICY_LANG_LINTER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/internal/ir.h"
#include "policy_lang/diagnostics.h"
#include "ward/compile.h"
#include "ward/entities.h"

namespace ward {

struct LintInput {
  // The sources of the policy set and their checked form (Compile's result for them).
  const std::vector<SourceFile>* sources = nullptr;
  const internal::PolicyIr* ir = nullptr;
  // Optional: the entity file, loaded against the policy's schema, with its name and text
  // (the text places the findings; without it they carry no position).
  const EntityStore* entities = nullptr;
  std::string entities_name;
  std::string entities_text;
  // The time at which identities are judged expired; the clock when not set.
  std::optional<absl::Time> now;
};

// The findings, as warnings: the policy's in source order, then the entities' in the order
// of the entity file.
std::vector<Diagnostic> Lint(const LintInput& input);

// The findings about a rule that `@allow("CODE, ...")` on it suppresses: "duplicate",
// "shadowed", "never-holds", "model-controlled-exemption" (each finding ends with its code in
// brackets). The checker refuses other codes.
const std::vector<std::string>& RuleLintCodes();

// Whether `rule` carries `@allow` naming `code`.
bool LintAllowed(const internal::Rule& rule, absl::string_view code);

}  // namespace ward

#endif  // WARD_POLICY_LANG_LINTER_H_
