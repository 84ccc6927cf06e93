// Signed bundles: a loader given trusted keys refuses anything not signed by one of them.

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/proto/bundle.pb.h"
#include "ward/approval.h"
#include "ward/bundle.h"
#include "ward/compile.h"

namespace ward {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"(schema {
  user { }
  resource tool { }
  action invoke on tool
}
@id("p") permit user to invoke on tool "search";
)";

class BundleSigningTest : public testing::Test {
 protected:
  BundleSigningTest() {
    absl::StatusOr<std::shared_ptr<const Policy>> compiled =
        CompilePolicy({{"policy.ward", kPolicy}});
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    policy_ = *compiled;
    signer_ = *GenerateSigningKey();
    other_ = *GenerateSigningKey();
  }

  BundleLoadOptions Trusting(const SigningKeyPair& key) {
    BundleLoadOptions options;
    options.trusted_keys.push_back(key.public_key_pem);
    return options;
  }

  std::shared_ptr<const Policy> policy_;
  SigningKeyPair signer_;
  SigningKeyPair other_;
};

TEST_F(BundleSigningTest, ASignedBundleLoadsWhereItsKeyIsTrusted) {
  absl::StatusOr<std::string> bytes = SerializeSignedBundle(*policy_, signer_.private_key_pem);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(*bytes, Trusting(signer_));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->hash(), policy_->hash());
  // Without trusted keys a signed bundle loads as any other.
  EXPECT_TRUE(LoadBundle(*bytes).ok());
  // Two keys trusted, the second one signed.
  BundleLoadOptions both = Trusting(other_);
  both.trusted_keys.push_back(signer_.public_key_pem);
  EXPECT_TRUE(LoadBundle(*bytes, both).ok());
  // Signing is deterministic.
  EXPECT_EQ(*SerializeSignedBundle(*policy_, signer_.private_key_pem), *bytes);
}

TEST_F(BundleSigningTest, RefusesUnsignedBundlesWhenKeysAreTrusted) {
  absl::StatusOr<std::shared_ptr<const Policy>> loaded =
      LoadBundle(SerializeBundle(*policy_), Trusting(signer_));
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("the bundle is not signed"));
}

TEST_F(BundleSigningTest, RefusesBundlesSignedByAnotherKey) {
  absl::StatusOr<std::shared_ptr<const Policy>> loaded =
      LoadBundle(*SerializeSignedBundle(*policy_, other_.private_key_pem), Trusting(signer_));
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("not trusted"));
}

// A bundle changed after signing, even with its checksum made good again, is refused: the
// signature covers the program and the format version.
TEST_F(BundleSigningTest, RefusesABundleChangedAfterSigning) {
  bundle::Bundle envelope;
  ASSERT_TRUE(envelope.ParseFromString(*SerializeSignedBundle(*policy_, signer_.private_key_pem)));
  bundle::Program program;
  ASSERT_TRUE(program.ParseFromString(envelope.program()));
  program.mutable_rules(0)->set_name("renamed");
  std::string changed;
  program.SerializeToString(&changed);
  envelope.set_program(changed);
  std::string bytes;
  envelope.SerializeToString(&bytes);
  absl::StatusOr<std::shared_ptr<const Policy>> loaded = LoadBundle(bytes, Trusting(signer_));
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("does not verify"));

  // The signature moved to another bundle does not verify either.
  bundle::Bundle other;
  ASSERT_TRUE(other.ParseFromString(SerializeBundle(*policy_)));
  other.set_format_version(other.format_version() + 1);
  other.set_signature(envelope.signature());
  other.set_key_id(envelope.key_id());
  other.SerializeToString(&bytes);
  EXPECT_FALSE(LoadBundle(bytes, Trusting(signer_)).ok());
}

TEST_F(BundleSigningTest, RefusesBadKeys) {
  EXPECT_FALSE(SerializeSignedBundle(*policy_, "not a key").ok());
  EXPECT_FALSE(SerializeSignedBundle(*policy_, signer_.public_key_pem).ok());
  BundleLoadOptions bad;
  bad.trusted_keys.push_back("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  absl::StatusOr<std::shared_ptr<const Policy>> loaded =
      LoadBundle(*SerializeSignedBundle(*policy_, signer_.private_key_pem), bad);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("trusted key 1"));
}

}  // namespace
}  // namespace ward
