// Runs policy test files (docs/testing.md). A file is loaded and validated whole before any
// of its cases runs, so that every error in it is reported at once; files that share a policy
// set and an entity file share one compiled engine, and the coverage of a policy set is the
// union of every case run against it.

#include "cli/test_runner.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/internal/files.h"
#include "lib/internal/json_util.h"
#include "lib/internal/policy_access.h"
#include "nlohmann/json.hpp"
#include "policy_lang/lexer.h"
#include "ward/approval.h"
#include "ward/compile.h"
#include "ward/engine.h"
#include "ward/entities.h"
#include "ward/request.h"

namespace ward::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr absl::string_view kTestFileSuffix = ".ward_test.json";
constexpr size_t kMaxTestFileBytes = size_t{64} << 20;
constexpr size_t kMaxTestFileDepth = 64;

// The decision keys an expectation may give, in the order a diff lists them.
constexpr absl::string_view kExpectKeys[] = {"effect",      "reason", "denied_by",  "rules",
                                             "obligations", "errors", "approved_by"};

// ---- Colours ----

struct Palette {
  explicit Palette(bool on) : on(on) {}
  std::string Paint(absl::string_view code, absl::string_view text) const {
    return on ? absl::StrCat("\x1b[", code, "m", text, "\x1b[0m") : std::string(text);
  }
  std::string Green(absl::string_view text) const { return Paint("32", text); }
  std::string Red(absl::string_view text) const { return Paint("31", text); }
  std::string Yellow(absl::string_view text) const { return Paint("33", text); }
  std::string Bold(absl::string_view text) const { return Paint("1", text); }
  bool on;
};

// ---- Test files ----

struct TestCase {
  std::string name;          // the case's name, and for a parametrised case its row
  std::string request_json;  // the request as decided (with `now` filled in)
  Request request;
  json expect;  // the expected decision keys, as given
  // Decide with a grant from this user, signed with the runner's own key (which the engine
  // trusts), so that approval rules can be tested without key files.
  std::optional<std::string> approved_by;
};

struct TestFile {
  std::string path;                       // as given or found
  std::vector<std::string> policy_names;  // as the file writes them: the sources' names
  std::vector<std::string> policy_paths;  // where they are read from
  std::string entities_path;              // empty when the file names none
  std::vector<TestCase> cases;
};

// "a/b/../c" as "a/c": the paths a test file names are shown from the working directory.
std::string Resolve(const std::string& test_path, const std::string& relative) {
  fs::path path(relative);
  if (path.is_relative()) path = fs::path(test_path).parent_path() / path;
  return path.lexically_normal().string();
}

