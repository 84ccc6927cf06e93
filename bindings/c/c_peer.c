/* An engine behind the C interface, in a process of its own, for tests that compare it with
 * other engines (policy_lang/differential_test.cc). It links libward.so and nothing of
 * ward's C++ libraries: a process cannot hold both, since each registers the bundle format's
 * protobuf descriptors (see ward.h).
 *
 * It reads commands on stdin and answers on stdout. A command is a header line
 * "<letter> <length>\n" followed by <length> bytes:
 *   S  a policy source: its name, a NUL byte, its text (kept for the next N);
 *   K  the approval key (SPKI PEM) of the next engines; empty for none;
 *   N  the entity file's JSON: creates the engine from the sources given since the last N
 *      (ward_engine_from_texts), in place of the previous one;
 *   D  a request in the JSON exchange format: decides it (ward_decide_json).
 * N and D are answered with "<status> <length>\n" and <length> bytes: for status 0 (WARD_OK)
 * nothing after N and the decision's JSON (ward_decision_json) after D; otherwise the error
 * message. The peer exits with 0 at the end of its input and with 2 on a malformed command. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward.h"

/* Larger inputs are not a test's: refused rather than allocated. */
#define MAX_PAYLOAD ((size_t)64 << 20)
#define MAX_SOURCES 256

typedef struct buffer {
  char* data;
  size_t len;
} buffer;

static void fail(const char* what) {
  fprintf(stderr, "ward_c_peer: %s\n", what);
  exit(2);
}

/* Reads a command's header; returns 0 at the end of the input. */
static int read_header(char* letter, size_t* length) {
  char line[64];
  size_t used = 0;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {
    if (used + 1 >= sizeof line) fail("header line too long");
    line[used++] = (char)c;
  }
  if (c == EOF) {
    if (used == 0) return 0;
    fail("input ends inside a header");
  }
  line[used] = '\0';
  if (used < 3 || line[1] != ' ') fail("malformed header");
  char* end = NULL;
  const unsigned long long n = strtoull(line + 2, &end, 10);
  if (*end != '\0' || n > MAX_PAYLOAD) fail("malformed or too large length");
  *letter = line[0];
  *length = (size_t)n;
  return 1;
}

static buffer read_payload(size_t length) {
  buffer out;
  out.data = (char*)malloc(length + 1);
  if (out.data == NULL) fail("out of memory");
  if (length > 0 && fread(out.data, 1, length, stdin) != length) fail("input ends in a payload");
  out.data[length] = '\0';
  out.len = length;
  return out;
}

static void answer(ward_status status, const char* data, size_t len) {
  printf("%d %zu\n", (int)status, len);
  if (len > 0) fwrite(data, 1, len, stdout);
  fflush(stdout);
}

static void answer_error(ward_status status, ward_error* error) {
  const char* message = ward_error_message(error);
  answer(status, message, strlen(message));
  ward_error_free(error);
}

int main(void) {
  buffer sources[MAX_SOURCES];
  size_t source_count = 0;
  buffer key = {NULL, 0};
  ward_engine* engine = NULL;
  ward_decision* decision = ward_decision_new();
  if (decision == NULL) fail("out of memory");

  char letter = 0;
  size_t length = 0;
  while (read_header(&letter, &length)) {
    buffer payload = read_payload(length);
    switch (letter) {
      case 'S':
        if (source_count == MAX_SOURCES) fail("too many sources");
        if (strlen(payload.data) == payload.len) fail("a source without a NUL after its name");
        sources[source_count++] = payload;
        continue; /* kept: the source is read when the engine is created */
      case 'K':
        free(key.data);
        key = payload;
        continue;
      case 'N': {
        ward_source given[MAX_SOURCES];
        for (size_t i = 0; i < source_count; ++i) {
          const size_t name_len = strlen(sources[i].data);
          given[i].name.data = sources[i].data;
          given[i].name.len = name_len;
          given[i].text.data = sources[i].data + name_len + 1;
          given[i].text.len = sources[i].len - name_len - 1;
        }
        ward_str approval_key = {key.data, key.len};
        ward_engine_options options;
        memset(&options, 0, sizeof options);
        if (key.len > 0) {
          options.approval_keys = &approval_key;
          options.approval_key_count = 1;
        }
        ward_engine_free(engine);
        engine = NULL;
        ward_error* error = NULL;
        const ward_status status = ward_engine_from_texts(given, source_count, payload.data,
                                                          payload.len, &options, &engine, &error);
        for (size_t i = 0; i < source_count; ++i) free(sources[i].data);
        source_count = 0;
        if (status == WARD_OK) {
          answer(status, NULL, 0);
        } else {
          answer_error(status, error);
        }
        break;
      }
      case 'D': {
        if (engine == NULL) fail("a request before any engine");
        ward_error* error = NULL;
        const ward_status status =
            ward_decide_json(engine, payload.data, payload.len, decision, &error);
        if (status == WARD_OK) {
          const ward_str json = ward_decision_json(decision);
          answer(status, json.data, json.len);
        } else {
          answer_error(status, error);
        }
        break;
      }
      default:
        fail("unknown command");
    }
    free(payload.data);
  }
  for (size_t i = 0; i < source_count; ++i) free(sources[i].data);
  free(key.data);
  ward_decision_free(decision);
  ward_engine_free(engine);
  return 0;
}
