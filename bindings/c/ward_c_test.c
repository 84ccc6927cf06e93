/* Tests of the C interface, written in C: every entry point, with good input and bad.
 * Run from the repository root (it reads examples/agent-runtime). Prints every failed
 * check and exits non-zero when any failed. */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ward.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_STATUS(expr, expected)                                                 \
  do {                                                                               \
    ward_status got_ = (expr);                                                       \
    if (got_ != (expected)) {                                                        \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #expr, \
              ward_status_name(got_), ward_status_name(expected));                   \
      ++failures;                                                                    \
    }                                                                                \
  } while (0)

static int str_eq(ward_str s, const char* expected) {
  return s.len == strlen(expected) && memcmp(s.data, expected, s.len) == 0;
}

static int contains(const char* haystack, size_t len, const char* needle) {
  size_t n = strlen(needle);
  size_t i;
  if (n > len) return 0;
  for (i = 0; i + n <= len; ++i) {
    if (memcmp(haystack + i, needle, n) == 0) return 1;
  }
  return 0;
}

static const char kSchema[] =
    "schema {\n"
    "  user { clearance: int }\n"
    "  agent { scope: set<string> }\n"
    "  resource doc { label: string }\n"
    "  action read on doc\n"
    "  context { approved: bool, tags: set<string>, level: int, at: timestamp }\n"
    "}\n";

static const char kRules[] =
    "@id(\"cleared-read\")\n"
    "permit user to read on doc when subject.clearance >= 2\n"
    "  with redact(/\\d{3}-\\d{2}-\\d{4}/, \"[SSN]\"), limit(output_tokens, 4000), log(full);\n"
    "@id(\"agent-scope\")\n"
    "permit agent to read on doc when resource.id in subject.scope;\n"
    "@id(\"secret-needs-approval\")\n"
    "require_approval any to read on doc when resource.label == \"secret\"\n"
    "  unless context.approved;\n"
    "@id(\"any-cleared\")\n"
    "permit any to read on doc \"d3\" when subject.clearance >= 1;\n"
    "@id(\"tagged\")\n"
    "permit user to read on doc \"d4\" when \"ok\" in context.tags and context.level == 7\n"
    "  and context.at < \"2030-01-01T00:00:00Z\";\n";

static const char kEntities[] =
    "{\"identities\": ["
    " {\"kind\": \"user\", \"id\": \"u1\", \"status\": \"active\", \"attrs\": {\"clearance\": 3}},"
    " {\"kind\": \"user\", \"id\": \"u2\", \"status\": \"active\", \"attrs\": {\"clearance\": 0}},"
    " {\"kind\": \"agent\", \"id\": \"a1\", \"owner\": \"u1\", \"status\": \"active\","
    "  \"attrs\": {\"scope\": [\"d1\", \"d2\"]}}],"
    " \"resources\": ["
    " {\"type\": \"doc\", \"id\": \"d1\", \"attrs\": {\"label\": \"public\"}},"
    " {\"type\": \"doc\", \"id\": \"d2\", \"attrs\": {\"label\": \"secret\"}},"
    " {\"type\": \"doc\", \"id\": \"d3\", \"attrs\": {\"label\": \"public\"}},"
    " {\"type\": \"doc\", \"id\": \"d4\", \"attrs\": {\"label\": \"public\"}}]}";

static ward_engine* make_engine(void) {
  ward_source sources[2];
  ward_engine* engine = NULL;
  ward_error* error = NULL;
  sources[0].name = ward_str_of("schema.ward");
  sources[0].text = ward_str_of(kSchema);
  sources[1].name = ward_str_of("rules.ward");
  sources[1].text = ward_str_of(kRules);
  CHECK_STATUS(ward_engine_from_texts(sources, 2, kEntities, strlen(kEntities), &engine, &error),
               WARD_OK);
  if (error != NULL) fprintf(stderr, "%s\n", ward_error_message(error));
  CHECK(error == NULL);
  ward_error_free(error);
  return engine;
}

/* A request of `kind` `id` to read doc `doc` at a fixed time. */
static ward_request request_of(ward_kind kind, const char* id, const char* doc) {
  ward_request r;
  memset(&r, 0, sizeof r);
  r.subject.kind = kind;
  r.subject.id = ward_str_of(id);
  r.action = ward_str_of("read");
  r.resource_type = ward_str_of("doc");
  r.resource_id = ward_str_of(doc);
  r.has_now = 1;
  r.now_unix_seconds = 1796083200; /* 2026-12-01T00:00:00Z */
  return r;
}

static int is_failed_closed(const ward_decision* d) {
  ward_identity_ref who;
  return ward_decision_effect(d) == WARD_DENY &&
         ward_decision_reason(d) == WARD_REASON_INTERNAL_ERROR &&
         ward_decision_denied_by(d, &who) == 0 && ward_decision_rule_count(d) == 0;
}