// Collects the errors of one test file; each is "PATH: CONTEXT: message".
class Errors {
 public:
  explicit Errors(std::string path) : path_(std::move(path)) {}
  void Add(absl::string_view context, absl::string_view message) {
    errors_.push_back(context.empty() ? absl::StrCat(path_, ": ", message)
                                      : absl::StrCat(path_, ": ", context, ": ", message));
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& list() const { return errors_; }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

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
  CheckKeys(expect,
            {"effect", "reason", "denied_by", "rules", "obligations", "errors", "approved_by"},
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

// ---- Policy sets ----

// A policy set with an entity file, compiled once for every test file that names it.
struct Target {
  std::shared_ptr<const Policy> policy;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> display_paths;        // the policy files, for the coverage report
  std::map<std::string, std::string> displayed;  // source name -> path shown
  std::set<std::string> covered;                 // rules that held or erred in some case
  bool first_use = true;
};

// ---- Comparing decisions ----

json ProjectErrors(const json& errors) {
  json out = json::array();
  for (const json& e : errors) out.push_back({{"rule", e["rule"]}, {"principal", e["principal"]}});
  return out;
}

std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct Difference {
  std::string key;
  std::string expected;
  std::string actual;
};

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

// ---- JUnit ----

// Text for XML 1.0 content and attributes: markup escaped, and what XML cannot hold
// (control characters other than tab and line breaks, U+FFFE, U+FFFF, invalid UTF-8)
// replaced by U+FFFD.
std::string XmlEscape(absl::string_view text) {
  constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      uint32_t code_point = 0;
      const int length = DecodeUtf8(text, &code_point);
      if (length == 0 || code_point == 0xFFFE || code_point == 0xFFFF) {
        out.append(kReplacement.data(), kReplacement.size());
        text.remove_prefix(length == 0 ? 1 : length);
      } else {
        out.append(text.data(), length);
        text.remove_prefix(length);
      }
      continue;
    }
    text.remove_prefix(1);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out.append(kReplacement.data(), kReplacement.size());
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

struct CaseResult {
  std::string name;
  bool passed = true;
  std::string message;  // failure summary
  std::string details;  // the diff, the request and the decision
};

struct FileResult {
  std::string path;
  std::vector<CaseResult> cases;
  std::vector<std::string> errors;  // when the file could not be run
};

std::string JunitXml(const std::vector<FileResult>& files) {
  int tests = 0, failures = 0, errors = 0;
  for (const FileResult& file : files) {
    if (!file.errors.empty()) {
      ++tests;
      ++errors;
      continue;
    }
    for (const CaseResult& c : file.cases) {
      ++tests;
      if (!c.passed) ++failures;
    }
  }
  std::string xml = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ward test\" tests=\"", tests,
      "\" failures=\"", failures, "\" errors=\"", errors, "\">\n");
  for (const FileResult& file : files) {
    const std::string suite = XmlEscape(file.path);
    if (!file.errors.empty()) {
      const std::string text = absl::StrJoin(file.errors, "\n");
      absl::StrAppend(&xml, "  <testsuite name=\"", suite,
                      "\" tests=\"1\" failures=\"0\" errors=\"1\">\n", "    <testcase name=\"",
                      "(load)", "\" classname=\"", suite, "\">\n      <error message=\"",
                      XmlEscape(file.errors.front()), "\">", XmlEscape(text),
                      "</error>\n    </testcase>\n  </testsuite>\n");
      continue;
    }
    int suite_failures = 0;
    for (const CaseResult& c : file.cases) suite_failures += c.passed ? 0 : 1;
    absl::StrAppend(&xml, "  <testsuite name=\"", suite, "\" tests=\"", file.cases.size(),
                    "\" failures=\"", suite_failures, "\" errors=\"0\">\n");
    for (const CaseResult& c : file.cases) {
      absl::StrAppend(&xml, "    <testcase name=\"", XmlEscape(c.name), "\" classname=\"", suite,
                      "\"");
      if (c.passed) {
        absl::StrAppend(&xml, "/>\n");
      } else {
        absl::StrAppend(&xml, ">\n      <failure message=\"", XmlEscape(c.message), "\">",
                        XmlEscape(c.details), "</failure>\n    </testcase>\n");
      }
    }
    absl::StrAppend(&xml, "  </testsuite>\n");
  }
  absl::StrAppend(&xml, "</testsuites>\n");
  return xml;
}

// ---- The run ----

class Runner {
 public:
  Runner(const TestRunOptions& options, std::string* report)
      : options_(options), report_(report), palette_(options.color) {}

  absl::StatusOr<TestRunSummary> Run(const std::vector<std::string>& paths) {
    std::vector<std::string> errors;
    const std::vector<std::string> files = ExpandPaths(paths, &errors);
    for (const std::string& path : files) RunFile(path, &errors);
    for (const FileResult& file : results_) {
      errors.insert(errors.end(), file.errors.begin(), file.errors.end());
    }
    ReportCoverage();
    absl::StrAppend(report_, "\n",
                    summary_.failed == 0 && errors.empty() ? palette_.Green(Summary())
                                                           : palette_.Red(Summary()),
                    "\n");
    if (!options_.junit_path.empty()) {
      std::ofstream out(options_.junit_path, std::ios::binary | std::ios::trunc);
      out << JunitXml(results_);
      if (!out.good()) {
        errors.push_back(absl::StrCat(options_.junit_path, ": cannot write the JUnit report"));
      }
    }
    if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
    return summary_;
  }

 private:
  std::string Summary() const {
    return absl::StrCat(summary_.passed, " passed, ", summary_.failed, " failed");
  }

  void RunFile(const std::string& path, std::vector<std::string>* run_errors) {
    FileResult result;
    result.path = path;
    Errors errors(path);
    std::optional<TestFile> file = LoadTestFile(path, options_.policy_override != nullptr, &errors);
    Target* target = file ? TargetFor(*file, &errors) : nullptr;
    if (target == nullptr || !errors.empty()) {
      result.errors = errors.list();
      absl::StrAppend(report_, palette_.Bold(absl::StrCat("--- ", path)), "\n",
                      palette_.Red("ERROR"), " the test file cannot be run (errors below)\n");
      results_.push_back(std::move(result));
      return;
    }
    absl::StrAppend(report_, palette_.Bold(absl::StrCat("--- ", path)), "\n");
    for (const TestCase& test_case : file->cases) {
      result.cases.push_back(RunCase(test_case, target));
    }
    results_.push_back(std::move(result));
  }

  // The compiled policy set and engine a test file runs against; null (with errors) when the
  // policy or the entity file is invalid.
  Target* TargetFor(const TestFile& file, Errors* errors) {
    const std::string key = absl::StrCat(
        options_.policy_override ? "(session)" : absl::StrJoin(file.policy_paths, "\n"), "\n",
        absl::StrJoin(file.policy_names, "\n"), "\n\n", file.entities_path);
    auto it = targets_.find(key);
    if (it != targets_.end()) return it->second.get();

    auto target = std::make_unique<Target>();
    if (options_.policy_override != nullptr) {
      target->policy = options_.policy_override;
    } else {
      absl::StatusOr<std::vector<SourceFile>> sources = ReadSourceFiles(file.policy_paths);
      if (!sources.ok()) {
        errors->Add("policies", sources.status().message());
        return nullptr;
      }
      // Sources are named as the test file writes them, so that the names of rules without
      // `@id` do not depend on the directory `ward test` runs in.
      for (size_t i = 0; i < sources->size(); ++i) {
        (*sources)[i].name = file.policy_names[i];
        target->displayed[file.policy_names[i]] = file.policy_paths[i];
      }
      CompileResult compiled = Compile(*sources);
      if (compiled.policy == nullptr) {
        for (Diagnostic d : compiled.diagnostics) {
          if (d.severity != Diagnostic::Severity::kError) continue;
          auto shown = target->displayed.find(d.source);
          if (shown != target->displayed.end()) d.source = shown->second;
          std::string text = FormatDiagnostic(d);
          while (!text.empty() && text.back() == '\n') text.pop_back();
          errors->Add("the policy does not compile", absl::StrCat("\n", text));
        }
        return nullptr;
      }
      target->policy = compiled.policy;
      target->display_paths = file.policy_paths;
    }
    EntityStore entities;
    if (!file.entities_path.empty()) {
      absl::StatusOr<EntityStore> loaded =
          EntityStore::FromFile(file.entities_path, target->policy->schema());
      if (!loaded.ok()) {
        errors->Add("entities", loaded.status().message());
        return nullptr;
      }
      entities = *std::move(loaded);
    }
    EngineOptions engine_options;
    if (absl::Status key = EnsureGrantKey(); !key.ok()) {
      errors->Add("", key.message());
      return nullptr;
    }
    engine_options.approval_keys.push_back(grant_key_->public_key_pem);
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(target->policy, std::move(entities), engine_options);
    if (!engine.ok()) {
      errors->Add("", engine.status().message());
      return nullptr;
    }
    target->engine = *std::move(engine);
    order_.push_back(target.get());
    return (targets_[key] = std::move(target)).get();
  }

  // The runner's own signing key for `approved_by` cases, made once per run.
  absl::Status EnsureGrantKey() {
    if (grant_key_.has_value()) return absl::OkStatus();
    absl::StatusOr<SigningKeyPair> key = GenerateSigningKey();
    if (!key.ok()) return key.status();
    grant_key_ = *std::move(key);
    return absl::OkStatus();
  }

  // The case's request, with a grant from `approved_by` when the case names one: it approves
  // exactly this request under the target's policy and outlives any clock.
  absl::StatusOr<Request> RequestOf(const TestCase& test_case, const Target& target) {
    Request request = test_case.request;
    if (!test_case.approved_by.has_value()) return request;
    GrantRequest grant;
    grant.digest = ApprovalDigest(request, target.policy->hash());
    grant.approver_id = *test_case.approved_by;
    grant.issued_at = request.now.value_or(absl::Now()) - absl::Seconds(1);
    grant.ttl = absl::FromUnixSeconds(4102444800) - *grant.issued_at;  // until 2100
    grant.jti = absl::StrCat("ward-test-", ++grants_minted_);
    absl::StatusOr<std::string> token = MintGrant(grant, grant_key_->private_key_pem);
    if (!token.ok()) return token.status();
    request.approval = *std::move(token);
    return request;
  }

  CaseResult RunCase(const TestCase& test_case, Target* target) {
    Trace trace;
    absl::StatusOr<Request> request = RequestOf(test_case, *target);
    const Decision decision = request.ok() ? target->engine->Explain(*request, &trace) : Decision();
    for (const TracePrincipal& principal : trace.principals) {
      for (const TraceRule& rule : principal.candidates) {
        if (rule.outcome != TraceRule::Outcome::kDoesNotHold) target->covered.insert(rule.rule);
      }
    }
    const std::string decision_json = decision.ToJson();
    json actual;
    try {
      actual = json::parse(decision_json);
    } catch (...) {
      actual = json::object();
    }
    CaseResult result;
    result.name = test_case.name;
    const std::vector<Difference> differences = Compare(test_case.expect, actual);
    if (differences.empty()) {
      ++summary_.passed;
      absl::StrAppend(report_, palette_.Green("PASS"), " ", test_case.name, "\n");
      return result;
    }
    ++summary_.failed;
    result.passed = false;
    std::vector<std::string> summaries;
    for (const Difference& d : differences) {
      summaries.push_back(absl::StrCat(d.key, ": expected ", d.expected, ", got ", d.actual));
      absl::StrAppend(&result.details, "- ", d.key, ": ", d.expected, "\n+ ", d.key, ": ", d.actual,
                      "\n");
    }
    result.message = absl::StrJoin(summaries, "; ");
    absl::StrAppend(&result.details, "request: ", test_case.request_json,
                    "\ndecision: ", decision_json, "\n");
    absl::StrAppend(report_, palette_.Red("FAIL"), " ", test_case.name, "\n");
    for (const Difference& d : differences) {
      absl::StrAppend(report_, "    ", palette_.Red(absl::StrCat("- ", d.key, ": ", d.expected)),
                      "\n    ", palette_.Green(absl::StrCat("+ ", d.key, ": ", d.actual)), "\n");
    }
    absl::StrAppend(report_, "      request:  ", test_case.request_json,
                    "\n      decision: ", decision_json, "\n");
    return result;
  }

  void ReportCoverage() {
    for (Target* target : order_) {
      const std::vector<internal::Rule>& rules = internal::IrOf(*target->policy).rules;
      std::vector<std::string> uncovered;
      for (const internal::Rule& rule : rules) {
        if (target->covered.count(rule.name)) continue;
        auto shown = target->displayed.find(rule.source);
        const std::string& source = shown == target->displayed.end() ? rule.source : shown->second;
        uncovered.push_back(absl::StrCat(rule.name, " (", source, ":", rule.line, ")"));
      }
      const std::string set = target->display_paths.empty()
                                  ? std::string("the session's policy")
                                  : absl::StrJoin(target->display_paths, ", ");
      if (uncovered.empty()) {
        absl::StrAppend(report_, "\ncoverage of ", set, ": every rule (", rules.size(),
                        ") held or erred in some case\n");
        continue;
      }
      absl::StrAppend(
          report_, "\n",
          palette_.Yellow(absl::StrCat("coverage of ", set, ": ", uncovered.size(), " of ",
                                       rules.size(), " rules held or erred in no case:")),
          "\n");
      for (const std::string& rule : uncovered) absl::StrAppend(report_, "  ", rule, "\n");
      summary_.uncovered_rules.insert(summary_.uncovered_rules.end(), uncovered.begin(),
                                      uncovered.end());
    }
  }

  const TestRunOptions& options_;
  std::string* report_;
  Palette palette_;
  TestRunSummary summary_;
  std::optional<SigningKeyPair> grant_key_;
  int64_t grants_minted_ = 0;
  std::map<std::string, std::unique_ptr<Target>> targets_;
  std::vector<Target*> order_;  // in the order first used
  std::vector<FileResult> results_;
};

}  // namespace

absl::StatusOr<TestRunSummary> RunPolicyTests(const std::vector<std::string>& paths,
                                              const TestRunOptions& options, std::string* report) {
  // JSON values are checked before they are read, but nlohmann reports a mistake by throwing;
  // none may escape.
  try {
    return Runner(options, report).Run(paths);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("ward test: ", e.what()));
  }
}

}  // namespace ward::cli
