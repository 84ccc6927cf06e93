// Pins what each stage of the compiler makes of every conformance file's sources, one golden
// per file in testdata/golden/stages/: the syntax tree of each source (parser), the checked
// policy (checker) and the compiled program (BuildProgram), or the diagnostics of the stage
// that stopped. A change to any stage shows as a reviewable diff of these files.
// After an intended change, regenerate with WARD_UPDATE_GOLDEN=1 and review the diff.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/program.h"
#include "nlohmann/json.hpp"
#include "policy_lang/ast_dump.h"
#include "policy_lang/checker.h"
#include "policy_lang/codegen.h"
#include "policy_lang/parser.h"
#include "policy_lang/testing/conformance_files.h"
#include "ward/compile.h"
#include "ward/diagnostics.h"

namespace ward {
namespace {

constexpr char kConformanceDir[] = "testdata/conformance";
constexpr char kGoldenDir[] = "testdata/golden/stages";

std::string GoldenPath(const std::string& conformance_file) {
  const std::string base = conformance_file.substr(0, conformance_file.size() - 5);  // ".json"
  return absl::StrCat(kGoldenDir, "/", base, ".txt");
}

std::string DiagnosticsText(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    absl::StrAppend(&out, d.source, ":", d.line, ":", d.column, ": ",
                    d.severity == Diagnostic::Severity::kError ? "error" : "warning", ": ",
                    d.message, "\n");
  }
  return out;
}

// The three stages of the compiler over `sources`, as one text.
std::string StageDump(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::string out;
  std::vector<Diagnostic> diagnostics;
  std::vector<ast::File> files;
  for (const auto& [name, text] : sources) {
    files.push_back(ParseSource(name, text, &diagnostics));
    absl::StrAppend(&out, "=== syntax tree: ", name, "\n", DumpAst(files.back()), "\n");
  }
  const bool syntax_errors =
      std::any_of(diagnostics.begin(), diagnostics.end(),
                  [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; });
  if (syntax_errors) {
    absl::StrAppend(&out, "=== parse errors\n", DiagnosticsText(diagnostics));
    return out;
  }
  std::vector<CheckInput> inputs;
  for (size_t i = 0; i < files.size(); ++i) inputs.push_back({&files[i], sources[i].second});
  std::optional<internal::PolicyIr> ir = CheckPolicy(inputs, CheckOptions(), &diagnostics);
  if (!ir.has_value()) {
    absl::StrAppend(&out, "=== check errors\n", DiagnosticsText(diagnostics));
    return out;
  }
  if (!diagnostics.empty()) absl::StrAppend(&out, "=== warnings\n", DiagnosticsText(diagnostics));
  absl::StrAppend(&out, "=== checked policy\n", internal::DumpPolicyIr(*ir), "\n");
  absl::StatusOr<std::shared_ptr<const internal::Program>> program = internal::BuildProgram(*ir);
  if (!program.ok()) {
    absl::StrAppend(&out, "=== program error\n", program.status().message(), "\n");
    return out;
  }
  absl::StrAppend(&out, "=== program\n", internal::DumpProgram(**program));
  return out;
}

class StageGoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(StageGoldenTest, MatchesGolden) {
  const std::string file = GetParam();
  const nlohmann::json spec =
      nlohmann::json::parse(conformance::ReadText(absl::StrCat(kConformanceDir, "/", file)));
  std::vector<std::pair<std::string, std::string>> sources;
  for (const nlohmann::json& source : spec.at("sources")) {
    sources.emplace_back(source.at("name").get<std::string>(),
                         conformance::SourceText(source.at("text")));
  }
  const std::string dump = StageDump(sources);
  const std::string golden_path = GoldenPath(file);
  if (std::getenv("WARD_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(kGoldenDir);
    std::ofstream(golden_path, std::ios::binary) << dump;
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  EXPECT_EQ(dump, conformance::ReadText(golden_path))
      << "a compiler stage changed what it makes of " << file
      << "; if intended, rerun with WARD_UPDATE_GOLDEN=1 and review the diff of " << golden_path;
}

// One golden per conformance file, and no golden without one: a renamed or deleted file
// leaves no stale golden behind.
TEST(StageGoldenFilesTest, OneGoldenPerConformanceFile) {
  std::vector<std::string> expected;
  for (const std::string& file : conformance::CaseFiles(kConformanceDir)) {
    expected.push_back(GoldenPath(file));
  }
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
    found.push_back(absl::StrCat(kGoldenDir, "/", entry.path().filename().string()));
  }
  std::sort(expected.begin(), expected.end());
  std::sort(found.begin(), found.end());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(found, expected);
}

INSTANTIATE_TEST_SUITE_P(Conformance, StageGoldenTest,
                         testing::ValuesIn(conformance::CaseFiles(kConformanceDir)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace ward
