/* Benefit-priority waterfall (spec section 3): golden vectors, the spec's
 * invariants on random plans, permutation invariance, the batch API
 * against the plan API, the trace, and error reporting. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "json.h"
#include "testutil.h"
#include "vector_file.h"

/* ---- golden vectors ---- */

START_TEST(golden_vectors) {
  char *text =
      civic_test_read_file(CIVIC_SOURCE_DIR "/tests/vectors/waterfall.json");
  static civic_vector_case cases[256];
  civic_ctx *ctx = NULL;
  size_t i, n;
  ck_assert_ptr_nonnull(text);
  n = civic_vector_cases(text, cases, 256);
  ck_assert_int_gt((int)n, 40);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  for (i = 0; i < n; i++) {
    civic_vector_check_case(ctx, "waterfall", &cases[i]);
    civic_vector_case_free(&cases[i]);
  }
  civic_ctx_free(ctx);
  free(text);
}
END_TEST

/* ---- random plans ---- */

enum { MAX_OB = 10, MAX_IN = 6 };
static const char *const CATS[] = {"rent",  "energy", "health",
                                   "water", "debt",   "childcare"};

typedef struct rplan {
  int64_t opening, receivable, floor, cap;
  int floor_guaranteed;
  size_t ni, no;
  char inc_id[MAX_IN][24];
  int64_t inc_amount[MAX_IN];
  int inc_cat[MAX_IN]; /* -1 general */
  char ob_id[MAX_OB][24];
  int ob_cat[MAX_OB];
  int64_t ob_prio[MAX_OB], ob_amount[MAX_OB];
  int ob_guaranteed[MAX_OB];
} rplan;

static int64_t ramount(civic_test_rng *r, int64_t scale) {
  if (civic_test_rng_below(r, 8) == 0)
    return 0;
  return (int64_t)civic_test_rng_below(r, (uint64_t)scale);
}

static void random_plan(civic_test_rng *r, rplan *p) {
  size_t i;
  /* scale: cents of a household, or huge values that still fit int64 */
  int64_t scale =
      civic_test_rng_below(r, 10) == 0 ? (INT64_C(1) << 61) : 300000;
  memset(p, 0, sizeof *p);
  p->opening = ramount(r, scale);
  p->receivable = ramount(r, scale);
  p->floor = ramount(r, scale);
  p->cap = ramount(r, scale);
  p->floor_guaranteed = (int)civic_test_rng_below(r, 2);
  p->ni = (size_t)civic_test_rng_below(r, MAX_IN + 1);
  p->no = (size_t)civic_test_rng_below(r, MAX_OB + 1);
  for (i = 0; i < p->ni; i++) {
    /* ids whose byte order differs from their position */
    snprintf(p->inc_id[i], sizeof p->inc_id[i], "i%c%zu",
             "qaZz"[civic_test_rng_below(r, 4)], i);
    p->inc_amount[i] = ramount(r, scale);
    p->inc_cat[i] = (int)civic_test_rng_below(r, 8) - 2; /* -2,-1: general */
    if (p->inc_cat[i] < 0)
      p->inc_cat[i] = -1;
  }
  for (i = 0; i < p->no; i++) {
    /* "\xc3\xa9" is e-acute: a lead byte above every ASCII letter */
    static const char *const lead[4] = {"z", "b", "\xc3\xa9", "A"};
    snprintf(p->ob_id[i], sizeof p->ob_id[i], "%s%zu",
             lead[civic_test_rng_below(r, 4)], i);
    p->ob_cat[i] = (int)civic_test_rng_below(r, 5); /* never childcare */
    p->ob_prio[i] = (int64_t)civic_test_rng_below(r, 4) * 3;
    p->ob_amount[i] = ramount(r, scale);
    p->ob_guaranteed[i] = (int)civic_test_rng_below(r, 2);
  }
}

/* Load p into plan with incomes and obligations in the order given by
 * iperm / operm. */
static void fill_plan(civic_waterfall_plan *plan, const rplan *p,
                      const size_t *iperm, const size_t *operm) {
  size_t i;
  ck_assert_int_eq(civic_waterfall_plan_reset(plan), CIVIC_OK);
  ck_assert_int_eq(
      civic_waterfall_plan_set_balances(plan, p->opening, p->receivable),
      CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_set_policy(plan, p->floor,
                                                   p->floor_guaranteed, p->cap),
                   CIVIC_OK);
  for (i = 0; i < p->ni; i++) {
    size_t k = iperm[i];
    ck_assert_int_eq(civic_waterfall_plan_add_income(
                         plan, p->inc_id[k], p->inc_amount[k],
                         p->inc_cat[k] < 0 ? NULL : CATS[p->inc_cat[k]]),
                     CIVIC_OK);
  }
  for (i = 0; i < p->no; i++) {
    size_t k = operm[i];
    ck_assert_int_eq(civic_waterfall_plan_add_obligation(
                         plan, p->ob_id[k], CATS[p->ob_cat[k]], p->ob_prio[k],
                         p->ob_amount[k], p->ob_guaranteed[k]),
                     CIVIC_OK);
  }
}

