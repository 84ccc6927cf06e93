// `ward replay`: decides the requests of a decision log again, against another policy (and
// the inventory as it is now), and prints the decisions that would change: what a policy
// change does to real traffic, before it is deployed.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/log_records.h"
#include "nlohmann/json.hpp"
#include "ward/engine.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

// Keys in the order they are written.
using json = nlohmann::ordered_json;

// A decision as the log has it, or as the replay made it: what is compared.
struct Outcome {
  std::string effect;
  std::string reason;
  std::vector<std::string> rules;
  nlohmann::json denied_by;  // null on ALLOW
};

bool operator==(const Outcome& a, const Outcome& b) {
  return a.effect == b.effect && a.reason == b.reason && a.rules == b.rules &&
         a.denied_by == b.denied_by;
}

std::string OutcomeText(const Outcome& outcome) {
  std::string text = absl::StrCat(outcome.effect, " (", outcome.reason);
  if (!outcome.rules.empty()) absl::StrAppend(&text, ": ", absl::StrJoin(outcome.rules, ", "));
  text.push_back(')');
  return text;
}

json OutcomeJson(const Outcome& outcome) {
  json out = {{"effect", outcome.effect}, {"reason", outcome.reason}};
  if (!outcome.denied_by.is_null()) out["denied_by"] = outcome.denied_by;
  out["rules"] = outcome.rules;
  return out;
}

struct Change {
  std::string decision_id;
  std::string time;
  std::string who;   // "agent:a1 for user:u1"
  std::string what;  // "invoke tool:deploy"
  nlohmann::json request;
  Outcome was;
  Outcome now;
};

struct Replay {
  const Engine* engine = nullptr;
  uint64_t replayed = 0;
  uint64_t summary_level = 0;   // recorded without args and context: cannot be replayed
  uint64_t approved_again = 0;  // approved then, needing an approval now
  std::vector<Change> changes;
};

std::string IdentityText(const nlohmann::json& identity) {
  return absl::StrCat(identity.value("kind", "?"), ":", identity.value("id", "?"));
}

// Replays one record; a reason to skip it otherwise.
std::optional<std::string> ReplayRecord(const nlohmann::json& record, Replay* replay) {
  if (record.value("level", std::string()) != "full" || !record.contains("args") ||
      !record.contains("context")) {
    ++replay->summary_level;
    return std::nullopt;
  }
  for (const char* key : {"subject", "action", "resource", "time", "effect", "reason", "rules"}) {
    if (!record.contains(key)) return absl::StrCat("no `", key, "`");
  }
  nlohmann::json request = {{"subject", record["subject"]},
                            {"action", record["action"]},
                            {"resource",
                             {{"type", record["resource"].value("type", nlohmann::json())},
                              {"id", record["resource"].value("id", nlohmann::json())}}},
                            {"args", record["args"]},
                            {"context", record["context"]},
                            // The time the decision was made for: the request's own, else
                            // the clock's when it was decided.
                            {"now", record.contains("now") ? record["now"] : record["time"]}};
  if (record.contains("on_behalf_of")) request["on_behalf_of"] = record["on_behalf_of"];
  if (record.contains("resource_attrs")) request["resource"]["attrs"] = record["resource_attrs"];
  absl::StatusOr<Request> parsed = ParseRequestJson(request.dump());
  if (!parsed.ok()) return absl::StrCat("not a request: ", parsed.status().message());

  Outcome was;
  try {
    was.effect = record["effect"].get<std::string>();
    was.reason = record["reason"].get<std::string>();
    was.rules = record["rules"].get<std::vector<std::string>>();
    if (record.contains("denied_by")) was.denied_by = record["denied_by"];
  } catch (const nlohmann::json::exception&) {
    return "`effect`, `reason` or `rules` of the wrong type";
  }
  const Decision decision = replay->engine->Decide(*parsed);
  Outcome now;
  now.effect = std::string(EffectName(decision.effect));
  now.reason = std::string(ReasonName(decision.reason));
  now.rules = decision.rules.ToVector();
  if (decision.denied_by.has_value()) {
    now.denied_by = {{"kind", SubjectKindName(decision.denied_by->kind)},
                     {"id", decision.denied_by->id}};
  }
  ++replay->replayed;
  if (now == was) return std::nullopt;
  // A grant approved it then; the same request asks for an approval now, as it did before the
  // grant. A grant names the policy, so a new policy needs a new one anyway.
  if (record.contains("approved_by") && decision.effect == Effect::kNeedsApproval) {
    ++replay->approved_again;
    return std::nullopt;
  }
  Change change;
  change.decision_id = record.value("decision_id", std::string());
  change.time = record["time"].get<std::string>();
  change.who = IdentityText(record["subject"]);
  if (record.contains("on_behalf_of") && record["on_behalf_of"].is_array()) {
    for (const nlohmann::json& hop : record["on_behalf_of"]) {
      absl::StrAppend(&change.who, " for ", IdentityText(hop));
    }
  }
  change.what = absl::StrCat(
      record["action"].is_string() ? record["action"].get<std::string>() : "?", " ",
      IdentityText({{"kind", request["resource"]["type"]}, {"id", request["resource"]["id"]}}));
  change.request = std::move(request);
  change.was = std::move(was);
  change.now = std::move(now);
  replay->changes.push_back(std::move(change));
  return std::nullopt;
}

