/* Tests of the C interface, written in C: every entry point, with good input and bad. Needs
 * nothing but ward.h and libward.so (the policies are here; files go to $TMPDIR or /tmp).
 * Prints every failed check and exits non-zero when any failed. */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ward.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_STATUS(expr, expected)                                                 \
  do {                                                                               \
    ward_status got_ = (expr);                                                       \
    ++checks;                                                                        \
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
    "  unless context has approved and context.approved;\n"
    "@id(\"any-cleared\")\n"
    "permit any to read on doc \"d3\" when subject has clearance and subject.clearance >= 1;\n"
    "@id(\"tagged\")\n"
    "permit user to read on doc \"d4\" when context has tags and \"ok\" in context.tags\n"
    "  and context has level and context.level == 7\n"
    "  and context has at and context.at < \"2030-01-01T00:00:00Z\";\n";

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
  CHECK_STATUS(
      ward_engine_from_texts(sources, 2, kEntities, strlen(kEntities), NULL, &engine, &error),
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
  CHECK(strcmp(ward_status_name(WARD_ERR_POLICY), "policy") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_ENTITIES), "entities") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_REDACT), "redact") == 0);
  CHECK(strcmp(ward_status_name((ward_status)11), "unknown") == 0);
  CHECK(strcmp(ward_status_name((ward_status)99), "unknown") == 0);
  CHECK(strcmp(ward_effect_name(WARD_NEEDS_APPROVAL), "NEEDS_APPROVAL") == 0);
  CHECK(strcmp(ward_effect_name((ward_effect)-1), "unknown") == 0);
  CHECK(strcmp(ward_reason_name(WARD_REASON_NO_MATCHING_PERMIT), "no_matching_permit") == 0);
  CHECK(strcmp(ward_reason_name((ward_reason)42), "unknown") == 0);
  CHECK(strcmp(ward_reason_name(WARD_REASON_PERMITTED), "permitted") == 0);
  CHECK(strcmp(ward_reason_name(WARD_REASON_INTERNAL_ERROR), "internal_error") == 0);
  CHECK(strcmp(ward_reason_name(WARD_REASON_INVALID_REQUEST), "invalid_request") == 0);
  CHECK(WARD_REASON_INVALID_REQUEST == 8); /* added at the end: the others keep their values */
  CHECK(strcmp(ward_reason_name((ward_reason)9), "unknown") == 0);
  CHECK(strcmp(ward_reason_name((ward_reason)-1), "unknown") == 0);
  CHECK(strcmp(ward_effect_name(WARD_ALLOW), "ALLOW") == 0);
  CHECK(strcmp(ward_effect_name(WARD_DENY), "DENY") == 0);
  CHECK(strcmp(ward_effect_name((ward_effect)3), "unknown") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_KEY), "key") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_REDACT), "redact") == 0);
  CHECK(strcmp(ward_status_name(WARD_ERR_INTERNAL), "internal") == 0);
  CHECK(strcmp(ward_log_level_name(WARD_LOG_FULL), "full") == 0);
  CHECK(strcmp(ward_log_level_name((ward_log_level)3), "unknown") == 0);
  CHECK(strcmp(ward_kind_name(WARD_KIND_USER), "user") == 0);
  CHECK(strcmp(ward_kind_name(WARD_KIND_BUILDER), "builder") == 0);
  CHECK(strcmp(ward_kind_name((ward_kind)4), "unknown") == 0);
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
  CHECK(ward_decision_approval_digest(NULL).len == 0);
  CHECK(ward_decision_approved_by(NULL, &who) == 0);
  CHECK(ward_engine_used_grant_count(NULL) == 0);
  ward_redactor_free(NULL);
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
  CHECK_STATUS(ward_policy_load_bundle(NULL, 10, NULL, 0, &policy, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_load_bundle_file(NULL, NULL, 0, &policy, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_policy_write_bundle(NULL, &bytes, &len, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK(bytes == NULL && len == 0);
  CHECK_STATUS(ward_engine_new(NULL, NULL, 0, NULL, &engine, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_files(NULL, 1, NULL, NULL, &engine, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_texts(NULL, 1, NULL, 0, NULL, &engine, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_bundle(NULL, 3, NULL, 0, NULL, &engine, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_from_bundle_file(NULL, NULL, NULL, &engine, NULL),
               WARD_ERR_INVALID_ARGUMENT);
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

  /* Revision 2 entry points. */
  {
    ward_redactor* redactor = (ward_redactor*)&error; /* must be overwritten with NULL */
    char* other = (char*)&error;
    ward_engine* unused = NULL;
    ward_engine_options options;
    memset(&options, 0, sizeof options);
    CHECK_STATUS(ward_redactor_new(NULL, &redactor, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK(redactor == NULL);
    CHECK_STATUS(ward_redactor_new(decision, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_redactor_write(NULL, "a", 1, &bytes, &len, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_redactor_finish(NULL, &bytes, &len, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK(bytes == NULL && len == 0);
    CHECK_STATUS(ward_keygen(NULL, &other, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK(other == NULL);
    CHECK_STATUS(ward_grant_mint(NULL, 0, ward_str_of(""), ward_str_of("u"), 0, NULL,
                                 ward_str_of(""), NULL, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_grant_mint(NULL, 5, ward_str_of(""), ward_str_of("u"), 0, NULL,
                                 ward_str_of(""), &bytes, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_approval_digest(NULL, &request, &bytes, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_approval_digest(engine, NULL, &bytes, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_approval_digest(engine, &request, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_approval_digest_json(engine, NULL, 3, &bytes, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_policy_write_bundle_signed(NULL, "k", 1, &bytes, &len, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK(bytes == NULL);
    /* Options with a NULL key array and a count. */
    options.approval_key_count = 1;
    CHECK_STATUS(ward_engine_from_texts(NULL, 0, NULL, 0, &options, &unused, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    options.approval_key_count = 0;
    options.trusted_bundle_key_count = 2;
    CHECK_STATUS(ward_engine_from_texts(NULL, 0, NULL, 0, &options, &unused, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ward_policy_load_bundle("x", 1, NULL, 1, &policy, NULL),
                 WARD_ERR_INVALID_ARGUMENT);
    CHECK(policy == NULL && unused == NULL);
    /* A request with args or a grant that is NULL with a length. */
    request.args_json.len = 2;
    CHECK_STATUS(ward_decide(engine, &request, decision, NULL), WARD_ERR_INVALID_ARGUMENT);
    request.args_json.len = 0;
    request.args_count = 1;
    CHECK_STATUS(ward_decide(engine, &request, decision, NULL), WARD_ERR_INVALID_ARGUMENT);
    request.args_count = 0;
    request.approval.len = 10;
    CHECK_STATUS(ward_decide(engine, &request, decision, NULL), WARD_ERR_INVALID_ARGUMENT);
    CHECK(is_failed_closed(decision));
    request.approval.len = 0;
  }

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
  /* A declared context entry of the wrong type: the engine refuses the request, naming the
   * field in an error entry without a rule. */
  context[1].value.type = WARD_VALUE_STRING;
  context[1].value.string = ward_str_of("seven");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_INVALID_REQUEST);
  CHECK(ward_decision_denied_by(d, &who) == 1 && str_eq(who.id, "u2"));
  CHECK(ward_decision_rule_count(d) == 0);
  CHECK(ward_decision_error_count(d) == 1);
  CHECK(ward_decision_error(d, 0, &eval_error) == 1);
  CHECK(str_eq(eval_error.rule, ""));
  CHECK(eval_error.principal.kind == WARD_KIND_USER && str_eq(eval_error.principal.id, "u2"));
  CHECK(contains(eval_error.message.data, eval_error.message.len, "level"));
  CHECK(ward_decision_error(d, 1, &eval_error) == 0);
  json = ward_decision_json(d);
  CHECK(contains(json.data, json.len, "\"reason\":\"invalid_request\""));

  /* A rule of `any` reading an attribute the agent kind lacks must test it first: for an agent
   * the `has` test is false and the rule does not apply, without an error. */
  r = request_of(WARD_KIND_AGENT, "a1", "d3");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  CHECK(ward_decision_error_count(d) == 0);
  r = request_of(WARD_KIND_USER, "u1", "d3");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_rule_count(d) == 2 && str_eq(ward_decision_rule(d, 0), "any-cleared"));

  /* A rule reading an attribute of a resource absent from the store (and given without inline
   * attributes): an evaluation error, listed with its rule and principal. */
  r = request_of(WARD_KIND_AGENT, "a1", "d404");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  CHECK(ward_decision_error_count(d) == 1);
  CHECK(ward_decision_error(d, 0, &eval_error) == 1 &&
        str_eq(eval_error.rule, "secret-needs-approval"));
  CHECK(eval_error.principal.kind == WARD_KIND_AGENT && str_eq(eval_error.principal.id, "a1"));
  CHECK(contains(eval_error.message.data, eval_error.message.len, "not in the store"));

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
    CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, NULL, &engine, &error),
                 WARD_ERR_COMPILE);
    CHECK(engine == NULL && ward_error_issue_count(error) >= 2);
    ward_error_free(error);
    error = NULL;
  }

  /* Reading an attribute that some kind in scope lacks, without a guard: once a warning, now
   * an error at the read, whose message spells out the guard. */
  source.text = ward_str_of(
      "schema { user { clearance: int } agent {} resource doc {} action read on doc }\n"
      "permit any to read on doc when subject.clearance >= 2;\n");
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, &error), WARD_ERR_COMPILE);
  CHECK(policy == NULL);
  CHECK(ward_error_issue_count(error) == 1);
  CHECK(ward_error_issue(error, 0, &issue) == 1);
  CHECK(issue.severity == WARD_SEVERITY_ERROR && issue.line == 2 && issue.column == 32);
  CHECK(contains(issue.message.data, issue.message.len, "subject has clearance"));
  ward_error_free(error);
  error = NULL;

  /* Guarded, the same policy compiles, without a warning. */
  source.text = ward_str_of(
      "schema { user { clearance: int } agent {} resource doc {} action read on doc }\n"
      "permit any to read on doc when subject has clearance and subject.clearance >= 2;\n");
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, &error), WARD_OK);
  CHECK(policy != NULL && error == NULL);
  CHECK(ward_policy_warning_count(policy) == 0);
  CHECK(ward_policy_warning(policy, 0, &issue) == 0);
  ward_policy_free(policy);
}

/* Writes `text` to `path`; 1 on success. */
static int write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  size_t len = strlen(text);
  int ok;
  if (f == NULL) return 0;
  ok = fwrite(text, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

static void test_files_and_bundles(void) {
  /* The test policy written to files of its own, named after this process. */
  char dir_prefix[200];
  char schema_path[256], rules_path[256], entities_path[256], missing_path[256], none_path[256];
  const char* paths[2];
  const char* missing[1];
  const char* entities = entities_path;
  const char* request =
      "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d1\"}, \"now\": \"2026-12-01T00:00:00Z\"}";
  const size_t request_len = strlen(request);
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
  char bundle_path[256];
  FILE* f;
  ward_str j1, j2;

  snprintf(dir_prefix, sizeof dir_prefix, "%s/ward_c_test_%ld",
           getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (long)getpid());
  snprintf(schema_path, sizeof schema_path, "%s_schema.ward", dir_prefix);
  snprintf(rules_path, sizeof rules_path, "%s_rules.ward", dir_prefix);
  snprintf(entities_path, sizeof entities_path, "%s_entities.json", dir_prefix);
  snprintf(missing_path, sizeof missing_path, "%s_no-such-file.ward", dir_prefix);
  snprintf(none_path, sizeof none_path, "%s_none.json", dir_prefix);
  paths[0] = schema_path;
  paths[1] = rules_path;
  missing[0] = missing_path;
  CHECK(write_file(schema_path, kSchema) && write_file(rules_path, kRules) &&
        write_file(entities_path, kEntities));

  CHECK_STATUS(ward_engine_from_files(paths, 2, entities, NULL, &from_files, &error), WARD_OK);
  CHECK(from_files != NULL);
  CHECK_STATUS(ward_decide_json(from_files, request, request_len, d1, NULL), WARD_OK);
  CHECK(ward_decision_effect(d1) == WARD_ALLOW);
  CHECK(ward_decision_redaction_count(d1) == 1 && ward_decision_log(d1) == WARD_LOG_FULL);

  CHECK_STATUS(ward_engine_from_files(missing, 1, NULL, NULL, &from_bundle, &error), WARD_ERR_IO);
  CHECK(strstr(ward_error_message(error), "no-such-file.ward") != NULL);
  CHECK(strstr(ward_error_message(error), missing_path) != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_engine_from_files(paths, 2, none_path, NULL, &from_bundle, &error),
               WARD_ERR_IO);
  ward_error_free(error);
  error = NULL;
  /* An entity file that does not fit the schema. */
  CHECK_STATUS(ward_engine_from_files(paths, 2, schema_path, NULL, &from_bundle, &error),
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
  CHECK_STATUS(ward_policy_load_bundle(bytes, len, NULL, 0, &loaded, NULL), WARD_OK);
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
    CHECK_STATUS(
        ward_engine_from_bundle(bytes, len, entity_text, entity_len, NULL, &from_bundle, NULL),
        WARD_OK);
    /* An engine from the policy object; the policy may be freed right away. */
    {
      ward_engine* from_policy = NULL;
      CHECK_STATUS(ward_engine_new(policy, entity_text, entity_len, NULL, &from_policy, NULL),
                   WARD_OK);
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
    CHECK_STATUS(ward_engine_from_bundle_file(bundle_path, entities, NULL, &from_bundle_file, NULL),
                 WARD_OK);
    CHECK_STATUS(ward_decide_json(from_bundle_file, request, request_len, d2, NULL), WARD_OK);
    j2 = ward_decision_json(d2);
    CHECK(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0);
    CHECK_STATUS(ward_policy_load_bundle_file(bundle_path, NULL, 0, &loaded, NULL), WARD_OK);
    ward_policy_free(loaded);
    loaded = NULL;
    remove(bundle_path);
  }
  CHECK_STATUS(ward_policy_load_bundle_file(bundle_path, NULL, 0, &loaded, &error), WARD_ERR_IO);
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
      CHECK_STATUS(ward_policy_load_bundle(copy, len, NULL, 0, &loaded, &error), WARD_ERR_BUNDLE);
      CHECK(loaded == NULL && strlen(ward_error_message(error)) > 0);
      ward_error_free(error);
      error = NULL;
    }
    CHECK_STATUS(ward_policy_load_bundle(bytes, len / 3, NULL, 0, &loaded, NULL), WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_policy_load_bundle("", 0, NULL, 0, &loaded, NULL), WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_engine_from_bundle("not a bundle", 12, NULL, 0, NULL, &rejected, NULL),
                 WARD_ERR_BUNDLE);
    CHECK_STATUS(ward_engine_from_bundle_file(paths[0], NULL, NULL, &rejected, NULL),
                 WARD_ERR_BUNDLE);
    CHECK(rejected == NULL);
    free(copy);
  }

  remove(schema_path);
  remove(rules_path);
  remove(entities_path);
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
  CHECK(ward_decision_error_count(d) == 0); /* `context.approved` is absent: guarded */
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

/* ---------------------------------------------------------------------------------------- */
/* Revision 2: args, invalid requests, approvals, signed bundles, stream redaction           */

static const char kToolsPolicy[] =
    "schema {\n"
    "  user { clearance: int }\n"
    "  agent { }\n"
    "  resource tool { risk: string }\n"
    "  resource file { }\n"
    "  action invoke, approve on tool\n"
    "  action read on file\n"
    "  context { channel: string }\n"
    "  args { amount: int, to: string, labels: set<string> }\n"
    "}\n"
    "@id(\"cleared-invoke\")\n"
    "permit user to invoke on tool when subject.clearance >= 1;\n"
    "@id(\"mail-alice\")\n"
    "permit user to invoke on tool \"mail\" when args has to and args.to == \"alice\";\n"
    "@id(\"high-risk-needs-approval\")\n"
    "require_approval any to invoke on tool when resource.risk == \"high\";\n"
    "@id(\"big-payments-forbidden\")\n"
    "forbid any to invoke on tool \"pay\" when args has amount and args.amount > 100000;\n"
    "@id(\"leads-approve\")\n"
    "permit user to approve on tool when subject.clearance >= 5;\n"
    "@id(\"docs\")\n"
    "permit user to read on file under \"docs/\";\n";

static const char kToolsEntities[] =
    "{\"identities\": ["
    " {\"kind\": \"user\", \"id\": \"u1\", \"status\": \"active\", \"attrs\": {\"clearance\": 2}},"
    " {\"kind\": \"user\", \"id\": \"u0\", \"status\": \"active\", \"attrs\": {\"clearance\": 0}},"
    " {\"kind\": \"user\", \"id\": \"lead\", \"status\": \"active\", \"attrs\": {\"clearance\": "
    "5}}],"
    " \"resources\": ["
    " {\"type\": \"tool\", \"id\": \"pay\", \"attrs\": {\"risk\": \"high\"}},"
    " {\"type\": \"tool\", \"id\": \"mail\", \"attrs\": {\"risk\": \"low\"}}]}";

/* An engine of kToolsPolicy trusting the approval keys given (none when count is 0). */
static ward_engine* make_tools_engine(const char* const* approval_keys, size_t count) {
  ward_source source;
  ward_engine* engine = NULL;
  ward_error* error = NULL;
  ward_engine_options options;
  ward_str keys[4];
  size_t i;
  memset(&options, 0, sizeof options);
  for (i = 0; i < count && i < 4; ++i) keys[i] = ward_str_of(approval_keys[i]);
  options.approval_keys = keys;
  options.approval_key_count = count;
  source.name = ward_str_of("tools.ward");
  source.text = ward_str_of(kToolsPolicy);
  CHECK_STATUS(ward_engine_from_texts(&source, 1, kToolsEntities, strlen(kToolsEntities),
                                      count == 0 ? NULL : &options, &engine, &error),
               WARD_OK);
  if (error != NULL) fprintf(stderr, "%s\n", ward_error_message(error));
  ward_error_free(error);
  return engine;
}

/* A request of user `user` to invoke tool `tool` at `now` (Unix seconds). */
static ward_request tool_request(const char* user, const char* tool, int64_t now) {
  ward_request r;
  memset(&r, 0, sizeof r);
  r.subject.kind = WARD_KIND_USER;
  r.subject.id = ward_str_of(user);
  r.action = ward_str_of("invoke");
  r.resource_type = ward_str_of("tool");
  r.resource_id = ward_str_of(tool);
  r.has_now = 1;
  r.now_unix_seconds = now;
  return r;
}

/* Whether the decision is DENY invalid_request for `user`, with one error entry without a
 * rule whose message mentions `field`. */
static int is_invalid_request(const ward_decision* d, const char* user, const char* field) {
  ward_identity_ref who;
  ward_eval_error e;
  return ward_decision_effect(d) == WARD_DENY &&
         ward_decision_reason(d) == WARD_REASON_INVALID_REQUEST &&
         ward_decision_denied_by(d, &who) == 1 && str_eq(who.id, user) &&
         ward_decision_rule_count(d) == 0 && ward_decision_error_count(d) == 1 &&
         ward_decision_error(d, 0, &e) == 1 && e.rule.len == 0 &&
         contains(e.message.data, e.message.len, field);
}

/* Whether the first error entry of the decision is a refused grant (rule ""). */
static int grant_refused(const ward_decision* d, const char* why) {
  ward_eval_error e;
  ward_identity_ref approver;
  if (ward_decision_approved_by(d, &approver) != 0 || ward_decision_error(d, 0, &e) != 1 ||
      e.rule.len != 0 || !contains(e.message.data, e.message.len, why)) {
    fprintf(stderr, "expected a refused grant (\"%s\"), got: %s\n", why,
            ward_decision_json(d).data);
    return 0;
  }
  return 1;
}

static int is_hex_digest(ward_str s) {
  size_t i;
  if (s.len != 64) return 0;
  for (i = 0; i < s.len; ++i) {
    if (!((s.data[i] >= '0' && s.data[i] <= '9') || (s.data[i] >= 'a' && s.data[i] <= 'f'))) {
      return 0;
    }
  }
  return 1;
}

static void test_args(void) {
  ward_engine* engine = make_tools_engine(NULL, 0);
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_attr args[3];
  ward_str labels[2];
  ward_error* error = NULL;
  ward_identity_ref who;
  const int64_t now = 1796083200; /* 2026-12-01T00:00:00Z */

  /* Typed args read by a rule: u0 is not cleared, only `mail-alice` can permit. */
  memset(args, 0, sizeof args);
  args[0].name = ward_str_of("to");
  args[0].value.type = WARD_VALUE_STRING;
  args[0].value.string = ward_str_of("alice");
  r = tool_request("u0", "mail", now);
  r.args = args;
  r.args_count = 1;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_rule_count(d) == 1 && str_eq(ward_decision_rule(d, 0), "mail-alice"));
  args[0].value.string = ward_str_of("bob");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  /* The same through a WARD_VALUE_JSON value. */
  args[0].value.type = WARD_VALUE_JSON;
  args[0].value.string = ward_str_of("\"alice\"");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);

  /* The same as JSON text. */
  r = tool_request("u0", "mail", now);
  r.args_json = ward_str_of("{\"to\": \"alice\", \"extra\": {\"undeclared\": [1.5]}}");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  r.args_json = ward_str_of("{\"to\": \"bob\"}");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);
  r.args_json = ward_str_of("null"); /* no args */
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);

  /* A forbid reading an int arg; sets of strings. */
  labels[0] = ward_str_of("b");
  labels[1] = ward_str_of("a");
  memset(args, 0, sizeof args);
  args[0].name = ward_str_of("amount");
  args[0].value.type = WARD_VALUE_INT;
  args[0].value.integer = 200000;
  args[1].name = ward_str_of("labels");
  args[1].value.type = WARD_VALUE_STRING_SET;
  args[1].value.strings = labels;
  args[1].value.count = 2;
  r = tool_request("u1", "pay", now);
  r.args = args;
  r.args_count = 2;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_FORBIDDEN);
  CHECK(str_eq(ward_decision_rule(d, 0), "big-payments-forbidden"));
  args[0].value.integer = 5;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);

  /* A declared arg of the wrong type: decided invalid_request, typed or as JSON. */
  args[0].value.type = WARD_VALUE_STRING;
  args[0].value.string = ward_str_of("ten");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(is_invalid_request(d, "u1", "amount"));
  r.args = NULL;
  r.args_count = 0;
  r.args_json = ward_str_of("{\"amount\": \"ten\"}");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(is_invalid_request(d, "u1", "amount"));
  CHECK(ward_decision_approval_digest(d).len == 0);

  /* Both forms, or args JSON that is not an object: request errors. */
  r.args = args;
  r.args_count = 1;
  CHECK_STATUS(ward_decide(engine, &r, d, &error), WARD_ERR_REQUEST);
  CHECK(error != NULL &&
        contains(ward_error_message(error), strlen(ward_error_message(error)), "args_json"));
  CHECK(is_failed_closed(d));
  ward_error_free(error);
  error = NULL;
  r.args = NULL;
  r.args_count = 0;
  r.args_json = ward_str_of("[1, 2]");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_ERR_REQUEST);
  r.args_json = ward_str_of("{\"to\": ");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_ERR_REQUEST);
  r.args_json = ward_str_of("");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);

  /* Inline attributes on a stored resource: the inventory wins, the request is refused. */
  memset(args, 0, sizeof args);
  args[0].name = ward_str_of("risk");
  args[0].value.type = WARD_VALUE_STRING;
  args[0].value.string = ward_str_of("low");
  r = tool_request("u1", "pay", now);
  r.resource_attrs = args;
  r.resource_attr_count = 1;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(is_invalid_request(d, "u1", ""));
  /* On a resource absent from the store they are its attributes. */
  r.resource_id = ward_str_of("new-tool");
  args[0].value.string = ward_str_of("high");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);

  /* A path id that is not normalized, for a type used with `under`. */
  r = tool_request("u1", "x", now);
  r.action = ward_str_of("read");
  r.resource_type = ward_str_of("file");
  r.resource_id = ward_str_of("docs/a.txt");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  r.resource_id = ward_str_of("docs/../secret.txt");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(is_invalid_request(d, "u1", ""));
  CHECK(ward_decision_denied_by(d, &who) == 1 && who.kind == WARD_KIND_USER);
  r.resource_id = ward_str_of("docsx/a.txt"); /* whole segments: not under "docs/" */
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_NO_MATCHING_PERMIT);

  /* A chain longer than 8 stays a request error in the structured form. */
  ward_decision_free(d);
  ward_engine_free(engine);
}

static void test_approvals(void) {
  char* private_pem = NULL;
  char* public_pem = NULL;
  char* other_private = NULL;
  char* other_public = NULL;
  char* token = NULL;
  char* token2 = NULL;
  char* hex = NULL;
  char digest[65];
  ward_engine* engine;
  ward_engine* keyless;
  ward_decision* d = ward_decision_new();
  ward_request r;
  ward_attr args[2];
  ward_identity_ref who;
  ward_eval_error e;
  ward_error* error = NULL;
  ward_str json;
  /* The requests are decided at the time of the test, and the grants issued then (a grant
   * issued after the request's time is refused). */
  const int64_t now = (int64_t)time(NULL);
  const char* keys[1];

  CHECK_STATUS(ward_keygen(&private_pem, &public_pem, &error), WARD_OK);
  CHECK(error == NULL && private_pem != NULL && public_pem != NULL);
  if (private_pem == NULL || public_pem == NULL) return;
  CHECK(strstr(private_pem, "-----BEGIN PRIVATE KEY-----") == private_pem);
  CHECK(strstr(public_pem, "-----BEGIN PUBLIC KEY-----") == public_pem);
  CHECK_STATUS(ward_keygen(&other_private, &other_public, NULL), WARD_OK);
  CHECK(strcmp(private_pem, other_private) != 0);

  keys[0] = public_pem;
  engine = make_tools_engine(keys, 1);
  keyless = make_tools_engine(NULL, 0);

  /* NEEDS_APPROVAL carries the digest of the request. */
  memset(args, 0, sizeof args);
  args[0].name = ward_str_of("amount");
  args[0].value.type = WARD_VALUE_INT;
  args[0].value.integer = 10;
  args[1].name = ward_str_of("to");
  args[1].value.type = WARD_VALUE_STRING;
  args[1].value.string = ward_str_of("acme");
  r = tool_request("u1", "pay", now);
  r.args = args;
  r.args_count = 2;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(is_hex_digest(ward_decision_approval_digest(d)));
  CHECK(ward_decision_approval_digest(d).data[64] == '\0');
  memcpy(digest, ward_decision_approval_digest(d).data, 65);
  json = ward_decision_json(d);
  CHECK(contains(json.data, json.len, "\"approval\":{\"digest\":\""));
  CHECK(contains(json.data, json.len, digest));
  /* The digest without deciding, structured or as JSON, equals the decision's. */
  CHECK_STATUS(ward_approval_digest(engine, &r, &hex, NULL), WARD_OK);
  CHECK(hex != NULL && strcmp(hex, digest) == 0);
  ward_string_free(hex);
  {
    const char* as_json =
        "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"invoke\","
        " \"resource\": {\"type\": \"tool\", \"id\": \"pay\"},"
        " \"args\": {\"to\": \"acme\", \"amount\": 10}, \"context\": {\"channel\": \"x\"}}";
    CHECK_STATUS(ward_approval_digest_json(engine, as_json, strlen(as_json), &hex, NULL), WARD_OK);
    CHECK(hex != NULL && strcmp(hex, digest) == 0);
    ward_string_free(hex);
    CHECK_STATUS(ward_approval_digest_json(engine, "{", 1, &hex, NULL), WARD_ERR_REQUEST);
    CHECK(hex == NULL);
  }
  /* Key order and spacing of args_json never change the digest. */
  r.args = NULL;
  r.args_count = 0;
  r.args_json = ward_str_of("{\"to\":\"acme\",\"amount\":10}");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(str_eq(ward_decision_approval_digest(d), digest));
  r.args_json = ward_str_of(" { \"amount\" : 10 ,\n \"to\" : \"acme\" } ");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(str_eq(ward_decision_approval_digest(d), digest));
  /* Nor do the context and the time; the args and the resource do. */
  r.now_unix_seconds = now - 60;
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(str_eq(ward_decision_approval_digest(d), digest));
  r.now_unix_seconds = now;
  r.args_json = ward_str_of("{\"to\":\"acme\",\"amount\":11}");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(is_hex_digest(ward_decision_approval_digest(d)));
  CHECK(!str_eq(ward_decision_approval_digest(d), digest));
  /* An args value given as JSON that rules cannot read (a float) is still covered. */
  {
    ward_attr odd[1];
    char first[65];
    memset(odd, 0, sizeof odd);
    odd[0].name = ward_str_of("rate");
    odd[0].value.type = WARD_VALUE_JSON;
    odd[0].value.string = ward_str_of("1.5");
    r.args_json = ward_str_of("");
    r.args = odd;
    r.args_count = 1;
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(is_hex_digest(ward_decision_approval_digest(d)));
    memcpy(first, ward_decision_approval_digest(d).data, 65);
    odd[0].value.string = ward_str_of("99.5");
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(!str_eq(ward_decision_approval_digest(d), first));
    /* ... and hashes as the same args given as JSON text. */
    r.args = NULL;
    r.args_count = 0;
    r.args_json = ward_str_of("{\"rate\": 99.5}");
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    odd[0].value.string = ward_str_of("99.5");
    r.args = odd;
    r.args_count = 1;
    r.args_json = ward_str_of("");
    CHECK_STATUS(ward_approval_digest(engine, &r, &hex, NULL), WARD_OK);
    CHECK(hex != NULL && str_eq(ward_decision_approval_digest(d), hex));
    ward_string_free(hex);
    hex = NULL;
  }

  /* A person approves: the grant makes the same request ALLOW, once. */
  r = tool_request("u1", "pay", now);
  r.args = args;
  r.args_count = 2;
  CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                               ward_str_of("lead"), 0, &now, ward_str_of(""), &token, &error),
               WARD_OK);
  CHECK(error == NULL && token != NULL);
  if (token == NULL) return;
  CHECK(strchr(token, '.') != NULL);
  r.approval = ward_str_of(token);
  CHECK(ward_engine_used_grant_count(engine) == 0);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  CHECK(ward_decision_reason(d) == WARD_REASON_PERMITTED);
  CHECK(ward_decision_error_count(d) == 0);
  CHECK(ward_decision_approved_by(d, &who) == 1);
  CHECK(who.kind == WARD_KIND_USER && str_eq(who.id, "lead"));
  CHECK(ward_decision_approval_digest(d).len == 0);
  json = ward_decision_json(d);
  CHECK(contains(json.data, json.len, "\"approved_by\":{\"kind\":\"user\",\"id\":\"lead\"}"));
  CHECK(ward_engine_used_grant_count(engine) == 1);
  /* The same token again: refused, the decision as without it plus an error entry. */
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(grant_refused(d, "used"));
  CHECK(ward_decision_error(d, 0, &e) == 1 && str_eq(e.principal.id, "u1"));
  CHECK(str_eq(ward_decision_approval_digest(d), digest));
  CHECK(ward_engine_used_grant_count(engine) == 1);

  /* A grant for one argument value does not approve another. */
  CHECK_STATUS(
      ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest), ward_str_of("lead"),
                      600, &now, ward_str_of("grant-2"), &token2, NULL),
      WARD_OK);
  args[0].value.integer = 20;
  r.approval = ward_str_of(token2);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(grant_refused(d, "digest"));
  /* ... and is still good for its own request, given as JSON this time. */
  args[0].value.integer = 10;
  {
    char text[2048];
    snprintf(text, sizeof text,
             "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"invoke\","
             " \"resource\": {\"type\": \"tool\", \"id\": \"pay\"},"
             " \"args\": {\"to\": \"acme\", \"amount\": 10}, \"approval\": \"%s\"}",
             token2);
    /* An engine without approval keys refuses every grant. */
    CHECK_STATUS(ward_decide_json(keyless, text, strlen(text), d, NULL), WARD_OK);
    CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
    CHECK(grant_refused(d, "key"));
    CHECK_STATUS(ward_decide_json(engine, text, strlen(text), d, NULL), WARD_OK);
    CHECK(ward_decision_effect(d) == WARD_ALLOW);
    CHECK(ward_decision_approved_by(d, &who) == 1 && str_eq(who.id, "lead"));
  }
  ward_string_free(token2);
  token2 = NULL;

  /* A grant signed by a key the engine does not trust. */
  CHECK_STATUS(ward_grant_mint(other_private, strlen(other_private), ward_str_of(digest),
                               ward_str_of("lead"), 0, &now, ward_str_of(""), &token2, NULL),
               WARD_OK);
  r.approval = ward_str_of(token2);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(grant_refused(d, "trust"));
  ward_string_free(token2);
  token2 = NULL;

  /* An approver the policy does not allow to approve (u1 is not a lead). */
  CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                               ward_str_of("u1"), 0, &now, ward_str_of(""), &token2, NULL),
               WARD_OK);
  r.approval = ward_str_of(token2);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(grant_refused(d, "approve"));
  ward_string_free(token2);
  token2 = NULL;

  /* A grant issued for a window that has passed, and one not yet valid. */
  {
    int64_t long_ago = now - 3600;
    int64_t later = now + 3600;
    CHECK_STATUS(
        ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest), ward_str_of("lead"),
                        60, &long_ago, ward_str_of(""), &token2, NULL),
        WARD_OK);
    r.approval = ward_str_of(token2);
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(grant_refused(d, "expired"));
    ward_string_free(token2);
    token2 = NULL;
    CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                                 ward_str_of("lead"), 60, &later, ward_str_of(""), &token2, NULL),
                 WARD_OK);
    r.approval = ward_str_of(token2);
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(grant_refused(d, "before"));
    ward_string_free(token2);
    token2 = NULL;
  }
  /* A token that is not one, and one too long to be one. */
  r.approval = ward_str_of("not-a-token");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_NEEDS_APPROVAL);
  CHECK(grant_refused(d, ""));
  {
    static char huge[20000];
    memset(huge, 'a', sizeof huge - 1);
    r.approval = ward_str_of(huge);
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_ERR_REQUEST);
    CHECK(is_failed_closed(d));
  }

  /* The same grant minted twice with a fixed time and id is the same token (Ed25519 is
   * deterministic). */
  {
    int64_t at = now;
    CHECK_STATUS(
        ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest), ward_str_of("lead"),
                        900, &at, ward_str_of("fixed"), &token2, NULL),
        WARD_OK);
    CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                                 ward_str_of("lead"), 0, &at, ward_str_of("fixed"), &hex, NULL),
                 WARD_OK);
    CHECK(token2 != NULL && hex != NULL && strcmp(token2, hex) == 0);
    ward_string_free(token2);
    ward_string_free(hex);
    token2 = NULL;
    hex = NULL;
  }

  /* Mistakes when minting. */
  CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of("abc"),
                               ward_str_of("lead"), 0, &now, ward_str_of(""), &token2, &error),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK(token2 == NULL && strstr(ward_error_message(error), "digest") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                               ward_str_of(""), 0, NULL, ward_str_of(""), &token2, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_grant_mint(private_pem, strlen(private_pem), ward_str_of(digest),
                               ward_str_of("lead"), -5, NULL, ward_str_of(""), &token2, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK(token2 == NULL);

  ward_string_free(token);
  ward_string_free(private_pem);
  ward_string_free(public_pem);
  ward_string_free(other_private);
  ward_string_free(other_public);
  ward_engine_free(engine);
  ward_engine_free(keyless);
  ward_decision_free(d);
}

static void test_bad_keys(void) {
  const char* not_pem = "this is not a key";
  const char* broken = "-----BEGIN PUBLIC KEY-----\nAAAAAAAA\n-----END PUBLIC KEY-----\n";
  char* private_pem = NULL;
  char* public_pem = NULL;
  char* token = NULL;
  char* bytes = NULL;
  size_t len = 0;
  ward_engine* engine = NULL;
  ward_policy* policy = NULL;
  ward_engine_options options;
  ward_str key;
  ward_source source;
  ward_error* error = NULL;
  const char* digest = "0000000000000000000000000000000000000000000000000000000000000000";

  CHECK_STATUS(ward_keygen(&private_pem, &public_pem, NULL), WARD_OK);
  if (private_pem == NULL) return;
  source.name = ward_str_of("tools.ward");
  source.text = ward_str_of(kToolsPolicy);
  memset(&options, 0, sizeof options);
  options.approval_keys = &key;
  options.approval_key_count = 1;

  /* Approval keys that are not Ed25519 public keys. */
  key = ward_str_of(not_pem);
  CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &options, &engine, &error),
               WARD_ERR_KEY);
  CHECK(engine == NULL && ward_error_status(error) == WARD_ERR_KEY);
  CHECK(strstr(ward_error_message(error), "approval_keys[0]") != NULL);
  ward_error_free(error);
  error = NULL;
  key = ward_str_of(broken);
  CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &options, &engine, &error),
               WARD_ERR_KEY);
  CHECK(strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  error = NULL;
  key = ward_str_of(private_pem); /* a private key where a public one belongs */
  CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &options, &engine, NULL), WARD_ERR_KEY);
  /* The same for trusted bundle keys, also on a constructor that compiles text. */
  options.approval_key_count = 0;
  options.trusted_bundle_keys = &key;
  options.trusted_bundle_key_count = 1;
  key = ward_str_of(not_pem);
  CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &options, &engine, &error),
               WARD_ERR_KEY);
  CHECK(strstr(ward_error_message(error), "trusted_bundle_keys[0]") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_policy_load_bundle("x", 1, &key, 1, &policy, NULL), WARD_ERR_KEY);
  key = ward_str_of(public_pem);
  CHECK_STATUS(ward_engine_from_texts(&source, 1, NULL, 0, &options, &engine, NULL), WARD_OK);
  ward_engine_free(engine);
  engine = NULL;

  /* Private keys that are not: refused when minting and signing. */
  CHECK_STATUS(ward_grant_mint(not_pem, strlen(not_pem), ward_str_of(digest), ward_str_of("lead"),
                               0, NULL, ward_str_of(""), &token, &error),
               WARD_ERR_KEY);
  CHECK(token == NULL && strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_grant_mint(public_pem, strlen(public_pem), ward_str_of(digest),
                               ward_str_of("lead"), 0, NULL, ward_str_of(""), &token, NULL),
               WARD_ERR_KEY);
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, NULL), WARD_OK);
  CHECK_STATUS(
      ward_policy_write_bundle_signed(policy, public_pem, strlen(public_pem), &bytes, &len, &error),
      WARD_ERR_KEY);
  CHECK(bytes == NULL && len == 0 && strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  CHECK_STATUS(ward_policy_write_bundle_signed(policy, NULL, 0, &bytes, &len, NULL), WARD_ERR_KEY);

  ward_policy_free(policy);
  ward_string_free(private_pem);
  ward_string_free(public_pem);
}

