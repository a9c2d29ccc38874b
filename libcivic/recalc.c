/* Life-event recalculation: household timeline, monthly entitlements
 * prorated per spec section 4, corrections against what was paid, the
 * recovery plan and the scenario comparison. JSON form in docs/recalc.md.
 *
 * Order independence: events are applied in a canonical order (effective
 * date, then id byte-wise), payments are summed, and every output list is
 * sorted by month and benefit id, so permuting any input list changes
 * nothing. Bitemporality: each event carries `effective` (when it is true)
 * and `reported` (when it became known); a computation "as known at T"
 * simply ignores events reported after T.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "civic/recalc.h"
#include "diag.h"
#include "eval.h"
#include "prorate.h"
#include "scheme.h"

#define KNOWN_ALL INT32_MAX
/* Bounds that keep one call's work predictable (the scenario replay is
 * quadratic in its months). */
#define MAX_RUN_MONTHS 1200
#define MAX_SCENARIO_MONTHS 240

typedef enum event_type {
  EV_RELOCATION,
  EV_COHABITATION_START,
  EV_COHABITATION_END,
  EV_BIRTH,
  EV_CHILD_LEAVES,
  EV_INCOME_CHANGE,
  EV_DEATH,
  EV_COUNT_
} event_type;

static const char *const EVENT_NAMES[EV_COUNT_] = {
    "relocation", "cohabitation_start", "cohabitation_end",
    "birth",      "child_leaves",       "income_change",
    "death"};

typedef enum member { M_APPLICANT, M_PARTNER, M_CHILD } member;

typedef struct event {
  const char *id;
  size_t input_index; /* for error messages */
  event_type type;
  int32_t effective, reported;
  bool has_rent, has_municipality, has_earned, has_other;
  const char *landlord; /* relocation: the new rent payee, may be "" */
  int64_t rent, municipality, earned, other;
  member who;
} event;

typedef struct payment {
  const char *id;
  int32_t month;
  size_t benefit;
  int64_t amount;
} payment;

typedef struct policy {
  const char *asset, *payer, *resident, *receivable, *floor_param;
  int64_t outstanding, cap, min_instalment, max_term;
  int32_t plan_start;
} policy;

typedef struct recalc {
  civic_diag *d;
  const civic_scheme *scheme; /* owned_scheme, or one compiled by the caller */
  civic_scheme *owned_scheme; /* loaded from this input's "scheme" */
  const char *household;
  char tl[64];          /* "timeline" or "population[i]" */
  const char *landlord; /* initial rent payee, may be "" */
  int32_t start;        /* first day of the timeline */
  int64_t initial[CIVIC_FACT_COUNT_];
  int32_t initial_earn_start; /* INT32_MIN: no earnings spell */
  event *events;              /* canonical order */
  size_t event_count;
  payment *payments;
  size_t payment_count;
  int32_t from, to; /* month indexes, inclusive */
  int32_t known_at;
  policy pol;
  bool has_scenario;
  int64_t setoff_weeks, pay_day;
  int32_t scenario_until; /* last month simulated */
  /* The last evaluation of the benefits and what it depended on: the facts
   * and the parameter values, which are the same on every day between two
   * parameter change days. Most months of most households repeat the one
   * before (and the recovery plan and the scenarios re-evaluate the same
   * months many times), so one remembered result saves most evaluations. */
  bool memo_valid;
  int32_t memo_day;
  int64_t memo_facts[CIVIC_FACT_COUNT_];
  int64_t memo_amounts[64];
} recalc;

static bool month_in_scheme(const recalc *rc, int32_t month);

/* -------------------------------------------------------- input reading */

static civic_status read_initial(recalc *rc, const json_t *tl) {
  static const struct {
    civic_fact fact;
    int64_t min, max;
  } FIELDS[] = {
      {CIVIC_FACT_ADULTS, 1, 2},
      {CIVIC_FACT_CHILDREN, 0, 1000},
      {CIVIC_FACT_HAS_PARTNER, 0, 1},
      {CIVIC_FACT_RENT, 0, INT64_MAX},
      {CIVIC_FACT_MUNICIPALITY, 0, 9999},
      {CIVIC_FACT_EARNED_INCOME, 0, INT64_MAX},
      {CIVIC_FACT_OTHER_INCOME, 0, INT64_MAX},
  };
  json_t *init;
  char where[96];
  size_t i;
  civic_status st = civic_json_object(rc->d, tl, rc->tl, "initial", &init);
  civic_json_path(where, sizeof where, rc->tl, "initial");
  for (i = 0; i < sizeof FIELDS / sizeof FIELDS[0] && st == CIVIC_OK; i++)
    st = civic_json_int(rc->d, init, where, civic_fact_name(FIELDS[i].fact),
                        FIELDS[i].min, FIELDS[i].max,
                        &rc->initial[FIELDS[i].fact]);
  if (st != CIVIC_OK)
    return st;
  if (rc->initial[CIVIC_FACT_HAS_PARTNER] != rc->initial[CIVIC_FACT_ADULTS] - 1)
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s.has_partner: must be 1 exactly when adults is 2",
                          where);
  rc->initial[CIVIC_FACT_ALIVE] = 1;
  rc->initial_earn_start =
      rc->initial[CIVIC_FACT_EARNED_INCOME] > 0 ? rc->start : INT32_MIN;
  if (civic_json_has(init, "earnings_since"))
    st = civic_date_field(rc->d, init, where, "earnings_since",
                          &rc->initial_earn_start);
  rc->landlord = "";
  if (st == CIVIC_OK && civic_json_has(init, "landlord"))
    st =
        civic_json_string(rc->d, init, where, "landlord", false, &rc->landlord);
  return st;
}

static civic_status read_event_fields(recalc *rc, const json_t *o,
                                      const char *where, event *e) {
  civic_status st = CIVIC_OK;
  const char *who = NULL;
  switch (e->type) {
  case EV_RELOCATION:
    e->has_rent = true;
    e->landlord = "";
    st = civic_json_amount(rc->d, o, where, "rent", &e->rent);
    if (st == CIVIC_OK && civic_json_has(o, "landlord"))
      st = civic_json_string(rc->d, o, where, "landlord", false, &e->landlord);
    if (st == CIVIC_OK && civic_json_has(o, "municipality")) {
      e->has_municipality = true;
      st = civic_json_int(rc->d, o, where, "municipality", 0, 9999,
                          &e->municipality);
    }
    return st;
  case EV_INCOME_CHANGE:
    e->has_earned = civic_json_has(o, "earned_income");
    e->has_other = civic_json_has(o, "other_income");
    if (!e->has_earned && !e->has_other)
      return civic_diag_set(rc->d, CIVIC_E_MISSING_FIELD,
                            "%s: income_change needs earned_income or "
                            "other_income",
                            where);
    if (e->has_earned)
      st = civic_json_amount(rc->d, o, where, "earned_income", &e->earned);
    if (st == CIVIC_OK && e->has_other)
      st = civic_json_amount(rc->d, o, where, "other_income", &e->other);
    return st;
  case EV_DEATH:
    st = civic_json_string(rc->d, o, where, "member", true, &who);
    if (st != CIVIC_OK)
      return st;
    if (strcmp(who, "applicant") == 0)
      e->who = M_APPLICANT;
    else if (strcmp(who, "partner") == 0)
      e->who = M_PARTNER;
    else if (strcmp(who, "child") == 0)
      e->who = M_CHILD;
    else
      return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                            "%s.member: must be applicant, partner or child, "
                            "got '%.32s'",
                            where, who);
    return CIVIC_OK;
  default:
    return CIVIC_OK;
  }
}

static civic_status read_event(recalc *rc, const json_t *list, size_t i,
                               event *e) {
  char where[128], base[96], buf[11];
  const json_t *o = json_array_get(list, i);
  const char *type = NULL;
  size_t t;
  civic_status st;
  civic_json_path(base, sizeof base, rc->tl, "events");
  st = civic_json_element_object(rc->d, list, base, i);
  civic_json_index_path(where, sizeof where, base, i);
  e->input_index = i;
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, o, where, "id", true, &e->id);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, o, where, "type", true, &type);
  if (st != CIVIC_OK)
    return st;
  for (t = 0; t < EV_COUNT_; t++)
    if (strcmp(type, EVENT_NAMES[t]) == 0)
      break;
  if (t == EV_COUNT_)
    return civic_diag_set(rc->d, CIVIC_E_UNKNOWN_REFERENCE,
                          "%s.type: unknown event type '%.64s' (known: "
                          "relocation, cohabitation_start, cohabitation_end, "
                          "birth, child_leaves, income_change, death)",
                          where, type);
  e->type = (event_type)t;
  st = civic_date_field(rc->d, o, where, "effective", &e->effective);
  if (st == CIVIC_OK)
    st = civic_date_field(rc->d, o, where, "reported", &e->reported);
  if (st != CIVIC_OK)
    return st;
  if (e->effective < rc->start ||
      e->effective > civic_scheme_valid_until(rc->scheme))
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s.effective: %s lies outside the timeline start "
                          "and the scheme period",
                          where, civic_date_format(e->effective, buf));
  return read_event_fields(rc, o, where, e);
}

