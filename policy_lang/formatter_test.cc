// The formatter: its canonical layout on chosen inputs, and two properties over every
// conformance source, every example and a few hundred generated policies: formatting keeps
// the tree and every comment (parse(fmt(x)) == parse(x), compared as DumpAst without
// spans), and formatting twice changes nothing (fmt(fmt(x)) == fmt(x)).

#include "policy_lang/formatter.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "policy_lang/ast_dump.h"
#include "policy_lang/parser.h"
#include "testing/random.h"

namespace ward {
namespace {

using ::testing::HasSubstr;

std::string Format(absl::string_view text) {
  absl::StatusOr<std::string> formatted = FormatSource("test.ward", text);
  EXPECT_TRUE(formatted.ok()) << formatted.status();
  return formatted.ok() ? *formatted : "";
}

// ---- The layout ----

TEST(FormatterTest, WritesTheCanonicalLayout) {
  EXPECT_EQ(Format(R"(schema{user{clearance:int,team:string}resource tool{risk:string}
action invoke,call on tool;context{approved:bool}}
@id("x")@description("d") permit user in group "hr" to[invoke,call,]on tool in["a","b",]
with log(full) unless context.approved when subject.clearance>=2;permit any to invoke on tool;)"),
            R"(schema {
  user { clearance: int, team: string }
  resource tool { risk: string }
  action invoke, call on tool
  context { approved: bool }
}

@id("x")
@description("d")
permit user in group "hr" to [invoke, call] on tool in ["a", "b"]
  when subject.clearance >= 2
  unless context.approved
  with log(full);

permit any to invoke on tool;
)");
}

TEST(FormatterTest, WritesEveryHeadForm) {
  const std::string text = R"(permit agent "a17" to invoke on tool "search";

permit builder to read on dataset under "vision/";

permit builder to read on dataset under ["a/", "b/"];

permit builder to read on dataset matching /eval\/[a-z]+/;

forbid any to [read] on dataset in ["x"];
)";
  EXPECT_EQ(Format(text), text);
}

TEST(FormatterTest, KeepsOnlyTheParenthesesTheTreeNeeds) {
  EXPECT_EQ(Format("permit user to a on t when (context.a == 1) and ((context.b == 2) and "
                   "context.c);\n"),
            "permit user to a on t\n  when context.a == 1 and (context.b == 2 and context.c);\n");
  EXPECT_EQ(Format("permit user to a on t when ((context.a and context.b) and context.c) or "
                   "(context.d or context.e);\n"),
            "permit user to a on t\n"
            "  when context.a and context.b and context.c or (context.d or context.e);\n");
  EXPECT_EQ(Format("permit user to a on t when (context.a or context.b) and not (context.c and "
                   "context.d) and not (context.e == 1);\n"),
            "permit user to a on t\n  when (context.a or context.b) and not (context.c and "
            "context.d) and not context.e == 1;\n");
  EXPECT_EQ(Format("permit user to a on t when context.x == (not context.y) and (subject has z) "
                   "== (true) and ([(1)] == [1]);\n"),
            "permit user to a on t\n  when context.x == (not context.y) and (subject has z) == "
            "true and [1] == [1];\n");
}

