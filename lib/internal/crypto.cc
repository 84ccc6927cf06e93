#include "lib/internal/crypto.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/internal/canonical_json.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"

namespace ward::internal {
namespace {

constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kEd25519SignatureBytes = 64;
constexpr size_t kMaxPemBytes = 64 * 1024;
constexpr size_t kMaxJwsHeaderBytes = 4096;
constexpr size_t kMaxJwsHeaderDepth = 4;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct PkeyFree {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

std::shared_ptr<EVP_PKEY> Share(PkeyPtr pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey.release(), PkeyFree());
}

// Clears the calling thread's OpenSSL error queue when it goes out of scope, so that no error
// of ours is left for the next OpenSSL user on this thread.
class ErrorQueueCleaner {
 public:
  ErrorQueueCleaner() = default;
  ErrorQueueCleaner(const ErrorQueueCleaner&) = delete;
  ErrorQueueCleaner& operator=(const ErrorQueueCleaner&) = delete;
  ~ErrorQueueCleaner() { ERR_clear_error(); }
};

// The reason text of the earliest error in this thread's OpenSSL queue ("bad base64 decode"),
// or "unknown error". Clears the queue.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_peek_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : absl::StrCat("error code ", ERR_GET_REASON(code));
  }
  ERR_clear_error();
  return reason.empty() ? "unknown error" : reason;
}

// A read-only memory BIO over `text`, which must outlive it.
BioPtr ReadBio(absl::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// What a memory BIO holds.
std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(size));
}

// Never asked for a passphrase: encrypted keys are refused before OpenSSL reads them, and
// this keeps OpenSSL from prompting on a terminal should it try anyway.
int RefusePassphrase(char*, int, int, void*) { return -1; }

// A PEM block's encapsulation boundary: "-----BEGIN PUBLIC KEY-----" starts at `offset`.
struct PemBlock {
  size_t offset;
  absl::string_view label;  // "PUBLIC KEY"
};

// The "-----BEGIN LABEL-----" lines of `text`, in order. Labels are looked for in the 80
// characters after "-----BEGIN " only, which keeps the scan linear.
std::vector<PemBlock> FindPemBlocks(absl::string_view text) {
  static constexpr absl::string_view kBegin = "-----BEGIN ";
  static constexpr absl::string_view kDashes = "-----";
  static constexpr size_t kMaxLabel = 80;
  std::vector<PemBlock> blocks;
  size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != absl::string_view::npos) {
    const size_t label_start = pos + kBegin.size();
    const absl::string_view rest = text.substr(label_start, kMaxLabel + kDashes.size());
    const size_t label_end = rest.find(kDashes);
    if (label_end != absl::string_view::npos &&
        rest.substr(0, label_end).find_first_of("\r\n") == absl::string_view::npos) {
      blocks.push_back({pos, rest.substr(0, label_end)});
    }
    pos = label_start;
  }
  return blocks;
}

std::string BeginLine(absl::string_view label) {
  return absl::StrCat("-----BEGIN ", Abbreviate(label, 40), "-----");
}

// Why OpenSSL could not read the key of the PEM block at the start of `text`: the PEM layer's
// complaint ("bad base64 decode") when the block itself is broken, else `bad_key`. OpenSSL 3's
// key decoders say no more than "unsupported" whatever went wrong, so this asks the PEM layer
// alone.
std::string DiagnosePemBlock(absl::string_view text, absl::string_view bad_key) {
  ERR_clear_error();
  BioPtr bio = ReadBio(text);
  if (bio == nullptr) return TakeOpenSslError();
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  const int ok = PEM_read_bio(bio.get(), &name, &header, &data, &length);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, length > 0 ? static_cast<size_t>(length) : 0);
  if (!ok) return absl::StrCat("the PEM block is malformed (", TakeOpenSslError(), ")");
  ERR_clear_error();
  return std::string(bad_key);
}

// "an RSA key (2048 bits)", "an ED448 key (456 bits)".
std::string DescribeKey(const EVP_PKEY* pkey) {
  const char* name = EVP_PKEY_get0_type_name(pkey);
  if (name == nullptr || *name == '\0') return "a key of an unknown type";
  // Letters whose English names start with a vowel sound take "an": "an RSA", "an EC".
  const absl::string_view vowel_sound = "AEFHILMNORSXaeiou";
  const char* article = vowel_sound.find(name[0]) != absl::string_view::npos ? "an" : "a";
  std::string description = absl::StrCat(article, " ", name, " key");
  const int bits = EVP_PKEY_get_bits(pkey);
  if (bits > 0) absl::StrAppend(&description, " (", bits, " bits)");
  return description;
}

absl::Status CheckEd25519(const EVP_PKEY* pkey) {
  if (EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("not an Ed25519 key: found ", DescribeKey(pkey)));
}