static void shuffle(civic_test_rng *r, size_t *a, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    a[i] = i;
  for (i = n; i > 1; i--) {
    size_t j = (size_t)civic_test_rng_below(r, i), t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

/* The spec's invariants on one successful result. */
static void check_invariants(const rplan *p, const size_t *iperm,
                             const size_t *operm,
                             const civic_waterfall_result *res) {
  civic_i128 in = p->opening, out = 0;
  size_t i;
  (void)iperm;
  for (i = 0; i < p->ni; i++)
    in += p->inc_amount[i];
  for (i = 0; i < p->no; i++) {
    int64_t pe = civic_waterfall_result_paid_earmarked(res, i);
    int64_t pg = civic_waterfall_result_paid_general(res, i);
    int64_t cv = civic_waterfall_result_covered(res, i);
    int64_t up = civic_waterfall_result_unpaid(res, i);
    size_t k = operm[i];
    ck_assert(pe >= 0 && pg >= 0 && cv >= 0 && up >= 0);
    ck_assert((civic_i128)pe + pg + cv + up == p->ob_amount[k]);
    ck_assert(p->ob_guaranteed[k] ? up == 0 : cv == 0);
    ck_assert_str_eq(civic_waterfall_result_obligation_id(res, i), p->ob_id[k]);
    out += (civic_i128)pe + pg;
  }
  out += civic_waterfall_result_recovery(res);
  out += civic_waterfall_result_living_allowance(res);
  out -= civic_waterfall_result_top_up(res);
  ck_assert_msg(in == out, "conservation identity fails");
  /* recovery never takes the allowance below the floor */
  if (civic_waterfall_result_recovery(res) > 0)
    ck_assert(civic_waterfall_result_living_allowance(res) -
                  civic_waterfall_result_top_up(res) >=
              p->floor);
  ck_assert(civic_waterfall_result_recovery(res) <= p->cap);
  ck_assert(civic_waterfall_result_recovery(res) <= p->receivable);
  if (p->floor_guaranteed)
    ck_assert(civic_waterfall_result_living_allowance(res) >= p->floor);
  else
    ck_assert(civic_waterfall_result_top_up(res) == 0);
}

START_TEST(property_invariants_and_permutations) {
  civic_test_rng rng = {2026};
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *a = NULL, *b = NULL;
  civic_ctx *ctx = NULL;
  int round, ok = 0, overflow = 0;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&a), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&b), CIVIC_OK);
  for (round = 0; round < 20000; round++) {
    rplan p;
    size_t iperm[MAX_IN], operm[MAX_OB], iperm2[MAX_IN], operm2[MAX_OB], i;
    civic_status st, st2;
    random_plan(&rng, &p);
    shuffle(&rng, iperm, p.ni);
    shuffle(&rng, operm, p.no);
    fill_plan(plan, &p, iperm, operm);
    st = civic_waterfall_run(ctx, plan, round % 4 == 0, a);
    shuffle(&rng, iperm2, p.ni);
    shuffle(&rng, operm2, p.no);
    fill_plan(plan, &p, iperm2, operm2);
    st2 = civic_waterfall_run(ctx, plan, 0, b);
    ck_assert_int_eq(st, st2);
    if (st == CIVIC_E_OVERFLOW) {
      overflow++;
      ck_assert_int_eq(civic_waterfall_result_obligation_count(a), 0);
      continue;
    }
    ck_assert_msg(st == CIVIC_OK, "%s", civic_ctx_errmsg(ctx));
    ok++;
    check_invariants(&p, iperm, operm, a);
    check_invariants(&p, iperm2, operm2, b);
    /* same numbers per obligation id, whatever the input order */
    for (i = 0; i < p.no; i++) {
      size_t j;
      for (j = 0; operm2[j] != operm[i]; j++)
        ;
      ck_assert(civic_waterfall_result_paid_earmarked(a, i) ==
                civic_waterfall_result_paid_earmarked(b, j));
      ck_assert(civic_waterfall_result_paid_general(a, i) ==
                civic_waterfall_result_paid_general(b, j));
      ck_assert(civic_waterfall_result_covered(a, i) ==
                civic_waterfall_result_covered(b, j));
    }
    ck_assert(civic_waterfall_result_living_allowance(a) ==
              civic_waterfall_result_living_allowance(b));
    ck_assert(civic_waterfall_result_receivable_after(a) ==
              civic_waterfall_result_receivable_after(b));
    ck_assert(civic_waterfall_result_advance(a) ==
              civic_waterfall_result_advance(b));
  }
  ck_assert_int_gt(ok, 15000);
  ck_assert_int_gt(overflow, 0); /* the huge scale does reach overflow */
  civic_waterfall_result_free(a);
  civic_waterfall_result_free(b);
  civic_waterfall_plan_free(plan);
  civic_ctx_free(ctx);
}
END_TEST

