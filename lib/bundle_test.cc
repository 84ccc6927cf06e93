#include "ward/bundle.h"

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "lib/proto/bundle.pb.h"
#include "nlohmann/json.hpp"
#include "policy_lang/checker.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace ward {
namespace {

using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Example {
  std::string dir;
  std::vector<std::string> sources;
};

const std::vector<Example>& Examples() {
  static const auto* const kExamples = new std::vector<Example>{
      {"examples/agent-runtime", {"schema.ward", "rules.ward"}},
      {"examples/ai-gateway", {"schema.ward", "rules.ward"}},
      {"examples/training-pipeline", {"policy.ward"}},
  };
  return *kExamples;
}

std::shared_ptr<const Policy> CompileExample(const Example& example,
                                             const CompileOptions& options = {}) {
  std::vector<std::string> paths;
  for (const std::string& source : example.sources) paths.push_back(example.dir + "/" + source);
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(paths);
  EXPECT_TRUE(sources.ok()) << sources.status();
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy(*sources, options);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

// Decides every request of the example with `policy`; one JSON line each.
std::vector<std::string> DecideAll(const Example& example, std::shared_ptr<const Policy> policy) {
  absl::StatusOr<EntityStore> entities =
      EntityStore::FromJson(ReadText(example.dir + "/entities.json"), policy->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  auto engine = Engine::Create(policy, *std::move(entities));
  EXPECT_TRUE(engine.ok()) << engine.status();
  std::vector<std::string> decisions;
  std::istringstream lines(ReadText(example.dir + "/requests.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    absl::StatusOr<Request> request = ParseRequestJson(line);
    if (!request.ok()) {
      decisions.push_back("request error");
      continue;
    }
    Trace trace;
    decisions.push_back((*engine)->Explain(*request, &trace).ToJson() + "\n" + trace.ToText());
  }
  return decisions;
}

// A policy compiled from text holds what its bundle holds unless asked to keep the checked
// rules (for the linter and the reference); either way it is the same policy.
TEST(BundleTest, CompiledPolicyKeepsTheCheckedRulesOnlyWhenAsked) {
  CompileOptions keeping;
  keeping.keep_rules = true;
  for (const Example& example : Examples()) {
    std::shared_ptr<const Policy> lean = CompileExample(example);
    std::shared_ptr<const Policy> full = CompileExample(example, keeping);
    ASSERT_NE(lean, nullptr);
    ASSERT_NE(full, nullptr);
    EXPECT_FALSE(lean->has_rules());
    EXPECT_TRUE(internal::IrOf(*lean).rules.empty());
    EXPECT_TRUE(full->has_rules());
    EXPECT_EQ(internal::IrOf(*full).rules.size(), full->rule_count());
    EXPECT_EQ(lean->rule_count(), full->rule_count());
    EXPECT_EQ(lean->hash(), full->hash());
    EXPECT_EQ(SerializeBundle(*lean), SerializeBundle(*full));
    EXPECT_EQ(DecideAll(example, lean), DecideAll(example, full)) << example.dir;
  }
}

TEST(BundleTest, RoundTripDecidesTheSameWithTheSameHash) {
  for (const Example& example : Examples()) {
    std::shared_ptr<const Policy> compiled = CompileExample(example);
    ASSERT_NE(compiled, nullptr);
    const std::string bytes = SerializeBundle(*compiled);
    EXPECT_EQ(SerializeBundle(*compiled), bytes) << "bundles are deterministic";
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
    ASSERT_TRUE(loaded.ok()) << example.dir << ": " << loaded.status();
    EXPECT_FALSE((*loaded)->has_rules());
    EXPECT_EQ((*loaded)->hash(), compiled->hash());
    EXPECT_EQ((*loaded)->Dump(), compiled->Dump());
    EXPECT_EQ(SerializeBundle(**loaded), bytes);
    const std::vector<std::string> expected = DecideAll(example, compiled);
    EXPECT_GT(expected.size(), 10u);
    EXPECT_EQ(DecideAll(example, *loaded), expected) << example.dir;
  }
}

TEST(BundleTest, RejectsTruncatedAndCorruptedBytes) {
  const std::string bytes = SerializeBundle(*CompileExample(Examples()[0]));
  EXPECT_FALSE(LoadBundle("").ok());
  EXPECT_FALSE(LoadBundle("not a bundle at all").ok());
  for (size_t length = 0; length < bytes.size(); length += 1 + length / 8) {
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes.substr(0, length));
    EXPECT_FALSE(loaded.ok()) << "a bundle cut at " << length << " bytes loaded";
  }
  for (size_t position = 0; position < bytes.size(); position += 7) {
    std::string corrupted = bytes;
    corrupted[position] ^= 0x5a;
    EXPECT_FALSE(LoadBundle(corrupted).ok()) << "a bundle with byte " << position << " changed";
  }
  absl::StatusOr<std::shared_ptr<const Policy>> truncated =
      LoadBundle(bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("invalid bundle"));
}

// A bundle whose checksum is right but whose program is not: what a hand-made or buggy
// writer could produce. Each edit must be caught by the loader, never reach the decider.
TEST(BundleTest, RejectsInconsistentPrograms) {
  const std::string bytes = SerializeBundle(*CompileExample(Examples()[0]));
  auto edited = [&](auto edit) {
    bundle::Bundle envelope;
    EXPECT_TRUE(envelope.ParseFromString(bytes));
    bundle::Program program;
    EXPECT_TRUE(program.ParseFromString(envelope.program()));
    edit(&program);
    std::string serialized;
    program.SerializeToString(&serialized);
    envelope.set_program(serialized);
    envelope.set_checksum(internal::Fnv1a64(serialized));
    std::string out;
    envelope.SerializeToString(&out);
    return LoadBundle(out);
  };
  EXPECT_TRUE(edited([](bundle::Program*) {}).ok());
  EXPECT_THAT(
      std::string(
          edited([](bundle::Program* p) { p->set_code_args(0, 99999); }).status().message()),
      HasSubstr("out of range"));
  EXPECT_FALSE(edited([](bundle::Program* p) { p->set_code_ops(0, 200); }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) { p->set_code_ops(0, 7); }).ok());  // pops empty
  EXPECT_FALSE(edited([](bundle::Program* p) { p->add_rule_lists(12345); }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) {
                 p->mutable_exact(0)->mutable_rules()->set_size(1u << 30);
               }).ok());
  EXPECT_FALSE(
      edited([](bundle::Program* p) { p->mutable_rules(0)->set_when_end(1u << 30); }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) { p->add_regex_patterns("(unclosed"); }).ok());
  EXPECT_THAT(
      std::string(
          edited([](bundle::Program* p) { p->set_hash(p->hash() + 1); }).status().message()),
      HasSubstr("hash"));
  EXPECT_FALSE(
      edited([](bundle::Program* p) { p->mutable_attributes(0)->set_kind_slot(0, 50); }).ok());
}

