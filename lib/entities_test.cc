#include "ward/entities.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ward/errors.h"

namespace ward {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

Schema TestSchema() {
  Schema schema;
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kUser)] = {
      {"department", {Type::kString, /*optional=*/true, {}}},
      {"clearance", {Type::kInt, /*optional=*/true, {}}},
      {"hired", {Type::kTimestamp, /*optional=*/true, {}}}};
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kAgent)] = {
      {"task_scope", {Type::kStringSet, /*optional=*/true, {}}}};
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kBuilder)] = {
      {"team", {Type::kString, /*optional=*/true, {}}},
      {"pipelines", {Type::kStringSet, /*optional=*/true, {}}}};
  schema.resource_types["tool"] = {{"risk", {Type::kString, /*optional=*/true, {}}},
                                   {"min_clearance", {Type::kInt, /*optional=*/true, {}}}};
  schema.resource_types["dataset"] = {{"classification", {Type::kInt, /*optional=*/true, {}}},
                                      {"team", {Type::kString, /*optional=*/true, {}}},
                                      {"shards", {Type::kIntSet, /*optional=*/true, {}}},
                                      {"public", {Type::kBool, /*optional=*/true, {}}}};
  schema.actions["invoke"] = {"tool"};
  schema.actions["read"] = {"dataset"};
  return schema;
}

constexpr absl::string_view kExampleFile = R"json({
  "identities": [
    {"kind": "user", "id": "u3", "status": "active", "groups": ["hr", "eng", "hr"],
     "attrs": {"department": "hr", "clearance": 2}},
    {"kind": "agent", "id": "a17", "owner": "u3", "status": "active",
     "expires_at": "2027-01-01T00:00:00Z", "attrs": {"task_scope": ["search"]}},
    {"kind": "builder", "id": "b1", "owner": null, "status": "suspended", "expires_at": null,
     "groups": null, "attrs": null}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 0}},
    {"type": "dataset", "id": "vision/raw/1", "attrs": {"shards": [3, 1], "public": false}},
    {"type": "tool", "id": "calendar.read"}
  ]
})json";

// `status` with the "LINE:COL: " that begins each of its lines taken away: most tests are
// about what a message says; EntityErrorsTest checks where it points.
absl::Status WithoutPositions(const absl::Status& status) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    const size_t colon = line.find(':');
    const size_t second = colon == absl::string_view::npos ? colon : line.find(": ", colon + 1);
    const bool positioned =
        !line.empty() && absl::ascii_isdigit(line.front()) && second != absl::string_view::npos &&
        line.substr(0, second).find_first_not_of("0123456789:") == absl::string_view::npos;
    lines.emplace_back(positioned ? line.substr(second + 2) : line);
  }
  return absl::Status(status.code(), absl::StrJoin(lines, "\n"));
}

absl::Status LoadError(absl::string_view json, const EntityLimits& limits = {}) {
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(json, TestSchema(), nullptr, limits);
  if (store.ok()) return absl::OkStatus();
  return WithoutPositions(store.status());
}

// An entity file whose only identity is `identity`, placed after two valid ones.
std::string FileWithIdentity(absl::string_view identity) {
  return absl::StrCat(R"({"identities": [)", R"({"kind": "user", "id": "u1", "status": "active"},)",
                      R"({"kind": "user", "id": "u2", "status": "active"},)", identity, "]}");
}

std::string FileWithResource(absl::string_view resource) {
  return absl::StrCat(R"({"resources": [{"type": "tool", "id": "t0"},)", resource, "]}");
}

