#include "lib/internal/crypto.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ward::internal {
namespace {

using ::testing::HasSubstr;

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }
std::string ToHex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

// RFC 8032 §7.1, TEST 1 and TEST 2.
constexpr absl::string_view kTest1Secret =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr absl::string_view kTest1Public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr absl::string_view kTest1Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
constexpr absl::string_view kTest2Secret =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr absl::string_view kTest2Public =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr absl::string_view kTest2Signature =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

// RFC 8410 §10.3 (private key) and §10.1 (its public key).
constexpr absl::string_view kRfc8410PrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
    "-----END PRIVATE KEY-----\n";
constexpr absl::string_view kRfc8410PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
    "-----END PUBLIC KEY-----\n";

Ed25519PrivateKey KeyFromSeed(absl::string_view seed_hex) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromRawSeed(Hex(seed_hex));
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

Ed25519PrivateKey NewKey() {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

// A key of another algorithm made with OpenSSL: "RSA", "EC", "ED448", "X25519".
struct ForeignPems {
  std::string public_pem;
  std::string private_pem;
  std::string encrypted_private_pem;
};

ForeignPems MakeForeignKey(const std::string& algorithm) {
  EVP_PKEY* pkey = nullptr;
  if (algorithm == "RSA") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  } else if (algorithm == "EC") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm.c_str());
  }
  EXPECT_NE(pkey, nullptr) << algorithm;
  ForeignPems pems;
  if (pkey == nullptr) return pems;
  const auto write = [](auto&& writer) {
    BIO* bio = BIO_new(BIO_s_mem());
    EXPECT_EQ(writer(bio), 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<size_t>(size));
    BIO_free(bio);
    return text;
  };
  pems.public_pem = write([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey); });
  pems.private_pem = write([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  });
  char passphrase[] = "secret";
  pems.encrypted_private_pem = write([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), passphrase,
                                         sizeof(passphrase) - 1, nullptr, nullptr);
  });
  EVP_PKEY_free(pkey);
  return pems;
}

// ---- SHA-256 -------------------------------------------------------------------------------

TEST(Sha256Test, StreamOverPiecesEqualsTheWhole) {
  std::string data;
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&data, i, ",");
  for (size_t piece : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}, data.size()}) {
    Sha256Stream stream;
    for (size_t at = 0; at < data.size(); at += piece) {
      stream.Update(absl::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(stream.Finish(), Sha256(data)) << "pieces of " << piece;
  }
  Sha256Stream empty;
  EXPECT_EQ(empty.Finish(), Sha256(""));
}

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, BytesMatchHex) {
  const std::array<uint8_t, 32> digest = Sha256("abc");
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
  EXPECT_EQ(ToHex(absl::string_view(reinterpret_cast<const char*>(digest.data()), 32)),
            Sha256Hex("abc"));
  // Bytes that are not text, a NUL included.
  EXPECT_EQ(Sha256Hex(absl::string_view("\0", 1)),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

// ---- base64url -----------------------------------------------------------------------------

TEST(Base64UrlTest, Rfc4648Vectors) {
  // RFC 4648 §10 without padding.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  for (absl::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    absl::StatusOr<std::string> decoded = Base64UrlDecode(Base64UrlEncode(text));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, text);
  }
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlEncode("\xff"), "_w");
  absl::StatusOr<std::string> decoded = Base64UrlDecode("-_-_");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "\xfb\xff\xbf");
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= bytes.size(); length += 1) {
    const absl::string_view input = absl::string_view(bytes).substr(0, length);
    const std::string encoded = Base64UrlEncode(input);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    absl::StatusOr<std::string> decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, input);
  }
}

TEST(Base64UrlTest, RefusesPadding) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode("Zg==");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(), "invalid base64url: padding `=` is not allowed");
  EXPECT_FALSE(Base64UrlDecode("Zm8=").ok());
  EXPECT_FALSE(Base64UrlDecode("=").ok());
}

TEST(Base64UrlTest, RefusesCharactersOutsideTheAlphabet) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode("Zm9+");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "invalid base64url: `+` at offset 3 is not in the alphabet");
  EXPECT_FALSE(Base64UrlDecode("Zm9/").ok());    // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9v\n").ok());  // whitespace
  EXPECT_FALSE(Base64UrlDecode(" Zm9v").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm.v").ok());
  decoded = Base64UrlDecode(absl::string_view("Zm\0v", 4));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "invalid base64url: `\\x00` at offset 2 is not in the alphabet");
  decoded = Base64UrlDecode("Zm\xc3\xa9");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("at offset 2"));
}

