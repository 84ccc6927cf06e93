#include "ward/redact.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/internal/regex_bounds.h"
#include "re2/re2.h"
#include "ward/errors.h"

namespace ward {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

RE2::Options DefaultOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// The error of a redaction that cannot be applied, or OK.
absl::Status CheckRedaction(const RE2& regex, absl::string_view replacement) {
  if (!regex.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("redaction pattern `", regex.pattern(),
                                                   "` does not compile: ", regex.error()));
  }
  std::string error;
  if (!regex.CheckRewriteString(Piece(replacement), &error)) {
    return absl::InvalidArgumentError(absl::StrCat("the replacement \"", replacement,
                                                   "\" of redaction pattern `", regex.pattern(),
                                                   "` is invalid: ", error));
  }
  return absl::OkStatus();
}

// The longest text `regex` can match, from its pattern and options; nullopt when unknown or
// unbounded.
std::optional<size_t> MaxMatchLengthOf(const RE2& regex) {
  const RE2::Options& options = regex.options();
  std::string pattern = options.literal() ? RE2::QuoteMeta(regex.pattern()) : regex.pattern();
  if (!options.case_sensitive()) pattern.insert(0, "(?i)");
  // Under the other options the analysis stays an upper bound: Latin-1 characters take one
  // byte each, never more than their UTF-8 reading counts; POSIX syntax accepts no more than
  // the Perl syntax read here, with the same lengths; never_nl only removes matches.
  return internal::MaxMatchLength(pattern);
}

// At most 9 groups plus the whole match (RE2::MaxSubmatch).
constexpr int kMaxSubmatches = 10;
// Released text kept at the start of a stage's buffer: the byte before the search start that
// RE2 looks at for \b and multi-line ^, and so that \A and ^ never match mid-stream.
constexpr size_t kContext = 4;
// A match must start at least this many bytes before the buffer's end to be final, whatever
// its pattern: RE2::GlobalReplace decodes up to 4 bytes after an empty match.
constexpr size_t kMinHold = 3;

// The length of an incomplete UTF-8 character at the end of `text` (0 when it ends with a
// whole character, or with bytes that cannot start one).
size_t IncompleteTail(absl::string_view text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t need = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 4;
    }
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::string> ApplyRedactions(const Decision& decision, absl::string_view text) {
  return ApplyRedactions(decision.obligations, text);
}

absl::StatusOr<std::string> ApplyRedactions(const Obligations& obligations,
                                            absl::string_view text) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::string> {
        std::string out(text);
        for (const Redaction& redaction : obligations.redact) {
          const RE2* regex = redaction.regex;
          std::unique_ptr<RE2> compiled;
          if (regex == nullptr) {
            compiled = std::make_unique<RE2>(Piece(redaction.pattern), DefaultOptions());
            regex = compiled.get();
          }
          if (absl::Status status = CheckRedaction(*regex, redaction.replacement); !status.ok()) {
            return status;
          }
          RE2::GlobalReplace(&out, *regex, Piece(redaction.replacement));
        }
        return out;
      }(),
      ErrorCategory::kRedact);
}

// One redaction of a stream: RE2::GlobalReplace's loop, run over text as it arrives.
class RedactionStream::Stage {
 public:
  Stage(std::unique_ptr<RE2> regex, std::string rewrite, std::optional<size_t> bound)
      : regex_(std::move(regex)),
        rewrite_(std::move(rewrite)),
        submatches_(1 + RE2::MaxSubmatch(Piece(rewrite_))),
        bound_(bound) {}

  const RE2& regex() const { return *regex_; }
  absl::string_view rewrite() const { return rewrite_; }
  size_t held() const { return buffer_.size(); }

  // Appends `in` (the next text of the previous stage) and returns what is final of this
  // stage's output: everything when `at_end`. Only an incremental stream calls it, so the
  // bound is known.
  std::string Push(absl::string_view in, bool at_end) {
    buffer_.append(in.data(), in.size());
    std::string out;
    const size_t size = buffer_.size();
    const size_t hold = std::max(*bound_, kMinHold);
    // Matches that start before `cut` are final: they end before the buffer does.
    size_t cut = size + 1;
    if (!at_end) {
      if (size <= pos_ + hold) return out;  // nothing can be final yet
      cut = size - hold;
    }
    const re2::StringPiece text(buffer_);
    std::array<re2::StringPiece, kMaxSubmatches> match;
    // RE2::GlobalReplace's loop, with `pos_` for its p and `at_lastend_` for p == lastend.
    while (pos_ <= size && pos_ < cut) {
      if (!regex_->Match(text, pos_, size, RE2::UNANCHORED, match.data(), submatches_)) break;
      const size_t start = static_cast<size_t>(match[0].data() - buffer_.data());
      if (start >= cut) break;  // may still change with more text
      out.append(buffer_, pos_, start - pos_);
      if (at_lastend_ && start == pos_ && match[0].empty()) {
        // No empty match right after the previous match: copy one character and go on.
        // Mid-stream at least 4 bytes follow pos_ (pos_ < cut), as in the whole text.
        const size_t left = size - pos_;
        size_t step = 1;
        if (regex_->options().encoding() == RE2::Options::EncodingUTF8) {
          char32_t rune = 0;
          const int n = internal::DecodeRune(
              absl::string_view(buffer_).substr(pos_, std::min<size_t>(4, left)), &rune);
          if (n > 0) step = static_cast<size_t>(n);
        }
        out.append(buffer_, pos_, std::min(step, left));
        pos_ += step;
        at_lastend_ = false;
        continue;
      }
      regex_->Rewrite(&out, Piece(rewrite_), match.data(), submatches_);
      pos_ = start + match[0].size();
      at_lastend_ = true;
    }
    if (at_end) {
      if (pos_ < size) out.append(buffer_, pos_, size - pos_);
      buffer_.clear();
      pos_ = 0;
      return out;
    }
    if (pos_ < cut) {
      // No match starts before the cut: the text up to it is final as it is.
      out.append(buffer_, pos_, cut - pos_);
      pos_ = cut;
      at_lastend_ = false;
    }
    if (pos_ > kContext) {
      buffer_.erase(0, pos_ - kContext);
      pos_ = kContext;
    }
    return out;
  }

