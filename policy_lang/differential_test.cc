// The differential test: ward::Engine, which runs the compiled decision tree, against the
// reference interpreter (internal::Interpret), the oracle, on random policy sets, entity files
// and requests (policy_lang/testing/random_policy.h). Four engines decide each request: the
// reference, the engine over the compiled policy, and an engine over the policy loaded back
// from its bundle's bytes (SerializeBundle, LoadBundle), and an engine behind the C interface
// (libward.so), which decides the request's JSON text. The last runs in a process of its own,
// bindings/c/c_peer.c, since libward.so carries its own copy of the runtime and of the
// bundle's protobuf descriptors, which may be registered once per process. Each must give the
// reference's decision on every input: the same JSON, error messages and keys outside the
// contract aside, through every entry point (Decide, Decide into a reused Decision, Explain,
// ward_decide_json, and Decide through a RequestBuilder, which remembers the records it found
// from one request of a set to the next), and Explain must list the same candidates with the
// same outcomes as the reference's trace.
//
// Grants are part of it: both sides decide through the same grant flow
// (internal::DecideWithApprovals), each with its own engine underneath and its own record of
// used grants, so that the engines' handling of satisfied approvals and of the approvers' own
// decisions is compared, as is invalid_request, which each engine checks its own way.
//
// It is also the property test of typed policies: the generated schemas have optional
// attributes and enums, every generated policy passes the checker, every entity file loads,
// and no decision may carry an evaluation error except from reading the attributes of a
// resource that is neither stored nor described inline (LANGUAGE.md, Revision 2).
//
// Environment:
//   WARD_DIFF_ITERATIONS=N  decide N random policy sets (default 1000) of 100 requests each;
//                           from 300 on, also check that they covered every construct and
//                           outcome;
//   WARD_DIFF_SEED=S        replay the one set of seed S (decimal or 0x-hex), as printed by a
//                           failure, and print its policy and entities;
//   WARD_C_PEER=PATH        the peer program (the build gives its path; Bazel sets this).

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/internal/crypto.h"
#include "lib/internal/grants.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/vm.h"
#include "lib/reference/interpreter.h"
#include "nlohmann/json.hpp"
#include "policy_lang/testing/random_policy.h"
#include "ward/approval.h"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/decision.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/request.h"
#include "ward/request_builder.h"

