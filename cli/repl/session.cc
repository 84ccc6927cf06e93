#include "cli/repl/session.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/policy_test/runner.h"
#include "cli/repl/repl_parse.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/json_util.h"
#include "lib/internal/policy_access.h"
#include "lib/reference/interpreter.h"
#include "policy_lang/diagnostics.h"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/policy.h"
#include "ward/request.h"

namespace ward::cli::repl {
namespace {

// The source name of the text typed at the prompt; an unnamed typed rule is `<repl>:LINE`.
constexpr char kTypedSource[] = "<repl>";
constexpr char kPrompt[] = "ward> ";
constexpr char kContinuationPrompt[] = "  ... ";
// The most policy text one rule or schema typed at the prompt may hold, as a policy file.
constexpr size_t kMaxPolicyTextBytes = size_t{16} << 20;

// The REPL lists, explains and checks rules from their checked form: compiled keeping it.
CompileOptions KeepingRules() {
  CompileOptions options;
  options.keep_rules = true;
  return options;
}

struct LoadedEntities {
  EntityStore store;
  std::vector<std::string> warnings;
};

absl::StatusOr<LoadedEntities> LoadEntities(const std::string& path, const Schema& schema) {
  LoadedEntities loaded;
  absl::StatusOr<EntityStore> store = EntityStore::FromFile(path, schema, &loaded.warnings);
  if (!store.ok()) return store.status();
  loaded.store = *std::move(store);
  return loaded;
}

}  // namespace

const std::vector<Session::Command>& Session::Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {":why", "", "the trace of the last decision: every candidate rule of every principal",
       &Session::Why},
      {":whynot", "RULE", "why RULE held or not for each principal of the last request",
       &Session::WhyNot},
      {":rules", "[FILTER]", "list the rules (name, source, effect, head); FILTER: a substring",
       &Session::Rules},
      {":tree", "", "print the decision tree and the compiled rules", &Session::Tree},
      {":load", "FILE...", "replace the policy files (typed rules are kept)", &Session::Load},
      {":reload", "", "re-read the policy files; on error the current policy stays",
       &Session::Reload},
      {":drop", "", "drop the rules and schema typed at the prompt", &Session::Drop},
      {":entities", "FILE", "replace the entities with an entity file", &Session::Entities},
      {":set", "identity {json}", "add or replace an identity (entity file format)", &Session::Set},
      {":revoke", "ID", "revoke an identity", &Session::Revoke},
      {":now", "[TIME]", "fix the time of requests (RFC 3339); alone: follow the clock",
       &Session::Now},
      {":test", "FILE", "run a policy test file against the session's policy", &Session::Test},
      {":approve", "USER [TTL]",
       "approve the last request as USER (a grant signed with --approver-key, valid TTL, "
       "15m by default) and decide it again",
       &Session::Approve},
      {":help", "", "this list", &Session::Help},
      {":quit", "", "leave the session (Ctrl-D too)", &Session::Quit},
  };
  return *kCommands;
}

bool Session::Start(std::vector<std::string> policy_paths, const std::string& entities_path,
                    EngineSettings settings) {
  ApprovalKeys& keys = settings.keys;
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(policy_paths);
  if (!sources.ok()) {
    absl::FPrintF(stderr, "ward repl: %s\n", sources.status().message());
    return false;
  }
  CompileResult compiled = Compile(*sources, KeepingRules());
  if (compiled.policy == nullptr) {
    absl::FPrintF(stderr, "%s", FormatDiagnostics(compiled.diagnostics, kMaxPrintedDiagnostics));
    return false;
  }
  LoadedEntities entities;
  if (!entities_path.empty()) {
    absl::StatusOr<LoadedEntities> loaded = LoadEntities(entities_path, compiled.policy->schema());
    if (!loaded.ok()) {
      absl::FPrintF(stderr, "ward repl: %s\n", loaded.status().message());
      return false;
    }
    entities = *std::move(loaded);
  }
  EngineOptions options;
  options.approval_keys = std::move(keys.trusted);
  options.decision_log = std::move(settings.decision_log);
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(compiled.policy, entities.store, options);
  if (!engine.ok()) {
    absl::FPrintF(stderr, "ward repl: %s\n", engine.status().message());
    return false;
  }
  paths_ = std::move(policy_paths);
  file_sources_ = *std::move(sources);
  policy_ = compiled.policy;
  engine_ = *std::move(engine);
  entities_ = std::make_shared<const EntityStore>(std::move(entities.store));
  signing_key_ = std::move(keys.signing);
  return true;
}

