// The native baseline: the agentgate checks written by hand in C++, the way an application
// would code them without a policy engine: plain structs in hash maps keyed by id, and one
// function per request class. It puts ward's figures in proportion (ward's time divided by
// this one), and HashLookup, a bare lookup of the subject, is the floor under both.
//
// The baseline reads the same facts as ward (statuses, expiry, owners, scopes, clearances,
// prefixes, classifications) from its own copies, looked up by the request's string ids.

#ifndef WARD_BENCH_BASELINE_H_
#define WARD_BENCH_BASELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "bench/workload.h"

namespace ward::bench {

// A request as the application would hold it before asking: ids and flags.
struct BaselineRequest {
  RequestClass request_class = RequestClass::kAgentCall;
  std::string subject;
  std::string action;
  std::string resource;
  std::string on_behalf_of;  // agent calls only
  bool approved = false;
  int64_t now = 0;  // Unix seconds
};

BaselineRequest ToBaselineRequest(const Workload& workload, const WorkloadRequest& request);

class Baseline {
 public:
  explicit Baseline(const Workload& workload);

  // Whether the request is allowed.
  bool Decide(const BaselineRequest& request) const;

  // Looks the subject up and nothing else: whether it is known.
  bool HashLookup(const BaselineRequest& request) const;

 private:
  struct UserRecord {
    std::string department;
    int clearance = 0;
    bool active = false;
  };
  struct AgentRecord {
    std::string owner;
    std::vector<std::string> scope;
    bool active = false;  // the status says "active"
    int64_t expires_at = 0;
  };
  struct BuilderRecord {
    std::string owner;
    std::string team;
    std::vector<std::string> pipelines;
    bool active = false;
  };
  struct ToolRecord {
    bool high_risk = false;
    int min_clearance = 0;
  };
  struct DatasetRecord {
    int classification = 0;
    std::string team;
  };

  bool UserActive(const std::string& id, const UserRecord** user) const;
  bool AgentCall(const BaselineRequest& request) const;
  bool UserReveal(const BaselineRequest& request) const;
  bool BuilderRead(const BaselineRequest& request) const;

  absl::flat_hash_map<std::string, UserRecord> users_;
  absl::flat_hash_map<std::string, AgentRecord> agents_;
  absl::flat_hash_map<std::string, BuilderRecord> builders_;
  absl::flat_hash_map<std::string, ToolRecord> tools_;
  absl::flat_hash_map<std::string, DatasetRecord> datasets_;
  absl::flat_hash_map<std::string, int> data_levels_;
  // Every identity id, for HashLookup.
  absl::flat_hash_map<std::string, RequestClass> identities_;
};

}  // namespace ward::bench

#endif  // WARD_BENCH_BASELINE_H_
