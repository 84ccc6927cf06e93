// Every public entry point that can fail reports the category of its error (ward/errors.h),
// which the C interface, Python, Node and Go map one for one.

#include "ward/errors.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ward/ward.h"

namespace ward {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"(
schema {
  user { clearance: int }
  resource doc {}
  action read on doc
}
@id("cleared") permit user to read on doc when subject.clearance >= 2;
)";

constexpr char kEntities[] = R"({"identities": [
  {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 3}}]})";

// A file under the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& contents)
      : path_(::testing::TempDir() + name) {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::shared_ptr<const Policy> CompileOrDie() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = CompilePolicy({{"p.ward", kPolicy}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

TEST(ErrorCategoryTest, NamesRoundTripAndMatchTheDocumentedNumbers) {
  const std::vector<std::string> names = {
      "invalid_argument", "policy", "entities", "request", "not_found",
      "bundle",           "io",     "internal", "key",     "redact"};
  ASSERT_EQ(names.size(), static_cast<size_t>(kLastErrorCategory));
  for (size_t i = 0; i < names.size(); ++i) {
    const auto category = static_cast<ErrorCategory>(i + 1);
    EXPECT_EQ(ErrorCategoryName(category), names[i]);
    EXPECT_EQ(ParseErrorCategory(names[i]), category);
  }
  EXPECT_EQ(ParseErrorCategory("compile"), std::nullopt);
  EXPECT_EQ(ParseErrorCategory(""), std::nullopt);
}

TEST(ErrorCategoryTest, TheInnermostCategoryWins) {
  absl::Status key = WithCategory(absl::InvalidArgumentError("bad key"), ErrorCategory::kKey);
  EXPECT_EQ(CategoryOf(WithCategory(key, ErrorCategory::kBundle)), ErrorCategory::kKey);
  EXPECT_EQ(WithCategory(key, ErrorCategory::kBundle).message(), "bad key");
}

TEST(ErrorCategoryTest, UncategorisedStatusesFallBackByCode) {
  EXPECT_EQ(CategoryOf(absl::NotFoundError("x")), ErrorCategory::kNotFound);
  EXPECT_EQ(CategoryOf(absl::InvalidArgumentError("x")), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(CategoryOf(absl::FailedPreconditionError("x")), ErrorCategory::kInternal);
}

TEST(ErrorCategoryTest, InternalFailuresStayInternal) {
  EXPECT_EQ(CategoryOf(WithCategory(absl::InternalError("x"), ErrorCategory::kRequest)),
            ErrorCategory::kInternal);
  // An input over a limit is a fault of that input, not of ward.
  EXPECT_EQ(CategoryOf(WithCategory(absl::ResourceExhaustedError("x"), ErrorCategory::kRequest)),
            ErrorCategory::kRequest);
  EXPECT_TRUE(WithCategory(absl::OkStatus(), ErrorCategory::kRequest).ok());
}

TEST(ErrorCategoryTest, PolicyErrors) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      CompilePolicy({{"bad.ward", "permit user to;"}});
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(CategoryOf(policy.status()), ErrorCategory::kPolicy);
  EXPECT_THAT(policy.status().message(), HasSubstr("bad.ward:1:"));
}

TEST(ErrorCategoryTest, LoadPolicyFilesSeparatesUnreadableFilesFromBadPolicies) {
  absl::StatusOr<std::shared_ptr<const Policy>> missing =
      LoadPolicyFiles({::testing::TempDir() + "no-such-file.ward"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(CategoryOf(missing.status()), ErrorCategory::kIo);
  EXPECT_THAT(missing.status().message(), HasSubstr("no-such-file.ward"));

  TempFile bad("bad.ward", "permit user to;\n");
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const Policy>> invalid =
      LoadPolicyFiles({bad.path()}, &diagnostics);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(CategoryOf(invalid.status()), ErrorCategory::kPolicy);
  EXPECT_TRUE(HasErrors(diagnostics));

  TempFile good("good.ward", kPolicy);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadPolicyFiles({good.path()});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->rule_count(), 1);
}

TEST(ErrorCategoryTest, EntityErrors) {
  std::shared_ptr<const Policy> policy = CompileOrDie();
  absl::StatusOr<EntityStore> from_text = EntityStore::FromJson("{\"x\": 1}", policy->schema());
  ASSERT_FALSE(from_text.ok());
  EXPECT_EQ(CategoryOf(from_text.status()), ErrorCategory::kEntities);

  TempFile bad("bad-entities.json", "{\"identities\": [{\"kind\": \"user\"}]}");
  absl::StatusOr<EntityStore> from_file = EntityStore::FromFile(bad.path(), policy->schema());
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(CategoryOf(from_file.status()), ErrorCategory::kEntities);
  EXPECT_THAT(from_file.status().message(), HasSubstr(bad.path() + ":1:17: "));

  absl::StatusOr<EntityStore> missing =
      EntityStore::FromFile(::testing::TempDir() + "no-such-entities.json", policy->schema());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(CategoryOf(missing.status()), ErrorCategory::kIo);

  TempFile good("entities.json", kEntities);
  absl::StatusOr<EntityStore> loaded = EntityStore::FromFile(good.path(), policy->schema());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->identity_count(), 1);
}

TEST(ErrorCategoryTest, EngineEditErrors) {
  std::shared_ptr<const Policy> policy = CompileOrDie();
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(policy, *EntityStore::FromJson(kEntities, policy->schema()));
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ(CategoryOf((*engine)->RevokeIdentity("nobody")), ErrorCategory::kNotFound);

  Identity wrong;
  wrong.kind = SubjectKind::kUser;
  wrong.id = "u2";
  wrong.attrs["clearance"] = Value::String("high");
  EXPECT_EQ(CategoryOf((*engine)->UpsertIdentity(wrong)), ErrorCategory::kEntities);

  EngineOptions options;
  options.approval_keys = {"not a key"};
  absl::StatusOr<std::unique_ptr<Engine>> keyed = Engine::Create(policy, EntityStore(), options);
  ASSERT_FALSE(keyed.ok());
  EXPECT_EQ(CategoryOf(keyed.status()), ErrorCategory::kKey);
}

TEST(ErrorCategoryTest, RequestErrorsAndTheSharedRules) {
  absl::StatusOr<Request> request = ParseRequestJson("{\"subject\": 1}");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(CategoryOf(request.status()), ErrorCategory::kRequest);

  const absl::Status chain = CheckChainLength("on_behalf_of", kMaxDelegationHops + 1);
  EXPECT_EQ(CategoryOf(chain), ErrorCategory::kRequest);
  EXPECT_EQ(chain.message(), "`on_behalf_of` has 9 entries; at most 8 are allowed");
  EXPECT_TRUE(CheckChainLength("on_behalf_of", kMaxDelegationHops).ok());

  EXPECT_EQ(CheckRequestText("subject.id", "").message(), "`subject.id` must not be empty");
  EXPECT_TRUE(CheckRequestText("subject.id", "u1").ok());

  absl::StatusOr<SubjectKind> kind = SubjectKindAt("subject.kind", "robot");
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(CategoryOf(kind.status()), ErrorCategory::kRequest);
  EXPECT_EQ(kind.status().message(),
            "unknown subject kind `robot` in `subject.kind`; expected user, agent or builder");
  EXPECT_EQ(SubjectKindAt("subject.kind", "agent").value(), SubjectKind::kAgent);

  EXPECT_FALSE(CheckApprovalToken("approval", "").ok());
  EXPECT_FALSE(CheckApprovalToken("approval", std::string(kMaxApprovalTokenBytes + 1, 'a')).ok());
  EXPECT_TRUE(CheckApprovalToken("approval", "a.b.c").ok());

  // The JSON form reports the same words.
  absl::StatusOr<Request> long_chain = ParseRequestJson(
      R"({"subject": {"kind": "user", "id": "u1"}, "action": "read",
          "resource": {"type": "doc", "id": "d"},
          "on_behalf_of": [{"kind": "user", "id": "a"}, {"kind": "user", "id": "a"},
                           {"kind": "user", "id": "a"}, {"kind": "user", "id": "a"},
                           {"kind": "user", "id": "a"}, {"kind": "user", "id": "a"},
                           {"kind": "user", "id": "a"}, {"kind": "user", "id": "a"},
                           {"kind": "user", "id": "a"}]})");
  ASSERT_FALSE(long_chain.ok());
  EXPECT_EQ(long_chain.status().message(), chain.message());
}

TEST(ErrorCategoryTest, BundleAndKeyErrors) {
  std::shared_ptr<const Policy> policy = CompileOrDie();
  absl::StatusOr<std::shared_ptr<const Policy>> corrupt = LoadBundle("not a bundle");
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(CategoryOf(corrupt.status()), ErrorCategory::kBundle);

  BundleLoadOptions bad_key;
  bad_key.trusted_keys = {"not a key"};
  absl::StatusOr<std::shared_ptr<const Policy>> untrusted =
      LoadBundle(SerializeBundle(*policy), bad_key);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(CategoryOf(untrusted.status()), ErrorCategory::kKey);

  absl::StatusOr<SigningKeyPair> pair = GenerateSigningKey();
  ASSERT_TRUE(pair.ok());
  BundleLoadOptions signed_only;
  signed_only.trusted_keys = {pair->public_key_pem};
  TempFile unsigned_bundle("unsigned.bundle", SerializeBundle(*policy));
  absl::StatusOr<std::shared_ptr<const Policy>> refused =
      LoadBundleFile(unsigned_bundle.path(), signed_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(CategoryOf(refused.status()), ErrorCategory::kBundle);
  EXPECT_THAT(refused.status().message(), HasSubstr(unsigned_bundle.path() + ": "));

  absl::StatusOr<std::string> signed_bytes = SerializeSignedBundle(*policy, pair->private_key_pem);
  ASSERT_TRUE(signed_bytes.ok());
  TempFile signed_bundle("signed.bundle", *signed_bytes);
  absl::StatusOr<std::shared_ptr<const Policy>> accepted =
      LoadBundleFile(signed_bundle.path(), signed_only);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ((*accepted)->hash(), policy->hash());

  EXPECT_EQ(CategoryOf(LoadBundleFile(::testing::TempDir() + "none.bundle").status()),
            ErrorCategory::kIo);
  EXPECT_EQ(CategoryOf(SerializeSignedBundle(*policy, "not a key").status()), ErrorCategory::kKey);
  EXPECT_EQ(CategoryOf(PublicKeyOf(pair->public_key_pem).status()), ErrorCategory::kKey);
}

TEST(ErrorCategoryTest, ReadKeyFileChecksTheHalf) {
  absl::StatusOr<SigningKeyPair> pair = GenerateSigningKey();
  ASSERT_TRUE(pair.ok());
  TempFile public_key("key.pub.pem", pair->public_key_pem);
  TempFile private_key("key.pem", pair->private_key_pem);
  EXPECT_EQ(ReadKeyFile(public_key.path(), KeyHalf::kPublic).value(), pair->public_key_pem);
  EXPECT_EQ(ReadKeyFile(private_key.path(), KeyHalf::kPrivate).value(), pair->private_key_pem);

  absl::StatusOr<std::string> swapped = ReadKeyFile(private_key.path(), KeyHalf::kPublic);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(CategoryOf(swapped.status()), ErrorCategory::kKey);
  EXPECT_THAT(swapped.status().message(), HasSubstr(private_key.path() + ": "));
  EXPECT_EQ(CategoryOf(ReadKeyFile(::testing::TempDir() + "none.pem", KeyHalf::kPublic).status()),
            ErrorCategory::kIo);
}

TEST(ErrorCategoryTest, RedactionErrors) {
  Obligations obligations;
  Redaction redaction;
  redaction.pattern = "(";
  redaction.replacement = "x";
  obligations.redact.push_back(redaction);
  absl::StatusOr<std::string> redacted = ApplyRedactions(obligations, "text");
  ASSERT_FALSE(redacted.ok());
  EXPECT_EQ(CategoryOf(redacted.status()), ErrorCategory::kRedact);
}

}  // namespace
}  // namespace ward
