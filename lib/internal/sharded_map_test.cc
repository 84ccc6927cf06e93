#include "ward/internal/sharded_map.h"

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ward::internal {
namespace {

using Map = ShardedMap<int>;

std::map<std::string, int> Contents(const Map& map) {
  std::map<std::string, int> contents;
  for (const auto& [key, value] : map) {
    EXPECT_TRUE(contents.emplace(key, value).second) << "visited twice: " << key;
  }
  EXPECT_EQ(contents.size(), map.size());
  return contents;
}

TEST(ShardedMapTest, InsertsFindsReplacesAndErases) {
  Map map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.Find("a"), nullptr);
  EXPECT_TRUE(map.InsertOrAssign("a", 1));
  EXPECT_TRUE(map.InsertOrAssign("b", 2));
  EXPECT_FALSE(map.InsertOrAssign("a", 3));
  EXPECT_EQ(map.size(), 2u);
  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(*map.Find("a"), 3);
  *map.FindMutable("b") = 4;
  EXPECT_EQ(*map.Find("b"), 4);
  EXPECT_EQ(map.FindMutable("c"), nullptr);
  EXPECT_TRUE(map.Erase("a"));
  EXPECT_FALSE(map.Erase("a"));
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ((Contents(map)), (std::map<std::string, int>{{"b", 4}}));
}

TEST(ShardedMapTest, GrowsItsShardsAndKeepsEveryEntry) {
  Map map;
  std::map<std::string, int> expected;
  for (int i = 0; i < 20000; ++i) {
    map.InsertOrAssign(absl::StrCat("id-", i), i);
    expected[absl::StrCat("id-", i)] = i;
  }
  EXPECT_GE(map.shard_count(), 20000 / Map::kMaxAverageShardSize);
  EXPECT_LE(map.shard_count(), 2 * 20000 / Map::kMaxAverageShardSize);
  EXPECT_EQ(Contents(map), expected);
  size_t largest = 0;
  for (size_t i = 0; i < map.shard_count(); ++i) {
    if (map.shard(i) != nullptr) largest = std::max(largest, map.shard(i)->size());
  }
  // Spread by hash: no shard holds a large part of the entries.
  EXPECT_LT(largest, 4 * Map::kMaxAverageShardSize);
}

// A lookup after Prefetch takes the hash Prefetch returned and does not hash the key again:
// given the key's hash it finds the entry in every shard, given another it does not.
TEST(ShardedMapTest, FindsWithThePrefetchedHash) {
  Map map;
  for (int i = 0; i < 5000; ++i) map.InsertOrAssign(absl::StrCat("id-", i), i);
  ASSERT_GT(map.shard_count(), 1u);
  for (int i = 0; i < 5000; ++i) {
    const std::string key = absl::StrCat("id-", i);
    const size_t hash = map.Prefetch(key);
    EXPECT_EQ(hash, Map::HashOf(key));
    ASSERT_NE(map.Find(key, hash), nullptr) << key;
    EXPECT_EQ(*map.Find(key, hash), i);
    // The same shard, another slot: a hash that differs in its low bits only.
    EXPECT_EQ(map.Find(key, hash ^ 0x55), nullptr) << key;
  }
  EXPECT_EQ(map.Find("id-5000", map.Prefetch("id-5000")), nullptr);
}

TEST(ShardedMapTest, ReserveSizesTheShardsOnce) {
  Map map;
  map.Reserve(10000);
  const size_t shards = map.shard_count();
  EXPECT_GE(shards * Map::kMaxAverageShardSize, 10000u);
  for (int i = 0; i < 10000; ++i) map.InsertOrAssign(absl::StrCat(i), i);
  EXPECT_EQ(map.shard_count(), shards);
}

TEST(ShardedMapTest, CopiesShareEveryShardUntilOneIsWritten) {
  Map original;
  for (int i = 0; i < 5000; ++i) original.InsertOrAssign(absl::StrCat("k", i), i);
  Map copy = original;
  ASSERT_EQ(copy.shard_count(), original.shard_count());
  for (size_t i = 0; i < copy.shard_count(); ++i) EXPECT_EQ(copy.shard(i), original.shard(i));

  *copy.FindMutable("k42") = -1;
  copy.InsertOrAssign("new", 7);
  copy.Erase("k43");
  size_t differing = 0;
  for (size_t i = 0; i < copy.shard_count(); ++i) differing += copy.shard(i) != original.shard(i);
  EXPECT_GE(differing, 1u);
  EXPECT_LE(differing, 3u);

  EXPECT_EQ(*original.Find("k42"), 42);
  EXPECT_EQ(original.Find("new"), nullptr);
  ASSERT_NE(original.Find("k43"), nullptr);
  EXPECT_EQ(original.size(), 5000u);
  EXPECT_EQ(*copy.Find("k42"), -1);
  EXPECT_EQ(*copy.Find("new"), 7);
  EXPECT_EQ(copy.Find("k43"), nullptr);
  EXPECT_EQ(copy.size(), 5000u);
}

// Random edits to a family of copies, each checked against its own std::map after every edit:
// a write to one copy never shows in another.
TEST(ShardedMapTest, CopiesStayIndependentUnderRandomEdits) {
  std::mt19937_64 random(7);
  std::vector<Map> maps(1);
  std::vector<std::map<std::string, int>> models(1);
  for (int step = 0; step < 20000; ++step) {
    const size_t which = random() % maps.size();
    const std::string key = absl::StrCat("key-", random() % 3000);
    switch (random() % 8) {
      case 0:
        if (maps.size() < 6) {
          maps.push_back(maps[which]);
          models.push_back(models[which]);
        }
        break;
      case 1:
        EXPECT_EQ(maps[which].Erase(key), models[which].erase(key) == 1);
        break;
      case 2:
        if (int* value = maps[which].FindMutable(key)) {
          ++*value;
          ++models[which].at(key);
        } else {
          EXPECT_EQ(models[which].count(key), 0u);
        }
        break;
      default: {
        const int value = static_cast<int>(random() % 1000);
        EXPECT_EQ(maps[which].InsertOrAssign(key, value), models[which].count(key) == 0);
        models[which][key] = value;
        break;
      }
    }
    if (step % 1000 == 0) {
      for (size_t i = 0; i < maps.size(); ++i) ASSERT_EQ(Contents(maps[i]), models[i]) << i;
    }
  }
  for (size_t i = 0; i < maps.size(); ++i) EXPECT_EQ(Contents(maps[i]), models[i]) << i;
}

// One thread reads a published copy while another edits copies of it: the reader always sees
// the copy as it was published (the sanitizer runs catch a shard written while shared).
TEST(ShardedMapTest, ReadersOfACopyDoNotSeeEditsOfAnother) {
  Map published;
  for (int i = 0; i < 4000; ++i) published.InsertOrAssign(absl::StrCat("k", i), i);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      int64_t sum = 0;
      for (const auto& [key, value] : published) sum += value;
      EXPECT_EQ(sum, int64_t{4000} * 3999 / 2);
      ++reads;
    }
  });
  Map edited = published;
  for (int round = 0; round < 200 || reads.load() < 3; ++round) {
    Map next = edited;
    for (int i = 0; i < 50; ++i) {
      const std::string key = absl::StrCat("k", (round * 50 + i) % 4000);
      *next.FindMutable(key) += 1;
    }
    next.InsertOrAssign(absl::StrCat("extra", round), round);
    edited = std::move(next);
  }
  done = true;
  reader.join();
  EXPECT_GE(reads.load(), 3);
  EXPECT_EQ(published.size(), 4000u);
}

}  // namespace
}  // namespace ward::internal
