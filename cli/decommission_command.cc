// `ward decommission`: retires an identity in an entity file (revokes it, and with --cascade
// the agents and builders it leaves without an owner), writes the new file, and prints a
// decommissioning record: who, when, by whom, and what lost its owner.

#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "lib/internal/files.h"
#include "nlohmann/json.hpp"
#include "ward/entities.h"
#include "ward/value.h"

namespace ward::cli {
namespace {

// Keys in the order they are written.
using json = nlohmann::ordered_json;

json RefJson(const IdentityRef& ref) {
  return {{"kind", SubjectKindName(ref.kind)}, {"id", ref.id}};
}

json RefsJson(const std::vector<IdentityRef>& refs) {
  json out = json::array();
  for (const IdentityRef& ref : refs) out.push_back(RefJson(ref));
  return out;
}

int RunDecommission(const Invocation& call) {
  if (call->positional.size() != 1) {
    return call.UsageError("give one identity to decommission, as KIND:ID");
  }
  IdentityRef target;
  if (!ParseIdentityArg(call->positional.at(0), &target)) {
    return call.UsageError(
        absl::StrFormat("`%s` is not an identity: write KIND:ID, KIND one of user, agent, builder",
                        call->positional.at(0)));
  }
  if (!call->Has("policy") || !call->Has("entities") || !call->Has("out")) {
    return call.UsageError(
        "give the inventory as --entities FILE, the policy its attributes are typed by as "
        "--policy FILE..., and where to write the new inventory as -o FILE");
  }
  std::optional<IdentityRef> by;
  if (call->Has("by")) {
    IdentityRef who;
    if (!ParseIdentityArg(call->Get("by"), &who)) {
      return call.UsageError(
          absl::StrFormat("--by: `%s` is not an identity: write KIND:ID", call->Get("by")));
    }
    by = std::move(who);
  }
  std::optional<absl::Time> given_now;
  if (!ParseNowOption(call, &given_now)) return kExitUsage;
  const absl::Time now = given_now.value_or(absl::Now());

  std::shared_ptr<const Policy> policy = LoadPolicyFiles(call->GetAll("policy"), false);
  if (policy == nullptr) return kExitInvalidInput;
  const std::string& path = call->Get("entities");
  EntityStore store;
  if (!LoadEntityFile(path, policy->schema(), &store, nullptr)) return kExitInvalidInput;
  const Identity* found = store.FindIdentity(target.id);
  if (found == nullptr || found->kind != target.kind) {
    return call.InputError(absl::StrFormat(
        "%s: no %s `%s`%s", path, SubjectKindName(target.kind), target.id,
        found == nullptr
            ? ""
            : absl::StrCat(" (`", target.id, "` is a ", SubjectKindName(found->kind), ")")));
  }
  const EntityStore before = store;
  absl::StatusOr<Decommissioning> done = store.Decommission(target.id, call->Has("cascade"), now);
  if (!done.ok()) return call.InputError(std::string(done.status().message()));
  // What the identities it touched could reach, before and after.
  std::vector<IdentityRef> touched = {done->identity};
  touched.insert(touched.end(), done->became_unowned.begin(), done->became_unowned.end());
  ReachOptions reach_options;
  reach_options.now = now;
  json blast = json::object();
  for (const auto& [name, entities] :
       {std::pair<const char*, const EntityStore*>{"before", &before}, {"after", &store}}) {
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *entities);
    if (!engine.ok()) return call.InputError(std::string(engine.status().message()));
    std::vector<BlastScore> scores;
    if (absl::Status status =
            ComputeBlastScores(**engine, touched, reach_options, DefaultThreads(), &scores);
        !status.ok()) {
      return call.InputError(std::string(status.message()));
    }
    int64_t reached = 0, score = 0;
    json by_identity = json::array();
    for (const BlastScore& one : scores) {
      reached += one.reached;
      score += one.score;
      json entry = RefJson(one.identity);
      entry["reached"] = one.reached;
      entry["score"] = one.score;
      by_identity.push_back(std::move(entry));
    }
    blast[name] = {{"reached", reached}, {"score", score}, {"identities", std::move(by_identity)}};
  }

