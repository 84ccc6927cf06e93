#include "lib/internal/json_util.h"

#include <iterator>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward::internal {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

json Parse(absl::string_view text) {
  absl::StatusOr<json> parsed = ParseJson(text, 1 << 20, 32);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *parsed : json();
}

std::string Nested(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(ParseJsonTest, ParsesValues) {
  json j = Parse(R"({"a": [1, "x", true, null], "b": {"c": -2}})");
  EXPECT_EQ(j["a"][1], "x");
  EXPECT_EQ(j["b"]["c"], -2);
  EXPECT_EQ(Parse("7"), json(7));
  EXPECT_EQ(Parse("  \"s\"  "), json("s"));
}

TEST(ParseJsonTest, SizeCapIsCheckedBeforeParsing) {
  std::string text(2000000, ' ');  // not even valid JSON: the size is checked first
  absl::StatusOr<json> parsed = ParseJson(text, 1048576, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "input is 2000000 bytes; the limit is 1048576");
  EXPECT_TRUE(ParseJson("[1, 2]", 6, 32).ok());
  EXPECT_FALSE(ParseJson("[1, 2]", 5, 32).ok());
}

TEST(ParseJsonTest, DepthCap) {
  EXPECT_TRUE(ParseJson(Nested(32), 1 << 20, 32).ok());
  absl::StatusOr<json> parsed = ParseJson(Nested(33), 1 << 20, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "JSON nested deeper than 32 levels");

  EXPECT_TRUE(ParseJson(R"({"a": {"b": 1}})", 1 << 20, 2).ok());
  parsed = ParseJson(R"({"a": [{"b": 1}]})", 1 << 20, 2);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "JSON nested deeper than 2 levels");
  // Scalars have no depth.
  EXPECT_TRUE(ParseJson("1", 10, 0).ok());
  EXPECT_FALSE(ParseJson("[]", 10, 0).ok());
}

TEST(ParseJsonTest, VeryDeepInputFailsWithoutCrashing) {
  std::string text(500000, '[');
  absl::StatusOr<json> parsed = ParseJson(text, 1 << 20, 64);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "JSON nested deeper than 64 levels");
}

TEST(ParseJsonTest, SyntaxErrorsCarryLineAndColumn) {
  absl::StatusOr<json> parsed = ParseJson("{\n  \"a\": 1,\n  \"b\": }", 1 << 20, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()),
              StartsWith("invalid JSON at line 3, column 8"));

  parsed = ParseJson("", 100, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              StartsWith("invalid JSON at line 1, column 1"));

  parsed = ParseJson("[1, 2] x", 100, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              StartsWith("invalid JSON at line 1, column 8"));

  parsed = ParseJson("// comment\n1", 100, 32);
  EXPECT_FALSE(parsed.ok());
  parsed = ParseJson("[1,]", 100, 32);
  EXPECT_FALSE(parsed.ok());
}

TEST(ParseJsonTest, RejectsInvalidUtf8InStrings) {
  absl::StatusOr<json> parsed = ParseJson("[\"a\xff\"]", 100, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("invalid JSON at line 1"));
}

TEST(ParseJsonTest, RejectsRepeatedKeys) {
  absl::StatusOr<json> parsed = ParseJson(R"({"a": 1, "b": {"a": 2}, "a": 3})", 100, 32);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "invalid JSON: duplicate key `a` in an object");
  // The same key in sibling objects is fine.
  EXPECT_TRUE(ParseJson(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}}])", 100, 32).ok());
}

TEST(JsonToValueTest, Shapes) {
  EXPECT_EQ(JsonToValue(Parse(R"("hr")")), Value::String("hr"));
  EXPECT_EQ(JsonToValue(Parse("42")), Value::Int(42));
  EXPECT_EQ(JsonToValue(Parse("-42")), Value::Int(-42));
  EXPECT_EQ(JsonToValue(Parse("9223372036854775807")), Value::Int(INT64_MAX));
  EXPECT_EQ(JsonToValue(Parse("-9223372036854775808")), Value::Int(INT64_MIN));
  EXPECT_EQ(JsonToValue(Parse("true")), Value::Bool(true));
  EXPECT_EQ(JsonToValue(Parse("false")), Value::Bool(false));
  EXPECT_EQ(JsonToValue(Parse(R"(["b", "a", "b"])")), Value::StringSet({"a", "b"}));
  EXPECT_EQ(JsonToValue(Parse("[3, 1, 3]")), Value::IntSet({1, 3}));
  EXPECT_EQ(JsonToValue(Parse("[]")), Value::StringSet({}));
  EXPECT_EQ(JsonToValue(Parse("null")), std::nullopt);
  // A timestamp-looking string stays a string: context is not validated.
  EXPECT_EQ(JsonToValue(Parse(R"("2026-12-01T00:00:00Z")")), Value::String("2026-12-01T00:00:00Z"));
}

