/* Benefit-priority waterfall (spec section 3): the engine, the plan and
 * result handles and the JSON kind. The columnar batch API is in
 * waterfall_batch.c, the trace's JSON and text in trace.c.
 *
 * The engine (wf_compute) runs on plain arrays with dense category numbers
 * and allocates nothing (only a requested trace grows), so one plan/result
 * pair or one batch evaluates millions of residents without touching the
 * allocator once its buffers are warm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "eval.h"
#include "split.h"
#include "waterfall_internal.h"

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

static const char *category_label(const wf_problem *p, int32_t c, char *buf,
                                  size_t cap) {
  if (p->category_names != NULL)
    return p->category_names[c];
  snprintf(buf, cap, "code %lld",
           p->category_codes ? (long long)p->category_codes[c] : (long long)c);
  return buf;
}

/* Record the shares of one split level in the trace. */
static civic_status trace_level(wf_trace *t, wf_rule rule, int32_t category,
                                int64_t priority, const wf_work *w, size_t m,
                                int64_t need, int64_t pay) {
  size_t k;
  for (k = 0; k < m; k++) {
    wf_trace_entry e;
    civic_status st;
    if (w->share[k] == 0)
      continue;
    memset(&e, 0, sizeof e);
    e.rule = (uint8_t)rule;
    e.income = -1;
    e.obligation = (int32_t)w->member[k];
    e.category = category;
    e.amount = w->share[k];
    e.priority = priority;
    e.pro_rata = pay < need && m > 1; /* a real split between several */
    if (e.pro_rata) {
      /* one more than the floor of the exact quota pay * claim / need */
      e.extra_unit =
          (civic_i128)w->share[k] * need > (civic_i128)pay * w->claim[k];
      e.claim = w->claim[k];
      e.level_need = need;
      e.level_pay = pay;
    }
    st = wf_trace_push(t, &e);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status trace_simple(wf_trace *t, wf_rule rule, int32_t income,
                                 int32_t obligation, int32_t category,
                                 int64_t amount) {
  wf_trace_entry e;
  if (t == NULL || amount == 0)
    return CIVIC_OK;
  memset(&e, 0, sizeof e);
  e.rule = (uint8_t)rule;
  e.income = income;
  e.obligation = obligation;
  e.category = category;
  e.amount = amount;
  e.priority = -1;
  return wf_trace_push(t, &e);
}

/* Step 1 for one category c: walk the priorities of c's obligations in
 * ascending order, paying min(left, level sum) split pro rata. Only c's
 * own obligations are visited (they are contiguous in by_category). */
static civic_status pay_earmark(civic_diag *d, const wf_problem *p, wf_work *w,
                                wf_outcome *o, wf_trace *t, int32_t c) {
  const uint32_t *list = p->by_category + p->category_start[c];
  size_t i = 0, n = p->category_start[c + 1] - p->category_start[c];
  int64_t left = w->earmarked[c];
  char buf[48];
  while (i < n) {
    int64_t prio = p->obligation_priority[list[i]], sum = 0, pay;
    size_t j, m = 0;
    for (j = i; j < n && p->obligation_priority[list[j]] == prio; j++) {
      uint32_t ob = list[j];
      if (!civic_add_i64(sum, p->obligation_amount[ob], &sum))
        return civic_diag_set(
            d, CIVIC_E_OVERFLOW,
            "obligations: the amounts of category '%.64s' at priority %lld "
            "sum beyond int64",
            category_label(p, c, buf, sizeof buf), (long long)prio);
      w->member[m] = ob;
      w->claim[m] = p->obligation_amount[ob];
      m++;
    }
    i = j;
    pay = left < sum ? left : sum;
    civic_split_ranked(pay, sum, w->claim, m, w->share, w->rem, w->sort_a,
                       w->sort_b);
    for (j = 0; j < m; j++)
      o->paid_earmarked[w->member[j]] = w->share[j];
    left -= pay;
    if (t != NULL) {
      civic_status st =
          trace_level(t, WF_RULE_EARMARK, c, prio, w, m, sum, pay);
      if (st != CIVIC_OK)
        return st;
    }
  }
  w->earmarked[c] = left; /* what E_k could not use */
  return CIVIC_OK;
}

/* Steps 1 and 2: earmarked funds, then the general pool G. */
static civic_status earmarks_and_pool(civic_diag *d, const wf_problem *p,
                                      wf_work *w, wf_outcome *o, wf_trace *t,
                                      int64_t *pool) {
  size_t i;
  int32_t c;
  int64_t g = p->opening_balance;
  civic_status st = CIVIC_OK;
  char buf[48];

  for (c = 0; c < (int32_t)p->n_categories; c++) {
    w->earmarked[c] = 0;
    w->has_earmark[c] = 0;
  }
  for (i = 0; i < p->n_incomes; i++) {
    c = p->income_category[i];
    if (c < 0)
      continue;
    w->has_earmark[c] = 1;
    if (!civic_add_i64(w->earmarked[c], p->income_amount[i], &w->earmarked[c]))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "incomes: the total earmarked '%.64s' exceeds "
                            "int64",
                            category_label(p, c, buf, sizeof buf));
    if (t != NULL &&
        (st = trace_simple(t, WF_RULE_EARMARKED_INCOME, (int32_t)i, -1, c,
                           p->income_amount[i])) != CIVIC_OK)
      return st;
  }
  for (c = 0; c < (int32_t)p->n_categories; c++)
    if (w->has_earmark[c] && (st = pay_earmark(d, p, w, o, t, c)) != CIVIC_OK)
      return st;

  st = trace_simple(t, WF_RULE_OPENING_BALANCE, -1, -1, -1, p->opening_balance);
  for (i = 0; st == CIVIC_OK && i < p->n_incomes; i++) {
    if (p->income_category[i] >= 0)
      continue;
    if (!civic_add_i64(g, p->income_amount[i], &g))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "incomes: the general pool G exceeds int64");
    st = trace_simple(t, WF_RULE_GENERAL_INCOME, (int32_t)i, -1, -1,
                      p->income_amount[i]);
  }
  for (c = 0; st == CIVIC_OK && c < (int32_t)p->n_categories; c++) {
    if (!w->has_earmark[c])
      continue;
    if (!civic_add_i64(g, w->earmarked[c], &g))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "incomes: the general pool G exceeds int64");
    st = trace_simple(t, WF_RULE_EARMARK_UNUSED, -1, -1, c, w->earmarked[c]);
  }
  *pool = g;
  return st;
}

