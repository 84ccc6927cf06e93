#ifndef WARD_REDIS_LEDGER_H_
#define WARD_REDIS_LEDGER_H_

// Fleet state in Redis: a GrantLedger (ward/grant_ledger.h), so that a grant is used once
// across a fleet of engines, and the fleet's unknown identities counted together. In the build
// tree's ward_redis library (it needs hiredis: Debian's libhiredis-dev); `ward serve --redis`
// uses both.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ward/engine.h"
#include "ward/grant_ledger.h"
#include "ward/request.h"

namespace ward {

// Where a Redis grant ledger keeps its record.
struct RedisLedgerOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // The longest a Consume waits for Redis (connecting included) before it fails.
  absl::Duration timeout = absl::Milliseconds(200);
  // Each used grant is the key `key_prefix + jti`, expiring with the grant.
  std::string key_prefix = "ward:grant:";
};

// A ledger in Redis (`SET key 1 NX EXAT exp`: atomic, and forgotten when the grant expires),
// shared by every engine pointed at the same server. Connects lazily and again after a
// failure, so an engine can start while Redis is down (its grants are refused until Redis
// answers). Needs Redis 6.2 or later (EXAT). Built into libward_redis.
std::shared_ptr<GrantLedger> NewRedisGrantLedger(const RedisLedgerOptions& options);

// The unknown identities of a fleet, counted in Redis: each replica adds what its engine saw
// (Engine::unknown_identities()), and any of them reads the sums. The counts are one Redis
// hash, `key`, whose fields are "kind:id" and values the decisions that named the identity.
// Thread-safe.
class RedisUnknownIdentities {
 public:
  explicit RedisUnknownIdentities(const RedisLedgerOptions& options,
                                  std::string key = "ward:unknown");
  ~RedisUnknownIdentities();
  RedisUnknownIdentities(const RedisUnknownIdentities&) = delete;
  RedisUnknownIdentities& operator=(const RedisUnknownIdentities&) = delete;

  // Adds to the fleet's counts what `seen` counted since this object last added it, identity
  // by identity; an identity missing from `seen` is taken as forgotten by the engine (counted
  // from 0 when it comes back). When Redis cannot be reached, returns Unavailable; what was not
  // added is added by a later call.
  absl::Status Add(const std::vector<UnknownIdentity>& seen);
  // The fleet's counts, most counted first.
  absl::StatusOr<std::vector<std::pair<IdentityRef, uint64_t>>> Read();

 private:
  struct Connection;
  const std::string key_;
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
  absl::flat_hash_map<std::string, uint64_t> added_;  // "kind:id" -> count already added
};

}  // namespace ward

#endif  // WARD_REDIS_LEDGER_H_
