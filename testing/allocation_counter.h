// Counts the heap allocations a thread makes, through a replaced global operator new, for the
// tests that check that deciding allocates nothing in steady state (Engine::Decide into a
// reused Decision; ward_decide into a reused ward_decision).
//
// Linking this library replaces operator new and delete for the whole test program. Under a
// sanitizer, which replaces the allocator itself, nothing is counted: Counting() says so, and
// the tests then check their decisions only.

#ifndef WARD_TESTING_ALLOCATION_COUNTER_H_
#define WARD_TESTING_ALLOCATION_COUNTER_H_

namespace ward::testing_support {

// Whether allocations are counted in this build.
bool Counting();

// Counts the allocations this thread makes while it lives; other threads are not counted.
class AllocationCount {
 public:
  AllocationCount();
  ~AllocationCount();
  AllocationCount(const AllocationCount&) = delete;
  AllocationCount& operator=(const AllocationCount&) = delete;

  // The allocations so far.
  long count() const;

 private:
  long start_;
};

}  // namespace ward::testing_support

#endif  // WARD_TESTING_ALLOCATION_COUNTER_H_
