// Not part of ward's API: the storage behind EntityStore, in a public header only because
// EntityStore holds it by value. Programs outside ward do not name it.

#ifndef WARD_INTERNAL_SHARDED_MAP_H_
#define WARD_INTERNAL_SHARDED_MAP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace ward::internal {

// A key whose hash (ShardedMap::HashOf) is already known, so that the lookups after a
// prefetch do not hash it again.
struct PrehashedKey {
  absl::string_view key;
  size_t hash;
};

// The shards' hash and equality: string keys hash as ShardedMap::HashOf does, prehashed keys
// give their hash.
struct ShardKeyHash {
  using is_transparent = void;
  size_t operator()(absl::string_view key) const { return absl::Hash<absl::string_view>{}(key); }
  size_t operator()(const PrehashedKey& key) const { return key.hash; }
};
struct ShardKeyEq {
  using is_transparent = void;
  bool operator()(absl::string_view a, absl::string_view b) const { return a == b; }
  bool operator()(const PrehashedKey& a, absl::string_view b) const { return a.key == b; }
  bool operator()(absl::string_view a, const PrehashedKey& b) const { return a == b.key; }
};

// A hash map from strings to V whose copies share their storage. The entries are split by
// hash into shards, and a copy shares every shard with the original until one of the two
// writes to it; then only that shard is copied. So an engine can publish an edited copy of a
// store of n entries in O(n / shards + shards) instead of O(n), and the snapshots before and
// after share everything the edit did not touch.
//
// Shards are immutable while shared (a writer copies a shard unless it holds the only
// reference), so readers of one copy never see another copy's writes. A ShardedMap itself is
// not synchronised: one writer, or any number of readers.
template <typename V>
class ShardedMap {
 public:
  using Shard = absl::flat_hash_map<std::string, V, ShardKeyHash, ShardKeyEq>;
  using value_type = typename Shard::value_type;

  // Shards grow when they hold this many entries on average: the cost of one edit after a
  // copy is that of copying one shard.
  static constexpr size_t kMaxAverageShardSize = 64;

  ShardedMap() : shards_(1) {}
  // An empty map of 2^bits shards, to be filled shard by shard (SetShard) in step with another
  // map of as many shards.
  static ShardedMap WithShardBits(int bits) {
    ShardedMap map;
    map.shards_.assign(size_t{1} << bits, nullptr);
    map.shard_bits_ = bits;
    return map;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The hash every lookup starts from; shard and slot both come from it.
  static size_t HashOf(absl::string_view key) { return ShardKeyHash{}(key); }
  size_t ShardOf(size_t hash) const {
    // The high bits pick the shard; the table inside uses the low ones.
    return shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_);
  }
  int shard_bits() const { return shard_bits_; }
  size_t shard_count() const { return shards_.size(); }
  // Shard `i` (null when it is empty), for structures derived shard by shard.
  const Shard* shard(size_t i) const { return shards_[i].get(); }
  // Shard `i` shared (see SetShard); it stays immutable while shared, as every shard does.
  std::shared_ptr<Shard> ShareShard(size_t i) const { return shards_[i]; }
  // Makes `shard` shard `i`: its entries must be those whose keys hash to `i`.
  void SetShard(size_t i, std::shared_ptr<Shard> shard) {
    if (shards_[i] != nullptr) size_ -= shards_[i]->size();
    if (shard != nullptr && shard->empty()) shard = nullptr;
    if (shard != nullptr) size_ += shard->size();
    shards_[i] = std::move(shard);
  }

  const V* Find(absl::string_view key) const { return Find(key, HashOf(key)); }
  const V* Find(absl::string_view key, size_t hash) const {
    const Shard* shard = shards_[ShardOf(hash)].get();
    if (shard == nullptr) return nullptr;
    auto it = shard->find(PrehashedKey{key, hash});
    return it == shard->end() ? nullptr : &it->second;
  }
  bool contains(absl::string_view key) const { return Find(key) != nullptr; }

  // Starts loading what a Find of `key` will read; returns the hash to give that Find.
  size_t Prefetch(absl::string_view key) const {
    const size_t hash = HashOf(key);
    const Shard* shard = shards_[ShardOf(hash)].get();
    if (shard != nullptr) shard->prefetch(PrehashedKey{key, hash});
    return hash;
  }

  // The entry for `key`, made writable (its shard copied when shared); null when absent.
  V* FindMutable(absl::string_view key) {
    const size_t hash = HashOf(key);
    std::shared_ptr<Shard>& shard = shards_[ShardOf(hash)];
    if (shard == nullptr) return nullptr;
    if (shard->find(key, hash) == shard->end()) return nullptr;
    Shard& owned = Own(&shard);
    return &owned.find(key, hash)->second;
  }

