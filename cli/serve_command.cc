// `ward serve`: a decision server for gateways that cannot link the library (docs/gateways.md).
// HTTP/1.1 with keep-alive (cpp-httplib, Debian's libcpp-httplib-dev):
//   POST /v1/decide   a request in the JSON exchange format -> the decision as `ward eval` prints
//   it GET  /v1/health   the policy hash and the store's size GET  /metrics     Prometheus text:
//   decisions by effect, latency, bad requests, log drops,
//                     unknown identities, reloads
//   /v1/auth          nginx `auth_request`: the request from X-Ward-* headers; 200 on ALLOW, 403
//                     otherwise, the decision in X-Ward-* response headers
// The policy and the entities are reloaded together on SIGHUP and when one of their files
// changes; a reload that fails keeps what was there.

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "httplib.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/engine.h"
#include "ward/redis_ledger.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

// How long a client may take to send a request (or to read an answer) before it is cut off.
constexpr int kClientTimeoutSeconds = 5;

std::vector<OptionSpec> ServeOptions() {
  std::vector<OptionSpec> options = {
      {"policy", "FILE", true, "a policy source; several form one policy set"},
      {"bundle", "FILE", false, "a compiled bundle (`ward compile`) instead of --policy"},
      {"trust", "NAME.pub", true,
       "load --bundle only if it is signed by this public key (`ward compile --sign`)"},
      {"entities", "FILE", false, "the entity file (identities and resources)"},
      {"listen", "HOST:PORT", false,
       "where to listen (default 127.0.0.1:8181; port 0 picks a free port)"},
      {"port-file", "FILE", false, "write the port listened on to FILE once listening"},
      {"threads", "N", false,
       "threads answering requests; each serves one open connection at a time (default: one "
       "per core, at least 8)"},
      {"max-body", "BYTES", false,
       "the largest request body accepted (default 65536); larger ones get 413"},
      {"approval-key", "NAME.pub", true,
       "trust grants signed by this public key (`ward keygen`); without one, no request's "
       "`approval` grant is accepted"},
      {"redis", "HOST:PORT", false,
       "record used grants in this Redis server, shared by every replica started with it, so "
       "that a grant is used once across them; while it cannot be reached, grants are refused"},
  };
  for (OptionSpec& spec : DecisionLogOptionSpecs()) options.push_back(std::move(spec));
  return options;
}

