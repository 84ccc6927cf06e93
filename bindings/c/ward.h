/* ward.h: the C interface of ward, an embeddable policy-decision library.
 *
 *   ward_engine* engine = NULL;
 *   ward_error* error = NULL;
 *   const char* files[] = {"schema.ward", "rules.ward"};
 *   if (ward_engine_from_files(files, 2, "entities.json", &engine, &error) != WARD_OK) {
 *     fprintf(stderr, "%s\n", ward_error_message(error));
 *     ward_error_free(error);
 *     return 1;
 *   }
 *   ward_decision* decision = ward_decision_new();
 *   ward_decide_json(engine, request_json, request_len, decision, NULL);
 *   if (ward_decision_effect(decision) == WARD_ALLOW) { ... }
 *   ward_decision_free(decision);
 *   ward_engine_free(engine);
 *
 * The interface is C99 and stable: handles are opaque, structures passed in are only ever
 * read during the call, enumerations have fixed values, and the shared library exports the
 * `ward_*` functions declared here and nothing else.
 *
 * Conventions, which every function below follows:
 *
 * - Ownership. A function that creates a handle or a buffer (`ward_*_new`, `ward_*_from_*`,
 *   `ward_policy_compile*`, the `char** out` parameters) gives it to the caller, who releases
 *   it with the matching `ward_*_free`. Every free function accepts NULL.
 * - Strings. Text is UTF-8 and is passed as a pointer and a length, so it may hold any byte;
 *   a NULL pointer with length 0 is the empty string. File paths are NUL-terminated. Strings
 *   returned by accessors (`ward_str`) are also NUL-terminated and stay valid as long as the
 *   object they were read from is neither freed nor written to again.
 * - Errors. Every call that can fail returns a `ward_status` and takes an optional last
 *   parameter `ward_error** error`: when it is not NULL, it receives NULL on success and, on
 *   failure, an error object with the message (and, for compile errors, the structured issues)
 *   that the caller frees with ward_error_free. No function aborts or lets an exception
 *   escape; an unexpected failure inside the library is reported as WARD_ERR_INTERNAL.
 * - Failing closed. When deciding fails (a NULL or invalid argument, an invalid request, an
 *   internal failure), the decision object, if one was given, reads DENY with reason
 *   internal_error, so that a caller who ignores the status still refuses.
 * - Threads. Deciding and explaining are safe from many threads on one engine, each thread
 *   with its own ward_decision. Entity updates and reloads are safe at any time, also
 *   concurrently with deciding: each publishes a new snapshot that the next decision sees.
 *   Other handles (a decision, a trace, an error) belong to one thread at a time.
 *
 * Do not load this library into a process that also links ward's static C++ libraries: both
 * would register the bundle format with the one protobuf runtime of the process, and
 * protobuf stops the process when a format is registered twice. C++ programs use the C++
 * API (lib/engine.h) instead.
 */

#ifndef WARD_H_
#define WARD_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define WARD_API __attribute__((visibility("default")))
#else
#define WARD_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; ward_version() gives the library's. */
#define WARD_VERSION_MAJOR 0
#define WARD_VERSION_MINOR 1
#define WARD_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------- */
/* Status codes and names                                                                    */

typedef enum ward_status {
  WARD_OK = 0,
  /* A required argument is NULL, a count or an index is out of range, an enumeration value
   * is not one of its constants: a mistake in the calling code. */
  WARD_ERR_INVALID_ARGUMENT = 1,
  /* The policy set has errors; the error object lists them as issues. */
  WARD_ERR_COMPILE = 2,
  /* An entity file or entity does not parse, or does not fit the policy's schema (also: a
   * reload whose schema the current entities do not fit). */
  WARD_ERR_ENTITIES = 3,
  /* The request is invalid: malformed JSON, an unknown field, a wrong type, a missing or
   * empty required field, an unknown subject kind, a chain longer than 8. The command-line
   * tool exits 2 on these. */
  WARD_ERR_REQUEST = 4,
  /* Revoking or removing an identity or resource that does not exist. */
  WARD_ERR_NOT_FOUND = 5,
  /* Not a bundle, another format version, a checksum mismatch or an inconsistent program. */
  WARD_ERR_BUNDLE = 6,
  /* A file could not be read (missing, a directory, too large). */
  WARD_ERR_IO = 7,
  /* Out of memory, or a failure inside the library. */
  WARD_ERR_INTERNAL = 8
} ward_status;

