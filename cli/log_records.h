// Reading decision logs (docs/decision-logs.md) back: what `ward discover` and `ward replay`
// share.

#ifndef WARD_CLI_LOG_RECORDS_H_
#define WARD_CLI_LOG_RECORDS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "ward/entities.h"

namespace ward::cli {

// Lines that are not decision records, counted across files.
struct SkippedLines {
  uint64_t count = 0;
  std::string first;  // "FILE:LINE: why"
};

// Calls `on_record` with each version 1 record of the log at `path` ("-" for stdin), in order.
// A line that is not one (not JSON, nested deeper than requests may be, longer than 1 MiB, not
// an object, not version 1), or that `on_record` refuses by returning a reason, is counted in
// `skipped`. Returns false after printing "ward COMMAND: PATH: ..." when the file cannot be
// read.
bool ForEachLogRecord(
    const std::string& command, const std::string& path, SkippedLines* skipped,
    const std::function<std::optional<std::string>(const nlohmann::json&)>& on_record);

// Prints "ward COMMAND: skipped N line(s) ..." to stderr when any were.
void ReportSkippedLines(const std::string& command, const SkippedLines& skipped);

// What the logs say of one identity.
struct Seen {
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  uint64_t decisions = 0;
  bool named_unknown = false;             // a decision denied it as unknown_identity
  std::map<std::string, uint64_t> tried;  // "action type:id" -> decisions
};

// What the logs say of one delegation path (a subject acting on behalf of a chain).
struct PathSeen {
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  uint64_t decisions = 0;
  uint64_t allowed = 0;  // decisions with effect ALLOW
};

// A delegation path: the subject, then its chain nearest first, each (kind, id).
using DelegationPath = std::vector<std::pair<std::string, std::string>>;

// Every identity the records name as subject or in the chain, and every delegation path.
struct ActivityScan {
  std::map<std::pair<std::string, std::string>, Seen> identities;  // (kind, id)
  std::map<DelegationPath, PathSeen> paths;                        // records with a chain
  uint64_t records = 0;
  SkippedLines skipped;
};

// Adds one record to `scan`; a reason to skip it otherwise (no `time`, no `subject`).
std::optional<std::string> ScanActivity(const nlohmann::json& record, ActivityScan* scan);

// Shadow identities: seen in the logs and not in `inventory` (without one: those a decision
// named as unknown), most recently seen first.
std::vector<std::pair<const std::pair<std::string, std::string>*, const Seen*>> ShadowIdentities(
    const ActivityScan& scan, const EntityStore* inventory);

// Dormant identities: active in `inventory` and not seen since `cutoff` (seen null: never),
// least recently seen first.
std::vector<std::pair<const Identity*, const Seen*>> DormantIdentities(const ActivityScan& scan,
                                                                       const EntityStore& inventory,
                                                                       absl::Time cutoff);

// Whether each hop of `path` acts for its own owner in `inventory` (the delegation that
// ownership already establishes): a subject on behalf of its owner, that owner on behalf of
// its own owner, and so on.
bool IsOwnershipPath(const DelegationPath& path, const EntityStore& inventory);

// "kind:id > kind:id > ...", the form of `--reviewed-paths` files.
std::string PathText(const DelegationPath& path);

// Scans every log of `paths`; false after printing why one cannot be read.
bool ScanActivityLogs(const std::string& command, const std::vector<std::string>& paths,
                      ActivityScan* scan);

}  // namespace ward::cli

#endif  // WARD_CLI_LOG_RECORDS_H_