std::string Session::Banner() const {
  return absl::StrCat("ward repl: ", PolicySummary(), "; ",
                      Plural(entities_->identity_count(), "identity", "identities"), ", ",
                      Plural(entities_->resource_count(), "resource", "resources"),
                      ".\nType a request (KIND ID ACTION TYPE:ID ...), a rule, or :help; "
                      "Ctrl-D leaves.\n");
}

std::string Session::PolicySummary() const {
  size_t typed = 0;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules)
    typed += rule.source == kTypedSource;
  std::string out = absl::StrCat(Plural(policy_->rule_count(), "rule", "rules"), " from ",
                                 Plural(paths_.size(), "file", "files"));
  if (!typed_text_.empty()) absl::StrAppend(&out, " and the prompt (", typed, " typed)");
  return out;
}

void Session::Run(LineReader* reader) {
  std::string line;
  while (true) {
    switch (reader->Read(pending_.empty() ? kPrompt : kContinuationPrompt, &line)) {
      case LineReader::Result::kEnd:
        if (!pending_.empty()) {
          PrintError("the input ended inside policy text, which was not added");
        }
        return;
      case LineReader::Result::kInterrupted:
        pending_.clear();
        continue;
      case LineReader::Result::kTooLong:
        PrintError(absl::StrCat("a line longer than ", kMaxLineBytes, " bytes was skipped"));
        continue;
      case LineReader::Result::kLine:
        break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!HandleLine(line)) return;
  }
}

bool Session::HandleLine(const std::string& line) {
  if (!pending_.empty()) {
    absl::StrAppend(&pending_, line, "\n");
    if (pending_.size() > kMaxPolicyTextBytes) {
      pending_.clear();
      PrintError(
          absl::StrCat("policy text longer than ", kMaxPolicyTextBytes, " bytes was not added"));
    } else if (PolicyTextComplete(pending_)) {
      AddPolicyText(std::exchange(pending_, ""));
    }
    return true;
  }
  const absl::string_view text = absl::StripAsciiWhitespace(line);
  if (text.empty() || absl::StartsWith(text, "//")) return true;
  if (absl::StartsWith(text, ":")) return RunCommand(text);
  if (StartsPolicyText(text)) {
    pending_ = absl::StrCat(line, "\n");
    if (PolicyTextComplete(pending_)) AddPolicyText(std::exchange(pending_, ""));
    return true;
  }
  if (text == "quit" || text == "exit" || text == "help") {
    Print(":quit (or Ctrl-D) leaves the session; :help lists the commands\n");
    return true;
  }
  Decide(text);
  return true;
}

bool Session::RunCommand(absl::string_view line) {
  const size_t end = std::min(line.find_first_of(" \t"), line.size());
  const absl::string_view name = line.substr(0, end);
  const absl::string_view arguments = absl::StripAsciiWhitespace(line.substr(end));
  std::vector<std::string> names;
  for (const Command& command : Commands()) {
    if (command.name == name) return (this->*command.run)(arguments);
    names.emplace_back(command.name);
  }
  PrintError(absl::StrCat("unknown command `", internal::Abbreviate(name), "`",
                          DidYouMean(name, names), " (:help lists the commands)"));
  return true;
}

