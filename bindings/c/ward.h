/* ward.h: the C interface of ward, an embeddable policy-decision library.
 *
 *   ward_engine* engine = NULL;
 *   ward_error* error = NULL;
 *   const char* files[] = {"schema.ward", "rules.ward"};
 *   if (ward_engine_from_files(files, 2, "entities.json", NULL, &engine, &error) != WARD_OK) {
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
 * read during the call, enumerations have fixed values (new values are only ever added at the
 * end), and the shared library exports the `ward_*` functions declared here and nothing else.
 * Every exported function carries a symbol version (ward.map): WARD_0 for the functions of
 * 0.1 that are unchanged, WARD_0.2 for those added in 0.2 and for those whose parameters or
 * structures changed (the engine constructors, bundle loading, deciding). A program built
 * against 0.1 that calls one of the changed functions is refused by the dynamic loader
 * instead of calling it with the old layout.
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
 * API (ward/engine.h) instead.
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
#define WARD_VERSION_MINOR 2
#define WARD_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------- */
/* Status codes and names                                                                    */

typedef enum ward_status {
  WARD_OK = 0,
  /* A required argument is NULL, a count or an index is out of range, an enumeration value
   * is not one of its constants: a mistake in the calling code. */
  WARD_ERR_INVALID_ARGUMENT = 1,
  /* The policy set has errors; the error object lists them as issues. (WARD_ERR_COMPILE is
   * its former name.) */
  WARD_ERR_POLICY = 2,
  WARD_ERR_COMPILE = WARD_ERR_POLICY,
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
  WARD_ERR_INTERNAL = 8,
  /* A key is unusable: not PEM, not Ed25519, a private key where a public one is expected (or
   * the other way round), an encrypted private key. */
  WARD_ERR_KEY = 9,
  /* Redacting failed: a redaction of the decision cannot be applied (its pattern does not
   * compile, or its replacement names a group the pattern lacks), a stream would have to hold
   * more text than it may, or the stream already failed or finished. Release nothing. */
  WARD_ERR_REDACT = 10
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
  WARD_REASON_INTERNAL_ERROR = 7,
  /* The engine refused the request: a field contradicts the inventory or the schema (inline
   * attributes of a stored resource, a wrongly typed declared context or args entry, an id
   * that is not a normalized path for a resource type used with `under`). The decision names
   * the subject in denied_by and has one error entry, with rule "", naming the field. */
  WARD_REASON_INVALID_REQUEST = 8
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
/* Loads a bundle written by `ward compile -o` or ward_policy_write_bundle(_signed). Every
 * part of it is verified first: a truncated, corrupted or hand-made bundle gives
 * WARD_ERR_BUNDLE. `trusted_keys` are public keys (SPKI PEM, Ed25519, as ward_keygen writes
 * them): when `trusted_key_count` is not 0, a bundle that is unsigned, signed by another key
 * or whose signature does not verify is refused with WARD_ERR_BUNDLE, and a trusted key that
 * is not an Ed25519 public key gives WARD_ERR_KEY. With no trusted keys (NULL, 0), any bundle
 * that verifies loads, signed or not. */
WARD_API ward_status ward_policy_load_bundle(const void* bytes, size_t len,
                                             const ward_str* trusted_keys, size_t trusted_key_count,
                                             ward_policy** out, ward_error** error);
WARD_API ward_status ward_policy_load_bundle_file(const char* path, const ward_str* trusted_keys,
                                                  size_t trusted_key_count, ward_policy** out,
                                                  ward_error** error);
/* Writes the policy's compiled form as a bundle: `*bytes` (freed with ward_string_free)
 * holds `*len` bytes. The same policy always gives the same bytes. */
WARD_API ward_status ward_policy_write_bundle(const ward_policy* policy, char** bytes, size_t* len,
                                              ward_error** error);
/* As ward_policy_write_bundle, signed with an Ed25519 private key (PKCS#8 PEM, as ward_keygen
 * writes it): a loader that trusts the matching public key accepts it. Ed25519 signatures are
 * deterministic, so the bytes are too. WARD_ERR_KEY when the key is not an unencrypted
 * Ed25519 private key. */
WARD_API ward_status ward_policy_write_bundle_signed(const ward_policy* policy,
                                                     const char* private_key_pem,
                                                     size_t private_key_len, char** bytes,
                                                     size_t* len, ward_error** error);
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

/* What an engine trusts, for every engine constructor. Pass NULL for the defaults (no key of
 * either kind, the default capacity), or zero-initialise it (`ward_engine_options o = {0};`)
 * and set what you need. Read during the call only. A key is given as its PEM text; a key
 * that is not an Ed25519 public key (SPKI PEM, as ward_keygen writes it) is WARD_ERR_KEY, and
 * a NULL array with a non-zero count is WARD_ERR_INVALID_ARGUMENT. */
typedef struct ward_engine_options {
  /* The public keys of the approvers' signing keys: a grant (ward_grant_mint) signed by one
   * of them can satisfy the require_approval rules of the request it names. None: no grant
   * is ever accepted, each is refused with an error entry. */
  const ward_str* approval_keys;
  size_t approval_key_count;
  /* The public keys a bundle must be signed by, for the constructors that load a bundle
   * (ward_engine_from_bundle, ward_engine_from_bundle_file): with any, an unsigned or badly
   * signed bundle is refused with WARD_ERR_BUNDLE (see ward_policy_load_bundle). The
   * constructors that compile policy text have no signature to check and only check that
   * these are keys. */
  const ward_str* trusted_bundle_keys;
  size_t trusted_bundle_key_count;
  /* The most used grants the engine remembers at once (each until it expires: a grant is
   * good for one decision); while it holds that many, further grants are refused. 0: the
   * default, 1048576. */
  size_t max_used_grants;
} ward_engine_options;

/* An engine for `policy` with the entities of an entity file's JSON text (docs/semantics.md
 * #entities), validated against the policy's schema. `entities_json` NULL means no entities
 * at all. `options` NULL means the defaults. */
WARD_API ward_status ward_engine_new(const ward_policy* policy, const char* entities_json,
                                     size_t entities_len, const ward_engine_options* options,
                                     ward_engine** out, ward_error** error);
/* Shortcuts: compile (or load) and create in one call. `entities_path` and `entities_json`
 * may be NULL (no entities); `options` may be NULL (the defaults). */
WARD_API ward_status ward_engine_from_files(const char* const* policy_paths, size_t count,
                                            const char* entities_path,
                                            const ward_engine_options* options, ward_engine** out,
                                            ward_error** error);
WARD_API ward_status ward_engine_from_texts(const ward_source* sources, size_t count,
                                            const char* entities_json, size_t entities_len,
                                            const ward_engine_options* options, ward_engine** out,
                                            ward_error** error);
WARD_API ward_status ward_engine_from_bundle(const void* bundle, size_t bundle_len,
                                             const char* entities_json, size_t entities_len,
                                             const ward_engine_options* options, ward_engine** out,
                                             ward_error** error);
WARD_API ward_status ward_engine_from_bundle_file(const char* bundle_path,
                                                  const char* entities_path,
                                                  const ward_engine_options* options,
                                                  ward_engine** out, ward_error** error);
/* Frees the engine. No call on it may be running or start afterwards. */
WARD_API void ward_engine_free(ward_engine* engine);

/* Puts a new policy in place. Fails with WARD_ERR_ENTITIES, keeping the old policy, when the
 * current entities do not fit the new schema. */
WARD_API ward_status ward_engine_reload(ward_engine* engine, const ward_policy* policy,
                                        ward_error** error);
/* The hash of the policy currently in place (0 for NULL). */
WARD_API uint64_t ward_engine_policy_hash(const ward_engine* engine);
/* How many used grants the engine remembers now (0 for NULL): see max_used_grants. */
WARD_API size_t ward_engine_used_grant_count(const ward_engine* engine);
/* The unknown identities that called the engine (decisions with reason unknown_identity, by
 * the identity each names), most recently seen first, as JSON: `[{"kind", "id", "first_seen",
 * "last_seen", "count", "tried": [{"action", "resource": {"type", "id"}, "count"}]}]`.
 * `*json` (freed with ward_string_free) holds `*len` bytes. The engine remembers at most
 * 10,000 of them (the least recently seen is forgotten first) and 8 tried pairs each. */
WARD_API ward_status ward_engine_unknown_identities(const ward_engine* engine, char** json,
                                                    size_t* len, ward_error** error);
/* What an identity may do (C++: Engine::WhatMay, ward/reach.h): every action on every stored
 * resource it reaches under the current policy and entities, alone or on behalf of a chain,
 * with the effect and, when the effect depends on the request, the condition on it. The query
 * is JSON: `{"subject": {"kind", "id"}, "on_behalf_of": [...], "context": {...}, "now": TIME,
 * "fix_now": bool, "sensitivity": {"TYPE": "ATTR"}}`, only `subject` required; without
 * `context`, conditions on context stay open too. The result, `*json` (freed with
 * ward_string_free, `*len` bytes): `{"subject", "on_behalf_of", "stopped"?, "reached",
 * "score", "accesses": [{"action", "resource": {"type", "id"}, "effect", "condition"?,
 * "rules", "weight"}]}`. WARD_ERR_INVALID_ARGUMENT for a bad query. */
WARD_API ward_status ward_engine_what_may(const ward_engine* engine, const char* query,
                                          size_t query_len, char** json, size_t* len,
                                          ward_error** error);

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
/* Decision logs                                                                             */
/* Every decision of an engine recorded as one JSON object per line, schema version 1         */
/* (docs/decision-logs.md), handed to a file, the standard output or a callback by a thread   */
/* of the log's own. Deciding never waits for the log: each deciding thread has a bounded     */
/* queue, and a record that does not fit is dropped and counted (ward_logger_stats).    */

typedef struct ward_logger ward_logger;

/* The least level a decision is recorded at (a decision's own level is its log(...)
 * obligation on ALLOW, summary otherwise; the record takes the higher). */
typedef enum ward_log_floor {
  /* The default: every decision, with its args and context when its level is full. */
  WARD_LOG_FLOOR_SUMMARY = 0,
  /* Only the ALLOWs whose policy asks for a log, and every DENY and NEEDS_APPROVAL. */
  WARD_LOG_FLOOR_NONE = 1,
  /* Every decision with its args and context (what `ward replay` needs). */
  WARD_LOG_FLOOR_FULL = 2
} ward_log_floor;

/* Zero-initialise (`ward_logger_options o = {0};`) for the defaults, or pass NULL. */
typedef struct ward_logger_options {
  ward_log_floor floor;
  /* The bytes of queue each deciding thread gets (a summary record takes 100-300); 0: 4 MiB. */
  size_t thread_queue_bytes;
  /* A label written as `revision` in every record (a bundle's build id); empty for none. */
  ward_str revision;
  /* For a file: rotate it when it would grow past this many bytes (0: 100 MiB; UINT64_MAX:
   * never), keeping this many rotated files PATH.1 ... PATH.N (0: 5). */
  uint64_t max_file_bytes;
  uint32_t max_files;
} ward_logger_options;

/* Called on the log's thread with one record (a JSON object, without a line break, not
 * NUL-terminated), valid during the call only. It must not call ward_logger_flush,
 * _close or _free on its own log. */
typedef void (*ward_logger_callback)(void* user_data, const char* record, size_t len);

/* A log that appends to the file at `path` (created when absent); WARD_ERR_IO when it cannot
 * be opened. */
WARD_API ward_status ward_logger_open_file(const char* path, const ward_logger_options* options,
                                           ward_logger** out, ward_error** error);
/* A log that writes to the standard output. */
WARD_API ward_status ward_logger_open_stdout(const ward_logger_options* options, ward_logger** out,
                                             ward_error** error);
/* A log that hands each record to `callback` with `user_data`. */
WARD_API ward_status ward_logger_open_callback(ward_logger_callback callback, void* user_data,
                                               const ward_logger_options* options,
                                               ward_logger** out, ward_error** error);
/* Records every later decision of `engine` to `log`; NULL stops recording. The engine holds
 * the log as long as it uses it: the caller may free its handle at once. */
WARD_API ward_status ward_engine_set_logger(ward_engine* engine, ward_logger* log,
                                            ward_error** error);
/* Waits until every record queued before the call is written and the sink flushed.
 * WARD_ERR_IO when the sink reported an error (the last one is the message). */
WARD_API ward_status ward_logger_flush(ward_logger* log, ward_error** error);
/* Writes what is queued and stops the log's thread; later decisions are not recorded, even
 * by engines that hold the log. Idempotent. WARD_ERR_IO as ward_logger_flush. */
WARD_API ward_status ward_logger_close(ward_logger* log, ward_error** error);

typedef struct ward_logger_stats {
  uint64_t recorded;         /* queued */
  uint64_t dropped;          /* refused because the deciding thread's queue was full */
  uint64_t written;          /* accepted by the sink */
  uint64_t failed;           /* refused by the sink */
  uint64_t max_queued_bytes; /* the most bytes ever waiting in one thread's queue */
} ward_logger_stats;

/* The log's counts so far (all 0 for NULL). */
WARD_API ward_logger_stats ward_logger_get_stats(const ward_logger* log);
/* Releases the caller's hold on the log; it closes once nothing else holds it: no engine, and
 * no ward_decision last decided by an engine that recorded to it. */
WARD_API void ward_logger_free(ward_logger* log);

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                  */

/* The types of a context or args entry or an inline resource attribute. 0 is no type:
 * invalid. */
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

/* A named value: a context or args entry or an inline resource attribute. A name may occur
 * once per list (as a key may once per JSON object). */
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
 * invalid JSON in a WARD_VALUE_JSON value or in `args_json`, both forms of args, a grant
 * token longer than 16 KiB) is WARD_ERR_REQUEST, as in the JSON format. A request the engine
 * refuses on the strength of its inventory or schema is not an error: it is decided DENY with
 * reason WARD_REASON_INVALID_REQUEST. */