/* Step 3: each priority level in turn takes min(G, demand), pro rata. */
static civic_status pay_priorities(civic_diag *d, const wf_problem *p,
                                   wf_work *w, wf_outcome *o, wf_trace *t,
                                   int64_t *pool) {
  size_t i = 0, n = p->n_obligations;
  int64_t g = *pool;
  while (i < n) {
    int64_t prio = p->obligation_priority[p->order[i]], demand = 0, pay;
    size_t j, m = 0;
    for (j = i; j < n && p->obligation_priority[p->order[j]] == prio; j++) {
      uint32_t ob = p->order[j];
      int64_t need = p->obligation_amount[ob] - o->paid_earmarked[ob];
      if (!civic_add_i64(demand, need, &demand))
        return civic_diag_set(d, CIVIC_E_OVERFLOW,
                              "obligations: the demand at priority %lld "
                              "exceeds int64",
                              (long long)prio);
      w->member[m] = ob;
      w->claim[m] = need;
      m++;
    }
    i = j;
    pay = g < demand ? g : demand;
    civic_split_ranked(pay, demand, w->claim, m, w->share, w->rem, w->sort_a,
                       w->sort_b);
    for (j = 0; j < m; j++)
      o->paid_general[w->member[j]] = w->share[j];
    g -= pay;
    if (t != NULL) {
      civic_status st =
          trace_level(t, WF_RULE_PRIORITY, -1, prio, w, m, demand, pay);
      if (st != CIVIC_OK)
        return st;
    }
  }
  *pool = g;
  return CIVIC_OK;
}

/* Steps 6 and 7: guarantee, arrears, floor top-up, advance, receivable. */
static civic_status guarantee(civic_diag *d, const wf_problem *p, wf_outcome *o,
                              wf_trace *t) {
  size_t i;
  int64_t advance = 0, after;
  civic_status st = CIVIC_OK;
  for (i = 0; i < p->n_obligations; i++) {
    int64_t rest =
        p->obligation_amount[i] - o->paid_earmarked[i] - o->paid_general[i];
    bool guaranteed = p->obligation_guaranteed[i] != 0;
    o->covered[i] = guaranteed ? rest : 0;
    o->unpaid[i] = guaranteed ? 0 : rest;
    if (!civic_add_i64(advance, o->covered[i], &advance))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "advance: the guarantee fund's advance exceeds "
                            "int64");
    if (t != NULL && rest > 0)
      st = trace_simple(t, guaranteed ? WF_RULE_GUARANTEE : WF_RULE_ARREARS, -1,
                        (int32_t)i, -1, rest);
    if (st != CIVIC_OK)
      return st;
  }
  o->top_up = 0;
  if (p->floor_guaranteed && o->living_allowance < p->living_floor)
    o->top_up = p->living_floor - o->living_allowance;
  if (!civic_add_i64(advance, o->top_up, &advance))
    return civic_diag_set(
        d, CIVIC_E_OVERFLOW,
        "advance: the guarantee fund's advance exceeds int64");
  /* outstanding - recovery >= 0, so only the addition can overflow */
  if (!civic_add_i64(p->receivable_outstanding - o->recovery, advance, &after))
    return civic_diag_set(d, CIVIC_E_OVERFLOW,
                          "receivable_after: exceeds int64");
  o->living_allowance += o->top_up; /* < living_floor before: no overflow */
  o->advance = advance;
  o->receivable_after = after;
  if (t != NULL &&
      (st = trace_simple(t, WF_RULE_FLOOR, -1, -1, -1, o->top_up)) == CIVIC_OK)
    st = trace_simple(t, WF_RULE_ADVANCE, -1, -1, -1, advance);
  return st;
}

civic_status wf_compute(civic_diag *d, const wf_problem *p, wf_work *w,
                        wf_outcome *o, wf_trace *t) {
  int64_t g = 0, above_floor, rec;
  civic_status st;

  if (p->n_obligations > 0) {
    memset(o->paid_earmarked, 0, p->n_obligations * sizeof(int64_t));
    memset(o->paid_general, 0, p->n_obligations * sizeof(int64_t));
  }
  st = earmarks_and_pool(d, p, w, o, t, &g);
  if (st == CIVIC_OK)
    st = pay_priorities(d, p, w, o, t, &g);
  if (st != CIVIC_OK)
    return st;
  /* Step 4: recovery never takes the allowance below the floor. */
  above_floor = g > p->living_floor ? g - p->living_floor : 0;
  rec = p->receivable_outstanding < p->recovery_cap ? p->receivable_outstanding
                                                    : p->recovery_cap;
  o->recovery = rec < above_floor ? rec : above_floor;
  g -= o->recovery;
  /* Step 5 */
  o->living_allowance = g;
  if (t != NULL) {
    st = trace_simple(t, WF_RULE_RECOVERY, -1, -1, -1, o->recovery);
    if (st == CIVIC_OK)
      st = trace_simple(t, WF_RULE_LIVING_ALLOWANCE, -1, -1, -1, g);
    if (st != CIVIC_OK)
      return st;
  }
  return guarantee(d, p, o, t);
}

