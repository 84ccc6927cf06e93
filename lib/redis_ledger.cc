// The Redis grant ledger (ward/grant_ledger.h), over hiredis's blocking API: one connection,
// used by one deciding thread at a time (grants are rare next to decisions), made lazily and
// again after any failure, every wait bounded by the timeout.

#include "ward/redis_ledger.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ward {
namespace {

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Connection = std::unique_ptr<redisContext, ContextDeleter>;
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// One connection to Redis, made lazily and again after any failure, every wait bounded by
// the timeout. Not thread-safe: its users hold their own lock.
class RedisConnection {
 public:
  explicit RedisConnection(const RedisLedgerOptions& options) : options_(options) {}

  std::string Address() const { return absl::StrCat(options_.host, ":", options_.port); }

  // Sends one command; its reply, or Unavailable (and the connection is dropped). A connection
  // made earlier may have been closed since (Redis restarted): then it connects and sends once
  // more. (A SET NX whose first reply was lost then answers "already set": refused, never
  // accepted twice.)
  absl::StatusOr<Reply> Command(std::initializer_list<absl::string_view> words) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (absl::string_view word : words) {
      argv.push_back(word.data());
      lengths.push_back(word.size());
    }
    Reply reply;
    for (bool fresh = connection_ == nullptr;; fresh = true) {
      if (absl::Status connected = Connect(); !connected.ok()) return connected;
      reply.reset(static_cast<redisReply*>(redisCommandArgv(
          connection_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
      if (reply != nullptr) break;
      const std::string why = Describe(connection_.get());
      connection_.reset();
      if (fresh) return absl::UnavailableError(absl::StrCat("Redis at ", Address(), ": ", why));
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      return absl::UnavailableError(absl::StrCat("Redis at ", Address(), " refused ",
                                                 *words.begin(), ": ",
                                                 absl::string_view(reply->str, reply->len)));
    }
    return reply;
  }

 private:
  static std::string Describe(const redisContext* context) {
    if (context == nullptr) return "cannot allocate a connection";
    if (context->err != 0) return context->errstr;
    return "no reply";
  }

  absl::Status Connect() {
    if (connection_ != nullptr && connection_->err == 0) return absl::OkStatus();
    connection_.reset();
    const timeval timeout = absl::ToTimeval(options_.timeout);
    Connection connection(redisConnectWithTimeout(options_.host.c_str(), options_.port, timeout));
    if (connection == nullptr || connection->err != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to Redis at ", Address(), ": ", Describe(connection.get())));
    }
    if (redisSetTimeout(connection.get(), timeout) != REDIS_OK) {
      return absl::UnavailableError(
          absl::StrCat("cannot set the timeout of the connection to Redis at ", Address()));
    }
    connection_ = std::move(connection);
    return absl::OkStatus();
  }

  const RedisLedgerOptions options_;
  Connection connection_;  // null until connected, and after a failure
};

class RedisGrantLedger : public GrantLedger {
 public:
  explicit RedisGrantLedger(const RedisLedgerOptions& options)
      : key_prefix_(options.key_prefix), redis_(options) {}

  absl::Status Consume(absl::string_view jti, absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string key = absl::StrCat(key_prefix_, jti);
    // At least one second from now: EXAT in the past would drop the key at once.
    const std::string expiry = absl::StrCat(
        std::max(absl::ToUnixSeconds(expires_at), absl::ToUnixSeconds(absl::Now()) + 1));
    absl::StatusOr<Reply> reply = redis_.Command({"SET", key, "1", "NX", "EXAT", expiry});
    if (!reply.ok()) return reply.status();
    const redisReply& answer = **reply;
    if (answer.type == REDIS_REPLY_STATUS && absl::string_view(answer.str, answer.len) == "OK") {
      return absl::OkStatus();
    }
    if (answer.type == REDIS_REPLY_NIL)
      return absl::AlreadyExistsError("the grant was already used");
    return absl::UnavailableError(
        absl::StrCat("Redis at ", redis_.Address(), " answered SET with reply type ", answer.type));
  }

 private:
  const std::string key_prefix_;
  std::mutex mutex_;
  RedisConnection redis_;
};

}  // namespace

std::shared_ptr<GrantLedger> NewRedisGrantLedger(const RedisLedgerOptions& options) {
  return std::make_shared<RedisGrantLedger>(options);
}

struct RedisUnknownIdentities::Connection {
  explicit Connection(const RedisLedgerOptions& options) : redis(options) {}
  RedisConnection redis;
};

RedisUnknownIdentities::RedisUnknownIdentities(const RedisLedgerOptions& options, std::string key)
    : key_(std::move(key)), connection_(std::make_unique<Connection>(options)) {}

RedisUnknownIdentities::~RedisUnknownIdentities() = default;

absl::Status RedisUnknownIdentities::Add(const std::vector<UnknownIdentity>& seen) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const UnknownIdentity& identity : seen) {
    const std::string field =
        absl::StrCat(SubjectKindName(identity.identity.kind), ":", identity.identity.id);
    uint64_t& added = added_[field];
    // An engine forgets its least recently seen identities; one seen again counts from 0.
    const uint64_t delta = identity.count >= added ? identity.count - added : identity.count;
    if (delta == 0) continue;
    absl::StatusOr<Reply> reply =
        connection_->redis.Command({"HINCRBY", key_, field, absl::StrCat(delta)});
    if (!reply.ok()) return reply.status();  // the rest is added next time
    added = identity.count;
  }
  // What the engine no longer lists it has forgotten: seen again, it counts from 0. Keeping
  // only what is listed bounds this map by the engine's own bound.
  absl::flat_hash_set<std::string> listed;
  for (const UnknownIdentity& identity : seen) {
    listed.insert(absl::StrCat(SubjectKindName(identity.identity.kind), ":", identity.identity.id));
  }
  absl::erase_if(added_, [&listed](const auto& entry) { return !listed.contains(entry.first); });
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<IdentityRef, uint64_t>>> RedisUnknownIdentities::Read() {
  std::lock_guard<std::mutex> lock(mutex_);
  absl::StatusOr<Reply> reply = connection_->redis.Command({"HGETALL", key_});
  if (!reply.ok()) return reply.status();
  const redisReply& all = **reply;
  if (all.type != REDIS_REPLY_ARRAY || all.elements % 2 != 0) {
    return absl::UnavailableError(
        absl::StrCat("Redis answered HGETALL ", key_, " with something other than a hash"));
  }
  std::vector<std::pair<IdentityRef, uint64_t>> counts;
  for (size_t i = 0; i + 1 < all.elements; i += 2) {
    const redisReply* field = all.element[i];
    const redisReply* value = all.element[i + 1];
    if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
    const absl::string_view text(field->str, field->len);
    const size_t colon = text.find(':');
    std::optional<SubjectKind> kind =
        colon == absl::string_view::npos ? std::nullopt : ParseSubjectKind(text.substr(0, colon));
    uint64_t count = 0;
    if (!kind.has_value() || !absl::SimpleAtoi(absl::string_view(value->str, value->len), &count)) {
      continue;  // not written by ward
    }
    counts.push_back({IdentityRef{*kind, std::string(text.substr(colon + 1))}, count});
  }
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.second != b.second
               ? a.second > b.second
               : std::tie(a.first.kind, a.first.id) < std::tie(b.first.kind, b.first.id);
  });
  return counts;
}

}  // namespace ward