namespace ward {
namespace {

using json = nlohmann::json;
using random_policy::FormCounts;
using random_policy::RandomCase;

constexpr int64_t kDefaultSets = 1000;
constexpr int kRequestsPerSet = 100;
// A broken engine usually disagrees everywhere; a few reports are enough to debug it.
constexpr int kMaxMismatches = 3;
// Set i of a run has the i-th seed of this stream, so a run of N sets replays the first N
// sets of every longer run.
constexpr uint64_t kSeedStream = 0x7761726464696666;  // "warddiff"
// Below this many sets, a run is too short to be expected to generate every form.
constexpr int64_t kSetsForCoverage = 300;

// ---- What is compared ----

// The keys of the decision contract. Anything else an engine adds (a policy hash, timings) is
// not compared, and neither is an error's message, which is for people.
json Comparable(const std::string& decision_json) {
  const json parsed = json::parse(decision_json);
  json out = json::object();
  for (const char* key : {"effect", "reason", "denied_by", "rules", "obligations", "errors",
                          "approval", "approved_by", "shadow"}) {
    if (auto it = parsed.find(key); it != parsed.end()) out[key] = *it;
  }
  if (out.contains("errors")) {
    for (json& error : out["errors"]) error.erase("message");
  }
  return out;
}

// The JSON of `decision` without error messages and the policy hash. Two decisions whose
// renderings are equal agree on every key of the contract: comparing these strings is the
// fast path, and Comparable decides only when they differ (as they would if an engine added
// another key). Parsing every decision instead would take most of the test's time.
std::string Rendered(Decision decision) {
  for (EvaluationError& error : decision.errors) error.message.clear();
  decision.policy_hash = 0;
  return decision.ToJson();
}

// One line per principal (its role, who it is, its guard, its own decision), each followed by
// its candidates (rule, effect, outcome) sorted, since engines may visit candidates in any
// order. Rules may share a name, so the candidates are a multiset. Condition texts and the
// clause-by-clause values are not compared: they explain, and a compiled engine may word them
// differently.
std::vector<std::string> ComparableTrace(const Trace& trace) {
  std::vector<std::string> lines;
  for (const TracePrincipal& principal : trace.principals) {
    lines.push_back(absl::StrCat(
        principal.role, ": ", SubjectKindName(principal.identity.kind), " ", principal.identity.id,
        ", guard ", principal.guard ? ReasonName(*principal.guard) : absl::string_view("passed"),
        ", ", EffectName(principal.effect), " ", ReasonName(principal.reason)));
    const size_t first = lines.size();
    for (const TraceRule& rule : principal.candidates) {
      lines.push_back(absl::StrCat("  ", rule.rule, " (", rule.effect,
                                   rule.shadow ? ", shadow" : "",
                                   "): ", TraceOutcomeName(rule.outcome)));
    }
    std::sort(lines.begin() + static_cast<ptrdiff_t>(first), lines.end());
  }
  return lines;
}

// ---- The engine behind the C interface ----

// The peer (bindings/c/c_peer.c, which documents the protocol): an engine behind libward.so
// in a process of its own, spoken to through two pipes.
class CPeer {
 public:
  static absl::StatusOr<std::unique_ptr<CPeer>> Start() {
    std::string path;
    if (const char* given = std::getenv("WARD_C_PEER"); given != nullptr && *given) path = given;
#ifdef WARD_C_PEER_PATH
    if (path.empty()) path = WARD_C_PEER_PATH;
#endif
    if (path.empty()) {
      return absl::FailedPreconditionError(
          "no peer program: set WARD_C_PEER to the path of ward_c_peer (bindings/c)");
    }
    if (access(path.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the peer program `", path, "` cannot be run: ", std::strerror(errno)));
    }
    // A peer that dies makes writes to it fail with EPIPE, reported, rather than kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    int to_peer[2];
    int from_peer[2];
    if (pipe(to_peer) != 0) return absl::InternalError("pipe failed");
    if (pipe(from_peer) != 0) {
      close(to_peer[0]);
      close(to_peer[1]);
      return absl::InternalError("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_peer[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_peer[1], STDOUT_FILENO);
    for (int fd : {to_peer[0], to_peer[1], from_peer[0], from_peer[1]}) {
      posix_spawn_file_actions_addclose(&actions, fd);
    }
    char* const argv[] = {path.data(), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(to_peer[0]);
    close(from_peer[1]);
    if (spawned != 0) {
      close(to_peer[1]);
      close(from_peer[0]);
      return absl::InternalError(
          absl::StrCat("cannot start `", path, "`: ", std::strerror(spawned)));
    }
    return std::unique_ptr<CPeer>(
        new CPeer(pid, fdopen(to_peer[1], "w"), fdopen(from_peer[0], "r")));
  }

  ~CPeer() { Stop().IgnoreError(); }

  // Ends the peer's input and waits for it: an error unless it exited with 0 (a crash, or a
  // leak or other report of a sanitizer, fails the test).
  absl::Status Stop() {
    if (pid_ == 0) return absl::OkStatus();
    std::fclose(to_);
    std::fclose(from_);
    int status = 0;
    const pid_t waited = waitpid(pid_, &status, 0);
    pid_ = 0;
    if (waited < 0) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    return absl::InternalError(
        WIFEXITED(status) ? absl::StrCat("the peer exited with status ", WEXITSTATUS(status))
                          : absl::StrCat("the peer was killed by signal ", WTERMSIG(status)));
  }

  // Replaces the peer's engine with one for `sources` and `entities_json` that accepts grants
  // signed by `approval_key_pem`.
  absl::Status CreateEngine(const std::vector<SourceFile>& sources,
                            const std::string& entities_json, const std::string& approval_key_pem) {
    for (const SourceFile& source : sources) {
      Send('S', absl::StrCat(source.name, std::string(1, '\0'), source.text));
    }
    Send('K', approval_key_pem);
    Send('N', entities_json);
    absl::StatusOr<std::string> answer = Receive();
    return answer.ok() ? absl::OkStatus() : answer.status();
  }

  // The decision's JSON (ward_decision_json) for a request in the JSON exchange format.
  absl::StatusOr<std::string> Decide(const std::string& request_json) {
    Send('D', request_json);
    return Receive();
  }

 private:
  CPeer(pid_t pid, FILE* to, FILE* from) : pid_(pid), to_(to), from_(from) {}

  void Send(char command, const std::string& payload) {
    std::fprintf(to_, "%c %zu\n", command, payload.size());
    std::fwrite(payload.data(), 1, payload.size(), to_);
  }

  // The answer's payload for status 0 (WARD_OK); any other status as an error.
  absl::StatusOr<std::string> Receive() {
    if (std::fflush(to_) != 0) {
      return absl::InternalError(absl::StrCat("writing to the peer: ", std::strerror(errno)));
    }
    int status = 0;
    size_t length = 0;
    if (std::fscanf(from_, "%d %zu", &status, &length) != 2 || std::fgetc(from_) != '\n') {
      return absl::InternalError("the peer gave no answer (did it exit? see its stderr)");
    }
    std::string payload(length, '\0');
    if (length > 0 && std::fread(payload.data(), 1, length, from_) != length) {
      return absl::InternalError("the peer's answer ends early");
    }
    if (status != 0) {
      return absl::InternalError(absl::StrCat("C interface status ", status, ": ", payload));
    }
    return payload;
  }

  pid_t pid_;
  FILE* to_;
  FILE* from_;
};

// ---- Running ----

struct Options {
  int64_t sets = kDefaultSets;
  std::optional<uint64_t> seed;  // replay this one set
};

absl::StatusOr<Options> OptionsFromEnvironment() {
  Options options;
  if (const char* text = std::getenv("WARD_DIFF_ITERATIONS"); text != nullptr && *text) {
    char* end = nullptr;
    errno = 0;
    const long long sets = std::strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || sets <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("WARD_DIFF_ITERATIONS must be a positive integer, found `", text, "`"));
    }
    options.sets = sets;
  }
  if (const char* text = std::getenv("WARD_DIFF_SEED"); text != nullptr && *text) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long seed = std::strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0') {
      return absl::InvalidArgumentError(absl::StrCat(
          "WARD_DIFF_SEED must be an integer (decimal or 0x-hex), found `", text, "`"));
    }
    options.seed = seed;
  }
  return options;
}

std::string SeedText(uint64_t seed) {
  return absl::StrCat("0x", absl::Hex(seed, absl::kZeroPad16));
}

// The entity file with one entity per line: still JSON (to save and load with `ward eval`),
// and readable.
std::string EntitiesText(const std::string& entities_json) {
  const json entities = json::parse(entities_json);
  std::string out = "--- entities\n{";
  const char* separator = "";
  for (const char* key : {"identities", "resources"}) {
    absl::StrAppend(&out, separator, "\"", key, "\": [");
    const char* comma = "";
    for (const json& entity : entities.at(key)) {
      absl::StrAppend(&out, comma, "\n  ", entity.dump());
      comma = ",";
    }
    out += "]";
    separator = ",\n ";
  }
  return out + "}\n";
}

std::string SourcesText(const RandomCase& random_case) {
  std::string out;
  for (const SourceFile& source : random_case.sources) {
    absl::StrAppend(&out, "--- source ", source.name, "\n", source.text);
  }
  return out;
}

// What a run saw, to check that the generator reaches every outcome, not only every form.
struct Stats {
  int64_t sets = 0;
  int64_t requests = 0;
  FormCounts forms;
  std::map<std::string, int64_t> reasons;
  std::map<std::string, int64_t> outcomes;  // of candidates, in traces
  int64_t with_errors = 0;
  int64_t with_redactions = 0;
  int64_t with_limits = 0;
  int64_t delegated_allows = 0;            // ALLOW with a chain
  std::map<std::string, int64_t> shadows;  // decisions with a shadow outcome, by its effect
  std::map<std::string, int64_t> grants;   // how requests with a grant were decided
  // Conditions whose first test settles them when false (VmOp::kLoadFirstTest), and those of
  // them whose attribute another rule's first test reads too (read once by the engine).
  int64_t first_tests = 0;
  int64_t shared_first_tests = 0;
  int64_t engines_agreeing = 0;  // requests every engine decided as the reference did
  int64_t mismatches = 0;
};

// The keys of the run: grants signed by the first are trusted, by the second not. Fixed
// seeds, so that a replayed set mints the same tokens.
struct Keys {
  internal::Ed25519PrivateKey trusted;
  internal::Ed25519PrivateKey untrusted;
};

const Keys& TestKeys() {
  static const Keys* const keys = [] {
    auto trusted = internal::Ed25519PrivateKey::FromRawSeed(std::string(32, '\x01'));
    auto untrusted = internal::Ed25519PrivateKey::FromRawSeed(std::string(32, '\x02'));
    return new Keys{*trusted, *untrusted};
  }();
  return *keys;
}

// The reference: the interpreter, with its own invalid_request check, under the grant flow.
class Reference {
 public:
  Reference(const Policy& policy, const EntityStore& entities)
      : policy_(policy), entities_(entities), used_(1 << 20) {
    trusted_.push_back(TestKeys().trusted.PublicKey());
  }

