#include "cli/repl_parse.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Parses `line`, expecting an error at `column` whose message holds `message`.
void ExpectError(absl::string_view line, int column, absl::string_view message) {
  int error_column = -1;
  absl::StatusOr<Request> request = ParseRequestLine(line, &error_column);
  ASSERT_FALSE(request.ok()) << line;
  EXPECT_EQ(error_column, column) << line << ": " << request.status().message();
  EXPECT_THAT(request.status().message(), HasSubstr(message)) << line;
}

Request Parse(absl::string_view line) {
  int column = -1;
  absl::StatusOr<Request> request = ParseRequestLine(line, &column);
  EXPECT_TRUE(request.ok()) << line << ": column " << column << ": " << request.status();
  return request.ok() ? *std::move(request) : Request();
}

TEST(ParseRequestLineTest, ReadsEveryPart) {
  const Request request =
      Parse(R"(agent a17 invoke tool:search on_behalf_of user:u3 {"approved": true})");
  EXPECT_EQ(request.subject.kind, SubjectKind::kAgent);
  EXPECT_EQ(request.subject.id, "a17");
  EXPECT_EQ(request.action, "invoke");
  EXPECT_EQ(request.resource.type, "tool");
  EXPECT_EQ(request.resource.id, "search");
  ASSERT_EQ(request.on_behalf_of.size(), 1u);
  EXPECT_EQ(request.on_behalf_of[0].kind, SubjectKind::kUser);
  EXPECT_EQ(request.on_behalf_of[0].id, "u3");
  ASSERT_EQ(request.context.count("approved"), 1u);
  EXPECT_EQ(request.context.at("approved"), Value::Bool(true));
  EXPECT_FALSE(request.now.has_value());
}

TEST(ParseRequestLineTest, MinimalRequest) {
  const Request request = Parse("  user u3   read   dataset:vision/raw/cats  ");
  EXPECT_EQ(request.subject.kind, SubjectKind::kUser);
  EXPECT_EQ(request.subject.id, "u3");
  EXPECT_EQ(request.action, "read");
  EXPECT_EQ(request.resource.id, "vision/raw/cats");
  EXPECT_THAT(request.on_behalf_of, IsEmpty());
  EXPECT_TRUE(request.context.empty());
}

TEST(ParseRequestLineTest, SubjectMayBeWrittenKindColonId) {
  const Request request = Parse("builder:b1 write dataset:d");
  EXPECT_EQ(request.subject.kind, SubjectKind::kBuilder);
  EXPECT_EQ(request.subject.id, "b1");
  EXPECT_EQ(request.action, "write");
}

TEST(ParseRequestLineTest, QuotedIdsHoldBlanksColonsAndEscapes) {
  const Request request =
      Parse(R"(user "Ada Lovelace" invoke tool:"calendar: read" on_behalf_of user:"a \"b\"" {})");
  EXPECT_EQ(request.subject.id, "Ada Lovelace");
  EXPECT_EQ(request.resource.id, "calendar: read");
  ASSERT_EQ(request.on_behalf_of.size(), 1u);
  EXPECT_EQ(request.on_behalf_of[0].id, "a \"b\"");
}

TEST(ParseRequestLineTest, ChainKeepsItsOrderAndContextItsTypes) {
  const Request request =
      Parse(R"(agent a1 invoke tool:t on_behalf_of agent:a2 user:u1 {"n": 3, "tags": ["x", "y"]})");
  ASSERT_EQ(request.on_behalf_of.size(), 2u);
  EXPECT_EQ(request.on_behalf_of[0].id, "a2");
  EXPECT_EQ(request.on_behalf_of[0].kind, SubjectKind::kAgent);
  EXPECT_EQ(request.on_behalf_of[1].id, "u1");
  EXPECT_EQ(request.context.at("n"), Value::Int(3));
  EXPECT_EQ(request.context.at("tags"), Value::StringSet({"x", "y"}));
}

TEST(ParseRequestLineTest, ContextNullIsAbsent) {
  const Request request = Parse(R"(user u invoke tool:t {"approved": null})");
  EXPECT_EQ(request.context.count("approved"), 0u);
}

