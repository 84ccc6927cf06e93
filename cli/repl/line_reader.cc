#include "cli/repl/line_reader.h"

#include <histedit.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli/repl/output.h"
#include "cli/repl/repl_parse.h"

namespace ward::cli::repl {
namespace {

// History entries kept in the history file.
constexpr int kHistorySize = 1000;
// Tab lists at most this many candidates.
constexpr size_t kMaxListedCandidates = 200;

// Standard input that is not a terminal: a script, read as it comes, without prompts.
class ScriptReader : public LineReader {
 public:
  Result Read(const std::string& prompt, std::string* line) override {
    line->clear();
    bool read_any = false;
    bool too_long = false;
    for (int c; (c = std::fgetc(stdin)) != EOF;) {
      read_any = true;
      if (c == '\n') break;
      // The rest of an overlong line is read and dropped, so that one endless line cannot
      // exhaust memory.
      if (line->size() < kMaxLineBytes) {
        line->push_back(static_cast<char>(c));
      } else {
        too_long = true;
      }
    }
    if (too_long) return Result::kTooLong;
    return read_any ? Result::kLine : Result::kEnd;
  }
};

// A terminal: libedit's line editor, with history kept in a file and tab completion.
class EditLineReader : public LineReader {
 public:
  EditLineReader(std::string history_path, Completer completer)
      : history_path_(std::move(history_path)), completer_(std::move(completer)) {
    history_ = history_init();
    HistEvent event;
    history(history_, &event, H_SETSIZE, kHistorySize);
    history(history_, &event, H_SETUNIQUE, 1);
    // A missing history file is the normal first run, not an error.
    if (!history_path_.empty()) history(history_, &event, H_LOAD, history_path_.c_str());

    editor_ = el_init("ward", stdin, stdout, stderr);
    el_set(editor_, EL_CLIENTDATA, this);
    el_set(editor_, EL_EDITOR, "emacs");
    el_set(editor_, EL_SIGNAL, 1);
    el_set(editor_, EL_PROMPT, &EditLineReader::Prompt);
    el_set(editor_, EL_HIST, history, history_);
    // Functions are added through the wide-character call: the narrow one copies their names
    // and never frees the copies.
    el_wset(editor_, EL_ADDFN, L"ward-complete", L"complete the word", &EditLineReader::OnTab);
    el_set(editor_, EL_BIND, "^I", "ward-complete", nullptr);
    // Ctrl-C abandons the line (and text typed over several lines) instead of ending the
    // session: the terminal delivers it as a key, not as SIGINT, while a line is edited.
    el_set(editor_, EL_SETTY, "-d", "-isig", nullptr);
    el_wset(editor_, EL_ADDFN, L"ward-interrupt", L"abandon the line",
            &EditLineReader::OnInterrupt);
    el_set(editor_, EL_BIND, "^C", "ward-interrupt", nullptr);
    // The user's ~/.editrc (or $EDITRC) may rebind keys.
    el_source(editor_, nullptr);
  }

  ~EditLineReader() override {
    el_end(editor_);
    history_end(history_);
  }

  EditLineReader(const EditLineReader&) = delete;
  EditLineReader& operator=(const EditLineReader&) = delete;

  Result Read(const std::string& prompt, std::string* line) override {
    prompt_ = prompt;
    interrupted_ = false;
    int count = 0;
    const char* text = el_gets(editor_, &count);
    if (interrupted_) {
      std::fputs("^C\n", stdout);
      std::fflush(stdout);
      return Result::kInterrupted;
    }
    if (text == nullptr || count <= 0) {
      // Leave the terminal on a fresh line after Ctrl-D.
      std::fputs("\n", stdout);
      std::fflush(stdout);
      return Result::kEnd;
    }
    *line = std::string(absl::StripSuffix(absl::string_view(text, count), "\n"));
    if (!absl::StripAsciiWhitespace(*line).empty()) {
      HistEvent event;
      history(history_, &event, H_ENTER, line->c_str());
      // Saved after every line, so that a session that is killed keeps its history.
      if (!history_path_.empty() && history(history_, &event, H_SAVE, history_path_.c_str()) < 0 &&
          !save_warned_) {
        save_warned_ = true;
        absl::FPrintF(stdout, "warning: cannot write the history file %s\n", history_path_);
      }
    }
    return Result::kLine;
  }

