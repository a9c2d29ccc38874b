/* Pro-rata split (spec section 2): golden vectors, quota property, exact
 * sum, order independence and the sorting path for many claims. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "json.h"
#include "split.h"
#include "testutil.h"
#include "vector_file.h"

START_TEST(golden_vectors) {
  char *text =
      civic_test_read_file(CIVIC_SOURCE_DIR "/tests/vectors/split.json");
  static civic_vector_case cases[256];
  civic_ctx *ctx = NULL;
  size_t i, n;
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(strstr(text, "\"kind\": \"split\""));
  n = civic_vector_cases(text, cases, 256);
  ck_assert_int_gt((int)n, 20);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  for (i = 0; i < n; i++) {
    civic_vector_check_case(ctx, "split", &cases[i]);
    civic_vector_case_free(&cases[i]);
  }
  civic_ctx_free(ctx);
  free(text);
}
END_TEST

START_TEST(malformed_json_and_messages) {
  civic_ctx *ctx = NULL;
  char *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_evaluate(ctx, "split", "{\"total\": 1,", &out),
                   CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(
      civic_evaluate(ctx, "split",
                     "{\"total\":1,\"claims\":[{\"id\":\"a\",\"amount\":1},"
                     "{\"id\":\"b\",\"amount\":-2}]}",
                     &out),
      CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "claims[1].amount: must be >= 0, got -2");
  ck_assert_int_eq(
      civic_evaluate(ctx, "split",
                     "{\"total\":1,\"claims\":[{\"id\":\"a\",\"amount\":1},"
                     "{\"id\":\"a\",\"amount\":2}]}",
                     &out),
      CIVIC_E_DUPLICATE_ID);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "claims[1].id"));
  ck_assert_ptr_null(out);
  civic_ctx_free(ctx);
}
END_TEST

/* floor(P*a/D) or its ceiling. */
static int is_floor_or_ceil(int64_t share, int64_t total, int64_t claim,
                            int64_t sum) {
  civic_i128 q = (civic_i128)total * claim;
  int64_t lo = (int64_t)(q / sum);
  int64_t hi = lo + (q % sum != 0);
  return share == lo || share == hi;
}

static int64_t random_claim(civic_test_rng *rng, int mode) {
  switch (mode) {
  case 0:
    return (int64_t)civic_test_rng_below(rng, 4); /* many ties and zeros */
  case 1:
    return (int64_t)civic_test_rng_below(rng, 100000);
  default: /* near 2^59 so that sums of up to 16 fit and products need 128 */
    return (int64_t)(civic_test_rng_next(rng) >> 5);
  }
}

START_TEST(property_quota_sum_and_order) {
  civic_test_rng rng = {42};
  enum { MAX_N = 40 };
  int round;
  for (round = 0; round < 3000; round++) {
    size_t n = (size_t)civic_test_rng_below(&rng, MAX_N) + 1, i;
    int mode = (int)civic_test_rng_below(&rng, 3);
    int64_t claims[MAX_N], shares[MAX_N], pclaims[MAX_N], pshares[MAX_N];
    char names[MAX_N][8];
    const char *ids[MAX_N], *pids[MAX_N];
    size_t perm[MAX_N];
    int64_t sum = 0, total, got = 0;
    civic_diag d = {0};
    if (mode == 2 && n > 16)
      n = 16;
    for (i = 0; i < n; i++) {
      claims[i] = random_claim(&rng, mode);
      sum += claims[i];
      /* ids in scrambled byte order, including a non-ASCII byte */
      snprintf(names[i], sizeof names[i], "%c%02u",
               (int)("zaM\xc3q"[civic_test_rng_below(&rng, 5)]), (unsigned)i);
      ids[i] = names[i];
      perm[i] = i;
    }
    total = sum == 0
                ? 0
                : (int64_t)(civic_test_rng_next(&rng) % ((uint64_t)sum + 1));
    ck_assert_int_eq(civic_split(&d, "claims", total, claims, ids, n, shares),
                     CIVIC_OK);
    for (i = 0; i < n; i++) {
      got += shares[i];
      if (sum > 0)
        ck_assert(is_floor_or_ceil(shares[i], total, claims[i], sum));
    }
    ck_assert(got == total);
    /* the same claims in another order give the same share per id */
    for (i = n; i > 1; i--) {
      size_t j = (size_t)civic_test_rng_below(&rng, i), t = perm[i - 1];
      perm[i - 1] = perm[j];
      perm[j] = t;
    }
    for (i = 0; i < n; i++) {
      pclaims[i] = claims[perm[i]];
      pids[i] = ids[perm[i]];
    }
    ck_assert_int_eq(
        civic_split(&d, "claims", total, pclaims, pids, n, pshares), CIVIC_OK);
    for (i = 0; i < n; i++)
      ck_assert(pshares[i] == shares[perm[i]]);
  }
}
END_TEST

/* The ranked split on long lists (merge-sort path) against a direct
 * reading of section 2: repeatedly give a unit to the largest remainder,
 * smallest index first. */
START_TEST(ranked_split_many_claims_matches_reference) {
  civic_test_rng rng = {7};
  enum { N = 300 };
  static int64_t claims[N], shares[N], rem[N], ref[N], refrem[N];
  static uint32_t order[N], tmp[N];
  int round;
  for (round = 0; round < 50; round++) {
    int64_t sum = 0, total, left;
    size_t i;
    for (i = 0; i < N; i++) {
      claims[i] = (int64_t)civic_test_rng_below(&rng, round % 2 ? 5 : 1000000);
      sum += claims[i];
    }
    total = (int64_t)civic_test_rng_below(&rng, (uint64_t)sum + 1);
    civic_split_ranked(total, sum, claims, N, shares, rem, order, tmp);
    left = total;
    for (i = 0; i < N; i++) {
      civic_i128 q = (civic_i128)total * claims[i];
      ref[i] = sum ? (int64_t)(q / sum) : 0;
      refrem[i] = sum ? (int64_t)(q % sum) : 0;
      left -= ref[i];
    }
    while (left-- > 0) {
      size_t best = 0;
      for (i = 1; i < N; i++)
        if (refrem[i] > refrem[best])
          best = i;
      ref[best]++;
      refrem[best] = -1;
    }
    for (i = 0; i < N; i++)
      ck_assert_msg(shares[i] == ref[i], "round %d claim %zu", round, i);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("split");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, golden_vectors);
  tcase_add_test(tc, malformed_json_and_messages);
  tcase_add_test(tc, property_quota_sum_and_order);
  tcase_add_test(tc, ranked_split_many_claims_matches_reference);
  suite_add_tcase(s, tc);
  return civic_test_run(s);
}
