#include "cli/policy_test/test_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/internal/files.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "ward/request.h"

namespace ward::cli::policy_test {

namespace fs = std::filesystem;

// "a/b/../c" as "a/c": the paths a test file names are shown from the working directory.
std::string Resolve(const std::string& test_path, const std::string& relative) {
  fs::path path(relative);
  if (path.is_relative()) path = fs::path(test_path).parent_path() / path;
  return path.lexically_normal().string();
}

namespace {

constexpr size_t kMaxTestFileBytes = size_t{64} << 20;
constexpr size_t kMaxTestFileDepth = 64;

// Reports keys of `object` that are not in `allowed`.
void CheckKeys(const json& object, std::initializer_list<absl::string_view> allowed,
               absl::string_view context, Errors* errors) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      errors->Add(context, absl::StrCat("unknown field `", key, "` (expected ",
                                        absl::StrJoin(allowed, ", "), ")"));
    }
  }
}

bool IsIdentity(const json& value) {
  return value.is_object() && value.size() == 2 && value.contains("kind") && value.contains("id") &&
         value["kind"].is_string() && value["id"].is_string() &&
         ParseSubjectKind(value["kind"].get<std::string>()).has_value();
}

void CheckExpectation(const json& expect, absl::string_view context, Errors* errors) {
  if (!expect.is_object()) {
    errors->Add(context, "`expect` must be an object");
    return;
  }
  CheckKeys(
      expect,
      {"effect", "reason", "denied_by", "rules", "obligations", "errors", "approved_by", "redacts"},
      absl::StrCat(context, ": expect"), errors);
  const std::string where = absl::StrCat(context, ": expect");
  if (!expect.contains("effect")) {
    errors->Add(where, "`effect` is required");
  } else if (!expect["effect"].is_string() ||
             !std::set<std::string>{"ALLOW", "DENY", "NEEDS_APPROVAL"}.count(
                 expect["effect"].get<std::string>())) {
    errors->Add(where, "`effect` must be \"ALLOW\", \"DENY\" or \"NEEDS_APPROVAL\"");
  }
  if (expect.contains("reason")) {
    static const auto* const kReasons = new std::set<std::string>{
        "permitted", "forbidden", "approval_required", "no_matching_permit", "unknown_identity",
        "lifecycle", "unowned",   "internal_error",    "invalid_request"};
    if (!expect["reason"].is_string() || !kReasons->count(expect["reason"].get<std::string>())) {
      errors->Add(where, absl::StrCat("`reason` must be one of ", absl::StrJoin(*kReasons, ", ")));
    }
  }
  if (expect.contains("denied_by") && !expect["denied_by"].is_null() &&
      !IsIdentity(expect["denied_by"])) {
    errors->Add(where, "`denied_by` must be {\"kind\": ..., \"id\": ...} or null");
  }
  if (expect.contains("approved_by") && !expect["approved_by"].is_null() &&
      !IsIdentity(expect["approved_by"])) {
    errors->Add(where, "`approved_by` must be {\"kind\": \"user\", \"id\": ...} or null");
  }
  if (expect.contains("rules")) {
    const json& rules = expect["rules"];
    if (!rules.is_array() ||
        !std::all_of(rules.begin(), rules.end(), [](const json& r) { return r.is_string(); })) {
      errors->Add(where, "`rules` must be a list of rule names");
    }
  }
  if (expect.contains("obligations") && !expect["obligations"].is_object()) {
    errors->Add(where,
                "`obligations` must be an object: {\"redact\": [...], \"limits\": {...}, "
                "\"log\": ...}");
  }
  if (expect.contains("redacts")) {
    const json& redacts = expect["redacts"];
    auto is_sample = [](const json& sample) {
      return sample.is_object() && sample.size() == 2 && sample.contains("input") &&
             sample["input"].is_string() && sample.contains("output") &&
             sample["output"].is_string();
    };
    const bool ok = is_sample(redacts) || (redacts.is_array() && !redacts.empty() &&
                                           std::all_of(redacts.begin(), redacts.end(), is_sample));
    if (!ok) {
      errors->Add(where,
                  "`redacts` must be {\"input\": TEXT, \"output\": TEXT} or a non-empty list of "
                  "them");
    }
  }
  if (expect.contains("errors")) {
    const json& list = expect["errors"];
    const bool ok = list.is_array() && std::all_of(list.begin(), list.end(), [](const json& e) {
                      return e.is_object() && e.contains("rule") && e["rule"].is_string() &&
                             e.contains("principal") && IsIdentity(e["principal"]) && e.size() == 2;
                    });
    if (!ok) {
      errors->Add(where,
                  "`errors` must be a list of {\"rule\": ..., \"principal\": {\"kind\": ..., "
                  "\"id\": ...}} (messages are not compared)");
    }
  }
}

