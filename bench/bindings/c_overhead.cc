// The C side of the binding overhead benchmark (README.md here): decides the agent-runtime
// example's request again and again through the C interface, (b) as a structured
// ward_request into a reused ward_decision, the hot-path form, and (c) as request JSON. One
// JSON line per call path. It uses nothing of ward but ward.h and libward.so, as a C caller
// would; cpp_overhead.cc measures the C++ API in its own process.
//
//   binding_overhead_c [--iterations N] [--dir examples/agent-runtime]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench/bindings/overhead_harness.h"
#include "nlohmann/json.hpp"
#include "ward.h"

namespace {

void Print(const char* call, const ward_decision* decision, double ns, long iterations) {
  std::printf(
      "{\"binding\":\"c\",\"call\":\"%s\",\"request\":\"request.json\",\"effect\":\"%s\","
      "\"ns_per_decision\":%.1f,\"decisions\":%ld}\n",
      call, ward_effect_name(ward_decision_effect(decision)), ns, iterations);
}

ward_kind KindOf(const std::string& name) {
  if (name == "user") return WARD_KIND_USER;
  if (name == "agent") return WARD_KIND_AGENT;
  if (name == "builder") return WARD_KIND_BUILDER;
  return static_cast<ward_kind>(0);
}

ward_str StrOf(const std::string& s) { return {s.data(), s.size()}; }

// A JSON object's entries as ward_attr (context or args), with the text they point into.
// Only the shapes the example uses are read: boolean, integer and string values.
struct AttrList {
  std::vector<std::string> names, strings;
  std::vector<ward_attr> attrs;

  bool Read(const nlohmann::json& object) {
    names.reserve(object.size());
    strings.reserve(object.size());
    for (const auto& [name, value] : object.items()) {
      names.push_back(name);
      strings.push_back(value.is_string() ? value.get<std::string>() : "");
      ward_attr attr = {};
      attr.name = StrOf(names.back());
      if (value.is_boolean()) {
        attr.value.type = WARD_VALUE_BOOL;
        attr.value.boolean = value.get<bool>() ? 1 : 0;
      } else if (value.is_number_integer()) {
        attr.value.type = WARD_VALUE_INT;
        attr.value.integer = value.get<int64_t>();
      } else if (value.is_string()) {
        attr.value.type = WARD_VALUE_STRING;
        attr.value.string = StrOf(strings.back());
      } else {
        return false;
      }
      attrs.push_back(attr);
    }
    return true;
  }
};

// The request JSON's fields, kept alive for the ward_request that points into them: the
// context (the host's facts) and the args (the tool call's arguments) as typed lists.
struct StructuredRequest {
  std::string subject_kind, subject_id, action, type, id, now;
  std::vector<std::pair<std::string, std::string>> chain;
  std::vector<ward_identity_ref> chain_refs;
  AttrList context, args;
  ward_request request = {};

  bool Build(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return false;
    subject_kind = j.at("subject").at("kind").get<std::string>();
    subject_id = j.at("subject").at("id").get<std::string>();
    action = j.at("action").get<std::string>();
    type = j.at("resource").at("type").get<std::string>();
    id = j.at("resource").at("id").get<std::string>();
    now = j.value("now", "");
    for (const auto& hop : j.value("on_behalf_of", nlohmann::json::array())) {
      chain.emplace_back(hop.at("kind").get<std::string>(), hop.at("id").get<std::string>());
    }
    if (!context.Read(j.value("context", nlohmann::json::object())) ||
        !args.Read(j.value("args", nlohmann::json::object()))) {
      return false;
    }
    for (const auto& [kind, hop_id] : chain) chain_refs.push_back({KindOf(kind), StrOf(hop_id)});
    request.subject = {KindOf(subject_kind), StrOf(subject_id)};
    request.action = StrOf(action);
    request.resource_type = StrOf(type);
    request.resource_id = StrOf(id);
    request.on_behalf_of = chain_refs.data();
    request.on_behalf_of_count = chain_refs.size();
    request.context = context.attrs.data();
    request.context_count = context.attrs.size();
    request.args = args.attrs.data();
    request.args_count = args.attrs.size();
    // The time as seconds, as a caller on a hot path gives it (RFC 3339 text is parsed on
    // every call); text of another shape than the example's is passed as it is.
    std::tm tm = {};
    const char* end = now.empty() ? nullptr : strptime(now.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end != nullptr && *end == '\0') {
      request.has_now = 1;
      request.now_unix_seconds = static_cast<int64_t>(timegm(&tm));
    } else {
      request.now_rfc3339 = StrOf(now);
    }
    return true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  ward::bench::OverheadOptions options;
  if (!ward::bench::ParseOverheadOptions(argc, argv, &options)) {
    std::fprintf(stderr, "usage: binding_overhead_c [--iterations N] [--dir DIR] [--request FILE]\n");
    return 2;
  }
  const std::string schema = options.dir + "/schema.ward";
  const std::string rules = options.dir + "/rules.ward";
  const std::string entities = options.dir + "/entities.json";
  const char* paths[] = {schema.c_str(), rules.c_str()};
  ward_engine* engine = nullptr;
  ward_error* error = nullptr;
  if (ward_engine_from_files(paths, 2, entities.c_str(), nullptr, &engine, &error) != WARD_OK) {
    std::fprintf(stderr, "%s\n", ward_error_message(error));
    ward_error_free(error);
    return 1;
  }
  const std::string request_text = ward::bench::ReadText(options.request);
  StructuredRequest structured;
  if (!structured.Build(request_text)) {
    std::fprintf(stderr, "cannot read %s/request.json\n", options.dir.c_str());
    return 1;
  }

  ward_decision* decision = ward_decision_new();
  ward_status status = WARD_OK;
  const double decide_ns = ward::bench::NanosPerCall(options.iterations, [&] {
    status = static_cast<ward_status>(status |
                                      ward_decide(engine, &structured.request, decision, nullptr));
  });
  const std::string expected(ward_decision_json(decision).data, ward_decision_json(decision).len);
  Print("decide", decision, decide_ns, options.iterations);

  const double json_ns = ward::bench::NanosPerCall(options.iterations, [&] {
    status =
        static_cast<ward_status>(status | ward_decide_json(engine, request_text.data(),
                                                           request_text.size(), decision, nullptr));
  });
  const ward_str actual = ward_decision_json(decision);
  const bool same = std::string(actual.data, actual.len) == expected;
  Print("decide_json", decision, json_ns, options.iterations);

  ward_decision_free(decision);
  ward_engine_free(engine);
  if (status != WARD_OK || !same) {
    std::fprintf(stderr, "a decision failed, or the two call paths decided differently\n");
    return 1;
  }
  return 0;
}
