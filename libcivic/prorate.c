/* Spec section 4: proration over a partial month, and the `prorate` kind.
 *
 * Decisions the spec leaves open (documented in docs/recalc.md):
 * - Segments may overlap. A month's entitlement is the sum over its
 *   segments, so two overlapping segments are simply two amounts in force at
 *   once (e.g. a base norm and a supplement given as separate segments).
 * - An empty `segments` list is valid and gives total 0.
 * - A day index outside 0..D, or start > end, is `out_of_range` (a day is
 *   not an amount, so a negative start is not `negative_amount`).
 */
#include "prorate.h"

#include "checked.h"
#include "civic/recalc.h"
#include "eval.h"

int64_t civic_prorate_segment(int64_t amount, int64_t start, int64_t end,
                              int64_t days) {
  int64_t upto_end = 0, upto_start = 0;
  /* Cannot fail: R*e/D <= R because e <= D, so both quotients fit int64. */
  (void)civic_muldiv_half_up(amount, end, days, &upto_end);
  (void)civic_muldiv_half_up(amount, start, days, &upto_start);
  return upto_end - upto_start;
}

civic_status civic_prorate_amount(civic_ctx *ctx, int64_t *out, int64_t amount,
                                  int32_t start, int32_t end,
                                  int32_t days_in_month) {
  civic_diag *d;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  d = &ctx->diag;
  civic_diag_clear(d);
  if (out == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "out: must not be NULL");
  if (amount < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "amount: must be >= 0, got %lld", (long long)amount);
  if (days_in_month < CIVIC_PRORATE_MIN_DAYS ||
      days_in_month > CIVIC_PRORATE_MAX_DAYS)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "days_in_month: must be in 28..31, got %d",
                          (int)days_in_month);
  if (start < 0 || start > end || end > days_in_month)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "start, end: need 0 <= start <= end <= %d, got "
                          "[%d, %d)",
                          (int)days_in_month, (int)start, (int)end);
  *out = civic_prorate_segment(amount, start, end, days_in_month);
  return CIVIC_OK;
}

int civic_days_in_month(int64_t year, int month) {
  static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap)
    return 29;
  return DAYS[month - 1];
}

typedef struct segment {
  int64_t amount, start, end;
} segment;

/* Read and range-check segments[index]. */
static civic_status read_segment(civic_diag *d, const json_t *segments,
                                 size_t index, int64_t days, segment *out) {
  char where[64];
  const json_t *obj = json_array_get(segments, index);
  civic_status st = civic_json_element_object(d, segments, "segments", index);
  if (st != CIVIC_OK)
    return st;
  civic_json_index_path(where, sizeof where, "segments", index);
  st = civic_json_amount(d, obj, where, "amount", &out->amount);
  if (st == CIVIC_OK)
    st = civic_json_int(d, obj, where, "start", INT64_MIN, INT64_MAX,
                        &out->start);
  if (st == CIVIC_OK)
    st = civic_json_int(d, obj, where, "end", INT64_MIN, INT64_MAX, &out->end);
  if (st != CIVIC_OK)
    return st;
  if (out->start < 0 || out->start > days)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s.start: must be in 0..%lld (days_in_month), got "
                          "%lld",
                          where, (long long)days, (long long)out->start);
  if (out->end < 0 || out->end > days)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s.end: must be in 0..%lld (days_in_month), got "
                          "%lld",
                          where, (long long)days, (long long)out->end);
  if (out->start > out->end)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s: start (%lld) must be <= end (%lld)", where,
                          (long long)out->start, (long long)out->end);
  return CIVIC_OK;
}

static civic_status append_segment(civic_diag *d, json_t *list,
                                   const segment *s, int64_t prorated) {
  json_t *o = json_object();
  civic_status st;
  if (o == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  st = civic_json_set_int(d, o, "amount", s->amount);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, o, "start", s->start);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, o, "end", s->end);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, o, "prorated", prorated);
  if (st != CIVIC_OK) {
    json_decref(o);
    return st;
  }
  return civic_json_append_new(d, list, o);
}

/* Validate everything and compute into a fresh output; nothing is returned
 * unless the whole input is good (all-or-nothing). */
static civic_status prorate_into(civic_diag *d, const json_t *in,
                                 json_t *result) {
  int64_t days = 0, total = 0;
  json_t *segments = NULL, *list;
  size_t i;
  civic_status st =
      civic_json_int(d, in, "", "days_in_month", CIVIC_PRORATE_MIN_DAYS,
                     CIVIC_PRORATE_MAX_DAYS, &days);
  if (st == CIVIC_OK)
    st = civic_json_array(d, in, "", "segments", &segments);
  if (st != CIVIC_OK)
    return st;
  list = json_array();
  st = civic_json_set_new(d, result, "segments", list);
  if (st != CIVIC_OK)
    return st;
  for (i = 0; i < json_array_size(segments); i++) {
    segment s;
    int64_t prorated;
    st = read_segment(d, segments, i, days, &s);
    if (st != CIVIC_OK)
      return st;
    prorated = civic_prorate_segment(s.amount, s.start, s.end, days);
    if (!civic_add_i64(total, prorated, &total))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "total: the sum of prorated amounts exceeds int64 "
                            "at segments[%zu]",
                            i);
    st = append_segment(d, list, &s, prorated);
    if (st != CIVIC_OK)
      return st;
  }
  return civic_json_set_int(d, result, "total", total);
}

civic_status civic_prorate_eval_json(civic_diag *d, const json_t *in,
                                     json_t **out) {
  json_t *result = json_object();
  civic_status st;
  *out = NULL;
  if (result == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  st = prorate_into(d, in, result);
  if (st != CIVIC_OK) {
    json_decref(result);
    return st;
  }
  *out = result;
  return CIVIC_OK;
}