TEST(BundleTest, RejectsAnotherFormatVersion) {
  bundle::Bundle envelope;
  ASSERT_TRUE(envelope.ParseFromString(SerializeBundle(*CompileExample(Examples()[2]))));
  for (uint32_t version : {kOldestReadableBundleFormatVersion - 1, kBundleFormatVersion + 1}) {
    envelope.set_format_version(version);
    std::string out;
    envelope.SerializeToString(&out);
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(out);
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("format version")) << version;
  }
}

// Version 2 had no `@shadow` rules; a reader of version 2 would enforce them, so bundles are
// written as version 3 (which such a reader refuses), and version 2 bundles are still read.
TEST(BundleTest, ReadsVersion2AndKeepsShadowRules) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"p.ward",
                      "schema { user { } resource tool { } action invoke on tool }\n"
                      "@id(\"p\") permit user to invoke on tool;\n"
                      "@shadow @id(\"f\") forbid user to invoke on tool;\n"}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  const std::string bytes = SerializeBundle(**policy);
  bundle::Bundle envelope;
  ASSERT_TRUE(envelope.ParseFromString(bytes));
  EXPECT_EQ(envelope.format_version(), 3u);
  bundle::Program program;
  ASSERT_TRUE(program.ParseFromString(envelope.program()));
  int shadow_rules = 0;
  for (const bundle::Rule& rule : program.rules()) shadow_rules += rule.shadow();
  EXPECT_EQ(shadow_rules, 1);

  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->hash(), (*policy)->hash());
  envelope.set_format_version(2);
  std::string version2;
  envelope.SerializeToString(&version2);
  EXPECT_TRUE(LoadBundle(version2).ok());
}

// ---- Hostile bundles ----
//
// Each test below decodes a real bundle, changes its program the way an attacker could, and
// encodes it again with a valid checksum and, where the loader gets that far, the hash the
// changed program has: neither is a defence, anyone can recompute them. The loader must refuse
// every one with a message that says what and where, before anything runs.

constexpr char kHostilePolicy[] = R"(schema {
  user { clearance: int, dept: string, tags: set<string>, joined: timestamp }
  agent { dept: string, scope: set<string>, level: int }
  resource tool { min: int, risk: string }
  action invoke on tool
  context { approved: bool, tokens: int }
}
@id("a-cleared")
permit user to invoke on tool
  when subject.clearance >= resource.min and subject.dept == "eng"
  with redact(/(\d{3})-(\d{4})/, "\\2-\\1"), limit(output_tokens, 100), log(full);
@id("b-scope")
permit agent to invoke on tool when resource.id in subject.scope and subject.dept matches /e.*/;
@id("b-tagged")
permit user to invoke on tool when "x" in subject.tags and subject has joined;
@id("c-risky")
forbid any to invoke on tool when resource.risk == "high"
  unless context has approved and context.approved;
)";

std::string HostileBundle() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"hostile.ward", kHostilePolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return SerializeBundle(**policy);
}

std::string Encode(const bundle::Program& program, bundle::Bundle envelope = {}) {
  std::string serialized;
  program.SerializeToString(&serialized);
  envelope.set_format_version(kBundleFormatVersion);
  envelope.set_program(serialized);
  envelope.set_checksum(internal::Fnv1a64(serialized));
  std::string out;
  envelope.SerializeToString(&out);
  return out;
}

