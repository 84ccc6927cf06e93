// Applying the redactions of a decision's obligations to a text, whole or as a stream.
//
// When a decision is ALLOW, its obligations may ask for redactions. The party that releases
// the guarded output (a gateway, an agent runtime, a binding)
// calls ApplyRedactions on that output — typically a model's response text — before passing
// it on, and refuses to release it when the call fails:
//
//   ward::Decision decision = engine.Decide(request);
//   if (decision.effect == ward::Effect::kAllow) {
//     absl::StatusOr<std::string> redacted = ward::ApplyRedactions(decision, response);
//     if (!redacted.ok()) return redacted.status();  // release nothing
//     response = *std::move(redacted);
//   }
//
// Output that arrives in chunks (a model's streamed response) goes through a RedactionStream,
// which releases each piece once no redaction can change it any more and gives, in all, the
// same text as ApplyRedactions on the whole output.

#ifndef WARD_REDACT_H_
#define WARD_REDACT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ward/decision.h"

namespace ward {

// Returns `text` with every redaction of `obligations` applied, one after the other in the
// order of `obligations.redact` (each sees the output of the previous): every non-overlapping
// leftmost match of the pattern is replaced by the replacement, an RE2 rewrite string in which
// \0 is the whole match and \1..\9 are groups (RE2::GlobalReplace semantics). The compiled
// `regex` is used when it is set; otherwise `pattern` is compiled once for this call. Patterns
// and text are UTF-8.
//
// Fails closed: when a redaction's pattern does not compile, or its replacement is not a valid
// rewrite for that pattern (it refers to a group the pattern does not have, or has a stray
// backslash), the whole call fails with an InvalidArgument error that names the pattern, and
// no text is returned.
//
// The compiled patterns of a decision's obligations belong to the policy that made it, which
// the Decision keeps alive: pass the Decision (the first form) unless you know that policy is
// still alive. Obligations copied out of a Decision must not outlive both the Decision and
// the engine's policy.
absl::StatusOr<std::string> ApplyRedactions(const Decision& decision, absl::string_view text);
absl::StatusOr<std::string> ApplyRedactions(const Obligations& obligations, absl::string_view text);

struct RedactionStreamOptions {
  // Matches up to this many bytes are found across chunk boundaries; what is held back between
  // chunks never exceeds it (plus a few bytes of context). Each redaction holds back as much as
  // its pattern's longest match, so with several, their longest matches together must fit.
  size_t window = 4096;
  // When a pattern can match more than `window` bytes (MaxMatchLength is nullopt or larger),
  // or the patterns together can, the stream cannot be redacted chunk by chunk; it then holds
  // ALL text until Finish, up to this many bytes, and fails beyond (fail closed, never open).
  size_t max_buffered = size_t{16} << 20;
};

// Applies the redactions of obligations to a text that arrives in chunks, releasing text as
// soon as no redaction can change it any more.
//
// Whatever the split of a text into chunks, the concatenation of everything Write and Finish
// return is exactly ApplyRedactions of the whole text, byte for byte, and nothing is ever
// released that the whole-text redaction would have changed.
//
// How: each redaction is a stage that feeds the next, as ApplyRedactions applies them in
// order. A stage runs RE2::GlobalReplace's loop over a buffer (its search from a start
// position, its rule for an empty match right after a match, its state across chunks), but
// takes a match as final only when it starts more than B bytes before the end of what has
// arrived, where B is the longest text its pattern can match (internal::MaxMatchLength, an
// upper bound computed from the pattern; at least 3, so that the character GlobalReplace
// steps over after an empty match is whole): such a match ends before the buffer does, so
// more text cannot change it, and no earlier match can appear. Text up to the end of the last
// final match, or up to B bytes before the end, is released; the rest, and 4 bytes of
// released text as context for \b, ^ and \A (which must not match mid-stream), stay until
// more text or Finish comes. At Finish the rest is redacted as the end of the text. Released
// text always ends with a whole UTF-8 character (a character split between chunks is held
// until it is complete), so bindings can hand out text.
//
// The stream is incremental when the bounds B of all its redactions add up to at most
// `options.window`: then what is held between calls is at most `window` bytes plus 7 per
// redaction and 3. Otherwise (a pattern such as `sk-[A-Za-z0-9]+` matches unboundedly long
// text, or the patterns together exceed the window), no text can be released before the end:
// the stream holds everything, Write returns empty text, and Finish redacts the whole text.
// Either way, when more than `options.max_buffered` bytes would have to be held, the call
// fails with ResourceExhausted and the stream fails from then on (the held text is dropped,
// never released unredacted).
//
// Each Write searches what each stage holds again, so very small chunks cost up to B bytes of
// matching per redaction each.
//
// A stream compiles its own copies of the patterns (the compiled form of a redaction, when
// set, gives the pattern and its options), so it may outlive the decision. It is movable, not
// copyable, and not thread-safe.
class RedactionStream {
 public:
  // Fails like ApplyRedactions on a bad pattern or replacement.
  static absl::StatusOr<RedactionStream> Create(const Obligations& obligations,
                                                const RedactionStreamOptions& options = {});

  RedactionStream(RedactionStream&&) noexcept;
  RedactionStream& operator=(RedactionStream&&) noexcept;
  ~RedactionStream();

  // Takes the next chunk; returns the text that is now final and safe to release (possibly
  // empty). Fails when more than max_buffered bytes would have to be held; after a failure
  // every call fails.
  absl::StatusOr<std::string> Write(absl::string_view chunk);

  // Ends the stream; returns the rest. Calls after Finish fail.
  absl::StatusOr<std::string> Finish();

  // Whether chunks are redacted as they come (false: everything is held until Finish).
  bool incremental() const { return incremental_; }

  // The bytes held now (not yet released), for monitoring.
  size_t held_bytes() const;

 private:
  class Stage;

  RedactionStream();
  absl::Status Fail(absl::Status status);

  std::vector<std::unique_ptr<Stage>> stages_;
  bool incremental_ = true;
  size_t max_buffered_ = 0;
  // When not incremental: the whole text so far.
  std::string held_;
  // When incremental: the start of a UTF-8 character whose other bytes have not come yet.
  std::string partial_;
  bool finished_ = false;
  absl::Status status_;
};

}  // namespace ward

#endif  // WARD_REDACT_H_
