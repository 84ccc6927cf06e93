#include "lib/internal/entity_layout.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/vm.h"
#include "ward/compile.h"
#include "ward/entities.h"

namespace ward::internal {
namespace {

constexpr char kPolicy[] = R"(schema {
  user  { clearance: int, department: string, level: int }
  agent { task_scope: set<string> }
  builder { team: string }
  resource tool { cost: int, owner_team: string, risk: "low" | "high", sensitivity: int }
  action invoke on tool
}
permit user in group "admins" to invoke on tool;
permit agent to invoke on tool when resource.id in subject.task_scope;
permit user to invoke on tool "search";
permit user "u7" to invoke on tool;
)";

constexpr int kUsers = 600;
constexpr int kAgents = 2400;
constexpr int kTools = 900;

std::shared_ptr<const Policy> CompileTestPolicy() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

Identity RandomUser(std::mt19937_64& random, int n) {
  Identity user;
  user.kind = SubjectKind::kUser;
  user.id = absl::StrCat("u", n);
  const IdentityStatus statuses[] = {IdentityStatus::kActive, IdentityStatus::kActive,
                                     IdentityStatus::kSuspended, IdentityStatus::kRevoked};
  user.status = statuses[random() % 4];
  if (random() % 3 == 0) user.expires_at = absl::FromUnixSeconds(1700000000 + random() % 1000);
  if (random() % 5 == 0) user.groups = {"admins"};
  user.attrs["clearance"] = Value::Int(static_cast<int64_t>(random() % 4));
  if (random() % 2 == 0) user.attrs["department"] = Value::String("hr");
  // Past the slots a record holds in its line.
  if (random() % 2 == 0) user.attrs["level"] = Value::Int(static_cast<int64_t>(random() % 9));
  return user;
}

Identity RandomAgent(std::mt19937_64& random, int n) {
  Identity agent;
  agent.kind = random() % 4 == 0 ? SubjectKind::kBuilder : SubjectKind::kAgent;
  agent.id = absl::StrCat("a", n);
  // Owners include identities that do not exist and agents (never owners in good standing).
  const uint64_t pick = random() % 10;
  if (pick < 8) {
    agent.owner = absl::StrCat("u", random() % (kUsers + 20));
  } else if (pick == 8) {
    agent.owner = absl::StrCat("a", random() % kAgents);
  }
  if (random() % 4 == 0) agent.status = IdentityStatus::kRevoked;
  if (agent.kind == SubjectKind::kAgent) {
    agent.attrs["task_scope"] = Value::StringSet({absl::StrCat("t", random() % kTools), "search"});
  } else {
    agent.attrs["team"] = Value::String("vision");
  }
  return agent;
}

Resource RandomTool(std::mt19937_64& random, int n) {
  Resource tool;
  tool.type = "tool";
  tool.id = n == 0 ? "search" : absl::StrCat("t", n);
  tool.attrs["risk"] = Value::String(random() % 2 == 0 ? "low" : "high");
  tool.attrs["sensitivity"] = Value::Int(static_cast<int64_t>(random() % 10));
  if (random() % 2 == 0) tool.attrs["cost"] = Value::Int(static_cast<int64_t>(random() % 100));
  if (random() % 2 == 0) tool.attrs["owner_team"] = Value::String("a team of more than 14 bytes");
  return tool;
}

