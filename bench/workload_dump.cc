// workload_dump: writes the agentgate workload to a folder, for ward's command-line tool and
// for the Cedar comparison (bench/cedar/).
//
//   workload_dump --scale S [--seed N] [--requests N] --out DIR
//
// DIR/policy.ward           the policy set in ward's language
// DIR/entities.json         ward's entity file
// DIR/requests.jsonl        one request per line, ward's exchange format
// DIR/expected.txt          the oracle's effect for each request, ALLOW or DENY, one a line
// DIR/cedar/policies.cedar  the same rules as Cedar policies
// DIR/cedar/entities.json   the same entities in Cedar's entity format
// DIR/cedar/requests.jsonl  the same requests, with the entity slice each one reads
// DIR/manifest.json         scale, seed and counts

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/cedar_workload.h"
#include "bench/workload.h"

namespace ward::bench {
namespace {

bool Write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "workload_dump: cannot write " << path << "\n";
    return false;
  }
  return true;
}

int Dump(int scale, uint64_t seed, int requests, const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir / "cedar", error);
  if (error) {
    std::cerr << "workload_dump: cannot create " << dir / "cedar"
              << ": " << error.message() << "\n";
    return 1;
  }
  const Workload w = Generate(scale, seed, requests);
  std::string ward_requests, cedar_requests, expected;
  for (const WorkloadRequest& r : w.requests) {
    absl::StrAppend(&ward_requests, WardRequestJson(w, r), "\n");
    absl::StrAppend(&cedar_requests, CedarRequestJson(w, r), "\n");
    absl::StrAppend(&expected, OracleAllows(w, r) ? "ALLOW" : "DENY", "\n");
  }
  const std::string manifest = absl::StrCat(
      R"({"workload":"agentgate","scale":)", w.scale, R"(,"seed":)", w.seed, R"(,"ward_rules":)",
      WardRuleCount(w), R"(,"cedar_policies":)", CedarPolicyCount(w), R"(,"identities":)",
      w.users.size() + w.agents.size() + w.builders.size(), R"(,"resources":)",
      w.tools.size() + w.datasets.size() + kDataClasses, R"(,"requests":)", w.requests.size(),
      "}\n");
  bool ok = Write(dir / "policy.ward", WardPolicyText(w)) &&
            Write(dir / "entities.json", WardEntitiesJson(w)) &&
            Write(dir / "requests.jsonl", ward_requests) && Write(dir / "expected.txt", expected) &&
            Write(dir / "cedar" / "policies.cedar", CedarPolicyText(w)) &&
            Write(dir / "cedar" / "entities.json", CedarEntitiesJson(w)) &&
            Write(dir / "cedar" / "requests.jsonl", cedar_requests) &&
            Write(dir / "manifest.json", manifest);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace ward::bench

int main(int argc, char** argv) {
  int scale = 1, requests = ward::bench::kDefaultRequests;
  uint64_t seed = 1;
  std::string out;
  bool ok = true;
  for (int i = 1; ok && i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[++i] : nullptr;
    if (value == nullptr) {
      ok = false;
    } else if (arg == "--scale") {
      ok = absl::SimpleAtoi(value, &scale) && scale >= 1;
    } else if (arg == "--seed") {
      ok = absl::SimpleAtoi(value, &seed);
    } else if (arg == "--requests") {
      ok = absl::SimpleAtoi(value, &requests) && requests >= 1;
    } else if (arg == "--out") {
      out = value;
    } else {
      ok = false;
    }
  }
  if (!ok || out.empty()) {
    std::cerr << "usage: workload_dump --scale S [--seed N] [--requests N] --out DIR\n";
    return 2;
  }
  return ward::bench::Dump(scale, seed, requests, out);
}
