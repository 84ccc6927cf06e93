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

#include <cstddef>
#include <cstdint>

namespace ward::internal {

struct IdentityRecord;
struct ResourceRecord;

// Laid out for the cache: a decision of the subject and one delegator reads the first line
// alone; only a longer chain, or a principal whose candidate rules are not kept, reads on.
struct alignas(64) Resolution {
  // Entries by bit of `valid`: the subject (0), the chain nearest first (1 to 8), the
  // resource (kResourceBit), the action (kActionBit).
  static constexpr int kIdentities = 9;  // the subject and kMaxDelegationHops
  static constexpr int kResourceBit = kIdentities;
  static constexpr int kActionBit = kIdentities + 1;
  // The candidate rules the program's tree gives a principal for the action and the resource
  // are a function of the principal's record, the action, the resource type and id, and the
  // program, all fixed while the entries are. They are kept for the subject and its nearest
  // delegator (bits 0 and 1 of `candidates_found`), when they fit: principal i's are
  // `candidates` from candidate_begin[i], candidate_count[i] of them, while its bit is set,
  // which forgetting the principal, the action or the resource clears. Other principals, and
  // those whose rules do not fit, have the tree walked at each decision.
  static constexpr int kKeptPrincipals = 2;
  static constexpr int kKeptCandidates = 6;

  // The snapshot the entries were found in; 0 before the first decision.
  uint64_t epoch = 0;
  uint16_t valid = 0;
  uint8_t candidates_found = 0;
  uint8_t candidates_used = 0;  // of `candidates`, since candidates_found was last empty
  uint8_t candidate_begin[kKeptPrincipals] = {};
  uint8_t candidate_count[kKeptPrincipals] = {};
  const ResourceRecord* resource = nullptr;  // null: not stored
  // Null: not stored (or stored as another kind). Principals from kKeptPrincipals on are in
  // `more_identities`: identity(i) reads either.
  const IdentityRecord* identities[kKeptPrincipals] = {};
  uint32_t candidates[kKeptCandidates] = {};

  // Read only to walk the tree: the program's symbols (lib/internal/program.h) of the action,
  // the resource type and the resource id.
  uint32_t action_symbol = 0;
  uint32_t resource_type_symbol = 0;
  uint32_t resource_symbol = 0;
  const IdentityRecord* more_identities[kIdentities - kKeptPrincipals] = {};

  const IdentityRecord*& identity(size_t i) {
    return i < kKeptPrincipals ? identities[i] : more_identities[i - kKeptPrincipals];
  }
  bool Has(int bit) const { return (valid >> bit) & 1u; }
  void Set(int bit) { valid = static_cast<uint16_t>(valid | (1u << bit)); }
  void Forget(int bit) {
    valid = static_cast<uint16_t>(valid & ~(1u << bit));
    candidates_found =
        static_cast<uint8_t>(candidates_found & (bit < kIdentities ? ~(1u << bit) : 0u));
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

static_assert(offsetof(Resolution, candidates) + sizeof(Resolution::candidates) == 64,
              "a decision of two principals reads the first cache line alone");

}  // namespace ward::internal

#endif  // WARD_INTERNAL_RESOLUTION_H_
