// An engine with a GrantLedger (ward/grant_ledger.h): the ledger is asked only for a grant the
// engine would otherwise accept, and any answer but OK refuses the grant, while decisions
// without grants go on as usual.

#include "ward/grant_ledger.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/grant_fixture.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::HasSubstr;
using ::ward::testing_support::GrantFixture;

// Answers every Consume with `answer`, remembering what it was asked.
class ScriptedLedger : public GrantLedger {
 public:
  absl::Status Consume(absl::string_view jti, absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex);
    asked.emplace_back(std::string(jti), expires_at);
    return answer;
  }
  std::mutex mutex;
  absl::Status answer = absl::OkStatus();
  std::vector<std::pair<std::string, absl::Time>> asked;
};

class GrantLedgerTest : public testing::Test {
 protected:
  void SetUp() override {
    engine_ = fixture_.NewEngine(ledger_);
    ASSERT_NE(engine_, nullptr);
  }

  Request Deploy(const std::string& approver, const std::string& jti) const {
    return fixture_.Granted(GrantFixture::Invoke("deploy"), approver, jti);
  }

  GrantFixture fixture_;
  std::shared_ptr<ScriptedLedger> ledger_ = std::make_shared<ScriptedLedger>();
  std::unique_ptr<Engine> engine_;
};

TEST_F(GrantLedgerTest, AGrantTheLedgerRecordsFirstIsAccepted) {
  const Decision decision = engine_->Decide(Deploy("lead", "g-1"));
  EXPECT_EQ(decision.effect, Effect::kAllow);
  ASSERT_TRUE(decision.approved_by.has_value());
  EXPECT_EQ(decision.approved_by->id, "lead");
  ASSERT_EQ(ledger_->asked.size(), 1u);
  EXPECT_EQ(ledger_->asked[0].first, "g-1");
  EXPECT_GT(ledger_->asked[0].second, absl::Now());  // the grant's exp
}

TEST_F(GrantLedgerTest, AGrantAnotherEngineUsedIsRefused) {
  ledger_->answer = absl::AlreadyExistsError("used");
  const Decision decision = engine_->Decide(Deploy("lead", "g-2"));
  EXPECT_EQ(decision.effect, Effect::kNeedsApproval);
  EXPECT_FALSE(decision.approved_by.has_value());
  ASSERT_FALSE(decision.errors.empty());
  EXPECT_THAT(decision.errors[0].message, HasSubstr("already used (recorded in the fleet's"));
}

TEST_F(GrantLedgerTest, ALedgerThatCannotAnswerRefusesGrantsOnly) {
  ledger_->answer = absl::UnavailableError("cannot connect to Redis at 127.0.0.1:1");
  const Decision refused = engine_->Decide(Deploy("lead", "g-3"));
  EXPECT_EQ(refused.effect, Effect::kNeedsApproval);
  ASSERT_FALSE(refused.errors.empty());
  EXPECT_THAT(refused.errors[0].message,
              HasSubstr("could not be recorded in the fleet's grant ledger, so it is refused: "
                        "cannot connect to Redis at 127.0.0.1:1"));
  // The same grant stays used here: the ledger is not asked again, and it is refused.
  const size_t asked = ledger_->asked.size();
  ledger_->answer = absl::OkStatus();
  EXPECT_EQ(engine_->Decide(Deploy("lead", "g-3")).effect, Effect::kNeedsApproval);
  EXPECT_EQ(ledger_->asked.size(), asked);

  // Decisions without a grant do not involve the ledger.
  EXPECT_EQ(engine_->Decide(GrantFixture::Invoke("status")).effect, Effect::kAllow);
  EXPECT_EQ(engine_->Decide(GrantFixture::Invoke("deploy")).effect, Effect::kNeedsApproval);
  EXPECT_EQ(ledger_->asked.size(), asked);
}

TEST_F(GrantLedgerTest, AGrantRefusedForAnotherReasonNeverReachesTheLedger) {
  // An approver the policy does not allow, and a grant for another request.
  EXPECT_EQ(engine_->Decide(Deploy("sam", "g-4")).effect, Effect::kNeedsApproval);
  Request mismatched = fixture_.Granted(GrantFixture::Invoke("status"), "lead", "g-5");
  mismatched.resource.id = "deploy";
  EXPECT_EQ(engine_->Decide(mismatched).effect, Effect::kNeedsApproval);
  EXPECT_TRUE(ledger_->asked.empty());
}

}  // namespace
}  // namespace ward
