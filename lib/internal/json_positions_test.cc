#include "lib/internal/json_positions.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward::internal {
namespace {

constexpr absl::string_view kText = R"json({
  "identities": [
    {"id": "u1", "attrs": {"a/b": 1, "t~x": "é", "esc\"aped": [1, 2]}},
    {"id": "ü2",
     "attrs": {}}
  ],
  "n": null
})json";

JsonPosition At(const std::string& pointer) {
  auto found = FindJsonPositions(kText, {pointer});
  auto it = found.find(pointer);
  return it == found.end() ? JsonPosition{} : it->second;
}

TEST(JsonPositionsTest, FindsValuesByPointer) {
  EXPECT_EQ(At("").line, 1);
  EXPECT_EQ(At("/identities").line, 2);
  EXPECT_EQ(At("/identities").column, 17);
  EXPECT_EQ(At("/identities/0").line, 3);
  EXPECT_EQ(At("/identities/0").column, 5);
  EXPECT_EQ(At("/identities/1/attrs").line, 5);
  EXPECT_EQ(At("/identities/1/attrs").column, 15);
  EXPECT_EQ(At("/n").line, 7);
}

TEST(JsonPositionsTest, EscapesKeysAndCountsCodePoints) {
  EXPECT_EQ(At("/identities/0/attrs/a~1b").column, 35);
  EXPECT_EQ(At("/identities/0/attrs/t~0x").column, 45);
  // The column after a two-byte character counts it once.
  EXPECT_EQ(At("/identities/0/attrs/esc\"aped").column, 63);
  EXPECT_EQ(At("/identities/0/attrs/esc\"aped/1").column, 67);
}

TEST(JsonPositionsTest, LeavesOutWhatIsNotThere) {
  EXPECT_TRUE(FindJsonPositions(kText, {"/identities/2", "/missing"}).empty());
  EXPECT_TRUE(FindJsonPositions(kText, {}).empty());
}

TEST(JsonPositionsTest, PointerChildEscapes) {
  EXPECT_EQ(JsonPointerChild("/a", "b/c~d"), "/a/b~1c~0d");
  EXPECT_EQ(JsonPointerChild("", size_t{3}), "/3");
}

}  // namespace
}  // namespace ward::internal
