#include "lib/internal/program.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/internal/ir_dump.h"
#include "lib/internal/json_util.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

// The largest symbol the index keys can hold (two bits of each key word are taken).
constexpr size_t kMaxSymbols = size_t{1} << 30;

int32_t PositionOf(const AttributeTypes& attributes, absl::string_view name) {
  int32_t position = 0;
  for (const auto& [attribute, type] : attributes) {
    if (attribute == name) return position;
    ++position;
  }
  return -1;
}

AttributeRef::Builtin BuiltinOf(absl::string_view name) {
  if (name == "id") return AttributeRef::Builtin::kId;
  if (name == "owner") return AttributeRef::Builtin::kOwner;
  if (name == "status") return AttributeRef::Builtin::kStatus;
  if (name == "expires_at") return AttributeRef::Builtin::kExpiresAt;
  if (name == "groups") return AttributeRef::Builtin::kGroups;
  return AttributeRef::Builtin::kNone;
}

class ProgramBuilder {
 public:
  explicit ProgramBuilder(const PolicyIr& policy) : policy_(policy) {}

  absl::StatusOr<std::shared_ptr<const Program>> Build() {
    auto program = std::make_shared<Program>();
    program_ = program.get();
    program_->schema = policy_.schema;

    // Rules in name order, so that candidate lists sorted by index are sorted by name.
    std::vector<size_t> order(policy_.rules.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return policy_.rules[a].name < policy_.rules[b].name;
    });
    for (size_t i = 0; i < order.size(); ++i) AddRule(policy_.rules[order[i]], i);
    if (program_->symbols.size() >= kMaxSymbols) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the policy has more than ", kMaxSymbols, " distinct names"));
    }
    FlattenIndex();
    if (absl::Status finished = FinishProgram(program_); !finished.ok()) return finished;
    return std::shared_ptr<const Program>(std::move(program));
  }

 private:
  Symbol Intern(const std::string& text) {
    auto [it, inserted] =
        program_->symbol_index.emplace(text, static_cast<Symbol>(program_->symbols.size()));
    if (inserted) program_->symbols.push_back(text);
    return it->second;
  }

  uint32_t AddRegex(const std::string& pattern) {
    program_->regex_patterns.push_back(pattern);
    return static_cast<uint32_t>(program_->regex_patterns.size() - 1);
  }

  void AddRule(const Rule& rule, uint32_t index) {
    ProgramRule out;
    out.name = rule.name;
    out.source = rule.source;
    out.line = rule.line;
    out.effect = rule.effect;
    out.when_text = rule.when_text;
    out.unless_text = rule.unless_text;
    out.head_text = RuleHeadToString(rule);
    out.obligations = rule.obligations;
    for (Redaction& redaction : out.obligations.redact) {
      redaction.regex = nullptr;  // re-pointed into the program's own regexes by FinishProgram
    }
    if (rule.when) out.when = Emit(*rule.when, rule);
    if (rule.unless) out.unless = Emit(*rule.unless, rule);
    program_->rules.push_back(std::move(out));
    AddToIndex(rule, index);
  }

  // ---- Code ----

  CodeRange Emit(const Expr& expr, const Rule& rule) {
    CodeRange range;
    range.begin = static_cast<uint32_t>(program_->code.size());
    EmitExpr(expr, rule);
    range.end = static_cast<uint32_t>(program_->code.size());
    return range;
  }

  void Append(OpCode op, uint32_t arg = 0) { program_->code.push_back({op, arg}); }

  void EmitExpr(const Expr& expr, const Rule& rule) {
    switch (expr.op) {
      case Expr::Op::kLiteral:
        program_->literals.push_back(expr.literal);
        Append(OpCode::kLiteral, static_cast<uint32_t>(program_->literals.size() - 1));
        return;
      case Expr::Op::kNow:
        Append(OpCode::kNow);
        return;
      case Expr::Op::kAttribute:
        Append(OpCode::kLoad, AddAttribute(expr, rule));
        return;
      case Expr::Op::kHas:
        Append(OpCode::kHas, AddAttribute(expr, rule));
        return;
      case Expr::Op::kNot:
        EmitExpr(*expr.operands[0], rule);
        Append(OpCode::kNot);
        return;
      case Expr::Op::kAnd:
      case Expr::Op::kOr: {
        EmitExpr(*expr.operands[0], rule);
        const size_t jump = program_->code.size();
        Append(expr.op == Expr::Op::kAnd ? OpCode::kAnd : OpCode::kOr);
        EmitExpr(*expr.operands[1], rule);
        program_->code[jump].arg = static_cast<uint32_t>(program_->code.size());
        return;
      }
      case Expr::Op::kMatches:
        EmitExpr(*expr.operands[0], rule);
        Append(OpCode::kMatches, AddRegex(expr.regex_text));
        return;
      default:
        break;
    }
    EmitExpr(*expr.operands[0], rule);
    EmitExpr(*expr.operands[1], rule);
    switch (expr.op) {
      case Expr::Op::kEq:
        Append(OpCode::kEq);
        break;
      case Expr::Op::kNe:
        Append(OpCode::kNe);
        break;
      case Expr::Op::kLt:
        Append(OpCode::kLt);
        break;
      case Expr::Op::kLe:
        Append(OpCode::kLe);
        break;
      case Expr::Op::kGt:
        Append(OpCode::kGt);
        break;
      case Expr::Op::kGe:
        Append(OpCode::kGe);
        break;
      case Expr::Op::kIn:
        Append(OpCode::kIn);
        break;
      default:
        Append(OpCode::kStartsWith);
        break;
    }
  }

  uint32_t AddAttribute(const Expr& expr, const Rule& rule) {
    AttributeRef ref;
    ref.root = expr.root;
    ref.name = expr.name;
    ref.type = expr.type;
    switch (expr.root) {
      case Root::kSubject:
      case Root::kDelegator:
        ref.builtin = BuiltinOf(expr.name);
        if (ref.builtin == AttributeRef::Builtin::kNone) {
          for (SubjectKind kind : kAllSubjectKinds) {
            const int k = static_cast<int>(kind);
            ref.kind_slot[k] = PositionOf(policy_.schema.subject_attributes[k], expr.name);
          }
        }
        break;
      case Root::kResource:
        if (expr.name == "id") {
          ref.builtin = AttributeRef::Builtin::kId;
        } else {
          auto type = policy_.schema.resource_types.find(rule.resource_type);
          if (type != policy_.schema.resource_types.end()) {
            ref.slot = PositionOf(type->second, expr.name);
          }
        }
        break;
      case Root::kContext:
        ref.slot = PositionOf(policy_.schema.context, expr.name);
        break;
    }
    program_->attributes.push_back(std::move(ref));
    return static_cast<uint32_t>(program_->attributes.size() - 1);
  }

  // ---- Index ----

  struct PendingSelector {
    std::map<std::string, std::vector<uint32_t>> prefixes;
    std::vector<std::pair<uint32_t, std::vector<uint32_t>>> patterns;
  };

  void AddToIndex(const Rule& rule, uint32_t index) {
    std::vector<SubjectKind> kinds;
    if (rule.subject.subject_kind) {
      kinds.push_back(*rule.subject.subject_kind);
    } else {
      kinds.assign(kAllSubjectKinds.begin(), kAllSubjectKinds.end());
    }
    const Symbol type = Intern(rule.resource_type);
    uint32_t subject = SubjectKey(SubjectSelectorKind::kAll, 0);
    if (rule.subject.kind == SubjectSelector::Kind::kId) {
      subject = SubjectKey(SubjectSelectorKind::kId, Intern(rule.subject.value));
    } else if (rule.subject.kind == SubjectSelector::Kind::kGroup) {
      subject = SubjectKey(SubjectSelectorKind::kGroup, Intern(rule.subject.value));
    }
    std::optional<uint32_t> pattern;
    if (rule.resource.kind == ResourceSelector::Kind::kPattern) {
      pattern = AddRegex(rule.resource.pattern_text);
    }
    for (SubjectKind kind : kinds) {
      for (const std::string& action : rule.actions) {
        const Symbol action_symbol = Intern(action);
        uint8_t& flags = program_->buckets[BucketKey(kind, action_symbol, type)]
                             .flags[static_cast<int>(rule.subject.kind)];
        IndexKey key{KindAction(kind, action_symbol), type, subject, kAllResources};
        switch (rule.resource.kind) {
          case ResourceSelector::Kind::kAll:
            flags |= BucketInfo::kAllResources;
            exact_[key].push_back(index);
            break;
          case ResourceSelector::Kind::kIds:
            flags |= BucketInfo::kResourceIds;
            for (const std::string& id : rule.resource.values) {
              IndexKey by_id = key;
              by_id.resource = Intern(id);
              exact_[by_id].push_back(index);
            }
            break;
          case ResourceSelector::Kind::kPrefixes:
            flags |= BucketInfo::kSelectors;
            for (const std::string& prefix : rule.resource.values) {
              selectors_[key].prefixes[prefix].push_back(index);
            }
            break;
          case ResourceSelector::Kind::kPattern:
            flags |= BucketInfo::kSelectors;
            selectors_[key].patterns.push_back({*pattern, {index}});
            break;
        }
      }
    }
  }

  RuleList AddList(const std::vector<uint32_t>& rules) {
    RuleList list{static_cast<uint32_t>(program_->rule_lists.size()),
                  static_cast<uint32_t>(rules.size())};
    program_->rule_lists.insert(program_->rule_lists.end(), rules.begin(), rules.end());
    return list;
  }

  void FlattenIndex() {
    for (const auto& [key, rules] : exact_) program_->exact[key] = AddList(rules);
    for (const auto& [key, pending] : selectors_) {
      SelectorIndex& index = program_->selectors[key];
      for (const auto& [prefix, rules] : pending.prefixes) {
        index.prefixes.emplace_back(prefix, AddList(rules));
      }
      for (const auto& [regex, rules] : pending.patterns) {
        index.patterns.push_back({regex, AddList(rules)});
      }
      index.Finish();
    }
  }

  const PolicyIr& policy_;
  Program* program_ = nullptr;
  // Ordered, so that the flattened layout (and so the dump and the hash) is deterministic.
  struct KeyLess {
    bool operator()(const IndexKey& a, const IndexKey& b) const {
      return std::tie(a.kind_action, a.resource_type, a.subject, a.resource) <
             std::tie(b.kind_action, b.resource_type, b.subject, b.resource);
    }
  };
  std::map<IndexKey, std::vector<uint32_t>, KeyLess> exact_;
  std::map<IndexKey, PendingSelector, KeyLess> selectors_;
};

