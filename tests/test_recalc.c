/* Recalculation: the hand-worked scenario vectors in tests/vectors/
 * recalc.json (each also run with every input array shuffled: the same
 * events, payments and parameter periods in any order must give identical
 * corrections), the formula language, dates, error places, the
 * shipped example scheme and timeline, and the compiled-scheme and batch
 * entry points (same bytes as civic_evaluate, same amounts as a full run). */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "scheme.h"
#include "testutil.h"

static civic_status run_json(const json_t *input, json_t **out, char *msg,
                             size_t msg_cap) {
  civic_ctx *ctx = NULL;
  char *text = civic_json_dump(input), *result = NULL;
  civic_status st;
  json_error_t err;
  *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_recalc_run(ctx, text, &result);
  if (st == CIVIC_OK) {
    *out = json_loads(result, 0, &err);
    ck_assert_ptr_nonnull(*out);
  } else
    ck_assert_ptr_null(result);
  if (msg != NULL)
    snprintf(msg, msg_cap, "%s", civic_ctx_errmsg(ctx));
  civic_free(result);
  free(text);
  civic_ctx_free(ctx);
  return st;
}

/* A copy with every array, at every depth, shuffled. */
static json_t *shuffled(const json_t *v, civic_test_rng *rng) {
  if (json_is_array(v)) {
    size_t n = json_array_size(v), i;
    json_t *copy = json_array();
    for (i = 0; i < n; i++)
      json_array_append_new(copy, shuffled(json_array_get(v, i), rng));
    for (i = n; i > 1; i--) {
      size_t j = (size_t)civic_test_rng_below(rng, i);
      json_t *a = json_incref(json_array_get(copy, i - 1));
      json_t *b = json_incref(json_array_get(copy, j));
      json_array_set_new(copy, i - 1, b);
      json_array_set_new(copy, j, a);
    }
    return copy;
  }
  if (json_is_object(v)) {
    const char *key;
    json_t *value, *copy = json_object();
    json_object_foreach((json_t *)v, key, value)
        json_object_set_new(copy, key, shuffled(value, rng));
    return copy;
  }
  return json_deep_copy(v);
}

static json_t *load_vectors(void) {
  char *text =
      civic_test_read_file(CIVIC_SOURCE_DIR "/tests/vectors/recalc.json");
  json_error_t err;
  json_t *file;
  ck_assert_ptr_nonnull(text);
  file = json_loads(text, 0, &err);
  free(text);
  ck_assert_ptr_nonnull(file);
  return file;
}

static void check_case(const json_t *c, const json_t *input) {
  const char *name = json_string_value(json_object_get(c, "name"));
  const json_t *expect = json_object_get(c, "expect");
  const json_t *err = json_object_get(expect, "error");
  char msg[600];
  json_t *out = NULL;
  civic_status st = run_json(input, &out, msg, sizeof msg);
  if (err != NULL) {
    ck_assert_msg(strcmp(civic_status_name(st), json_string_value(err)) == 0,
                  "%s: expected %s, got %s (%s)", name, json_string_value(err),
                  civic_status_name(st), msg);
    return;
  }
  ck_assert_msg(st == CIVIC_OK, "%s: %s: %s", name, civic_status_name(st), msg);
  if (!json_equal(out, expect)) {
    char *got = civic_json_dump(out);
    ck_abort_msg("%s: output differs: %.3000s", name, got);
  }
  json_decref(out);
}

START_TEST(hand_worked_vectors) {
  json_t *file = load_vectors(), *cases = json_object_get(file, "cases");
  size_t i;
  ck_assert_str_eq(json_string_value(json_object_get(file, "kind")), "recalc");
  ck_assert_uint_ge(json_array_size(cases), 20);
  for (i = 0; i < json_array_size(cases); i++) {
    const json_t *c = json_array_get(cases, i);
    check_case(c, json_object_get(c, "input"));
  }
  json_decref(file);
}
END_TEST

/* Property: the same events (and payments, periods, benefits) in any order
 * give identical results, errors included. */
START_TEST(any_order_gives_identical_corrections) {
  json_t *file = load_vectors(), *cases = json_object_get(file, "cases");
  civic_test_rng rng = {42};
  size_t i;
  int trial;
  for (i = 0; i < json_array_size(cases); i++) {
    const json_t *c = json_array_get(cases, i);
    for (trial = 0; trial < 12; trial++) {
      json_t *in = shuffled(json_object_get(c, "input"), &rng);
      check_case(c, in);
      json_decref(in);
    }
  }
  json_decref(file);
}
END_TEST

