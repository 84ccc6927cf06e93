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

// Every identity the records name as subject or in the chain.
struct ActivityScan {
  std::map<std::pair<std::string, std::string>, Seen> identities;  // (kind, id)
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

// Scans every log of `paths`; false after printing why one cannot be read.
bool ScanActivityLogs(const std::string& command, const std::vector<std::string>& paths,
                      ActivityScan* scan);

}  // namespace ward::cli

#endif  // WARD_CLI_LOG_RECORDS_H_
