#ifndef WARD_TESTING_REDIS_SERVER_H_
#define WARD_TESTING_REDIS_SERVER_H_

// Debian's redis-server for a test: in memory only, on 127.0.0.1, started and stopped (and
// started again) by the test. A missing redis-server fails the test; it is never skipped.

#include <sys/types.h>

namespace ward::testing_support {

// A port nothing listens on now (the kernel's pick for port 0).
int FreePort();

class RedisServer {
 public:
  explicit RedisServer(int port) : port_(port) {}
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it and waits until it listens (a gtest failure otherwise).
  void Start();
  // Kills it (SIGKILL: as a crash would) and waits for it.
  void Stop();
  int port() const { return port_; }

 private:
  const int port_;
  pid_t pid_ = -1;
};

}  // namespace ward::testing_support

#endif  // WARD_TESTING_REDIS_SERVER_H_
