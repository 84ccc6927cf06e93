// Runs the conformance suite in testdata/conformance/ (format: its README.md) against the
// compiler and the engine. One test per file; each case's failure names the file and case.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "policy_lang/testing/conformance_files.h"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/request.h"

namespace ward {
namespace {

using json = nlohmann::json;
using conformance::Comparable;
using conformance::Position;
using conformance::Positions;
using conformance::ReadText;
using conformance::Show;
using conformance::SourceText;

constexpr char kConformanceDir[] = "testdata/conformance";

std::vector<std::string> ConformanceFiles() { return conformance::CaseFiles(kConformanceDir); }

std::set<Position> Positions(const std::vector<Diagnostic>& diagnostics,
                             Diagnostic::Severity severity) {
  std::set<Position> positions;
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == severity) positions.insert({d.source, d.line, d.column});
  }
  return positions;
}

// Every key a file or case may have; a misspelt key would otherwise silently test nothing.
void CheckKeys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    EXPECT_TRUE(allowed.count(key)) << where << ": unknown key `" << key << "`";
  }
}

absl::StatusOr<EntityStore> LoadEntities(const json& holder, const Schema& schema) {
  if (holder.contains("entities_text")) {
    return EntityStore::FromJson(holder["entities_text"].get<std::string>(), schema);
  }
  if (holder.contains("entities")) return EntityStore::FromJson(holder["entities"].dump(), schema);
  return EntityStore();
}

// A case's `grant` says how its request's token was made; the token must still be that one
// (Ed25519 is deterministic), else the policy hash changed and tools/conformance_grants.py
// must regenerate the tokens and digests.
void CheckGrantIsCurrent(const json& spec, const json& c, uint64_t policy_hash,
                         const std::string& where) {
  const json& grant = c.at("grant");
  CheckKeys(grant, {"key", "approver", "issued_at", "ttl", "jti", "approves"}, where + " grant");
  const std::string key =
      SourceText(spec.at("keys").at(grant.at("key").get<std::string>()).at("private"));
  // The request the grant approves: this case's own (without its token) unless it names
  // another (a grant for a changed argument, say).
  json approved = grant.contains("approves") ? grant["approves"] : c.at("request");
  approved.erase("approval");
  absl::StatusOr<Request> approved_request = ParseRequestJson(approved.dump());
  ASSERT_TRUE(approved_request.ok()) << where << ": " << approved_request.status();
  GrantRequest request;
  request.digest = ApprovalDigest(*approved_request, policy_hash);
  request.approver_id = grant.at("approver").get<std::string>();
  absl::StatusOr<absl::Time> issued = ParseTimestamp(grant.at("issued_at").get<std::string>());
  ASSERT_TRUE(issued.ok()) << where;
  request.issued_at = *issued;
  ASSERT_TRUE(absl::ParseDuration(grant.at("ttl").get<std::string>(), &request.ttl)) << where;
  request.jti = grant.at("jti").get<std::string>();
  absl::StatusOr<std::string> token = MintGrant(request, key);
  ASSERT_TRUE(token.ok()) << where << ": " << token.status();
  EXPECT_EQ(c.at("request").value("approval", ""), *token)
      << where << ": the grant token is stale (the policy hash changed?); run "
      << "tools/conformance_grants.py";
}

class ConformanceTest : public testing::TestWithParam<std::string> {};