  // The new file is the old one with the revoked identities' status changed: everything else
  // (order, attributes the schema does not declare, resources) stays as written.
  absl::StatusOr<std::string> text = internal::ReadFile(path, EntityLimits().max_file_bytes);
  if (!text.ok()) return call.InputError(std::string(text.status().message()));
  json document = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.contains("identities")) {
    return call.InputError(absl::StrCat(path, ": changed while it was read"));
  }
  std::set<std::string> revoked;
  for (const IdentityRef& ref : done->revoked) revoked.insert(ref.id);
  for (json& identity : document["identities"]) {
    if (identity.is_object() && identity.contains("id") && identity["id"].is_string() &&
        revoked.count(identity["id"].get<std::string>()) > 0) {
      identity["status"] = "revoked";
    }
  }
  const std::string out_path = call->Get("out");
  if (!WriteText(out_path, document.dump(2) + "\n")) {
    return call.InputError(absl::StrCat(out_path, ": cannot write the file"));
  }

  json record;
  record["v"] = 1;
  record["decommissioned"] = RefJson(done->identity);
  record["at"] = FormatTimestamp(now);
  record["by"] = by.has_value() ? RefJson(*by) : json(nullptr);
  record["cascade"] = call->Has("cascade");
  record["became_unowned"] = RefsJson(done->became_unowned);
  record["revoked"] = RefsJson(done->revoked);
  record["blast_radius"] = std::move(blast);
  record["entities"] = {{"from", path}, {"to", out_path}};
  const std::string record_text = record.dump(2) + "\n";
  if (call->Has("record")) {
    if (!WriteText(call->Get("record"), record_text)) {
      return call.InputError(absl::StrCat(call->Get("record"), ": cannot write the file"));
    }
  } else {
    absl::PrintF("%s", record_text);
  }
  absl::FPrintF(stderr, "ward decommission: revoked %s:%s; %d identit%s lost %s owner%s\n",
                SubjectKindName(target.kind), target.id, done->became_unowned.size(),
                done->became_unowned.size() == 1 ? "y" : "ies",
                done->became_unowned.size() == 1 ? "its" : "their",
                call->Has("cascade") && !done->became_unowned.empty() ? " and were revoked" : "");
  return kExitOk;
}

}  // namespace

const Command& DecommissionCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "decommission";
    command->synopsis =
        "KIND:ID --policy FILE... --entities FILE -o NEW [--cascade] [--by KIND:ID] "
        "[--now TIME] [--record FILE]";
    command->summary = "revoke an identity in an entity file; record what lost its owner";
    command->description =
        "Revokes the identity KIND:ID in the entity file and writes the result to NEW (the "
        "file as it was, with the status of each revoked identity set to `revoked`). Lists the "
        "agents and builders it owned that become unowned (ward denies them from the next "
        "decision until they get a new owner); with --cascade revokes them too. Prints a "
        "decommissioning record (JSON: the identity, when, by whom, what became unowned, what "
        "was revoked, and the blast radius of the identities it touched before and after, as "
        "`ward blast` computes it) or writes it to --record FILE. Engine::Decommission does the "
        "same on a "
        "running engine.";
    command->options = {
        {"policy", "FILE", true, "the policy the entity file's attributes are typed by"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"out", "NEW", false, "where to write the new entity file", 'o'},
        {"cascade", "", false, "also revoke the agents and builders that become unowned"},
        {"by", "KIND:ID", false, "who decommissions, for the record"},
        {"now", "TIME", false, "the time of the record, RFC 3339 (default: the clock)"},
        {"record", "FILE", false, "write the record to FILE instead of standard output"},
    };
    command->positionals = Positionals::kAtLeastOne;
    command->positional_hint = "give the identity to decommission as KIND:ID";
    command->run = RunDecommission;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
