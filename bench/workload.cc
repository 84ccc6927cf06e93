#include "bench/workload.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace ward::bench {
namespace {

// Counts at scale 1; the workload multiplies each by the scale.
constexpr int kUsersPerScale = 200;
constexpr int kAgentsPerScale = 200;
constexpr int kBuildersPerScale = 50;
constexpr int kToolsPerScale = 100;
constexpr int kDatasetsPerScale = 300;

// 2026-06-01T00:00:00Z: the time of every request.
constexpr int64_t kNow = 1780272000;
constexpr int64_t kDay = 86400;

// Salts that give the entity and request streams independent seeds.
constexpr uint64_t kEntitySalt = 0x656e746974696573ULL;   // "entities"
constexpr uint64_t kRequestSalt = 0x7265717565737473ULL;  // "requests"

uint64_t StreamSeed(uint64_t seed, uint64_t salt) { return SplitMix64(seed ^ salt).Next(); }

// `count` distinct values in [0, n), sorted.
std::vector<int> DistinctSorted(SplitMix64& rng, int count, int n) {
  std::vector<int> out;
  while (static_cast<int>(out.size()) < count) {
    int v = static_cast<int>(rng.Uniform(n));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A string as a JSON (and ward) string literal. Generated ids are plain ASCII, but quoting
// properly keeps the renderers correct if the id scheme ever changes.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", c < 0x10 ? "0" : "1",
                      std::string(1, "0123456789abcdef"[c & 0xf]));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string QuotedList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const std::string& item : items) quoted.push_back(Quote(item));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

std::vector<std::string> ScopeIds(const Workload& w, const Agent& agent) {
  std::vector<std::string> ids;
  for (int t : agent.scope) ids.push_back(w.tools[t].id);
  return ids;
}

std::vector<std::string> PipelinePrefixes(const Builder& builder) {
  std::vector<std::string> prefixes;
  for (int p : builder.pipelines) prefixes.push_back(PrefixName(p));
  return prefixes;
}

// The agent's `status` as written in the entity file: an expired agent lapsed by time and
// still reads "active"; only its `expires_at` says otherwise.
const char* AgentStatusName(const Agent& agent) {
  return agent.state == AgentState::kRevoked ? "revoked" : "active";
}

}  // namespace

const char* RequestClassName(RequestClass request_class) {
  switch (request_class) {
    case RequestClass::kAgentCall:
      return "agent_call";
    case RequestClass::kUserReveal:
      return "user_reveal";
    case RequestClass::kBuilderRead:
      return "builder_read";
  }
  return "unknown";
}

std::string PrefixName(int prefix) {
  return absl::StrCat(kTeamNames[prefix / kStages], "/", kStageNames[prefix % kStages], "/");
}

