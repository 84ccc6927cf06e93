#include "cli/repl/repl_parse.h"

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
  EXPECT_THAT(std::string(request.status().message()), HasSubstr(message)) << line;
}

Request Parse(absl::string_view line) {
  int column = -1;
  absl::StatusOr<Request> request = ParseRequestLine(line, &column);
  EXPECT_TRUE(request.ok()) << line << ": column " << column << ": " << request.status();
  return request.ok() ? *std::move(request) : Request();
}

TEST(ParseRequestLineTest, ReadsEveryPart) {
  const Request request = Parse(
      R"(agent a17 invoke tool:search on_behalf_of user:u3 args {"q": "cats"} context {"session": "s1"})");
  EXPECT_EQ(request.subject.kind, SubjectKind::kAgent);
  EXPECT_EQ(request.subject.id, "a17");
  EXPECT_EQ(request.action, "invoke");
  EXPECT_EQ(request.resource.type, "tool");
  EXPECT_EQ(request.resource.id, "search");
  ASSERT_EQ(request.on_behalf_of.size(), 1u);
  EXPECT_EQ(request.on_behalf_of[0].kind, SubjectKind::kUser);
  EXPECT_EQ(request.on_behalf_of[0].id, "u3");
  ASSERT_EQ(request.context.count("session"), 1u);
  EXPECT_EQ(request.context.at("session"), Value::String("s1"));
  ASSERT_EQ(request.args.count("q"), 1u);
  EXPECT_EQ(request.args.at("q"), Value::String("cats"));
  EXPECT_EQ(request.args_json, R"({"q":"cats"})");
  EXPECT_FALSE(request.now.has_value());
  EXPECT_TRUE(request.approval.empty());
}

TEST(ParseRequestLineTest, ArgsAndContextComeInEitherOrder) {
  const std::string chain = "agent a42 invoke tool:payments.transfer on_behalf_of user:u5 ";
  for (const char* tail : {
           R"(args {"amount": 2500} context {"session": "s1"})",
           R"(context {"session": "s1"} args {"amount": 2500})",
           R"({"session": "s1"} args {"amount": 2500})",
           R"(args {"amount": 2500} {"session": "s1"})",
           R"(args{"amount":2500}context{"session":"s1"})",
       }) {
    const Request request = Parse(absl::StrCat(chain, tail));
    ASSERT_EQ(request.on_behalf_of.size(), 1u) << tail;
    EXPECT_EQ(request.args.at("amount"), Value::Int(2500)) << tail;
    EXPECT_EQ(request.context.at("session"), Value::String("s1")) << tail;
    EXPECT_EQ(request.context.count("amount"), 0u) << tail;
    EXPECT_EQ(request.args.count("session"), 0u) << tail;
    EXPECT_EQ(request.args_json, R"({"amount":2500})") << tail;
  }
  // Without a chain, and each alone.
  EXPECT_EQ(Parse(R"(user u5 invoke tool:t args {"amount": 1})").args.at("amount"), Value::Int(1));
  EXPECT_TRUE(Parse(R"(user u5 invoke tool:t args {"amount": 1})").context.empty());
  EXPECT_EQ(Parse(R"(user u5 invoke tool:t context {"n": 1})").context.at("n"), Value::Int(1));
  EXPECT_TRUE(Parse(R"(user u5 invoke tool:t context {"n": 1})").args_json.empty());
}