void Session::Decide(absl::string_view line) {
  int column = 0;
  absl::StatusOr<Request> request = ParseRequestLine(line, &column);
  if (!request.ok()) {
    PrintError(absl::StrCat("column ", column, ": ", request.status().message()));
    Print(CaretLines(line, column));
    return;
  }
  // The time is fixed here, not left to the engine, so that `:whynot` sees the same `now`.
  request->now = fixed_now_.value_or(absl::Now());
  DecideAndKeep(*std::move(request));
}

void Session::DecideAndKeep(Request request) {
  LastRequest last;
  last.request = std::move(request);
  last.policy = policy_;
  last.entities = entities_;
  const Decision decision = engine_->Explain(last.request, &last.trace);
  last.effect = decision.effect;
  last.approval_digest = decision.approval_digest;
  Print(FormatDecision(decision, color_));
  NoteUndeclared(last.request);
  last_ = std::move(last);
}

void Session::NoteUndeclared(const Request& request) {
  const Schema& schema = policy_->schema();
  std::vector<std::string> names;
  auto note = [this](absl::string_view text) { Print(absl::StrCat("note: ", text, "\n")); };
  if (schema.actions.find(request.action) == schema.actions.end()) {
    for (const auto& [action, types] : schema.actions) names.push_back(action);
    note(absl::StrCat("the action `", request.action, "` is not declared",
                      DidYouMean(request.action, names)));
  }
  names.clear();
  if (schema.resource_types.find(request.resource.type) == schema.resource_types.end()) {
    for (const auto& [type, attributes] : schema.resource_types) names.push_back(type);
    note(absl::StrCat("the resource type `", request.resource.type, "` is not declared",
                      DidYouMean(request.resource.type, names)));
  } else if (schema.actions.count(request.action) > 0 &&
             !schema.ActionAppliesTo(request.action, request.resource.type)) {
    note(absl::StrCat("the action `", request.action, "` does not apply to `",
                      request.resource.type, "`"));
  }
  // An undeclared entry is ignored by the rules; one close to a declared name is a typo.
  auto entries = [&](absl::string_view root, const AttributeMap& given,
                     const AttributeSpecs& declared) {
    std::vector<std::string> declared_names;
    for (const auto& [name, type] : declared) declared_names.push_back(name);
    std::vector<std::string> given_names;
    for (const auto& [name, value] : given) given_names.push_back(name);
    std::sort(given_names.begin(), given_names.end());
    for (const std::string& name : given_names) {
      if (declared.count(name) > 0) continue;
      const std::string suggestion = DidYouMean(name, declared_names);
      if (suggestion.empty()) continue;
      note(absl::StrCat("`", root, ".", internal::Abbreviate(name),
                        "` is not declared, and rules cannot read it", suggestion));
    }
  };
  entries("args", request.args, schema.args);
  entries("context", request.context, schema.context);
}

std::vector<SourceFile> Session::Sources(const std::vector<SourceFile>& files,
                                         const std::string& typed) const {
  std::vector<SourceFile> sources = files;
  if (!typed.empty()) sources.push_back({kTypedSource, typed});
  return sources;
}

void Session::AddPolicyText(const std::string& text) {
  const int first_line = LineCount(typed_text_) + 1;
  std::string typed = typed_text_ + text;
  CompileResult compiled = Compile(Sources(file_sources_, typed), KeepingRules());
  // Errors anywhere (a typed rule can clash with a file's, e.g. over an @id), and the
  // warnings about the new text only: the others were shown when their text was loaded.
  std::string diagnostics;
  for (const Diagnostic& diagnostic : compiled.diagnostics) {
    if (diagnostic.severity == Diagnostic::Severity::kError ||
        (diagnostic.source == kTypedSource && diagnostic.line >= first_line)) {
      diagnostics += FormatDiagnostic(diagnostic);
    }
  }
  Print(diagnostics);
  if (compiled.policy == nullptr) {
    Print("not added\n");
    return;
  }
  if (absl::Status reloaded = engine_->Reload(compiled.policy); !reloaded.ok()) {
    PrintError(absl::StrCat(reloaded.message(), "; not added"));
    return;
  }
  policy_ = std::move(compiled.policy);
  typed_text_ = std::move(typed);
  bool any_rule = false;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) {
    if (rule.source != kTypedSource || rule.line < first_line) continue;
    const std::string where = absl::StrCat(rule.source, ":", rule.line);
    Print(absl::StrCat("added ", rule.name, rule.name == where ? "" : " (" + where + ")", "\n"));
    any_rule = true;
  }
  if (!any_rule) Print("added to the schema\n");
}

