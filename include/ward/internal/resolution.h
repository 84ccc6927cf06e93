// What a RequestBuilder (ward/request_builder.h) keeps of the records its request's ids were
// found to name, so that deciding the same ids again reads the records without comparing,
// hashing or looking up any id. Not part of the API: the builder and the engine use it.
//
// An entry is used only while its bit in `valid` is set and only in the snapshot `epoch`
// names (epochs are unique across the engines of a process). The builder clears an entry's
// bit when a setter changes what the entry was found for; the engine clears every bit when it
// decides in another snapshot. The records live in that snapshot, which the Decision being
// decided into keeps alive while it decides, so an entry can neither outlive nor misname its
// record.

#ifndef WARD_INTERNAL_RESOLUTION_H_
#define WARD_INTERNAL_RESOLUTION_H_

#include <cstdint>

namespace ward::internal {

struct IdentityRecord;
struct ResourceRecord;

struct Resolution {
  // Entries by bit of `valid`: the subject (0), the chain nearest first (1 to 8), the
  // resource (kResourceBit), the action (kActionBit).
  static constexpr int kIdentities = 9;  // the subject and kMaxDelegationHops
  static constexpr int kResourceBit = kIdentities;
  static constexpr int kActionBit = kIdentities + 1;

  // The snapshot the entries were found in; 0 before the first decision.
  uint64_t epoch = 0;
  uint32_t valid = 0;
  // The program's symbols (lib/internal/program.h) of the action, the resource type and the
  // resource id.
  uint32_t action_symbol = 0;
  uint32_t resource_type_symbol = 0;
  uint32_t resource_symbol = 0;
  const ResourceRecord* resource = nullptr;  // null: not stored
  // Null: not stored (or stored as another kind).
  const IdentityRecord* identities[kIdentities] = {};
  // The candidate rules the program's tree gives each principal (by bit, as `identities`) for
  // the action and the resource: a function of the principal's record, the action, the
  // resource type and id, and the program, all fixed while the entries are. Kept, when they
  // fit, beside the entries (a decision reads no more lines than it read for the records):
  // principal i's are `candidates` from candidate_begin[i], candidate_count[i] of them, while
  // `candidates_found` has its bit, which forgetting the principal, the action or the resource
  // clears. A principal whose rules do not fit has the tree walked at each decision.
  static constexpr int kKeptCandidates = 24;
  uint32_t candidates_found = 0;
  uint8_t candidates_used = 0;  // of `candidates`, since candidates_found was last empty
  uint8_t candidate_begin[kIdentities] = {};
  uint8_t candidate_count[kIdentities] = {};
  uint32_t candidates[kKeptCandidates] = {};

  bool Has(int bit) const { return (valid >> bit) & 1u; }
  void Set(int bit) { valid |= 1u << bit; }
  void Forget(int bit) {
    valid &= ~(1u << bit);
    candidates_found &= bit < kIdentities ? ~(1u << bit) : 0u;
    if (candidates_found == 0) candidates_used = 0;
  }
  // Starts over in the snapshot `snapshot_epoch` when the entries are of another.
  void Enter(uint64_t snapshot_epoch) {
    if (epoch == snapshot_epoch) return;
    valid = 0;
    candidates_found = 0;
    candidates_used = 0;
    epoch = snapshot_epoch;
  }
};

}  // namespace ward::internal

#endif  // WARD_INTERNAL_RESOLUTION_H_