static void test_names(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", WARD_VERSION_MAJOR, WARD_VERSION_MINOR,
           WARD_VERSION_PATCH);
  CHECK(strcmp(ward_version(), expected) == 0);
  CHECK(strcmp(ward_status_name(WARD_OK), "ok") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_COMPILE), "compile") == 0);
  CHECK(strcmp(ward_status_name((ward_status)99), "unknown") == 0);
  CHECK(strcmp(ward_effect_name(WARD_NEEDS_APPROVAL), "NEEDS_APPROVAL") == 0);
  CHECK(strcmp(ward_effect_name((ward_effect)-1), "unknown") == 0);
  CHECK(strcmp(ward_reason_name(WARD_REASON_NO_MATCHING_PERMIT), "no_matching_permit") == 0);
  CHECK(strcmp(ward_reason_name((ward_reason)42), "unknown") == 0);
  CHECK(strcmp(ward_log_level_name(WARD_LOG_SUMMARY), "summary") == 0);
  CHECK(strcmp(ward_kind_name(WARD_KIND_AGENT), "agent") == 0);
  CHECK(strcmp(ward_kind_name((ward_kind)0), "unknown") == 0);
  CHECK(ward_str_of(NULL).len == 0);
}

static void test_null_handles(void) {
  ward_identity_ref who;
  ward_str pattern, replacement, name;
  int64_t value;
  ward_eval_error eval_error;
  ward_issue issue;
  ward_str json;

  /* Free functions accept NULL; accessors read NULL as a failed decision. */
  ward_error_free(NULL);
  ward_policy_free(NULL);
  ward_engine_free(NULL);
  ward_decision_free(NULL);
  ward_trace_free(NULL);
  ward_string_free(NULL);
  CHECK(ward_error_status(NULL) == WARD_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(ward_error_message(NULL), "") == 0);
  CHECK(ward_error_issue_count(NULL) == 0);
  CHECK(ward_error_issue(NULL, 0, &issue) == 0);
  CHECK(ward_policy_hash(NULL) == 0);
  CHECK(ward_policy_warning_count(NULL) == 0);
  CHECK(ward_policy_warning(NULL, 0, &issue) == 0);
  CHECK(ward_engine_policy_hash(NULL) == 0);
  CHECK(is_failed_closed(NULL));
  CHECK(ward_decision_denied_by(NULL, &who) == 0);
  CHECK(ward_decision_rule(NULL, 0).len == 0);
  CHECK(ward_decision_redaction_count(NULL) == 0);
  CHECK(ward_decision_redaction(NULL, 0, &pattern, &replacement) == 0);
  CHECK(ward_decision_limit_count(NULL) == 0);
  CHECK(ward_decision_limit(NULL, 0, &name, &value) == 0);
  CHECK(ward_decision_log(NULL) == WARD_LOG_NONE);
  CHECK(ward_decision_error_count(NULL) == 0);
  CHECK(ward_decision_error(NULL, 0, &eval_error) == 0);
  CHECK(ward_decision_policy_hash(NULL) == 0);
  json = ward_decision_json(NULL);
  CHECK(contains(json.data, json.len, "internal_error"));
  CHECK(ward_trace_text(NULL).len == 0);
}

