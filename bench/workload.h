// The reference workload "agentgate": identities, resources, rules and requests generated
// from a scale and a seed, rendered in ward's language, plus an oracle that computes the
// expected effect of every request straight from the generated data.
//
//   ward::bench::Workload workload = ward::bench::Generate(/*scale=*/4, /*seed=*/1);
//   std::string policy = ward::bench::WardPolicyText(workload);
//   std::string entities = ward::bench::WardEntitiesJson(workload);
//   for (const ward::bench::WorkloadRequest& r : workload.requests) {
//     ward::Request request = ward::bench::ToWardRequest(workload, r);
//     bool allowed = ward::bench::OracleAllows(workload, r);
//   }
//
// The same scale and seed give the same workload, byte for byte, on every platform: the
// generator draws from its own splitmix64 streams and never from a library's generator.
// Requests come from a stream of their own, so asking for fewer requests gives a prefix of
// the longer run.

#ifndef WARD_BENCH_WORKLOAD_H_
#define WARD_BENCH_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ward/request.h"

namespace ward::bench {

// splitmix64: small, fast, and fully specified, so that every build draws the same numbers.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // A value in [0, n), n > 0. Multiply-shift instead of `%`: the bias is below 2^-32 for
  // every n used here, and the result does not depend on the platform's division.
  uint32_t Uniform(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // True with probability percent / 100.
  bool Percent(uint32_t percent) { return Uniform(100) < percent; }

 private:
  uint64_t state_;
};

inline constexpr int kDepartments = 5;
inline constexpr std::array<const char*, kDepartments> kDepartmentNames = {"eng", "sales", "hr",
                                                                           "finance", "legal"};
inline constexpr int kHrDepartment = 2;

inline constexpr int kTeams = 4;
inline constexpr std::array<const char*, kTeams> kTeamNames = {"vision", "speech", "nlp",
                                                               "ranking"};
inline constexpr int kStages = 4;
inline constexpr std::array<const char*, kStages> kStageNames = {"raw", "clean", "labeled", "eval"};
// Dataset prefixes: prefix p is team p / kStages, stage p % kStages ("vision/raw/").
inline constexpr int kPrefixes = kTeams * kStages;

// The data classes a user may reveal, by level.
inline constexpr int kDataClasses = 4;
inline constexpr std::array<const char*, kDataClasses> kDataClassNames = {
    "public", "internal", "confidential", "restricted"};
inline constexpr int kRestrictedLevel = 3;

struct User {
  std::string id;
  int department = 0;  // index into kDepartmentNames
  int clearance = 0;   // 0..3
  bool active = true;  // else revoked
};

enum class AgentState : uint8_t { kActive, kRevoked, kExpired };

struct Agent {
  std::string id;
  int owner = 0;           // index into Workload::users; always an active user
  std::vector<int> scope;  // tool indices, sorted, 3..6 of them
  AgentState state = AgentState::kActive;
  // Unix seconds. Every agent carries one: later than `now` for active and revoked agents,
  // earlier for expired ones, whose status still reads "active" (they lapsed by time).
  int64_t expires_at = 0;
};

struct Builder {
  std::string id;
  int owner = 0;               // index into Workload::users; always an active user
  int team = 0;                // index into kTeamNames
  std::vector<int> pipelines;  // prefix indices, sorted, 1..3 of them
};

struct Tool {
  std::string id;
  bool high_risk = false;
  int min_clearance = 0;  // 0..3
};

struct Dataset {
  std::string id;  // "<team>/<stage>/shard-<n>"
  int prefix = 0;  // index of its prefix; its team is prefix / kStages
  int classification = 0;
};

enum class RequestClass : uint8_t { kAgentCall, kUserReveal, kBuilderRead };
inline constexpr int kRequestClasses = 3;
// "agent_call", "user_reveal", "builder_read".
const char* RequestClassName(RequestClass request_class);

struct WorkloadRequest {
  RequestClass request_class = RequestClass::kAgentCall;
  // Index into users, agents or builders, by request class.
  int subject = 0;
  // Index into tools, the data classes or datasets, by request class.
  int resource = 0;
  // Agent calls: the user the agent acts for (index into users). -1 otherwise.
  int on_behalf_of = -1;
  // Agent calls: the context's `approved`.
  bool approved = false;
};

struct Workload {
  int scale = 1;
  uint64_t seed = 1;
  // The time of every request, in Unix seconds.
  int64_t now = 0;
  std::vector<User> users;
  std::vector<Agent> agents;
  std::vector<Builder> builders;
  std::vector<Tool> tools;
  std::vector<Dataset> datasets;
  std::vector<WorkloadRequest> requests;
};

inline constexpr int kDefaultRequests = 10000;

// Generates the workload for `scale` (>= 1) with `requests` requests.
Workload Generate(int scale, uint64_t seed, int requests = kDefaultRequests);

// "vision/raw/" for prefix index 0.
std::string PrefixName(int prefix);
// "2026-06-01T00:00:00Z".
std::string FormatUnixTime(int64_t unix_seconds);

// The policy set in ward's language: the schema and every rule, as one source.
std::string WardPolicyText(const Workload& workload);
// The entity file: every identity and resource.
std::string WardEntitiesJson(const Workload& workload);
// The request as a C++ struct and as one line of ward's request exchange format.
Request ToWardRequest(const Workload& workload, const WorkloadRequest& request);
std::string WardRequestJson(const Workload& workload, const WorkloadRequest& request);

// The oracle: whether the request is allowed, computed from the generated data by the
// workload's rules 1 to 6 directly, without ward. Every request the oracle does not allow is
// a DENY (the workload has no approval step).
bool OracleAllows(const Workload& workload, const WorkloadRequest& request);

// The number of rules WardPolicyText writes.
size_t WardRuleCount(const Workload& workload);

}  // namespace ward::bench

#endif  // WARD_BENCH_WORKLOAD_H_