/* ------------------------------------------------------------------ */
/* Growable buffers                                                    */
/* ------------------------------------------------------------------ */

/* Grow *ptr to hold at least `need` elements of `size` bytes. */
static bool grow(void **ptr, size_t *cap, size_t need, size_t size) {
  size_t n;
  void *p;
  if (need <= *cap)
    return true;
  n = *cap ? *cap : 8;
  while (n < need)
    n *= 2;
  if (n > SIZE_MAX / size)
    return false;
  p = realloc(*ptr, n * size);
  if (p == NULL)
    return false;
  *ptr = p;
  *cap = n;
  return true;
}

/* Resize several parallel arrays to one capacity. */
#define GROW_TO(field, n) grow_exact((void **)&(field), (n), sizeof *(field))
static bool grow_exact(void **ptr, size_t n, size_t size) {
  void *p = realloc(*ptr, (n ? n : 1) * size);
  if (p == NULL)
    return false;
  *ptr = p;
  return true;
}

/* ------------------------------------------------------------------ */
/* Plan                                                                */
/* ------------------------------------------------------------------ */

civic_status civic_waterfall_plan_new(civic_waterfall_plan **out) {
  civic_waterfall_plan *p;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  p = calloc(1, sizeof *p);
  *out = p;
  return p ? CIVIC_OK : CIVIC_E_NOMEM;
}

static void plan_release(civic_waterfall_plan *p) {
  free(p->income_amount);
  free(p->income_id);
  free(p->income_earmark);
  free(p->obligation_id);
  free(p->obligation_category);
  free(p->obligation_priority);
  free(p->obligation_amount);
  free(p->obligation_guaranteed);
  free(p->text);
}

void civic_waterfall_plan_free(civic_waterfall_plan *plan) {
  if (plan == NULL)
    return;
  plan_release(plan);
  free(plan);
}

static void plan_clear(civic_waterfall_plan *p) {
  p->opening_balance = p->receivable_outstanding = 0;
  p->living_floor = p->recovery_cap = 0;
  p->floor_guaranteed = 0;
  p->n_incomes = p->n_obligations = 0;
  p->text_len = 0;
}

