/* Spec section 4 (proration): unit checks, the golden vectors in
 * tests/vectors/prorate.json (each also run with its segments shuffled and
 * the permutation undone), and property tests of the section-4 claims. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "json.h"
#include "prorate.h"
#include "testutil.h"

/* Run one input through civic_evaluate; returns the status and, on success,
 * the parsed output in *out. */
static civic_status run_prorate(const json_t *input, json_t **out) {
  civic_ctx *ctx = NULL;
  char *text = civic_json_dump(input), *result = NULL;
  civic_status st;
  json_error_t err;
  *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_evaluate(ctx, "prorate", text, &result);
  if (st == CIVIC_OK) {
    *out = json_loads(result, 0, &err);
    ck_assert_ptr_nonnull(*out);
  } else {
    ck_assert_ptr_null(result);
    ck_assert_str_ne(civic_ctx_errmsg(ctx), "");
  }
  civic_free(result);
  free(text);
  civic_ctx_free(ctx);
  return st;
}

/* Copy of input with its segments permuted by perm; the expected output is
 * permuted the same way, which is "undoing the permutation" in reverse. */
static json_t *permuted(const json_t *obj, const size_t *perm, size_t n) {
  json_t *copy = json_deep_copy(obj);
  json_t *segs = json_object_get(obj, "segments");
  json_t *fresh = json_array();
  size_t i;
  for (i = 0; i < n; i++)
    json_array_append(fresh, json_array_get(segs, perm[i]));
  json_object_set_new(copy, "segments", fresh);
  return copy;
}

static void check_case(const json_t *c, const json_t *input,
                       const json_t *expect) {
  const char *name = json_string_value(json_object_get(c, "name"));
  json_t *out = NULL;
  civic_status st = run_prorate(input, &out);
  const json_t *err = json_object_get(expect, "error");
  if (err != NULL) {
    ck_assert_msg(st != CIVIC_OK, "%s: expected an error", name);
    ck_assert_msg(strcmp(civic_status_name(st), json_string_value(err)) == 0,
                  "%s: expected %s, got %s", name, json_string_value(err),
                  civic_status_name(st));
    return;
  }
  ck_assert_msg(st == CIVIC_OK, "%s: failed with %s", name,
                civic_status_name(st));
  ck_assert_msg(json_equal(out, expect), "%s: output differs", name);
  json_decref(out);
}

START_TEST(golden_vectors_in_any_order) {
  char *text =
      civic_test_read_file(CIVIC_SOURCE_DIR "/tests/vectors/prorate.json");
  json_error_t err;
  json_t *file, *cases;
  civic_test_rng rng = {20251122};
  size_t i, ran = 0;
  ck_assert_ptr_nonnull(text);
  file = json_loads(text, 0, &err);
  ck_assert_ptr_nonnull(file);
  ck_assert_str_eq(json_string_value(json_object_get(file, "kind")), "prorate");
  cases = json_object_get(file, "cases");
  for (i = 0; i < json_array_size(cases); i++) {
    const json_t *c = json_array_get(cases, i);
    const json_t *in = json_object_get(c, "input");
    const json_t *expect = json_object_get(c, "expect");
    const json_t *segs = json_object_get(in, "segments");
    int trial;
    check_case(c, in, expect);
    ran++;
    if (!json_is_array(segs) || json_array_size(segs) < 2)
      continue;
    for (trial = 0; trial < 4; trial++) {
      size_t n = json_array_size(segs), k, perm[16];
      json_t *pin, *pexp;
      ck_assert_uint_le(n, 16);
      for (k = 0; k < n; k++)
        perm[k] = k;
      for (k = n - 1; k > 0; k--) { /* Fisher-Yates */
        size_t j = (size_t)civic_test_rng_below(&rng, k + 1), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
      }
      pin = permuted(in, perm, n);
      pexp = json_object_get(expect, "error") ? json_incref((json_t *)expect)
                                              : permuted(expect, perm, n);
      check_case(c, pin, pexp);
      json_decref(pin);
      json_decref(pexp);
    }
  }
  ck_assert_uint_ge(ran, 30);
  json_decref(file);
  free(text);
}
END_TEST

