// `ward serve` run as a process (the binary in WARD_BIN) and asked over HTTP: decisions,
// health and metrics, nginx auth_request mode, bad input of every kind (each answered 4xx,
// the server still answering afterwards), reloads on SIGHUP and on a file change, and a clean
// stop on SIGTERM.

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "testing/redis_server.h"
#include "ward/approval.h"

namespace ward {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

const char* WardBin() {
  const char* bin = std::getenv("WARD_BIN");
  return bin != nullptr ? bin : "build/cli/ward";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces the file whole (written beside it, then renamed), as deployment tools do, so that
// a reload never reads half of it.
void WriteAll(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path + ".new", std::ios::trunc);
    out << text;
  }
  std::rename((path + ".new").c_str(), path.c_str());
}

// A `ward serve` process on a free port of 127.0.0.1, stopped (SIGTERM) when destroyed.
class Server {
 public:
  explicit Server(std::vector<std::string> args) {
    static int count = 0;
    const std::string base = absl::StrCat(::testing::TempDir(), "/serve_", getpid(), "_", ++count);
    port_file_ = base + ".port";
    stderr_file_ = base + ".err";
    std::remove(port_file_.c_str());
    args.insert(args.begin(), {WardBin(), "serve"});
    for (const char* extra : {"--listen", "127.0.0.1:0", "--port-file"}) args.push_back(extra);
    args.push_back(port_file_);
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen(stderr_file_.c_str(), "w", stderr);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string text(absl::StripAsciiWhitespace(ReadAll(port_file_)));
      if (!text.empty()) {
        EXPECT_TRUE(absl::SimpleAtoi(text, &port_));
      }
    }
    EXPECT_NE(port_, 0) << "ward serve did not start: " << ReadAll(stderr_file_);
  }
  ~Server() {
    if (pid_ > 0 && exit_code_ < 0) Stop();
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    return client;
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Stderr() const { return ReadAll(stderr_file_); }

  // SIGTERM, then the exit code (or -1 when it did not exit within 10 s).
  int Stop() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exit_code_ = -1;
    return -1;
  }

 private:
  std::string port_file_;
  std::string stderr_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
};

std::vector<std::string> Example() {
  return {"--policy",   "examples/ai-gateway/schema.ward",
          "--policy",   "examples/ai-gateway/rules.ward",
          "--entities", "examples/ai-gateway/entities.json"};
}

// The value of the metric line that starts with `name` (its full name and labels).
double Metric(const std::string& metrics, const std::string& name) {
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) {
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(line.substr(name.size() + 1), &value)) << line;
      return value;
    }
  }
  ADD_FAILURE() << "no metric " << name << " in\n" << metrics;
  return -1;
}

constexpr char kAllowed[] =
    R"({"subject": {"kind": "user", "id": "u-bob"}, "action": "reveal",
        "resource": {"type": "data", "id": "customer-records"}, "context": {"channel": "direct"}})";
constexpr char kDenied[] =
    R"({"subject": {"kind": "user", "id": "u-bob"}, "action": "reveal",
        "resource": {"type": "data", "id": "customer-records"}})";

