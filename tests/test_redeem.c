/* Redemption (spec section 5): golden vectors, one test per error, the C
 * call, and floor properties over random inputs near the int64 edges. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "testutil.h"
#include "token_vectors.h"

START_TEST(golden_vectors) { ck_assert_uint_ge(tv_run_file("redeem"), 20); }
END_TEST

static void expect_error(const char *input, civic_status want) {
  char *out = NULL;
  civic_status st = tv_eval("redeem", input, &out);
  ck_assert_msg(st == want, "%s: expected %s, got %s", input,
                civic_status_name(want), civic_status_name(st));
  ck_assert_ptr_null(out);
}

START_TEST(errors_each_have_their_code) {
  expect_error("{\"tokens\":1,\"rate_num\":1,\"rate_den\":0,\"fee_bp\":0}",
               CIVIC_E_OUT_OF_RANGE);
  expect_error("{\"tokens\":-1,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_NEGATIVE_AMOUNT);
  expect_error("{\"tokens\":1,\"rate_num\":-5,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_NEGATIVE_AMOUNT);
  expect_error("{\"tokens\":1,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":10001}",
               CIVIC_E_OUT_OF_RANGE);
  expect_error("{\"tokens\":1,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":-1}",
               CIVIC_E_OUT_OF_RANGE);
  expect_error("{\"tokens\":1e3,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_NOT_INTEGER);
  expect_error("{\"tokens\":1.0,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_NOT_INTEGER);
  expect_error("{\"tokens\":9223372036854775808,\"rate_num\":1,"
               "\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_OVERFLOW);
  expect_error("{\"tokens\":9223372036854775807,\"rate_num\":2,"
               "\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_OVERFLOW);
  expect_error("{\"tokens\":\"1\",\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_WRONG_TYPE);
  expect_error("{\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0}",
               CIVIC_E_MISSING_FIELD);
  expect_error("{\"tokens\":1,\"rate_num\":1,\"rate_den\":1,\"fee_bp\":0",
               CIVIC_E_MALFORMED_JSON);
  expect_error("[1,2]", CIVIC_E_MALFORMED_JSON);
}
END_TEST

START_TEST(error_message_names_the_field) {
  civic_ctx *ctx = NULL;
  char *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(
      civic_redeem_json(ctx,
                        "{\"tokens\":1,\"rate_num\":1,\"rate_den\":0,"
                        "\"fee_bp\":0}",
                        &out),
      CIVIC_E_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "rate_den"));
  ck_assert_int_eq(civic_ctx_errcode(ctx), CIVIC_E_OUT_OF_RANGE);
  civic_ctx_free(ctx);
}
END_TEST

START_TEST(c_call_matches_and_leaves_outputs_on_error) {
  civic_ctx *ctx = NULL;
  int64_t gross = -7, net = -7, fee = -7;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_redeem(ctx, 1000, 1, 3, 250, &gross, &net, &fee),
                   CIVIC_OK);
  ck_assert(gross == 333 && fee == 8 && net == 325);
  gross = net = fee = -7;
  ck_assert_int_eq(civic_redeem(ctx, INT64_MAX, 2, 1, 0, &gross, &net, &fee),
                   CIVIC_E_OVERFLOW);
  ck_assert(gross == -7 && net == -7 && fee == -7);
  ck_assert_int_eq(civic_redeem(ctx, 1, 1, 1, 0, NULL, &net, &fee),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_redeem(NULL, 1, 1, 1, 0, &gross, &net, &fee),
                   CIVIC_E_INVALID_ARGUMENT);
  civic_ctx_free(ctx);
}
END_TEST

/* Values spread over every magnitude, with the edges hit often. */
static int64_t any_nonneg(civic_test_rng *rng) {
  switch (civic_test_rng_below(rng, 6)) {
  case 0:
    return (int64_t)civic_test_rng_below(rng, 4);
  case 1:
    return INT64_MAX - (int64_t)civic_test_rng_below(rng, 4);
  default:
    return (int64_t)(civic_test_rng_next(rng) >>
                     (1 + civic_test_rng_below(rng, 63)));
  }
}

START_TEST(floor_properties_random) {
  civic_test_rng rng = {42};
  civic_ctx *ctx = NULL;
  int i, ok = 0;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  for (i = 0; i < 40000; i++) {
    int64_t t = any_nonneg(&rng), num = any_nonneg(&rng);
    int64_t den = any_nonneg(&rng) | 1;
    int32_t bp = (int32_t)civic_test_rng_below(&rng, 10001);
    int64_t g, n, f;
    civic_i128 prod = (civic_i128)t * num;
    civic_status st = civic_redeem(ctx, t, num, den, bp, &g, &n, &f);
    if (prod / den > INT64_MAX) {
      ck_assert_int_eq(st, CIVIC_E_OVERFLOW);
      continue;
    }
    ck_assert_int_eq(st, CIVIC_OK);
    ok++;
    /* gross is the floor: gross*den <= t*num < (gross+1)*den */
    ck_assert((civic_i128)g * den <= prod && prod < ((civic_i128)g + 1) * den);
    ck_assert((civic_i128)f * 10000 <= (civic_i128)g * bp &&
              (civic_i128)g * bp < ((civic_i128)f + 1) * 10000);
    ck_assert(n + f == g && n >= 0 && f >= 0);
  }
  ck_assert_int_gt(ok, 10000);
  civic_ctx_free(ctx);
}
END_TEST

static Suite *redeem_suite(void) {
  Suite *s = suite_create("redeem");
  TCase *tc = tcase_create("core");
  TCase *tc_slow;
  tcase_add_test(tc, golden_vectors);
  tcase_add_test(tc, errors_each_have_their_code);
  tcase_add_test(tc, error_message_names_the_field);
  tcase_add_test(tc, c_call_matches_and_leaves_outputs_on_error);
  suite_add_tcase(s, tc);
  /* Long property loops: run plain and under the sanitizers, skipped
   * by the valgrind stage (CK_EXCLUDE_TAGS=slow). */
  tc_slow = tcase_create("slow");
  tcase_set_tags(tc_slow, "slow");
  tcase_add_test(tc_slow, floor_properties_random);
  suite_add_tcase(s, tc_slow);
  return s;
}

int main(void) { return civic_test_run(redeem_suite()); }