static int cmp_event(const void *a, const void *b) {
  const event *x = a, *y = b;
  if (x->effective != y->effective)
    return x->effective < y->effective ? -1 : 1;
  return strcmp(x->id, y->id);
}

static civic_status read_events(recalc *rc, const json_t *tl) {
  json_t *list;
  size_t i, n;
  civic_status st = civic_json_array(rc->d, tl, rc->tl, "events", &list);
  if (st != CIVIC_OK)
    return st;
  n = json_array_size(list);
  rc->events = calloc(n + 1, sizeof *rc->events);
  if (rc->events == NULL)
    return civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < n; i++) {
    st = read_event(rc, list, i, &rc->events[i]);
    if (st != CIVIC_OK)
      return st;
  }
  rc->event_count = n;
  qsort(rc->events, n, sizeof *rc->events, cmp_event);
  for (i = 0; i < n; i++) {
    size_t j;
    for (j = 0; j < i; j++)
      if (strcmp(rc->events[i].id, rc->events[j].id) == 0)
        return civic_diag_set(rc->d, CIVIC_E_DUPLICATE_ID,
                              "%s.events[%zu].id: '%.64s' is used twice",
                              rc->tl, rc->events[i].input_index,
                              rc->events[i].id);
  }
  return CIVIC_OK;
}

/* Read one timeline object; `rc->tl` names it in messages. Replaces any
 * timeline read before (population runs read one after another). */
static civic_status read_timeline(recalc *rc, const json_t *tl) {
  char buf[11];
  civic_status st;
  free(rc->events);
  rc->events = NULL;
  rc->event_count = 0;
  if (!json_is_object(tl))
    return civic_diag_set(rc->d, CIVIC_E_WRONG_TYPE, "%s: must be an object",
                          rc->tl);
  st = civic_json_string(rc->d, tl, rc->tl, "household", true, &rc->household);
  if (st == CIVIC_OK)
    st = civic_date_field(rc->d, tl, rc->tl, "start", &rc->start);
  if (st != CIVIC_OK)
    return st;
  if (rc->start < civic_scheme_valid_from(rc->scheme) ||
      rc->start > civic_scheme_valid_until(rc->scheme))
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s.start: %s lies outside the scheme period", rc->tl,
                          civic_date_format(rc->start, buf));
  st = read_initial(rc, tl);
  return st == CIVIC_OK ? read_events(rc, tl) : st;
}

/* A month must lie wholly inside the scheme period and not before the
 * timeline's first month. */
static civic_status check_month(recalc *rc, int32_t month, const char *where) {
  char buf[16];
  int32_t first = civic_month_first_day(month);
  int32_t last = first + civic_month_length(month) - 1;
  if (first < civic_scheme_valid_from(rc->scheme) ||
      last > civic_scheme_valid_until(rc->scheme) ||
      (rc->start != INT32_MIN && month < civic_month_of_day(rc->start)))
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s: month %s is not wholly inside the scheme "
                          "period and the timeline",
                          where, civic_month_format(month, buf));
  return CIVIC_OK;
}

static civic_status read_payment(recalc *rc, const json_t *list, size_t i,
                                 payment *p) {
  char where[64];
  const json_t *o = json_array_get(list, i);
  const char *benefit = NULL;
  long b;
  civic_status st = civic_json_element_object(rc->d, list, "payments", i);
  civic_json_index_path(where, sizeof where, "payments", i);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, o, where, "id", true, &p->id);
  if (st == CIVIC_OK)
    st = civic_month_field(rc->d, o, where, "month", &p->month);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, o, where, "benefit", true, &benefit);
  if (st == CIVIC_OK)
    st = civic_json_amount(rc->d, o, where, "amount", &p->amount);
  if (st != CIVIC_OK)
    return st;
  b = civic_scheme_benefit_find(rc->scheme, benefit);
  if (b < 0)
    return civic_diag_set(rc->d, CIVIC_E_UNKNOWN_REFERENCE,
                          "%s.benefit: '%.64s' is not a benefit of the scheme",
                          where, benefit);
  p->benefit = (size_t)b;
  if (p->month < rc->from || p->month > rc->to)
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s.month: outside from..to", where);
  return CIVIC_OK;
}

static civic_status read_payments(recalc *rc, const json_t *in) {
  json_t *list;
  size_t i, j, n;
  civic_status st = civic_json_array(rc->d, in, "", "payments", &list);
  if (st != CIVIC_OK)
    return st;
  n = json_array_size(list);
  rc->payments = calloc(n + 1, sizeof *rc->payments);
  if (rc->payments == NULL)
    return civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < n; i++) {
    st = read_payment(rc, list, i, &rc->payments[i]);
    if (st != CIVIC_OK)
      return st;
    for (j = 0; j < i; j++)
      if (strcmp(rc->payments[i].id, rc->payments[j].id) == 0)
        return civic_diag_set(rc->d, CIVIC_E_DUPLICATE_ID,
                              "payments[%zu].id: '%.64s' is used twice", i,
                              rc->payments[i].id);
    rc->payment_count = i + 1;
  }
  return CIVIC_OK;
}

static civic_status read_policy(recalc *rc, const json_t *in) {
  json_t *p;
  civic_status st = civic_json_object(rc->d, in, "", "policy", &p);
  policy *pol = &rc->pol;
  pol->asset = "EUR";
  if (st == CIVIC_OK && civic_json_has(p, "asset"))
    st = civic_json_string(rc->d, p, "policy", "asset", true, &pol->asset);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, p, "policy", "payer_account", true,
                           &pol->payer);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, p, "policy", "resident_account", true,
                           &pol->resident);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, p, "policy", "receivable_account", true,
                           &pol->receivable);
  if (st == CIVIC_OK)
    st = civic_json_string(rc->d, p, "policy", "floor_parameter", true,
                           &pol->floor_param);
  if (st == CIVIC_OK && !civic_scheme_has_name(rc->scheme, pol->floor_param))
    st = civic_diag_set(rc->d, CIVIC_E_UNKNOWN_REFERENCE,
                        "policy.floor_parameter: the scheme has no parameter "
                        "or variable '%.64s'",
                        pol->floor_param);
  if (st == CIVIC_OK)
    st = civic_json_amount(rc->d, p, "policy", "receivable_outstanding",
                           &pol->outstanding);
  if (st == CIVIC_OK)
    st = civic_json_amount(rc->d, p, "policy", "recovery_cap", &pol->cap);
  if (st == CIVIC_OK)
    st = civic_json_amount(rc->d, p, "policy", "min_instalment",
                           &pol->min_instalment);
  if (st == CIVIC_OK)
    st = civic_json_int(rc->d, p, "policy", "max_term_months", 1, 1200,
                        &pol->max_term);
  pol->plan_start = rc->to + 1;
  if (st == CIVIC_OK && civic_json_has(p, "plan_start"))
    st = civic_month_field(rc->d, p, "policy", "plan_start", &pol->plan_start);
  return st;
}

static civic_status read_scenario(recalc *rc, const json_t *in) {
  json_t *s;
  civic_status st;
  if (!civic_json_has(in, "scenario"))
    return CIVIC_OK;
  rc->has_scenario = true;
  st = civic_json_object(rc->d, in, "", "scenario", &s);
  if (st == CIVIC_OK)
    st = civic_json_int(rc->d, s, "scenario", "setoff_after_weeks", 0, 520,
                        &rc->setoff_weeks);
  if (st == CIVIC_OK)
    st = civic_json_int(rc->d, s, "scenario", "pay_day", 1, 28, &rc->pay_day);
  rc->scenario_until = rc->to;
  if (st == CIVIC_OK && civic_json_has(s, "until"))
    st = civic_month_field(rc->d, s, "scenario", "until", &rc->scenario_until);
  if (st == CIVIC_OK && rc->scenario_until < rc->from)
    st = civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                        "scenario.until: is before from");
  if (st == CIVIC_OK && rc->scenario_until - rc->from >= MAX_SCENARIO_MONTHS)
    st = civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                        "scenario.until: at most %d months from 'from'",
                        MAX_SCENARIO_MONTHS);
  if (st == CIVIC_OK && !month_in_scheme(rc, rc->scenario_until))
    st = check_month(rc, rc->scenario_until, "scenario.until");
  return st;
}

