#include "ward/request.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr absl::string_view kExampleRequest = R"json(
{"subject": {"kind": "agent", "id": "a17"}, "action": "invoke",
 "resource": {"type": "tool", "id": "search"},
 "context": {"approved": false},
 "on_behalf_of": [{"kind": "user", "id": "u3"}],
 "now": "2026-12-01T00:00:00Z"})json";

std::string ErrorOf(absl::string_view json, const RequestLimits& limits = {}) {
  absl::StatusOr<Request> request = ParseRequestJson(json, limits);
  if (request.ok()) return "OK";
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument) << request.status();
  return std::string(request.status().message());
}

// The example request with `from` replaced by `to` (which must occur).
std::string Edited(absl::string_view from, absl::string_view to) {
  EXPECT_NE(kExampleRequest.find(from), absl::string_view::npos) << from;
  return absl::StrReplaceAll(kExampleRequest, {{from, to}});
}

TEST(ParseRequestJsonTest, ParsesTheExample) {
  absl::StatusOr<Request> request = ParseRequestJson(kExampleRequest);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->subject, (IdentityRef{SubjectKind::kAgent, "a17"}));
  EXPECT_EQ(request->action, "invoke");
  EXPECT_EQ(request->resource.type, "tool");
  EXPECT_EQ(request->resource.id, "search");
  EXPECT_TRUE(request->resource.attrs.empty());
  ASSERT_EQ(request->context.size(), 1u);
  EXPECT_EQ(request->context.at("approved"), Value::Bool(false));
  EXPECT_THAT(request->on_behalf_of, ElementsAre(IdentityRef{SubjectKind::kUser, "u3"}));
  EXPECT_EQ(request->now,
            absl::FromCivil(absl::CivilSecond(2026, 12, 1, 0, 0, 0), absl::UTCTimeZone()));
}

// `args` are the model's (the tool call's arguments); they are kept apart from the context,
// and as canonical JSON for approval digests.
TEST(ParseRequestJsonTest, ArgsAndApproval) {
  absl::StatusOr<Request> request = ParseRequestJson(
      R"({"subject": {"kind": "agent", "id": "a1"}, "action": "invoke",
          "resource": {"type": "tool", "id": "pay"},
          "args": {"to": "bob", "amount": 5, "memo": {"z": 1, "a": [2.5, null]}, "gone": null},
          "context": {"session": "s1"}, "approval": "a.b.c"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->args.at("amount"), Value::Int(5));
  EXPECT_EQ(request->args.at("to"), Value::String("bob"));
  EXPECT_EQ(request->args.count("gone"), 0u);  // null is absent
  EXPECT_EQ(request->args.count("session"), 0u);
  EXPECT_EQ(request->context.count("amount"), 0u);
  EXPECT_EQ(request->args_json,
            R"({"amount":5,"gone":null,"memo":{"a":[2.5,null],"z":1},"to":"bob"})");
  EXPECT_EQ(request->approval, "a.b.c");
}

TEST(ParseRequestJsonTest, ArgsAndApprovalErrors) {
  const std::string base =
      R"({"subject": {"kind": "user", "id": "u1"}, "action": "x", "resource": {"type": "t", "id": "i"})";
  EXPECT_EQ(ErrorOf(base + R"(, "args": [1]})"), "`args` must be an object, found an array");
  EXPECT_EQ(ErrorOf(base + R"(, "approval": 5})"),
            "`approval` must be a grant token (a string), found an int");
  EXPECT_EQ(ErrorOf(base + R"(, "approval": ""})"), "`approval` must not be empty");
  EXPECT_THAT(ErrorOf(absl::StrCat(base, R"(, "approval": ")", std::string(20000, 'x'), R"("})")),
              StartsWith("`approval` is 20000 bytes"));
  EXPECT_EQ(ErrorOf(base + R"(, "args": null})"), "OK");
}

TEST(SetArgsJsonTest, SetsBothForms) {
  Request request;
  ASSERT_TRUE(SetArgsJson(R"({"b": [3, 1], "a": true})", &request).ok());
  EXPECT_EQ(request.args.at("b"), Value::IntSet({1, 3}));
  EXPECT_EQ(request.args_json, R"({"a":true,"b":[3,1]})");  // the order as given
  ASSERT_TRUE(SetArgsJson("null", &request).ok());
  EXPECT_TRUE(request.args.empty());
  EXPECT_TRUE(request.args_json.empty());
  EXPECT_FALSE(SetArgsJson("[1]", &request).ok());
  EXPECT_FALSE(SetArgsJson("{", &request).ok());
}