/* The trace accounts for every amount: per obligation the earmark and
 * priority entries add up to what was paid, guarantee/arrears entries to
 * covered/unpaid, and the sources equal the sinks. */
START_TEST(trace_accounts_for_every_cent) {
  civic_test_rng rng = {99};
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *res = NULL;
  civic_ctx *ctx = NULL;
  int round;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&res), CIVIC_OK);
  for (round = 0; round < 2000; round++) {
    rplan p;
    size_t iperm[MAX_IN], operm[MAX_OB], i;
    char *js = NULL;
    json_t *root, *trace, *obs;
    civic_i128 sources = 0, sinks = 0;
    random_plan(&rng, &p);
    shuffle(&rng, iperm, p.ni);
    shuffle(&rng, operm, p.no);
    fill_plan(plan, &p, iperm, operm);
    if (civic_waterfall_run(ctx, plan, CIVIC_WATERFALL_TRACE, res) != CIVIC_OK)
      continue;
    ck_assert_int_eq(
        civic_waterfall_result_to_json(ctx, res, CIVIC_WATERFALL_TRACE, &js),
        CIVIC_OK);
    root = json_loads(js, 0, NULL);
    trace = json_object_get(root, "trace");
    obs = json_object_get(root, "obligations");
    ck_assert_ptr_nonnull(trace);
    ck_assert_int_eq((int)json_array_size(trace),
                     (int)civic_waterfall_result_trace_count(res));
    for (i = 0; i < p.no; i++) {
      const json_t *o = json_array_get(obs, i);
      const char *id = json_string_value(json_object_get(o, "id"));
      int64_t paid = 0, cov = 0, unp = 0;
      size_t k;
      for (k = 0; k < json_array_size(trace); k++) {
        const json_t *e = json_array_get(trace, k);
        const char *rule = json_string_value(json_object_get(e, "rule"));
        const json_t *ob = json_object_get(e, "obligation");
        int64_t amt = json_integer_value(json_object_get(e, "amount"));
        if (ob == NULL || strcmp(json_string_value(ob), id) != 0)
          continue;
        if (!strcmp(rule, "earmark") || !strcmp(rule, "priority"))
          paid += amt;
        else if (!strcmp(rule, "guarantee"))
          cov += amt;
        else if (!strcmp(rule, "arrears"))
          unp += amt;
      }
      ck_assert(paid ==
                json_integer_value(json_object_get(o, "paid_earmarked")) +
                    json_integer_value(json_object_get(o, "paid_general")));
      ck_assert(cov == json_integer_value(json_object_get(o, "covered")));
      ck_assert(unp == json_integer_value(json_object_get(o, "unpaid")));
    }
    /* money into the pools = money out of them */
    for (i = 0; i < json_array_size(trace); i++) {
      const json_t *e = json_array_get(trace, i);
      const char *rule = json_string_value(json_object_get(e, "rule"));
      int64_t amt = json_integer_value(json_object_get(e, "amount"));
      ck_assert(amt > 0);
      if (!strcmp(rule, "earmarked_income") ||
          !strcmp(rule, "general_income") || !strcmp(rule, "opening_balance"))
        sources += amt;
      else if (!strcmp(rule, "earmark") || !strcmp(rule, "priority") ||
               !strcmp(rule, "recovery") || !strcmp(rule, "living_allowance"))
        sinks += amt;
    }
    ck_assert(sources == sinks);
    json_decref(root);
    civic_free(js);
  }
  civic_waterfall_result_free(res);
  civic_waterfall_plan_free(plan);
  civic_ctx_free(ctx);
}
END_TEST

/* ---- batch API ---- */