/* from..to must lie in the scheme and in the current timeline. */
static civic_status check_months(recalc *rc) {
  int32_t m;
  civic_status st = CIVIC_OK;
  for (m = rc->from; st == CIVIC_OK && m <= rc->to; m++)
    st = check_month(rc, m, m == rc->from ? "from" : "to");
  return st;
}

/* Fields shared by a household run and a population run. */
/* The scheme comes from the input, unless the caller compiled it once
 * (civic_recalc_scheme_new) to reuse it for many households; then the input
 * must not carry another one, which would silently be ignored. */
static civic_status read_scheme(recalc *rc, const json_t *in) {
  json_t *scheme;
  civic_status st;
  if (rc->scheme != NULL)
    return civic_json_has(in, "scheme")
               ? civic_diag_set(rc->d, CIVIC_E_INVALID_ARGUMENT,
                                "scheme: must be absent when a compiled "
                                "scheme is passed")
               : CIVIC_OK;
  st = civic_json_object(rc->d, in, "", "scheme", &scheme);
  if (st == CIVIC_OK)
    st = civic_scheme_load(rc->d, scheme, "scheme", &rc->owned_scheme);
  rc->scheme = rc->owned_scheme;
  return st;
}

static civic_status read_common(recalc *rc, const json_t *in) {
  civic_status st = read_scheme(rc, in);
  if (st == CIVIC_OK)
    st = civic_month_field(rc->d, in, "", "from", &rc->from);
  if (st == CIVIC_OK)
    st = civic_month_field(rc->d, in, "", "to", &rc->to);
  if (st == CIVIC_OK && rc->to < rc->from)
    st = civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE, "to: is before from");
  if (st == CIVIC_OK && rc->to - rc->from >= MAX_RUN_MONTHS)
    st = civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                        "to: at most %d months from 'from'", MAX_RUN_MONTHS);
  rc->start = INT32_MIN; /* no timeline yet: only the scheme limits months */
  if (st == CIVIC_OK)
    st = check_months(rc);
  return st;
}

static civic_status read_input(recalc *rc, const json_t *in) {
  json_t *timeline = NULL;
  civic_status st = read_common(rc, in);
  snprintf(rc->tl, sizeof rc->tl, "timeline");
  if (st == CIVIC_OK)
    st = civic_json_object(rc->d, in, "", "timeline", &timeline);
  if (st == CIVIC_OK)
    st = read_timeline(rc, timeline);
  if (st == CIVIC_OK)
    st = check_months(rc);
  rc->known_at = KNOWN_ALL;
  if (st == CIVIC_OK && civic_json_has(in, "known_at"))
    st = civic_date_field(rc->d, in, "", "known_at", &rc->known_at);
  if (st == CIVIC_OK)
    st = read_payments(rc, in);
  if (st == CIVIC_OK)
    st = read_policy(rc, in);
  return st == CIVIC_OK ? read_scenario(rc, in) : st;
}

/* ------------------------------------------------------ household state */

typedef struct state {
  int64_t facts[CIVIC_FACT_COUNT_];
  int32_t earn_start;
} state;

static civic_status apply_event(recalc *rc, const event *e, state *s) {
  char buf[11];
  int64_t *f = s->facts;
  const char *problem = NULL;
  switch (e->type) {
  case EV_RELOCATION:
    f[CIVIC_FACT_RENT] = e->rent;
    if (e->has_municipality)
      f[CIVIC_FACT_MUNICIPALITY] = e->municipality;
    break;
  case EV_COHABITATION_START:
    if (f[CIVIC_FACT_HAS_PARTNER])
      problem = "the applicant already cohabits";
    f[CIVIC_FACT_HAS_PARTNER] = 1;
    f[CIVIC_FACT_ADULTS] = 2;
    break;
  case EV_COHABITATION_END:
    if (!f[CIVIC_FACT_HAS_PARTNER])
      problem = "the applicant does not cohabit";
    f[CIVIC_FACT_HAS_PARTNER] = 0;
    f[CIVIC_FACT_ADULTS] = 1;
    break;
  case EV_BIRTH:
    f[CIVIC_FACT_CHILDREN]++;
    break;
  case EV_CHILD_LEAVES:
    if (f[CIVIC_FACT_CHILDREN] == 0)
      problem = "there is no child in the household";
    else
      f[CIVIC_FACT_CHILDREN]--;
    break;
  case EV_INCOME_CHANGE:
    if (e->has_earned) {
      if (f[CIVIC_FACT_EARNED_INCOME] == 0 && e->earned > 0)
        s->earn_start = e->effective; /* a new earnings spell starts */
      if (e->earned == 0)
        s->earn_start = INT32_MIN;
      f[CIVIC_FACT_EARNED_INCOME] = e->earned;
    }
    if (e->has_other)
      f[CIVIC_FACT_OTHER_INCOME] = e->other;
    break;
  case EV_DEATH:
    if (e->who == M_APPLICANT)
      f[CIVIC_FACT_ALIVE] = 0;
    else if (e->who == M_PARTNER) {
      if (!f[CIVIC_FACT_HAS_PARTNER])
        problem = "there is no partner";
      f[CIVIC_FACT_HAS_PARTNER] = 0;
      f[CIVIC_FACT_ADULTS] = 1;
    } else if (f[CIVIC_FACT_CHILDREN] == 0)
      problem = "there is no child in the household";
    else
      f[CIVIC_FACT_CHILDREN]--;
    break;
  case EV_COUNT_:
    break;
  }
  if (problem != NULL)
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "%s.events[%zu] (%.64s, %s on %s): %s", rc->tl,
                          e->input_index, e->id, EVENT_NAMES[e->type],
                          civic_date_format(e->effective, buf), problem);
  return CIVIC_OK;
}

/* The household on `day` as known at `known`: the initial state plus every
 * event in force by then and reported by `known`. */
static civic_status state_at(recalc *rc, int32_t day, int32_t known, state *s) {
  size_t i;
  memcpy(s->facts, rc->initial, sizeof s->facts);
  s->earn_start = rc->initial_earn_start;
  for (i = 0; i < rc->event_count && rc->events[i].effective <= day; i++)
    if (rc->events[i].reported <= known) {
      civic_status st = apply_event(rc, &rc->events[i], s);
      if (st != CIVIC_OK)
        return st;
    }
  s->facts[CIVIC_FACT_EARNED_MONTHS] =
      s->earn_start == INT32_MIN
          ? 0
          : civic_month_of_day(day) - civic_month_of_day(s->earn_start) + 1;
  return CIVIC_OK;
}

/* Next day after `day` on which a known event takes effect. */
static int32_t next_event_day(const recalc *rc, int32_t day, int32_t known) {
  size_t i;
  for (i = 0; i < rc->event_count; i++)
    if (rc->events[i].effective > day && rc->events[i].reported <= known)
      return rc->events[i].effective;
  return INT32_MAX;
}

/* ------------------------------------------------------ fast output */

/* A recalculation writes tens of kilobytes of JSON per household-year.
 * Building a jansson tree of a thousand small objects only to serialise it
 * cost more than the whole computation, so the result is written once,
 * through a sink (below) that either writes the compact text directly or
 * builds the tree (for civic_evaluate, whose door hands back a json_t).
 * The text is byte for byte what json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) writes of the tree: keys in the order written, the
 * same escapes (\" \\ \b \f \n \r \t and \u00XX for other control
 * characters; UTF-8 copied as is, '/' not escaped), and a string that is
 * not valid UTF-8 fails in both (jansson refuses it). */
typedef struct out_text {
  char *buf;
  size_t len, cap;
  bool failed;
} out_text;

/* Room for `n` more bytes; NULL (and o->failed) when out of memory. */
static char *out_reserve(out_text *o, size_t n) {
  if (o->failed)
    return NULL;
  if (o->cap - o->len <= n) {
    size_t cap = o->cap ? o->cap : 16384;
    char *grown;
    while (cap - o->len <= n)
      cap *= 2;
    grown = realloc(o->buf, cap);
    if (grown == NULL) {
      o->failed = true;
      return NULL;
    }
    o->buf = grown;
    o->cap = cap;
  }
  return o->buf + o->len;
}

