// The subcommands of the `ward` command-line tool.
//
// Exit codes, for every subcommand: 0 success (a decision was made, the files check);
// 1 the inputs are invalid or the check failed, with every error printed; 2 usage or request
// errors (bad flags, invalid request JSON), with a one-line error naming the input and place.

#ifndef WARD_CLI_COMMANDS_H_
#define WARD_CLI_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "ward/entities.h"
#include "ward/policy.h"

namespace ward::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

int RunCheck(const std::vector<std::string>& args);
// `ward eval` and, with `explain` set, `ward explain`.
int RunEval(const std::vector<std::string>& args, bool explain);
// `ward test`, `ward fmt` and `ward lint`: the policy author's tools.
int RunTest(const std::vector<std::string>& args);
int RunFmt(const std::vector<std::string>& args);
int RunLint(const std::vector<std::string>& args);

// `ward compile` (policy files to a bundle) and `ward dump` (the compiled form as text).
int RunCompile(const std::vector<std::string>& args);
int RunDump(const std::vector<std::string>& args);

// `ward keygen` (an Ed25519 key pair) and `ward approve` (a grant for an approval digest).
int RunKeygen(const std::vector<std::string>& args);
int RunApprove(const std::vector<std::string>& args);

// Shared by the subcommands: compile the policy files, printing diagnostics to stderr on
// error (and warnings when `print_warnings`); null on error.
std::shared_ptr<const Policy> LoadPolicyFiles(const std::vector<std::string>& paths,
                                              bool print_warnings);

// Loads a bundle file, refusing it unless it is signed by one of `trusted_key_files` (public
// key PEM files) when there are any; prints the error to stderr and returns null on error.
std::shared_ptr<const Policy> LoadBundleFile(const std::string& path,
                                             const std::vector<std::string>& trusted_key_files);

// Reads key files (PEM text); prints the error to stderr and returns false on error.
bool ReadKeyFiles(const std::vector<std::string>& paths, std::vector<std::string>* pems);

// Loads an entity file against `schema`; prints the error to stderr and returns false on
// error. Warnings go to `warnings` when it is not null.
bool LoadEntityFile(const std::string& path, const Schema& schema, EntityStore* store,
                    std::vector<std::string>* warnings);

}  // namespace ward::cli

#endif  // WARD_CLI_COMMANDS_H_
