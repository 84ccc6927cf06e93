#include "bench/cedar_workload.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ward::bench {
namespace {

// Ids are plain ASCII without quotes or backslashes (see workload.cc), so they are written
// into Cedar and JSON strings as they are.
std::string Uid(const char* type, const std::string& id) {
  return absl::StrCat(R"({"type":")", type, R"(","id":")", id, R"("})");
}
std::string EntityRef(const char* type, const std::string& id) {
  return absl::StrCat(R"({"__entity":)", Uid(type, id), "}");
}
std::string Entity(const char* type, const std::string& id, const std::string& attrs) {
  return absl::StrCat(R"({"uid":)", Uid(type, id), R"(,"attrs":{)", attrs, R"(},"parents":[]})");
}

const char* AgentStatus(const Agent& agent) {
  return agent.state == AgentState::kRevoked ? "revoked" : "active";
}

}  // namespace

size_t CedarPolicyCount(const Workload& w) {
  // Per agent and per builder; the delegated-authority, high-risk and dataset forbids; five
  // department reveals and the hr one; the two guard forbids.
  return w.agents.size() + w.builders.size() + 3 + kDepartments + 1 + 2;
}

std::string CedarPolicyText(const Workload& w) {
  std::string out = absl::StrCat("// The agentgate workload at scale ", w.scale, ", seed ", w.seed,
                                 ", for Cedar; written by bench/cedar_workload.cc.\n\n");
  absl::StrAppend(
      &out, R"(// Rule 6 and ward's lifecycle guard: the principal is active and not expired, and an
// agent or a builder is owned by an active, unexpired user.
@id("guard-lifecycle")
forbid (principal, action, resource)
unless {
  principal.status == "active" &&
  (!(principal has expires_at) || principal.expires_at > context.now)
};

@id("guard-owner")
forbid (principal, action, resource)
when { principal is Agent || principal is Builder }
unless {
  principal has owner && principal.owner is User &&
  principal.owner.status == "active" &&
  (!(principal.owner has expires_at) || principal.owner.expires_at > context.now)
};

// Rule 1: what each agent is built to do.
)");
  for (const Agent& a : w.agents) {
    std::vector<std::string> tools;
    for (int t : a.scope) tools.push_back(absl::StrCat("Tool::\"", w.tools[t].id, "\""));
    absl::StrAppend(&out, "@id(\"agent-", a.id, "-scope\")\npermit (principal == Agent::\"", a.id,
                    "\", action == Action::\"invoke\", resource is Tool)\nwhen { resource in [",
                    absl::StrJoin(tools, ", "), "] };\n");
  }
  absl::StrAppend(&out, R"(
// Rule 1, the user acted for: the call goes ahead only when that user, decided alone, would
// be allowed it (active, not expired, cleared for the tool).
@id("users-delegate-tools")
forbid (principal is Agent, action == Action::"invoke", resource is Tool)
when { context has on_behalf_of }
unless {
  context.on_behalf_of is User &&
  context.on_behalf_of.status == "active" &&
  (!(context.on_behalf_of has expires_at) || context.on_behalf_of.expires_at > context.now) &&
  context.on_behalf_of.clearance >= resource.min_clearance
};

// Rule 2.
@id("high-risk-needs-approval")
forbid (principal, action == Action::"invoke", resource is Tool)
when { resource.risk == "high" }
unless { context.approved };

// Rule 3.
)");
  for (const char* department : kDepartmentNames) {
    absl::StrAppend(&out, "@id(\"reveal-", department,
                    "\")\npermit (principal is User, action == Action::\"reveal\", resource is "
                    "DataClass)\nwhen { principal.department == \"",
                    department, "\" && resource.level <= principal.clearance };\n");
  }
  absl::StrAppend(&out, R"(@id("reveal-hr-restricted")
permit (principal is User, action == Action::"reveal", resource == DataClass::"restricted")
when { principal.department == "hr" };

// Rule 4.
)");
  for (const Builder& b : w.builders) {
    std::vector<std::string> tests;
    for (int p : b.pipelines)
      tests.push_back(absl::StrCat("resource.name like \"", PrefixName(p), "*\""));
    absl::StrAppend(&out, "@id(\"builder-", b.id, "-pipelines\")\npermit (principal == Builder::\"",
                    b.id, "\", action == Action::\"read\", resource is Dataset)\nwhen { ",
                    absl::StrJoin(tests, " || "), " };\n");
  }
  absl::StrAppend(&out, R"(
// Rule 5.
@id("restricted-datasets-own-team")
forbid (principal is Builder, action == Action::"read", resource is Dataset)
when { resource.classification == 3 }
unless { principal.team == resource.team };
)");
  return out;
}