TEST(EntityStoreTest, LoadsTheExampleFile) {
  std::vector<std::string> warnings;
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(kExampleFile, TestSchema(), &warnings);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(warnings, IsEmpty());
  EXPECT_EQ(store->identity_count(), 3u);
  EXPECT_EQ(store->resource_count(), 3u);

  const Identity* u3 = store->FindIdentity("u3");
  ASSERT_NE(u3, nullptr);
  EXPECT_EQ(u3->kind, SubjectKind::kUser);
  EXPECT_EQ(u3->id, "u3");
  EXPECT_EQ(u3->owner, std::nullopt);
  EXPECT_EQ(u3->status, IdentityStatus::kActive);
  EXPECT_EQ(u3->expires_at, std::nullopt);
  EXPECT_THAT(u3->groups, ElementsAre("eng", "hr"));
  EXPECT_EQ(u3->attrs.size(), 2u);
  EXPECT_EQ(u3->attrs.at("department"), Value::String("hr"));
  EXPECT_EQ(u3->attrs.at("clearance"), Value::Int(2));

  const Identity* a17 = store->FindIdentity("a17");
  ASSERT_NE(a17, nullptr);
  EXPECT_EQ(a17->kind, SubjectKind::kAgent);
  EXPECT_EQ(a17->owner, "u3");
  EXPECT_EQ(a17->expires_at,
            absl::FromCivil(absl::CivilSecond(2027, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(a17->attrs.at("task_scope"), Value::StringSet({"search"}));

  const Identity* b1 = store->FindIdentity("b1");
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b1->kind, SubjectKind::kBuilder);
  EXPECT_EQ(b1->status, IdentityStatus::kSuspended);
  EXPECT_EQ(b1->owner, std::nullopt);
  EXPECT_EQ(b1->expires_at, std::nullopt);
  EXPECT_THAT(b1->groups, IsEmpty());
  EXPECT_TRUE(b1->attrs.empty());

  EXPECT_EQ(store->FindIdentity("nobody"), nullptr);

  const Resource* search = store->FindResource("tool", "search");
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->type, "tool");
  EXPECT_EQ(search->id, "search");
  EXPECT_EQ(search->attrs.at("risk"), Value::String("low"));
  EXPECT_EQ(search->attrs.at("min_clearance"), Value::Int(0));
  const Resource* shard = store->FindResource("dataset", "vision/raw/1");
  ASSERT_NE(shard, nullptr);
  EXPECT_EQ(shard->attrs.at("shards"), Value::IntSet({1, 3}));
  EXPECT_EQ(shard->attrs.at("public"), Value::Bool(false));
  ASSERT_NE(store->FindResource("tool", "calendar.read"), nullptr);
  EXPECT_TRUE(store->FindResource("tool", "calendar.read")->attrs.empty());
  EXPECT_EQ(store->FindResource("dataset", "search"), nullptr);
  EXPECT_EQ(store->FindResource("tool", "nothing"), nullptr);
}

TEST(EntityStoreTest, EmptyAndPartialFiles) {
  absl::StatusOr<EntityStore> store = EntityStore::FromJson("{}", TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->identity_count(), 0u);
  store = EntityStore::FromJson(R"({"identities": []})", TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
  store = EntityStore::FromJson(R"({"resources": null})", TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
}

TEST(EntityStoreTest, NullAttributesAreAbsent) {
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(
      FileWithIdentity(
          R"({"kind": "user", "id": "u9", "status": "active", "attrs": {"clearance": null}})"),
      TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE(store->FindIdentity("u9")->attrs.contains("clearance"));
}

TEST(EntityStoreTest, TimestampAttributes) {
  absl::StatusOr<EntityStore> store =
      EntityStore::FromJson(FileWithIdentity(R"({"kind": "user", "id": "u9", "status": "active",
                           "attrs": {"hired": "2020-01-02T03:04:05+01:00"}})"),
                            TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->FindIdentity("u9")->attrs.at("hired"),
            Value::Timestamp(
                absl::FromCivil(absl::CivilSecond(2020, 1, 2, 2, 4, 5), absl::UTCTimeZone())));
}

TEST(EntityStoreTest, UndeclaredAttributesAreDroppedWithAWarning) {
  std::vector<std::string> warnings;
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(
      R"({"identities": [
            {"kind": "user", "id": "u3", "status": "active",
             "attrs": {"foo": 1, "department": "hr", "task_scope": ["x"], "owner": "u1"}}],
          "resources": [
            {"type": "tool", "id": "search", "attrs": {"colour": "red", "id": "other"}}]})",
      TestSchema(), &warnings);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(warnings,
              UnorderedElementsAre(
                  "identity `u3`: attribute `foo` is not declared for user; ignored",
                  "identity `u3`: attribute `task_scope` is not declared for user; ignored",
                  "identity `u3`: attribute `owner` is built in and cannot be set in `attrs`; "
                  "ignored",
                  "resource tool `search`: attribute `colour` is not declared for tool; ignored",
                  "resource tool `search`: attribute `id` is built in and cannot be set in "
                  "`attrs`; ignored"));
  const Identity* u3 = store->FindIdentity("u3");
  EXPECT_EQ(u3->attrs.size(), 1u);
  EXPECT_EQ(u3->owner, std::nullopt);
  EXPECT_TRUE(store->FindResource("tool", "search")->attrs.empty());

  // Without a warnings vector the file still loads.
  EXPECT_TRUE(EntityStore::FromJson(
                  R"({"identities": [{"kind": "user", "id": "u3", "status": "active",
                                      "attrs": {"foo": 1}}]})",
                  TestSchema())
                  .ok());
}

