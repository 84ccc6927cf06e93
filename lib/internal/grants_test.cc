#include "lib/internal/grants.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/crypto.h"
#include "ward/approval.h"

namespace ward::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1796083200);  // 2026-12-01T00:00:00Z

Ed25519PrivateKey Key(char seed) { return *Ed25519PrivateKey::FromRawSeed(std::string(32, seed)); }

Request TransferRequest() {
  Request request;
  request.subject = {SubjectKind::kAgent, "a1"};
  request.on_behalf_of.push_back({SubjectKind::kUser, "u1"});
  request.action = "invoke";
  request.resource.type = "tool";
  request.resource.id = "payments.transfer";
  EXPECT_TRUE(SetArgsJson(R"({"to": "x", "amount": 5})", &request).ok());
  request.now = kNow;
  return request;
}

// The digest is the SHA-256 of exactly this canonical text (RFC 8785: sorted keys, no blanks).
TEST(ApprovalDigestTest, HashesTheCanonicalRequest) {
  const std::string canonical =
      R"({"action":"invoke","args":{"amount":5,"to":"x"},"on_behalf_of":[{"id":"u1","kind":"user"}],)"
      R"("policy":"00000000000000ff","resource":{"id":"payments.transfer","type":"tool"},)"
      R"("subject":{"id":"a1","kind":"agent"}})";
  EXPECT_EQ(ApprovalDigest(TransferRequest(), 0xff), Sha256Hex(canonical));
}

TEST(ApprovalDigestTest, IgnoresContextTimeAndKeyOrder) {
  Request a = TransferRequest();
  Request b = TransferRequest();
  ASSERT_TRUE(SetArgsJson(R"({"amount": 5, "to": "x"})", &b).ok());
  b.context["session"] = Value::String("s2");
  b.now = kNow + absl::Hours(1);
  EXPECT_EQ(ApprovalDigest(a, 1), ApprovalDigest(b, 1));
  EXPECT_NE(ApprovalDigest(a, 1), ApprovalDigest(a, 2));  // the policy
  ASSERT_TRUE(SetArgsJson(R"({"amount": 6, "to": "x"})", &b).ok());
  EXPECT_NE(ApprovalDigest(a, 1), ApprovalDigest(b, 1));  // an argument
}

TEST(ApprovalDigestTest, AbsentNullAndEmptyArgsAreOne) {
  Request absent = TransferRequest();
  absent.args.clear();
  absent.args_json.clear();
  Request empty = TransferRequest();
  ASSERT_TRUE(SetArgsJson("{}", &empty).ok());
  Request null = TransferRequest();
  ASSERT_TRUE(SetArgsJson("null", &null).ok());
  EXPECT_EQ(ApprovalDigest(absent, 7), ApprovalDigest(empty, 7));
  EXPECT_EQ(ApprovalDigest(absent, 7), ApprovalDigest(null, 7));
}

TEST(ApprovalDigestTest, ArgsBuiltInCodeHashAsTheirJsonWould) {
  Request from_json = TransferRequest();
  Request in_code = TransferRequest();
  in_code.args_json.clear();
  in_code.args = {{"amount", Value::Int(5)}, {"to", Value::String("x")}};
  EXPECT_EQ(ApprovalDigest(from_json, 3), ApprovalDigest(in_code, 3));

  // Values the language cannot read (a fraction, an object) keep the JSON they came from.
  Request fraction = TransferRequest();
  ASSERT_TRUE(
      SetArgsJson(R"({"memo": {"b": [1.5, null], "a": "\u00e9"}, "rate": 1.5})", &fraction).ok());
  Request fraction_in_code = fraction;
  fraction_in_code.args_json.clear();
  EXPECT_EQ(ApprovalDigest(fraction, 3), ApprovalDigest(fraction_in_code, 3));
  Request other_fraction = fraction_in_code;
  other_fraction.args["rate"] = *ParseJsonValue("99.5").value();
  EXPECT_NE(ApprovalDigest(fraction_in_code, 3), ApprovalDigest(other_fraction, 3));
}

std::string Grant(const Ed25519PrivateKey& key, const std::string& payload) {
  return JwsSign(payload, kGrantType, key);
}

TEST(ReadGrantTest, ReadsEveryField) {
  const Ed25519PrivateKey key = Key(1);
  const std::string digest(64, 'a');
  GrantRequest request;
  request.digest = digest;
  request.approver_id = "boss";
  request.issued_at = kNow;
  request.jti = "j-1";
  absl::StatusOr<std::string> token = MintGrant(request, key.ToPem());
  ASSERT_TRUE(token.ok()) << token.status();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  absl::StatusOr<GrantClaims> claims = ReadGrant(*token, trusted);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->digest, digest);
  EXPECT_EQ(claims->approver_id, "boss");
  EXPECT_EQ(claims->issued_at, absl::ToUnixSeconds(kNow));
  EXPECT_EQ(claims->expires_at, absl::ToUnixSeconds(kNow + kDefaultGrantTtl));
  EXPECT_EQ(claims->jti, "j-1");
}

