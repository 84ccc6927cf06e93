// Runs policy test files (docs/testing.md). Files that share a policy set and an entity file
// share one compiled engine, and the coverage of a policy set is the union of every case run
// against it.

#include "cli/policy_test/runner.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/policy_test/compare.h"
#include "cli/policy_test/junit.h"
#include "cli/policy_test/test_file.h"
#include "lib/internal/policy_access.h"
#include "nlohmann/json.hpp"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/redact.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

using policy_test::CaseResult;
using policy_test::Compact;
using policy_test::Compare;
using policy_test::Difference;
using policy_test::Errors;
using policy_test::ExpandPaths;
using policy_test::FileResult;
using policy_test::json;
using policy_test::JunitXml;
using policy_test::LoadTestFile;
using policy_test::TestCase;
using policy_test::TestFile;
namespace fs = std::filesystem;

struct Palette {
  explicit Palette(bool on) : on(on) {}
  std::string Paint(absl::string_view code, absl::string_view text) const {
    return on ? absl::StrCat("\x1b[", code, "m", text, "\x1b[0m") : std::string(text);
  }
  std::string Green(absl::string_view text) const { return Paint("32", text); }
  std::string Red(absl::string_view text) const { return Paint("31", text); }
  std::string Yellow(absl::string_view text) const { return Paint("33", text); }
  std::string Bold(absl::string_view text) const { return Paint("1", text); }
  bool on;
};

// A policy set with an entity file, compiled once for every test file that names it.
struct Target {
  std::shared_ptr<const Policy> policy;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> display_paths;        // the policy files, for the coverage report
  std::map<std::string, std::string> displayed;  // source name -> path shown
  std::set<std::string> covered;                 // rules that held or erred in some case
  bool first_use = true;
};

class Runner {
 public:
  Runner(const TestRunOptions& options, std::string* report)
      : options_(options), report_(report), palette_(options.color) {}

  absl::StatusOr<TestRunSummary> Run(const std::vector<std::string>& paths) {
    std::vector<std::string> errors;
    const std::vector<std::string> files = ExpandPaths(paths, &errors);
    for (const std::string& path : files) RunFile(path, &errors);
    for (const FileResult& file : results_) {
      errors.insert(errors.end(), file.errors.begin(), file.errors.end());
    }
    ReportCoverage();
    // A file that could not run must not read as a clean pass: the summary counts it.
    size_t unrunnable = 0;
    for (const FileResult& file : results_) unrunnable += file.errors.empty() ? 0 : 1;
    std::string summary = Summary();
    if (unrunnable > 0) {
      absl::StrAppend(&summary, ", ", unrunnable,
                      unrunnable == 1 ? " test file could not run" : " test files could not run");
    } else if (!errors.empty()) {
      absl::StrAppend(&summary, ", ", errors.size(), errors.size() == 1 ? " error" : " errors");
    }
    absl::StrAppend(
        report_, "\n",
        summary_.failed == 0 && errors.empty() ? palette_.Green(summary) : palette_.Red(summary),
        "\n");
    if (!options_.junit_path.empty()) {
      std::ofstream out(options_.junit_path, std::ios::binary | std::ios::trunc);
      out << JunitXml(results_);
      if (!out.good()) {
        errors.push_back(absl::StrCat(options_.junit_path, ": cannot write the JUnit report"));
      }
    }
    if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
    return summary_;
  }

 private:
  std::string Summary() const {
    return absl::StrCat(summary_.passed, " passed, ", summary_.failed, " failed");
  }

  void RunFile(const std::string& path, std::vector<std::string>* run_errors) {
    FileResult result;
    result.path = path;
    Errors errors(path);
    std::optional<TestFile> file = LoadTestFile(path, options_.policy_override != nullptr, &errors);
    Target* target = file ? TargetFor(*file, &errors) : nullptr;
    if (target == nullptr || !errors.empty()) {
      result.errors = errors.list();
      absl::StrAppend(report_, palette_.Bold(absl::StrCat("--- ", path)), "\n",
                      palette_.Red("ERROR"), " the test file cannot be run (errors below)\n");
      results_.push_back(std::move(result));
      return;
    }
    absl::StrAppend(report_, palette_.Bold(absl::StrCat("--- ", path)), "\n");
    for (const TestCase& test_case : file->cases) {
      result.cases.push_back(RunCase(test_case, target));
    }
    results_.push_back(std::move(result));
  }

