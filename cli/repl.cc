#include "cli/repl.h"

#include <histedit.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/repl_parse.h"
#include "cli/test_runner.h"
#include "lib/internal/files.h"
#include "lib/internal/interpreter.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/json_util.h"
#include "lib/internal/policy_access.h"
#include "policy_lang/diagnostics.h"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/policy.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

// The source name of the text typed at the prompt; an unnamed typed rule is `<repl>:LINE`.
constexpr char kTypedSource[] = "<repl>";
constexpr char kPrompt[] = "ward> ";
constexpr char kContinuationPrompt[] = "  ... ";
// History entries kept in the history file.
constexpr int kHistorySize = 1000;
// The most policy text one rule or schema typed at the prompt may hold, as a policy file.
constexpr size_t kMaxPolicyTextBytes = size_t{16} << 20;
// Tab lists at most this many candidates.
constexpr size_t kMaxListedCandidates = 200;
// The longest line a script may hold: room for a request or an identity at their own caps.
constexpr size_t kMaxLineBytes = size_t{4} << 20;

// ANSI colours (SGR parameters).
constexpr char kGreen[] = "1;32";
constexpr char kRed[] = "1;31";
constexpr char kYellow[] = "1;33";

// ---- Reading lines ----

std::string Visible(absl::string_view text);

class LineReader {
 public:
  // kTooLong: a line longer than kMaxLineBytes, which was skipped.
  enum class Result { kLine, kInterrupted, kTooLong, kEnd };
  virtual ~LineReader() = default;
  // Reads one line (without its newline) after showing `prompt` where there is a terminal.
  virtual Result Read(const std::string& prompt, std::string* line) = 0;
};

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
  using Completer = std::function<Completion(absl::string_view before_cursor)>;

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

// `$WARD_HISTORY`, else `$HOME/.ward_history`; empty (no history file) when neither is set
// or WARD_HISTORY is set to the empty string.
std::string HistoryPath() {
  if (const char* path = std::getenv("WARD_HISTORY"); path != nullptr) return path;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.ward_history");
  }
  return "";
}

// File names that start with `prefix`, for completing the arguments of `:load` and friends.
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

// ---- Output ----

std::string Paint(bool color, absl::string_view text, const char* sgr) {
  if (!color) return std::string(text);
  return absl::StrCat("\x1b[", sgr, "m", text, "\x1b[0m");
}

// `text` made safe for a terminal: control characters are shown (`^[`, `\u009b`) instead of
// being sent, so that an id or a rule name read from a file cannot move the cursor, clear
// the screen or retitle the window. The colours this file paints are let through.
std::string Visible(absl::string_view text) {
  static constexpr absl::string_view kOwnSequences[] = {"\x1b[1;32m", "\x1b[1;31m", "\x1b[1;33m",
                                                        "\x1b[0m"};
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      auto own =
          std::find_if(std::begin(kOwnSequences), std::end(kOwnSequences),
                       [&](absl::string_view s) { return absl::StartsWith(text.substr(i), s); });
      if (own != std::end(kOwnSequences)) {
        out.append(own->data(), own->size());
        i += own->size() - 1;
        continue;
      }
    }
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += '^';
      out += c == 0x7f ? '?' : static_cast<char>(c + 0x40);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
      // U+0080..U+009F, the C1 controls (U+009B starts a control sequence on many terminals).
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string RefText(const IdentityRef& ref) { return FormatRef(SubjectKindName(ref.kind), ref.id); }

// A decision for people: the effect (in colour on a terminal) and reason, then one labelled
// line per part.
std::string FormatDecision(const Decision& decision, bool color) {
  const char* sgr = decision.effect == Effect::kAllow           ? kGreen
                    : decision.effect == Effect::kNeedsApproval ? kYellow
                                                                : kRed;
  std::string out = absl::StrCat(Paint(color, EffectName(decision.effect), sgr), "  ",
                                 ReasonName(decision.reason), "\n");
  auto line = [&out](absl::string_view label, absl::string_view text) {
    absl::StrAppendFormat(&out, "  %-12s %s\n", label, text);
  };
  if (decision.denied_by) line("denied_by", RefText(*decision.denied_by));
  line("rules", decision.rules.empty() ? "(none)" : absl::StrJoin(decision.rules, ", "));
  if (decision.effect == Effect::kAllow) {
    std::vector<std::string> parts;
    for (const Redaction& redaction : decision.obligations.redact) {
      parts.push_back(absl::StrCat("redact /", redaction.pattern, "/ ",
                                   internal::JsonQuote(redaction.replacement)));
    }
    for (const auto& [name, value] : decision.obligations.limits) {
      parts.push_back(absl::StrCat("limit ", name, " ", value));
    }
    parts.push_back(absl::StrCat("log ", LogLevelName(decision.obligations.log)));
    line("obligations", absl::StrJoin(parts, ", "));
  }
  for (size_t i = 0; i < decision.errors.size(); ++i) {
    const EvaluationError& error = decision.errors[i];
    // An error of the request itself (invalid_request, a refused grant) names no rule.
    line(i == 0 ? "errors" : "",
         error.rule.empty()
             ? absl::StrCat(RefText(error.principal), ": ", error.message)
             : absl::StrCat(error.rule, " (", RefText(error.principal), "): ", error.message));
  }
  if (!decision.approval_digest.empty()) line("approval", "digest " + decision.approval_digest);
  if (decision.approved_by) line("approved_by", RefText(*decision.approved_by));
  return out;
}

