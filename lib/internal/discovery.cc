#include "lib/internal/discovery.h"

#include <algorithm>
#include <utility>

namespace ward::internal {

void UnknownIdentityCounters::Note(const IdentityRef& identity, absl::string_view action,
                                   const ResourceRef& resource, absl::Time now) {
  if (max_identities_ == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto& by_id = ByIdentity(identity.kind);
  auto found = by_id.find(absl::string_view(identity.id));
  if (found == by_id.end()) {
    if (recency_.size() >= max_identities_) {
      const UnknownIdentity& oldest = recency_.back().seen;
      ByIdentity(oldest.identity.kind).erase(absl::string_view(oldest.identity.id));
      recency_.pop_back();
      ++evicted_;
    }
    recency_.push_front(Entry{});
    UnknownIdentity& fresh = recency_.front().seen;
    fresh.identity = identity;
    fresh.first_seen = now;
    found = by_id.emplace(identity.id, recency_.begin()).first;
  } else if (found->second != recency_.begin()) {
    recency_.splice(recency_.begin(), recency_, found->second);
  }
  UnknownIdentity& seen = found->second->seen;
  ++seen.count;
  seen.first_seen = std::min(seen.first_seen, now);
  seen.last_seen = std::max(seen.last_seen, now);
  if (max_tried_ == 0) return;

  std::vector<TriedAccess>& tried = seen.tried;
  for (TriedAccess& access : tried) {
    if (access.action == action && access.resource.type == resource.type &&
        access.resource.id == resource.id) {
      ++access.count;
      return;
    }
  }
  TriedAccess* slot = nullptr;
  uint64_t inherited = 0;
  if (tried.size() < max_tried_) {
    slot = &tried.emplace_back();
  } else {
    slot = &*std::min_element(
        tried.begin(), tried.end(),
        [](const TriedAccess& a, const TriedAccess& b) { return a.count < b.count; });
    inherited = slot->count;
  }
  slot->action = std::string(action);
  slot->resource.type = resource.type;
  slot->resource.id = resource.id;
  slot->resource.attrs.clear();
  slot->count = inherited + 1;
}

std::vector<UnknownIdentity> UnknownIdentityCounters::List() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<UnknownIdentity> list;
  list.reserve(recency_.size());
  for (const Entry& entry : recency_) {
    list.push_back(entry.seen);
    std::stable_sort(list.back().tried.begin(), list.back().tried.end(),
                     [](const TriedAccess& a, const TriedAccess& b) { return a.count > b.count; });
  }
  return list;
}

uint64_t UnknownIdentityCounters::evicted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evicted_;
}

}  // namespace ward::internal