START_TEST(batch_matches_plan_api) {
  enum { PLANS = 3000 };
  civic_test_rng rng = {5};
  static rplan plans[PLANS];
  static int64_t pcol[5][PLANS];
  static int64_t icol[3][PLANS * MAX_IN], ocol[5][PLANS * MAX_OB];
  static int64_t out_row[4][PLANS * MAX_OB], out_plan[5][PLANS];
  static const civic_waterfall_column PCOLS[5] = {
      CIVIC_WATERFALL_COL_OPENING_BALANCE,
      CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING,
      CIVIC_WATERFALL_COL_LIVING_FLOOR, CIVIC_WATERFALL_COL_FLOOR_GUARANTEED,
      CIVIC_WATERFALL_COL_RECOVERY_CAP};
  static const civic_waterfall_column ICOLS[3] = {
      CIVIC_WATERFALL_COL_INCOME_PLAN, CIVIC_WATERFALL_COL_INCOME_AMOUNT,
      CIVIC_WATERFALL_COL_INCOME_EARMARK};
  static const civic_waterfall_column OCOLS[5] = {
      CIVIC_WATERFALL_COL_OBLIGATION_PLAN,
      CIVIC_WATERFALL_COL_OBLIGATION_CATEGORY,
      CIVIC_WATERFALL_COL_OBLIGATION_PRIORITY,
      CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT,
      CIVIC_WATERFALL_COL_OBLIGATION_GUARANTEED};
  civic_waterfall_batch *batch = NULL;
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *res = NULL;
  civic_ctx *ctx = NULL;
  size_t n = 0, ni = 0, no = 0, i, k, rows;
  int pass;

  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  while (n < PLANS) {
    rplan *p = &plans[n];
    random_plan(&rng, p);
    if (p->opening > 1000000 || p->floor > 1000000)
      continue; /* keep the batch free of overflowing plans */
    for (i = 0; i < p->no; i++) {
      /* batch ties break by row order: give ids in row order */
      snprintf(p->ob_id[i], sizeof p->ob_id[i], "o%zu", i);
      if (p->ob_amount[i] > 1000000)
        p->ob_amount[i] = 1000000;
    }
    for (i = 0; i < p->ni; i++)
      if (p->inc_amount[i] > 1000000)
        p->inc_amount[i] = 1000000;
    pcol[0][n] = p->opening;
    pcol[1][n] = p->receivable;
    pcol[2][n] = p->floor;
    pcol[3][n] = p->floor_guaranteed;
    pcol[4][n] = p->cap;
    for (i = 0; i < p->ni; i++, ni++) {
      icol[0][ni] = (int64_t)n;
      icol[1][ni] = p->inc_amount[i];
      icol[2][ni] = p->inc_cat[i] * 7; /* any codes; -7 is general too */
    }
    for (i = 0; i < p->no; i++, no++) {
      ocol[0][no] = (int64_t)n;
      ocol[1][no] = p->ob_cat[i] * 7;
      ocol[2][no] = p->ob_prio[i];
      ocol[3][no] = p->ob_amount[i];
      ocol[4][no] = p->ob_guaranteed[i];
    }
    n++;
  }
  ck_assert_int_eq(civic_waterfall_batch_new(&batch), CIVIC_OK);
  for (pass = 0; pass < 2; pass++) { /* the second run reuses buffers */
    for (k = 0; k < 5; k++)
      ck_assert_int_eq(
          civic_waterfall_batch_set_column(batch, PCOLS[k], pcol[k], n),
          CIVIC_OK);
    for (k = 0; k < 3; k++)
      ck_assert_int_eq(
          civic_waterfall_batch_set_column(batch, ICOLS[k], icol[k], ni),
          CIVIC_OK);
    for (k = 0; k < 5; k++)
      ck_assert_int_eq(
          civic_waterfall_batch_set_column(batch, OCOLS[k], ocol[k], no),
          CIVIC_OK);
    ck_assert_int_eq(civic_waterfall_batch_run(ctx, batch), CIVIC_OK);
  }
  ck_assert_int_eq((int)civic_waterfall_batch_column_length(
                       batch, CIVIC_WATERFALL_COL_PAID_GENERAL),
                   (int)no);
  for (k = 0; k < 4; k++)
    ck_assert_int_eq(
        civic_waterfall_batch_get_column(
            batch, (civic_waterfall_column)(40 + k), out_row[k], no),
        CIVIC_OK);
  for (k = 0; k < 5; k++)
    ck_assert_int_eq(
        civic_waterfall_batch_get_column(
            batch, (civic_waterfall_column)(50 + k), out_plan[k], n),
        CIVIC_OK);

  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&res), CIVIC_OK);
  rows = 0;
  for (k = 0; k < n; k++) {
    size_t id[MAX_IN > MAX_OB ? MAX_IN : MAX_OB];
    for (i = 0; i < MAX_OB; i++)
      id[i] = i;
    fill_plan(plan, &plans[k], id, id);
    ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
    for (i = 0; i < plans[k].no; i++, rows++) {
      ck_assert(out_row[0][rows] ==
                civic_waterfall_result_paid_earmarked(res, i));
      ck_assert(out_row[1][rows] ==
                civic_waterfall_result_paid_general(res, i));
      ck_assert(out_row[2][rows] == civic_waterfall_result_covered(res, i));
      ck_assert(out_row[3][rows] == civic_waterfall_result_unpaid(res, i));
    }
    ck_assert(out_plan[0][k] == civic_waterfall_result_living_allowance(res));
    ck_assert(out_plan[1][k] == civic_waterfall_result_top_up(res));
    ck_assert(out_plan[2][k] == civic_waterfall_result_recovery(res));
    ck_assert(out_plan[3][k] == civic_waterfall_result_advance(res));
    ck_assert(out_plan[4][k] == civic_waterfall_result_receivable_after(res));
  }

  /* all or nothing: a bad row empties the outputs and names the row */
  ocol[3][no - 1] = -5;
  ck_assert_int_eq(
      civic_waterfall_batch_set_column(
          batch, CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT, ocol[3], no),
      CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_run(ctx, batch),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "obligation row"));
  ck_assert_int_eq((int)civic_waterfall_batch_column_length(
                       batch, CIVIC_WATERFALL_COL_PAID_GENERAL),
                   0);
  /* rows out of plan order are refused */
  ocol[3][no - 1] = 5;
  ocol[0][0] = 1;
  ck_assert_int_eq(
      civic_waterfall_batch_set_column(
          batch, CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT, ocol[3], no),
      CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_set_column(
                       batch, CIVIC_WATERFALL_COL_OBLIGATION_PLAN, ocol[0], no),
                   CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_run(ctx, batch),
                   plans[0].no > 1 || plans[1].no > 0 ? CIVIC_E_INVALID_ARGUMENT
                                                      : CIVIC_OK);
  /* column lengths must agree; output columns cannot be set */
  ck_assert_int_eq(civic_waterfall_batch_set_column(
                       batch, CIVIC_WATERFALL_COL_OBLIGATION_PLAN, ocol[0], 1),
                   CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_run(ctx, batch),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_waterfall_batch_set_column(
                       batch, CIVIC_WATERFALL_COL_COVERED, ocol[0], 1),
                   CIVIC_E_INVALID_ARGUMENT);
  civic_waterfall_batch_free(batch);
  civic_waterfall_result_free(res);
  civic_waterfall_plan_free(plan);
  civic_ctx_free(ctx);
}
END_TEST

