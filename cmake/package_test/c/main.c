/* Decides one request on a small policy through the installed C library and checks the
 * effect: exits 0 when ward.h and libward.so work together. */

#include <stdio.h>
#include <string.h>
#include <ward.h>

int main(void) {
  ward_source source;
  ward_engine* engine = NULL;
  ward_decision* decision = NULL;
  ward_error* error = NULL;
  ward_str json;
  int ok;
  const char* entities =
      "{\"identities\": [{\"kind\": \"user\", \"id\": \"u1\", \"status\": \"active\","
      " \"attrs\": {\"clearance\": 1}}]}";
  const char* request =
      "{\"subject\": {\"kind\": \"user\", \"id\": \"u1\"}, \"action\": \"read\","
      " \"resource\": {\"type\": \"doc\", \"id\": \"d1\"}, \"now\": \"2026-12-01T00:00:00Z\"}";

  source.name = ward_str_of("inline.ward");
  source.text = ward_str_of(
      "schema { user { clearance: int } resource doc {} action read on doc }\n"
      "@id(\"cleared\") permit user to read on doc when subject.clearance >= 2;\n");
  if (ward_engine_from_texts(&source, 1, entities, strlen(entities), NULL, &engine, &error) != WARD_OK) {
    fprintf(stderr, "%s\n", ward_error_message(error));
    ward_error_free(error);
    return 1;
  }
  decision = ward_decision_new();
  if (ward_decide_json(engine, request, strlen(request), decision, NULL) != WARD_OK) return 1;
  json = ward_decision_json(decision);
  printf("%s (ward %s)\n", json.data, ward_version());
  ok = ward_decision_effect(decision) == WARD_DENY &&
       ward_decision_reason(decision) == WARD_REASON_NO_MATCHING_PERMIT;
  ward_decision_free(decision);
  ward_engine_free(engine);
  return ok ? 0 : 1;
}
