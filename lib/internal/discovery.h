// What an engine remembers of the unknown identities that called it: bounded, so that a flood
// of made-up ids costs a fixed amount of memory. Identities are kept least recently seen first
// out; per identity, the most tried (action, resource) pairs are kept by the space-saving
// algorithm (a new pair replaces the least counted one and inherits its count, so that counts
// are upper bounds and a pair tried often is never lost).

#ifndef WARD_LIB_INTERNAL_DISCOVERY_H_
#define WARD_LIB_INTERNAL_DISCOVERY_H_

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "ward/engine.h"

namespace ward::internal {

class UnknownIdentityCounters {
 public:
  UnknownIdentityCounters(size_t max_identities, size_t max_tried)
      : max_identities_(max_identities), max_tried_(max_tried) {}

  // Counts a call of `identity`, unknown to the inventory, for `action` on `resource` at `now`.
  void Note(const IdentityRef& identity, absl::string_view action, const ResourceRef& resource,
            absl::Time now);

  // Most recently seen first.
  std::vector<UnknownIdentity> List() const;
  // Identities forgotten to keep within max_identities.
  uint64_t evicted() const;

 private:
  struct Entry {
    UnknownIdentity seen;
  };
  // By kind, then id: looked up by a view of the id, without a copy.
  absl::flat_hash_map<std::string, std::list<Entry>::iterator>& ByIdentity(SubjectKind kind) {
    return by_identity_[static_cast<size_t>(kind) % by_identity_.size()];
  }

  const size_t max_identities_;
  const size_t max_tried_;
  mutable std::mutex mutex_;
  std::list<Entry> recency_;  // most recently seen first
  std::array<absl::flat_hash_map<std::string, std::list<Entry>::iterator>, kNumSubjectKinds>
      by_identity_;
  uint64_t evicted_ = 0;
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_DISCOVERY_H_