TEST(Base64UrlTest, RefusesALengthOfOneMoreThanAMultipleOfFour) {
  for (absl::string_view text : {"A", "Zm9vA", "Zm9vYmFyA"}) {
    absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_THAT(decoded.status().message(), HasSubstr("one more than a multiple of 4"));
  }
}

TEST(Base64UrlTest, RefusesNonZeroUnusedBits) {
  // "Zg" is the only encoding of "f": "Zh" to "Zv" carry the same byte with unused bits set.
  EXPECT_TRUE(Base64UrlDecode("Zg").ok());
  for (absl::string_view text : {"Zh", "Zi", "Zv", "Zm9", "Zm-", "Zm9vYmG"}) {
    absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().message(),
              "invalid base64url: the last character has non-zero unused bits");
  }
  absl::StatusOr<std::string> decoded = Base64UrlDecode("Zm8");  // "fo": 2 unused bits, zero
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "fo");
}

TEST(Base64UrlTest, EveryByteStringHasExactlyOneAcceptedEncoding) {
  // All two- and three-character texts: those that decode are exactly the encodings.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int accepted = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      const std::string text = {a, b};
      absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
      if (!decoded.ok()) continue;
      ++accepted;
      ASSERT_EQ(decoded->size(), 1u);
      EXPECT_EQ(Base64UrlEncode(*decoded), text);
    }
  }
  EXPECT_EQ(accepted, 256);
}

TEST(Base64UrlTest, EmptyTextIsEmptyBytes) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "");
}

// ---- Ed25519 -------------------------------------------------------------------------------

TEST(Ed25519Test, Rfc8032Test1) {
  const Ed25519PrivateKey key = KeyFromSeed(kTest1Secret);
  EXPECT_EQ(ToHex(key.PublicKey().raw()), kTest1Public);
  const std::string signature = key.Sign("");
  EXPECT_EQ(ToHex(signature), kTest1Signature);
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromRaw(Hex(kTest1Public));
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_TRUE(public_key->Verify("", Hex(kTest1Signature)));
  EXPECT_FALSE(public_key->Verify("x", Hex(kTest1Signature)));
}

TEST(Ed25519Test, Rfc8032Test2) {
  const Ed25519PrivateKey key = KeyFromSeed(kTest2Secret);
  EXPECT_EQ(ToHex(key.PublicKey().raw()), kTest2Public);
  EXPECT_EQ(ToHex(key.Sign(Hex("72"))), kTest2Signature);
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromRaw(Hex(kTest2Public));
  ASSERT_TRUE(public_key.ok());
  EXPECT_TRUE(public_key->Verify(Hex("72"), Hex(kTest2Signature)));
  EXPECT_FALSE(public_key->Verify(Hex("73"), Hex(kTest2Signature)));
  // TEST 1's signature is not TEST 2's key's.
  EXPECT_FALSE(public_key->Verify("", Hex(kTest1Signature)));
}

TEST(Ed25519Test, VerifyRefusesTamperedAndMisSizedSignatures) {
  const Ed25519PrivateKey key = NewKey();
  const Ed25519PublicKey public_key = key.PublicKey();
  const std::string message = "approve request 42";
  const std::string signature = key.Sign(message);
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(public_key.Verify(message, signature));
  for (size_t i = 0; i < signature.size(); ++i) {
    std::string tampered = signature;
    tampered[i] ^= 0x01;
    EXPECT_FALSE(public_key.Verify(message, tampered)) << "byte " << i;
  }
  EXPECT_FALSE(public_key.Verify(message, ""));
  EXPECT_FALSE(public_key.Verify(message, signature.substr(0, 63)));
  EXPECT_FALSE(public_key.Verify(message, signature + "x"));
  EXPECT_FALSE(public_key.Verify(message, std::string(64, '\0')));
  EXPECT_FALSE(public_key.Verify(message + " ", signature));
  EXPECT_FALSE(NewKey().PublicKey().Verify(message, signature));
}

TEST(Ed25519Test, SigningIsDeterministic) {
  const Ed25519PrivateKey key = NewKey();
  EXPECT_EQ(key.Sign("m"), key.Sign("m"));
  EXPECT_NE(key.Sign("m"), key.Sign("n"));
  EXPECT_NE(NewKey().PublicKey(), key.PublicKey());
}

TEST(Ed25519Test, KeyIdIsTheStartOfTheKeysHash) {
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromRaw(Hex(kTest1Public));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->KeyId(), Sha256Hex(Hex(kTest1Public)).substr(0, 16));
  EXPECT_EQ(key->KeyId().size(), 16u);
  EXPECT_EQ(KeyFromSeed(kTest1Secret).PublicKey().KeyId(), key->KeyId());
}

