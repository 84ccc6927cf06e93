#ifndef WARD_GRANT_LEDGER_H_
#define WARD_GRANT_LEDGER_H_

// Single-use grants across a fleet. Each engine remembers the grants it consumed; engines that
// serve the same users (the replicas behind a load balancer) also need to know what the others
// consumed, or a grant replayed to another replica is accepted again. A GrantLedger is that
// shared record: an engine given one (EngineOptions::grant_ledger) accepts a grant only after
// the ledger recorded it as used for the first time.

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ward {

class GrantLedger {
 public:
  virtual ~GrantLedger() = default;

  // Records the grant `jti` as used, to be remembered until `expires_at` (the grant's `exp`),
  // unless it was recorded before. Returns OK when this is its first use, AlreadyExists when
  // it was used before (by any engine), and any other error when the ledger cannot tell (for
  // instance its server is down): the engine then refuses the grant, failing closed, and keeps
  // deciding everything else. Called from deciding threads, only for requests that carry a
  // grant the engine would otherwise accept; must be thread-safe and bounded in time.
  virtual absl::Status Consume(absl::string_view jti, absl::Time expires_at) = 0;
};

}  // namespace ward

#endif  // WARD_GRANT_LEDGER_H_