/* Evaluate one formula (as the only benefit) for a single with rent 0. */
static civic_status eval_formula(const char *formula, const char *round_mode,
                                 int64_t unit, int64_t *value, char *msg) {
  civic_diag d = {0};
  civic_scheme *s = NULL;
  json_t *obj = json_pack("{s:{s:s,s:s},s:{s:[{s:s,s:i}]},s:{s:s},s:[s]}",
                          "period", "from", "2025-01-01", "until", "2025-12-31",
                          "parameters", "p", "from", "2025-01-01", "value", 7,
                          "variables", "x", formula, "benefits", "x");
  int64_t facts[CIVIC_FACT_COUNT_] = {1, 2, 0, 50000, 344, 1000, 0, 0, 1};
  civic_status st;
  if (round_mode != NULL)
    json_object_set_new(json_object_get(obj, "variables"), "x",
                        json_pack("{s:s,s:{s:s,s:I}}", "formula", formula,
                                  "round", "mode", round_mode, "unit",
                                  (json_int_t)unit));
  st = civic_scheme_load(&d, obj, "scheme", &s);
  if (st == CIVIC_OK)
    st = civic_scheme_eval(&d, s, civic_date_days(2025, 3, 1), facts, value);
  if (msg != NULL)
    strcpy(msg, d.msg);
  civic_scheme_free(s);
  json_decref(obj);
  return st;
}

static int64_t formula_value(const char *formula) {
  int64_t v = -1;
  char msg[CIVIC_DIAG_MSG_MAX];
  ck_assert_msg(eval_formula(formula, NULL, 0, &v, msg) == CIVIC_OK, "%s: %s",
                formula, msg);
  return v;
}

START_TEST(formula_language) {
  ck_assert(formula_value("1 + 2 * 3") == 7);
  ck_assert(formula_value("(1 + 2) * 3") == 9);
  ck_assert(formula_value("10 - 2 - 3") == 5); /* left associative */
  ck_assert(formula_value("p * children + rent") == 50014);
  ck_assert(formula_value("min(5, 3, 9) + max(1, 4)") == 7);
  ck_assert(formula_value("if(adults == 1 && children > 0, 100, 200)") == 100);
  ck_assert(formula_value("if(!has_partner || 0, 1, 2)") == 1);
  ck_assert(formula_value("div(7, 2) + div(0 - 7, 2) + 10") == 9); /* 3 - 4 */
  ck_assert(formula_value("muldiv(9223372036854775807, 2, 4)") ==
            4611686018427387903LL); /* 128-bit intermediate */
  ck_assert(formula_value("bp(earned_income, 2500)") == 250);
  ck_assert(formula_value("round_up(101, 100)") == 200);
  ck_assert(formula_value("round_down(199, 100)") == 100);
  ck_assert(formula_value("round_half_up(150, 100)") == 200);
  ck_assert(formula_value("round_half_up(149, 100)") == 100);
  ck_assert(formula_value("abs(0 - 5) + (3 >= 3) + (2 != 2)") == 6);
  ck_assert(formula_value("municipality == 344") == 1);
  ck_assert(formula_value("0 - 5") == 0); /* a benefit is never negative */
  ck_assert(formula_value("if(0, div(1, 0), 3)") == 3); /* lazy branches */
}
END_TEST

START_TEST(explicit_rounding_on_a_variable) {
  int64_t v = 0;
  ck_assert_int_eq(eval_formula("12345", "up", 100, &v, NULL), CIVIC_OK);
  ck_assert(v == 12400);
  ck_assert_int_eq(eval_formula("12345", "down", 100, &v, NULL), CIVIC_OK);
  ck_assert(v == 12300);
  ck_assert_int_eq(eval_formula("12350", "half_up", 100, &v, NULL), CIVIC_OK);
  ck_assert(v == 12400);
  ck_assert_int_eq(eval_formula("12349", "half_up", 100, &v, NULL), CIVIC_OK);
  ck_assert(v == 12300);
  ck_assert_int_eq(eval_formula("1", "up", 0, &v, NULL), CIVIC_E_OUT_OF_RANGE);
}
END_TEST

