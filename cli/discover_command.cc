// `ward discover`: from decision logs, the identities that act without being in the inventory
// (shadow identities) and, with the inventory, the active identities that have not acted for a
// while (dormant).

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/log_records.h"
#include "lib/internal/files.h"
#include "nlohmann/json.hpp"
#include "ward/value.h"

namespace ward::cli {
namespace {

// Keys in the order they are written.
using json = nlohmann::ordered_json;

std::string Tried(const Seen& seen, size_t limit) {
  std::vector<std::pair<uint64_t, std::string>> pairs;
  for (const auto& [what, count] : seen.tried) pairs.emplace_back(count, what);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (size_t i = 0; i < pairs.size() && i < limit; ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", pairs[i].second, " (", pairs[i].first, ")");
  }
  if (pairs.size() > limit) absl::StrAppend(&out, ", ", pairs.size() - limit, " more");
  return out;
}

json TriedJson(const Seen& seen) {
  json out = json::array();
  for (const auto& [what, count] : seen.tried) out.push_back({{"tried", what}, {"count", count}});
  return out;
}

int RunDiscover(const Invocation& call) {
  const std::string format = call->Has("format") ? call->Get("format") : "table";
  if (format != "table" && format != "json") {
    return call.UsageError(
        absl::StrFormat("--format: `%s` is not a format; use table or json", format));
  }
  if (call->Has("entities") != call->Has("policy")) {
    return call.UsageError(
        "--entities needs the policy its attributes are typed by: give both "
        "--policy FILE... and --entities FILE");
  }
  int dormant_days = 30;
  if (call->Has("dormant-days") &&
      (!absl::SimpleAtoi(call->Get("dormant-days"), &dormant_days) || dormant_days < 0)) {
    return call.UsageError(
        absl::StrFormat("--dormant-days: `%s` is not a number of days", call->Get("dormant-days")));
  }
  std::optional<absl::Time> now;
  if (!ParseNowOption(call, &now)) return kExitUsage;

  std::optional<EntityStore> inventory;
  if (call->Has("entities")) {
    std::shared_ptr<const Policy> policy = LoadPolicyFiles(call->GetAll("policy"), false);
    if (policy == nullptr) return kExitInvalidInput;
    EntityStore store;
    if (!LoadEntityFile(call->Get("entities"), policy->schema(), &store, nullptr)) {
      return kExitInvalidInput;
    }
    inventory = std::move(store);
  }

  ActivityScan scan;
  if (!ScanActivityLogs("discover", call->positional, &scan)) return kExitInvalidInput;

  const EntityStore* store = inventory.has_value() ? &*inventory : nullptr;
  // Delegation paths never reviewed: neither established by ownership (each hop acting for
  // its own owner) nor listed in --reviewed-paths.
  std::set<std::string> reviewed;
  if (call->Has("reviewed-paths")) {
    const std::string& path = call->Get("reviewed-paths");
    absl::StatusOr<std::string> text = internal::ReadFile(path, size_t{16} << 20);
    if (!text.ok()) return call.InputError(std::string(text.status().message()));
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
      if (line.empty()) continue;
      std::vector<std::string> hops;
      for (absl::string_view hop : absl::StrSplit(line, '>')) {
        hops.emplace_back(absl::StripAsciiWhitespace(hop));
      }
      reviewed.insert(absl::StrJoin(hops, " > "));
    }
  }
  std::vector<std::pair<const DelegationPath*, const PathSeen*>> unreviewed;
  for (const auto& [path, seen] : scan.paths) {
    if (store != nullptr && IsOwnershipPath(path, *store)) continue;
    if (reviewed.count(PathText(path)) > 0) continue;
    unreviewed.emplace_back(&path, &seen);
  }
  std::stable_sort(unreviewed.begin(), unreviewed.end(), [](const auto& a, const auto& b) {
    return a.second->decisions > b.second->decisions;
  });
  const auto shadow = ShadowIdentities(scan, store);
  const absl::Time cutoff = now.value_or(absl::Now()) - absl::Hours(24) * dormant_days;
  std::vector<std::pair<const Identity*, const Seen*>> dormant;
  if (store != nullptr) dormant = DormantIdentities(scan, *store, cutoff);