civic_status civic_waterfall_plan_reset(civic_waterfall_plan *plan) {
  if (plan == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  plan_clear(plan);
  return CIVIC_OK;
}

civic_status civic_waterfall_plan_set_balances(civic_waterfall_plan *plan,
                                               int64_t opening_balance,
                                               int64_t receivable_outstanding) {
  if (plan == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  plan->opening_balance = opening_balance;
  plan->receivable_outstanding = receivable_outstanding;
  return CIVIC_OK;
}

civic_status civic_waterfall_plan_set_policy(civic_waterfall_plan *plan,
                                             int64_t living_floor,
                                             int floor_guaranteed,
                                             int64_t recovery_cap) {
  if (plan == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  plan->living_floor = living_floor;
  plan->floor_guaranteed = floor_guaranteed != 0;
  plan->recovery_cap = recovery_cap;
  return CIVIC_OK;
}

/* Copy a string into the plan's arena; its offset goes to *at. */
static bool plan_text(civic_waterfall_plan *p, const char *s, size_t *at) {
  size_t len = strlen(s) + 1;
  if (!grow((void **)&p->text, &p->text_cap, p->text_len + len, 1))
    return false;
  memcpy(p->text + p->text_len, s, len);
  *at = p->text_len;
  p->text_len += len;
  return true;
}

static bool plan_room_incomes(civic_waterfall_plan *p, size_t need) {
  size_t cap;
  if (need <= p->cap_incomes)
    return true;
  cap = p->cap_incomes ? p->cap_incomes * 2 : 8;
  while (cap < need)
    cap *= 2;
  if (!GROW_TO(p->income_amount, cap) || !GROW_TO(p->income_id, cap) ||
      !GROW_TO(p->income_earmark, cap))
    return false;
  p->cap_incomes = cap;
  return true;
}

static bool plan_room_obligations(civic_waterfall_plan *p, size_t need) {
  size_t cap;
  if (need <= p->cap_obligations)
    return true;
  cap = p->cap_obligations ? p->cap_obligations * 2 : 8;
  while (cap < need)
    cap *= 2;
  if (!GROW_TO(p->obligation_id, cap) ||
      !GROW_TO(p->obligation_category, cap) ||
      !GROW_TO(p->obligation_priority, cap) ||
      !GROW_TO(p->obligation_amount, cap) ||
      !GROW_TO(p->obligation_guaranteed, cap))
    return false;
  p->cap_obligations = cap;
  return true;
}

civic_status civic_waterfall_plan_add_income(civic_waterfall_plan *plan,
                                             const char *id, int64_t amount,
                                             const char *earmark) {
  size_t i, text_len;
  if (plan == NULL || id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (!plan_room_incomes(plan, plan->n_incomes + 1))
    return CIVIC_E_NOMEM;
  i = plan->n_incomes;
  text_len = plan->text_len;
  plan->income_earmark[i] = WF_NO_TEXT;
  if (!plan_text(plan, id, &plan->income_id[i]) ||
      (earmark != NULL &&
       !plan_text(plan, earmark, &plan->income_earmark[i]))) {
    plan->text_len = text_len; /* all or nothing */
    return CIVIC_E_NOMEM;
  }
  plan->income_amount[i] = amount;
  plan->n_incomes++;
  return CIVIC_OK;
}

civic_status
civic_waterfall_plan_add_obligation(civic_waterfall_plan *plan, const char *id,
                                    const char *category, int64_t priority,
                                    int64_t amount, int guaranteed) {
  size_t i, text_len;
  if (plan == NULL || id == NULL || category == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (!plan_room_obligations(plan, plan->n_obligations + 1))
    return CIVIC_E_NOMEM;
  i = plan->n_obligations;
  text_len = plan->text_len;
  if (!plan_text(plan, id, &plan->obligation_id[i]) ||
      !plan_text(plan, category, &plan->obligation_category[i])) {
    plan->text_len = text_len;
    return CIVIC_E_NOMEM;
  }
  plan->obligation_priority[i] = priority;
  plan->obligation_amount[i] = amount;
  plan->obligation_guaranteed[i] = guaranteed != 0;
  plan->n_obligations++;
  return CIVIC_OK;
}

/* Copy plan src into dst, reusing dst's buffers. */
static bool plan_copy(civic_waterfall_plan *dst,
                      const civic_waterfall_plan *src) {
  size_t ni = src->n_incomes, no = src->n_obligations;
  if (!plan_room_incomes(dst, ni) || !plan_room_obligations(dst, no) ||
      !grow((void **)&dst->text, &dst->text_cap, src->text_len, 1))
    return false;
  dst->opening_balance = src->opening_balance;
  dst->receivable_outstanding = src->receivable_outstanding;
  dst->living_floor = src->living_floor;
  dst->recovery_cap = src->recovery_cap;
  dst->floor_guaranteed = src->floor_guaranteed;
  dst->n_incomes = ni;
  dst->n_obligations = no;
  dst->text_len = src->text_len;
  if (ni > 0) {
    memcpy(dst->income_amount, src->income_amount, ni * sizeof(int64_t));
    memcpy(dst->income_id, src->income_id, ni * sizeof(size_t));
    memcpy(dst->income_earmark, src->income_earmark, ni * sizeof(size_t));
  }
  if (no > 0) {
    memcpy(dst->obligation_id, src->obligation_id, no * sizeof(size_t));
    memcpy(dst->obligation_category, src->obligation_category,
           no * sizeof(size_t));
    memcpy(dst->obligation_priority, src->obligation_priority,
           no * sizeof(int64_t));
    memcpy(dst->obligation_amount, src->obligation_amount,
           no * sizeof(int64_t));
    memcpy(dst->obligation_guaranteed, src->obligation_guaranteed, no);
  }
  if (src->text_len > 0)
    memcpy(dst->text, src->text, src->text_len);
  return true;
}

/* ---- JSON input ---- */

static civic_status load_income(civic_diag *d, civic_waterfall_plan *plan,
                                const json_t *list, size_t i) {
  char where[48];
  const json_t *item = json_array_get(list, i);
  const char *id = NULL, *earmark = NULL;
  int64_t amount = 0;
  civic_status st = civic_json_element_object(d, list, "incomes", i);
  if (st != CIVIC_OK)
    return st;
  civic_json_index_path(where, sizeof where, "incomes", i);
  st = civic_json_string(d, item, where, "id", false, &id);
  if (st == CIVIC_OK)
    st = civic_json_amount(d, item, where, "amount", &amount);
  /* A missing or null earmark means general income. */
  if (st == CIVIC_OK && civic_json_has(item, "earmark"))
    st = civic_json_string(d, item, where, "earmark", false, &earmark);
  if (st != CIVIC_OK)
    return st;
  if (civic_waterfall_plan_add_income(plan, id, amount, earmark) != CIVIC_OK)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory reading incomes");
  return CIVIC_OK;
}

static civic_status load_obligation(civic_diag *d, civic_waterfall_plan *plan,
                                    const json_t *list, size_t i) {
  char where[48];
  const json_t *item = json_array_get(list, i);
  const char *id = NULL, *category = NULL;
  int64_t priority = 0, amount = 0;
  bool guaranteed = false;
  civic_status st = civic_json_element_object(d, list, "obligations", i);
  if (st != CIVIC_OK)
    return st;
  civic_json_index_path(where, sizeof where, "obligations", i);
  st = civic_json_string(d, item, where, "id", false, &id);
  if (st == CIVIC_OK)
    st = civic_json_string(d, item, where, "category", false, &category);
  /* Any integer here; the run refuses a negative priority as out_of_range
   * (it is an ordinal, not an amount). */
  if (st == CIVIC_OK)
    st = civic_json_int(d, item, where, "priority", INT64_MIN, INT64_MAX,
                        &priority);
  if (st == CIVIC_OK)
    st = civic_json_amount(d, item, where, "amount", &amount);
  if (st == CIVIC_OK)
    st = civic_json_bool(d, item, where, "guaranteed", &guaranteed);
  if (st != CIVIC_OK)
    return st;
  if (civic_waterfall_plan_add_obligation(plan, id, category, priority, amount,
                                          guaranteed) != CIVIC_OK)
    return civic_diag_set(d, CIVIC_E_NOMEM,
                          "out of memory reading obligations");
  return CIVIC_OK;
}

static civic_status load_plan(civic_diag *d, civic_waterfall_plan *plan,
                              const json_t *in) {
  json_t *incomes, *obligations, *policy;
  int64_t opening = 0, receivable = 0, floor = 0, cap = 0;
  bool floor_guaranteed = false;
  size_t i;
  civic_status st;

  plan_clear(plan);
  st = civic_json_amount(d, in, "", "opening_balance", &opening);
  if (st == CIVIC_OK)
    st = civic_json_amount(d, in, "", "receivable_outstanding", &receivable);
  if (st == CIVIC_OK)
    st = civic_json_object(d, in, "", "policy", &policy);
  if (st == CIVIC_OK)
    st = civic_json_amount(d, policy, "policy", "living_floor", &floor);
  if (st == CIVIC_OK)
    st = civic_json_bool(d, policy, "policy", "floor_guaranteed",
                         &floor_guaranteed);
  if (st == CIVIC_OK)
    st = civic_json_amount(d, policy, "policy", "recovery_cap", &cap);
  if (st == CIVIC_OK)
    st = civic_json_array(d, in, "", "incomes", &incomes);
  if (st == CIVIC_OK)
    st = civic_json_array(d, in, "", "obligations", &obligations);
  for (i = 0; st == CIVIC_OK && i < json_array_size(incomes); i++)
    st = load_income(d, plan, incomes, i);
  for (i = 0; st == CIVIC_OK && i < json_array_size(obligations); i++)
    st = load_obligation(d, plan, obligations, i);
  if (st != CIVIC_OK) {
    plan_clear(plan);
    return st;
  }
  plan->opening_balance = opening;
  plan->receivable_outstanding = receivable;
  plan->living_floor = floor;
  plan->floor_guaranteed = floor_guaranteed;
  plan->recovery_cap = cap;
  return CIVIC_OK;
}

civic_status civic_waterfall_plan_load_json(civic_ctx *ctx,
                                            civic_waterfall_plan *plan,
                                            const char *json) {
  json_t *in = NULL;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (plan == NULL || json == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "plan and json must not be NULL");
  plan_clear(plan);
  st = civic_json_parse(&ctx->diag, json, strlen(json), &in);
  if (st == CIVIC_OK)
    st = load_plan(&ctx->diag, plan, in);
  json_decref(in);
  return st;
}

/* ------------------------------------------------------------------ */
/* Result and run                                                      */
/* ------------------------------------------------------------------ */

civic_status civic_waterfall_result_new(civic_waterfall_result **out) {
  civic_waterfall_result *r;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  r = calloc(1, sizeof *r);
  *out = r;
  return r ? CIVIC_OK : CIVIC_E_NOMEM;
}

void civic_waterfall_result_free(civic_waterfall_result *r) {
  if (r == NULL)
    return;
  plan_release(&r->snap);
  free(r->out.paid_earmarked);
  free(r->out.paid_general);
  free(r->out.covered);
  free(r->out.unpaid);
  free(r->category_names);
  free(r->income_category);
  free(r->obligation_category);
  free(r->order);
  free(r->by_category);
  free(r->category_start);
  free(r->ids);
  free(r->cat_text);
  free(r->cat_idx);
  free(r->cat_tmp);
  free(r->work.earmarked);
  free(r->work.has_earmark);
  free(r->work.claim);
  free(r->work.share);
  free(r->work.rem);
  free(r->work.member);
  free(r->work.sort_a);
  free(r->work.sort_b);
  free(r->trace.entries);
  free(r);
}

/* Make room for n obligations and m incomes in the result's arrays. */
static bool result_room(civic_waterfall_result *r, size_t n, size_t m) {
  size_t cap, need = n > m ? n : m;
  if (need <= r->cap_outcome)
    return true;
  cap = r->cap_outcome ? r->cap_outcome * 2 : 8;
  while (cap < need)
    cap *= 2;
  if (!GROW_TO(r->out.paid_earmarked, cap) ||
      !GROW_TO(r->out.paid_general, cap) || !GROW_TO(r->out.covered, cap) ||
      !GROW_TO(r->out.unpaid, cap) || !GROW_TO(r->income_category, cap) ||
      !GROW_TO(r->obligation_category, cap) || !GROW_TO(r->order, cap) ||
      !GROW_TO(r->by_category, cap) || !GROW_TO(r->ids, cap) ||
      !GROW_TO(r->work.claim, cap) || !GROW_TO(r->work.share, cap) ||
      !GROW_TO(r->work.rem, cap) || !GROW_TO(r->work.member, cap) ||
      !GROW_TO(r->work.sort_a, cap) || !GROW_TO(r->work.sort_b, cap))
    return false;
  r->cap_outcome = cap;
  return true;
}

static bool result_room_categories(civic_waterfall_result *r, size_t n) {
  size_t cap;
  if (n <= r->cap_categories)
    return true;
  cap = r->cap_categories ? r->cap_categories * 2 : 8;
  while (cap < n)
    cap *= 2;
  /* n counts every category and earmark string (at most one each per
   * obligation and income); category_start needs one more. */
  if (!GROW_TO(r->category_names, cap) || !GROW_TO(r->work.earmarked, cap) ||
      !GROW_TO(r->work.has_earmark, cap) || !GROW_TO(r->cat_text, cap) ||
      !GROW_TO(r->cat_idx, cap) || !GROW_TO(r->cat_tmp, cap) ||
      !GROW_TO(r->category_start, cap + 1))
    return false;
  r->cap_categories = cap;
  return true;
}

static void result_empty(civic_waterfall_result *r) {
  r->valid = false;
  r->traced = false;
  r->snap.n_incomes = r->snap.n_obligations = 0;
  r->snap.text_len = 0;
  r->out.living_allowance = r->out.top_up = r->out.recovery = 0;
  r->out.advance = r->out.receivable_after = 0;
  r->trace.count = 0;
  r->n_categories = 0;
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF): ids
 * and categories come back in JSON output and explanation text. */
static bool valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p++, n, min, v;
    if (c < 0x80)
      continue;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, min = 0x80, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, min = 0x800, v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, min = 0x10000, v = c & 0x07;
    } else {
      return false;
    }
    for (; n > 0; n--, p++) {
      if ((*p & 0xC0) != 0x80)
        return false;
      v = (v << 6) | (*p & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      return false;
  }
  return true;
}

static civic_status check_text(civic_diag *d, const civic_waterfall_plan *p,
                               size_t at, const char *list, size_t i,
                               const char *field) {
  if (at == WF_NO_TEXT || valid_utf8(p->text + at))
    return CIVIC_OK;
  return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                        "%s[%zu].%s: not valid UTF-8", list, i, field);
}

/* Only the C API can hand in invalid UTF-8 (JSON input is checked by the
 * parser). */
static civic_status validate_texts(civic_diag *d,
                                   const civic_waterfall_plan *p) {
  civic_status st = CIVIC_OK;
  size_t i;
  for (i = 0; st == CIVIC_OK && i < p->n_incomes; i++) {
    st = check_text(d, p, p->income_id[i], "incomes", i, "id");
    if (st == CIVIC_OK)
      st = check_text(d, p, p->income_earmark[i], "incomes", i, "earmark");
  }
  for (i = 0; st == CIVIC_OK && i < p->n_obligations; i++) {
    st = check_text(d, p, p->obligation_id[i], "obligations", i, "id");
    if (st == CIVIC_OK)
      st = check_text(d, p, p->obligation_category[i], "obligations", i,
                      "category");
  }
  return st;
}

/* Every check of spec section 3 "Input" that the types cannot express. */
static civic_status validate_plan(civic_diag *d,
                                  const civic_waterfall_plan *p) {
  size_t i;
  if (p->opening_balance < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "opening_balance: must be >= 0, got %lld",
                          (long long)p->opening_balance);
  if (p->receivable_outstanding < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "receivable_outstanding: must be >= 0, got %lld",
                          (long long)p->receivable_outstanding);
  if (p->living_floor < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "policy.living_floor: must be >= 0, got %lld",
                          (long long)p->living_floor);
  if (p->recovery_cap < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "policy.recovery_cap: must be >= 0, got %lld",
                          (long long)p->recovery_cap);
  for (i = 0; i < p->n_incomes; i++)
    if (p->income_amount[i] < 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "incomes[%zu].amount: must be >= 0, got %lld", i,
                            (long long)p->income_amount[i]);
  for (i = 0; i < p->n_obligations; i++) {
    if (p->obligation_priority[i] < 0)
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "obligations[%zu].priority: must be >= 0, got %lld",
                            i, (long long)p->obligation_priority[i]);
    if (p->obligation_amount[i] < 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "obligations[%zu].amount: must be >= 0, got %lld",
                            i, (long long)p->obligation_amount[i]);
  }
  if (p->n_incomes > INT32_MAX / 2 || p->n_obligations > INT32_MAX / 2)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "incomes/obligations: too many entries");
  return validate_texts(d, p);
}

static int by_string(uint32_t a, uint32_t b, const void *ctx) {
  const char *const *ids = ctx;
  int c = strcmp(ids[a], ids[b]);
  return c != 0 ? c : (a < b ? -1 : (a > b));
}

/* Refuse two equal ids in ids[0..n); `what` names the list. */
static civic_status check_unique(civic_diag *d, const char *what,
                                 const char **ids, size_t n, uint32_t *idx,
                                 uint32_t *tmp) {
  size_t i, j;
  if (n <= 16) { /* pairwise is cheaper than sorting for a handful */
    for (j = 1; j < n; j++)
      for (i = 0; i < j; i++)
        if (strcmp(ids[i], ids[j]) == 0)
          goto dup_found;
    return CIVIC_OK;
  dup_found:
    return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                          "%s[%zu].id: duplicate id '%.64s' (also %s[%zu])",
                          what, j, ids[j], what, i);
  }
  for (i = 0; i < n; i++)
    idx[i] = (uint32_t)i;
  civic_sort_indices(idx, tmp, n, by_string, ids);
  for (i = 1; i < n; i++)
    if (strcmp(ids[idx[i - 1]], ids[idx[i]]) == 0)
      return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                            "%s[%u].id: duplicate id '%.64s' (also %s[%u])",
                            what, idx[i], ids[idx[i]], what, idx[i - 1]);
  return CIVIC_OK;
}