TEST(Ed25519Test, RawKeysOfTheWrongLengthAreRefused) {
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromRaw(std::string(31, 'a'));
  ASSERT_FALSE(public_key.ok());
  EXPECT_EQ(public_key.status().message(), "an Ed25519 public key is 32 bytes, not 31");
  EXPECT_FALSE(Ed25519PublicKey::FromRaw("").ok());
  EXPECT_FALSE(Ed25519PublicKey::FromRaw(std::string(33, 'a')).ok());
  absl::StatusOr<Ed25519PrivateKey> private_key = Ed25519PrivateKey::FromRawSeed("short");
  ASSERT_FALSE(private_key.ok());
  EXPECT_EQ(private_key.status().message(), "an Ed25519 secret key is 32 bytes, not 5");
  EXPECT_FALSE(Ed25519PrivateKey::FromRawSeed(std::string(64, 'a')).ok());
}

TEST(Ed25519Test, KeysAreCopyable) {
  const Ed25519PrivateKey key = NewKey();
  Ed25519PrivateKey copy = key;
  EXPECT_EQ(copy.Sign("m"), key.Sign("m"));
  Ed25519PublicKey public_copy = key.PublicKey();
  public_copy = copy.PublicKey();
  EXPECT_TRUE(public_copy.Verify("m", key.Sign("m")));
  std::vector<Ed25519PublicKey> keys(3, public_copy);
  EXPECT_TRUE(keys[2].Verify("m", key.Sign("m")));
}

// ---- PEM -----------------------------------------------------------------------------------

TEST(PemTest, Rfc8410Keys) {
  absl::StatusOr<Ed25519PrivateKey> private_key = Ed25519PrivateKey::FromPem(kRfc8410PrivatePem);
  ASSERT_TRUE(private_key.ok()) << private_key.status();
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(kRfc8410PublicPem);
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(private_key->PublicKey(), *public_key);
  EXPECT_EQ(ToHex(public_key->raw()),
            "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1");
  EXPECT_EQ(public_key->ToPem(), kRfc8410PublicPem);
  EXPECT_EQ(private_key->PublicKey().ToPem(), kRfc8410PublicPem);
  EXPECT_EQ(private_key->ToPem(), kRfc8410PrivatePem);
  // The seed of RFC 8410 §10.3 gives the same key.
  const Ed25519PrivateKey from_seed =
      KeyFromSeed("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842");
  EXPECT_EQ(from_seed.ToPem(), kRfc8410PrivatePem);
}