TEST_P(ConformanceTest, File) {
  const std::string file = GetParam();
  const json spec = json::parse(ReadText(std::string(kConformanceDir) + "/" + file));
  CheckKeys(
      spec,
      {"description", "sources", "entities", "entities_text", "expect_compile_errors",
       "expect_warnings", "expect_entity_error", "cases", "keys", "approval_keys", "shared_engine"},
      file);

  std::vector<SourceFile> sources;
  for (const json& source : spec.at("sources")) {
    sources.push_back({source.at("name").get<std::string>(), SourceText(source.at("text"))});
  }
  CompileResult compiled = Compile(sources);

  if (spec.contains("expect_compile_errors")) {
    EXPECT_EQ(compiled.policy, nullptr) << file << ": compiled, but errors were expected";
    EXPECT_EQ(Show(Positions(compiled.diagnostics, Diagnostic::Severity::kError)),
              Show(Positions(spec["expect_compile_errors"])))
        << file << ":\n"
        << FormatDiagnostics(compiled.diagnostics);
    return;
  }
  ASSERT_NE(compiled.policy, nullptr) << file << ":\n" << FormatDiagnostics(compiled.diagnostics);
  if (spec.contains("expect_warnings")) {
    EXPECT_EQ(Show(Positions(compiled.diagnostics, Diagnostic::Severity::kWarning)),
              Show(Positions(spec["expect_warnings"])))
        << file << ":\n"
        << FormatDiagnostics(compiled.diagnostics);
  }

  absl::StatusOr<EntityStore> file_entities = LoadEntities(spec, compiled.policy->schema());
  if (spec.value("expect_entity_error", false)) {
    EXPECT_FALSE(file_entities.ok()) << file << ": the entity file loaded, but should not";
    return;
  }
  ASSERT_TRUE(file_entities.ok()) << file << ": " << file_entities.status();
  ASSERT_TRUE(spec.contains("cases")) << file << ": no cases";

  EngineOptions options;
  for (const json& name : spec.value("approval_keys", json::array())) {
    options.approval_keys.push_back(
        SourceText(spec.at("keys").at(name.get<std::string>()).at("public")));
  }
  const bool shared = spec.value("shared_engine", false);
  std::unique_ptr<Engine> shared_engine;
  if (shared) {
    auto engine = Engine::Create(compiled.policy, *file_entities, options);
    ASSERT_TRUE(engine.ok()) << file << ": " << engine.status();
    shared_engine = *std::move(engine);
  }

  int case_count = 0;
  for (const json& c : spec["cases"]) {
    ++case_count;
    const std::string where = file + " / " + c.value("name", "(unnamed case)");
    CheckKeys(c,
              {"name", "request", "request_text", "expect", "expect_request_error", "entities",
               "entities_text", "grant"},
              where);
    if (shared) {
      EXPECT_FALSE(c.contains("entities") || c.contains("entities_text"))
          << where << ": a case of a shared-engine file cannot carry its own entities";
    }
    if (c.contains("grant")) CheckGrantIsCurrent(spec, c, compiled.policy->hash(), where);
    EXPECT_NE(c.contains("expect"), c.contains("expect_request_error"))
        << where << ": give exactly one of `expect` and `expect_request_error`";

    absl::StatusOr<EntityStore> entities = *file_entities;
    if (c.contains("entities") || c.contains("entities_text")) {
      entities = LoadEntities(c, compiled.policy->schema());
      ASSERT_TRUE(entities.ok()) << where << ": " << entities.status();
    }
    const std::string request_text =
        c.contains("request_text") ? c["request_text"].get<std::string>() : c.at("request").dump();
    absl::StatusOr<Request> request = ParseRequestJson(request_text);
    if (c.value("expect_request_error", false)) {
      EXPECT_FALSE(request.ok()) << where << ": the request was accepted, but should not";
      continue;
    }
    ASSERT_TRUE(request.ok()) << where << ": " << request.status();
    EXPECT_TRUE(request->now.has_value()) << where << ": every request must set `now`";

    std::unique_ptr<Engine> own_engine;
    if (!shared) {
      auto engine = Engine::Create(compiled.policy, *std::move(entities), options);
      ASSERT_TRUE(engine.ok()) << where << ": " << engine.status();
      own_engine = *std::move(engine);
    }
    Engine& engine = shared ? *shared_engine : *own_engine;
    // A grant is used up by the decision that uses it: Explain, which must decide the same,
    // runs first on an engine of its own when the request carries one.
    if (request->approval.empty()) {
      Trace trace;
      EXPECT_EQ(engine.Explain(*request, &trace).ToJson(), engine.Decide(*request).ToJson())
          << where;
    }
    const Decision decision = engine.Decide(*request);
    const json actual = Comparable(json::parse(decision.ToJson()));
    const json expected = Comparable(c.at("expect"));
    EXPECT_EQ(actual, expected) << where << "\n  actual:   " << actual.dump()
                                << "\n  expected: " << expected.dump();
  }
  EXPECT_GT(case_count, 0) << file << ": no cases";
}

INSTANTIATE_TEST_SUITE_P(Suite, ConformanceTest, testing::ValuesIn(ConformanceFiles()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ConformanceTest);

// The manifest names every file of the suite: a file added without it, or a manifest entry
// whose file is gone, fails here, so that no runner can silently run fewer files.
TEST(ConformanceSuite, MatchesTheManifest) {
  const std::vector<std::string> manifest =
      conformance::ManifestFiles(std::string(kConformanceDir));
  EXPECT_EQ(ConformanceFiles(), manifest);
  EXPECT_FALSE(manifest.empty());
}

}  // namespace
}  // namespace ward