static void out_bytes(out_text *o, const char *bytes, size_t n) {
  char *p = out_reserve(o, n);
  if (p == NULL)
    return;
  memcpy(p, bytes, n);
  o->len += n;
}

/* A JSON string: at most 6 output bytes per input byte, reserved at once so
 * the plain bytes (almost all of them) are copied without further checks. */
static void out_string(out_text *o, const char *str, size_t len) {
  static const char HEX[] = "0123456789ABCDEF";
  char *p = out_reserve(o, 6 * len + 2), *start = p;
  size_t i;
  if (p == NULL)
    return;
  *p++ = '"';
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)str[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = (char)c;
      continue;
    }
    *p++ = '\\';
    switch (c) {
    case '"':
      *p++ = '"';
      break;
    case '\\':
      *p++ = '\\';
      break;
    case '\b':
      *p++ = 'b';
      break;
    case '\f':
      *p++ = 'f';
      break;
    case '\n':
      *p++ = 'n';
      break;
    case '\r':
      *p++ = 'r';
      break;
    case '\t':
      *p++ = 't';
      break;
    default:
      *p++ = 'u';
      *p++ = '0';
      *p++ = '0';
      *p++ = HEX[c >> 4];
      *p++ = HEX[c & 15];
    }
  }
  *p++ = '"';
  o->len += (size_t)(p - start);
}

static void out_int(out_text *o, int64_t v) {
  char digits[24];
  size_t n = sizeof digits;
  /* via the unsigned magnitude, so INT64_MIN needs no special case */
  uint64_t mag = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
  do {
    digits[--n] = (char)('0' + mag % 10u);
    mag /= 10u;
  } while (mag != 0);
  if (v < 0)
    digits[--n] = '-';
  out_bytes(o, digits + n, sizeof digits - n);
}

/* jansson's rule for strings (utf8_check): well-formed UTF-8 without
 * overlong forms, surrogates or code points above U+10FFFF. */
static bool utf8_valid(const unsigned char *p, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = p[i];
    size_t n, k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      n = 1, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef)
      n = 2, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4)
      n = 3, cp = c & 0x07u;
    else
      return false;
    if (n >= len - i) /* the sequence runs past the end */
      return false;
    for (k = 1; k <= n; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i + k] & 0x3fu);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += n + 1;
  }
  return true;
}

#define SINK_DEPTH 8

/* Where the result goes: compact JSON text (`text` set) or a jansson tree
 * (`stack[0]` is the result object). The emitting code below is written
 * once, against this interface, so both forms always agree. */
typedef struct sink {
  out_text *text;
  json_t *stack[SINK_DEPTH]; /* tree: open containers (borrowed) */
  bool is_object[SINK_DEPTH];
  bool first[SINK_DEPTH]; /* text: nothing written yet in the container */
  size_t depth;
  const char *key; /* tree: key of the next value in an object */
  bool failed;
} sink;

static void sink_init_text(sink *s, out_text *text) {
  memset(s, 0, sizeof *s);
  s->text = text;
  s->is_object[0] = s->first[0] = true;
  s->depth = 1;
  out_bytes(text, "{", 1);
}

static void sink_init_tree(sink *s, json_t *result) {
  memset(s, 0, sizeof *s);
  s->stack[0] = result;
  s->is_object[0] = true;
  s->depth = 1;
  s->failed = result == NULL;
}

/* Text: the comma between two items of the open container. */
static void text_separator(sink *s) {
  if (!s->first[s->depth - 1])
    out_bytes(s->text, ",", 1);
  s->first[s->depth - 1] = false;
}

static void text_string(sink *s, const char *str) {
  size_t len = strlen(str);
  if (!utf8_valid((const unsigned char *)str, len))
    s->failed = true;
  else
    out_string(s->text, str, len);
}

/* Tree: attach a new value (reference stolen) to the open container. */
static void tree_attach(sink *s, json_t *v) {
  json_t *top = s->stack[s->depth - 1];
  if (s->failed || v == NULL || top == NULL) {
    json_decref(v);
    s->failed = true;
    return;
  }
  if ((s->is_object[s->depth - 1] ? json_object_set_new_nocheck(top, s->key, v)
                                  : json_array_append_new(top, v)) != 0)
    s->failed = true;
}

/* Text: what precedes a value (a comma inside an array; in an object the
 * key has been written already). */
static void text_value_prefix(sink *s) {
  if (!s->is_object[s->depth - 1])
    text_separator(s);
}

static void sink_key(sink *s, const char *key) {
  if (s->text == NULL) {
    s->key = key;
    return;
  }
  text_separator(s);
  out_string(s->text, key, strlen(key)); /* keys are ASCII literals */
  out_bytes(s->text, ":", 1);
}

static void sink_int(sink *s, int64_t v) {
  if (s->text == NULL) {
    tree_attach(s, json_integer((json_int_t)v));
    return;
  }
  text_value_prefix(s);
  out_int(s->text, v);
}

static void sink_str(sink *s, const char *v) {
  if (s->text == NULL) {
    tree_attach(s, json_string(v));
    return;
  }
  text_value_prefix(s);
  text_string(s, v);
}

/* Open an object or an array as the next value. */
static void sink_open(sink *s, bool object) {
  json_t *c = NULL;
  if (s->depth == SINK_DEPTH) { /* not reachable: the result nests 5 deep */
    s->failed = true;
    return;
  }
  if (s->text == NULL) {
    c = object ? json_object() : json_array();
    tree_attach(s, c);
    if (s->failed)
      c = NULL;
  } else {
    text_value_prefix(s);
    out_bytes(s->text, object ? "{" : "[", 1);
  }
  s->stack[s->depth] = c;
  s->is_object[s->depth] = object;
  s->first[s->depth] = true;
  s->depth++;
}

static void sink_close(sink *s) {
  if (s->depth <= 1) {
    s->failed = true;
    return;
  }
  s->depth--;
  if (s->text != NULL)
    out_bytes(s->text, s->is_object[s->depth] ? "}" : "]", 1);
}

/* key: integer / key: string, the common members. */
static void sink_key_int(sink *s, const char *key, int64_t v) {
  sink_key(s, key);
  sink_int(s, v);
}

static void sink_key_str(sink *s, const char *key, const char *v) {
  sink_key(s, key);
  sink_str(s, v);
}

static void sink_key_open(sink *s, const char *key, bool object) {
  sink_key(s, key);
  sink_open(s, object);
}

/* CIVIC_OK, or out of memory (or a string jansson would refuse) while
 * writing. */
static civic_status sink_status(recalc *rc, const sink *s) {
  if (s->failed || (s->text != NULL && s->text->failed))
    return civic_diag_set(rc->d, CIVIC_E_NOMEM,
                          "out of memory building output");
  return CIVIC_OK;
}

/* --------------------------------------------------- monthly entitlement */

/* The segments of one month as month_due found them, for the output: at
 * most one per day. */
#define MAX_SEGMENTS 32

typedef struct seg_log {
  size_t count;
  int32_t from[MAX_SEGMENTS], until[MAX_SEGMENTS];
  int64_t amount[MAX_SEGMENTS][64], part[MAX_SEGMENTS][64];
} seg_log;

/* The benefits' monthly amounts for `facts` on `day`: civic_scheme_eval,
 * or the remembered result when the facts are equal and no parameter period
 * starts between the two days (evaluation is a pure function of both). */
static civic_status eval_benefits(recalc *rc, int32_t day, const int64_t *facts,
                                  int64_t *amounts) {
  size_t nb = civic_scheme_benefit_count(rc->scheme);
  int32_t lo = day < rc->memo_day ? day : rc->memo_day;
  int32_t hi = day < rc->memo_day ? rc->memo_day : day;
  civic_status st;
  if (rc->memo_valid && day >= civic_scheme_valid_from(rc->scheme) &&
      day <= civic_scheme_valid_until(rc->scheme) &&
      memcmp(facts, rc->memo_facts, sizeof rc->memo_facts) == 0 &&
      civic_scheme_next_change(rc->scheme, lo) > hi) {
    memcpy(amounts, rc->memo_amounts, nb * sizeof *amounts);
    return CIVIC_OK;
  }
  st = civic_scheme_eval(rc->d, rc->scheme, day, facts, amounts);
  rc->memo_valid = st == CIVIC_OK &&
                   day >= civic_scheme_valid_from(rc->scheme) &&
                   day <= civic_scheme_valid_until(rc->scheme);
  if (rc->memo_valid) {
    rc->memo_day = day;
    memcpy(rc->memo_facts, facts, sizeof rc->memo_facts);
    memcpy(rc->memo_amounts, amounts, nb * sizeof *amounts);
  }
  return st;
}