  // The compiled policy set and engine a test file runs against; null (with errors) when the
  // policy or the entity file is invalid.
  Target* TargetFor(const TestFile& file, Errors* errors) {
    const std::string key = absl::StrCat(
        options_.policy_override ? "(session)" : absl::StrJoin(file.policy_paths, "\n"), "\n",
        absl::StrJoin(file.policy_names, "\n"), "\n\n", file.entities_path);
    auto it = targets_.find(key);
    if (it != targets_.end()) return it->second.get();

    auto target = std::make_unique<Target>();
    if (options_.policy_override != nullptr) {
      target->policy = options_.policy_override;
    } else {
      absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(file.policy_paths);
      if (!sources.ok()) {
        errors->Add("policies", sources.status().message());
        return nullptr;
      }
      // Sources are named as the test file writes them, so that the names of rules without
      // `@id` do not depend on the directory `ward test` runs in.
      for (size_t i = 0; i < sources->size(); ++i) {
        (*sources)[i].name = file.policy_names[i];
        target->displayed[file.policy_names[i]] = file.policy_paths[i];
      }
      CompileOptions options;
      options.keep_rules = true;  // coverage reports list the rules
      CompileResult compiled = Compile(*sources, options);
      if (compiled.policy == nullptr) {
        for (Diagnostic d : compiled.diagnostics) {
          if (d.severity != Diagnostic::Severity::kError) continue;
          auto shown = target->displayed.find(d.source);
          if (shown != target->displayed.end()) d.source = shown->second;
          std::string text = FormatDiagnostic(d);
          while (!text.empty() && text.back() == '\n') text.pop_back();
          errors->Add("the policy does not compile", absl::StrCat("\n", text));
        }
        return nullptr;
      }
      target->policy = compiled.policy;
      target->display_paths = file.policy_paths;
    }
    EntityStore entities;
    if (!file.entities_path.empty()) {
      absl::StatusOr<EntityStore> loaded =
          EntityStore::FromFile(file.entities_path, target->policy->schema());
      if (!loaded.ok()) {
        errors->Add("entities", loaded.status().message());
        return nullptr;
      }
      entities = *std::move(loaded);
    }
    EngineOptions engine_options;
    if (absl::Status key = EnsureGrantKey(); !key.ok()) {
      errors->Add("", key.message());
      return nullptr;
    }
    engine_options.approval_keys.push_back(grant_key_->public_key_pem);
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(target->policy, std::move(entities), engine_options);
    if (!engine.ok()) {
      errors->Add("", engine.status().message());
      return nullptr;
    }
    target->engine = *std::move(engine);
    order_.push_back(target.get());
    return (targets_[key] = std::move(target)).get();
  }

  // The runner's own signing key for `approved_by` cases, made once per run.
  absl::Status EnsureGrantKey() {
    if (grant_key_.has_value()) return absl::OkStatus();
    absl::StatusOr<SigningKeyPair> key = GenerateSigningKey();
    if (!key.ok()) return key.status();
    grant_key_ = *std::move(key);
    return absl::OkStatus();
  }

  // The case's request, with a grant from `approved_by` when the case names one: it approves
  // exactly this request under the target's policy and outlives any clock.
  absl::StatusOr<Request> RequestOf(const TestCase& test_case, const Target& target) {
    Request request = test_case.request;
    if (!test_case.approved_by.has_value()) return request;
    GrantRequest grant;
    grant.digest = ApprovalDigest(request, target.policy->hash());
    grant.approver_id = *test_case.approved_by;
    grant.issued_at = request.now.value_or(absl::Now()) - absl::Seconds(1);
    grant.ttl = absl::FromUnixSeconds(4102444800) - *grant.issued_at;  // until 2100
    grant.jti = absl::StrCat("ward-test-", ++grants_minted_);
    absl::StatusOr<std::string> token = MintGrant(grant, grant_key_->private_key_pem);
    if (!token.ok()) return token.status();
    request.approval = *std::move(token);
    return request;
  }

  // `expect.redacts`: the decision's redactions applied to sample text, as a guard applies
  // them to a tool's output; a redaction that fails is a difference too (it fails closed).
  static void AddRedactionDifferences(const json& expect, const Decision& decision,
                                      std::vector<Difference>* differences) {
    if (!expect.contains("redacts")) return;
    const json& redacts = expect["redacts"];
    const std::vector<json> samples =
        redacts.is_array() ? redacts.get<std::vector<json>>() : std::vector<json>{redacts};
    for (const json& sample : samples) {
      const std::string input = sample["input"].get<std::string>();
      const std::string output = sample["output"].get<std::string>();
      absl::StatusOr<std::string> redacted = ApplyRedactions(decision, input);
      const std::string actual =
          redacted.ok() ? *redacted : absl::StrCat("(error: ", redacted.status().message(), ")");
      if (actual == output) continue;
      differences->push_back(
          {"redacts", Compact(json(input)) + " -> " + Compact(json(output)),
           Compact(json(input)) + " -> " + (redacted.ok() ? Compact(json(actual)) : actual)});
    }
  }

