// The simplify stage, between the checker and code generation: checked conditions in the two
// normal forms the later stages read.
//
// - SimplifyCondition: an equivalent condition that takes fewer instructions to evaluate
//   (`not (a == b)` is `a != b`, `x and true` is `x`, `not not x` is `x`). Code generation
//   compiles what it returns; the checked rules themselves are left as written, for the
//   linter, the reference interpreter and the traces, which show the conditions as written.
// - ToAlternatives: a condition as alternatives of conjunctions of possibly negated atoms
//   (disjunctive normal form), in two-valued logic, for the linter's satisfiability check.

#ifndef WARD_POLICY_LANG_SIMPLIFY_H_
#define WARD_POLICY_LANG_SIMPLIFY_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "lib/internal/ir.h"

namespace ward::internal {

// Whether `expr` is the literal `true` (value true) or `false`.
bool IsBoolLiteral(const Expr& expr, bool value);

// The simplest equivalent of the condition `expr`, or null when `expr` is already simplest.
// Equivalent in the language's three-valued sense: for every request the result holds, does
// not hold or errs exactly when `expr` does, and errs with the same message, because it reads
// the same attributes in the same order up to the first read that fails. So a rewrite may drop
// an operand only where evaluation would never reach it (`false and x` is `false`) or where its
// value cannot change the result (`x and true` is `x`, but `x and false` stays: `x` may err).
std::unique_ptr<Expr> SimplifyCondition(const Expr& expr);

// One atom of a conjunction, or its negation.
struct Literal {
  const Expr* atom;
  bool positive;
};
using Conjunction = std::vector<Literal>;
// Empty: always false; one empty conjunction: always true.
using Alternatives = std::vector<Conjunction>;

// The most alternatives ToAlternatives and Conjoin build.
inline constexpr size_t kMaxAlternatives = 256;

// `expr` (its negation when `positive` is false) as alternatives, whose atoms point into
// `expr`; false when there would be more than kMaxAlternatives.
bool ToAlternatives(const Expr& expr, bool positive, Alternatives* out);

// The conjunction of `a` and `b` as alternatives; false when there would be too many.
bool Conjoin(const Alternatives& a, const Alternatives& b, Alternatives* out);

}  // namespace ward::internal

#endif  // WARD_POLICY_LANG_SIMPLIFY_H_
