// A decision-log record in two steps: on the deciding thread, what the record needs is copied
// into a few contiguous cache lines of the log's queue (LogRecordEncoder: no allocation once
// its buffers have held a record as large); on the log's thread, those bytes become the JSON
// line of docs/decision-logs.md (LogRecordFormatter).

#ifndef WARD_LIB_INTERNAL_LOG_RECORD_H_
#define WARD_LIB_INTERNAL_LOG_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward::internal {

class Writer;  // log_record.cc

// The level `decision` is recorded at: its own (the `log(...)` obligation on ALLOW, summary on
// any other effect), raised to `floor`.
LogLevel LogRecordLevel(const Decision& decision, LogLevel floor);

// Encodes the record of a decision in two steps, so that the caller can find room for it
// first: Measure (the size; renders what is rare and variable: the full-level payload, with
// the decision's redactions applied to every string in it, and the shadow outcome), then Write
// (the bytes, exactly that many, wherever the caller found room: the log writes straight into
// its queue). Keeps its buffers from record to record (they only grow), so one per thread.
class LogRecordEncoder {
 public:
  // The encoded size of the record of `decision`, made for `request`, at `level`. `request`
  // and `decision` must stay unchanged until Write.
  size_t Measure(const Request& request, const Decision& decision, LogLevel level);
  // Writes the record Measure last measured, made at `time_ns` in `latency_ns`: exactly the
  // size Measure returned.
  void Write(int64_t time_ns, int64_t latency_ns, char* out) const;

 private:
  const Request* request_ = nullptr;
  const Decision* decision_ = nullptr;
  LogLevel level_ = LogLevel::kSummary;
  uint8_t flags_ = 0;
  std::string payload_;
  std::string shadow_;
};

// The encoded record in one string (for records made outside a log).
std::string EncodeLogRecord(const Request& request, const Decision& decision, LogLevel level,
                            int64_t time_ns, int64_t latency_ns);

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
  // "YYYY-MM-DDTHH:MM:SS" of a Unix second, kept for the next call with the same second.
  class SecondText {
   public:
    absl::string_view Of(int64_t seconds);

   private:
    int64_t second_ = 0;
    std::string text_;
  };

  void Time(int64_t time_ns, Writer* w);
  void Timestamp(int64_t unix_ns, Writer* w);
  absl::string_view Hash(uint64_t hash);

  const uint32_t instance_;
  const std::string revision_;
  std::string line_;  // only grows
  std::string scratch_;
  SecondText time_second_;
  SecondText now_second_;
  uint64_t last_hash_ = 0;
  std::string hash_text_;
};

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_LOG_RECORD_H_