std::string SubjectText(const Program& program, uint32_t subject) {
  const auto selector = static_cast<SubjectSelectorKind>(subject >> 30);
  const Symbol symbol = subject & 0x3fffffff;
  switch (selector) {
    case SubjectSelectorKind::kAll:
      return "*";
    case SubjectSelectorKind::kId:
      return absl::StrCat("id ", JsonQuote(program.symbols[symbol]));
    case SubjectSelectorKind::kGroup:
      return absl::StrCat("group ", JsonQuote(program.symbols[symbol]));
  }
  return "?";
}

std::string KeyText(const Program& program, const IndexKey& key) {
  return absl::StrCat(SubjectKindName(static_cast<SubjectKind>(key.kind_action >> 30)), " ",
                      program.symbols[key.kind_action & 0x3fffffff], " ",
                      program.symbols[key.resource_type], " subject=", SubjectText(program, key.subject));
}

std::string ListText(const Program& program, RuleList list) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < list.size; ++i) {
    names.push_back(program.rules[program.rule_lists[list.begin + i]].name);
  }
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

std::string AttributeText(const Program& program, const AttributeRef& ref) {
  std::string text = absl::StrCat(RootName(ref.root), ".", ref.name, ":", TypeName(ref.type));
  if (ref.builtin != AttributeRef::Builtin::kNone) return absl::StrCat(text, " builtin");
  if (ref.root == Root::kSubject || ref.root == Root::kDelegator) {
    std::vector<std::string> slots;
    for (SubjectKind kind : kAllSubjectKinds) {
      const int32_t slot = ref.kind_slot[static_cast<int>(kind)];
      if (slot >= 0) slots.push_back(absl::StrCat(SubjectKindName(kind), "#", slot));
    }
    return absl::StrCat(text, " (", absl::StrJoin(slots, " "), ")");
  }
  return absl::StrCat(text, " #", ref.slot);
}