// Loads `program` encoded with a valid checksum, and with the hash the loader computes for it
// when the loader gets as far as comparing hashes.
absl::StatusOr<std::shared_ptr<const Policy>> LoadForged(bundle::Program program,
                                                         const BundleLoadOptions& options = {}) {
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(Encode(program), options);
  const std::string kHashIs = "the program's hash is ";
  const std::string message(loaded.status().message());
  const size_t at = message.find(kHashIs);
  uint64_t hash = 0;
  if (loaded.ok() || at == std::string::npos ||
      !absl::SimpleHexAtoi(message.substr(at + kHashIs.size(), 16), &hash)) {
    return loaded;
  }
  program.set_hash(hash);
  return LoadBundle(Encode(program), options);
}

bundle::Program Decode(const std::string& bytes) {
  bundle::Bundle envelope;
  EXPECT_TRUE(envelope.ParseFromString(bytes));
  bundle::Program program;
  EXPECT_TRUE(program.ParseFromString(envelope.program()));
  return program;
}

int RuleIndex(const bundle::Program& program, const std::string& name) {
  for (int i = 0; i < program.rules_size(); ++i) {
    if (program.rules(i).name() == name) return i;
  }
  ADD_FAILURE() << "no rule " << name;
  return 0;
}

// The index of the attribute reference `root`.`name` (roots as in internal::Root).
uint32_t AttributeIndex(const bundle::Program& program, internal::Root root,
                        const std::string& name) {
  for (int i = 0; i < program.attributes_size(); ++i) {
    if (program.attributes(i).root() == static_cast<uint32_t>(root) &&
        program.attributes(i).name() == name) {
      return i;
    }
  }
  ADD_FAILURE() << "no attribute reference " << name;
  return 0;
}

template <typename SetValue>
uint32_t AddLiteral(bundle::Program* program, SetValue set_value) {
  set_value(program->add_literals());
  return program->literals_size() - 1;
}

using Code = std::vector<std::pair<internal::OpCode, uint32_t>>;

// Replaces the `when` code of rule `name` with `code`, laying the code of every condition out
// again so that the conditions still cover the code. Jump targets in `code` are relative to its
// start.
void SetWhen(bundle::Program* program, const std::string& name, const Code& code) {
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> conditions;  // when, unless of each
  for (const bundle::Rule& rule : program->rules()) {
    for (auto [begin, end] : {std::make_pair(rule.when_begin(), rule.when_end()),
                              std::make_pair(rule.unless_begin(), rule.unless_end())}) {
      auto& instructions = conditions.emplace_back();
      for (uint32_t pc = begin; pc < end; ++pc) {
        uint32_t arg = program->code_args(pc);
        const auto op = static_cast<internal::OpCode>(program->code_ops(pc));
        if (op == internal::OpCode::kAnd || op == internal::OpCode::kOr) arg -= begin;
        instructions.push_back({program->code_ops(pc), arg});
      }
    }
  }
  auto& replaced = conditions[2 * RuleIndex(*program, name)];
  replaced.clear();
  for (const auto& [op, arg] : code) replaced.push_back({static_cast<uint32_t>(op), arg});
  program->clear_code_ops();
  program->clear_code_args();
  for (int r = 0; r < program->rules_size(); ++r) {
    bundle::Rule* rule = program->mutable_rules(r);
    for (int c = 0; c < 2; ++c) {
      const uint32_t begin = program->code_ops_size();
      for (const auto& [op, arg] : conditions[2 * r + c]) {
        const auto opcode = static_cast<internal::OpCode>(op);
        const bool jump = opcode == internal::OpCode::kAnd || opcode == internal::OpCode::kOr;
        program->add_code_ops(op);
        program->add_code_args(jump ? arg + begin : arg);
      }
      const uint32_t end = program->code_ops_size();
      if (c == 0) {
        rule->set_when_begin(begin);
        rule->set_when_end(end);
      } else {
        rule->set_unless_begin(begin == end ? 0 : begin);
        rule->set_unless_end(begin == end ? 0 : end);
      }
    }
  }
}

// Loads the hostile policy's bundle after `edit`; returns the error message ("" if it loaded).
std::string Refusal(const std::function<void(bundle::Program*)>& edit,
                    const BundleLoadOptions& options = {}) {
  bundle::Program program = Decode(HostileBundle());
  edit(&program);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadForged(program, options);
  if (loaded.ok()) return "";
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss) << loaded.status();
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("invalid bundle: "));
  return std::string(loaded.status().message());
}

using internal::OpCode;
using internal::Root;

TEST(BundleVerifierTest, TheHelpersChangeNothingByThemselves) {
  EXPECT_EQ(Refusal([](bundle::Program*) {}), "");
  // Laying the code out again, and a hash recomputed, still load.
  EXPECT_EQ(Refusal([](bundle::Program* p) {
              const uint32_t clearance = AttributeIndex(*p, Root::kSubject, "clearance");
              const uint32_t three = AddLiteral(p, [](bundle::Literal* l) { l->set_int_value(3); });
              SetWhen(p, "a-cleared",
                      {{OpCode::kLoad, clearance}, {OpCode::kLiteral, three}, {OpCode::kGe, 0}});
            }),
            "");
}

