// A compiled policy set: immutable, shared by every thread that decides with it.
//
// Policies are produced by the compiler (policy_lang/compiler.h: ward::Compile) from policy
// text, or loaded from a bundle (lib/bundle.h) without the compiler.

#ifndef WARD_LIB_POLICY_H_
#define WARD_LIB_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/internal/ir.h"
#include "lib/internal/program.h"
#include "lib/schema.h"

namespace ward {

class Policy {
 public:
  // Compiles checked rules into a decision tree (called by the compiler). Fails only when a
  // limit of the compiled form is exceeded.
  static absl::StatusOr<std::shared_ptr<const Policy>> Create(internal::PolicyIr ir);
  // Wraps a compiled program (as read from a bundle): such a policy has no checked rules.
  static std::shared_ptr<const Policy> FromProgram(
      std::shared_ptr<const internal::Program> program);

  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const Schema& schema() const { return program_->schema; }
  size_t rule_count() const { return program_->rules.size(); }
  // Identifies the compiled policy; the same however it was obtained (decisions carry it).
  uint64_t hash() const { return program_->hash; }

  // The checked rules, for the reference evaluator, the tools and tests. Empty for a policy
  // loaded from a bundle (has_rules() is false then).
  const internal::PolicyIr& ir() const { return ir_; }
  bool has_rules() const { return has_rules_; }
  // The compiled form that the engine runs.
  const internal::Program& program() const { return *program_; }

  // The decision tree and the code of every rule, in a stable text form (`ward dump`).
  std::string Dump() const;

 private:
  Policy(internal::PolicyIr ir, std::shared_ptr<const internal::Program> program, bool has_rules)
      : ir_(std::move(ir)), program_(std::move(program)), has_rules_(has_rules) {}

  internal::PolicyIr ir_;
  std::shared_ptr<const internal::Program> program_;
  bool has_rules_;
};

}  // namespace ward

#endif  // WARD_LIB_POLICY_H_