START_TEST(formula_errors_name_the_place) {
  int64_t v = 0;
  char msg[CIVIC_DIAG_MSG_MAX];
  ck_assert_int_eq(eval_formula("rent + bogus", NULL, 0, &v, msg),
                   CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_str_eq(msg, "scheme.variables.x: unknown variable 'bogus' at "
                        "column 8 (not a household fact, parameter or "
                        "variable)");
  ck_assert_int_eq(eval_formula("sqrt(4)", NULL, 0, &v, msg),
                   CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_int_eq(eval_formula("1 +", NULL, 0, &v, msg), CIVIC_E_BAD_FORMULA);
  ck_assert_str_eq(msg, "scheme.variables.x: unexpected end of formula at "
                        "column 4");
  ck_assert_int_eq(eval_formula("1.5", NULL, 0, &v, msg), CIVIC_E_BAD_FORMULA);
  ck_assert_int_eq(eval_formula("min(1)", NULL, 0, &v, msg),
                   CIVIC_E_BAD_FORMULA);
  ck_assert_int_eq(eval_formula("(1", NULL, 0, &v, msg), CIVIC_E_BAD_FORMULA);
  ck_assert_int_eq(eval_formula("1 2", NULL, 0, &v, msg), CIVIC_E_BAD_FORMULA);
  ck_assert_int_eq(eval_formula("99999999999999999999", NULL, 0, &v, msg),
                   CIVIC_E_OVERFLOW);
  ck_assert_int_eq(eval_formula("9223372036854775807 + 1", NULL, 0, &v, msg),
                   CIVIC_E_OVERFLOW);
  ck_assert_str_eq(msg, "scheme.variables.x: result outside int64 on "
                        "2025-03-01");
  ck_assert_int_eq(eval_formula("div(1, p - 7)", NULL, 0, &v, msg),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(eval_formula("x + 1", NULL, 0, &v, msg),
                   CIVIC_E_CYCLIC_RULE);
  ck_assert_str_eq(msg, "scheme.variables.x: cyclic rule x -> x");
}
END_TEST

START_TEST(cycle_message_names_the_chain) {
  civic_diag d = {0};
  civic_scheme *s = NULL;
  json_t *obj = json_pack("{s:{s:s,s:s},s:{},s:{s:s,s:s,s:s,s:s},s:[s]}",
                          "period", "from", "2025-01-01", "until", "2025-12-31",
                          "parameters", "variables", "a", "b + 1", "b", "c * 2",
                          "c", "if(rent > 0, a, 0)", "d", "a", "benefits", "d");
  ck_assert_int_eq(civic_scheme_load(&d, obj, "scheme", &s),
                   CIVIC_E_CYCLIC_RULE);
  ck_assert_ptr_null(s);
  ck_assert_str_eq(d.msg, "scheme.variables.a: cyclic rule a -> b -> c -> a");
  json_decref(obj);
}
END_TEST

START_TEST(dates_round_trip) {
  char buf[16];
  int32_t y, m, dd, day;
  ck_assert_int_eq(civic_date_days(1970, 1, 1), 0);
  ck_assert_int_eq(civic_date_days(2000, 3, 1), 11017);
  ck_assert_int_eq(civic_date_days(2028, 3, 1) - civic_date_days(2028, 2, 1),
                   29);
  ck_assert_int_eq(civic_date_days(2100, 3, 1) - civic_date_days(2100, 2, 1),
                   28);
  for (day = civic_date_days(1900, 1, 1); day < civic_date_days(2101, 1, 1);
       day += 13) {
    civic_date_civil(day, &y, &m, &dd);
    ck_assert_int_eq(civic_date_days(y, m, dd), day);
  }
  ck_assert_str_eq(civic_date_format(civic_date_days(2028, 2, 29), buf),
                   "2028-02-29");
  ck_assert_str_eq(civic_month_format(2028 * 12 + 1, buf), "2028-02");
  ck_assert_int_eq(civic_month_length(2028 * 12 + 1), 29);
}
END_TEST

START_TEST(example_scheme_and_timeline_run) {
  char *tl = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/timelines/relocation-cohabitation.json");
  char *sc = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/schemes/nl-participatiewet-2025.json");
  json_error_t err;
  json_t *in, *out = NULL, *scen;
  char msg[600];
  ck_assert_ptr_nonnull(tl);
  ck_assert_ptr_nonnull(sc);
  in = json_loads(tl, 0, &err);
  ck_assert_ptr_nonnull(in);
  json_object_set_new(in, "scheme", json_loads(sc, 0, &err));
  ck_assert_msg(run_json(in, &out, msg, sizeof msg) == CIVIC_OK, "%s", msg);
  /* the late cohabitation leaves a debt; set-off later makes it bigger */
  ck_assert(json_integer_value(json_object_get(
                json_object_get(out, "settlement"), "new_debt")) > 0);
  scen = json_object_get(out, "scenarios");
  ck_assert(
      json_integer_value(json_object_get(
          json_object_get(scen, "setoff_after_weeks"), "debt_incurred")) >
      json_integer_value(json_object_get(
          json_object_get(scen, "recalculate_at_once"), "debt_incurred")));
  json_decref(out);
  json_decref(in);
  free(tl);
  free(sc);
}
END_TEST

START_TEST(bad_input_leaves_nothing) {
  civic_ctx *ctx = NULL;
  char *out = (char *)1;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_recalc_run(ctx, "{\"scheme\": 1}", &out),
                   CIVIC_E_WRONG_TYPE);
  ck_assert_ptr_null(out);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "scheme: must be an object, got an integer");
  ck_assert_int_eq(civic_recalc_run(ctx, "not json", &out),
                   CIVIC_E_MALFORMED_JSON);
  ck_assert_int_eq(civic_recalc_run(NULL, "{}", &out),
                   CIVIC_E_INVALID_ARGUMENT);
  civic_ctx_free(ctx);
}
END_TEST

/* The compiled-scheme entry point and the fast writer: for every vector
 * with an inline scheme, civic_recalc_run, civic_recalc_run_with_scheme and
 * civic_evaluate("recalc") (jansson's own serialiser) give the same bytes. */
START_TEST(compiled_scheme_gives_identical_bytes) {
  json_t *file = load_vectors(), *c;
  civic_ctx *ctx = NULL;
  size_t i, compared = 0;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  json_array_foreach(json_object_get(file, "cases"), i, c) {
    json_t *input = json_deep_copy(json_object_get(c, "input"));
    json_t *scheme = json_object_get(input, "scheme");
    char *scheme_text, *with, *without, *a = NULL, *b = NULL, *e = NULL;
    civic_recalc_scheme *compiled = NULL;
    civic_status sa, sb, se;
    if (!json_is_object(scheme) || json_object_get(c, "expect") == NULL ||
        json_object_get(json_object_get(c, "expect"), "error") != NULL) {
      json_decref(input);
      continue;
    }
    scheme_text = civic_json_dump(scheme);
    with = civic_json_dump(input);
    json_object_del(input, "scheme");
    without = civic_json_dump(input);
    ck_assert_int_eq(civic_recalc_scheme_new(ctx, scheme_text, &compiled),
                     CIVIC_OK);
    sa = civic_recalc_run(ctx, with, &a);
    sb = civic_recalc_run_with_scheme(ctx, compiled, without, &b);
    se = civic_evaluate(ctx, "recalc", with, &e);
    ck_assert_int_eq(sa, CIVIC_OK);
    ck_assert_int_eq(sb, CIVIC_OK);
    ck_assert_int_eq(se, CIVIC_OK);
    ck_assert_str_eq(a, b);
    ck_assert_str_eq(a, e);
    compared++;
    civic_free(a);
    civic_free(b);
    civic_free(e);
    free(scheme_text);
    free(with);
    free(without);
    civic_recalc_scheme_free(compiled);
    json_decref(input);
  }
  ck_assert_uint_gt(compared, 0);
  civic_ctx_free(ctx);
  json_decref(file);
}
END_TEST

/* Strings that need escaping come out exactly as jansson writes them. */
START_TEST(fast_writer_escapes_like_jansson) {
  char *tl = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/timelines/relocation-cohabitation.json");
  char *sc = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/schemes/nl-participatiewet-2025.json");
  json_error_t err;
  json_t *in;
  char *text, *a = NULL, *e = NULL;
  civic_ctx *ctx = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  in = json_loads(tl, 0, &err);
  ck_assert_ptr_nonnull(in);
  json_object_set_new(in, "scheme", json_loads(sc, 0, &err));
  json_object_set_new(json_object_get(in, "timeline"), "household",
                      json_string("hh \"q\" \\ / \n\t\x01\x1f \xc3\xa9 "
                                  "\xe2\x80\xa8 \xf0\x9f\x98\x80"));
  text = civic_json_dump(in);
  ck_assert_int_eq(civic_recalc_run(ctx, text, &a), CIVIC_OK);
  ck_assert_int_eq(civic_evaluate(ctx, "recalc", text, &e), CIVIC_OK);
  ck_assert_str_eq(a, e);
  civic_free(a);
  civic_free(e);
  free(text);
  json_decref(in);
  civic_ctx_free(ctx);
  free(tl);
  free(sc);
}
END_TEST

/* The batch path gives the `due` of a full run, month by month; a wrong
 * count or an inline scheme is refused and leaves `due` untouched. */
START_TEST(due_batch_matches_full_run) {
  char *tl = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/timelines/relocation-cohabitation.json");
  char *sc = civic_test_read_file(
      CIVIC_SOURCE_DIR "/examples/schemes/nl-participatiewet-2025.json");
  json_error_t err;
  json_t *in, *batch, *out, *months;
  char *batch_text, *run_text, *result = NULL;
  civic_ctx *ctx = NULL;
  civic_recalc_scheme *scheme = NULL, *bad = (civic_recalc_scheme *)1;
  int64_t due[2 * 8 * 4];
  size_t nb, h, m, b;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_recalc_scheme_new(ctx, sc, &scheme), CIVIC_OK);
  nb = civic_recalc_scheme_benefit_count(scheme);
  ck_assert_uint_eq(nb, 4);
  ck_assert_str_eq(civic_recalc_scheme_benefit_id(scheme, 0), "bijstand");
  ck_assert_ptr_null(civic_recalc_scheme_benefit_id(scheme, nb));
  in = json_loads(tl, 0, &err);
  ck_assert_ptr_nonnull(in);
  json_object_del(in, "scheme_file");
  json_object_del(in, "scenario");
  run_text = civic_json_dump(in);
  ck_assert_int_eq(civic_recalc_run_with_scheme(ctx, scheme, run_text, &result),
                   CIVIC_OK);
  out = json_loads(result, 0, &err);
  months = json_object_get(out, "months");
  ck_assert_uint_eq(json_array_size(months), 8); /* 2025-01..2025-08 */
  batch = json_pack("{s:s,s:s,s:[OO]}", "from", "2025-01", "to", "2025-08",
                    "timelines", json_object_get(in, "timeline"),
                    json_object_get(in, "timeline"));
  batch_text = civic_json_dump(batch);
  memset(due, 0x5a, sizeof due);
  ck_assert_int_eq(civic_recalc_due_batch(ctx, scheme, batch_text, due, 10),
                   CIVIC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(due[0], 0x5a5a5a5a5a5a5a5a); /* untouched */
  ck_assert_int_eq(
      civic_recalc_due_batch(ctx, scheme, batch_text, due, 2 * 8 * nb),
      CIVIC_OK);
  for (h = 0; h < 2; h++)
    for (m = 0; m < 8; m++)
      for (b = 0; b < nb; b++)
        ck_assert_int_eq(
            due[(h * 8 + m) * nb + b],
            json_integer_value(json_object_get(
                json_array_get(
                    json_object_get(json_array_get(months, m), "benefits"), b),
                "due")));
  /* an inline scheme next to a compiled one is refused, not ignored */
  civic_free(result);
  ck_assert_int_eq(
      civic_recalc_run_with_scheme(ctx, scheme, "{\"scheme\": {}}", &result),
      CIVIC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(result);
  ck_assert_int_eq(civic_recalc_scheme_new(ctx, "{\"period\": 1}", &bad),
                   CIVIC_E_WRONG_TYPE);
  ck_assert_ptr_null(bad);
  civic_recalc_scheme_free(NULL);
  civic_recalc_scheme_free(scheme);
  free(batch_text);
  free(run_text);
  json_decref(batch);
  json_decref(out);
  json_decref(in);
  civic_ctx_free(ctx);
  free(tl);
  free(sc);
}
END_TEST

int main(void) {
  Suite *s = suite_create("recalc");
  TCase *tc = tcase_create("recalc");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, hand_worked_vectors);
  tcase_add_test(tc, any_order_gives_identical_corrections);
  tcase_add_test(tc, formula_language);
  tcase_add_test(tc, explicit_rounding_on_a_variable);
  tcase_add_test(tc, formula_errors_name_the_place);
  tcase_add_test(tc, cycle_message_names_the_chain);
  tcase_add_test(tc, dates_round_trip);
  tcase_add_test(tc, example_scheme_and_timeline_run);
  tcase_add_test(tc, bad_input_leaves_nothing);
  tcase_add_test(tc, compiled_scheme_gives_identical_bytes);
  tcase_add_test(tc, fast_writer_escapes_like_jansson);
  tcase_add_test(tc, due_batch_matches_full_run);
  suite_add_tcase(s, tc);
  return civic_test_run(s);
}