int RunReplay(const Invocation& call) {
  const std::string format = call->Has("format") ? call->Get("format") : "table";
  if (format != "table" && format != "json") {
    return call.UsageError(
        absl::StrFormat("--format: `%s` is not a format; use table or json", format));
  }
  if (const int checked = CheckPolicyOptions(call, " to replay against"); checked != kExitOk) {
    return checked;
  }
  if (!call->Has("entities")) {
    return call.UsageError(
        "--entities FILE is needed: the identities and resources the requests are decided "
        "against (the inventory as it is now)");
  }
  std::shared_ptr<const Policy> policy = LoadPolicyOption(call);
  if (policy == nullptr) return kExitInvalidInput;
  EntityStore entities;
  if (!LoadEntityFile(call->Get("entities"), policy->schema(), &entities, nullptr)) {
    return kExitInvalidInput;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, std::move(entities));
  if (!engine.ok()) return call.InputError(std::string(engine.status().message()));

  Replay replay;
  replay.engine = engine->get();
  SkippedLines skipped;
  for (const std::string& path : call->positional) {
    const bool read = ForEachLogRecord("replay", path, &skipped, [&](const nlohmann::json& record) {
      return ReplayRecord(record, &replay);
    });
    if (!read) return kExitInvalidInput;
  }

  const std::string policy_hash = absl::StrFormat("%016x", policy->hash());
  if (format == "json") {
    json out;
    out["policy"] = policy_hash;
    out["replayed"] = replay.replayed;
    out["changed"] = replay.changes.size();
    out["approved_then_needs_approval"] = replay.approved_again;
    out["not_replayable"] = replay.summary_level;
    out["skipped_lines"] = skipped.count;
    out["changes"] = json::array();
    for (const Change& change : replay.changes) {
      out["changes"].push_back({{"decision_id", change.decision_id},
                                {"request", change.request},
                                {"was", OutcomeJson(change.was)},
                                {"now", OutcomeJson(change.now)}});
    }
    absl::PrintF("%s\n", out.dump(2));
  } else {
    absl::PrintF("replayed %d decision%s against policy %s: %d would change\n", replay.replayed,
                 replay.replayed == 1 ? "" : "s", policy_hash, replay.changes.size());
    for (const Change& change : replay.changes) {
      absl::PrintF("  %s  %s  %s %s\n    was %s\n    now %s\n", change.time, change.decision_id,
                   change.who, change.what, OutcomeText(change.was), OutcomeText(change.now));
    }
    if (replay.approved_again > 0) {
      absl::PrintF(
          "%d decision%s allowed with an approval then need%s an approval now (not a change)\n",
          replay.approved_again, replay.approved_again == 1 ? "" : "s",
          replay.approved_again == 1 ? "s" : "");
    }
    if (replay.summary_level > 0) {
      absl::PrintF(
          "%d record%s at level summary not replayed (without args and context; log at level "
          "full to replay every decision)\n",
          replay.summary_level, replay.summary_level == 1 ? "" : "s");
    }
  }
  ReportSkippedLines("replay", skipped);
  if (call->Has("fail-on-change") && !replay.changes.empty()) return kExitInvalidInput;
  return kExitOk;
}

}  // namespace

const Command& ReplayCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "replay";
    command->synopsis =
        "LOG... (--policy FILE... | --bundle FILE [--trust NAME.pub]) --entities FILE "
        "[--format table|json] [--fail-on-change]";
    command->summary = "decide logged requests again with another policy; print what changes";
    command->description =
        "Reads decision logs (--decision-log, docs/decision-logs.md) and decides each logged "
        "request again against the given policy and entity file, at the time it was decided for "
        "(the request's own `now` when it gave one, else the record's time). "
        "Prints the decisions whose effect, reason, denied_by or rules would change. Only "
        "records at level full carry the request's args and context and can be replayed; the "
        "others are counted. Logged args and context have the decision's redactions applied, "
        "so a condition on a redacted value sees the replacement. A request that a grant "
        "approved and that needs an approval again is not a change. With --fail-on-change, "
        "exits 1 when any decision would change (for CI). Lines that are not decision records "
        "are skipped and counted.";
    command->options = {
        {"policy", "FILE", true, "the policy files to replay against"},
        {"bundle", "FILE", false, "a compiled bundle instead of --policy"},
        {"trust", "NAME.pub", true, "load --bundle only if it is signed by this public key"},
        {"entities", "FILE", false, "the inventory the requests are decided against"},
        {"format", "FORMAT", false, "table (the default) or json"},
        {"fail-on-change", "", false, "exit 1 when any decision would change"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no decision log given";
    command->run = RunReplay;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