/* Entitlement of every benefit in a month as known at `known`, prorated over
 * the segments between changes (events and parameter periods). `log`, when
 * not NULL, receives the segments for the output. */
static civic_status month_due(recalc *rc, int32_t month, int32_t known,
                              int64_t *due, seg_log *log) {
  size_t nb = civic_scheme_benefit_count(rc->scheme), b;
  int32_t first = civic_month_first_day(month);
  int32_t days = civic_month_length(month), end = first + days, a = first;
  int64_t amounts[64];
  civic_status st;
  if (log != NULL)
    log->count = 0;
  if (nb > 64)
    return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                          "scheme.benefits: at most 64 benefits");
  memset(due, 0, nb * sizeof *due);
  while (a < end) {
    int32_t next = end, ev = next_event_day(rc, a, known),
            pc = civic_scheme_next_change(rc->scheme, a);
    state s;
    if (ev < next)
      next = ev;
    if (pc < next)
      next = pc;
    if (a < rc->start) { /* before the household's timeline: nothing due */
      if (rc->start < next)
        next = rc->start;
      memset(amounts, 0, sizeof amounts);
    } else {
      st = state_at(rc, a, known, &s);
      if (st == CIVIC_OK)
        st = eval_benefits(rc, a, s.facts, amounts);
      if (st != CIVIC_OK)
        return st;
      if (s.facts[CIVIC_FACT_ALIVE] == 0)
        memset(amounts, 0, sizeof amounts); /* nothing due after death */
    }
    if (log != NULL && log->count == MAX_SEGMENTS) /* one per day at most */
      return civic_diag_set(rc->d, CIVIC_E_OUT_OF_RANGE,
                            "months: more than %d segments in a month",
                            MAX_SEGMENTS);
    for (b = 0; b < nb; b++) {
      /* A whole month earns exactly R (half_up(R*D/D) - half_up(0)): most
       * segments are whole months, and this skips two 128-bit divisions. */
      int64_t part = a == first && next == end
                         ? amounts[b]
                         : civic_prorate_segment(amounts[b], a - first,
                                                 next - first, days);
      if (!civic_add_i64(due[b], part, &due[b]))
        return civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                              "months.%s: entitlement outside int64",
                              civic_scheme_benefit_id(rc->scheme, b));
      if (log != NULL) {
        log->amount[log->count][b] = amounts[b];
        log->part[log->count][b] = part;
      }
    }
    if (log != NULL) {
      log->from[log->count] = a;
      log->until[log->count++] = next - 1;
    }
    a = next;
  }
  return CIVIC_OK;
}

static civic_status month_total(recalc *rc, int32_t month, int32_t known,
                                int64_t *total) {
  int64_t due[64];
  size_t b, nb = civic_scheme_benefit_count(rc->scheme);
  civic_status st = month_due(rc, month, known, due, NULL);
  *total = 0;
  for (b = 0; b < nb && st == CIVIC_OK; b++)
    if (!civic_add_i64(*total, due[b], total))
      st = civic_diag_set(rc->d, CIVIC_E_OVERFLOW, "monthly total overflows");
  return st;
}

/* ------------------------------------------------------------ the run */

typedef struct cell {
  int64_t due, paid;
  int64_t netted, settled; /* settled = paid now (under) or receivable (over) */
} cell;

static civic_status sum_payments(recalc *rc, int32_t month, size_t b,
                                 int64_t *out) {
  int64_t sum = 0;
  size_t i;
  for (i = 0; i < rc->payment_count; i++)
    if (rc->payments[i].month == month && rc->payments[i].benefit == b &&
        !civic_add_i64(sum, rc->payments[i].amount, &sum))
      return civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                            "payments: the sum paid for one month overflows");
  *out = sum;
  return CIVIC_OK;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Payment ids for one month and benefit, sorted: what a correction
 * corrects. */
static civic_status emit_corrected_ids(recalc *rc, int32_t month, size_t b,
                                       sink *out) {
  const char **ids = malloc((rc->payment_count + 1) * sizeof *ids);
  size_t i, n = 0;
  if (ids == NULL)
    return civic_diag_set(rc->d, CIVIC_E_NOMEM,
                          "out of memory building output");
  for (i = 0; i < rc->payment_count; i++)
    if (rc->payments[i].month == month && rc->payments[i].benefit == b)
      ids[n++] = rc->payments[i].id;
  qsort(ids, n, sizeof *ids, cmp_cstr);
  sink_open(out, false);
  for (i = 0; i < n; i++)
    sink_str(out, ids[i]);
  sink_close(out);
  free(ids);
  return CIVIC_OK;
}

/* The corrections of one run are netted against each other first: an
 * overpayment for one of these months is settled against an underpayment
 * for these same months (an advance set against the definitive amount).
 * Only what is left is paid now or becomes a receivable; a receivable from
 * before this run (older debt) is never netted here, it goes through the
 * recovery step, because Dutch case law treats the two differently.
 * Allocation is greedy in (month, benefit id) order, which is
 * deterministic. */
static void net_run(cell *cells, size_t count) {
  int64_t under = 0, over = 0, left_u, left_o;
  size_t i;
  for (i = 0; i < count; i++) {
    int64_t diff = cells[i].due - cells[i].paid;
    if (diff > 0)
      under += diff; /* bounded: each cell was checked, totals below */
    else
      over += -diff;
  }
  left_u = left_o = under < over ? under : over;
  for (i = 0; i < count; i++) {
    int64_t diff = cells[i].due - cells[i].paid, mag = diff < 0 ? -diff : diff;
    int64_t *left = diff > 0 ? &left_u : &left_o;
    cells[i].netted = mag < *left ? mag : *left;
    *left -= cells[i].netted;
    cells[i].settled = mag - cells[i].netted;
  }
}

static const char *known_label(const recalc *rc, char *buf) {
  if (rc->known_at == KNOWN_ALL)
    return "all";
  return civic_date_format(rc->known_at, buf);
}

typedef struct totals {
  int64_t paid_now, netted, new_debt;
} totals;

static civic_status add_checked(recalc *rc, int64_t *acc, int64_t v) {
  if (!civic_add_i64(*acc, v, acc))
    return civic_diag_set(rc->d, CIVIC_E_OVERFLOW, "a total overflows");
  return CIVIC_OK;
}

/* corr:<household>:<benefit>:<YYYY-MM>:<known_at or all> (docs/recalc.md
 * 5.2): the correction's id, and its transfer's, so a retry is safe. */
static void correction_id(const recalc *rc, int32_t month, size_t b, char *id,
                          size_t cap) {
  char mbuf[16], kbuf[11];
  snprintf(id, cap, "corr:%.100s:%.64s:%s:%s", rc->household,
           civic_scheme_benefit_id(rc->scheme, b),
           civic_month_format(month, mbuf), known_label(rc, kbuf));
}

static civic_status emit_correction(recalc *rc, int32_t month, size_t b,
                                    const cell *c, sink *out, totals *t) {
  char id[512], mbuf[16];
  int64_t diff = c->due - c->paid;
  bool under = diff > 0;
  civic_status st;
  if (diff == 0)
    return CIVIC_OK;
  correction_id(rc, month, b, id, sizeof id);
  sink_open(out, true);
  sink_key_str(out, "id", id);
  sink_key_str(out, "month", civic_month_format(month, mbuf));
  sink_key_str(out, "benefit", civic_scheme_benefit_id(rc->scheme, b));
  sink_key_str(out, "kind", under ? "underpayment" : "overpayment");
  sink_key_int(out, "amount", under ? diff : -diff);
  sink_key_int(out, "netted", c->netted);
  sink_key_int(out, under ? "paid_now" : "receivable", c->settled);
  sink_key(out, "corrects");
  st = emit_corrected_ids(rc, month, b, out);
  sink_close(out);
  if (st == CIVIC_OK)
    st = sink_status(rc, out);
  if (st == CIVIC_OK && under) /* count each netted euro once */
    st = add_checked(rc, &t->netted, c->netted);
  if (st == CIVIC_OK)
    st = add_checked(rc, under ? &t->paid_now : &t->new_debt, c->settled);
  return st;
}

/* An underpayment moves money now; an overpayment books the resident's
 * debt (the receivable account runs negative, min_balance null). Netted
 * amounts move no money and are not posted. */
