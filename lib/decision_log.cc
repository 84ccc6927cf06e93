#include "ward/decision_log.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/internal/log_record.h"

namespace ward {
namespace internal {
namespace {

uint32_t RandomInstanceTag() {
  std::random_device device;
  return device() & 0x3fffffff;
}

std::atomic<uint64_t> next_log_serial{1};

constexpr size_t kFrameHeader = sizeof(uint32_t);  // a record's length, before its bytes
// Frames start at multiples of this, so that a frame header always fits before the ring's end.
constexpr size_t kFrameAlignment = 8;
// A frame header that says the rest of the ring is unused: the next frame is at its start.
constexpr uint32_t kSkipToStart = 0xffffffff;

}  // namespace

// The records one deciding thread has made and the log's thread has not yet written: a ring
// of bytes holding frames (a 32-bit length, then an encoded record, lib/internal/
// log_record.h). A frame never wraps around the ring's end (when it would, the rest of the
// ring is skipped), so the deciding thread encodes a record straight into the ring and the
// log's thread formats it from there. One producer (the thread), one consumer (the log's
// thread): the producer publishes by advancing `head`, the consumer frees by advancing `tail`,
// and each keeps a cached copy of the other's index so that the shared cache lines move only
// when the ring looks full or empty. Threads never contend with each other.
struct ThreadQueue {
  explicit ThreadQueue(size_t capacity_bytes)
      : capacity(capacity_bytes), mask(capacity_bytes - 1), bytes(new char[capacity_bytes]) {}

