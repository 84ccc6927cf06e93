#include "cli/repl/repl.h"

#include <histedit.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "cli/commands.h"
#include "cli/repl/line_reader.h"
#include "cli/repl/session.h"
#include "ward/approval.h"

namespace ward::cli {
namespace {

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
  repl::EngineSettings settings;
  repl::ApprovalKeys& keys = settings.keys;
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
  repl::Session session(interactive, color);
  if (const int opened = OpenDecisionLogOption(parsed, &settings.decision_log); opened != kExitOk) {
    return opened;
  }
  const std::shared_ptr<DecisionLog> decision_log = settings.decision_log;
  if (!session.Start(parsed->Has("policy") ? parsed->GetAll("policy") : std::vector<std::string>(),
                     parsed->Get("entities"), std::move(settings))) {
    return kExitInvalidInput;
  }
  if (!interactive) {
    session.Run(repl::NewScriptReader().get());
    return CloseDecisionLog(parsed, decision_log.get()) ? kExitOk : kExitInvalidInput;
  }
  UseTerminalLocale();
  std::fputs(session.Banner().c_str(), stdout);
  std::unique_ptr<repl::LineReader> reader = repl::NewEditLineReader(
      repl::HistoryPath(),
      [&session](absl::string_view before_cursor) { return session.CompleteLine(before_cursor); });
  session.Run(reader.get());
  return CloseDecisionLog(parsed, decision_log.get()) ? kExitOk : kExitInvalidInput;
}

}  // namespace ward::cli