TEST(PemTest, RoundTrips) {
  const Ed25519PrivateKey key = NewKey();
  const std::string private_pem = key.ToPem();
  EXPECT_THAT(private_pem, ::testing::StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  absl::StatusOr<Ed25519PrivateKey> read_back = Ed25519PrivateKey::FromPem(private_pem);
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  EXPECT_EQ(read_back->PublicKey(), key.PublicKey());
  EXPECT_EQ(read_back->Sign("m"), key.Sign("m"));
  EXPECT_EQ(read_back->ToPem(), private_pem);

  const std::string public_pem = key.PublicKey().ToPem();
  EXPECT_THAT(public_pem, ::testing::StartsWith("-----BEGIN PUBLIC KEY-----\n"));
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(public_pem);
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(*public_key, key.PublicKey());
  EXPECT_EQ(public_key->ToPem(), public_pem);
}

TEST(PemTest, TextAroundTheBlockIsIgnored) {
  const std::string pem = absl::StrCat("a comment\n", kRfc8410PublicPem, "trailing text\n");
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromPem(pem);
  ASSERT_TRUE(key.ok()) << key.status();
  // A public key file may come after a private key in one file.
  key = Ed25519PublicKey::FromPem(absl::StrCat(kRfc8410PrivatePem, kRfc8410PublicPem));
  ASSERT_TRUE(key.ok()) << key.status();
  // CRLF line ends.
  key = Ed25519PublicKey::FromPem(absl::StrReplaceAll(kRfc8410PublicPem, {{"\n", "\r\n"}}));
  ASSERT_TRUE(key.ok()) << key.status();
}

TEST(PemTest, ForeignKeysAreRefusedSayingWhatTheyAre) {
  struct Case {
    std::string algorithm;
    std::string found;
  };
  for (const Case& c : std::vector<Case>{{"RSA", "found an RSA key (1024 bits)"},
                                         {"EC", "found an EC key (256 bits)"},
                                         {"ED448", "found an ED448 key"},
                                         {"X25519", "found an X25519 key"}}) {
    SCOPED_TRACE(c.algorithm);
    const ForeignPems pems = MakeForeignKey(c.algorithm);
    absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(pems.public_pem);
    ASSERT_FALSE(public_key.ok());
    EXPECT_EQ(public_key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(public_key.status().message(), HasSubstr("not an Ed25519 key: " + c.found));
    absl::StatusOr<Ed25519PrivateKey> private_key = Ed25519PrivateKey::FromPem(pems.private_pem);
    ASSERT_FALSE(private_key.ok());
    EXPECT_THAT(private_key.status().message(), HasSubstr("not an Ed25519 key: " + c.found));
  }
}

TEST(PemTest, EncryptedPrivateKeysAreRefused) {
  const ForeignPems pems = MakeForeignKey("EC");
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromPem(pems.encrypted_private_pem);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().message(), HasSubstr("the private key is encrypted"));

  // An encrypted Ed25519 key too.
  const Ed25519PrivateKey ed25519 = NewKey();
  absl::StatusOr<Ed25519PrivateKey> reread = Ed25519PrivateKey::FromPem(ed25519.ToPem());
  ASSERT_TRUE(reread.ok());
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(Hex(kTest1Secret).data()),
      32);
  ASSERT_NE(pkey, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  char passphrase[] = "pw";
  ASSERT_EQ(
      PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_128_cbc(), passphrase, 2, nullptr, nullptr),
      1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string encrypted(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  key = Ed25519PrivateKey::FromPem(encrypted);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().message(), HasSubstr("the private key is encrypted"));
}

TEST(PemTest, WrongKindOfBlock) {
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(kRfc8410PrivatePem);
  ASSERT_FALSE(public_key.ok());
  EXPECT_EQ(public_key.status().message(),
            "expected a PEM public key (-----BEGIN PUBLIC KEY-----), found -----BEGIN PRIVATE "
            "KEY-----");
  absl::StatusOr<Ed25519PrivateKey> private_key = Ed25519PrivateKey::FromPem(kRfc8410PublicPem);
  ASSERT_FALSE(private_key.ok());
  EXPECT_EQ(private_key.status().message(),
            "expected a PEM private key (-----BEGIN PRIVATE KEY-----), found -----BEGIN PUBLIC "
            "KEY-----");
  // A traditional (not PKCS#8) key.
  private_key = Ed25519PrivateKey::FromPem(
      "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
  ASSERT_FALSE(private_key.ok());
  EXPECT_THAT(private_key.status().message(),
              HasSubstr("expected a PKCS#8 private key (-----BEGIN PRIVATE KEY-----), found "
                        "-----BEGIN RSA PRIVATE KEY-----"));
}

TEST(PemTest, GarbageIsRefusedWithoutCrashing) {
  std::mt19937 random(7);
  std::vector<std::string> inputs = {
      "",
      "garbage",
      "-----BEGIN PUBLIC KEY-----",
      "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
      "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lsh\n-----END PUBLIC "
      "KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8f\n-----END PRIVATE "
      "KEY-----\n",
      // Valid base64, not a key.
      "-----BEGIN PUBLIC KEY-----\nZm9vYmFy\n-----END PUBLIC KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nZm9vYmFy\n-----END PRIVATE KEY-----\n",
      // No end line.
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n",
      std::string(100, '-'),
      "-----BEGIN -----BEGIN -----BEGIN ",
  };
  // Truncations of valid keys at every length that cuts into the end line.
  for (size_t length = 0; length + 2 < kRfc8410PublicPem.size(); ++length) {
    inputs.emplace_back(kRfc8410PublicPem.substr(0, length));
  }
  for (size_t length = 0; length + 2 < kRfc8410PrivatePem.size(); ++length) {
    inputs.emplace_back(kRfc8410PrivatePem.substr(0, length));
  }
  // Random bytes, with and without PEM lines around them.
  for (int i = 0; i < 50; ++i) {
    std::string bytes(static_cast<size_t>(random() % 200), '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    inputs.push_back(bytes);
    inputs.push_back(absl::StrCat("-----BEGIN PUBLIC KEY-----\n", Base64UrlEncode(bytes),
                                  "\n-----END PUBLIC KEY-----\n"));
    inputs.push_back(absl::StrCat("-----BEGIN PRIVATE KEY-----\n", absl::Base64Escape(bytes),
                                  "\n-----END PRIVATE KEY-----\n"));
  }
  // A changed character in the body of a valid key: OpenSSL may read another key (or, for the
  // character before the padding, the same key with a stray byte after it), never crash.
  for (size_t i = 27; i < 27 + 60; ++i) {
    std::string pem(kRfc8410PublicPem);
    pem[i] = pem[i] == 'A' ? 'B' : 'A';
    inputs.push_back(pem);
  }
  for (const std::string& input : inputs) {
    SCOPED_TRACE(absl::CHexEscape(input));
    absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(input);
    if (public_key.ok()) {
      EXPECT_EQ(public_key->raw().size(), 32u);
    } else {
      EXPECT_EQ(public_key.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_FALSE(public_key.status().message().empty());
    }
    absl::StatusOr<Ed25519PrivateKey> private_key = Ed25519PrivateKey::FromPem(input);
    EXPECT_FALSE(private_key.ok());
    // No error is left behind in this thread's OpenSSL queue.
    EXPECT_EQ(ERR_peek_error(), 0u);
  }
}

TEST(PemTest, MessagesForBrokenBlocks) {
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromPem("");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(), "no PEM block found (expected -----BEGIN PUBLIC KEY-----)");
  key = Ed25519PublicKey::FromPem("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()),
              ::testing::StartsWith("invalid PEM public key: the PEM block is malformed ("));
  key =
      Ed25519PublicKey::FromPem("-----BEGIN PUBLIC KEY-----\nZm9vYmFy\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(),
            "invalid PEM public key: the key is not a SubjectPublicKeyInfo of a supported type");
}

TEST(PemTest, HugeTextIsRefused) {
  std::string pem = absl::StrCat(std::string(70000, '#'), "\n", kRfc8410PublicPem);
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromPem(pem);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(),
            absl::StrCat("PEM text is ", pem.size(), " bytes; the limit is 65536"));
  // A huge base64 body within the limit is no key either.
  pem = absl::StrCat("-----BEGIN PUBLIC KEY-----\n", std::string(60000, 'A'),
                     "\n-----END PUBLIC KEY-----\n");
  EXPECT_FALSE(Ed25519PublicKey::FromPem(pem).ok());
  EXPECT_FALSE(Ed25519PrivateKey::FromPem(absl::StrReplaceAll(pem, {{"PUBLIC", "PRIVATE"}})).ok());
}

// ---- Threads -------------------------------------------------------------------------------

TEST(Ed25519Test, ManyThreadsVerifyWithOneKey) {
  const Ed25519PrivateKey key = NewKey();
  const Ed25519PublicKey public_key = key.PublicKey();
  const std::string good = key.Sign("message");
  std::string bad = good;
  bad[5] ^= 0x40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!public_key.Verify("message", good)) ++failures;
        if (public_key.Verify("message", bad)) ++failures;
        if (key.Sign("message") != good) ++failures;
        if (ERR_peek_error() != 0) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- JWS -----------------------------------------------------------------------------------

constexpr absl::string_view kTyp = "ward-approval+jwt";

// "<header>.<payload>.<signature>" of a token.
std::vector<std::string> Parts(absl::string_view token) { return absl::StrSplit(token, '.'); }

std::string Decode(absl::string_view text) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : "";
}

// A token with the given header, signed by `key` (the header need not be what JwsSign writes).
std::string SignWithHeader(absl::string_view header, absl::string_view payload,
                           const Ed25519PrivateKey& key) {
  std::string input = absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  return absl::StrCat(input, ".", Base64UrlEncode(key.Sign(input)));
}

TEST(JwsTest, SignThenVerify) {
  const Ed25519PrivateKey key = NewKey();
  const std::string payload = R"({"request":"r-17","approved":true})";
  const std::string token = JwsSign(payload, kTyp, key);
  const std::vector<std::string> parts = Parts(token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Decode(parts[0]), absl::StrCat(R"({"alg":"EdDSA","kid":")", key.PublicKey().KeyId(),
                                           R"(","typ":"ward-approval+jwt"})"));
  EXPECT_EQ(Decode(parts[1]), payload);
  EXPECT_EQ(Decode(parts[2]).size(), 64u);

  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  absl::StatusOr<JwsVerified> verified = JwsVerify(token, trusted, kTyp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->payload, payload);
  EXPECT_EQ(verified->kid, key.PublicKey().KeyId());
  // Without a type to expect, any type will do.
  EXPECT_TRUE(JwsVerify(token, trusted, "").ok());
}

