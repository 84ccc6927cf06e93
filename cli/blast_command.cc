// `ward blast`: what identities may do under a policy and an inventory (their blast radius),
// one by one or ranked.

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "nlohmann/json.hpp"
#include "ward/engine.h"
#include "ward/reach.h"

namespace ward::cli {
namespace {

using json = nlohmann::ordered_json;

}  // namespace

std::string RefText(const IdentityRef& ref) {
  return absl::StrCat(SubjectKindName(ref.kind), ":", ref.id);
}

namespace {

std::string ChainText(const Reach& reach) {
  if (reach.on_behalf_of.empty()) return "alone";
  std::vector<std::string> refs;
  for (const IdentityRef& ref : reach.on_behalf_of) refs.push_back(RefText(ref));
  return absl::StrCat("on behalf of ", absl::StrJoin(refs, " > "));
}

void PrintReachTable(const Reach& reach) {
  if (reach.stopped.has_value()) {
    absl::PrintF("  %s: nothing; the lifecycle guard stops %s (%s)\n", ChainText(reach),
                 RefText(*reach.stopped_by), ReasonName(*reach.stopped));
    return;
  }
  absl::PrintF("  %s: %d reached, score %d\n", ChainText(reach), reach.reached, reach.score);
  std::vector<std::vector<std::string>> rows;
  if (!reach.accesses.empty()) {
    rows.push_back({"EFFECT", "ACTION", "RESOURCE", "WEIGHT", "RULES", "CONDITION"});
  }
  for (const Access& access : reach.accesses) {
    rows.push_back({std::string(EffectName(access.effect)), access.action,
                    absl::StrCat(access.resource_type, ":", access.resource_id),
                    absl::StrCat(access.weight), absl::StrJoin(access.rules, ","),
                    access.condition.empty() ? "" : absl::StrCat("if ", access.condition)});
  }
  std::vector<size_t> widths(6, 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = "    ";
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size() && !row[i + 1].empty())
        line.append(widths[i] - row[i].size() + 2, ' ');
    }
    absl::PrintF("%s\n", line);
  }
}

}  // namespace

absl::Status ComputeBlastScores(const Engine& engine, const std::vector<IdentityRef>& identities,
                                const ReachOptions& options, int threads,
                                std::vector<BlastScore>* out) {
  threads = std::max(1, threads);
  out->assign(identities.size(), BlastScore());
  std::atomic<size_t> next{0};
  std::vector<absl::Status> failures(threads);
  auto work = [&](int worker) {
    for (size_t i = next++; i < identities.size(); i = next++) {
      absl::StatusOr<BlastRadius> blast = engine.BlastRadiusOf(identities[i].id, options);
      if (!blast.ok()) {
        failures[worker] = blast.status();
        return;
      }
      (*out)[i] = {identities[i], blast->reached, blast->score};
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, i);
  work(0);
  for (std::thread& thread : pool) thread.join();
  for (const absl::Status& failure : failures) {
    if (!failure.ok()) return failure;
  }
  return absl::OkStatus();
}

bool ParseSensitivityOptions(const Invocation& call, ReachOptions* options) {
  if (!call->Has("sensitivity")) return true;
  for (const std::string& text : call->GetAll("sensitivity")) {
    std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      call.UsageError(absl::StrFormat(
          "--sensitivity: `%s` is not TYPE=ATTRIBUTE (e.g. dataset=classification)", text));
      return false;
    }
    options->sensitivity[parts[0]] = parts[1];
  }
  return true;
}

int DefaultThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