/* Give every distinct category (obligation categories and earmarks) a
 * dense number in byte-wise order of its name: sort the strings once,
 * O(N log N) however many categories there are, and independent of the
 * input order. */
static void intern_categories(civic_waterfall_result *r) {
  const civic_waterfall_plan *s = &r->snap;
  size_t i, n = 0, no = s->n_obligations, ni = s->n_incomes;
  int32_t current = -1;
  for (i = 0; i < no; i++)
    r->cat_text[n++] = s->text + s->obligation_category[i];
  for (i = 0; i < ni; i++)
    if (s->income_earmark[i] != WF_NO_TEXT)
      r->cat_text[n++] = s->text + s->income_earmark[i];
  for (i = 0; i < n; i++)
    r->cat_idx[i] = (uint32_t)i;
  civic_sort_indices(r->cat_idx, r->cat_tmp, n, by_string, r->cat_text);
  r->n_categories = 0;
  for (i = 0; i < n; i++) {
    uint32_t k = r->cat_idx[i];
    if (i == 0 || strcmp(r->cat_text[r->cat_idx[i - 1]], r->cat_text[k]) != 0)
      r->category_names[++current] = r->cat_text[k];
    r->cat_tmp[k] = (uint32_t)current; /* number of string k */
  }
  r->n_categories = (size_t)(current + 1);
  n = 0;
  for (i = 0; i < no; i++)
    r->obligation_category[i] = (int32_t)r->cat_tmp[n++];
  for (i = 0; i < ni; i++)
    r->income_category[i] =
        s->income_earmark[i] == WF_NO_TEXT ? -1 : (int32_t)r->cat_tmp[n++];
}