typedef struct ward_request {
  ward_identity_ref subject;
  ward_str action;
  ward_str resource_type;
  ward_str resource_id;
  /* Attributes of a resource that is not in the store (validated against the schema). A
   * resource in the store takes its attributes from the store only: inline attributes on it
   * make the decision DENY invalid_request. */
  const ward_attr* resource_attrs;
  size_t resource_attr_count;
  /* What the host asserts about the call (session, channel, ...): never what the model
   * produced, which goes in args. Declared entries of the wrong type make the decision DENY
   * invalid_request; undeclared ones are ignored. */
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
  /* The tool call's arguments as the model produced them (the policy's `args`), validated as
   * context is. Give them in one of two forms, not both (WARD_ERR_REQUEST):
   * - `args_json`: the text of one JSON object (`null` or empty: no args), converted as the
   *   request JSON's `args` is. The approval digest hashes that object in RFC 8785 canonical
   *   form, so key order and spacing never change it, and it equals the digest of the same
   *   request given as JSON. Parses JSON: not for the hot path.
   * - `args` / `args_count`: a list as `context` is. The digest hashes the values written as
   *   a canonical JSON object: strings, integers and booleans as such, a timestamp as its
   *   RFC 3339 text, a set as the sorted list of its distinct members, a WARD_VALUE_JSON value
   *   as its JSON. So a set given in another order, or with repeats, hashes the same. */
  const ward_attr* args;
  size_t args_count;
  ward_str args_json;
  /* A grant (ward_grant_mint): a person's signed approval of exactly this request. Empty for
   * none. It is verified on every decision that carries it; see ward_decision_approved_by. */
  ward_str approval;
} ward_request;

