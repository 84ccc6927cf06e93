// `ward keygen --out NAME`: an Ed25519 key pair, for grants (`ward approve`) and signed
// bundles (`ward compile --sign`).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "ward/approval.h"

namespace ward::cli {
namespace {

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

int RunKeygen(const Invocation& parsed) {
  if (!parsed->Has("out") || parsed->Get("out").empty())
    return parsed.UsageError("give --out NAME");
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

}  // namespace

const Command& KeygenCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "keygen";
    command->synopsis = "--out NAME";
    command->summary =
        "create an Ed25519 key pair (NAME.key, NAME.pub) for grants and signed bundles";
    command->description =
        "Creates an Ed25519 key pair: NAME.key signs grants (`ward approve`) or bundles (`ward "
        "compile --sign`); NAME.pub is given to the engines that must trust them "
        "(--approval-key, --trust). Keep NAME.key secret.";
    command->options = {
        {"out", "NAME", false, "write NAME.key (private, mode 0600) and NAME.pub (public)"}};
    command->run = RunKeygen;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
