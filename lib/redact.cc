#include "lib/redact.h"

#include <memory>
#include <string>

#include "re2/re2.h"

namespace ward {

std::string ApplyRedactions(const Decision& decision, absl::string_view text) {
  return ApplyRedactions(decision.obligations, text);
}

std::string ApplyRedactions(const Obligations& obligations, absl::string_view text) {
  std::string out(text);
  for (const Redaction& redaction : obligations.redact) {
    const RE2* regex = redaction.regex;
    std::unique_ptr<RE2> compiled;
    if (regex == nullptr) {
      RE2::Options options;
      options.set_log_errors(false);
      compiled = std::make_unique<RE2>(
          re2::StringPiece(redaction.pattern.data(), redaction.pattern.size()), options);
      regex = compiled.get();
    }
    if (!regex->ok()) continue;
    const re2::StringPiece rewrite(redaction.replacement.data(), redaction.replacement.size());
    std::string error;
    if (!regex->CheckRewriteString(rewrite, &error)) continue;
    RE2::GlobalReplace(&out, *regex, rewrite);
  }
  return out;
}

}  // namespace ward