/* Plans far beyond 16 items take the sorting paths (duplicate check,
 * category interning, category runs, remainder ranking): same invariants,
 * same answer in any order, duplicates still found. */
START_TEST(large_plans_take_the_sorting_paths) {
  enum { NO = 600, NI = 300 };
  civic_test_rng rng = {31337};
  static char ob_id[NO][12], ob_cat[NO][12], in_id[NI][12], in_cat[NI][12];
  static int64_t ob_amount[NO], ob_prio[NO], in_amount[NI];
  static int ob_g[NO], in_has[NI];
  static size_t perm[NO], perm2[NO], iperm[NI], iperm2[NI];
  static int64_t paid[NO];
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *res = NULL;
  civic_ctx *ctx = NULL;
  int pass;
  size_t i;
  civic_i128 in = 0, out = 0;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&res), CIVIC_OK);
  for (i = 0; i < NO; i++) {
    snprintf(ob_id[i], sizeof ob_id[i], "o%zu", (i * 7919) % NO);
    snprintf(ob_cat[i], sizeof ob_cat[i], "c%u",
             (unsigned)civic_test_rng_below(&rng, 80));
    ob_amount[i] = (int64_t)civic_test_rng_below(&rng, 100000);
    ob_prio[i] = (int64_t)civic_test_rng_below(&rng, 6);
    ob_g[i] = (int)civic_test_rng_below(&rng, 2);
  }
  for (i = 0; i < NI; i++) {
    snprintf(in_id[i], sizeof in_id[i], "i%zu", i);
    snprintf(in_cat[i], sizeof in_cat[i], "c%u",
             (unsigned)civic_test_rng_below(&rng, 100)); /* some unused */
    in_has[i] = (int)civic_test_rng_below(&rng, 3) != 0;
    in_amount[i] = (int64_t)civic_test_rng_below(&rng, 150000);
    in += in_amount[i];
  }
  for (pass = 0; pass < 2; pass++) {
    size_t *op = pass ? perm2 : perm, *ip = pass ? iperm2 : iperm;
    shuffle(&rng, op, NO);
    shuffle(&rng, ip, NI);
    ck_assert_int_eq(civic_waterfall_plan_reset(plan), CIVIC_OK);
    ck_assert_int_eq(civic_waterfall_plan_set_policy(plan, 50000, 1, 100),
                     CIVIC_OK);
    for (i = 0; i < NI; i++)
      ck_assert_int_eq(
          civic_waterfall_plan_add_income(plan, in_id[ip[i]], in_amount[ip[i]],
                                          in_has[ip[i]] ? in_cat[ip[i]] : NULL),
          CIVIC_OK);
    for (i = 0; i < NO; i++)
      ck_assert_int_eq(civic_waterfall_plan_add_obligation(
                           plan, ob_id[op[i]], ob_cat[op[i]], ob_prio[op[i]],
                           ob_amount[op[i]], ob_g[op[i]]),
                       CIVIC_OK);
    ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
    out = civic_waterfall_result_recovery(res) +
          civic_waterfall_result_living_allowance(res) -
          civic_waterfall_result_top_up(res);
    for (i = 0; i < NO; i++) {
      int64_t p = civic_waterfall_result_paid_earmarked(res, i) +
                  civic_waterfall_result_paid_general(res, i);
      ck_assert(p + civic_waterfall_result_covered(res, i) +
                    civic_waterfall_result_unpaid(res, i) ==
                ob_amount[op[i]]);
      out += p;
      if (pass == 0)
        paid[op[i]] = p;
      else
        ck_assert(paid[op[i]] == p);
    }
    ck_assert(in == out);
  }
  /* one duplicated id among hundreds is still found */
  ck_assert_int_eq(
      civic_waterfall_plan_add_obligation(plan, ob_id[123], "x", 0, 1, 0),
      CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res),
                   CIVIC_E_DUPLICATE_ID);
  civic_waterfall_result_free(res);
  civic_waterfall_plan_free(plan);
  civic_ctx_free(ctx);
}
END_TEST