/* The effect of a decision, from least to most strict. */
typedef enum ward_effect { WARD_ALLOW = 0, WARD_NEEDS_APPROVAL = 1, WARD_DENY = 2 } ward_effect;

/* Why a decision is what it is (docs/semantics.md). */
typedef enum ward_reason {
  WARD_REASON_PERMITTED = 0,
  WARD_REASON_FORBIDDEN = 1,
  WARD_REASON_APPROVAL_REQUIRED = 2,
  WARD_REASON_NO_MATCHING_PERMIT = 3,
  WARD_REASON_UNKNOWN_IDENTITY = 4,
  WARD_REASON_LIFECYCLE = 5,
  WARD_REASON_UNOWNED = 6,
  WARD_REASON_INTERNAL_ERROR = 7
} ward_reason;

/* The log level an ALLOW decision's obligations ask for. */
typedef enum ward_log_level {
  WARD_LOG_NONE = 0,
  WARD_LOG_SUMMARY = 1,
  WARD_LOG_FULL = 2
} ward_log_level;

/* The kinds of identity. 0 is no kind: a request that leaves a kind unset is invalid. */
typedef enum ward_kind { WARD_KIND_USER = 1, WARD_KIND_AGENT = 2, WARD_KIND_BUILDER = 3 } ward_kind;

typedef enum ward_severity { WARD_SEVERITY_ERROR = 0, WARD_SEVERITY_WARNING = 1 } ward_severity;

/* The library's version, "MAJOR.MINOR.PATCH". Never NULL. */
WARD_API const char* ward_version(void);

/* Names as they appear in the JSON of a decision: "ALLOW", "no_matching_permit", "summary",
 * "agent"; and "ok", "invalid_argument", ... for a status. Never NULL: a value outside the
 * enumeration gives "unknown". */
WARD_API const char* ward_status_name(ward_status status);
WARD_API const char* ward_effect_name(ward_effect effect);
WARD_API const char* ward_reason_name(ward_reason reason);
WARD_API const char* ward_log_level_name(ward_log_level level);
WARD_API const char* ward_kind_name(ward_kind kind);

/* ---------------------------------------------------------------------------------------- */
/* Strings and buffers                                                                       */

/* A string passed in or read out: `len` bytes at `data` (UTF-8). */
typedef struct ward_str {
  const char* data;
  size_t len;
} ward_str;

/* A ward_str of a NUL-terminated string (NULL gives the empty string). */
static inline ward_str ward_str_of(const char* s) {
  ward_str out;
  size_t n = 0;
  if (s != NULL) {
    while (s[n] != '\0') ++n;
  }
  out.data = s;
  out.len = n;
  return out;
}

/* Frees a buffer the library gave out through a `char** out` parameter. */
WARD_API void ward_string_free(char* s);

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */

typedef struct ward_error ward_error;

/* A diagnostic of the policy compiler. `line` and `column` are 1-based (columns count
 * characters); both are 0 when the issue concerns no position. */
typedef struct ward_issue {
  ward_severity severity;
  ward_str source; /* the source name given to the compiler (the path, for files) */
  int line;
  int column;
  ward_str message; /* lower case, without a final period */
} ward_issue;

WARD_API void ward_error_free(ward_error* error);
/* The status of the call that produced the error; WARD_ERR_INVALID_ARGUMENT for NULL. */
WARD_API ward_status ward_error_status(const ward_error* error);
/* The message. For compile errors, every error rendered as "file:line:col: error: ..." with
 * its source line and a caret. Never NULL ("" for NULL). */
WARD_API const char* ward_error_message(const ward_error* error);
/* For WARD_ERR_COMPILE: every diagnostic, errors and warnings, in the compiler's order.
 * Other errors have none. ward_error_issue returns 1 and fills `out` when `index` is below
 * the count, else 0. */
WARD_API size_t ward_error_issue_count(const ward_error* error);
WARD_API int ward_error_issue(const ward_error* error, size_t index, ward_issue* out);

/* ---------------------------------------------------------------------------------------- */
/* Policies: compiled policy sets, from text, files or a bundle                              */

typedef struct ward_policy ward_policy;

/* One source of a policy set. `name` appears in diagnostics and names the rules that have
 * no @id ("name:LINE"). */
typedef struct ward_source {
  ward_str name;
  ward_str text;
} ward_source;

/* Compiles a policy set: the sources form one set (schemas merge across them). On compile
 * errors returns WARD_ERR_COMPILE, and the error carries every issue. */