 private:
  std::unique_ptr<RE2> regex_;
  std::string rewrite_;
  int submatches_;
  std::optional<size_t> bound_;
  // Released context, then the text not yet final from pos_ on.
  std::string buffer_;
  size_t pos_ = 0;
  // Whether the previous match ended at pos_ (GlobalReplace's lastend == p).
  bool at_lastend_ = false;
};

RedactionStream::RedactionStream() = default;
RedactionStream::RedactionStream(RedactionStream&&) noexcept = default;
RedactionStream& RedactionStream::operator=(RedactionStream&&) noexcept = default;
RedactionStream::~RedactionStream() = default;

absl::StatusOr<RedactionStream> RedactionStream::Create(const Obligations& obligations,
                                                        const RedactionStreamOptions& options) {
  return WithCategory(
      [&]() -> absl::StatusOr<RedactionStream> {
        RedactionStream stream;
        stream.max_buffered_ = options.max_buffered;
        size_t total_bound = 0;
        for (const Redaction& redaction : obligations.redact) {
          // The stream's own copy, with the compiled form's pattern and options when it is set.
          std::unique_ptr<RE2> regex =
              redaction.regex != nullptr
                  ? std::make_unique<RE2>(Piece(redaction.regex->pattern()),
                                          redaction.regex->options())
                  : std::make_unique<RE2>(Piece(redaction.pattern), DefaultOptions());
          if (absl::Status status = CheckRedaction(*regex, redaction.replacement); !status.ok()) {
            return status;
          }
          const std::optional<size_t> bound = MaxMatchLengthOf(*regex);
          if (!bound.has_value() ||
              *bound > options.window - std::min(total_bound, options.window)) {
            stream.incremental_ = false;
          } else {
            total_bound += *bound;
          }
          stream.stages_.push_back(
              std::make_unique<Stage>(std::move(regex), redaction.replacement, bound));
        }
        return stream;
      }(),
      ErrorCategory::kRedact);
}

size_t RedactionStream::held_bytes() const {
  size_t held = held_.size() + partial_.size();
  for (const auto& stage : stages_) held += stage->held();
  return held;
}

absl::Status RedactionStream::Fail(absl::Status status) {
  status_ = std::move(status);
  // Drop the held text: it is never released.
  stages_.clear();
  held_.clear();
  held_.shrink_to_fit();
  partial_.clear();
  return status_;
}

absl::StatusOr<std::string> RedactionStream::Write(absl::string_view chunk) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::string> {
        if (!status_.ok()) return status_;
        if (finished_)
          return Fail(absl::FailedPreconditionError("the redaction stream has finished"));
        if (!incremental_) {
          if (chunk.size() > max_buffered_ - std::min(held_.size(), max_buffered_)) {
            return Fail(absl::ResourceExhaustedError(
                absl::StrCat("redaction stream: a redaction pattern can match text longer than the "
                             "window, so the "
                             "whole text must be held until the end, and it exceeds the limit of ",
                             max_buffered_, " bytes")));
          }
          held_.append(chunk.data(), chunk.size());
          return std::string();
        }
        std::string text(chunk);
        for (const auto& stage : stages_) text = stage->Push(text, /*at_end=*/false);
        // Release whole characters only.
        partial_.append(text);
        std::string out = std::move(partial_);
        const size_t tail = IncompleteTail(out);
        partial_ = out.substr(out.size() - tail);
        out.resize(out.size() - tail);
        if (held_bytes() > max_buffered_) {
          return Fail(absl::ResourceExhaustedError(
              absl::StrCat("redaction stream: more than the limit of ", max_buffered_,
                           " bytes would have to be held")));
        }
        return out;
      }(),
      ErrorCategory::kRedact);
}

absl::StatusOr<std::string> RedactionStream::Finish() {
  return WithCategory(
      [&]() -> absl::StatusOr<std::string> {
        if (!status_.ok()) return status_;
        if (finished_)
          return Fail(absl::FailedPreconditionError("the redaction stream has finished"));
        finished_ = true;
        if (!incremental_) {
          std::string text = std::move(held_);
          held_.clear();
          for (const auto& stage : stages_) {
            RE2::GlobalReplace(&text, stage->regex(), Piece(stage->rewrite()));
          }
          return text;
        }
        std::string text;
        for (const auto& stage : stages_) text = stage->Push(text, /*at_end=*/true);
        std::string out = std::move(partial_);
        partial_.clear();
        out.append(text);
        return out;
      }(),
      ErrorCategory::kRedact);
}

}  // namespace ward
