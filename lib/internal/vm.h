// The condition machine: runs a rule condition's code over one principal's view of a request.
//
// A program's code (Program::code, the serialisable instruction set of program.h) is translated
// once, when the program is finished, into typed code (VmCode): every comparison knows the types
// of its operands, so it is one test with no dispatch on the values' kinds; every literal is an
// operand ready to copy; and the deepest the operand stack of any condition gets is known, so
// that a decision runs on a stack of fixed size, allocated once per decision state.

#ifndef WARD_LIB_INTERNAL_VM_H_
#define WARD_LIB_INTERNAL_VM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/internal/entity_layout.h"
#include "lib/internal/program.h"
#include "ward/request.h"
#include "ward/value.h"

namespace ward::internal {

// A value on the evaluation stack: a view of a literal, an entity attribute, a request value
// or a result. Sets are viewed in place (null stands for an empty set).
struct Operand {
  Value::Kind kind = Value::Kind::kBool;
  bool boolean = false;
  int64_t integer = 0;
  absl::Time time;
  absl::string_view text;
  const std::vector<std::string>* strings = nullptr;
  const std::vector<int64_t>* ints = nullptr;
};

enum class Truth : uint8_t { kFalse, kTrue, kError };

// The typed instruction set. kLiteral to kMatches are those of program.h; each comparison is
// split by the type of its operands (which the verifier, or the compiler, guarantees).
// kCompare is the untyped comparison, kept for code whose types the translation could not
// follow (none that the compiler writes or the verifier admits).
enum class VmOp : uint8_t {
  kLiteral,
  kNow,
  kLoad,
  kHas,
  kNot,
  kAnd,
  kOr,
  kMatches,
  kEqString,
  kNeString,
  kEqInt,
  kNeInt,
  kEqBool,
  kNeBool,
  kEqTimestamp,
  kNeTimestamp,
  kEqStringSet,
  kNeStringSet,
  kEqIntSet,
  kNeIntSet,
  kLtInt,
  kLeInt,
  kGtInt,
  kGeInt,
  kLtTimestamp,
  kLeTimestamp,
  kGtTimestamp,
  kGeTimestamp,
  kInStringSet,
  kInIntSet,
  kStartsWith,
  kUnderString,
  kUnderStringSet,
  kCompare,  // arg: the OpCode
  // A literal (arg: its index) that the next instruction, a typed comparison (kEqString to
  // kUnderStringSet), takes as its right operand: both run as one, the literal read in place.
  kCompareLiteral,
  // kLoad at the head of a condition that is false whenever its first test is: the read is
  // compared with a literal (kCompareLiteral), and from there a false result goes to the end
  // through `and`s alone. EvaluateCondition tries that test first, on a value it may already
  // have read, so that a rule such as `subject.department == "hr" and ...` costs a comparison
  // for every subject of another department, not a run of its code. Its arg is the first of
  // the program's attributes equal to the one read, so that equal reads have one index.
  kLoadFirstTest,
};

inline bool IsTypedComparison(VmOp op) {
  return op >= VmOp::kEqString && op <= VmOp::kUnderStringSet;
}

struct VmInstruction {
  VmOp op = VmOp::kLiteral;
  uint32_t arg = 0;
};

// A program's code in typed form: `code` is parallel to Program::code (the same ranges and
// jump targets).
struct VmCode {
  std::vector<VmInstruction> code;
  std::vector<Operand> literals;  // Program::literals as operands
  uint32_t max_stack_depth = 0;   // of any condition
};

// Translates `program`'s code (well formed: compiled, or verified by VerifyProgram). Fails on
// code it cannot follow (a stack that underflows, a jump out of its condition, an operand out
// of range), which neither the compiler nor a verified bundle has.
absl::StatusOr<std::shared_ptr<const VmCode>> BuildVmCode(const Program& program);

// What a condition reads: one principal's view of one request. The principal's record is null
// when it is not a known identity (of its kind), the delegator's when it is not or there is
// none (delegator_ref null).
struct VmInputs {
  const Program* program = nullptr;
  const Request* request = nullptr;
  absl::Time now;
  const ResourceRecord* resource = nullptr;  // null when the store does not have it
  // The request's declared context entries and arguments by slot, when the engine checked the
  // request; null when they are to be looked up by name (an approver's decision).
  const std::vector<const void*>* checked_context = nullptr;
  const std::vector<const void*>* checked_args = nullptr;
  const IdentityRef* subject_ref = nullptr;
  const IdentityRecord* subject = nullptr;
  const IdentityRef* delegator_ref = nullptr;
  const IdentityRecord* delegator = nullptr;
};

// Runs the condition code `range` of `program` (whose `vm` is built). `stack` has room for
// program.vm->max_stack_depth operands. On an evaluation error returns kError with its message
// in `error`.
Truth Evaluate(const Program& program, CodeRange range, const VmInputs& in, Operand* stack,
               std::string* error);

// What a principal's conditions have read for their first tests (kLoadFirstTest): the last
// attribute read, kept while one principal's conditions are evaluated. Rules tried one after
// another often test the same attribute against different literals (`subject.department ==
// "eng"`, `== "hr"`, ...): it is read once, and each rule of another value costs a comparison.
// Clear() before the conditions of another principal (what `subject` reads changes).
struct FirstTestReads {
  static constexpr uint32_t kNone = 0xffffffff;
  uint32_t attribute = kNone;  // the index of the attribute read, or kNone
  bool readable = false;       // whether it read as declared (else its code says why not)
  Operand value;
  void Clear() { attribute = kNone; }
};

// Evaluate, with a condition's first test (kLoadFirstTest) taken from `reads` when it has that
// attribute, and read into it otherwise. A false first test is the condition's result; a true
// one continues the code after it.
Truth EvaluateCondition(const Program& program, CodeRange range, const VmInputs& in,
                        FirstTestReads* reads, Operand* stack, std::string* error);

// Whether the condition `range` is false whatever else a request gives, as long as it names
// the principal (in.subject) and the stored resource (in.resource) of `in`: its first test
// (kLoadFirstTest) reads an attribute of the principal or of the stored resource (or the
// resource's id), the attribute reads as declared, and the test is false. Its other tests are
// then never evaluated, so the condition neither holds nor errs. (A test of the delegator,
// the context, the args or inline resource attributes is never taken as fixed.)
bool FirstTestFailsOnRecords(const Program& program, CodeRange range, const VmInputs& in,
                             std::string* error);

// The operand of a literal.
Operand LiteralOperand(const Value& literal);

// Reads the attribute `ref` as its declared type into `out`; false, with the message in
// `error`, when it cannot be read.
bool Load(const AttributeRef& ref, const VmInputs& in, Operand* out, std::string* error);

// Whether the attribute `ref` is present.
bool Has(const AttributeRef& ref, const VmInputs& in);

// The untyped comparison `op` (kEq to kUnder) of two operands.
bool Compare(OpCode op, const Operand& left, const Operand& right);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_VM_H_