TEST(EntityStoreTest, WrongAttributeTypeNamesTheEntity) {
  absl::Status status = LoadError(FileWithIdentity(
      R"({"kind": "agent", "id": "a17", "owner": "u1", "status": "active",
          "attrs": {"task_scope": "search"}})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "identities[2] (`a17`): attribute `task_scope`: expected set<string>, found a string");

  status = LoadError(FileWithIdentity(
      R"({"kind": "user", "id": "a17", "status": "active", "attrs": {"clearance": "3"}})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`a17`): attribute `clearance`: expected int, found a string");

  status = LoadError(FileWithIdentity(
      R"({"kind": "user", "id": "u7", "status": "active", "attrs": {"clearance": 2.5}})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`u7`): attribute `clearance`: expected int, found a number with a "
            "fraction");

  status = LoadError(FileWithResource(R"({"type": "dataset", "id": "d1",
                                          "attrs": {"shards": ["a"]}})"));
  EXPECT_EQ(status.message(),
            "resources[1] (dataset `d1`): attribute `shards`: expected set<int>, found a set of "
            "strings");
}

TEST(EntityStoreTest, BadTimestamps) {
  absl::Status status = LoadError(FileWithIdentity(
      R"({"kind": "agent", "id": "a1", "owner": "u1", "status": "active",
          "expires_at": "2027-01-01"})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`a1`): `expires_at`: `2027-01-01` is not an RFC 3339 timestamp");

  status = LoadError(FileWithIdentity(
      R"({"kind": "agent", "id": "a1", "status": "active", "expires_at": 1767225600})"));
  EXPECT_EQ(status.message(), "identities[2] (`a1`): `expires_at` must be a string, found an int");

  status = LoadError(FileWithIdentity(
      R"({"kind": "user", "id": "u5", "status": "active", "attrs": {"hired": "yesterday"}})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`u5`): attribute `hired`: `yesterday` is not an RFC 3339 timestamp");
}

TEST(EntityStoreTest, StatusIsRequiredAndChecked) {
  absl::Status status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "u5"})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "identities[2] (`u5`): missing required field `status`");

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "u5", "status": null})"));
  EXPECT_EQ(status.message(), "identities[2] (`u5`): missing required field `status`");

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "deleted"})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`u5`): invalid status `deleted`; expected active, suspended, "
            "revoked or expired");

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "Active"})"));
  EXPECT_THAT(std::string(status.message()),
              StartsWith("identities[2] (`u5`): invalid status `Active`"));

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "u5", "status": true})"));
  EXPECT_EQ(status.message(), "identities[2] (`u5`): `status` must be a string, found a bool");

  for (absl::string_view name : {"active", "suspended", "revoked", "expired"}) {
    absl::StatusOr<EntityStore> store =
        EntityStore::FromJson(FileWithIdentity(absl::StrCat(
                                  R"({"kind": "user", "id": "u5", "status": ")", name, R"("})")),
                              TestSchema());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(IdentityStatusName(store->FindIdentity("u5")->status), name);
  }
}

TEST(EntityStoreTest, KindAndIdAreRequired) {
  absl::Status status = LoadError(FileWithIdentity(R"({"kind": "user", "status": "active"})"));
  EXPECT_EQ(status.message(), "identities[2]: missing required field `id`");

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": "", "status": "active"})"));
  EXPECT_EQ(status.message(), "identities[2]: `id` must not be empty");

  status = LoadError(FileWithIdentity(R"({"kind": "user", "id": 17, "status": "active"})"));
  EXPECT_EQ(status.message(), "identities[2]: `id` must be a string, found an int");

  status = LoadError(FileWithIdentity(R"({"id": "x1", "status": "active"})"));
  EXPECT_EQ(status.message(), "identities[2] (`x1`): missing required field `kind`");

  status = LoadError(FileWithIdentity(R"({"kind": "robot", "id": "x1", "status": "active"})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`x1`): unknown kind `robot`; expected user, agent or builder");

  status = LoadError(FileWithIdentity(R"("u1")"));
  EXPECT_EQ(status.message(), "identities[2]: an identity must be an object, found a string");
}