TEST(ReadGrantTest, RefusesAnythingButAWellFormedGrant) {
  const Ed25519PrivateKey key = Key(1);
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const std::string digest(64, 'a');
  auto payload = [&](const std::string& approver, const std::string& extra) {
    return absl::StrCat(R"({"approver":)", approver, R"(,"digest":")", digest,
                        R"(","exp":200,"iat":100,"jti":"j")", extra, "}");
  };
  const struct {
    std::string payload;
    std::string error;
  } kCases[] = {
      {payload(R"({"id":"u","kind":"agent"})", ""), "only people approve"},
      {payload(R"({"id":"","kind":"user"})", ""), "has no id"},
      {payload(R"({"id":"u","kind":"user","x":1})", ""), "`approver` must be"},
      {payload(R"({"id":"u","kind":"user"})", R"(,"role":"admin")"), "unknown field `role`"},
      {R"({"approver":{"id":"u","kind":"user"},"digest":"abc","exp":200,"iat":100,"jti":"j"})",
       "64 lowercase hex"},
      {absl::StrCat(R"({"approver":{"id":"u","kind":"user"},"digest":")", digest,
                    R"(","exp":100,"iat":100,"jti":"j"})"),
       "not after its `iat`"},
      {absl::StrCat(R"({"approver":{"id":"u","kind":"user"},"digest":")", digest,
                    R"(","exp":"200","iat":100,"jti":"j"})"),
       "`exp` is missing or not an integer"},
      {absl::StrCat(R"({"approver":{"id":"u","kind":"user"},"digest":")", digest,
                    R"(","exp":200,"iat":100})"),
       "`jti` is missing"},
      {"[1]", "not a JSON object"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<GrantClaims> claims = ReadGrant(Grant(key, c.payload), trusted);
    EXPECT_FALSE(claims.ok()) << c.payload;
    EXPECT_THAT(std::string(claims.status().message()), HasSubstr(c.error)) << c.payload;
  }
  // Signed by another key, or by a trusted key for another purpose.
  const std::string good = payload(R"({"id":"u","kind":"user"})", "");
  EXPECT_FALSE(ReadGrant(Grant(Key(2), good), trusted).ok());
  EXPECT_FALSE(ReadGrant(JwsSign(good, "ward-bundle", key), trusted).ok());
  EXPECT_TRUE(ReadGrant(Grant(key, good), trusted).ok());
}

