// `ward approve --key NAME.key --approver user:ID --digest HEX`: a grant, the signed token
// that approves one NEEDS_APPROVAL decision.

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "ward/approval.h"
#include "ward/value.h"

namespace ward::cli {
namespace {

int RunApprove(const Invocation& parsed) {
  if (!parsed->Has("key") || !parsed->Has("approver") || !parsed->Has("digest")) {
    return parsed.UsageError("give --key NAME.key --approver user:ID --digest HEX");
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

}  // namespace

const Command& ApproveCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "approve";
    command->synopsis = "--key NAME.key --approver user:ID --digest HEX [--ttl 15m]";
    command->summary = "print a grant that approves one NEEDS_APPROVAL decision";
    command->description =
        "Prints a grant: a signed token that approves the one request whose NEEDS_APPROVAL "
        "decision carried this digest. Send the request again with \"approval\": TOKEN; an "
        "engine given the matching --approval-key accepts it once, if the approver may "
        "`approve` the resource.";
    command->options = {
        {"key", "NAME.key", false, "the approver's private key (`ward keygen`)"},
        {"approver", "user:ID", false, "the user who approves"},
        {"digest", "HEX", false,
         "the `approval.digest` of the NEEDS_APPROVAL decision being approved"},
        {"ttl", "DURATION", false, "how long the grant may be used (default 15m; e.g. 90s, 1h)"},
        {"issued-at", "TIME", false,
         "the grant's issue time (RFC 3339; default now), for reproducible grants in tests"},
        {"jti", "ID", false, "the grant's unique id (default: 128 random bits)"},
    };
    command->run = RunApprove;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