WARD_API ward_status ward_policy_compile(const ward_source* sources, size_t count,
                                         ward_policy** out, ward_error** error);
/* As ward_policy_compile, reading each file and naming its source by the path as given. */
WARD_API ward_status ward_policy_compile_files(const char* const* paths, size_t count,
                                               ward_policy** out, ward_error** error);
/* Loads a bundle written by `ward compile -o` or ward_policy_write_bundle. Every part of it
 * is verified first: a truncated, corrupted or hand-made bundle gives WARD_ERR_BUNDLE. */
WARD_API ward_status ward_policy_load_bundle(const void* bytes, size_t len, ward_policy** out,
                                             ward_error** error);
WARD_API ward_status ward_policy_load_bundle_file(const char* path, ward_policy** out,
                                                  ward_error** error);
/* Writes the policy's compiled form as a bundle: `*bytes` (freed with ward_string_free)
 * holds `*len` bytes. The same policy always gives the same bytes. */
WARD_API ward_status ward_policy_write_bundle(const ward_policy* policy, char** bytes, size_t* len,
                                              ward_error** error);
/* Identifies the compiled policy; decisions carry it. The same for a policy compiled from
 * text and for its bundle. 0 for NULL. */
WARD_API uint64_t ward_policy_hash(const ward_policy* policy);
/* The compiler's warnings (none for a loaded bundle). ward_policy_warning returns 1 and
 * fills `out` when `index` is below the count, else 0. */
WARD_API size_t ward_policy_warning_count(const ward_policy* policy);
WARD_API int ward_policy_warning(const ward_policy* policy, size_t index, ward_issue* out);
/* Engines made from a policy keep what they need: the policy may be freed at once. */
WARD_API void ward_policy_free(ward_policy* policy);

/* ---------------------------------------------------------------------------------------- */
/* Engines                                                                                   */

typedef struct ward_engine ward_engine;

/* An engine for `policy` with the entities of an entity file's JSON text (docs/semantics.md
 * #entities), validated against the policy's schema. `entities_json` NULL means no entities
 * at all. */
WARD_API ward_status ward_engine_new(const ward_policy* policy, const char* entities_json,
                                     size_t entities_len, ward_engine** out, ward_error** error);
/* Shortcuts: compile (or load) and create in one call. `entities_path` and `entities_json`
 * may be NULL (no entities). */
WARD_API ward_status ward_engine_from_files(const char* const* policy_paths, size_t count,
                                            const char* entities_path, ward_engine** out,
                                            ward_error** error);
WARD_API ward_status ward_engine_from_texts(const ward_source* sources, size_t count,
                                            const char* entities_json, size_t entities_len,
                                            ward_engine** out, ward_error** error);
WARD_API ward_status ward_engine_from_bundle(const void* bundle, size_t bundle_len,
                                             const char* entities_json, size_t entities_len,
                                             ward_engine** out, ward_error** error);
WARD_API ward_status ward_engine_from_bundle_file(const char* bundle_path,
                                                  const char* entities_path, ward_engine** out,
                                                  ward_error** error);
/* Frees the engine. No call on it may be running or start afterwards. */
WARD_API void ward_engine_free(ward_engine* engine);

/* Puts a new policy in place. Fails with WARD_ERR_ENTITIES, keeping the old policy, when the
 * current entities do not fit the new schema. */
WARD_API ward_status ward_engine_reload(ward_engine* engine, const ward_policy* policy,
                                        ward_error** error);
/* The hash of the policy currently in place (0 for NULL). */
WARD_API uint64_t ward_engine_policy_hash(const ward_engine* engine);

/* Entity updates. Each is validated against the current schema and takes effect on the next
 * decision; a failed update changes nothing. */

/* Replaces every entity with those of an entity file (its JSON text, or the file at
 * `path`). */
WARD_API ward_status ward_engine_load_entities(ward_engine* engine, const char* json, size_t len,
                                               ward_error** error);
WARD_API ward_status ward_engine_load_entities_file(ward_engine* engine, const char* path,
                                                    ward_error** error);
/* Inserts or replaces (by id) one identity or resource, given as one object in the entity
 * file's format: {"kind": "agent", "id": "a17", "owner": "u3", "status": "active", ...}. */
WARD_API ward_status ward_engine_upsert_identity(ward_engine* engine, const char* json, size_t len,
                                                 ward_error** error);
WARD_API ward_status ward_engine_upsert_resource(ward_engine* engine, const char* json, size_t len,
                                                 ward_error** error);