TEST(ParseRequestLineTest, AnObjectEndsAtItsClosingBrace) {
  // Braces and brackets in strings, escaped quotes, nesting and blanks do not end it early.
  const Request request = Parse(
      R"(user u invoke tool:t args { "memo" : "a } \" { ] context {", "to": {"iban": ["x"]} } )"
      R"(context {"note": "args {}"})");
  EXPECT_EQ(request.args.at("memo"), Value::String(R"(a } " { ] context {)"));
  EXPECT_EQ(request.args_json, R"({"memo":"a } \" { ] context {","to":{"iban":["x"]}})");
  EXPECT_EQ(request.context.at("note"), Value::String("args {}"));
  // The args are hashed as typed: key order and spacing aside, nothing is normalised away.
  EXPECT_EQ(Parse(R"(user u invoke tool:t args {"b": [2, 1], "a": null})").args_json,
            R"({"a":null,"b":[2,1]})");
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
  const Request request = Parse(R"(user u invoke tool:t {"session": null})");
  EXPECT_EQ(request.context.count("session"), 0u);
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
  ExpectError("agent a17 invoke tool:x extra", 25,
              "unexpected `extra`: expected `on_behalf_of`, `args {...}` or `context {...}`");
  ExpectError("agent a17 invoke tool:x on_behalf_of", 38, "expected the identities");
  ExpectError("agent a17 invoke tool:x on_behalf_of u3", 38, "expected kind:ID");
  ExpectError("agent a17 invoke tool:x on_behalf_of usr:u3", 38, "unknown kind `usr`");
  ExpectError("agent a17 invoke tool:x on_behalf_of user:u3 on_behalf_of user:u4", 46,
              "given once");
  ExpectError("agent a:17 invoke tool:x", 8, "written in double quotes");
  ExpectError("agent \"a17 invoke tool:x", 7, "unterminated string");
  ExpectError("agent a17 invoke tool:\"x\\q\"", 23, "one JSON string");
  ExpectError("agent a17 {\"session\": \"s1\"}", 11, "expected an action");
}

TEST(ParseRequestLineTest, ChainIsCapped) {
  std::string line = "agent a0 invoke tool:t on_behalf_of";
  for (size_t i = 1; i <= kMaxDelegationHops; ++i) absl::StrAppend(&line, " agent:a", i);
  Parse(line);
  const int column = static_cast<int>(line.size()) + 2;
  ExpectError(absl::StrCat(line, " user:u"), column, "at most 8 are allowed");
}

TEST(ParseRequestLineTest, ContextErrorsPointIntoTheJson) {
  // The column of the character at which the text stops being JSON.
  ExpectError(R"(user u invoke tool:t {"session": tru})", 34, "invalid literal");
  ExpectError(R"(user u invoke tool:t {"a": 1,})", 30, "invalid JSON in the context");
  ExpectError(R"(user u invoke tool:t {"a": 1)", 29, "end of input");
  ExpectError(R"(user u invoke tool:t {"a": 1} trailing)", 31,
              "unexpected `trailing`: expected `args {...}`");
  ExpectError(R"(user u invoke tool:t [1, 2])", 22,
              "expected `on_behalf_of`, `args {...}` or `context {...}`");
  ExpectError(R"(user u invoke tool:t {"a": 1, "a": 2})", 22,
              "in the context: invalid JSON: duplicate key `a`");
}