TEST(ParseRequestJsonTest, MinimalRequest) {
  absl::StatusOr<Request> request = ParseRequestJson(
      R"({"subject": {"kind": "builder", "id": "b1"}, "action": "read",
          "resource": {"type": "dataset", "id": "vision/raw/1"}})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->subject.kind, SubjectKind::kBuilder);
  EXPECT_TRUE(request->context.empty());
  EXPECT_THAT(request->on_behalf_of, IsEmpty());
  EXPECT_EQ(request->now, std::nullopt);
}

TEST(ParseRequestJsonTest, NullOptionalFieldsAreAbsent) {
  absl::StatusOr<Request> request = ParseRequestJson(
      R"({"subject": {"kind": "user", "id": "u3"}, "action": "reveal",
          "resource": {"type": "data", "id": "pii", "attrs": null},
          "context": null, "on_behalf_of": null, "now": null})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->resource.attrs.empty());
  EXPECT_TRUE(request->context.empty());
  EXPECT_THAT(request->on_behalf_of, IsEmpty());
  EXPECT_EQ(request->now, std::nullopt);
}

TEST(ParseRequestJsonTest, ContextAndInlineAttributesKeepTheirShape) {
  absl::StatusOr<Request> request = ParseRequestJson(
      R"({"subject": {"kind": "user", "id": "u3"}, "action": "reveal",
          "resource": {"type": "data", "id": "pii",
                       "attrs": {"level": 3, "tags": ["b", "a"], "gone": null, "ratio": 0.5}},
          "context": {"approved": true, "output_tokens": 4000, "when": "2026-12-01T00:00:00Z",
                      "ids": [3, 1], "empty": [], "nested": {"a": 1}, "mixed": [1, "a"],
                      "missing": null}})");
  ASSERT_TRUE(request.ok()) << request.status();
  const AttributeMap& attrs = request->resource.attrs;
  EXPECT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs.at("level"), Value::Int(3));
  EXPECT_EQ(attrs.at("tags"), Value::StringSet({"a", "b"}));
  EXPECT_EQ(attrs.at("ratio"), Value::Opaque("a number with a fraction"));
  EXPECT_FALSE(attrs.contains("gone"));

  const AttributeMap& context = request->context;
  EXPECT_EQ(context.size(), 7u);
  EXPECT_EQ(context.at("approved"), Value::Bool(true));
  EXPECT_EQ(context.at("output_tokens"), Value::Int(4000));
  EXPECT_EQ(context.at("when"), Value::String("2026-12-01T00:00:00Z"));
  EXPECT_EQ(context.at("ids"), Value::IntSet({1, 3}));
  EXPECT_EQ(context.at("empty"), Value::StringSet({}));
  EXPECT_EQ(context.at("nested"), Value::Opaque("an object"));
  EXPECT_EQ(context.at("mixed"), Value::Opaque("a list of mixed values"));
  EXPECT_FALSE(context.contains("missing"));
}

TEST(ParseRequestJsonTest, ChainOfEightHops) {
  std::string chain;
  for (int i = 0; i < 8; ++i) {
    absl::StrAppend(&chain, i > 0 ? "," : "", R"({"kind": "agent", "id": "a)", i, R"("})");
  }
  absl::StatusOr<Request> request =
      ParseRequestJson(Edited(R"([{"kind": "user", "id": "u3"}])", "[" + chain + "]"));
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->on_behalf_of.size(), 8u);
  EXPECT_EQ(request->on_behalf_of[0].id, "a0");
  EXPECT_EQ(request->on_behalf_of[7].id, "a7");

  absl::StrAppend(&chain, R"(,{"kind": "user", "id": "u3"})");
  EXPECT_EQ(ErrorOf(Edited(R"([{"kind": "user", "id": "u3"}])", "[" + chain + "]")),
            "`on_behalf_of` has 9 entries; at most 8 are allowed");
}

