#include "ward/value.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/ir.h"
#include "ward/schema.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Time Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         absl::UTCTimeZone());
}

TEST(ValueTest, SetsAreSortedAndDeduplicated) {
  Value strings = Value::StringSet({"b", "a", "c", "a", "b"});
  EXPECT_EQ(strings.kind(), Value::Kind::kStringSet);
  EXPECT_THAT(strings.string_set(), ElementsAre("a", "b", "c"));
  Value ints = Value::IntSet({3, -1, 3, 2, -1});
  EXPECT_EQ(ints.kind(), Value::Kind::kIntSet);
  EXPECT_THAT(ints.int_set(), ElementsAre(-1, 2, 3));
  EXPECT_EQ(Value::StringSet({"x", "y"}), Value::StringSet({"y", "x", "y"}));
}

TEST(ValueTest, DefaultIsFalse) {
  Value v;
  EXPECT_EQ(v.kind(), Value::Kind::kBool);
  EXPECT_FALSE(v.bool_value());
}

TEST(ValueTest, HasTypeIsExact) {
  EXPECT_TRUE(Value::String("x").HasType(Type::kString));
  EXPECT_FALSE(Value::String("x").HasType(Type::kTimestamp));
  EXPECT_TRUE(Value::Int(1).HasType(Type::kInt));
  EXPECT_FALSE(Value::Int(1).HasType(Type::kBool));
  EXPECT_TRUE(Value::Bool(true).HasType(Type::kBool));
  EXPECT_TRUE(Value::Timestamp(absl::UnixEpoch()).HasType(Type::kTimestamp));
  EXPECT_TRUE(Value::StringSet({}).HasType(Type::kStringSet));
  EXPECT_FALSE(Value::StringSet({}).HasType(Type::kIntSet));
  EXPECT_TRUE(Value::IntSet({1}).HasType(Type::kIntSet));
  for (Type type : {Type::kString, Type::kInt, Type::kBool, Type::kTimestamp, Type::kStringSet,
                    Type::kIntSet}) {
    EXPECT_FALSE(Value::Opaque("an object").HasType(type)) << TypeName(type);
  }
}

TEST(ValueTest, ConvertToSameKindIsIdentity) {
  absl::StatusOr<Value> v = Value::Int(7).ConvertTo(Type::kInt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, Value::Int(7));
  v = Value::StringSet({"a"}).ConvertTo(Type::kStringSet);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::StringSet({"a"}));
}

TEST(ValueTest, ConvertStringToTimestamp) {
  absl::StatusOr<Value> v = Value::String("2026-12-01T00:00:00Z").ConvertTo(Type::kTimestamp);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, Value::Timestamp(Utc(2026, 12, 1)));

  v = Value::String("2026-13-01").ConvertTo(Type::kTimestamp);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(), "`2026-13-01` is not an RFC 3339 timestamp");
}

TEST(ValueTest, EmptySetConvertsToTheOtherSetType) {
  absl::StatusOr<Value> v = Value::StringSet({}).ConvertTo(Type::kIntSet);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::IntSet({}));
  v = Value::IntSet({}).ConvertTo(Type::kStringSet);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::StringSet({}));
  v = Value::StringSet({"a"}).ConvertTo(Type::kIntSet);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "expected set<int>, found a set of strings");
}

TEST(ValueTest, ConvertMismatchMessages) {
  EXPECT_EQ(Value::String("3").ConvertTo(Type::kInt).status().message(),
            "expected int, found a string");
  EXPECT_EQ(Value::Int(3).ConvertTo(Type::kString).status().message(),
            "expected string, found an int");
  EXPECT_EQ(Value::Bool(true).ConvertTo(Type::kTimestamp).status().message(),
            "expected timestamp, found a bool");
  EXPECT_EQ(Value::Timestamp(absl::UnixEpoch()).ConvertTo(Type::kString).status().message(),
            "expected string, found a timestamp");
  EXPECT_EQ(Value::IntSet({1}).ConvertTo(Type::kInt).status().message(),
            "expected int, found a set of ints");
  EXPECT_EQ(Value::Opaque("a number with a fraction").ConvertTo(Type::kInt).status().message(),
            "expected int, found a number with a fraction");
}