  Decision Decide(const Request& request, absl::Time now, Trace* trace) {
    if (internal::InvalidRequestReason(internal::IrOf(policy_), entities_, request).has_value()) {
      return internal::Interpret(internal::IrOf(policy_), entities_, request, now, trace);
    }
    internal::ApprovalSettings settings;
    settings.trusted_keys = trusted_;
    settings.consumed = &used_;
    Decision decision;
    internal::DecideWithApprovals(
        request, now, policy_.hash(), settings,
        [&](const Request& decided, bool approvals_satisfied, Decision* out) {
          Trace* traced = &decided == &request ? trace : nullptr;
          if (traced != nullptr) *traced = Trace();
          Decision result = internal::Interpret(internal::IrOf(policy_), entities_, decided, now,
                                                traced, approvals_satisfied);
          out->effect = result.effect;
          out->reason = result.reason;
          out->denied_by = std::move(result.denied_by);
          out->rules = std::move(result.rules);
          out->obligations = std::move(result.obligations);
          out->errors = std::move(result.errors);
          out->shadow = std::move(result.shadow);
        },
        &decision);
    decision.policy_hash = policy_.hash();
    return decision;
  }

 private:
  const Policy& policy_;
  const EntityStore& entities_;
  std::vector<internal::Ed25519PublicKey> trusted_;
  internal::ConsumedGrants used_;
};

// A grant for `request`, drawn from `rng`: mostly a well-formed one from the trusted key for
// its digest and an identity of the store as approver, sometimes a faulty one (another digest,
// an untrusted key, expired, not yet valid).
std::string DrawGrant(const Request& request, const std::string& digest, absl::Time now,
                      const EntityStore& entities, random_policy::SplitMix64* rng,
                      std::string* kind) {
  std::vector<std::string> ids;
  for (const char* id : {"u1", "u2", "u3", "a1", "x1", "ghost"}) ids.push_back(id);
  GrantRequest grant;
  grant.approver_id = ids[rng->Below(ids.size())];
  grant.digest = digest;
  grant.issued_at = now - absl::Minutes(1);
  grant.ttl = absl::Hours(24 * 365 * 100);
  grant.jti = absl::StrCat("jti-", rng->Next());
  const internal::Ed25519PrivateKey* key = &TestKeys().trusted;
  *kind = "well-formed";
  switch (rng->Below(10)) {
    case 0:
      grant.digest = std::string(64, 'a');
      *kind = "other digest";
      break;
    case 1:
      key = &TestKeys().untrusted;
      *kind = "untrusted key";
      break;
    case 2:
      grant.issued_at = now - absl::Hours(2);
      grant.ttl = absl::Hours(1);
      *kind = "expired";
      break;
    case 3:
      grant.issued_at = now + absl::Hours(1);
      *kind = "not yet valid";
      break;
    default:
      break;
  }
  absl::StatusOr<std::string> token = MintGrant(grant, key->ToPem());
  return token.ok() ? *token : std::string("not-a-token");
}

void Record(const Request& request, const Decision& decision, const Trace& trace, Stats* stats) {
  ++stats->requests;
  ++stats->reasons[std::string(ReasonName(decision.reason))];
  if (!decision.errors.empty()) ++stats->with_errors;
  if (decision.shadow.has_value()) {
    ++stats->shadows[absl::StrCat(EffectName(decision.effect), " -> ",
                                  EffectName(decision.shadow->effect))];
  }
  if (decision.effect == Effect::kAllow) {
    if (!decision.obligations.redact.empty()) ++stats->with_redactions;
    if (!decision.obligations.limits.empty()) ++stats->with_limits;
    if (!request.on_behalf_of.empty()) ++stats->delegated_allows;
  }
  for (const TracePrincipal& principal : trace.principals) {
    for (const TraceRule& rule : principal.candidates) {
      ++stats->outcomes[std::string(TraceOutcomeName(rule.outcome))];
    }
  }
}

// Reports one disagreement with everything needed to reproduce it.
void ReportMismatch(const RandomCase& random_case, size_t request_index,
                    const std::string& request_json, absl::string_view entry_point,
                    const std::string& expected, const std::string& actual, Stats* stats) {
  ++stats->mismatches;
  ADD_FAILURE() << entry_point << " disagrees with the reference interpreter.\n"
                << "Replay: WARD_DIFF_SEED=" << SeedText(random_case.seed) << " (request "
                << request_index << " of the set)\n"
                << SourcesText(random_case) << EntitiesText(random_case.entities_json)
                << "--- request\n"
                << request_json << "\n--- reference\n"
                << expected << "\n--- " << entry_point << "\n"
                << actual << "\n";
}

// Whether the C interface's engine decides `request_json` as the reference did (`expected`).
// `engine_decision` is the C++ engine's decision, which agreed with the reference: the C
// interface runs the same runtime, so it must give the same JSON byte for byte, error
// messages and policy hash included (the fast path); failing that, the contract's keys are
// compared with the reference's.
bool CheckCEngine(CPeer* c_engine, const std::string& request_json, const Decision& engine_decision,
                  const Decision& expected, const RandomCase& random_case, size_t request_index,
                  Stats* stats) {
  absl::StatusOr<std::string> actual = c_engine->Decide(request_json);
  if (actual.ok() && *actual == engine_decision.ToJson()) return true;
  const std::string expected_json = expected.ToJson();
  if (actual.ok() && Comparable(*actual) == Comparable(expected_json)) return true;
  ReportMismatch(random_case, request_index, request_json, "ward_decide_json (C interface)",
                 expected_json, actual.ok() ? *actual : actual.status().ToString(), stats);
  return false;
}

// Decides every request of the set of `seed` with the engines and with the reference.
void CountFirstTests(const internal::Program& program, Stats* stats) {
  std::map<uint32_t, int64_t> by_attribute;
  for (const internal::ProgramRule& rule : program.rules) {
    for (internal::CodeRange condition : {rule.when, rule.unless}) {
      if (condition.empty()) continue;
      const internal::VmInstruction& first = program.vm->code[condition.begin];
      if (first.op == internal::VmOp::kLoadFirstTest) ++by_attribute[first.arg];
    }
  }
  for (const auto& [attribute, count] : by_attribute) {
    stats->first_tests += count;
    if (count >= 2) stats->shared_first_tests += count;
  }
}

void RunSet(uint64_t seed, bool verbose, CPeer* c_engine, Stats* stats) {
  ++stats->sets;
  const RandomCase random_case =
      random_policy::GenerateRandomCase(seed, kRequestsPerSet, &stats->forms);
  const std::string replay = absl::StrCat("WARD_DIFF_SEED=", SeedText(seed));
  if (verbose) {
    std::cout << replay << "\n"
              << SourcesText(random_case) << EntitiesText(random_case.entities_json);
  }

  // A generated input that ward rejects is a bug of the generator, which is meant to produce
  // valid input only.
  CompileOptions compile_options;
  compile_options.keep_rules = true;  // the reference interprets them
  const CompileResult compiled = Compile(random_case.sources, compile_options);
  if (compiled.policy == nullptr) {
    ++stats->mismatches;
    ADD_FAILURE() << "generator bug: the policy of " << replay << " does not compile:\n"
                  << FormatDiagnostics(compiled.diagnostics) << SourcesText(random_case);
    return;
  }
  const std::shared_ptr<const Policy>& policy = compiled.policy;
  absl::StatusOr<EntityStore> entities =
      EntityStore::FromJson(random_case.entities_json, policy->schema());
  if (!entities.ok()) {
    ++stats->mismatches;
    ADD_FAILURE() << "generator bug: the entities of " << replay
                  << " do not load: " << entities.status() << "\n"
                  << SourcesText(random_case) << "--- entities\n"
                  << random_case.entities_json;
    return;
  }
  EngineOptions engine_options;
  engine_options.approval_keys.push_back(TestKeys().trusted.PublicKey().ToPem());
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(policy, *entities, engine_options);
  if (!engine.ok()) {
    ++stats->mismatches;
    ADD_FAILURE() << "Engine::Create fails for " << replay << ": " << engine.status();
    return;
  }

  CountFirstTests(internal::ProgramOf(*policy), stats);

  // The same policy through its bundle's bytes.
  const std::string bundle = SerializeBundle(*policy);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bundle);
  if (!loaded.ok()) {
    ++stats->mismatches;
    ADD_FAILURE() << "LoadBundle fails for " << replay << ": " << loaded.status();
    return;
  }
  absl::StatusOr<std::unique_ptr<Engine>> bundle_engine =
      Engine::Create(*loaded, *entities, engine_options);
  if (!bundle_engine.ok()) {
    ++stats->mismatches;
    ADD_FAILURE() << "no engine from the bundle of " << replay << ": " << bundle_engine.status();
    return;
  }

