/* Columnar batch API for the waterfall (issue 3 item 4): many plans per
 * call as plain int64 columns, so bindings can hand over numpy arrays or
 * DataFrame columns and nothing is allocated per resident. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"
#include "waterfall_internal.h"

enum {
  SLOT_PLAN_FIRST = 0, /* 5 plan inputs: 0..4 */
  SLOT_INCOME_FIRST = 5,
  SLOT_OBLIGATION_FIRST = 8,
  SLOT_OUT_ROW_FIRST = 13,
  SLOT_OUT_PLAN_FIRST = 17,
  SLOT_COUNT = 22
};

typedef struct column {
  int64_t *data;
  size_t len, cap;
} batch_column;

struct civic_waterfall_batch {
  batch_column col[SLOT_COUNT];
  /* per-plan scratch, sized for the largest plan seen */
  size_t cap_rows;
  int32_t *income_category, *obligation_category;
  int64_t *codes;
  uint8_t *guaranteed;
  uint32_t *order, *by_category, *category_start;
  wf_work work;
};

/* Storage slot of a column, or -1 if it is not a column. */
static int slot_of(civic_waterfall_column c) {
  int v = (int)c;
  if (v >= 0 && v <= 4)
    return SLOT_PLAN_FIRST + v;
  if (v >= 10 && v <= 12)
    return SLOT_INCOME_FIRST + v - 10;
  if (v >= 20 && v <= 24)
    return SLOT_OBLIGATION_FIRST + v - 20;
  if (v >= 40 && v <= 43)
    return SLOT_OUT_ROW_FIRST + v - 40;
  if (v >= 50 && v <= 54)
    return SLOT_OUT_PLAN_FIRST + v - 50;
  return -1;
}

static bool column_room(batch_column *c, size_t n) {
  int64_t *p;
  if (n <= c->cap)
    return true;
  p = realloc(c->data, n * sizeof *p);
  if (p == NULL)
    return false;
  c->data = p;
  c->cap = n;
  return true;
}

civic_status civic_waterfall_batch_new(civic_waterfall_batch **out) {
  civic_waterfall_batch *b;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  b = calloc(1, sizeof *b);
  *out = b;
  return b ? CIVIC_OK : CIVIC_E_NOMEM;
}

static void free_scratch(civic_waterfall_batch *b) {
  free(b->income_category);
  free(b->obligation_category);
  free(b->codes);
  free(b->guaranteed);
  free(b->order);
  free(b->by_category);
  free(b->category_start);
  free(b->work.earmarked);
  free(b->work.has_earmark);
  free(b->work.claim);
  free(b->work.share);
  free(b->work.rem);
  free(b->work.member);
  free(b->work.sort_a);
  free(b->work.sort_b);
}

void civic_waterfall_batch_free(civic_waterfall_batch *batch) {
  int i;
  if (batch == NULL)
    return;
  for (i = 0; i < SLOT_COUNT; i++)
    free(batch->col[i].data);
  free_scratch(batch);
  free(batch);
}

static void drop_outputs(civic_waterfall_batch *b) {
  int i;
  for (i = SLOT_OUT_ROW_FIRST; i < SLOT_COUNT; i++)
    b->col[i].len = 0;
}

civic_status civic_waterfall_batch_set_column(civic_waterfall_batch *batch,
                                              civic_waterfall_column column,
                                              const int64_t *values,
                                              size_t count) {
  int s = slot_of(column);
  if (batch == NULL || s < 0 || s >= SLOT_OUT_ROW_FIRST ||
      (values == NULL && count > 0))
    return CIVIC_E_INVALID_ARGUMENT;
  if (!column_room(&batch->col[s], count))
    return CIVIC_E_NOMEM;
  if (count > 0)
    memcpy(batch->col[s].data, values, count * sizeof *values);
  batch->col[s].len = count;
  drop_outputs(batch);
  return CIVIC_OK;
}

size_t civic_waterfall_batch_column_length(const civic_waterfall_batch *batch,
                                           civic_waterfall_column column) {
  int s = slot_of(column);
  return batch == NULL || s < 0 ? 0 : batch->col[s].len;
}

