// The subcommands of the `ward` command-line tool, and the loaders they share.
//
// Exit codes, for every subcommand: 0 success (a decision was made, the files check);
// 1 the inputs are invalid or the check failed, with every error printed; 2 usage or request
// errors (bad flags, invalid request JSON), with a one-line error naming the input and place.

#ifndef WARD_CLI_COMMANDS_H_
#define WARD_CLI_COMMANDS_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cli/command.h"
#include "ward/decision_log.h"
#include "ward/diagnostics.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/policy.h"
#include "ward/reach.h"
#include "ward/request.h"

namespace ward::cli {

// The subcommands, each defined in cli/<name>_command.cc, in the order `ward --help` lists
// them.
const Command& CheckCommand();
const Command& EvalCommand();
const Command& ExplainCommand();
const Command& CompileCommand();
const Command& DumpCommand();
const Command& KeygenCommand();
const Command& ApproveCommand();
const Command& TestCommand();
const Command& FmtCommand();
const Command& LintCommand();
const Command& ReplCommand();
const Command& DiscoverCommand();
const Command& ReplayCommand();
const Command& InventoryCommand();
const Command& DecommissionCommand();
const Command& BlastCommand();
const Command& ReportCommand();
const Command& BenchCommand();
const Command& ServeCommand();

// Writes `text` to the file at `path` (replacing it); false when it cannot.
bool WriteText(const std::string& path, const std::string& text);

// "KIND:ID" (KIND user, agent or builder) into `out`; false when it is not one.
bool ParseIdentityArg(const std::string& text, IdentityRef* out);

// "KIND:ID".
std::string RefText(const IdentityRef& ref);

// The blast radius (Engine::BlastRadiusOf) of each of `identities`, in that order, the work
// shared by `threads` threads.
struct BlastScore {
  IdentityRef identity;
  int64_t reached = 0;
  int64_t score = 0;
};
absl::Status ComputeBlastScores(const Engine& engine, const std::vector<IdentityRef>& identities,
                                const ReachOptions& options, int threads,
                                std::vector<BlastScore>* out);
// One thread per core.
int DefaultThreads();
// The values of `--sensitivity TYPE=ATTR` into `options`; false after printing a usage error.
bool ParseSensitivityOptions(const Invocation& call, ReachOptions* options);

// Policy files as given, and for each directory the *.ward files under it (sorted): what
// check, lint and fmt take.
std::vector<std::string> ExpandPolicyPaths(const std::vector<std::string>& paths);

// The value of `--now TIME` (RFC 3339) into `now` when given; false after printing a usage
// error when it does not parse.
bool ParseNowOption(const Invocation& call, std::optional<absl::Time>* now);

// Shared by the subcommands: compile the policy files, printing diagnostics to stderr on
// error (and warnings when `print_warnings`), at most kMaxPrintedDiagnostics of them and a
// count of the rest; null on error.
std::shared_ptr<const Policy> LoadPolicyFiles(const std::vector<std::string>& paths,
                                              bool print_warnings);

// A warning of LoadEntityFile as a diagnostic without a position, so that it is printed
// ("PATH: warning: WARNING") and counted with the others.
Diagnostic EntityFileWarning(const std::string& path, const std::string& warning);

// Loads a bundle file, refusing it unless it is signed by one of `trusted_key_files` (public
// key PEM files) when there are any; prints the error to stderr and returns null on error.
std::shared_ptr<const Policy> LoadBundleFile(const std::string& path,
                                             const std::vector<std::string>& trusted_key_files);

// For the commands that take a policy as --policy FILE... or --bundle FILE [--trust NAME.pub]:
// the usage errors of those options (both or neither given, --trust without --bundle).
// `purpose` completes "give the policy<purpose> as ..." (e.g. " to replay against", or "").
// Returns kExitOk, or kExitUsage after printing the error.
int CheckPolicyOptions(const Invocation& call, absl::string_view purpose = "");
// The policy those options name: the --policy files compiled, or the --bundle loaded (signed
// by a --trust key when any is given). Null after printing the error.
std::shared_ptr<const Policy> LoadPolicyOption(const Invocation& call);

// Reads key files (PEM text); prints the error to stderr and returns false on error.
bool ReadKeyFiles(const std::vector<std::string>& paths, std::vector<std::string>* pems);

// Calls `on_line(text, number)` for each line of `in` (numbered from 1, without its line
// break). A line longer than `max_bytes` comes as nullopt and is not kept, so that one endless
// line cannot exhaust memory.
void ForEachLine(std::FILE* in, size_t max_bytes,
                 const std::function<void(std::optional<absl::string_view>, size_t)>& on_line);

// The options --decision-log FILE and --decision-log-level LEVEL, for the commands that decide.
std::vector<OptionSpec> DecisionLogOptionSpecs();
// The decision log those options ask for into `log` (null when --decision-log is not given).
// Returns kExitOk, or the exit code after printing the error.
int OpenDecisionLogOption(const Invocation& call, std::shared_ptr<DecisionLog>* log);
// Closes `log` (when not null): writes what is queued and prints to stderr its sink's error
// and the number of records it dropped, if any. False when there was either.
bool CloseDecisionLog(const Invocation& call, DecisionLog* log);
// Loads an entity file against `schema`; prints the error to stderr and returns false on
// error. Warnings go to `warnings` when it is not null.
bool LoadEntityFile(const std::string& path, const Schema& schema, EntityStore* store,
                    std::vector<std::string>* warnings);

}  // namespace ward::cli

#endif  // WARD_CLI_COMMANDS_H_
