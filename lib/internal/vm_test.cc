#include "lib/internal/vm.h"

#include <map>
#include <optional>
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

// Conditions over the context entries d (string), n (int) and f (bool), for first tests.
struct FirstTestCase {
  const char* text;
  std::vector<Instruction> code;
  bool marked;  // whether a false first test settles it
};

std::vector<FirstTestCase> FirstTestCases() {
  // Attributes: 0 context.d, 1 context.n, 2 context.f, 3 context.d again (an equal
  // reference), 4 args.d. Literals: 0 "hr", 1 3, 2 true.
  using I = Instruction;
  const I d{OpCode::kLoad, 0}, n{OpCode::kLoad, 1}, f{OpCode::kLoad, 2}, d_again{OpCode::kLoad, 3},
      args_d{OpCode::kLoad, 4}, hr{OpCode::kLiteral, 0}, three{OpCode::kLiteral, 1},
      eq{OpCode::kEq, 0}, ge{OpCode::kGe, 0};
  return {
      {"d == \"hr\"", {d, hr, eq}, true},
      {"d == \"hr\" and n >= 3", {d, hr, eq, {OpCode::kAnd, 7}, n, three, ge}, true},
      {"d == \"hr\" (again) and f", {d_again, hr, eq, {OpCode::kAnd, 5}, f}, true},
      {"(d == \"hr\" and n >= 3) and f",
       {d, hr, eq, {OpCode::kAnd, 7}, n, three, ge, {OpCode::kAnd, 9}, f},
       true},
      {"n >= 3 and f", {n, three, ge, {OpCode::kAnd, 5}, f}, true},
      {"args.d == \"hr\"", {args_d, hr, eq}, true},
      {"d == \"hr\" or f", {d, hr, eq, {OpCode::kOr, 5}, f}, false},
      {"(d == \"hr\" and n >= 3) or f",
       {d, hr, eq, {OpCode::kAnd, 7}, n, three, ge, {OpCode::kOr, 9}, f},
       false},
      {"not (d == \"hr\")", {d, hr, eq, {OpCode::kNot, 0}}, false},
      {"(d == \"hr\") == f", {d, hr, eq, f, eq}, false},
      {"\"hr\" == d", {hr, d, eq}, false},
      {"d == d", {d, d_again, eq}, false},
      {"f", {f}, false},
  };
}

absl::StatusOr<Program> FirstTestProgram() {
  Program program;
  program.literals = {Value::String("hr"), Value::Int(3), Value::Bool(true)};
  const std::pair<Root, Type> attributes[] = {{Root::kContext, Type::kString},
                                              {Root::kContext, Type::kInt},
                                              {Root::kContext, Type::kBool},
                                              {Root::kContext, Type::kString},
                                              {Root::kArgs, Type::kString}};
  const char* names[] = {"d", "n", "f", "d", "d"};
  for (int i = 0; i < 5; ++i) {
    AttributeRef& ref = program.attributes.emplace_back();
    ref.root = attributes[i].first;
    ref.type = attributes[i].second;
    ref.name = names[i];
  }
  for (const FirstTestCase& c : FirstTestCases()) {
    const uint32_t begin = static_cast<uint32_t>(program.code.size());
    program.code.insert(program.code.end(), c.code.begin(), c.code.end());
    // Jump targets are written relative to the condition.
    for (uint32_t pc = begin; pc < program.code.size(); ++pc) {
      if (program.code[pc].op == OpCode::kAnd || program.code[pc].op == OpCode::kOr) {
        program.code[pc].arg += begin;
      }
    }
    ProgramRule& rule = program.rules.emplace_back();
    rule.name = c.text;
    rule.when = {begin, static_cast<uint32_t>(program.code.size())};
  }
  if (absl::Status finished = FinishProgram(&program); !finished.ok()) return finished;
  return program;
}