void ExpectSameRecords(const EntityLayout& incremental, const EntityLayout& full,
                       const EntityStore& store, const std::string& step) {
  for (const auto& [id, identity] : store.identities()) {
    const IdentityRecord* a = incremental.FindIdentity(id);
    const IdentityRecord* b = full.FindIdentity(id);
    ASSERT_NE(a, nullptr) << step << ": " << id;
    ASSERT_NE(b, nullptr) << step << ": " << id;
    EXPECT_EQ(a->kind, b->kind) << step << ": " << id;
    EXPECT_EQ(a->status, b->status) << step << ": " << id;
    EXPECT_EQ(a->has_expiry, b->has_expiry) << step << ": " << id;
    EXPECT_EQ(a->expires_at, b->expires_at) << step << ": " << id;
    EXPECT_EQ(a->owner_active_user, b->owner_active_user) << step << ": " << id;
    EXPECT_EQ(a->owner_has_expiry, b->owner_has_expiry) << step << ": " << id;
    if (a->owner_has_expiry) {
      EXPECT_EQ(a->extras->owner_expires_at, b->extras->owner_expires_at) << step;
    }
    EXPECT_EQ(a->id_symbol, b->id_symbol) << step << ": " << id;
    EXPECT_EQ(a->has_groups, b->has_groups) << step << ": " << id;
    EXPECT_EQ(a->group_symbols(), b->group_symbols()) << step << ": " << id;
    for (int32_t i = 0; i < IdentityRecord::kInlineSlots; ++i) {
      EXPECT_EQ(a->inline_slots[i], b->inline_slots[i]) << step << ": " << id << " slot " << i;
    }
    EXPECT_EQ(a->extras->more_slots, b->extras->more_slots) << step << ": " << id;
    EXPECT_EQ(&a->identity(), &identity) << step << ": " << id;
  }
  for (const auto& [type, of_type] : store.resources_by_type()) {
    for (const auto& [id, resource] : of_type) {
      const ResourceRecord* a = incremental.FindResource(type, id);
      const ResourceRecord* b = full.FindResource(type, id);
      ASSERT_NE(a, nullptr) << step << ": " << id;
      ASSERT_NE(b, nullptr) << step << ": " << id;
      EXPECT_EQ(a->id_symbol, b->id_symbol) << step << ": " << id;
      EXPECT_EQ(a->slot_count, b->slot_count) << step << ": " << id;
      for (int32_t i = 0; i < ResourceRecord::kInlineSlots; ++i) {
        EXPECT_EQ(a->inline_slots[i], b->inline_slots[i]) << step << ": " << id << " slot " << i;
      }
      EXPECT_EQ(a->extras->more_slots, b->extras->more_slots) << step << ": " << id;
      EXPECT_EQ(&a->resource(), &resource) << step << ": " << id;
    }
  }
}

// A layout built from the one before an edit equals one built from scratch, record by record,
// after every kind of edit, including those that change an owner's standing (and so records
// in shards the edit did not touch); and it shares the shards nothing changed.
TEST(EntityLayoutTest, LayoutOfAnEditedStoreEqualsOneBuiltFromScratch) {
  std::shared_ptr<const Policy> policy = CompileTestPolicy();
  ASSERT_NE(policy, nullptr);
  const Program& program = ProgramOf(*policy);
  std::mt19937_64 random(11);
  auto store = std::make_shared<EntityStore>();
  for (int i = 0; i < kUsers; ++i) store->UpsertIdentity(RandomUser(random, i));
  for (int i = 0; i < kAgents; ++i) store->UpsertIdentity(RandomAgent(random, i));
  for (int i = 0; i < kTools; ++i) store->UpsertResource(RandomTool(random, i));
  auto layout = std::make_unique<EntityLayout>(program, store);
  ASSERT_GT(store->identities().shard_count(), 16u);

  size_t shared_records = 0, records = 0;
  for (int step = 0; step < 300; ++step) {
    auto edited = std::make_shared<EntityStore>(*store);
    std::string what;
    switch (random() % 7) {
      case 0:
        what = "user upserted";
        edited->UpsertIdentity(RandomUser(random, static_cast<int>(random() % (kUsers + 20))));
        break;
      case 1:
        what = "agent upserted";
        edited->UpsertIdentity(RandomAgent(random, static_cast<int>(random() % (kAgents + 50))));
        break;
      case 2:
        what = "user revoked";
        (void)edited->RevokeIdentity(absl::StrCat("u", random() % kUsers));
        break;
      case 3:
        what = "identity removed";
        (void)edited->RemoveIdentity(random() % 2 == 0 ? absl::StrCat("u", random() % kUsers)
                                                       : absl::StrCat("a", random() % kAgents));
        break;
      case 4:
        what = "user decommissioned";
        (void)edited->Decommission(absl::StrCat("u", random() % kUsers), random() % 2 == 0,
                                   absl::FromUnixSeconds(1700000500));
        break;
      case 5:
        what = "tool upserted";
        edited->UpsertResource(RandomTool(random, static_cast<int>(random() % (kTools + 20))));
        break;
      default:
        what = "tool removed";
        (void)edited->RemoveResource("tool", absl::StrCat("t", random() % kTools));
        break;
    }
    auto incremental = std::make_unique<EntityLayout>(program, edited, layout.get());
    EntityLayout full(program, edited);
    const std::string label = absl::StrCat("step ", step, " (", what, ")");
    ExpectSameRecords(*incremental, full, *edited, label);
    if (HasFatalFailure()) return;
    for (const auto& [id, identity] : edited->identities()) {
      ++records;
      shared_records += incremental->FindIdentity(id) == layout->FindIdentity(id);
    }
    store = std::move(edited);
    layout = std::move(incremental);
  }
  // Most records were shared with the layout before (the same record, not rebuilt): an edit
  // rebuilds the shard it touched and those of the identities whose owner it changed.
  EXPECT_GT(shared_records, records * 9 / 10);
}