TEST(ParseRequestJsonTest, MissingFields) {
  EXPECT_EQ(ErrorOf(R"({"action": "invoke", "resource": {"type": "tool", "id": "s"}})"),
            "missing required field `subject`");
  EXPECT_EQ(ErrorOf(Edited(R"("subject": {"kind": "agent", "id": "a17"})", R"("subject": null)")),
            "missing required field `subject`");
  EXPECT_EQ(ErrorOf(Edited(R"("action": "invoke",)", "")), "missing required field `action`");
  EXPECT_EQ(ErrorOf(Edited(R"("resource": {"type": "tool", "id": "search"},)", "")),
            "missing required field `resource`");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "agent", "id": "a17"})", R"({"id": "a17"})")),
            "missing required field `subject.kind`");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "agent", "id": "a17"})", R"({"kind": "agent"})")),
            "missing required field `subject.id`");
  EXPECT_EQ(ErrorOf(Edited(R"({"type": "tool", "id": "search"})", R"({"id": "search"})")),
            "missing required field `resource.type`");
  EXPECT_EQ(ErrorOf(Edited(R"({"type": "tool", "id": "search"})", R"({"type": "tool"})")),
            "missing required field `resource.id`");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "user", "id": "u3"})", R"({"kind": "user"})")),
            "missing required field `on_behalf_of[0].id`");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "user", "id": "u3"})", R"({"id": "u3"})")),
            "missing required field `on_behalf_of[0].kind`");
}

TEST(ParseRequestJsonTest, UnknownFields) {
  EXPECT_EQ(ErrorOf(Edited(R"("action": "invoke")", R"("action": "invoke", "foo": 1)")),
            "unknown top-level field `foo`");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "agent", "id": "a17"})",
                           R"({"kind": "agent", "id": "a17", "status": "active"})")),
            "unknown field `status` in `subject`");
  EXPECT_EQ(ErrorOf(Edited(R"({"type": "tool", "id": "search"})",
                           R"({"type": "tool", "id": "search", "foo": 1})")),
            "unknown field `foo` in `resource`");
  EXPECT_EQ(ErrorOf(Edited(R"([{"kind": "user", "id": "u3"}])",
                           R"([{"kind": "user", "id": "u3"}, {"kind": "user", "id": "u4",
                               "owner": "x"}])")),
            "unknown field `owner` in `on_behalf_of[1]`");
}

TEST(ParseRequestJsonTest, WrongTypes) {
  EXPECT_EQ(ErrorOf(Edited(R"("id": "a17")", R"("id": 17)")),
            "`subject.id` must be a string, found an int");
  EXPECT_EQ(ErrorOf(Edited(R"("kind": "agent")", R"("kind": ["agent"])")),
            "`subject.kind` must be a string, found an array");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "agent", "id": "a17"})", R"("a17")")),
            "`subject` must be an object, found a string");
  EXPECT_EQ(ErrorOf(Edited(R"("action": "invoke")", R"("action": ["invoke"])")),
            "`action` must be a string, found an array");
  EXPECT_EQ(ErrorOf(Edited(R"("action": "invoke")", R"("action": "")")),
            "`action` must not be empty");
  EXPECT_EQ(ErrorOf(Edited(R"({"type": "tool", "id": "search"})", "[]")),
            "`resource` must be an object, found an array");
  EXPECT_EQ(ErrorOf(Edited(R"("type": "tool")", R"("type": 1)")),
            "`resource.type` must be a string, found an int");
  EXPECT_EQ(ErrorOf(Edited(R"("id": "search")", R"("id": true)")),
            "`resource.id` must be a string, found a bool");
  EXPECT_EQ(ErrorOf(Edited(R"("id": "search")", R"("id": "search", "attrs": [1])")),
            "`resource.attrs` must be an object, found an array");
  EXPECT_EQ(ErrorOf(Edited(R"({"approved": false})", R"([false])")),
            "`context` must be an object, found an array");
  EXPECT_EQ(ErrorOf(Edited(R"([{"kind": "user", "id": "u3"}])", R"({"kind": "user"})")),
            "`on_behalf_of` must be an array, found an object");
  EXPECT_EQ(ErrorOf(Edited(R"([{"kind": "user", "id": "u3"}])", R"(["u3"])")),
            "`on_behalf_of[0]` must be an object, found a string");
  EXPECT_EQ(ErrorOf(Edited(R"({"kind": "user", "id": "u3"})", R"({"kind": "user", "id": 3})")),
            "`on_behalf_of[0].id` must be a string, found an int");
  EXPECT_EQ(ErrorOf(Edited(R"("id": "a17")", R"("id": "")")), "`subject.id` must not be empty");
  EXPECT_EQ(ErrorOf("[]"), "a request must be a JSON object, found an array");
}