static void test_signed_bundles(void) {
  char* private_pem = NULL;
  char* public_pem = NULL;
  char* other_private = NULL;
  char* other_public = NULL;
  char* signed_bytes = NULL;
  char* unsigned_bytes = NULL;
  char* foreign_bytes = NULL;
  size_t signed_len = 0, unsigned_len = 0, foreign_len = 0;
  ward_policy* policy = NULL;
  ward_policy* loaded = NULL;
  ward_engine* engine = NULL;
  ward_engine_options options;
  ward_str trusted[2];
  ward_source source;
  ward_error* error = NULL;
  ward_decision* d = ward_decision_new();
  ward_request r = tool_request("u1", "mail", 1796083200);
  char path[256];
  FILE* f;

  CHECK_STATUS(ward_keygen(&private_pem, &public_pem, NULL), WARD_OK);
  CHECK_STATUS(ward_keygen(&other_private, &other_public, NULL), WARD_OK);
  if (private_pem == NULL || other_private == NULL) return;
  trusted[0] = ward_str_of(other_public);
  trusted[1] = ward_str_of(public_pem);
  source.name = ward_str_of("tools.ward");
  source.text = ward_str_of(kToolsPolicy);
  CHECK_STATUS(ward_policy_compile(&source, 1, &policy, NULL), WARD_OK);
  CHECK_STATUS(ward_policy_write_bundle_signed(policy, private_pem, strlen(private_pem),
                                               &signed_bytes, &signed_len, &error),
               WARD_OK);
  CHECK(error == NULL && signed_bytes != NULL && signed_len > 0);
  CHECK_STATUS(ward_policy_write_bundle(policy, &unsigned_bytes, &unsigned_len, NULL), WARD_OK);
  CHECK_STATUS(ward_policy_write_bundle_signed(policy, other_private, strlen(other_private),
                                               &foreign_bytes, &foreign_len, NULL),
               WARD_OK);
  if (signed_bytes == NULL || unsigned_bytes == NULL || foreign_bytes == NULL) return;

  /* Signed by a trusted key: loads, the same policy. */
  CHECK_STATUS(ward_policy_load_bundle(signed_bytes, signed_len, trusted + 1, 1, &loaded, &error),
               WARD_OK);
  if (error != NULL) fprintf(stderr, "%s\n", ward_error_message(error));
  ward_error_free(error);
  error = NULL;
  CHECK(ward_policy_hash(loaded) == ward_policy_hash(policy));
  ward_policy_free(loaded);
  loaded = NULL;
  CHECK_STATUS(ward_policy_load_bundle(signed_bytes, signed_len, trusted, 2, &loaded, NULL),
               WARD_OK);
  ward_policy_free(loaded);
  loaded = NULL;
  /* Without trusted keys any bundle that verifies loads, signed or not. */
  CHECK_STATUS(ward_policy_load_bundle(signed_bytes, signed_len, NULL, 0, &loaded, NULL), WARD_OK);
  ward_policy_free(loaded);
  loaded = NULL;
  CHECK_STATUS(ward_policy_load_bundle(unsigned_bytes, unsigned_len, NULL, 0, &loaded, NULL),
               WARD_OK);
  ward_policy_free(loaded);
  loaded = NULL;

  /* Unsigned, signed by another key, or changed after signing: refused. */
  CHECK_STATUS(
      ward_policy_load_bundle(unsigned_bytes, unsigned_len, trusted + 1, 1, &loaded, &error),
      WARD_ERR_BUNDLE);
  CHECK(loaded == NULL && strstr(ward_error_message(error), "not signed") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_policy_load_bundle(foreign_bytes, foreign_len, trusted + 1, 1, &loaded, &error),
               WARD_ERR_BUNDLE);
  CHECK(loaded == NULL && strstr(ward_error_message(error), "not trusted") != NULL);
  ward_error_free(error);
  error = NULL;
  {
    char* copy = (char*)malloc(signed_len);
    size_t k;
    size_t positions[2];
    positions[0] = signed_len / 2;
    positions[1] = signed_len - 1;
    for (k = 0; copy != NULL && k < 2; ++k) {
      memcpy(copy, signed_bytes, signed_len);
      copy[positions[k]] ^= 0x01;
      CHECK_STATUS(ward_policy_load_bundle(copy, signed_len, trusted + 1, 1, &loaded, &error),
                   WARD_ERR_BUNDLE);
      CHECK(loaded == NULL && strlen(ward_error_message(error)) > 0);
      ward_error_free(error);
      error = NULL;
    }
    free(copy);
  }

  /* The engine constructors that load a bundle check it with the trusted bundle keys. */
  memset(&options, 0, sizeof options);
  options.trusted_bundle_keys = trusted + 1;
  options.trusted_bundle_key_count = 1;
  CHECK_STATUS(ward_engine_from_bundle(signed_bytes, signed_len, kToolsEntities,
                                       strlen(kToolsEntities), &options, &engine, NULL),
               WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  ward_engine_free(engine);
  engine = NULL;
  CHECK_STATUS(ward_engine_from_bundle(unsigned_bytes, unsigned_len, kToolsEntities,
                                       strlen(kToolsEntities), &options, &engine, &error),
               WARD_ERR_BUNDLE);
  CHECK(engine == NULL && strstr(ward_error_message(error), "not signed") != NULL);
  ward_error_free(error);
  error = NULL;
  snprintf(path, sizeof path, "%s/ward_c_test_signed_%ld.bundle",
           getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (long)getpid());
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    CHECK(fwrite(foreign_bytes, 1, foreign_len, f) == foreign_len);
    fclose(f);
    CHECK_STATUS(ward_engine_from_bundle_file(path, NULL, &options, &engine, &error),
                 WARD_ERR_BUNDLE);
    CHECK(engine == NULL && strstr(ward_error_message(error), path) != NULL);
    ward_error_free(error);
    error = NULL;
    CHECK_STATUS(ward_policy_load_bundle_file(path, trusted, 1, &loaded, NULL), WARD_OK);
    ward_policy_free(loaded);
    loaded = NULL;
    CHECK_STATUS(ward_policy_load_bundle_file(path, trusted + 1, 1, &loaded, NULL),
                 WARD_ERR_BUNDLE);
    remove(path);
  }

  ward_string_free(signed_bytes);
  ward_string_free(unsigned_bytes);
  ward_string_free(foreign_bytes);
  ward_string_free(private_pem);
  ward_string_free(public_pem);
  ward_string_free(other_private);
  ward_string_free(other_public);
  ward_policy_free(policy);
  ward_decision_free(d);
}