  // Producer side: room for a record of `size` bytes, to be written before Commit; null,
  // counting a drop, when the ring has none.
  char* Reserve(size_t size) {
    if (size >= kSkipToStart - kFrameAlignment) {  // its length would not fit in a frame
      dropped.store(dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return nullptr;
    }
    const uint64_t frame = (kFrameHeader + size + kFrameAlignment - 1) & ~(kFrameAlignment - 1);
    uint64_t position = head.load(std::memory_order_relaxed);
    const uint64_t offset = position & mask;
    const uint64_t skip = offset + frame > capacity ? capacity - offset : 0;
    const uint64_t end = position + skip + frame;
    if (end - cached_tail > capacity) {
      cached_tail = tail.load(std::memory_order_acquire);
      if (end - cached_tail > capacity) {
        dropped.store(dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return nullptr;
      }
    }
    if (skip > 0) {
      std::memcpy(bytes.get() + offset, &kSkipToStart, kFrameHeader);
      position += skip;
    }
    const uint32_t length = static_cast<uint32_t>(size);
    char* const at = bytes.get() + (position & mask);
    std::memcpy(at, &length, kFrameHeader);
    reserved_end = end;
    return at + kFrameHeader;
  }
  // Publishes the record Reserve made room for.
  void Commit() {
    head.store(reserved_end, std::memory_order_release);
    recorded.store(recorded.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    const uint64_t used = reserved_end - cached_tail;
    if (used > max_used.load(std::memory_order_relaxed)) {
      max_used.store(used, std::memory_order_relaxed);
    }
  }

  // Consumer side: the record at `*position` (a frame start below `limit`, a head read
  // earlier), moving `*position` past it. False when there is none.
  bool Next(uint64_t* position, uint64_t limit, absl::string_view* record) const {
    if (*position >= limit) return false;
    uint32_t length = 0;
    std::memcpy(&length, bytes.get() + (*position & mask), kFrameHeader);
    if (length == kSkipToStart) {
      // Published together with the frame that follows it at the ring's start.
      *position += capacity - (*position & mask);
      std::memcpy(&length, bytes.get() + (*position & mask), kFrameHeader);
    }
    *record = absl::string_view(bytes.get() + (*position & mask) + kFrameHeader, length);
    *position += (kFrameHeader + length + kFrameAlignment - 1) & ~(kFrameAlignment - 1);
    return true;
  }
  // Frees the ring below `position`.
  void Release(uint64_t position) { tail.store(position, std::memory_order_release); }

  const size_t capacity;
  const uint64_t mask;
  // Allocated whole, committed by the system page by page as the ring first reaches it.
  const std::unique_ptr<char[]> bytes;

  alignas(64) std::atomic<uint64_t> head{0};  // written by the producer
  uint64_t cached_tail = 0;                   // the producer's
  uint64_t reserved_end = 0;                  // the producer's: `head` once committed
  // Counters written by the producer only (relaxed stores, no read-modify-write), read by
  // stats().
  std::atomic<uint64_t> recorded{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> max_used{0};

  alignas(64) std::atomic<uint64_t> tail{0};  // written by the consumer
  // Set when the producing thread has exited: once drained, the log forgets the queue.
  std::atomic<bool> abandoned{false};
};

namespace {

// The queues of the calling thread, one per log it has recorded to. Logs are told apart by a
// serial number rather than their address, which a later log may reuse.
class ThreadQueues {
 public:
  ~ThreadQueues() {
    for (const Entry& entry : entries_) {
      entry.queue->abandoned.store(true, std::memory_order_release);
    }
  }
  ThreadQueue* Find(uint64_t serial) const {
    for (const Entry& entry : entries_) {
      if (entry.serial == serial) return entry.queue.get();
    }
    return nullptr;
  }
  void Add(uint64_t serial, std::shared_ptr<ThreadQueue> queue) {
    // Forget the queues of closed logs first, so that a thread that outlives many logs does not
    // keep all their memory.
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [](const Entry& entry) { return entry.queue.use_count() == 1; }),
                   entries_.end());
    entries_.push_back({serial, std::move(queue)});
  }

 private:
  struct Entry {
    uint64_t serial;
    std::shared_ptr<ThreadQueue> queue;
  };
  std::vector<Entry> entries_;
};

thread_local ThreadQueues thread_queues;

}  // namespace

struct LogQueue {
  LogQueue(size_t bytes, std::unique_ptr<DecisionLogSink> s)
      : queue_bytes(bytes),
        serial(next_log_serial.fetch_add(1)),
        sink(std::move(s)),
        instance(RandomInstanceTag()) {}

  // The calling thread's queue, made on its first record.
  ThreadQueue* ForThisThread() {
    if (ThreadQueue* queue = thread_queues.Find(serial)) return queue;
    auto queue = std::make_shared<ThreadQueue>(queue_bytes);
    {
      std::lock_guard<std::mutex> lock(mutex);
      queues.push_back(queue);
      queues_changed.store(true, std::memory_order_release);
    }
    thread_queues.Add(serial, queue);
    return queue.get();
  }

  const size_t queue_bytes;
  const uint64_t serial;
  std::unique_ptr<DecisionLogSink> sink;
  const uint32_t instance;

  std::atomic<bool> closed{false};
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> failed{0};
  // Counts of queues the log's thread forgot (their threads exited and they were drained);
  // under mutex.
  uint64_t forgotten_recorded = 0;
  uint64_t forgotten_dropped = 0;
  uint64_t forgotten_max_used = 0;

  std::mutex mutex;
  std::vector<std::shared_ptr<ThreadQueue>> queues;  // under mutex
  std::atomic<bool> queues_changed{false};
  // The consumer sleeps on `wake` when every queue is empty; Flush and Close wake it.
  std::condition_variable wake;
  std::condition_variable flushed;
  bool stop = false;             // under mutex
  uint64_t flush_requested = 0;  // under mutex: flushes asked for
  uint64_t flush_done = 0;       // under mutex: flushes answered
  absl::Status sink_error;       // under mutex: the last error of the sink
  absl::Status unreported;       // under mutex: the last one since Flush or Close returned one
  std::thread thread;
};

}  // namespace internal

namespace {

// Appends to a FILE with its own large buffer; rotates by size.
class FileSink : public DecisionLogSink {
 public:
  FileSink(std::string path, FileSinkOptions options, std::FILE* file, uint64_t size)
      : path_(std::move(path)), options_(options), file_(file), size_(size) {
    std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
  }
  ~FileSink() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  absl::Status Write(absl::string_view record) override {
    if (file_ == nullptr) {
      if (absl::Status reopened = Open(); !reopened.ok()) return reopened;
    }
    if (options_.max_bytes > 0 && size_ > 0 && size_ + record.size() + 1 > options_.max_bytes) {
      if (absl::Status rotated = Rotate(); !rotated.ok()) return rotated;
    }
    if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
        std::fputc('\n', file_) == EOF) {
      return absl::UnavailableError(absl::StrCat("cannot write to ", path_));
    }
    size_ += record.size() + 1;
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (file_ != nullptr && std::fflush(file_) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot write to ", path_));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Open() {
    file_ = std::fopen(path_.c_str(), "ab");
    if (file_ == nullptr) return absl::UnavailableError(absl::StrCat("cannot open ", path_));
    std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
    size_ = 0;
    return absl::OkStatus();
  }