TEST(ParseRequestLineTest, ErrorsNameTheColumn) {
  ExpectError("agnt a17 invoke tool:search", 1, "did you mean `agent`?");
  ExpectError("any a17 invoke tool:search", 1, "unknown kind `any`");
  ExpectError("agent", 7, "expected the id of the agent");
  ExpectError("agent a17", 11, "expected an action");
  ExpectError("agent a17 in-voke tool:x", 11, "`in-voke` is not an action name");
  ExpectError("agent a17 invoke", 18, "expected the resource");
  ExpectError("agent a17 invoke search", 18, "expected resource type:ID");
  ExpectError("agent a17 invoke tool:", 23, "expected an id after `tool:`");
  ExpectError("agent a17 invoke 9tool:x", 18, "`9tool` is not a resource type name");
  ExpectError("agent a17 invoke tool:x extra", 25, "unexpected `extra`");
  ExpectError("agent a17 invoke tool:x on_behalf_of", 38, "expected the identities");
  ExpectError("agent a17 invoke tool:x on_behalf_of u3", 38, "expected kind:ID");
  ExpectError("agent a17 invoke tool:x on_behalf_of usr:u3", 38, "unknown kind `usr`");
  ExpectError("agent a17 invoke tool:x on_behalf_of user:u3 on_behalf_of user:u4", 46,
              "given once");
  ExpectError("agent a:17 invoke tool:x", 8, "written in double quotes");
  ExpectError("agent \"a17 invoke tool:x", 7, "unterminated string");
  ExpectError("agent a17 invoke tool:\"x\\q\"", 23, "one JSON string");
  ExpectError("agent a17 {\"approved\": true}", 11, "expected an action");
}

TEST(ParseRequestLineTest, ChainIsCapped) {
  std::string line = "agent a0 invoke tool:t on_behalf_of";
  for (size_t i = 1; i <= kMaxDelegationHops; ++i) absl::StrAppend(&line, " agent:a", i);
  Parse(line);
  const int column = static_cast<int>(line.size()) + 2;
  ExpectError(absl::StrCat(line, " user:u"), column, "at most 8 identities");
}

TEST(ParseRequestLineTest, ContextErrorsPointIntoTheJson) {
  // The column of the character at which the text stops being JSON.
  ExpectError(R"(user u invoke tool:t {"approved": tru})", 35, "invalid literal");
  ExpectError(R"(user u invoke tool:t {"a": 1,})", 30, "invalid JSON in the context");
  ExpectError(R"(user u invoke tool:t {"a": 1)", 29, "end of input");
  ExpectError(R"(user u invoke tool:t {"a": 1} trailing)", 31, "invalid literal");
  ExpectError(R"(user u invoke tool:t [1, 2])", 22, "expected `on_behalf_of` or a context");
  ExpectError(R"(user u invoke tool:t {"a": 1, "a": 2})", 22, "a");
}

TEST(ParseRequestLineTest, ColumnsCountCharactersNotBytes) {
  ExpectError("user \"\xc3\xa9t\xc3\xa9\" invoke tool:t x", 26, "unexpected `x`");
}

