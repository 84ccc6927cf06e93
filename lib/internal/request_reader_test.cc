#include "lib/internal/request_reader.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ward/request.h"

namespace ward::internal {
namespace {

std::string Describe(const AttributeMap& values) {
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : values) sorted[name] = value.DebugString();
  return absl::StrJoin(sorted, ", ", absl::PairFormatter("="));
}

// Every field of a request, so that two requests read alike describe alike.
std::string Describe(const Request& r) {
  std::vector<std::string> chain;
  for (const IdentityRef& ref : r.on_behalf_of) {
    chain.push_back(absl::StrCat(SubjectKindName(ref.kind), ":", ref.id));
  }
  return absl::StrCat(
      "subject=", SubjectKindName(r.subject.kind), ":", r.subject.id, " action=", r.action,
      " resource=", r.resource.type, ":", r.resource.id, " attrs={", Describe(r.resource.attrs),
      "} context={", Describe(r.context), "} args={", Describe(r.args), "} args_json=", r.args_json,
      " chain=[", absl::StrJoin(chain, ","),
      "] now=", r.now.has_value() ? absl::FormatTime(*r.now) : "none", " approval=", r.approval);
}

std::string Describe(const absl::StatusOr<Request>& r) {
  return r.ok() ? Describe(*r) : absl::StrCat("error: ", r.status().ToString());
}

// True when the fast reader took `text`; either way, ParseRequestJson must give what the
// general parser gives.
bool ReadAlike(const std::string& text, const RequestLimits& limits = {}) {
  Request fast;
  const bool taken = ReadCommonRequest(text, limits, &fast);
  const absl::StatusOr<Request> general = ParseRequestJsonGeneral(text, limits);
  if (taken) {
    EXPECT_TRUE(general.ok()) << text << "\n" << general.status();
    EXPECT_EQ(Describe(fast), Describe(general)) << text;
  }
  EXPECT_EQ(Describe(ParseRequestJson(text, limits)), Describe(general)) << text;
  return taken;
}

const char kAgentCall[] =
    R"({"subject":{"kind":"agent","id":"a219"},"action":"invoke","resource":{"type":"tool",)"
    R"("id":"t172"},"context":{"approved":false},"on_behalf_of":[{"kind":"user","id":"u628"}],)"
    R"("now":"2026-06-01T00:00:00Z"})";

TEST(RequestReaderTest, TakesTheCommonShapeAndReadsItAsTheGeneralParserDoes) {
  const std::vector<std::string> common = {
      kAgentCall,
      R"({"subject":{"kind":"user","id":"u306"},"action":"reveal",)"
      R"("resource":{"type":"data","id":"confidential"}})",
      // Every kind of value, lists unsorted and repeated, names out of order, spaces.
      R"( { "args" : { "z" : -12 , "query" : "q 1" , "tags" : [ "b" , "a" , "b" ] ,
            "ids" : [ 3 , -1 , 3 ] , "none" : [ ] , "flag" : true , "big" : 999999999999999999 },
          "resource" : { "attrs" : { "risk" : "high" , "n" : 0 , "open" : false } ,
                         "id" : "t/1" , "type" : "tool" } ,
          "subject" : { "id" : "a1" , "kind" : "agent" } , "action" : "invoke" ,
          "context" : { "approved" : true , "tokens" : 120 , "when" : "2026-01-01T00:00:00Z" } ,
          "on_behalf_of" : [ { "kind" : "user" , "id" : "u1" } , { "id" : "b1" , "kind" : "builder" } ] ,
          "approval" : "eyJ0b2tlbiI6MX0.sig" , "now" : "2026-06-01T12:30:00.5+02:00" } )",
      R"({"subject":{"kind":"user","id":"u"},"action":"a","resource":{"type":"t","id":"i"},)"
      R"("args":{},"context":{},"on_behalf_of":[]})",
  };
  for (const std::string& text : common) EXPECT_TRUE(ReadAlike(text)) << text;

  Request request;
  ASSERT_TRUE(ReadCommonRequest(common[2], {}, &request));
  EXPECT_EQ(request.args_json,
            R"({"big":999999999999999999,"flag":true,"ids":[3,-1,3],"none":[],"query":"q 1",)"
            R"("tags":["b","a","b"],"z":-12})");
}