START_TEST(empty_batch) {
  civic_waterfall_batch *batch = NULL;
  civic_ctx *ctx = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_new(&batch), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_batch_run(ctx, batch), CIVIC_OK);
  ck_assert_int_eq((int)civic_waterfall_batch_column_length(
                       batch, CIVIC_WATERFALL_COL_LIVING_ALLOWANCE),
                   0);
  ck_assert_int_eq(civic_waterfall_batch_get_column(
                       batch, CIVIC_WATERFALL_COL_LIVING_ALLOWANCE, NULL, 0),
                   CIVIC_OK);
  civic_waterfall_batch_free(batch);
  civic_ctx_free(ctx);
}
END_TEST

/* ---- API behaviour and messages ---- */

static const char *EXAMPLE =
    "{\"opening_balance\": 0,"
    " \"incomes\": [{\"id\": \"huurtoeslag\", \"amount\": 30000, \"earmark\": "
    "\"rent\"}, {\"id\": \"bijstand\", \"amount\": 100000}],"
    " \"obligations\": [{\"id\": \"rent\", \"category\": \"rent\", "
    "\"priority\": 0, \"amount\": 80000, \"guaranteed\": true},"
    " {\"id\": \"energy\", \"category\": \"energy\", \"priority\": 1, "
    "\"amount\": 12000, \"guaranteed\": true},"
    " {\"id\": \"loan\", \"category\": \"debt\", \"priority\": 5, \"amount\": "
    "5000, \"guaranteed\": false}],"
    " \"receivable_outstanding\": 2000,"
    " \"policy\": {\"living_floor\": 40000, \"floor_guaranteed\": true, "
    "\"recovery_cap\": 1000}}";