bool Session::Rebuild(std::vector<std::string> paths, std::vector<SourceFile> files,
                      std::string typed, absl::string_view verb) {
  CompileResult compiled = Compile(Sources(files, typed), KeepingRules());
  Print(FormatDiagnostics(compiled.diagnostics, kMaxPrintedDiagnostics));
  if (compiled.policy == nullptr) {
    PrintError("the policy has errors; the current policy stays in place");
    return false;
  }
  if (absl::Status reloaded = engine_->Reload(compiled.policy); !reloaded.ok()) {
    PrintError(absl::StrCat(reloaded.message(), "; the current policy stays in place"));
    return false;
  }
  paths_ = std::move(paths);
  file_sources_ = std::move(files);
  typed_text_ = std::move(typed);
  policy_ = std::move(compiled.policy);
  Print(absl::StrCat(verb, ": ", PolicySummary(), "\n"));
  return true;
}

bool Session::Load(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok()) {
    PrintError(paths.status().message());
    return true;
  }
  if (paths->empty()) {
    PrintUsage(":load");
    return true;
  }
  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceFiles(*paths);
  if (!files.ok()) {
    PrintError(absl::StrCat(files.status().message(), "; the current policy stays in place"));
    return true;
  }
  Rebuild(*std::move(paths), *std::move(files), typed_text_, "loaded");
  return true;
}

bool Session::Reload(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintError("`:reload` takes no arguments; `:load FILE...` replaces the files");
    return true;
  }
  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceFiles(paths_);
  if (!files.ok()) {
    PrintError(absl::StrCat(files.status().message(), "; the current policy stays in place"));
    return true;
  }
  Rebuild(paths_, *std::move(files), typed_text_, "reloaded");
  return true;
}

bool Session::Drop(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":drop");
    return true;
  }
  if (typed_text_.empty()) {
    Print("no typed rules or schema to drop\n");
    return true;
  }
  Rebuild(paths_, file_sources_, "", "dropped the typed text");
  return true;
}

bool Session::Entities(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok() || paths->size() != 1) {
    PrintUsage(":entities");
    return true;
  }
  absl::StatusOr<LoadedEntities> loaded = LoadEntities(paths->front(), policy_->schema());
  if (!loaded.ok()) {
    PrintError(absl::StrCat(loaded.status().message(), "; the current entities stay"));
    return true;
  }
  for (const std::string& warning : loaded->warnings) {
    Print(absl::StrCat("warning: ", warning, "\n"));
  }
  if (absl::Status replaced = engine_->ReplaceEntities(loaded->store); !replaced.ok()) {
    PrintError(absl::StrCat(replaced.message(), "; the current entities stay"));
    return true;
  }
  entities_ = std::make_shared<const EntityStore>(std::move(loaded->store));
  Print(absl::StrCat("entities: ", Plural(entities_->identity_count(), "identity", "identities"),
                     ", ", Plural(entities_->resource_count(), "resource", "resources"), "\n"));
  return true;
}