TEST(EntityLayoutTest, ALayoutForAnotherProgramIsNotReused) {
  std::shared_ptr<const Policy> first = CompileTestPolicy();
  std::shared_ptr<const Policy> second = CompileTestPolicy();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::mt19937_64 random(3);
  auto store = std::make_shared<EntityStore>();
  for (int i = 0; i < 100; ++i) store->UpsertIdentity(RandomUser(random, i));
  EntityLayout before(ProgramOf(*first), store);
  EntityLayout after(ProgramOf(*second), store, &before);
  for (const auto& [id, identity] : store->identities()) {
    EXPECT_NE(after.FindIdentity(id), before.FindIdentity(id)) << id;
  }
}

// Each record is one aligned cache line, wherever its map put it.
TEST(EntityLayoutTest, RecordsAreEachOneCacheLine) {
  std::shared_ptr<const Policy> policy = CompileTestPolicy();
  ASSERT_NE(policy, nullptr);
  std::mt19937_64 random(5);
  auto store = std::make_shared<EntityStore>();
  for (int i = 0; i < kUsers; ++i) store->UpsertIdentity(RandomUser(random, i));
  for (int i = 0; i < kTools; ++i) store->UpsertResource(RandomTool(random, i));
  EntityLayout layout(ProgramOf(*policy), store);
  size_t records = 0;
  for (const auto& [id, identity] : store->identities()) {
    const IdentityRecord* record = layout.FindIdentity(id);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(record) % 64, 0u) << id;
    ++records;
  }
  for (const auto& [id, resource] : store->resources_by_type().at("tool")) {
    const ResourceRecord* record = layout.FindResource("tool", id);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(record) % 64, 0u) << id;
    ++records;
  }
  EXPECT_EQ(records, static_cast<size_t>(kUsers + kTools));
}