// Sets `value` at the dotted `path` of `object`, creating objects on the way; `null` removes
// the key. False when the path goes through something that is not an object.
bool SetPath(json* object, const std::string& path, const json& value) {
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  json* node = object;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node->is_object()) return false;
    json& next = (*node)[parts[i]];
    if (next.is_null()) next = json::object();
    node = &next;
  }
  if (!node->is_object()) return false;
  if (value.is_null()) {
    node->erase(parts.back());
  } else {
    (*node)[parts.back()] = value;
  }
  return true;
}

// Adds the case `name` deciding `request` (a JSON object), after filling in `now`.
void AddCase(TestFile* file, std::string name, json request, const json& expect,
             const std::optional<std::string>& now, const std::optional<std::string>& approved_by,
             absl::string_view context, Errors* errors) {
  if (!request.is_object()) {
    errors->Add(context, "a request must be a JSON object");
    return;
  }
  if (now.has_value() && !request.contains("now")) request["now"] = *now;
  TestCase test_case;
  test_case.name = std::move(name);
  test_case.request_json = request.dump(-1, ' ', false, json::error_handler_t::replace);
  absl::StatusOr<Request> parsed = ParseRequestJson(test_case.request_json);
  if (!parsed.ok()) {
    errors->Add(context, absl::StrCat("invalid request: ", parsed.status().message()));
    return;
  }
  test_case.request = *std::move(parsed);
  test_case.expect = expect;
  test_case.approved_by = approved_by;
  file->cases.push_back(std::move(test_case));
}