  // The same policy text and entities behind the C interface.
  if (absl::Status created = c_engine->CreateEngine(random_case.sources, random_case.entities_json,
                                                    TestKeys().trusted.PublicKey().ToPem());
      !created.ok()) {
    ++stats->mismatches;
    ADD_FAILURE() << "no engine behind the C interface for " << replay << ": " << created;
    return;
  }

  Reference reference(*policy, *entities);
  // Grants are drawn from a stream of their own, so that they do not shift the generator's.
  random_policy::SplitMix64 grant_rng(seed ^ 0x6772616e74);  // "grant"
  // One Decision for the whole set: a decision must not depend on what the storage held.
  Decision reused;
  RequestBuilder builder;
  for (size_t i = 0; i < random_case.requests_json.size(); ++i) {
    if (stats->mismatches >= kMaxMismatches) return;
    const std::string& request_json = random_case.requests_json[i];
    absl::StatusOr<Request> request = ParseRequestJson(request_json);
    if (!request.ok()) {
      ++stats->mismatches;
      ADD_FAILURE() << "generator bug: request " << i << " of " << replay
                    << " is invalid: " << request.status() << "\n"
                    << request_json;
      return;
    }
    const absl::Time now = *request->now;

    const Decision expected = reference.Decide(*request, now, nullptr);
    const std::string want = Rendered(expected);
    auto check = [&](absl::string_view entry_point, const Decision& actual) {
      if (Rendered(actual) == want) return true;
      const std::string expected_json = expected.ToJson();
      const std::string actual_json = actual.ToJson();
      if (Comparable(actual_json) == Comparable(expected_json)) return true;
      ReportMismatch(random_case, i, request_json, entry_point, expected_json, actual_json, stats);
      return false;
    };

    // The invariant typed policies buy (LANGUAGE.md, Revision 2, "Typed policies"): a policy
    // that checks, entities that load and a request that is not invalid_request yield no
    // evaluation error, except reading attributes of a resource the store lacks and the
    // request does not describe with inline attributes.
    const bool resource_undescribed =
        entities->FindResource(request->resource.type, request->resource.id) == nullptr &&
        request->resource.attrs.empty();
    for (const EvaluationError& error : expected.errors) {
      if (error.rule.empty() || resource_undescribed) continue;
      ++stats->mismatches;
      ADD_FAILURE() << "evaluation error from a checked policy: rule `" << error.rule
                    << "`: " << error.message << "\n"
                    << replay << " request " << i << "\n"
                    << SourcesText(random_case) << "--- request\n"
                    << request_json;
      break;
    }

    const Decision decided = (*engine)->Decide(*request);
    if (!check("Engine::Decide", decided)) continue;
    (*engine)->Decide(*request, &reused);
    if (!check("Engine::Decide into a reused Decision", reused)) continue;
    if (!check("Engine::Decide over the policy loaded from its bundle",
               (*bundle_engine)->Decide(*request))) {
      continue;
    }
    // Through one builder for the whole set: the first decision finds the records of whatever
    // ids changed since the request before, the second reads what the first found.
    builder.SetRequest(*request);
    (*engine)->Decide(&builder, &reused);
    if (!check("Engine::Decide through a RequestBuilder", reused)) continue;
    (*engine)->Decide(&builder, &reused);
    if (!check("Engine::Decide through a RequestBuilder, again", reused)) continue;
    if (!CheckCEngine(c_engine, request_json, decided, expected, random_case, i, stats)) {
      continue;
    }
    ++stats->engines_agreeing;

    // The reference's trace, and a check of the oracle itself: tracing must not change its
    // decision, since Explain is compared against both.
    Trace expected_trace;
    const Decision traced = reference.Decide(*request, now, &expected_trace);
    if (!check("internal::Interpret with a trace", traced)) continue;
    Trace actual_trace;
    if (!check("Engine::Explain", (*engine)->Explain(*request, &actual_trace))) continue;
    const std::vector<std::string> want_trace = ComparableTrace(expected_trace);
    const std::vector<std::string> got_trace = ComparableTrace(actual_trace);
    if (want_trace != got_trace) {
      ReportMismatch(random_case, i, request_json, "the trace of Engine::Explain",
                     absl::StrJoin(want_trace, "\n"), absl::StrJoin(got_trace, "\n"), stats);
      continue;
    }
    Record(*request, expected, expected_trace, stats);

    // The same request with a grant, on both sides; sometimes the same grant twice, the
    // second time used up when the first decision was ALLOW.
    if (expected.reason == Reason::kInvalidRequest) continue;
    if (expected.effect != Effect::kNeedsApproval && !grant_rng.Chance(10)) continue;
    Request granted = *request;
    std::string kind;
    granted.approval = DrawGrant(granted, ApprovalDigest(granted, policy->hash()), now, *entities,
                                 &grant_rng, &kind);
    json granted_request = json::parse(request_json);
    granted_request["approval"] = granted.approval;
    const std::string granted_json = granted_request.dump();
    const int times = grant_rng.Chance(30) ? 2 : 1;
    for (int time = 0; time < times; ++time) {
      const Decision with_grant = reference.Decide(granted, now, nullptr);
      const std::string want_granted = Rendered(with_grant);
      const Decision actual = (*engine)->Decide(granted);
      const std::string described =
          absl::StrCat(request_json, " with a grant (", kind, time == 0 ? ")" : ", used again)");
      if (Rendered(actual) != want_granted &&
          Comparable(actual.ToJson()) != Comparable(with_grant.ToJson())) {
        ReportMismatch(random_case, i, described, "Engine::Decide", with_grant.ToJson(),
                       actual.ToJson(), stats);
        break;
      }
      if (!CheckCEngine(c_engine, granted_json, actual, with_grant, random_case, i, stats)) break;
      ++stats->grants[absl::StrCat(kind, time == 0 ? "" : " again", ": ",
                                   with_grant.approved_by.has_value() ? "used" : "not used")];
    }
  }
}

std::string Summary(const Stats& stats) {
  std::string out = absl::StrCat(
      stats.sets, " policy sets, ", stats.requests,
      " requests decided alike (by every engine: ", stats.engines_agreeing, "); reasons:");
  for (const auto& [reason, count] : stats.reasons) absl::StrAppend(&out, " ", reason, "=", count);
  absl::StrAppend(&out, "; candidates:");
  for (const auto& [outcome, count] : stats.outcomes) {
    absl::StrAppend(&out, " ", outcome, "=", count);
  }
  absl::StrAppend(&out, "; decisions with errors=", stats.with_errors,
                  ", ALLOW with redactions=", stats.with_redactions,
                  ", with limits=", stats.with_limits, ", delegated ALLOW=", stats.delegated_allows,
                  "; shadow outcomes:");
  for (const auto& [kind, count] : stats.shadows) absl::StrAppend(&out, " [", kind, "]=", count);
  absl::StrAppend(
      &out, "; conditions settled by a false first test: ", stats.first_tests,
      " (reading an attribute other rules' first tests read: ", stats.shared_first_tests, ")");
  absl::StrAppend(&out, "; grants:");
  for (const auto& [kind, count] : stats.grants) absl::StrAppend(&out, " [", kind, "]=", count);
  return out;
}

TEST(DifferentialTest, EngineDecidesAsTheReferenceInterpreter) {
  absl::StatusOr<Options> options = OptionsFromEnvironment();
  ASSERT_TRUE(options.ok()) << options.status();

  absl::StatusOr<std::unique_ptr<CPeer>> c_engine = CPeer::Start();
  ASSERT_TRUE(c_engine.ok()) << c_engine.status();

  Stats stats;
  if (options->seed) {
    RunSet(*options->seed, /*verbose=*/true, c_engine->get(), &stats);
    std::cout << Summary(stats) << "\n";
    const absl::Status stopped = (*c_engine)->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped;
    return;
  }
  random_policy::SplitMix64 seeds(kSeedStream);
  for (int64_t i = 0; i < options->sets && stats.mismatches < kMaxMismatches; ++i) {
    RunSet(seeds.Next(), /*verbose=*/false, c_engine->get(), &stats);
  }
  std::cout << Summary(stats) << "\n";
  const absl::Status stopped = (*c_engine)->Stop();
  EXPECT_TRUE(stopped.ok()) << stopped;
  if (stats.mismatches > 0) return;
  EXPECT_EQ(stats.engines_agreeing, stats.requests);
  if (options->sets < kSetsForCoverage) return;

  // The comparison proves little if the inputs miss a form or an outcome: check that the
  // generator still reaches all of them.
  for (const std::string& form : random_policy::AllForms()) {
    EXPECT_GT(stats.forms[form], 0) << "the generator never produced the form " << form;
  }
  for (const auto& [form, count] : stats.forms) {
    const std::vector<std::string>& all = random_policy::AllForms();
    EXPECT_NE(std::find(all.begin(), all.end(), form), all.end())
        << "form " << form << " is counted but missing from AllForms()";
  }
  for (const char* reason : {"permitted", "forbidden", "approval_required", "no_matching_permit",
                             "unknown_identity", "lifecycle", "unowned", "invalid_request"}) {
    // Each reason on at least 0.5% of the requests.
    EXPECT_GE(stats.reasons[reason] * 200, stats.requests) << "too few decisions " << reason;
  }
  // Conditions the engine may settle by their first test, some of them on a value read for
  // another rule's.
  EXPECT_GE(stats.first_tests * 10, stats.sets) << "too few conditions with a first test";
  EXPECT_GE(stats.shared_first_tests * 50, stats.sets) << "too few first tests sharing a read";
  for (const char* outcome : {"holds", "does_not_hold"}) {
    EXPECT_GE(stats.outcomes[outcome] * 100, stats.requests) << "too few candidates " << outcome;
  }
  // A typed policy errs only when it reads a resource that is neither stored nor described
  // inline: under one candidate in a hundred.
  EXPECT_GE(stats.outcomes["error"] * 200, stats.requests) << "too few candidates error";
  EXPECT_GE(stats.with_errors * 100, stats.requests);
  EXPECT_GE(stats.with_redactions * 100, stats.requests);
  EXPECT_GE(stats.with_limits * 100, stats.requests);
  EXPECT_GE(stats.delegated_allows * 200, stats.requests);
  // Shadow rules that would deny what is allowed, and allow what is denied.
  for (const char* kind : {"ALLOW -> DENY", "DENY -> ALLOW", "ALLOW -> ALLOW"}) {
    EXPECT_GE(stats.shadows[kind] * 5000, stats.requests) << "too few shadow outcomes " << kind;
  }
  // Grants that were used, and grants refused for each fault.
  for (const char* kind :
       {"well-formed: used", "well-formed: not used", "well-formed again: not used",
        "other digest: not used", "untrusted key: not used", "expired: not used",
        "not yet valid: not used"}) {
    EXPECT_GT(stats.grants[kind], 0) << "no grant decided as " << kind;
  }
}

// ---- The test's own machinery ----

// The case of a seed is a function of the seed alone: replaying a seed must give the same
// input, or a reported failure could not be reproduced.
TEST(DifferentialTest, GeneratorIsDeterministic) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, kSeedStream}) {
    const RandomCase a = random_policy::GenerateRandomCase(seed, 20);
    const RandomCase b = random_policy::GenerateRandomCase(seed, 20);
    ASSERT_EQ(a.sources.size(), b.sources.size());
    for (size_t i = 0; i < a.sources.size(); ++i) {
      EXPECT_EQ(a.sources[i].name, b.sources[i].name);
      EXPECT_EQ(a.sources[i].text, b.sources[i].text);
    }
    EXPECT_EQ(a.entities_json, b.entities_json);
    EXPECT_EQ(a.requests_json, b.requests_json);
  }
  EXPECT_NE(random_policy::GenerateRandomCase(1, 1).sources[0].text,
            random_policy::GenerateRandomCase(2, 1).sources[0].text);
}

