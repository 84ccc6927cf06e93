#include "bench/baseline.h"

#include <string>

#include "absl/strings/match.h"

namespace ward::bench {

BaselineRequest ToBaselineRequest(const Workload& w, const WorkloadRequest& r) {
  BaselineRequest out;
  out.request_class = r.request_class;
  out.now = w.now;
  switch (r.request_class) {
    case RequestClass::kAgentCall:
      out.subject = w.agents[r.subject].id;
      out.action = "invoke";
      out.resource = w.tools[r.resource].id;
      out.on_behalf_of = w.users[r.on_behalf_of].id;
      out.approved = r.approved;
      break;
    case RequestClass::kUserReveal:
      out.subject = w.users[r.subject].id;
      out.action = "reveal";
      out.resource = kDataClassNames[r.resource];
      break;
    case RequestClass::kBuilderRead:
      out.subject = w.builders[r.subject].id;
      out.action = "read";
      out.resource = w.datasets[r.resource].id;
      break;
  }
  return out;
}

Baseline::Baseline(const Workload& w) {
  for (const User& u : w.users) {
    users_[u.id] = {kDepartmentNames[u.department], u.clearance, u.active};
    identities_[u.id] = RequestClass::kUserReveal;
  }
  for (const Agent& a : w.agents) {
    AgentRecord& record = agents_[a.id];
    record.owner = w.users[a.owner].id;
    for (int t : a.scope) record.scope.push_back(w.tools[t].id);
    record.active = a.state != AgentState::kRevoked;
    record.expires_at = a.expires_at;
    identities_[a.id] = RequestClass::kAgentCall;
  }
  for (const Builder& b : w.builders) {
    BuilderRecord& record = builders_[b.id];
    record.owner = w.users[b.owner].id;
    record.team = kTeamNames[b.team];
    for (int p : b.pipelines) record.pipelines.push_back(PrefixName(p));
    record.active = true;
    identities_[b.id] = RequestClass::kBuilderRead;
  }
  for (const Tool& t : w.tools) tools_[t.id] = {t.high_risk, t.min_clearance};
  for (const Dataset& d : w.datasets) {
    datasets_[d.id] = {d.classification, kTeamNames[d.prefix / kStages]};
  }
  for (int level = 0; level < kDataClasses; ++level) data_levels_[kDataClassNames[level]] = level;
}

bool Baseline::HashLookup(const BaselineRequest& request) const {
  return identities_.find(request.subject) != identities_.end();
}

bool Baseline::Decide(const BaselineRequest& request) const {
  switch (request.request_class) {
    case RequestClass::kAgentCall:
      return request.action == "invoke" && AgentCall(request);
    case RequestClass::kUserReveal:
      return request.action == "reveal" && UserReveal(request);
    case RequestClass::kBuilderRead:
      return request.action == "read" && BuilderRead(request);
  }
  return false;
}

bool Baseline::UserActive(const std::string& id, const UserRecord** user) const {
  auto it = users_.find(id);
  if (it == users_.end() || !it->second.active) return false;
  if (user != nullptr) *user = &it->second;
  return true;
}

bool Baseline::AgentCall(const BaselineRequest& request) const {
  auto agent = agents_.find(request.subject);
  if (agent == agents_.end()) return false;
  const AgentRecord& a = agent->second;
  if (!a.active || a.expires_at <= request.now) return false;
  if (!UserActive(a.owner, nullptr)) return false;
  const UserRecord* user = nullptr;
  if (!UserActive(request.on_behalf_of, &user)) return false;
  auto tool = tools_.find(request.resource);
  if (tool == tools_.end()) return false;
  bool in_scope = false;
  for (const std::string& t : a.scope) {
    if (t == request.resource) {
      in_scope = true;
      break;
    }
  }
  if (!in_scope || user->clearance < tool->second.min_clearance) return false;
  return !(tool->second.high_risk && !request.approved);
}

bool Baseline::UserReveal(const BaselineRequest& request) const {
  const UserRecord* user = nullptr;
  if (!UserActive(request.subject, &user)) return false;
  auto level = data_levels_.find(request.resource);
  if (level == data_levels_.end()) return false;
  return level->second <= user->clearance ||
         (user->department == "hr" && level->second == kRestrictedLevel);
}

bool Baseline::BuilderRead(const BaselineRequest& request) const {
  auto builder = builders_.find(request.subject);
  if (builder == builders_.end()) return false;
  const BuilderRecord& b = builder->second;
  if (!b.active || !UserActive(b.owner, nullptr)) return false;
  auto dataset = datasets_.find(request.resource);
  if (dataset == datasets_.end()) return false;
  bool under = false;
  for (const std::string& prefix : b.pipelines) {
    if (absl::StartsWith(request.resource, prefix)) {
      under = true;
      break;
    }
  }
  if (!under) return false;
  return !(dataset->second.classification == 3 && dataset->second.team != b.team);
}

}  // namespace ward::bench
