/* Settlement of one resident's period on the ledger (issue 3, items 2-3).
 *
 * How a run works (docs/settlement.md has the full story):
 *
 * 1. Two waterfalls (spec section 3) are computed from the plan: `fin` over
 *    the income actually received ("if nothing more arrives"), and `proj`
 *    over received plus expected income whose expected day has not passed
 *    ("as planned"). `proj` decides how much of a guaranteed obligation the
 *    fund may bridge and where the advance cap bites; `fin` decides
 *    everything paid from real money (non-guaranteed obligations, recovery,
 *    living allowance). Both equal the final waterfall once the period is
 *    closed.
 * 2. Every money flow of the period is a *cumulative target* (rent paid so
 *    far, living allowance paid so far, fund bridge drawn so far...). A run
 *    reads what was already posted under the flow's deterministic ids
 *    `settle/<resident>/<period>/<purpose>/<subject>/<n>` and posts only the
 *    difference as the next id. Targets never go down (nothing is paid back
 *    or twice); flows that must go both ways (bridge, buffer) are a pair of
 *    one-way flows.
 * 3. The fund's bridge is whatever keeps the escrow at or above zero; income
 *    repays it as it lands. Closing books the bridge still open as the
 *    resident's advance (receivable), so the fund's own account nets to zero
 *    for every closed period.
 *
 * State that is not a balance (period start figures, expected incomes,
 * flags, consent) lives in journal events, so it survives reopening.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "civic/settle.h"
#include "civic/waterfall.h"
#include "diag.h"
#include "json.h"
#include "ledger_internal.h"
#include "text.h"

#define SETTLE_ID_MAX 64
#define SETTLE_KEY_MAX 384
#define SETTLE_MAX_DAYS 31
#define SETTLE_SECONDS_PER_DAY 86400
#define SETTLE_ASSET "EUR"
#define SETTLE_ASSET_SCALE 2
/* Keeps start_time + days * 86400 far from int64 limits. */
#define SETTLE_MAX_TIME ((int64_t)1 << 48)

/* ---- small helpers ---------------------------------------------------- */

static civic_diag *diag_of(civic_ctx *ctx) {
  if (ctx == NULL)
    return NULL;
  civic_diag_clear(&ctx->diag);
  return &ctx->diag;
}

/* Ids that become parts of transfer ids: a small safe alphabet, so that the
 * '/' separators of the id scheme stay unambiguous. */
static civic_status check_id(civic_diag *d, const char *where, const char *id) {
  size_t i, n;
  if (id == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "%s: must not be NULL",
                          where);
  n = strlen(id);
  if (n == 0)
    return civic_diag_set(d, CIVIC_E_EMPTY, "%s: must not be empty", where);
  if (n > SETTLE_ID_MAX)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "%s: at most %d characters",
                          where, SETTLE_ID_MAX);
  for (i = 0; i < n; i++) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok)
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "%s: only A-Z a-z 0-9 . _ - are allowed, got '%s'",
                            where, id);
  }
  return CIVIC_OK;
}

static void account_id(char *buf, size_t cap, const char *kind,
                       const char *resident) {
  snprintf(buf, cap, "%s:%s", kind, resident);
}

static int64_t balance_or_zero(const civic_ledger *ledger, const char *id) {
  civic_account_view v;
  if (civic_ledger_account_get(ledger, id, &v) != CIVIC_OK)
    return 0;
  return v.balance;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- optional JSON fields --------------------------------------------- */

static civic_status opt_int(civic_diag *d, const json_t *obj, const char *where,
                            const char *key, int64_t min, int64_t max,
                            int64_t def, int64_t *out) {
  if (!civic_json_has(obj, key)) {
    *out = def;
    return CIVIC_OK;
  }
  return civic_json_int(d, obj, where, key, min, max, out);
}

static civic_status opt_bool(civic_diag *d, const json_t *obj,
                             const char *where, const char *key, bool def,
                             bool *out) {
  if (!civic_json_has(obj, key)) {
    *out = def;
    return CIVIC_OK;
  }
  return civic_json_bool(d, obj, where, key, out);
}

static civic_status opt_string(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               const char *def, const char **out) {
  if (!civic_json_has(obj, key)) {
    *out = def;
    return CIVIC_OK;
  }
  return civic_json_string(d, obj, where, key, true, out);
}

/* ---- the plan --------------------------------------------------------- */

typedef struct receipt {
  const char *id;
  int64_t day, amount;
} receipt;

typedef struct income {
  const char *id, *payer, *earmark;
  int64_t expected, expected_day, received;
  receipt *receipts;
  size_t nreceipts;
} income;

typedef struct obligation {
  const char *id, *category, *payee;
  int64_t priority, amount, due_day;
  bool guaranteed;
} obligation;

/* A correction from recalculation (docs/recalc.md): amount > 0 is an
 * underpayment the payer pays now, amount < 0 an overpayment the resident
 * owes back. `corrects` is borrowed from the plan's JSON. */
typedef struct correction {
  const char *id, *payer, *reason;
  int64_t amount;
  const json_t *corrects;
} correction;

typedef struct plan {
  json_t *root;
  const char *resident, *period, *fund, *actor;
  int64_t days, as_of, start_time;
  bool close;
  income *incomes;
  size_t nincomes;
  obligation *obligations;
  size_t nobligations;
  correction *corrections;
  size_t ncorrections;
  int64_t living_floor, recovery_cap, advance_cap, fixed_allowance;
  bool floor_guaranteed, has_cap, fixed, review;
  int64_t payout_days[SETTLE_MAX_DAYS];
  size_t npayout;
} plan;

static void plan_free(plan *p) {
  size_t i;
  for (i = 0; i < p->nincomes; i++)
    free(p->incomes[i].receipts);
  free(p->incomes);
  free(p->obligations);
  free(p->corrections);
  json_decref(p->root);
  memset(p, 0, sizeof *p);
}

static civic_status parse_receipts(civic_diag *d, const json_t *obj,
                                   const char *where, const plan *p,
                                   income *in) {
  char path[256], rwhere[256];
  json_t *arr;
  size_t i, j;
  civic_status st = civic_json_array(d, obj, where, "received", &arr);
  if (st != CIVIC_OK)
    return st;
  civic_json_path(path, sizeof path, where, "received");
  in->nreceipts = json_array_size(arr);
  in->receipts = calloc(in->nreceipts ? in->nreceipts : 1, sizeof(receipt));
  if (in->receipts == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  in->received = 0;
  for (i = 0; i < in->nreceipts; i++) {
    const json_t *r = json_array_get(arr, i);
    receipt *rc = &in->receipts[i];
    char idwhere[300];
    if ((st = civic_json_element_object(d, arr, path, i)) != CIVIC_OK)
      return st;
    civic_json_index_path(rwhere, sizeof rwhere, path, i);
    if ((st = civic_json_string(d, r, rwhere, "id", true, &rc->id)) != CIVIC_OK)
      return st;
    civic_json_path(idwhere, sizeof idwhere, rwhere, "id");
    if ((st = check_id(d, idwhere, rc->id)) != CIVIC_OK)
      return st;
    if ((st = civic_json_int(d, r, rwhere, "day", 1, p->days, &rc->day)) !=
        CIVIC_OK)
      return st;
    if ((st = civic_json_amount(d, r, rwhere, "amount", &rc->amount)) !=
        CIVIC_OK)
      return st;
    for (j = 0; j < i; j++)
      if (strcmp(in->receipts[j].id, rc->id) == 0)
        return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                              "%s: id '%s' appears twice", idwhere, rc->id);
    if (!civic_add_i64(in->received, rc->amount, &in->received))
      return civic_diag_set(d, CIVIC_E_OVERFLOW, "%s: received total overflows",
                            path);
  }
  return CIVIC_OK;
}

static civic_status parse_incomes(civic_diag *d, plan *p) {
  char where[64], idwhere[96];
  json_t *arr;
  size_t i, j;
  civic_status st = civic_json_array(d, p->root, "", "incomes", &arr);
  if (st != CIVIC_OK)
    return st;
  p->nincomes = json_array_size(arr);
  p->incomes = calloc(p->nincomes ? p->nincomes : 1, sizeof(income));
  if (p->incomes == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < p->nincomes; i++) {
    const json_t *o = json_array_get(arr, i);
    income *in = &p->incomes[i];
    if ((st = civic_json_element_object(d, arr, "incomes", i)) != CIVIC_OK)
      return st;
    civic_json_index_path(where, sizeof where, "incomes", i);
    if ((st = civic_json_string(d, o, where, "id", true, &in->id)) != CIVIC_OK)
      return st;
    civic_json_path(idwhere, sizeof idwhere, where, "id");
    if ((st = check_id(d, idwhere, in->id)) != CIVIC_OK)
      return st;
    for (j = 0; j < i; j++)
      if (strcmp(p->incomes[j].id, in->id) == 0)
        return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                              "%s: id '%s' appears twice", idwhere, in->id);
    if ((st = civic_json_string(d, o, where, "payer", true, &in->payer)) !=
            CIVIC_OK ||
        (st = civic_json_amount(d, o, where, "amount", &in->expected)) !=
            CIVIC_OK ||
        (st = civic_json_int(d, o, where, "expected_day", 1, p->days,
                             &in->expected_day)) != CIVIC_OK ||
        (st = opt_string(d, o, where, "earmark", NULL, &in->earmark)) !=
            CIVIC_OK)
      return st;
    if (civic_json_has(o, "received")) {
      if ((st = parse_receipts(d, o, where, p, in)) != CIVIC_OK)
        return st;
    }
  }
  return CIVIC_OK;
}

