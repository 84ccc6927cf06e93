// Counts heap allocations inside ward_decide with a replaced global operator new (which
// libward.so's C++ code also calls): deciding structured requests of one shape into a reused
// ward_decision must allocate nothing once warmed up, as ward.h promises.
//
//   ward_c_allocation_test    (run from the repository root)

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "ward.h"

// Sanitizers replace the allocator themselves; counting is done in plain builds only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WARD_COUNT_ALLOCATIONS 0
#else
#define WARD_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

#if WARD_COUNT_ALLOCATIONS
void* operator new(size_t size) {
  if (counting.load(std::memory_order_relaxed)) {
    allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
#endif

int main() {
  if (!WARD_COUNT_ALLOCATIONS) {
    std::printf("allocations are not counted under sanitizers\n");
    return 0;
  }
  const char* files[] = {"examples/agent-runtime/schema.ward", "examples/agent-runtime/rules.ward"};
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  if (ward_engine_from_files(files, 2, "examples/agent-runtime/entities.json", &engine, &error) !=
      WARD_OK) {
    std::fprintf(stderr, "%s\n", ward_error_message(error));
    return 1;
  }

  // Requests of one shape (a chain of one, one context entry) with different identities,
  // resources and values, so that every effect is reached.
  struct Case {
    const char* agent;
    const char* user;
    const char* tool;
    int approved;
    ward_effect expected;
  };
  const Case cases[] = {
      {"a42", "u5", "payments.transfer", 1, WARD_ALLOW},
      {"a42", "u5", "payments.transfer", 0, WARD_NEEDS_APPROVAL},
      {"a17", "u3", "calendar.read", 0, WARD_ALLOW},
      {"a42", "u3", "payments.transfer", 1, WARD_DENY},
      {"a23", "u3", "search", 1, WARD_DENY},
      {"nobody-with-a-long-identifier", "u3", "search", 0, WARD_DENY},
  };
  ward_decision* decision = ward_decision_new();
  int wrong = 0;
  for (int round = 0; round < 4; ++round) {
    if (round == 3) counting = true;  // the first rounds warm up
    for (const Case& c : cases) {
      ward_identity_ref chain[] = {{WARD_KIND_USER, ward_str_of(c.user)}};
      ward_attr context[1] = {};
      context[0].name = ward_str_of("approved");
      context[0].value.type = WARD_VALUE_BOOL;
      context[0].value.boolean = c.approved;
      ward_request request = {};
      request.subject = {WARD_KIND_AGENT, ward_str_of(c.agent)};
      request.action = ward_str_of("invoke");
      request.resource_type = ward_str_of("tool");
      request.resource_id = ward_str_of(c.tool);
      request.on_behalf_of = chain;
      request.on_behalf_of_count = 1;
      request.context = context;
      request.context_count = 1;
      request.has_now = 1;
      request.now_unix_seconds = 1796083200;  // 2026-12-01T00:00:00Z
      if (ward_decide(engine, &request, decision, nullptr) != WARD_OK ||
          ward_decision_effect(decision) != c.expected) {
        ++wrong;
      }
    }
  }
  counting = false;
  ward_decision_free(decision);
  ward_engine_free(engine);
  if (wrong != 0) {
    std::fprintf(stderr, "%d decision(s) differ from the expected effect\n", wrong);
    return 1;
  }
  if (allocations.load() != 0) {
    std::fprintf(stderr, "%ld allocation(s) in steady state\n", allocations.load());
    return 1;
  }
  std::printf("no allocation in steady state\n");
  return 0;
}
