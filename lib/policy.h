// A compiled policy set: immutable, shared by every thread that decides with it.
//
// Policies are produced by the compiler (policy_lang/compiler.h: ward::CompilePolicy).

#ifndef WARD_LIB_POLICY_H_
#define WARD_LIB_POLICY_H_

#include <memory>
#include <string>

#include "lib/internal/ir.h"
#include "lib/schema.h"

namespace ward {

class Policy {
 public:
  // Takes the checked rules of a policy set. Called by the compiler.
  explicit Policy(internal::PolicyIr ir) : ir_(std::move(ir)) {}
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const Schema& schema() const { return ir_.schema; }
  size_t rule_count() const { return ir_.rules.size(); }

  // The checked rules; for the evaluator, the tools and tests.
  const internal::PolicyIr& ir() const { return ir_; }

  // A stable text form of the policy set: the merged schema and every rule with its head,
  // conditions and obligations in canonical form. For golden tests and the REPL.
  std::string Dump() const;

 private:
  internal::PolicyIr ir_;
};

}  // namespace ward

#endif  // WARD_LIB_POLICY_H_