TEST(ServeTest, DecidesAndCountsDecisionsInItsMetrics) {
  Server server(Example());
  httplib::Client client = server.Client();
  for (int i = 0; i < 3; ++i) {
    httplib::Result allowed = client.Post("/v1/decide", kAllowed, "application/json");
    ASSERT_TRUE(allowed) << server.Stderr();
    EXPECT_EQ(allowed->status, 200);
    EXPECT_EQ(json::parse(allowed->body)["effect"], "ALLOW") << allowed->body;
  }
  httplib::Result denied = client.Post("/v1/decide", kDenied, "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 200);  // the decision was made; it is a DENY
  EXPECT_EQ(json::parse(denied->body)["reason"], "forbidden");

  httplib::Result health = client.Get("/v1/health");
  ASSERT_TRUE(health);
  const json status = json::parse(health->body);
  EXPECT_EQ(status["status"], "ok");
  EXPECT_EQ(status["policy"], json::parse(denied->body)["policy"]);
  EXPECT_EQ(status["identities"], 9);

  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(Metric(metrics->body, "ward_decisions_total{effect=\"ALLOW\"}"), 3);
  EXPECT_EQ(Metric(metrics->body, "ward_decisions_total{effect=\"DENY\"}"), 1);
  EXPECT_EQ(Metric(metrics->body, "ward_decide_latency_seconds_count"), 4);
  EXPECT_EQ(Metric(metrics->body, "ward_decide_latency_seconds_bucket{le=\"+Inf\"}"), 4);
  EXPECT_EQ(Metric(metrics->body, "ward_bad_requests_total"), 0);
  EXPECT_EQ(server.Stop(), 0) << server.Stderr();
}

TEST(ServeTest, AnswersNginxAuthRequestsWithStatusAndHeaders) {
  Server server(Example());
  httplib::Client client = server.Client();
  const auto ask = [&client](const std::string& subject, const std::string& resource,
                             const std::string& context) {
    httplib::Headers headers = {
        {"X-Ward-Subject", subject}, {"X-Ward-Action", "reveal"}, {"X-Ward-Resource", resource}};
    if (!context.empty()) headers.emplace("X-Ward-Context", context);
    return client.Get("/v1/auth", headers);
  };
  httplib::Result allowed = ask("user:u-bob", "data:customer-records", R"({"channel":"direct"})");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->get_header_value("X-Ward-Effect"), "ALLOW");
  EXPECT_EQ(allowed->get_header_value("X-Ward-Rules"), "reveal-customer-records");
  EXPECT_THAT(allowed->get_header_value("X-Ward-Obligations"), HasSubstr("[EMAIL]"));

  httplib::Result denied = ask("user:u-bob", "data:customer-records", "");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(denied->get_header_value("X-Ward-Reason"), "forbidden");
  EXPECT_FALSE(denied->has_header("X-Ward-Obligations"));

  httplib::Result approval =
      ask("user:u-bob", "data:customer-records", R"({"channel":"direct","record_count":500})");
  ASSERT_TRUE(approval);
  EXPECT_EQ(approval->status, 403);
  EXPECT_EQ(approval->get_header_value("X-Ward-Effect"), "NEEDS_APPROVAL");
  EXPECT_EQ(approval->get_header_value("X-Ward-Approval-Digest").size(), 64u);

  // A chain is named nearest first; an unknown agent acting for bob is refused.
  httplib::Result chained = client.Get("/v1/auth", {{"X-Ward-Subject", "agent:nobody"},
                                                    {"X-Ward-On-Behalf-Of", "user:u-bob"},
                                                    {"X-Ward-Action", "reveal"},
                                                    {"X-Ward-Resource", "data:customer-records"}});
  ASSERT_TRUE(chained);
  EXPECT_EQ(chained->status, 403);
  EXPECT_EQ(chained->get_header_value("X-Ward-Reason"), "unknown_identity");

  // Missing or malformed headers are not a decision: 400, which nginx turns into an error.
  for (const httplib::Headers& bad :
       {httplib::Headers{{"X-Ward-Action", "reveal"}, {"X-Ward-Resource", "data:x"}},
        httplib::Headers{{"X-Ward-Subject", "u-bob"},
                         {"X-Ward-Action", "reveal"},
                         {"X-Ward-Resource", "data:x"}},
        httplib::Headers{{"X-Ward-Subject", "user:u-bob"},
                         {"X-Ward-Action", "reveal"},
                         {"X-Ward-Resource", "data:x"},
                         {"X-Ward-Context", "[1]"}},
        httplib::Headers{{"X-Ward-Subject", "robot:r2"},
                         {"X-Ward-Action", "reveal"},
                         {"X-Ward-Resource", "data:x"}}}) {
    httplib::Result refused = client.Get("/v1/auth", bad);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << refused->body;
    EXPECT_TRUE(json::parse(refused->body).contains("error")) << refused->body;
  }
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(Metric(metrics->body, "ward_decisions_total{effect=\"NEEDS_APPROVAL\"}"), 1);
  EXPECT_EQ(Metric(metrics->body, "ward_decisions_total{effect=\"DENY\"}"), 2);
  EXPECT_EQ(Metric(metrics->body, "ward_bad_requests_total"), 4);
}