namespace {

// Every identity's blast radius, highest score first.
absl::Status RankAll(const Engine& engine, const ReachOptions& options, int threads,
                     std::vector<BlastScore>* out) {
  std::vector<IdentityRef> identities;
  for (const auto& [id, identity] : engine.entities()->identities()) {
    identities.push_back({identity.kind, id});
  }
  if (absl::Status status = ComputeBlastScores(engine, identities, options, threads, out);
      !status.ok()) {
    return status;
  }
  std::sort(out->begin(), out->end(), [](const BlastScore& a, const BlastScore& b) {
    return std::make_tuple(-a.score, -a.reached, a.identity.kind, a.identity.id) <
           std::make_tuple(-b.score, -b.reached, b.identity.kind, b.identity.id);
  });
  return absl::OkStatus();
}

int RunBlast(const Invocation& call) {
  const std::string format = call->Has("format") ? call->Get("format") : "table";
  if (format != "table" && format != "json") {
    return call.UsageError(
        absl::StrFormat("--format: `%s` is not a format; use table or json", format));
  }
  if (const int checked = CheckPolicyOptions(call); checked != kExitOk) return checked;
  if (!call->Has("entities")) {
    return call.UsageError("--entities FILE is needed: the identities and resources to reach");
  }
  const bool ranking = call->Has("top");
  if (ranking == !call->positional.empty()) {
    return call.UsageError(
        "give the identities as KIND:ID..., or --top N to rank every identity of the inventory");
  }
  if (ranking && call->Has("on-behalf-of")) {
    return call.UsageError("--on-behalf-of applies to the identities given, not to --top");
  }
  std::vector<IdentityRef> targets;
  for (const std::string& text : call->positional) {
    IdentityRef ref;
    if (!ParseIdentityArg(text, &ref)) {
      return call.UsageError(absl::StrFormat(
          "`%s` is not an identity: write KIND:ID, KIND one of user, agent, builder", text));
    }
    targets.push_back(std::move(ref));
  }
  std::vector<IdentityRef> chain;
  for (const std::string& text :
       call->Has("on-behalf-of") ? call->GetAll("on-behalf-of") : std::vector<std::string>()) {
    IdentityRef ref;
    if (!ParseIdentityArg(text, &ref)) {
      return call.UsageError(
          absl::StrFormat("--on-behalf-of: `%s` is not an identity: write KIND:ID", text));
    }
    chain.push_back(std::move(ref));
  }
  int64_t top = 0;
  if (ranking && (!absl::SimpleAtoi(call->Get("top"), &top) || top <= 0)) {
    return call.UsageError(
        absl::StrFormat("--top: `%s` is not a positive number", call->Get("top")));
  }
  int threads = DefaultThreads();
  if (call->Has("threads") &&
      (!absl::SimpleAtoi(call->Get("threads"), &threads) || threads <= 0 || threads > 256)) {
    return call.UsageError(
        absl::StrFormat("--threads: `%s` is not a number from 1 to 256", call->Get("threads")));
  }
  ReachOptions options;
  if (!ParseNowOption(call, &options.now)) return kExitUsage;
  options.now = options.now.value_or(absl::Now());
  options.fix_now = call->Has("fix-now");
  if (!ParseSensitivityOptions(call, &options)) return kExitUsage;

  std::shared_ptr<const Policy> policy = LoadPolicyOption(call);
  if (policy == nullptr) return kExitInvalidInput;
  EntityStore entities;
  if (!LoadEntityFile(call->Get("entities"), policy->schema(), &entities, nullptr)) {
    return kExitInvalidInput;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, std::move(entities));
  if (!engine.ok()) return call.InputError(std::string(engine.status().message()));

  if (ranking) {
    std::vector<BlastScore> ranked;
    if (absl::Status status = RankAll(**engine, options, threads, &ranked); !status.ok()) {
      return call.InputError(std::string(status.message()));
    }
    if (ranked.size() > static_cast<size_t>(top)) ranked.resize(top);
    if (format == "json") {
      json out = json::array();
      for (const BlastScore& row : ranked) {
        out.push_back({{"kind", SubjectKindName(row.identity.kind)},
                       {"id", row.identity.id},
                       {"reached", row.reached},
                       {"score", row.score}});
      }
      absl::PrintF("%s\n", out.dump(2));
      return kExitOk;
    }
    absl::PrintF("%-5s %-8s %-24s %8s %8s\n", "RANK", "KIND", "ID", "REACHED", "SCORE");
    for (size_t i = 0; i < ranked.size(); ++i) {
      absl::PrintF("%-5d %-8s %-24s %8d %8d\n", i + 1, SubjectKindName(ranked[i].identity.kind),
                   ranked[i].identity.id, ranked[i].reached, ranked[i].score);
    }
    return kExitOk;
  }

  json out = json::array();
  for (const IdentityRef& target : targets) {
    const Identity* stored = (*engine)->entities()->FindIdentity(target.id);
    if (stored == nullptr || stored->kind != target.kind) {
      return call.InputError(
          absl::StrFormat("no %s `%s` in the inventory", SubjectKindName(target.kind), target.id));
    }
    BlastRadius blast;
    if (!chain.empty()) {
      absl::StatusOr<Reach> reach = (*engine)->WhatMay(target, chain, options);
      if (!reach.ok()) return call.InputError(std::string(reach.status().message()));
      blast.identity = target;
      blast.reached = reach->reached;
      blast.score = reach->score;
      blast.reaches.push_back(*std::move(reach));
    } else {
      absl::StatusOr<BlastRadius> radius = (*engine)->BlastRadiusOf(target.id, options);
      if (!radius.ok()) return call.InputError(std::string(radius.status().message()));
      blast = *std::move(radius);
    }
    if (format == "json") {
      out.push_back(json::parse(blast.ToJson()));
      continue;
    }
    absl::PrintF("%s: %d reached, score %d\n", RefText(blast.identity), blast.reached, blast.score);
    for (const Reach& reach : blast.reaches) PrintReachTable(reach);
  }
  if (format == "json") absl::PrintF("%s\n", out.dump(2));
  return kExitOk;
}

}  // namespace