  absl::Status Rotate() {
    std::fclose(file_);
    file_ = nullptr;
    const int kept = std::max(options_.max_files, 1);
    std::remove(absl::StrCat(path_, ".", kept).c_str());
    for (int n = kept - 1; n >= 1; --n) {
      std::rename(absl::StrCat(path_, ".", n).c_str(), absl::StrCat(path_, ".", n + 1).c_str());
    }
    if (std::rename(path_.c_str(), absl::StrCat(path_, ".1").c_str()) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot rotate ", path_));
    }
    return Open();
  }

  const std::string path_;
  const FileSinkOptions options_;
  std::FILE* file_;
  uint64_t size_;
};

class StdoutLogSink : public DecisionLogSink {
 public:
  absl::Status Write(absl::string_view record) override {
    if (std::fwrite(record.data(), 1, record.size(), stdout) != record.size() ||
        std::fputc('\n', stdout) == EOF) {
      return absl::UnavailableError("cannot write to the standard output");
    }
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    if (std::fflush(stdout) != 0)
      return absl::UnavailableError("cannot write to the standard output");
    return absl::OkStatus();
  }
};

class CallbackLogSink : public DecisionLogSink {
 public:
  explicit CallbackLogSink(std::function<void(absl::string_view)> callback)
      : callback_(std::move(callback)) {}
  absl::Status Write(absl::string_view record) override {
    callback_(record);
    return absl::OkStatus();
  }