bool Session::Set(absl::string_view arguments) {
  const absl::string_view what = arguments.substr(0, arguments.find_first_of(" \t{"));
  if (what != "identity") {
    PrintUsage(":set");
    return true;
  }
  const absl::string_view json = absl::StripAsciiWhitespace(arguments.substr(what.size()));
  std::vector<std::string> warnings;
  absl::StatusOr<Identity> identity =
      EntityStore::IdentityFromJson(json, policy_->schema(), &warnings);
  if (!identity.ok()) {
    PrintError(identity.status().message());
    return true;
  }
  for (const std::string& warning : warnings) Print(absl::StrCat("warning: ", warning, "\n"));
  const std::string ref = FormatRef(SubjectKindName(identity->kind), identity->id);
  if (absl::Status upserted = engine_->UpsertIdentity(*identity); !upserted.ok()) {
    PrintError(upserted.message());
    return true;
  }
  auto entities = std::make_shared<EntityStore>(*entities_);
  entities->UpsertIdentity(*std::move(identity));
  entities_ = std::move(entities);
  Print(absl::StrCat("set ", ref, "\n"));
  return true;
}

bool Session::Revoke(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> ids = SplitArguments(arguments);
  if (!ids.ok() || ids->size() != 1) {
    PrintUsage(":revoke");
    return true;
  }
  const std::string& id = ids->front();
  if (absl::Status revoked = engine_->RevokeIdentity(id); !revoked.ok()) {
    PrintError(revoked.message());
    return true;
  }
  auto entities = std::make_shared<EntityStore>(*entities_);
  // The engine found the identity, so its copy here exists too.
  entities->RevokeIdentity(id).IgnoreError();
  entities_ = std::move(entities);
  const Identity* identity = entities_->FindIdentity(id);
  Print(absl::StrCat(
      "revoked ",
      identity != nullptr ? FormatRef(SubjectKindName(identity->kind), id) : QuoteIdIfNeeded(id),
      "\n"));
  return true;
}

bool Session::Now(absl::string_view arguments) {
  if (arguments.empty()) {
    fixed_now_.reset();
    Print("now: the clock\n");
    return true;
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, arguments, &time, &error)) {
    PrintError(absl::StrCat("`", internal::Abbreviate(arguments),
                            "` is not an RFC 3339 time such as 2026-12-01T00:00:00Z"));
    return true;
  }
  fixed_now_ = time;
  Print(absl::StrCat("now: ", TimeText(time), "\n"));
  return true;
}

bool Session::Why(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":why");
    return true;
  }
  if (!last_) {
    Print("no request yet\n");
    return true;
  }
  Print(last_->trace.ToText());
  return true;
}