// Counters for /metrics; updated with relaxed atomics from the answering threads.
class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 9> kBuckets = {1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5,
                                                     5e-5, 1e-4,   2.5e-4, 1e-3};

  void CountDecision(Effect effect, std::chrono::nanoseconds latency) {
    by_effect_[static_cast<size_t>(effect)].fetch_add(1, std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(latency).count();
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    latency_ns_.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
  }
  void CountBadRequest() { bad_requests_.fetch_add(1, std::memory_order_relaxed); }
  void CountReload(bool ok) { (ok ? reloads_ok_ : reloads_failed_).fetch_add(1); }

  std::string Text(const Engine& engine) const {
    std::string out;
    absl::StrAppend(&out,
                    "# HELP ward_decisions_total Decisions made, by effect.\n"
                    "# TYPE ward_decisions_total counter\n");
    uint64_t total = 0;
    for (Effect effect : {Effect::kAllow, Effect::kNeedsApproval, Effect::kDeny}) {
      const uint64_t count = by_effect_[static_cast<size_t>(effect)].load();
      total += count;
      absl::StrAppend(&out, "ward_decisions_total{effect=\"", EffectName(effect), "\"} ", count,
                      "\n");
    }
    absl::StrAppend(&out,
                    "# HELP ward_decide_latency_seconds Time to decide a request, parsing and "
                    "answering excluded.\n"
                    "# TYPE ward_decide_latency_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += buckets_[i].load();
      absl::StrAppend(&out, "ward_decide_latency_seconds_bucket{le=\"", kBuckets[i], "\"} ",
                      cumulative, "\n");
    }
    cumulative += buckets_[kBuckets.size()].load();
    absl::StrAppend(&out, "ward_decide_latency_seconds_bucket{le=\"+Inf\"} ", cumulative, "\n",
                    "ward_decide_latency_seconds_sum ",
                    absl::StrFormat("%.9f", static_cast<double>(latency_ns_.load()) * 1e-9), "\n",
                    "ward_decide_latency_seconds_count ", total, "\n");
    absl::StrAppend(&out,
                    "# HELP ward_bad_requests_total Requests refused before deciding (bad JSON, "
                    "bad headers, too large).\n"
                    "# TYPE ward_bad_requests_total counter\n"
                    "ward_bad_requests_total ",
                    bad_requests_.load(), "\n");
    if (const std::shared_ptr<DecisionLog> log = engine.decision_log()) {
      const DecisionLogStats stats = log->stats();
      absl::StrAppend(&out,
                      "# HELP ward_decision_log_dropped_total Decision-log records dropped "
                      "because a queue was full.\n"
                      "# TYPE ward_decision_log_dropped_total counter\n"
                      "ward_decision_log_dropped_total ",
                      stats.dropped, "\n",
                      "# HELP ward_decision_log_written_total Decision-log records written.\n"
                      "# TYPE ward_decision_log_written_total counter\n"
                      "ward_decision_log_written_total ",
                      stats.written, "\n");
    }
    absl::StrAppend(&out,
                    "# HELP ward_unknown_identities Unknown identities that called, as "
                    "remembered now.\n"
                    "# TYPE ward_unknown_identities gauge\n"
                    "ward_unknown_identities ",
                    engine.unknown_identities().size(), "\n",
                    "# HELP ward_reloads_total Reloads of the policy and entities, by result.\n"
                    "# TYPE ward_reloads_total counter\n"
                    "ward_reloads_total{result=\"ok\"} ",
                    reloads_ok_.load(), "\n", "ward_reloads_total{result=\"failed\"} ",
                    reloads_failed_.load(), "\n");
    return out;
  }

 private:
  std::array<std::atomic<uint64_t>, 3> by_effect_{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<uint64_t> latency_ns_{0};
  std::atomic<uint64_t> bad_requests_{0};
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
};

void SendError(httplib::Response& response, int status, absl::string_view message) {
  response.status = status;
  response.set_content(absl::StrCat("{\"error\":", internal::JsonQuote(message), "}\n"),
                       "application/json");
}

// Decides `request`, counting it; the decision is the thread's own, reused from call to call.
const Decision& DecideCounted(const Engine& engine, const Request& request, Metrics* metrics) {
  thread_local Decision decision;
  const auto start = std::chrono::steady_clock::now();
  engine.Decide(request, &decision);
  metrics->CountDecision(decision.effect, std::chrono::steady_clock::now() - start);
  return decision;
}

// "KIND:ID" as the JSON identity object of the exchange format, or an error naming `header`.
absl::StatusOr<nlohmann::json> IdentityHeader(absl::string_view header, absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(header, ": expected KIND:ID (e.g. user:alice), got \"", text, "\""));
  }
  return nlohmann::json{{"kind", std::string(text.substr(0, colon))},
                        {"id", std::string(text.substr(colon + 1))}};
}