static void emit_transfer(recalc *rc, int32_t month, size_t b, const cell *c,
                          sink *out) {
  char id[512];
  bool under = c->due > c->paid;
  if (c->due == c->paid || c->settled == 0)
    return;
  correction_id(rc, month, b, id, sizeof id);
  sink_open(out, true);
  sink_key_str(out, "id", id);
  sink_key_str(out, "from", under ? rc->pol.payer : rc->pol.receivable);
  sink_key_str(out, "to", under ? rc->pol.resident : rc->pol.payer);
  sink_key_int(out, "amount", c->settled);
  sink_key_str(out, "asset", rc->pol.asset);
  sink_close(out);
}

/* One month: its entitlement per benefit, what was paid, and the row
 * {month, days, benefits: [{benefit, due, paid, difference, segments}]}. */
static civic_status run_month(recalc *rc, int32_t month, sink *out, cell *cells,
                              seg_log *log) {
  size_t nb = civic_scheme_benefit_count(rc->scheme), b, k;
  int64_t due[64];
  char mbuf[16], from[11], until[11];
  civic_status st = month_due(rc, month, rc->known_at, due, log);
  for (b = 0; b < nb && st == CIVIC_OK; b++) {
    cells[b].due = due[b];
    st = sum_payments(rc, month, b, &cells[b].paid);
  }
  if (st != CIVIC_OK)
    return st;
  sink_open(out, true);
  sink_key_str(out, "month", civic_month_format(month, mbuf));
  sink_key_int(out, "days", civic_month_length(month));
  sink_key_open(out, "benefits", false);
  for (b = 0; b < nb; b++) {
    sink_open(out, true);
    sink_key_str(out, "benefit", civic_scheme_benefit_id(rc->scheme, b));
    sink_key_int(out, "due", cells[b].due);
    sink_key_int(out, "paid", cells[b].paid);
    sink_key_int(out, "difference", cells[b].due - cells[b].paid);
    sink_key_open(out, "segments", false);
    for (k = 0; k < log->count; k++) {
      sink_open(out, true);
      sink_key_str(out, "from", civic_date_format(log->from[k], from));
      sink_key_str(out, "until", civic_date_format(log->until[k], until));
      sink_key_int(out, "amount", log->amount[k][b]);
      sink_key_int(out, "prorated", log->part[k][b]);
      sink_close(out);
    }
    sink_close(out); /* segments */
    sink_close(out); /* the benefit */
  }
  sink_close(out); /* benefits */
  sink_close(out); /* the month */
  return sink_status(rc, out);
}

/* Sum of the positive (or negative) differences must fit, so netting and
 * the settlement totals cannot overflow. */
static civic_status check_run_totals(recalc *rc, const cell *cells,
                                     size_t count) {
  int64_t under = 0, over = 0;
  size_t i;
  for (i = 0; i < count; i++) {
    int64_t diff;
    if (!civic_sub_i64(cells[i].due, cells[i].paid, &diff) ||
        diff == INT64_MIN ||
        !civic_add_i64(diff > 0 ? under : over, diff > 0 ? diff : -diff,
                       diff > 0 ? &under : &over))
      return civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                            "corrections: a total outside int64");
  }
  return CIVIC_OK;
}

/* --------------------------------------------------------- recovery */

/* The resident's net income in a month as known at `known`: benefits due
 * plus incomes. The floor it is compared with is the garnishment-free
 * amount, which (as in Dutch law) covers housing costs, so rent is not
 * subtracted here; the waterfall's per-period living floor is the same
 * protection after the priority obligations. */
static civic_status month_available(recalc *rc, int32_t month, int32_t known,
                                    int64_t *out) {
  state s;
  int64_t total = 0;
  civic_i128 g;
  civic_status st = month_total(rc, month, known, &total);
  if (st == CIVIC_OK)
    st = state_at(rc, civic_month_first_day(month), known, &s);
  if (st != CIVIC_OK)
    return st;
  g = (civic_i128)total + s.facts[CIVIC_FACT_EARNED_INCOME] +
      s.facts[CIVIC_FACT_OTHER_INCOME];
  if (!civic_i128_fits_i64(g))
    return civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                          "available income outside int64");
  *out = (int64_t)g;
  return CIVIC_OK;
}

/* The protected floor for a month: a dated parameter, or a variable of the
 * household (e.g. a garnishment-free amount that depends on composition). */
static civic_status floor_at(recalc *rc, int32_t month, int32_t known,
                             int64_t *out) {
  state s;
  int32_t first = civic_month_first_day(month);
  civic_status st = state_at(rc, first, known, &s);
  return st == CIVIC_OK
             ? civic_scheme_value(rc->d, rc->scheme, rc->pol.floor_param, first,
                                  s.facts, out)
             : st;
}

/* The waterfall's recovery step (spec 3, step 4) plus the policy's minimum
 * instalment: min(outstanding, cap, max(0, G - floor)); an instalment below
 * the minimum is skipped unless it settles the debt. */
static int64_t recovery_step(const policy *pol, int64_t outstanding,
                             int64_t available, int64_t floor) {
  int64_t room = available > floor ? available - floor : 0;
  int64_t r = outstanding < pol->cap ? outstanding : pol->cap;
  if (room < r)
    r = room;
  if (r < pol->min_instalment && r < outstanding)
    r = 0;
  return r;
}

static bool month_in_scheme(const recalc *rc, int32_t month) {
  int32_t first = civic_month_first_day(month);
  return first >= civic_scheme_valid_from(rc->scheme) &&
         first + civic_month_length(month) - 1 <=
             civic_scheme_valid_until(rc->scheme) &&
         (rc->start == INT32_MIN || month >= civic_month_of_day(rc->start));
}

typedef struct instalment {
  int32_t month;
  int64_t available, floor, amount, outstanding_after;
} instalment;

static void emit_recovery(sink *out, const recalc *rc, int64_t new_debt,
                          int64_t recovered, const instalment *list, size_t n,
                          int64_t remaining, const char *stopped) {
  char mbuf[16];
  size_t i;
  sink_key_open(out, "recovery", true);
  sink_key_int(out, "older_debt", rc->pol.outstanding);
  sink_key_int(out, "new_debt", new_debt);
  sink_key_int(out, "recovered", recovered);
  sink_key_open(out, "instalments", false);
  for (i = 0; i < n; i++) {
    sink_open(out, true);
    sink_key_str(out, "month", civic_month_format(list[i].month, mbuf));
    sink_key_int(out, "available", list[i].available);
    sink_key_int(out, "floor", list[i].floor);
    sink_key_int(out, "instalment", list[i].amount);
    sink_key_int(out, "outstanding_after", list[i].outstanding_after);
    sink_close(out);
  }
  sink_close(out);
  sink_key_int(out, "remaining", remaining);
  sink_key_str(out, "stopped", stopped);
  sink_close(out);
}

static civic_status recovery_plan(recalc *rc, int64_t new_debt, sink *out) {
  int64_t outstanding = 0, recovered = 0;
  int32_t m = rc->pol.plan_start, k;
  const char *stopped = "max_term";
  instalment *list = malloc((size_t)rc->pol.max_term * sizeof *list);
  size_t n = 0;
  civic_status st = CIVIC_OK;
  if (list == NULL)
    st = civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  else if (!civic_add_i64(rc->pol.outstanding, new_debt, &outstanding))
    st = civic_diag_set(rc->d, CIVIC_E_OVERFLOW, "receivable outside int64");
  for (k = 0; k < rc->pol.max_term && st == CIVIC_OK; k++, m++) {
    int64_t avail = 0, floor = 0, inst;
    if (outstanding == 0) {
      stopped = "paid_off";
      break;
    }
    if (!month_in_scheme(rc, m)) {
      stopped = "scheme_end";
      break;
    }
    st = month_available(rc, m, rc->known_at, &avail);
    if (st == CIVIC_OK)
      st = floor_at(rc, m, rc->known_at, &floor);
    if (st != CIVIC_OK)
      break;
    inst = recovery_step(&rc->pol, outstanding, avail, floor);
    outstanding -= inst;
    recovered += inst;
    list[n].month = m;
    list[n].available = avail;
    list[n].floor = floor;
    list[n].amount = inst;
    list[n++].outstanding_after = outstanding;
  }
  if (st == CIVIC_OK && outstanding == 0)
    stopped = "paid_off";
  if (st == CIVIC_OK)
    emit_recovery(out, rc, new_debt, recovered, list, n, outstanding, stopped);
  free(list);
  return st;
}

/* --------------------------------------------------------- scenarios */

typedef struct outcome {
  int64_t debt, recovered, arrears_months, late_underpaid, outstanding;
} outcome;