/* Sets an identity's status to revoked: the guard denies it, and every agent or builder it
 * owns becomes unowned. WARD_ERR_NOT_FOUND when there is no such identity. */
WARD_API ward_status ward_engine_revoke_identity(ward_engine* engine, const char* id, size_t len,
                                                 ward_error** error);
/* Removes an identity (ids are unique across kinds) or a resource. WARD_ERR_NOT_FOUND when
 * there is none. */
WARD_API ward_status ward_engine_remove_identity(ward_engine* engine, const char* id, size_t len,
                                                 ward_error** error);
WARD_API ward_status ward_engine_remove_resource(ward_engine* engine, const char* type,
                                                 size_t type_len, const char* id, size_t id_len,
                                                 ward_error** error);

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                  */

/* The types of a context entry or an inline resource attribute. 0 is no type: invalid. */
typedef enum ward_value_type {
  WARD_VALUE_STRING = 1,     /* `string` */
  WARD_VALUE_INT = 2,        /* `integer` */
  WARD_VALUE_BOOL = 3,       /* `boolean`: non-zero is true */
  WARD_VALUE_TIMESTAMP = 4,  /* `integer`: seconds since 1970-01-01T00:00:00Z */
  WARD_VALUE_STRING_SET = 5, /* `count` strings at `strings` */
  WARD_VALUE_INT_SET = 6,    /* `count` integers at `integers` */
  /* `string` holds JSON text, converted as the request JSON's values are: a float, an
   * object or a mixed list becomes a value that rules cannot read, `null` leaves the entry
   * out. Parses JSON: not for the hot path. */
  WARD_VALUE_JSON = 7
} ward_value_type;

/* A typed value; only the members its type names are read. */
typedef struct ward_value {
  ward_value_type type;
  ward_str string;
  int64_t integer;
  int boolean;
  const ward_str* strings;
  const int64_t* integers;
  size_t count;
} ward_value;

/* A named value: a context entry or an inline resource attribute. A name may occur once per
 * list (as a key may once per JSON object). */
typedef struct ward_attr {
  ward_str name;
  ward_value value;
} ward_attr;

/* An identity named by a request or a decision. */
typedef struct ward_identity_ref {
  ward_kind kind;
  ward_str id;
} ward_identity_ref;

/* A request built in code: the fields of the request JSON (docs/embedding.md), with no JSON
 * to write or parse. Subject, action, resource type and resource id are required and must
 * not be empty; so are the kind and id of each identity of the chain. Zero-initialise it
 * (`ward_request r = {0};`) and set what the request has. A pointer that is NULL with a
 * non-zero length or count is WARD_ERR_INVALID_ARGUMENT; every other mistake (an empty or
 * missing field, an unknown kind or value type, a repeated name, a chain longer than 8,
 * invalid JSON in a WARD_VALUE_JSON value) is WARD_ERR_REQUEST, as in the JSON format. */
typedef struct ward_request {
  ward_identity_ref subject;
  ward_str action;
  ward_str resource_type;
  ward_str resource_id;
  /* Inline resource attributes, merged over the stored ones (inline wins). */
  const ward_attr* resource_attrs;
  size_t resource_attr_count;
  const ward_attr* context;
  size_t context_count;
  /* The identities the subject acts for, nearest first; at most 8. */
  const ward_identity_ref* on_behalf_of;
  size_t on_behalf_of_count;
  /* The time of the decision: `now_unix_seconds` when `has_now` is non-zero, else the
   * RFC 3339 text `now_rfc3339` when it is not empty ("2026-12-01T00:00:00Z"), else the
   * clock. Setting both is WARD_ERR_REQUEST, as is text that is not RFC 3339. */
  int has_now;
  int64_t now_unix_seconds;
  ward_str now_rfc3339;
} ward_request;

/* ---------------------------------------------------------------------------------------- */
/* Deciding                                                                                  */

typedef struct ward_decision ward_decision;
typedef struct ward_trace ward_trace;

/* A decision to decide into, reusable from call to call: after the first few decisions of a
 * kind, deciding a structured request into the same object allocates no memory, except for
 * evaluation error messages, context or attribute values that hold sets or JSON, strings
 * longer than 15 bytes among those values, a set of context names that differs from the
 * previous request's, and a time given as RFC 3339 text (give `now_unix_seconds` on hot
 * paths). Keep one per thread. It reads DENY (internal_error) until a decision is made into
 * it. NULL when out of memory. */