typedef struct order_ctx {
  const int64_t *priority;
  const int32_t *category;
  const char *const *ids;
} order_ctx;

/* Priority ascending, then id byte-wise (the pro-rata tie-break). */
static int by_priority_then_id(uint32_t a, uint32_t b, const void *ctx) {
  const order_ctx *o = ctx;
  if (o->priority[a] != o->priority[b])
    return o->priority[a] < o->priority[b] ? -1 : 1;
  return strcmp(o->ids[a], o->ids[b]);
}

/* Category, then priority, then id. */
static int by_category_then_priority(uint32_t a, uint32_t b, const void *ctx) {
  const order_ctx *o = ctx;
  if (o->category[a] != o->category[b])
    return o->category[a] < o->category[b] ? -1 : 1;
  return by_priority_then_id(a, b, ctx);
}

void wf_category_runs(const int32_t *category, const uint32_t *by_category,
                      size_t n_obligations, size_t n_categories,
                      uint32_t *category_start) {
  size_t c = 0, i;
  for (i = 0; i < n_obligations; i++)
    while (c <= (size_t)category[by_category[i]])
      category_start[c++] = (uint32_t)i;
  while (c <= n_categories)
    category_start[c++] = (uint32_t)n_obligations;
}

/* Translate the snapshot into the engine's arrays (dense categories,
 * order), checking unique ids on the way. */
