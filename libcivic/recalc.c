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
#include "civic/evaluate.h"
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

/* --------------------------------------------------- monthly entitlement */

/* Entitlement of every benefit in a month as known at `known`, prorated over
 * the segments between changes (events and parameter periods). `segments`,
 * when not NULL, receives one array per benefit describing them. */
static civic_status month_due(recalc *rc, int32_t month, int32_t known,
                              int64_t *due, json_t **segments) {
  size_t nb = civic_scheme_benefit_count(rc->scheme), b;
  int32_t first = civic_month_first_day(month);
  int32_t days = civic_month_length(month), end = first + days, a = first;
  int64_t amounts[64];
  char buf1[11], buf2[11];
  civic_status st;
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
        st = civic_scheme_eval(rc->d, rc->scheme, a, s.facts, amounts);
      if (st != CIVIC_OK)
        return st;
      if (s.facts[CIVIC_FACT_ALIVE] == 0)
        memset(amounts, 0, sizeof amounts); /* nothing due after death */
    }
    for (b = 0; b < nb; b++) {
      int64_t part =
          civic_prorate_segment(amounts[b], a - first, next - first, days);
      if (!civic_add_i64(due[b], part, &due[b]))
        return civic_diag_set(rc->d, CIVIC_E_OVERFLOW,
                              "months.%s: entitlement outside int64",
                              civic_scheme_benefit_id(rc->scheme, b));
      if (segments != NULL) {
        json_t *seg =
            json_pack("{s:s,s:s,s:I,s:I}", "from", civic_date_format(a, buf1),
                      "until", civic_date_format(next - 1, buf2), "amount",
                      (json_int_t)amounts[b], "prorated", (json_int_t)part);
        st = civic_json_append_new(rc->d, segments[b], seg);
        if (st != CIVIC_OK)
          return st;
      }
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

/* Payment ids for one month and benefit, sorted: what a correction corrects. */
static json_t *corrected_ids(const recalc *rc, int32_t month, size_t b) {
  const char **ids = malloc((rc->payment_count + 1) * sizeof *ids);
  json_t *list = json_array();
  size_t i, n = 0;
  if (ids == NULL || list == NULL) {
    free(ids);
    json_decref(list);
    return NULL;
  }
  for (i = 0; i < rc->payment_count; i++)
    if (rc->payments[i].month == month && rc->payments[i].benefit == b)
      ids[n++] = rc->payments[i].id;
  qsort(ids, n, sizeof *ids, cmp_cstr);
  for (i = 0; i < n; i++)
    json_array_append_new(list, json_string(ids[i]));
  free(ids);
  return list;
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

static civic_status emit_correction(recalc *rc, int32_t month, size_t b,
                                    const cell *c, json_t *corrections,
                                    json_t *transfers, totals *t) {
  char id[512], mbuf[16], kbuf[11];
  const char *benefit = civic_scheme_benefit_id(rc->scheme, b);
  int64_t diff = c->due - c->paid;
  bool under = diff > 0;
  json_t *corr;
  civic_status st;
  if (diff == 0)
    return CIVIC_OK;
  snprintf(id, sizeof id, "corr:%.100s:%.64s:%s:%s", rc->household, benefit,
           civic_month_format(month, mbuf), known_label(rc, kbuf));
  corr = json_pack(
      "{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o}", "id", id, "month", mbuf, "benefit",
      benefit, "kind", under ? "underpayment" : "overpayment", "amount",
      (json_int_t)(under ? diff : -diff), "netted", (json_int_t)c->netted,
      under ? "paid_now" : "receivable", (json_int_t)c->settled, "corrects",
      corrected_ids(rc, month, b));
  st = civic_json_append_new(rc->d, corrections, corr);
  if (st == CIVIC_OK && under) /* count each netted euro once */
    st = add_checked(rc, &t->netted, c->netted);
  if (st == CIVIC_OK)
    st = add_checked(rc, under ? &t->paid_now : &t->new_debt, c->settled);
  if (st != CIVIC_OK || c->settled == 0)
    return st;
  /* An underpayment moves money now; an overpayment books the resident's
   * debt (the receivable account runs negative, min_balance null). */
  return civic_json_append_new(
      rc->d, transfers,
      json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", id, "from",
                under ? rc->pol.payer : rc->pol.receivable, "to",
                under ? rc->pol.resident : rc->pol.payer, "amount",
                (json_int_t)c->settled, "asset", rc->pol.asset));
}

static civic_status run_month(recalc *rc, int32_t month, json_t *months,
                              cell *cells) {
  size_t nb = civic_scheme_benefit_count(rc->scheme), b;
  int64_t due[64];
  json_t *segs[64] = {0}, *row, *list;
  char mbuf[16];
  civic_status st = CIVIC_OK;
  for (b = 0; b < nb; b++)
    if ((segs[b] = json_array()) == NULL)
      st = civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
  if (st == CIVIC_OK)
    st = month_due(rc, month, rc->known_at, due, segs);
  for (b = 0; b < nb && st == CIVIC_OK; b++) {
    cells[b].due = due[b];
    st = sum_payments(rc, month, b, &cells[b].paid);
  }
  if (st != CIVIC_OK) {
    for (b = 0; b < nb; b++)
      json_decref(segs[b]);
    return st;
  }
  list = json_array();
  for (b = 0; b < nb; b++)
    json_array_append_new(list,
                          json_pack("{s:s,s:I,s:I,s:I,s:o}", "benefit",
                                    civic_scheme_benefit_id(rc->scheme, b),
                                    "due", (json_int_t)cells[b].due, "paid",
                                    (json_int_t)cells[b].paid, "difference",
                                    (json_int_t)(cells[b].due - cells[b].paid),
                                    "segments", segs[b]));
  row = json_pack("{s:s,s:i,s:o}", "month", civic_month_format(month, mbuf),
                  "days", (int)civic_month_length(month), "benefits", list);
  return civic_json_append_new(rc->d, months, row);
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

static civic_status recovery_plan(recalc *rc, int64_t new_debt, json_t **out) {
  int64_t outstanding = 0, recovered = 0;
  int32_t m = rc->pol.plan_start, k;
  const char *stopped = "max_term";
  char mbuf[16];
  json_t *list = json_array();
  civic_status st = CIVIC_OK;
  if (!civic_add_i64(rc->pol.outstanding, new_debt, &outstanding))
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
    json_array_append_new(
        list,
        json_pack("{s:s,s:I,s:I,s:I,s:I}", "month", civic_month_format(m, mbuf),
                  "available", (json_int_t)avail, "floor", (json_int_t)floor,
                  "instalment", (json_int_t)inst, "outstanding_after",
                  (json_int_t)outstanding));
  }
  if (st == CIVIC_OK && outstanding == 0)
    stopped = "paid_off";
  if (st != CIVIC_OK) {
    json_decref(list);
    return st;
  }
  *out = json_pack("{s:I,s:I,s:I,s:o,s:I,s:s}", "older_debt",
                   (json_int_t)rc->pol.outstanding, "new_debt",
                   (json_int_t)new_debt, "recovered", (json_int_t)recovered,
                   "instalments", list, "remaining", (json_int_t)outstanding,
                   "stopped", stopped);
  return *out ? CIVIC_OK
              : civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
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

static json_t *outcome_json(const outcome *o) {
  return json_pack("{s:I,s:I,s:I,s:I,s:I}", "debt_incurred",
                   (json_int_t)o->debt, "recovered", (json_int_t)o->recovered,
                   "outstanding_at_end", (json_int_t)o->outstanding,
                   "months_in_arrears", (json_int_t)o->arrears_months,
                   "late_underpayments", (json_int_t)o->late_underpaid);
}

static civic_status scenarios(recalc *rc, json_t *result) {
  outcome now, later;
  json_t *s;
  civic_status st = simulate(rc, 0, false, &now);
  if (st == CIVIC_OK)
    st = simulate(rc, (int32_t)rc->setoff_weeks * 7, true, &later);
  if (st != CIVIC_OK)
    return st;
  s = json_pack("{s:o,s:o,s:I,s:I}", "recalculate_at_once", outcome_json(&now),
                "setoff_after_weeks", outcome_json(&later), "weeks",
                (json_int_t)rc->setoff_weeks, "pay_day",
                (json_int_t)rc->pay_day);
  return civic_json_set_new(rc->d, result, "scenarios", s);
}

/* The rent obligation re-planned from each relocation's effective date (a
 * move changes the amount and the payee), as known at `known_at`: what the
 * settlement should pay from when, and to whom. */
static civic_status rent_plan(recalc *rc, json_t *result) {
  char buf[11];
  json_t *list = json_array();
  size_t i;
  civic_status st = civic_json_append_new(
      rc->d, list,
      json_pack("{s:s,s:s,s:I,s:s}", "category", "rent", "from",
                civic_date_format(rc->start, buf), "amount",
                (json_int_t)rc->initial[CIVIC_FACT_RENT], "payee",
                rc->landlord));
  for (i = 0; i < rc->event_count && st == CIVIC_OK; i++) {
    const event *e = &rc->events[i];
    if (e->type != EV_RELOCATION || e->reported > rc->known_at)
      continue;
    st = civic_json_append_new(
        rc->d, list,
        json_pack("{s:s,s:s,s:I,s:s,s:s}", "category", "rent", "from",
                  civic_date_format(e->effective, buf), "amount",
                  (json_int_t)e->rent, "payee", e->landlord, "event", e->id));
  }
  if (st != CIVIC_OK) {
    json_decref(list);
    return st;
  }
  return civic_json_set_new(rc->d, result, "obligations", list);
}

/* A population run: the scenario comparison summed over many households
 * (`population`: a list of timelines). Only the scheme, the months, the
 * policy and the scenario are read besides. */
static civic_status run_population(recalc *rc, const json_t *in,
                                   json_t *result) {
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
  if (st != CIVIC_OK)
    return st;
  return civic_json_set_new(
      rc->d, result, "population",
      json_pack("{s:I,s:o,s:o,s:I,s:I}", "households",
                (json_int_t)json_array_size(list), "recalculate_at_once",
                outcome_json(&sum_now), "setoff_after_weeks",
                outcome_json(&sum_later), "weeks", (json_int_t)rc->setoff_weeks,
                "pay_day", (json_int_t)rc->pay_day));
}

/* ---------------------------------------------------------- entry points */

static civic_status run(recalc *rc, const json_t *in, json_t *result) {
  json_t *months = json_array(), *corrections = json_array(),
         *transfers = json_array(), *plan = NULL;
  cell *cells = NULL;
  totals t = {0, 0, 0};
  char kbuf[11];
  int32_t m;
  civic_status st = read_input(rc, in);
  if (st == CIVIC_OK)
    st = civic_json_set_str(rc->d, result, "household", rc->household);
  if (st == CIVIC_OK)
    st = civic_json_set_str(rc->d, result, "known_at", known_label(rc, kbuf));
  if (st == CIVIC_OK)
    st = civic_json_set_new(rc->d, result, "months", json_incref(months));
  if (st == CIVIC_OK)
    st = civic_json_set_new(rc->d, result, "corrections",
                            json_incref(corrections));
  if (st == CIVIC_OK) {
    size_t nb = civic_scheme_benefit_count(rc->scheme), count, i;
    count = (size_t)(rc->to - rc->from + 1) * nb;
    cells = calloc(count + 1, sizeof *cells);
    if (cells == NULL)
      st = civic_diag_set(rc->d, CIVIC_E_NOMEM, "out of memory");
    for (m = rc->from; m <= rc->to && st == CIVIC_OK; m++)
      st = run_month(rc, m, months, &cells[(size_t)(m - rc->from) * nb]);
    if (st == CIVIC_OK)
      st = check_run_totals(rc, cells, count);
    if (st == CIVIC_OK)
      net_run(cells, count);
    for (i = 0; i < count && st == CIVIC_OK; i++)
      st = emit_correction(rc, rc->from + (int32_t)(i / nb), i % nb, &cells[i],
                           corrections, transfers, &t);
  }
  if (st == CIVIC_OK)
    st = civic_json_set_new(
        rc->d, result, "settlement",
        json_pack("{s:I,s:I,s:I}", "paid_now", (json_int_t)t.paid_now, "netted",
                  (json_int_t)t.netted, "new_debt", (json_int_t)t.new_debt));
  if (st == CIVIC_OK)
    st = recovery_plan(rc, t.new_debt, &plan);
  if (st == CIVIC_OK)
    st = civic_json_set_new(rc->d, result, "recovery", plan);
  if (st == CIVIC_OK)
    st = civic_json_set_new(rc->d, result, "transfers", json_incref(transfers));
  if (st == CIVIC_OK)
    st = rent_plan(rc, result);
  if (st == CIVIC_OK && rc->has_scenario)
    st = scenarios(rc, result);
  free(cells);
  json_decref(months);
  json_decref(corrections);
  json_decref(transfers);
  return st;
}

/* One recalculation; `scheme` is NULL to load it from the input. */
static civic_status recalc_json(civic_diag *d, const civic_scheme *scheme,
                                const json_t *in, json_t **out) {
  recalc rc;
  json_t *result = json_object();
  civic_status st;
  memset(&rc, 0, sizeof rc);
  rc.d = d;
  rc.scheme = scheme;
  *out = NULL;
  if (result == NULL)
    st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  else if (json_object_get(in, "population") != NULL)
    st = run_population(&rc, in, result);
  else
    st = run(&rc, in, result);
  civic_scheme_free(rc.owned_scheme);
  free(rc.events);
  free(rc.payments);
  if (st != CIVIC_OK) {
    json_decref(result);
    return st;
  }
  *out = result;
  return CIVIC_OK;
}

civic_status civic_recalc_eval_json(civic_diag *d, const json_t *in,
                                    json_t **out) {
  return recalc_json(d, NULL, in, out);
}

civic_status civic_recalc_run(civic_ctx *ctx, const char *input,
                              char **output) {
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  return civic_evaluate(ctx, "recalc", input, output);
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

/* civic_recalc_run without loading the scheme again: parse, run, serialise. */
civic_status civic_recalc_run_with_scheme(civic_ctx *ctx,
                                          const civic_recalc_scheme *scheme,
                                          const char *input, char **output) {
  json_t *in = NULL, *result = NULL;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (scheme == NULL || input == NULL || output == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "scheme, input and output must not be NULL");
  *output = NULL;
  st = civic_json_parse(&ctx->diag, input, strlen(input), &in);
  if (st == CIVIC_OK)
    st = recalc_json(&ctx->diag, scheme->scheme, in, &result);
  json_decref(in);
  if (st != CIVIC_OK)
    return st;
  *output = civic_json_dump(result);
  json_decref(result);
  if (*output == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_NOMEM,
                          "out of memory writing output");
  return CIVIC_OK;
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