// A caret under column `column` (1-based, in code points) of `line`, as diagnostics show it.
std::string CaretLines(absl::string_view line, int column) {
  std::string shown(line);
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  return absl::StrCat("  ", shown, "\n  ", std::string(std::max(0, column - 1), ' '), "^\n");
}

// RFC 3339 in UTC, with `Z`.
std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

int LineCount(absl::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string Plural(size_t count, absl::string_view one, absl::string_view many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

struct LoadedEntities {
  EntityStore store;
  std::vector<std::string> warnings;
};

absl::StatusOr<LoadedEntities> LoadEntities(const std::string& path, const Schema& schema) {
  LoadedEntities loaded;
  absl::StatusOr<EntityStore> store = EntityStore::FromFile(path, schema, &loaded.warnings);
  if (!store.ok()) return store.status();
  loaded.store = *std::move(store);
  return loaded;
}

// ---- The session ----

// The keys of a session's approvals.
struct ApprovalKeys {
  // The public keys (SPKI PEM) whose grants the engine accepts.
  std::vector<std::string> trusted;
  // The private key (PKCS#8 PEM) `:approve` signs grants with; empty when none was given.
  std::string signing;
};

class Session {
 public:
  Session(bool interactive, bool color) : interactive_(interactive), color_(color) {}

  // Loads the initial files, printing what is wrong with them to stderr.
  bool Start(std::vector<std::string> policy_paths, const std::string& entities_path,
             ApprovalKeys keys);

  // Reads and handles lines until `:quit` or the end of the input.
  void Run(LineReader* reader);

  Completion CompleteLine(absl::string_view before_cursor) const;
  std::string Banner() const;

 private:
  struct Command {
    absl::string_view name;
    absl::string_view arguments;  // for :help
    absl::string_view help;
    // Returns false to end the session.
    bool (Session::*run)(absl::string_view arguments);
  };
  static const std::vector<Command>& Commands();

  // What the last request was decided against, so that `:why` and `:whynot` explain that
  // decision even after the session's state has changed.
  struct LastRequest {
    Request request;  // with `now` set
    Trace trace;
    std::shared_ptr<const Policy> policy;
    std::shared_ptr<const EntityStore> entities;
    // What the decision was, for `:approve`.
    Effect effect = Effect::kDeny;
    std::string approval_digest;
  };

  bool HandleLine(const std::string& line);
  bool RunCommand(absl::string_view line);
  void Decide(absl::string_view line);
  // Decides `request` (its `now` set) with the engine, prints the decision and keeps it as
  // the last request.
  void DecideAndKeep(Request request);
  void AddPolicyText(const std::string& text);

  bool Why(absl::string_view arguments);
  bool WhyNot(absl::string_view arguments);
  bool Load(absl::string_view arguments);
  bool Reload(absl::string_view arguments);
  bool Drop(absl::string_view arguments);
  bool Entities(absl::string_view arguments);
  bool Set(absl::string_view arguments);
  bool Revoke(absl::string_view arguments);
  bool Now(absl::string_view arguments);
  bool Rules(absl::string_view arguments);
  bool Tree(absl::string_view arguments);
  bool Test(absl::string_view arguments);
  bool Approve(absl::string_view arguments);
  bool Help(absl::string_view arguments);
  bool Quit(absl::string_view arguments);

  // The policy files and typed text to compile together.
  std::vector<SourceFile> Sources(const std::vector<SourceFile>& files,
                                  const std::string& typed) const;
  // Compiles `files` with the typed text and puts the result in place; on any error prints
  // it and keeps the current policy.
  bool Rebuild(std::vector<std::string> paths, std::vector<SourceFile> files, std::string typed,
               absl::string_view verb);
  std::string PolicySummary() const;
  // Notes on names of the request that the schema does not declare: the engine decides
  // them DENY without a word, which at a prompt is more often a typo than intended.
  void NoteUndeclared(const Request& request);

  void Print(absl::string_view text) {
    const std::string shown = interactive_ ? Visible(text) : std::string(text);
    std::fwrite(shown.data(), 1, shown.size(), stdout);
    std::fflush(stdout);
  }
  void PrintError(absl::string_view message) {
    Print(absl::StrCat(Paint(color_, "error", kRed), ": ", message, "\n"));
  }
  void PrintUsage(absl::string_view name) {
    for (const Command& command : Commands()) {
      if (command.name == name) {
        PrintError(absl::StrCat("usage: ", command.name, command.arguments.empty() ? "" : " ",
                                command.arguments));
      }
    }
  }

  const bool interactive_;
  const bool color_;

  std::vector<std::string> paths_;  // the policy files
  // The files' text as last compiled: a typed rule is compiled with it, so that an edit on
  // disk takes effect only on `:reload`.
  std::vector<SourceFile> file_sources_;
  std::string typed_text_;  // every typed text accepted, as one source named `<repl>`
  std::string pending_;     // policy text typed so far that is not complete yet

  std::shared_ptr<const Policy> policy_;
  // The engine decides. The session keeps its own copy of the entities, edited alongside
  // the engine's, for `:whynot` and completion.
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<const EntityStore> entities_;
  std::optional<absl::Time> fixed_now_;
  std::optional<LastRequest> last_;
  // The private key `:approve` signs grants with; empty when the session has none.
  std::string signing_key_;
};

const std::vector<Session::Command>& Session::Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {":why", "", "the trace of the last decision: every candidate rule of every principal",
       &Session::Why},
      {":whynot", "RULE", "why RULE held or not for each principal of the last request",
       &Session::WhyNot},
      {":rules", "[FILTER]", "list the rules (name, source, effect, head); FILTER: a substring",
       &Session::Rules},
      {":tree", "", "print the decision tree and the compiled rules", &Session::Tree},
      {":load", "FILE...", "replace the policy files (typed rules are kept)", &Session::Load},
      {":reload", "", "re-read the policy files; on error the current policy stays",
       &Session::Reload},
      {":drop", "", "drop the rules and schema typed at the prompt", &Session::Drop},
      {":entities", "FILE", "replace the entities with an entity file", &Session::Entities},
      {":set", "identity {json}", "add or replace an identity (entity file format)", &Session::Set},
      {":revoke", "ID", "revoke an identity", &Session::Revoke},
      {":now", "[TIME]", "fix the time of requests (RFC 3339); alone: follow the clock",
       &Session::Now},
      {":test", "FILE", "run a policy test file against the session's policy", &Session::Test},
      {":approve", "USER [TTL]",
       "approve the last request as USER (a grant signed with --approver-key, valid TTL, "
       "15m by default) and decide it again",
       &Session::Approve},
      {":help", "", "this list", &Session::Help},
      {":quit", "", "leave the session (Ctrl-D too)", &Session::Quit},
  };
  return *kCommands;
}

