// Pins Policy::Dump() of every example policy set to a golden file in testdata/golden/.
// After an intended change, regenerate with WARD_UPDATE_GOLDEN=1 and review the diff.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/examples.h"
#include "ward/compile.h"

namespace ward {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

using testing_support::ExamplePolicySet;

class DumpGoldenTest : public testing::TestWithParam<ExamplePolicySet> {};

TEST_P(DumpGoldenTest, MatchesGolden) {
  const std::string example = GetParam().name;
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(GetParam().policy_files);
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
                         testing::ValuesIn(testing_support::ExamplePolicySets()),
                         [](const testing::TestParamInfo<ExamplePolicySet>& info) {
                           return testing_support::TestName(info.param);
                         });

}  // namespace
}  // namespace ward