void DumpCode(const Program& program, CodeRange range, std::string* out) {
  for (uint32_t pc = range.begin; pc < range.end; ++pc) {
    const Instruction& instruction = program.code[pc];
    absl::StrAppendFormat(out, "    %04d %s", pc - range.begin, OpCodeName(instruction.op));
    const size_t pad = 12 - std::min<size_t>(11, OpCodeName(instruction.op).size());
    switch (instruction.op) {
      case OpCode::kLiteral:
        absl::StrAppend(out, std::string(pad, ' '),
                        LiteralToString(program.literals[instruction.arg]));
        break;
      case OpCode::kLoad:
        absl::StrAppend(out, std::string(pad, ' '),
                        AttributeText(program, program.attributes[instruction.arg]));
        break;
      case OpCode::kHas: {
        const AttributeRef& ref = program.attributes[instruction.arg];
        absl::StrAppend(out, std::string(pad, ' '), RootName(ref.root), ".", ref.name);
        break;
      }
      case OpCode::kAnd:
      case OpCode::kOr:
        absl::StrAppendFormat(out, "%s-> %04d", std::string(pad, ' '),
                              instruction.arg - range.begin);
        break;
      case OpCode::kMatches:
        absl::StrAppend(out, std::string(pad, ' '), "/", program.regex_patterns[instruction.arg],
                        "/");
        break;
      default:
        break;
    }
    absl::StrAppend(out, "\n");
  }
}

}  // namespace

