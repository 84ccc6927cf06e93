// Decision logs: every decision an engine makes, recorded as one JSON object per line
// (schema version 1, docs/decision-logs.md) and handed to a sink off the decide path.
//
//   auto log = ward::DecisionLog::Create(*ward::OpenFileSink("decisions.log"));
//   ward::EngineOptions options;
//   options.decision_log = *log;
//   auto engine = ward::Engine::Create(policy, std::move(entities), options);
//   ...                                  // every Decide / Explain is recorded
//   (*log)->Close();                     // writes what is queued, then stops
//
// Deciding never waits for the log. A decision copies what its record needs, in a compact
// form, into a bounded queue of the deciding thread's own (no lock, no allocation once the
// thread has made a record that large) and goes on; one thread per log formats the records and
// writes them to the sink. When a thread's queue is full the record is dropped and counted
// (stats().dropped): a log that cannot keep up loses records, never latency. Size the queues
// for the longest burst the sink may lag behind.

#ifndef WARD_DECISION_LOG_H_
#define WARD_DECISION_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ward/decision.h"
#include "ward/request.h"

namespace ward {

// Where records go. Called from the log's own thread only, one call at a time.
class DecisionLogSink {
 public:
  virtual ~DecisionLogSink() = default;
  // Takes one record: a JSON object, without the line break.
  virtual absl::Status Write(absl::string_view record) = 0;
  // Called whenever the queue has been emptied and on close: push buffered records out.
  virtual absl::Status Flush() { return absl::OkStatus(); }
};

struct FileSinkOptions {
  // When writing a record would take the file past this size, the file is rotated first:
  // PATH.N-1 becomes PATH.N, ..., PATH becomes PATH.1, and a new PATH is started. 0 never
  // rotates.
  uint64_t max_bytes = uint64_t{100} << 20;
  // The rotated files kept (PATH.1 ... PATH.N); older ones are deleted. At least 1.
  int max_files = 5;
};

// Appends records to the file at `path`, one per line, creating it when absent. Fails when it
// cannot be opened for appending.
absl::StatusOr<std::unique_ptr<DecisionLogSink>> OpenFileSink(const std::string& path,
                                                              const FileSinkOptions& options = {});
// Writes records to the standard output, one per line.
std::unique_ptr<DecisionLogSink> StdoutSink();
// Hands each record to `callback` (on the log's thread).
std::unique_ptr<DecisionLogSink> CallbackSink(std::function<void(absl::string_view)> callback);

struct DecisionLogOptions {
  // The bytes of queue each deciding thread gets for its records that are not yet written (a
  // summary record takes 100-300 bytes, a full one more with its args and context). Rounded up
  // to a power of two, at least 4 KiB. Reserved on the thread's first record; the system
  // commits the pages only as the queue first reaches them. A record is never split around
  // the queue's end, so one larger than half the queue may be dropped even when the queue is
  // empty: size it for the largest full record too.
  size_t thread_queue_bytes = size_t{4} << 20;
  // The least level a decision is recorded at. A decision's own level is its `log(...)`
  // obligation on ALLOW and `summary` on DENY and NEEDS_APPROVAL; the record takes the higher
  // of the two. At `full` a record carries the request's `args` and `context` (with the
  // decision's redactions applied to their strings). `none`: an ALLOW whose policy asks for no
  // log (or says nothing) is not recorded. `full`: every record carries args and context
  // (what `ward replay` needs).
  LogLevel min_level = LogLevel::kSummary;
  // A label written as `revision` in every record (a bundle's build id, a git commit); none
  // when empty.
  std::string revision;
};

struct DecisionLogStats {
  uint64_t recorded = 0;  // queued
  uint64_t dropped = 0;   // refused because the deciding thread's queue was full
  uint64_t written = 0;   // accepted by the sink
  uint64_t failed = 0;    // refused by the sink (the last error: sink_error())
  // The most bytes ever waiting in one thread's queue: how close the log came to dropping.
  uint64_t max_queued_bytes = 0;
};

namespace internal {
struct LogQueue;
}  // namespace internal

class DecisionLog {
 public:
  // Starts the log's thread. Fails when `sink` is null.
  static absl::StatusOr<std::shared_ptr<DecisionLog>> Create(
      std::unique_ptr<DecisionLogSink> sink, const DecisionLogOptions& options = {});
  // Closes the log (see Close).
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Queues the record of `decision`, made for `request` at `time` in `latency`. Never blocks:
  // returns false, counting a drop, when the calling thread's queue is full, and false without
  // counting when the decision is not to be recorded (its level is `none`) or the log is
  // closed. Safe from any number of threads. Records of one thread are written in the order
  // they were made; those of different threads interleave. Engines call it for every decision; call
  // it yourself only for decisions made without an engine's log.
  bool Record(const Request& request, const Decision& decision, absl::Time time,
              absl::Duration latency);

  // Waits until every record queued before the call has been written and the sink flushed.
  // Returns the sink's last error since Flush or Close last returned one, if any.
  absl::Status Flush();
  // Writes what is queued, flushes the sink and stops the thread; later records are refused.
  // Idempotent. Returns as Flush does.
  absl::Status Close();

  DecisionLogStats stats() const;
  // The last error the sink returned, reported or not (OK when none).
  absl::Status sink_error() const;
  const DecisionLogOptions& options() const { return options_; }

 private:
  friend class Engine;

  DecisionLog(std::unique_ptr<DecisionLogSink> sink, const DecisionLogOptions& options);
  // Record with the times as the engine measures them (Unix and elapsed nanoseconds).
  bool RecordAt(const Request& request, const Decision& decision, int64_t time_ns,
                int64_t latency_ns);
  void Run();

  const DecisionLogOptions options_;
  std::unique_ptr<internal::LogQueue> queue_;
};

// The inverse of LogLevelName: "none", "summary" or "full"; nullopt for anything else.
std::optional<LogLevel> LogLevelFromName(absl::string_view name);

// The record of a decision as a JSON object (one line): what the log writes, for tools that
// write records themselves (its decision id is made with a random tag and sequence 0).
std::string DecisionLogRecordJson(const Request& request, const Decision& decision, absl::Time time,
                                  absl::Duration latency, const DecisionLogOptions& options = {});

}  // namespace ward

#endif  // WARD_DECISION_LOG_H_