/* ---------------------------------------------------------------------------------------- */
/* Deciding                                                                                  */

typedef struct ward_decision ward_decision;
typedef struct ward_trace ward_trace;

/* A decision to decide into, reusable from call to call. Keep one per thread. It reads DENY
 * (internal_error) until a decision is made into it. NULL when out of memory.
 *
 * It remembers which of the engine's records the last structured request's subject, chain,
 * action and resource named, and the policy's candidate rules for them: a request that names
 * the same ones (the usual case for an agent's session or a gateway's route), decided into it
 * by the same engine with no policy reload or entity change in between, reads those records
 * and rules without looking any id up. A reload or change makes it look them up again, so its
 * decisions are always those of a fresh object.
 *
 * After the first few decisions of a kind, deciding a structured request into the same
 * object allocates no memory, except for evaluation error messages, context, args or
 * attribute values that hold sets or JSON, strings longer than 15 bytes among those values, a
 * set of context or args names that differs from the previous request's, args given as
 * `args_json`, the digest of a NEEDS_APPROVAL decision whose request has typed `args`
 * (written canonically for it), a grant to verify, and a time given as RFC 3339 text (give
 * `now_unix_seconds` on hot paths). */
WARD_API ward_decision* ward_decision_new(void);
WARD_API void ward_decision_free(ward_decision* decision);