/* Writes `text` to `redactor` in chunks of `chunk` bytes and finishes; returns what was
 * released, concatenated (malloc'd), or NULL when a call failed. */
static char* redact_in_chunks(ward_redactor* redactor, const char* text, size_t chunk) {
  size_t len = strlen(text);
  size_t done = 0, used = 0;
  char* all = (char*)malloc(4 * len + 64);
  char* piece = NULL;
  size_t piece_len = 0;
  if (all == NULL) return NULL;
  while (done < len) {
    size_t n = len - done < chunk ? len - done : chunk;
    if (ward_redactor_write(redactor, text + done, n, &piece, &piece_len, NULL) != WARD_OK) {
      free(all);
      return NULL;
    }
    CHECK(piece != NULL && piece[piece_len] == '\0');
    memcpy(all + used, piece, piece_len);
    used += piece_len;
    ward_string_free(piece);
    done += n;
  }
  if (ward_redactor_finish(redactor, &piece, &piece_len, NULL) != WARD_OK) {
    free(all);
    return NULL;
  }
  memcpy(all + used, piece, piece_len);
  used += piece_len;
  ward_string_free(piece);
  all[used] = '\0';
  return all;
}

static void test_stream_redaction(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_request r = request_of(WARD_KIND_USER, "u1", "d1");
  ward_redactor* redactor = NULL;
  ward_error* error = NULL;
  char* piece = NULL;
  char* whole = NULL;
  char* streamed;
  size_t piece_len = 0, whole_len = 0;
  char released[64];
  const char* text = "ids 123-45-6789 and 987-65-4321, call 555-12-3456; not 12-34-5678 x";
  size_t chunk;

  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);

  /* An SSN split across two writes is redacted. */
  CHECK_STATUS(ward_redactor_new(d, &redactor, &error), WARD_OK);
  CHECK(error == NULL && redactor != NULL);
  if (redactor == NULL) return;
  CHECK_STATUS(ward_redactor_write(redactor, "call 555-12-", 12, &piece, &piece_len, NULL),
               WARD_OK);
  CHECK(piece != NULL && piece_len < sizeof released);
  memcpy(released, piece, piece_len);
  released[piece_len] = '\0';
  CHECK(strstr(released, "555") == NULL || strstr(released, "555-12-") == NULL ||
        piece_len < 9); /* the digits that may start a match are held back */
  ward_string_free(piece);
  CHECK_STATUS(ward_redactor_write(redactor, "3456 now", 8, &piece, &piece_len, NULL), WARD_OK);
  CHECK(strlen(released) + piece_len < sizeof released);
  strncat(released, piece, piece_len);
  ward_string_free(piece);
  CHECK_STATUS(ward_redactor_finish(redactor, &piece, &piece_len, NULL), WARD_OK);
  CHECK(strlen(released) + piece_len < sizeof released);
  strncat(released, piece, piece_len);
  ward_string_free(piece);
  CHECK(strcmp(released, "call [SSN] now") == 0);
  /* Finished: every further call fails. */
  CHECK_STATUS(ward_redactor_write(redactor, "x", 1, &piece, &piece_len, &error), WARD_ERR_REDACT);
  CHECK(piece == NULL && piece_len == 0 && strlen(ward_error_message(error)) > 0);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_redactor_finish(redactor, &piece, &piece_len, NULL), WARD_ERR_REDACT);
  ward_redactor_free(redactor);
  redactor = NULL;

  /* Whatever the chunks, the same text as redacting it whole. */
  CHECK_STATUS(ward_decision_redact(d, text, strlen(text), &whole, &whole_len, NULL), WARD_OK);
  for (chunk = 1; chunk <= 13; chunk += 3) {
    CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
    streamed = redact_in_chunks(redactor, text, chunk);
    CHECK(streamed != NULL && whole != NULL && strcmp(streamed, whole) == 0);
    free(streamed);
    ward_redactor_free(redactor);
    redactor = NULL;
  }

  /* The redactor outlives its decision, which may be reused at once. */
  CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
  r = request_of(WARD_KIND_USER, "u2", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK); /* a DENY now */
  streamed = redact_in_chunks(redactor, text, 5);
  CHECK(streamed != NULL && whole != NULL && strcmp(streamed, whole) == 0);
  free(streamed);
  ward_redactor_free(redactor);
  redactor = NULL;
  /* A decision without redactions passes the text through. */
  CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
  streamed = redact_in_chunks(redactor, text, 7);
  CHECK(streamed != NULL && strcmp(streamed, text) == 0);
  free(streamed);
  ward_redactor_free(redactor);
  redactor = NULL;

  /* Fail closed: a call that fails, even for a missing argument, stops the stream. */
  r = request_of(WARD_KIND_USER, "u1", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
  CHECK_STATUS(ward_redactor_write(redactor, "abc", 3, NULL, &piece_len, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_redactor_write(redactor, "def", 3, &piece, &piece_len, &error),
               WARD_ERR_REDACT);
  CHECK(piece == NULL && strstr(ward_error_message(error), "failed") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_redactor_finish(redactor, &piece, &piece_len, NULL), WARD_ERR_REDACT);
  ward_redactor_free(redactor);
  redactor = NULL;
  CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
  CHECK_STATUS(ward_redactor_write(redactor, NULL, 4, &piece, &piece_len, NULL),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_redactor_finish(redactor, &piece, &piece_len, NULL), WARD_ERR_REDACT);
  ward_redactor_free(redactor);
  redactor = NULL;
  ward_string_free(whole);
  ward_decision_free(d);
  ward_engine_free(engine);

  /* A pattern that can match unboundedly long text: everything is held until finish, up to
   * 16 MiB; beyond, the redactor fails and releases nothing more. */
  {
    ward_source source;
    const size_t big = (size_t)17 << 20;
    char* buffer = (char*)malloc(big);
    source.name = ward_str_of("keys.ward");
    source.text = ward_str_of(
        "schema { user {} resource doc {} action read on doc }\n"
        "permit user to read on doc with redact(/sk-[a-z]+/, \"[KEY]\");\n");
    CHECK_STATUS(ward_engine_from_texts(&source, 1,
                                        "{\"identities\": [{\"kind\": \"user\", \"id\": \"u1\","
                                        " \"status\": \"active\"}]}",
                                        68, NULL, &engine, NULL),
                 WARD_OK);
    d = ward_decision_new();
    CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
    CHECK(ward_decision_effect(d) == WARD_ALLOW);
    CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
    CHECK_STATUS(ward_redactor_write(redactor, "key sk-abc", 10, &piece, &piece_len, NULL),
                 WARD_OK);
    CHECK(piece != NULL && piece_len == 0); /* held */
    ward_string_free(piece);
    CHECK(buffer != NULL);
    if (buffer != NULL) {
      memset(buffer, 'q', big);
      CHECK_STATUS(ward_redactor_write(redactor, buffer, big, &piece, &piece_len, &error),
                   WARD_ERR_REDACT);
      CHECK(piece == NULL && strlen(ward_error_message(error)) > 0);
      ward_error_free(error);
      error = NULL;
      CHECK_STATUS(ward_redactor_finish(redactor, &piece, &piece_len, NULL), WARD_ERR_REDACT);
      CHECK(piece == NULL);
      free(buffer);
    }
    ward_redactor_free(redactor);
    redactor = NULL;
    /* Under the limit the whole text is redacted at finish. */
    CHECK_STATUS(ward_redactor_new(d, &redactor, NULL), WARD_OK);
    streamed = redact_in_chunks(redactor, "a sk-abcdef b sk-x", 4);
    CHECK(streamed != NULL && strcmp(streamed, "a [KEY] b [KEY]") == 0);
    free(streamed);
    ward_redactor_free(redactor);
    ward_decision_free(d);
    ward_engine_free(engine);
  }
}

/* What a callback log received. */
struct collected {
  int count;
  char last[2048];
  size_t last_len;
};

static void collect(void* user_data, const char* record, size_t len) {
  struct collected* into = (struct collected*)user_data;
  ++into->count;
  into->last_len = len < sizeof into->last ? len : sizeof into->last;
  memcpy(into->last, record, into->last_len);
}

static void test_decision_logs(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_logger* log = NULL;
  ward_logger_options options;
  ward_logger_stats stats;
  ward_error* error = NULL;
  struct collected seen;
  ward_request r = request_of(WARD_KIND_USER, "u1", "d1");
  char path[256];
  FILE* file;
  int lines = 0;
  int c;

  memset(&seen, 0, sizeof seen);
  memset(&options, 0, sizeof options);
  options.revision = ward_str_of("build-7");
  CHECK_STATUS(ward_logger_open_callback(collect, &seen, &options, &log, &error), WARD_OK);
  CHECK(log != NULL);
  CHECK_STATUS(ward_engine_set_logger(engine, log, &error), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_ALLOW);
  /* The engine holds the log: the caller's handle may go first. */
  CHECK_STATUS(ward_logger_flush(log, &error), WARD_OK);
  CHECK(seen.count == 1);
  CHECK(contains(seen.last, seen.last_len, "\"v\":1,\"decision_id\":\""));
  CHECK(contains(seen.last, seen.last_len, "\"revision\":\"build-7\""));
  CHECK(contains(seen.last, seen.last_len, "\"rules\":[\"cleared-read\"]"));
  /* cleared-read asks for log(full): the record has the context. */
  CHECK(contains(seen.last, seen.last_len, "\"level\":\"full\",\"args\":{},\"context\":{}"));
  stats = ward_logger_get_stats(log);
  CHECK(stats.recorded == 1 && stats.written == 1 && stats.dropped == 0 && stats.failed == 0);
  CHECK_STATUS(ward_engine_set_logger(engine, NULL, &error), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_logger_close(log, &error), WARD_OK);
  CHECK(seen.count == 1);
  ward_logger_free(log);

  /* A file log, at the full floor: a DENY carries its context too. */
  snprintf(path, sizeof path, "%s/ward_c_test_%ld.log",
           getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", (long)getpid());
  remove(path);
  options.floor = WARD_LOG_FLOOR_FULL;
  CHECK_STATUS(ward_logger_open_file(path, &options, &log, &error), WARD_OK);
  CHECK_STATUS(ward_engine_set_logger(engine, log, &error), WARD_OK);
  ward_logger_free(log); /* the engine still holds it */
  r = request_of(WARD_KIND_USER, "u2", "d1");
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_effect(d) == WARD_DENY);
  /* The last holders (the engine, and the decision, which keeps what it was decided with):
   * the log is closed and written. */
  ward_engine_free(engine);
  ward_decision_free(d);
  file = fopen(path, "r");
  CHECK(file != NULL);
  if (file != NULL) {
    while ((c = fgetc(file)) != EOF) lines += c == '\n';
    fclose(file);
  }
  CHECK(lines == 2);
  remove(path);

  /* Bad arguments. */
  CHECK_STATUS(ward_logger_open_callback(NULL, NULL, NULL, &log, &error),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK(log == NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_logger_open_file("/nonexistent-dir/x.log", NULL, &log, &error), WARD_ERR_IO);
  CHECK(error != NULL && strstr(ward_error_message(error), "/nonexistent-dir/x.log") != NULL);
  ward_error_free(error);
  error = NULL;
  memset(&options, 0, sizeof options);
  memcpy(&options.floor, &(int){7}, sizeof(int));
  CHECK_STATUS(ward_logger_open_stdout(&options, &log, &error), WARD_ERR_INVALID_ARGUMENT);
  ward_error_free(error);
  CHECK_STATUS(ward_logger_flush(NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ward_engine_set_logger(NULL, NULL, NULL), WARD_ERR_INVALID_ARGUMENT);
  stats = ward_logger_get_stats(NULL);
  CHECK(stats.recorded == 0 && stats.written == 0);
  ward_logger_free(NULL);
}

static void test_what_may(void) {
  ward_engine* engine = make_engine();
  ward_error* error = NULL;
  char* json = NULL;
  size_t len = 0;
  const char* query =
      "{\"subject\": {\"kind\": \"agent\", \"id\": \"a1\"}, "
      "\"now\": \"2026-12-01T00:00:00Z\"}";
  CHECK_STATUS(ward_engine_what_may(engine, query, strlen(query), &json, &len, &error), WARD_OK);
  CHECK(contains(json, len, "\"reached\":2,\"score\":2"));
  CHECK(contains(json, len,
                 "{\"action\":\"read\",\"resource\":{\"type\":\"doc\",\"id\":\"d1\"},"
                 "\"effect\":\"ALLOW\",\"rules\":[\"agent-scope\"],\"weight\":1}"));
  CHECK(contains(json, len, "\"condition\":\"context has approved and context.approved\""));
  ward_string_free(json);
  /* With the context known, the secret document needs approval, unconditionally. */
  query =
      "{\"subject\": {\"kind\": \"agent\", \"id\": \"a1\"}, \"context\": {}}";
  CHECK_STATUS(ward_engine_what_may(engine, query, strlen(query), &json, &len, &error), WARD_OK);
  CHECK(contains(json, len,
                 "\"id\":\"d2\"},\"effect\":\"NEEDS_APPROVAL\",\"rules\":"
                 "[\"secret-needs-approval\"]"));
  CHECK(!contains(json, len, "condition"));
  ward_string_free(json);
  query = "{\"subject\": {\"kind\": \"robot\", \"id\": \"a1\"}}";
  CHECK_STATUS(ward_engine_what_may(engine, query, strlen(query), &json, &len, &error),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL && len == 0);
  CHECK(error != NULL && strstr(ward_error_message(error), "the query:") != NULL);
  ward_error_free(error);
  error = NULL;
  CHECK_STATUS(ward_engine_what_may(NULL, query, strlen(query), &json, &len, &error),
               WARD_ERR_INVALID_ARGUMENT);
  ward_error_free(error);
  ward_engine_free(engine);
}

static void test_unknown_identities(void) {
  ward_engine* engine = make_engine();
  ward_decision* d = ward_decision_new();
  ward_error* error = NULL;
  ward_request r = request_of(WARD_KIND_AGENT, "ghost", "d1");
  char* json = NULL;
  size_t len = 0;

  CHECK_STATUS(ward_engine_unknown_identities(engine, &json, &len, &error), WARD_OK);
  CHECK(len == 2 && memcmp(json, "[]", 2) == 0);
  ward_string_free(json);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK(ward_decision_reason(d) == WARD_REASON_UNKNOWN_IDENTITY);
  CHECK_STATUS(ward_decide(engine, &r, d, NULL), WARD_OK);
  CHECK_STATUS(ward_engine_unknown_identities(engine, &json, &len, &error), WARD_OK);
  CHECK(contains(json, len, "\"kind\":\"agent\",\"id\":\"ghost\""));
  CHECK(contains(json, len, "\"count\":2,\"tried\":[{\"action\":\"read\""));
  ward_string_free(json);
  CHECK_STATUS(ward_engine_unknown_identities(NULL, &json, &len, &error),
               WARD_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL && len == 0);
  ward_error_free(error);
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
  test_args();
  test_approvals();
  test_bad_keys();
  test_signed_bundles();
  test_stream_redaction();
  test_decision_logs();
  test_unknown_identities();
  test_what_may();
  if (failures != 0) {
    fprintf(stderr, "%d of %d check(s) failed\n", failures, checks);
    return 1;
  }
  printf("all %d checks passed\n", checks);
  return 0;
}