civic_status
civic_waterfall_batch_get_column(const civic_waterfall_batch *batch,
                                 civic_waterfall_column column, int64_t *out,
                                 size_t count) {
  int s = slot_of(column);
  if (batch == NULL || s < 0 || count != batch->col[s].len ||
      (out == NULL && count > 0))
    return CIVIC_E_INVALID_ARGUMENT;
  if (count > 0)
    memcpy(out, batch->col[s].data, count * sizeof *out);
  return CIVIC_OK;
}

#define GROW(field, n) grow_array((void **)&(field), (n), sizeof *(field))
static bool grow_array(void **ptr, size_t n, size_t size) {
  void *p = realloc(*ptr, n * size);
  if (p == NULL)
    return false;
  *ptr = p;
  return true;
}

/* Scratch for a plan with up to n rows of either kind. */
static bool scratch_room(civic_waterfall_batch *b, size_t n) {
  size_t cap = b->cap_rows ? b->cap_rows : 16;
  if (n <= b->cap_rows)
    return true;
  while (cap < n)
    cap *= 2;
  /* categories: at most one per row of either kind */
  if (!GROW(b->income_category, cap) || !GROW(b->obligation_category, cap) ||
      !GROW(b->codes, 2 * cap) || !GROW(b->guaranteed, cap) ||
      !GROW(b->order, cap) || !GROW(b->by_category, cap) ||
      !GROW(b->category_start, 2 * cap + 1) ||
      !GROW(b->work.earmarked, 2 * cap) ||
      !GROW(b->work.has_earmark, 2 * cap) || !GROW(b->work.claim, cap) ||
      !GROW(b->work.share, cap) || !GROW(b->work.rem, cap) ||
      !GROW(b->work.member, cap) || !GROW(b->work.sort_a, cap) ||
      !GROW(b->work.sort_b, cap))
    return false;
  b->cap_rows = cap;
  return true;
}

/* Dense number of a category code within the current plan. */
static int32_t intern_code(civic_waterfall_batch *b, size_t *n, int64_t code) {
  size_t c;
  for (c = 0; c < *n; c++)
    if (b->codes[c] == code)
      return (int32_t)c;
  b->codes[*n] = code;
  return (int32_t)(*n)++;
}

typedef struct row_order {
  const int64_t *priority;
  const int32_t *category;
} row_order;

/* Priority ascending, then row order (the batch's id order). */
static int by_priority_then_row(uint32_t a, uint32_t b, const void *ctx) {
  const row_order *o = ctx;
  if (o->priority[a] != o->priority[b])
    return o->priority[a] < o->priority[b] ? -1 : 1;
  return a < b ? -1 : (a > b);
}

/* Category, then priority, then row. */
static int by_category_then_row(uint32_t a, uint32_t b, const void *ctx) {
  const row_order *o = ctx;
  if (o->category[a] != o->category[b])
    return o->category[a] < o->category[b] ? -1 : 1;
  return by_priority_then_row(a, b, ctx);
}

#define COL(b, slot) ((b)->col[(slot)].data)

static civic_status
check_plan_values(civic_diag *d, const civic_waterfall_batch *b, size_t plan) {
  static const char *const names[5] = {"opening_balance",
                                       "receivable_outstanding", "living_floor",
                                       "floor_guaranteed", "recovery_cap"};
  int k;
  for (k = 0; k < 5; k++) {
    int64_t v = COL(b, SLOT_PLAN_FIRST + k)[plan];
    if (v < 0)
      return civic_diag_set(
          d, k == 3 ? CIVIC_E_OUT_OF_RANGE : CIVIC_E_NEGATIVE_AMOUNT,
          "plan %zu: %s must be >= 0, got %lld", plan, names[k], (long long)v);
  }
  if (COL(b, SLOT_PLAN_FIRST + 3)[plan] > 1)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "plan %zu: floor_guaranteed must be 0 or 1", plan);
  return CIVIC_OK;
}