std::string CedarEntitiesJson(const Workload& w) {
  std::vector<std::string> entities;
  for (const User& u : w.users) {
    entities.push_back(
        Entity("User", u.id,
               absl::StrCat(R"("status":")", u.active ? "active" : "revoked", R"(","department":")",
                            kDepartmentNames[u.department], R"(","clearance":)", u.clearance)));
  }
  for (const Agent& a : w.agents) {
    entities.push_back(
        Entity("Agent", a.id,
               absl::StrCat(R"("status":")", AgentStatus(a), R"(","expires_at":)", a.expires_at,
                            R"(,"owner":)", EntityRef("User", w.users[a.owner].id))));
  }
  for (const Builder& b : w.builders) {
    entities.push_back(
        Entity("Builder", b.id,
               absl::StrCat(R"("status":"active","owner":)", EntityRef("User", w.users[b.owner].id),
                            R"(,"team":")", kTeamNames[b.team], "\"")));
  }
  for (const Tool& t : w.tools) {
    entities.push_back(Entity("Tool", t.id,
                              absl::StrCat(R"("risk":")", t.high_risk ? "high" : "low",
                                           R"(","min_clearance":)", t.min_clearance)));
  }
  for (int level = 0; level < kDataClasses; ++level) {
    entities.push_back(
        Entity("DataClass", kDataClassNames[level], absl::StrCat(R"("level":)", level)));
  }
  for (const Dataset& d : w.datasets) {
    entities.push_back(
        Entity("Dataset", d.id,
               absl::StrCat(R"("name":")", d.id, R"(","classification":)", d.classification,
                            R"(,"team":")", kTeamNames[d.prefix / kStages], "\"")));
  }
  return absl::StrCat("[\n", absl::StrJoin(entities, ",\n"), "\n]\n");
}

std::string CedarRequestJson(const Workload& w, const WorkloadRequest& r) {
  std::string principal, action, resource, context;
  std::vector<std::string> slice;
  const std::string now = absl::StrCat(R"("now":)", w.now);
  switch (r.request_class) {
    case RequestClass::kAgentCall: {
      const Agent& agent = w.agents[r.subject];
      principal = Uid("Agent", agent.id);
      action = Uid("Action", "invoke");
      resource = Uid("Tool", w.tools[r.resource].id);
      context = absl::StrCat(now, R"(,"approved":)", r.approved ? "true" : "false",
                             R"(,"on_behalf_of":)", EntityRef("User", w.users[r.on_behalf_of].id));
      slice = {principal, Uid("User", w.users[agent.owner].id), resource};
      if (r.on_behalf_of != agent.owner) slice.push_back(Uid("User", w.users[r.on_behalf_of].id));
      break;
    }
    case RequestClass::kUserReveal:
      principal = Uid("User", w.users[r.subject].id);
      action = Uid("Action", "reveal");
      resource = Uid("DataClass", kDataClassNames[r.resource]);
      context = now;
      slice = {principal, resource};
      break;
    case RequestClass::kBuilderRead: {
      const Builder& builder = w.builders[r.subject];
      principal = Uid("Builder", builder.id);
      action = Uid("Action", "read");
      resource = Uid("Dataset", w.datasets[r.resource].id);
      context = now;
      slice = {principal, Uid("User", w.users[builder.owner].id), resource};
      break;
    }
  }
  return absl::StrCat(R"({"class":")", RequestClassName(r.request_class), R"(","principal":)",
                      principal, R"(,"action":)", action, R"(,"resource":)", resource,
                      R"(,"context":{)", context, R"(},"slice":[)", absl::StrJoin(slice, ","),
                      "]}");
}

}  // namespace ward::bench
