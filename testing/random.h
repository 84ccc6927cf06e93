// The tests' random numbers: Sebastiano Vigna's SplitMix64, tiny, fast, statistically good
// enough for test input, and the same on every platform (unlike std:: distributions), so that
// a failing seed reproduces anywhere. Header-only.

#ifndef WARD_TESTING_RANDOM_H_
#define WARD_TESTING_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ward::testing_support {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (up to a bias of n / 2^64, irrelevant here); `n` must be positive.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // True with probability `percent` / 100.
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }
  // True with probability 1 / n.
  bool OneIn(uint64_t n) { return Below(n) == 0; }
  // One of `items`, which must not be empty.
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace ward::testing_support

#endif  // WARD_TESTING_RANDOM_H_