TEST(ServeTest, BadInputGets4xxAndTheServerKeepsAnswering) {
  std::vector<std::string> args = Example();
  args.insert(args.end(), {"--max-body", "1024"});
  Server server(args);
  httplib::Client client = server.Client();
  const auto status_of = [](const httplib::Result& result) { return result ? result->status : -1; };

  EXPECT_EQ(status_of(client.Post("/v1/decide", "{not json", "application/json")), 400);
  EXPECT_EQ(status_of(client.Post("/v1/decide", R"({"subject": 1})", "application/json")), 400);
  EXPECT_EQ(status_of(client.Post("/v1/decide", "", "application/json")), 400);
  EXPECT_EQ(status_of(client.Post("/v1/decide", std::string(4096, ' '), "application/json")), 413);
  EXPECT_EQ(status_of(client.Get("/v1/decide")), 405);
  EXPECT_EQ(status_of(client.Post("/metrics", "", "text/plain")), 405);
  EXPECT_EQ(status_of(client.Get("/v2/decide")), 404);

  // A slow client: the request line and half the headers, then nothing. It is answered 400
  // after the 5 s read timeout and cut off, and meanwhile others are answered.
  const int slow = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string partial = "POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n";
  ASSERT_EQ(send(slow, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  httplib::Result meanwhile = client.Post("/v1/decide", kAllowed, "application/json");
  ASSERT_TRUE(meanwhile);
  EXPECT_EQ(meanwhile->status, 200);
  const auto started = std::chrono::steady_clock::now();
  timeval wait{15, 0};
  setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  char answer[256] = {};
  const ssize_t got = recv(slow, answer, sizeof(answer) - 1, 0);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  close(slow);
  ASSERT_GT(got, 0) << "the slow client got no answer";
  EXPECT_THAT(std::string(answer), HasSubstr("HTTP/1.1 400"));
  EXPECT_GT(waited, 3.0);   // it was given its time
  EXPECT_LT(waited, 12.0);  // and then cut off

  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(Metric(metrics->body, "ward_bad_requests_total"), 8);
  EXPECT_EQ(Metric(metrics->body, "ward_decisions_total{effect=\"ALLOW\"}"), 1);
  EXPECT_EQ(server.Stop(), 0) << server.Stderr();
}

TEST(ServeTest, ReloadsOnSighupAndWhenAFileChangesAndKeepsThePolicyWhenAReloadFails) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/serve_reload_", getpid());
  ASSERT_EQ(system(absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir).c_str()), 0);
  const std::string rules = ReadAll("examples/ai-gateway/rules.ward");
  WriteAll(dir + "/schema.ward", ReadAll("examples/ai-gateway/schema.ward"));
  WriteAll(dir + "/rules.ward", rules);
  WriteAll(dir + "/entities.json", ReadAll("examples/ai-gateway/entities.json"));
  Server server({"--policy", dir + "/schema.ward", "--policy", dir + "/rules.ward", "--entities",
                 dir + "/entities.json"});
  httplib::Client client = server.Client();
  const auto effect = [&client] {
    httplib::Result result = client.Post("/v1/decide", kAllowed, "application/json");
    return result ? std::string(json::parse(result->body)["effect"]) : std::string("none");
  };
  const auto metric = [&client](const std::string& name) {
    httplib::Result result = client.Get("/metrics");
    return result ? Metric(result->body, name) : -1;
  };
  const auto wait_for_reloads = [&](const std::string& name, double count) {
    for (int i = 0; i < 200 && metric(name) < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return metric(name);
  };
  ASSERT_EQ(effect(), "ALLOW");

  // A file changes: the new rules are in force without a signal.
  WriteAll(dir + "/rules.ward", rules + "\n@id(\"no-reveals\") forbid user to reveal on data;\n");
  EXPECT_EQ(wait_for_reloads("ward_reloads_total{result=\"ok\"}", 1), 1) << server.Stderr();
  EXPECT_EQ(effect(), "DENY");

  // A policy that does not compile: the reload fails and the last good policy stays.
  WriteAll(dir + "/rules.ward", rules + "\npermit user to fly on data;\n");
  EXPECT_EQ(wait_for_reloads("ward_reloads_total{result=\"failed\"}", 1), 1) << server.Stderr();
  EXPECT_EQ(effect(), "DENY");
  EXPECT_THAT(server.Stderr(), HasSubstr("reload failed"));

  // SIGHUP reloads what is on disk now, the entities with the policy: bob's record removed.
  WriteAll(dir + "/rules.ward", rules);
  json entities = json::parse(ReadAll(dir + "/entities.json"));
  json kept = json::array();
  for (const json& identity : entities["identities"]) {
    if (identity["id"] != "u-bob") kept.push_back(identity);
  }
  entities["identities"] = kept;
  WriteAll(dir + "/entities.json", entities.dump());
  kill(server.pid(), SIGHUP);
  EXPECT_GE(wait_for_reloads("ward_reloads_total{result=\"ok\"}", 2), 2) << server.Stderr();
  httplib::Result unknown = client.Post("/v1/decide", kAllowed, "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(json::parse(unknown->body)["reason"], "unknown_identity");
  EXPECT_EQ(server.Stop(), 0) << server.Stderr();
}

// A second server on a port in use fails to start instead of sharing the port's traffic.
// Two replicas with --redis: a grant used at one is refused at the other, and unknown identities
// are counted across both; while Redis is down grants are refused and other requests decided;
// once it is back, grants are accepted again.
TEST(ServeTest, ReplicasWithRedisUseAGrantOnceAcrossTheFleet) {
  testing_support::RedisServer redis(testing_support::FreePort());
  ASSERT_NO_FATAL_FAILURE(redis.Start());
  absl::StatusOr<SigningKeyPair> keys = GenerateSigningKey();
  ASSERT_TRUE(keys.ok()) << keys.status();
  const std::string public_key =
      absl::StrCat(::testing::TempDir(), "/serve_redis_", getpid(), ".pub");
  std::ofstream(public_key) << keys->public_key_pem;
  std::vector<std::string> args = Example();
  for (const std::string& arg : {std::string("--approval-key"), public_key, std::string("--redis"),
                                 absl::StrCat("127.0.0.1:", redis.port())}) {
    args.push_back(arg);
  }
  Server first(args);
  Server second(args);
  const std::string request =
      R"({"subject": {"kind": "user", "id": "u-bob"}, "action": "reveal",
          "resource": {"type": "data", "id": "customer-records"},
          "context": {"channel": "direct", "record_count": 500}})";
  httplib::Result waiting = first.Client().Post("/v1/decide", request, "application/json");
  ASSERT_TRUE(waiting) << first.Stderr();
  const json asked = json::parse(waiting->body);
  ASSERT_EQ(asked["effect"], "NEEDS_APPROVAL") << waiting->body;
  // The request with a grant by u-grace (the privacy office), with id `jti`.
  auto granted = [&](const std::string& jti) {
    GrantRequest grant;
    grant.digest = asked["approval"]["digest"];
    grant.approver_id = "u-grace";
    grant.jti = jti;
    grant.issued_at = absl::Now() - absl::Seconds(1);
    absl::StatusOr<std::string> token = MintGrant(grant, keys->private_key_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    json body = json::parse(request);
    body["approval"] = token.value_or("");
    return body.dump();
  };
  auto decide = [](Server& server, const std::string& body) {
    httplib::Result result = server.Client().Post("/v1/decide", body, "application/json");
    EXPECT_TRUE(result) << server.Stderr();
    return result ? json::parse(result->body) : json();
  };

  const std::string once = granted("fleet-once");
  EXPECT_EQ(decide(first, once)["effect"], "ALLOW");
  const json replayed = decide(second, once);
  EXPECT_EQ(replayed["effect"], "NEEDS_APPROVAL");
  EXPECT_THAT(replayed["errors"][0]["message"].get<std::string>(),
              HasSubstr("already used (recorded in the fleet's grant ledger)"));

  // Unknown identities are counted across the fleet: 2 decisions at one replica, 3 at the
  // other, 5 in the answer of either.
  const std::string ghost =
      R"({"subject": {"kind": "agent", "id": "ghost"}, "action": "reveal",
          "resource": {"type": "data", "id": "customer-records"}})";
  for (int i = 0; i < 2; ++i) EXPECT_EQ(decide(first, ghost)["reason"], "unknown_identity");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decide(second, ghost)["reason"], "unknown_identity");
  json fleet;
  for (int attempt = 0; attempt < 50; ++attempt) {  // the other replica adds its counts every 2 s
    httplib::Result unknown = first.Client().Get("/v1/unknown-identities");
    ASSERT_TRUE(unknown);
    ASSERT_EQ(unknown->status, 200) << unknown->body;
    fleet = json::parse(unknown->body);
    if (fleet["identities"].size() == 1 && fleet["identities"][0]["count"] == 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(fleet, json::parse(R"({"scope": "fleet", "identities": [
                                     {"kind": "agent", "id": "ghost", "count": 5}]})"));

  redis.Stop();
  httplib::Result unreachable = second.Client().Get("/v1/unknown-identities");
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(unreachable->status, 503);
  EXPECT_THAT(unreachable->body,
              HasSubstr(absl::StrCat("cannot connect to Redis at 127.0.0.1:", redis.port())));
  const json refused = decide(second, granted("fleet-down"));
  EXPECT_EQ(refused["effect"], "NEEDS_APPROVAL");
  EXPECT_THAT(refused["errors"][0]["message"].get<std::string>(),
              HasSubstr("could not be recorded in the fleet's grant ledger"));
  EXPECT_EQ(decide(second, kAllowed)["effect"], "ALLOW");

  ASSERT_NO_FATAL_FAILURE(redis.Start());
  EXPECT_EQ(decide(second, granted("fleet-back"))["effect"], "ALLOW");
  EXPECT_EQ(first.Stop(), 0) << first.Stderr();
  EXPECT_EQ(second.Stop(), 0) << second.Stderr();
}

TEST(ServeTest, ASecondServerOnTheSamePortDoesNotStart) {
  Server first(Example());
  const int status = system(absl::StrCat(WardBin(),
                                         " serve --policy examples/ai-gateway/schema.ward --listen "
                                         "127.0.0.1:",
                                         first.port(), " 2>/dev/null")
                                .c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  httplib::Result health = first.Client().Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServeTest, RefusesBadOptionsWithUsageErrors) {
  for (const std::string& args :
       {std::string("serve --listen nowhere --policy examples/ai-gateway/schema.ward"),
        std::string("serve --threads 0 --policy examples/ai-gateway/schema.ward"),
        std::string("serve --max-body 1 --policy examples/ai-gateway/schema.ward"),
        std::string("serve")}) {
    const int status = system(absl::StrCat(WardBin(), " ", args, " 2>/dev/null").c_str());
    ASSERT_TRUE(WIFEXITED(status)) << args;
    EXPECT_EQ(WEXITSTATUS(status), 2) << args;
  }
}

}  // namespace
}  // namespace ward