absl::string_view OpCodeName(OpCode op) {
  switch (op) {
    case OpCode::kLiteral:
      return "literal";
    case OpCode::kNow:
      return "now";
    case OpCode::kLoad:
      return "load";
    case OpCode::kHas:
      return "has";
    case OpCode::kNot:
      return "not";
    case OpCode::kAnd:
      return "and";
    case OpCode::kOr:
      return "or";
    case OpCode::kEq:
      return "eq";
    case OpCode::kNe:
      return "ne";
    case OpCode::kLt:
      return "lt";
    case OpCode::kLe:
      return "le";
    case OpCode::kGt:
      return "gt";
    case OpCode::kGe:
      return "ge";
    case OpCode::kIn:
      return "in";
    case OpCode::kStartsWith:
      return "starts_with";
    case OpCode::kMatches:
      return "matches";
  }
  return "?";
}

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

void SelectorIndex::Finish() {
  prefix_lengths.clear();
  prefix_map.clear();
  if (prefixes.size() <= kScannedPrefixes) return;
  for (const auto& [prefix, list] : prefixes) {
    prefix_lengths.push_back(static_cast<uint32_t>(prefix.size()));
    prefix_map.emplace(prefix, list);
  }
  std::sort(prefix_lengths.begin(), prefix_lengths.end());
  prefix_lengths.erase(std::unique(prefix_lengths.begin(), prefix_lengths.end()),
                       prefix_lengths.end());
}

