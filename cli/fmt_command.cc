// `ward fmt [-w | --check] FILE...`: the canonical layout of policy files
// (policy_lang/formatter.h), comments kept.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "policy_lang/formatter.h"

namespace ward::cli {
namespace {

constexpr size_t kMaxSourceBytes = size_t{16} << 20;

int RunFmt(const Invocation& parsed) {
  const bool write = parsed->Has("write");
  const bool check = parsed->Has("check");
  if (write && check) return parsed.UsageError("give at most one of -w and --check");
  const std::vector<std::string> files = ExpandPolicyPaths(parsed->positional);
  if (write && std::find(files.begin(), files.end(), "-") != files.end()) {
    return parsed.UsageError("-w cannot rewrite standard input");
  }
  int exit_code = kExitOk;
  size_t unformatted = 0;
  for (const std::string& path : files) {
    absl::StatusOr<std::string> text = internal::ReadFile(path, kMaxSourceBytes);
    if (!text.ok()) {
      absl::FPrintF(stderr, "%s\n", text.status().message());
      exit_code = kExitInvalidInput;
      continue;
    }
    const std::string name = path == "-" ? "<stdin>" : path;
    absl::StatusOr<std::string> formatted = FormatSource(name, *text);
    if (!formatted.ok()) {
      absl::FPrintF(stderr, "%s", formatted.status().message());
      exit_code = kExitInvalidInput;
      continue;
    }
    if (check) {
      if (*formatted != *text) {
        absl::PrintF("%s\n", name);
        ++unformatted;
      }
    } else if (write) {
      if (*formatted == *text) continue;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << *formatted;
      out.close();
      if (!out.good()) {
        absl::FPrintF(stderr, "%s: cannot write the file\n", path);
        exit_code = kExitInvalidInput;
        continue;
      }
      absl::FPrintF(stderr, "formatted %s\n", path);
    } else {
      absl::PrintF("%s", *formatted);
    }
  }
  if (unformatted > 0) {
    std::fflush(stdout);  // the list first, then the summary
    absl::FPrintF(stderr, "%d of %d files are not formatted; `ward fmt -w` formats them\n",
                  unformatted, files.size());
    exit_code = kExitInvalidInput;
  }
  return exit_code;
}

}  // namespace

const Command& FmtCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "fmt";
    command->synopsis = "[-w | --check] FILE...";
    command->summary = "format policy files, keeping comments";
    command->description =
        "Formats policy files in the canonical layout, keeping every comment. Prints the "
        "result, rewrites the files (-w), or lists the files that are not formatted (--check). "
        "A directory stands for the *.ward files under it.";
    command->options = {
        {"write", "", false, "rewrite the files in place (also -w)", 'w'},
        {"check", "", false,
         "change nothing; list the files that are not formatted, exit 1 if any"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no policy files given";
    command->run = RunFmt;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
