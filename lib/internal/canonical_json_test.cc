#include "lib/internal/canonical_json.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/internal/json_util.h"

namespace ward::internal {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

json Parse(absl::string_view text) {
  absl::StatusOr<json> parsed = ParseJson(text, 1 << 20, 64);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *parsed : json();
}

std::string Canonical(const json& value) {
  absl::StatusOr<std::string> text = CanonicalJson(value);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "<error>";
}

std::string CanonicalOf(absl::string_view text) { return Canonical(Parse(text)); }

double FromBits(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

std::string String(absl::string_view utf8) {
  std::string out;
  AppendCanonicalString(utf8, &out);
  return out;
}

TEST(CanonicalJsonTest, Rfc8785Section322Example) {
  // RFC 8785 §3.2.2: the input, then its canonical form (§3.2.3 and 3.2.4).
  const std::string input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(CanonicalOf(input),
            "{\"literals\":[null,true,false],"
            "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(CanonicalJsonTest, Rfc8785AppendixBNumbers) {
  struct Case {
    uint64_t bits;
    const char* expected;
  };
  const Case cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},  // -0
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Canonical(json(FromBits(c.bits))), c.expected) << std::hex << c.bits;
  }
}

TEST(CanonicalJsonTest, NumbersFromText) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"1e30", "1e+30"},
      {"1E+30", "1e+30"},
      {"4.50", "4.5"},
      {"0.002", "0.002"},
      {"2e-3", "0.002"},
      {"1e-7", "1e-7"},
      {"0.0000001", "1e-7"},
      {"1.5e-7", "1.5e-7"},
      {"0.000001", "0.000001"},
      {"0.0000015", "0.0000015"},
      {"333333333.33333329", "333333333.3333333"},
      {"1e23", "1e+23"},
      {"1e21", "1e+21"},
      {"1e20", "100000000000000000000"},
      {"123456789012345680000.0", "123456789012345680000"},
      {"9007199254740992.0", "9007199254740992"},
      {"295147905179352830000.0", "295147905179352830000"},
      {"1.0", "1"},
      {"-1.0", "-1"},
      {"100.0", "100"},
      {"-0.0", "0"},
      {"0.0", "0"},
      {"0.1", "0.1"},
      {"-0.5", "-0.5"},
      {"123.456", "123.456"},
      {"1.23e-18", "1.23e-18"},
      {"5e-324", "5e-324"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"12345678901234567890.0", "12345678901234567000"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CanonicalOf(c.text), c.expected) << c.text;
  }
}