TEST(JwsTest, Rfc8037Example) {
  // RFC 8037 Appendix A.4: "Example Ed25519 Signing" with the key of A.1.
  absl::StatusOr<std::string> seed = Base64UrlDecode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  ASSERT_TRUE(seed.ok());
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromRawSeed(*seed);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Base64UrlEncode(key->PublicKey().raw()), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  const std::string token =
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  const std::vector<Ed25519PublicKey> trusted = {key->PublicKey()};
  absl::StatusOr<JwsVerified> verified = JwsVerify(token, trusted, "");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->payload, "Example of Ed25519 signing");
  EXPECT_EQ(verified->kid, key->PublicKey().KeyId());
  // The header has no `typ`, so a required one is missing.
  absl::StatusOr<JwsVerified> typed = JwsVerify(token, trusted, kTyp);
  ASSERT_FALSE(typed.ok());
  EXPECT_THAT(typed.status().message(), HasSubstr("no `typ`"));
}

TEST(JwsTest, TamperedPartsAreRefused) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const std::string token = JwsSign(R"({"n":1})", kTyp, key);
  const std::vector<std::string> parts = Parts(token);

  // Another payload under the same header and signature.
  std::string tampered = absl::StrCat(parts[0], ".", Base64UrlEncode(R"({"n":2})"), ".", parts[2]);
  absl::StatusOr<JwsVerified> verified = JwsVerify(tampered, trusted, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verified.status().message(), "bad signature");

  // Another header (same kid and alg, another typ).
  const std::string header =
      absl::StrCat(R"({"alg":"EdDSA","kid":")", key.PublicKey().KeyId(), R"(","typ":"other"})");
  tampered = absl::StrCat(Base64UrlEncode(header), ".", parts[1], ".", parts[2]);
  verified = JwsVerify(tampered, trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "bad signature");

  // Every flipped bit of the signature.
  const std::string signature = Decode(parts[2]);
  for (size_t i = 0; i < signature.size(); i += 7) {
    std::string flipped = signature;
    flipped[i] ^= 0x20;
    tampered = absl::StrCat(parts[0], ".", parts[1], ".", Base64UrlEncode(flipped));
    EXPECT_FALSE(JwsVerify(tampered, trusted, kTyp).ok()) << i;
  }
  // A short signature.
  tampered = absl::StrCat(parts[0], ".", parts[1], ".", Base64UrlEncode(signature.substr(0, 32)));
  verified = JwsVerify(tampered, trusted, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "bad signature");
  // An empty signature.
  verified = JwsVerify(absl::StrCat(parts[0], ".", parts[1], "."), trusted, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "bad signature");
  // A signature whose encoding is not canonical (unused bits set in its last character).
  std::string noncanonical = parts[2];
  ASSERT_EQ(noncanonical.size(), 86u);  // 64 bytes: the last character has 4 unused bits
  // The last character's value is a multiple of 16 (A, Q, g or w); the next one sets an
  // unused bit.
  ASSERT_NE(std::string("AQgw").find(noncanonical.back()), std::string::npos);
  noncanonical.back() = static_cast<char>(noncanonical.back() + 1);
  verified = JwsVerify(absl::StrCat(parts[0], ".", parts[1], ".", noncanonical), trusted, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("invalid JWS signature: invalid base64url"));
}

