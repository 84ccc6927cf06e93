// A compiled policy set: immutable, shared by every thread that decides with it.
//
// Policies come from the compiler (ward/compile.h: ward::Compile) from policy text, or from a
// bundle (ward/bundle.h: ward::LoadBundle) without the compiler.

#ifndef WARD_POLICY_H_
#define WARD_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ward/schema.h"

namespace ward {
namespace internal {
struct PolicyIr;
struct Program;
class PolicyAccess;
}  // namespace internal

class Policy {
 public:
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;
  ~Policy();

  // The types, attributes and actions the policy declares.
  const Schema& schema() const;
  size_t rule_count() const;
  // Identifies the compiled policy; the same however it was obtained (decisions carry it).
  uint64_t hash() const;
  // Whether the policy carries the checked rules that the linter and the reference evaluator
  // read: only when compiled with CompileOptions::keep_rules. A policy loaded from a bundle
  // carries the compiled tree alone.
  bool has_rules() const { return has_rules_; }

  // The decision tree and the code of every rule, in a stable text form (`ward dump`).
  std::string Dump() const;

 private:
  friend class internal::PolicyAccess;
  Policy(std::shared_ptr<const internal::PolicyIr> ir,
         std::shared_ptr<const internal::Program> program, bool has_rules);

  std::shared_ptr<const internal::PolicyIr> ir_;
  std::shared_ptr<const internal::Program> program_;
  bool has_rules_;
};

}  // namespace ward

#endif  // WARD_POLICY_H_
