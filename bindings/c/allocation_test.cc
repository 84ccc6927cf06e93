// Counts heap allocations inside ward_decide with a replaced global operator new (which
// libward.so's C++ code also calls): deciding structured requests of one shape (a chain,
// context and typed args), without a grant, into a reused ward_decision must allocate nothing
// once warmed up, as ward.h promises, whatever the effect (a NEEDS_APPROVAL decision's digest
// included), on an engine that trusts an approval key.
//
//   ward_c_allocation_test

#include <cstdint>
#include <cstdio>
#include <optional>

#include "testing/allocation_counter.h"
#include "ward.h"

namespace {

constexpr char kPolicy[] = R"(schema {
  user { clearance: int }
  agent { scope: set<string> }
  resource tool { risk: string }
  action invoke, approve on tool
  context { channel: string }
  args { amount: int, to: string }
}
@id("agents-in-scope")
permit agent to invoke on tool when resource.id in subject.scope;
@id("cleared-users")
permit user to invoke on tool when subject.clearance >= 1;
@id("high-risk")
require_approval any to invoke on tool when resource.risk == "high";
@id("cap")
forbid any to invoke on tool when args has amount and args.amount > 1000;
@id("leads-approve")
permit user to approve on tool when subject.clearance >= 5;
)";

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
  {"kind": "user", "id": "u0", "status": "active", "attrs": {"clearance": 0}},
  {"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
   "attrs": {"scope": ["search", "pay"]}}],
 "resources": [
  {"type": "tool", "id": "search", "attrs": {"risk": "low"}},
  {"type": "tool", "id": "pay", "attrs": {"risk": "high"}}]})";

}  // namespace

int main() {
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  // An engine that trusts an approval key: requests without a grant still allocate nothing.
  char* private_key = nullptr;
  char* public_key = nullptr;
  if (ward_keygen(&private_key, &public_key, &error) != WARD_OK) {
    std::fprintf(stderr, "%s\n", ward_error_message(error));
    return 1;
  }
  ward_engine_options options = {};
  const ward_str approval_keys[] = {ward_str_of(public_key)};
  options.approval_keys = approval_keys;
  options.approval_key_count = 1;
  const ward_source source = {ward_str_of("policy.ward"), ward_str_of(kPolicy)};
  const ward_status created = ward_engine_from_texts(&source, 1, kEntities, sizeof kEntities - 1,
                                                     &options, &engine, &error);
  ward_string_free(private_key);
  ward_string_free(public_key);
  if (created != WARD_OK) {
    std::fprintf(stderr, "%s\n", ward_error_message(error));
    return 1;
  }

  // Requests of two shapes (a chain of one and one context entry, with two typed args or
  // without args), each decided into a decision of its own, with different identities,
  // resources and values, so that every effect is reached. A NEEDS_APPROVAL decision of a
  // request with typed args is not among them: the library allocates while it writes those
  // args canonically for the digest (ward.h lists it among the exceptions).
  struct Case {
    const char* agent;
    const char* user;
    const char* tool;
    int64_t amount;  // -1: no args
    ward_effect expected;
  };
  const Case cases[] = {
      {"a1", "u1", "search", 10, WARD_ALLOW},
      {"a1", "u1", "pay", 5000, WARD_DENY},
      {"a1", "u0", "search", 10, WARD_DENY},
      {"nobody-with-a-long-identifier", "u1", "search", 10, WARD_DENY},
      {"a1", "u1", "search", -1, WARD_ALLOW},
      {"a1", "u1", "pay", -1, WARD_NEEDS_APPROVAL},
      {"a1", "u0", "pay", -1, WARD_DENY},
  };
  ward_decision* with_args = ward_decision_new();
  ward_decision* without_args = ward_decision_new();
  int wrong = 0;
  std::optional<ward::testing_support::AllocationCount> count;
  for (int round = 0; round < 4; ++round) {
    if (round == 3) count.emplace();  // the first rounds warm up
    for (const Case& c : cases) {
      ward_decision* decision = c.amount >= 0 ? with_args : without_args;
      ward_identity_ref chain[] = {{WARD_KIND_USER, ward_str_of(c.user)}};
      ward_attr context[1] = {};
      context[0].name = ward_str_of("channel");
      context[0].value.type = WARD_VALUE_STRING;
      context[0].value.string = ward_str_of("chat");
      ward_attr args[2] = {};
      args[0].name = ward_str_of("amount");
      args[0].value.type = WARD_VALUE_INT;
      args[0].value.integer = c.amount;
      args[1].name = ward_str_of("to");
      args[1].value.type = WARD_VALUE_STRING;
      args[1].value.string = ward_str_of("acme");
      ward_request request = {};
      request.subject = {WARD_KIND_AGENT, ward_str_of(c.agent)};
      request.action = ward_str_of("invoke");
      request.resource_type = ward_str_of("tool");
      request.resource_id = ward_str_of(c.tool);
      request.on_behalf_of = chain;
      request.on_behalf_of_count = 1;
      request.context = context;
      request.context_count = 1;
      request.args = args;
      request.args_count = c.amount >= 0 ? 2 : 0;
      request.has_now = 1;
      request.now_unix_seconds = 1796083200;  // 2026-12-01T00:00:00Z
      if (ward_decide(engine, &request, decision, nullptr) != WARD_OK ||
          ward_decision_effect(decision) != c.expected ||
          (c.expected == WARD_NEEDS_APPROVAL &&
           ward_decision_approval_digest(decision).len != 64) ||
          ward_decision_error_count(decision) != 0) {
        ++wrong;
      }
    }
  }
  const long allocations = count->count();
  count.reset();
  ward_decision_free(with_args);
  ward_decision_free(without_args);
  ward_engine_free(engine);
  if (wrong != 0) {
    std::fprintf(stderr, "%d decision(s) differ from the expected effect\n", wrong);
    return 1;
  }
  const long decisions = static_cast<long>(sizeof cases / sizeof cases[0]);
  if (!ward::testing_support::Counting()) {
    // A sanitizer owns the allocator: the decisions were checked, the allocations cannot be.
    std::printf("%ld decisions as expected; allocations are not counted under a sanitizer\n",
                decisions);
    return 0;
  }
  // The counter sees the library's allocations: creating a decision allocates.
  long control = 0;
  {
    ward::testing_support::AllocationCount count_new;
    ward_decision* fresh = ward_decision_new();
    control = count_new.count();
    ward_decision_free(fresh);
  }
  if (control == 0) {
    std::fprintf(stderr, "the counter does not see libward.so's allocations\n");
    return 1;
  }
  if (allocations != 0) {
    std::fprintf(stderr, "%ld allocation(s) in %ld decisions in steady state\n", allocations,
                 decisions);
    return 1;
  }
  std::printf("0 allocations in %ld decisions in steady state\n", decisions);
  return 0;
}