TEST(EntityStoreTest, OtherFieldErrors) {
  absl::Status status = LoadError(
      FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "active", "role": "admin"})"));
  EXPECT_EQ(status.message(), "identities[2] (`u5`): unknown field `role`");

  status = LoadError(
      FileWithIdentity(R"({"kind": "agent", "id": "a5", "status": "active", "owner": 3})"));
  EXPECT_EQ(status.message(), "identities[2] (`a5`): `owner` must be a string, found an int");

  status = LoadError(
      FileWithIdentity(R"({"kind": "agent", "id": "a5", "status": "active", "owner": ""})"));
  EXPECT_EQ(status.message(), "identities[2] (`a5`): `owner` must not be empty");

  status = LoadError(
      FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "active", "groups": "hr"})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`u5`): `groups` must be an array of strings, found a string");

  status = LoadError(
      FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "active", "groups": ["hr", 1]})"));
  EXPECT_EQ(status.message(), "identities[2] (`u5`): `groups[1]` must be a string, found an int");

  status = LoadError(
      FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "active", "attrs": []})"));
  EXPECT_EQ(status.message(), "identities[2] (`u5`): `attrs` must be an object, found an array");
}

TEST(EntityStoreTest, ResourceErrors) {
  absl::Status status = LoadError(FileWithResource(R"({"type": "toolz", "id": "search"})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "resources[1] (`search`): unknown resource type `toolz`");

  status = LoadError(FileWithResource(R"({"id": "search"})"));
  EXPECT_EQ(status.message(), "resources[1] (`search`): missing required field `type`");

  status = LoadError(FileWithResource(R"({"type": "tool"})"));
  EXPECT_EQ(status.message(), "resources[1]: missing required field `id`");

  status = LoadError(FileWithResource(R"({"type": "tool", "id": "s", "owner": "u1"})"));
  EXPECT_EQ(status.message(), "resources[1] (tool `s`): unknown field `owner`");

  status = LoadError(FileWithResource(R"({"type": "tool", "id": "s", "attrs": {"risk": 1}})"));
  EXPECT_EQ(status.message(),
            "resources[1] (tool `s`): attribute `risk`: expected string, found an int");

  status = LoadError(FileWithResource("[]"));
  EXPECT_EQ(status.message(), "resources[1]: a resource must be an object, found an array");
}

TEST(EntityStoreTest, DuplicateIds) {
  absl::Status status =
      LoadError(FileWithIdentity(R"({"kind": "user", "id": "u2", "status": "active"})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "identities[2] (`u2`): duplicate identity id (first at identities[1]); ids are "
            "unique across kinds");

  // Unique across kinds.
  status = LoadError(
      FileWithIdentity(R"({"kind": "agent", "id": "u1", "owner": "u2", "status": "active"})"));
  EXPECT_EQ(status.message(),
            "identities[2] (`u1`): duplicate identity id (first at identities[0]); ids are "
            "unique across kinds");

  status = LoadError(FileWithResource(R"({"type": "tool", "id": "t0"})"));
  EXPECT_EQ(status.message(),
            "resources[1] (tool `t0`): duplicate resource (first at resources[0])");

  // The same id under two types is two resources.
  absl::StatusOr<EntityStore> store =
      EntityStore::FromJson(FileWithResource(R"({"type": "dataset", "id": "t0"})"), TestSchema());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->resource_count(), 2u);
}

TEST(EntityStoreTest, TopLevelErrors) {
  absl::Status status = LoadError(R"({"identities": [], "groups": []})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "unknown top-level field `groups`");

  status = LoadError("[]");
  EXPECT_EQ(status.message(), "an entity file must be a JSON object, found an array");

  status = LoadError(R"({"identities": {}})");
  EXPECT_EQ(status.message(), "`identities` must be an array, found an object");

  status = LoadError(R"({"resources": "x"})");
  EXPECT_EQ(status.message(), "`resources` must be an array, found a string");
}

TEST(EntityStoreTest, InvalidJsonHasAPosition) {
  absl::Status status = LoadError("{\n  \"identities\": [\n    {\"kind\": \"user\",}\n  ]\n}");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("invalid JSON at line 3, column 21"));
}

TEST(EntityStoreTest, DepthCap) {
  EntityLimits limits;
  limits.max_json_depth = 4;
  // file → identities → identity → attrs: four levels.
  std::string ok = R"({"identities": [{"kind": "user", "id": "u1", "status": "active",
                                         "attrs": {"clearance": 1}}]})";
  EXPECT_TRUE(LoadError(ok, limits).ok());
  std::string deep = R"({"identities": [{"kind": "agent", "id": "a1", "status": "active",
                                           "attrs": {"task_scope": ["x"]}}]})";
  absl::Status status = LoadError(deep, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "JSON nested deeper than 4 levels");

  // The default cap is 64.
  std::string very_deep = "{\"identities\": " + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(LoadError(very_deep).message(), "JSON nested deeper than 64 levels");
}