/* Decides `request` into `out`. WARD_OK means a decision was made, whatever its effect;
 * check the effect. WARD_ERR_REQUEST (the request is invalid) and the other failures leave
 * `out` reading DENY with reason internal_error and no denied_by. A grant in the request's
 * `approval` is verified; when it is accepted and the decision is ALLOW, it is used up (one
 * decision per grant and engine: the same token again is refused). */
WARD_API ward_status ward_decide(const ward_engine* engine, const ward_request* request,
                                 ward_decision* out, ward_error** error);
/* As ward_decide, for a request in the JSON exchange format (the command-line tool's), at
 * most 1 MiB and nested at most 32 deep. */
WARD_API ward_status ward_decide_json(const ward_engine* engine, const char* json, size_t len,
                                      ward_decision* out, ward_error** error);
/* As ward_decide, and `*trace` (when `trace` is not NULL) receives the explanation: every
 * candidate rule of every principal, whether it held and why. Costs more than deciding. On
 * failure `*trace` is NULL. Explaining a request that carries a grant uses the grant up as
 * deciding does. */
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

/* On NEEDS_APPROVAL: the approval digest, what a grant for this request must name (64
 * lowercase hex digits: the SHA-256 of the request's subject, chain, action, resource, args
 * and the policy hash, in canonical form; not the context or the time). Empty on every other
 * effect. */
