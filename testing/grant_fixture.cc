#include "testing/grant_fixture.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ward/compile.h"
#include "ward/entities.h"

namespace ward::testing_support {
namespace {

constexpr char kPolicy[] = R"(schema {
  user {}
  resource tool { risk: "low" | "high" }
  action invoke, approve on tool
}
@id("users") permit user to invoke on tool;
@id("approvers") permit user "lead" to approve on tool;
@id("high") require_approval any to invoke on tool when resource.risk == "high";
)";

constexpr char kEntities[] = R"({
  "identities": [{"kind": "user", "id": "sam", "status": "active"},
                 {"kind": "user", "id": "lead", "status": "active"}],
  "resources": [{"type": "tool", "id": "deploy", "attrs": {"risk": "high"}},
                {"type": "tool", "id": "status", "attrs": {"risk": "low"}}]
})";

}  // namespace

GrantFixture::GrantFixture() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"grants.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  if (policy.ok()) policy_ = *std::move(policy);
  absl::StatusOr<SigningKeyPair> keys = GenerateSigningKey();
  EXPECT_TRUE(keys.ok()) << keys.status();
  if (keys.ok()) keys_ = *std::move(keys);
}

std::unique_ptr<Engine> GrantFixture::NewEngine(std::shared_ptr<GrantLedger> ledger) const {
  if (policy_ == nullptr) return nullptr;
  absl::StatusOr<EntityStore> entities = EntityStore::FromJson(kEntities, policy_->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  if (!entities.ok()) return nullptr;
  EngineOptions options;
  options.approval_keys = {keys_.public_key_pem};
  options.grant_ledger = std::move(ledger);
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(policy_, *std::move(entities), options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

Request GrantFixture::Invoke(const std::string& tool) {
  Request request;
  request.subject = {SubjectKind::kUser, "sam"};
  request.action = "invoke";
  request.resource.type = "tool";
  request.resource.id = tool;
  return request;
}

Request GrantFixture::Granted(Request request, const std::string& approver,
                              const std::string& jti) const {
  GrantRequest grant;
  grant.digest = ApprovalDigest(request, policy_ == nullptr ? 0 : policy_->hash());
  grant.approver_id = approver;
  grant.jti = jti;
  grant.issued_at = absl::Now() - absl::Seconds(1);
  absl::StatusOr<std::string> token = MintGrant(grant, keys_.private_key_pem);
  EXPECT_TRUE(token.ok()) << token.status();
  request.approval = token.value_or("");
  return request;
}

}  // namespace ward::testing_support
