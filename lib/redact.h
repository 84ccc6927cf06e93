// Applying the redactions of a decision's obligations to a text.
//
// When a decision is ALLOW, its obligations may ask for redactions. The party that releases
// the guarded output (a gateway, an agent runtime, a binding)
// calls ApplyRedactions on that output — typically a model's response text — before passing
// it on:
//
//   ward::Decision decision = engine.Decide(request);
//   if (decision.effect == ward::Effect::kAllow) {
//     response = ward::ApplyRedactions(decision, response);
//   }

#ifndef WARD_LIB_REDACT_H_
#define WARD_LIB_REDACT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "lib/decision.h"

namespace ward {

// Returns `text` with every redaction of `obligations` applied, one after the other in the
// order of `obligations.redact` (each sees the output of the previous): every non-overlapping
// leftmost match of the pattern is replaced by the replacement, an RE2 rewrite string in which
// \0 is the whole match and \1..\9 are groups (RE2::GlobalReplace semantics). The compiled
// `regex` is used when it is set; otherwise `pattern` is compiled once for this call. A
// redaction whose pattern does not compile, or whose replacement refers to a group the pattern
// does not have, is skipped. Patterns and text are UTF-8.
//
// The compiled patterns of a decision's obligations belong to the policy that made it, which
// the Decision keeps alive: pass the Decision (the first form) unless you know that policy is
// still alive. Obligations copied out of a Decision must not outlive both the Decision and
// the engine's policy.
std::string ApplyRedactions(const Decision& decision, absl::string_view text);
std::string ApplyRedactions(const Obligations& obligations, absl::string_view text);

}  // namespace ward

#endif  // WARD_LIB_REDACT_H_