TEST(ValueTest, DebugString) {
  EXPECT_EQ(Value::String("hr").DebugString(), "\"hr\"");
  EXPECT_EQ(Value::String("a\"b\\c\n").DebugString(), R"("a\"b\\c\n")");
  EXPECT_EQ(Value::String("d\xc3\xa9j\xc3\xa0").DebugString(), "\"d\xc3\xa9j\xc3\xa0\"");
  EXPECT_EQ(Value::String("bad\xff").DebugString(), "\"bad\xef\xbf\xbd\"");
  EXPECT_EQ(Value::Int(-42).DebugString(), "-42");
  EXPECT_EQ(Value::Bool(true).DebugString(), "true");
  EXPECT_EQ(Value::Bool(false).DebugString(), "false");
  EXPECT_EQ(Value::Timestamp(Utc(2026, 12, 1)).DebugString(), "2026-12-01T00:00:00Z");
  EXPECT_EQ(Value::StringSet({"b", "a"}).DebugString(), R"(["a", "b"])");
  EXPECT_EQ(Value::StringSet({}).DebugString(), "[]");
  EXPECT_EQ(Value::IntSet({2, 1}).DebugString(), "[1, 2]");
  EXPECT_EQ(Value::Opaque("a number with a fraction").DebugString(), "<a number with a fraction>");
}

TEST(ValueTest, KindDescription) {
  EXPECT_EQ(Value::String("").KindDescription(), "a string");
  EXPECT_EQ(Value::Int(0).KindDescription(), "an int");
  EXPECT_EQ(Value::Bool(false).KindDescription(), "a bool");
  EXPECT_EQ(Value::Timestamp(absl::UnixEpoch()).KindDescription(), "a timestamp");
  EXPECT_EQ(Value::StringSet({}).KindDescription(), "a set of strings");
  EXPECT_EQ(Value::IntSet({}).KindDescription(), "a set of ints");
  EXPECT_EQ(Value::Opaque("an object").KindDescription(), "an object");
}

TEST(ValueTest, TypeNames) {
  EXPECT_EQ(TypeName(Type::kString), "string");
  EXPECT_EQ(TypeName(Type::kInt), "int");
  EXPECT_EQ(TypeName(Type::kBool), "bool");
  EXPECT_EQ(TypeName(Type::kTimestamp), "timestamp");
  EXPECT_EQ(TypeName(Type::kStringSet), "set<string>");
  EXPECT_EQ(TypeName(Type::kIntSet), "set<int>");
}

TEST(ValueTest, EqualityComparesKindAndValue) {
  EXPECT_EQ(Value::Int(1), Value::Int(1));
  EXPECT_NE(Value::Int(1), Value::Int(2));
  EXPECT_NE(Value::String("1"), Value::Int(1));
  EXPECT_NE(Value::StringSet({}), Value::IntSet({}));
  EXPECT_EQ(Value::Opaque("an object"), Value::Opaque("an object"));
}

struct TimestampCase {
  const char* text;
  absl::Time expected;
};

TEST(TimestampTest, AcceptsRfc3339Forms) {
  const TimestampCase cases[] = {
      {"2026-12-01T00:00:00Z", Utc(2026, 12, 1)},
      {"2026-12-01t00:00:00z", Utc(2026, 12, 1)},  // RFC 3339 allows lower case
      {"2026-12-01T01:30:00+01:30", Utc(2026, 12, 1)},
      {"2026-11-30T19:00:00-05:00", Utc(2026, 12, 1)},
      {"2026-12-01T00:00:00-00:00", Utc(2026, 12, 1)},
      {"2026-12-01T00:00:00.5Z", Utc(2026, 12, 1) + absl::Milliseconds(500)},
      {"2026-12-01T00:00:00.000Z", Utc(2026, 12, 1)},
      {"2026-12-01T00:00:00.123456789Z", Utc(2026, 12, 1) + absl::Nanoseconds(123456789)},
      {"2026-12-01T02:00:00.25+02:00", Utc(2026, 12, 1) + absl::Milliseconds(250)},
      {"2024-02-29T23:59:59Z", Utc(2024, 2, 29, 23, 59, 59)},
      {"0001-01-01T00:00:00Z", Utc(1, 1, 1)},
      // The grammar of RFC 3339 allows a leap second; absl folds it into the next second.
      {"2026-12-31T23:59:60Z", Utc(2027, 1, 1)},
      // Digits beyond nanoseconds are dropped.
      {"2026-12-01T00:00:00.1234567899Z", Utc(2026, 12, 1) + absl::Nanoseconds(123456789)},
  };
  for (const TimestampCase& c : cases) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(c.text);
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.status();
    EXPECT_EQ(*t, c.expected) << c.text;
  }
}

