// `ward inventory`: every identity of the inventory with what a governance review asks of it:
// its owner and the owner's standing, its status and expiry, its groups, and (from decision
// logs) when it last acted.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/inventory.h"
#include "cli/log_records.h"
#include "nlohmann/json.hpp"
#include "ward/value.h"

namespace ward::cli {
namespace {

// Keys in the order they are written.
using json = nlohmann::ordered_json;
using Row = InventoryRow;

bool Expired(const Identity& identity, absl::Time now) {
  return identity.expires_at.has_value() && *identity.expires_at <= now;
}

// The findings about one identity, in a fixed order:
//   unowned        an agent or builder that names no owner
//   orphaned       its owner is unknown, not a user, or not active (revoked, suspended, expired)
//   never-expires  an agent or builder without expires_at
//   expired        status active, but expires_at has passed
//   inactive       status suspended or revoked
//   owner-chain    the owner is itself an agent or builder (owners must be people)
std::vector<std::string> Flags(const EntityStore& store, const Identity& identity, absl::Time now) {
  std::vector<std::string> flags;
  const bool needs_owner = identity.kind != SubjectKind::kUser;
  if (needs_owner) {
    if (!identity.owner.has_value()) {
      flags.push_back("unowned");
    } else {
      const Identity* owner = store.FindIdentity(*identity.owner);
      if (owner == nullptr || !IsOwnerInGoodStanding(*owner, now)) {
        flags.push_back("orphaned");
      }
      if (owner != nullptr && owner->kind != SubjectKind::kUser) flags.push_back("owner-chain");
    }
    if (!identity.expires_at.has_value()) flags.push_back("never-expires");
  }
  if (identity.status == IdentityStatus::kActive && Expired(identity, now)) {
    flags.push_back("expired");
  }
  if (identity.status != IdentityStatus::kActive) flags.push_back("inactive");
  return flags;
}

std::vector<const Identity*> OwnerChain(const EntityStore& store, const Identity& identity) {
  std::vector<const Identity*> chain;
  const Identity* at = &identity;
  // Bounded by the inventory's size: a cycle of owners ends where it repeats.
  while (at->owner.has_value()) {
    const Identity* owner = store.FindIdentity(*at->owner);
    if (owner == nullptr || owner == &identity ||
        std::find(chain.begin(), chain.end(), owner) != chain.end()) {
      break;
    }
    chain.push_back(owner);
    at = owner;
  }
  return chain;
}

std::string Ref(const Identity& identity) {
  return absl::StrCat(SubjectKindName(identity.kind), ":", identity.id);
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::vector<Row> BuildInventory(const EntityStore& store, absl::Time now, const ActivityScan& scan,
                                const std::map<std::string, const BlastScore*>& blast) {
  std::vector<Row> rows;
  rows.reserve(store.identities().size());
  std::map<std::string, std::vector<std::string>> owned_by;  // owner id -> "kind:id"
  for (const auto& [id, identity] : store.identities()) {
    Row row;
    row.identity = &identity;
    row.status = std::string(IdentityStatusName(identity.status));
    if (identity.status == IdentityStatus::kActive && Expired(identity, now))
      row.status = "expired";
    if (identity.kind != SubjectKind::kUser) row.owner_chain = OwnerChain(store, identity);
    row.flags = Flags(store, identity, now);
    auto found = scan.identities.find({std::string(SubjectKindName(identity.kind)), id});
    if (found != scan.identities.end()) row.seen = &found->second;
    if (auto score = blast.find(id); score != blast.end()) row.blast = score->second;
    if (identity.owner.has_value()) owned_by[*identity.owner].push_back(Ref(identity));
    rows.push_back(std::move(row));
  }
  for (Row& row : rows) {
    auto owned = owned_by.find(row.identity->id);
    if (owned == owned_by.end()) continue;
    row.owns = std::move(owned->second);
    std::sort(row.owns.begin(), row.owns.end());
  }
  // Users first, then agents, then builders; by id within a kind.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::make_pair(a.identity->kind, a.identity->id) <
           std::make_pair(b.identity->kind, b.identity->id);
  });