TEST(CanonicalJsonTest, IntegersAreExact) {
  EXPECT_EQ(CanonicalOf("0"), "0");
  EXPECT_EQ(CanonicalOf("-0"), "0");
  EXPECT_EQ(CanonicalOf("42"), "42");
  EXPECT_EQ(CanonicalOf("-17"), "-17");
  EXPECT_EQ(CanonicalOf("9007199254740993"), "9007199254740993");  // 2^53 + 1
  EXPECT_EQ(CanonicalOf("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(CanonicalOf("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(CanonicalOf("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Canonical(json(std::numeric_limits<uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(Canonical(json(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(CanonicalOf("[1e2, 100]"), "[100,100]");
}

TEST(CanonicalJsonTest, NonFiniteNumbersAreRefused) {
  for (double value :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    absl::StatusOr<std::string> text = CanonicalJson(json::array({1, value}));
    ASSERT_FALSE(text.ok()) << value;
    EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(text.status().message(), HasSubstr("has no JSON form"));
  }
  EXPECT_EQ(CanonicalJson(json(std::nan(""))).status().message(),
            "the number NaN has no JSON form");
}

TEST(CanonicalJsonTest, Rfc8785Section323Sorting) {
  // The member names of RFC 8785 §3.2.3, in UTF-16 code unit order. U+1F600 (the surrogate
  // pair D83D DE00) sorts before U+FB33, which UTF-8 byte order would put first.
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(CanonicalOf(input),
            "{\"\\r\":\"Carriage Return\","
            "\"1\":\"One\","
            "\"\xC2\x80\":\"Control\","
            "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
            "\"\xE2\x82\xAC\":\"Euro Sign\","
            "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJsonTest, Utf16OrderAgainstUtf8Order) {
  // U+FFFF (EF BF BF) and U+10000 (F0 90 80 80): UTF-8 puts U+10000 last, UTF-16 first
  // (D800 DC00 < FFFF). U+E000 likewise sorts after every supplementary character.
  json value = json::object();
  value["\xEF\xBF\xBF"] = 1;      // U+FFFF
  value["\xF0\x90\x80\x80"] = 2;  // U+10000
  value["\xEE\x80\x80"] = 3;      // U+E000
  value["\xED\x9F\xBF"] = 4;      // U+D7FF
  value["\xF4\x8F\xBF\xBF"] = 5;  // U+10FFFF
  EXPECT_EQ(Canonical(value),
            "{\"\xED\x9F\xBF\":4,\"\xF0\x90\x80\x80\":2,\"\xF4\x8F\xBF\xBF\":5,"
            "\"\xEE\x80\x80\":3,\"\xEF\xBF\xBF\":1}");
  // A prefix sorts first; comparison is by code unit, not by length.
  EXPECT_EQ(CanonicalOf(R"({"ab":1,"a":2,"b":3,"":4,"B":5,"aa":6})"),
            R"({"":4,"B":5,"a":2,"aa":6,"ab":1,"b":3})");
}

TEST(CanonicalJsonTest, StringEscapes) {
  EXPECT_EQ(String(""), "\"\"");
  EXPECT_EQ(String("plain"), "\"plain\"");
  EXPECT_EQ(String("\"\\"), R"("\"\\")");
  EXPECT_EQ(String("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(String(absl::string_view("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(String("\x0b\x1a"), R"("\u000b\u001a")");  // lower case hex
  EXPECT_EQ(String("/"), "\"/\"");
  EXPECT_EQ(String("\x7f"), "\"\x7f\"");  // DEL is written raw
  EXPECT_EQ(String(" ~"), "\" ~\"");
  EXPECT_EQ(String("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");                          // é € 😀 raw
  EXPECT_EQ(String("\xE2\x80\xA8\xE2\x80\xA9"), "\"\xE2\x80\xA8\xE2\x80\xA9\"");  // U+2028/9
  // Every control character.
  for (int c = 0; c < 0x20; ++c) {
    const std::string escaped = String(std::string(1, static_cast<char>(c)));
    EXPECT_EQ(escaped.size(),
              c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ? 4u : 8u)
        << c;
    EXPECT_EQ(Parse(escaped), json(std::string(1, static_cast<char>(c))));
  }
}

TEST(CanonicalJsonTest, InvalidUtf8) {
  // AppendCanonicalString replaces each byte of an invalid sequence.
  EXPECT_EQ(String("a\xFF"
                   "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(String("\xC3"), "\"\xEF\xBF\xBD\"");                                  // truncated
  EXPECT_EQ(String("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(String("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  // CanonicalJson refuses it, in strings and in member names.
  absl::StatusOr<std::string> text = CanonicalJson(json("a\xFF"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "a string is not valid UTF-8");
  json object = json::object();
  object["\xF4\x90\x80\x80"] = 1;  // above U+10FFFF
  text = CanonicalJson(object);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "an object member name is not valid UTF-8");
}

TEST(CanonicalJsonTest, NestedStructures) {
  EXPECT_EQ(CanonicalOf(R"( { "b" : [ 1 , { "d" : null , "c" : [ ] } , "x" ] , "a" : { } } )"),
            R"({"a":{},"b":[1,{"c":[],"d":null},"x"]})");
  EXPECT_EQ(CanonicalOf("[]"), "[]");
  EXPECT_EQ(CanonicalOf("{}"), "{}");
  EXPECT_EQ(CanonicalOf("[[[]]]"), "[[[]]]");
  EXPECT_EQ(CanonicalOf("true"), "true");
  EXPECT_EQ(CanonicalOf("null"), "null");
  EXPECT_EQ(CanonicalOf(R"("s")"), R"("s")");
  // Arrays keep their order.
  EXPECT_EQ(CanonicalOf(R"([3, 1, 2, "b", "a"])"), R"([3,1,2,"b","a"])");
  // Nested member names sort too.
  EXPECT_EQ(CanonicalOf(R"({"z":{"y":1,"x":{"w":2,"v":3}},"a":[{"c":1,"b":2}]})"),
            R"({"a":[{"b":2,"c":1}],"z":{"x":{"v":3,"w":2},"y":1}})");
}

TEST(CanonicalJsonTest, CanonicalFormIsAFixedPoint) {
  const std::vector<std::string> inputs = {
      R"({"b": 2.50, "a": [1E3, -0.0, "\u00e9\n"], "\ud83d\ude00": {"\u20ac": true}})",
      R"([1e-7, 123456789012345678901234567890, 18446744073709551615, "\u007f"])",
  };
  for (const std::string& input : inputs) {
    const std::string once = CanonicalOf(input);
    EXPECT_EQ(CanonicalOf(once), once) << input;
    // Reading it back gives the same value.
    EXPECT_EQ(Parse(once), Parse(input)) << input;
  }
}

TEST(CanonicalJsonTest, ValuesWithoutJsonFormAreRefused) {
  absl::StatusOr<std::string> text = CanonicalJson(json::binary({1, 2, 3}));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "a binary value has no JSON form");
  text = CanonicalJson(json(json::value_t::discarded));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "a discarded value has no JSON form");
}

TEST(CanonicalJsonTest, DepthIsCapped) {
  json deep = json::array();
  for (size_t i = 1; i < kMaxCanonicalJsonDepth; ++i) deep = json::array({std::move(deep)});
  absl::StatusOr<std::string> text = CanonicalJson(deep);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->size(), 2 * kMaxCanonicalJsonDepth);
  deep = json::array({std::move(deep)});
  text = CanonicalJson(deep);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            absl::StrCat("JSON nested deeper than ", kMaxCanonicalJsonDepth, " levels"));
}

}  // namespace
}  // namespace ward::internal
