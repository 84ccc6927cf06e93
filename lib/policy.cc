#include "lib/policy.h"

#include <utility>

namespace ward {

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Create(internal::PolicyIr ir) {
  absl::StatusOr<std::shared_ptr<const internal::Program>> program = internal::BuildProgram(ir);
  if (!program.ok()) return program.status();
  return std::shared_ptr<const Policy>(new Policy(std::move(ir), *std::move(program), true));
}

std::shared_ptr<const Policy> Policy::FromProgram(
    std::shared_ptr<const internal::Program> program) {
  internal::PolicyIr ir;
  ir.schema = program->schema;
  return std::shared_ptr<const Policy>(new Policy(std::move(ir), std::move(program), false));
}

std::string Policy::Dump() const { return internal::DumpProgram(*program_); }

}  // namespace ward