// The request an nginx `auth_request` subrequest describes in its X-Ward-* headers, built as
// the JSON exchange format so that it is checked exactly as a /v1/decide body is.
absl::StatusOr<Request> RequestFromHeaders(const httplib::Request& http) {
  const auto required = [&http](const char* name) -> absl::StatusOr<std::string> {
    if (!http.has_header(name)) {
      return absl::InvalidArgumentError(absl::StrCat("missing header ", name));
    }
    return http.get_header_value(name);
  };
  nlohmann::json request = nlohmann::json::object();
  absl::StatusOr<std::string> subject = required("X-Ward-Subject");
  if (!subject.ok()) return subject.status();
  absl::StatusOr<nlohmann::json> subject_json = IdentityHeader("X-Ward-Subject", *subject);
  if (!subject_json.ok()) return subject_json.status();
  request["subject"] = *subject_json;
  if (http.has_header("X-Ward-On-Behalf-Of")) {
    nlohmann::json chain = nlohmann::json::array();
    for (absl::string_view hop :
         absl::StrSplit(http.get_header_value("X-Ward-On-Behalf-Of"), ',', absl::SkipEmpty())) {
      absl::StatusOr<nlohmann::json> identity = IdentityHeader("X-Ward-On-Behalf-Of", hop);
      if (!identity.ok()) return identity.status();
      chain.push_back(*identity);
    }
    request["on_behalf_of"] = chain;
  }
  absl::StatusOr<std::string> action = required("X-Ward-Action");
  if (!action.ok()) return action.status();
  request["action"] = std::string(absl::StripAsciiWhitespace(*action));
  absl::StatusOr<std::string> resource = required("X-Ward-Resource");
  if (!resource.ok()) return resource.status();
  absl::StatusOr<nlohmann::json> resource_json = IdentityHeader("X-Ward-Resource", *resource);
  if (!resource_json.ok()) return resource_json.status();
  request["resource"] = {{"type", (*resource_json)["kind"]}, {"id", (*resource_json)["id"]}};
  for (const auto& [header, field] :
       {std::pair<const char*, const char*>{"X-Ward-Context", "context"},
        std::pair<const char*, const char*>{"X-Ward-Args", "args"}}) {
    if (!http.has_header(header)) continue;
    nlohmann::json value = nlohmann::json::parse(http.get_header_value(header), nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(header, ": expected a JSON object"));
    }
    request[field] = std::move(value);
  }
  if (http.has_header("X-Ward-Approval")) {
    request["approval"] = http.get_header_value("X-Ward-Approval");
  }
  return ParseRequestJson(request.dump());
}

// The modification time of each file, to notice a change without a signal.
std::vector<int64_t> ModificationTimes(const std::vector<std::string>& paths) {
  std::vector<int64_t> times;
  for (const std::string& path : paths) {
    struct stat info;
    times.push_back(stat(path.c_str(), &info) == 0
                        ? int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec
                        : -1);
  }
  return times;
}

