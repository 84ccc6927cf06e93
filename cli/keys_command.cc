// `ward keygen` (an Ed25519 key pair for grants and bundles) and `ward approve` (a grant that
// approves one NEEDS_APPROVAL decision).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "ward/approval.h"
#include "ward/value.h"

namespace ward::cli {
namespace {

const std::vector<OptionSpec>& KeygenOptions() {
  static const auto* const kSpecs = new std::vector<OptionSpec>{
      {"out", "NAME", false, "write NAME.key (private, mode 0600) and NAME.pub (public)"},
  };
  return *kSpecs;
}

const std::vector<OptionSpec>& ApproveOptions() {
  static const auto* const kSpecs = new std::vector<OptionSpec>{
      {"key", "NAME.key", false, "the approver's private key (`ward keygen`)"},
      {"approver", "user:ID", false, "the user who approves"},
      {"digest", "HEX", false,
       "the `approval.digest` of the NEEDS_APPROVAL decision being approved"},
      {"ttl", "DURATION", false, "how long the grant may be used (default 15m; e.g. 90s, 1h)"},
      {"issued-at", "TIME", false,
       "the grant's issue time (RFC 3339; default now), for reproducible grants in tests"},
      {"jti", "ID", false, "the grant's unique id (default: 128 random bits)"},
  };
  return *kSpecs;
}

// Writes `text` to a new file with `mode`; never replaces an existing file (a key pair must not
// be overwritten by accident).
bool WriteNewFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      absl::FPrintF(stderr, "ward keygen: %s already exists; it is not replaced\n", path);
    } else {
      absl::FPrintF(stderr, "ward keygen: %s: %s\n", path, std::strerror(errno));
    }
    return false;
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = ::close(fd) == 0 && written == text.size();
  if (!ok) absl::FPrintF(stderr, "ward keygen: %s: cannot write the file\n", path);
  return ok;
}

}  // namespace

int RunKeygen(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, KeygenOptions());
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward keygen: %s\n", parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s", UsageText("keygen", "--out NAME",
                                 "Creates an Ed25519 key pair: NAME.key signs grants (`ward "
                                 "approve`) or bundles (`ward compile --sign`); NAME.pub is given "
                                 "to the engines that must trust them (--approval-key, --trust). "
                                 "Keep NAME.key secret.",
                                 KeygenOptions()));
    return kExitOk;
  }
  if (!parsed->positional.empty() || !parsed->Has("out") || parsed->Get("out").empty()) {
    absl::FPrintF(stderr, "ward keygen: give --out NAME\n");
    return kExitUsage;
  }
  absl::StatusOr<SigningKeyPair> pair = GenerateSigningKey();
  if (!pair.ok()) {
    absl::FPrintF(stderr, "ward keygen: %s\n", pair.status().message());
    return kExitInvalidInput;
  }
  const std::string name = parsed->Get("out");
  const std::string private_path = absl::StrCat(name, ".key");
  const std::string public_path = absl::StrCat(name, ".pub");
  struct stat existing;
  if (::stat(public_path.c_str(), &existing) == 0) {
    absl::FPrintF(stderr, "ward keygen: %s already exists; it is not replaced\n", public_path);
    return kExitInvalidInput;
  }
  if (!WriteNewFile(private_path, pair->private_key_pem, 0600)) return kExitInvalidInput;
  if (!WriteNewFile(public_path, pair->public_key_pem, 0644)) return kExitInvalidInput;
  absl::PrintF("wrote %s (private: keep it secret) and %s (public: give it to engines)\n",
               private_path, public_path);
  return kExitOk;
}

int RunApprove(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, ApproveOptions());
  if (!parsed.ok()) {
    absl::FPrintF(stderr, "ward approve: %s\n", parsed.status().message());
    return kExitUsage;
  }
  if (parsed->help) {
    absl::PrintF("%s",
                 UsageText("approve", "--key NAME.key --approver user:ID --digest HEX [--ttl 15m]",
                           "Prints a grant: a signed token that approves the one request whose "
                           "NEEDS_APPROVAL decision carried this digest. Send the request again "
                           "with \"approval\": TOKEN; an engine given the matching --approval-key "
                           "accepts it once, if the approver may `approve` the resource.",
                           ApproveOptions()));
    return kExitOk;
  }
  if (!parsed->positional.empty() || !parsed->Has("key") || !parsed->Has("approver") ||
      !parsed->Has("digest")) {
    absl::FPrintF(stderr, "ward approve: give --key NAME.key --approver user:ID --digest HEX\n");
    return kExitUsage;
  }
  const std::string approver_text = parsed->Get("approver");
  absl::string_view approver = approver_text;
  if (!absl::ConsumePrefix(&approver, "user:") || approver.empty()) {
    absl::FPrintF(stderr,
                  "ward approve: --approver must be user:ID (only people approve), not `%s`\n",
                  approver_text);
    return kExitUsage;
  }
  GrantRequest grant;
  grant.digest = parsed->Get("digest");
  grant.approver_id = std::string(approver);
  if (parsed->Has("ttl") && !absl::ParseDuration(parsed->Get("ttl"), &grant.ttl)) {
    absl::FPrintF(stderr, "ward approve: --ttl `%s` is not a duration such as 90s, 15m or 1h\n",
                  parsed->Get("ttl"));
    return kExitUsage;
  }
  if (parsed->Has("issued-at")) {
    absl::StatusOr<absl::Time> issued = ParseTimestamp(parsed->Get("issued-at"));
    if (!issued.ok()) {
      absl::FPrintF(stderr, "ward approve: --issued-at: %s\n", issued.status().message());
      return kExitUsage;
    }
    grant.issued_at = *issued;
  }
  grant.jti = parsed->Get("jti");
  std::vector<std::string> key;
  if (!ReadKeyFiles({parsed->Get("key")}, &key)) return kExitInvalidInput;
  absl::StatusOr<std::string> token = MintGrant(grant, key.front());
  if (!token.ok()) {
    absl::FPrintF(stderr, "ward approve: %s\n", token.status().message());
    return absl::IsInvalidArgument(token.status()) ? kExitUsage : kExitInvalidInput;
  }
  absl::PrintF("%s\n", *token);
  return kExitOk;
}

}  // namespace ward::cli