  return rows;
}

std::map<std::string, size_t> FlagCounts(const std::vector<Row>& rows) {
  std::map<std::string, size_t> flag_counts;
  for (const Row& row : rows) {
    for (const std::string& flag : row.flags) ++flag_counts[flag];
  }
  return flag_counts;
}

nlohmann::ordered_json InventoryJson(const std::vector<Row>& rows, absl::Time now,
                                     const ActivityScan* scan) {
  const bool with_logs = scan != nullptr;
  auto last_seen_text = [&](const Row& row) {
    return row.seen != nullptr ? FormatTimestamp(row.seen->last) : std::string();
  };
  const std::map<std::string, size_t> flag_counts = FlagCounts(rows);
  json out;
  out["now"] = FormatTimestamp(now);
  out["identities"] = json::array();
  for (const Row& row : rows) {
    const Identity& identity = *row.identity;
    json entry = {
        {"kind", SubjectKindName(identity.kind)}, {"id", identity.id}, {"status", row.status}};
    entry["owner"] = identity.owner.has_value() ? json(*identity.owner) : json(nullptr);
    json chain = json::array();
    for (const Identity* owner : row.owner_chain) {
      chain.push_back({{"kind", SubjectKindName(owner->kind)},
                       {"id", owner->id},
                       {"status", IdentityStatusName(owner->status)}});
    }
    entry["owner_chain"] = std::move(chain);
    entry["expires_at"] =
        identity.expires_at.has_value() ? json(FormatTimestamp(*identity.expires_at)) : json();
    entry["groups"] = identity.groups;
    entry["flags"] = row.flags;
    entry["owns"] = row.owns;
    if (with_logs) {
      entry["last_seen"] = row.seen != nullptr ? json(last_seen_text(row)) : json(nullptr);
      entry["decisions"] = row.seen != nullptr ? row.seen->decisions : 0;
    }
    if (row.blast != nullptr) {
      entry["blast"] = {{"reached", row.blast->reached}, {"score", row.blast->score}};
    }
    out["identities"].push_back(std::move(entry));
  }
  json summary = json::object();
  for (SubjectKind kind : {SubjectKind::kUser, SubjectKind::kAgent, SubjectKind::kBuilder}) {
    summary[absl::StrCat(SubjectKindName(kind), "s")] = std::count_if(
        rows.begin(), rows.end(), [kind](const Row& row) { return row.identity->kind == kind; });
  }
  for (const auto& [flag, count] : flag_counts) summary[flag] = count;
  out["summary"] = std::move(summary);
  if (with_logs) {
    out["records"] = scan->records;
    out["skipped_lines"] = scan->skipped.count;
  }
  return out;
}

namespace {

int RunInventory(const Invocation& call) {
  const std::string format = call->Has("format") ? call->Get("format") : "table";
  if (format != "table" && format != "json" && format != "csv") {
    return call.UsageError(
        absl::StrFormat("--format: `%s` is not a format; use table, json or csv", format));
  }
  if (!call->Has("policy") || !call->Has("entities")) {
    return call.UsageError(
        "give the inventory as --entities FILE and the policy its attributes are typed by as "
        "--policy FILE...");
  }
  std::optional<absl::Time> given_now;
  if (!ParseNowOption(call, &given_now)) return kExitUsage;
  const absl::Time now = given_now.value_or(absl::Now());

  std::shared_ptr<const Policy> policy = LoadPolicyFiles(call->GetAll("policy"), false);
  if (policy == nullptr) return kExitInvalidInput;
  EntityStore store;
  if (!LoadEntityFile(call->Get("entities"), policy->schema(), &store, nullptr)) {
    return kExitInvalidInput;
  }
  ActivityScan scan;
  const bool with_logs = call->Has("logs");
  if (with_logs && !ScanActivityLogs("inventory", call->GetAll("logs"), &scan)) {
    return kExitInvalidInput;
  }

  // With --blast, every identity's blast radius (what it may do, weighted).
  std::vector<BlastScore> blast_scores;
  std::map<std::string, const BlastScore*> blast_by_id;
  const bool with_blast = call->Has("blast");
  if (with_blast) {
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, store);
    if (!engine.ok()) return call.InputError(std::string(engine.status().message()));
    std::vector<IdentityRef> identities;
    for (const auto& [id, identity] : store.identities()) identities.push_back({identity.kind, id});
    ReachOptions options;
    options.now = now;
    if (absl::Status status =
            ComputeBlastScores(**engine, identities, options, DefaultThreads(), &blast_scores);
        !status.ok()) {
      return call.InputError(std::string(status.message()));
    }
    for (const BlastScore& score : blast_scores) blast_by_id[score.identity.id] = &score;
  }

  const std::vector<Row> rows = BuildInventory(store, now, scan, blast_by_id);

  auto owner_text = [](const Row& row) {
    if (!row.identity->owner.has_value()) return std::string();
    if (row.owner_chain.empty()) return *row.identity->owner;  // not in the inventory
    std::vector<std::string> refs;
    for (const Identity* owner : row.owner_chain) refs.push_back(Ref(*owner));
    return absl::StrJoin(refs, " > ");
  };
  auto expires_text = [](const Row& row) {
    return row.identity->expires_at.has_value() ? FormatTimestamp(*row.identity->expires_at)
                                                : std::string();
  };
  auto last_seen_text = [&](const Row& row) {
    return row.seen != nullptr ? FormatTimestamp(row.seen->last) : std::string();
  };

