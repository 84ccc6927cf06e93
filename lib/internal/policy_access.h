// The internal side of ward::Policy: how the compiler and the bundle loader make one, and
// how the tools, the engine and the reference evaluator reach its checked rules and program.

#ifndef WARD_LIB_INTERNAL_POLICY_ACCESS_H_
#define WARD_LIB_INTERNAL_POLICY_ACCESS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/internal/ir.h"
#include "lib/internal/program.h"
#include "ward/policy.h"

namespace ward::internal {

class PolicyAccess {
 public:
  // Wraps checked rules and the program the compiler built from them (BuildProgram).
  static std::shared_ptr<const Policy> FromIr(PolicyIr ir, std::shared_ptr<const Program> program);
  // Wraps a compiled program (as read from a bundle): such a policy has no checked rules.
  static std::shared_ptr<const Policy> FromProgram(std::shared_ptr<const Program> program);

  // The checked rules; empty (only the schema) for a policy loaded from a bundle.
  static const PolicyIr& Ir(const Policy& policy) { return *policy.ir_; }
  // The compiled form that the engine runs.
  static const Program& ProgramOf(const Policy& policy) { return *policy.program_; }
};

inline const PolicyIr& IrOf(const Policy& policy) { return PolicyAccess::Ir(policy); }
inline const Program& ProgramOf(const Policy& policy) { return PolicyAccess::ProgramOf(policy); }

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_POLICY_ACCESS_H_