static civic_status prepare(civic_diag *d, civic_waterfall_result *r,
                            wf_problem *p) {
  const civic_waterfall_plan *s = &r->snap;
  size_t i, ni = s->n_incomes, no = s->n_obligations;
  order_ctx oc;
  civic_status st;

  for (i = 0; i < ni; i++)
    r->ids[i] = s->text + s->income_id[i];
  st = check_unique(d, "incomes", r->ids, ni, r->work.sort_a, r->work.sort_b);
  if (st != CIVIC_OK)
    return st;
  for (i = 0; i < no; i++)
    r->ids[i] = s->text + s->obligation_id[i];
  st = check_unique(d, "obligations", r->ids, no, r->work.sort_a,
                    r->work.sort_b);
  if (st != CIVIC_OK)
    return st;

  /* + 1: category_start is written even for an empty plan */
  if (!result_room_categories(r, ni + no + 1))
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  intern_categories(r);

  for (i = 0; i < no; i++)
    r->order[i] = r->by_category[i] = (uint32_t)i;
  oc.priority = s->obligation_priority;
  oc.category = r->obligation_category;
  oc.ids = r->ids;
  civic_sort_indices(r->order, r->work.sort_a, no, by_priority_then_id, &oc);
  civic_sort_indices(r->by_category, r->work.sort_a, no,
                     by_category_then_priority, &oc);
  wf_category_runs(r->obligation_category, r->by_category, no, r->n_categories,
                   r->category_start);

  memset(p, 0, sizeof *p);
  p->opening_balance = s->opening_balance;
  p->receivable_outstanding = s->receivable_outstanding;
  p->living_floor = s->living_floor;
  p->recovery_cap = s->recovery_cap;
  p->floor_guaranteed = s->floor_guaranteed != 0;
  p->n_incomes = ni;
  p->income_amount = s->income_amount;
  p->income_category = r->income_category;
  p->n_obligations = no;
  p->obligation_amount = s->obligation_amount;
  p->obligation_priority = s->obligation_priority;
  p->obligation_category = r->obligation_category;
  p->obligation_guaranteed = s->obligation_guaranteed;
  p->order = r->order;
  p->by_category = r->by_category;
  p->category_start = r->category_start;
  p->n_categories = r->n_categories;
  p->category_names = r->category_names;
  return CIVIC_OK;
}

civic_status civic_waterfall_run(civic_ctx *ctx,
                                 const civic_waterfall_plan *plan,
                                 uint32_t flags,
                                 civic_waterfall_result *result) {
  civic_diag *d;
  wf_problem p;
  civic_status st;
  bool trace = (flags & CIVIC_WATERFALL_TRACE) != 0;

  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  d = &ctx->diag;
  civic_diag_clear(d);
  if (plan == NULL || result == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "plan and result must not be NULL");
  if ((flags & ~(uint32_t)CIVIC_WATERFALL_TRACE) != 0)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "flags: unknown bits");
  result_empty(result);
  st = validate_plan(d, plan);
  if (st != CIVIC_OK)
    return st;
  if (!plan_copy(&result->snap, plan) ||
      !result_room(result, plan->n_obligations, plan->n_incomes)) {
    result_empty(result);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
  st = prepare(d, result, &p);
  if (st == CIVIC_OK)
    st = wf_compute(d, &p, &result->work, &result->out,
                    trace ? &result->trace : NULL);
  if (st != CIVIC_OK) {
    result_empty(result);
    return st;
  }
  result->valid = true;
  result->traced = trace;
  return CIVIC_OK;
}

size_t
civic_waterfall_result_obligation_count(const civic_waterfall_result *r) {
  return r && r->valid ? r->snap.n_obligations : 0;
}

static bool has_obligation(const civic_waterfall_result *r, size_t i) {
  return r != NULL && r->valid && i < r->snap.n_obligations;
}