 private:
  std::function<void(absl::string_view)> callback_;
};

// A power of two from 4 KiB to 1 TiB.
size_t QueueBytes(size_t n) {
  size_t capacity = 4096;
  while (capacity < n && capacity < (size_t{1} << 40)) capacity <<= 1;
  return capacity;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionLogSink>> OpenFileSink(const std::string& path,
                                                              const FileSinkOptions& options) {
  std::FILE* file = std::fopen(path.c_str(), "ab");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open the decision log ", path, " for appending"));
  }
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  return std::make_unique<FileSink>(path, options, file, size > 0 ? size : 0);
}

std::unique_ptr<DecisionLogSink> StdoutSink() { return std::make_unique<StdoutLogSink>(); }

std::unique_ptr<DecisionLogSink> CallbackSink(std::function<void(absl::string_view)> callback) {
  return std::make_unique<CallbackLogSink>(std::move(callback));
}

absl::StatusOr<std::shared_ptr<DecisionLog>> DecisionLog::Create(
    std::unique_ptr<DecisionLogSink> sink, const DecisionLogOptions& options) {
  if (sink == nullptr) return absl::InvalidArgumentError("a decision log needs a sink");
  std::shared_ptr<DecisionLog> log(new DecisionLog(std::move(sink), options));
  log->queue_->thread = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

DecisionLog::DecisionLog(std::unique_ptr<DecisionLogSink> sink, const DecisionLogOptions& options)
    : options_(options),
      queue_(std::make_unique<internal::LogQueue>(QueueBytes(options.thread_queue_bytes),
                                                  std::move(sink))) {}

DecisionLog::~DecisionLog() { Close().IgnoreError(); }

bool DecisionLog::Record(const Request& request, const Decision& decision, absl::Time time,
                         absl::Duration latency) {
  return RecordAt(request, decision, absl::ToUnixNanos(time), absl::ToInt64Nanoseconds(latency));
}

bool DecisionLog::RecordAt(const Request& request, const Decision& decision, int64_t time_ns,
                           int64_t latency_ns) {
  internal::LogQueue& log = *queue_;
  const LogLevel level = internal::LogRecordLevel(decision, options_.min_level);
  if (level == LogLevel::kNone || log.closed.load(std::memory_order_relaxed)) return false;
  thread_local internal::LogRecordEncoder encoder;
  const size_t size = encoder.Measure(request, decision, level);
  internal::ThreadQueue& queue = *log.ForThisThread();
  char* const room = queue.Reserve(size);
  if (room == nullptr) return false;
  encoder.Write(time_ns, latency_ns, room);
  queue.Commit();
  return true;
}

void DecisionLog::Run() {
  // Named so that it can be told apart in top, perf and debuggers.
  pthread_setname_np(pthread_self(), "ward-log");  // at most 15 bytes
  internal::LogQueue& log = *queue_;
  internal::LogRecordFormatter formatter(log.instance, options_.revision);
  std::vector<std::shared_ptr<internal::ThreadQueue>> queues;
  std::vector<uint64_t> limits;
  uint64_t sequence = 0;
  auto report = [&log](const absl::Status& status) {
    if (status.ok()) return;
    log.failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(log.mutex);
    log.sink_error = status;
    log.unreported = status;
  };
  auto idle = std::chrono::microseconds(50);
  for (;;) {
    // What this pass must answer: the flushes asked for and the stop, as they are now. Every
    // record published before they were asked for is below the heads read after this.
    uint64_t flushes;
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(log.mutex);
      flushes = log.flush_requested;
      stopping = log.stop;
      if (log.queues_changed.exchange(false, std::memory_order_acquire)) queues = log.queues;
    }
    // One pass: every queue up to the head it had when the pass began, so that a pass ends
    // even while threads keep recording.
    size_t formatted = 0;
    limits.resize(queues.size());
    bool filling = false;  // a queue more than a quarter full
    for (size_t i = 0; i < queues.size(); ++i) {
      limits[i] = queues[i]->head.load(std::memory_order_acquire);
      filling |=
          limits[i] - queues[i]->tail.load(std::memory_order_relaxed) > queues[i]->capacity / 4;
    }
    for (size_t i = 0; i < queues.size(); ++i) {
      internal::ThreadQueue& queue = *queues[i];
      absl::string_view record;
      uint64_t position = queue.tail.load(std::memory_order_relaxed);
      uint64_t released = position;
      while (queue.Next(&position, limits[i], &record)) {
        const absl::string_view text = formatter.Format(record, sequence++);
        const absl::Status written = log.sink->Write(text);
        if (written.ok()) {
          log.written.store(log.written.load(std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
        } else {
          report(written);
        }
        ++formatted;
        // Freed in steps, not record by record: each store takes the cache line that a
        // deciding thread reads when its queue looks full.
        if (position - released >= queue.capacity / 8) {
          queue.Release(position);
          released = position;
        }
      }
      if (position != released) queue.Release(position);
    }
    if (formatted > 0) report(log.sink->Flush());
    std::unique_lock<std::mutex> lock(log.mutex);
    // Forget the drained queues of threads that have exited (a thread's queue no longer
    // changes once it has), keeping their counts.
    const auto drained_and_abandoned = [&log](const std::shared_ptr<internal::ThreadQueue>& queue) {
      if (!queue->abandoned.load(std::memory_order_acquire) ||
          queue->tail.load(std::memory_order_relaxed) !=
              queue->head.load(std::memory_order_acquire)) {
        return false;
      }
      log.forgotten_recorded += queue->recorded.load(std::memory_order_relaxed);
      log.forgotten_dropped += queue->dropped.load(std::memory_order_relaxed);
      log.forgotten_max_used = std::max<uint64_t>(log.forgotten_max_used,
                                                  queue->max_used.load(std::memory_order_relaxed));
      return true;
    };
    const size_t before = log.queues.size();
    log.queues.erase(std::remove_if(log.queues.begin(), log.queues.end(), drained_and_abandoned),
                     log.queues.end());
    if (log.queues.size() != before) queues = log.queues;
    if (flushes > log.flush_done) {
      log.flush_done = flushes;
      log.flushed.notify_all();
    }
    if (stopping) {
      // Closed before this pass began: no record made before Close is left.
      break;
    }
    if (log.flush_requested > log.flush_done || log.stop) continue;
    if (formatted > 0) {
      idle = std::chrono::microseconds(50);
      // Records are coming in. Unless a queue is filling up, let them gather before the next
      // pass: a pass that follows a deciding thread closely reads the cache lines it is still
      // writing, and pulls them back and forth between the cores.
      if (!filling) log.wake.wait_for(lock, std::chrono::microseconds(100));
      continue;
    }
    // Nothing to write: sleep a little longer each time.
    log.wake.wait_for(lock, idle);
    idle = std::min<std::chrono::microseconds>(idle * 2, std::chrono::milliseconds(10));
  }
  log.flushed.notify_all();
}

absl::Status DecisionLog::Flush() {
  internal::LogQueue& log = *queue_;
  std::unique_lock<std::mutex> lock(log.mutex);
  if (log.stop) return std::exchange(log.unreported, absl::OkStatus());
  const uint64_t ticket = ++log.flush_requested;
  log.wake.notify_all();
  log.flushed.wait(lock, [&] { return log.flush_done >= ticket || log.stop; });
  return std::exchange(log.unreported, absl::OkStatus());
}

absl::Status DecisionLog::Close() {
  internal::LogQueue& log = *queue_;
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    log.closed.store(true, std::memory_order_relaxed);
    log.stop = true;
    log.wake.notify_all();
  }
  if (log.thread.joinable()) {
    // The last reference may go on the log's own thread (a callback that held it).
    if (log.thread.get_id() == std::this_thread::get_id()) {
      log.thread.detach();
    } else {
      log.thread.join();
    }
  }
  std::lock_guard<std::mutex> lock(log.mutex);
  return std::exchange(log.unreported, absl::OkStatus());
}

DecisionLogStats DecisionLog::stats() const {
  internal::LogQueue& log = *queue_;
  DecisionLogStats stats;
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    stats.recorded = log.forgotten_recorded;
    stats.dropped = log.forgotten_dropped;
    stats.max_queued_bytes = log.forgotten_max_used;
    for (const auto& queue : log.queues) {
      stats.recorded += queue->recorded.load(std::memory_order_relaxed);
      stats.dropped += queue->dropped.load(std::memory_order_relaxed);
      stats.max_queued_bytes = std::max<uint64_t>(stats.max_queued_bytes,
                                                  queue->max_used.load(std::memory_order_relaxed));
    }
  }
  stats.written = log.written.load(std::memory_order_relaxed);
  stats.failed = log.failed.load(std::memory_order_relaxed);
  return stats;
}

absl::Status DecisionLog::sink_error() const {
  std::lock_guard<std::mutex> lock(queue_->mutex);
  return queue_->sink_error;
}

std::optional<LogLevel> LogLevelFromName(absl::string_view name) {
  for (LogLevel level : {LogLevel::kNone, LogLevel::kSummary, LogLevel::kFull}) {
    if (name == LogLevelName(level)) return level;
  }
  return std::nullopt;
}

std::string DecisionLogRecordJson(const Request& request, const Decision& decision, absl::Time time,
                                  absl::Duration latency, const DecisionLogOptions& options) {
  const std::string encoded = internal::EncodeLogRecord(
      request, decision, internal::LogRecordLevel(decision, options.min_level),
      absl::ToUnixNanos(time), absl::ToInt64Nanoseconds(latency));
  internal::LogRecordFormatter formatter(internal::RandomInstanceTag(), options.revision);
  return std::string(formatter.Format(encoded, 0));
}

}  // namespace ward
