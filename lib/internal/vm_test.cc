#include "lib/internal/vm.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/internal/program.h"

namespace ward::internal {
namespace {

// A program of one rule whose `when` is `code`, over `literals`, finished as a loader would.
absl::StatusOr<Program> ProgramOf(std::vector<Value> literals, std::vector<Instruction> code) {
  Program program;
  program.literals = std::move(literals);
  program.code = std::move(code);
  ProgramRule& rule = program.rules.emplace_back();
  rule.name = "r";
  rule.when = {0, static_cast<uint32_t>(program.code.size())};
  if (absl::Status finished = FinishProgram(&program); !finished.ok()) return finished;
  return program;
}

Truth RunWhen(const Program& program, std::string* error = nullptr) {
  std::vector<Operand> stack(program.vm->max_stack_depth);
  VmInputs in;
  in.program = &program;
  std::string ignored;
  return Evaluate(program, program.rules[0].when, in, stack.data(),
                  error != nullptr ? error : &ignored);
}

// Two rules comparing the context entries `l` and `r`, of the types of `left` and `right`:
// the first `l op r` (two loads), the second `l op <right>` (a load and a literal).
absl::StatusOr<Program> LoadingProgram(const Value& left, const Value& right, OpCode op) {
  Program program;
  program.literals = {right};
  for (const auto& [name, value] :
       {std::pair<const char*, const Value*>{"l", &left}, {"r", &right}}) {
    AttributeRef& ref = program.attributes.emplace_back();
    ref.root = Root::kContext;
    ref.name = name;
    ref.type = *LiteralType(value->kind());
  }
  program.code = {{OpCode::kLoad, 0}, {OpCode::kLoad, 1},    {op, 0},
                  {OpCode::kLoad, 0}, {OpCode::kLiteral, 0}, {op, 0}};
  program.rules.emplace_back().when = {0, 3};
  program.rules.emplace_back().when = {3, 6};
  if (absl::Status finished = FinishProgram(&program); !finished.ok()) return finished;
  return program;
}

// Runs `range` of `program` (whose attributes are set by ProgramOf) over `request`.
Truth RunCode(const Program& program, CodeRange range, const Request& request) {
  std::vector<Operand> stack(program.vm->max_stack_depth);
  VmInputs in;
  in.program = &program;
  in.request = &request;
  std::string error;
  const Truth truth = Evaluate(program, range, in, stack.data(), &error);
  EXPECT_TRUE(error.empty()) << error;
  return truth;
}

// Two or three values of each type, equal and ordered pairs among them, and empty sets.
std::vector<std::vector<Value>> ValuesByType() {
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  return {
      {Value::String(""), Value::String("a"), Value::String("a/b"), Value::String("b")},
      {Value::Int(-1), Value::Int(0), Value::Int(7)},
      {Value::Bool(false), Value::Bool(true)},
      {Value::Timestamp(t), Value::Timestamp(t + absl::Nanoseconds(1)),
       Value::Timestamp(t - absl::Hours(1))},
      {Value::StringSet({}), Value::StringSet({"a"}), Value::StringSet({"a", "b"}),
       Value::StringSet({"a/b", "c"})},
      {Value::IntSet({}), Value::IntSet({7}), Value::IntSet({-1, 0, 7})},
  };
}

// Whether the untyped comparison takes these operands: the types the verifier admits.
bool Admitted(OpCode op, Value::Kind left, Value::Kind right) {
  using K = Value::Kind;
  switch (op) {
    case OpCode::kEq:
    case OpCode::kNe:
      return left == right;
    case OpCode::kLt:
    case OpCode::kLe:
    case OpCode::kGt:
    case OpCode::kGe:
      return left == right && (left == K::kInt || left == K::kTimestamp);
    case OpCode::kIn:
      return (left == K::kString && right == K::kStringSet) ||
             (left == K::kInt && right == K::kIntSet);
    case OpCode::kStartsWith:
      return left == K::kString && right == K::kString;
    case OpCode::kUnder:
      return left == K::kString && (right == K::kString || right == K::kStringSet);
    default:
      return false;
  }
}

// Every typed comparison gives what the untyped one gives, for every pair of values of the
// types it takes; and the translation chose a typed instruction for each.
TEST(VmTest, TypedComparisonsAgreeWithTheUntypedComparison) {
  const OpCode ops[] = {OpCode::kEq, OpCode::kNe, OpCode::kLt,         OpCode::kLe,   OpCode::kGt,
                        OpCode::kGe, OpCode::kIn, OpCode::kStartsWith, OpCode::kUnder};
  std::vector<Value> all;
  for (const auto& values : ValuesByType()) all.insert(all.end(), values.begin(), values.end());
  int compared = 0;
  for (OpCode op : ops) {
    for (const Value& left : all) {
      for (const Value& right : all) {
        if (!Admitted(op, left.kind(), right.kind())) continue;
        absl::StatusOr<Program> program =
            ProgramOf({left, right}, {{OpCode::kLiteral, 0}, {OpCode::kLiteral, 1}, {op, 0}});
        ASSERT_TRUE(program.ok()) << program.status();
        const std::string what =
            absl::StrCat(OpCodeName(op), " of ", left.DebugString(), " and ", right.DebugString());
        EXPECT_NE(program->vm->code[2].op, VmOp::kCompare) << what;
        // The right literal is compared in place.
        EXPECT_EQ(program->vm->code[1].op, VmOp::kCompareLiteral) << what;
        const bool expected = Compare(op, LiteralOperand(left), LiteralOperand(right));
        EXPECT_EQ(RunWhen(*program), expected ? Truth::kTrue : Truth::kFalse) << what;
        // The same operands read from the request: a comparison of two loads, not fused, and
        // of a load and a literal, fused.
        absl::StatusOr<Program> loaded = LoadingProgram(left, right, op);
        ASSERT_TRUE(loaded.ok()) << loaded.status();
        EXPECT_TRUE(IsTypedComparison(loaded->vm->code[2].op)) << what;
        EXPECT_EQ(loaded->vm->code[4].op, VmOp::kCompareLiteral) << what;
        Request request;
        request.context["l"] = left;
        request.context["r"] = right;
        EXPECT_EQ(RunCode(*loaded, {0, 3}, request), expected ? Truth::kTrue : Truth::kFalse)
            << what;
        EXPECT_EQ(RunCode(*loaded, {3, 6}, request), expected ? Truth::kTrue : Truth::kFalse)
            << what;
        ++compared;
      }
    }
  }
  // 20 values: 4 + 3 + 2 + 3 + 4 + 3 of each type. eq and ne: the squares of each type's
  // count (63 each); the orders: 3 x 3 ints and 3 x 3 timestamps (18 each); in: 4 x 4 + 3 x 3;
  // starts_with: 4 x 4; under: 4 x 4 + 4 x 4.
  EXPECT_EQ(compared, 2 * 63 + 4 * 18 + 25 + 16 + 32);
}

// Operands whose types the comparison does not take keep the untyped instruction, which
// answers as it always did (never equal).
TEST(VmTest, MismatchedOperandsKeepTheUntypedComparison) {
  absl::StatusOr<Program> program =
      ProgramOf({Value::String("1"), Value::Int(1)},
                {{OpCode::kLiteral, 0}, {OpCode::kLiteral, 1}, {OpCode::kEq, 0}});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->vm->code[2].op, VmOp::kCompare);
  EXPECT_EQ(RunWhen(*program), Truth::kFalse);
}

// `(a == b) == (c == d)` holds three operands at once; `and` keeps its left side on a jump.
TEST(VmTest, TheStackIsAsDeepAsTheDeepestCondition) {
  absl::StatusOr<Program> program =
      ProgramOf({Value::Int(1), Value::Int(2)}, {{OpCode::kLiteral, 0},
                                                 {OpCode::kLiteral, 1},
                                                 {OpCode::kEq, 0},
                                                 {OpCode::kLiteral, 0},
                                                 {OpCode::kLiteral, 0},
                                                 {OpCode::kEq, 0},
                                                 {OpCode::kEq, 0}});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->vm->max_stack_depth, 3u);
  EXPECT_EQ(RunWhen(*program), Truth::kFalse);  // false == true