TEST(JwsTest, WrongAndUntrustedKeys) {
  const Ed25519PrivateKey key = NewKey();
  const Ed25519PrivateKey other = NewKey();
  const std::string token = JwsSign("{}", kTyp, key);

  // The kid names a key that is not trusted.
  const std::vector<Ed25519PublicKey> only_other = {other.PublicKey()};
  absl::StatusOr<JwsVerified> verified = JwsVerify(token, only_other, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verified.status().message(), absl::StrCat("signed by a key that is not trusted (kid `",
                                                      key.PublicKey().KeyId(), "`)"));
  verified = JwsVerify(token, {}, kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("signed by a key that is not trusted"));

  // The kid names a trusted key, but another key signed.
  const std::string header =
      absl::StrCat(R"({"alg":"EdDSA","kid":")", key.PublicKey().KeyId(), R"("})");
  const std::vector<Ed25519PublicKey> both = {key.PublicKey(), other.PublicKey()};
  verified = JwsVerify(SignWithHeader(header, "{}", other), both, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "bad signature");

  // No kid: the keys are tried in turn.
  const std::string no_kid = SignWithHeader(R"({"alg":"EdDSA"})", "{}", other);
  verified = JwsVerify(no_kid, both, "");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->kid, other.PublicKey().KeyId());
  const std::vector<Ed25519PublicKey> only_key = {key.PublicKey()};
  verified = JwsVerify(no_kid, only_key, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(verified.status().message()), ::testing::StartsWith("bad signature"));
  verified = JwsVerify(no_kid, {}, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("not trusted"));
}