absl::Status CheckPemSize(absl::string_view pem) {
  if (pem.size() <= kMaxPemBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("PEM text is ", pem.size(), " bytes; the limit is ", kMaxPemBytes));
}

absl::Status RawKeyLengthError(absl::string_view what, size_t size) {
  return absl::InvalidArgumentError(
      absl::StrCat("an Ed25519 ", what, " is ", kEd25519KeyBytes, " bytes, not ", size));
}

// The value of each base64url character, or -1.
constexpr std::array<int8_t, 256> MakeBase64UrlTable() {
  std::array<int8_t, 256> table{};
  for (int8_t& value : table) value = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<int8_t, 256> kBase64UrlValues = MakeBase64UrlTable();

absl::Status NotCompact(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("not a JWS compact token (", why, ")"));
}

}  // namespace

std::array<uint8_t, 32> Sha256(absl::string_view data) {
  std::array<uint8_t, 32> digest{};
  if (SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data()) ==
      nullptr) {
    // Only a failure to allocate can get here; there is no digest to return.
    std::abort();
  }
  return digest;
}

// As in Sha256, only a failure to allocate can make these fail.
Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(context_); }

void Sha256Stream::Update(absl::string_view data) {
  if (EVP_DigestUpdate(context_, data.data(), data.size()) != 1) std::abort();
}

std::array<uint8_t, 32> Sha256Stream::Finish() {
  std::array<uint8_t, 32> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_, digest.data(), &size) != 1 || size != digest.size()) {
    std::abort();
  }
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const std::array<uint8_t, 32> digest = Sha256(data);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string Base64UrlEncode(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (kBase64UrlValues[c] >= 0) continue;
    if (c == '=') {
      return absl::InvalidArgumentError("invalid base64url: padding `=` is not allowed");
    }
    return absl::InvalidArgumentError(absl::StrCat("invalid base64url: `",
                                                   absl::CHexEscape(text.substr(i, 1)),
                                                   "` at offset ", i, " is not in the alphabet"));
  }
  const size_t remainder = text.size() % 4;
  if (remainder == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid base64url: ", text.size(),
                     " characters (one more than a multiple of 4) encode no whole bytes"));
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  const auto value = [&](size_t i) {
    return static_cast<uint32_t>(kBase64UrlValues[static_cast<unsigned char>(text[i])]);
  };
  const size_t whole = text.size() - remainder;
  for (size_t i = 0; i < whole; i += 4) {
    const uint32_t group = value(i) << 18 | value(i + 1) << 12 | value(i + 2) << 6 | value(i + 3);
    out.push_back(static_cast<char>(group >> 16));
    out.push_back(static_cast<char>(group >> 8 & 0xFF));
    out.push_back(static_cast<char>(group & 0xFF));
  }
  if (remainder == 2) {
    // 12 bits: one byte and 4 unused bits.
    const uint32_t group = value(whole) << 6 | value(whole + 1);
    if ((group & 0xF) != 0) {
      return absl::InvalidArgumentError(
          "invalid base64url: the last character has non-zero unused bits");
    }
    out.push_back(static_cast<char>(group >> 4));
  } else if (remainder == 3) {
    // 18 bits: two bytes and 2 unused bits.
    const uint32_t group = value(whole) << 12 | value(whole + 1) << 6 | value(whole + 2);
    if ((group & 0x3) != 0) {
      return absl::InvalidArgumentError(
          "invalid base64url: the last character has non-zero unused bits");
    }
    out.push_back(static_cast<char>(group >> 10));
    out.push_back(static_cast<char>(group >> 2 & 0xFF));
  }
  return out;
}

// ---- Ed25519PublicKey ----------------------------------------------------------------------