  const std::map<std::string, size_t> flag_counts = FlagCounts(rows);

  if (format == "json") {
    absl::PrintF("%s\n", InventoryJson(rows, now, with_logs ? &scan : nullptr).dump(2));
  } else if (format == "csv") {
    absl::PrintF("kind,id,status,owner,expires_at,groups,flags,owns%s%s\n",
                 with_logs ? ",last_seen,decisions" : "", with_blast ? ",reached,blast_score" : "");
    for (const Row& row : rows) {
      const Identity& identity = *row.identity;
      absl::PrintF("%s,%s,%s,%s,%s,%s,%s,%s", SubjectKindName(identity.kind), CsvField(identity.id),
                   row.status, CsvField(owner_text(row)), expires_text(row),
                   CsvField(absl::StrJoin(identity.groups, " ")),
                   CsvField(absl::StrJoin(row.flags, " ")), CsvField(absl::StrJoin(row.owns, " ")));
      if (with_logs) {
        absl::PrintF(",%s,%d", last_seen_text(row), row.seen != nullptr ? row.seen->decisions : 0);
      }
      if (row.blast != nullptr) absl::PrintF(",%d,%d", row.blast->reached, row.blast->score);
      absl::PrintF("\n");
    }
  } else {
    std::vector<std::vector<std::string>> table = {
        {"KIND", "ID", "STATUS", "OWNER", "EXPIRES", "GROUPS", "FLAGS"}};
    if (with_logs) table[0].push_back("LAST SEEN");
    if (with_blast) table[0].push_back("BLAST");
    for (const Row& row : rows) {
      const Identity& identity = *row.identity;
      std::vector<std::string> cells = {
          std::string(SubjectKindName(identity.kind)),
          identity.id,
          row.status,
          owner_text(row).empty() ? "-" : owner_text(row),
          expires_text(row).empty() ? "-" : expires_text(row),
          identity.groups.empty() ? "-" : absl::StrJoin(identity.groups, ","),
          row.flags.empty() ? "-" : absl::StrJoin(row.flags, ",")};
      if (with_logs) cells.push_back(row.seen != nullptr ? last_seen_text(row) : "never");
      if (row.blast != nullptr) cells.push_back(absl::StrCat(row.blast->score));
      table.push_back(std::move(cells));
    }
    std::vector<size_t> widths(table[0].size(), 0);
    for (const auto& cells : table) {
      for (size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], cells[i].size());
    }
    for (const auto& cells : table) {
      std::string line;
      for (size_t i = 0; i < cells.size(); ++i) {
        absl::StrAppend(&line, cells[i]);
        if (i + 1 < cells.size()) line.append(widths[i] - cells[i].size() + 2, ' ');
      }
      absl::PrintF("%s\n", line);
    }
    std::vector<std::string> counts;
    for (const auto& [flag, count] : flag_counts) counts.push_back(absl::StrCat(count, " ", flag));
    absl::PrintF("%d identities%s%s\n", rows.size(), counts.empty() ? "" : ": ",
                 absl::StrJoin(counts, ", "));
  }
  ReportSkippedLines("inventory", scan.skipped);
  return kExitOk;
}

}  // namespace

const Command& InventoryCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "inventory";
    command->synopsis =
        "--policy FILE... --entities FILE [--logs LOG...] [--now TIME] "
        "[--blast] [--format table|json|csv]";
    command->summary = "every identity: owner, status, expiry, groups, findings, last seen";
    command->description =
        "Lists every identity of the entity file with its kind, status (`expired` when active "
        "but past expires_at), owner chain, expiry, groups and findings: unowned (an agent or "
        "builder without an owner), orphaned (its owner is unknown, not a user, or not "
        "active), never-expires (an agent or builder without expires_at), expired, inactive "
        "(suspended or revoked), owner-chain (owned by an agent or builder). With --logs "
        "(decision logs, docs/decision-logs.md), also when each identity last acted. JSON "
        "adds the agents and builders each identity owns. With --blast, also each identity's "
        "blast-radius score (what `ward blast` computes: the weighted number of action and "
        "resource pairs it reaches, alone and on behalf of its owner).";
    command->options = {
        {"policy", "FILE", true, "the policy the entity file's attributes are typed by"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"logs", "LOG", true, "decision logs, for when each identity last acted"},
        {"now", "TIME", false, "the present, RFC 3339 (default: the clock)"},
        {"blast", "", false, "add each identity's blast-radius score (ward blast)"},
        {"format", "FORMAT", false, "table (the default), json or csv"},
    };
    command->run = RunInventory;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
