// What approvals cost (docs/approvals.md): computing a request's approval digest, verifying a
// grant (signature and fields), and a whole decision of a request that carries a grant (the
// grant verified, the approver's own decision, the request decided with approvals satisfied,
// the grant used up). Beside them, the same request decided without a grant.
//
//   approval_bench [--benchmark_filter=...]

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "lib/internal/crypto.h"
#include "lib/internal/grants.h"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

constexpr char kPolicy[] = R"(schema {
  user { department: string }
  agent { }
  resource tool { risk: string }
  action invoke, approve on tool
  args { amount: int, to: string }
}
@id("agents") permit agent to invoke on tool;
@id("users") permit user to invoke on tool;
@id("finance-approves") permit user to approve on tool when subject.department == "finance";
@id("high-risk") require_approval any to invoke on tool when resource.risk == "high";
)";

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u-requester", "status": "active", "attrs": {"department": "eng"}},
  {"kind": "user", "id": "u-approver", "status": "active", "attrs": {"department": "finance"}},
  {"kind": "agent", "id": "a-assistant", "owner": "u-requester", "status": "active"}],
 "resources": [{"type": "tool", "id": "payments.transfer", "attrs": {"risk": "high"}}]})";

// Benchmarks that decided wrongly: the process then exits non-zero, so that a smoke run fails.
int failures = 0;
void Fail(benchmark::State& state, const char* what) {
  ++failures;
  state.SkipWithError(what);
}

struct Setup {
  Setup() {
    policy = *CompilePolicy({{"policy.ward", kPolicy}});
    key = *GenerateSigningKey();
    EngineOptions options;
    options.approval_keys.push_back(key.public_key_pem);
    engine = *Engine::Create(policy, *EntityStore::FromJson(kEntities, policy->schema()), options);
    request.subject = {SubjectKind::kAgent, "a-assistant"};
    request.on_behalf_of.push_back({SubjectKind::kUser, "u-requester"});
    request.action = "invoke";
    request.resource = {"tool", "payments.transfer", {}};
    (void)SetArgsJson(R"({"amount": 2500, "to": "acct-7731", "memo": "rent"})", &request);
    request.now = absl::Now();
  }

  std::string Grant(int64_t n) const {
    GrantRequest grant;
    grant.digest = ApprovalDigest(request, policy->hash());
    grant.approver_id = "u-approver";
    grant.issued_at = *request.now - absl::Seconds(1);
    grant.ttl = absl::Hours(1);
    grant.jti = absl::StrCat("bench-", n);
    return *MintGrant(grant, key.private_key_pem);
  }

  std::shared_ptr<const Policy> policy;
  SigningKeyPair key;
  std::unique_ptr<Engine> engine;
  Request request;
};

const Setup& TheSetup() {
  static const Setup* const setup = new Setup();
  return *setup;
}

void BM_DecideNeedsApproval(benchmark::State& state) {
  const Setup& setup = TheSetup();
  Decision decision;
  for (auto _ : state) {
    setup.engine->Decide(setup.request, &decision);
    benchmark::DoNotOptimize(decision.approval_digest.data());
  }
  if (decision.effect != Effect::kNeedsApproval || decision.approval_digest.size() != 64) {
    Fail(state, "expected NEEDS_APPROVAL with a digest");
  }
}
BENCHMARK(BM_DecideNeedsApproval);

void BM_ApprovalDigest(benchmark::State& state) {
  const Setup& setup = TheSetup();
  std::string buffer, digest;
  for (auto _ : state) {
    internal::ComputeApprovalDigest(setup.request, setup.policy->hash(), &buffer, &digest);
    benchmark::DoNotOptimize(digest.data());
  }
}
BENCHMARK(BM_ApprovalDigest);

// The signature and the fields of one grant, without deciding.
void BM_VerifyGrant(benchmark::State& state) {
  const Setup& setup = TheSetup();
  const std::string token = setup.Grant(0);
  const std::vector<internal::Ed25519PublicKey> trusted = {
      *internal::Ed25519PublicKey::FromPem(setup.key.public_key_pem)};
  for (auto _ : state) {
    absl::StatusOr<internal::GrantClaims> claims = internal::ReadGrant(token, trusted);
    benchmark::DoNotOptimize(claims);
    if (!claims.ok()) {
      Fail(state, "the grant does not verify");
      break;
    }
  }
}
BENCHMARK(BM_VerifyGrant)->Unit(benchmark::kMicrosecond);

// A whole decision with a grant; each iteration uses a grant of its own (a grant is single
// use), minted outside the timing.
void BM_DecideWithGrant(benchmark::State& state) {
  const Setup& setup = TheSetup();
  static int64_t next = 1;
  Request request = setup.request;
  Decision decision;
  for (auto _ : state) {
    state.PauseTiming();
    request.approval = setup.Grant(next++);
    state.ResumeTiming();
    setup.engine->Decide(request, &decision);
    if (!decision.approved_by.has_value()) {
      Fail(state, "the grant was not used");
      break;
    }
  }
}
BENCHMARK(BM_DecideWithGrant)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ward

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return ward::failures == 0 ? 0 : 1;
}
