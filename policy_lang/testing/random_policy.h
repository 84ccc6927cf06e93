// Random policy sets, entity files and requests for differential testing (see
// policy_lang/differential_test.cc).
//
// A case is a pure function of its seed: the generator draws every choice from its own
// SplitMix64 stream, never from the clock or from std:: distributions (whose output differs
// between standard libraries), so a failing seed replays the same case on every machine.
//
// The policy is generated as TEXT, type-correct by construction: every generated policy must
// compile, and one that does not is a bug of the generator. Names and values are drawn from
// small pools shared by the schema, the rules, the entities and the requests, so that heads
// match and conditions go every way (true, false, evaluation error) often.

#ifndef WARD_POLICY_LANG_TESTING_RANDOM_POLICY_H_
#define WARD_POLICY_LANG_TESTING_RANDOM_POLICY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "testing/random.h"
#include "ward/compile.h"

namespace ward::random_policy {

// The generator's random numbers (testing/random.h).
using SplitMix64 = testing_support::SplitMix64;

// One generated case: a policy set, an entity file valid for its schema, and requests.
struct RandomCase {
  uint64_t seed = 0;
  std::vector<SourceFile> sources;
  std::string entities_json;
  // Each a request in the exchange format, with `now` set (always the same instant, though
  // not always spelled the same way).
  std::vector<std::string> requests_json;
};

// How often each form of the language and of the inputs was generated, keyed by a short name
// such as "head.resource.matching", "op.starts_with" or "request.chain.8".
using FormCounts = std::map<std::string, int64_t>;

// Generates the case of `seed` with `request_count` requests. When `forms` is not null, adds
// to it the count of every form generated.
RandomCase GenerateRandomCase(uint64_t seed, int request_count, FormCounts* forms = nullptr);

// Every form name GenerateRandomCase counts. A long enough run generates each of them.
const std::vector<std::string>& AllForms();

}  // namespace ward::random_policy

#endif  // WARD_POLICY_LANG_TESTING_RANDOM_POLICY_H_