TEST(BundleVerifierTest, RefusesAStringAttributeComparedWithAnInt) {
  auto compare = [](OpCode op) {
    return [op](bundle::Program* p) {
      const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
      const uint32_t three = AddLiteral(p, [](bundle::Literal* l) { l->set_int_value(3); });
      SetWhen(p, "a-cleared", {{OpCode::kLoad, dept}, {OpCode::kLiteral, three}, {op, 0}});
    };
  };
  EXPECT_THAT(Refusal(compare(OpCode::kLt)),
              HasSubstr("rule `a-cleared`, `when` instruction 2 (lt): needs two ints or two "
                        "timestamps, found string and int"));
  EXPECT_THAT(Refusal(compare(OpCode::kEq)),
              HasSubstr("instruction 2 (eq): needs two values of one type, found string and int"));
  EXPECT_THAT(Refusal(compare(OpCode::kStartsWith)),
              HasSubstr("(starts_with): needs two strings, found string and int"));
  // Two strings do not order either.
  EXPECT_THAT(
      Refusal([](bundle::Program* p) {
        const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
        const uint32_t eng = AddLiteral(p, [](bundle::Literal* l) { l->set_string_value("eng"); });
        SetWhen(p, "a-cleared", {{OpCode::kLoad, dept}, {OpCode::kLiteral, eng}, {OpCode::kGt, 0}});
      }),
      HasSubstr("needs two ints or two timestamps, found string and string"));
}

TEST(BundleVerifierTest, RefusesMatchesOnAnInt) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t clearance = AttributeIndex(*p, Root::kSubject, "clearance");
                SetWhen(p, "a-cleared", {{OpCode::kLoad, clearance}, {OpCode::kMatches, 0}});
              }),
              HasSubstr("rule `a-cleared`, `when` instruction 1 (matches): needs a string, found "
                        "int"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
                SetWhen(p, "a-cleared", {{OpCode::kLoad, dept}, {OpCode::kMatches, 7}});
              }),
              HasSubstr("instruction 1 (matches): pattern 7 is out of range"));
}

TEST(BundleVerifierTest, RefusesInWithAMismatchedSet) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
                const uint32_t ints = AddLiteral(p, [](bundle::Literal* l) {
                  l->mutable_int_set()->add_items(1);
                  l->mutable_int_set()->add_items(2);
                });
                SetWhen(p, "a-cleared",
                        {{OpCode::kLoad, dept}, {OpCode::kLiteral, ints}, {OpCode::kIn, 0}});
              }),
              HasSubstr("instruction 2 (in): needs a string and a set<string>, or an int and a "
                        "set<int>, found string and set<int>"));
  // The scalar on the right, the set on the left.
  EXPECT_THAT(
      Refusal([](bundle::Program* p) {
        const uint32_t tags = AttributeIndex(*p, Root::kSubject, "tags");
        const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
        SetWhen(p, "a-cleared", {{OpCode::kLoad, tags}, {OpCode::kLoad, dept}, {OpCode::kIn, 0}});
      }),
      HasSubstr("found set<string> and string"));
}

TEST(BundleVerifierTest, RefusesNotOnAString) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
                SetWhen(p, "a-cleared", {{OpCode::kLoad, dept}, {OpCode::kNot, 0}});
              }),
              HasSubstr("instruction 1 (not): needs a bool, found string"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t dept = AttributeIndex(*p, Root::kSubject, "dept");
                SetWhen(p, "a-cleared", {{OpCode::kLoad, dept}, {OpCode::kAnd, 2}});
              }),
              HasSubstr("instruction 1 (and): needs a bool, found string"));
}