Decision SampleDecision() {
  Decision decision;
  decision.effect = Effect::kDeny;
  decision.reason = Reason::kForbidden;
  decision.denied_by = IdentityRef{SubjectKind::kAgent, "a1"};
  decision.rules = {"r1", "r2"};
  decision.errors.push_back({"r2", IdentityRef{SubjectKind::kAgent, "a1"}, "`x` is absent"});
  decision.errors.push_back({"r3", IdentityRef{SubjectKind::kUser, "u1"}, "bad type"});
  return decision;
}

// The comparison ignores exactly what the contract leaves free, and nothing else.
TEST(DifferentialTest, ComparisonIgnoresOnlyMessagesAndExtraKeys) {
  const json want = Comparable(SampleDecision().ToJson());

  Decision reworded = SampleDecision();
  reworded.errors[0].message = "another wording";
  reworded.policy_hash = 0x1234;
  EXPECT_EQ(Comparable(reworded.ToJson()), want);
  EXPECT_EQ(Rendered(reworded), Rendered(SampleDecision()));
  json extended = json::parse(SampleDecision().ToJson());
  extended["timing_ns"] = 12;
  EXPECT_EQ(Comparable(extended.dump()), want);

  std::vector<Decision> different(8, SampleDecision());
  different[0].effect = Effect::kNeedsApproval;
  different[1].reason = Reason::kNoMatchingPermit;
  different[2].denied_by = IdentityRef{SubjectKind::kUser, "a1"};
  different[3].rules = {"r2", "r1"};
  different[4].errors[1].rule = "r4";
  different[5].errors[1].principal.id = "u2";
  std::swap(different[6].errors[0], different[6].errors[1]);
  different[7].approved_by = IdentityRef{SubjectKind::kUser, "u9"};
  for (const Decision& decision : different) {
    EXPECT_NE(Comparable(decision.ToJson()), want) << decision.ToJson();
    EXPECT_NE(Rendered(decision), Rendered(SampleDecision())) << decision.ToJson();
  }

  Decision allow;
  allow.effect = Effect::kAllow;
  allow.reason = Reason::kPermitted;
  allow.rules = {"r1"};
  Decision tighter = allow;
  tighter.obligations.limits = {{"output_tokens", 10}};
  EXPECT_NE(Comparable(tighter.ToJson()), Comparable(allow.ToJson()));
  EXPECT_NE(Rendered(tighter), Rendered(allow));
  Decision approval = SampleDecision();
  approval.effect = Effect::kNeedsApproval;
  approval.reason = Reason::kApprovalRequired;
  approval.approval_digest = std::string(64, 'f');
  Decision other_digest = approval;
  other_digest.approval_digest = std::string(64, 'e');
  EXPECT_NE(Comparable(other_digest.ToJson()), Comparable(approval.ToJson()));
  EXPECT_NE(Rendered(other_digest), Rendered(approval));
  Decision logged = allow;
  logged.obligations.log = LogLevel::kFull;
  EXPECT_NE(Comparable(logged.ToJson()), Comparable(allow.ToJson()));
  EXPECT_NE(Rendered(logged), Rendered(allow));
}