bool Session::WhyNot(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> names = SplitArguments(arguments);
  if (!names.ok() || names->size() != 1) {
    PrintUsage(":whynot");
    return true;
  }
  if (!last_) {
    Print("no request yet\n");
    return true;
  }
  const std::string& name = names->front();
  const internal::PolicyIr& ir = internal::IrOf(*last_->policy);
  auto rule = std::find_if(ir.rules.begin(), ir.rules.end(),
                           [&](const internal::Rule& r) { return r.name == name; });
  if (rule == ir.rules.end()) {
    const auto& now_rules = internal::IrOf(*policy_).rules;
    if (std::any_of(now_rules.begin(), now_rules.end(),
                    [&](const internal::Rule& r) { return r.name == name; })) {
      PrintError(absl::StrCat("`", name,
                              "` came into the policy after the last request; send the request "
                              "again"));
      return true;
    }
    std::vector<std::string> all;
    for (const internal::Rule& r : ir.rules) all.push_back(r.name);
    PrintError(
        absl::StrCat("no rule named `", internal::Abbreviate(name), "`", DidYouMean(name, all)));
    return true;
  }
  const std::string where = absl::StrCat(rule->source, ":", rule->line);
  std::string out = absl::StrCat(rule->name, rule->name == where ? "" : " (" + where + ")", "\n  ",
                                 internal::RuleHeadToString(*rule), "\n");
  const std::vector<internal::RuleReport> reports =
      internal::ExplainRule(ir, *last_->entities, last_->request, *last_->request.now, *rule);
  for (const internal::RuleReport& report : reports) {
    absl::StrAppend(&out, report.role, " ", RefText(report.principal), "\n");
    if (report.guard) {
      absl::StrAppend(&out, "  guard: ", ReasonName(*report.guard),
                      "; no rule is evaluated for it\n");
      continue;
    }
    if (!report.head_mismatches.empty()) {
      absl::StrAppend(&out, "  head: does not match\n");
      for (const std::string& mismatch : report.head_mismatches) {
        absl::StrAppend(&out, "    ", mismatch, "\n");
      }
      absl::StrAppend(&out, "  not a candidate\n");
      continue;
    }
    absl::StrAppend(&out, "  head: matches\n");
    if (report.conditions.empty()) absl::StrAppend(&out, "  (no conditions)\n");
    for (const std::string& condition : report.conditions) {
      absl::StrAppend(&out, "  ", condition, "\n");
    }
    switch (report.outcome) {
      case TraceRule::Outcome::kHolds:
        absl::StrAppend(&out, "  holds\n");
        break;
      case TraceRule::Outcome::kDoesNotHold:
        absl::StrAppend(&out, "  does not hold\n");
        break;
      case TraceRule::Outcome::kError:
        absl::StrAppend(&out, rule->effect == internal::RuleEffect::kPermit
                                  ? "  error: a permit with an error does not hold\n"
                                  : "  error: it counts as holding (ward fails closed)\n");
        break;
    }
  }
  Print(out);
  return true;
}

bool Session::Rules(absl::string_view filter) {
  std::string out;
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) {
    const std::string where = absl::StrCat(rule.source, ":", rule.line);
    const std::string head = internal::RuleHeadToString(rule);
    if (!filter.empty() && !absl::StrContains(rule.name, filter) &&
        !absl::StrContains(where, filter) && !absl::StrContains(head, filter)) {
      continue;
    }
    absl::StrAppend(&out, rule.name, rule.name == where ? "" : " (" + where + ")", "\n  ", head,
                    "\n");
  }
  if (out.empty()) {
    out = filter.empty() ? "no rules\n"
                         : absl::StrCat("no rule matches `", internal::Abbreviate(filter), "`\n");
  }
  Print(out);
  return true;
}

bool Session::Tree(absl::string_view arguments) {
  if (!arguments.empty()) {
    PrintUsage(":tree");
    return true;
  }
  Print(policy_->Dump());
  return true;
}

bool Session::Test(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> paths = SplitArguments(arguments);
  if (!paths.ok() || paths->size() != 1) {
    PrintUsage(":test");
    return true;
  }
  TestRunOptions options;
  options.policy_override = policy_;
  options.color = color_;
  std::string report;
  absl::StatusOr<TestRunSummary> summary = RunPolicyTests(*paths, options, &report);
  Print(report);
  if (!summary.ok()) PrintError(summary.status().message());
  return true;
}