TEST(EntityStoreTest, SizeCap) {
  EntityLimits limits;
  limits.max_file_bytes = 100;
  std::string file = FileWithIdentity(R"({"kind": "user", "id": "u5", "status": "active"})");
  absl::Status status = LoadError(file, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), absl::StrCat("input is ", file.size(), " bytes; the limit is 100"));
}

TEST(EntityStoreTest, IdentityFromJson) {
  std::vector<std::string> warnings;
  absl::StatusOr<Identity> identity = EntityStore::IdentityFromJson(
      R"({"kind": "agent", "id": "a9", "owner": "u3", "status": "revoked",
          "groups": ["z", "a"], "attrs": {"task_scope": [], "bogus": 1}})",
      TestSchema(), &warnings);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->kind, SubjectKind::kAgent);
  EXPECT_EQ(identity->status, IdentityStatus::kRevoked);
  EXPECT_THAT(identity->groups, ElementsAre("a", "z"));
  EXPECT_EQ(identity->attrs.at("task_scope"), Value::StringSet({}));
  EXPECT_THAT(warnings,
              ElementsAre("identity `a9`: attribute `bogus` is not declared for agent; ignored"));

  identity = EntityStore::IdentityFromJson(R"({"kind": "agent", "id": "a9"})", TestSchema());
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(WithoutPositions(identity.status()).message(),
            "identity (`a9`): missing required field `status`");

  identity = EntityStore::IdentityFromJson("{", TestSchema());
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(std::string(identity.status().message()),
              StartsWith("invalid JSON at line 1, column 2"));
}

TEST(EntityStoreTest, ResourceFromJson) {
  absl::StatusOr<Resource> resource = EntityStore::ResourceFromJson(
      R"({"type": "tool", "id": "search", "attrs": {"risk": "high"}})", TestSchema());
  ASSERT_TRUE(resource.ok()) << resource.status();
  EXPECT_EQ(resource->type, "tool");
  EXPECT_EQ(resource->attrs.at("risk"), Value::String("high"));

  resource = EntityStore::ResourceFromJson(R"({"type": "model", "id": "m"})", TestSchema());
  ASSERT_FALSE(resource.ok());
  EXPECT_EQ(WithoutPositions(resource.status()).message(),
            "resource (`m`): unknown resource type `model`");
}

TEST(EntityStoreTest, UpsertRevokeRemove) {
  absl::StatusOr<EntityStore> loaded = EntityStore::FromJson(kExampleFile, TestSchema());
  ASSERT_TRUE(loaded.ok());
  EntityStore store = *std::move(loaded);

  Identity replacement;
  replacement.kind = SubjectKind::kBuilder;  // the id is the key, whatever the kind
  replacement.id = "u3";
  replacement.owner = "u9";
  replacement.groups = {"b", "a", "b"};
  store.UpsertIdentity(replacement);
  EXPECT_EQ(store.identity_count(), 3u);
  EXPECT_EQ(store.FindIdentity("u3")->kind, SubjectKind::kBuilder);
  EXPECT_THAT(store.FindIdentity("u3")->groups, ElementsAre("a", "b"));
  EXPECT_TRUE(store.FindIdentity("u3")->attrs.empty());

  Identity fresh;
  fresh.id = "u10";
  store.UpsertIdentity(fresh);
  EXPECT_EQ(store.identity_count(), 4u);

  EXPECT_TRUE(store.RevokeIdentity("a17").ok());
  EXPECT_EQ(store.FindIdentity("a17")->status, IdentityStatus::kRevoked);
  absl::Status status = store.RevokeIdentity("nobody");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no identity `nobody`");

  EXPECT_TRUE(store.RemoveIdentity("a17").ok());
  EXPECT_EQ(store.FindIdentity("a17"), nullptr);
  EXPECT_EQ(store.RemoveIdentity("a17").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.identity_count(), 3u);

  Resource tool;
  tool.type = "tool";
  tool.id = "search";
  tool.attrs["risk"] = Value::String("high");
  store.UpsertResource(tool);
  EXPECT_EQ(store.resource_count(), 3u);
  EXPECT_EQ(store.FindResource("tool", "search")->attrs.at("risk"), Value::String("high"));
  tool.id = "new";
  store.UpsertResource(tool);
  EXPECT_EQ(store.resource_count(), 4u);

  EXPECT_TRUE(store.RemoveResource("tool", "new").ok());
  EXPECT_EQ(store.FindResource("tool", "new"), nullptr);
  status = store.RemoveResource("tool", "new");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no resource tool `new`");
  EXPECT_EQ(store.RemoveResource("dataset", "search").code(), absl::StatusCode::kNotFound);
}