std::string FormatUnixTime(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

Workload Generate(int scale, uint64_t seed, int requests) {
  Workload w;
  w.scale = std::max(scale, 1);
  w.seed = seed;
  w.now = kNow;
  SplitMix64 rng(StreamSeed(seed, kEntitySalt));

  std::vector<int> active_users;
  for (int i = 0; i < kUsersPerScale * w.scale; ++i) {
    User u;
    u.id = absl::StrCat("u", i);
    u.department = static_cast<int>(rng.Uniform(kDepartments));
    u.clearance = static_cast<int>(rng.Uniform(4));
    u.active = rng.Percent(95);
    if (u.active) active_users.push_back(i);
    w.users.push_back(std::move(u));
  }

  for (int i = 0; i < kToolsPerScale * w.scale; ++i) {
    Tool t;
    t.id = absl::StrCat("t", i);
    t.high_risk = rng.Percent(15);
    t.min_clearance = static_cast<int>(rng.Uniform(4));
    w.tools.push_back(std::move(t));
  }

  std::vector<int> shards_per_prefix(kPrefixes, 0);
  for (int i = 0; i < kDatasetsPerScale * w.scale; ++i) {
    Dataset d;
    d.prefix = static_cast<int>(rng.Uniform(kPrefixes));
    d.id = absl::StrCat(PrefixName(d.prefix), "shard-", shards_per_prefix[d.prefix]++);
    d.classification = static_cast<int>(rng.Uniform(4));
    w.datasets.push_back(std::move(d));
  }

  const int num_tools = static_cast<int>(w.tools.size());
  for (int i = 0; i < kAgentsPerScale * w.scale; ++i) {
    Agent a;
    a.id = absl::StrCat("a", i);
    a.owner = active_users[rng.Uniform(active_users.size())];
    a.scope = DistinctSorted(rng, 3 + static_cast<int>(rng.Uniform(4)), num_tools);
    uint32_t status = rng.Uniform(100);
    a.state = status < 90 ? AgentState::kActive
                          : (status < 95 ? AgentState::kRevoked : AgentState::kExpired);
    a.expires_at = a.state == AgentState::kExpired ? kNow - (1 + rng.Uniform(90)) * kDay
                                                   : kNow + (30 + rng.Uniform(335)) * kDay;
    w.agents.push_back(std::move(a));
  }

  for (int i = 0; i < kBuildersPerScale * w.scale; ++i) {
    Builder b;
    b.id = absl::StrCat("b", i);
    b.owner = active_users[rng.Uniform(active_users.size())];
    b.team = static_cast<int>(rng.Uniform(kTeams));
    const int count = 1 + static_cast<int>(rng.Uniform(3));
    while (static_cast<int>(b.pipelines.size()) < count) {
      // Mostly the builder's own team's prefixes, sometimes another team's.
      int prefix = rng.Percent(80) ? b.team * kStages + static_cast<int>(rng.Uniform(kStages))
                                   : static_cast<int>(rng.Uniform(kPrefixes));
      if (std::find(b.pipelines.begin(), b.pipelines.end(), prefix) == b.pipelines.end()) {
        b.pipelines.push_back(prefix);
      }
    }
    std::sort(b.pipelines.begin(), b.pipelines.end());
    w.builders.push_back(std::move(b));
  }

  std::vector<std::vector<int>> datasets_by_prefix(kPrefixes);
  for (int i = 0; i < static_cast<int>(w.datasets.size()); ++i) {
    datasets_by_prefix[w.datasets[i].prefix].push_back(i);
  }

  SplitMix64 req(StreamSeed(seed, kRequestSalt));
  w.requests.reserve(std::max(requests, 0));
  for (int i = 0; i < requests; ++i) {
    WorkloadRequest r;
    const uint32_t kind = req.Uniform(10);
    if (kind < 6) {
      r.request_class = RequestClass::kAgentCall;
      r.subject = static_cast<int>(req.Uniform(w.agents.size()));
      const Agent& agent = w.agents[r.subject];
      if (req.Percent(50)) {
        r.resource = agent.scope[req.Uniform(agent.scope.size())];
      } else {
        do {
          r.resource = static_cast<int>(req.Uniform(num_tools));
        } while (std::binary_search(agent.scope.begin(), agent.scope.end(), r.resource));
      }
      r.on_behalf_of =
          req.Percent(80) ? agent.owner : static_cast<int>(req.Uniform(w.users.size()));
      r.approved = req.Percent(30);
    } else if (kind < 9) {
      r.request_class = RequestClass::kUserReveal;
      r.subject = static_cast<int>(req.Uniform(w.users.size()));
      r.resource = static_cast<int>(req.Uniform(kDataClasses));
    } else {
      r.request_class = RequestClass::kBuilderRead;
      r.subject = static_cast<int>(req.Uniform(w.builders.size()));
      const Builder& builder = w.builders[r.subject];
      const std::vector<int>& own =
          datasets_by_prefix[builder.pipelines[req.Uniform(builder.pipelines.size())]];
      if (req.Percent(50) && !own.empty()) {
        r.resource = own[req.Uniform(own.size())];
      } else {
        do {
          r.resource = static_cast<int>(req.Uniform(w.datasets.size()));
        } while (std::binary_search(builder.pipelines.begin(), builder.pipelines.end(),
                                    w.datasets[r.resource].prefix));
      }
    }
    w.requests.push_back(r);
  }
  return w;
}

size_t WardRuleCount(const Workload& w) {
  // Per agent and per builder; users-delegate-tools; the two forbids; five department
  // reveals and the hr one.
  return w.agents.size() + w.builders.size() + 1 + 2 + kDepartments + 1;
}

std::string WardPolicyText(const Workload& w) {
  std::string out = absl::StrCat("// The agentgate workload at scale ", w.scale, ", seed ", w.seed,
                                 ", written by bench/workload.cc.\n\n");
  absl::StrAppend(&out, R"(schema {
  user    { department: string, clearance: int }
  agent   { task_scope: set<string> }
  builder { team: string, pipelines: set<string> }

  resource tool    { risk: string, min_clearance: int }
  resource data    { level: int }
  resource dataset { classification: int, team: string }

  action invoke on tool
  action reveal on data
  action read on dataset

  context { approved: bool }
}

// Rule 1: what each agent is built to do. The lifecycle guard requires the agent and its
// owner to be active; the user it acts for is decided by the user rule below, and the
// request is allowed only when both are.
)");
  for (const Agent& a : w.agents) {
    absl::StrAppend(&out, "@id(\"agent-", a.id, "-scope\")\npermit agent ", Quote(a.id),
                    " to invoke on tool in ", QuotedList(ScopeIds(w, a)), ";\n");
  }
  absl::StrAppend(&out, R"(
@id("users-delegate-tools")
permit user to invoke on tool when subject.clearance >= resource.min_clearance;

// Rule 2.
@id("high-risk-needs-approval")
forbid any to invoke on tool when resource.risk == "high"
  unless context has approved and context.approved;

// Rule 3: each department reveals the classes up to the user's clearance; hr also reveals
// restricted data whatever the clearance.
)");
  for (const char* department : kDepartmentNames) {
    absl::StrAppend(&out, "@id(\"reveal-", department,
                    "\")\npermit user to reveal on data when subject.department == \"", department,
                    "\" and resource.level <= subject.clearance;\n");
  }
  absl::StrAppend(&out, R"(@id("reveal-hr-restricted")
permit user to reveal on data "restricted" when subject.department == "hr";

// Rule 4: each builder reads the datasets under its pipelines' prefixes.
)");
  for (const Builder& b : w.builders) {
    absl::StrAppend(&out, "@id(\"builder-", b.id, "-pipelines\")\npermit builder ", Quote(b.id),
                    " to read on dataset under ", QuotedList(PipelinePrefixes(b)), ";\n");
  }
  absl::StrAppend(&out, R"(
// Rule 5. (Rule 6, revoked or expired principals, is the lifecycle guard.)
@id("restricted-datasets-own-team")
forbid builder to read on dataset when resource.classification == 3
  unless subject.team == resource.team;
)");
  return out;
}

