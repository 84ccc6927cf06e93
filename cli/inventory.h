// The inventory review shared by `ward inventory` and `ward report`: every identity with its
// owner chain, status, findings, activity and blast radius.

#ifndef WARD_CLI_INVENTORY_H_
#define WARD_CLI_INVENTORY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/log_records.h"
#include "nlohmann/json.hpp"
#include "ward/entities.h"

namespace ward::cli {

// One identity as the review sees it.
struct InventoryRow {
  const Identity* identity = nullptr;
  std::string status;  // the stored status, or "expired" when active and past expires_at
  // For agents and builders: the owner, the owner's owner, ... as long as they are in the
  // inventory (an owner must be a user, so a longer chain is itself a finding).
  std::vector<const Identity*> owner_chain;
  std::vector<std::string> flags;     // see `ward inventory --help`
  std::vector<std::string> owns;      // agents and builders naming this identity as owner
  const Seen* seen = nullptr;         // null: no record names it (or no logs given)
  const BlastScore* blast = nullptr;  // null: not computed
};

// Every identity of `store` at `now`: users first, then agents, then builders, by id within a
// kind. `scan` gives activity (empty: none) and `blast` the blast radius by id (may be empty).
std::vector<InventoryRow> BuildInventory(const EntityStore& store, absl::Time now,
                                         const ActivityScan& scan,
                                         const std::map<std::string, const BlastScore*>& blast);

// How many rows carry each flag.
std::map<std::string, size_t> FlagCounts(const std::vector<InventoryRow>& rows);

// What `ward inventory --format json` prints: {"now", "identities": [...], "summary", and with
// logs (`scan` not null) "records" and "skipped_lines"}.
nlohmann::ordered_json InventoryJson(const std::vector<InventoryRow>& rows, absl::Time now,
                                     const ActivityScan* scan);

}  // namespace ward::cli

#endif  // WARD_CLI_INVENTORY_H_