TEST(ParseRequestLineTest, ArgsAndContextErrorsPointAtTheRightObject) {
  // Invalid JSON in either object, with the other one on the same line.
  ExpectError(R"(user u invoke tool:t args {"amount": 25x0} context {"s": 1})", 38,
              "invalid JSON in the args");
  ExpectError(R"(user u invoke tool:t args {"amount": 1} context {"s": tru})", 55,
              "invalid JSON in the context: invalid literal");
  ExpectError(R"(user u invoke tool:t context {"s": 1} args {"amount": 1,})", 57,
              "invalid JSON in the args");
  // An object that is never closed runs to the end of the line; the parser tells where.
  ExpectError(R"(user u invoke tool:t args {"amount": 1 context {"s": 1})", 40,
              "invalid JSON in the args");
  ExpectError(R"(user u invoke tool:t args {"amount": 1)", 39, "end of input");
  ExpectError(R"(user u invoke tool:t args {"amount": "1})", 41, "missing closing quote");
  ExpectError(R"(user u invoke tool:t context {"a": 1} args {"a": 1, "a": 2})", 44,
              "in the args: invalid JSON: duplicate key `a`");
  // The keywords.
  ExpectError("user u invoke tool:t args", 27, "expected a JSON object {...} after `args`");
  ExpectError("user u invoke tool:t context   ", 30,
              "expected a JSON object {...} after `context`");
  ExpectError(R"(user u invoke tool:t args [1])", 27, "expected a JSON object {...} after `args`");
  ExpectError(R"(user u invoke tool:t args "x")", 27, "expected a JSON object {...} after `args`");
  // Each at most once: a bare object is the context.
  ExpectError(R"(user u invoke tool:t args {} args {})", 30, "the args is given once");
  ExpectError(R"(user u invoke tool:t {} context {})", 25, "the context is given once");
  ExpectError(R"(user u invoke tool:t context {} {})", 33, "the context is given once");
  ExpectError(R"(user u invoke tool:t context {}{})", 32, "the context is given once");
  // The chain comes first.
  ExpectError(R"(user u invoke tool:t args {} on_behalf_of user:u3)", 30,
              "`on_behalf_of` and its chain come before args and context");
  ExpectError(R"(agent a invoke tool:t on_behalf_of user:u3 args {} on_behalf_of user:u4)", 52,
              "given once");
  ExpectError(R"(agent a invoke tool:t on_behalf_of args {})", 36, "expected the identities");
  ExpectError(R"(agent a invoke tool:t on_behalf_of user:u3 args {} user:u4)", 52,
              "unexpected `user:u4`: expected `context {...}`");
  ExpectError(R"(user u invoke tool:t args {} context {} x)", 41,
              "unexpected `x`: expected the end of the line");
  ExpectError(R"(user u invoke tool:t args {"a": 1}x)", 35, "unexpected `x`");
  ExpectError(R"(user u invoke tool:t args {"a": 1}contexts {})", 35, "unexpected `contexts`");
  // What request JSON refuses is refused here too, at the object it is about.
  ExpectError(
      R"(user u invoke tool:t context {"a": 1} args {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",
      44, "in the args: JSON nested deeper than");
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
              ElementsAre("agent:a17", "agent:a42", "args"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search {\"a"), IsEmpty());
}

TEST_F(CompleteTest, ArgsAndContextWhereTheyMayCome) {
  EXPECT_THAT(Candidates("agent a17 invoke tool:search "),
              ElementsAre("args", "context", "on_behalf_of"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search c"), ElementsAre("context"));
  // In the chain: identities, and once there is one, the keywords.
  EXPECT_THAT(Candidates("agent a17 invoke tool:search on_behalf_of a"),
              ElementsAre("agent:a17", "agent:a42"));
  EXPECT_THAT(Candidates("agent a17 invoke tool:search on_behalf_of user:u3 c"),
              ElementsAre("context"));
  // After an object, the keyword not used yet; after a keyword, nothing (a `{` comes).
  EXPECT_THAT(Candidates(R"(agent a17 invoke tool:search args {"q": "a b"} )"),
              ElementsAre("context"));
  EXPECT_THAT(Candidates(R"(agent a17 invoke tool:search on_behalf_of user:u3 {"s": 1} )"),
              ElementsAre("args"));
  EXPECT_THAT(Candidates(R"(agent:a17 invoke tool:search context {"s": 1} a)"),
              ElementsAre("args"));
  EXPECT_THAT(Candidates(R"(agent a17 invoke tool:search args {} context {} )"), IsEmpty());
  EXPECT_THAT(Candidates("agent a17 invoke tool:search args "), IsEmpty());
  EXPECT_THAT(Candidates(R"(agent a17 invoke tool:search args {"q": "x )"), IsEmpty());
  EXPECT_THAT(Candidates(R"(agent a17 invoke tool:search args {} on)"), IsEmpty());
}

TEST_F(CompleteTest, ApproveCompletesUsers) {
  data_.commands.push_back(":approve");
  EXPECT_THAT(Candidates(":ap"), ElementsAre(":approve"));
  EXPECT_THAT(Candidates(":approve "), ElementsAre("\"Ada Lovelace\"", "u3"));
  EXPECT_THAT(Candidates(":approve u3 "), IsEmpty());
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
