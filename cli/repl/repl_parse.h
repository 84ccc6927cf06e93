// The line-level pieces of `ward repl` that need no terminal: the request-line parser, the
// test for when typed policy text is complete, and tab completion. Kept apart from the
// session so that they can be unit-tested.

#ifndef WARD_CLI_REPL_REPL_PARSE_H_
#define WARD_CLI_REPL_REPL_PARSE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ward/request.h"
#include "ward/schema.h"

namespace ward::cli {

// Parses a request written on one line:
//
//   KIND ID ACTION TYPE:ID [on_behalf_of KIND:ID ...] [args {json}] [context {json}]
//
// e.g. `agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 2500}
// context {"session": "s1"}`. The subject may also be written `KIND:ID`. An id holding
// blanks, `:` or `"` is written as a JSON string (`tool:"calendar read"`). After the chain
// come the tool call's arguments (`args` and a JSON object) and the host's context
// (`context` and a JSON object, or the object alone: a bare `{...}` is the context), each at
// most once, in either order; each object ends at the `}` that closes it. The args are
// written into the request as typed, so the approval digest covers exactly them. The
// request's `now` is left unset. On error, `*error_column` is the 1-based column (in code
// points) where the problem is.
absl::StatusOr<Request> ParseRequestLine(absl::string_view line, int* error_column);

// `id` as the request line writes it: bare when it can be, else as a JSON string.
std::string QuoteIdIfNeeded(absl::string_view id);
// `agent:a17`, `tool:"calendar read"`.
std::string FormatRef(absl::string_view kind_or_type, absl::string_view id);

// Splits the arguments of a command at blanks. An argument holding blanks or `"` is written
// as a JSON string.
absl::StatusOr<std::vector<std::string>> SplitArguments(absl::string_view text);
// `argument` as SplitArguments reads it back: bare when it can be, else as a JSON string.
std::string QuoteArgument(absl::string_view argument);

// Whether `line` starts policy text typed at the prompt: its first word is an annotation
// (`@...`), `permit`, `forbid`, `require_approval` or `schema`.
bool StartsPolicyText(absl::string_view line);

// Whether typed policy text is complete: it ends with a `;` or with the `}` that closes its
// last brace, outside any bracket and comment. Text with a lexical error is complete too (so
// that the error is reported at once rather than waiting for more lines), except for a block
// comment that is still open.
bool PolicyTextComplete(absl::string_view text);

// Converts a 0-based byte offset in `text` to a 1-based column in code points.
int ColumnAt(absl::string_view text, size_t offset);

// What tab completion knows about the session.
struct CompletionData {
  std::vector<std::string> commands;                            // ":why", ":whynot", ...
  std::vector<std::pair<SubjectKind, std::string>> identities;  // (kind, id)
  const Schema* schema = nullptr;                               // actions and their types
  std::vector<std::pair<std::string, std::string>> resources;   // (type, id)
  std::vector<std::string> rules;                               // rule names
  // Lists the file names that start with a prefix (for `:load`, `:entities`, `:test`);
  // directories end in `/`. May be empty.
  std::function<std::vector<std::string>(absl::string_view prefix)> list_files;
};

struct Completion {
  size_t word_start = 0;  // byte offset in the line where the word being completed starts
  // Every word that may replace the line from `word_start` to the cursor, sorted.
  std::vector<std::string> candidates;
  // Whether a blank should follow a single candidate (not after a directory or `TYPE:`).
  bool append_blank = true;
};

// The completions of the word that ends at the end of `before_cursor` (the line up to the
// cursor): commands and their arguments (rule names for `:whynot`, identity ids for
// `:revoke`, user ids for `:approve`, files), and in a request line kinds, identity ids,
// actions, `TYPE:ID`s of resources and of identities after `on_behalf_of`, and the keywords
// `on_behalf_of`, `args` and `context` where they may come.
Completion Complete(absl::string_view before_cursor, const CompletionData& data);

// The longest common prefix of `words`.
std::string CommonPrefix(const std::vector<std::string>& words);

}  // namespace ward::cli

#endif  // WARD_CLI_REPL_REPL_PARSE_H_
