// `ward eval` and `ward explain`: decide requests against a policy set or a bundle, and print
// each decision (with its trace, for explain).

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "lib/internal/json_util.h"
#include "ward/engine.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

std::vector<OptionSpec> EvalOptions() {
  std::vector<OptionSpec> options = {
      {"policy", "FILE", true, "a policy source; several form one policy set"},
      {"bundle", "FILE", false, "a compiled bundle (`ward compile`) instead of --policy"},
      {"entities", "FILE", false, "the entity file (identities and resources)"},
      {"request", "FILE", false, "one request as JSON (`-` reads standard input)"},
      {"requests", "FILE", false,
       "requests as JSON lines, one decision printed per line (`-` reads standard input)"},
      {"approval-key", "NAME.pub", true,
       "trust grants signed by this public key (`ward keygen`); without one, no request's "
       "`approval` grant is accepted"},
      {"trust", "NAME.pub", true,
       "load --bundle only if it is signed by this public key (`ward compile --sign`)"},
  };
  for (OptionSpec& spec : DecisionLogOptionSpecs()) options.push_back(std::move(spec));
  return options;
}

void PrintDecision(const Engine& engine, const Request& request, bool explain) {
  if (!explain) {
    absl::PrintF("%s\n", engine.Decide(request).ToJson());
    return;
  }
  Trace trace;
  Decision decision = engine.Explain(request, &trace);
  absl::PrintF("%s\n%s", decision.ToJson(), trace.ToText());
}

// Decides every line of a JSON-lines file; a bad line prints {"error": ...} in its place.
int DecideLines(const Engine& engine, const std::string& path, bool explain) {
  FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    absl::FPrintF(stderr, "ward: %s: cannot open the file\n", path);
    return kExitUsage;
  }
  const RequestLimits limits;
  int exit_code = kExitOk;
  ForEachLine(in, limits.max_bytes, [&](std::optional<absl::string_view> line, size_t number) {
    if (!line.has_value()) {
      absl::PrintF("{\"error\":%s}\n",
                   internal::JsonQuote(absl::StrCat("line ", number, ": longer than ",
                                                    limits.max_bytes, " bytes")));
      exit_code = kExitUsage;
      return;
    }
    const absl::string_view text = absl::StripAsciiWhitespace(*line);
    if (text.empty()) return;
    absl::StatusOr<Request> request = ParseRequestJson(text, limits);
    if (request.ok()) {
      PrintDecision(engine, *request, explain);
    } else {
      absl::PrintF("{\"error\":%s}\n", internal::JsonQuote(absl::StrCat(
                                           "line ", number, ": ", request.status().message())));
      exit_code = kExitUsage;
    }
  });
  if (in != stdin) std::fclose(in);
  return exit_code;
}

int DecideRequests(const Invocation& parsed, const Engine& engine, bool explain);

int Decide(const Invocation& parsed, bool explain) {
  const std::string& name = parsed.command().name;
  if (const int checked = CheckPolicyOptions(parsed); checked != kExitOk) return checked;
  if (parsed->Has("request") == parsed->Has("requests")) {
    return parsed.UsageError("give exactly one of --request FILE and --requests FILE");
  }
  EngineOptions options;
  if (const int opened = OpenDecisionLogOption(parsed, &options.decision_log); opened != kExitOk) {
    return opened;
  }
  std::shared_ptr<const Policy> policy = LoadPolicyOption(parsed);
  if (policy == nullptr) return kExitInvalidInput;
  EntityStore entities;
  if (parsed->Has("entities") &&
      !LoadEntityFile(parsed->Get("entities"), policy->schema(), &entities, nullptr)) {
    return kExitInvalidInput;
  }
  if (!ReadKeyFiles(parsed->GetAll("approval-key"), &options.approval_keys)) {
    return kExitInvalidInput;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(policy, std::move(entities), options);
  if (!engine.ok()) {
    absl::FPrintF(stderr, "ward %s: %s\n", name, engine.status().message());
    return kExitInvalidInput;
  }
  const int exit_code = DecideRequests(parsed, **engine, explain);
  if (!CloseDecisionLog(parsed, options.decision_log.get()) && exit_code == kExitOk) {
    return kExitInvalidInput;
  }
  return exit_code;
}

int DecideRequests(const Invocation& parsed, const Engine& engine, bool explain) {
  const std::string& name = parsed.command().name;
  if (parsed->Has("requests")) return DecideLines(engine, parsed->Get("requests"), explain);

  const std::string path = parsed->Get("request");
  const RequestLimits limits;
  absl::StatusOr<std::string> text = internal::ReadFile(path, limits.max_bytes);
  if (!text.ok()) {
    absl::FPrintF(stderr, "ward %s: %s\n", name, text.status().message());
    return kExitUsage;
  }
  absl::StatusOr<Request> request = ParseRequestJson(*text, limits);
  if (!request.ok()) {
    absl::FPrintF(stderr, "ward %s: %s: %s\n", name, path == "-" ? "standard input" : path,
                  request.status().message());
    return kExitUsage;
  }
  PrintDecision(engine, *request, explain);
  return kExitOk;
}

int RunEval(const Invocation& call) { return Decide(call, /*explain=*/false); }
int RunExplain(const Invocation& call) { return Decide(call, /*explain=*/true); }

Command* NewEvalCommand(bool explain) {
  auto* command = new Command;
  command->name = explain ? "explain" : "eval";
  command->synopsis =
      "(--policy FILE... | --bundle FILE [--trust NAME.pub]) [--entities FILE] "
      "(--request FILE | --requests FILE) [--approval-key NAME.pub] "
      "[--decision-log FILE [--decision-log-level LEVEL]]";
  command->summary = explain ? "decide requests; print each decision and its trace"
                             : "decide requests; print each decision as one line of JSON";
  command->description =
      explain ? "Decides requests and prints each decision as JSON followed by its trace: every "
                "candidate rule of every principal."
              : "Decides requests and prints each decision as one line of JSON. Exits 0 whatever "
                "the effect.";
  command->options = EvalOptions();
  command->positional_hint = "policy files go after --policy";
  command->run = explain ? RunExplain : RunEval;
  return command;
}

}  // namespace

const Command& EvalCommand() {
  static const Command* const kCommand = NewEvalCommand(/*explain=*/false);
  return *kCommand;
}

const Command& ExplainCommand() {
  static const Command* const kCommand = NewEvalCommand(/*explain=*/true);
  return *kCommand;
}

}  // namespace ward::cli