/* Replay the months from..to as an agency would live them: on each pay day
 * it pays what it knows `lag_days` earlier, re-assesses earlier months and
 * books the differences. With `full_setoff` the whole debt is set off
 * against the next payments (no floor, no cap); otherwise it is recovered
 * through the recovery step. A month "in arrears" is one where the
 * resident keeps less than the floor after rent and recovery. */
static civic_status simulate(recalc *rc, int32_t lag_days, bool full_setoff,
                             outcome *o) {
  int32_t n = rc->scenario_until - rc->from + 1, i, j;
  int64_t *believed = calloc((size_t)n, sizeof *believed);
  civic_status st = CIVIC_OK;
  memset(o, 0, sizeof *o);
  if (believed == NULL)
    return civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    int32_t month = rc->from + i;
    int32_t known =
        civic_month_first_day(month) + (int32_t)rc->pay_day - 1 - lag_days;
    int64_t extra = 0, paid = 0, avail = 0, floor = 0, true_total = 0, rec;
    /* re-assess the months already paid with what is known today */
    for (j = 0; j < i && st == CIVIC_OK; j++) {
      int64_t now = 0;
      st = month_total(rc, rc->from + j, known, &now);
      if (now < believed[j])
        o->debt += believed[j] - now;
      else
        extra += now - believed[j];
      believed[j] = now;
    }
    if (st == CIVIC_OK)
      st = month_total(rc, month, known, &paid);
    /* what the resident really has: true incomes and rent, but the
     * benefit as paid (not as due) */
    if (st == CIVIC_OK)
      st = month_available(rc, month, KNOWN_ALL, &avail);
    if (st == CIVIC_OK)
      st = month_total(rc, month, KNOWN_ALL, &true_total);
    if (st == CIVIC_OK)
      st = floor_at(rc, month, KNOWN_ALL, &floor);
    if (st != CIVIC_OK)
      break;
    believed[i] = paid;
    o->late_underpaid += extra;
    avail += paid - true_total + extra;
    o->outstanding = o->debt - o->recovered;
    if (full_setoff) /* the whole debt against the next payments */
      rec = o->outstanding < paid + extra ? o->outstanding : paid + extra;
    else
      rec = recovery_step(&rc->pol, o->outstanding, avail, floor);
    o->recovered += rec;
    o->outstanding -= rec;
    if (avail - rec < floor)
      o->arrears_months++;
  }
  free(believed);
  return st;
}

static bool add_outcome(outcome *sum, const outcome *o) {
  return civic_add_i64(sum->debt, o->debt, &sum->debt) &&
         civic_add_i64(sum->recovered, o->recovered, &sum->recovered) &&
         civic_add_i64(sum->arrears_months, o->arrears_months,
                       &sum->arrears_months) &&
         civic_add_i64(sum->late_underpaid, o->late_underpaid,
                       &sum->late_underpaid) &&
         civic_add_i64(sum->outstanding, o->outstanding, &sum->outstanding);
}

static void emit_outcome(sink *out, const char *key, const outcome *o) {
  sink_key_open(out, key, true);
  sink_key_int(out, "debt_incurred", o->debt);
  sink_key_int(out, "recovered", o->recovered);
  sink_key_int(out, "outstanding_at_end", o->outstanding);
  sink_key_int(out, "months_in_arrears", o->arrears_months);
  sink_key_int(out, "late_underpayments", o->late_underpaid);
  sink_close(out);
}

/* {recalculate_at_once, setoff_after_weeks, weeks, pay_day} under `key`. */
static void emit_comparison(sink *out, const recalc *rc, const char *key,
                            const outcome *now, const outcome *later,
                            const size_t *households) {
  sink_key_open(out, key, true);
  if (households != NULL)
    sink_key_int(out, "households", (int64_t)*households);
  emit_outcome(out, "recalculate_at_once", now);
  emit_outcome(out, "setoff_after_weeks", later);
  sink_key_int(out, "weeks", rc->setoff_weeks);
  sink_key_int(out, "pay_day", rc->pay_day);
  sink_close(out);
}

static civic_status scenarios(recalc *rc, sink *out) {
  outcome now, later;
  civic_status st = simulate(rc, 0, false, &now);
  if (st == CIVIC_OK)
    st = simulate(rc, (int32_t)rc->setoff_weeks * 7, true, &later);
  if (st == CIVIC_OK)
    emit_comparison(out, rc, "scenarios", &now, &later, NULL);
  return st;
}

/* The rent obligation re-planned from each relocation's effective date (a
 * move changes the amount and the payee), as known at `known_at`: what the
 * settlement should pay from when, and to whom. */
static void emit_rent(sink *out, int32_t from, int64_t amount,
                      const char *payee, const char *event_id) {
  char buf[11];
  sink_open(out, true);
  sink_key_str(out, "category", "rent");
  sink_key_str(out, "from", civic_date_format(from, buf));
  sink_key_int(out, "amount", amount);
  sink_key_str(out, "payee", payee);
  if (event_id != NULL)
    sink_key_str(out, "event", event_id);
  sink_close(out);
}

static void rent_plan(recalc *rc, sink *out) {
  size_t i;
  sink_key_open(out, "obligations", false);
  emit_rent(out, rc->start, rc->initial[CIVIC_FACT_RENT], rc->landlord, NULL);
  for (i = 0; i < rc->event_count; i++) {
    const event *e = &rc->events[i];
    if (e->type == EV_RELOCATION && e->reported <= rc->known_at)
      emit_rent(out, e->effective, e->rent, e->landlord, e->id);
  }
  sink_close(out);
}

/* A population run: the scenario comparison summed over many households
 * (`population`: a list of timelines). Only the scheme, the months, the
 * policy and the scenario are read besides. */
static civic_status run_population(recalc *rc, const json_t *in, sink *out) {
  json_t *list;
  outcome sum_now, sum_later;
  size_t i;
  civic_status st = read_common(rc, in);
  rc->known_at = KNOWN_ALL;
  if (st == CIVIC_OK)
    st = read_policy(rc, in);
  if (st == CIVIC_OK && !civic_json_has(in, "scenario"))
    st = civic_diag_set(rc->d, CIVIC_E_MISSING_FIELD,
                        "scenario: required with population");
  if (st == CIVIC_OK)
    st = read_scenario(rc, in);
  if (st == CIVIC_OK)
    st = civic_json_array(rc->d, in, "", "population", &list);
  memset(&sum_now, 0, sizeof sum_now);
  memset(&sum_later, 0, sizeof sum_later);
  for (i = 0; st == CIVIC_OK && i < json_array_size(list); i++) {
    outcome now, later;
    civic_json_index_path(rc->tl, sizeof rc->tl, "population", i);
    st = read_timeline(rc, json_array_get(list, i));
    if (st == CIVIC_OK)
      st = check_months(rc);
    if (st == CIVIC_OK && rc->scenario_until > rc->to)
      st = check_month(rc, rc->scenario_until, "scenario.until");
    if (st == CIVIC_OK)
      st = simulate(rc, 0, false, &now);
    if (st == CIVIC_OK)
      st = simulate(rc, (int32_t)rc->setoff_weeks * 7, true, &later);
    if (st == CIVIC_OK &&
        !(add_outcome(&sum_now, &now) && add_outcome(&sum_later, &later)))
      st = civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                          "population: totals outside int64");
  }
  if (st == CIVIC_OK) {
    size_t households = json_array_size(list);
    emit_comparison(out, rc, "population", &sum_now, &sum_later, &households);
    st = sink_status(rc, out);
  }
  return st;
}

/* ---------------------------------------------------------- entry points */

/* A household run: months, corrections, settlement, recovery, transfers,
 * obligations and (with a scenario) the comparison, in that order. */