TEST(FormatterTest, ReescapesStringsAndKeepsRegexesAsWritten) {
  EXPECT_EQ(Format(R"(@id("caf\u00e9 \/ \"q\" \u0001") permit user to a on t
  when context.x matches /a\/b[/]\d/ with redact(/\//, "\\1");)"),
            "@id(\"caf\xC3\xA9 / \\\"q\\\" \\u0001\")\npermit user to a on t\n"
            "  when context.x matches /a\\/b[/]\\d/\n  with redact(/\\//, \"\\\\1\");\n");
}

TEST(FormatterTest, BreaksLongConditionsBeforeAndOr) {
  const std::string formatted = Format(
      "permit user to invoke on tool when subject.department == \"engineering\" and "
      "subject.clearance >= resource.min_clearance and (context.channel == \"direct\" or "
      "context.approved);\n");
  EXPECT_EQ(formatted,
            "permit user to invoke on tool\n"
            "  when subject.department == \"engineering\"\n"
            "    and subject.clearance >= resource.min_clearance\n"
            "    and (context.channel == \"direct\" or context.approved);\n");
}

TEST(FormatterTest, BreaksNestedGroupsThatStillDoNotFit) {
  const std::string long_name(40, 'a');
  const std::string formatted = Format(
      absl::StrCat("permit user to invoke on tool when subject.x == 1 and (subject.", long_name,
                   " == \"v\" or subject.", long_name, " == \"w\" or subject.y == 2);\n"));
  EXPECT_EQ(formatted, absl::StrCat("permit user to invoke on tool\n"
                                    "  when subject.x == 1\n"
                                    "    and (subject.",
                                    long_name, " == \"v\"\n      or subject.", long_name,
                                    " == \"w\"\n      or subject.y == 2);\n"));
}

TEST(FormatterTest, BreaksLongObligationListsAndAttributeBlocks) {
  const std::string long_name(30, 'n');
  EXPECT_EQ(Format(absl::StrCat("permit user to a on t with limit(", long_name, ", 1), limit(b",
                                long_name, ", 2), log(full), redact(/x/, \"y\");\n")),
            absl::StrCat("permit user to a on t\n  with limit(", long_name, ", 1),\n       limit(b",
                         long_name, ", 2),\n       log(full),\n       redact(/x/, \"y\");\n"));
  EXPECT_EQ(Format(absl::StrCat("schema { user { ", long_name, "1: int, ", long_name,
                                "2: set<string>, ", long_name, "3: timestamp } }\n")),
            absl::StrCat("schema {\n  user {\n    ", long_name, "1: int,\n    ", long_name,
                         "2: set<string>,\n    ", long_name, "3: timestamp,\n  }\n}\n"));
}

TEST(FormatterTest, KeepsCommentsWhereTheyBelong) {
  const std::string text = R"(// Header comment.

// About the schema.
schema {
  // Subjects.
  user { clearance: int } // trailing
  resource tool {}

  /* a block
     comment */
  action invoke on tool
  // last in the block
}

// ---- Section ----

@id("r") // why this rule
permit user to invoke on tool
  // before when
  when subject.clearance > 1 // first
    and subject.clearance < 9 /* inline */
  with log(full); // after the rule

// at the end
)";
  EXPECT_EQ(Format(text), text);
}

TEST(FormatterTest, MovesCommentsWithReorderedClauses) {
  const std::string formatted =
      Format("permit user to a on t unless context.b // about b\n when context.c;\n");
  // The comment trails the line written before `when`, where the first clause now starts.
  EXPECT_EQ(formatted, "permit user to a on t // about b\n  when context.c\n  unless context.b;\n");
  EXPECT_EQ(Format(formatted), formatted);
}

TEST(FormatterTest, ExpandsAttributeBlocksThatHoldComments) {
  EXPECT_EQ(Format("schema { user { a: int, // the a\n b: int } }\n"),
            "schema {\n  user {\n    a: int, // the a\n    b: int,\n  }\n}\n");
}

TEST(FormatterTest, EmptyBlocksAndEmptyFiles) {
  EXPECT_EQ(Format("schema { resource t { } }"), "schema {\n  resource t {}\n}\n");
  EXPECT_EQ(Format("schema {}"), "schema {}\n");
  EXPECT_EQ(Format(""), "");
  EXPECT_EQ(Format("  // only a comment  \n\n\n"), "// only a comment  \n");
}

TEST(FormatterTest, RefusesSyntaxErrors) {
  absl::StatusOr<std::string> formatted = FormatSource("bad.ward", "permit user to;\n");
  ASSERT_FALSE(formatted.ok());
  EXPECT_THAT(std::string(formatted.status().message()), HasSubstr("bad.ward:1:15: error"));
}

// ---- The properties ----

std::string Dump(absl::string_view name, absl::string_view text, bool* ok) {
  std::vector<Diagnostic> diagnostics;
  const ast::File file = ParseSource(name, text, &diagnostics);
  *ok = !HasErrors(diagnostics);
  return DumpAst(file, /*with_spans=*/false);
}

std::vector<std::string> CommentTexts(absl::string_view text) {
  std::vector<Diagnostic> diagnostics;
  const ast::File file = ParseSource("x", text, &diagnostics);
  std::vector<std::string> texts;
  for (const ast::Comment& comment : file.comments) texts.push_back(comment.text);
  return texts;
}