TEST(JwsTest, KidSelectsAmongTrustedKeys) {
  const Ed25519PrivateKey first = NewKey();
  const Ed25519PrivateKey second = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {first.PublicKey(), second.PublicKey()};
  absl::StatusOr<JwsVerified> verified = JwsVerify(JwsSign("1", kTyp, first), trusted, kTyp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->kid, first.PublicKey().KeyId());
  EXPECT_EQ(verified->payload, "1");
  verified = JwsVerify(JwsSign("2", kTyp, second), trusted, kTyp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->kid, second.PublicKey().KeyId());
  EXPECT_EQ(verified->payload, "2");
}

TEST(JwsTest, OnlyEdDsaIsAccepted) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  // alg "none" with an empty signature.
  absl::StatusOr<JwsVerified> verified =
      JwsVerify(absl::StrCat(Base64UrlEncode(R"({"alg":"none"})"), ".", Base64UrlEncode("{}"), "."),
                trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(verified.status().message(), "unsupported algorithm `none`");
  // HS256, even with a valid Ed25519 signature.
  verified = JwsVerify(SignWithHeader(R"({"alg":"HS256"})", "{}", key), trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "unsupported algorithm `HS256`");
  // "Ed25519" and "eddsa" are not "EdDSA".
  for (absl::string_view alg : {"Ed25519", "eddsa", "EdDSA "}) {
    verified = JwsVerify(SignWithHeader(absl::StrCat(R"({"alg":")", alg, R"("})"), "{}", key),
                         trusted, "");
    ASSERT_FALSE(verified.ok()) << alg;
    EXPECT_EQ(verified.status().message(), absl::StrCat("unsupported algorithm `", alg, "`"));
  }
  verified = JwsVerify(SignWithHeader(R"({"kid":"x"})", "{}", key), trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "invalid JWS header: no `alg`");
  verified = JwsVerify(SignWithHeader(R"({"alg":["EdDSA"]})", "{}", key), trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "invalid JWS header: `alg` is an array, not a string");
}

TEST(JwsTest, HeaderChecks) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const auto verify = [&](absl::string_view header, absl::string_view expected_typ) {
    return JwsVerify(SignWithHeader(header, "{}", key), trusted, expected_typ);
  };
  absl::StatusOr<JwsVerified> verified = verify(R"({"alg":"EdDSA","crit":["exp"]})", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("`crit`"));
  verified = verify(R"({"alg":"EdDSA","b64":false,"crit":["b64"]})", "");
  EXPECT_FALSE(verified.ok());

  verified = verify(R"({"alg":"EdDSA","typ":"other"})", kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(),
            "unexpected JWS type `other` (expected `ward-approval+jwt`)");
  verified = verify(R"({"alg":"EdDSA"})", kTyp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(),
            "invalid JWS header: no `typ` (expected `ward-approval+jwt`)");
  EXPECT_TRUE(verify(R"({"alg":"EdDSA","typ":"ward-approval+jwt"})", kTyp).ok());
  verified = verify(R"({"alg":"EdDSA","typ":7})", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "invalid JWS header: `typ` is an int, not a string");
  verified = verify(R"({"alg":"EdDSA","kid":7})", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(), "invalid JWS header: `kid` is an int, not a string");

  // Not an object, not JSON, repeated keys, too deep.
  verified = verify(R"(["EdDSA"])", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().message(),
            "invalid JWS header: expected a JSON object, found an array");
  verified = verify("{alg:EdDSA}", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(std::string(verified.status().message()),
              ::testing::StartsWith("invalid JWS header: invalid JSON"));
  verified = verify(R"({"alg":"EdDSA","alg":"none"})", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("duplicate key `alg`"));
  verified = verify(R"({"alg":"EdDSA","x":[[[[1]]]]})", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("nested deeper than 4 levels"));
  verified = verify("", "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(std::string(verified.status().message()),
              ::testing::StartsWith("invalid JWS header"));
  // Unknown members are ignored.
  EXPECT_TRUE(verify(R"({"alg":"EdDSA","x5u":"https://example.com","jku":1})", "").ok());
}

TEST(JwsTest, MalformedTokens) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const std::string token = JwsSign("{}", kTyp, key);
  const std::vector<std::string> parts = Parts(token);
  struct Case {
    std::string token;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "not a JWS compact token (the token is empty)"},
      {"abc",
       "not a JWS compact token (expected three base64url parts separated by two dots, "
       "found 0 dots)"},
      {parts[0] + "." + parts[1],
       "not a JWS compact token (expected three base64url parts separated by two dots, found "
       "1 dot)"},
      {token + ".",
       "not a JWS compact token (expected three base64url parts separated by two "
       "dots, found 3 dots)"},
      {token + "." + parts[2],
       "not a JWS compact token (expected three base64url parts "
       "separated by two dots, found 3 dots)"},
      {"..", "invalid JWS header: invalid JSON"},
      {parts[0] + "=." + parts[1] + "." + parts[2],
       "invalid JWS header: invalid base64url: padding `=` is not allowed"},
      {parts[0] + ".e30=." + parts[2],
       "invalid JWS payload: invalid base64url: padding `=` is not allowed"},
      {parts[0] + "." + parts[1] + "." + parts[2] + "=",
       "invalid JWS signature: invalid base64url: padding `=` is not allowed"},
      {parts[0] + ".e3+." + parts[2],
       "invalid JWS payload: invalid base64url: `+` at offset 2 is not in the alphabet"},
      {" " + token,
       "invalid JWS header: invalid base64url: ` ` at offset 0 is not in the "
       "alphabet"},
      {token + "\n",
       "invalid JWS signature: invalid base64url: `\\n` at offset 86 is not in "
       "the alphabet"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<JwsVerified> verified = JwsVerify(c.token, trusted, kTyp);
    ASSERT_FALSE(verified.ok()) << c.token;
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument) << c.token;
    EXPECT_THAT(std::string(verified.status().message()), ::testing::StartsWith(c.message))
        << c.token;
  }
}