TEST(RequestReaderTest, LeavesEverythingElseToTheGeneralParser) {
  const std::string head =
      R"({"subject":{"kind":"user","id":"u1"},"action":"a","resource":{"type":"t","id":"i"})";
  const std::vector<std::string> others = {
      // Valid requests outside the common shape.
      head + R"(,"context":{"x":"caf\u00e9"}})",
      head + R"(,"context":{"x":"café"}})",
      head + R"(,"context":{"x":null}})",
      head + R"(,"context":{"x":1.5}})",
      head + R"(,"context":{"x":1e3}})",
      head + R"(,"context":{"x":-0}})",
      head + R"(,"context":{"x":1234567890123456789}})",
      head + R"(,"context":{"x":99999999999999999999}})",
      head + R"(,"args":{"x":[1,-9223372036854775808]}})",
      head + R"(,"args":{"x":{"y":1}}})",
      head + R"(,"args":{"x":["a",1]}})",
      head + R"(,"args":{"x":[[1]]}})",
      head + R"(,"now":null})",
      R"({"subject":{"kind":"user","id":"u\"1"},"action":"a","resource":{"type":"t","id":"i"}})",
      // Invalid requests: the general parser says why.
      head + R"(,"context":{"x":1,"x":2}})",
      head + R"(,"args":{"x":1,"x":2}})",
      head + R"(,"action":"b"})",
      head + R"(,"extra":1})",
      head + R"(,"context":{"x":01}})",
      head + R"(,"now":"yesterday"})",
      head + R"(,"approval":""})",
      head + R"(} trailing)",
      head,  // no closing brace
      R"({"subject":{"kind":"robot","id":"u1"},"action":"a","resource":{"type":"t","id":"i"}})",
      R"({"subject":{"kind":"user","id":""},"action":"a","resource":{"type":"t","id":"i"}})",
      R"({"subject":{"kind":"user","id":"u1","id":"u2"},"action":"a","resource":{"type":"t","id":"i"}})",
      R"({"subject":{"kind":"user","id":"u1"},"resource":{"type":"t","id":"i"}})",
      R"({"subject":{"kind":"user","id":"u1"},"action":"a","resource":{"type":"t"}})",
      R"({"subject":{"kind":"user","id":"u1"},"action":"a","resource":{"type":"t","id":"i","x":1}})",
      R"({"subject":{"kind":"user","id":"u1"},"action":"a","resource":{"type":"t","id":"i"},)"
      R"("on_behalf_of":[{"kind":"user","id":"1"},{"kind":"user","id":"2"},{"kind":"user","id":"3"},)"
      R"({"kind":"user","id":"4"},{"kind":"user","id":"5"},{"kind":"user","id":"6"},)"
      R"({"kind":"user","id":"7"},{"kind":"user","id":"8"},{"kind":"user","id":"9"}]})",
      "[]",
      "",
      "\xef\xbb\xbf" + head + "}",
  };
  for (const std::string& text : others) EXPECT_FALSE(ReadAlike(text)) << text;

  // Limits: a request over the byte limit, or with a depth limit below the common shape's.
  EXPECT_FALSE(ReadAlike(kAgentCall, RequestLimits{/*max_bytes=*/64, /*max_json_depth=*/32}));
  EXPECT_FALSE(ReadAlike(kAgentCall, RequestLimits{/*max_bytes=*/1 << 20, /*max_json_depth=*/3}));
  EXPECT_TRUE(ReadAlike(kAgentCall, RequestLimits{/*max_bytes=*/1 << 20, /*max_json_depth=*/4}));
}

// Requests mutated at random: whatever the fast reader takes, the general parser reads alike.
TEST(RequestReaderTest, MutatedRequestsAreReadAlikeOrLeftToTheGeneralParser) {
  const std::vector<std::string> seeds = {
      kAgentCall,
      R"({"subject":{"kind":"agent","id":"a1"},"action":"invoke","resource":{"type":"tool",)"
      R"("id":"t1","attrs":{"risk":"high","n":[1,2]}},"args":{"q":"x","k":[ "b","a"],"n":-5},)"
      R"("approval":"tok","now":"2026-06-01T00:00:00Z"})",
  };
  // Characters that change a JSON text's structure or its values.
  const std::string alphabet = "{}[]\",:-0123456789 truefalsnl\\e.xa";
  std::mt19937_64 random(20261206);
  int taken = 0, left = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = random() % text.size();
      switch (random() % 4) {
        case 0:
          text.erase(at, 1 + random() % 3);
          break;
        case 1:
          text.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        case 2:
          text[at] = alphabet[random() % alphabet.size()];
          break;
        default:
          text.insert(at, text.substr(at, 1 + random() % 8));
          break;
      }
    }
    if (ReadAlike(text)) {
      ++taken;
    } else {
      ++left;
    }
    if (HasFailure()) return;
  }
  // Both ways were exercised: many mutations keep a valid request of the common shape (a
  // changed id or number), many do not.
  EXPECT_GT(taken, 1000);
  EXPECT_GT(left, 1000);
}

}  // namespace
}  // namespace ward::internal
