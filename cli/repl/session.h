// A REPL session: a policy set and an entity store, the requests typed at the prompt decided
// at once, and the session's commands (:why, :whynot, :approve, :load, :set, ...).
// See docs/repl.md.

#ifndef WARD_CLI_REPL_SESSION_H_
#define WARD_CLI_REPL_SESSION_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/repl/line_reader.h"
#include "cli/repl/output.h"
#include "cli/repl/repl_parse.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/policy.h"
#include "ward/request.h"

namespace ward::cli::repl {

// The keys of a session's approvals.
struct ApprovalKeys {
  // The public keys (SPKI PEM) whose grants the engine accepts.
  std::vector<std::string> trusted;
  // The private key (PKCS#8 PEM) `:approve` signs grants with; empty when none was given.
  std::string signing;
};

// What the session's engine is made with besides the files.
struct EngineSettings {
  ApprovalKeys keys;
  // Where every decision of the session is recorded; null for nowhere.
  std::shared_ptr<DecisionLog> decision_log;
};

class Session {
 public:
  Session(bool interactive, bool color) : interactive_(interactive), color_(color) {}

  // Loads the initial files, printing what is wrong with them to stderr.
  bool Start(std::vector<std::string> policy_paths, const std::string& entities_path,
             EngineSettings settings);

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
  // One "error: " line per line of `message` (an entity file reports every violation).
  void PrintError(absl::string_view message) {
    std::string out;
    for (absl::string_view line : absl::StrSplit(message, '\n')) {
      absl::StrAppend(&out, Paint(color_, "error", kRed), ": ", line, "\n");
    }
    Print(out);
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

}  // namespace ward::cli::repl

#endif  // WARD_CLI_REPL_SESSION_H_
