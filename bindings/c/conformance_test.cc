// Runs the conformance suite (testdata/conformance, format: its README.md) through the C
// interface alone: nothing of ward but ward.h is used, as any C caller would. Files and cases
// are run as policy_lang/conformance_test.cc runs them, and the keys compared as it compares
// them: the engine trusts the file's `approval_keys`, a `shared_engine` file runs all its cases
// on one engine (so that a grant used by one case is used up for the next) and every other
// case on an engine of its own, requests go in as JSON (so that a grant travels in
// `approval`), and a case's `grant` is checked to still give the token its request carries.
// The files run are exactly those of the suite's MANIFEST, which must match the directory.
//
//   ward_c_conformance_test testdata/conformance
//
// Prints one line per failure, then the number of files and cases, and exits non-zero when
// there is any failure.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "policy_lang/testing/conformance_files.h"
#include "ward.h"

namespace {

using json = nlohmann::json;
using ward::conformance::Comparable;
using ward::conformance::Position;
using ward::conformance::Positions;
using ward::conformance::ReadText;
using ward::conformance::Show;
using ward::conformance::SourceText;

int failures = 0;
int cases_run = 0;

void Failure(const std::string& where, const std::string& what) {
  std::fprintf(stderr, "FAIL %s: %s\n", where.c_str(), what.c_str());
  ++failures;
}

std::string Str(ward_str s) { return std::string(s.data, s.len); }
ward_str StrOf(const std::string& s) { return {s.data(), s.size()}; }

struct ErrorDeleter {
  void operator()(ward_error* e) const { ward_error_free(e); }
};
struct PolicyDeleter {
  void operator()(ward_policy* p) const { ward_policy_free(p); }
};
struct EngineDeleter {
  void operator()(ward_engine* e) const { ward_engine_free(e); }
};
struct DecisionDeleter {
  void operator()(ward_decision* d) const { ward_decision_free(d); }
};
struct TraceDeleter {
  void operator()(ward_trace* t) const { ward_trace_free(t); }
};
struct StringDeleter {
  void operator()(char* s) const { ward_string_free(s); }
};
using ErrorPtr = std::unique_ptr<ward_error, ErrorDeleter>;
using PolicyPtr = std::unique_ptr<ward_policy, PolicyDeleter>;
using EnginePtr = std::unique_ptr<ward_engine, EngineDeleter>;
using DecisionPtr = std::unique_ptr<ward_decision, DecisionDeleter>;
using TracePtr = std::unique_ptr<ward_trace, TraceDeleter>;
using StringPtr = std::unique_ptr<char, StringDeleter>;

// Every key a file or case may have; a misspelt key would otherwise silently test nothing.
void CheckKeys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& item : object.items()) {
    if (!allowed.count(item.key())) Failure(where, "unknown key `" + item.key() + "`");
  }
}

// The entity file of `holder` as text; false when it has none (no entities at all).
bool EntityText(const json& holder, std::string* text) {
  if (holder.contains("entities_text")) {
    *text = holder["entities_text"].get<std::string>();
    return true;
  }
  if (holder.contains("entities")) {
    *text = holder["entities"].dump();
    return true;
  }
  return false;
}

// The engine options of a file: it trusts the public keys its `approval_keys` name.
struct Options {
  std::vector<std::string> pems;
  std::vector<ward_str> keys;
  ward_engine_options options = {};

  explicit Options(const json& spec) {
    for (const json& name : spec.value("approval_keys", json::array())) {
      pems.push_back(SourceText(spec.at("keys").at(name.get<std::string>()).at("public")));
    }
    for (const std::string& pem : pems) keys.push_back(StrOf(pem));
    options.approval_keys = keys.data();
    options.approval_key_count = keys.size();
  }
};

EnginePtr MakeEngine(const ward_policy* policy, const json& holder,
                     const ward_engine_options* options, ward_status* status,
                     std::string* message) {
  std::string text;
  const bool has = EntityText(holder, &text);
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  *status = ward_engine_new(policy, has ? text.data() : nullptr, has ? text.size() : 0, options,
                            &engine, &error);
  ErrorPtr owned(error);
  if (*status != WARD_OK) *message = ward_error_message(error);
  return EnginePtr(engine);
}