START_TEST(json_explain_option_and_default_form) {
  civic_ctx *ctx = NULL;
  char *out = NULL, *with = NULL;
  json_t *plain, *expl;
  size_t len = strlen(EXAMPLE);
  char *input = malloc(len + 32);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_evaluate(ctx, "waterfall", EXAMPLE, &out), CIVIC_OK);
  /* default output: exactly the spec keys */
  ck_assert_str_eq(
      out, "{\"obligations\":[{\"id\":\"rent\",\"paid_earmarked\":30000,"
           "\"paid_general\":50000,\"covered\":0,\"unpaid\":0},{\"id\":"
           "\"energy\",\"paid_earmarked\":0,\"paid_general\":12000,\"covered\":"
           "0,\"unpaid\":0},{\"id\":\"loan\",\"paid_earmarked\":0,"
           "\"paid_general\":5000,\"covered\":0,\"unpaid\":0}],"
           "\"living_allowance\":40000,\"top_up\":7000,\"recovery\":0,"
           "\"advance\":7000,\"receivable_after\":9000}");
  memcpy(input, "{\"explain\": true, ", 18);
  memcpy(input + 18, EXAMPLE + 1, len);
  ck_assert_int_eq(civic_evaluate(ctx, "waterfall", input, &with), CIVIC_OK);
  plain = json_loads(out, 0, NULL);
  expl = json_loads(with, 0, NULL);
  ck_assert_ptr_nonnull(json_object_get(expl, "trace"));
  ck_assert_int_gt((int)json_array_size(json_object_get(expl, "trace")), 5);
  json_object_del(expl, "trace");
  ck_assert(json_equal(plain, expl));
  json_decref(plain);
  json_decref(expl);
  civic_free(out);
  civic_free(with);
  memcpy(input, "{\"explain\": 1,    ", 18);
  ck_assert_int_eq(civic_evaluate(ctx, "waterfall", input, &out),
                   CIVIC_E_WRONG_TYPE);
  free(input);
  civic_ctx_free(ctx);
}
END_TEST

START_TEST(explain_text_in_plain_words) {
  civic_ctx *ctx = NULL;
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *res = NULL;
  char *text = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&res), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_load_json(ctx, plan, EXAMPLE),
                   CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_explain_text(ctx, res, &text),
                   CIVIC_E_INVALID_ARGUMENT); /* no trace recorded */
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, CIVIC_WATERFALL_TRACE, res),
                   CIVIC_OK);
  civic_waterfall_plan_free(plan); /* the result keeps its own copy */
  ck_assert_int_eq(civic_waterfall_result_explain_text(ctx, res, &text),
                   CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(text, "Income 'huurtoeslag' (EUR 300.00) is "
                                     "earmarked for rent."));
  ck_assert_ptr_nonnull(strstr(text, "EUR 500.00 from the general pool paid "
                                     "'rent' (priority 0"));
  ck_assert_ptr_nonnull(strstr(text, "EUR 50.00 from the general pool paid "
                                     "'loan' (priority 5"));
  ck_assert_ptr_nonnull(strstr(text, "EUR 330.00 is left for you"));
  ck_assert_ptr_nonnull(strstr(text, "adds EUR 70.00"));
  ck_assert_ptr_nonnull(strstr(text, "you now owe the municipality EUR 90.00"));
  civic_free(text);
  civic_waterfall_result_free(res);
  civic_ctx_free(ctx);
}
END_TEST

static civic_status eval_fault(civic_ctx *ctx, const char *from,
                               const char *to) {
  char buf[2048];
  const char *at = strstr(EXAMPLE, from);
  char *out = NULL;
  civic_status st;
  ck_assert_ptr_nonnull(at);
  snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - EXAMPLE), EXAMPLE, to,
           at + strlen(from));
  st = civic_evaluate(ctx, "waterfall", buf, &out);
  ck_assert(st == CIVIC_OK ? out != NULL : out == NULL);
  civic_free(out);
  return st;
}

START_TEST(errors_name_the_field) {
  civic_ctx *ctx = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(eval_fault(ctx, "\"priority\": 1", "\"priority\": -1"),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "obligations[1].priority: must be >= 0, got -1");
  ck_assert_int_eq(eval_fault(ctx, "\"amount\": 12000", "\"amount\": -3"),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "obligations[1].amount: must be >= 0, got -3");
  ck_assert_int_eq(eval_fault(ctx, "\"id\": \"loan\"", "\"id\": \"rent\""),
                   CIVIC_E_DUPLICATE_ID);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "obligations[2].id"));
  ck_assert_int_eq(
      eval_fault(ctx, "\"id\": \"bijstand\"", "\"id\": \"huurtoeslag\""),
      CIVIC_E_DUPLICATE_ID);
  ck_assert_ptr_nonnull(strstr(civic_ctx_errmsg(ctx), "incomes[1].id"));
  ck_assert_int_eq(
      eval_fault(ctx, "\"earmark\": \"rent\"", "\"earmark\": null"), CIVIC_OK);
  ck_assert_int_eq(eval_fault(ctx, "\"earmark\": \"rent\"", "\"earmark\": []"),
                   CIVIC_E_WRONG_TYPE);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "incomes[0].earmark: must be a string, got an array");
  ck_assert_int_eq(eval_fault(ctx, "\"opening_balance\": 0",
                              "\"opening_balance\": 9223372036854775807"),
                   CIVIC_E_OVERFLOW);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "incomes: the general pool G exceeds int64");
  ck_assert_int_eq(
      eval_fault(ctx, "\"recovery_cap\": 1000}}", "\"recovery_cap\": 1000}"),
      CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(eval_fault(ctx, "\"incomes\": [{", "\"incomes\": [7, {"),
                   CIVIC_E_WRONG_TYPE);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "incomes[0]: must be an object, got an integer");
  civic_ctx_free(ctx);
}
END_TEST