// Checks both properties on one source; returns false (after reporting) when one fails.
void CheckProperties(const std::string& label, const std::string& text) {
  bool parses = false;
  const std::string original = Dump("p.ward", text, &parses);
  absl::StatusOr<std::string> formatted = FormatSource("p.ward", text);
  ASSERT_EQ(formatted.ok(), parses) << label << ": " << formatted.status();
  if (!parses) return;
  bool reparses = false;
  EXPECT_EQ(Dump("p.ward", *formatted, &reparses), original)
      << label << ": the formatted text parses to another tree\n--- input\n"
      << text << "\n--- formatted\n"
      << *formatted;
  EXPECT_TRUE(reparses) << label << ":\n" << *formatted;
  EXPECT_EQ(CommentTexts(*formatted), CommentTexts(text)) << label;
  absl::StatusOr<std::string> again = FormatSource("p.ward", *formatted);
  ASSERT_TRUE(again.ok()) << label << ": " << again.status();
  EXPECT_EQ(*again, *formatted) << label << ": formatting twice changed the text\n--- input\n"
                                << text << "\n--- once\n"
                                << *formatted;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(FormatterPropertyTest, ConformanceSources) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("testdata/conformance")) {
    if (entry.path().extension() != ".json") continue;
    const nlohmann::json suite = nlohmann::json::parse(ReadText(entry.path()));
    if (!suite.contains("sources")) continue;
    for (const nlohmann::json& source : suite["sources"]) {
      std::string text;
      if (source["text"].is_string()) {
        text = source["text"].get<std::string>();
      } else {
        for (const nlohmann::json& line : source["text"]) text += line.get<std::string>() + "\n";
      }
      CheckProperties(
          absl::StrCat(entry.path().filename().string(), " ", source["name"].get<std::string>()),
          text);
      ++count;
    }
  }
  EXPECT_GT(count, 50u);
}

TEST(FormatterPropertyTest, Examples) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("examples")) {
    if (entry.path().extension() != ".ward") continue;
    const std::string text = ReadText(entry.path());
    CheckProperties(entry.path().string(), text);
    // The examples are kept formatted (ctest also runs `ward fmt --check` on them).
    EXPECT_EQ(Format(text), text) << entry.path() << " is not formatted";
    ++count;
  }
  EXPECT_GE(count, 5u);
}

// ---- Generated policies ----

// Random numbers that are the same on every platform, so a failing seed reproduces.
using Random = testing_support::SplitMix64;

// Writes a random policy that parses: tokens separated by random blanks, with comments of
// every form between them. It follows the grammar of docs/language.md, not the checker: names
// need not be declared and types need not agree.
class PolicyGenerator {
 public:
  explicit PolicyGenerator(uint64_t seed) : random_(seed) {}

  std::string Generate() {
    const size_t items = 1 + random_.Below(6);
    for (size_t i = 0; i < items; ++i) {
      if (random_.OneIn(3)) {
        Schema();
      } else {
        Rule();
      }
    }
    if (random_.OneIn(3)) Comment();
    return std::move(out_);
  }

 private:
  const std::vector<std::string>& Names() {
    static const auto* const kNames = new std::vector<std::string>{
        "clearance", "team", "risk", "approved", "level", "status", "when", "x", "y_2", "id"};
    return *kNames;
  }

  // A token, preceded by blanks and now and then a comment.
  void Emit(absl::string_view token) {
    if (!out_.empty()) {
      if (random_.OneIn(9)) Comment();
      Blank();
    }
    absl::StrAppend(&out_, token);
  }
  void Blank() {
    static const auto* const kBlanks =
        new std::vector<std::string>{" ", " ", " ", "  ", "\n", "\n  ", "\n\n", "\t", " \n    "};
    out_ += random_.Pick(*kBlanks);
  }
  void Comment() {
    static const auto* const kTexts = new std::vector<std::string>{
        "note", "why: fail closed", "a * b / c", "TODO(x)", "", "caf\xC3\xA9", "\"quoted\""};
    Blank();
    switch (random_.Below(3)) {
      case 0:
        absl::StrAppend(&out_, "// ", random_.Pick(*kTexts), "\n");
        break;
      case 1:
        absl::StrAppend(&out_, "/* ", random_.Pick(*kTexts), " */");
        break;
      default:
        absl::StrAppend(&out_, "/* ", random_.Pick(*kTexts), "\n   ", random_.Pick(*kTexts), " */");
        break;
    }
  }