// Unix seconds of an RFC 3339 time ("2026-12-01T00:00:00Z", "...T01:00:00+01:00"; a fraction
// is dropped); false when the text is not one.
bool ParseTime(const std::string& text, int64_t* out) {
  int year, month, day, hour, minute, second, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 19) {
    return false;
  }
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  }
  int64_t offset = 0;
  if (text.substr(i) == "Z") {
    offset = 0;
  } else if (text.size() == i + 6 && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    offset = (std::stoi(text.substr(i + 1, 2)) * 60 + std::stoi(text.substr(i + 4, 2))) * 60;
    if (text[i] == '-') offset = -offset;
  } else {
    return false;
  }
  // Days from the civil date (H. Hinnant's algorithm).
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  *out = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return true;
}

// Whole seconds of a duration as absl::ParseDuration reads it ("15m", "1h30m", "8760h", "90s",
// "1.5h"); false when the text is not one or not a whole number of seconds.
bool ParseSeconds(const std::string& text, int64_t* out) {
  static const std::pair<const char*, double> kUnits[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},
                                                          {"h", 3600},  {"m", 60},    {"s", 1}};
  double total = 0;
  size_t i = 0;
  if (text.empty()) return false;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
      ++end;
    }
    if (end == i) return false;
    const double number = std::stod(text.substr(i, end - i));
    bool found = false;
    for (const auto& [unit, seconds] : kUnits) {
      if (text.compare(end, std::string(unit).size(), unit) == 0) {
        total += number * seconds;
        i = end + std::string(unit).size();
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  *out = static_cast<int64_t>(total);
  return static_cast<double>(*out) == total;
}

// A case's `grant` says how its request's token was made; the token must still be that one
// (Ed25519 is deterministic), else the policy hash changed and tools/conformance_grants.py
// must regenerate the tokens and digests. Minted here through ward.h, so this also checks that
// the C interface mints exactly the library's tokens.
void CheckGrantIsCurrent(const json& spec, const json& c, const ward_engine* engine,
                         const std::string& where) {
  const json& grant = c.at("grant");
  CheckKeys(grant, {"key", "approver", "issued_at", "ttl", "jti", "approves"}, where + " grant");
  const std::string key =
      SourceText(spec.at("keys").at(grant.at("key").get<std::string>()).at("private"));
  // The request the grant approves: this case's own (without its token) unless it names
  // another (a grant for a changed argument, say).
  json approved = grant.contains("approves") ? grant["approves"] : c.at("request");
  approved.erase("approval");
  const std::string approved_text = approved.dump();
  char* digest = nullptr;
  ward_error* error = nullptr;
  if (ward_approval_digest_json(engine, approved_text.data(), approved_text.size(), &digest,
                                &error) != WARD_OK) {
    ErrorPtr owned(error);
    return Failure(where,
                   std::string("the digest of the approved request: ") + ward_error_message(error));
  }
  StringPtr digest_owned(digest);
  int64_t issued_at = 0, ttl = 0;
  if (!ParseTime(grant.at("issued_at").get<std::string>(), &issued_at)) {
    return Failure(where, "grant: `issued_at` is not an RFC 3339 time");
  }
  if (!ParseSeconds(grant.at("ttl").get<std::string>(), &ttl) || ttl <= 0) {
    return Failure(where, "grant: `ttl` is not a positive whole number of seconds");
  }
  const std::string approver = grant.at("approver").get<std::string>();
  const std::string jti = grant.at("jti").get<std::string>();
  char* token = nullptr;
  if (ward_grant_mint(key.data(), key.size(), ward_str_of(digest), StrOf(approver), ttl, &issued_at,
                      StrOf(jti), &token, &error) != WARD_OK) {
    ErrorPtr owned(error);
    return Failure(where, std::string("minting the grant: ") + ward_error_message(error));
  }
  StringPtr token_owned(token);
  if (c.at("request").value("approval", "") != token) {
    Failure(where,
            "the grant token is stale (the policy hash changed?); run tools/conformance_grants.py");
  }
}

void RunFile(const std::string& dir, const std::string& file) {
  const json spec = json::parse(ReadText(dir + "/" + file));
  CheckKeys(
      spec,
      {"description", "sources", "entities", "entities_text", "expect_compile_errors",
       "expect_warnings", "expect_entity_error", "cases", "keys", "approval_keys", "shared_engine"},
      file);

  std::vector<std::string> names;
  std::vector<std::string> texts;
  for (const json& source : spec.at("sources")) {
    names.push_back(source.at("name").get<std::string>());
    texts.push_back(SourceText(source.at("text")));
  }
  std::vector<ward_source> sources(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    sources[i].name = StrOf(names[i]);
    sources[i].text = StrOf(texts[i]);
  }

  ward_policy* compiled = nullptr;
  ward_error* compile_error = nullptr;
  const ward_status compile_status =
      ward_policy_compile(sources.data(), sources.size(), &compiled, &compile_error);
  PolicyPtr policy(compiled);
  ErrorPtr compile_error_owned(compile_error);

  if (spec.contains("expect_compile_errors")) {
    if (compile_status != WARD_ERR_COMPILE) {
      return Failure(file, std::string("compile gave ") + ward_status_name(compile_status) +
                               ", errors were expected");
    }
    std::set<Position> actual;
    ward_issue issue;
    for (size_t i = 0; ward_error_issue(compile_error, i, &issue); ++i) {
      if (issue.severity == WARD_SEVERITY_ERROR) {
        actual.insert({Str(issue.source), issue.line, issue.column});
      }
    }
    const std::set<Position> expected = Positions(spec["expect_compile_errors"]);
    if (actual != expected) {
      Failure(file, "compile errors at " + Show(actual) + "; expected " + Show(expected));
    }
    return;
  }
  if (compile_status != WARD_OK) {
    return Failure(file, std::string("does not compile: ") + ward_error_message(compile_error));
  }
  if (spec.contains("expect_warnings")) {
    std::set<Position> actual;
    ward_issue issue;
    for (size_t i = 0; ward_policy_warning(policy.get(), i, &issue); ++i) {
      actual.insert({Str(issue.source), issue.line, issue.column});
    }
    const std::set<Position> expected = Positions(spec["expect_warnings"]);
    if (actual != expected) {
      Failure(file, "warnings at " + Show(actual) + "; expected " + Show(expected));
    }
  }

  const Options options(spec);
  ward_status status;
  std::string message;
  // Made first with the file's entities (and kept when the file shares one engine).
  EnginePtr file_engine = MakeEngine(policy.get(), spec, &options.options, &status, &message);
  if (spec.value("expect_entity_error", false)) {
    if (status != WARD_ERR_ENTITIES) {
      Failure(file, std::string("the entity file gave ") + ward_status_name(status) +
                        ", expected entities");
    }
    return;
  }
  if (status != WARD_OK) return Failure(file, "entities: " + message);
  if (!spec.contains("cases")) return Failure(file, "no cases");
  const bool shared = spec.value("shared_engine", false);

  DecisionPtr decision(ward_decision_new());
  DecisionPtr explained(ward_decision_new());
  DecisionPtr decided(ward_decision_new());
  int case_count = 0;
  for (const json& c : spec["cases"]) {
    ++case_count;
    ++cases_run;
    const std::string where = file + " / " + c.value("name", "(unnamed case)");
    CheckKeys(c,
              {"name", "request", "request_text", "expect", "expect_request_error", "entities",
               "entities_text", "grant"},
              where);
    const bool own_entities = c.contains("entities") || c.contains("entities_text");
    if (shared && own_entities) {
      Failure(where, "a case of a shared-engine file cannot carry its own entities");
    }
    if (c.contains("grant")) CheckGrantIsCurrent(spec, c, file_engine.get(), where);
    if (c.contains("expect") == c.contains("expect_request_error")) {
      Failure(where, "give exactly one of `expect` and `expect_request_error`");
    }

    // A shared engine for the whole file, else an engine of the case's own, so that no grant
    // a case uses up is missing for another.
    EnginePtr case_engine;
    if (!shared) {
      case_engine =
          MakeEngine(policy.get(), own_entities ? c : spec, &options.options, &status, &message);
      if (status != WARD_OK) {
        Failure(where, "entities: " + message);
        continue;
      }
    }
    const ward_engine* engine = shared ? file_engine.get() : case_engine.get();

    const std::string request =
        c.contains("request_text") ? c["request_text"].get<std::string>() : c.at("request").dump();
    if (c.value("expect_request_error", false)) {
      status = ward_decide_json(engine, request.data(), request.size(), decision.get(), nullptr);
      if (status != WARD_ERR_REQUEST) {
        Failure(where, std::string("the request gave ") + ward_status_name(status) +
                           ", expected a request error");
      }
      continue;
    }
    if (!c.contains("request") || !c["request"].contains("now")) {
      Failure(where, "every request must set `now`");
    }

    // A grant is used up by the decision that uses it: explain, which must decide the same,
    // runs first, when the request carries none.
    const bool has_grant = c.contains("request") && c["request"].contains("approval");
    if (!has_grant) {
      ward_trace* trace = nullptr;
      status = ward_explain_json(engine, request.data(), request.size(), explained.get(), &trace,
                                 nullptr);
      TracePtr trace_owned(trace);
      const ward_status decided_status =
          ward_decide_json(engine, request.data(), request.size(), decided.get(), nullptr);
      if (status != WARD_OK || decided_status != WARD_OK || trace == nullptr ||
          Str(ward_decision_json(explained.get())) != Str(ward_decision_json(decided.get()))) {
        Failure(where, "explain decides differently");
      }
    }

    ward_error* error = nullptr;
    status = ward_decide_json(engine, request.data(), request.size(), decision.get(), &error);
    ErrorPtr error_owned(error);
    if (status != WARD_OK) {
      Failure(where, std::string("the request failed: ") + ward_error_message(error));
      continue;
    }
    const json actual = Comparable(json::parse(Str(ward_decision_json(decision.get()))));
    const json expected = Comparable(c.at("expect"));
    if (actual != expected) {
      Failure(where, "\n  actual:   " + actual.dump() + "\n  expected: " + expected.dump());
    }

    // The accessors say what the JSON says.
    ward_identity_ref approver;
    const bool has_approver = ward_decision_approved_by(decision.get(), &approver) == 1;
    if (has_approver != actual.contains("approved_by") ||
        (has_approver && actual["approved_by"] != json{{"kind", ward_kind_name(approver.kind)},
                                                       {"id", Str(approver.id)}})) {
      Failure(where, "ward_decision_approved_by differs from the JSON");
    }
    const std::string shadow = Str(ward_decision_shadow_json(decision.get()));
    if (shadow.empty() ? actual.contains("shadow")
                       : !actual.contains("shadow") || json::parse(shadow) != actual["shadow"]) {
      Failure(where, "ward_decision_shadow_json differs from the JSON");
    }
    const std::string digest = Str(ward_decision_approval_digest(decision.get()));
    if (digest != (actual.contains("approval") ? actual["approval"].value("digest", "") : "")) {
      Failure(where, "ward_decision_approval_digest differs from the JSON");
    }
  }
  if (case_count == 0) Failure(file, "no cases");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "testdata/conformance";
  // The suite is what its MANIFEST lists, and the directory must hold exactly those files: a
  // file added without its line, or a line whose file is gone, fails, so that this runner can
  // never silently run fewer files than the others.
  const std::vector<std::string> files = ward::conformance::ManifestFiles(dir);
  const std::vector<std::string> present = ward::conformance::CaseFiles(dir);
  if (files.empty()) {
    std::fprintf(stderr, "%s/MANIFEST lists no file (or is missing)\n", dir.c_str());
    return 1;
  }
  const std::set<std::string> listed(files.begin(), files.end());
  const std::set<std::string> found(present.begin(), present.end());
  if (listed.size() != files.size()) Failure(dir + "/MANIFEST", "a file is listed twice");
  for (const std::string& file : present) {
    if (!listed.count(file)) Failure(file, "in the directory but not in MANIFEST");
  }
  for (const std::string& file : files) {
    if (!found.count(file)) Failure(file, "in MANIFEST but not in the directory");
  }

  for (const std::string& file : files) {
    if (!found.count(file)) continue;
    try {
      RunFile(dir, file);
    } catch (const std::exception& e) {
      Failure(file, std::string("cannot run: ") + e.what());
    }
  }
  std::printf("%zu files (MANIFEST lists %zu, the directory holds %zu), %d cases, %d failure(s)\n",
              files.size() - std::count_if(files.begin(), files.end(),
                                           [&](const std::string& f) { return !found.count(f); }),
              files.size(), present.size(), cases_run, failures);
  return failures == 0 ? 0 : 1;
}