TEST(BundleVerifierTest, RefusesAJumpTargetReachedWithOtherTypes) {
  // `true and 5`: the jump arrives with [bool], the sequence with [int].
  auto code = [](bool more) {
    return [more](bundle::Program* p) {
      const uint32_t yes = AddLiteral(p, [](bundle::Literal* l) { l->set_bool_value(true); });
      const uint32_t five = AddLiteral(p, [](bundle::Literal* l) { l->set_int_value(5); });
      Code instructions = {{OpCode::kLiteral, yes}, {OpCode::kAnd, 3}, {OpCode::kLiteral, five}};
      if (more) instructions.push_back({OpCode::kNot, 0});
      SetWhen(p, "a-cleared", instructions);
    };
  };
  EXPECT_THAT(Refusal(code(false)),
              HasSubstr("rule `a-cleared`, `when`: the end is reached with the stack [bool] by a "
                        "jump and [int] in sequence"));
  EXPECT_THAT(Refusal(code(true)),
              HasSubstr("instruction 3 (not): reached with the stack [bool] by a jump and [int] "
                        "in sequence"));
  // Same heights and tops, another type below.
  EXPECT_THAT(
      Refusal([](bundle::Program* p) {
        const uint32_t yes = AddLiteral(p, [](bundle::Literal* l) { l->set_bool_value(true); });
        const uint32_t five = AddLiteral(p, [](bundle::Literal* l) { l->set_int_value(5); });
        // [int, bool] --and--> 6; in sequence: [int] [int, int] [bool] [bool, bool]
        SetWhen(p, "a-cleared",
                {{OpCode::kLiteral, five},
                 {OpCode::kLiteral, yes},
                 {OpCode::kAnd, 6},
                 {OpCode::kLiteral, five},
                 {OpCode::kEq, 0},
                 {OpCode::kLiteral, yes}});
      }),
      HasSubstr("the end is reached with the stack [int, bool] by a jump and [bool, "
                "bool] in sequence"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t yes =
                    AddLiteral(p, [](bundle::Literal* l) { l->set_bool_value(true); });
                SetWhen(p, "a-cleared", {{OpCode::kLiteral, yes}, {OpCode::kOr, 1}});
              }),
              HasSubstr("instruction 1 (or): jumps to 1, not forward within the condition"));
}

TEST(BundleVerifierTest, RefusesAConditionThatDoesNotLeaveOneBool) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t five =
                    AddLiteral(p, [](bundle::Literal* l) { l->set_int_value(5); });
                SetWhen(p, "a-cleared", {{OpCode::kLiteral, five}});
              }),
              HasSubstr("rule `a-cleared`, `when`: the condition must leave one bool; it leaves "
                        "[int]"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                const uint32_t yes =
                    AddLiteral(p, [](bundle::Literal* l) { l->set_bool_value(true); });
                SetWhen(p, "a-cleared", {{OpCode::kLiteral, yes}, {OpCode::kLiteral, yes}});
              }),
              HasSubstr("it leaves [bool, bool]"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                SetWhen(p, "a-cleared", {{OpCode::kEq, 0}});
              }),
              HasSubstr("instruction 0 (eq): needs 2 operands, the stack has 0"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                SetWhen(p, "a-cleared", {{static_cast<OpCode>(99), 0}});
              }),
              HasSubstr("unknown instruction"));
}

TEST(BundleVerifierTest, RefusesABuiltinOfAnotherTypeOrOnAnotherRoot) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_attributes(AttributeIndex(*p, Root::kResource, "id"))
                    ->set_type(bundle::TYPE_INT);
              }),
              HasSubstr("(`resource.id`): the built-in `id` is a string named `id`, not a int "
                        "named `id`"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                bundle::AttributeRef* approved =
                    p->mutable_attributes(AttributeIndex(*p, Root::kContext, "approved"));
                approved->set_builtin(static_cast<uint32_t>(internal::AttributeRef::Builtin::kId));
              }),
              HasSubstr("(`context.approved`): the built-in `id` does not exist on this root"));
  // A subject attribute turned into the built-in `groups` (a set<string>) under its old name.
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_attributes(AttributeIndex(*p, Root::kSubject, "dept"))
                    ->set_builtin(static_cast<uint32_t>(internal::AttributeRef::Builtin::kGroups));
              }),
              HasSubstr("the built-in `groups` is a set<string> named `groups`"));
}

TEST(BundleVerifierTest, RefusesASlotThatPointsAtAnotherAttribute) {
  // user's attributes by name: clearance, dept, joined, tags.
  EXPECT_THAT(
      Refusal([](bundle::Program* p) {
        p->mutable_attributes(AttributeIndex(*p, Root::kSubject, "dept"))->set_kind_slot(0, 0);
      }),
      HasSubstr("(`subject.dept`): slot 0 of user is `clearance: int`, not `dept: "
                "string`"));
  // The right name, read as another type.
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_attributes(AttributeIndex(*p, Root::kSubject, "clearance"))
                    ->set_type(bundle::TYPE_STRING);
              }),
              HasSubstr("slot 0 of user is `clearance: int`, not `clearance: string`"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                bundle::AttributeRef* dept =
                    p->mutable_attributes(AttributeIndex(*p, Root::kSubject, "dept"));
                for (int k = 0; k < 3; ++k) dept->set_kind_slot(k, -1);
              }),
              HasSubstr("no subject kind declares it"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_attributes(AttributeIndex(*p, Root::kResource, "min"))->set_slot(1);
              }),
              HasSubstr("(`resource.min`): no resource type declares `min: int` at slot 1"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                // Every reference (the `has` test's and the read's), each moved to where `tokens`
                // is, so that only the type is wrong.
                for (bundle::AttributeRef& ref : *p->mutable_attributes()) {
                  if (ref.name() != "approved") continue;
                  ref.set_name("tokens");
                  ref.set_slot(1);
                }
              }),
              HasSubstr("`context` declares no `tokens: bool`"));
}