// A condition is marked when, and only when, its first test is a read compared with a
// literal and a false test is its result; equal references are read under one index.
TEST(VmTest, FirstTestsAreMarkedWhereAFalseTestSettlesTheCondition) {
  absl::StatusOr<Program> program = FirstTestProgram();
  ASSERT_TRUE(program.ok()) << program.status();
  const std::vector<FirstTestCase> cases = FirstTestCases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const VmInstruction& first = program->vm->code[program->rules[i].when.begin];
    EXPECT_EQ(first.op == VmOp::kLoadFirstTest, cases[i].marked) << cases[i].text;
  }
  // `d` and `d` (again) are one attribute; args.d is another.
  EXPECT_EQ(program->vm->code[program->rules[2].when.begin].arg, 0u);
  EXPECT_EQ(program->vm->code[program->rules[5].when.begin].arg, 4u);
}

// EvaluateCondition gives what Evaluate gives, error messages included, for every condition
// above and every mix of present, absent and wrongly typed values, with one FirstTestReads
// kept across the conditions of a request, as the decider keeps it across a principal's
// candidates; in the written order and reversed, so that each condition finds the value read
// by others before it, and by none.
TEST(VmTest, FirstTestsGiveWhatTheWholeConditionGives) {
  absl::StatusOr<Program> program = FirstTestProgram();
  ASSERT_TRUE(program.ok()) << program.status();
  const std::vector<std::optional<Value>> ds = {std::nullopt, Value::String("hr"),
                                                Value::String("eng"), Value::Int(1)};
  const std::vector<std::optional<Value>> ns = {std::nullopt, Value::Int(1), Value::Int(5)};
  const std::vector<std::optional<Value>> fs = {std::nullopt, Value::Bool(true),
                                                Value::Bool(false)};
  std::vector<Operand> stack(program->vm->max_stack_depth);
  std::map<Truth, int> first_test_read;  // results of conditions whose first test was read
  int evaluated = 0;
  for (const auto& d : ds) {
    for (const auto& n : ns) {
      for (const auto& f : fs) {
        for (const auto& args_d : ds) {
          Request request;
          if (d) request.context["d"] = *d;
          if (n) request.context["n"] = *n;
          if (f) request.context["f"] = *f;
          if (args_d) request.args["d"] = *args_d;
          VmInputs in;
          in.program = &*program;
          in.request = &request;
          for (bool reversed : {false, true}) {
            FirstTestReads reads;
            for (size_t k = 0; k < program->rules.size(); ++k) {
              const size_t i = reversed ? program->rules.size() - 1 - k : k;
              const CodeRange when = program->rules[i].when;
              std::string expected_error, error;
              const Truth expected = Evaluate(*program, when, in, stack.data(), &expected_error);
              const Truth truth =
                  EvaluateCondition(*program, when, in, &reads, stack.data(), &error);
              const std::string what = absl::StrCat(
                  program->rules[i].name, " with d=", d ? d->DebugString() : "-",
                  " n=", n ? n->DebugString() : "-", " f=", f ? f->DebugString() : "-");
              EXPECT_EQ(truth, expected) << what;
              if (expected == Truth::kError) {
                EXPECT_EQ(error, expected_error) << what;
              }
              const VmInstruction& first = program->vm->code[when.begin];
              if (first.op == VmOp::kLoadFirstTest && reads.attribute == first.arg &&
                  reads.readable) {
                ++first_test_read[truth];
              }
              ++evaluated;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(evaluated, 4 * 3 * 3 * 4 * 2 * static_cast<int>(program->rules.size()));
  // Both ways out of a first test were taken: settled by it, and run on after it.
  EXPECT_GT(first_test_read[Truth::kFalse], 0);
  EXPECT_GT(first_test_read[Truth::kTrue], 0);
  // Run on after a test that holds, the rest of a condition can err (`n` absent).
  EXPECT_GT(first_test_read[Truth::kError], 0);
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