bool Session::Start(std::vector<std::string> policy_paths, const std::string& entities_path,
                    ApprovalKeys keys) {
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(policy_paths);
  if (!sources.ok()) {
    absl::FPrintF(stderr, "ward repl: %s\n", sources.status().message());
    return false;
  }
  CompileResult compiled = Compile(*sources);
  if (compiled.policy == nullptr) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(compiled.diagnostics));
    return false;
  }
  LoadedEntities entities;
  if (!entities_path.empty()) {
    absl::StatusOr<LoadedEntities> loaded = LoadEntities(entities_path, compiled.policy->schema());
    if (!loaded.ok()) {
      absl::FPrintF(stderr, "ward repl: %s\n", loaded.status().message());
      return false;
    }
    entities = *std::move(loaded);
  }
  EngineOptions options;
  options.approval_keys = std::move(keys.trusted);
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(compiled.policy, entities.store, options);
  if (!engine.ok()) {
    absl::FPrintF(stderr, "ward repl: %s\n", engine.status().message());
    return false;
  }
  paths_ = std::move(policy_paths);
  file_sources_ = *std::move(sources);
  policy_ = compiled.policy;
  engine_ = *std::move(engine);
  entities_ = std::make_shared<const EntityStore>(std::move(entities.store));
  signing_key_ = std::move(keys.signing);
  return true;
}

std::string Session::Banner() const {
  return absl::StrCat("ward repl: ", PolicySummary(), "; ",
                      Plural(entities_->identity_count(), "identity", "identities"), ", ",
                      Plural(entities_->resource_count(), "resource", "resources"),
                      ".\nType a request (KIND ID ACTION TYPE:ID ...), a rule, or :help; "
                      "Ctrl-D leaves.\n");
}

std::string Session::PolicySummary() const {
  size_t typed = 0;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules)
    typed += rule.source == kTypedSource;
  std::string out = absl::StrCat(Plural(policy_->rule_count(), "rule", "rules"), " from ",
                                 Plural(paths_.size(), "file", "files"));
  if (!typed_text_.empty()) absl::StrAppend(&out, " and the prompt (", typed, " typed)");
  return out;
}