TEST(ParseRequestJsonTest, UnknownSubjectKinds) {
  EXPECT_EQ(ErrorOf(Edited(R"("kind": "agent")", R"("kind": "robot")")),
            "unknown subject kind `robot` in `subject.kind`; expected user, agent or builder");
  EXPECT_EQ(ErrorOf(Edited(R"("kind": "agent")", R"("kind": "any")")),
            "unknown subject kind `any` in `subject.kind`; expected user, agent or builder");
  EXPECT_EQ(ErrorOf(Edited(R"("kind": "user")", R"("kind": "group")")),
            "unknown subject kind `group` in `on_behalf_of[0].kind`; expected user, agent or "
            "builder");
}

TEST(ParseRequestJsonTest, Now) {
  EXPECT_EQ(ErrorOf(Edited("2026-12-01T00:00:00Z", "2026-12-01")),
            "`now`: `2026-12-01` is not an RFC 3339 timestamp");
  EXPECT_EQ(ErrorOf(Edited("2026-12-01T00:00:00Z", "2026-13-01T00:00:00Z")),
            "`now`: `2026-13-01T00:00:00Z` is not an RFC 3339 timestamp");
  EXPECT_EQ(ErrorOf(Edited(R"("2026-12-01T00:00:00Z")", "1764547200")),
            "`now` must be an RFC 3339 string, found an int");
  absl::StatusOr<Request> request =
      ParseRequestJson(Edited("2026-12-01T00:00:00Z", "2026-12-01T01:00:00.25+01:00"));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->now,
            absl::FromCivil(absl::CivilSecond(2026, 12, 1, 0, 0, 0), absl::UTCTimeZone()) +
                absl::Milliseconds(250));
}

TEST(ParseRequestJsonTest, Limits) {
  RequestLimits limits;
  limits.max_json_depth = 2;
  EXPECT_EQ(ErrorOf(kExampleRequest, limits), "JSON nested deeper than 2 levels");
  limits.max_json_depth = 3;  // the chain entries are three deep
  EXPECT_EQ(ErrorOf(kExampleRequest, limits), "OK");

  std::string deep_context = Edited(R"({"approved": false})",
                                    "{\"x\": " + std::string(40, '[') + std::string(40, ']') + "}");
  EXPECT_EQ(ErrorOf(deep_context), "JSON nested deeper than 32 levels");

  limits = RequestLimits();
  limits.max_bytes = 50;
  EXPECT_EQ(ErrorOf(kExampleRequest, limits),
            absl::StrCat("input is ", kExampleRequest.size(), " bytes; the limit is 50"));
}

TEST(ParseRequestJsonTest, InvalidJson) {
  EXPECT_THAT(ErrorOf("{\"subject\": {\"kind\": \"agent\", \"id\": \"a17\"},\n\"action\": }"),
              StartsWith("invalid JSON at line 2, column 11"));
  EXPECT_THAT(ErrorOf(""), StartsWith("invalid JSON at line 1, column 1"));
  EXPECT_EQ(ErrorOf(Edited(R"("action": "invoke")", R"("action": "invoke", "action": "read")")),
            "invalid JSON: duplicate key `action` in an object");
}

TEST(ParseJsonValueTest, Shapes) {
  absl::StatusOr<std::optional<Value>> value = ParseJsonValue(R"(["b", "a"])");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, Value::StringSet({"a", "b"}));
  value = ParseJsonValue("12");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, Value::Int(12));
  value = ParseJsonValue("null");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, std::nullopt);
  value = ParseJsonValue("{\"a\": 1}");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, Value::Opaque("an object"));
  value = ParseJsonValue("[1,");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(value.status().message()), StartsWith("invalid JSON at line 1"));
}

}  // namespace
}  // namespace ward