absl::StatusOr<std::shared_ptr<const Program>> BuildProgram(const PolicyIr& policy) {
  return ProgramBuilder(policy).Build();
}

absl::Status FinishProgram(Program* program) {
  program->symbol_index.clear();
  for (size_t i = 0; i < program->symbols.size(); ++i) {
    program->symbol_index.emplace(program->symbols[i], static_cast<Symbol>(i));
  }
  // Redaction patterns join the regex pool so that the program owns every compiled pattern.
  program->regexes.clear();
  RE2::Options options;
  options.set_log_errors(false);
  for (const std::string& pattern : program->regex_patterns) {
    auto regex = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()),
                                             options);
    if (!regex->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression `", pattern, "`: ", regex->error()));
    }
    program->regexes.push_back(std::move(regex));
  }
  for (ProgramRule& rule : program->rules) {
    for (Redaction& redaction : rule.obligations.redact) {
      auto regex = std::make_shared<const RE2>(
          re2::StringPiece(redaction.pattern.data(), redaction.pattern.size()), options);
      if (!regex->ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid regular expression `", redaction.pattern, "`: ", regex->error()));
      }
      redaction.regex = regex.get();
      program->regexes.push_back(std::move(regex));
    }
  }
  program->hash = Fnv1a64(DumpProgram(*program));
  return absl::OkStatus();
}

std::string DumpProgram(const Program& program) {
  std::string out = absl::StrCat("program: ", program.rules.size(), " rules, ",
                                 program.symbols.size(), " symbols, ", program.code.size(),
                                 " instructions\n");
  absl::StrAppend(&out, DumpSchema(program.schema));

  // The tree, one line per leaf, sorted so that the text does not depend on hash order.
  std::vector<std::string> leaves;
  for (const auto& [key, list] : program.exact) {
    std::string resource = key.resource == kAllResources
                               ? "*"
                               : absl::StrCat("id ", JsonQuote(program.symbols[key.resource]));
    leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=", resource, " -> ",
                                  ListText(program, list)));
  }
  for (const auto& [key, index] : program.selectors) {
    for (const auto& [prefix, list] : index.prefixes) {
      leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=under ",
                                    JsonQuote(prefix), " -> ", ListText(program, list)));
    }
    for (const auto& [regex, list] : index.patterns) {
      leaves.push_back(absl::StrCat("  ", KeyText(program, key), " resource=matching /",
                                    program.regex_patterns[regex], "/ -> ",
                                    ListText(program, list)));
    }
  }
  std::sort(leaves.begin(), leaves.end());
  absl::StrAppend(&out, "tree (kind action type subject resource -> candidates):\n");
  for (const std::string& leaf : leaves) absl::StrAppend(&out, leaf, "\n");

  for (size_t i = 0; i < program.rules.size(); ++i) {
    const ProgramRule& rule = program.rules[i];
    absl::StrAppend(&out, "rule ", i, " ", rule.name, " (", rule.source, ":", rule.line, ")\n  ",
                    rule.head_text, "\n");
    if (!rule.when.empty()) {
      absl::StrAppend(&out, "  when ", rule.when_text, "\n");
      DumpCode(program, rule.when, &out);
    }
    if (!rule.unless.empty()) {
      absl::StrAppend(&out, "  unless ", rule.unless_text, "\n");
      DumpCode(program, rule.unless, &out);
    }
    for (const Redaction& redaction : rule.obligations.redact) {
      absl::StrAppend(&out, "  redact /", redaction.pattern, "/ ", JsonQuote(redaction.replacement),
                      "\n");
    }
    for (const auto& [name, value] : rule.obligations.limits) {
      absl::StrAppend(&out, "  limit ", name, " ", value, "\n");
    }
    if (rule.obligations.log != LogLevel::kNone) {
      absl::StrAppend(&out, "  log ", LogLevelName(rule.obligations.log), "\n");
    }
  }
  return out;
}

}  // namespace ward::internal