static civic_status run(recalc *rc, const json_t *in, sink *out) {
  cell *cells = NULL;
  seg_log *log = NULL;
  totals t = {0, 0, 0};
  char kbuf[11];
  size_t nb, count, i;
  int32_t m;
  civic_status st = read_input(rc, in);
  if (st != CIVIC_OK)
    return st;
  nb = civic_scheme_benefit_count(rc->scheme);
  count = (size_t)(rc->to - rc->from + 1) * nb;
  cells = calloc(count + 1, sizeof *cells);
  log = malloc(sizeof *log);
  if (cells == NULL || log == NULL)
    st = civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  sink_key_str(out, "household", rc->household);
  sink_key_str(out, "known_at", known_label(rc, kbuf));
  if (st == CIVIC_OK)
    st = sink_status(rc, out);
  sink_key_open(out, "months", false);
  for (m = rc->from; m <= rc->to && st == CIVIC_OK; m++)
    st = run_month(rc, m, out, &cells[(size_t)(m - rc->from) * nb], log);
  sink_close(out);
  if (st == CIVIC_OK)
    st = check_run_totals(rc, cells, count);
  if (st == CIVIC_OK)
    net_run(cells, count);
  sink_key_open(out, "corrections", false);
  for (i = 0; i < count && st == CIVIC_OK; i++)
    st = emit_correction(rc, rc->from + (int32_t)(i / nb), i % nb, &cells[i],
                         out, &t);
  sink_close(out);
  if (st == CIVIC_OK) {
    sink_key_open(out, "settlement", true);
    sink_key_int(out, "paid_now", t.paid_now);
    sink_key_int(out, "netted", t.netted);
    sink_key_int(out, "new_debt", t.new_debt);
    sink_close(out);
    st = recovery_plan(rc, t.new_debt, out);
  }
  if (st == CIVIC_OK) {
    sink_key_open(out, "transfers", false);
    for (i = 0; i < count; i++)
      emit_transfer(rc, rc->from + (int32_t)(i / nb), i % nb, &cells[i], out);
    sink_close(out);
    rent_plan(rc, out);
  }
  if (st == CIVIC_OK && rc->has_scenario)
    st = scenarios(rc, out);
  if (st == CIVIC_OK)
    st = sink_status(rc, out);
  free(cells);
  free(log);
  return st;
}

/* One recalculation into `out`; `scheme` is NULL to load it from the
 * input. */
static civic_status recalc_into(civic_diag *d, const civic_scheme *scheme,
                                const json_t *in, sink *out) {
  recalc rc;
  civic_status st;
  memset(&rc, 0, sizeof rc);
  rc.d = d;
  rc.scheme = scheme;
  if (json_object_get(in, "population") != NULL)
    st = run_population(&rc, in, out);
  else
    st = run(&rc, in, out);
  civic_scheme_free(rc.owned_scheme);
  free(rc.events);
  free(rc.payments);
  return st;
}

/* The civic_evaluate door: the result as a jansson tree. */
civic_status civic_recalc_eval_json(civic_diag *d, const json_t *in,
                                    json_t **out) {
  json_t *result = json_object();
  sink s;
  civic_status st;
  *out = NULL;
  if (result == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  sink_init_tree(&s, result);
  st = recalc_into(d, NULL, in, &s);
  if (st != CIVIC_OK) {
    json_decref(result);
    return st;
  }
  *out = result;
  return CIVIC_OK;
}

/* Parse, recalculate, write the text: what civic_evaluate(ctx, "recalc",
 * ...) returns, without building a tree. `scheme` is NULL to load it from
 * the input. */
static civic_status run_text(civic_ctx *ctx, const civic_scheme *scheme,
                             const char *input, char **output) {
  json_t *in = NULL;
  out_text text = {NULL, 0, 0, false};
  sink s;
  civic_status st = civic_json_parse(&ctx->diag, input, strlen(input), &in);
  if (st == CIVIC_OK) {
    sink_init_text(&s, &text);
    st = recalc_into(&ctx->diag, scheme, in, &s);
  }
  json_decref(in);
  if (st == CIVIC_OK) {
    out_bytes(&text, "}", 2); /* the result's closing brace and a NUL */
    if (text.failed)
      st = civic_diag_set(&ctx->diag, CIVIC_E_NOMEM,
                          "out of memory writing output");
  }
  if (st != CIVIC_OK) {
    free(text.buf);
    return st;
  }
  *output = text.buf;
  return CIVIC_OK;
}

civic_status civic_recalc_run(civic_ctx *ctx, const char *input,
                              char **output) {
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (input == NULL || output == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "kind, input and output must not be NULL");
  *output = NULL;
  return run_text(ctx, NULL, input, output);
}

/* ------------------------------------------------- compiled schemes */

struct civic_recalc_scheme {
  civic_scheme *scheme; /* immutable once loaded: shareable by threads */
};

civic_status civic_recalc_scheme_new(civic_ctx *ctx, const char *scheme_json,
                                     civic_recalc_scheme **out) {
  civic_recalc_scheme *h;
  json_t *obj = NULL;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (scheme_json == NULL || out == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "scheme_json and out must not be NULL");
  *out = NULL;
  h = calloc(1, sizeof *h);
  if (h == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_NOMEM, "out of memory");
  st = civic_json_parse(&ctx->diag, scheme_json, strlen(scheme_json), &obj);
  if (st == CIVIC_OK)
    st = civic_scheme_load(&ctx->diag, obj, "scheme", &h->scheme);
  json_decref(obj);
  if (st != CIVIC_OK) {
    free(h);
    return st;
  }
  *out = h;
  return CIVIC_OK;
}

void civic_recalc_scheme_free(civic_recalc_scheme *scheme) {
  if (scheme == NULL)
    return;
  civic_scheme_free(scheme->scheme);
  free(scheme);
}

size_t civic_recalc_scheme_benefit_count(const civic_recalc_scheme *scheme) {
  return scheme == NULL ? 0 : civic_scheme_benefit_count(scheme->scheme);
}

const char *civic_recalc_scheme_benefit_id(const civic_recalc_scheme *scheme,
                                           size_t index) {
  if (scheme == NULL || index >= civic_scheme_benefit_count(scheme->scheme))
    return NULL;
  return civic_scheme_benefit_id(scheme->scheme, index);
}

/* civic_recalc_run without loading the scheme again. */
civic_status civic_recalc_run_with_scheme(civic_ctx *ctx,
                                          const civic_recalc_scheme *scheme,
                                          const char *input, char **output) {
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (scheme == NULL || input == NULL || output == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "scheme, input and output must not be NULL");
  *output = NULL;
  return run_text(ctx, scheme->scheme, input, output);
}

/* Entitlements of every household in `list` for months from..to into `due`
 * (household-major, then month, then benefit). */
static civic_status due_households(recalc *rc, const json_t *list,
                                   int64_t *due) {
  size_t nb = civic_scheme_benefit_count(rc->scheme), h;
  size_t months = (size_t)(rc->to - rc->from + 1);
  civic_status st = CIVIC_OK;
  for (h = 0; h < json_array_size(list) && st == CIVIC_OK; h++) {
    int32_t m;
    civic_json_index_path(rc->tl, sizeof rc->tl, "timelines", h);
    st = read_timeline(rc, json_array_get(list, h));
    if (st == CIVIC_OK)
      st = check_months(rc);
    for (m = rc->from; m <= rc->to && st == CIVIC_OK; m++)
      st = month_due(rc, m, KNOWN_ALL,
                     &due[(h * months + (size_t)(m - rc->from)) * nb], NULL);
  }
  return st;
}

civic_status civic_recalc_due_batch(civic_ctx *ctx,
                                    const civic_recalc_scheme *scheme,
                                    const char *input, int64_t *due,
                                    size_t due_count) {
  recalc rc;
  json_t *in = NULL, *list = NULL;
  int64_t *work = NULL;
  size_t need = 0;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (scheme == NULL || input == NULL || due == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "scheme, input and due must not be NULL");
  memset(&rc, 0, sizeof rc);
  rc.d = &ctx->diag;
  rc.scheme = scheme->scheme;
  rc.known_at = KNOWN_ALL;
  st = civic_json_parse(rc.d, input, strlen(input), &in);
  if (st == CIVIC_OK)
    st = read_common(&rc, in);
  if (st == CIVIC_OK)
    st = civic_json_array(rc.d, in, "", "timelines", &list);
  if (st == CIVIC_OK) {
    need = json_array_size(list) * (size_t)(rc.to - rc.from + 1) *
           civic_scheme_benefit_count(rc.scheme);
    if (need != due_count)
      st = civic_diag_set(rc.d, CIVIC_E_INVALID_ARGUMENT,
                          "due: needs %zu entries (households x months x "
                          "benefits), got %zu",
                          need, due_count);
  }
  /* All or nothing: `due` is written only once every household succeeded. */
  if (st == CIVIC_OK && (work = malloc((need + 1) * sizeof *work)) == NULL)
    st = civic_diag_set(rc.d, CIVIC_E_NOMEM, "out of memory");
  if (st == CIVIC_OK)
    st = due_households(&rc, list, work);
  if (st == CIVIC_OK)
    memcpy(due, work, need * sizeof *work);
  free(work);
  free(rc.events);
  json_decref(in);
  return st;
}
