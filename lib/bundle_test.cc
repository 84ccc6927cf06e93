#include "lib/bundle.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/engine.h"
#include "lib/internal/program.h"
#include "lib/proto/bundle.pb.h"
#include "policy_lang/compiler.h"

namespace ward {
namespace {

using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Example {
  std::string dir;
  std::vector<std::string> sources;
};

const std::vector<Example>& Examples() {
  static const auto* const kExamples = new std::vector<Example>{
      {"examples/agent-runtime", {"schema.ward", "rules.ward"}},
      {"examples/ai-gateway", {"schema.ward", "rules.ward"}},
      {"examples/training-pipeline", {"policy.ward"}},
  };
  return *kExamples;
}

std::shared_ptr<const Policy> CompileExample(const Example& example) {
  std::vector<std::string> paths;
  for (const std::string& source : example.sources) paths.push_back(example.dir + "/" + source);
  absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(paths);
  EXPECT_TRUE(sources.ok()) << sources.status();
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy(*sources);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

// Decides every request of the example with `policy`; one JSON line each.
std::vector<std::string> DecideAll(const Example& example, std::shared_ptr<const Policy> policy) {
  absl::StatusOr<EntityStore> entities =
      EntityStore::FromJson(ReadText(example.dir + "/entities.json"), policy->schema());
  EXPECT_TRUE(entities.ok()) << entities.status();
  auto engine = Engine::Create(policy, *std::move(entities));
  EXPECT_TRUE(engine.ok()) << engine.status();
  std::vector<std::string> decisions;
  std::istringstream lines(ReadText(example.dir + "/requests.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    absl::StatusOr<Request> request = ParseRequestJson(line);
    if (!request.ok()) {
      decisions.push_back("request error");
      continue;
    }
    Trace trace;
    decisions.push_back((*engine)->Explain(*request, &trace).ToJson() + "\n" + trace.ToText());
  }
  return decisions;
}

TEST(BundleTest, RoundTripDecidesTheSameWithTheSameHash) {
  for (const Example& example : Examples()) {
    std::shared_ptr<const Policy> compiled = CompileExample(example);
    ASSERT_NE(compiled, nullptr);
    const std::string bytes = SerializeBundle(*compiled);
    EXPECT_EQ(SerializeBundle(*compiled), bytes) << "bundles are deterministic";
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes);
    ASSERT_TRUE(loaded.ok()) << example.dir << ": " << loaded.status();
    EXPECT_FALSE((*loaded)->has_rules());
    EXPECT_EQ((*loaded)->hash(), compiled->hash());
    EXPECT_EQ((*loaded)->Dump(), compiled->Dump());
    EXPECT_EQ(SerializeBundle(**loaded), bytes);
    const std::vector<std::string> expected = DecideAll(example, compiled);
    EXPECT_GT(expected.size(), 10u);
    EXPECT_EQ(DecideAll(example, *loaded), expected) << example.dir;
  }
}

TEST(BundleTest, RejectsTruncatedAndCorruptedBytes) {
  const std::string bytes = SerializeBundle(*CompileExample(Examples()[0]));
  EXPECT_FALSE(LoadBundle("").ok());
  EXPECT_FALSE(LoadBundle("not a bundle at all").ok());
  for (size_t length = 0; length < bytes.size(); length += 1 + length / 8) {
    absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes.substr(0, length));
    EXPECT_FALSE(loaded.ok()) << "a bundle cut at " << length << " bytes loaded";
  }
  for (size_t position = 0; position < bytes.size(); position += 7) {
    std::string corrupted = bytes;
    corrupted[position] ^= 0x5a;
    EXPECT_FALSE(LoadBundle(corrupted).ok()) << "a bundle with byte " << position << " changed";
  }
  absl::StatusOr<std::shared_ptr<const Policy>> truncated =
      LoadBundle(bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("invalid bundle"));
}

// A bundle whose checksum is right but whose program is not: what a hand-made or buggy
// writer could produce. Each edit must be caught by the loader, never reach the decider.
TEST(BundleTest, RejectsInconsistentPrograms) {
  const std::string bytes = SerializeBundle(*CompileExample(Examples()[0]));
  auto edited = [&](auto edit) {
    bundle::Bundle envelope;
    EXPECT_TRUE(envelope.ParseFromString(bytes));
    bundle::Program program;
    EXPECT_TRUE(program.ParseFromString(envelope.program()));
    edit(&program);
    std::string serialized;
    program.SerializeToString(&serialized);
    envelope.set_program(serialized);
    envelope.set_checksum(internal::Fnv1a64(serialized));
    std::string out;
    envelope.SerializeToString(&out);
    return LoadBundle(out);
  };
  EXPECT_TRUE(edited([](bundle::Program*) {}).ok());
  EXPECT_THAT(std::string(edited([](bundle::Program* p) { p->set_code_args(0, 99999); })
                              .status()
                              .message()),
              HasSubstr("out of range"));
  EXPECT_FALSE(edited([](bundle::Program* p) { p->set_code_ops(0, 200); }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) { p->set_code_ops(0, 7); }).ok());  // pops empty
  EXPECT_FALSE(edited([](bundle::Program* p) { p->add_rule_lists(12345); }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) {
                 p->mutable_exact(0)->mutable_rules()->set_size(1u << 30);
               }).ok());
  EXPECT_FALSE(edited([](bundle::Program* p) { p->mutable_rules(0)->set_when_end(1u << 30); })
                   .ok());
  EXPECT_FALSE(edited([](bundle::Program* p) { p->add_regex_patterns("(unclosed"); }).ok());
  EXPECT_THAT(std::string(edited([](bundle::Program* p) { p->set_hash(p->hash() + 1); })
                              .status()
                              .message()),
              HasSubstr("hash"));
  EXPECT_FALSE(edited([](bundle::Program* p) {
                 p->mutable_attributes(0)->set_kind_slot(0, 50);
               }).ok());
}

TEST(BundleTest, RejectsAnotherFormatVersion) {
  bundle::Bundle envelope;
  ASSERT_TRUE(envelope.ParseFromString(SerializeBundle(*CompileExample(Examples()[2]))));
  envelope.set_format_version(kBundleFormatVersion + 1);
  std::string out;
  envelope.SerializeToString(&out);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(out);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("format version"));
}

}  // namespace
}  // namespace ward