  std::string String() {
    static const auto* const kStrings = new std::vector<std::string>{
        R"("a")",           R"("search")",    R"("")",          R"("say \"hi\"")",
        R"("back\\slash")", R"("tab\there")", R"("caf\u00e9")", R"("\ud83d\ude00")",
        R"("sl\/ash")",     R"("ctl\u0001")", "\"caf\xC3\xA9\""};
    return random_.Pick(*kStrings);
  }
  std::string Regex() {
    static const auto* const kRegexes = new std::vector<std::string>{
        "/a+/", "/[a/b]+/", "/x\\/y/", R"(/\d{3}-\d{2}/)", "/(?i)secret/", "/.*/", "/[*]/"};
    return random_.Pick(*kRegexes);
  }
  std::string Int() {
    static const auto* const kInts = new std::vector<std::string>{
        "0", "3", "42", "-1", "-9223372036854775808", "9223372036854775807"};
    return random_.Pick(*kInts);
  }
  std::string Type() {
    static const auto* const kTypes = new std::vector<std::string>{
        "string", "int", "bool", "timestamp", "set<string>", "set<int>"};
    return random_.Pick(*kTypes);
  }

  void Attributes() {
    Emit("{");
    const size_t n = random_.Below(4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) Emit(",");
      Emit(random_.Pick(Names()));
      Emit(":");
      const std::string type = Type();
      if (type.rfind("set", 0) == 0) {
        Emit("set");
        Emit("<");
        Emit(type.substr(4, type.size() - 5));
        Emit(">");
      } else {
        Emit(type);
      }
    }
    if (n > 0 && random_.OneIn(4)) Emit(",");
    Emit("}");
  }

  void Schema() {
    Emit("schema");
    Emit("{");
    const size_t n = random_.Below(6);
    for (size_t i = 0; i < n; ++i) {
      switch (random_.Below(4)) {
        case 0:
          Emit(random_.Pick<std::string>({"user", "agent", "builder"}));
          Attributes();
          break;
        case 1:
          Emit("resource");
          Emit(random_.Pick<std::string>({"tool", "dataset", "data"}));
          Attributes();
          break;
        case 2:
          Emit("context");
          Attributes();
          break;
        default: {
          Emit("action");
          const size_t actions = 1 + random_.Below(3);
          for (size_t a = 0; a < actions; ++a) {
            if (a > 0) Emit(",");
            Emit(random_.Pick<std::string>({"read", "write", "invoke"}));
          }
          Emit("on");
          const size_t types = 1 + random_.Below(2);
          for (size_t t = 0; t < types; ++t) {
            if (t > 0) Emit(",");
            Emit(random_.Pick<std::string>({"tool", "dataset"}));
          }
          break;
        }
      }
      if (random_.OneIn(3)) Emit(";");
    }
    Emit("}");
  }

  void StringList() {
    Emit("[");
    const size_t n = 1 + random_.Below(3);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) Emit(",");
      Emit(String());
    }
    if (random_.OneIn(4)) Emit(",");
    Emit("]");
  }

  void Rule() {
    const size_t annotations = random_.Below(3);
    for (size_t i = 0; i < annotations; ++i) {
      Emit("@");
      Emit(i == 0 ? "id" : "description");
      Emit("(");
      Emit(String());
      Emit(")");
    }
    Emit(random_.Pick<std::string>({"permit", "forbid", "require_approval"}));
    Emit(random_.Pick<std::string>({"user", "agent", "builder", "any"}));
    switch (random_.Below(3)) {
      case 0:
        Emit(String());
        break;
      case 1:
        Emit("in");
        Emit("group");
        Emit(String());
        break;
      default:
        break;
    }
    Emit("to");
    if (random_.OneIn(2)) {
      Emit(random_.Pick<std::string>({"read", "invoke"}));
    } else {
      Emit("[");
      const size_t n = 1 + random_.Below(3);
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) Emit(",");
        Emit(random_.Pick<std::string>({"read", "write", "invoke"}));
      }
      if (random_.OneIn(3)) Emit(",");
      Emit("]");
    }
    Emit("on");
    Emit(random_.Pick<std::string>({"tool", "dataset"}));
    switch (random_.Below(6)) {
      case 0:
        Emit(String());
        break;
      case 1:
        Emit("in");
        StringList();
        break;
      case 2:
        Emit("under");
        Emit(String());
        break;
      case 3:
        Emit("under");
        StringList();
        break;
      case 4:
        Emit("matching");
        Emit(Regex());
        break;
      default:
        break;
    }
    // Clauses, each at most once, in any order.
    std::vector<int> clauses = {0, 1, 2};
    for (size_t i = clauses.size(); i > 1; --i)
      std::swap(clauses[i - 1], clauses[random_.Below(i)]);
    for (int clause : clauses) {
      if (random_.OneIn(3)) continue;
      if (clause == 2) {
        Obligations();
      } else {
        Emit(clause == 0 ? "when" : "unless");
        Or(0);
      }
    }
    Emit(";");
  }

  void Obligations() {
    Emit("with");
    const size_t n = 1 + random_.Below(4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) Emit(",");
      switch (random_.Below(4)) {
        case 0:
          Emit("redact");
          Emit("(");
          Emit(Regex());
          Emit(",");
          Emit(String());
          Emit(")");
          break;
        case 1:
          Emit("limit");
          Emit("(");
          Emit(random_.Pick(Names()));
          Emit(",");
          Emit(Int());
          Emit(")");
          break;
        case 2:
          Emit("log");
          Emit("(");
          Emit(random_.Pick<std::string>({"none", "summary", "full"}));
          Emit(")");
          break;
        default:
          Emit("custom");
          Emit("(");
          if (!random_.OneIn(3)) {
            Emit(String());
            Emit(",");
            Emit(Int());
          }
          Emit(")");
          break;
      }
    }
  }

  // ---- Conditions, by the grammar's levels ----

  void Or(int depth) {
    And(depth);
    const size_t more = depth < 3 ? random_.Below(3) : 0;
    for (size_t i = 0; i < more; ++i) {
      Emit("or");
      And(depth + 1);
    }
  }
  void And(int depth) {
    Not(depth);
    const size_t more = depth < 3 ? random_.Below(4) : 0;
    for (size_t i = 0; i < more; ++i) {
      Emit("and");
      Not(depth + 1);
    }
  }
  void Not(int depth) {
    if (random_.OneIn(5)) {
      Emit("not");
      Not(depth + 1);
      return;
    }
    Comparison(depth);
  }
  void Comparison(int depth) {
    switch (random_.Below(6)) {
      case 0:
        Emit(random_.Pick<std::string>({"subject", "resource", "context", "delegator"}));
        Emit("has");
        Emit(random_.Pick(Names()));
        return;
      case 1:
        Operand(depth);
        Emit("matches");
        Emit(Regex());
        return;
      case 2:
        Operand(depth);
        return;
      default:
        Operand(depth);
        Emit(random_.Pick<std::string>({"==", "!=", "<", "<=", ">", ">=", "in", "starts_with"}));
        Operand(depth);
        return;
    }
  }
  void Operand(int depth) {
    switch (random_.Below(depth < 3 ? 9 : 7)) {
      case 0:
        Emit(String());
        return;
      case 1: {
        const std::string value = Int();
        if (value[0] == '-' && random_.OneIn(2)) {
          Emit("-");
          Emit(value.substr(1));
        } else {
          Emit(value);
        }
        return;
      }
      case 2:
        Emit(random_.Pick<std::string>({"true", "false", "now"}));
        return;
      case 3:
      case 4:
      case 5:
        Emit(random_.Pick<std::string>({"subject", "resource", "context", "delegator"}));
        Emit(".");
        Emit(random_.Pick(Names()));
        return;
      case 6: {
        Emit("[");
        const size_t n = random_.Below(3);
        for (size_t i = 0; i < n; ++i) {
          if (i > 0) Emit(",");
          if (random_.OneIn(2)) {
            Emit(String());
          } else {
            Emit(Int());
          }
        }
        if (n > 0 && random_.OneIn(4)) Emit(",");
        Emit("]");
        return;
      }
      default:
        Emit("(");
        Or(depth + 1);
        Emit(")");
        return;
    }
  }

  Random random_;
  std::string out_;
};

TEST(FormatterPropertyTest, GeneratedPolicies) {
  constexpr uint64_t kPolicies = 400;
  for (uint64_t seed = 1; seed <= kPolicies; ++seed) {
    const std::string text = PolicyGenerator(seed).Generate();
    bool parses = false;
    Dump("p.ward", text, &parses);
    ASSERT_TRUE(parses) << "seed " << seed << " generated a policy that does not parse:\n" << text;
    CheckProperties(absl::StrCat("seed ", seed), text);
    if (HasFailure()) break;  // one reproducible seed is enough to look at
  }
}

TEST(FormatterPropertyTest, GeneratedPoliciesHaveCommentsAndLongLines) {
  // Guards the generator: the properties are only worth as much as what it writes.
  size_t comments = 0, long_conditions = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    const std::string text = PolicyGenerator(seed).Generate();
    comments += CommentTexts(text).size();
    for (absl::string_view line : absl::StrSplit(Format(text), '\n')) {
      if (absl::StartsWith(line, "    and ") || absl::StartsWith(line, "    or ")) {
        ++long_conditions;
      }
    }
  }
  EXPECT_GT(comments, 1000u);
  EXPECT_GT(long_conditions, 50u);
}

}  // namespace
}  // namespace ward