static civic_status parse_obligations(civic_diag *d, plan *p) {
  char where[64], idwhere[96];
  json_t *arr;
  size_t i, j;
  civic_status st = civic_json_array(d, p->root, "", "obligations", &arr);
  if (st != CIVIC_OK)
    return st;
  p->nobligations = json_array_size(arr);
  p->obligations =
      calloc(p->nobligations ? p->nobligations : 1, sizeof(obligation));
  if (p->obligations == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < p->nobligations; i++) {
    const json_t *o = json_array_get(arr, i);
    obligation *ob = &p->obligations[i];
    if ((st = civic_json_element_object(d, arr, "obligations", i)) != CIVIC_OK)
      return st;
    civic_json_index_path(where, sizeof where, "obligations", i);
    if ((st = civic_json_string(d, o, where, "id", true, &ob->id)) != CIVIC_OK)
      return st;
    civic_json_path(idwhere, sizeof idwhere, where, "id");
    if ((st = check_id(d, idwhere, ob->id)) != CIVIC_OK)
      return st;
    for (j = 0; j < i; j++)
      if (strcmp(p->obligations[j].id, ob->id) == 0)
        return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                              "%s: id '%s' appears twice", idwhere, ob->id);
    if ((st = civic_json_string(d, o, where, "category", false,
                                &ob->category)) != CIVIC_OK ||
        (st = civic_json_int(d, o, where, "priority", 0, INT64_MAX,
                             &ob->priority)) != CIVIC_OK ||
        (st = civic_json_amount(d, o, where, "amount", &ob->amount)) !=
            CIVIC_OK ||
        (st = civic_json_bool(d, o, where, "guaranteed", &ob->guaranteed)) !=
            CIVIC_OK ||
        (st = civic_json_string(d, o, where, "payee", true, &ob->payee)) !=
            CIVIC_OK ||
        (st = civic_json_int(d, o, where, "due_day", 1, p->days,
                             &ob->due_day)) != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status parse_corrects(civic_diag *d, const json_t *o,
                                   const char *where, correction *c) {
  char path[160];
  json_t *arr;
  size_t i;
  civic_status st = civic_json_array(d, o, where, "corrects", &arr);
  if (st != CIVIC_OK)
    return st;
  civic_json_path(path, sizeof path, where, "corrects");
  if (json_array_size(arr) == 0)
    return civic_diag_set(d, CIVIC_E_EMPTY,
                          "%s: must name at least one payment", path);
  for (i = 0; i < json_array_size(arr); i++) {
    const char *s = json_string_value(json_array_get(arr, i));
    if (s == NULL)
      return civic_diag_set(d, CIVIC_E_WRONG_TYPE, "%s[%zu]: must be a string",
                            path, i);
    if (s[0] == '\0')
      return civic_diag_set(d, CIVIC_E_EMPTY, "%s[%zu]: must not be empty",
                            path, i);
  }
  c->corrects = arr;
  return CIVIC_OK;
}

/* A correction's payer must be an outside party: money between the
 * resident's own accounts or the fund would bypass the settlement's flows. */
static bool is_own_account(const plan *p, const char *name) {
  static const char *const kinds[] = {"escrow", "buffer", "receivable", "bank"};
  char own[SETTLE_KEY_MAX];
  size_t i;
  if (strcmp(name, p->fund) == 0)
    return true;
  for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    account_id(own, sizeof own, kinds[i], p->resident);
    if (strcmp(name, own) == 0)
      return true;
  }
  return false;
}

static civic_status parse_correction(civic_diag *d, const json_t *o,
                                     const char *where, plan *p, size_t i) {
  char idwhere[96];
  correction *c = &p->corrections[i];
  size_t j;
  civic_status st = civic_json_string(d, o, where, "id", true, &c->id);
  if (st != CIVIC_OK)
    return st;
  civic_json_path(idwhere, sizeof idwhere, where, "id");
  if ((st = check_id(d, idwhere, c->id)) != CIVIC_OK)
    return st;
  for (j = 0; j < i; j++)
    if (strcmp(p->corrections[j].id, c->id) == 0)
      return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                            "%s: id '%s' appears twice", idwhere, c->id);
  /* -INT64_MAX, so that the amount owed back (-amount) always fits. */
  if ((st = civic_json_string(d, o, where, "payer", true, &c->payer)) !=
          CIVIC_OK ||
      (st = civic_json_int(d, o, where, "amount", -INT64_MAX, INT64_MAX,
                           &c->amount)) != CIVIC_OK ||
      (st = civic_json_string(d, o, where, "reason", true, &c->reason)) !=
          CIVIC_OK)
    return st;
  if (is_own_account(p, c->payer))
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s.payer: '%s' is the resident's or the fund's own "
                          "account, not a paying agency",
                          where, c->payer);
  if (c->amount == 0)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s.amount: must not be 0 (> 0 underpayment, < 0 "
                          "overpayment)",
                          where);
  return parse_corrects(d, o, where, c);
}

/* Optional: the period's corrections from recalculation. */
static civic_status parse_corrections(civic_diag *d, plan *p) {
  char where[64];
  json_t *arr;
  size_t i;
  civic_status st;
  if (!civic_json_has(p->root, "corrections"))
    return CIVIC_OK;
  if ((st = civic_json_array(d, p->root, "", "corrections", &arr)) != CIVIC_OK)
    return st;
  p->ncorrections = json_array_size(arr);
  p->corrections =
      calloc(p->ncorrections ? p->ncorrections : 1, sizeof(correction));
  if (p->corrections == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < p->ncorrections; i++) {
    if ((st = civic_json_element_object(d, arr, "corrections", i)) != CIVIC_OK)
      return st;
    civic_json_index_path(where, sizeof where, "corrections", i);
    if ((st = parse_correction(d, json_array_get(arr, i), where, p, i)) !=
        CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status parse_payout_days(civic_diag *d, plan *p,
                                      const json_t *pol) {
  const char *payout;
  json_t *arr;
  size_t i;
  civic_status st = opt_string(d, pol, "policy", "payout", "monthly", &payout);
  if (st != CIVIC_OK)
    return st;
  if (strcmp(payout, "monthly") != 0 && strcmp(payout, "weekly") != 0)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "policy.payout: must be \"monthly\" or \"weekly\"");
  if (!civic_json_has(pol, "payout_days")) {
    int64_t day;
    p->npayout = 0;
    if (strcmp(payout, "monthly") == 0)
      p->payout_days[p->npayout++] = p->days;
    else
      for (day = 1; day <= p->days; day += 7)
        p->payout_days[p->npayout++] = day;
    return CIVIC_OK;
  }
  if ((st = civic_json_array(d, pol, "policy", "payout_days", &arr)) !=
      CIVIC_OK)
    return st;
  if (json_array_size(arr) == 0 || json_array_size(arr) > (size_t)p->days)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "policy.payout_days: 1..%lld days needed",
                          (long long)p->days);
  for (i = 0; i < json_array_size(arr); i++) {
    const json_t *v = json_array_get(arr, i);
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > p->days)
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "policy.payout_days[%zu]: must be a day in 1..%lld",
                            i, (long long)p->days);
    p->payout_days[i] = (int64_t)json_integer_value(v);
    if (i > 0 && p->payout_days[i] <= p->payout_days[i - 1])
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "policy.payout_days[%zu]: days must increase", i);
  }
  p->npayout = json_array_size(arr);
  return CIVIC_OK;
}

static civic_status parse_policy(civic_diag *d, plan *p) {
  json_t *pol;
  const char *mode;
  civic_status st = civic_json_object(d, p->root, "", "policy", &pol);
  if (st != CIVIC_OK)
    return st;
  if ((st = civic_json_amount(d, pol, "policy", "living_floor",
                              &p->living_floor)) != CIVIC_OK ||
      (st = civic_json_bool(d, pol, "policy", "floor_guaranteed",
                            &p->floor_guaranteed)) != CIVIC_OK ||
      (st = civic_json_amount(d, pol, "policy", "recovery_cap",
                              &p->recovery_cap)) != CIVIC_OK ||
      (st = opt_bool(d, pol, "policy", "review", false, &p->review)) !=
          CIVIC_OK ||
      (st = opt_string(d, pol, "policy", "allowance_mode", "remainder",
                       &mode)) != CIVIC_OK)
    return st;
  p->has_cap = civic_json_has(pol, "advance_cap");
  if ((st = opt_int(d, pol, "policy", "advance_cap", 0, INT64_MAX, INT64_MAX,
                    &p->advance_cap)) != CIVIC_OK)
    return st;
  if (strcmp(mode, "remainder") == 0) {
    p->fixed = false;
  } else if (strcmp(mode, "fixed") == 0) {
    p->fixed = true;
    if ((st = civic_json_amount(d, pol, "policy", "fixed_allowance",
                                &p->fixed_allowance)) != CIVIC_OK)
      return st;
    /* A fixed allowance below a guaranteed floor would make the fund top up
     * money that only lands in the buffer. */
    if (p->floor_guaranteed && p->fixed_allowance < p->living_floor)
      return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                            "policy.fixed_allowance: must be >= living_floor "
                            "when the floor is guaranteed");
  } else {
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "policy.allowance_mode: must be \"remainder\" or "
                          "\"fixed\"");
  }
  return parse_payout_days(d, p, pol);
}

static civic_status parse_plan(civic_diag *d, const char *text, plan *p) {
  civic_status st;
  memset(p, 0, sizeof *p);
  if (text == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "plan: NULL");
  if ((st = civic_json_parse(d, text, strlen(text), &p->root)) != CIVIC_OK)
    return st;
  if ((st = civic_json_string(d, p->root, "", "resident", true,
                              &p->resident)) != CIVIC_OK ||
      (st = check_id(d, "resident", p->resident)) != CIVIC_OK ||
      (st = civic_json_string(d, p->root, "", "period", true, &p->period)) !=
          CIVIC_OK ||
      (st = check_id(d, "period", p->period)) != CIVIC_OK ||
      (st = civic_json_int(d, p->root, "", "days", 1, SETTLE_MAX_DAYS,
                           &p->days)) != CIVIC_OK ||
      (st = civic_json_int(d, p->root, "", "as_of", 0, p->days, &p->as_of)) !=
          CIVIC_OK ||
      (st = opt_bool(d, p->root, "", "close", false, &p->close)) != CIVIC_OK ||
      (st = opt_int(d, p->root, "", "start_time", 0, SETTLE_MAX_TIME, 0,
                    &p->start_time)) != CIVIC_OK ||
      (st = opt_string(d, p->root, "", "actor", "settle", &p->actor)) !=
          CIVIC_OK ||
      (st = opt_string(d, p->root, "", "fund", CIVIC_SETTLE_DEFAULT_FUND,
                       &p->fund)) != CIVIC_OK ||
      (st = parse_incomes(d, p)) != CIVIC_OK ||
      (st = parse_obligations(d, p)) != CIVIC_OK ||
      (st = parse_corrections(d, p)) != CIVIC_OK ||
      (st = parse_policy(d, p)) != CIVIC_OK)
    return st;
  return CIVIC_OK;
}

/* ---- journal state: consent and period records ------------------------ */

/* Number of consent events of a resident and whether the last grants. */
static void consent_read(const civic_ledger *ledger, const char *resident,
                         int64_t *count, bool *granted) {
  char id[SETTLE_KEY_MAX];
  civic_event_view ev;
  int64_t n;
  *granted = false;
  for (n = 1;; n++) {
    snprintf(id, sizeof id, "consent/%s/%lld", resident, (long long)n);
    if (civic_ledger_event_find(ledger, id, &ev) != CIVIC_OK)
      break;
    *granted = strcmp(ev.type, "settle.consent.grant") == 0;
  }
  *count = n - 1;
}

