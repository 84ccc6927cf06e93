#include "lib/internal/residual.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/internal/program.h"

namespace ward::internal {
namespace {

// The language's three-valued short-circuit semantics, as the decider runs it.
enum class Truth { kFalse, kTrue, kError };

Truth And(Truth a, Truth b) {
  if (a != Truth::kTrue) return a;  // an error or false on the left decides
  return b;
}
Truth Or(Truth a, Truth b) {
  if (a != Truth::kFalse) return a;  // an error or true on the left decides
  return b;
}
Truth Not(Truth a) {
  if (a == Truth::kError) return a;
  return a == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

ResidualTruth Of(Truth truth) {
  return truth == Truth::kError ? ResidualTruth::Error() : ResidualTruth::Of(truth == Truth::kTrue);
}

Truth Back(ResidualTruth truth) {
  EXPECT_TRUE(Residuals::IsConstant(truth.holds) && Residuals::IsConstant(truth.holds_or_errs));
  if (truth.holds == Residuals::kTrue) return Truth::kTrue;
  return truth.holds_or_errs == Residuals::kTrue ? Truth::kError : Truth::kFalse;
}

TEST(ResidualTest, ConnectivesOnKnownTruthsFollowTheLanguage) {
  const Truth all[] = {Truth::kFalse, Truth::kTrue, Truth::kError};
  Residuals residuals;
  for (Truth a : all) {
    EXPECT_EQ(Back(NotTruth(&residuals, Of(a))), Not(a));
    for (Truth b : all) {
      EXPECT_EQ(Back(AndTruth(&residuals, Of(a), Of(b))), And(a, b));
      EXPECT_EQ(Back(OrTruth(&residuals, Of(a), Of(b))), Or(a, b));
    }
  }
}

Program ProgramWithContext() {
  Program program;
  AttributeRef flag;
  flag.root = Root::kContext;
  flag.name = "flag";
  flag.type = Type::kBool;
  program.attributes.push_back(flag);
  AttributeRef amount;
  amount.root = Root::kArgs;
  amount.name = "amount";
  amount.type = Type::kInt;
  program.attributes.push_back(amount);
  program.regex_patterns.push_back("a/b");
  return program;
}

TEST(ResidualTest, AnErrorBehindAnOpenConditionIsKept) {
  const Program program = ProgramWithContext();
  Residuals residuals;
  const ResidualId flag = residuals.Attribute(0);
  const ResidualTruth open{flag, flag};
  // `context.flag and ERROR`: never true; errs exactly when the flag is set.
  const ResidualTruth both = AndTruth(&residuals, open, ResidualTruth::Error());
  EXPECT_EQ(both.holds, Residuals::kFalse);
  EXPECT_EQ(residuals.Render(both.holds_or_errs, program), "context.flag");
  // `context.flag or ERROR`: true when set, else an error: it always holds or errs.
  const ResidualTruth either = OrTruth(&residuals, open, ResidualTruth::Error());
  EXPECT_EQ(residuals.Render(either.holds, program), "context.flag");
  EXPECT_EQ(either.holds_or_errs, Residuals::kTrue);
  // `ERROR or context.flag`: the error decides.
  EXPECT_EQ(Back(OrTruth(&residuals, ResidualTruth::Error(), open)), Truth::kError);
}

TEST(ResidualTest, RendersByPrecedenceAndSharesEqualNodes) {
  const Program program = ProgramWithContext();
  Residuals residuals;
  const ResidualId has = residuals.Has(1);
  const ResidualId limit =
      residuals.Compare(OpCode::kLe, residuals.Attribute(1), residuals.Known(Value::Int(100)));
  const ResidualId within = residuals.And(has, limit);
  EXPECT_EQ(residuals.Render(residuals.Not(within), program),
            "not (args has amount and args.amount <= 100)");
  EXPECT_EQ(residuals.Render(residuals.Or(residuals.Attribute(0), within), program),
            "context.flag or args has amount and args.amount <= 100");
  EXPECT_EQ(
      residuals.Render(residuals.And(residuals.Or(residuals.Attribute(0), has), limit), program),
      "(context.flag or args has amount) and args.amount <= 100");
  EXPECT_EQ(residuals.Render(residuals.Not(residuals.Has(1)), program), "not (args has amount)");
  EXPECT_EQ(
      residuals.Render(residuals.Not(residuals.Or(residuals.Not(within), residuals.Attribute(0))),
                       program),
      "args has amount and args.amount <= 100 and not context.flag");
  EXPECT_EQ(residuals.Render(residuals.Matches(0, residuals.Attribute(1)), program),
            "args.amount matches /a\\/b/");
  // Made once: the same parts give the same node, so `x and x` and `x and not x` fold.
  EXPECT_EQ(residuals.Has(1), has);
  EXPECT_EQ(residuals.And(within, residuals.And(residuals.Has(1), limit)), within);
  EXPECT_EQ(residuals.And(within, residuals.Not(within)), Residuals::kFalse);
  EXPECT_EQ(residuals.Or(within, residuals.Not(within)), Residuals::kTrue);
  EXPECT_EQ(residuals.Not(residuals.Not(within)), within);
  // Long formulas are cut.
  ResidualId wide = within;
  for (int i = 0; i < 200; ++i) {
    wide = residuals.Or(wide, residuals.Compare(OpCode::kEq, residuals.Attribute(1),
                                                residuals.Known(Value::Int(i))));
  }
  const std::string text = residuals.Render(wide, program, 100);
  EXPECT_LE(text.size(), 200u);
  EXPECT_EQ(text.substr(text.size() - 4), " ...");
  residuals.Clear();
  EXPECT_EQ(residuals.size(), 2u);
}

}  // namespace
}  // namespace ward::internal
