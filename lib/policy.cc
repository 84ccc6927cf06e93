#include "ward/policy.h"

#include <utility>

#include "lib/internal/policy_access.h"

namespace ward {

Policy::Policy(std::shared_ptr<const internal::PolicyIr> ir,
               std::shared_ptr<const internal::Program> program, bool has_rules)
    : ir_(std::move(ir)), program_(std::move(program)), has_rules_(has_rules) {}

Policy::~Policy() = default;

const Schema& Policy::schema() const { return program_->schema; }
size_t Policy::rule_count() const { return program_->rules.size(); }
uint64_t Policy::hash() const { return program_->hash; }

std::string Policy::Dump() const { return internal::DumpProgram(*program_); }

namespace internal {

std::shared_ptr<const Policy> PolicyAccess::FromIr(PolicyIr ir,
                                                   std::shared_ptr<const Program> program) {
  return std::shared_ptr<const Policy>(
      new Policy(std::make_shared<const PolicyIr>(std::move(ir)), std::move(program), true));
}

std::shared_ptr<const Policy> PolicyAccess::FromProgram(std::shared_ptr<const Program> program) {
  auto ir = std::make_shared<PolicyIr>();
  ir->schema = program->schema;
  return std::shared_ptr<const Policy>(new Policy(std::move(ir), std::move(program), false));
}

}  // namespace internal
}  // namespace ward
