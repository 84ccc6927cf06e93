#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "policy_lang/diagnostics.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/errors.h"
#include "ward/value.h"

namespace ward::cli {

std::vector<std::string> ExpandPolicyPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (path == "-" || !std::filesystem::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (std::filesystem::recursive_directory_iterator it(path, error), end; !error && it != end;
         it.increment(error)) {
      if (it->is_regular_file(error) && it->path().extension() == ".ward") {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out.good();
}

bool ParseIdentityArg(const std::string& text, IdentityRef* out) {
  const std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  if (parts.size() != 2 || parts[1].empty()) return false;
  for (SubjectKind kind : kAllSubjectKinds) {
    if (parts[0] == SubjectKindName(kind)) {
      *out = {kind, parts[1]};
      return true;
    }
  }
  return false;
}

bool ParseNowOption(const Invocation& call, std::optional<absl::Time>* now) {
  if (!call->Has("now")) return true;
  absl::StatusOr<absl::Time> parsed = ParseTimestamp(call->Get("now"));
  if (!parsed.ok()) {
    call.UsageError(absl::StrFormat("--now: `%s` is not an RFC 3339 timestamp", call->Get("now")));
    return false;
  }
  *now = *parsed;
  return true;
}

void ForEachLine(std::FILE* in, size_t max_bytes,
                 const std::function<void(std::optional<absl::string_view>, size_t)>& on_line) {
  std::string line;
  size_t number = 0;
  bool too_long = false;
  auto finish = [&] {
    on_line(too_long ? std::nullopt : std::optional<absl::string_view>(line), ++number);
    line.clear();
    too_long = false;
  };
  for (int c; (c = std::fgetc(in)) != EOF;) {
    if (c == '\n') {
      finish();
    } else if (line.size() < max_bytes) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (!line.empty() || too_long) finish();
}

std::vector<OptionSpec> DecisionLogOptionSpecs() {
  return {
      {"decision-log", "FILE", false,
       "append a record of every decision to FILE, one JSON object per line "
       "(docs/decision-logs.md)"},
      {"decision-log-level", "LEVEL", false,
       "the least level a decision is recorded at: `summary` (the default), `full` (with the "
       "request's args and context: what `ward replay` needs) or `none` (only what the policy's "
       "log(...) asks for, and every DENY and NEEDS_APPROVAL)"},
  };
}

int OpenDecisionLogOption(const Invocation& call, std::shared_ptr<DecisionLog>* log) {
  log->reset();
  if (!call->Has("decision-log")) {
    if (call->Has("decision-log-level")) {
      return call.UsageError("--decision-log-level needs --decision-log FILE");
    }
    return kExitOk;
  }
  DecisionLogOptions options;
  if (call->Has("decision-log-level")) {
    const std::string level = call->Get("decision-log-level");
    const std::optional<LogLevel> parsed = LogLevelFromName(level);
    if (!parsed.has_value()) {
      return call.UsageError(absl::StrFormat(
          "--decision-log-level: `%s` is not a level; use none, summary or full", level));
    }
    options.min_level = *parsed;
  }
  const std::string path = call->Get("decision-log");
  absl::StatusOr<std::unique_ptr<DecisionLogSink>> sink = OpenFileSink(path);
  if (!sink.ok()) {
    return call.InputError(sink.status().message());
  }
  absl::StatusOr<std::shared_ptr<DecisionLog>> opened =
      DecisionLog::Create(*std::move(sink), options);
  if (!opened.ok()) {
    return call.InputError(opened.status().message());
  }
  *log = *std::move(opened);
  return kExitOk;
}

bool CloseDecisionLog(const Invocation& call, DecisionLog* log) {
  if (log == nullptr) return true;
  bool clean = true;
  if (absl::Status closed = log->Close(); !closed.ok()) {
    call.InputError(
        absl::StrCat("decision log ", call->Get("decision-log"), ": ", closed.message()));
    clean = false;
  }
  if (const uint64_t dropped = log->stats().dropped; dropped > 0) {
    call.InputError(absl::StrCat("decision log ", call->Get("decision-log"), ": ", dropped,
                                 " records dropped (the queue was full)"));
    clean = false;
  }
  return clean;
}

std::shared_ptr<const Policy> LoadPolicyFiles(const std::vector<std::string>& paths,
                                              bool print_warnings) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ward::LoadPolicyFiles(paths, &diagnostics);
  if (!policy.ok() && CategoryOf(policy.status()) != ErrorCategory::kPolicy) {
    absl::FPrintF(stderr, "%s\n", policy.status().message());
    return nullptr;
  }
  if (!policy.ok() || print_warnings) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(diagnostics, kMaxPrintedDiagnostics));
  }
  return policy.ok() ? *policy : nullptr;
}

Diagnostic EntityFileWarning(const std::string& path, const std::string& warning) {
  Diagnostic d;
  d.severity = Diagnostic::Severity::kWarning;
  d.source = path;
  d.message = warning;
  return d;
}

bool ReadKeyFiles(const std::vector<std::string>& paths, std::vector<std::string>* pems) {
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = internal::ReadFile(path, 64 * 1024);
    if (!text.ok()) {
      absl::FPrintF(stderr, "%s\n", text.status().message());
      return false;
    }
    pems->push_back(*std::move(text));
  }
  return true;
}

int CheckPolicyOptions(const Invocation& call, absl::string_view purpose) {
  if (call->Has("policy") == call->Has("bundle")) {
    return call.UsageError(
        absl::StrCat("give the policy", purpose, " as --policy FILE... or --bundle FILE"));
  }
  if (call->Has("trust") && !call->Has("bundle")) {
    return call.UsageError("--trust checks the signature of --bundle; there is none");
  }
  return kExitOk;
}

std::shared_ptr<const Policy> LoadPolicyOption(const Invocation& call) {
  return call->Has("bundle") ? LoadBundleFile(call->Get("bundle"), call->GetAll("trust"))
                             : LoadPolicyFiles(call->GetAll("policy"), false);
}

std::shared_ptr<const Policy> LoadBundleFile(const std::string& path,
                                             const std::vector<std::string>& trusted_key_files) {
  BundleLoadOptions options;
  if (!ReadKeyFiles(trusted_key_files, &options.trusted_keys)) return nullptr;
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ward::LoadBundleFile(path, options);
  if (!policy.ok()) {
    absl::FPrintF(stderr, "%s\n", policy.status().message());
    return nullptr;
  }
  return *policy;
}

bool LoadEntityFile(const std::string& path, const Schema& schema, EntityStore* store,
                    std::vector<std::string>* warnings) {
  absl::StatusOr<EntityStore> loaded = EntityStore::FromFile(path, schema, warnings);
  if (!loaded.ok()) {
    // "PATH:LINE:COL: message" lines read as the compiler's: "PATH:LINE:COL: error: message".
    for (absl::string_view line : absl::StrSplit(loaded.status().message(), '\n')) {
      const std::string located_prefix = absl::StrCat(path, ":");
      size_t message_at = absl::string_view::npos;
      if (absl::StartsWith(line, located_prefix) && line.size() > located_prefix.size() &&
          absl::ascii_isdigit(line[located_prefix.size()])) {
        message_at = line.find(": ", located_prefix.size());
      }
      if (message_at == absl::string_view::npos) {
        absl::FPrintF(stderr, "%s\n", line);
      } else {
        absl::FPrintF(stderr, "%s: error: %s\n", line.substr(0, message_at),
                      line.substr(message_at + 2));
      }
    }
    return false;
  }
  *store = *std::move(loaded);
  return true;
}

}  // namespace ward::cli
