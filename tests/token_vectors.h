/* Golden-vector runner shared by test_redeem.c and test_vote.c.
 *
 * Runs every case of tests/vectors/<kind>.json through civic_evaluate, once
 * as written and several times with every input array shuffled recursively
 * (the shuffle rule of the vector files: redeem and tally have no
 * "input order" outputs, so the answer must not change at all).
 */
#ifndef CIVIC_TOKEN_VECTORS_H
#define CIVIC_TOKEN_VECTORS_H

#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

/* A deep copy of v with every array shuffled (Fisher-Yates). */
static json_t *tv_shuffled(const json_t *v, civic_test_rng *rng) {
  if (json_is_array(v)) {
    size_t n = json_array_size(v), i;
    json_t **items = calloc(n ? n : 1, sizeof *items);
    json_t *out = json_array();
    for (i = 0; i < n; i++)
      items[i] = tv_shuffled(json_array_get(v, i), rng);
    for (i = n; i > 1; i--) {
      size_t j = (size_t)civic_test_rng_below(rng, i);
      json_t *t = items[i - 1];
      items[i - 1] = items[j];
      items[j] = t;
    }
    for (i = 0; i < n; i++)
      json_array_append_new(out, items[i]);
    free(items);
    return out;
  }
  if (json_is_object(v)) {
    json_t *out = json_object(), *value;
    const char *key;
    json_object_foreach((json_t *)v, key, value)
        json_object_set_new(out, key, tv_shuffled(value, rng));
    return out;
  }
  return json_deep_copy(v);
}

/* Run one case's input; compare with its expectation. */
static void tv_check_case(const char *kind, const json_t *c,
                          const json_t *input) {
  const char *name = json_string_value(json_object_get(c, "name"));
  const json_t *expect = json_object_get(c, "expect");
  const json_t *want_error = json_object_get(expect, "error");
  char *text = civic_json_dump(input), *out = NULL;
  civic_ctx *ctx = NULL;
  civic_status st;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_evaluate(ctx, kind, text, &out);
  if (want_error != NULL) {
    ck_assert_msg(st != CIVIC_OK, "%s: expected %s, got success %s", name,
                  json_string_value(want_error), out ? out : "");
    ck_assert_msg(
        strcmp(civic_status_name(st), json_string_value(want_error)) == 0,
        "%s: expected %s, got %s (%s)", name, json_string_value(want_error),
        civic_status_name(st), civic_ctx_errmsg(ctx));
    ck_assert_msg(strlen(civic_ctx_errmsg(ctx)) > 0, "%s: no message", name);
  } else {
    json_t *got;
    civic_diag d = {0};
    ck_assert_msg(st == CIVIC_OK, "%s: failed with %s: %s", name,
                  civic_status_name(st), civic_ctx_errmsg(ctx));
    ck_assert_int_eq(civic_json_parse(&d, out, strlen(out), &got), CIVIC_OK);
    ck_assert_msg(json_equal(got, expect), "%s: got %s", name, out);
    json_decref(got);
  }
  civic_free(out);
  free(text);
  civic_ctx_free(ctx);
}

/* Run every case of one vector file; returns how many cases ran. */
static size_t tv_run_file(const char *kind) {
  char path[512];
  char *text;
  json_t *doc, *cases;
  civic_diag d = {0};
  size_t i, ran = 0;
  civic_test_rng rng = {20261122u};
  snprintf(path, sizeof path, "%s/tests/vectors/%s.json", CIVIC_SOURCE_DIR,
           kind);
  text = civic_test_read_file(path);
  ck_assert_msg(text != NULL, "cannot read %s", path);
  ck_assert_int_eq(civic_json_parse(&d, text, strlen(text), &doc), CIVIC_OK);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "kind")), kind);
  cases = json_object_get(doc, "cases");
  for (i = 0; i < json_array_size(cases); i++) {
    const json_t *c = json_array_get(cases, i);
    const json_t *input = json_object_get(c, "input");
    int round;
    ck_assert_msg(json_is_string(json_object_get(c, "working")),
                  "%s case %zu has no working", kind, i);
    tv_check_case(kind, c, input);
    for (round = 0; round < 4; round++) {
      json_t *shuffled = tv_shuffled(input, &rng);
      tv_check_case(kind, c, shuffled);
      json_decref(shuffled);
    }
    ran++;
  }
  json_decref(doc);
  free(text);
  return ran;
}

/* Evaluate a JSON text; returns the status, and the output in *out (or
 * NULL) for the caller to free with civic_free. */
static civic_status tv_eval(const char *kind, const char *input, char **out) {
  civic_ctx *ctx = NULL;
  civic_status st;
  *out = NULL;
  if (civic_ctx_new(&ctx) != CIVIC_OK)
    return CIVIC_E_NOMEM;
  st = civic_evaluate(ctx, kind, input, out);
  civic_ctx_free(ctx);
  return st;
}

#endif