  if (format == "json") {
    json out;
    out["shadow"] = json::array();
    for (const auto& [identity, seen] : shadow) {
      out["shadow"].push_back({{"kind", identity->first},
                               {"id", identity->second},
                               {"first_seen", FormatTimestamp(seen->first)},
                               {"last_seen", FormatTimestamp(seen->last)},
                               {"decisions", seen->decisions},
                               {"tried", TriedJson(*seen)}});
    }
    if (inventory.has_value()) {
      out["dormant_days"] = dormant_days;
      out["dormant"] = json::array();
      for (const auto& [identity, seen] : dormant) {
        json entry = {{"kind", SubjectKindName(identity->kind)}, {"id", identity->id}};
        entry["owner"] = identity->owner.has_value() ? json(*identity->owner) : json(nullptr);
        entry["last_seen"] = seen ? json(FormatTimestamp(seen->last)) : json(nullptr);
        out["dormant"].push_back(std::move(entry));
      }
    }
    out["delegation_paths"] = scan.paths.size();
    out["unreviewed_paths"] = json::array();
    for (const auto& [path, seen] : unreviewed) {
      json hops = json::array();
      for (const auto& [kind, id] : *path) hops.push_back({{"kind", kind}, {"id", id}});
      out["unreviewed_paths"].push_back({{"path", std::move(hops)},
                                         {"decisions", seen->decisions},
                                         {"allowed", seen->allowed},
                                         {"first_seen", FormatTimestamp(seen->first)},
                                         {"last_seen", FormatTimestamp(seen->last)}});
    }
    out["records"] = scan.records;
    out["skipped_lines"] = scan.skipped.count;
    absl::PrintF("%s\n", out.dump(2));
  } else {
    absl::PrintF("shadow identities (acting, %s): %d\n",
                 inventory.has_value() ? "not in the inventory"
                                       : "denied as unknown; give --entities to check all",
                 shadow.size());
    for (const auto& [identity, seen] : shadow) {
      absl::PrintF("  %s:%s  first %s  last %s  %d decision%s  tried %s\n", identity->first,
                   identity->second, FormatTimestamp(seen->first), FormatTimestamp(seen->last),
                   seen->decisions, seen->decisions == 1 ? "" : "s", Tried(*seen, 3));
    }
    if (inventory.has_value()) {
      absl::PrintF("dormant identities (active, not seen in %d days): %d\n", dormant_days,
                   dormant.size());
      for (const auto& [identity, seen] : dormant) {
        absl::PrintF("  %s:%s  %s%s\n", SubjectKindName(identity->kind), identity->id,
                     seen ? absl::StrCat("last seen ", FormatTimestamp(seen->last))
                          : std::string("never seen"),
                     identity->owner.has_value() ? absl::StrCat("  owner ", *identity->owner)
                                                 : std::string());
      }
    }
    absl::PrintF("delegation paths never reviewed (of %d seen): %d\n", scan.paths.size(),
                 unreviewed.size());
    for (const auto& [path, seen] : unreviewed) {
      absl::PrintF("  %s  %d decision%s, %d allowed  last %s\n", PathText(*path), seen->decisions,
                   seen->decisions == 1 ? "" : "s", seen->allowed, FormatTimestamp(seen->last));
    }
  }
  ReportSkippedLines("discover", scan.skipped);
  return kExitOk;
}

}  // namespace

const Command& DiscoverCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "discover";
    command->synopsis =
        "LOG... [--policy FILE... --entities FILE] [--dormant-days N] [--now TIME] "
        "[--format table|json]";
    command->summary = "from decision logs: shadow, dormant identities, unreviewed delegation";
    command->description =
        "Reads decision logs (--decision-log, docs/decision-logs.md) and lists the shadow "
        "identities: those that acted but are not in the inventory (without --entities, those "
        "a decision denied as unknown_identity), with when they were seen and what they tried. "
        "With the inventory, also lists the dormant identities: active ones that no record shows "
        "acting in the last N days (30 by default; `--now` fixes the present). Then the "
        "delegation paths never reviewed: a subject acting on behalf of a chain where some "
        "identity does not act for its own owner (with the inventory; without it, every path), "
        "and that --reviewed-paths does not list, with how often each was decided and allowed. "
        "Lines that are not decision records are skipped and counted.";
    command->options = {
        {"policy", "FILE", true, "the policy the entity file's attributes are typed by"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"dormant-days", "N", false, "days without a decision after which an identity is dormant"},
        {"reviewed-paths", "FILE", false,
         "delegation paths reviewed already, one per line: agent:a1 > user:u1"},
        {"now", "TIME", false, "the present, RFC 3339 (default: the clock)"},
        {"format", "FORMAT", false, "table (the default) or json"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "no decision log given";
    command->run = RunDiscover;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