START_TEST(error_messages_name_the_field) {
  civic_ctx *ctx = NULL;
  char *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(
      civic_evaluate(ctx, "prorate",
                     "{\"days_in_month\":30,\"segments\":[{\"amount\":1,"
                     "\"start\":0,\"end\":1},{\"amount\":-5,\"start\":0,"
                     "\"end\":1}]}",
                     &out),
      CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "segments[1].amount: must be >= 0, got -5");
  ck_assert_int_eq(
      civic_evaluate(ctx, "prorate",
                     "{\"days_in_month\":30,\"segments\":[{\"amount\":1,"
                     "\"start\":9,\"end\":3}]}",
                     &out),
      CIVIC_E_OUT_OF_RANGE);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "segments[0]: start (9) must be <= end (3)");
  /* Kept out of the vector file: jansson-based runners cannot load a file
   * containing an integer outside int64 at all. */
  ck_assert_int_eq(
      civic_evaluate(ctx, "prorate",
                     "{\"days_in_month\":30,\"segments\":[{\"amount\":"
                     "9223372036854775808,\"start\":0,\"end\":30}]}",
                     &out),
      CIVIC_E_OVERFLOW);
  ck_assert_ptr_null(out);
  civic_ctx_free(ctx);
}
END_TEST

START_TEST(public_prorate_amount) {
  civic_ctx *ctx = NULL;
  int64_t v = 77;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_prorate_amount(ctx, &v, 52000, 14, 30, 30), CIVIC_OK);
  ck_assert(v == 27733);
  v = 77;
  ck_assert_int_eq(civic_prorate_amount(ctx, &v, -1, 0, 30, 30),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_int_eq(civic_prorate_amount(ctx, &v, 1, 0, 30, 27),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(civic_prorate_amount(ctx, &v, 1, 5, 4, 30),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert(v == 77); /* untouched on error */
  ck_assert_int_eq(civic_prorate_amount(NULL, &v, 1, 0, 1, 30),
                   CIVIC_E_INVALID_ARGUMENT);
  civic_ctx_free(ctx);
}
END_TEST

/* Spec claims: one rate all month gives R; splitting at any set of days
 * without a rate change gives R; each piece is within [0, R]; a longer span
 * never gives less (monotone). Checked on many random amounts, including
 * ones near INT64_MAX that need the 128-bit intermediate. */
START_TEST(property_split_without_rate_change_is_exact) {
  civic_test_rng rng = {7};
  int iter;
  for (iter = 0; iter < 20000; iter++) {
    int64_t days = 28 + (int64_t)civic_test_rng_below(&rng, 4);
    int64_t r = (iter % 3 == 0)
                    ? INT64_MAX - (int64_t)civic_test_rng_below(&rng, 1000)
                    : (int64_t)civic_test_rng_below(&rng, 100000000);
    int64_t cut1 = (int64_t)civic_test_rng_below(&rng, (uint64_t)days + 1);
    int64_t cut2 = (int64_t)civic_test_rng_below(&rng, (uint64_t)days + 1);
    int64_t lo = cut1 < cut2 ? cut1 : cut2, hi = cut1 < cut2 ? cut2 : cut1;
    int64_t a = civic_prorate_segment(r, 0, lo, days);
    int64_t b = civic_prorate_segment(r, lo, hi, days);
    int64_t c = civic_prorate_segment(r, hi, days, days);
    ck_assert(civic_prorate_segment(r, 0, days, days) == r);
    ck_assert(a >= 0 && b >= 0 && c >= 0 && a <= r && b <= r && c <= r);
    ck_assert((civic_i128)a + b + c == (civic_i128)r);
    ck_assert(civic_prorate_segment(r, 0, hi, days) >= a);
  }
}
END_TEST

START_TEST(days_in_month_gregorian) {
  ck_assert_int_eq(civic_days_in_month(2028, 2), 29);
  ck_assert_int_eq(civic_days_in_month(2025, 2), 28);
  ck_assert_int_eq(civic_days_in_month(2000, 2), 29);
  ck_assert_int_eq(civic_days_in_month(1900, 2), 28);
  ck_assert_int_eq(civic_days_in_month(2025, 4), 30);
  ck_assert_int_eq(civic_days_in_month(2025, 12), 31);
}
END_TEST

int main(void) {
  Suite *s = suite_create("prorate");
  TCase *tc = tcase_create("prorate");
  tcase_add_test(tc, golden_vectors_in_any_order);
  tcase_add_test(tc, error_messages_name_the_field);
  tcase_add_test(tc, public_prorate_amount);
  tcase_add_test(tc, property_split_without_rate_change_is_exact);
  tcase_add_test(tc, days_in_month_gregorian);
  suite_add_tcase(s, tc);
  return civic_test_run(s);
}