TEST(TimestampTest, RejectsEverythingElse) {
  const char* cases[] = {
      "",
      "2026-12-01",                    // date only
      "2026-12-01T00:00:00",           // no offset
      "2026-12-01T00:00Z",             // no seconds
      "2026-12-01 00:00:00Z",          // space instead of T
      " 2026-12-01T00:00:00Z",         // leading space
      "2026-12-01T00:00:00Z ",         // trailing space
      "2026-12-01T00:00:00+0100",      // offset without colon
      "2026-12-01T00:00:00+01",        // offset without minutes
      "2026-12-01T00:00:00+01:00:00",  // offset with seconds
      "2026-12-01T00:00:00+24:00",     // offset out of range
      "2026-12-01T00:00:00.Z",         // empty fraction
      "2026-12-01T00:00:00,5Z",        // comma fraction
      "2026-13-01T00:00:00Z",          // month 13
      "2026-02-30T00:00:00Z",          // February 30
      "2026-12-01T24:00:00Z",          // hour 24
      "2026-12-01T00:60:00Z",          // minute 60
      "2026-1-1T00:00:00Z",            // short fields
      "26-12-01T00:00:00Z",            // two-digit year
      "12026-12-01T00:00:00Z",         // five-digit year
      "-2026-12-01T00:00:00Z",         // sign
      "+2026-12-01T00:00:00Z",         // sign
      "infinite-future",               // absl's own spelling
      "2026-12-01T00:00:00ZZ",         // trailing garbage
      "2026-12-01T00:00:00Z\n",        // trailing newline
      "1764547200",                    // epoch seconds
  };
  for (const char* text : cases) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(text);
    EXPECT_FALSE(t.ok()) << "accepted `" << text << "`";
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(t.status().message()), HasSubstr("is not an RFC 3339 timestamp"));
    }
  }
  EXPECT_EQ(ParseTimestamp("2026-12-01").status().message(),
            "`2026-12-01` is not an RFC 3339 timestamp");
}

TEST(TimestampTest, LongInputIsAbbreviatedInTheMessage) {
  std::string text(1000, 'x');
  absl::StatusOr<absl::Time> t = ParseTimestamp(text);
  ASSERT_FALSE(t.ok());
  EXPECT_LT(t.status().message().size(), 120u);
}

TEST(TimestampTest, FormatIsUtcWithFractionOnlyWhenPresent) {
  EXPECT_EQ(FormatTimestamp(Utc(2026, 12, 1)), "2026-12-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(Utc(2026, 12, 1) + absl::Milliseconds(500)), "2026-12-01T00:00:00.5Z");
  EXPECT_EQ(FormatTimestamp(Utc(2026, 12, 1) + absl::Nanoseconds(1)),
            "2026-12-01T00:00:00.000000001Z");
  absl::StatusOr<absl::Time> t = ParseTimestamp("2026-12-01T05:30:00+05:30");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2026-12-01T00:00:00Z");
}

TEST(TimestampTest, FormatParsesBack) {
  for (absl::Time t : {Utc(1970, 1, 1), Utc(2026, 12, 1, 13, 14, 15) + absl::Microseconds(7),
                       Utc(9999, 12, 31, 23, 59, 59)}) {
    absl::StatusOr<absl::Time> back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.ok()) << FormatTimestamp(t);
    EXPECT_EQ(*back, t);
  }
}

