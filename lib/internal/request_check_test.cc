#include "lib/internal/request_check.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(PathIdProblemTest, AcceptsNormalizedRelativePaths) {
  for (const char* id :
       {"a", "a/b", "vision/raw/shard-17", "v1.0/x", "a/.b/c..", "caf\xc3\xa9/x"}) {
    EXPECT_EQ(PathIdProblem(id), std::nullopt) << id;
  }
}

TEST(PathIdProblemTest, NamesWhatIsWrong) {
  const struct {
    std::string id;
    const char* problem;
  } kCases[] = {
      {"", "empty"},
      {"/a", "begins with `/`"},
      {"a/", "ends with `/`"},
      {"a//b", "empty segment"},
      {"a/./b", "`.` segment"},
      {".", "`.` segment"},
      {"vision/raw/../../secret", "`..` segment"},
      {"..", "`..` segment"},
      {"a\\b", "backslash"},
      {std::string("a\0b", 3), "NUL"},
  };
  for (const auto& c : kCases) {
    EXPECT_THAT(PathIdProblem(c.id), Optional(HasSubstr(c.problem))) << c.id;
  }
}

// The quick scan says "normal" only of ids PathIdProblem accepts, and says it of the plain
// ones, whatever the number and place of their segments.
TEST(PathIdIsPlainlyNormalTest, AgreesWithPathIdProblemWhereItIsSure) {
  for (const char* id : {"a", "a/b", "vision/raw/shard-17", "ab/c/de/f/g", "x/y-z_1"}) {
    EXPECT_TRUE(PathIdIsPlainlyNormal(id)) << id;
  }
  for (const std::string& id :
       {std::string(""), std::string("/a"), std::string("a/"), std::string("a//b"),
        std::string("ab/c//d"), std::string("a/b/c//"), std::string("//"), std::string("a///b"),
        std::string("a/./b"), std::string("a/../b"), std::string("a\\b"), std::string("a\0b", 3),
        std::string("v1.0/x")}) {
    EXPECT_FALSE(PathIdIsPlainlyNormal(id)) << id;  // "maybe not": PathIdProblem decides
  }
  for (const std::string& id : {std::string("a/b//c"), std::string("q//")}) {
    EXPECT_NE(PathIdProblem(id), std::nullopt) << id;
  }
}

TEST(IsUnderPathTest, MatchesWholeSegments) {
  EXPECT_TRUE(IsUnderPath("a/b", "a/b"));
  EXPECT_TRUE(IsUnderPath("a/b/x", "a/b"));
  EXPECT_TRUE(IsUnderPath("a/b/x/y", "a"));
  EXPECT_FALSE(IsUnderPath("a/bc", "a/b"));
  EXPECT_FALSE(IsUnderPath("a", "a/b"));
  EXPECT_FALSE(IsUnderPath("b/a/b", "a/b"));
}

class CheckRequestTest : public testing::Test {
 protected:
  CheckRequestTest() {
    schema_.resource_types["doc"] = {
        {"level", {Type::kInt, false, {}}},
        {"tier", {Type::kString, /*optional=*/true, {"gold", "silver"}}}};
    schema_.resource_types["file"] = {};
    schema_.context = {{"session", {Type::kString, /*optional=*/true, {}}},
                       {"deadline", {Type::kTimestamp, /*optional=*/true, {}}}};
    schema_.args = {{"amount", {Type::kInt, /*optional=*/true, {}}},
                    {"to", {Type::kStringSet, /*optional=*/true, {}}}};
    context_ = Declarations(schema_.context);
    args_ = Declarations(schema_.args);
    inputs_.schema = &schema_;
    inputs_.context = &context_;
    inputs_.args = &args_;
    inputs_.path_resource_types = &path_types_;
    request_.subject = {SubjectKind::kUser, "u1"};
    request_.action = "read";
    request_.resource = {"doc", "d1", {}};
  }

  std::optional<std::string> Check() { return CheckRequest(inputs_, request_); }

  Schema schema_;
  std::vector<Declaration> context_;
  std::vector<Declaration> args_;
  std::vector<std::string> path_types_ = {"file"};
  RequestCheckInputs inputs_;
  Request request_;
};