TEST(JsonToValueTest, OpaqueShapes) {
  EXPECT_EQ(JsonToValue(Parse("1.5")), Value::Opaque("a number with a fraction"));
  EXPECT_EQ(JsonToValue(Parse("1.0")), Value::Opaque("a number with a fraction"));
  EXPECT_EQ(JsonToValue(Parse("1e3")), Value::Opaque("a number with a fraction"));
  EXPECT_EQ(JsonToValue(Parse("9223372036854775808")), Value::Opaque("an integer out of range"));
  EXPECT_EQ(JsonToValue(Parse("18446744073709551615")), Value::Opaque("an integer out of range"));
  EXPECT_EQ(JsonToValue(Parse("100000000000000000000000")),
            Value::Opaque("an integer out of range"));
  EXPECT_EQ(JsonToValue(Parse("-9223372036854775809")), Value::Opaque("an integer out of range"));
  EXPECT_EQ(JsonToValue(Parse(R"({"a": 1})")), Value::Opaque("an object"));
  EXPECT_EQ(JsonToValue(Parse("{}")), Value::Opaque("an object"));
  EXPECT_EQ(JsonToValue(Parse(R"(["a", 1])")), Value::Opaque("a list of mixed values"));
  EXPECT_EQ(JsonToValue(Parse(R"(["a", null])")), Value::Opaque("a list of mixed values"));
  EXPECT_EQ(JsonToValue(Parse("[1, 9223372036854775808]")),
            Value::Opaque("a list of mixed values"));
  EXPECT_EQ(JsonToValue(Parse("[true, false]")), Value::Opaque("a list of bools"));
  EXPECT_EQ(JsonToValue(Parse("[1.5]")), Value::Opaque("a list of numbers with a fraction"));
  EXPECT_EQ(JsonToValue(Parse("[[1], [2]]")), Value::Opaque("a list of lists"));
  EXPECT_EQ(JsonToValue(Parse(R"([{}])")), Value::Opaque("a list of objects"));
  EXPECT_EQ(JsonToValue(Parse("[null]")), Value::Opaque("a list of nulls"));
}

TEST(JsonToTypedValueTest, ExactTypes) {
  EXPECT_EQ(*JsonToTypedValue(Parse(R"("x")"), Type::kString), Value::String("x"));
  EXPECT_EQ(*JsonToTypedValue(Parse("-3"), Type::kInt), Value::Int(-3));
  EXPECT_EQ(*JsonToTypedValue(Parse("true"), Type::kBool), Value::Bool(true));
  EXPECT_EQ(*JsonToTypedValue(Parse(R"("2026-12-01T00:00:00Z")"), Type::kTimestamp),
            Value::Timestamp(
                absl::FromCivil(absl::CivilSecond(2026, 12, 1, 0, 0, 0), absl::UTCTimeZone())));
  EXPECT_EQ(*JsonToTypedValue(Parse(R"(["b", "a"])"), Type::kStringSet),
            Value::StringSet({"a", "b"}));
  EXPECT_EQ(*JsonToTypedValue(Parse("[2, 1, 2]"), Type::kIntSet), Value::IntSet({1, 2}));
  EXPECT_EQ(*JsonToTypedValue(Parse("[]"), Type::kStringSet), Value::StringSet({}));
  EXPECT_EQ(*JsonToTypedValue(Parse("[]"), Type::kIntSet), Value::IntSet({}));
}

