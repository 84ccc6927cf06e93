// The Redis grant ledger against Debian's real redis-server, started and stopped here: two
// engines (two replicas) share one record of used grants, and when Redis stops mid-run grants
// are refused (fail closed) while every other decision goes on, until Redis is back.

#include "ward/redis_ledger.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/grant_fixture.h"
#include "testing/redis_server.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::HasSubstr;
using ::ward::testing_support::FreePort;
using ::ward::testing_support::GrantFixture;
using ::ward::testing_support::RedisServer;

class RedisLedgerTest : public testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    redis_ = std::make_unique<RedisServer>(port_);
    ASSERT_NO_FATAL_FAILURE(redis_->Start());
    RedisLedgerOptions ledger;
    ledger.port = port_;
    ledger.key_prefix = absl::StrCat("test:", port_, ":");
    // Two replicas: each its own engine, its own connection, the same Redis.
    first_ = fixture_.NewEngine(NewRedisGrantLedger(ledger));
    second_ = fixture_.NewEngine(NewRedisGrantLedger(ledger));
    ASSERT_NE(first_, nullptr);
    ASSERT_NE(second_, nullptr);
  }

  static Request Deploy() { return GrantFixture::Invoke("deploy"); }
  Request Granted(const std::string& jti) const { return fixture_.Granted(Deploy(), "lead", jti); }

  static std::string FirstError(const Decision& decision) {
    return decision.errors.empty() ? "" : decision.errors[0].message;
  }

  int port_ = 0;
  std::unique_ptr<RedisServer> redis_;
  GrantFixture fixture_;
  std::unique_ptr<Engine> first_;
  std::unique_ptr<Engine> second_;
};

TEST_F(RedisLedgerTest, AGrantIsUsedOnceAcrossTheFleet) {
  const Request request = Granted("fleet-1");
  const Decision used = first_->Decide(request);
  EXPECT_EQ(used.effect, Effect::kAllow) << FirstError(used);
  ASSERT_TRUE(used.approved_by.has_value());

  const Decision replayed = second_->Decide(request);  // the same grant, another replica
  EXPECT_EQ(replayed.effect, Effect::kNeedsApproval);
  EXPECT_THAT(FirstError(replayed), HasSubstr("already used (recorded in the fleet's"));

  // Another grant for the same call is another use: the second replica accepts it.
  EXPECT_EQ(second_->Decide(Granted("fleet-2")).effect, Effect::kAllow);
}

TEST_F(RedisLedgerTest, WhileRedisIsDownGrantsAreRefusedAndEverythingElseIsDecided) {
  ASSERT_EQ(first_->Decide(Granted("before")).effect, Effect::kAllow);

  redis_->Stop();
  const Decision refused = first_->Decide(Granted("during"));
  EXPECT_EQ(refused.effect, Effect::kNeedsApproval);
  EXPECT_THAT(FirstError(refused),
              HasSubstr("could not be recorded in the fleet's grant ledger, so it is refused"));
  EXPECT_THAT(FirstError(refused), HasSubstr(absl::StrCat("127.0.0.1:", port_)));
  EXPECT_EQ(second_->Decide(Granted("during-2")).effect, Effect::kNeedsApproval);
  EXPECT_EQ(first_->Decide(GrantFixture::Invoke("status")).effect, Effect::kAllow);
  EXPECT_EQ(second_->Decide(Deploy()).effect, Effect::kNeedsApproval);
  EXPECT_TRUE(FirstError(second_->Decide(Deploy())).empty());

  // Back (empty: it kept nothing): both replicas reconnect on their next grant.
  ASSERT_NO_FATAL_FAILURE(redis_->Start());
  EXPECT_EQ(first_->Decide(Granted("after")).effect, Effect::kAllow);
  EXPECT_EQ(second_->Decide(Granted("after-2")).effect, Effect::kAllow);
  EXPECT_EQ(first_->Decide(Granted("after-2")).effect, Effect::kNeedsApproval);
}

UnknownIdentity Seen(SubjectKind kind, const std::string& id, uint64_t count) {
  UnknownIdentity identity;
  identity.identity = {kind, id};
  identity.count = count;
  return identity;
}

TEST(RedisUnknownIdentitiesTest, ReplicasAddWhatTheySawSinceTheirLastAdd) {
  RedisServer redis(FreePort());
  ASSERT_NO_FATAL_FAILURE(redis.Start());
  RedisLedgerOptions options;
  options.port = redis.port();
  RedisUnknownIdentities first(options);
  RedisUnknownIdentities second(options);
  ASSERT_TRUE(
      first.Add({Seen(SubjectKind::kAgent, "ghost", 2), Seen(SubjectKind::kUser, "who:me", 1)})
          .ok());
  // Added again with the same counts: nothing more.
  ASSERT_TRUE(first.Add({Seen(SubjectKind::kAgent, "ghost", 2)}).ok());
  ASSERT_TRUE(second.Add({Seen(SubjectKind::kAgent, "ghost", 3)}).ok());
  // The first replica's engine forgot "ghost" and saw it once since: 1 more.
  ASSERT_TRUE(first.Add({Seen(SubjectKind::kAgent, "ghost", 1)}).ok());
  // Forgotten (no longer listed), then seen 3 times: 3 more, not 3 - 1.
  ASSERT_TRUE(first.Add({}).ok());
  ASSERT_TRUE(first.Add({Seen(SubjectKind::kAgent, "ghost", 3)}).ok());
  absl::StatusOr<std::vector<std::pair<IdentityRef, uint64_t>>> counts = second.Read();
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].first.id, "ghost");
  EXPECT_EQ((*counts)[0].first.kind, SubjectKind::kAgent);
  EXPECT_EQ((*counts)[0].second, 9u);          // 2 + 3 + 1 + 3
  EXPECT_EQ((*counts)[1].first.id, "who:me");  // an id with a colon reads back whole
  EXPECT_EQ((*counts)[1].second, 1u);

  // What cannot be added while Redis is down is added once it is back.
  redis.Stop();
  EXPECT_TRUE(absl::IsUnavailable(second.Add({Seen(SubjectKind::kAgent, "ghost", 7)})));
  EXPECT_TRUE(absl::IsUnavailable(second.Read().status()));
  ASSERT_NO_FATAL_FAILURE(redis.Start());  // empty again: it kept nothing
  ASSERT_TRUE(second.Add({Seen(SubjectKind::kAgent, "ghost", 7)}).ok());
  counts = first.Read();
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].second, 4u);  // 7 seen, 3 of them added before
}

TEST(RedisLedgerNoServerTest, AnEngineStartsWithoutRedisAndRefusesGrants) {
  RedisLedgerOptions options;
  options.port = FreePort();
  std::shared_ptr<GrantLedger> ledger = NewRedisGrantLedger(options);
  const absl::Status status = ledger->Consume("x", absl::Now() + absl::Minutes(1));
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("cannot connect to Redis at 127.0.0.1:"));
}

}  // namespace
}  // namespace ward
