// `ward discover`: from decision logs, the identities that act without being in the inventory
// (shadow identities) and, with the inventory, the active identities that have not acted for a
// while (dormant).

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/value.h"

namespace ward::cli {
namespace {

// Keys in the order they are written.
using json = nlohmann::ordered_json;

// What the logs say of one identity.
struct Seen {
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  uint64_t decisions = 0;
  bool named_unknown = false;             // a decision denied it as unknown_identity
  std::map<std::string, uint64_t> tried;  // "action type:id" -> decisions
};

struct LogScan {
  std::map<std::pair<std::string, std::string>, Seen> identities;  // (kind, id)
  uint64_t records = 0;
  uint64_t skipped = 0;
  std::string first_skipped;  // "FILE:LINE: why"
};

std::optional<std::pair<std::string, std::string>> IdentityOf(const nlohmann::json& value) {
  if (!value.is_object()) return std::nullopt;
  auto kind = value.find("kind");
  auto id = value.find("id");
  if (kind == value.end() || id == value.end() || !kind->is_string() || !id->is_string()) {
    return std::nullopt;
  }
  return std::make_pair(kind->get<std::string>(), id->get<std::string>());
}

// Reads one record; a reason to skip it otherwise.
std::optional<std::string> ScanRecord(absl::string_view line, LogScan* scan) {
  // The limits of requests: a line nested deeper is no record, and must not exhaust the stack.
  constexpr size_t kMaxDepth = 32;
  absl::StatusOr<nlohmann::json> parsed = internal::ParseJson(line, line.size(), kMaxDepth);
  if (!parsed.ok()) return absl::StrCat("not JSON: ", parsed.status().message());
  const nlohmann::json& record = *parsed;
  if (!record.is_object()) return "not a JSON object";
  auto version = record.find("v");
  if (version == record.end() || *version != 1) return "not a version 1 decision record";
  auto time_text = record.find("time");
  if (time_text == record.end() || !time_text->is_string()) return "no `time`";
  absl::StatusOr<absl::Time> time = ParseTimestamp(time_text->get<std::string>());
  if (!time.ok()) return "`time` is not RFC 3339";
  std::optional<std::pair<std::string, std::string>> subject =
      IdentityOf(record.value("subject", nlohmann::json()));
  if (!subject.has_value()) return "no `subject`";
  std::vector<std::pair<std::string, std::string>> principals = {*subject};
  auto chain = record.find("on_behalf_of");
  if (chain != record.end() && chain->is_array()) {
    for (const nlohmann::json& hop : *chain) {
      if (auto identity = IdentityOf(hop)) principals.push_back(*identity);
    }
  }
  std::string tried = record.value("action", std::string());
  if (auto resource = record.find("resource"); resource != record.end() && resource->is_object()) {
    absl::StrAppend(&tried, " ", resource->value("type", std::string()), ":",
                    resource->value("id", std::string()));
  }
  std::optional<std::pair<std::string, std::string>> unknown;
  if (record.value("reason", std::string()) == "unknown_identity") {
    unknown = IdentityOf(record.value("denied_by", nlohmann::json()));
  }
  ++scan->records;
  for (const auto& principal : principals) {
    Seen& seen = scan->identities[principal];
    seen.first = std::min(seen.first, *time);
    seen.last = std::max(seen.last, *time);
    ++seen.decisions;
    ++seen.tried[tried];
    if (unknown.has_value() && *unknown == principal) seen.named_unknown = true;
  }
  return std::nullopt;
}

// Reads every line of `path`; false after printing why the file cannot be read.
bool ScanLog(const std::string& path, LogScan* scan) {
  FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    absl::FPrintF(stderr, "ward discover: %s: cannot open the file\n", path);
    return false;
  }
  constexpr size_t kMaxLine = size_t{1} << 20;
  ForEachLine(in, kMaxLine, [&](std::optional<absl::string_view> line, size_t number) {
    std::optional<std::string> skipped;
    if (!line.has_value()) {
      skipped = absl::StrCat("longer than ", kMaxLine, " bytes");
    } else if (!line->empty()) {
      skipped = ScanRecord(*line, scan);
    }
    if (skipped.has_value() && scan->skipped++ == 0) {
      scan->first_skipped = absl::StrCat(path, ":", number, ": ", *skipped);
    }
  });
  if (in != stdin) std::fclose(in);
  return true;
}

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

  LogScan scan;
  for (const std::string& path : call->positional) {
    if (!ScanLog(path, &scan)) return kExitInvalidInput;
  }

  // Shadow: seen, and not in the inventory (without one: named unknown by a decision).
  std::vector<std::pair<const std::pair<std::string, std::string>*, const Seen*>> shadow;
  for (const auto& [identity, seen] : scan.identities) {
    bool known = !seen.named_unknown;
    if (inventory.has_value()) {
      const Identity* found = inventory->FindIdentity(identity.second);
      known = found != nullptr && SubjectKindName(found->kind) == identity.first;
    }
    if (!known) shadow.emplace_back(&identity, &seen);
  }
  std::stable_sort(shadow.begin(), shadow.end(),
                   [](const auto& a, const auto& b) { return a.second->last > b.second->last; });

  // Dormant: active in the inventory, not seen since the cutoff.
  const absl::Time cutoff = now.value_or(absl::Now()) - absl::Hours(24) * dormant_days;
  std::vector<std::pair<const Identity*, const Seen*>> dormant;
  if (inventory.has_value()) {
    for (const auto& [id, identity] : inventory->identities()) {
      if (identity.status != IdentityStatus::kActive) continue;
      auto found = scan.identities.find({std::string(SubjectKindName(identity.kind)), id});
      const Seen* seen = found == scan.identities.end() ? nullptr : &found->second;
      if (seen == nullptr || seen->last < cutoff) dormant.emplace_back(&identity, seen);
    }
    std::sort(dormant.begin(), dormant.end(), [](const auto& a, const auto& b) {
      const absl::Time a_last = a.second ? a.second->last : absl::InfinitePast();
      const absl::Time b_last = b.second ? b.second->last : absl::InfinitePast();
      if (a_last != b_last) return a_last < b_last;
      return a.first->id < b.first->id;
    });
  }

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
    out["records"] = scan.records;
    out["skipped_lines"] = scan.skipped;
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
  }
  if (scan.skipped > 0) {
    absl::FPrintF(stderr, "ward discover: skipped %d line(s) that are not decision records (%s)\n",
                  scan.skipped, scan.first_skipped);
  }
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
    command->summary = "from decision logs: shadow identities and dormant ones";
    command->description =
        "Reads decision logs (--decision-log, docs/decision-logs.md) and lists the shadow "
        "identities: those that acted but are not in the inventory (without --entities, those "
        "a decision denied as unknown_identity), with when they were seen and what they tried. "
        "With the inventory, also lists the dormant identities: active ones that no record shows "
        "acting in the last N days (30 by default; `--now` fixes the present). Lines that are "
        "not decision records are skipped and counted.";
    command->options = {
        {"policy", "FILE", true, "the policy the entity file's attributes are typed by"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"dormant-days", "N", false, "days without a decision after which an identity is dormant"},
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