TEST_F(CheckRequestTest, AValidRequestPasses) {
  request_.context["session"] = Value::String("s1");
  request_.context["deadline"] = Value::String("2027-01-01T00:00:00Z");  // converts
  request_.context["undeclared"] = Value::Opaque("an object");
  request_.args["amount"] = Value::Int(5);
  request_.args["to"] = Value::StringSet({});  // an empty list is a set of either type
  EXPECT_EQ(Check(), std::nullopt);
}

TEST_F(CheckRequestTest, InlineAttributesOnlyForResourcesTheStoreLacks) {
  request_.resource.attrs["level"] = Value::Int(1);
  EXPECT_EQ(Check(), std::nullopt);
  inputs_.resource_stored = true;
  EXPECT_THAT(Check(), Optional(HasSubstr("is in the store, which alone gives its attributes")));
}

TEST_F(CheckRequestTest, DeclaredValuesMustFitTheirType) {
  request_.resource.attrs["level"] = Value::String("1");
  EXPECT_THAT(Check(), Optional(HasSubstr("`resource.attrs.level` must be int")));
  request_.resource.attrs.clear();
  request_.context["deadline"] = Value::String("tomorrow");
  EXPECT_THAT(Check(), Optional(HasSubstr("`context.deadline` must be timestamp")));
  request_.context.clear();
  request_.args["amount"] = Value::Opaque("a number with a fraction");
  EXPECT_THAT(Check(), Optional(HasSubstr("`args.amount` must be int")));
}

TEST_F(CheckRequestTest, InlineAttributesDescribeAWholeResource) {
  // Like an entity in a file: every required attribute, enum values among the members.
  request_.resource.attrs["tier"] = Value::String("gold");
  EXPECT_THAT(Check(), Optional(HasSubstr("`resource.attrs` lacks `level`, which every `doc` "
                                          "must have")));
  request_.resource.attrs["level"] = Value::Int(2);
  EXPECT_EQ(Check(), std::nullopt);
  request_.resource.attrs["tier"] = Value::String("Gold");
  EXPECT_THAT(
      Check(),
      Optional(HasSubstr(R"(`resource.attrs.tier` must be one of "gold" | "silver", not "Gold")")));
}

TEST_F(CheckRequestTest, EnumEntriesMustBeMembers) {
  schema_.context["channel"] = {Type::kString, /*optional=*/true, {"cli", "web"}};
  context_ = Declarations(schema_.context);
  request_.context["channel"] = Value::String("web");
  EXPECT_EQ(Check(), std::nullopt);
  request_.context["channel"] = Value::String("email");
  EXPECT_THAT(
      Check(),
      Optional(HasSubstr(R"(`context.channel` must be one of "cli" | "web", not "email")")));
}

TEST_F(CheckRequestTest, ReportsTheFirstFaultInTheDocumentedOrder) {
  request_.resource = {"file", "a/../b", {{"x", Value::Int(1)}}};
  inputs_.resource_stored = true;
  request_.context["session"] = Value::Int(1);
  request_.args["amount"] = Value::String("1");
  EXPECT_THAT(Check(), Optional(HasSubstr("`resource.id`")));
  request_.resource.id = "a/b";
  EXPECT_THAT(Check(), Optional(HasSubstr("`resource.attrs`")));
  request_.resource.attrs.clear();
  EXPECT_THAT(Check(), Optional(HasSubstr("`context.session`")));
  request_.context.clear();
  EXPECT_THAT(Check(), Optional(HasSubstr("`args.amount`")));
}

TEST_F(CheckRequestTest, PathIdsOnlyForTypesUsedWithUnder) {
  request_.resource = {"doc", "../anything//", {}};
  EXPECT_EQ(Check(), std::nullopt);
  request_.resource.type = "file";
  EXPECT_THAT(Check(), Optional(HasSubstr("is not a normalized path")));
}

TEST_F(CheckRequestTest, ChainsLongerThanTheLimit) {
  request_.on_behalf_of.assign(kMaxDelegationHops, {SubjectKind::kUser, "u2"});
  EXPECT_EQ(Check(), std::nullopt);
  request_.on_behalf_of.push_back({SubjectKind::kUser, "u2"});
  EXPECT_THAT(Check(), Optional(HasSubstr("at most 8")));
}

}  // namespace
}  // namespace ward::internal