std::string WardEntitiesJson(const Workload& w) {
  std::vector<std::string> identities;
  for (const User& u : w.users) {
    identities.push_back(
        absl::StrCat(R"({"kind":"user","id":)", Quote(u.id), R"(,"status":")",
                     u.active ? "active" : "revoked", R"(","attrs":{"department":")",
                     kDepartmentNames[u.department], R"(","clearance":)", u.clearance, "}}"));
  }
  for (const Agent& a : w.agents) {
    identities.push_back(absl::StrCat(
        R"({"kind":"agent","id":)", Quote(a.id), R"(,"owner":)", Quote(w.users[a.owner].id),
        R"(,"status":")", AgentStatusName(a), R"(","expires_at":")", FormatUnixTime(a.expires_at),
        R"(","attrs":{"task_scope":)", QuotedList(ScopeIds(w, a)), "}}"));
  }
  for (const Builder& b : w.builders) {
    identities.push_back(absl::StrCat(R"({"kind":"builder","id":)", Quote(b.id), R"(,"owner":)",
                                      Quote(w.users[b.owner].id),
                                      R"(,"status":"active","attrs":{"team":")", kTeamNames[b.team],
                                      R"(","pipelines":)", QuotedList(PipelinePrefixes(b)), "}}"));
  }
  std::vector<std::string> resources;
  for (const Tool& t : w.tools) {
    resources.push_back(absl::StrCat(R"({"type":"tool","id":)", Quote(t.id),
                                     R"(,"attrs":{"risk":")", t.high_risk ? "high" : "low",
                                     R"(","min_clearance":)", t.min_clearance, "}}"));
  }
  for (int level = 0; level < kDataClasses; ++level) {
    resources.push_back(absl::StrCat(R"({"type":"data","id":")", kDataClassNames[level],
                                     R"(","attrs":{"level":)", level, "}}"));
  }
  for (const Dataset& d : w.datasets) {
    resources.push_back(absl::StrCat(R"({"type":"dataset","id":)", Quote(d.id),
                                     R"(,"attrs":{"classification":)", d.classification,
                                     R"(,"team":")", kTeamNames[d.prefix / kStages], "\"}}"));
  }
  return absl::StrCat("{\"identities\": [\n", absl::StrJoin(identities, ",\n"),
                      "\n],\n\"resources\": [\n", absl::StrJoin(resources, ",\n"), "\n]}\n");
}

