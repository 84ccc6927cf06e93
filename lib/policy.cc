#include "lib/policy.h"

#include "lib/internal/ir_dump.h"

namespace ward {

std::string Policy::Dump() const { return internal::DumpPolicyIr(ir_); }

}  // namespace ward
