#ifndef WARD_TESTING_GRANT_FIXTURE_H_
#define WARD_TESTING_GRANT_FIXTURE_H_

// A small policy with approvals, for tests of grants and grant ledgers: user "sam" may invoke
// tools; tool "deploy" (high risk) needs a person's approval, tool "status" does not; user
// "lead" may approve. Engines made here trust the fixture's key, whose grants Granted signs.

#include <memory>
#include <string>

#include "ward/approval.h"
#include "ward/engine.h"
#include "ward/grant_ledger.h"
#include "ward/policy.h"
#include "ward/request.h"

namespace ward::testing_support {

class GrantFixture {
 public:
  // Compiles the policy and makes the key pair; gtest failures when either fails.
  GrantFixture();

  // An engine over the fixture's policy and entities that trusts its key, with `ledger`.
  std::unique_ptr<Engine> NewEngine(std::shared_ptr<GrantLedger> ledger) const;

  // sam invokes `tool` ("deploy" needs approval; "status" is allowed).
  static Request Invoke(const std::string& tool);
  // `request` with a grant for exactly it, by `approver`, with id `jti`, issued a second ago.
  Request Granted(Request request, const std::string& approver, const std::string& jti) const;

 private:
  std::shared_ptr<const Policy> policy_;
  SigningKeyPair keys_;
};

}  // namespace ward::testing_support

#endif  // WARD_TESTING_GRANT_FIXTURE_H_