 private:
  static EditLineReader* Self(EditLine* editor) {
    void* self = nullptr;
    el_get(editor, EL_CLIENTDATA, &self);
    return static_cast<EditLineReader*>(self);
  }

  static char* Prompt(EditLine* editor) { return Self(editor)->prompt_.data(); }

  static unsigned char OnInterrupt(EditLine* editor, int) {
    Self(editor)->interrupted_ = true;
    return CC_EOF;
  }

  static unsigned char OnTab(EditLine* editor, int) {
    EditLineReader* self = Self(editor);
    const LineInfo* info = el_line(editor);
    const absl::string_view before_cursor(info->buffer,
                                          static_cast<size_t>(info->cursor - info->buffer));
    const Completion completion = self->completer_(before_cursor);
    if (completion.candidates.empty()) return CC_ERROR;
    const absl::string_view typed = before_cursor.substr(completion.word_start);
    if (completion.candidates.size() == 1) {
      std::string insert = completion.candidates[0].substr(typed.size());
      if (completion.append_blank) insert += ' ';
      el_insertstr(editor, insert.c_str());
      return CC_REFRESH;
    }
    const std::string common = CommonPrefix(completion.candidates);
    if (common.size() > typed.size()) {
      el_insertstr(editor, common.substr(typed.size()).c_str());
      return CC_REFRESH;
    }
    // Nothing more is certain: list the candidates in columns below the line, unless there
    // are so many that the list would only scroll the screen away.
    std::fputs("\n", stdout);
    if (completion.candidates.size() > kMaxListedCandidates) {
      absl::FPrintF(stdout, "(%d candidates: type more of the word)\n",
                    completion.candidates.size());
    } else {
      std::fputs(Visible(Columns(completion.candidates)).c_str(), stdout);
    }
    std::fflush(stdout);
    return CC_REDISPLAY;
  }

  static std::string Columns(const std::vector<std::string>& words) {
    int width = 80;
    winsize size;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) width = size.ws_col;
    size_t longest = 0;
    for (const std::string& word : words) longest = std::max(longest, word.size());
    const size_t column_width = longest + 2;
    const size_t columns = std::max<size_t>(1, static_cast<size_t>(width) / column_width);
    const size_t rows = (words.size() + columns - 1) / columns;
    std::string out;
    for (size_t row = 0; row < rows; ++row) {
      for (size_t column = 0; column < columns; ++column) {
        const size_t index = column * rows + row;
        if (index >= words.size()) break;
        const bool last = column + 1 == columns || index + rows >= words.size();
        absl::StrAppend(&out, words[index],
                        last ? "" : std::string(column_width - words[index].size(), ' '));
      }
      out += '\n';
    }
    return out;
  }

  std::string history_path_;
  Completer completer_;
  EditLine* editor_ = nullptr;
  History* history_ = nullptr;
  std::string prompt_;
  bool interrupted_ = false;
  bool save_warned_ = false;
};

}  // namespace

std::unique_ptr<LineReader> NewScriptReader() { return std::make_unique<ScriptReader>(); }

std::unique_ptr<LineReader> NewEditLineReader(std::string history_path, Completer completer) {
  return std::make_unique<EditLineReader>(std::move(history_path), std::move(completer));
}

std::string HistoryPath() {
  if (const char* path = std::getenv("WARD_HISTORY"); path != nullptr) return path;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.ward_history");
  }
  return "";
}

std::vector<std::string> ListFiles(absl::string_view prefix) {
  const size_t slash = prefix.rfind('/');
  const std::string directory =
      slash == absl::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));
  const absl::string_view base =
      slash == absl::string_view::npos ? prefix : prefix.substr(slash + 1);
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory.empty() ? "." : directory, error), end;
       !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!absl::StartsWith(name, base) || (name[0] == '.' && !absl::StartsWith(base, "."))) {
      continue;
    }
    std::error_code ignored;
    names.push_back(absl::StrCat(directory, name, it->is_directory(ignored) ? "/" : ""));
  }
  return names;
}

}  // namespace ward::cli::repl