WARD_API ward_str ward_decision_approval_digest(const ward_decision* decision);
/* On an ALLOW that an accepted grant made possible: the user who approved. Returns 1 and
 * fills `out` when there is one, else 0. A refused grant leaves the decision as without it,
 * with an error entry (rule "", first in the list) saying why. */
WARD_API int ward_decision_approved_by(const ward_decision* decision, ward_identity_ref* out);

/* When the policy has `@shadow` rules and enforcing them would change this decision: the
 * decision it would have been, as JSON `{"effect", "reason", "denied_by" (not on ALLOW),
 * "rules", "obligations" (ALLOW only)}`; empty (len 0) otherwise. Valid until the next call
 * on the object or the next decision into it. The same object is the `shadow` key of
 * ward_decision_json. */
WARD_API ward_str ward_decision_shadow_json(const ward_decision* decision);

/* The hash of the policy that made the decision; 0 when none did. */
WARD_API uint64_t ward_decision_policy_hash(const ward_decision* decision);
/* The decision's canonical JSON (docs/semantics.md), as the command-line tool prints it,
 * with `approval` ({"digest": ...}) on NEEDS_APPROVAL and `approved_by` after a grant. Built
 * on first call after each decision; valid until the next decision into the object. */
WARD_API ward_str ward_decision_json(const ward_decision* decision);

/* Applies the decision's redactions to `text`, in order, each to the output of the one
 * before: the text a caller is about to release. `*out` (freed with ward_string_free) holds
 * `*out_len` bytes and a terminating NUL. A decision without redactions gives a copy. Fails
 * closed: when a redaction cannot be applied, WARD_ERR_REDACT and no text (`*out` NULL). */
WARD_API ward_status ward_decision_redact(const ward_decision* decision, const char* text,
                                          size_t len, char** out, size_t* out_len,
                                          ward_error** error);

/* ---------------------------------------------------------------------------------------- */
/* Redacting a stream                                                                        */

/* Applies a decision's redactions to output that arrives in chunks (a model's streamed
 * response), releasing each piece once no redaction can change it any more:
 *
 *   ward_redactor* r = NULL;
 *   if (ward_redactor_new(decision, &r, NULL) != WARD_OK) { refuse; }
 *   for each chunk:  ward_redactor_write(r, chunk, n, &piece, &piece_len, NULL)  -> send piece
 *   at the end:      ward_redactor_finish(r, &rest, &rest_len, NULL)             -> send rest
 *   ward_redactor_free(r);
 *
 * Whatever the split into chunks, the pieces put together are exactly what
 * ward_decision_redact gives for the whole text, also when a match spans chunks; each piece
 * ends with a whole UTF-8 character. The redactor holds back only as much text as the longest
 * match of the patterns (computed from them, at most 4 KiB in all); when a pattern can match
 * unboundedly long text (`sk-[A-Za-z0-9]+`), it holds everything until finish, up to 16 MiB,
 * and fails beyond. It fails closed: after any failed call (WARD_ERR_REDACT, or a NULL
 * argument), every further call fails and nothing more is released; so do calls after finish.
 * The redactor compiles its own copy of the redactions: the decision may be reused or freed
 * once it is made. A decision other than ALLOW has no redactions: the text passes unchanged.
 * A redactor belongs to one thread at a time. */