TEST(ConsumedGrantsTest, AGrantIsUsedOnce) {
  ConsumedGrants used(10);
  EXPECT_TRUE(used.CheckUnused("j", 500).ok());
  EXPECT_TRUE(used.Consume("j", 500, absl::FromUnixSeconds(100)).ok());
  EXPECT_EQ(used.Consume("j", 500, absl::FromUnixSeconds(100)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(used.CheckUnused("j", 500).message()), HasSubstr("already used"));
}

TEST(ConsumedGrantsTest, RefusesNewGrantsWhenFull) {
  ConsumedGrants used(2);
  const absl::Time clock = absl::FromUnixSeconds(100);
  EXPECT_TRUE(used.Consume("a", 500, clock).ok());
  EXPECT_TRUE(used.Consume("b", 500, clock).ok());
  EXPECT_EQ(used.Consume("c", 500, clock).code(), absl::StatusCode::kResourceExhausted);
  // Once they expire on the clock, room is made.
  EXPECT_TRUE(used.Consume("c", 900, absl::FromUnixSeconds(600)).ok());
  EXPECT_EQ(used.size(), 1u);
}

// Forgetting expired ids bounds the memory; a grant that expired before the last forgetting
// is refused whatever the request's time, since it may have been used.
TEST(ConsumedGrantsTest, ForgetsExpiredGrantsWithoutReopeningThem) {
  ConsumedGrants used(1 << 20);
  for (int i = 0; i < 1024; ++i) {
    ASSERT_TRUE(used.Consume(absl::StrCat("old-", i), 150, absl::FromUnixSeconds(100)).ok());
  }
  ASSERT_TRUE(used.Consume("new", 1000, absl::FromUnixSeconds(200)).ok());  // prunes
  EXPECT_EQ(used.size(), 1u);
  const absl::Status replay = used.CheckUnused("old-7", 150);
  EXPECT_EQ(replay.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(replay.message()), HasSubstr("may have been used"));
  EXPECT_FALSE(used.Consume("never-seen", 200, absl::FromUnixSeconds(200)).ok());
  EXPECT_TRUE(used.Consume("fresh", 201, absl::FromUnixSeconds(200)).ok());
}

// The flow around an engine, with a stand-in engine: NEEDS_APPROVAL unless approvals are
// satisfied; the approver `boss` may approve, anyone else may not.
class DecideWithApprovalsTest : public testing::Test {
 protected:
  DecideWithApprovalsTest() : key_(Key(1)), used_(100) { trusted_.push_back(key_.PublicKey()); }

  void Decide(const Request& request, Decision* out) {
    ApprovalSettings settings;
    settings.trusted_keys = trusted_;
    settings.consumed = &used_;
    DecideWithApprovals(
        request, kNow, kPolicyHash, settings,
        [this](const Request& decided, bool approvals_satisfied, Decision* into) {
          calls_.push_back(decided.action);
          into->errors.clear();
          into->denied_by.reset();
          if (decided.action == "approve") {
            const bool boss = decided.subject.id == "boss" &&
                              decided.resource.id == "payments.transfer" &&
                              decided.args_json == TransferRequest().args_json;
            into->effect = boss ? Effect::kAllow : Effect::kDeny;
            into->reason = boss ? Reason::kPermitted : Reason::kNoMatchingPermit;
            return;
          }
          into->effect = approvals_satisfied ? Effect::kAllow : Effect::kNeedsApproval;
          into->reason = approvals_satisfied ? Reason::kPermitted : Reason::kApprovalRequired;
          into->errors.push_back({"r", decided.subject, "an error of a rule"});
        },
        out);
  }

  std::string GrantFor(const Request& request, const std::string& approver,
                       const std::string& jti) {
    GrantRequest grant;
    grant.digest = ApprovalDigest(request, kPolicyHash);
    grant.approver_id = approver;
    grant.issued_at = kNow - absl::Minutes(1);
    grant.ttl = absl::Hours(24 * 365 * 50);
    grant.jti = jti;
    return *MintGrant(grant, key_.ToPem());
  }

  static constexpr uint64_t kPolicyHash = 0xabc;
  Ed25519PrivateKey key_;
  std::vector<Ed25519PublicKey> trusted_;
  ConsumedGrants used_;
  std::vector<std::string> calls_;
};

TEST_F(DecideWithApprovalsTest, WithoutAGrantTheDecisionCarriesItsDigest) {
  Decision decision;
  Decide(TransferRequest(), &decision);
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_EQ(decision.approval_digest, ApprovalDigest(TransferRequest(), kPolicyHash));
  EXPECT_FALSE(decision.approved_by.has_value());
  EXPECT_THAT(calls_, testing::ElementsAre("invoke"));
}

TEST_F(DecideWithApprovalsTest, AnAcceptedGrantIsUsedOnce) {
  Request request = TransferRequest();
  request.approval = GrantFor(request, "boss", "j-1");
  Decision decision;
  Decide(request, &decision);
  EXPECT_EQ(decision.effect, Effect::kAllow);
  ASSERT_TRUE(decision.approved_by.has_value());
  EXPECT_EQ(decision.approved_by->id, "boss");
  EXPECT_TRUE(decision.approval_digest.empty());
  EXPECT_THAT(calls_, testing::ElementsAre("approve", "invoke"));

  Decide(request, &decision);
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_FALSE(decision.approved_by.has_value());
  ASSERT_THAT(decision.errors, SizeIs(2));
  EXPECT_EQ(decision.errors[0].rule, "");  // the refusal comes first
  EXPECT_THAT(decision.errors[0].message, HasSubstr("already used"));
  EXPECT_EQ(decision.errors[1].rule, "r");
}

TEST_F(DecideWithApprovalsTest, RefusesAnApproverThePolicyDoesNotAllow) {
  Request request = TransferRequest();
  request.approval = GrantFor(request, "intern", "j-2");
  Decision decision;
  Decide(request, &decision);
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_THAT(decision.errors[0].message,
              HasSubstr("no rule permits user `intern` to approve `tool:payments.transfer`"));
  // Not used up: the refusal happened before.
  EXPECT_EQ(used_.size(), 0u);
}

TEST_F(DecideWithApprovalsTest, RefusesAGrantForAnotherArgument) {
  Request approved = TransferRequest();
  Request changed = TransferRequest();
  ASSERT_TRUE(SetArgsJson(R"({"to": "x", "amount": 5000000})", &changed).ok());
  changed.approval = GrantFor(approved, "boss", "j-3");
  Decision decision;
  Decide(changed, &decision);
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_THAT(decision.errors[0].message, HasSubstr("approves another request"));
  EXPECT_EQ(decision.approval_digest, ApprovalDigest(changed, kPolicyHash));
}

TEST_F(DecideWithApprovalsTest, RefusesOutsideItsTimeWindow) {
  Request request = TransferRequest();
  GrantRequest grant;
  grant.digest = ApprovalDigest(request, kPolicyHash);
  grant.approver_id = "boss";
  grant.issued_at = kNow + absl::Seconds(1);
  grant.jti = "early";
  request.approval = *MintGrant(grant, key_.ToPem());
  Decision decision;
  Decide(request, &decision);
  EXPECT_THAT(decision.errors[0].message, HasSubstr("not valid before"));
  grant.issued_at = kNow - kDefaultGrantTtl;  // expires exactly now
  grant.jti = "late";
  request.approval = *MintGrant(grant, key_.ToPem());
  Decide(request, &decision);
  EXPECT_THAT(decision.errors[0].message, HasSubstr("expired"));
}

TEST_F(DecideWithApprovalsTest, NoTrustedKeyNoGrant) {
  trusted_.clear();
  Request request = TransferRequest();
  request.approval = GrantFor(request, "boss", "j-4");
  Decision decision;
  Decide(request, &decision);
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_THAT(decision.errors[0].message, HasSubstr("trusts no approval key"));
}

}  // namespace
}  // namespace ward::internal
