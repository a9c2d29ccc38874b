/* Core API hygiene: versions, status names and texts, the error context,
 * exact JSON integers at the int64 edges. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

START_TEST(version_matches_headers) {
  ck_assert_str_eq(civic_version_string(), CIVIC_VERSION_STRING);
  ck_assert_int_eq(civic_version_number(), CIVIC_VERSION_NUMBER);
}
END_TEST

START_TEST(every_status_has_name_and_text) {
  int s;
  for (s = 0; s < CIVIC_STATUS_END_; s++) {
    const char *name = civic_status_name((civic_status)s);
    if (strcmp(name, "unknown") == 0)
      continue; /* a gap between module ranges */
    ck_assert_str_ne(civic_strerror((civic_status)s), "unknown status code");
    ck_assert_msg(strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789") ==
                      strlen(name),
                  "status %d name '%s' is not snake_case", s, name);
  }
  ck_assert_str_eq(civic_status_name(CIVIC_E_NEGATIVE_AMOUNT),
                   "negative_amount");
  ck_assert_str_eq(civic_status_name((civic_status)99999), "unknown");
}
END_TEST

START_TEST(init_is_idempotent) {
  ck_assert_int_eq(civic_init(), CIVIC_OK);
  ck_assert_int_eq(civic_init(), CIVIC_OK);
}
END_TEST

START_TEST(json_integers_exact_at_int64_edges) {
  civic_diag d = {0};
  json_t *o = NULL;
  int64_t v = 0;
  const char *text =
      "{\"max\": 9223372036854775807, \"min\": -9223372036854775808,"
      " \"near53\": 9007199254740993}";
  ck_assert_int_eq(civic_json_parse(&d, text, strlen(text), &o), CIVIC_OK);
  ck_assert_int_eq(civic_json_int(&d, o, "", "max", INT64_MIN, INT64_MAX, &v),
                   CIVIC_OK);
  ck_assert(v == INT64_MAX);
  ck_assert_int_eq(civic_json_int(&d, o, "", "min", INT64_MIN, INT64_MAX, &v),
                   CIVIC_OK);
  ck_assert(v == INT64_MIN);
  /* 2^53 + 1 is not representable as a double: exactness check. */
  ck_assert_int_eq(
      civic_json_int(&d, o, "", "near53", INT64_MIN, INT64_MAX, &v), CIVIC_OK);
  ck_assert(v == 9007199254740993LL);
  json_decref(o);
}
END_TEST

START_TEST(json_rejects_out_of_range_fraction_and_strings) {
  civic_diag d = {0};
  json_t *o = NULL;
  int64_t v = 0;
  const char *big = "{\"a\": 9223372036854775808}";
  const char *frac = "{\"a\": 1.0, \"b\": 1e2, \"c\": \"5\", \"d\": -1}";
  ck_assert_int_eq(civic_json_parse(&d, big, strlen(big), &o),
                   CIVIC_E_OVERFLOW);
  ck_assert_ptr_null(o);
  ck_assert_int_eq(civic_json_parse(&d, frac, strlen(frac), &o), CIVIC_OK);
  ck_assert_int_eq(civic_json_amount(&d, o, "x", "a", &v), CIVIC_E_NOT_INTEGER);
  ck_assert_str_eq(d.msg,
                   "x.a: must be an integer literal (no fraction or exponent)");
  ck_assert_int_eq(civic_json_amount(&d, o, "", "b", &v), CIVIC_E_NOT_INTEGER);
  ck_assert_int_eq(civic_json_amount(&d, o, "", "c", &v), CIVIC_E_WRONG_TYPE);
  ck_assert_int_eq(civic_json_amount(&d, o, "", "d", &v),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_int_eq(civic_json_amount(&d, o, "", "zz", &v),
                   CIVIC_E_MISSING_FIELD);
  json_decref(o);
}
END_TEST

START_TEST(json_rejects_duplicate_keys_and_non_objects) {
  civic_diag d = {0};
  json_t *o = NULL;
  const char *dup = "{\"a\": 1, \"a\": 2}";
  ck_assert_int_eq(civic_json_parse(&d, dup, strlen(dup), &o),
                   CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(civic_json_parse(&d, "[1]", 3, &o), CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(civic_json_parse(&d, "{", 1, &o), CIVIC_E_MALFORMED_JSON);
}
END_TEST

START_TEST(evaluate_unknown_kind_names_it) {
  civic_ctx *ctx = NULL;
  char *out = (char *)1;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_evaluate(ctx, "astrology", "{}", &out),
                   CIVIC_E_UNKNOWN_KIND);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "astrology"));
  ck_assert_int_eq(civic_ctx_errcode(ctx), CIVIC_E_UNKNOWN_KIND);
  civic_ctx_free(ctx);
  civic_ctx_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, version_matches_headers);
  tcase_add_test(tc, every_status_has_name_and_text);
  tcase_add_test(tc, init_is_idempotent);
  tcase_add_test(tc, json_integers_exact_at_int64_edges);
  tcase_add_test(tc, json_rejects_out_of_range_fraction_and_strings);
  tcase_add_test(tc, json_rejects_duplicate_keys_and_non_objects);
  tcase_add_test(tc, evaluate_unknown_kind_names_it);
  suite_add_tcase(s, tc);
  return civic_test_run(s);
}