static void test_null_arguments(void) {
  ward_error* error = NULL;
  ward_policy* policy = (ward_policy*)&error; /* must be overwritten with NULL */
  ward_engine* engine = NULL;
  ward_decision* decision = ward_decision_new();
  ward_trace* trace = NULL;
  ward_request request = request_of(WARD_KIND_USER, "u1", "d1");
  char* bytes = NULL;
  size_t len = 0;
  ward_source bad_source;

  CHECK(decision != NULL);
  CHECK(is_failed_closed(decision));

  CHECK_STATUS(ward_policy_compile(NULL, 1, &policy, &error), WARD_ERR_INVALID_ARGUMENT);
  CHECK(policy == NULL);
  CHECK(error != NULL && ward_error_status(error) == WARD_ERR_INVALID_ARGUMENT);
  CHECK(error != NULL && strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  error = NULL;

  /* A NULL error pointer is allowed: the status alone reports. */
  CHECK_STATUS(ward_policy_compile(NULL, 0, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  bad_source.name = ward_str_of("x.ward");
  bad_source.text.data = NULL;
  bad_source.text.len = 5;
  CHECK_STATUS(ward_policy_compile(&bad_source, 1, &policy, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_compile_files(NULL, 2, &policy, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_load_bundle(NULL, 10, &policy, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_load_bundle_file(NULL, &policy, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_write_bundle(NULL, &bytes, &len, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(bytes == NULL && len == 0);
  CHECK_STATUS(ward_engine_new(NULL, NULL, 0, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_files(NULL, 1, NULL, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_texts(NULL, 1, NULL, 0, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_bundle(NULL, 3, NULL, 0, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_bundle_file(NULL, NULL, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(engine == NULL);
  CHECK_STATUS(ward_engine_reload(NULL, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_load_entities(NULL, "{}", 2, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_load_entities_file(NULL, "x", NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_upsert_identity(NULL, "{}", 2, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_upsert_resource(NULL, "{}", 2, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_revoke_identity(NULL, "u1", 2, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_remove_identity(NULL, "u1", 2, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_remove_resource(NULL, "doc", 3, "d1", 2, NULL),
               WARD_ERR_INVALID_ARGUMENT);

  engine = make_engine();
  CHECK_STATUS(ward_decide(NULL, &request, decision, &error), WARD_ERR_INVALID_ARGUMENT);
  CHECK(is_failed_closed(decision));
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_decide(engine, NULL, decision, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_decide(engine, &request, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_decide_json(engine, NULL, 4, decision, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_explain(engine, NULL, decision, &trace, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(trace == NULL);
  CHECK_STATUS(ward_explain_json(NULL, "{}", 2, decision, &trace, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(trace == NULL);
  CHECK_STATUS(ward_engine_upsert_identity(engine, NULL, 3, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_revoke_identity(engine, NULL, 1, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_reload(engine, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_decision_redact(decision, "abc", 3, NULL, &len, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_decision_redact(NULL, "abc", 3, &bytes, &len, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(bytes == NULL);

  /* A decision after all these failures still works. */
  CHECK_STATUS(ward_decide(engine, &request, decision, NULL), WARD_OK);
  CHECK(ward_decision_effect(decision) == WARD_ALLOW);
  ward_engine_free(engine);
  ward_decision_free(decision);
}

static void test_decisions(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_identity_ref who;
  ward_identity_ref chain[1];
  ward_attr context[4];
  ward_str tags[2];
  ward_str pattern, replacement, name;
  int64_t value = 0;
  ward_eval_error eval_error;
  ward_str json;
  ward_error* error = NULL;
  int i;

  /* A permit with obligations. */
  r = request_of(WARD_KIND_USER, "u1", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, &error), WARD_OK);
  CHECK(error == NULL);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_reason(d) == WARD_REASON_PERMITTED);
  CHECK(ward_decision_denied_by(d, &who) == 0);
  CHECK(ward_decision_rule_count(d) == 1);
  CHECK(str_eq(ward_decision_rule(d, 0), "cleared-read"));
  CHECK(ward_decision_rule(d, 1).len == 0);
  CHECK(ward_decision_redaction_count(d) == 1);
  CHECK(ward_decision_redaction(d, 0, &pattern, &replacement) == 1);
  CHECK(str_eq(pattern, "\\d{3}-\\d{2}-\\d{4}"));
  CHECK(str_eq(replacement, "[SSN]"));
  CHECK(ward_decision_redaction(d, 1, &pattern, &replacement) == 0);
  CHECK(ward_decision_limit_count(d) == 1);
  CHECK(ward_decision_limit(d, 0, &name, &value) == 1);
  CHECK(str_eq(name, "output_tokens") && value == 4000);
  CHECK(ward_decision_log(d) == WARD_LOG_FULL);
  CHECK(ward_decision_error_count(d) == 0);
  CHECK(ward_decision_policy_hash(d) == ward_engine_policy_hash(engine));
  CHECK(ward_decision_policy_hash(d) != 0);
  json = ward_decision_json(d);
  CHECK(json.data[json.len] == '\0');
  CHECK(strncmp(json.data, "{\"effect\":\"ALLOW\",\"reason\":\"permitted\"", 38) == 0);
  CHECK(contains(json.data, json.len, "\"limits\":{\"output_tokens\":4000}"));

  /* The same decision object, reused: no match. */
  r = request_of(WARD_KIND_USER, "u2", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  CHECK(ward_decision_denied_by(d, &who) == 1);
  CHECK(who.kind == WARD_KIND_USER && str_eq(who.id, "u2"));
  CHECK(ward_decision_redaction_count(d) == 0);
  CHECK(ward_decision_log(d) == WARD_LOG_NONE);
  json = ward_decision_json(d);
  CHECK(strncmp(json.data, "{\"effect\":\"DENY\",\"reason\":\"no_matching_permit\"", 46) == 0);

  /* A delegation chain: both the agent and the user must be allowed. */
  r = request_of(WARD_KIND_AGENT, "a1", "d1");
  chain[0].kind = WARD_KIND_USER;
  chain[0].id = ward_str_of("u1");
  r.on_behalf_of = chain;
  r.on_behalf_of_count = 1;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_rule_count(d) == 2);
  CHECK(str_eq(ward_decision_rule(d, 0), "agent-scope"));
  CHECK(str_eq(ward_decision_rule(d, 1), "cleared-read"));
  chain[0].id = ward_str_of("u2");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_denied_by(d, &who) == 1 && str_eq(who.id, "u2"));

  /* Approval, and the context that satisfies it. */
  r = request_of(WARD_KIND_USER, "u1", "d2");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(ward_decision_reason(d) == WARD_REASON_APPROVAL_REQUIRED);
  CHECK(str_eq(ward_decision_rule(d, 0), "secret-needs-approval"));
  memset(context, 0, sizeof context);
  context[0].name = ward_str_of("approved");
  context[0].value.type = WARD_VALUE_BOOL;
  context[0].value.boolean = 1;
  r.context = context;
  r.context_count = 1;
  for (i = 0; i < 3; ++i) { /* the same names again and again: values replaced in place */
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(ward_decision_effect(d) == WARD_ALLOW);
  }
  context[0].value.boolean = 0;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  /* The same through a JSON value. */
  context[0].value.type = WARD_VALUE_JSON;
  context[0].value.string = ward_str_of("true");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  /* JSON null leaves the entry out. */
  context[0].value.string = ward_str_of("null");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);

  /* Every value type, and the time as RFC 3339 text (u2 is not cleared: only `tagged` can
   * allow). */
  r = request_of(WARD_KIND_USER, "u2", "d4");
  tags[0] = ward_str_of("x");
  tags[1] = ward_str_of("ok");
  memset(context, 0, sizeof context);
  context[0].name = ward_str_of("tags");
  context[0].value.type = WARD_VALUE_STRING_SET;
  context[0].value.strings = tags;
  context[0].value.count = 2;
  context[1].name = ward_str_of("level");
  context[1].value.type = WARD_VALUE_INT;
  context[1].value.integer = 7;
  context[2].name = ward_str_of("at");
  context[2].value.type = WARD_VALUE_TIMESTAMP;
  context[2].value.integer = 1796083200;
  r.context = context;
  r.context_count = 3;
  r.has_now = 0;
  r.now_rfc3339 = ward_str_of("2026-12-01T00:00:00Z");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(str_eq(ward_decision_rule(d, 0), "tagged"));
  context[1].value.integer = 8;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  /* A context value of the wrong type is an evaluation error, reported with the decision. */
  context[1].value.type = WARD_VALUE_STRING;
  context[1].value.string = ward_str_of("seven");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_error_count(d) == 1);
  CHECK(ward_decision_error(d, 0, &eval_error) == 1);
  CHECK(str_eq(eval_error.rule, "tagged"));
  CHECK(eval_error.principal.kind == WARD_KIND_USER && str_eq(eval_error.principal.id, "u2"));
  CHECK(eval_error.message.len > 0);
  CHECK(ward_decision_error(d, 1, &eval_error) == 0);

  /* A rule reading an attribute the agent kind lacks: an evaluation error. */
  r = request_of(WARD_KIND_AGENT, "a1", "d3");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_error_count(d) == 1);
  CHECK(ward_decision_error(d, 0, &eval_error) == 1 && str_eq(eval_error.rule, "any-cleared"));
  CHECK(eval_error.principal.kind == WARD_KIND_AGENT);

  /* Unknown identities are denied, not errors. */
  r = request_of(WARD_KIND_USER, "nobody", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);
  CHECK(ward_decision_denied_by(d, &who) == 1 && str_eq(who.id, "nobody"));

  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_invalid_requests(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_identity_ref chain[9];
  ward_attr context[2];
  ward_error* error = NULL;
  int i;

  /* Each case starts from a decision that allowed, to see it fail closed. */
#define EXPECT_REQUEST_STATUS(req, status)                        \
  do {                                                            \
    ward_request good_ = request_of(WARD_KIND_USER, "u1", "d1");  \
    CHECK_STATUS(ward_decide(engine, &good_, d, NULL), WARD_OK);  \
    CHECK(ward_decision_effect(d) == WARD_ALLOW);                 \
    CHECK_STATUS(ward_decide(engine, &(req), d, &error), status); \
    CHECK(error != NULL && ward_error_status(error) == (status)); \
    CHECK(is_failed_closed(d));                                   \
    ward_error_free(error);                                       \
    error = NULL;                                                 \
  } while (0)

  r = request_of((ward_kind)0, "u1", "d1");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r = request_of((ward_kind)7, "u1", "d1");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r = request_of(WARD_KIND_USER, "", "d1");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r = request_of(WARD_KIND_USER, "u1", "");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.action.len = 0;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.action.data = NULL;
  r.action.len = 4;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_INVALID_ARGUMENT);

  /* A chain longer than 8. */
  for (i = 0; i < 9; ++i) {
    chain[i].kind = WARD_KIND_USER;
    chain[i].id = ward_str_of("u1");
  }
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.on_behalf_of = chain;
  r.on_behalf_of_count = 9;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r.on_behalf_of_count = 8;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  r.on_behalf_of = NULL;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_INVALID_ARGUMENT);
  r.on_behalf_of = chain;
  r.on_behalf_of_count = 1;
  chain[0].kind = (ward_kind)0;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);

  /* Context mistakes. */
  memset(context, 0, sizeof context);
  context[0].name = ward_str_of("approved");
  context[0].value.type = WARD_VALUE_BOOL;
  context[1] = context[0];
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.context = context;
  r.context_count = 2; /* a repeated name */
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r.context_count = 1;
  context[0].value.type = (ward_value_type)0;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  context[0].value.type = WARD_VALUE_JSON;
  context[0].value.string = ward_str_of("{not json");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  context[0].value.type = WARD_VALUE_STRING_SET;
  context[0].value.strings = NULL;
  context[0].value.count = 3;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_INVALID_ARGUMENT);
  context[0].name = ward_str_of("");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r.context = NULL;
  EXPECT_REQUEST_STATUS(r, WARD_ERR_INVALID_ARGUMENT);

  /* Time mistakes. */
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.now_rfc3339 = ward_str_of("2026-12-01T00:00:00Z"); /* and has_now */
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r.has_now = 0;
  r.now_rfc3339 = ward_str_of("yesterday");
  EXPECT_REQUEST_STATUS(r, WARD_ERR_REQUEST);
  r.has_now = 0;
  r.now_rfc3339.len = 0;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK); /* the clock */
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
#undef EXPECT_REQUEST_STATUS

  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_json_requests(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_trace* trace = NULL;
  ward_error* error = NULL;
  ward_str text;
  const char* good =
      "{\"subject\": {\"kind\": \"agent\", \"id\": \"a1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d2\"}, \"context\": {\"approved\": true},"
      " \"on_behalf_of\": [{\"kind\": \"user\", \"id\": \"u1\"}],"
      " \"now\": \"2026-12-01T00:00:00Z\"}";
  const char* malformed[] = {
      "",
      "{",
      "[]",
      "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}}",
      "{\"subject\": {\"kind\": \"robot\", \"id\": \"u1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d1\"}}",
      "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d1\"}, \"extra\": 1}",
      "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d1\"}, \"now\": \"soon\"}",
  };
  size_t i;

  CHECK_STATUS(ward_decide_json(engine, good, strlen(good), d, &error), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_rule_count(d) == 2);
  text = ward_decision_json(d);
  CHECK(contains(text.data, text.len, "\"rules\":[\"agent-scope\",\"cleared-read\"]"));

  for (i = 0; i < sizeof malformed / sizeof malformed[0]; ++i) {
    CHECK_STATUS(ward_decide_json(engine, good, strlen(good), d, NULL), WARD_OK);
    CHECK_STATUS(ward_decide_json(engine, malformed[i], strlen(malformed[i]), d, &error),
                 WARD_ERR_REQUEST);
    CHECK(error != NULL && strlen(ward_error_message(error)) > 0);
    CHECK(is_failed_closed(d));
    text = ward_decision_json(d);
    CHECK(contains(text.data, text.len, "\"reason\":\"internal_error\""));
    ward_error_free(error);
    error = NULL;
  }
  /* Bytes that are not text at all. */
  CHECK_STATUS(ward_decide_json(engine, "\0\xff\xfe", 3, d, NULL), WARD_ERR_REQUEST);

  /* Explain decides as decide does and gives a trace. */
  CHECK_STATUS(ward_explain_json(engine, good, strlen(good), d, &trace, &error), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(trace != NULL);
  text = ward_trace_text(trace);
  CHECK(text.len > 0 && text.data[text.len] == '\0');
  CHECK(contains(text.data, text.len, "agent-scope"));
  CHECK(contains(text.data, text.len, "secret-needs-approval"));
  ward_trace_free(trace);
  trace = NULL;
  CHECK_STATUS(ward_explain_json(engine, "{", 1, d, &trace, NULL), WARD_ERR_REQUEST);
  CHECK(trace == NULL);
  CHECK(is_failed_closed(d));
  /* Structured explain, and explain without wanting the trace. */
  {
    ward_request r = request_of(WARD_KIND_USER, "u2", "d1");
    CHECK_STATUS(ward_explain(engine, &r, d, &trace, NULL), WARD_OK);
    CHECK(ward_decision_effect(d) == WARD_DENY);
    text = ward_trace_text(trace);
    CHECK(contains(text.data, text.len, "cleared-read"));
    ward_trace_free(trace);
    CHECK_STATUS(ward_explain(engine, &r, d, NULL, NULL), WARD_OK);
    CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  }

  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_huge_input(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_error* error = NULL;
  const size_t big = (size_t)4 << 20;
  char* buffer = (char*)malloc(big + 64);
  char* out = NULL;
  size_t out_len = 0;
  size_t i;

  CHECK(buffer != NULL);
  if (buffer == NULL) return;

  /* A 4 MiB subject id: decided (unknown identity). */
  memset(buffer, 'x', big);
  r = request_of(WARD_KIND_USER, "u1", "d1");
  r.subject.id.data = buffer;
  r.subject.id.len = big;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);

  /* A 4 MiB JSON request: over the request size limit. */
  memcpy(buffer, "{\"action\": \"", 12);
  memcpy(buffer + big - 2, "\"}", 2);
  CHECK_STATUS(ward_decide_json(engine, buffer, big, d, &error), WARD_ERR_REQUEST);
  CHECK(error != NULL && strlen(ward_error_message(error)) > 0);
  CHECK(is_failed_closed(d));
  ward_error_free(error);
  error = NULL;

  /* Deeply nested JSON is refused, not recursed into. */
  for (i = 0; i < 100000; ++i) buffer[i] = '[';
  CHECK_STATUS(ward_decide_json(engine, buffer, 100000, d, NULL), WARD_ERR_REQUEST);

  /* Redacting 4 MiB of text with a number to hide at either end. */
  r = request_of(WARD_KIND_USER, "u1", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  memset(buffer, 'a', big);
  memcpy(buffer, "123-45-6789 ", 12);
  memcpy(buffer + big - 12, " 987-65-4321", 12);
  CHECK_STATUS(ward_decision_redact(d, buffer, big, &out, &out_len, &error), WARD_OK);
  CHECK(out != NULL);
  CHECK(out_len == big - 22 + 10);
  if (out != NULL) {
    CHECK(strncmp(out, "[SSN] aaa", 9) == 0);
    CHECK(strcmp(out + out_len - 9, "aaa [SSN]") == 0);
    CHECK(out[out_len] == '\0');
  }
  ward_string_free(out);

  free(buffer);
  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_redact(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r = request_of(WARD_KIND_USER, "u1", "d1");
  char* out = NULL;
  size_t len = 0;
  const char* text = "call 555-12-3456 now";

  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_decision_redact(d, text, strlen(text), &out, &len, NULL), WARD_OK);
  CHECK(out != NULL && strcmp(out, "call [SSN] now") == 0 && len == 14);
  ward_string_free(out);
  /* The empty text. */
  CHECK_STATUS(ward_decision_redact(d, NULL, 0, &out, &len, NULL), WARD_OK);
  CHECK(out != NULL && len == 0 && out[0] == '\0');
  ward_string_free(out);
  /* A denial has no obligations: the text comes back as it is. */
  r = request_of(WARD_KIND_USER, "u2", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_decision_redact(d, text, strlen(text), &out, &len, NULL), WARD_OK);
  CHECK(out != NULL && strcmp(out, text) == 0);
  ward_string_free(out);

  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_compile_errors(void) {
  ward_source source;
  ward_policy* policy = NULL;
  ward_error* error = NULL;
  ward_issue issue;
  size_t i, errors = 0;
  /* Line 3 misspells an attribute; line 4 names an unknown action. */
  const char* text =
      "schema { user { clearance: int } resource doc {} action read on doc }\n"
      "\n"
      "permit user to read on doc when subject.clearence >= 2;\n"
      "permit user to write on doc;\n";

  source.name = ward_str_of("bad.ward");
  source.text = ward_str_of(text);
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, &error), WARD_ERR_COMPILE);
  CHECK(policy == NULL);
  CHECK(ward_error_status(error) == WARD_ERR_COMPILE);
  CHECK(strstr(ward_error_message(error), "bad.ward:3:") != NULL);
  CHECK(strstr(ward_error_message(error), "clearence") != NULL);
  CHECK(ward_error_issue_count(error) >= 2);
  for (i = 0; i < ward_error_issue_count(error); ++i) {
    CHECK(ward_error_issue(error, i, &issue) == 1);
    CHECK(str_eq(issue.source, "bad.ward"));
    if (issue.severity == WARD_SEVERITY_ERROR) ++errors;
    if (i == 0) {
      CHECK(issue.severity == WARD_SEVERITY_ERROR);
      CHECK(issue.line == 3);
      CHECK(issue.column == 41); /* `clearence` */
      CHECK(contains(issue.message.data, issue.message.len, "unknown attribute"));
    }
  }
  CHECK(errors >= 2);
  CHECK(ward_error_issue(error, ward_error_issue_count(error), &issue) == 0);
  CHECK(ward_error_issue(error, 0, NULL) == 0);
  ward_error_free(error);
  error = NULL;

  /* The same through the engine shortcut. */
  {
    ward_engine* engine = NULL;
    CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &engine, &error), WARD_ERR_COMPILE);
    CHECK(engine == NULL && ward_error_issue_count(error) >= 2);
    ward_error_free(error);
    error = NULL;
  }

  /* A policy that compiles with a warning. */
  source.text = ward_str_of(
      "schema { user { clearance: int } agent {} resource doc {} action read on doc }\n"
      "permit any to read on doc when subject.clearance >= 2;\n");
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, &error), WARD_OK);
  CHECK(policy != NULL && error == NULL);
  CHECK(ward_policy_warning_count(policy) == 1);
  CHECK(ward_policy_warning(policy, 0, &issue) == 1);
  CHECK(issue.severity == WARD_SEVERITY_WARNING && issue.line == 2);
  CHECK(ward_policy_warning(policy, 1, &issue) == 0);
  ward_policy_free(policy);
}

static void test_files_and_bundles(void) {
  const char* paths[] = {"examples/agent-runtime/schema.ward", "examples/agent-runtime/rules.ward"};
  const char* missing[] = {"examples/agent-runtime/no-such-file.ward"};
  const char* entities = "examples/agent-runtime/entities.json";
  ward_policy* policy = NULL;
  ward_policy* loaded = NULL;
  ward_engine* from_files = NULL;
  ward_engine* from_bundle = NULL;
  ward_engine* from_bundle_file = NULL;
  ward_engine* rejected = NULL;
  ward_decision* d1 = ward_decision_new();
  ward_decision* d2 = ward_decision_new();
  ward_error* error = NULL;
  char* bytes = NULL;
  char* again = NULL;
  size_t len = 0, again_len = 0;
  char request[4096];
  size_t request_len;
  char bundle_path[256];
  FILE* f;
  ward_str j1, j2;

  f = fopen("examples/agent-runtime/request.json", "rb");
  CHECK(f != NULL);
  if (f == NULL) return;
  request_len = fread(request, 1, sizeof request - 1, f);
  fclose(f);
  request[request_len] = '\0';

  CHECK_STATUS(ward_engine_from_files(paths, 2, entities, &from_files, &error), WARD_OK);
  CHECK(from_files != NULL);
  CHECK_STATUS(ward_decide_json(from_files, request, request_len, d1, NULL), WARD_OK);
  CHECK(ward_decision_effect(d1) == WARD_ALLOW);
  CHECK(ward_decision_redaction_count(d1) == 1 && ward_decision_log(d1) == WARD_LOG_SUMMARY);

  CHECK_STATUS(ward_engine_from_files(missing, 1, NULL, &from_bundle, &error), WARD_ERR_IO);
  CHECK(strstr(ward_error_message(error), "no-such-file.ward") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(
      ward_engine_from_files(paths, 2, "examples/agent-runtime/none.json", &from_bundle, &error),
      WARD_ERR_IO);
  ward_error_free(error);
  error = NULL;
  /* An entity file that does not fit the schema. */
  CHECK_STATUS(
      ward_engine_from_files(paths, 2, "examples/agent-runtime/schema.ward", &from_bundle, &error),
      WARD_ERR_ENTITIES);
  ward_error_free(error);
  error = NULL;

  /* Compile, write a bundle, load it back: same hash, same decision. */
  CHECK_STATUS(ward_policy_compile_files(paths, 2, &policy, NULL), WARD_OK);
  CHECK(ward_policy_hash(policy) == ward_engine_policy_hash(from_files));
  CHECK_STATUS(ward_policy_write_bundle(policy, &bytes, &len, NULL), WARD_OK);
  CHECK(bytes != NULL && len > 0);
  CHECK_STATUS(ward_policy_write_bundle(policy, &again, &again_len, NULL), WARD_OK);
  CHECK(again_len == len && memcmp(bytes, again, len) == 0); /* deterministic */
  ward_string_free(again);
  CHECK_STATUS(ward_policy_load_bundle(bytes, len, &loaded, NULL), WARD_OK);
  CHECK(ward_policy_hash(loaded) == ward_policy_hash(policy));
  CHECK(ward_policy_warning_count(loaded) == 0);
  ward_policy_free(loaded);
  loaded = NULL;

  {
    FILE* ef = fopen(entities, "rb");
    static char entity_text[1 << 16];
    size_t entity_len = 0;
    CHECK(ef != NULL);
    if (ef != NULL) {
      entity_len = fread(entity_text, 1, sizeof entity_text, ef);
      fclose(ef);
    }
    CHECK_STATUS(ward_engine_from_bundle(bytes, len, entity_text, entity_len, &from_bundle, NULL),
                 WARD_OK);
    /* An engine from the policy object; the policy may be freed right away. */
    {
      ward_engine* from_policy = NULL;
      CHECK_STATUS(ward_engine_new(policy, entity_text, entity_len, &from_policy, NULL), WARD_OK);
      ward_policy_free(policy);
      policy = NULL;
      CHECK_STATUS(ward_decide_json(from_policy, request, request_len, d2, NULL), WARD_OK);
      j1 = ward_decision_json(d1);
      j2 = ward_decision_json(d2);
      CHECK(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0);
      /* Entities that are not JSON. */
      CHECK_STATUS(ward_engine_load_entities(from_policy, "{nope", 5, &error), WARD_ERR_ENTITIES);
      CHECK(strlen(ward_error_message(error)) > 0);
      ward_error_free(error);
      error = NULL;
      ward_engine_free(from_policy);
    }
  }
  CHECK_STATUS(ward_decide_json(from_bundle, request, request_len, d2, NULL), WARD_OK);
  j1 = ward_decision_json(d1);
  j2 = ward_decision_json(d2);
  CHECK(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0);

  /* The bundle as a file. */
  snprintf(bundle_path, sizeof bundle_path, "%s/ward_c_test_%ld.bundle",
           getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (long)getpid());
  f = fopen(bundle_path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    CHECK(fwrite(bytes, 1, len, f) == len);
    fclose(f);
    CHECK_STATUS(ward_engine_from_bundle_file(bundle_path, entities, &from_bundle_file, NULL),
                 WARD_OK);
    CHECK_STATUS(ward_decide_json(from_bundle_file, request, request_len, d2, NULL), WARD_OK);
    j2 = ward_decision_json(d2);
    CHECK(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0);
    CHECK_STATUS(ward_policy_load_bundle_file(bundle_path, &loaded, NULL), WARD_OK);
    ward_policy_free(loaded);
    loaded = NULL;
    remove(bundle_path);
  }
  CHECK_STATUS(ward_policy_load_bundle_file(bundle_path, &loaded, &error), WARD_ERR_IO);
  ward_error_free(error);
  error = NULL;

  /* Corrupted, truncated and foreign bundles. */
  {
    char* copy = (char*)malloc(len);
    size_t positions[3];
    size_t k;
    positions[0] = len / 2;
    positions[1] = len - 1;
    positions[2] = 0;
    for (k = 0; k < 3; ++k) {
      memcpy(copy, bytes, len);
      copy[positions[k]] ^= 0x5a;
      CHECK_STATUS(ward_policy_load_bundle(copy, len, &loaded, &error), WARD_ERR_BUNDLE);
      CHECK(loaded == NULL && strlen(ward_error_message(error)) > 0);
      ward_error_free(error);
      error = NULL;
    }
    CHECK_STATUS(ward_policy_load_bundle(bytes, len / 3, &loaded, NULL), WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_policy_load_bundle("", 0, &loaded, NULL), WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_engine_from_bundle("not a bundle", 12, NULL, 0, &rejected, NULL),
                 WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_engine_from_bundle_file(paths[0], NULL, &rejected, NULL), WARD_ERR_BUNDLE);
    CHECK(rejected == NULL);
    free(copy);
  }

  ward_string_free(bytes);
  ward_engine_free(from_files);
  ward_engine_free(from_bundle);
  ward_engine_free(from_bundle_file);
  ward_decision_free(d1);
  ward_decision_free(d2);
}

static void test_entity_updates(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_error* error = NULL;
  const char* newcomer =
      "{\"kind\": \"user\", \"id\": \"u9\", \"status\": \"active\", \"attrs\": {\"clearance\": 5}}";
  const char* bad_identity =
      "{\"kind\": \"user\", \"id\": \"u9\", \"attrs\": {\"clearance\": \"x\"}}";
  const char* resource = "{\"type\": \"doc\", \"id\": \"d9\", \"attrs\": {\"label\": \"secret\"}}";
  ward_eval_error eval_error;

  r = request_of(WARD_KIND_USER, "u9", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);
  CHECK_STATUS(ward_engine_upsert_identity(engine, newcomer, strlen(newcomer), &error), WARD_OK);
  CHECK(error == NULL);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);

  CHECK_STATUS(ward_engine_upsert_identity(engine, bad_identity, strlen(bad_identity), &error),
               WARD_ERR_ENTITIES);
  CHECK(strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_engine_upsert_identity(engine, "[1,", 3, NULL), WARD_ERR_ENTITIES);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK); /* a failed update changes nothing */
  CHECK(ward_decision_effect(d) == WARD_ALLOW);

  /* Revoking denies. */
  CHECK_STATUS(ward_engine_revoke_identity(engine, "u9", 2, NULL), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_LIFECYCLE);
  CHECK_STATUS(ward_engine_revoke_identity(engine, "ghost", 5, &error), WARD_ERR_NOT_FOUND);
  CHECK(ward_error_status(error) == WARD_ERR_NOT_FOUND);
  ward_error_free(error);
  error = NULL;

  /* Removing makes the identity unknown. */
  CHECK_STATUS(ward_engine_remove_identity(engine, "u9", 2, NULL), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);
  CHECK_STATUS(ward_engine_remove_identity(engine, "u9", 2, NULL), WARD_ERR_NOT_FOUND);

  /* Resources. */
  r = request_of(WARD_KIND_USER, "u1", "d9");
  CHECK_STATUS(ward_engine_upsert_resource(engine, resource, strlen(resource), NULL), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK_STATUS(ward_engine_upsert_resource(engine, "{\"type\": \"car\", \"id\": \"c\"}", 26, NULL),
               WARD_ERR_ENTITIES);
  CHECK(ward_decision_error_count(d) == 1); /* `context.approved` is absent */
  CHECK_STATUS(ward_engine_remove_resource(engine, "doc", 3, "d9", 2, NULL), WARD_OK);
  /* The approval rule cannot read the label of a resource that is gone: it fails closed. */
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(ward_decision_error(d, 0, &eval_error) == 1);
  CHECK(contains(eval_error.message.data, eval_error.message.len, "not in the store"));
  CHECK_STATUS(ward_engine_remove_resource(engine, "doc", 3, "d9", 2, NULL), WARD_ERR_NOT_FOUND);

  /* Replacing every entity. */
  CHECK_STATUS(ward_engine_load_entities(engine, "{\"identities\": []}", 18, NULL), WARD_OK);
  r = request_of(WARD_KIND_USER, "u1", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);
  CHECK_STATUS(ward_engine_load_entities(engine, kEntities, strlen(kEntities), NULL), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK_STATUS(ward_engine_load_entities_file(engine, "no/such/entities.json", &error),
               WARD_ERR_IO);
  ward_error_free(error);
  error = NULL;

  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_reload(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r = request_of(WARD_KIND_USER, "u2", "d1");
  ward_policy* open_policy = NULL;
  ward_policy* narrow_policy = NULL;
  ward_source sources[2];
  ward_error* error = NULL;
  uint64_t before = ward_engine_policy_hash(engine);

  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);

  sources[0].name = ward_str_of("schema.ward");
  sources[0].text = ward_str_of(kSchema);
  sources[1].name = ward_str_of("open.ward");
  sources[1].text = ward_str_of("permit user to read on doc;\n");
  CHECK_STATUS(ward_policy_compile(sources, 2, &open_policy, NULL), WARD_OK);
  CHECK_STATUS(ward_engine_reload(engine, open_policy, &error), WARD_OK);
  ward_policy_free(open_policy);
  CHECK(ward_engine_policy_hash(engine) != before);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(str_eq(ward_decision_rule(d, 0), "open.ward:1"));

  /* A schema the current entities do not fit: refused, the policy stays. */
  sources[0].text = ward_str_of(
      "schema { user { clearance: string } agent { scope: set<string> }"
      " resource doc { label: string } action read on doc }\n");
  CHECK_STATUS(ward_policy_compile(sources, 2, &narrow_policy, NULL), WARD_OK);
  CHECK_STATUS(ward_engine_reload(engine, narrow_policy, &error), WARD_ERR_ENTITIES);
  CHECK(strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  ward_policy_free(narrow_policy);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);

  ward_decision_free(d);
  ward_engine_free(engine);
}

int main(void) {
  test_names();
  test_null_handles();
  test_null_arguments();
  test_decisions();
  test_invalid_requests();
  test_json_requests();
  test_huge_input();
  test_redact();
  test_compile_errors();
  test_files_and_bundles();
  test_entity_updates();
  test_reload();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