Request ToWardRequest(const Workload& w, const WorkloadRequest& r) {
  Request out;
  out.now = absl::FromUnixSeconds(w.now);
  switch (r.request_class) {
    case RequestClass::kAgentCall:
      out.subject = {SubjectKind::kAgent, w.agents[r.subject].id};
      out.action = "invoke";
      out.resource.type = "tool";
      out.resource.id = w.tools[r.resource].id;
      out.context["approved"] = Value::Bool(r.approved);
      out.on_behalf_of.push_back({SubjectKind::kUser, w.users[r.on_behalf_of].id});
      break;
    case RequestClass::kUserReveal:
      out.subject = {SubjectKind::kUser, w.users[r.subject].id};
      out.action = "reveal";
      out.resource.type = "data";
      out.resource.id = kDataClassNames[r.resource];
      break;
    case RequestClass::kBuilderRead:
      out.subject = {SubjectKind::kBuilder, w.builders[r.subject].id};
      out.action = "read";
      out.resource.type = "dataset";
      out.resource.id = w.datasets[r.resource].id;
      break;
  }
  return out;
}

std::string WardRequestJson(const Workload& w, const WorkloadRequest& r) {
  const std::string now = FormatUnixTime(w.now);
  switch (r.request_class) {
    case RequestClass::kAgentCall:
      return absl::StrCat(R"({"subject":{"kind":"agent","id":)", Quote(w.agents[r.subject].id),
                          R"(},"action":"invoke","resource":{"type":"tool","id":)",
                          Quote(w.tools[r.resource].id), R"(},"context":{"approved":)",
                          r.approved ? "true" : "false",
                          R"(},"on_behalf_of":[{"kind":"user","id":)",
                          Quote(w.users[r.on_behalf_of].id), R"(}],"now":")", now, "\"}");
    case RequestClass::kUserReveal:
      return absl::StrCat(R"({"subject":{"kind":"user","id":)", Quote(w.users[r.subject].id),
                          R"(},"action":"reveal","resource":{"type":"data","id":")",
                          kDataClassNames[r.resource], R"("},"now":")", now, "\"}");
    case RequestClass::kBuilderRead:
      return absl::StrCat(R"({"subject":{"kind":"builder","id":)", Quote(w.builders[r.subject].id),
                          R"(},"action":"read","resource":{"type":"dataset","id":)",
                          Quote(w.datasets[r.resource].id), R"(},"now":")", now, "\"}");
  }
  return "";
}

bool OracleAllows(const Workload& w, const WorkloadRequest& r) {
  switch (r.request_class) {
    case RequestClass::kAgentCall: {
      const Agent& agent = w.agents[r.subject];
      const User& owner = w.users[agent.owner];
      const User& user = w.users[r.on_behalf_of];
      const Tool& tool = w.tools[r.resource];
      // Rule 6 for the agent (status and expiry) and its owner.
      if (agent.state == AgentState::kRevoked || agent.expires_at <= w.now) return false;
      if (!owner.active) return false;
      // Rule 6 for the user acted for.
      if (!user.active) return false;
      // Rule 1.
      bool in_scope = false;
      for (int t : agent.scope) in_scope = in_scope || t == r.resource;
      if (!in_scope || user.clearance < tool.min_clearance) return false;
      // Rule 2.
      return !(tool.high_risk && !r.approved);
    }
    case RequestClass::kUserReveal: {
      const User& user = w.users[r.subject];
      if (!user.active) return false;  // rule 6
      // Rule 3: every department has the clearance permit; hr also has restricted.
      const int level = r.resource;
      return level <= user.clearance ||
             (user.department == kHrDepartment && level == kRestrictedLevel);
    }
    case RequestClass::kBuilderRead: {
      const Builder& builder = w.builders[r.subject];
      const Dataset& dataset = w.datasets[r.resource];
      if (!w.users[builder.owner].active) return false;  // rule 6 (builders are all active)
      // Rule 4.
      bool under = false;
      for (int p : builder.pipelines) under = under || absl::StartsWith(dataset.id, PrefixName(p));
      if (!under) return false;
      // Rule 5.
      return !(dataset.classification == 3 && builder.team != dataset.prefix / kStages);
    }
  }
  return false;
}

}  // namespace ward::bench