TEST(SchemaTest, SubjectKindNames) {
  EXPECT_EQ(SubjectKindName(SubjectKind::kUser), "user");
  EXPECT_EQ(SubjectKindName(SubjectKind::kAgent), "agent");
  EXPECT_EQ(SubjectKindName(SubjectKind::kBuilder), "builder");
  for (SubjectKind kind : kAllSubjectKinds) {
    EXPECT_EQ(ParseSubjectKind(SubjectKindName(kind)), kind);
  }
  EXPECT_EQ(ParseSubjectKind("any"), std::nullopt);
  EXPECT_EQ(ParseSubjectKind("User"), std::nullopt);
  EXPECT_EQ(ParseSubjectKind(""), std::nullopt);
}

TEST(SchemaTest, BuiltinSubjectAttributes) {
  EXPECT_EQ(BuiltinSubjectAttributeType("id"), Type::kString);
  EXPECT_EQ(BuiltinSubjectAttributeType("owner"), Type::kString);
  EXPECT_EQ(BuiltinSubjectAttributeType("status"), Type::kString);
  EXPECT_EQ(BuiltinSubjectAttributeType("expires_at"), Type::kTimestamp);
  EXPECT_EQ(BuiltinSubjectAttributeType("groups"), Type::kStringSet);
  EXPECT_EQ(BuiltinSubjectAttributeType("clearance"), std::nullopt);
}

Schema ExampleSchema() {
  Schema schema;
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kUser)] = {
      {"department", {Type::kString, /*optional=*/true, {}}},
      {"clearance", {Type::kInt, /*optional=*/true, {}}}};
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kAgent)] = {
      {"task_scope", {Type::kStringSet, /*optional=*/true, {}}}};
  schema.resource_types["tool"] = {{"risk", {Type::kString, /*optional=*/true, {}}},
                                   {"min_clearance", {Type::kInt, /*optional=*/true, {}}}};
  schema.resource_types["data"] = {{"level", {Type::kInt, /*optional=*/true, {}}}};
  schema.actions["invoke"] = {"tool"};
  schema.actions["read"] = {"dataset", "data"};
  return schema;
}

TEST(SchemaTest, Lookups) {
  Schema schema = ExampleSchema();
  EXPECT_TRUE(schema.ActionAppliesTo("invoke", "tool"));
  EXPECT_TRUE(schema.ActionAppliesTo("read", "data"));
  EXPECT_FALSE(schema.ActionAppliesTo("invoke", "data"));
  EXPECT_FALSE(schema.ActionAppliesTo("reveal", "data"));

  EXPECT_EQ(schema.SubjectAttributeType(SubjectKind::kUser, "clearance"), Type::kInt);
  EXPECT_EQ(schema.SubjectAttributeType(SubjectKind::kUser, "groups"), Type::kStringSet);
  EXPECT_EQ(schema.SubjectAttributeType(SubjectKind::kAgent, "expires_at"), Type::kTimestamp);
  EXPECT_EQ(schema.SubjectAttributeType(SubjectKind::kAgent, "clearance"), std::nullopt);
  EXPECT_EQ(schema.SubjectAttributeType(SubjectKind::kBuilder, "owner"), Type::kString);

  EXPECT_EQ(schema.ResourceAttributeType("tool", "id"), Type::kString);
  EXPECT_EQ(schema.ResourceAttributeType("tool", "risk"), Type::kString);
  EXPECT_EQ(schema.ResourceAttributeType("data", "level"), Type::kInt);
  EXPECT_EQ(schema.ResourceAttributeType("data", "risk"), std::nullopt);
  EXPECT_EQ(schema.ResourceAttributeType("dataset", "id"), std::nullopt);  // undeclared type
}

TEST(IrTest, Names) {
  EXPECT_EQ(internal::RootName(internal::Root::kSubject), "subject");
  EXPECT_EQ(internal::RootName(internal::Root::kResource), "resource");
  EXPECT_EQ(internal::RootName(internal::Root::kContext), "context");
  EXPECT_EQ(internal::RootName(internal::Root::kDelegator), "delegator");
  EXPECT_EQ(internal::RuleEffectKeyword(internal::RuleEffect::kPermit), "permit");
  EXPECT_EQ(internal::RuleEffectKeyword(internal::RuleEffect::kForbid), "forbid");
  EXPECT_EQ(internal::RuleEffectKeyword(internal::RuleEffect::kRequireApproval),
            "require_approval");
}

}  // namespace
}  // namespace ward