TEST(BundleVerifierTest, RefusesAnInvalidReplacement) {
  const std::string message = Refusal([](bundle::Program* p) {
    p->mutable_rules(RuleIndex(*p, "a-cleared"))->mutable_redact(0)->set_replacement("\\9");
  });
  EXPECT_THAT(message, HasSubstr("rule `a-cleared`: redaction /(\\d{3})-(\\d{4})/: invalid "
                                 "replacement \"\\\\9\""));
  EXPECT_THAT(message, HasSubstr("9"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_rules(RuleIndex(*p, "a-cleared"))->mutable_redact(0)->set_pattern("(");
              }),
              HasSubstr("rule `a-cleared`: redaction invalid regular expression `(`"));
}

// 400 patterns of about 175 bytes each (70 KB), each close to the budget of one pattern: what
// once took 25 s and 207 MB to load.
TEST(BundleVerifierTest, RefusesARegexFlood) {
  auto flood = [](bundle::Program* p) {
    for (int i = 0; i < 400; ++i) {
      std::string pattern = absl::StrCat("\\pL{50}", i, "|");
      while (pattern.size() < 175) pattern += "x";
      p->add_regex_patterns(pattern);
    }
  };
  EXPECT_THAT(Refusal(flood), HasSubstr("the regular expressions take more than 4194304 bytes "
                                        "compiled (the limit), reached at pattern "));
  // The cheap limits refuse it before anything is compiled.
  BundleLoadOptions options;
  options.max_regex_count = 100;
  EXPECT_THAT(Refusal(flood, options),
              HasSubstr("402 regular expressions (patterns and redactions); the limit is 100"));
  options = BundleLoadOptions();
  options.max_total_regex_bytes = 50000;
  EXPECT_THAT(Refusal(flood, options),
              HasSubstr("the regular expressions' text takes 70018 bytes; the limit is 50000"));
  // One pattern over its own budget.
  EXPECT_THAT(Refusal([](bundle::Program* p) { p->add_regex_patterns("\\pL{1000}"); }),
              HasSubstr("regular expression `\\pL{1000}` is too large: its compiled form "
                        "exceeds 1048576 bytes"));
}

TEST(BundleVerifierTest, TheDefaultPatternBudgetIsTheCheckers) {
  EXPECT_EQ(BundleLoadOptions().max_regex_memory, CheckOptions().max_regex_memory);
}

TEST(BundleVerifierTest, RefusesRulesOutOfNameOrder) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_rules(RuleIndex(*p, "a-cleared"))->set_name("z-last");
              }),
              HasSubstr("rule `b-scope`: rules are out of name order (after `z-last`)"));
}

// The decider takes a rule list as it is, in rule order and each rule once.
TEST(BundleVerifierTest, RefusesRuleListsOutOfOrderOrWithRepeats) {
  auto longest = [](const bundle::Program& p) {
    int best = 0;
    for (int i = 1; i < p.exact_size(); ++i) {
      if (p.exact(i).rules().size() > p.exact(best).rules().size()) best = i;
    }
    return p.exact(best).rules();
  };
  EXPECT_THAT(Refusal([&](bundle::Program* p) {
                const bundle::RuleList list = longest(*p);
                ASSERT_GE(list.size(), 2u) << "the test policy needs a list of two rules";
                const uint32_t first = p->rule_lists(list.begin());
                p->set_rule_lists(list.begin(), p->rule_lists(list.begin() + 1));
                p->set_rule_lists(list.begin() + 1, first);
              }),
              HasSubstr("a rule list out of order or with a rule twice"));
  EXPECT_THAT(Refusal([&](bundle::Program* p) {
                const bundle::RuleList list = longest(*p);
                p->set_rule_lists(list.begin() + 1, p->rule_lists(list.begin()));
              }),
              HasSubstr("a rule list out of order or with a rule twice"));
}

TEST(BundleVerifierTest, RefusesObligationsOnAForbid) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                bundle::Limit* limit = p->mutable_rules(RuleIndex(*p, "c-risky"))->add_limits();
                limit->set_name("output_tokens");
                limit->set_value(5);
              }),
              HasSubstr("rule `c-risky`: obligations on a forbid rule"));
  EXPECT_THAT(
      Refusal([](bundle::Program* p) { p->mutable_rules(RuleIndex(*p, "c-risky"))->set_log(1); }),
      HasSubstr("rule `c-risky`: obligations on a forbid rule"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_rules(RuleIndex(*p, "a-cleared"))->mutable_limits(0)->set_value(-1);
              }),
              HasSubstr("rule `a-cleared`: limit `output_tokens` is negative (-1)"));
}

TEST(BundleVerifierTest, RefusesCodeOutsideOrAcrossConditions) {
  // Another rule's condition run as this one's `unless`.
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                bundle::Rule* scope = p->mutable_rules(RuleIndex(*p, "b-scope"));
                const bundle::Rule& cleared = p->rules(RuleIndex(*p, "a-cleared"));
                scope->set_unless_begin(cleared.when_begin());
                scope->set_unless_end(cleared.when_end());
              }),
              HasSubstr("its code overlaps another condition's"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->add_code_ops(static_cast<uint32_t>(OpCode::kNow));
                p->add_code_args(0);
              }),
              HasSubstr("belong to no condition"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                p->mutable_rules(RuleIndex(*p, "a-cleared"))->set_when_end(1u << 30);
              }),
              HasSubstr("rule `a-cleared`: its `when` code range [0, 1073741824) is outside "
                        "the code"));
}