const Command& BlastCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "blast";
    command->synopsis =
        "(KIND:ID... | --top N) (--policy FILE... | --bundle FILE [--trust NAME.pub]) "
        "--entities FILE [--on-behalf-of KIND:ID...] [--sensitivity TYPE=ATTR...] [--now TIME] "
        "[--fix-now] [--format table|json] [--threads N]";
    command->summary = "what identities may do: every action and resource they reach";
    command->description =
        "Prints the blast radius of each identity KIND:ID: every action on every stored "
        "resource it may reach under the policy and the inventory, alone and (an agent or a "
        "builder) on behalf of its owner, with the effect (ALLOW or NEEDS_APPROVAL), the rules, "
        "the resource's weight and, when the effect depends on the request, the condition on "
        "context, args or now under which it is had. With --on-behalf-of, the identity on "
        "behalf of that chain (nearest first) instead. The score sums the weights of the "
        "(action, resource) pairs reached: 1 + the resource's int attribute named by "
        "--sensitivity TYPE=ATTR, or its `sensitivity` attribute, else 1. --top N ranks every "
        "identity of the inventory by score, the work shared by --threads (default: every "
        "core). The lifecycle guard is checked at --now; conditions on `now` stay open unless "
        "--fix-now.";
    command->options = {
        {"policy", "FILE", true, "the policy files"},
        {"bundle", "FILE", false, "a compiled bundle instead of --policy"},
        {"trust", "NAME.pub", true, "load --bundle only if it is signed by this public key"},
        {"entities", "FILE", false, "the inventory (an entity file)"},
        {"on-behalf-of", "KIND:ID", true, "reach on behalf of this chain, nearest first"},
        {"top", "N", false, "rank every identity by score and print the first N"},
        {"sensitivity", "TYPE=ATTR", true, "the int attribute that weighs a resource type"},
        {"now", "TIME", false, "the time of the lifecycle guard, RFC 3339 (default: the clock)"},
        {"fix-now", "", false, "also decide conditions on `now` at that time"},
        {"format", "FORMAT", false, "table (the default) or json"},
        {"threads", "N", false, "threads for --top (default: one per core)"},
    };
    command->positionals = Positionals::kAny;
    command->run = RunBlast;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
