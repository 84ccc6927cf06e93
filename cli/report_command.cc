// `ward report`: one self-contained HTML page for a governance review: the inventory
// (sortable), the blast-radius ranking as a chart, unowned, dormant and shadow identities, and
// a graph of owners -> identities -> what they reach.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/inventory.h"
#include "cli/log_records.h"
#include "cli/report_template.h"
#include "nlohmann/json.hpp"
#include "ward/engine.h"
#include "ward/reach.h"

namespace ward::cli {
namespace {

using json = nlohmann::ordered_json;

// How many of the top identities the graph shows (the chart shows --top).
constexpr int kGraphIdentities = 12;

json RefJson(const IdentityRef& ref) {
  return {{"kind", SubjectKindName(ref.kind)}, {"id", ref.id}};
}

// JSON text that can sit inside a <script> element: `<`, `>` and `&` occur only inside
// strings, where their \u escapes mean the same.
std::string ScriptSafeJson(const json& value) {
  return absl::StrReplaceAll(value.dump(), {{"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"}});
}

int RunReport(const Invocation& call) {
  if (!call->Has("policy") || !call->Has("entities") || !call->Has("out")) {
    return call.UsageError(
        "give the policy as --policy FILE..., the inventory as --entities FILE and the page to "
        "write as -o FILE");
  }
  std::optional<absl::Time> given_now;
  if (!ParseNowOption(call, &given_now)) return kExitUsage;
  const absl::Time now = given_now.value_or(absl::Now());
  int top = 20, dormant_days = 30, threads = DefaultThreads();
  if (call->Has("top") && (!absl::SimpleAtoi(call->Get("top"), &top) || top <= 0)) {
    return call.UsageError(
        absl::StrFormat("--top: `%s` is not a positive number", call->Get("top")));
  }
  if (call->Has("dormant-days") &&
      (!absl::SimpleAtoi(call->Get("dormant-days"), &dormant_days) || dormant_days < 0)) {
    return call.UsageError(
        absl::StrFormat("--dormant-days: `%s` is not a number of days", call->Get("dormant-days")));
  }
  if (call->Has("threads") &&
      (!absl::SimpleAtoi(call->Get("threads"), &threads) || threads <= 0 || threads > 256)) {
    return call.UsageError(
        absl::StrFormat("--threads: `%s` is not a number from 1 to 256", call->Get("threads")));
  }
  ReachOptions options;
  options.now = now;
  if (!ParseSensitivityOptions(call, &options)) return kExitUsage;

  const std::vector<std::string>& policy_files = call->GetAll("policy");
  std::shared_ptr<const Policy> policy = LoadPolicyFiles(policy_files, false);
  if (policy == nullptr) return kExitInvalidInput;
  const std::string& entities_path = call->Get("entities");
  EntityStore store;
  if (!LoadEntityFile(entities_path, policy->schema(), &store, nullptr)) return kExitInvalidInput;
  ActivityScan scan;
  const bool with_logs = call->Has("logs");
  if (with_logs && !ScanActivityLogs("report", call->GetAll("logs"), &scan)) {
    return kExitInvalidInput;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, store);
  if (!engine.ok()) return call.InputError(std::string(engine.status().message()));

  // Every identity's blast radius, for the table and the ranking.
  std::vector<IdentityRef> identities;
  for (const auto& [id, identity] : store.identities()) identities.push_back({identity.kind, id});
  std::vector<BlastScore> scores;
  if (absl::Status status = ComputeBlastScores(**engine, identities, options, threads, &scores);
      !status.ok()) {
    return call.InputError(std::string(status.message()));
  }
  std::map<std::string, const BlastScore*> score_by_id;
  for (const BlastScore& score : scores) score_by_id[score.identity.id] = &score;
  const std::vector<InventoryRow> rows = BuildInventory(store, now, scan, score_by_id);

  std::vector<const BlastScore*> ranked;
  for (const BlastScore& score : scores) ranked.push_back(&score);
  std::sort(ranked.begin(), ranked.end(), [](const BlastScore* a, const BlastScore* b) {
    return std::make_tuple(-a->score, -a->reached, a->identity.kind, a->identity.id) <
           std::make_tuple(-b->score, -b->reached, b->identity.kind, b->identity.id);
  });
  if (ranked.size() > static_cast<size_t>(top)) ranked.resize(top);

  json data;
  data["generated_at"] = FormatTimestamp(now);
  data["policy"] = absl::StrFormat("%016x", policy->hash());
  data["policy_files"] = policy_files;
  data["entities"] = entities_path;
  data["logs"] = with_logs ? call->GetAll("logs") : std::vector<std::string>();
  data["inventory"] = InventoryJson(rows, now, with_logs ? &scan : nullptr);
  data["ranking"] = json::array();
  for (const BlastScore* score : ranked) {
    json entry = RefJson(score->identity);
    entry["reached"] = score->reached;
    entry["score"] = score->score;
    data["ranking"].push_back(std::move(entry));
  }

  // The graph: each of the top identities (that reach something), its owner, and per action
  // and resource type the number of resources it reaches.
  data["graph"] = json::array();
  int shown = 0;
  for (const BlastScore* score : ranked) {
    if (shown == kGraphIdentities || score->reached == 0) break;
    ++shown;
    absl::StatusOr<BlastRadius> blast = (*engine)->BlastRadiusOf(score->identity.id, options);
    if (!blast.ok()) return call.InputError(std::string(blast.status().message()));
    std::map<std::pair<std::string, std::string>, std::set<std::string>> targets;
    for (const Reach& reach : blast->reaches) {
      for (const Access& access : reach.accesses) {
        targets[{access.action, access.resource_type}].insert(access.resource_id);
      }
    }
    json node = RefJson(score->identity);
    const Identity* identity = store.FindIdentity(score->identity.id);
    node["owner"] =
        identity != nullptr && identity->owner.has_value() ? json(*identity->owner) : json(nullptr);
    node["targets"] = json::array();
    for (const auto& [key, ids] : targets) {
      node["targets"].push_back(
          {{"action", key.first}, {"type", key.second}, {"resources", ids.size()}});
    }
    data["graph"].push_back(std::move(node));
  }

  if (with_logs) {
    data["shadow"] = json::array();
    for (const auto& [identity, seen] : ShadowIdentities(scan, &store)) {
      data["shadow"].push_back({{"kind", identity->first},
                                {"id", identity->second},
                                {"decisions", seen->decisions},
                                {"first_seen", FormatTimestamp(seen->first)},
                                {"last_seen", FormatTimestamp(seen->last)}});
    }
    data["dormant_days"] = dormant_days;
    data["dormant"] = json::array();
    for (const auto& [identity, seen] :
         DormantIdentities(scan, store, now - absl::Hours(24) * dormant_days)) {
      json entry = {{"kind", SubjectKindName(identity->kind)}, {"id", identity->id}};
      entry["last_seen"] = seen != nullptr ? json(FormatTimestamp(seen->last)) : json(nullptr);
      data["dormant"].push_back(std::move(entry));
    }
  }

  const std::string page =
      absl::StrReplaceAll(kReportTemplate, {{"@WARD_DATA@", ScriptSafeJson(data)}});
  const std::string& out_path = call->Get("out");
  if (!WriteText(out_path, page)) {
    return call.InputError(absl::StrCat(out_path, ": cannot write the file"));
  }
  absl::FPrintF(stderr, "ward report: wrote %s (%d identities%s)\n", out_path, rows.size(),
                with_logs ? absl::StrCat(", ", scan.records, " decision records") : "");
  ReportSkippedLines("report", scan.skipped);
  return kExitOk;
}

}  // namespace

const Command& ReportCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "report";
    command->synopsis =
        "--policy FILE... --entities FILE [--logs LOG...] -o REPORT.html [--top N] "
        "[--dormant-days N] [--sensitivity TYPE=ATTR...] [--now TIME] [--threads N]";
    command->summary = "a governance report as one HTML page";
    command->description =
        "Writes one self-contained HTML page (no network) for a governance review: counts and "
        "findings, the --top N identities (default 20) by blast radius as a chart (what `ward "
        "blast` computes), a graph of owners -> identities -> the actions and resource types "
        "they reach, the unowned and orphaned identities, and, with decision logs, the dormant "
        "identities (not seen in --dormant-days, default 30) and the shadow identities "
        "(acting, not in the inventory), then the whole inventory as a sortable table.";
    command->options = {
        {"policy", "FILE", true, "the policy files"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"logs", "LOG", true, "decision logs, for activity, dormant and shadow identities"},
        {"out", "REPORT.html", false, "where to write the page", 'o'},
        {"top", "N", false, "how many identities the blast-radius chart shows (default 20)"},
        {"dormant-days", "N", false, "days without activity that make an identity dormant"},
        {"sensitivity", "TYPE=ATTR", true, "the int attribute that weighs a resource type"},
        {"now", "TIME", false, "the present, RFC 3339 (default: the clock)"},
        {"threads", "N", false, "threads for the blast radius (default: one per core)"},
    };
    command->run = RunReport;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