TEST(BundleVerifierTest, RefusesSetsThatAreNotSortedAndUnique) {
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                AddLiteral(p, [](bundle::Literal* l) {
                  l->mutable_string_set()->add_items("b");
                  l->mutable_string_set()->add_items("a");
                });
              }),
              HasSubstr("not sorted and unique"));
  EXPECT_THAT(Refusal([](bundle::Program* p) {
                AddLiteral(p, [](bundle::Literal* l) {
                  l->mutable_int_set()->add_items(1);
                  l->mutable_int_set()->add_items(1);
                });
              }),
              HasSubstr("not sorted and unique"));
}

TEST(BundleVerifierTest, RefusesAHasOfAnotherAttribute) {
  // `has` reads no value, so its reference's type does not matter; its slots do.
  EXPECT_THAT(
      Refusal([](bundle::Program* p) {
        p->mutable_attributes(AttributeIndex(*p, Root::kSubject, "joined"))->set_kind_slot(0, 0);
      }),
      HasSubstr("(`subject.joined`): slot 0 of user is `clearance: int`, not `joined: "
                "bool`"));
}

// ---- Every policy the compiler writes verifies ----

// Every construct the compiler emits code for: timestamps written as strings, empty lists
// of either set type, set literals, `in`, `starts_with`, `matches`, `has` on built-ins,
// attributes, context and args, delegator, `now`, `not`, `and`, `or`, redactions with groups.
TEST(BundleTest, RoundTripsEveryConstruct) {
  absl::StatusOr<std::shared_ptr<const Policy>> compiled = CompilePolicy({{"all.ward", R"(schema {
  user { clearance: int, dept: string, tags: set<string>, codes: set<int>, joined: timestamp,
         active: bool }
  agent { dept: string, scope: set<string>, level: int }
  builder { team: string }
  resource tool { min: int, risk: string, opened: timestamp }
  resource dataset { team: string, level: int }
  action invoke on tool
  action read on dataset
  context { approved: bool, tokens: int, when: timestamp, channel: string }
  args { query: string, count: int }
}
@id("a")
permit user to invoke on tool
  when subject.clearance >= resource.min and subject.dept in ["eng", "hr"]
       and (subject.joined < "2026-01-01T00:00:00Z" or not subject.active)
  unless 3 in subject.codes or subject.tags == [] or subject.codes != [] or 2 in []
  with redact(/(\d{3})-(\d{4})/, "\\2-\\1"), limit(tokens, 100), log(full);
@id("b")
permit agent to invoke on tool matching /t[0-9]+/
  when resource.id in subject.scope and subject.dept matches /e.*/ and subject.id starts_with "a"
  with log(summary);
@id("c")
forbid any to invoke on tool
  when resource.risk == "high" and resource has opened and resource.opened <= now
  unless context has approved and context.approved;
@id("d")
require_approval agent to invoke on tool
  when delegator has clearance and delegator.clearance > 2 and delegator has expires_at
       and delegator.expires_at > now and "2027-01-01T00:00:00Z" > delegator.expires_at
  unless args has count and args.count < 10 and context has channel and context.channel != "x";
@id("e")
permit builder to read on dataset under ["vision/raw", "nlp"]
  when subject.team == resource.team and subject has owner and subject.status == "active"
       and "g" in subject.groups and [1, 2] == [2, 1] and resource.level in [1, 2];
)"}});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const std::string bytes = SerializeBundle(**compiled);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->hash(), (*compiled)->hash());
  EXPECT_EQ(SerializeBundle(**loaded), bytes);
  EXPECT_TRUE(internal::VerifyProgram(internal::ProgramOf(**compiled)).ok());
}

// The hash names what a policy decides: where its files were read from, and where in them a
// rule stands, do not enter it (approval digests include it, so replicas that load the same
// policy by other paths must agree on it); a change to any rule does.
TEST(BundleTest, HashDependsOnMeaningNotOnSourceNamesOrPositions) {
  constexpr char kSchema[] = R"(schema {
  user { team: string }
  resource doc { team: string }
  action read on doc
}
)";
  constexpr char kRules[] =
      R"(@id("r") permit user to read on doc when subject.team == resource.team;
)";
  auto hash_of = [](std::vector<SourceFile> sources) -> uint64_t {
    absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy(sources);
    EXPECT_TRUE(policy.ok()) << policy.status();
    return policy.ok() ? (*policy)->hash() : 0;
  };
  const uint64_t relative = hash_of({{"p/schema.ward", kSchema}, {"p/rules.ward", kRules}});
  ASSERT_NE(relative, 0u);
  EXPECT_EQ(hash_of({{"/srv/ward/p/schema.ward", kSchema}, {"/srv/ward/p/rules.ward", kRules}}),
            relative);
  EXPECT_EQ(hash_of({{"p/schema.ward", kSchema}, {"p/rules.ward", absl::StrCat("\n\n", kRules)}}),
            relative);
  EXPECT_EQ(hash_of({{"all.ward", absl::StrCat(kSchema, kRules)}}), relative);

  EXPECT_NE(
      hash_of({{"p/schema.ward", kSchema}, {"p/rules.ward", R"(@id("r") permit user to read on doc;
)"}}),
      relative);
  EXPECT_NE(hash_of({{"p/schema.ward", kSchema},
                     {"p/rules.ward",
                      R"(@id("s") permit user to read on doc when subject.team == resource.team;
)"}}),
            relative);
  EXPECT_NE(hash_of({{"p/schema.ward", kSchema},
                     {"p/rules.ward",
                      R"(@id("r") forbid user to read on doc when subject.team == resource.team;
)"}}),
            relative);
}

// Two kinds declare `level` with different types; a rule of one kind reads it. Its reference
// has a slot in that kind only, so that every slot holds the type the code reads.
TEST(BundleTest, RoundTripsAnAttributeThatKindsDeclareWithDifferentTypes) {
  absl::StatusOr<std::shared_ptr<const Policy>> compiled = CompilePolicy({{"kinds.ward", R"(schema {
  user { level: int }
  agent { level: string }
  resource tool {}
  action invoke on tool
}
@id("u") permit user to invoke on tool when subject.level > 1 and subject has level;
@id("a") permit agent to invoke on tool when subject.level == "high";
)"}});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(SerializeBundle(**compiled));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->hash(), (*compiled)->hash());
  EXPECT_THAT((*loaded)->Dump(), HasSubstr("subject.level:int (user#0)\n"));
  EXPECT_THAT((*loaded)->Dump(), HasSubstr("subject.level:string (agent#0)\n"));
}

// Every conformance policy that compiles: its bundle loads, with the same hash, and decides
// every case as the compiled policy does.
TEST(BundleTest, EveryConformancePolicyRoundTrips) {
  const std::string dir = "testdata/conformance";
  std::istringstream manifest(ReadText(dir + "/MANIFEST"));
  int policies = 0, decisions = 0;
  for (std::string file; std::getline(manifest, file);) {
    if (file.find('#') != std::string::npos) file.erase(file.find('#'));
    while (!file.empty() && (file.back() == ' ' || file.back() == '\r')) file.pop_back();
    if (file.empty()) continue;
    const nlohmann::json spec = nlohmann::json::parse(ReadText(dir + "/" + file));
    if (spec.contains("expect_compile_errors")) continue;
    std::vector<SourceFile> sources;
    for (const nlohmann::json& source : spec.at("sources")) {
      std::string text;
      if (source.at("text").is_string()) {
        text = source.at("text").get<std::string>();
      } else {
        for (const nlohmann::json& line : source.at("text")) text += line.get<std::string>() + "\n";
      }
      sources.push_back({source.at("name").get<std::string>(), text});
    }
    absl::StatusOr<std::shared_ptr<const Policy>> compiled = CompilePolicy(sources);
    ASSERT_TRUE(compiled.ok()) << file << ": " << compiled.status();
    const std::string bytes = SerializeBundle(**compiled);
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
    ASSERT_TRUE(loaded.ok()) << file << ": " << loaded.status();
    EXPECT_EQ((*loaded)->hash(), (*compiled)->hash()) << file;
    EXPECT_EQ(SerializeBundle(**loaded), bytes) << file;
    ++policies;
    if (!spec.contains("cases")) continue;
    auto entities_of = [&](const nlohmann::json& holder) -> std::optional<std::string> {
      if (holder.contains("entities_text")) return holder.at("entities_text").get<std::string>();
      if (holder.contains("entities")) return holder.at("entities").dump();
      return std::nullopt;
    };
    const std::string file_entities =
        entities_of(spec).value_or(R"({"identities": [], "resources": []})");
    for (const nlohmann::json& test_case : spec.at("cases")) {
      const std::string entities = entities_of(test_case).value_or(file_entities);
      std::vector<std::string> outcomes;
      for (const auto& policy : {*compiled, *loaded}) {
        absl::StatusOr<EntityStore> store = EntityStore::FromJson(entities, policy->schema());
        if (!store.ok()) break;
        absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(policy, *std::move(store));
        ASSERT_TRUE(engine.ok()) << file << ": " << engine.status();
        const std::string request_text = test_case.contains("request_text")
                                             ? test_case.at("request_text").get<std::string>()
                                             : test_case.at("request").dump();
        absl::StatusOr<Request> request = ParseRequestJson(request_text);
        if (!request.ok()) break;
        Trace trace;
        outcomes.push_back((*engine)->Explain(*request, &trace).ToJson() + "\n" + trace.ToText());
      }
      if (outcomes.size() == 2) {
        EXPECT_EQ(outcomes[1], outcomes[0]) << file << ": " << test_case.at("name");
        ++decisions;
      }
    }
  }
  EXPECT_GT(policies, 30);
  EXPECT_GT(decisions, 200);
}

}  // namespace
}  // namespace ward
