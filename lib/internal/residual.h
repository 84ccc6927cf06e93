// Residual conditions: what is left of a policy's conditions once everything the inventory
// knows (subject, delegator, resource) has been substituted. They range over what only a
// request supplies: `context`, `args` and, when the time is left open, `now`. What an identity
// may do (reach.h) says, for each access that depends on them, under which condition.
//
// A residual is a node of a Residuals arena. Nodes are immutable once made and made once (equal
// nodes have one id), so formulas share their parts (a DAG) and equal parts are recognised;
// And, Or and Not fold constants as they are built, so that a condition whose inputs are all
// known comes out as kFalse or kTrue.

#ifndef WARD_LIB_INTERNAL_RESIDUAL_H_
#define WARD_LIB_INTERNAL_RESIDUAL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/internal/program.h"
#include "ward/value.h"

namespace ward::internal {

using ResidualId = uint32_t;

class Residuals {
 public:
  static constexpr ResidualId kFalse = 0;
  static constexpr ResidualId kTrue = 1;

  Residuals() { Clear(); }

  // Drops every node but the two constants (keeping the storage).
  void Clear();
  size_t size() const { return nodes_.size(); }
  static bool IsConstant(ResidualId id) { return id <= kTrue; }

  // Leaves. `attribute` indexes Program::attributes (a context entry or an argument).
  ResidualId Attribute(uint32_t attribute);
  ResidualId Has(uint32_t attribute);
  ResidualId Now();
  // A value the inventory supplied (shown as a literal).
  ResidualId Known(const Value& value);

  // Operators on values: `op` is a comparison, kIn, kStartsWith or kUnder.
  ResidualId Compare(OpCode op, ResidualId left, ResidualId right);
  ResidualId Matches(uint32_t regex, ResidualId operand);

  // Boolean connectives; they fold constants, `x and x`, `x and not x` and `not not x`, and
  // Not turns `not (x or y)` into `not x and not y`.
  ResidualId Not(ResidualId a);
  ResidualId And(ResidualId a, ResidualId b);
  ResidualId Or(ResidualId a, ResidualId b);

  // The formula in the policy language, parenthesised by precedence; at most about
  // `max_length` characters (a longer one ends with " ...").
  std::string Render(ResidualId id, const Program& program, size_t max_length = 2048) const;

 private:
  enum class Kind : uint8_t {
    kFalse,
    kTrue,
    kAttribute,
    kHas,
    kNow,
    kKnown,
    kCompare,
    kMatches,
    kNot,
    kAnd,
    kOr
  };
  struct Node {
    Kind kind = Kind::kFalse;
    OpCode op = OpCode::kEq;  // kCompare
    uint32_t a = 0;           // operand, attribute or regex
    uint32_t b = 0;           // second operand
    std::string literal;      // kKnown: the value as the language writes it

    // A node of `kind` (with no literal: Known sets it).
    static Node Of(Kind kind, OpCode op = OpCode::kEq, uint32_t a = 0, uint32_t b = 0) {
      Node node;
      node.kind = kind;
      node.op = op;
      node.a = a;
      node.b = b;
      return node;
    }

    friend bool operator==(const Node& x, const Node& y) {
      return x.kind == y.kind && x.op == y.op && x.a == y.a && x.b == y.b && x.literal == y.literal;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.kind, n.op, n.a, n.b, n.literal);
    }
  };

  // The id of `node`, made if it is new.
  ResidualId Add(Node node);
  void RenderInto(ResidualId id, const Program& program, int parent_precedence, size_t max_length,
                  std::string* out) const;

  std::vector<Node> nodes_;
  absl::flat_hash_map<Node, ResidualId> ids_;
};

// A condition's residual with the language's error semantics kept: `holds` is when it is
// true, `holds_or_errs` when it is true or its evaluation fails (a forbid or an approval
// counts as holding then; a permit does not). An error-free condition has both the same.
struct ResidualTruth {
  ResidualId holds = Residuals::kFalse;
  ResidualId holds_or_errs = Residuals::kFalse;

  static ResidualTruth Of(bool value) {
    const ResidualId id = value ? Residuals::kTrue : Residuals::kFalse;
    return {id, id};
  }
  static ResidualTruth Error() { return {Residuals::kFalse, Residuals::kTrue}; }
};

// The connectives over truths, with short-circuit left to right (an error on the left is the
// result; `false and x` is false; `true or x` is true).
ResidualTruth NotTruth(Residuals* residuals, ResidualTruth a);
ResidualTruth AndTruth(Residuals* residuals, ResidualTruth a, ResidualTruth b);
ResidualTruth OrTruth(Residuals* residuals, ResidualTruth a, ResidualTruth b);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_RESIDUAL_H_
