#include "testing/allocation_counter.h"

#include <cstdlib>
#include <new>

// Sanitizers replace the allocator themselves; counting is done in plain builds only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WARD_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WARD_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef WARD_COUNT_ALLOCATIONS
#define WARD_COUNT_ALLOCATIONS 1
#endif

namespace {

// Per thread, so that a test counts its own calls and not a background thread's.
thread_local int active_counts = 0;
thread_local long allocations = 0;

}  // namespace

#if WARD_COUNT_ALLOCATIONS
void* operator new(size_t size) {
  if (active_counts > 0) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
// Over-aligned types (a RequestBuilder's cache-line-aligned parts) come through these.
void* operator new(size_t size, std::align_val_t alignment) {
  if (active_counts > 0) ++allocations;
  const size_t align = static_cast<size_t>(alignment);
  // aligned_alloc takes a size that is a multiple of the alignment.
  const size_t rounded = ((size == 0 ? 1 : size) + align - 1) / align * align;
  if (void* p = std::aligned_alloc(align, rounded)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return operator new(size, alignment);
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace ward::testing_support {

bool Counting() { return WARD_COUNT_ALLOCATIONS != 0; }

AllocationCount::AllocationCount() : start_(allocations) { ++active_counts; }

AllocationCount::~AllocationCount() { --active_counts; }

long AllocationCount::count() const { return allocations - start_; }

}  // namespace ward::testing_support