void Session::Run(LineReader* reader) {
  std::string line;
  while (true) {
    switch (reader->Read(pending_.empty() ? kPrompt : kContinuationPrompt, &line)) {
      case LineReader::Result::kEnd:
        if (!pending_.empty()) {
          PrintError("the input ended inside policy text, which was not added");
        }
        return;
      case LineReader::Result::kInterrupted:
        pending_.clear();
        continue;
      case LineReader::Result::kTooLong:
        PrintError(absl::StrCat("a line longer than ", kMaxLineBytes, " bytes was skipped"));
        continue;
      case LineReader::Result::kLine:
        break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!HandleLine(line)) return;
  }
}

bool Session::HandleLine(const std::string& line) {
  if (!pending_.empty()) {
    absl::StrAppend(&pending_, line, "\n");
    if (pending_.size() > kMaxPolicyTextBytes) {
      pending_.clear();
      PrintError(
          absl::StrCat("policy text longer than ", kMaxPolicyTextBytes, " bytes was not added"));
    } else if (PolicyTextComplete(pending_)) {
      AddPolicyText(std::exchange(pending_, ""));
    }
    return true;
  }
  const absl::string_view text = absl::StripAsciiWhitespace(line);
  if (text.empty() || absl::StartsWith(text, "//")) return true;
  if (absl::StartsWith(text, ":")) return RunCommand(text);
  if (StartsPolicyText(text)) {
    pending_ = absl::StrCat(line, "\n");
    if (PolicyTextComplete(pending_)) AddPolicyText(std::exchange(pending_, ""));
    return true;
  }
  if (text == "quit" || text == "exit" || text == "help") {
    Print(":quit (or Ctrl-D) leaves the session; :help lists the commands\n");
    return true;
  }
  Decide(text);
  return true;
}

bool Session::RunCommand(absl::string_view line) {
  const size_t end = std::min(line.find_first_of(" \t"), line.size());
  const absl::string_view name = line.substr(0, end);
  const absl::string_view arguments = absl::StripAsciiWhitespace(line.substr(end));
  std::vector<std::string> names;
  for (const Command& command : Commands()) {
    if (command.name == name) return (this->*command.run)(arguments);
    names.emplace_back(command.name);
  }
  PrintError(absl::StrCat("unknown command `", internal::Abbreviate(name), "`",
                          DidYouMean(name, names), " (:help lists the commands)"));
  return true;
}

void Session::Decide(absl::string_view line) {
  int column = 0;
  absl::StatusOr<Request> request = ParseRequestLine(line, &column);
  if (!request.ok()) {
    PrintError(absl::StrCat("column ", column, ": ", request.status().message()));
    Print(CaretLines(line, column));
    return;
  }
  // The time is fixed here, not left to the engine, so that `:whynot` sees the same `now`.
  request->now = fixed_now_.value_or(absl::Now());
  DecideAndKeep(*std::move(request));
}

void Session::DecideAndKeep(Request request) {
  LastRequest last;
  last.request = std::move(request);
  last.policy = policy_;
  last.entities = entities_;
  const Decision decision = engine_->Explain(last.request, &last.trace);
  last.effect = decision.effect;
  last.approval_digest = decision.approval_digest;
  Print(FormatDecision(decision, color_));
  NoteUndeclared(last.request);
  last_ = std::move(last);
}

void Session::NoteUndeclared(const Request& request) {
  const Schema& schema = policy_->schema();
  std::vector<std::string> names;
  auto note = [this](absl::string_view text) { Print(absl::StrCat("note: ", text, "\n")); };
  if (schema.actions.find(request.action) == schema.actions.end()) {
    for (const auto& [action, types] : schema.actions) names.push_back(action);
    note(absl::StrCat("the action `", request.action, "` is not declared",
                      DidYouMean(request.action, names)));
  }
  names.clear();
  if (schema.resource_types.find(request.resource.type) == schema.resource_types.end()) {
    for (const auto& [type, attributes] : schema.resource_types) names.push_back(type);
    note(absl::StrCat("the resource type `", request.resource.type, "` is not declared",
                      DidYouMean(request.resource.type, names)));
  } else if (schema.actions.count(request.action) > 0 &&
             !schema.ActionAppliesTo(request.action, request.resource.type)) {
    note(absl::StrCat("the action `", request.action, "` does not apply to `",
                      request.resource.type, "`"));
  }
  // An undeclared entry is ignored by the rules; one close to a declared name is a typo.
  auto entries = [&](absl::string_view root, const AttributeMap& given,
                     const AttributeTypes& declared) {
    std::vector<std::string> declared_names;
    for (const auto& [name, type] : declared) declared_names.push_back(name);
    std::vector<std::string> given_names;
    for (const auto& [name, value] : given) given_names.push_back(name);
    std::sort(given_names.begin(), given_names.end());
    for (const std::string& name : given_names) {
      if (declared.count(name) > 0) continue;
      const std::string suggestion = DidYouMean(name, declared_names);
      if (suggestion.empty()) continue;
      note(absl::StrCat("`", root, ".", internal::Abbreviate(name),
                        "` is not declared, and rules cannot read it", suggestion));
    }
  };
  entries("args", request.args, schema.args);
  entries("context", request.context, schema.context);
}

