// Where the REPL's lines come from: a script on standard input, or a terminal through
// libedit (history in a file, tab completion, Ctrl-C abandoning the line).

#ifndef WARD_CLI_REPL_LINE_READER_H_
#define WARD_CLI_REPL_LINE_READER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cli/repl/repl_parse.h"

namespace ward::cli::repl {

// The longest line a script may hold: room for a request or an identity at their own caps.
inline constexpr size_t kMaxLineBytes = size_t{4} << 20;

class LineReader {
 public:
  // kTooLong: a line longer than kMaxLineBytes, which was skipped.
  enum class Result { kLine, kInterrupted, kTooLong, kEnd };
  virtual ~LineReader() = default;
  // Reads one line (without its newline) after showing `prompt` where there is a terminal.
  virtual Result Read(const std::string& prompt, std::string* line) = 0;
};

// Standard input that is not a terminal: a script, read as it comes, without prompts.
std::unique_ptr<LineReader> NewScriptReader();

// A terminal: libedit's line editor, with history kept in `history_path` (none when empty)
// and tab completion by `completer`.
using Completer = std::function<Completion(absl::string_view before_cursor)>;
std::unique_ptr<LineReader> NewEditLineReader(std::string history_path, Completer completer);

// `$WARD_HISTORY`, else `$HOME/.ward_history`; empty (no history file) when neither is set
// or WARD_HISTORY is set to the empty string.
std::string HistoryPath();

// File names that start with `prefix`, for completing the arguments of `:load` and friends.
std::vector<std::string> ListFiles(absl::string_view prefix);

}  // namespace ward::cli::repl

#endif  // WARD_CLI_REPL_LINE_READER_H_