  // false and <anything>: the jump keeps `false` as the result.
  program = ProgramOf({Value::Bool(false), Value::Bool(true)},
                      {{OpCode::kLiteral, 0}, {OpCode::kAnd, 3}, {OpCode::kLiteral, 1}});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->vm->max_stack_depth, 1u);
  EXPECT_EQ(RunWhen(*program), Truth::kFalse);
  // true or <anything>, and true and true.
  program = ProgramOf({Value::Bool(true)},
                      {{OpCode::kLiteral, 0}, {OpCode::kOr, 3}, {OpCode::kLiteral, 0}});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(RunWhen(*program), Truth::kTrue);
  program = ProgramOf(
      {Value::Bool(true)},
      {{OpCode::kLiteral, 0}, {OpCode::kAnd, 4}, {OpCode::kLiteral, 0}, {OpCode::kNot, 0}});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(RunWhen(*program), Truth::kFalse);  // true and not true
}

// Code the machine could not run safely is refused when the program is finished, naming the
// rule, instead of running off its stack.
TEST(VmTest, CodeThatCannotBeFollowedIsRefused) {
  const std::vector<std::vector<Instruction>> malformed = {
      {{OpCode::kEq, 0}},                                                 // nothing to compare
      {{OpCode::kLiteral, 0}, {OpCode::kNot, 0}, {OpCode::kEq, 0}},       // one operand
      {{OpCode::kLiteral, 0}, {OpCode::kLiteral, 0}},                     // leaves two
      {{OpCode::kLiteral, 5}},                                            // no literal 5
      {{OpCode::kLiteral, 0}, {OpCode::kAnd, 9}, {OpCode::kLiteral, 0}},  // jumps out
      {{OpCode::kLiteral, 0}, {OpCode::kAnd, 1}, {OpCode::kLiteral, 0}},  // jumps back
      {{OpCode::kLoad, 0}},                                               // no attribute 0
      {{OpCode::kLiteral, 0}, {OpCode::kMatches, 0}},                     // no regex 0
  };
  for (size_t i = 0; i < malformed.size(); ++i) {
    absl::StatusOr<Program> program = ProgramOf({Value::Bool(true)}, malformed[i]);
    ASSERT_FALSE(program.ok()) << "case " << i;
    EXPECT_TRUE(absl::StrContains(program.status().message(), "rule `r`: instruction"))
        << program.status();
  }
}

TEST(VmTest, ReadsOfAbsentRequestValuesAreErrorsWithTheirName) {
  Program program;
  AttributeRef ticket;
  ticket.root = Root::kContext;
  ticket.name = "ticket";
  ticket.type = Type::kString;
  program.attributes.push_back(ticket);
  program.code = {{OpCode::kLoad, 0}, {OpCode::kLoad, 0}, {OpCode::kEq, 0}};
  program.rules.emplace_back().when = {0, 3};
  ASSERT_TRUE(FinishProgram(&program).ok());
  EXPECT_EQ(program.vm->code[2].op, VmOp::kEqString);

  Request request;
  std::string error;
  std::vector<Operand> stack(program.vm->max_stack_depth);
  VmInputs in;
  in.program = &program;
  in.request = &request;
  EXPECT_EQ(Evaluate(program, program.rules[0].when, in, stack.data(), &error), Truth::kError);
  EXPECT_EQ(error, "`context.ticket` is absent");
  request.context["ticket"] = Value::String("T-1");
  EXPECT_EQ(Evaluate(program, program.rules[0].when, in, stack.data(), &error), Truth::kTrue);
}

}  // namespace
}  // namespace ward::internal