std::vector<SourceFile> Session::Sources(const std::vector<SourceFile>& files,
                                         const std::string& typed) const {
  std::vector<SourceFile> sources = files;
  if (!typed.empty()) sources.push_back({kTypedSource, typed});
  return sources;
}

void Session::AddPolicyText(const std::string& text) {
  const int first_line = LineCount(typed_text_) + 1;
  std::string typed = typed_text_ + text;
  CompileResult compiled = Compile(Sources(file_sources_, typed));
  // Errors anywhere (a typed rule can clash with a file's, e.g. over an @id), and the
  // warnings about the new text only: the others were shown when their text was loaded.
  std::string diagnostics;
  for (const Diagnostic& diagnostic : compiled.diagnostics) {
    if (diagnostic.severity == Diagnostic::Severity::kError ||
        (diagnostic.source == kTypedSource && diagnostic.line >= first_line)) {
      diagnostics += FormatDiagnostic(diagnostic);
    }
  }
  Print(diagnostics);
  if (compiled.policy == nullptr) {
    Print("not added\n");
    return;
  }
  if (absl::Status reloaded = engine_->Reload(compiled.policy); !reloaded.ok()) {
    PrintError(absl::StrCat(reloaded.message(), "; not added"));
    return;
  }
  policy_ = std::move(compiled.policy);
  typed_text_ = std::move(typed);
  bool any_rule = false;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) {
    if (rule.source != kTypedSource || rule.line < first_line) continue;
    const std::string where = absl::StrCat(rule.source, ":", rule.line);
    Print(absl::StrCat("added ", rule.name, rule.name == where ? "" : " (" + where + ")", "\n"));
    any_rule = true;
  }
  if (!any_rule) Print("added to the schema\n");
}

bool Session::Rebuild(std::vector<std::string> paths, std::vector<SourceFile> files,
                      std::string typed, absl::string_view verb) {
  CompileResult compiled = Compile(Sources(files, typed));
  Print(FormatDiagnostics(compiled.diagnostics));
  if (compiled.policy == nullptr) {
    PrintError("the policy has errors; the current policy stays in place");
    return false;
  }
  if (absl::Status reloaded = engine_->Reload(compiled.policy); !reloaded.ok()) {
    PrintError(absl::StrCat(reloaded.message(), "; the current policy stays in place"));
    return false;
  }
  paths_ = std::move(paths);
  file_sources_ = std::move(files);
  typed_text_ = std::move(typed);
  policy_ = std::move(compiled.policy);
  Print(absl::StrCat(verb, ": ", PolicySummary(), "\n"));
  return true;
}

bool Session::Load(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok()) {
    PrintError(paths.status().message());
    return true;
  }
  if (paths->empty()) {
    PrintUsage(":load");
    return true;
  }
  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceFiles(*paths);
  if (!files.ok()) {
    PrintError(absl::StrCat(files.status().message(), "; the current policy stays in place"));
    return true;
  }
  Rebuild(*std::move(paths), *std::move(files), typed_text_, "loaded");
  return true;
}

bool Session::Reload(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintError("`:reload` takes no arguments; `:load FILE...` replaces the files");
    return true;
  }
  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceFiles(paths_);
  if (!files.ok()) {
    PrintError(absl::StrCat(files.status().message(), "; the current policy stays in place"));
    return true;
  }
  Rebuild(paths_, *std::move(files), typed_text_, "reloaded");
  return true;
}

bool Session::Drop(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":drop");
    return true;
  }
  if (typed_text_.empty()) {
    Print("no typed rules or schema to drop\n");
    return true;
  }
  Rebuild(paths_, file_sources_, "", "dropped the typed text");
  return true;
}

