// What the C and C++ overhead programs share (README.md here): their options, reading a file
// and the timing loop. Header-only and free of ward's libraries, since the two programs must link
// different ones (see bindings/c/ward.h).

#ifndef WARD_BENCH_BINDINGS_OVERHEAD_HARNESS_H_
#define WARD_BENCH_BINDINGS_OVERHEAD_HARNESS_H_

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ward::bench {

struct OverheadOptions {
  long iterations = 200000;
  std::string dir = "examples/agent-runtime";
  // An allowed tool call of that example (two principals, obligations): the request every
  // binding decides.
  std::string request = "bench/bindings/request.json";
};

// `--iterations N`, `--dir DIR` and `--request FILE`; false on anything else, or a count
// below 1.
inline bool ParseOverheadOptions(int argc, char** argv, OverheadOptions* options) {
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--iterations") == 0 && has_value) {
      options->iterations = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--dir") == 0 && has_value) {
      options->dir = argv[++i];
    } else if (std::strcmp(argv[i], "--request") == 0 && has_value) {
      options->request = argv[++i];
    } else {
      return false;
    }
  }
  return options->iterations > 0;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs `body` a tenth of `iterations` times to warm up, then `iterations` times timed; the
// mean nanoseconds per call.
template <typename Body>
double NanosPerCall(long iterations, Body body) {
  const long warm_up = iterations / 10 + 1;
  for (long i = 0; i < warm_up; ++i) body();
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) body();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / iterations;
}

}  // namespace ward::bench

#endif  // WARD_BENCH_BINDINGS_OVERHEAD_HARNESS_H_