Ed25519PublicKey::Ed25519PublicKey(std::shared_ptr<EVP_PKEY> pkey, std::string raw)
    : pkey_(std::move(pkey)), raw_(std::move(raw)), key_id_(Sha256Hex(raw_).substr(0, 16)) {}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromPkey(const EVP_PKEY* pkey) {
  if (absl::Status status = CheckEd25519(pkey); !status.ok()) return status;
  std::string raw(kEd25519KeyBytes, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != kEd25519KeyBytes) {
    return absl::InternalError(
        absl::StrCat("cannot read the Ed25519 public key: ", TakeOpenSslError()));
  }
  // A private key object would do for verifying, but holding the secret where only the
  // public half is needed is a liability: keep a public-only copy.
  PkeyPtr public_only(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (public_only == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot make an Ed25519 public key: ", TakeOpenSslError()));
  }
  return Ed25519PublicKey(Share(std::move(public_only)), std::move(raw));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromPem(absl::string_view pem) {
  ErrorQueueCleaner cleaner;
  if (absl::Status status = CheckPemSize(pem); !status.ok()) return status;
  const std::vector<PemBlock> blocks = FindPemBlocks(pem);
  if (blocks.empty()) {
    return absl::InvalidArgumentError("no PEM block found (expected -----BEGIN PUBLIC KEY-----)");
  }
  const PemBlock* block = nullptr;
  for (const PemBlock& candidate : blocks) {
    if (candidate.label == "PUBLIC KEY") {
      block = &candidate;
      break;
    }
  }
  if (block == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a PEM public key (-----BEGIN PUBLIC KEY-----), found ",
                     BeginLine(blocks.front().label)));
  }
  const absl::string_view text = pem.substr(block->offset);
  BioPtr bio = ReadBio(text);
  if (bio == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot read the PEM text: ", TakeOpenSslError()));
  }
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid PEM public key: ",
        DiagnosePemBlock(text, "the key is not a SubjectPublicKeyInfo of a supported type")));
  }
  return FromPkey(pkey.get());
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromRaw(absl::string_view raw32) {
  ErrorQueueCleaner cleaner;
  if (raw32.size() != kEd25519KeyBytes) return RawKeyLengthError("public key", raw32.size());
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(raw32.data()),
                                           raw32.size()));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid Ed25519 public key: ", TakeOpenSslError()));
  }
  return Ed25519PublicKey(Share(std::move(pkey)), std::string(raw32));
}

std::string Ed25519PublicKey::ToPem() const {
  ErrorQueueCleaner cleaner;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return "";
  return BioContents(bio.get());
}

bool Ed25519PublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes || pkey_ == nullptr) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

// ---- Ed25519PrivateKey ---------------------------------------------------------------------

Ed25519PrivateKey::Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> pkey, Ed25519PublicKey public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPkey(EVP_PKEY* pkey_in) {
  PkeyPtr pkey(pkey_in);
  absl::StatusOr<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPkey(pkey.get());
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(Share(std::move(pkey)), *std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  ErrorQueueCleaner cleaner;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_keygen(ctx.get(), &pkey) != 1) {
    EVP_PKEY_free(pkey);
    return absl::InternalError(
        absl::StrCat("cannot generate an Ed25519 key: ", TakeOpenSslError()));
  }
  return FromPkey(pkey);
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(absl::string_view pem) {
  ErrorQueueCleaner cleaner;
  if (absl::Status status = CheckPemSize(pem); !status.ok()) return status;
  const std::vector<PemBlock> blocks = FindPemBlocks(pem);
  if (blocks.empty()) {
    return absl::InvalidArgumentError("no PEM block found (expected -----BEGIN PRIVATE KEY-----)");
  }
  const PemBlock* block = nullptr;
  for (const PemBlock& candidate : blocks) {
    if (absl::EndsWith(candidate.label, "PRIVATE KEY")) {
      block = &candidate;
      break;
    }
  }
  if (block == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a PEM private key (-----BEGIN PRIVATE KEY-----), found ",
                     BeginLine(blocks.front().label)));
  }
  if (block->label == "ENCRYPTED PRIVATE KEY") {
    return absl::InvalidArgumentError(
        "the private key is encrypted; decrypt it first (ward reads unencrypted PKCS#8 keys, "
        "-----BEGIN PRIVATE KEY-----)");
  }
  if (block->label != "PRIVATE KEY") {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a PKCS#8 private key (-----BEGIN PRIVATE KEY-----), found ",
                     BeginLine(block->label)));
  }
  const absl::string_view text = pem.substr(block->offset);
  BioPtr bio = ReadBio(text);
  if (bio == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot read the PEM text: ", TakeOpenSslError()));
  }
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid PEM private key: ",
        DiagnosePemBlock(text, "the key is not a PKCS#8 PrivateKeyInfo of a supported type")));
  }
  return FromPkey(pkey);
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromRawSeed(absl::string_view seed32) {
  ErrorQueueCleaner cleaner;
  if (seed32.size() != kEd25519KeyBytes) return RawKeyLengthError("secret key", seed32.size());
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed32.data()),
      seed32.size());
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid Ed25519 secret key: ", TakeOpenSslError()));
  }
  return FromPkey(pkey);
}

std::string Ed25519PrivateKey::ToPem() const {
  ErrorQueueCleaner cleaner;
  // A secure-heap memory BIO clears the secret when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0,
                                                      nullptr, nullptr) != 1) {
    return "";
  }
  return BioContents(bio.get());
}

std::string Ed25519PrivateKey::Sign(absl::string_view message) const {
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t length = signature.size();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) == 1 &&
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1 &&
      length == kEd25519SignatureBytes;
  if (!ok) {
    ERR_clear_error();
    return "";
  }
  return signature;
}

// ---- JWS -----------------------------------------------------------------------------------