bool Session::Entities(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok() || paths->size() != 1) {
    PrintUsage(":entities");
    return true;
  }
  absl::StatusOr<LoadedEntities> loaded = LoadEntities(paths->front(), policy_->schema());
  if (!loaded.ok()) {
    PrintError(absl::StrCat(loaded.status().message(), "; the current entities stay"));
    return true;
  }
  for (const std::string& warning : loaded->warnings) {
    Print(absl::StrCat("warning: ", warning, "\n"));
  }
  if (absl::Status replaced = engine_->ReplaceEntities(loaded->store); !replaced.ok()) {
    PrintError(absl::StrCat(replaced.message(), "; the current entities stay"));
    return true;
  }
  entities_ = std::make_shared<const EntityStore>(std::move(loaded->store));
  Print(absl::StrCat("entities: ", Plural(entities_->identity_count(), "identity", "identities"),
                     ", ", Plural(entities_->resource_count(), "resource", "resources"), "\n"));
  return true;
}

bool Session::Set(absl::string_view arguments) {
  const absl::string_view what = arguments.substr(0, arguments.find_first_of(" \t{"));
  if (what != "identity") {
    PrintUsage(":set");
    return true;
  }
  const absl::string_view json = absl::StripAsciiWhitespace(arguments.substr(what.size()));
  std::vector<std::string> warnings;
  absl::StatusOr<Identity> identity =
      EntityStore::IdentityFromJson(json, policy_->schema(), &warnings);
  if (!identity.ok()) {
    PrintError(identity.status().message());
    return true;
  }
  for (const std::string& warning : warnings) Print(absl::StrCat("warning: ", warning, "\n"));
  const std::string ref = FormatRef(SubjectKindName(identity->kind), identity->id);
  if (absl::Status upserted = engine_->UpsertIdentity(*identity); !upserted.ok()) {
    PrintError(upserted.message());
    return true;
  }
  auto entities = std::make_shared<EntityStore>(*entities_);
  entities->UpsertIdentity(*std::move(identity));
  entities_ = std::move(entities);
  Print(absl::StrCat("set ", ref, "\n"));
  return true;
}

bool Session::Revoke(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> ids = SplitArguments(arguments);
  if (!ids.ok() || ids->size() != 1) {
    PrintUsage(":revoke");
    return true;
  }
  const std::string& id = ids->front();
  if (absl::Status revoked = engine_->RevokeIdentity(id); !revoked.ok()) {
    PrintError(revoked.message());
    return true;
  }
  auto entities = std::make_shared<EntityStore>(*entities_);
  // The engine found the identity, so its copy here exists too.
  entities->RevokeIdentity(id).IgnoreError();
  entities_ = std::move(entities);
  const Identity* identity = entities_->FindIdentity(id);
  Print(absl::StrCat(
      "revoked ",
      identity != nullptr ? FormatRef(SubjectKindName(identity->kind), id) : QuoteIdIfNeeded(id),
      "\n"));
  return true;
}

bool Session::Now(absl::string_view arguments) {
  if (arguments.empty()) {
    fixed_now_.reset();
    Print("now: the clock\n");
    return true;
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, arguments, &time, &error)) {
    PrintError(absl::StrCat("`", internal::Abbreviate(arguments),
                            "` is not an RFC 3339 time such as 2026-12-01T00:00:00Z"));
    return true;
  }
  fixed_now_ = time;
  Print(absl::StrCat("now: ", TimeText(time), "\n"));
  return true;
}

bool Session::Why(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":why");
    return true;
  }
  if (!last_) {
    Print("no request yet\n");
    return true;
  }
  Print(last_->trace.ToText());
  return true;
}