TEST(EntityStoreTest, ResourceKeysDoNotCollide) {
  EntityStore store;
  Resource a;
  a.type = "ab";
  a.id = "c";
  Resource b;
  b.type = "a";
  b.id = "bc";
  store.UpsertResource(a);
  store.UpsertResource(b);
  EXPECT_EQ(store.resource_count(), 2u);
  EXPECT_EQ(store.FindResource("ab", "c")->type, "ab");
  EXPECT_EQ(store.FindResource("a", "bc")->type, "a");
  EXPECT_EQ(store.FindResource("abc", ""), nullptr);
}

TEST(EntityStoreTest, ValidateAgainst) {
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(kExampleFile, TestSchema());
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE(store->ValidateAgainst(TestSchema()).ok());

  // Attributes the new schema does not declare are fine.
  Schema smaller = TestSchema();
  smaller.subject_attributes[static_cast<size_t>(SubjectKind::kUser)].clear();
  smaller.resource_types["tool"].clear();
  EXPECT_TRUE(store->ValidateAgainst(smaller).ok());

  // A changed type is not.
  Schema retyped = TestSchema();
  retyped.subject_attributes[static_cast<size_t>(SubjectKind::kUser)]["clearance"] = {
      Type::kString, /*optional=*/true, {}};
  absl::Status status = store->ValidateAgainst(retyped);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "identity `u3`: attribute `clearance`: expected string, found an int");

  // An undeclared resource type is not, and several errors are counted.
  Schema no_tools = retyped;
  no_tools.resource_types.erase("tool");
  status = store->ValidateAgainst(no_tools);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "identity `u3`: attribute `clearance`: expected string, found an int (and 2 more)");

  Schema only_no_tools = TestSchema();
  only_no_tools.resource_types.erase("tool");
  status = store->ValidateAgainst(only_no_tools);
  EXPECT_EQ(status.message(),
            "resource tool `calendar.read`: resource type `tool` is not declared by the schema "
            "(and 1 more)");
}

TEST(EntityStoreTest, IdentityStatusNames) {
  EXPECT_EQ(IdentityStatusName(IdentityStatus::kActive), "active");
  EXPECT_EQ(IdentityStatusName(IdentityStatus::kSuspended), "suspended");
  EXPECT_EQ(IdentityStatusName(IdentityStatus::kRevoked), "revoked");
  EXPECT_EQ(IdentityStatusName(IdentityStatus::kExpired), "expired");
  EXPECT_EQ(ParseIdentityStatus("revoked"), IdentityStatus::kRevoked);
  EXPECT_EQ(ParseIdentityStatus("gone"), std::nullopt);
}

TEST(EntityStoreTest, ManyIdentitiesLoadInLinearTime) {
  std::string file = R"({"identities": [)";
  constexpr int kCount = 50000;
  for (int i = 0; i < kCount; ++i) {
    if (i > 0) file += ",";
    absl::StrAppend(&file, R"({"kind": "user", "id": "u)", i,
                    R"(", "status": "active", "attrs": {"clearance": )", i, "}}");
  }
  file += "]}";
  absl::Time start = absl::Now();
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(file, TestSchema());
  absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->identity_count(), static_cast<size_t>(kCount));
  EXPECT_EQ(store->FindIdentity("u49999")->attrs.at("clearance"), Value::Int(49999));
  // Quadratic behaviour (nlohmann's callback parser) takes seconds here; linear takes well
  // under one even with sanitizers.
  EXPECT_LT(elapsed, absl::Seconds(10));
}

}  // namespace
}  // namespace ward