std::string JwsSign(absl::string_view payload_json, absl::string_view typ,
                    const Ed25519PrivateKey& key) {
  std::string header = R"({"alg":"EdDSA","kid":)";
  AppendCanonicalString(key.PublicKey().KeyId(), &header);
  if (!typ.empty()) {
    header.append(R"(,"typ":)");
    AppendCanonicalString(typ, &header);
  }
  header.push_back('}');

  std::string token = Base64UrlEncode(header);
  token.push_back('.');
  token.append(Base64UrlEncode(payload_json));
  const std::string signature = key.Sign(token);
  token.push_back('.');
  token.append(Base64UrlEncode(signature));
  return token;
}

absl::StatusOr<JwsVerified> JwsVerify(absl::string_view token,
                                      absl::Span<const Ed25519PublicKey> trusted,
                                      absl::string_view expected_typ) {
  if (token.size() > kMaxJwsTokenBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the token is ", token.size(), " bytes; a JWS token may have at most ", kMaxJwsTokenBytes));
  }
  if (token.empty()) return NotCompact("the token is empty");
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return NotCompact(absl::StrCat("expected three base64url parts separated by two dots, found ",
                                   parts.size() - 1, parts.size() == 2 ? " dot" : " dots"));
  }
  const absl::string_view header_b64 = parts[0];
  const absl::string_view payload_b64 = parts[1];
  const absl::string_view signature_b64 = parts[2];

  // The header.
  absl::StatusOr<std::string> header_text = Base64UrlDecode(header_b64);
  if (!header_text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS header: ", header_text.status().message()));
  }
  absl::StatusOr<nlohmann::json> header =
      ParseJson(*header_text, kMaxJwsHeaderBytes, kMaxJwsHeaderDepth);
  if (!header.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS header: ", header.status().message()));
  }
  if (!header->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JWS header: expected a JSON object, found ", JsonKindDescription(*header)));
  }
  const auto member = [&](const char* name) -> const nlohmann::json* {
    auto it = header->find(name);
    return it == header->end() ? nullptr : &*it;
  };
  const nlohmann::json* alg = member("alg");
  if (alg == nullptr) return absl::InvalidArgumentError("invalid JWS header: no `alg`");
  if (!alg->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS header: `alg` is ", JsonKindDescription(*alg), ", not a string"));
  }
  const std::string& alg_name = alg->get_ref<const std::string&>();
  if (alg_name != "EdDSA") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported algorithm `", Abbreviate(alg_name), "`"));
  }
  if (member("crit") != nullptr) {
    return absl::InvalidArgumentError(
        "unsupported JWS header: `crit` lists extensions that must be understood");
  }
  const nlohmann::json* typ = member("typ");
  if (typ != nullptr && !typ->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS header: `typ` is ", JsonKindDescription(*typ), ", not a string"));
  }
  if (!expected_typ.empty()) {
    if (typ == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid JWS header: no `typ` (expected `", expected_typ, "`)"));
    }
    const std::string& typ_name = typ->get_ref<const std::string&>();
    if (typ_name != expected_typ) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected JWS type `", Abbreviate(typ_name),
                                                     "` (expected `", expected_typ, "`)"));
    }
  }
  const nlohmann::json* kid = member("kid");
  if (kid != nullptr && !kid->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS header: `kid` is ", JsonKindDescription(*kid), ", not a string"));
  }

  // The payload and the signature.
  absl::StatusOr<std::string> payload = Base64UrlDecode(payload_b64);
  if (!payload.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS payload: ", payload.status().message()));
  }
  absl::StatusOr<std::string> signature = Base64UrlDecode(signature_b64);
  if (!signature.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JWS signature: ", signature.status().message()));
  }

  // The key, and the signature over "<header b64>.<payload b64>".
  const absl::string_view signing_input =
      token.substr(0, header_b64.size() + 1 + payload_b64.size());
  if (kid != nullptr) {
    const std::string& kid_name = kid->get_ref<const std::string&>();
    const Ed25519PublicKey* key = nullptr;
    for (const Ed25519PublicKey& candidate : trusted) {
      if (candidate.KeyId() == kid_name) {
        key = &candidate;
        break;
      }
    }
    if (key == nullptr) {
      return absl::UnauthenticatedError(
          absl::StrCat("signed by a key that is not trusted (kid `", Abbreviate(kid_name), "`)"));
    }
    if (!key->Verify(signing_input, *signature)) {
      return absl::UnauthenticatedError("bad signature");
    }
    return JwsVerified{*std::move(payload), key->KeyId()};
  }
  if (trusted.empty()) {
    return absl::UnauthenticatedError("signed by a key that is not trusted (no key is trusted)");
  }
  for (const Ed25519PublicKey& candidate : trusted) {
    if (candidate.Verify(signing_input, *signature)) {
      return JwsVerified{*std::move(payload), candidate.KeyId()};
    }
  }
  return absl::UnauthenticatedError("bad signature (no trusted key verifies it)");
}

}  // namespace ward::internal