bool Session::WhyNot(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> names = SplitArguments(arguments);
  if (!names.ok() || names->size() != 1) {
    PrintUsage(":whynot");
    return true;
  }
  if (!last_) {
    Print("no request yet\n");
    return true;
  }
  const std::string& name = names->front();
  const internal::PolicyIr& ir = internal::IrOf(*last_->policy);
  auto rule = std::find_if(ir.rules.begin(), ir.rules.end(),
                           [&](const internal::Rule& r) { return r.name == name; });
  if (rule == ir.rules.end()) {
    const auto& now_rules = internal::IrOf(*policy_).rules;
    if (std::any_of(now_rules.begin(), now_rules.end(),
                    [&](const internal::Rule& r) { return r.name == name; })) {
      PrintError(absl::StrCat("`", name,
                              "` came into the policy after the last request; send the request "
                              "again"));
      return true;
    }
    std::vector<std::string> all;
    for (const internal::Rule& r : ir.rules) all.push_back(r.name);
    PrintError(
        absl::StrCat("no rule named `", internal::Abbreviate(name), "`", DidYouMean(name, all)));
    return true;
  }
  const std::string where = absl::StrCat(rule->source, ":", rule->line);
  std::string out = absl::StrCat(rule->name, rule->name == where ? "" : " (" + where + ")", "\n  ",
                                 internal::RuleHeadToString(*rule), "\n");
  const std::vector<internal::RuleReport> reports =
      internal::ExplainRule(ir, *last_->entities, last_->request, *last_->request.now, *rule);
  for (const internal::RuleReport& report : reports) {
    absl::StrAppend(&out, report.role, " ", RefText(report.principal), "\n");
    if (report.guard) {
      absl::StrAppend(&out, "  guard: ", ReasonName(*report.guard),
                      "; no rule is evaluated for it\n");
      continue;
    }
    if (!report.head_mismatches.empty()) {
      absl::StrAppend(&out, "  head: does not match\n");
      for (const std::string& mismatch : report.head_mismatches) {
        absl::StrAppend(&out, "    ", mismatch, "\n");
      }
      absl::StrAppend(&out, "  not a candidate\n");
      continue;
    }
    absl::StrAppend(&out, "  head: matches\n");
    if (report.conditions.empty()) absl::StrAppend(&out, "  (no conditions)\n");
    for (const std::string& condition : report.conditions) {
      absl::StrAppend(&out, "  ", condition, "\n");
    }
    switch (report.outcome) {
      case TraceRule::Outcome::kHolds:
        absl::StrAppend(&out, "  holds\n");
        break;
      case TraceRule::Outcome::kDoesNotHold:
        absl::StrAppend(&out, "  does not hold\n");
        break;
      case TraceRule::Outcome::kError:
        absl::StrAppend(&out, rule->effect == internal::RuleEffect::kPermit
                                  ? "  error: a permit with an error does not hold\n"
                                  : "  error: it counts as holding (ward fails closed)\n");
        break;
    }
  }
  Print(out);
  return true;
}

bool Session::Rules(absl::string_view filter) {
  std::string out;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) {
    const std::string where = absl::StrCat(rule.source, ":", rule.line);
    const std::string head = internal::RuleHeadToString(rule);
    if (!filter.empty() && !absl::StrContains(rule.name, filter) &&
        !absl::StrContains(where, filter) && !absl::StrContains(head, filter)) {
      continue;
    }
    absl::StrAppend(&out, rule.name, rule.name == where ? "" : " (" + where + ")", "\n  ", head,
                    "\n");
  }
  if (out.empty()) {
    out = filter.empty() ? "no rules\n"
                         : absl::StrCat("no rule matches `", internal::Abbreviate(filter), "`\n");
  }
  Print(out);
  return true;
}

bool Session::Tree(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":tree");
    return true;
  }
  Print(policy_->Dump());
  return true;
}

bool Session::Test(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok() || paths->size() != 1) {
    PrintUsage(":test");
    return true;
  }
  TestRunOptions options;
  options.policy_override = policy_;
  options.color = color_;
  std::string report;
  absl::StatusOr<TestRunSummary> summary = RunPolicyTests(*paths, options, &report);
  Print(report);
  if (!summary.ok()) PrintError(summary.status().message());
  return true;
}

bool Session::Approve(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> words = SplitArguments(arguments);
  if (!words.ok() || words->empty() || words->size() > 2) {
    PrintUsage(":approve");
    return true;
  }
  if (signing_key_.empty()) {
    PrintError(
        "`:approve` signs grants with a private key, and this session has none: start it with "
        "`ward repl --approver-key NAME.key` (`ward keygen --out NAME` makes a key pair)");
    return true;
  }
  if (!last_) {
    PrintError("no request yet: there is nothing to approve");
    return true;
  }
  if (last_->effect != Effect::kNeedsApproval || last_->approval_digest.empty()) {
    PrintError(absl::StrCat("the last decision is ", EffectName(last_->effect),
                            ", not NEEDS_APPROVAL: there is nothing to approve"));
    return true;
  }
  if (last_->policy->hash() != policy_->hash()) {
    // The digest covers the policy's hash: a grant for the old one would be refused.
    PrintError(
        "the policy changed since the last request, and the request's digest with it; send the "
        "request again");
    return true;
  }
  // `u8`, `"Ada Lovelace"`, `user:u8` or `user:"Ada Lovelace"`: only people approve.
  std::string approver = (*words)[0];
  if (absl::StartsWith(approver, "agent:") || absl::StartsWith(approver, "builder:")) {
    PrintError(absl::StrCat("only users approve: give USER as an id or user:ID, not `",
                            internal::Abbreviate(approver), "`"));
    return true;
  }
  if (absl::StartsWith(approver, "user:")) {
    absl::StatusOr<std::vector<std::string>> id =
        SplitArguments(absl::string_view(approver).substr(5));
    if (!id.ok() || id->size() != 1) {
      PrintUsage(":approve");
      return true;
    }
    approver = id->front();
  }
  GrantRequest grant;
  grant.digest = last_->approval_digest;
  grant.approver_id = approver;
  if (words->size() == 2 &&
      (!absl::ParseDuration((*words)[1], &grant.ttl) || grant.ttl < absl::Seconds(1))) {
    PrintError(absl::StrCat("`", internal::Abbreviate((*words)[1]),
                            "` is not a duration of at least one second such as 90s, 15m or 1h"));
    return true;
  }
  // Issued at the request's own time, which the engine checks the grant against: a session
  // whose clock is fixed in the past or the future (`:now`) approves as well.
  grant.issued_at = *last_->request.now;
  absl::StatusOr<std::string> token = MintGrant(grant, signing_key_);
  if (!token.ok()) {
    PrintError(absl::StrCat("cannot sign the grant: ", token.status().message()));
    return true;
  }
  Print(absl::StrCat("grant: approver ", FormatRef("user", grant.approver_id), ", valid from ",
                     TimeText(*grant.issued_at), " to ", TimeText(*grant.issued_at + grant.ttl),
                     "\n"));
  Request request = last_->request;
  request.approval = *std::move(token);
  DecideAndKeep(std::move(request));
  return true;
}