  // Inserts or replaces the entry for `key`; true when it was new.
  bool InsertOrAssign(std::string key, V value) {
    const size_t hash = HashOf(key);
    std::shared_ptr<Shard>& shard = shards_[ShardOf(hash)];
    if (shard == nullptr) shard = std::make_shared<Shard>();
    const bool inserted = Own(&shard).insert_or_assign(std::move(key), std::move(value)).second;
    if (inserted && ++size_ > shards_.size() * kMaxAverageShardSize) Reshard(shard_bits_ + 1);
    return inserted;
  }

  // Removes the entry for `key`; true when there was one.
  bool Erase(absl::string_view key) {
    const size_t hash = HashOf(key);
    std::shared_ptr<Shard>& shard = shards_[ShardOf(hash)];
    if (shard == nullptr || shard->find(key, hash) == shard->end()) return false;
    Own(&shard).erase(key);
    if (shard->empty()) shard = nullptr;
    --size_;
    return true;
  }

  // Sizes the shards for `count` entries, so that loading them reshards at most once.
  void Reserve(size_t count) {
    int bits = shard_bits_;
    while ((size_t{1} << bits) * kMaxAverageShardSize < count && bits < kMaxShardBits) ++bits;
    if (bits != shard_bits_) Reshard(bits);
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Shard::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return *entry_; }
    pointer operator->() const { return &*entry_; }
    const_iterator& operator++() {
      ++entry_;
      SkipEmpty();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const const_iterator& other) const {
      return shard_ == other.shard_ && (shard_ == end_shard_ || entry_ == other.entry_);
    }
    bool operator!=(const const_iterator& other) const { return !(*this == other); }

   private:
    friend class ShardedMap;
    using ShardIterator = typename std::vector<std::shared_ptr<Shard>>::const_iterator;
    const_iterator(ShardIterator shard, ShardIterator end_shard)
        : shard_(shard), end_shard_(end_shard) {
      if (shard_ != end_shard_) {
        if (*shard_ != nullptr) entry_ = (*shard_)->cbegin();
        SkipEmpty();
      }
    }
    // Moves on from the end of a shard (or an empty one) to the next entry, if any.
    void SkipEmpty() {
      while (shard_ != end_shard_ && (*shard_ == nullptr || entry_ == (*shard_)->cend())) {
        ++shard_;
        if (shard_ != end_shard_ && *shard_ != nullptr) entry_ = (*shard_)->cbegin();
      }
    }

    ShardIterator shard_;
    ShardIterator end_shard_;
    typename Shard::const_iterator entry_;
  };
  using iterator = const_iterator;

  // Iteration in no particular order.
  const_iterator begin() const { return const_iterator(shards_.cbegin(), shards_.cend()); }
  const_iterator end() const { return const_iterator(shards_.cend(), shards_.cend()); }

 private:
  static constexpr int kMaxShardBits = 20;

  // The shard, copied first unless this map holds the only reference to it.
  static Shard& Own(std::shared_ptr<Shard>* shard) {
    if (shard->use_count() != 1) {
      *shard = std::make_shared<Shard>(**shard);
    } else {
      // Pairs with the release of the last other owner's decrement: its reads of the shard
      // happen before this map's writes.
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return **shard;
  }

  void Reshard(int bits) {
    if (bits > kMaxShardBits) return;
    std::vector<std::shared_ptr<Shard>> old = std::move(shards_);
    shards_.assign(size_t{1} << bits, nullptr);
    shard_bits_ = bits;
    for (std::shared_ptr<Shard>& shard : old) {
      if (shard == nullptr) continue;
      const bool exclusive = shard.use_count() == 1;
      if (exclusive) std::atomic_thread_fence(std::memory_order_acquire);
      for (auto& entry : *shard) {
        const size_t hash = HashOf(entry.first);
        std::shared_ptr<Shard>& to = shards_[ShardOf(hash)];
        if (to == nullptr) to = std::make_shared<Shard>();
        if (exclusive) {
          to->emplace(std::move(entry.first), std::move(entry.second));
        } else {
          to->emplace(entry.first, entry.second);
        }
      }
    }
  }

  std::vector<std::shared_ptr<Shard>> shards_;
  int shard_bits_ = 0;
  size_t size_ = 0;
};

}  // namespace ward::internal

#endif  // WARD_INTERNAL_SHARDED_MAP_H_