bool Session::Approve(absl::string_view arguments) {
  absl::StatusOr<std::vector<std::string>> words = SplitArguments(arguments);
  if (!words.ok() || words->empty() || words->size() > 2) {
    PrintUsage(":approve");
    return true;
  }
  if (signing_key_.empty()) {
    PrintError(
        "`:approve` signs grants with a private key, and this session has none: start it with "
        "`ward repl --approver-key NAME.key` (`ward keygen --out NAME` makes a key pair)");
    return true;
  }
  if (!last_) {
    PrintError("no request yet: there is nothing to approve");
    return true;
  }
  if (last_->effect != Effect::kNeedsApproval || last_->approval_digest.empty()) {
    PrintError(absl::StrCat("the last decision is ", EffectName(last_->effect),
                            ", not NEEDS_APPROVAL: there is nothing to approve"));
    return true;
  }
  if (last_->policy->hash() != policy_->hash()) {
    // The digest covers the policy's hash: a grant for the old one would be refused.
    PrintError(
        "the policy changed since the last request, and the request's digest with it; send the "
        "request again");
    return true;
  }
  // `u8`, `"Ada Lovelace"`, `user:u8` or `user:"Ada Lovelace"`: only people approve.
  std::string approver = (*words)[0];
  if (absl::StartsWith(approver, "agent:") || absl::StartsWith(approver, "builder:")) {
    PrintError(absl::StrCat("only users approve: give USER as an id or user:ID, not `",
                            internal::Abbreviate(approver), "`"));
    return true;
  }
  if (absl::StartsWith(approver, "user:")) {
    absl::StatusOr<std::vector<std::string>> id =
        SplitArguments(absl::string_view(approver).substr(5));
    if (!id.ok() || id->size() != 1) {
      PrintUsage(":approve");
      return true;
    }
    approver = id->front();
  }
  GrantRequest grant;
  grant.digest = last_->approval_digest;
  grant.approver_id = approver;
  if (words->size() == 2 &&
      (!absl::ParseDuration((*words)[1], &grant.ttl) || grant.ttl < absl::Seconds(1))) {
    PrintError(absl::StrCat("`", internal::Abbreviate((*words)[1]),
                            "` is not a duration of at least one second such as 90s, 15m or 1h"));
    return true;
  }
  // Issued at the request's own time, which the engine checks the grant against: a session
  // whose clock is fixed in the past or the future (`:now`) approves as well.
  grant.issued_at = *last_->request.now;
  absl::StatusOr<std::string> token = MintGrant(grant, signing_key_);
  if (!token.ok()) {
    PrintError(absl::StrCat("cannot sign the grant: ", token.status().message()));
    return true;
  }
  Print(absl::StrCat("grant: approver ", FormatRef("user", grant.approver_id), ", valid from ",
                     TimeText(*grant.issued_at), " to ", TimeText(*grant.issued_at + grant.ttl),
                     "\n"));
  Request request = last_->request;
  request.approval = *std::move(token);
  DecideAndKeep(std::move(request));
  return true;
}

bool Session::Help(absl::string_view arguments) {
  std::string out =
      "  KIND ID ACTION TYPE:ID [on_behalf_of KIND:ID...] [args {json}] [context {json}]\n"
      "                        decide a request (a bare {json} is the context), e.g.\n"
      "                        agent a42 invoke tool:payments.transfer on_behalf_of user:u5 "
      "args {\"amount\": 2500}\n"
      "  permit|forbid|require_approval ...;  schema {...}\n"
      "                        add rules or schema to the policy (an unnamed rule is "
      "<repl>:LINE)\n";
  for (const Command& command : Commands()) {
    absl::StrAppendFormat(
        &out, "  %-21s %s\n",
        absl::StrCat(command.name, command.arguments.empty() ? "" : " ", command.arguments),
        command.help);
  }
  absl::StrAppend(&out,
                  "Ids with blanks, `:` or `\"` are written as JSON strings: "
                  "tool:\"calendar read\".\n");
  Print(out);
  return true;
}

bool Session::Quit(absl::string_view arguments) { return false; }

Completion Session::CompleteLine(absl::string_view before_cursor) const {
  CompletionData data;
  for (const Command& command : Commands()) data.commands.emplace_back(command.name);
  for (const auto& [id, identity] : entities_->identities()) {
    data.identities.emplace_back(identity.kind, id);
  }
  data.schema = &policy_->schema();
  for (const auto& [type, of_type] : entities_->resources_by_type()) {
    for (const auto& [id, resource] : of_type) data.resources.emplace_back(type, id);
  }
  for (const internal::Rule& rule : internal::IrOf(*policy_).rules) data.rules.push_back(rule.name);
  data.list_files = ListFiles;
  return Complete(before_cursor, data);
}

}  // namespace ward::cli::repl