/* Fill the problem for plan rows [i0, i0+ni) and [o0, o0+no). */
static civic_status prepare_plan(civic_diag *d, civic_waterfall_batch *b,
                                 size_t plan, size_t i0, size_t ni, size_t o0,
                                 size_t no, wf_problem *p) {
  const int64_t *earmark = COL(b, SLOT_INCOME_FIRST + 2) + i0;
  const int64_t *amount_in = COL(b, SLOT_INCOME_FIRST + 1) + i0;
  const int64_t *category = COL(b, SLOT_OBLIGATION_FIRST + 1) + o0;
  const int64_t *prio = COL(b, SLOT_OBLIGATION_FIRST + 2) + o0;
  const int64_t *amount = COL(b, SLOT_OBLIGATION_FIRST + 3) + o0;
  const int64_t *guaranteed = COL(b, SLOT_OBLIGATION_FIRST + 4) + o0;
  size_t i, n_cat = 0;
  row_order ro;
  civic_status st = check_plan_values(d, b, plan);
  if (st != CIVIC_OK)
    return st;
  for (i = 0; i < no; i++) {
    if (amount[i] < 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "plan %zu: obligation row %zu: amount must be >= "
                            "0, got %lld",
                            plan, o0 + i, (long long)amount[i]);
    if (prio[i] < 0 || category[i] < 0 || guaranteed[i] < 0 ||
        guaranteed[i] > 1)
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "plan %zu: obligation row %zu: priority and "
                            "category must be >= 0 and guaranteed 0 or 1",
                            plan, o0 + i);
    b->obligation_category[i] = intern_code(b, &n_cat, category[i]);
    b->guaranteed[i] = (uint8_t)guaranteed[i];
    b->order[i] = b->by_category[i] = (uint32_t)i;
  }
  for (i = 0; i < ni; i++) {
    if (amount_in[i] < 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "plan %zu: income row %zu: amount must be >= 0, "
                            "got %lld",
                            plan, i0 + i, (long long)amount_in[i]);
    b->income_category[i] =
        earmark[i] < 0 ? -1 : intern_code(b, &n_cat, earmark[i]);
  }
  ro.priority = prio;
  ro.category = b->obligation_category;
  civic_sort_indices(b->order, b->work.sort_a, no, by_priority_then_row, &ro);
  civic_sort_indices(b->by_category, b->work.sort_a, no, by_category_then_row,
                     &ro);
  wf_category_runs(b->obligation_category, b->by_category, no, n_cat,
                   b->category_start);

  p->opening_balance = COL(b, SLOT_PLAN_FIRST + 0)[plan];
  p->receivable_outstanding = COL(b, SLOT_PLAN_FIRST + 1)[plan];
  p->living_floor = COL(b, SLOT_PLAN_FIRST + 2)[plan];
  p->floor_guaranteed = COL(b, SLOT_PLAN_FIRST + 3)[plan] != 0;
  p->recovery_cap = COL(b, SLOT_PLAN_FIRST + 4)[plan];
  p->n_incomes = ni;
  p->income_amount = amount_in;
  p->income_category = b->income_category;
  p->n_obligations = no;
  p->obligation_amount = amount;
  p->obligation_priority = prio;
  p->obligation_category = b->obligation_category;
  p->obligation_guaranteed = b->guaranteed;
  p->order = b->order;
  p->by_category = b->by_category;
  p->category_start = b->category_start;
  p->n_categories = n_cat;
  p->category_names = NULL;
  p->category_codes = b->codes;
  return CIVIC_OK;
}

/* Column lengths must agree within each group. */
static civic_status check_shapes(civic_diag *d, const civic_waterfall_batch *b,
                                 size_t *plans, size_t *incomes,
                                 size_t *obligations) {
  int k;
  *plans = b->col[SLOT_PLAN_FIRST].len;
  *incomes = b->col[SLOT_INCOME_FIRST].len;
  *obligations = b->col[SLOT_OBLIGATION_FIRST].len;
  for (k = 0; k < 5; k++)
    if (b->col[SLOT_PLAN_FIRST + k].len != *plans)
      return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                            "batch: the plan columns differ in length");
  for (k = 0; k < 3; k++)
    if (b->col[SLOT_INCOME_FIRST + k].len != *incomes)
      return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                            "batch: the income columns differ in length");
  for (k = 0; k < 5; k++)
    if (b->col[SLOT_OBLIGATION_FIRST + k].len != *obligations)
      return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                            "batch: the obligation columns differ in length");
  if (*incomes > INT32_MAX || *obligations > INT32_MAX)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "batch: too many rows");
  return CIVIC_OK;
}

/* Rows of `plan` start at *cursor; advance past them. Rows must be grouped
 * by non-decreasing plan index. */