START_TEST(plan_api_edges) {
  civic_ctx *ctx = NULL;
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *res = NULL;
  char *js = NULL;
  ck_assert_int_eq(civic_waterfall_plan_new(NULL), CIVIC_E_INVALID_ARGUMENT);
  civic_waterfall_plan_free(NULL);
  civic_waterfall_result_free(NULL);
  civic_waterfall_batch_free(NULL);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_new(&plan), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_result_new(&res), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_plan_add_income(plan, NULL, 1, NULL),
                   CIVIC_E_INVALID_ARGUMENT);
  /* ids must be valid UTF-8 (they come back in JSON and text) */
  ck_assert_int_eq(civic_waterfall_plan_add_income(plan, "bad\xc3", 1, NULL),
                   CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx), "incomes[0].id: not valid UTF-8");
  ck_assert_int_eq(civic_waterfall_plan_reset(plan), CIVIC_OK);
  /* empty plan: nothing at all */
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
  ck_assert_int_eq((int)civic_waterfall_result_obligation_count(res), 0);
  ck_assert_ptr_null(civic_waterfall_result_obligation_id(res, 0));
  ck_assert_int_eq(civic_waterfall_result_to_json(ctx, res, 0, &js), CIVIC_OK);
  ck_assert_str_eq(js,
                   "{\"obligations\":[],\"living_allowance\":0,\"top_up\":0,"
                   "\"recovery\":0,\"advance\":0,\"receivable_after\":0}");
  civic_free(js);
  /* a failing run empties the result */
  ck_assert_int_eq(
      civic_waterfall_plan_add_obligation(plan, "r", "rent", 0, 100, 1),
      CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
  ck_assert_int_eq((int)civic_waterfall_result_obligation_count(res), 1);
  ck_assert(civic_waterfall_result_covered(res, 0) == 100);
  ck_assert_int_eq(civic_waterfall_plan_set_balances(plan, -1, 0), CIVIC_OK);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "opening_balance: must be >= 0, got -1");
  ck_assert_int_eq((int)civic_waterfall_result_obligation_count(res), 0);
  ck_assert_int_eq(civic_waterfall_result_to_json(ctx, res, 0, &js),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0x80, res),
                   CIVIC_E_INVALID_ARGUMENT);
  /* load_json failure leaves the plan empty */
  ck_assert_int_eq(civic_waterfall_plan_load_json(ctx, plan, "{\"x\": 1}"),
                   CIVIC_E_MISSING_FIELD);
  ck_assert_int_eq(civic_waterfall_run(ctx, plan, 0, res), CIVIC_OK);
  ck_assert_int_eq((int)civic_waterfall_result_obligation_count(res), 0);
  civic_waterfall_result_free(res);
  civic_waterfall_plan_free(plan);
  civic_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("waterfall");
  TCase *tc = tcase_create("core");
  TCase *tc_slow;
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, golden_vectors);
  tcase_add_test(tc, batch_matches_plan_api);
  tcase_add_test(tc, empty_batch);
  tcase_add_test(tc, json_explain_option_and_default_form);
  tcase_add_test(tc, explain_text_in_plain_words);
  tcase_add_test(tc, errors_name_the_field);
  tcase_add_test(tc, plan_api_edges);
  suite_add_tcase(s, tc);
  /* Long property loops: run plain and under the sanitizers, skipped
   * by the valgrind stage (CK_EXCLUDE_TAGS=slow). */
  tc_slow = tcase_create("slow");
  tcase_set_tags(tc_slow, "slow");
  tcase_add_test(tc_slow, property_invariants_and_permutations);
  tcase_add_test(tc_slow, large_plans_take_the_sorting_paths);
  tcase_add_test(tc_slow, trace_accounts_for_every_cent);
  suite_add_tcase(s, tc_slow);
  return civic_test_run(s);
}