  CaseResult RunCase(const TestCase& test_case, Target* target) {
    Trace trace;
    absl::StatusOr<Request> request = RequestOf(test_case, *target);
    const Decision decision = request.ok() ? target->engine->Explain(*request, &trace) : Decision();
    for (const TracePrincipal& principal : trace.principals) {
      for (const TraceRule& rule : principal.candidates) {
        if (rule.outcome != TraceRule::Outcome::kDoesNotHold) target->covered.insert(rule.rule);
      }
    }
    const std::string decision_json = decision.ToJson();
    json actual;
    try {
      actual = json::parse(decision_json);
    } catch (...) {
      actual = json::object();
    }
    CaseResult result;
    result.name = test_case.name;
    std::vector<Difference> differences = Compare(test_case.expect, actual);
    AddRedactionDifferences(test_case.expect, decision, &differences);
    if (differences.empty()) {
      ++summary_.passed;
      absl::StrAppend(report_, palette_.Green("PASS"), " ", test_case.name, "\n");
      return result;
    }
    ++summary_.failed;
    result.passed = false;
    std::vector<std::string> summaries;
    for (const Difference& d : differences) {
      summaries.push_back(absl::StrCat(d.key, ": expected ", d.expected, ", got ", d.actual));
      absl::StrAppend(&result.details, "- ", d.key, ": ", d.expected, "\n+ ", d.key, ": ", d.actual,
                      "\n");
    }
    result.message = absl::StrJoin(summaries, "; ");
    absl::StrAppend(&result.details, "request: ", test_case.request_json,
                    "\ndecision: ", decision_json, "\n");
    absl::StrAppend(report_, palette_.Red("FAIL"), " ", test_case.name, "\n");
    for (const Difference& d : differences) {
      absl::StrAppend(report_, "    ", palette_.Red(absl::StrCat("- ", d.key, ": ", d.expected)),
                      "\n    ", palette_.Green(absl::StrCat("+ ", d.key, ": ", d.actual)), "\n");
    }
    absl::StrAppend(report_, "      request:  ", test_case.request_json,
                    "\n      decision: ", decision_json, "\n");
    return result;
  }

  void ReportCoverage() {
    for (Target* target : order_) {
      const std::vector<internal::Rule>& rules = internal::IrOf(*target->policy).rules;
      std::vector<std::string> uncovered;
      for (const internal::Rule& rule : rules) {
        if (target->covered.count(rule.name)) continue;
        auto shown = target->displayed.find(rule.source);
        const std::string& source = shown == target->displayed.end() ? rule.source : shown->second;
        uncovered.push_back(absl::StrCat(rule.name, " (", source, ":", rule.line, ")"));
      }
      const std::string set = target->display_paths.empty()
                                  ? std::string("the session's policy")
                                  : absl::StrJoin(target->display_paths, ", ");
      if (uncovered.empty()) {
        absl::StrAppend(report_, "\ncoverage of ", set, ": every rule (", rules.size(),
                        ") held or erred in some case\n");
        continue;
      }
      absl::StrAppend(
          report_, "\n",
          palette_.Yellow(absl::StrCat("coverage of ", set, ": ", uncovered.size(), " of ",
                                       rules.size(), " rules held or erred in no case:")),
          "\n");
      for (const std::string& rule : uncovered) absl::StrAppend(report_, "  ", rule, "\n");
      summary_.uncovered_rules.insert(summary_.uncovered_rules.end(), uncovered.begin(),
                                      uncovered.end());
    }
  }

  const TestRunOptions& options_;
  std::string* report_;
  Palette palette_;
  TestRunSummary summary_;
  std::optional<SigningKeyPair> grant_key_;
  int64_t grants_minted_ = 0;
  std::map<std::string, std::unique_ptr<Target>> targets_;
  std::vector<Target*> order_;  // in the order first used
  std::vector<FileResult> results_;
};

}  // namespace

absl::StatusOr<TestRunSummary> RunPolicyTests(const std::vector<std::string>& paths,
                                              const TestRunOptions& options, std::string* report) {
  // JSON values are checked before they are read, but nlohmann reports a mistake by throwing;
  // none may escape.
  try {
    return Runner(options, report).Run(paths);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("ward test: ", e.what()));
  }
}

}  // namespace ward::cli