TEST(DifferentialTest, TraceComparisonIgnoresCandidateOrderOnly) {
  Trace trace;
  TracePrincipal& principal = trace.principals.emplace_back();
  principal.identity = IdentityRef{SubjectKind::kAgent, "a1"};
  principal.role = "subject";
  principal.effect = Effect::kAllow;
  principal.reason = Reason::kPermitted;
  principal.candidates.resize(2);
  principal.candidates[0].rule = "r1";
  principal.candidates[0].effect = "permit";
  principal.candidates[0].outcome = TraceRule::Outcome::kHolds;
  principal.candidates[1].rule = "r2";
  principal.candidates[1].effect = "forbid";
  principal.candidates[1].outcome = TraceRule::Outcome::kDoesNotHold;
  const std::vector<std::string> want = ComparableTrace(trace);

  Trace reordered = trace;
  std::swap(reordered.principals[0].candidates[0], reordered.principals[0].candidates[1]);
  reordered.principals[0].candidates[0].when = "worded differently";
  EXPECT_EQ(ComparableTrace(reordered), want);

  std::vector<Trace> different(5, trace);
  different[0].principals[0].candidates[1].outcome = TraceRule::Outcome::kError;
  different[1].principals[0].candidates.pop_back();
  different[2].principals[0].candidates.push_back(trace.principals[0].candidates[0]);
  different[3].principals[0].guard = Reason::kLifecycle;
  different[4].principals[0].reason = Reason::kForbidden;
  for (const Trace& changed : different) EXPECT_NE(ComparableTrace(changed), want);
}

}  // namespace
}  // namespace ward
