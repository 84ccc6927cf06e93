#include "cli/policy_test/compare.h"

#include <algorithm>
#include <string>
#include <vector>

namespace ward::cli::policy_test {
namespace {

json ProjectErrors(const json& errors) {
  json out = json::array();
  for (const json& e : errors) out.push_back({{"rule", e["rule"]}, {"principal", e["principal"]}});
  return out;
}

}  // namespace

std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The keys on which `actual` differs from what `expect` gives.
std::vector<Difference> Compare(const json& expect, const json& actual) {
  std::vector<Difference> differences;
  for (absl::string_view key_view : kExpectKeys) {
    const std::string key(key_view);
    if (!expect.contains(key)) continue;
    json want = expect[key];
    json got = actual.contains(key) ? actual[key] : json();
    if (key == "rules") {
      std::vector<std::string> names = want.get<std::vector<std::string>>();
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      want = names;
    }
    if (key == "errors" && got.is_array()) got = ProjectErrors(got);
    if (want == got) continue;
    differences.push_back({key, Compact(want), got.is_null() ? "(absent)" : Compact(got)});
  }
  return differences;
}

}  // namespace ward::cli::policy_test