typedef struct period_state {
  int64_t runs;
  bool closed;
  int64_t opening, receivable_before, buffer_before;
  json_t *last_data; /* owned; NULL when runs == 0 */
} period_state;

static int64_t data_int(const json_t *data, const char *key) {
  const json_t *v = json_object_get(data, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static civic_status period_state_read(civic_diag *d, const civic_ledger *ledger,
                                      const char *resident, const char *period,
                                      period_state *st) {
  char id[SETTLE_KEY_MAX];
  civic_event_view ev;
  int64_t n;
  memset(st, 0, sizeof *st);
  for (n = 1;; n++) {
    snprintf(id, sizeof id, "settle/%s/%s/run/%lld", resident, period,
             (long long)n);
    if (civic_ledger_event_find(ledger, id, &ev) != CIVIC_OK)
      break;
    json_decref(st->last_data);
    st->last_data = json_loads(ev.data_json, 0, NULL);
    if (st->last_data == NULL)
      return civic_diag_set(d, CIVIC_E_NOMEM, "event %s: unreadable data", id);
  }
  st->runs = n - 1;
  if (st->last_data != NULL) {
    st->closed = json_is_true(json_object_get(st->last_data, "closed"));
    st->opening = data_int(st->last_data, "opening_balance");
    st->receivable_before = data_int(st->last_data, "receivable_before");
    st->buffer_before = data_int(st->last_data, "buffer_before");
  }
  return CIVIC_OK;
}

/* The resident's periods are numbered as they start: event
 * `settle/<r>/period/<k>` (type settle.period) names the k-th. Finding the
 * latest is a few id look-ups, not a scan of the journal, so a city-wide
 * month-end run stays linear in the number of residents. */
static int64_t period_count(const civic_ledger *ledger, const char *resident) {
  char id[SETTLE_KEY_MAX];
  civic_event_view ev;
  int64_t k;
  for (k = 1;; k++) {
    snprintf(id, sizeof id, "settle/%s/period/%lld", resident, (long long)k);
    if (civic_ledger_event_find(ledger, id, &ev) != CIVIC_OK)
      return k - 1;
  }
}

/* The resident's latest period, if any: its id (copied into `period`) and
 * whether it is closed. */
static bool latest_period(const civic_ledger *ledger, const char *resident,
                          char *period, size_t cap, bool *closed) {
  char id[SETTLE_KEY_MAX];
  civic_event_view ev;
  period_state st;
  json_t *data;
  const char *name;
  int64_t k = period_count(ledger, resident);
  bool found = false;
  if (k == 0)
    return false;
  snprintf(id, sizeof id, "settle/%s/period/%lld", resident, (long long)k);
  if (civic_ledger_event_find(ledger, id, &ev) != CIVIC_OK)
    return false;
  data = json_loads(ev.data_json, 0, NULL);
  name = json_string_value(json_object_get(data, "period"));
  if (name != NULL && strlen(name) < cap &&
      period_state_read(NULL, ledger, resident, name, &st) == CIVIC_OK) {
    snprintf(period, cap, "%s", name);
    *closed = st.closed;
    json_decref(st.last_data);
    found = true;
  }
  json_decref(data);
  return found;
}

/* ---- waterfalls ------------------------------------------------------- */

typedef struct wf {
  int64_t *paid; /* paid_earmarked + paid_general, per obligation */
  int64_t *covered, *unpaid, *paid_earmarked, *paid_general;
  int64_t living, top_up, recovery, advance;
} wf;

static civic_status wf_alloc(civic_diag *d, wf *w, size_t n) {
  int64_t *all = calloc(5 * (n ? n : 1), sizeof(int64_t));
  memset(w, 0, sizeof *w);
  if (all == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  w->paid = all;
  w->covered = all + (n ? n : 1);
  w->unpaid = all + 2 * (n ? n : 1);
  w->paid_earmarked = all + 3 * (n ? n : 1);
  w->paid_general = all + 4 * (n ? n : 1);
  return CIVIC_OK;
}

static void wf_free(wf *w) { free(w->paid); }

/* What an income counts for: the received amount, plus (when projecting and
 * the expected day has not passed) the rest of what is expected. */
static int64_t income_counted(const plan *p, const income *in, bool project) {
  if (project && !p->close && p->as_of <= in->expected_day &&
      in->expected > in->received)
    return in->expected;
  return in->received;
}

static civic_status run_waterfall(civic_diag *d, const plan *p, int64_t opening,
                                  int64_t receivable, bool project, wf *out) {
  civic_waterfall_plan *wp = NULL;
  civic_waterfall_result *wr = NULL;
  civic_ctx wctx;
  civic_status st;
  size_t i;
  memset(&wctx, 0, sizeof wctx);
  st = civic_waterfall_plan_new(&wp);
  if (st == CIVIC_OK)
    st = civic_waterfall_result_new(&wr);
  if (st == CIVIC_OK)
    st = civic_waterfall_plan_set_balances(wp, opening, receivable);
  if (st == CIVIC_OK)
    st = civic_waterfall_plan_set_policy(
        wp, p->living_floor, p->floor_guaranteed ? 1 : 0, p->recovery_cap);
  for (i = 0; st == CIVIC_OK && i < p->nincomes; i++)
    st = civic_waterfall_plan_add_income(
        wp, p->incomes[i].id, income_counted(p, &p->incomes[i], project),
        p->incomes[i].earmark);
  for (i = 0; st == CIVIC_OK && i < p->nobligations; i++) {
    const obligation *o = &p->obligations[i];
    st = civic_waterfall_plan_add_obligation(
        wp, o->id, o->category, o->priority, o->amount, o->guaranteed ? 1 : 0);
  }
  if (st != CIVIC_OK) {
    civic_waterfall_plan_free(wp);
    civic_waterfall_result_free(wr);
    return civic_diag_set(d, st, "waterfall: cannot build the plan");
  }
  st = civic_waterfall_run(&wctx, wp, CIVIC_WATERFALL_DEFAULT, wr);
  if (st == CIVIC_OK) {
    for (i = 0; i < p->nobligations; i++) {
      out->paid_earmarked[i] = civic_waterfall_result_paid_earmarked(wr, i);
      out->paid_general[i] = civic_waterfall_result_paid_general(wr, i);
      out->paid[i] = out->paid_earmarked[i] + out->paid_general[i];
      out->covered[i] = civic_waterfall_result_covered(wr, i);
      out->unpaid[i] = civic_waterfall_result_unpaid(wr, i);
    }
    out->living = civic_waterfall_result_living_allowance(wr);
    out->top_up = civic_waterfall_result_top_up(wr);
    out->recovery = civic_waterfall_result_recovery(wr);
    out->advance = civic_waterfall_result_advance(wr);
  } else {
    civic_diag_set(d, st, "waterfall: %s", wctx.diag.msg);
  }
  civic_waterfall_plan_free(wp);
  civic_waterfall_result_free(wr);
  return st;
}

/* Advance cap: share the room left under the cap over the guaranteed
 * obligations' covered amounts (lower priority number first, then id
 * byte-wise), then the floor top-up; what does not fit is cut. */
static bool apply_cap(const plan *p, const wf *w, int64_t room, int64_t *cut,
                      int64_t *cut_top) {
  size_t *order = NULL, i, j, n = p->nobligations;
  bool reached = false;
  int64_t give;
  memset(cut, 0, (n ? n : 1) * sizeof(int64_t));
  *cut_top = 0;
  if (!p->has_cap)
    return false;
  order = malloc((n ? n : 1) * sizeof(size_t));
  if (order == NULL)
    return false; /* caller checks cut[] sum against room anyway */
  for (i = 0; i < n; i++) {
    size_t k = i;
    order[i] = i;
    /* insertion sort: obligation lists are short */
    for (j = i; j > 0; j--) {
      const obligation *a = &p->obligations[order[j - 1]];
      const obligation *b = &p->obligations[k];
      if (a->priority < b->priority ||
          (a->priority == b->priority && strcmp(a->id, b->id) < 0))
        break;
      order[j] = order[j - 1];
    }
    order[j] = k;
  }
  for (i = 0; i < n; i++) {
    size_t k = order[i];
    give = min64(w->covered[k], room);
    cut[k] = w->covered[k] - give;
    room -= give;
    reached = reached || cut[k] > 0;
  }
  give = min64(w->top_up, room);
  *cut_top = w->top_up - give;
  reached = reached || *cut_top > 0;
  free(order);
  return reached;
}

/* ---- flows ------------------------------------------------------------ */

enum {
  F_RECEIPTS_DONE = 0, /* marker, receipts are handled apart */
  F_BUFFER_OUT,
  F_ADVANCE,
  F_BRIDGE,
  F_RECOVER,
  F_LIVING,
  F_BUFFER_IN,
  F_REPAY,
  F_TRUEUP,
  F_FIXED_COUNT
};

typedef struct flow {
  char base[SETTLE_KEY_MAX];
  char from[SETTLE_KEY_MAX], to[SETTLE_KEY_MAX];
  char reference[160];
  int64_t posted, count, target;
} flow;

static civic_status flow_init(civic_diag *d, const civic_ledger *ledger,
                              flow *f, const plan *p, const char *purpose,
                              const char *subject, const char *from,
                              const char *to, const char *reference) {
  char id[SETTLE_KEY_MAX + 32];
  civic_transfer_view tv;
  snprintf(f->base, sizeof f->base, "settle/%s/%s/%s/%s", p->resident,
           p->period, purpose, subject);
  snprintf(f->from, sizeof f->from, "%s", from);
  snprintf(f->to, sizeof f->to, "%s", to);
  snprintf(f->reference, sizeof f->reference, "%s", reference);
  f->posted = 0;
  for (f->count = 0;; f->count++) {
    snprintf(id, sizeof id, "%s/%lld", f->base, (long long)(f->count + 1));
    if (civic_ledger_transfer_find(ledger, id, &tv) != CIVIC_OK)
      break;
    if (!civic_add_i64(f->posted, tv.amount, &f->posted))
      return civic_diag_set(d, CIVIC_E_OVERFLOW, "%s: posted total overflows",
                            f->base);
  }
  f->target = f->posted;
  return CIVIC_OK;
}

/* Targets only grow: a payment made stays made. */
static void flow_aim(flow *f, int64_t target) {
  f->target = max64(f->posted, target);
}

/* A two-way net (bridge: draw/repay; buffer: in/out) kept as two one-way
 * cumulative flows. `net` is the wanted value of fwd - back. */
static void pair_aim(flow *fwd, flow *back, int64_t net) {
  int64_t now = fwd->posted - back->posted;
  fwd->target = fwd->posted;
  back->target = back->posted;
  if (net > now)
    fwd->target = fwd->posted + (net - now);
  else if (net < now)
    back->target = back->posted + (now - net);
}

/* ---- the run ---------------------------------------------------------- */

typedef struct run {
  plan p;
  period_state ps;
  wf fin, proj;
  int64_t *cut;
  int64_t cut_top;
  bool cap_reached, closed, review, consent;
  int64_t opening, receivable_before, buffer_before, received_total;
  int64_t buffer_now; /* the buffer's balance before this run */
  int64_t living_rem, living, buffer_net, room, advance;
  /* Corrections: paid to the resident now, and booked as owed back. */
  int64_t corrections_paid, corrections_owed;
  flow *pay; /* one per obligation */
  flow fixed[F_FIXED_COUNT];
  json_t *posted, *flags, *alerts, *event_data;
  civic_batch *batch;
  int64_t time;
  char escrow[SETTLE_KEY_MAX], buffer[SETTLE_KEY_MAX], recv[SETTLE_KEY_MAX],
      bank[SETTLE_KEY_MAX];
} run;

static void run_free(run *r) {
  plan_free(&r->p);
  json_decref(r->ps.last_data);
  wf_free(&r->fin);
  wf_free(&r->proj);
  free(r->cut);
  free(r->pay);
  json_decref(r->posted);
  json_decref(r->flags);
  json_decref(r->alerts);
  json_decref(r->event_data);
  civic_batch_free(r->batch);
}

/* Consent and period order: a new period needs consent in force and the
 * previous period closed; an open period may always be finished. */
static civic_status check_gate(civic_diag *d, const civic_ledger *ledger,
                               run *r) {
  char last[SETTLE_KEY_MAX];
  bool last_closed = false;
  int64_t nconsent;
  consent_read(ledger, r->p.resident, &nconsent, &r->consent);
  if (r->ps.runs > 0)
    return CIVIC_OK;
  if (!r->consent)
    return civic_diag_set(d, CIVIC_E_NO_CONSENT,
                          "resident %s: no consent in force for settlement",
                          r->p.resident);
  if (latest_period(ledger, r->p.resident, last, sizeof last, &last_closed) &&
      !last_closed)
    return civic_diag_set(d, CIVIC_E_PERIOD_OPEN,
                          "resident %s: period %s is still open; close it "
                          "before settling %s",
                          r->p.resident, last, r->p.period);
  return CIVIC_OK;
}

static civic_status read_start(civic_diag *d, const civic_ledger *ledger,
                               run *r) {
  if (!civic_ledger_has_account(ledger, r->p.fund))
    return civic_diag_set(d, CIVIC_E_UNKNOWN_ACCOUNT,
                          "fund: account '%s' does not exist (civic settle "
                          "setup creates it)",
                          r->p.fund);
  if (r->ps.runs > 0) {
    r->opening = r->ps.opening;
    r->receivable_before = r->ps.receivable_before;
    r->buffer_before = r->ps.buffer_before;
    return CIVIC_OK;
  }
  r->opening = balance_or_zero(ledger, r->escrow);
  r->buffer_before = balance_or_zero(ledger, r->buffer);
  r->receivable_before = -balance_or_zero(ledger, r->recv);
  if (r->opening < 0 || r->receivable_before < 0 || r->buffer_before < 0)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "resident %s: escrow, buffer or receivable has an "
                          "unexpected sign",
                          r->p.resident);
  return CIVIC_OK;
}

static civic_status compute_waterfalls(civic_diag *d, run *r) {
  const plan *p = &r->p;
  size_t n = p->nobligations;
  civic_status st;
  if ((st = wf_alloc(d, &r->fin, n)) != CIVIC_OK ||
      (st = wf_alloc(d, &r->proj, n)) != CIVIC_OK)
    return st;
  r->cut = calloc(n ? n : 1, sizeof(int64_t));
  if (r->cut == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  if ((st = run_waterfall(d, p, r->opening, r->receivable_before, false,
                          &r->fin)) != CIVIC_OK ||
      (st = run_waterfall(d, p, r->opening, r->receivable_before, true,
                          &r->proj)) != CIVIC_OK)
    return st;
  r->room =
      p->has_cap ? max64(0, p->advance_cap - r->receivable_before) : INT64_MAX;
  r->cap_reached = apply_cap(p, &r->proj, r->room, r->cut, &r->cut_top);
  return CIVIC_OK;
}

static civic_status init_flows(civic_diag *d, const civic_ledger *ledger,
                               run *r) {
  const plan *p = &r->p;
  char ref[160];
  size_t i;
  civic_status st;
  r->pay = calloc(p->nobligations ? p->nobligations : 1, sizeof(flow));
  if (r->pay == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < p->nobligations; i++) {
    const obligation *o = &p->obligations[i];
    snprintf(ref, sizeof ref, "%s %s (%s, due day %lld)", o->id, p->period,
             o->category, (long long)o->due_day);
    if ((st = flow_init(d, ledger, &r->pay[i], p, "pay", o->id, r->escrow,
                        o->payee, ref)) != CIVIC_OK)
      return st;
    if (r->pay[i].posted > o->amount)
      return civic_diag_set(d, CIVIC_E_SETTLE_CONFLICT,
                            "obligations[%zu].amount: %lld already paid to %s, "
                            "cannot lower it to %lld",
                            i, (long long)r->pay[i].posted, o->payee,
                            (long long)o->amount);
  }
  {
    struct {
      int slot;
      const char *purpose, *from, *to, *ref;
    } spec[] = {
        {F_BUFFER_OUT, "buffer_out", r->buffer, r->escrow, "from buffer"},
        {F_ADVANCE, "advance", r->recv, p->fund, "advance booked"},
        {F_BRIDGE, "bridge", p->fund, r->escrow, "fund bridge"},
        {F_RECOVER, "recover", r->escrow, r->recv, "recovery"},
        {F_LIVING, "living", r->escrow, r->bank, "living allowance"},
        {F_BUFFER_IN, "buffer_in", r->escrow, r->buffer, "to buffer"},
        {F_REPAY, "repay", r->escrow, p->fund, "bridge repaid"},
        {F_TRUEUP, "trueup", r->buffer, r->bank, "buffer true-up"},
    };
    for (i = 0; i < sizeof spec / sizeof spec[0]; i++) {
      snprintf(ref, sizeof ref, "%s %s", spec[i].ref, p->period);
      if ((st =
               flow_init(d, ledger, &r->fixed[spec[i].slot], p, spec[i].purpose,
                         "-", spec[i].from, spec[i].to, ref)) != CIVIC_OK)
        return st;
    }
  }
  return CIVIC_OK;
}

/* floor(amount * j / k): the part of a period amount due after j of k
 * payout days; grows with j and with the amount, equals it at j == k. */
static int64_t installments(int64_t amount, int64_t j, int64_t k) {
  int64_t out = 0;
  if (k <= 0 || amount <= 0)
    return 0;
  (void)civic_muldiv_floor(amount, j, k, &out);
  return out;
}

static civic_status set_targets(civic_diag *d, run *r) {
  const plan *p = &r->p;
  civic_i128 out = 0, in = 0, need;
  int64_t j = 0, top_cut;
  size_t i;
  for (i = 0; i < p->nobligations; i++) {
    const obligation *o = &p->obligations[i];
    bool due = r->closed || o->due_day <= p->as_of;
    int64_t t = 0;
    if (due)
      t = o->guaranteed ? o->amount - r->cut[i] : r->fin.paid[i];
    flow_aim(&r->pay[i], t);
    out += r->pay[i].target;
  }
  flow_aim(&r->fixed[F_RECOVER], r->fin.recovery);
  /* The top-up the cap refuses is taken off the fund-paid part only. */
  top_cut = min64(r->cut_top, r->fin.top_up);
  r->living_rem = r->fin.living - top_cut;
  r->living = r->living_rem;
  if (p->fixed) {
    /* 128 bits: the two may each be near the int64 limit; the minimum with
     * the fixed allowance always fits. */
    civic_i128 avail = (civic_i128)r->living_rem + r->buffer_before;
    r->living =
        avail < p->fixed_allowance ? (int64_t)avail : p->fixed_allowance;
  }
  for (i = 0; i < p->npayout; i++)
    if (p->payout_days[i] <= p->as_of)
      j++;
  if (r->closed)
    j = (int64_t)p->npayout;
  flow_aim(&r->fixed[F_LIVING],
           installments(r->living, j, (int64_t)p->npayout));
  r->buffer_net = (r->closed && p->fixed) ? r->living_rem - r->living : 0;
  pair_aim(&r->fixed[F_BUFFER_IN], &r->fixed[F_BUFFER_OUT], r->buffer_net);
  if (r->closed && r->review) {
    /* Empty the buffer as it will stand after this run's moves (a
     * revocation may already have paid part of it out). */
    const flow *bin = &r->fixed[F_BUFFER_IN], *bout = &r->fixed[F_BUFFER_OUT];
    int64_t after = r->buffer_now + (bin->target - bin->posted) -
                    (bout->target - bout->posted);
    flow_aim(&r->fixed[F_TRUEUP], r->fixed[F_TRUEUP].posted + max64(0, after));
  }
  out += (civic_i128)r->fixed[F_RECOVER].target + r->fixed[F_LIVING].target +
         r->buffer_net;
  in = (civic_i128)r->opening + r->received_total;
  need = out - in;
  if (!civic_i128_fits_i64(need))
    return civic_diag_set(d, CIVIC_E_OVERFLOW, "bridge: overflows");
  if (need < 0)
    need = 0;
  pair_aim(&r->fixed[F_BRIDGE], &r->fixed[F_REPAY], (int64_t)need);
  r->advance = r->closed ? (int64_t)need : 0;
  flow_aim(&r->fixed[F_ADVANCE], r->advance);
  return CIVIC_OK;
}

/* ---- building the batch ----------------------------------------------- */

static civic_status note_posted(civic_diag *d, run *r, const char *id,
                                const char *from, const char *to,
                                int64_t amount) {
  json_t *t = json_pack("{s:s,s:s,s:s,s:I}", "id", id, "from", from, "to", to,
                        "amount", (json_int_t)amount);
  return civic_json_append_new(d, r->posted, t);
}

static civic_status add_transfer(civic_diag *d, run *r, const char *id,
                                 const char *from, const char *to,
                                 int64_t amount, int64_t time,
                                 const char *ref) {
  civic_status st = civic_batch_add_transfer(r->batch, id, from, to, amount,
                                             SETTLE_ASSET, time, ref);
  if (st != CIVIC_OK)
    return civic_diag_set(d, st, "%s: cannot add transfer", id);
  return note_posted(d, r, id, from, to, amount);
}

static civic_status add_flow(civic_diag *d, run *r, flow *f) {
  char id[SETTLE_KEY_MAX + 32];
  if (f->target <= f->posted)
    return CIVIC_OK;
  snprintf(id, sizeof id, "%s/%lld", f->base, (long long)(f->count + 1));
  return add_transfer(d, r, id, f->from, f->to, f->target - f->posted, r->time,
                      f->reference);
}

static civic_status add_account_if_missing(civic_diag *d, run *r,
                                           const civic_ledger *ledger,
                                           const char *id, int64_t min) {
  civic_status st;
  if (civic_ledger_has_account(ledger, id))
    return CIVIC_OK;
  st = civic_batch_add_account(r->batch, id, SETTLE_ASSET, min);
  if (st != CIVIC_OK)
    return civic_diag_set(d, st, "account %s: cannot add", id);
  return CIVIC_OK;
}

static civic_status add_accounts(civic_diag *d, const civic_ledger *ledger,
                                 run *r) {
  const plan *p = &r->p;
  civic_status st = CIVIC_OK;
  size_t i;
  if ((st = add_account_if_missing(d, r, ledger, r->escrow, 0)) != CIVIC_OK ||
      (st = add_account_if_missing(d, r, ledger, r->buffer, 0)) != CIVIC_OK ||
      (st = add_account_if_missing(d, r, ledger, r->recv,
                                   CIVIC_NO_MIN_BALANCE)) != CIVIC_OK ||
      (st = add_account_if_missing(d, r, ledger, r->bank,
                                   CIVIC_NO_MIN_BALANCE)) != CIVIC_OK)
    return st;
  /* Paying agencies and payees are outside parties: no lower limit. Two
   * items may name the same one; add it once. */
  for (i = 0; i < p->nincomes && st == CIVIC_OK; i++) {
    size_t j;
    bool seen = false;
    for (j = 0; j < i; j++)
      seen = seen || strcmp(p->incomes[j].payer, p->incomes[i].payer) == 0;
    if (!seen)
      st = add_account_if_missing(d, r, ledger, p->incomes[i].payer,
                                  CIVIC_NO_MIN_BALANCE);
  }
  for (i = 0; i < p->nobligations && st == CIVIC_OK; i++) {
    size_t j;
    bool seen = false;
    for (j = 0; j < p->nincomes; j++)
      seen = seen || strcmp(p->incomes[j].payer, p->obligations[i].payee) == 0;
    for (j = 0; j < i; j++)
      seen =
          seen || strcmp(p->obligations[j].payee, p->obligations[i].payee) == 0;
    if (!seen)
      st = add_account_if_missing(d, r, ledger, p->obligations[i].payee,
                                  CIVIC_NO_MIN_BALANCE);
  }
  for (i = 0; i < p->ncorrections && st == CIVIC_OK; i++) {
    const char *payer = p->corrections[i].payer;
    size_t j;
    bool seen = false;
    for (j = 0; j < p->nincomes; j++)
      seen = seen || strcmp(p->incomes[j].payer, payer) == 0;
    for (j = 0; j < p->nobligations; j++)
      seen = seen || strcmp(p->obligations[j].payee, payer) == 0;
    for (j = 0; j < i; j++)
      seen = seen || strcmp(p->corrections[j].payer, payer) == 0;
    if (!seen)
      st = add_account_if_missing(d, r, ledger, payer, CIVIC_NO_MIN_BALANCE);
  }
  return st;
}

static int64_t day_time(const plan *p, int64_t day) {
  return p->start_time + (max64(day, 1) - 1) * SETTLE_SECONDS_PER_DAY;
}

/* Receipts are posted once each under their own id; one already posted
 * must not have changed. */
static civic_status add_receipts(civic_diag *d, const civic_ledger *ledger,
                                 run *r) {
  const plan *p = &r->p;
  size_t i, k;
  civic_status st;
  for (i = 0; i < p->nincomes; i++) {
    const income *in = &p->incomes[i];
    for (k = 0; k < in->nreceipts; k++) {
      const receipt *rc = &in->receipts[k];
      char id[SETTLE_KEY_MAX], ref[160];
      civic_transfer_view tv;
      snprintf(id, sizeof id, "settle/%s/%s/income/%s/%s", p->resident,
               p->period, in->id, rc->id);
      if (civic_ledger_transfer_find(ledger, id, &tv) == CIVIC_OK) {
        if (tv.amount != rc->amount || strcmp(tv.from, in->payer) != 0 ||
            strcmp(tv.to, r->escrow) != 0)
          return civic_diag_set(d, CIVIC_E_SETTLE_CONFLICT,
                                "incomes[%zu].received[%zu]: receipt %s was "
                                "posted as %lld from %s",
                                i, k, rc->id, (long long)tv.amount, tv.from);
        continue;
      }
      if (rc->amount == 0)
        continue; /* the ledger moves only positive amounts */
      snprintf(ref, sizeof ref, "income %s %s", in->id, p->period);
      if ((st = add_transfer(d, r, id, in->payer, r->escrow, rc->amount,
                             day_time(p, rc->day), ref)) != CIVIC_OK)
        return st;
    }
  }
  return CIVIC_OK;
}

/* Where a correction's money goes. An underpayment is paid by the payer
 * straight to the resident's bank account: it belongs to a period already
 * settled, so it must not reopen that period's waterfall. An overpayment is
 * owed back: the fund refunds the payer on the resident's behalf and books
 * it as receivable, which the waterfall's recovery step of later periods
 * repays (within recovery_cap, never below the living floor). */
static void correction_route(const run *r, const correction *c,
                             const char **from, const char **to,
                             int64_t *amount) {
  if (c->amount > 0) {
    *from = c->payer;
    *to = r->bank;
    *amount = c->amount;
  } else {
    *from = r->recv;
    *to = c->payer;
    *amount = -c->amount;
  }
}

static void correction_id(char *buf, size_t cap, const plan *p,
                          const correction *c) {
  snprintf(buf, cap, "settle/%s/%s/correction/%s", p->resident, p->period,
           c->id);
}

/* Each correction is posted once under an id made of its own; one already
 * posted must not have changed. The reference carries the reason. */
static civic_status add_corrections(civic_diag *d, const civic_ledger *ledger,
                                    run *r) {
  const plan *p = &r->p;
  size_t i;
  civic_status st = CIVIC_OK;
  for (i = 0; i < p->ncorrections && st == CIVIC_OK; i++) {
    const correction *c = &p->corrections[i];
    char id[SETTLE_KEY_MAX], *ref;
    const char *from, *to;
    int64_t amount;
    civic_transfer_view tv;
    size_t cap;
    correction_id(id, sizeof id, p, c);
    correction_route(r, c, &from, &to, &amount);
    if (civic_ledger_transfer_find(ledger, id, &tv) == CIVIC_OK) {
      if (tv.amount != amount || strcmp(tv.from, from) != 0 ||
          strcmp(tv.to, to) != 0)
        return civic_diag_set(d, CIVIC_E_SETTLE_CONFLICT,
                              "corrections[%zu]: correction %s was posted as "
                              "%lld from %s to %s",
                              i, c->id, (long long)tv.amount, tv.from, tv.to);
      continue;
    }
    cap = strlen(c->id) + strlen(c->reason) + 16;
    ref = malloc(cap);
    if (ref == NULL)
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
    snprintf(ref, cap, "correction %s: %s", c->id, c->reason);
    st = add_transfer(d, r, id, from, to, amount, r->time, ref);
    free(ref);
  }
  return st;
}

static civic_status add_flows(civic_diag *d, run *r) {
  /* Order matters for the running balances inside the batch: money comes
   * into the escrow before it goes out, buffer moves before the true-up. */
  static const int order_before[] = {F_BUFFER_OUT, F_ADVANCE, F_BRIDGE};
  static const int order_after[] = {F_RECOVER, F_LIVING, F_BUFFER_IN, F_REPAY,
                                    F_TRUEUP};
  civic_status st;
  size_t i;
  for (i = 0; i < sizeof order_before / sizeof order_before[0]; i++)
    if ((st = add_flow(d, r, &r->fixed[order_before[i]])) != CIVIC_OK)
      return st;
  for (i = 0; i < r->p.nobligations; i++)
    if ((st = add_flow(d, r, &r->pay[i])) != CIVIC_OK)
      return st;
  for (i = 0; i < sizeof order_after / sizeof order_after[0]; i++)
    if ((st = add_flow(d, r, &r->fixed[order_after[i]])) != CIVIC_OK)
      return st;
  return CIVIC_OK;
}

static civic_status add_flag(civic_diag *d, run *r, const char *flag) {
  return civic_json_append_new(d, r->flags, json_string(flag));
}

static civic_status compute_flags_alerts(civic_diag *d, run *r) {
  const plan *p = &r->p;
  civic_status st = CIVIC_OK;
  bool missing = false;
  size_t i;
  for (i = 0; i < p->nincomes && st == CIVIC_OK; i++) {
    const income *in = &p->incomes[i];
    if (in->received >= in->expected)
      continue;
    missing = true;
    if (!r->closed && p->as_of > in->expected_day)
      st = civic_json_append_new(
          d, r->alerts,
          json_pack(
              "{s:s,s:s,s:I,s:I,s:I,s:I}", "kind", "income_late", "income",
              in->id, "expected_day", (json_int_t)in->expected_day, "expected",
              (json_int_t)in->expected, "received", (json_int_t)in->received,
              "missing", (json_int_t)(in->expected - in->received)));
  }
  if (st == CIVIC_OK && r->cap_reached)
    st = add_flag(d, r, "advance_cap_reached");
  if (st == CIVIC_OK && r->closed && p->has_cap && r->advance > r->room)
    st = add_flag(d, r, "advance_over_cap");
  if (st == CIVIC_OK && r->closed && missing)
    st = add_flag(d, r, "income_missing");
  return st;
}

/* The period record: what a later run, the alerts query and an auditor need
 * that is not a balance. Posted when it differs from the last record. */
static civic_status build_event_data(civic_diag *d, run *r) {
  const plan *p = &r->p;
  json_t *incomes = json_array();
  size_t i;
  civic_status st = CIVIC_OK;
  if (incomes == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < p->nincomes && st == CIVIC_OK; i++) {
    const income *in = &p->incomes[i];
    st = civic_json_append_new(d, incomes,
                               json_pack("{s:s,s:I,s:I,s:I}", "id", in->id,
                                         "expected", (json_int_t)in->expected,
                                         "expected_day",
                                         (json_int_t)in->expected_day,
                                         "received", (json_int_t)in->received));
  }
  r->event_data =
      json_pack("{s:s,s:s,s:I,s:b,s:I,s:I,s:I,s:o,s:O,s:I}", "resident",
                p->resident, "period", p->period, "days", (json_int_t)p->days,
                "closed", r->closed, "opening_balance", (json_int_t)r->opening,
                "receivable_before", (json_int_t)r->receivable_before,
                "buffer_before", (json_int_t)r->buffer_before, "incomes",
                incomes, "flags", r->flags, "advance", (json_int_t)r->advance);
  if (r->event_data == NULL || st != CIVIC_OK)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  return CIVIC_OK;
}

/* The first run of a period numbers it among the resident's periods. */
static civic_status add_period_event(civic_diag *d, const civic_ledger *ledger,
                                     run *r) {
  char id[SETTLE_KEY_MAX], data[SETTLE_KEY_MAX];
  civic_status st;
  if (r->ps.runs > 0)
    return CIVIC_OK;
  snprintf(id, sizeof id, "settle/%s/period/%lld", r->p.resident,
           (long long)(period_count(ledger, r->p.resident) + 1));
  /* Both ids are from the safe alphabet: no JSON escaping needed. */
  snprintf(data, sizeof data, "{\"period\":\"%s\",\"resident\":\"%s\"}",
           r->p.period, r->p.resident);
  st = civic_batch_add_event(r->batch, id, "settle.period", r->p.actor, r->time,
                             data);
  if (st != CIVIC_OK)
    return civic_diag_set(d, st, "%s: cannot add the period record", id);
  return CIVIC_OK;
}

static civic_status add_event_if_changed(civic_diag *d, run *r) {
  char id[SETTLE_KEY_MAX], *text;
  civic_status st;
  if (r->ps.last_data != NULL && json_equal(r->ps.last_data, r->event_data))
    return CIVIC_OK;
  snprintf(id, sizeof id, "settle/%s/%s/run/%lld", r->p.resident, r->p.period,
           (long long)(r->ps.runs + 1));
  text = json_dumps(r->event_data, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  st = civic_batch_add_event(r->batch, id, "settle.run", r->p.actor, r->time,
                             text);
  free(text);
  if (st != CIVIC_OK)
    return civic_diag_set(d, st, "%s: cannot add the period record", id);
  r->ps.runs++;
  return CIVIC_OK;
}

/* ---- the result ------------------------------------------------------- */

static json_t *result_incomes(const run *r) {
  json_t *arr = json_array();
  size_t i;
  for (i = 0; arr && i < r->p.nincomes; i++) {
    const income *in = &r->p.incomes[i];
    json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I}", "id", in->id, "payer",
                          in->payer, "expected", (json_int_t)in->expected,
                          "expected_day", (json_int_t)in->expected_day,
                          "received", (json_int_t)in->received);
    if (o && in->earmark)
      json_object_set_new(o, "earmark", json_string(in->earmark));
    json_array_append_new(arr, o);
  }
  return arr;
}

/* What the fund covers for obligation i as the statement shows it: the
 * capped cover, or more when payments already made (bridged against income
 * that then failed to come) exceed it. */
static int64_t reported_covered(const run *r, size_t i) {
  int64_t capped = r->fin.covered[i] - min64(r->cut[i], r->fin.covered[i]);
  int64_t beyond = r->pay[i].target - r->fin.paid[i];
  if (!r->p.obligations[i].guaranteed)
    return 0;
  return min64(r->fin.covered[i], max64(capped, beyond));
}

static int64_t reported_top_up(const run *r) {
  int64_t capped = r->fin.top_up - min64(r->cut_top, r->fin.top_up);
  int64_t own = r->fin.living - r->fin.top_up; /* the resident's money */
  int64_t from_buffer = max64(0, -r->buffer_net);
  /* Beyond `capped` only when allowance installments were already paid
   * against income that then failed to come (flagged advance_over_cap). */
  return max64(capped, r->fixed[F_LIVING].target - own - from_buffer);
}

static json_t *result_obligations(const run *r) {
  json_t *arr = json_array();
  size_t i;
  for (i = 0; arr && i < r->p.nobligations; i++) {
    const obligation *o = &r->p.obligations[i];
    int64_t covered = reported_covered(r, i);
    int64_t unpaid = o->amount - r->fin.paid[i] - covered;
    json_array_append_new(
        arr,
        json_pack("{s:s,s:s,s:s,s:I,s:I,s:b,s:I,s:I,s:I,s:I,s:I}", "id", o->id,
                  "category", o->category, "payee", o->payee, "due_day",
                  (json_int_t)o->due_day, "amount", (json_int_t)o->amount,
                  "guaranteed", o->guaranteed, "paid_earmarked",
                  (json_int_t)r->fin.paid_earmarked[i], "paid_general",
                  (json_int_t)r->fin.paid_general[i], "covered",
                  (json_int_t)covered, "unpaid", (json_int_t)unpaid,
                  "paid_to_payee", (json_int_t)r->pay[i].target));
  }
  return arr;
}

static json_t *result_corrections(const run *r) {
  json_t *arr = json_array();
  size_t i;
  for (i = 0; arr && i < r->p.ncorrections; i++) {
    const correction *c = &r->p.corrections[i];
    char id[SETTLE_KEY_MAX];
    const char *from, *to;
    int64_t amount;
    correction_id(id, sizeof id, &r->p, c);
    correction_route(r, c, &from, &to, &amount);
    json_array_append_new(
        arr,
        json_pack("{s:s,s:s,s:I,s:s,s:O,s:s,s:s,s:s,s:s}", "id", c->id, "payer",
                  c->payer, "amount", (json_int_t)c->amount, "reason",
                  c->reason, "corrects", c->corrects, "settled",
                  c->amount > 0 ? "paid_to_resident" : "booked_as_receivable",
                  "transfer", id, "from", from, "to", to));
  }
  return arr;
}

static json_t *result_balances(const civic_ledger *ledger, const run *r) {
  return json_pack("{s:I,s:I,s:I,s:I}", "escrow",
                   (json_int_t)balance_or_zero(ledger, r->escrow), "buffer",
                   (json_int_t)balance_or_zero(ledger, r->buffer), "receivable",
                   (json_int_t)-balance_or_zero(ledger, r->recv), "fund",
                   (json_int_t)balance_or_zero(ledger, r->p.fund));
}

static civic_status build_result(civic_diag *d, const civic_ledger *ledger,
                                 run *r, char **result_json) {
  const flow *f = r->fixed;
  int64_t top_up = reported_top_up(r);
  int64_t advance_if_closed = top_up;
  json_t *res;
  size_t i;
  for (i = 0; i < r->p.nobligations; i++)
    advance_if_closed += reported_covered(r, i);
  res = json_pack(
      "{s:s,s:s,s:I,s:b,s:b,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:I,"
      "s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I},s:O,s:O,s:O,s:o}",
      "resident", r->p.resident, "period", r->p.period, "as_of",
      (json_int_t)r->p.as_of, "closed", r->closed, "consent", r->consent,
      "allowance_mode", r->p.fixed ? "fixed" : "remainder", "opening_balance",
      (json_int_t)r->opening, "receivable_before",
      (json_int_t)r->receivable_before, "buffer_before",
      (json_int_t)r->buffer_before, "received_total",
      (json_int_t)r->received_total, "incomes", result_incomes(r),
      "obligations", result_obligations(r), "recovery",
      (json_int_t)f[F_RECOVER].target, "top_up", (json_int_t)top_up,
      "living_allowance", (json_int_t)r->living, "living_paid",
      (json_int_t)f[F_LIVING].target, "to_buffer", (json_int_t)r->buffer_net,
      "true_up", (json_int_t)f[F_TRUEUP].target, "advance",
      (json_int_t)(r->closed ? r->advance : advance_if_closed),
      "receivable_after",
      (json_int_t)(r->receivable_before - f[F_RECOVER].target +
                   (r->closed ? r->advance : advance_if_closed) +
                   r->corrections_owed),
      "advance_room", (json_int_t)(r->p.has_cap ? r->room : -1), "bridge",
      "drawn", (json_int_t)f[F_BRIDGE].target, "repaid",
      (json_int_t)f[F_REPAY].target, "open",
      (json_int_t)(f[F_BRIDGE].target - f[F_REPAY].target -
                   f[F_ADVANCE].target),
      "flags", r->flags, "alerts", r->alerts, "posted", r->posted, "balances",
      result_balances(ledger, r));
  /* Added apart: json_pack takes a limited number of arguments well. */
  if (res != NULL &&
      (json_object_set_new(res, "corrections", result_corrections(r)) != 0 ||
       json_object_set_new(res, "corrections_paid",
                           json_integer((json_int_t)r->corrections_paid)) !=
           0 ||
       json_object_set_new(res, "corrections_owed",
                           json_integer((json_int_t)r->corrections_owed)) !=
           0)) {
    json_decref(res);
    res = NULL;
  }
  if (res == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building result");
  if (result_json != NULL) {
    *result_json = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (*result_json == NULL) {
      json_decref(res);
      return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
    }
  }
  json_decref(res);
  return CIVIC_OK;
}

static civic_status prepare_run(civic_diag *d, const civic_ledger *ledger,
                                run *r) {
  plan *p = &r->p;
  size_t i;
  civic_status st;
  account_id(r->escrow, sizeof r->escrow, "escrow", p->resident);
  account_id(r->buffer, sizeof r->buffer, "buffer", p->resident);
  account_id(r->recv, sizeof r->recv, "receivable", p->resident);
  account_id(r->bank, sizeof r->bank, "bank", p->resident);
  if ((st = period_state_read(d, ledger, p->resident, p->period, &r->ps)) !=
          CIVIC_OK ||
      (st = check_gate(d, ledger, r)) != CIVIC_OK ||
      (st = read_start(d, ledger, r)) != CIVIC_OK)
    return st;
  /* A closed period stays closed: a re-run is judged as a closing run. */
  r->closed = p->close || r->ps.closed;
  p->close = r->closed;
  /* Revoked consent returns control: the last period's buffer goes home. */
  r->review = p->review || !r->consent;
  r->time = day_time(p, p->as_of);
  r->buffer_now = balance_or_zero(ledger, r->buffer);
  r->received_total = 0;
  for (i = 0; i < p->nincomes; i++)
    if (!civic_add_i64(r->received_total, p->incomes[i].received,
                       &r->received_total))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "incomes: received total "
                            "overflows");
  for (i = 0; i < p->ncorrections; i++) {
    const correction *c = &p->corrections[i];
    bool ok = c->amount > 0 ? civic_add_i64(r->corrections_paid, c->amount,
                                            &r->corrections_paid)
                            : civic_add_i64(r->corrections_owed, -c->amount,
                                            &r->corrections_owed);
    if (!ok)
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "corrections[%zu].amount: total overflows", i);
  }
  r->posted = json_array();
  r->flags = json_array();
  r->alerts = json_array();
  if (r->posted == NULL || r->flags == NULL || r->alerts == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  if ((st = compute_waterfalls(d, r)) != CIVIC_OK ||
      (st = init_flows(d, ledger, r)) != CIVIC_OK ||
      (st = set_targets(d, r)) != CIVIC_OK ||
      (st = compute_flags_alerts(d, r)) != CIVIC_OK ||
      (st = build_event_data(d, r)) != CIVIC_OK)
    return st;
  return CIVIC_OK;
}

civic_status civic_settle_period_json(civic_ctx *ctx, civic_ledger *ledger,
                                      const char *plan_json,
                                      char **result_json) {
  civic_diag *d = diag_of(ctx);
  run r;
  civic_status st;
  bool was_closed;
  memset(&r, 0, sizeof r);
  if (result_json != NULL)
    *result_json = NULL;
  if (ledger == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "ledger: NULL");
  st = parse_plan(d, plan_json, &r.p);
  if (st == CIVIC_OK)
    st = prepare_run(d, ledger, &r);
  if (st == CIVIC_OK)
    st = civic_batch_new(&r.batch) == CIVIC_OK
             ? CIVIC_OK
             : civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  was_closed = r.ps.closed;
  if (st == CIVIC_OK)
    st = add_accounts(d, ledger, &r);
  if (st == CIVIC_OK)
    st = add_receipts(d, ledger, &r);
  if (st == CIVIC_OK)
    st = add_corrections(d, ledger, &r);
  if (st == CIVIC_OK)
    st = add_flows(d, &r);
  if (st == CIVIC_OK && json_array_size(r.posted) > 0 && was_closed)
    st = civic_diag_set(
        d, CIVIC_E_PERIOD_CLOSED,
        "resident %s: period %s is closed; this plan would "
        "move money (%s)",
        r.p.resident, r.p.period,
        json_string_value(json_object_get(json_array_get(r.posted, 0), "id")));
  if (st == CIVIC_OK)
    st = add_period_event(d, ledger, &r);
  if (st == CIVIC_OK)
    st = add_event_if_changed(d, &r);
  if (st == CIVIC_OK && was_closed && civic_batch_item_count(r.batch) > 0)
    st = civic_diag_set(d, CIVIC_E_PERIOD_CLOSED,
                        "resident %s: period %s is closed; this plan differs "
                        "from the one it was closed with",
                        r.p.resident, r.p.period);
  if (st == CIVIC_OK && civic_batch_item_count(r.batch) > 0)
    st = civic_ledger_post_diag(ledger, r.batch, NULL, d);
  if (st == CIVIC_OK)
    st = build_result(d, ledger, &r, result_json);
  run_free(&r);
  return st;
}

/* ---- setup and consent ------------------------------------------------ */

civic_status civic_settle_setup(civic_ctx *ctx, civic_ledger *ledger,
                                const char *fund, int64_t credit_line) {
  civic_diag *d = diag_of(ctx);
  civic_batch *b = NULL;
  civic_account_view v;
  civic_status st;
  if (ledger == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "ledger: NULL");
  if (fund == NULL)
    fund = CIVIC_SETTLE_DEFAULT_FUND;
  if (fund[0] == '\0')
    return civic_diag_set(d, CIVIC_E_EMPTY, "fund: must not be empty");
  if (credit_line < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "credit_line: must be >= 0");
  if (civic_ledger_account_get(ledger, fund, &v) == CIVIC_OK) {
    if (!v.has_min_balance || v.min_balance != -credit_line ||
        strcmp(v.asset, SETTLE_ASSET) != 0)
      return civic_diag_set(d, CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS,
                            "fund: account %s exists with another credit line",
                            fund);
    return CIVIC_OK;
  }
  if ((st = civic_batch_new(&b)) != CIVIC_OK)
    return civic_diag_set(d, st, "out of memory");
  if (!civic_ledger_has_asset(ledger, SETTLE_ASSET))
    st = civic_batch_add_asset(b, SETTLE_ASSET, SETTLE_ASSET_SCALE);
  if (st == CIVIC_OK)
    st = civic_batch_add_account(b, fund, SETTLE_ASSET, -credit_line);
  if (st != CIVIC_OK)
    civic_diag_set(d, st, "fund: cannot add %s", fund);
  else
    st = civic_ledger_post_diag(ledger, b, NULL, d);
  civic_batch_free(b);
  return st;
}

static civic_status consent_event(civic_diag *d, civic_ledger *ledger,
                                  const char *resident, const char *actor,
                                  int64_t time, const char *scope, bool grant) {
  char id[SETTLE_KEY_MAX], escrow[SETTLE_KEY_MAX], buffer[SETTLE_KEY_MAX],
      bank[SETTLE_KEY_MAX], tid[SETTLE_KEY_MAX + 32], last[SETTLE_KEY_MAX];
  civic_batch *b = NULL;
  json_t *data;
  char *text;
  int64_t n;
  bool granted, last_closed = true;
  civic_status st;
  if ((st = check_id(d, "resident", resident)) != CIVIC_OK)
    return st;
  if (actor == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "actor: NULL");
  consent_read(ledger, resident, &n, &granted);
  if (grant && granted)
    return CIVIC_OK; /* already in force: nothing to record */
  if (!grant && !granted)
    return civic_diag_set(d, CIVIC_E_NO_CONSENT,
                          "resident %s: no consent in force to revoke",
                          resident);
  snprintf(id, sizeof id, "consent/%s/%lld", resident, (long long)(n + 1));
  data = json_pack("{s:s}", "resident", resident);
  if (data != NULL && scope != NULL)
    json_object_set_new(data, "scope", json_string(scope));
  text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(data);
  if (text == NULL || civic_batch_new(&b) != CIVIC_OK) {
    free(text);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
  st = civic_batch_add_event(
      b, id, grant ? "settle.consent.grant" : "settle.consent.revoke", actor,
      time, text);
  free(text);
  if (st == CIVIC_OK && !grant) {
    /* Return control: the buffer always, the escrow when no period is open
     * (an open period still owes its payees and is finished first). */
    int64_t buf, esc;
    account_id(escrow, sizeof escrow, "escrow", resident);
    account_id(buffer, sizeof buffer, "buffer", resident);
    account_id(bank, sizeof bank, "bank", resident);
    buf = balance_or_zero(ledger, buffer);
    esc = balance_or_zero(ledger, escrow);
    if ((buf > 0 || esc > 0) && !civic_ledger_has_account(ledger, bank))
      st = civic_batch_add_account(b, bank, SETTLE_ASSET, CIVIC_NO_MIN_BALANCE);
    if (st == CIVIC_OK && buf > 0) {
      snprintf(tid, sizeof tid, "%s/return-buffer", id);
      st = civic_batch_add_transfer(b, tid, buffer, bank, buf, SETTLE_ASSET,
                                    time, "consent revoked: buffer returned");
    }
    if (latest_period(ledger, resident, last, sizeof last, &last_closed) &&
        !last_closed)
      esc = 0;
    if (st == CIVIC_OK && esc > 0) {
      snprintf(tid, sizeof tid, "%s/return-escrow", id);
      st = civic_batch_add_transfer(b, tid, escrow, bank, esc, SETTLE_ASSET,
                                    time, "consent revoked: escrow returned");
    }
  }
  if (st != CIVIC_OK)
    civic_diag_set(d, st, "%s: cannot build the consent record", id);
  else
    st = civic_ledger_post_diag(ledger, b, NULL, d);
  civic_batch_free(b);
  return st;
}

civic_status civic_settle_consent_grant(civic_ctx *ctx, civic_ledger *ledger,
                                        const char *resident, const char *actor,
                                        int64_t time, const char *scope) {
  civic_diag *d = diag_of(ctx);
  if (ledger == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "ledger: NULL");
  return consent_event(d, ledger, resident, actor, time, scope, true);
}

civic_status civic_settle_consent_revoke(civic_ctx *ctx, civic_ledger *ledger,
                                         const char *resident,
                                         const char *actor, int64_t time) {
  civic_diag *d = diag_of(ctx);
  if (ledger == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "ledger: NULL");
  return consent_event(d, ledger, resident, actor, time, NULL, false);
}

civic_status civic_settle_consent_status(civic_ctx *ctx,
                                         const civic_ledger *ledger,
                                         const char *resident, int *granted) {
  civic_diag *d = diag_of(ctx);
  int64_t n;
  bool g;
  civic_status st;
  if (ledger == NULL || granted == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "ledger, granted: must not be NULL");
  if ((st = check_id(d, "resident", resident)) != CIVIC_OK)
    return st;
  consent_read(ledger, resident, &n, &g);
  *granted = g ? 1 : 0;
  return CIVIC_OK;
}

/* ---- alerts ----------------------------------------------------------- */

static int compare_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Latest settle.run event data per resident, keyed by resident. */
static json_t *latest_runs(const civic_ledger *ledger) {
  json_t *by_resident = json_object();
  size_t i, n = civic_ledger_event_count(ledger);
  for (i = 0; by_resident != NULL && i < n; i++) {
    civic_event_view ev;
    json_t *data;
    const char *resident;
    if (civic_ledger_event_at(ledger, i, &ev) != CIVIC_OK ||
        strcmp(ev.type, "settle.run") != 0)
      continue;
    data = json_loads(ev.data_json, 0, NULL);
    resident = json_string_value(json_object_get(data, "resident"));
    if (resident != NULL)
      json_object_set(by_resident, resident, data); /* later ones replace */
    json_decref(data);
  }
  return by_resident;
}

static civic_status alerts_for(civic_diag *d, const json_t *data, int32_t day,
                               json_t *alerts) {
  const json_t *incomes = json_object_get(data, "incomes");
  size_t i;
  civic_status st = CIVIC_OK;
  if (json_is_true(json_object_get(data, "closed")))
    return CIVIC_OK;
  for (i = 0; i < json_array_size(incomes) && st == CIVIC_OK; i++) {
    const json_t *in = json_array_get(incomes, i);
    int64_t expected = data_int(in, "expected");
    int64_t received = data_int(in, "received");
    int64_t exp_day = data_int(in, "expected_day");
    if (received >= expected || day <= exp_day)
      continue;
    st = civic_json_append_new(
        d, alerts,
        json_pack("{s:O,s:O,s:O,s:I,s:I,s:I,s:I}", "resident",
                  json_object_get(data, "resident"), "period",
                  json_object_get(data, "period"), "income",
                  json_object_get(in, "id"), "expected_day",
                  (json_int_t)exp_day, "expected", (json_int_t)expected,
                  "received", (json_int_t)received, "missing",
                  (json_int_t)(expected - received)));
  }
  return st;
}

civic_status civic_settle_alerts_json(civic_ctx *ctx,
                                      const civic_ledger *ledger, int32_t day,
                                      char **out) {
  civic_diag *d = diag_of(ctx);
  json_t *runs, *alerts, *flagged, *res;
  const char **keys;
  const char *key;
  json_t *value;
  size_t n = 0, i;
  civic_status st = CIVIC_OK;
  if (ledger == NULL || out == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "ledger, out: must not be NULL");
  *out = NULL;
  if (day < 0 || day > SETTLE_MAX_DAYS + 1)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "day: must be in 0..32");
  runs = latest_runs(ledger);
  alerts = json_array();
  flagged = json_array();
  keys = runs ? malloc((json_object_size(runs) + 1) * sizeof(char *)) : NULL;
  if (runs == NULL || alerts == NULL || flagged == NULL || keys == NULL) {
    st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
    goto done;
  }
  json_object_foreach(runs, key, value) keys[n++] = key;
  qsort(keys, n, sizeof *keys, compare_keys);
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    const json_t *data = json_object_get(runs, keys[i]);
    const json_t *flags = json_object_get(data, "flags");
    st = alerts_for(d, data, day, alerts);
    if (st == CIVIC_OK && json_array_size(flags) > 0)
      st = civic_json_append_new(
          d, flagged,
          json_pack("{s:s,s:O,s:O}", "resident", keys[i], "period",
                    json_object_get(data, "period"), "flags", flags));
  }
  if (st == CIVIC_OK) {
    res = json_pack("{s:i,s:O,s:O}", "day", (int)day, "alerts", alerts,
                    "flagged", flagged);
    *out = res ? json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(res);
    if (*out == NULL)
      st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
done:
  free(keys);
  json_decref(runs);
  json_decref(alerts);
  json_decref(flagged);
  return st;
}

/* ---- readable statement ----------------------------------------------- */

/* "EUR 1234.56": the same form as the waterfall's explanation and the token
 * demo, so one `civic demo` reads alike throughout. */
civic_status civic_settle_format_eur(int64_t cents, char *buf, size_t cap) {
  if (buf == NULL || cap < 32)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_text_eur(buf, cap, cents);
  return CIVIC_OK;
}

static const char *eur(char *buf, const json_t *obj, const char *key) {
  if (civic_settle_format_eur(data_int(obj, key), buf, 32) != CIVIC_OK)
    buf[0] = '\0';
  return buf;
}

static const char *str_of(const json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "?";
}

static void text_incomes(civic_text *tb, const json_t *res) {
  const json_t *incomes = json_object_get(res, "incomes");
  char a[32], b[32];
  size_t i;
  for (i = 0; i < json_array_size(incomes); i++) {
    const json_t *in = json_array_get(incomes, i);
    const char *earmark = json_string_value(json_object_get(in, "earmark"));
    civic_text_add(tb, "  in   %-14s %14s from %s%s%s", str_of(in, "id"),
                   eur(a, in, "received"), str_of(in, "payer"),
                   earmark ? ", earmarked " : "", earmark ? earmark : "");
    if (data_int(in, "received") < data_int(in, "expected"))
      civic_text_add(tb, " (expected %s by day %lld)", eur(b, in, "expected"),
                     (long long)data_int(in, "expected_day"));
    civic_text_add(tb, "\n");
  }
}

static void text_obligations(civic_text *tb, const json_t *res) {
  const json_t *obls = json_object_get(res, "obligations");
  char a[32], b[32];
  size_t i;
  for (i = 0; i < json_array_size(obls); i++) {
    const json_t *o = json_array_get(obls, i);
    int64_t earm = data_int(o, "paid_earmarked"), cov = data_int(o, "covered");
    int64_t unpaid = data_int(o, "unpaid");
    civic_text_add(tb, "  out  %-14s %14s to %s, due day %lld", str_of(o, "id"),
                   eur(a, o, "paid_to_payee"), str_of(o, "payee"),
                   (long long)data_int(o, "due_day"));
    if (earm > 0)
      civic_text_add(tb, "; %s from earmark", eur(b, o, "paid_earmarked"));
    if (cov > 0)
      civic_text_add(tb, "; %s %s by fund", eur(b, o, "covered"),
                     json_is_true(json_object_get(res, "closed")) ? "advanced"
                                                                  : "bridged");
    if (unpaid > 0)
      civic_text_add(tb, "; %s UNPAID (arrears)", eur(b, o, "unpaid"));
    civic_text_add(tb, "\n");
  }
}

/* Corrections in plain words: what was wrong, what it corrects, and what
 * happens with the money. */
static void text_corrections(civic_text *tb, const json_t *res) {
  const json_t *corr = json_object_get(res, "corrections");
  char a[32], b[32];
  size_t i, j;
  if (json_array_size(corr) == 0)
    return;
  civic_text_add(tb, "  corrections:\n");
  for (i = 0; i < json_array_size(corr); i++) {
    const json_t *c = json_array_get(corr, i);
    const json_t *fixes = json_object_get(c, "corrects");
    int64_t amount = data_int(c, "amount");
    if (amount > 0)
      civic_text_add(tb,
                     "    %s: %s paid too little earlier; %s paid to you now",
                     str_of(c, "id"), str_of(c, "payer"), eur(a, c, "amount"));
    else {
      if (civic_settle_format_eur(-amount, b, sizeof b) != CIVIC_OK)
        b[0] = '\0';
      civic_text_add(tb,
                     "    %s: %s paid too much earlier; you owe %s back, "
                     "booked as an advance and repaid from later periods "
                     "(never below your living floor)",
                     str_of(c, "id"), str_of(c, "payer"), b);
    }
    civic_text_add(tb,
                   "\n      reason: %s\n      corrects:", str_of(c, "reason"));
    for (j = 0; j < json_array_size(fixes); j++)
      civic_text_add(tb, "%s %s", j ? "," : "",
                     json_string_value(json_array_get(fixes, j)));
    civic_text_add(tb, "\n");
  }
}

static void text_tail(civic_text *tb, const json_t *res) {
  char a[32], b[32], c[32], e[32];
  const json_t *bridge = json_object_get(res, "bridge");
  const json_t *flags = json_object_get(res, "flags");
  const json_t *alerts = json_object_get(res, "alerts");
  size_t i;
  if (data_int(res, "recovery") > 0 || data_int(res, "receivable_before") > 0)
    civic_text_add(
        tb, "  out  %-14s %14s repays earlier advances (owed %s before)\n",
        "recovery", eur(a, res, "recovery"), eur(b, res, "receivable_before"));
  civic_text_add(tb, "  out  %-14s %14s to the resident (%s", "living",
                 eur(a, res, "living_paid"), str_of(res, "allowance_mode"));
  if (data_int(res, "living_paid") != data_int(res, "living_allowance"))
    civic_text_add(tb, "; %s due this period", eur(b, res, "living_allowance"));
  if (data_int(res, "top_up") > 0)
    civic_text_add(tb, "; fund top-up %s", eur(c, res, "top_up"));
  civic_text_add(tb, ")\n");
  if (data_int(res, "to_buffer") != 0 || data_int(res, "buffer_before") != 0 ||
      data_int(res, "true_up") != 0)
    civic_text_add(tb, "  buffer %s -> %s%s\n", eur(a, res, "buffer_before"),
                   eur(b, json_object_get(res, "balances"), "buffer"),
                   data_int(res, "true_up") > 0 ? " (paid out at review)" : "");
  if (json_is_true(json_object_get(res, "closed")))
    civic_text_add(
        tb, "  fund bridged %s, repaid %s from income; advance %s, owes %s\n",
        eur(a, bridge, "drawn"), eur(b, bridge, "repaid"),
        eur(c, res, "advance"), eur(e, res, "receivable_after"));
  else
    civic_text_add(
        tb,
        "  fund bridged %s, repaid %s so far; open bridge %s (period "
        "open)\n",
        eur(a, bridge, "drawn"), eur(b, bridge, "repaid"),
        eur(c, bridge, "open"));
  for (i = 0; i < json_array_size(alerts); i++) {
    const json_t *al = json_array_get(alerts, i);
    civic_text_add(tb, "  ALERT income %s: %s missing since day %lld\n",
                   str_of(al, "income"), eur(a, al, "missing"),
                   (long long)data_int(al, "expected_day"));
  }
  if (json_array_size(flags) > 0) {
    civic_text_add(tb, "  FLAGGED:");
    for (i = 0; i < json_array_size(flags); i++)
      civic_text_add(tb, " %s", json_string_value(json_array_get(flags, i)));
    civic_text_add(tb, "\n");
  }
}

civic_status civic_settle_statement_text(civic_ctx *ctx,
                                         const char *result_json, char **text) {
  civic_diag *d = diag_of(ctx);
  civic_text tb = {0};
  json_t *res = NULL;
  char a[32];
  civic_status st;
  if (text == NULL || result_json == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "result_json, text: must not be NULL");
  *text = NULL;
  st = civic_json_parse(d, result_json, strlen(result_json), &res);
  if (st != CIVIC_OK)
    return st;
  civic_text_add(
      &tb, "%s, period %s, day %lld%s: received %s\n", str_of(res, "resident"),
      str_of(res, "period"), (long long)data_int(res, "as_of"),
      json_is_true(json_object_get(res, "closed")) ? " (closed)" : "",
      eur(a, res, "received_total"));
  text_incomes(&tb, res);
  text_obligations(&tb, res);
  text_corrections(&tb, res);
  text_tail(&tb, res);
  json_decref(res);
  if (tb.failed || tb.data == NULL) {
    free(tb.data);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
  *text = tb.data;
  return CIVIC_OK;
}