void LoadCase(const json& entry, size_t index, const std::optional<std::string>& now,
              TestFile* file, Errors* errors) {
  std::string context = absl::StrCat("cases[", index, "]");
  if (!entry.is_object()) {
    errors->Add(context, "a case must be an object");
    return;
  }
  CheckKeys(entry, {"name", "request", "requests", "table", "expect", "approved_by"}, context,
            errors);
  if (!entry.contains("name") || !entry["name"].is_string() ||
      entry["name"].get<std::string>().empty()) {
    errors->Add(context, "`name` (a non-empty string) is required");
    return;
  }
  const std::string name = entry["name"].get<std::string>();
  context = absl::StrCat(context, " `", name, "`");
  if (!entry.contains("expect")) {
    errors->Add(context, "`expect` is required");
    return;
  }
  std::optional<std::string> approved_by;
  if (entry.contains("approved_by")) {
    if (!entry["approved_by"].is_string() || entry["approved_by"].get<std::string>().empty()) {
      errors->Add(context, "`approved_by` must be the id of the user who approves");
      return;
    }
    approved_by = entry["approved_by"].get<std::string>();
  }
  const json& expect = entry["expect"];
  const size_t before = errors->list().size();
  CheckExpectation(expect, context, errors);
  if (errors->list().size() != before) return;

  const bool has_request = entry.contains("request");
  const bool has_requests = entry.contains("requests");
  const bool has_table = entry.contains("table");
  if (has_requests) {
    if (has_request || has_table) {
      errors->Add(context, "give `requests` alone, or a `request` with an optional `table`");
      return;
    }
    const json& requests = entry["requests"];
    if (!requests.is_array() || requests.empty()) {
      errors->Add(context, "`requests` must be a non-empty list of requests");
      return;
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      AddCase(file, absl::StrCat(name, " [", i + 1, "]"), requests[i], expect, now, approved_by,
              absl::StrCat(context, ": requests[", i, "]"), errors);
    }
    return;
  }
  if (!has_request) {
    errors->Add(context, "a case needs a `request` (with an optional `table`) or `requests`");
    return;
  }
  if (!has_table) {
    AddCase(file, name, entry["request"], expect, now, approved_by,
            absl::StrCat(context, ": request"), errors);
    return;
  }
  const json& table = entry["table"];
  const std::string table_context = absl::StrCat(context, ": table");
  if (!table.is_object()) {
    errors->Add(table_context, "must be {\"columns\": [...], \"rows\": [[...], ...]}");
    return;
  }
  CheckKeys(table, {"columns", "rows"}, table_context, errors);
  const json& columns = table.contains("columns") ? table["columns"] : json();
  const json& rows = table.contains("rows") ? table["rows"] : json();
  const bool columns_ok = columns.is_array() && !columns.empty() &&
                          std::all_of(columns.begin(), columns.end(), [](const json& c) {
                            return c.is_string() && !c.get<std::string>().empty() &&
                                   !absl::StrContains(c.get<std::string>(), "..") &&
                                   !absl::StartsWith(c.get<std::string>(), ".") &&
                                   !absl::EndsWith(c.get<std::string>(), ".");
                          });
  if (!columns_ok) {
    errors->Add(table_context,
                "`columns` must be a non-empty list of request paths such as \"subject.id\"");
    return;
  }
  if (!rows.is_array() || rows.empty()) {
    errors->Add(table_context, "`rows` must be a non-empty list of rows");
    return;
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::string row_context = absl::StrCat(table_context, ": rows[", r, "]");
    if (!rows[r].is_array() || rows[r].size() != columns.size()) {
      errors->Add(row_context, absl::StrCat("a row must be a list of ", columns.size(),
                                            " values, one per column"));
      continue;
    }
    json request = entry["request"];
    std::vector<std::string> cells;
    bool ok = true;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string column = columns[c].get<std::string>();
      if (!SetPath(&request, column, rows[r][c])) {
        errors->Add(row_context, absl::StrCat("column `", column,
                                              "` goes through a value that is not an object"));
        ok = false;
        break;
      }
      cells.push_back(absl::StrCat(
          column, "=", rows[r][c].dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    if (!ok) continue;
    AddCase(file, absl::StrCat(name, " [", absl::StrJoin(cells, ", "), "]"), std::move(request),
            expect, now, approved_by, row_context, errors);
  }
}

}  // namespace

// Loads and validates one test file; on error, the file's errors are in `errors`.
std::optional<TestFile> LoadTestFile(const std::string& path, bool policy_given, Errors* errors) {
  absl::StatusOr<std::string> text = internal::ReadFile(path, kMaxTestFileBytes);
  if (!text.ok()) {
    errors->Add("", text.status().message());
    return std::nullopt;
  }
  absl::StatusOr<json> parsed = internal::ParseJson(*text, kMaxTestFileBytes, kMaxTestFileDepth);
  if (!parsed.ok()) {
    errors->Add("", parsed.status().message());
    return std::nullopt;
  }
  const json& root = *parsed;
  if (!root.is_object()) {
    errors->Add("", "a test file is a JSON object");
    return std::nullopt;
  }
  CheckKeys(root, {"description", "policies", "entities", "now", "cases"}, "", errors);
  TestFile file;
  file.path = path;
  if (root.contains("policies")) {
    const json& policies = root["policies"];
    if (!policies.is_array() || policies.empty() ||
        !std::all_of(policies.begin(), policies.end(), [](const json& p) {
          return p.is_string() && !p.get<std::string>().empty();
        })) {
      errors->Add("policies", "must be a non-empty list of policy file paths");
    } else {
      for (const json& policy : policies) {
        file.policy_names.push_back(policy.get<std::string>());
        file.policy_paths.push_back(Resolve(path, policy.get<std::string>()));
      }
    }
  } else if (!policy_given) {
    errors->Add("", "`policies` is required: the policy files to test, relative to this file");
  }
  if (root.contains("entities")) {
    if (!root["entities"].is_string() || root["entities"].get<std::string>().empty()) {
      errors->Add("entities", "must be the path of an entity file, relative to this file");
    } else {
      file.entities_path = Resolve(path, root["entities"].get<std::string>());
    }
  }
  std::optional<std::string> now;
  if (root.contains("now")) {
    if (!root["now"].is_string() || !ParseTimestamp(root["now"].get<std::string>()).ok()) {
      errors->Add("now", "must be an RFC 3339 timestamp such as \"2026-12-01T00:00:00Z\"");
    } else {
      now = root["now"].get<std::string>();
    }
  }
  if (!root.contains("cases") || !root["cases"].is_array() || root["cases"].empty()) {
    errors->Add("cases", "a non-empty list of test cases is required");
    return std::nullopt;
  }
  for (size_t i = 0; i < root["cases"].size(); ++i) {
    LoadCase(root["cases"][i], i, now, &file, errors);
  }
  std::set<std::string> names;
  for (const TestCase& test_case : file.cases) {
    if (!names.insert(test_case.name).second) {
      errors->Add("cases", absl::StrCat("the case name `", test_case.name,
                                        "` is used twice; names identify cases in reports"));
    }
  }
  if (!errors->empty()) return std::nullopt;
  return file;
}

// Expands directories to the test files under them, sorted; a file is taken as named.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths,
                                     std::vector<std::string>* errors) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, error), end; !error && it != end;
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (it->is_regular_file(error) && absl::EndsWith(name, kTestFileSuffix)) {
        found.push_back(it->path().string());
      }
    }
    if (error) {
      errors->push_back(absl::StrCat(path, ": ", error.message()));
      continue;
    }
    if (found.empty()) {
      errors->push_back(absl::StrCat(path, ": no *", kTestFileSuffix, " files in this directory"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace ward::cli::policy_test