TEST(JsonToTypedValueTest, Mismatches) {
  struct Case {
    const char* json;
    Type type;
    const char* message;
  };
  const Case cases[] = {
      {"1", Type::kString, "expected string, found an int"},
      {R"("1")", Type::kInt, "expected int, found a string"},
      {"1.5", Type::kInt, "expected int, found a number with a fraction"},
      {"9223372036854775808", Type::kInt, "expected int, found an integer out of range"},
      {"1", Type::kBool, "expected bool, found an int"},
      {R"("true")", Type::kBool, "expected bool, found a string"},
      {"1764547200", Type::kTimestamp, "expected timestamp, found an int"},
      {R"("2026-13-01")", Type::kTimestamp, "`2026-13-01` is not an RFC 3339 timestamp"},
      {"1", Type::kStringSet, "expected set<string>, found an int"},
      {R"("a")", Type::kStringSet, "expected set<string>, found a string"},
      {"[1, 2]", Type::kStringSet, "expected set<string>, found a set of ints"},
      {R"(["a", 1])", Type::kStringSet, "expected set<string>, found a list of mixed values"},
      {R"(["a"])", Type::kIntSet, "expected set<int>, found a set of strings"},
      {R"({"a": 1})", Type::kIntSet, "expected set<int>, found an object"},
      {"null", Type::kString, "expected string, found null"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Value> v = JsonToTypedValue(Parse(c.json), c.type);
    ASSERT_FALSE(v.ok()) << c.json << " as " << TypeName(c.type);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(v.status().message(), c.message) << c.json;
  }
}

TEST(JsonKindDescriptionTest, Kinds) {
  EXPECT_EQ(JsonKindDescription(Parse("null")), "null");
  EXPECT_EQ(JsonKindDescription(Parse("true")), "a bool");
  EXPECT_EQ(JsonKindDescription(Parse("1")), "an int");
  EXPECT_EQ(JsonKindDescription(Parse("-1")), "an int");
  EXPECT_EQ(JsonKindDescription(Parse("1.5")), "a number with a fraction");
  EXPECT_EQ(JsonKindDescription(Parse("\"s\"")), "a string");
  EXPECT_EQ(JsonKindDescription(Parse("[]")), "an array");
  EXPECT_EQ(JsonKindDescription(Parse("{}")), "an object");
}

TEST(JsonQuoteTest, QuotesAndNeverThrows) {
  EXPECT_EQ(JsonQuote("a"), "\"a\"");
  EXPECT_EQ(JsonQuote("say \"hi\"\n"), R"("say \"hi\"\n")");
  EXPECT_EQ(JsonQuote(std::string("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(JsonQuote("bad\xff\xfe"), "\"bad\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(JsonQuote("\xc3"), "\"\xef\xbf\xbd\"");  // truncated sequence
}

// The direct writer must agree with nlohmann's serializer, which the JSON readers of every
// binding parse back: random bytes (mostly invalid UTF-8), random code points (valid UTF-8,
// including controls, quotes, backslashes, surrogate neighbours and the top of the range).
TEST(JsonQuoteTest, AgreesWithNlohmann) {
  auto reference = [](const std::string& text) {
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 12);
    if (i % 2 == 0) {
      for (int j = 0; j < length; ++j) text.push_back(static_cast<char>(random() & 0xFF));
    } else {
      static constexpr uint32_t kEdges[] = {0x0,    0x1f,   0x22,    0x5c,    0x7f,
                                            0x80,   0x7ff,  0x800,   0xd7ff,  0xe000,
                                            0xfffd, 0xffff, 0x10000, 0x10ffff};
      for (int j = 0; j < length; ++j) {
        uint32_t code = random() % 3 == 0 ? kEdges[random() % std::size(kEdges)]
                                          : static_cast<uint32_t>(random() % 0x110000);
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
        if (code < 0x80) {
          text.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
          text.push_back(static_cast<char>(0xC0 | (code >> 6)));
          text.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
          text.push_back(static_cast<char>(0xE0 | (code >> 12)));
          text.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          text.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
          text.push_back(static_cast<char>(0xF0 | (code >> 18)));
          text.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
          text.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          text.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
      }
    }
    ASSERT_EQ(JsonQuote(text), reference(text)) << testing::PrintToString(text);
  }
  // Overlong forms, surrogates and code points above U+10FFFF are invalid UTF-8.
  for (const std::string text : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                 "\xf0\x80\x80\xaf", "\xf5\x80\x80\x80"}) {
    EXPECT_EQ(JsonQuote(text), reference(text)) << testing::PrintToString(text);
  }
}

TEST(JsonForMessageTest, CompactAndAbbreviated) {
  EXPECT_EQ(JsonForMessage(Parse(R"({"a": [1, 2]})")), R"({"a":[1,2]})");
  std::string long_text = JsonForMessage(json(std::string(500, 'x')), 20);
  EXPECT_EQ(long_text, "\"" + std::string(19, 'x') + "...");
}

TEST(AbbreviateTest, CutsOnCharacterBoundaries) {
  EXPECT_EQ(Abbreviate("short", 10), "short");
  EXPECT_EQ(Abbreviate("abcdef", 3), "abc...");
  // "é" is two bytes: a cut inside it backs up before it.
  EXPECT_EQ(Abbreviate("ab\xc3\xa9z", 3), "ab...");
  EXPECT_EQ(Abbreviate("ab\xc3\xa9z", 4), "ab\xc3\xa9...");
}

}  // namespace
}  // namespace ward::internal