TEST(JwsTest, HugeTokenIsRefused) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  // The largest payload that fits, and one byte more.
  std::string payload(12000, 'x');
  std::string token = JwsSign(payload, "", key);
  ASSERT_LE(token.size(), kMaxJwsTokenBytes);
  const size_t room = (kMaxJwsTokenBytes - token.size()) / 4 * 3;
  payload.append(room, 'x');
  token = JwsSign(payload, "", key);
  ASSERT_LE(token.size(), kMaxJwsTokenBytes);
  EXPECT_TRUE(JwsVerify(token, trusted, "").ok());
  payload.append(3, 'x');
  token = JwsSign(payload, "", key);
  ASSERT_GT(token.size(), kMaxJwsTokenBytes);
  absl::StatusOr<JwsVerified> verified = JwsVerify(token, trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      verified.status().message(),
      absl::StrCat("the token is ", token.size(), " bytes; a JWS token may have at most 16384"));
  verified = JwsVerify(std::string(1 << 20, '.'), trusted, "");
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), HasSubstr("bytes; a JWS token may have at most"));
}

TEST(JwsTest, PayloadIsKeptByteForByte) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  static constexpr char kPayload[] = "{ \"a\" : \"\xe2\x82\xac\" ,\n\"b\":[1, 2] }\0tail";
  const std::string payload(kPayload, sizeof(kPayload) - 1);
  absl::StatusOr<JwsVerified> verified = JwsVerify(JwsSign(payload, kTyp, key), trusted, kTyp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->payload, payload);
}

TEST(JwsTest, TypIsEscapedInTheHeader) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const std::string typ = "a\"b\\c";
  const std::string token = JwsSign("{}", typ, key);
  EXPECT_EQ(
      Decode(Parts(token)[0]),
      absl::StrCat(R"({"alg":"EdDSA","kid":")", key.PublicKey().KeyId(), R"(","typ":"a\"b\\c"})"));
  EXPECT_TRUE(JwsVerify(token, trusted, typ).ok());
  // An empty typ leaves the member out.
  EXPECT_EQ(Decode(Parts(JwsSign("{}", "", key))[0]),
            absl::StrCat(R"({"alg":"EdDSA","kid":")", key.PublicKey().KeyId(), R"("})"));
}

TEST(JwsTest, GarbageTokensFailWithoutCrashing) {
  const Ed25519PrivateKey key = NewKey();
  const std::vector<Ed25519PublicKey> trusted = {key.PublicKey()};
  const std::string token = JwsSign(R"({"x":1})", kTyp, key);
  std::mt19937 random(11);
  for (int i = 0; i < 300; ++i) {
    std::string mutated = token;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      mutated[random() % mutated.size()] = static_cast<char>(random());
    }
    absl::StatusOr<JwsVerified> verified = JwsVerify(mutated, trusted, kTyp);
    if (verified.ok()) {
      // Only a change that leaves the token as it was can verify.
      EXPECT_EQ(mutated, token);
    }
    EXPECT_EQ(ERR_peek_error(), 0u);
  }
}

}  // namespace
}  // namespace ward::internal