static civic_status take_rows(civic_diag *d, const int64_t *plan_of, size_t n,
                              size_t plan, const char *what, size_t *cursor,
                              size_t *count) {
  size_t start = *cursor, i = start;
  while (i < n && plan_of[i] == (int64_t)plan)
    i++;
  if (i < n && plan_of[i] < (int64_t)plan)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "batch: %s row %zu: plan index %lld is out of order "
                          "or negative (rows must be grouped by plan, "
                          "ascending)",
                          what, i, (long long)plan_of[i]);
  *cursor = i;
  *count = i - start;
  return CIVIC_OK;
}

static civic_status run_all(civic_diag *d, civic_waterfall_batch *b,
                            size_t plans, size_t incomes, size_t obligations) {
  size_t plan, ic = 0, oc = 0;
  for (plan = 0; plan < plans; plan++) {
    size_t i0 = ic, o0 = oc, ni = 0, no = 0;
    wf_problem p;
    wf_outcome o;
    civic_status st;
    st = take_rows(d, COL(b, SLOT_INCOME_FIRST), incomes, plan, "income", &ic,
                   &ni);
    if (st == CIVIC_OK)
      st = take_rows(d, COL(b, SLOT_OBLIGATION_FIRST), obligations, plan,
                     "obligation", &oc, &no);
    if (st != CIVIC_OK)
      return st;
    /* at least 1: category_start is written even for an empty plan */
    if (!scratch_room(b, (ni > no ? ni : no) + 1))
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
    st = prepare_plan(d, b, plan, i0, ni, o0, no, &p);
    if (st != CIVIC_OK)
      return st;
    o.paid_earmarked = COL(b, SLOT_OUT_ROW_FIRST + 0) + o0;
    o.paid_general = COL(b, SLOT_OUT_ROW_FIRST + 1) + o0;
    o.covered = COL(b, SLOT_OUT_ROW_FIRST + 2) + o0;
    o.unpaid = COL(b, SLOT_OUT_ROW_FIRST + 3) + o0;
    st = wf_compute(d, &p, &b->work, &o, NULL);
    if (st != CIVIC_OK) {
      char msg[CIVIC_DIAG_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", d->msg);
      return civic_diag_set(d, st, "plan %zu: %.400s", plan, msg);
    }
    COL(b, SLOT_OUT_PLAN_FIRST + 0)[plan] = o.living_allowance;
    COL(b, SLOT_OUT_PLAN_FIRST + 1)[plan] = o.top_up;
    COL(b, SLOT_OUT_PLAN_FIRST + 2)[plan] = o.recovery;
    COL(b, SLOT_OUT_PLAN_FIRST + 3)[plan] = o.advance;
    COL(b, SLOT_OUT_PLAN_FIRST + 4)[plan] = o.receivable_after;
  }
  if (ic < incomes || oc < obligations)
    return civic_diag_set(
        d, CIVIC_E_INVALID_ARGUMENT,
        "batch: %s row %zu names plan %lld, but there are "
        "%zu plans",
        ic < incomes ? "income" : "obligation", ic < incomes ? ic : oc,
        (long long)(ic < incomes ? COL(b, SLOT_INCOME_FIRST)[ic]
                                 : COL(b, SLOT_OBLIGATION_FIRST)[oc]),
        plans);
  return CIVIC_OK;
}

civic_status civic_waterfall_batch_run(civic_ctx *ctx,
                                       civic_waterfall_batch *batch) {
  civic_diag *d;
  size_t plans, incomes, obligations;
  civic_status st;
  int k;

  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  d = &ctx->diag;
  civic_diag_clear(d);
  if (batch == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "batch: NULL");
  drop_outputs(batch);
  st = check_shapes(d, batch, &plans, &incomes, &obligations);
  if (st != CIVIC_OK)
    return st;
  for (k = 0; k < 4; k++)
    if (!column_room(&batch->col[SLOT_OUT_ROW_FIRST + k], obligations))
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (k = 0; k < 5; k++)
    if (!column_room(&batch->col[SLOT_OUT_PLAN_FIRST + k], plans))
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  st = run_all(d, batch, plans, incomes, obligations);
  if (st != CIVIC_OK)
    return st;
  for (k = 0; k < 4; k++)
    batch->col[SLOT_OUT_ROW_FIRST + k].len = obligations;
  for (k = 0; k < 5; k++)
    batch->col[SLOT_OUT_PLAN_FIRST + k].len = plans;
  return CIVIC_OK;
}
