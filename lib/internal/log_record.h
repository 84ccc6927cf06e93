// A decision-log record in two steps: on the deciding thread, what the record needs is copied
// into one contiguous buffer (EncodeLogRecord: a few cache lines, no allocation once the
// buffer has held a record as large); on the log's thread, that buffer becomes the JSON line
// of docs/decision-logs.md (LogRecordFormatter).

#ifndef WARD_LIB_INTERNAL_LOG_RECORD_H_
#define WARD_LIB_INTERNAL_LOG_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward::internal {

// The level `decision` is recorded at: its own (the `log(...)` obligation on ALLOW, summary on
// any other effect), raised to `floor`.
LogLevel LogRecordLevel(const Decision& decision, LogLevel floor);

// Where EncodeLogRecord writes; reused from record to record (the strings only grow).
struct LogRecordBuffers {
  std::string bytes;
  std::string payload;
};

// The encoded record of `decision`, made for `request`, in `buffers` (valid until their next
// use). At `level` full the record carries the request's args and context, with the
// decision's redactions applied to every string in them.
absl::string_view EncodeLogRecord(const Request& request, const Decision& decision, LogLevel level,
                                  int64_t time_ns, int64_t latency_ns, LogRecordBuffers* buffers);

// Formats encoded records as JSON lines. Keeps the text of the last second and the last
// policy hash, so one formatter per thread.
class LogRecordFormatter {
 public:
  // `instance` tags the decision ids of one log (30 bits are used).
  LogRecordFormatter(uint32_t instance, std::string revision);

  // The JSON object (without a line break) of an encoded record, the `sequence`-th of its
  // log; valid until the next call.
  absl::string_view Format(absl::string_view encoded, uint64_t sequence);

 private:
  absl::string_view Time(int64_t time_ns);
  absl::string_view Hash(uint64_t hash);

  const uint32_t instance_;
  const std::string revision_;
  std::string line_;  // only grows
  std::string scratch_;
  int64_t last_second_ = 0;
  std::string time_text_;
  uint64_t last_hash_ = 0;
  std::string hash_text_;
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_LOG_RECORD_H_