namespace ward {
namespace {

Schema TypedSchema() {
  Schema schema;
  schema.subject_attributes[static_cast<size_t>(SubjectKind::kUser)] = {
      {"department", {Type::kString, false, {}}},
      {"manager", {Type::kString, /*optional=*/true, {}}}};
  schema.resource_types["tool"] = {{"risk", {Type::kString, false, {"high", "low"}}}};
  return schema;
}

TEST(EntityErrorsTest, EveryViolationIsReportedWithItsPosition) {
  constexpr absl::string_view kFile = R"json({
  "identities": [
    {"kind": "user", "id": "u1", "status": "active"},
    {"kind": "user", "id": "u2", "status": "active", "attrs": {"manager": "u1"}},
    {"kind": "user", "id": "u3", "status": "active", "attrs": {"department": "hr"}}
  ],
  "resources": [
    {"type": "tool", "id": "t1", "attrs": {"risk": "High"}},
    {"type": "tool", "id": "t2", "attrs": {"risk": 3}}
  ]
})json";
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(kFile, TypedSchema());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(CategoryOf(store.status()), ErrorCategory::kEntities);
  const std::vector<std::string> lines = absl::StrSplit(store.status().message(), '\n');
  EXPECT_THAT(
      lines,
      ElementsAre(
          "3:5: identities[0] (`u1`): lacks attribute `department`, which every user must have "
          "(declared `department: string`; give it in `attrs`, or declare it optional: "
          "`department?: ...`)",
          "4:63: identities[1] (`u2`): lacks attribute `department`, which every user must have "
          "(declared `department: string`; give it in `attrs`, or declare it optional: "
          "`department?: ...`)",
          R"(8:52: resources[0] (tool `t1`): attribute `risk`: "High" is not one of "high" | "low"; did you mean "high"?)",
          "9:52: resources[1] (tool `t2`): attribute `risk`: expected string, found an int"));
}

TEST(EntityErrorsTest, ManyErrorsAreCappedAndCounted) {
  std::string file = R"({"identities": [)";
  for (int i = 0; i < 250; ++i) {
    absl::StrAppend(&file, i > 0 ? "," : "", R"({"kind": "user", "id": "u)", i,
                    R"(", "status": "active"})");
  }
  file += "]}";
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(file, TypedSchema());
  ASSERT_FALSE(store.ok());
  const std::vector<std::string> lines = absl::StrSplit(store.status().message(), '\n');
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_THAT(lines.front(), StartsWith("1:17: identities[0] (`u0`): lacks attribute"));
  EXPECT_EQ(lines.back(), "... and 150 more");
}

TEST(EntityErrorsTest, FileErrorsNameTheFileOnEveryLine) {
  const std::string path = ::testing::TempDir() + "/entities_errors.json";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(R"({"identities": [{"kind": "user", "id": "u1", "status": "active"}],
 "resources": [{"type": "tool", "id": "t1"}], "extra": 1})",
               f);
    std::fclose(f);
  }
  absl::StatusOr<EntityStore> store = EntityStore::FromFile(path, TypedSchema());
  ASSERT_FALSE(store.ok());
  const std::vector<std::string> lines = absl::StrSplit(store.status().message(), '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], StartsWith(path + ":1:17: identities[0] (`u1`): lacks attribute"));
  EXPECT_THAT(lines[1], StartsWith(path + ":2:16: resources[0] (tool `t1`): lacks attribute "
                                          "`risk`"));
  EXPECT_EQ(lines[2], path + ":2:56: unknown top-level field `extra`");
}

TEST(EntityErrorsTest, ValidateAgainstChecksRequiredAttributesAndEnums) {
  Schema loose = TypedSchema();
  loose.subject_attributes[static_cast<size_t>(SubjectKind::kUser)]["department"].optional = true;
  loose.resource_types["tool"]["risk"].members.clear();
  absl::StatusOr<EntityStore> store = EntityStore::FromJson(
      R"({"identities": [{"kind": "user", "id": "u1", "status": "active"}],
          "resources": [{"type": "tool", "id": "t1", "attrs": {"risk": "medium"}}]})",
      loose);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(store->ValidateAgainst(loose).ok());
  absl::Status status = store->ValidateAgainst(TypedSchema());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("identity `u1`: lacks attribute `department`, which every user must "
                         "have"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("(and 1 more)"));
}

}  // namespace
}  // namespace ward