TEST(QuoteTest, IdsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(QuoteIdIfNeeded("a17"), "a17");
  EXPECT_EQ(QuoteIdIfNeeded("vision/raw/x.png"), "vision/raw/x.png");
  EXPECT_EQ(QuoteIdIfNeeded("calendar read"), "\"calendar read\"");
  EXPECT_EQ(QuoteIdIfNeeded("a:b"), "\"a:b\"");
  EXPECT_EQ(QuoteIdIfNeeded("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(QuoteIdIfNeeded(""), "\"\"");
  EXPECT_EQ(QuoteIdIfNeeded("{x"), "\"{x\"");
  EXPECT_EQ(FormatRef("tool", "search"), "tool:search");
  EXPECT_EQ(FormatRef("tool", "a b"), "tool:\"a b\"");
  // What FormatRef writes, the parser reads back.
  EXPECT_EQ(Parse(absl::StrCat("user u invoke ", FormatRef("tool", "x: \"y\" z"))).resource.id,
            "x: \"y\" z");
}

TEST(SplitArgumentsTest, SplitsAtBlanksAndDecodesStrings) {
  absl::StatusOr<std::vector<std::string>> split =
      SplitArguments(R"(  a.ward  "my policy.ward" <repl>:3 )");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(*split, ElementsAre("a.ward", "my policy.ward", "<repl>:3"));
  EXPECT_THAT(*SplitArguments(""), IsEmpty());
  EXPECT_FALSE(SplitArguments("\"open").ok());
  EXPECT_FALSE(SplitArguments("\"bad\\q\"").ok());
  EXPECT_EQ(QuoteArgument("a-rule"), "a-rule");
  EXPECT_EQ(QuoteArgument("<repl>:3"), "<repl>:3");
  EXPECT_EQ(QuoteArgument("two words"), "\"two words\"");
}

TEST(StartsPolicyTextTest, RecognisesRuleAndSchemaStarts) {
  EXPECT_TRUE(StartsPolicyText("permit user to read on doc;"));
  EXPECT_TRUE(StartsPolicyText("  forbid agent to x on y;"));
  EXPECT_TRUE(StartsPolicyText("require_approval any to x on y;"));
  EXPECT_TRUE(StartsPolicyText("@id(\"x\")"));
  EXPECT_TRUE(StartsPolicyText("schema {"));
  EXPECT_TRUE(StartsPolicyText("schema{"));
  EXPECT_FALSE(StartsPolicyText("permits"));
  EXPECT_FALSE(StartsPolicyText("user u3 invoke tool:x"));
  EXPECT_FALSE(StartsPolicyText(":why"));
  EXPECT_FALSE(StartsPolicyText(""));
}

TEST(PolicyTextCompleteTest, RulesEndAtTheirSemicolon) {
  EXPECT_TRUE(PolicyTextComplete("permit user to read on doc;\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc\n"));
  EXPECT_FALSE(PolicyTextComplete("@id(\"x\")\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc\n  when subject.name == \";\"\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc matching /a;b/\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc // done;\n"));
  EXPECT_TRUE(PolicyTextComplete("permit user to read on doc // note\n  ;\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to [read;\n"));
}

TEST(PolicyTextCompleteTest, SchemaEndsAtItsClosingBrace) {
  EXPECT_FALSE(PolicyTextComplete("schema {\n"));
  EXPECT_FALSE(PolicyTextComplete("schema {\n  user { clearance: int }\n"));
  EXPECT_FALSE(PolicyTextComplete("schema {\n  user { clearance: int };\n"));
  EXPECT_FALSE(PolicyTextComplete("schema {\n\n  action read on doc;\n"));
  EXPECT_TRUE(PolicyTextComplete("schema {\n  user { clearance: int }\n}\n"));
  EXPECT_TRUE(PolicyTextComplete("schema { resource doc {} }\n"));
}

TEST(PolicyTextCompleteTest, OpenCommentsWaitAndErrorsDoNot) {
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc; /* more\n"));
  EXPECT_FALSE(PolicyTextComplete("permit user to read on doc; /*\n"));
  EXPECT_TRUE(PolicyTextComplete("permit user to read on doc /* x */;\n"));
  // A string cannot span lines: the error is reported at once.
  EXPECT_TRUE(PolicyTextComplete("permit user to read on doc when subject.x == \"open\n"));
  EXPECT_TRUE(PolicyTextComplete("permit user to read on doc when a && b\n"));
  // A closing brace too many cannot be mended by more lines.
  EXPECT_TRUE(PolicyTextComplete("schema { } }\n x\n"));
}

TEST(ColumnAtTest, CountsCodePoints) {
  EXPECT_EQ(ColumnAt("abc", 0), 1);
  EXPECT_EQ(ColumnAt("abc", 3), 4);
  EXPECT_EQ(ColumnAt("\xc3\xa9x", 2), 2);
  EXPECT_EQ(ColumnAt("\xc3\xa9x", 3), 3);
  EXPECT_EQ(ColumnAt("ab", 10), 3);
}

class CompleteTest : public testing::Test {
 protected:
  void SetUp() override {
    schema_.resource_types["tool"];
    schema_.resource_types["dataset"];
    schema_.resource_types["model"];
    schema_.actions["invoke"] = {"tool"};
    schema_.actions["read"] = {"dataset", "model"};
    schema_.actions["write"] = {"dataset"};
    data_.commands = {":why", ":whynot", ":load",     ":reload", ":revoke",
                      ":set", ":test",   ":entities", ":quit"};
    data_.identities = {{SubjectKind::kAgent, "a17"},
                        {SubjectKind::kAgent, "a42"},
                        {SubjectKind::kUser, "u3"},
                        {SubjectKind::kUser, "Ada Lovelace"}};
    data_.schema = &schema_;
    data_.resources = {{"tool", "search"}, {"tool", "calendar read"}, {"dataset", "d1"}};
    data_.rules = {"a17-scope", "agents-within-task-scope", "<repl>:1", "two words"};
    data_.list_files = [](absl::string_view prefix) {
      std::vector<std::string> files;
      for (const char* file : {"examples/", "examples.md", "rules.ward"}) {
        if (absl::string_view(file).substr(0, prefix.size()) == prefix) files.push_back(file);
      }
      return files;
    };
  }

  std::vector<std::string> Candidates(absl::string_view line) {
    return Complete(line, data_).candidates;
  }

  Schema schema_;
  CompletionData data_;
};

TEST_F(CompleteTest, Commands) {
  EXPECT_THAT(Candidates(":wh"), ElementsAre(":why", ":whynot"));
  EXPECT_THAT(Candidates(":rel"), ElementsAre(":reload"));
  EXPECT_THAT(Candidates(":x"), IsEmpty());
  // An empty line may start a command or a request.
  EXPECT_THAT(Candidates(""), testing::Contains("agent"));
  EXPECT_THAT(Candidates(""), testing::Contains(":why"));
  const Completion completion = Complete("  :re", data_);
  EXPECT_EQ(completion.word_start, 2u);
  EXPECT_TRUE(completion.append_blank);
}

TEST_F(CompleteTest, CommandArguments) {
  EXPECT_THAT(Candidates(":whynot a"), ElementsAre("a17-scope", "agents-within-task-scope"));
  EXPECT_THAT(Candidates(":whynot <"), ElementsAre("<repl>:1"));
  EXPECT_THAT(Candidates(":whynot \"two"), ElementsAre("\"two words\""));
  EXPECT_THAT(Candidates(":whynot a17-scope x"), IsEmpty());
  EXPECT_THAT(Candidates(":revoke a"), ElementsAre("a17", "a42"));
  EXPECT_THAT(Candidates(":revoke \"A"), ElementsAre("\"Ada Lovelace\""));
  EXPECT_THAT(Candidates(":set i"), ElementsAre("identity"));
  EXPECT_THAT(Candidates(":load examples"), ElementsAre("examples.md", "examples/"));
  EXPECT_THAT(Candidates(":load a.ward r"), ElementsAre("rules.ward"));
  EXPECT_THAT(Candidates(":entities a.json r"), IsEmpty());
  EXPECT_FALSE(Complete(":load examples/", data_).append_blank);
}

TEST_F(CompleteTest, RequestLineParts) {
  EXPECT_THAT(Candidates("a"), ElementsAre("agent"));
  EXPECT_THAT(Candidates("agent a"), ElementsAre("a17", "a42"));
  EXPECT_THAT(Candidates("user "), ElementsAre("\"Ada Lovelace\"", "u3"));
  EXPECT_THAT(Candidates("agent a17 "), ElementsAre("invoke", "read", "write"));
  EXPECT_THAT(Candidates("agent a17 r"), ElementsAre("read"));
  EXPECT_THAT(Candidates("agent a17 invoke t"),
              ElementsAre("tool:\"calendar read\"", "tool:search"));
  // Types the action applies to; `TYPE:` for a type without stored resources.
  EXPECT_THAT(Candidates("agent a17 read "), ElementsAre("dataset:d1", "model:"));
  EXPECT_FALSE(Complete("agent a17 read m", data_).append_blank);
  EXPECT_THAT(Candidates("agent a17 invoke tool:search o"), ElementsAre("on_behalf_of"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search on_behalf_of u"),
              ElementsAre("user:\"Ada Lovelace\"", "user:u3"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search on_behalf_of user:u3 a"),
              ElementsAre("agent:a17", "agent:a42"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search {\"a"), IsEmpty());
}

TEST_F(CompleteTest, SubjectAsKindColonId) {
  EXPECT_THAT(Candidates("agent:a4"), ElementsAre("agent:a42"));
  EXPECT_THAT(Candidates("agent:a42 i"), ElementsAre("invoke"));
  EXPECT_THAT(Candidates("agent:a42 invoke tool:s"), ElementsAre("tool:search"));
}

TEST(CommonPrefixTest, LongestSharedStart) {
  EXPECT_EQ(CommonPrefix({}), "");
  EXPECT_EQ(CommonPrefix({"tool:search"}), "tool:search");
  EXPECT_EQ(CommonPrefix({"tool:search", "tool:sql"}), "tool:s");
  EXPECT_EQ(CommonPrefix({"abc", "xyz"}), "");
  // Never half a character: "é" and "è" share their first byte.
  EXPECT_EQ(CommonPrefix({"x\xc3\xa9", "x\xc3\xa8"}), "x");
}

}  // namespace
}  // namespace ward::cli