int RunServe(const Invocation& call) {
  if (const int checked = CheckPolicyOptions(call); checked != kExitOk) return checked;
  std::string host = "127.0.0.1";
  int port = 8181;
  if (call->Has("listen")) {
    const std::string listen = call->Get("listen");
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
        port < 0 || port > 65535 || colon == 0) {
      return call.UsageError(absl::StrCat("--listen: expected HOST:PORT, got \"", listen, "\""));
    }
    host = listen.substr(0, colon);
  }
  // A connection holds a thread while it is open (keep-alive), so the threads bound the
  // connections answered at once; later ones wait for a free thread.
  int threads = std::max(DefaultThreads(), 8);
  if (call->Has("threads") &&
      (!absl::SimpleAtoi(call->Get("threads"), &threads) || threads < 1 || threads > 1024)) {
    return call.UsageError("--threads: expected a number from 1 to 1024");
  }
  size_t max_body = 65536;
  if (call->Has("max-body") && (!absl::SimpleAtoi(call->Get("max-body"), &max_body) ||
                                max_body < 64 || max_body > (size_t{64} << 20))) {
    return call.UsageError("--max-body: expected a number of bytes from 64 to 67108864");
  }

  EngineOptions options;
  // With --redis, the fleet's unknown identities, to which this replica adds its own.
  std::unique_ptr<RedisUnknownIdentities> fleet_unknown;
  if (call->Has("redis")) {
    const std::string address = call->Get("redis");
    const size_t colon = address.rfind(':');
    RedisLedgerOptions redis;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(address.substr(colon + 1), &redis.port) || redis.port < 1 ||
        redis.port > 65535) {
      return call.UsageError(absl::StrCat("--redis: expected HOST:PORT, got \"", address, "\""));
    }
    redis.host = address.substr(0, colon);
    options.grant_ledger = NewRedisGrantLedger(redis);
    fleet_unknown = std::make_unique<RedisUnknownIdentities>(redis);
  }
  if (const int opened = OpenDecisionLogOption(call, &options.decision_log); opened != kExitOk) {
    return opened;
  }
  if (!ReadKeyFiles(call->GetAll("approval-key"), &options.approval_keys)) {
    return kExitInvalidInput;
  }
  // Loads the policy and the entities as the options name them (errors printed).
  const auto load = [&call](std::shared_ptr<const Policy>* policy, EntityStore* entities) {
    *policy = LoadPolicyOption(call);
    if (*policy == nullptr) return false;
    *entities = EntityStore();
    return !call->Has("entities") ||
           LoadEntityFile(call->Get("entities"), (*policy)->schema(), entities, nullptr);
  };
  std::shared_ptr<const Policy> policy;
  EntityStore entities;
  if (!load(&policy, &entities)) return kExitInvalidInput;
  absl::StatusOr<std::unique_ptr<Engine>> created =
      Engine::Create(policy, std::move(entities), options);
  if (!created.ok()) {
    absl::FPrintF(stderr, "ward serve: %s\n", created.status().message());
    return kExitInvalidInput;
  }
  const std::unique_ptr<Engine> engine = *std::move(created);
  Metrics metrics;

  // Signals are taken by one thread (sigwait), so they are blocked in every thread, which
  // inherit the mask of this one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(max_body);
  server.set_read_timeout(kClientTimeoutSeconds, 0);
  server.set_write_timeout(kClientTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kClientTimeoutSeconds);
  server.set_keep_alive_max_count(10000);
  // Answers are small and go out whole: without this, Nagle's algorithm holds each one back
  // until the client's delayed ACK (~40 ms).
  server.set_tcp_nodelay(true);

  server.Post("/v1/decide", [&](const httplib::Request& http, httplib::Response& response) {
    absl::StatusOr<Request> request = ParseRequestJson(http.body);
    if (!request.ok()) {
      metrics.CountBadRequest();
      SendError(response, 400, request.status().message());
      return;
    }
    response.set_content(DecideCounted(*engine, *request, &metrics).ToJson() + "\n",
                         "application/json");
  });
  const auto auth = [&](const httplib::Request& http, httplib::Response& response) {
    absl::StatusOr<Request> request = RequestFromHeaders(http);
    if (!request.ok()) {
      metrics.CountBadRequest();
      SendError(response, 400, request.status().message());
      return;
    }
    const Decision& decision = DecideCounted(*engine, *request, &metrics);
    // nginx reads the status and the headers only; the body is for people and other callers.
    response.set_content(decision.ToJson() + "\n", "application/json");
    response.status = decision.effect == Effect::kAllow ? 200 : 403;
    response.set_header("X-Ward-Effect", std::string(EffectName(decision.effect)));
    response.set_header("X-Ward-Reason", std::string(ReasonName(decision.reason)));
    response.set_header("X-Ward-Rules", absl::StrJoin(decision.rules, ","));
    if (decision.effect == Effect::kNeedsApproval) {
      response.set_header("X-Ward-Approval-Digest", decision.approval_digest);
    }
    if (decision.effect == Effect::kAllow) {
      // Ordered: the obligations' keys as /v1/decide writes them.
      const nlohmann::ordered_json whole =
          nlohmann::ordered_json::parse(decision.ToJson(), nullptr, false);
      if (!whole.is_discarded() && whole.contains("obligations")) {
        response.set_header("X-Ward-Obligations", whole["obligations"].dump());
      }
    }
  };
  server.Get("/v1/auth", auth);
  server.Post("/v1/auth", auth);
  server.Get("/v1/health", [&](const httplib::Request&, httplib::Response& response) {
    const std::shared_ptr<const EntityStore> store = engine->entities();
    const std::string hash = absl::StrFormat("%016x", engine->policy()->hash());
    response.set_content(absl::StrCat("{\"status\":\"ok\",\"policy\":\"", hash,
                                      "\",\"identities\":", store->identity_count(),
                                      ",\"resources\":", store->resource_count(), "}\n"),
                         "application/json");
  });
  // Adds what this replica saw to the fleet's unknown identities (with --redis); says so on
  // stderr when Redis stops or starts answering.
  std::atomic<bool> fleet_reachable{true};
  const auto share_unknown_identities = [&] {
    if (fleet_unknown == nullptr) return absl::OkStatus();
    absl::Status added = fleet_unknown->Add(engine->unknown_identities());
    if (fleet_reachable.exchange(added.ok()) != added.ok()) {
      absl::FPrintF(stderr, "ward serve: %s\n",
                    added.ok() ? std::string("Redis answers again")
                               : absl::StrCat("unknown identities not shared: ", added.message()));
    }
    return added;
  };
  server.Get("/v1/unknown-identities", [&](const httplib::Request&, httplib::Response& response) {
    if (fleet_unknown == nullptr) {
      response.set_content(absl::StrCat("{\"scope\":\"replica\",\"identities\":",
                                        UnknownIdentitiesJson(engine->unknown_identities()), "}\n"),
                           "application/json");
      return;
    }
    share_unknown_identities().IgnoreError();  // the answer includes this replica's latest
    absl::StatusOr<std::vector<std::pair<IdentityRef, uint64_t>>> counts = fleet_unknown->Read();
    if (!counts.ok()) {
      SendError(response, 503, counts.status().message());
      return;
    }
    std::string body = "{\"scope\":\"fleet\",\"identities\":[";
    for (size_t i = 0; i < counts->size(); ++i) {
      const auto& [identity, count] = (*counts)[i];
      absl::StrAppend(&body, i == 0 ? "" : ",", "{\"kind\":\"", SubjectKindName(identity.kind),
                      "\",\"id\":", internal::JsonQuote(identity.id), ",\"count\":", count, "}");
    }
    absl::StrAppend(&body, "]}\n");
    response.set_content(body, "application/json");
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.Text(*engine), "text/plain; version=0.0.4");
  });
  for (const char* path : {"/v1/decide", "/v1/health", "/v1/unknown-identities", "/metrics"}) {
    const bool post = absl::string_view(path) == "/v1/decide";
    const auto wrong_method = [&metrics, post](const httplib::Request&,
                                               httplib::Response& response) {
      metrics.CountBadRequest();
      response.set_header("Allow", post ? "POST" : "GET");
      SendError(response, 405, post ? "use POST" : "use GET");
    };
    if (post) {
      server.Get(path, wrong_method);
    } else {
      server.Post(path, wrong_method);
    }
    server.Put(path, wrong_method);
    server.Delete(path, wrong_method);
  }
  // Unknown paths and bodies too large: a JSON error, counted as a bad request.
  server.set_error_handler([&](const httplib::Request&, httplib::Response& response) {
    if (response.status >= 400 && response.body.empty()) {
      metrics.CountBadRequest();
      SendError(response, response.status,
                response.status == 404   ? "no such endpoint (POST /v1/decide, /v1/auth, GET "
                                           "/v1/health, GET /metrics)"
                : response.status == 413 ? "the request body is larger than --max-body"
                : response.status == 400
                    ? absl::StrCat("the request could not be read: malformed, or not sent within ",
                                   kClientTimeoutSeconds, " s")
                    : absl::StrCat("HTTP status ", response.status));
    }
  });

  // Not SO_REUSEPORT (cpp-httplib's default): a second server on the same port must fail, not
  // share the traffic with the first. The socket is kept to raise its backlog once bound.
  int listening_socket = -1;
  server.set_socket_options([&listening_socket](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening_socket = socket;
  });
  const int requested_port = port;
  if (port == 0) {
    port = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0) {
    absl::FPrintF(stderr, "ward serve: cannot listen on %s:%d (is another server there?)\n", host,
                  requested_port);
    return kExitInvalidInput;
  }
  // cpp-httplib listens with a backlog of 5: a burst of new connections (a proxy opening its
  // pool) would overflow it and wait for the client's SYN retry, a second or more. Listening
  // again on a listening socket only changes its backlog.
  if (listening_socket >= 0) listen(listening_socket, SOMAXCONN);
  if (call->Has("port-file") && !WriteText(call->Get("port-file"), absl::StrCat(port, "\n"))) {
    absl::FPrintF(stderr, "ward serve: cannot write %s\n", call->Get("port-file"));
    return kExitInvalidInput;
  }
  absl::FPrintF(stderr, "ward serve: listening on %s:%d\n", host, port);

  // Reloads: asked for by SIGHUP or noticed as a changed file; one at a time, on this thread.
  std::vector<std::string> watched = call->GetAll("policy");
  if (call->Has("bundle")) watched.push_back(call->Get("bundle"));
  if (call->Has("entities")) watched.push_back(call->Get("entities"));
  std::atomic<bool> reload_asked{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> listen_returned{false};
  std::thread signal_thread([&] {
    for (;;) {
      int received = 0;
      if (sigwait(&signals, &received) != 0) continue;
      if (received == SIGHUP) {
        reload_asked.store(true);
        continue;
      }
      stopping.store(true);
      // A stop that comes before the server is listening would be lost: repeat it until the
      // server has stopped.
      while (!listen_returned.load()) {
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return;
    }
  });
  std::thread reloader([&] {
    std::vector<int64_t> seen = ModificationTimes(watched);
    for (int tick = 1; !stopping.load(); ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (tick % 10 == 0) share_unknown_identities().IgnoreError();
      std::vector<int64_t> now = ModificationTimes(watched);
      if (!reload_asked.exchange(false) && now == seen) continue;
      seen = std::move(now);
      std::shared_ptr<const Policy> new_policy;
      EntityStore new_entities;
      absl::Status reloaded = absl::InvalidArgumentError("see the errors above");
      if (load(&new_policy, &new_entities)) {
        reloaded = engine->Reload(new_policy, std::move(new_entities));
      }
      metrics.CountReload(reloaded.ok());
      if (reloaded.ok()) {
        absl::FPrintF(stderr, "ward serve: reloaded the policy and the entities\n");
      } else {
        absl::FPrintF(stderr, "ward serve: reload failed, keeping the policy in use: %s\n",
                      reloaded.message());
      }
    }
  });

  const bool listened = server.listen_after_bind();
  listen_returned.store(true);
  if (!stopping.exchange(true)) {
    // Stopped other than by a signal: wake the signal thread so that it returns.
    kill(getpid(), SIGTERM);
  }
  signal_thread.join();
  reloader.join();
  share_unknown_identities().IgnoreError();
  if (!CloseDecisionLog(call, options.decision_log.get())) return kExitInvalidInput;
  absl::FPrintF(stderr, "ward serve: stopped\n");
  return listened ? kExitOk : kExitInvalidInput;
}

}  // namespace