bool Session::Help(absl::string_view arguments) {
  std::string out =
      "  KIND ID ACTION TYPE:ID [on_behalf_of KIND:ID...] [args {json}] [context {json}]\n"
      "                        decide a request (a bare {json} is the context), e.g.\n"
      "                        agent a42 invoke tool:payments.transfer on_behalf_of user:u5 "
      "args {\"amount\": 2500}\n"
      "  permit|forbid|require_approval ...;  schema {...}\n"
      "                        add rules or schema to the policy (an unnamed rule is "
      "<repl>:LINE)\n";
  for (const Command& command : Commands()) {
    absl::StrAppendFormat(
        &out, "  %-21s %s\n",
        absl::StrCat(command.name, command.arguments.empty() ? "" : " ", command.arguments),
        command.help);
  }
  absl::StrAppend(&out,
                  "Ids with blanks, `:` or `\"` are written as JSON strings: "
                  "tool:\"calendar read\".\n");
  Print(out);
  return true;
}

bool Session::Quit(absl::string_view arguments) { return false; }

Completion Session::CompleteLine(absl::string_view before_cursor) const {
  CompletionData data;
  for (const Command& command : Commands()) data.commands.emplace_back(command.name);
  for (const auto& [id, identity] : entities_->identities()) {
    data.identities.emplace_back(identity.kind, id);
  }
  data.schema = &policy_->schema();
  for (const auto& [key, resource] : entities_->resources()) {
    data.resources.emplace_back(resource.type, resource.id);
  }
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) data.rules.push_back(rule.name);
  data.list_files = ListFiles;
  return Complete(before_cursor, data);
}

// libedit needs a locale with the terminal's character set to edit multibyte text; a
// process starts in the "C" locale.
void UseTerminalLocale() {
  const char* locale = std::setlocale(LC_CTYPE, "");
  if (locale == nullptr || absl::string_view(locale) == "C" ||
      absl::string_view(locale) == "POSIX") {
    std::setlocale(LC_CTYPE, "C.UTF-8");
  }
}

}  // namespace

int RunRepl(const Invocation& parsed) {
  // The trusted public keys, and the private key `:approve` signs with (trusted too).
  ApprovalKeys keys;
  if (!ReadKeyFiles(parsed->GetAll("approval-key"), &keys.trusted)) return kExitInvalidInput;
  if (parsed->Has("approver-key")) {
    const std::string path = parsed->Get("approver-key");
    std::vector<std::string> pem;
    if (!ReadKeyFiles({path}, &pem)) return kExitInvalidInput;
    absl::StatusOr<std::string> public_key = PublicKeyOf(pem.front());
    if (!public_key.ok()) {
      absl::FPrintF(stderr, "ward repl: %s: %s (--approver-key takes the private key, NAME.key)\n",
                    path, public_key.status().message());
      return kExitInvalidInput;
    }
    keys.trusted.push_back(*std::move(public_key));
    keys.signing = std::move(pem.front());
  }

  const bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  const bool color = interactive && (no_color == nullptr || *no_color == '\0') &&
                     !(term != nullptr && absl::string_view(term) == "dumb");
  Session session(interactive, color);
  if (!session.Start(parsed->Has("policy") ? parsed->GetAll("policy") : std::vector<std::string>(),
                     parsed->Get("entities"), std::move(keys))) {
    return kExitInvalidInput;
  }
  if (!interactive) {
    ScriptReader reader;
    session.Run(&reader);
    return kExitOk;
  }
  UseTerminalLocale();
  std::fputs(session.Banner().c_str(), stdout);
  EditLineReader reader(HistoryPath(), [&session](absl::string_view before_cursor) {
    return session.CompleteLine(before_cursor);
  });
  session.Run(&reader);
  return kExitOk;
}

}  // namespace ward::cli