const char *
civic_waterfall_result_obligation_id(const civic_waterfall_result *r,
                                     size_t i) {
  return has_obligation(r, i) ? r->snap.text + r->snap.obligation_id[i] : NULL;
}

int64_t civic_waterfall_result_paid_earmarked(const civic_waterfall_result *r,
                                              size_t i) {
  return has_obligation(r, i) ? r->out.paid_earmarked[i] : 0;
}

int64_t civic_waterfall_result_paid_general(const civic_waterfall_result *r,
                                            size_t i) {
  return has_obligation(r, i) ? r->out.paid_general[i] : 0;
}

int64_t civic_waterfall_result_covered(const civic_waterfall_result *r,
                                       size_t i) {
  return has_obligation(r, i) ? r->out.covered[i] : 0;
}

int64_t civic_waterfall_result_unpaid(const civic_waterfall_result *r,
                                      size_t i) {
  return has_obligation(r, i) ? r->out.unpaid[i] : 0;
}

int64_t
civic_waterfall_result_living_allowance(const civic_waterfall_result *r) {
  return r && r->valid ? r->out.living_allowance : 0;
}

int64_t civic_waterfall_result_top_up(const civic_waterfall_result *r) {
  return r && r->valid ? r->out.top_up : 0;
}

int64_t civic_waterfall_result_recovery(const civic_waterfall_result *r) {
  return r && r->valid ? r->out.recovery : 0;
}

int64_t civic_waterfall_result_advance(const civic_waterfall_result *r) {
  return r && r->valid ? r->out.advance : 0;
}

int64_t
civic_waterfall_result_receivable_after(const civic_waterfall_result *r) {
  return r && r->valid ? r->out.receivable_after : 0;
}

size_t civic_waterfall_result_trace_count(const civic_waterfall_result *r) {
  return r && r->valid && r->traced ? r->trace.count : 0;
}

/* ---- JSON output ---- */

static civic_status result_json(civic_diag *d, const civic_waterfall_result *r,
                                bool trace, json_t **out) {
  json_t *root = json_object(), *list = json_array();
  civic_status st;
  size_t i;

  *out = NULL;
  if (root == NULL || list == NULL) {
    json_decref(root);
    json_decref(list);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  }
  st = civic_json_set_new(d, root, "obligations", list);
  for (i = 0; st == CIVIC_OK && i < r->snap.n_obligations; i++) {
    json_t *item = json_object();
    st = civic_json_append_new(d, list, item);
    if (st == CIVIC_OK)
      st = civic_json_set_str(d, item, "id",
                              r->snap.text + r->snap.obligation_id[i]);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, item, "paid_earmarked",
                              r->out.paid_earmarked[i]);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, item, "paid_general", r->out.paid_general[i]);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, item, "covered", r->out.covered[i]);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, item, "unpaid", r->out.unpaid[i]);
  }
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, root, "living_allowance",
                            r->out.living_allowance);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, root, "top_up", r->out.top_up);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, root, "recovery", r->out.recovery);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, root, "advance", r->out.advance);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, root, "receivable_after",
                            r->out.receivable_after);
  if (st == CIVIC_OK && trace) {
    json_t *t = NULL;
    st = wf_trace_to_json(d, r, &t);
    if (st == CIVIC_OK)
      st = civic_json_set_new(d, root, "trace", t);
  }
  if (st != CIVIC_OK) {
    json_decref(root);
    return st;
  }
  *out = root;
  return CIVIC_OK;
}

civic_status civic_waterfall_result_to_json(civic_ctx *ctx,
                                            const civic_waterfall_result *r,
                                            uint32_t flags, char **out) {
  json_t *j = NULL;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (r == NULL || out == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "result and out must not be NULL");
  *out = NULL;
  if (!r->valid)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "result: no successful run");
  st = result_json(&ctx->diag, r,
                   (flags & CIVIC_WATERFALL_TRACE) != 0 && r->traced, &j);
  if (st != CIVIC_OK)
    return st;
  *out = civic_json_dump(j);
  json_decref(j);
  if (*out == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_NOMEM, "out of memory");
  return CIVIC_OK;
}

civic_status civic_waterfall_result_explain_text(
    civic_ctx *ctx, const civic_waterfall_result *r, char **out) {
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (r == NULL || out == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "result and out must not be NULL");
  *out = NULL;
  if (!r->valid || !r->traced)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "result: not run with CIVIC_WATERFALL_TRACE");
  return wf_explain_text(&ctx->diag, r, out);
}

/* The "waterfall" evaluation kind. An optional `"explain": true` adds the
 * trace; without it the output is exactly the spec section 8 form. */
civic_status civic_waterfall_eval_json(civic_diag *d, const json_t *in,
                                       json_t **out) {
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *r = NULL;
  civic_ctx ctx;
  bool explain = false;
  civic_status st;

  *out = NULL;
  if (civic_json_has(in, "explain")) {
    st = civic_json_bool(d, in, "", "explain", &explain);
    if (st != CIVIC_OK)
      return st;
  }
  if (civic_waterfall_plan_new(&plan) != CIVIC_OK ||
      civic_waterfall_result_new(&r) != CIVIC_OK) {
    civic_waterfall_plan_free(plan);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
  memset(&ctx, 0, sizeof ctx);
  st = load_plan(d, plan, in);
  if (st == CIVIC_OK) {
    st =
        civic_waterfall_run(&ctx, plan, explain ? CIVIC_WATERFALL_TRACE : 0, r);
    if (st != CIVIC_OK)
      *d = ctx.diag;
  }
  if (st == CIVIC_OK)
    st = result_json(d, r, explain, out);
  civic_waterfall_plan_free(plan);
  civic_waterfall_result_free(r);
  return st;
}