const Command& ServeCommand() {
  static const Command* const kCommand = [] {
    auto* command = new Command;
    command->name = "serve";
    command->synopsis =
        "(--policy FILE... | --bundle FILE [--trust NAME.pub]) [--entities FILE] "
        "[--listen HOST:PORT] [--port-file FILE] [--threads N] [--max-body BYTES] "
        "[--approval-key NAME.pub] [--redis HOST:PORT] "
        "[--decision-log FILE [--decision-log-level LEVEL]]";
    command->summary = "an HTTP decision server for gateways (and nginx auth_request)";
    command->description =
        "Answers POST /v1/decide (a request as JSON; the decision as `ward eval` prints it), "
        "/v1/auth (nginx auth_request: the request from X-Ward-Subject, X-Ward-On-Behalf-Of, "
        "X-Ward-Action, X-Ward-Resource, X-Ward-Context, X-Ward-Args and X-Ward-Approval headers; "
        "200 on ALLOW, 403 otherwise, the decision in X-Ward-* response headers), GET /v1/health "
        "and GET /metrics (Prometheus). Reloads the policy and the entities together on SIGHUP "
        "or when one of their files changes; a reload that fails keeps what is in use. Stops on "
        "SIGTERM or SIGINT. See docs/gateways.md.";
    command->options = ServeOptions();
    command->positional_hint = "policy files go after --policy";
    command->run = RunServe;
    return command;
  }();
  return *kCommand;
}

}  // namespace ward::cli