typedef struct ward_redactor ward_redactor;

/* A redactor for the redactions of `decision`. WARD_ERR_REDACT when one cannot be applied. */
WARD_API ward_status ward_redactor_new(const ward_decision* decision, ward_redactor** out,
                                       ward_error** error);
/* Takes the next chunk (NULL only with length 0); `*out` (freed with ward_string_free, never
 * NULL on success) receives the `*out_len` bytes that are now final, possibly none, and a
 * terminating NUL. */
WARD_API ward_status ward_redactor_write(ward_redactor* redactor, const char* chunk, size_t len,
                                         char** out, size_t* out_len, ward_error** error);
/* Ends the stream: `*out` receives the rest. Every call after it fails. */
WARD_API ward_status ward_redactor_finish(ward_redactor* redactor, char** out, size_t* out_len,
                                          ward_error** error);
WARD_API void ward_redactor_free(ward_redactor* redactor);

/* ---------------------------------------------------------------------------------------- */
/* Approvals: keys, digests and grants                                                       */

/* A NEEDS_APPROVAL decision carries a digest of the request. A person approves it through an
 * approval service, which mints a grant: a token naming the digest and the approver, signed
 * with the service's Ed25519 private key. The request is sent again with the grant in
 * `approval`; an engine that trusts the matching public key (ward_engine_options) accepts it
 * once, if the approver is a known, active user whom the policy ALLOWs action `approve` on
 * the resource. Nothing in the request can stand in for a grant: the digest covers the args,
 * so a changed argument needs a new approval. */

/* A new Ed25519 key pair from the system's random source, as PEM text: `*private_key_pem`
 * (PKCS#8: keep it secret; it signs grants and bundles) and `*public_key_pem` (SPKI: give it
 * to engines and bundle loaders to trust). Both NUL-terminated, freed with ward_string_free. */
WARD_API ward_status ward_keygen(char** private_key_pem, char** public_key_pem, ward_error** error);

/* Signs a grant approving the request whose approval digest is `digest` (64 lowercase hex
 * digits, from ward_decision_approval_digest or ward_approval_digest), by the user
 * `approver_id`, valid from `*issued_at_unix` (Unix seconds; NULL: now) for `ttl_seconds`
 * (0: the default, 15 minutes). `jti`, the grant's unique id (at most 128 bytes, or engines
 * refuse the grant), may be empty for 128 random bits. `*token` (NUL-terminated, freed with
 * ward_string_free) is a JWS compact token (EdDSA) to put in a request's `approval`.
 * WARD_ERR_KEY when the key is not an unencrypted Ed25519 private key (PKCS#8 PEM);
 * WARD_ERR_INVALID_ARGUMENT for a malformed digest, an empty approver or a negative TTL. An
 * engine refuses the grant before `issued_at`, from `issued_at + ttl` on (by the request's
 * time or its own clock), and once used. */
WARD_API ward_status ward_grant_mint(const char* private_key_pem, size_t private_key_len,
                                     ward_str digest, ward_str approver_id, int64_t ttl_seconds,
                                     const int64_t* issued_at_unix, ward_str jti, char** token,
                                     ward_error** error);

/* The approval digest of `request` under the engine's current policy: what its decision
 * carries on NEEDS_APPROVAL, computed without deciding, for an approval service that shows a
 * person the request itself and must mint the grant for exactly that request rather than for
 * a digest it is handed. `*hex` (64 lowercase hex digits and a NUL) is freed with
 * ward_string_free. Fails as ward_decide fails on an invalid request; the request's context,
 * time, inline attributes and grant play no part. */
WARD_API ward_status ward_approval_digest(const ward_engine* engine, const ward_request* request,
                                          char** hex, ward_error** error);
/* As ward_approval_digest, for a request in the JSON exchange format. */
WARD_API ward_status ward_approval_digest_json(const ward_engine* engine, const char* json,
                                               size_t len, char** hex, ward_error** error);

#ifdef __cplusplus
}
#endif

#endif /* WARD_H_ */
