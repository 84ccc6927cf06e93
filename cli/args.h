// A small command-line parser for the subcommands of `ward`.
//
// Abseil flags are process-global and keep only the last value of a repeated flag; `ward`
// needs per-subcommand options, repeatable ones (`--policy A --policy B`), and a usage error
// (exit code 2) that names the offending argument. This parser does just that.

#ifndef WARD_CLI_ARGS_H_
#define WARD_CLI_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ward::cli {

struct OptionSpec {
  std::string name;         // without the dashes: "policy"
  std::string value_name;   // "FILE"; empty for a switch that takes no value
  bool repeatable = false;  // may be given several times
  std::string help;
  char short_name = 0;  // 'o' accepts `-o` for this option; 0 for none
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>, std::less<>> values;  // by option name
  std::vector<std::string> positional;
  bool help = false;  // -h or --help was given

  bool Has(absl::string_view name) const { return values.find(name) != values.end(); }
  // The value of a single-valued option, or `fallback`.
  std::string Get(absl::string_view name, absl::string_view fallback = "") const;
  const std::vector<std::string>& GetAll(absl::string_view name) const;
};

// Parses `args` (the arguments after the subcommand). `--name value` and `--name=value` are
// accepted; `--` ends the options; `-` alone is a positional argument (standard input).
// Errors: an unknown option, a missing value, a repeated single-valued option.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs);

// "Usage: ward SUBCOMMAND SYNOPSIS\n\nSUMMARY\n\nOptions:\n  --policy FILE  ...".
std::string UsageText(absl::string_view subcommand, absl::string_view synopsis,
                      absl::string_view summary, const std::vector<OptionSpec>& specs);

}  // namespace ward::cli

#endif  // WARD_CLI_ARGS_H_
