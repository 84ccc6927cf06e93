// Code generation, the compiler's last stage: each condition of the checked rules as code for
// the condition machine (the instruction set is in lib/internal/program.h, the machine in
// lib/internal/vm.cc), and BuildProgram, which puts the rules, their code and the index
// (index_builder.h) together into a Program.

#ifndef WARD_POLICY_LANG_CODEGEN_H_
#define WARD_POLICY_LANG_CODEGEN_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "lib/internal/ir.h"
#include "lib/internal/program.h"

namespace ward::internal {

class CodeGenerator {
 public:
  // Generates code into `program` for the rules of `policy` (whose schema resolves attribute
  // slots).
  CodeGenerator(const PolicyIr& policy, Program* program) : policy_(policy), program_(program) {}

  // Appends the code of `expr`, a condition of `rule`, in its simplest form
  // (SimplifyCondition); the range it takes.
  CodeRange Emit(const Expr& expr, const Rule& rule);

 private:
  void Append(OpCode op, uint32_t arg = 0) { program_->code.push_back({op, arg}); }
  void EmitExpr(const Expr& expr, const Rule& rule);
  // The attribute reference `expr` reads (an attribute or `has`), with its slots resolved.
  uint32_t AddAttribute(const Expr& expr, const Rule& rule);

  const PolicyIr& policy_;
  Program* program_;
};

// Compiles the checked rules into a Program, finished (FinishProgram). Fails (with a message)
// only when a limit of the program format is exceeded.
absl::StatusOr<std::shared_ptr<const Program>> BuildProgram(const PolicyIr& policy);

}  // namespace ward::internal

#endif  // WARD_POLICY_LANG_CODEGEN_H_