WARD_API ward_decision* ward_decision_new(void);
WARD_API void ward_decision_free(ward_decision* decision);

/* Decides `request` into `out`. WARD_OK means a decision was made, whatever its effect;
 * check the effect. WARD_ERR_REQUEST (the request is invalid) and the other failures leave
 * `out` reading DENY with reason internal_error and no denied_by. */
WARD_API ward_status ward_decide(const ward_engine* engine, const ward_request* request,
                                 ward_decision* out, ward_error** error);
/* As ward_decide, for a request in the JSON exchange format (the command-line tool's), at
 * most 1 MiB and nested at most 32 deep. */
WARD_API ward_status ward_decide_json(const ward_engine* engine, const char* json, size_t len,
                                      ward_decision* out, ward_error** error);
/* As ward_decide, and `*trace` (when `trace` is not NULL) receives the explanation: every
 * candidate rule of every principal, whether it held and why. Costs more than deciding. On
 * failure `*trace` is NULL. */
WARD_API ward_status ward_explain(const ward_engine* engine, const ward_request* request,
                                  ward_decision* out, ward_trace** trace, ward_error** error);
WARD_API ward_status ward_explain_json(const ward_engine* engine, const char* json, size_t len,
                                       ward_decision* out, ward_trace** trace, ward_error** error);
/* The explanation as `ward explain` prints it, one line per fact. */
WARD_API ward_str ward_trace_text(const ward_trace* trace);
WARD_API void ward_trace_free(ward_trace* trace);

/* ---------------------------------------------------------------------------------------- */
/* Reading a decision                                                                        */
/* Every accessor accepts NULL and then reads as a failed decision: DENY, internal_error,  */
/* nothing else. Indexed accessors return 0 (or an empty string) past the end.             */

WARD_API ward_effect ward_decision_effect(const ward_decision* decision);
WARD_API ward_reason ward_decision_reason(const ward_decision* decision);
/* On every effect but ALLOW: the principal whose own decision is the final one. Returns 1
 * and fills `out` when there is one, else 0. */
WARD_API int ward_decision_denied_by(const ward_decision* decision, ward_identity_ref* out);
/* The determining rules, deduplicated and sorted. */
WARD_API size_t ward_decision_rule_count(const ward_decision* decision);
WARD_API ward_str ward_decision_rule(const ward_decision* decision, size_t index);

/* Obligations (ALLOW only; a decision of another effect has none). */
/* Redactions in the order they apply: a pattern (RE2 syntax) and its replacement (an RE2
 * rewrite string: \0 is the match, \1..\9 its groups). */
WARD_API size_t ward_decision_redaction_count(const ward_decision* decision);
WARD_API int ward_decision_redaction(const ward_decision* decision, size_t index, ward_str* pattern,
                                     ward_str* replacement);
/* Limits, sorted by name, one each. */
WARD_API size_t ward_decision_limit_count(const ward_decision* decision);
WARD_API int ward_decision_limit(const ward_decision* decision, size_t index, ward_str* name,
                                 int64_t* value);
WARD_API ward_log_level ward_decision_log(const ward_decision* decision);

/* An error met while evaluating a condition of a candidate rule. */
typedef struct ward_eval_error {
  ward_str rule;
  ward_identity_ref principal;
  ward_str message;
} ward_eval_error;

/* Every evaluation error, whatever the effect: by principal (subject, then the chain), then
 * by rule. */
WARD_API size_t ward_decision_error_count(const ward_decision* decision);
WARD_API int ward_decision_error(const ward_decision* decision, size_t index, ward_eval_error* out);

/* The hash of the policy that made the decision; 0 when none did. */
WARD_API uint64_t ward_decision_policy_hash(const ward_decision* decision);
/* The decision's canonical JSON (docs/semantics.md), as the command-line tool prints it.
 * Built on first call after each decision; valid until the next decision into the object. */
WARD_API ward_str ward_decision_json(const ward_decision* decision);

/* Applies the decision's redactions to `text`, in order, each to the output of the one
 * before: the text a caller is about to release. `*out` (freed with ward_string_free) holds
 * `*out_len` bytes and a terminating NUL. A decision without redactions gives a copy. */
WARD_API ward_status ward_decision_redact(const ward_decision* decision, const char* text,
                                          size_t len, char** out, size_t* out_len,
                                          ward_error** error);

#ifdef __cplusplus
}
#endif

#endif /* WARD_H_ */
