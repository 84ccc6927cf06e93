// Runs the conformance suite (testdata/conformance, format: its README.md) through the C
// interface alone: nothing of ward but ward.h is used, as any C caller would. The keys are
// compared as policy_lang/conformance_test.cc compares them.
//
//   ward_c_conformance_test testdata/conformance
//
// Prints one line per failure and exits non-zero when there is any.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
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

void Failure(const std::string& where, const std::string& what) {
  std::fprintf(stderr, "FAIL %s: %s\n", where.c_str(), what.c_str());
  ++failures;
}

std::string Str(ward_str s) { return std::string(s.data, s.len); }

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
using ErrorPtr = std::unique_ptr<ward_error, ErrorDeleter>;
using PolicyPtr = std::unique_ptr<ward_policy, PolicyDeleter>;
using EnginePtr = std::unique_ptr<ward_engine, EngineDeleter>;
using DecisionPtr = std::unique_ptr<ward_decision, DecisionDeleter>;
using TracePtr = std::unique_ptr<ward_trace, TraceDeleter>;

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

EnginePtr MakeEngine(const ward_policy* policy, const json& holder, ward_status* status,
                     std::string* message) {
  std::string text;
  const bool has = EntityText(holder, &text);
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  *status =
      ward_engine_new(policy, has ? text.data() : nullptr, has ? text.size() : 0, &engine, &error);
  ErrorPtr owned(error);
  if (*status != WARD_OK) *message = ward_error_message(error);
  return EnginePtr(engine);
}

void RunFile(const std::string& dir, const std::string& file) {
  const json spec = json::parse(ReadText(dir + "/" + file));

  std::vector<std::string> names;
  std::vector<std::string> texts;
  for (const json& source : spec.at("sources")) {
    names.push_back(source.at("name").get<std::string>());
    texts.push_back(SourceText(source.at("text")));
  }
  std::vector<ward_source> sources(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    sources[i].name = {names[i].data(), names[i].size()};
    sources[i].text = {texts[i].data(), texts[i].size()};
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

  ward_status status;
  std::string message;
  EnginePtr file_engine = MakeEngine(policy.get(), spec, &status, &message);
  if (spec.value("expect_entity_error", false)) {
    if (status != WARD_ERR_ENTITIES) {
      Failure(file, std::string("the entity file gave ") + ward_status_name(status) +
                        ", expected entities");
    }
    return;
  }
  if (status != WARD_OK) return Failure(file, "entities: " + message);
  if (!spec.contains("cases")) return Failure(file, "no cases");

  DecisionPtr decision(ward_decision_new());
  DecisionPtr explained(ward_decision_new());
  int case_count = 0;
  for (const json& c : spec["cases"]) {
    ++case_count;
    const std::string where = file + " / " + c.value("name", "(unnamed case)");
    const ward_engine* engine = file_engine.get();
    EnginePtr case_engine;
    if (c.contains("entities") || c.contains("entities_text")) {
      case_engine = MakeEngine(policy.get(), c, &status, &message);
      if (status != WARD_OK) {
        Failure(where, "entities: " + message);
        continue;
      }
      engine = case_engine.get();
    }
    const std::string request =
        c.contains("request_text") ? c["request_text"].get<std::string>() : c.at("request").dump();
    ward_error* error = nullptr;
    status = ward_decide_json(engine, request.data(), request.size(), decision.get(), &error);
    ErrorPtr error_owned(error);
    if (c.value("expect_request_error", false)) {
      if (status != WARD_ERR_REQUEST) {
        Failure(where, std::string("the request gave ") + ward_status_name(status) +
                           ", expected a request error");
      }
      continue;
    }
    if (status != WARD_OK) {
      Failure(where, std::string("the request failed: ") + ward_error_message(error));
      continue;
    }
    const ward_str text = ward_decision_json(decision.get());
    const json actual = Comparable(json::parse(Str(text)));
    const json expected = Comparable(c.at("expect"));
    if (actual != expected) {
      Failure(where, "\n  actual:   " + actual.dump() + "\n  expected: " + expected.dump());
    }

    // Explain must decide the same.
    ward_trace* trace = nullptr;
    status =
        ward_explain_json(engine, request.data(), request.size(), explained.get(), &trace, nullptr);
    TracePtr trace_owned(trace);
    if (status != WARD_OK || trace == nullptr ||
        Str(ward_decision_json(explained.get())) != Str(text)) {
      Failure(where, "explain decides differently");
    }
  }
  if (case_count == 0) Failure(file, "no cases");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "testdata/conformance";
  const std::vector<std::string> files = ward::conformance::CaseFiles(dir);
  if (files.size() < 20) {
    std::fprintf(stderr, "found %zu conformance files in %s; expected at least 20\n", files.size(),
                 dir.c_str());
    return 1;
  }
  for (const std::string& file : files) {
    try {
      RunFile(dir, file);
    } catch (const std::exception& e) {
      Failure(file, std::string("cannot run: ") + e.what());
    }
  }
  std::printf("%zu files, %d failure(s)\n", files.size(), failures);
  return failures == 0 ? 0 : 1;
}