// Every value a record holds reads as the stored value reads through the request's path
// (VmInputs::request, by name): inline and viewed strings, at and past the inline length,
// every type, and values of another kind than declared (which only a store not validated
// against the schema holds), whose reads convert or fail as request values do; each in a slot
// of the record's line and in one past it (after `before` other attributes).
TEST(EntityLayoutTest, ARecordReadsAsItsStoredValues) {
  const std::map<std::string, std::string> types = {{"s", "string"},       {"i", "int"},
                                                    {"b", "bool"},         {"t", "timestamp"},
                                                    {"ss", "set<string>"}, {"is", "set<int>"}};
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(5);
  const std::string long_text(100, 'x');
  const std::vector<std::pair<std::string, Value>> values = {
      {"s", Value::String("")},
      {"s", Value::String("hr")},
      {"s", Value::String(std::string(AttributeSlot::kInlineText, 'a'))},
      {"s", Value::String(std::string(AttributeSlot::kInlineText + 1, 'b'))},
      {"s", Value::String(long_text)},
      {"s", Value::Int(3)},  // not the declared type
      {"s", Value::Opaque("an object")},
      {"i", Value::Int(-7)},
      {"i", Value::String("7")},
      {"b", Value::Bool(true)},
      {"t", Value::Timestamp(t)},
      {"t", Value::String("2026-12-01T00:00:00Z")},  // converted on read
      {"t", Value::String("not a time")},
      {"ss", Value::StringSet({"a", long_text})},
      {"ss", Value::IntSet({})},  // an empty set reads as either
      {"ss", Value::IntSet({1})},
      {"is", Value::IntSet({1, 2})},
      {"is", Value::StringSet({})},
  };
  for (int32_t before = 0; before <= ResourceRecord::kInlineSlots + 1; ++before) {
    for (const auto& [name, value] : values) {
      SCOPED_TRACE(absl::StrCat(name, " = ", value.DebugString(), " after ", before));
      // The slot order is the names' order: a0, a1, ... come first.
      std::string declared;
      for (int32_t j = 0; j < before; ++j) absl::StrAppend(&declared, "a", j, ": int, ");
      absl::StrAppend(&declared, name, ": ", types.at(name));
      absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy(
          {{"p.ward",
            absl::StrCat("schema {\n  user { ", declared, " }\n  resource doc { ", declared,
                         " }\n  action read on doc\n}\npermit user to read on doc;\n")}});
      ASSERT_TRUE(policy.ok()) << policy.status();
      const Program& program = ProgramOf(**policy);
      auto store = std::make_shared<EntityStore>();
      Identity user;
      user.id = "u1";
      user.attrs[name] = value;
      store->UpsertIdentity(user);
      Resource doc;
      doc.type = "doc";
      doc.id = "d1";
      doc.attrs[name] = value;
      store->UpsertResource(doc);
      EntityLayout layout(program, store);

      Request request;
      request.subject = {SubjectKind::kUser, "u1"};
      request.resource = {"doc", "d1", {}};
      request.context[name] = value;
      VmInputs in;
      in.program = &program;
      in.request = &request;
      in.subject_ref = &request.subject;
      in.subject = layout.FindIdentity("u1");
      in.resource = layout.FindResource("doc", "d1");
      ASSERT_NE(in.subject, nullptr);
      ASSERT_NE(in.resource, nullptr);

      AttributeRef ref;
      ref.name = name;
      ref.type = program.schema.subject_attributes[0].at(name).type;
      const int32_t slot = before;
      ref.kind_slot = {slot, -1, -1};
      ref.slot = slot;
      ref.root = Root::kContext;
      Operand expected;
      std::string expected_error;
      const bool expected_ok = Load(ref, in, &expected, &expected_error);
      for (Root root : {Root::kSubject, Root::kResource}) {
        ref.root = root;
        SCOPED_TRACE(RootName(root));
        Operand read;
        std::string error;
        EXPECT_TRUE(Has(ref, in));
        ASSERT_EQ(Load(ref, in, &read, &error), expected_ok) << error;
        if (!expected_ok) {
          // The same message but for the root it names.
          EXPECT_EQ(error.substr(error.find('.')), expected_error.substr(expected_error.find('.')));
          continue;
        }
        ASSERT_EQ(read.kind, expected.kind);
        EXPECT_TRUE(Compare(OpCode::kEq, read, expected));
        if (read.kind == Value::Kind::kString) {
          EXPECT_EQ(read.text, expected.text);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ward::internal
