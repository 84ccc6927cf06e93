// Pins Policy::Dump() of every example policy set to a golden file in testdata/golden/.
// After an intended change, regenerate with WARD_UPDATE_GOLDEN=1 and review the diff.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ward/compile.h"

namespace ward {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class DumpGoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(DumpGoldenTest, MatchesGolden) {
  const std::string example = GetParam();
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator("examples/" + example)) {
    if (entry.path().extension() == ".ward") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  ASSERT_FALSE(paths.empty());
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(paths);
  ASSERT_TRUE(sources.ok()) << sources.status();
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy(*sources);
  ASSERT_TRUE(policy.ok()) << policy.status();
  const std::string dump = (*policy)->Dump();

  const std::string golden_path = "testdata/golden/" + example + ".dump";
  if (std::getenv("WARD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path, std::ios::binary) << dump;
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  EXPECT_EQ(dump, ReadText(golden_path))
      << "the dump of examples/" << example << " changed; if intended, rerun with "
      << "WARD_UPDATE_GOLDEN=1 and review the diff of " << golden_path;
}

INSTANTIATE_TEST_SUITE_P(Examples, DumpGoldenTest,
                         testing::Values("agent-runtime", "ai-gateway", "training-pipeline",
                                         "mcp-gateway"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace ward
